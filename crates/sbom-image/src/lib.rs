//! Image references and sources (OCI layout, OCI archive, docker archive, rootfs folder;
//! the registry slots in behind the same trait), and digest-verified layer streams.
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

use std::io::Read;
use std::path::PathBuf;

pub use sbom_model::Platform;

mod docker;
mod error;
mod memory;
mod oci;
mod platform;
mod reference;
mod rootfs;
mod store;
mod stream;

pub use error::ImageError;
#[doc(hidden)]
pub use memory::open_in_memory;
pub use oci::REF_NAME;
pub use platform::{default_platform, parse_platform};
pub use reference::{open, open_ref, DockerSelector, SourceRef};
pub use stream::{Compression, GzipMembers, LayerReadError, LAYER_BUFFER};

/// Turns an `io::Error` met while reading a layer stream (directly, or wrapped by the tar
/// reader) into a one-line [`ImageError::Layer`] naming the image and the layer digest.
///
/// Prefer [`VerifiedLayer::finish`] after a read error when the stream is still at hand:
/// it also reports a digest mismatch, which is usually the root cause of corrupt data.
pub fn layer_error(
    image: &ResolvedImage,
    layer: &LayerDescriptor,
    e: std::io::Error,
) -> ImageError {
    let message = match stream::find_layer_read_error(&e) {
        Some(l) => l.message,
        None => format!("read error: {e}"),
    };
    ImageError::Layer {
        image: image.reference.clone(),
        digest: layer_name(layer),
        message,
    }
}

/// Wraps the raw (possibly compressed) bytes of a layer blob from any source (the
/// registry uses this) into a verified, decompressing stream. What is checked follows
/// `image.verify`: by default the blob digest against `layer.digest` and the uncompressed
/// tar against `layer.diff_id` (see [`Verify`] and the `stream` module).
pub fn verify_blob(
    image: &ResolvedImage,
    layer: &LayerDescriptor,
    raw: Box<dyn Read + Send>,
) -> Result<VerifiedLayer, ImageError> {
    let expected = stream::Expected {
        blob_digest: (!layer.digest.is_empty()).then(|| layer.digest.clone()),
        diff_id: (!layer.diff_id.is_empty()).then(|| layer.diff_id.clone()),
        check: image.verify,
    };
    stream::verified_layer(raw, &image.reference, &layer_name(layer), expected)
}

/// Which digests of a layer are checked while it is read.
///
/// The cost is hashing: `All` hashes every compressed blob and every uncompressed tar
/// (about 0.3 s of CPU per 500 MB of tar with SHA-NI), `Blobs` only the bytes as stored,
/// `Nothing` none. The layer cache files an analysis only under a digest its level
/// checked (see `sbom_catalog::scan::cache_key`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Verify {
    /// The blob digest against the manifest and the uncompressed tar against the
    /// config's diffID: every identity the SBOM and the cache use is a checked fact.
    #[default]
    All,
    /// Only the digest that names the stored bytes: the blob digest the manifest lists
    /// (the decompressed tar is a function of those bytes), or, where no blob digest is
    /// known (a classic docker archive), the diffID. The config's diffIDs of compressed
    /// layers are taken as stated.
    Blobs,
    /// Nothing is hashed (the digests are taken as stated; decoders still fail on a
    /// truncated or corrupt stream, and the gzip CRC-32 is checked).
    Nothing,
}

impl Verify {
    /// The name used on the command line and in SBOM properties.
    pub fn name(self) -> &'static str {
        match self {
            Verify::All => "all",
            Verify::Blobs => "blobs",
            Verify::Nothing => "none",
        }
    }

    /// The level of a [`Verify::name`].
    pub fn from_name(name: &str) -> Option<Verify> {
        [Verify::All, Verify::Blobs, Verify::Nothing]
            .into_iter()
            .find(|v| v.name() == name)
    }

    /// Whether this level checks everything `other` does.
    pub fn covers(self, other: Verify) -> bool {
        let rank = |v: Verify| match v {
            Verify::All => 2,
            Verify::Blobs => 1,
            Verify::Nothing => 0,
        };
        rank(self) >= rank(other)
    }
}

