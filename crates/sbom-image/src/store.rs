//! Where the files of a local image live: a folder, or a tar archive read in place
//! (one header pass records each entry's offset; blobs are read by seeking, never extracted).

use std::collections::BTreeMap;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::stream::RawBlob;
use crate::ImageError;

/// Largest JSON document (index, manifest, config) read into memory.
pub(crate) const MAX_JSON: u64 = 32 * 1024 * 1024;

/// Read access to the files of an image layout or archive by relative path.
pub(crate) trait Store: Send + Sync {
    /// Opens `path` (relative, `/`-separated). `Ok(None)` when it does not exist.
    fn open(&self, path: &str) -> Result<Option<(RawBlob, u64)>, ImageError>;
}

/// Normalises a relative path lexically: drops `.`, empty parts and leading `/`;
/// resolves `..` against earlier parts. `None` if it climbs above the root.
pub(crate) fn normalise(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// A folder (OCI layout, or an unpacked docker save).
pub(crate) struct DirStore {
    pub root: PathBuf,
    pub image: String,
}

impl Store for DirStore {
    fn open(&self, path: &str) -> Result<Option<(RawBlob, u64)>, ImageError> {
        let Some(rel) = normalise(path).filter(|r| !r.is_empty()) else {
            return Err(ImageError::Invalid {
                image: self.image.clone(),
                message: format!("path {path:?} points outside the image folder"),
            });
        };
        let full = self.root.join(&rel);
        let io_err = |source: io::Error| ImageError::Io {
            image: self.image.clone(),
            path: full.clone(),
            source,
        };
        let file = match fs_err::File::open(&full) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(e)),
        };
        let meta = file.metadata().map_err(io_err)?;
        if !meta.is_file() {
            return Ok(None);
        }
        Ok(Some((Box::new(file), meta.len())))
    }
}

#[derive(Clone, Debug)]
enum TarItem {
    File { offset: u64, size: u64 },
    Link(String),
}

/// A tar archive indexed in one pass over its headers.
pub(crate) struct TarStore {
    file: PathBuf,
    image: String,
    items: BTreeMap<String, TarItem>,
}

impl TarStore {
    /// Reads every header once (bodies are skipped by seeking).
    pub fn index(file: &Path, image: &str) -> Result<TarStore, ImageError> {
        let io_err = |source: io::Error| ImageError::Io {
            image: image.to_string(),
            path: file.to_path_buf(),
            source,
        };
        // The image is often named by the file itself: then say it once.
        let named = if image == file.display().to_string() {
            String::from("not a readable tar archive")
        } else {
            format!("{} is not a readable tar archive", file.display())
        };
        let not_tar = |e: io::Error| ImageError::Invalid {
            image: image.to_string(),
            message: format!("{named}: {e}"),
        };
        let mut f = fs_err::File::open(file).map_err(io_err)?;
        let mut magic = [0u8; 4];
        let mut got = 0;
        while got < magic.len() {
            match f.read(magic.get_mut(got..).unwrap_or_default()) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_err(e)),
            }
        }
        let compression = crate::stream::Compression::sniff(magic.get(..got).unwrap_or_default());
        if compression != crate::stream::Compression::None {
            return Err(ImageError::Invalid {
                image: image.to_string(),
                message: format!(
                    "{} is a {compression:?}-compressed archive; decompress it first (archives are read in place, which needs a plain tar)",
                    file.display()
                ),
            });
        }
        f.seek(SeekFrom::Start(0)).map_err(io_err)?;
        let mut archive = tar::Archive::new(f);
        let mut items = BTreeMap::new();
        for entry in archive.entries_with_seek().map_err(not_tar)? {
            let entry = entry.map_err(not_tar)?;
            let Some(name) = entry
                .path()
                .ok()
                .and_then(|p| p.to_str().map(str::to_string))
                .and_then(|p| normalise(&p))
            else {
                continue;
            };
            let kind = entry.header().entry_type();
            let item = if kind.is_file() || kind == tar::EntryType::Continuous {
                TarItem::File {
                    offset: entry.raw_file_position(),
                    size: entry.size(),
                }
            } else if kind.is_symlink() || kind.is_hard_link() {
                let Some(target) = entry
                    .link_name()
                    .ok()
                    .flatten()
                    .and_then(|t| t.to_str().map(str::to_string))
                else {
                    continue;
                };
                let resolved = if kind.is_symlink() && !target.starts_with('/') {
                    let parent = name.rsplit_once('/').map_or("", |(d, _)| d);
                    normalise(&format!("{parent}/{target}"))
                } else {
                    normalise(&target)
                };
                match resolved {
                    Some(t) => TarItem::Link(t),
                    None => continue,
                }
            } else {
                continue;
            };
            items.insert(name, item);
        }
        Ok(TarStore {
            file: file.to_path_buf(),
            image: image.to_string(),
            items,
        })
    }

    fn lookup(&self, path: &str) -> Option<(u64, u64)> {
        let mut cur = normalise(path)?;
        for _ in 0..16 {
            match self.items.get(&cur)? {
                TarItem::File { offset, size } => return Some((*offset, *size)),
                TarItem::Link(t) => cur = t.clone(),
            }
        }
        None
    }

    /// Whether the archive holds `path` (following links).
    pub fn contains(&self, path: &str) -> bool {
        self.lookup(path).is_some()
    }
}

