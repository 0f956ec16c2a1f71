//! The rendered site and how it reaches the disk: written to a new folder beside the
//! output folder and renamed into place, so an interrupted run leaves the old site (or
//! nothing), never half of a new one.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::ReportError;

/// The file that marks a folder as a site this crate wrote (and so may replace).
pub const MARKER: &str = ".sbom-report";

/// One file of the site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SiteFile {
    Text(String),
    /// A file copied as it is (the release's SBOM files).
    Copy(PathBuf),
}

/// Every file of a site, by path relative to its root (`/` separators).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Site {
    pub files: BTreeMap<String, SiteFile>,
}

impl Site {
    pub fn new(files: BTreeMap<String, SiteFile>) -> Self {
        Site { files }
    }

    /// The HTML pages, by path.
    pub fn pages(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().filter_map(|(p, f)| match f {
            SiteFile::Text(t) if p.ends_with(".html") => Some((p.as_str(), t.as_str())),
            _ => None,
        })
    }

    /// Writes the site to `out`. `out` may be missing, empty, or a site written before
    /// (it has the [`MARKER`] file), which is replaced whole; anything else is refused.
    pub fn write(&self, out: &Path) -> Result<(), ReportError> {
        let refuse = |message: &str| ReportError::Output {
            path: out.to_path_buf(),
            message: message.to_string(),
        };
        let name = out
            .file_name()
            .ok_or_else(|| refuse("not a folder name"))?
            .to_string_lossy()
            .into_owned();
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let replace = if out.exists() {
            if !out.is_dir() {
                return Err(refuse("exists and is not a folder"));
            }
            let empty = fs_err::read_dir(out)?.next().is_none();
            if !empty && !out.join(MARKER).is_file() {
                return Err(refuse(
                    "exists, is not empty and is not a site written by `sbom report` \
                     (no .sbom-report file): refusing to replace it",
                ));
            }
            true
        } else {
            false
        };
        fs_err::create_dir_all(&parent)?;
        let pid = std::process::id();
        let tmp = parent.join(format!(".{name}.tmp-{pid}"));
        if tmp.exists() {
            fs_err::remove_dir_all(&tmp)?;
        }
        if let Err(e) = self.write_into(&tmp) {
            let _ = fs_err::remove_dir_all(&tmp);
            return Err(e);
        }
        if replace {
            let old = parent.join(format!(".{name}.old-{pid}"));
            fs_err::rename(out, &old)?;
            fs_err::rename(&tmp, out)?;
            fs_err::remove_dir_all(&old)?;
        } else {
            fs_err::rename(&tmp, out)?;
        }
        Ok(())
    }

    fn write_into(&self, dir: &Path) -> Result<(), ReportError> {
        fs_err::create_dir_all(dir)?;
        fs_err::write(dir.join(MARKER), "written by sbom report\n")?;
        for (rel, file) in &self.files {
            // Paths come from our own page names and the release's relative file names;
            // refuse anything that could leave the folder all the same.
            if rel.split('/').any(|c| c.is_empty() || c == "..") || rel.starts_with('/') {
                return Err(ReportError::Output {
                    path: dir.join(rel),
                    message: "unsafe path in the site".into(),
                });
            }
            let path = dir.join(rel);
            if let Some(p) = path.parent() {
                fs_err::create_dir_all(p)?;
            }
            match file {
                SiteFile::Text(t) => fs_err::write(&path, t)?,
                SiteFile::Copy(src) => {
                    fs_err::copy(src, &path)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(page: &str) -> Site {
        let mut files = BTreeMap::new();
        files.insert("index.html".into(), SiteFile::Text(page.into()));
        Site::new(files)
    }

    #[test]
    fn a_site_replaces_its_own_earlier_site_but_nothing_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("site");
        site("one").write(&out).expect("new folder");
        site("two").write(&out).expect("replaces its own site");
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).expect("read"),
            "two"
        );
        let other = dir.path().join("other");
        std::fs::create_dir(&other).expect("mkdir");
        std::fs::write(other.join("precious.txt"), "x").expect("write");
        let e = site("three").write(&other).expect_err("not ours");
        assert!(e.to_string().contains("refusing"), "{e}");
        assert!(other.join("precious.txt").exists());
        // Nothing left behind beside the output folders.
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn unsafe_paths_are_refused() {
        let mut files = BTreeMap::new();
        files.insert("../x.html".into(), SiteFile::Text(String::new()));
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(Site::new(files).write(&dir.path().join("s")).is_err());
        assert!(!dir.path().join("x.html").exists());
    }
}
