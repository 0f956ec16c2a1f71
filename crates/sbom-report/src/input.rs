//! What a report is made from: a release folder (SBOMs in any format we read, plus the
//! batch scan's `index.json` when present), an optional previous release, an optional
//! audit (`sbom audit --format json`).
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sbom_format::DocumentKind;
use sbom_model::Sbom;
use serde::Deserialize;

use crate::ReportError;

/// One SBOM file of an image, as the release folder holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SbomFile {
    /// Path relative to the release folder, with `/` separators.
    pub rel: String,
    /// Human name of the format (`CycloneDX JSON`, `SPDX tag-value`, ...).
    pub format: &'static str,
    pub kind: DocumentKind,
}

/// One layer as `index.json` describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct IndexLayer {
    #[serde(default)]
    pub digest: String,
    #[serde(default)]
    pub diff_id: String,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub created_by: Option<String>,
}

/// The parts of an `index.json` entry the report uses.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct IndexEntry {
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub manifest_digest: Option<String>,
    #[serde(default)]
    pub platform: Option<String>,
    #[serde(default)]
    pub outputs: Vec<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub verified: Option<String>,
    #[serde(default)]
    pub layer_details: Vec<IndexLayer>,
}

#[derive(Debug, Default, Deserialize)]
struct IndexFile {
    #[serde(default)]
    images: Vec<IndexEntry>,
}

/// An image of the release: its SBOM, every file it was written to, its index entry.
#[derive(Clone, Debug)]
pub struct ImageInput {
    pub sbom: Sbom,
    /// Every format the folder holds for this image, sorted by path.
    pub files: Vec<SbomFile>,
    pub index: Option<IndexEntry>,
}

/// A release folder, read.
#[derive(Clone, Debug)]
pub struct ReleaseInput {
    /// The folder's name.
    pub name: String,
    /// The folder itself (SBOM files are copied from here).
    pub dir: PathBuf,
    pub images: Vec<ImageInput>,
    /// Images the batch scan could not scan (`status: failed` in `index.json`).
    pub failed: Vec<IndexEntry>,
}

fn format_name(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::CycloneDxJson => "CycloneDX JSON",
        DocumentKind::CycloneDxXml => "CycloneDX XML",
        DocumentKind::SpdxJson => "SPDX JSON",
        DocumentKind::SpdxTagValue => "SPDX tag-value",
        DocumentKind::Spdx3Json => "SPDX 3 JSON-LD",
        DocumentKind::SbomJson => "sbom JSON",
    }
}

/// Which file of an image is read: our lossless JSON first, then CycloneDX, then SPDX
/// (the order `sbom diff` uses for a release folder).
fn read_rank(f: &SbomFile) -> (u8, usize, &str) {
    let r = match f.kind {
        DocumentKind::SbomJson => 0,
        DocumentKind::CycloneDxJson => 1,
        DocumentKind::SpdxJson => 2,
        DocumentKind::CycloneDxXml => 3,
        DocumentKind::SpdxTagValue => 4,
        DocumentKind::Spdx3Json => 5,
    };
    (r, f.rel.len(), f.rel.as_str())
}

