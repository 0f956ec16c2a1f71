//! Source references and the dispatch from a reference to an [`ImageSource`].
//!
//! Syntax (modelled on skopeo's transports):
//!
//! | reference | meaning |
//! |---|---|
//! | `oci-dir:PATH[:TAG]` (alias `oci:`) | OCI image layout folder; `TAG` selects the manifest whose `org.opencontainers.image.ref.name` is `TAG` |
//! | `oci-archive:FILE[:TAG]` | tar of an OCI image layout, read in place |
//! | `docker-archive:FILE[:NAME:TAG]` or `docker-archive:FILE:@N` | `docker save` archive; selects by `RepoTags` entry or by position |
//! | `dir:PATH` | an unpacked root filesystem (one pseudo-layer) |
//! | `PATH` | auto-detected: a folder with `index.json`/`oci-layout` is an OCI layout, any other folder a rootfs; a tar with `manifest.json` is a docker archive, one with `index.json` an OCI archive |
//!
//! When the text after the prefix is an existing path, it is the path (paths may contain
//! `:`); otherwise the longest existing prefix before a `:` is the path and the rest the
//! tag. Anything else is a registry reference, which this crate does not read yet.

use std::path::{Path, PathBuf};

use crate::docker::DockerSource;
use crate::oci::OciSource;
use crate::rootfs::DirSource;
use crate::store::{DirStore, Store, TarStore};
use crate::{ImageError, ImageSource};

/// Which image of a multi-image docker archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DockerSelector {
    /// A `RepoTags` entry (`name:tag`; a bare name means `name:latest`).
    Tag(String),
    /// Position in `manifest.json` (`@0` is the first).
    Index(usize),
}

/// A parsed image reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceRef {
    OciLayout {
        path: PathBuf,
        tag: Option<String>,
    },
    OciArchive {
        path: PathBuf,
        tag: Option<String>,
    },
    DockerArchive {
        path: PathBuf,
        image: Option<DockerSelector>,
    },
    Dir {
        path: PathBuf,
    },
    /// A bare existing path; its kind is detected when opened.
    Detect {
        path: PathBuf,
    },
    /// Not a local source (a registry reference such as `quay.io/osism/keystone:2024.1`).
    Registry(String),
}

/// Splits `PATH[:SUFFIX]` using the file system: the whole text if it exists, else the
/// longest existing prefix ending before a `:`.
fn split_existing(rest: &str) -> (PathBuf, Option<String>) {
    if Path::new(rest).exists() {
        return (PathBuf::from(rest), None);
    }
    for (i, _) in rest.rmatch_indices(':') {
        let (Some(head), Some(tail)) = (rest.get(..i), rest.get(i + 1..)) else {
            continue;
        };
        if !head.is_empty() && !tail.is_empty() && Path::new(head).exists() {
            return (PathBuf::from(head), Some(tail.to_string()));
        }
    }
    (PathBuf::from(rest), None)
}

fn looks_like_path(s: &str) -> bool {
    s.starts_with('/')
        || s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with('~')
        || s == "."
        || s.ends_with(".tar")
}

impl SourceRef {
    /// Parses a reference. Looks at the file system to tell a path from its tag suffix.
    pub fn parse(reference: &str) -> SourceRef {
        let prefixed = |p: &str| reference.strip_prefix(p);
        if let Some(rest) = prefixed("oci-dir:").or_else(|| prefixed("oci:")) {
            let (path, tag) = split_existing(rest);
            SourceRef::OciLayout { path, tag }
        } else if let Some(rest) = prefixed("oci-archive:") {
            let (path, tag) = split_existing(rest);
            SourceRef::OciArchive { path, tag }
        } else if let Some(rest) = prefixed("docker-archive:") {
            let (path, sel) = split_existing(rest);
            let image = sel.map(|s| match s.strip_prefix('@').map(str::parse::<usize>) {
                Some(Ok(n)) => DockerSelector::Index(n),
                _ => DockerSelector::Tag(s),
            });
            SourceRef::DockerArchive { path, image }
        } else if let Some(rest) = prefixed("dir:") {
            SourceRef::Dir {
                path: PathBuf::from(rest),
            }
        } else if Path::new(reference).exists() || looks_like_path(reference) {
            SourceRef::Detect {
                path: PathBuf::from(reference),
            }
        } else {
            SourceRef::Registry(reference.to_string())
        }
    }
}

/// The folder or file name used as the image's human name.
fn display_name(path: &Path) -> String {
    let named = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty());
    named
        .or_else(|| {
            std::fs::canonicalize(path)
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        })
        .unwrap_or_else(|| path.display().to_string())
}

fn metadata(reference: &str, path: &Path) -> Result<std::fs::Metadata, ImageError> {
    fs_err::metadata(path).map_err(|source| ImageError::Io {
        image: reference.to_string(),
        path: path.to_path_buf(),
        source,
    })
}

fn need_dir(reference: &str, path: &Path, is_dir: bool) -> Result<(), ImageError> {
    if is_dir {
        Ok(())
    } else {
        Err(ImageError::Invalid {
            image: reference.to_string(),
            message: format!("{} is not a folder", path.display()),
        })
    }
}

