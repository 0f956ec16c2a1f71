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
    /// A reference that is not a local image source (registry sources are a later issue).
    #[error("{reference}: not a local image source (oci-dir:, oci-archive:, docker-archive:, dir: or an existing path); registry references come later")]
    NotLocal { reference: String },
    /// A `--platform` value that is not `os/arch[/variant]`.
    #[error("invalid platform {value:?}: expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8")]
    InvalidPlatform { value: String },
}