/// Every file under `dir` (sorted; hidden entries, symlinked folders and sites written
/// by `sbom report` skipped), relative, with `/` separators.
fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) -> Result<(), ReportError> {
    let mut entries: Vec<_> = fs_err::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let ft = e.file_type()?;
        if ft.is_dir() {
            // A report written into the release folder holds copies of its SBOMs.
            if e.path().join(crate::site::MARKER).exists() {
                continue;
            }
            walk(&e.path(), &path, out)?;
        } else if ft.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

/// The document kind of a file, from its first 8 KB.
fn sniff(path: &Path) -> Result<Option<DocumentKind>, ReportError> {
    use std::io::Read;
    let mut head = Vec::with_capacity(8192);
    fs_err::File::open(path)?
        .take(8192)
        .read_to_end(&mut head)?;
    Ok(sbom_format::detect(&head))
}

/// The part of a file name that names the image: up to the format suffix
/// (`26.0.1.cdx.json` and `26.0.1.spdx` give `26.0.1`).
fn stem(rel: &str) -> &str {
    let start = rel.rfind('/').map_or(0, |i| i + 1);
    let name = &rel[start..];
    let cut = [".cdx.", ".cdx-", ".spdx", ".sbom."]
        .iter()
        .filter_map(|m| name.find(m))
        .min()
        .or_else(|| name.rfind('.'))
        .unwrap_or(name.len());
    &rel[..start + cut]
}

/// Reads `dir/rel` as a batch scan's `index.json`.
fn read_index(dir: &Path, rel: &str) -> Result<IndexFile, ReportError> {
    let path = dir.join(rel);
    let bytes = fs_err::read(&path)?;
    serde_json::from_slice(&bytes).map_err(|e| ReportError::Input {
        path,
        message: format!("not a batch scan's index.json: {e}"),
    })
}

/// Reads a release folder: every SBOM file (recognised by content), grouped per image
/// by the batch scans' `index.json` files when there are any (at any depth: the shards
/// of a split run may sit side by side, each with its own index), else by file name stem.
pub fn load_release(dir: &Path) -> Result<ReleaseInput, ReportError> {
    let mut rels = Vec::new();
    walk(dir, "", &mut rels)?;
    let mut files: BTreeMap<String, SbomFile> = BTreeMap::new();
    let mut indexes = Vec::new();
    for rel in rels {
        if rel == "index.json" || rel.ends_with("/index.json") {
            indexes.push(rel);
        } else if let Some(kind) = sniff(&dir.join(&rel))? {
            let format = format_name(kind);
            files.insert(rel.clone(), SbomFile { rel, format, kind });
        }
    }
    let mut groups: Vec<(Option<IndexEntry>, Vec<SbomFile>)> = Vec::new();
    let mut failed = Vec::new();
    for rel in indexes {
        // Outputs are relative to the folder of their index.
        let base = rel.strip_suffix("index.json").unwrap_or("");
        for e in read_index(dir, &rel)?.images {
            if e.status == "failed" {
                failed.push(e);
                continue;
            }
            let g: Vec<SbomFile> = e
                .outputs
                .iter()
                .filter_map(|o| files.remove(&format!("{base}{o}")))
                .collect();
            if !g.is_empty() {
                groups.push((Some(e), g));
            }
        }
    }
    // Files no index entry names: one image per file name stem.
    let mut by_stem: BTreeMap<String, Vec<SbomFile>> = BTreeMap::new();
    for (rel, f) in files {
        by_stem.entry(stem(&rel).to_string()).or_default().push(f);
    }
    groups.extend(by_stem.into_values().map(|g| (None, g)));
    let mut images = Vec::with_capacity(groups.len());
    for (index, mut files) in groups {
        files.sort_by(|a, b| a.rel.cmp(&b.rel));
        let Some(best) = files.iter().min_by(|a, b| read_rank(a).cmp(&read_rank(b))) else {
            continue;
        };
        let path = dir.join(&best.rel);
        let bytes = fs_err::read(&path)?;
        let sbom = sbom_format::read_any(&bytes).map_err(|e| ReportError::Input {
            path,
            message: e.to_string(),
        })?;
        images.push(ImageInput { sbom, files, index });
    }
    if images.is_empty() && failed.is_empty() {
        return Err(ReportError::Input {
            path: dir.to_path_buf(),
            message: "no SBOM files (CycloneDX, SPDX or sbom JSON) in this folder".into(),
        });
    }
    let name = dir
        .canonicalize()
        .ok()
        .as_deref()
        .and_then(Path::file_name)
        .map_or_else(
            || dir.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
    Ok(ReleaseInput {
        name,
        dir: dir.to_path_buf(),
        images,
        failed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_sbom(dir: &Path, rel: &str, name: &str, format: sbom_format::Format) {
        let mut s = Sbom::default();
        s.subject.name = name.into();
        s.subject.reference = format!("{name}:1");
        s.subject.tag = Some("1".into());
        s.packages.push(sbom_model::Package::new(
            sbom_model::Ecosystem::Deb,
            "bash",
            "5.2",
        ));
        s.finalize();
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, sbom_format::write(&s, &format).expect("write")).expect("write");
    }

    #[test]
    fn shards_side_by_side_each_with_an_index_and_loose_files_by_stem() {
        let dir = tempfile::tempdir().expect("tmp");
        let d = dir.path();
        let cdx = sbom_format::Format::default();
        write_sbom(d, "shard-1/q/a/1.cdx.json", "q/a", cdx);
        write_sbom(
            d,
            "shard-1/q/a/1.spdx.json",
            "q/a",
            sbom_format::Format::SpdxJson,
        );
        write_sbom(d, "shard-2/q/b/1.cdx.json", "q/b", cdx);
        write_sbom(d, "loose/c.1.cdx.json", "q/c", cdx);
        write_sbom(
            d,
            "loose/c.1.spdx",
            "q/c",
            sbom_format::Format::SpdxTagValue,
        );
        std::fs::write(
            d.join("shard-1/index.json"),
            r#"{"images": [{"reference": "q/a:1", "status": "ok",
                "outputs": ["q/a/1.cdx.json", "q/a/1.spdx.json"]},
               {"reference": "q/x:1", "status": "failed", "error": "manifest unknown"}]}"#,
        )
        .expect("index");
        std::fs::write(
            d.join("shard-2/index.json"),
            r#"{"images": [{"reference": "q/b:1", "status": "ok", "outputs": ["q/b/1.cdx.json"]}]}"#,
        )
        .expect("index");
        let r = load_release(d).expect("loads");
        let mut got: Vec<(String, Vec<&str>, bool)> = r
            .images
            .iter()
            .map(|i| {
                (
                    i.sbom.subject.name.clone(),
                    i.files.iter().map(|f| f.rel.as_str()).collect(),
                    i.index.is_some(),
                )
            })
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                (
                    "q/a".into(),
                    vec!["shard-1/q/a/1.cdx.json", "shard-1/q/a/1.spdx.json"],
                    true
                ),
                ("q/b".into(), vec!["shard-2/q/b/1.cdx.json"], true),
                (
                    "q/c".into(),
                    vec!["loose/c.1.cdx.json", "loose/c.1.spdx"],
                    false
                ),
            ]
        );
        assert_eq!(r.failed.len(), 1);
        assert_eq!(r.failed[0].error.as_deref(), Some("manifest unknown"));
    }

    #[test]
    fn a_folder_without_sboms_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("notes.json"), "{}").expect("write");
        let e = load_release(dir.path()).expect_err("nothing to report");
        assert!(e.to_string().contains("no SBOM files"), "{e}");
    }

    #[test]
    fn stem_cuts_the_format_suffix_not_dots_of_the_tag() {
        assert_eq!(
            stem("quay.io/osism/keystone/26.0.1.cdx.json"),
            "quay.io/osism/keystone/26.0.1"
        );
        assert_eq!(stem("a/26.0.1.cdx-1.5.json"), "a/26.0.1");
        assert_eq!(stem("a/26.0.1.spdx"), "a/26.0.1");
        assert_eq!(stem("a/26.0.1.spdx.json"), "a/26.0.1");
        assert_eq!(stem("a/v1.sbom.json"), "a/v1");
        assert_eq!(stem("keystone.json"), "keystone");
    }
}