/// Opens an image source for `reference` (see the module docs for the syntax).
pub fn open(reference: &str) -> Result<Box<dyn ImageSource>, ImageError> {
    open_ref(reference, SourceRef::parse(reference))
}

/// Opens an already parsed reference; `reference` is the text used in messages.
pub fn open_ref(reference: &str, source: SourceRef) -> Result<Box<dyn ImageSource>, ImageError> {
    let oci = |store: Box<dyn Store>, path: &Path, tag: Option<String>| -> Box<dyn ImageSource> {
        Box::new(OciSource {
            store,
            reference: reference.to_string(),
            name: display_name(path),
            tag,
        })
    };
    let dir_store = |path: &Path| -> Box<dyn Store> {
        Box::new(DirStore {
            root: path.to_path_buf(),
            image: reference.to_string(),
        })
    };
    match source {
        SourceRef::OciLayout { path, tag } => {
            need_dir(reference, &path, metadata(reference, &path)?.is_dir())?;
            Ok(oci(dir_store(&path), &path, tag))
        }
        SourceRef::OciArchive { path, tag } => {
            metadata(reference, &path)?;
            let store = TarStore::index(&path, reference)?;
            Ok(oci(Box::new(store), &path, tag))
        }
        SourceRef::DockerArchive { path, image } => {
            let store: Box<dyn Store> = if metadata(reference, &path)?.is_dir() {
                dir_store(&path)
            } else {
                Box::new(TarStore::index(&path, reference)?)
            };
            let name = display_name(&path);
            Ok(Box::new(DockerSource::new(store, reference, name, image)?))
        }
        SourceRef::Dir { path } => {
            need_dir(reference, &path, metadata(reference, &path)?.is_dir())?;
            Ok(Box::new(DirSource::new(
                reference,
                &path,
                display_name(&path),
            )))
        }
        SourceRef::Detect { path } => {
            if metadata(reference, &path)?.is_dir() {
                if path.join("index.json").is_file() || path.join("oci-layout").is_file() {
                    Ok(oci(dir_store(&path), &path, None))
                } else {
                    Ok(Box::new(DirSource::new(
                        reference,
                        &path,
                        display_name(&path),
                    )))
                }
            } else {
                let store = TarStore::index(&path, reference)?;
                if store.contains("manifest.json") {
                    let name = display_name(&path);
                    Ok(Box::new(DockerSource::new(
                        Box::new(store),
                        reference,
                        name,
                        None,
                    )?))
                } else if store.contains("index.json") {
                    Ok(oci(Box::new(store), &path, None))
                } else {
                    Err(ImageError::Invalid {
                        image: reference.to_string(),
                        message: format!(
                            "{} is neither a docker archive (no manifest.json) nor an OCI archive (no index.json)",
                            path.display()
                        ),
                    })
                }
            }
        }
        SourceRef::Registry(r) => Err(ImageError::NotLocal { reference: r }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_tag_suffixes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("lay:out");
        fs_err::create_dir(&p).expect("mkdir");
        let ps = p.display().to_string();
        assert_eq!(
            SourceRef::parse(&format!("oci-dir:{ps}")),
            SourceRef::OciLayout {
                path: p.clone(),
                tag: None
            }
        );
        assert_eq!(
            SourceRef::parse(&format!("oci:{ps}:r1")),
            SourceRef::OciLayout {
                path: p.clone(),
                tag: Some("r1".into())
            }
        );
        assert_eq!(
            SourceRef::parse(&format!("docker-archive:{ps}:quay.io/x/y:1")),
            SourceRef::DockerArchive {
                path: p.clone(),
                image: Some(DockerSelector::Tag("quay.io/x/y:1".into()))
            }
        );
        assert_eq!(
            SourceRef::parse(&format!("docker-archive:{ps}:@2")),
            SourceRef::DockerArchive {
                path: p.clone(),
                image: Some(DockerSelector::Index(2))
            }
        );
        assert_eq!(SourceRef::parse(&ps), SourceRef::Detect { path: p.clone() });
        assert_eq!(
            SourceRef::parse("quay.io/osism/keystone:2024.1"),
            SourceRef::Registry("quay.io/osism/keystone:2024.1".into())
        );
        assert_eq!(
            SourceRef::parse("/no/such/layout"),
            SourceRef::Detect {
                path: "/no/such/layout".into()
            }
        );
    }

    #[test]
    fn registry_reference_is_a_clear_error() {
        let err = open("quay.io/osism/keystone:2024.1")
            .err()
            .expect("not local");
        assert!(matches!(err, ImageError::NotLocal { .. }));
        let text = err.to_string();
        assert!(text.contains("quay.io/osism/keystone:2024.1"), "{text}");
        assert!(text.contains("registry references come later"), "{text}");
    }

    #[test]
    fn missing_path_names_the_path() {
        let err = open("oci-dir:/no/such/layout").err().expect("missing");
        assert!(matches!(err, ImageError::Io { .. }), "{err}");
        assert!(err.to_string().contains("/no/such/layout"), "{err}");
    }
}
