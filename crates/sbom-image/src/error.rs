use std::path::PathBuf;

/// Errors of image sources. Each names the image and, where it applies, the layer digest.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("{image}: {message}")]
    Invalid { image: String, message: String },
    #[error("{image}: cannot read {path}: {source}")]
    Io {
        image: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{image}: layer {digest}: {message}")]
    Layer {
        image: String,
        digest: String,
        message: String,
    },
    #[error("{image}: no {wanted} in index; available: {available}")]
    PlatformNotFound {
        image: String,
        wanted: String,
        available: String,
    },
}
