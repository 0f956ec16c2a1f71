//! Errors of this crate.
use std::path::PathBuf;

/// Error while rendering a diff.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// The JSON serialiser failed (not expected for these types).
    #[error("cannot write the diff as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Error while loading a release folder.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// A folder or file could not be listed or inspected.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The reader given to [`crate::Release::load`] rejected a file.
    #[error("cannot read SBOM {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// Two SBOMs of one release describe the same image repository.
    #[error("two SBOMs describe image `{key}`: {first} and {second}")]
    DuplicateImage {
        key: String,
        first: PathBuf,
        second: PathBuf,
    },
    /// `index.json` is there but is not a batch index.
    #[error("{path} is not a batch index: {source}")]
    Index {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// The folder holds no `*.json` file.
    #[error("no SBOM (*.json) found in {path}")]
    Empty { path: PathBuf },
}
