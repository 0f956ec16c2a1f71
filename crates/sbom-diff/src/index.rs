//! `index.json`: what a batch scan (`sbom scan --images/--release --output-dir DIR`)
//! records beside its SBOMs: one line per image (reference, pinned digest, status,
//! output files) and the run's counters. The batch writes it; `diff` and `mirror` read it.
use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::ReleaseError;

/// One line of `index.json`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct IndexEntry {
    /// The image as listed (name with tag).
    pub reference: String,
    /// What was scanned (with the pinned digest, when the list had one).
    pub scanned: String,
    /// `ok`, `unchanged` (skipped: same manifest digest already scanned) or `failed`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Packages per ecosystem.
    #[serde(default)]
    pub counts: BTreeMap<String, usize>,
    /// Output files, relative to the output folder.
    #[serde(default)]
    pub outputs: Vec<String>,
    #[serde(default)]
    pub layers: usize,
    #[serde(default)]
    pub warnings: usize,
    #[serde(default)]
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Which layer digests the scan checked (`--verify`: `all`, `blobs`, `none`); absent
    /// in indexes written before the option existed, when every scan checked all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<String>,
    /// Each layer, bottom first: digests, blob size and the build step that made it
    /// (`sbom report` shows them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layer_details: Vec<IndexLayer>,
    /// Digests of the SBOM artifacts attached to the image's manifest (`--attach`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attached: Vec<String>,
    /// Why attaching failed (the SBOM files were written all the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach_error: Option<String>,
}

/// One layer of an image in `index.json`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct IndexLayer {
    pub digest: String,
    pub diff_id: String,
    /// Blob size in bytes from the manifest, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// The config history's `created_by`, when it names one per layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// Counters of the whole run (from the tool's own bookkeeping, not from timing).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct BatchStats {
    pub images: usize,
    pub succeeded: usize,
    pub unchanged: usize,
    pub failed: usize,
    /// Layers over all images (with repeats).
    pub layers_total: usize,
    /// Distinct diffIDs over all images.
    pub unique_layers: usize,
    /// Layers read and analysed in this run.
    pub layers_analysed: usize,
    /// Layers (over all images) taken from the cache: not downloaded, not analysed.
    pub layers_cached: usize,
    /// Of those, layers taken from the registry cache (`--cache-registry`).
    #[serde(default)]
    pub layers_from_registry: usize,
    pub bytes_downloaded: u64,
    pub duration_ms: u64,
}

/// `index.json`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Index {
    pub version: u32,
    pub generated: String,
    pub platform: String,
    pub stats: BatchStats,
    pub images: Vec<IndexEntry>,
}

impl Index {
    /// The file name inside a release folder.
    pub const FILE: &'static str = "index.json";

    /// Reads `DIR/index.json`: `None` when the folder has none (SBOMs not written by a
    /// batch scan), an error when it is there but unreadable or not an index.
    pub fn load(dir: &Path) -> Result<Option<Index>, ReleaseError> {
        let path = dir.join(Self::FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(ReleaseError::Io { path, source }),
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|source| ReleaseError::Index { path, source })
    }
}

impl IndexEntry {
    /// Whether the scan of this image failed (it has no SBOM in the folder).
    pub fn failed(&self) -> bool {
        self.status == "failed"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_reads_an_index_and_tells_a_missing_one_from_a_broken_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(Index::load(dir.path()).expect("no index is fine").is_none());
        let index = Index {
            version: 1,
            images: vec![IndexEntry {
                reference: "r/a:1".into(),
                status: "failed".into(),
                ..IndexEntry::default()
            }],
            ..Index::default()
        };
        std::fs::write(
            dir.path().join(Index::FILE),
            serde_json::to_vec(&index).expect("json"),
        )
        .expect("write");
        let read = Index::load(dir.path()).expect("reads").expect("present");
        assert_eq!(read.images, index.images);
        assert!(read.images[0].failed());
        std::fs::write(dir.path().join(Index::FILE), "[]").expect("write");
        let e = Index::load(dir.path()).expect_err("not an index");
        assert!(e.to_string().contains("index.json"), "{e}");
    }
}