impl Store for TarStore {
    fn open(&self, path: &str) -> Result<Option<(RawBlob, u64)>, ImageError> {
        let Some((offset, size)) = self.lookup(path) else {
            return Ok(None);
        };
        let io_err = |source: io::Error| ImageError::Io {
            image: self.image.clone(),
            path: self.file.clone(),
            source,
        };
        let mut f = fs_err::File::open(&self.file).map_err(io_err)?;
        f.seek(SeekFrom::Start(offset)).map_err(io_err)?;
        Ok(Some((Box::new(f.take(size)), size)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(store: &dyn Store, p: &str) -> Option<Vec<u8>> {
        let (mut r, size) = store.open(p).expect("no io error")?;
        let mut v = Vec::new();
        r.read_to_end(&mut v).expect("reads");
        assert_eq!(v.len() as u64, size);
        Some(v)
    }

    #[test]
    fn normalise_handles_dots_and_escapes() {
        assert_eq!(
            normalise("./blobs//sha256/x").as_deref(),
            Some("blobs/sha256/x")
        );
        assert_eq!(normalise("/a/b/../c").as_deref(), Some("a/c"));
        assert_eq!(normalise("../etc/passwd"), None);
    }

    #[test]
    fn tar_store_reads_entries_in_place_and_follows_links() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("a.tar");
        let mut b = tar::Builder::new(Vec::new());
        let mut add = |path: &str, data: &[u8]| {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            b.append_data(&mut h, path, data).expect("append");
        };
        add("./blobs/sha256/aa", b"first blob");
        add("index.json", b"{}");
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        b.append_link(&mut h, "layer1/layer.tar", "../blobs/sha256/aa")
            .expect("link");
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Link);
        h.set_size(0);
        b.append_link(&mut h, "hard", "blobs/sha256/aa")
            .expect("link");
        for (link, target) in [("loop/a", "b"), ("loop/b", "a")] {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            b.append_link(&mut h, link, target).expect("link");
        }
        fs_err::write(&file, b.into_inner().expect("tar")).expect("write");

        let store = TarStore::index(&file, "img").expect("indexes");
        assert_eq!(
            read(&store, "blobs/sha256/aa").as_deref(),
            Some(&b"first blob"[..])
        );
        assert_eq!(read(&store, "index.json").as_deref(), Some(&b"{}"[..]));
        assert_eq!(
            read(&store, "layer1/layer.tar").as_deref(),
            Some(&b"first blob"[..])
        );
        assert_eq!(read(&store, "hard").as_deref(), Some(&b"first blob"[..]));
        assert!(read(&store, "missing").is_none());
        assert!(
            read(&store, "loop/a").is_none(),
            "a symlink loop ends as missing"
        );
        assert!(store.contains("index.json"));
    }

    #[test]
    fn tar_store_rejects_garbage_without_panicking() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("junk.tar");
        let junk: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        fs_err::write(&file, junk).expect("write");
        match TarStore::index(&file, "img") {
            Err(ImageError::Invalid { message, .. }) => {
                assert!(message.contains("not a readable tar archive"), "{message}")
            }
            Ok(s) => assert!(!s.contains("index.json")),
            Err(e) => panic!("unexpected error kind: {e}"),
        }
    }

    #[test]
    fn compressed_archive_is_refused_with_advice() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("img.tar.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &[0u8; 1024]).expect("gzip");
        fs_err::write(&file, gz.finish().expect("gzip")).expect("write");
        let err = TarStore::index(&file, "img")
            .err()
            .expect("refused")
            .to_string();
        assert!(
            err.contains("Gzip-compressed archive; decompress it first"),
            "{err}"
        );
    }

    #[test]
    fn dir_store_refuses_paths_outside_the_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = DirStore {
            root: dir.path().to_path_buf(),
            image: "img".into(),
        };
        assert!(matches!(
            store.open("../../etc/passwd"),
            Err(ImageError::Invalid { .. })
        ));
        assert!(store.open("nothing").expect("ok").is_none());
    }
}