/// How errors name a layer: its blob digest, else its diffID, else its position.
pub fn layer_name(layer: &LayerDescriptor) -> String {
    if !layer.digest.is_empty() {
        layer.digest.clone()
    } else if !layer.diff_id.is_empty() {
        layer.diff_id.clone()
    } else {
        format!("#{}", layer.index)
    }
}

/// Each layer's `created_by` from an image config's `history`: entries marked
/// `empty_layer` made no layer; the others belong to the layers in order. When the
/// number of such entries differs from `layers` (no history, or one that does not
/// match), every layer gets `None` rather than a guess.
pub fn history_created_by(history: &[serde_json::Value], layers: usize) -> Vec<Option<String>> {
    let made_layer: Vec<&serde_json::Value> = history
        .iter()
        .filter(|h| {
            !h.get("empty_layer")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false)
        })
        .collect();
    if made_layer.len() != layers {
        return vec![None; layers];
    }
    made_layer
        .into_iter()
        .map(|h| {
            h.get("created_by")
                .and_then(serde_json::Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        })
        .collect()
}

/// One layer of a resolved image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerDescriptor {
    /// 0-based position, bottom first.
    pub index: u32,
    /// Blob digest as the manifest lists it (`sha256:...`); for a rootfs folder, empty.
    pub digest: String,
    /// Uncompressed digest from the config's `rootfs.diff_ids` (`sha256:...`).
    pub diff_id: String,
    /// Media type from the manifest (may be empty for docker archives).
    pub media_type: String,
    /// Size in bytes of the blob, when known.
    pub size: Option<u64>,
    /// The config history's `created_by` for this layer (the build step that made it,
    /// e.g. `RUN apt-get install ...`), when the history names one per layer.
    pub created_by: Option<String>,
}

/// An image whose manifest and config have been read for one platform.
#[derive(Clone, Debug, Default)]
pub struct ResolvedImage {
    /// The reference exactly as the user gave it.
    pub reference: String,
    /// Human name (`quay.io/osism/keystone`, or the file/folder name for local sources).
    pub name: String,
    pub tag: Option<String>,
    /// Registry repository (`quay.io/osism/keystone`), registry sources only.
    pub repository: Option<String>,
    pub manifest_digest: Option<String>,
    pub config_digest: Option<String>,
    pub platform: Option<Platform>,
    pub layers: Vec<LayerDescriptor>,
    /// The config's labels (`org.opencontainers.image.vendor`, `maintainer`, ...).
    pub labels: std::collections::BTreeMap<String, String>,
    /// Which digests `open_layer` checks (sources resolve with the default, [`Verify::All`];
    /// the scanner sets what it was asked for).
    pub verify: Verify,
}

/// What a layer is made of.
pub enum LayerContent {
    /// A tar stream, already decompressed; its digest is checked as it is read (read it
    /// to the end, then call [`VerifiedLayer::finish`]).
    Tar(VerifiedLayer),
    /// A plain folder (the `dir:` source): walk it instead of a tar.
    Directory(PathBuf),
}

/// An uncompressed tar stream over a verified blob (blob digest; the diffID where no blob
/// digest is known or the blob is uncompressed).
pub struct VerifiedLayer {
    inner: Box<dyn LayerStream>,
}

/// The behaviour behind [`VerifiedLayer`]: a reader plus a final check.
pub trait LayerStream: Read + Send {
    /// Reads what is left, then compares both digests; errors name the layer digest.
    fn finish(self: Box<Self>) -> Result<LayerStats, ImageError>;
}

impl VerifiedLayer {
    pub fn new(inner: Box<dyn LayerStream>) -> Self {
        VerifiedLayer { inner }
    }
    /// Drains the stream and verifies digests.
    pub fn finish(self) -> Result<LayerStats, ImageError> {
        self.inner.finish()
    }
}

