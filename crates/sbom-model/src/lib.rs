//! Plain data of an SBOM, shared by every other crate of the workspace.
//!
//! The model is deliberately format-neutral: scanners fill it, writers map it to
//! CycloneDX/SPDX at the edge, readers map foreign documents back into it.
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub mod license;
pub mod package;
pub mod purl;
pub mod sbom;
pub mod version;

pub use license::License;
pub use package::{Checksum, Ecosystem, HashAlgorithm, LayerRef, Origin, Package};
pub use sbom::{
    Distro, Platform, Relationship, RelationshipKind, Sbom, Subject, SubjectKind, Tool,
};

/// Name of the tool, as written into SBOM metadata.
pub const TOOL_NAME: &str = "sbom";
/// Version of the tool, as written into SBOM metadata.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Lower-case hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}
