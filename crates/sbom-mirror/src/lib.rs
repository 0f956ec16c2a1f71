//! From a release's SBOMs to a mirror that holds exactly the software it needs.
//!
//! - [`PlanBuilder`] reads release folders (SBOMs through sbom-format's readers, with
//!   sbom-diff's [`Release`] and the batch [`Index`]) and declared packages into a
//!   [`Plan`]: OS packages per distro release and architecture, Python pins per
//!   environment, images by digest, and what could not be pinned.
//! - [`write::render`] and [`write::write_dir`] turn a plan into the inputs of mirror
//!   tools: aptly filters, `apt-get download` lists, Pulp lists, `dnf download` NEVRAs,
//!   `requirements.txt` files, a `skopeo sync` YAML, and a summary.
//! - [`check::check`] compares a mirror's indexes (Debian `Packages`, a PyPI simple index
//!   or a folder of distributions, a registry) with a plan: missing and superfluous.
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

use std::path::{Path, PathBuf};

pub mod check;
pub mod deb;
pub mod fetch;
pub mod oci;
pub mod plan;
pub mod pypi;
pub mod registry;
pub mod rpm;
pub mod summary;
pub mod write;

pub use check::{CheckReport, Target};
pub use plan::{Plan, PlanBuilder};
pub use sbom_diff::{Index, Release};

/// One binary package a repository offers (a `Packages` stanza, an rpm repository's
/// `primary.xml` entry). Debian names are lower-cased; rpm versions are `[E:]V-R`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct RepoPackage {
    pub name: String,
    pub version: String,
    pub arch: String,
}

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Release(#[from] sbom_diff::ReleaseError),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Http(String),
    /// A mistake in how the caller asked (the CLI's exit code 2).
    #[error("{0}")]
    Usage(String),
    #[error("{0} exists and is not an output folder of sbom mirror (no summary.json): choose an empty or new folder")]
    NotOurs(PathBuf),
}

/// Reads an SBOM file in any format sbom-format reads.
pub fn read_sbom(path: &Path) -> Result<sbom_model::Sbom, MirrorError> {
    let bytes = std::fs::read(path).map_err(|source| MirrorError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    sbom_format::read_any(&bytes)
        .map_err(|e| MirrorError::Invalid(format!("cannot read SBOM {}: {e}", path.display())))
}

/// Adds an input to a plan: a release folder (its SBOMs and its `index.json`) or one
/// SBOM file.
pub fn add_input(builder: &mut PlanBuilder, path: &Path) -> Result<(), MirrorError> {
    if path.is_dir() {
        let release = Release::load(path, |f: &Path| read_sbom(f))?;
        let index = Index::load(path)?;
        builder.add_release(&release, index.as_ref());
    } else {
        let sbom = read_sbom(path)?;
        let mut key = sbom_diff::image_key(&sbom);
        if key.is_empty() {
            let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("sbom");
            key = file.split('.').next().unwrap_or(file).to_string();
        }
        builder.add_sbom(&key, &sbom);
    }
    Ok(())
}