impl Read for VerifiedLayer {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

/// Byte counts of one layer read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LayerStats {
    pub compressed_bytes: u64,
    pub uncompressed_bytes: u64,
}

/// A place images come from. Implementations: OCI layout, OCI archive, docker archive,
/// rootfs folder, registry.
pub trait ImageSource: Send + Sync {
    /// Reads index/manifest/config for `platform` (errors list available platforms).
    fn resolve(&self, platform: &Platform) -> Result<ResolvedImage, ImageError>;
    /// The platforms of a multi-platform image (attestation manifests left out), in
    /// index order; empty when the source holds one image (whatever its platform).
    fn platforms(&self) -> Result<Vec<Platform>, ImageError> {
        Ok(Vec::new())
    }
    /// Opens one layer of a resolved image: decompression sniffed from magic bytes,
    /// digests verified while reading.
    fn open_layer(
        &self,
        image: &ResolvedImage,
        layer: &LayerDescriptor,
    ) -> Result<LayerContent, ImageError>;
}

/// Resolves the image for `want`, or, when the user named no platform, the one image
/// there is: a multi-platform index gives linux/amd64, a single-platform image of
/// another platform (arm64 only) gives itself, as `docker pull` does (with a note, the
/// second value, saying so). An explicit platform that does not match is an error
/// listing what exists.
pub fn resolve_platform(
    source: &dyn ImageSource,
    want: Option<&Platform>,
) -> Result<(ResolvedImage, Option<String>), ImageError> {
    if let Some(p) = want {
        return source.resolve(p).map(|i| (i, None));
    }
    let default = platform::default_platform();
    match source.resolve(&default) {
        Err(ImageError::PlatformNotFound {
            image, available, ..
        }) => {
            let only: Vec<Platform> = available
                .split(", ")
                .filter_map(|p| platform::parse_platform(p).ok())
                .collect();
            match only.as_slice() {
                [one] => {
                    let resolved = source.resolve(one)?;
                    let note = format!(
                        "{image}: the image is for {one} only (no {default}); scanned it as it is"
                    );
                    Ok((resolved, Some(note)))
                }
                _ => Err(ImageError::PlatformNotFound {
                    image,
                    wanted: format!("platform {default}"),
                    available,
                }),
            }
        }
        other => other.map(|i| (i, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::Verify;

    #[test]
    fn verify_levels_round_trip_their_names_and_order_by_what_they_check() {
        for v in [Verify::All, Verify::Blobs, Verify::Nothing] {
            assert_eq!(Verify::from_name(v.name()), Some(v));
            assert!(v.covers(v) && Verify::All.covers(v) && v.covers(Verify::Nothing));
        }
        assert_eq!(Verify::from_name("some"), None);
        assert!(!Verify::Blobs.covers(Verify::All));
        assert!(!Verify::Nothing.covers(Verify::Blobs));
    }

    #[test]
    fn history_skips_empty_layers_and_refuses_to_guess_on_a_mismatch() {
        let h: Vec<serde_json::Value> = serde_json::from_str(
            r#"[{"created_by": "/bin/sh -c #(nop) ADD file:abc in / "},
                {"created_by": "/bin/sh -c #(nop)  CMD [\"bash\"]", "empty_layer": true},
                {"created_by": "RUN apt-get install -y curl"},
                {"comment": "no created_by"}]"#,
        )
        .expect("json");
        assert_eq!(
            super::history_created_by(&h, 3),
            vec![
                Some("/bin/sh -c #(nop) ADD file:abc in /".to_string()),
                Some("RUN apt-get install -y curl".to_string()),
                None
            ]
        );
        assert_eq!(super::history_created_by(&h, 2), vec![None, None]);
        assert_eq!(super::history_created_by(&[], 1), vec![None]);
    }
}
