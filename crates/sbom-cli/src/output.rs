//! Writing outputs: `-o FORMAT[=FILE]`, atomically (temp file + rename), never half-written.
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// One requested output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputSpec {
    pub format: String,
    pub file: Option<PathBuf>,
}

impl std::str::FromStr for OutputSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (format, file) = match s.split_once('=') {
            Some((f, p)) if !p.is_empty() => (f.to_string(), Some(PathBuf::from(p))),
            Some((f, _)) => return Err(format!("`-o {f}=`: missing file name")),
            None => (s.to_string(), None),
        };
        if format.is_empty() {
            return Err("empty output format".into());
        }
        Ok(OutputSpec { format, file })
    }
}

/// Writes `data` to `path` atomically: a temp file in the same folder, then rename.
/// A path that exists and is not a regular file (`/dev/null`, `/dev/stdout`, a fifo)
/// is written in place: renaming over it would replace the device with a file.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    if let Ok(meta) = fs_err::metadata(path) {
        if !meta.is_file() && !meta.is_dir() {
            let mut f = fs_err::OpenOptions::new().write(true).open(path)?;
            f.write_all(data)
                .with_context(|| format!("cannot write {}", path.display()))?;
            return Ok(());
        }
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs_err::create_dir_all(&dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".sbom-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(data)
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Writes to a file (atomically) or to stdout.
pub fn emit(file: Option<&Path>, data: &[u8]) -> Result<()> {
    match file {
        Some(p) => write_atomic(p, data),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(data).context("cannot write to stdout")?;
            out.flush().context("cannot write to stdout")?;
            Ok(())
        }
    }
}

/// Creation time for SBOMs: `SOURCE_DATE_EPOCH` when set (reproducible builds), else now.
pub fn created_timestamp() -> Result<String> {
    let ts = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.trim().is_empty() => {
            let secs: i64 = v
                .trim()
                .parse()
                .with_context(|| format!("SOURCE_DATE_EPOCH is not a number: {v}"))?;
            jiff::Timestamp::from_second(secs)
                .with_context(|| format!("SOURCE_DATE_EPOCH out of range: {v}"))?
        }
        _ => jiff::Timestamp::now(),
    };
    Ok(ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_spec_parses_format_and_file() {
        let s: OutputSpec = "spdx-json=out/x.spdx.json".parse().unwrap();
        assert_eq!(s.format, "spdx-json");
        assert_eq!(s.file.as_deref(), Some(Path::new("out/x.spdx.json")));
        let t: OutputSpec = "table".parse().unwrap();
        assert_eq!(t.file, None);
        assert!("cyclonedx-json=".parse::<OutputSpec>().is_err());
    }

    #[test]
    fn write_atomic_leaves_no_temp_files() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a/b.json");
        write_atomic(&p, b"{}").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"{}");
        let names: Vec<_> = std::fs::read_dir(d.path().join("a")).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn regression_writing_to_dev_null_keeps_it_a_device() {
        use std::os::unix::fs::FileTypeExt;
        write_atomic(Path::new("/dev/null"), b"{}").unwrap();
        let meta = std::fs::metadata("/dev/null").unwrap();
        assert!(meta.file_type().is_char_device(), "/dev/null was replaced");
    }
}
