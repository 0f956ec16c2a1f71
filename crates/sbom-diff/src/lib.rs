//! Diff of SBOMs, images and releases: text, Markdown, JSON.
//!
//! - [`diff`] compares two SBOMs package by package: packages are matched by identity
//!   (ecosystem, normalised name, architecture, and for Python the site-packages root),
//!   several versions of one name are paired as a multiset, versions are ordered by the
//!   ecosystem's rules ([`sbom_model::version::compare`]), never as strings.
//! - [`diff_releases`] compares two [`Release`]s (folders of SBOMs from a batch scan),
//!   matching images by repository without tag.
//! - [`render`] turns either into a text table, Markdown or JSON; [`should_fail`] is the
//!   CI gate.
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod change;
mod engine;
mod error;
mod index;
mod release;
pub mod render;
mod sort;

pub use change::{Change, ChangeKind, DiffOptions, SbomDiff, SubjectInfo, Summary};
pub use engine::diff;
pub use error::{DiffError, ReleaseError};
pub use index::{BatchStats, Index, IndexEntry, IndexLayer};
pub use release::{
    diff_releases, diff_releases_with, image_key, path_component, ImageDiff, ImageInfo, Release,
    ReleaseDiff, RollupEntry,
};
pub use render::{render_release, render_sbom, Format, RenderOptions};
/// Re-exported so callers (the CLI module) need no direct dependency on the model.
pub use sbom_model::Sbom;

/// Anything that has change counts: an [`SbomDiff`] or a [`ReleaseDiff`].
pub trait HasSummary {
    /// Counts per kind of change.
    fn summary(&self) -> Summary;
}

impl HasSummary for SbomDiff {
    fn summary(&self) -> Summary {
        self.summary.clone()
    }
}

impl HasSummary for ReleaseDiff {
    fn summary(&self) -> Summary {
        self.summary.clone()
    }
}

/// The CI gate: true when `diff` holds at least one change of one of `kinds`.
/// For a release diff an added image counts as `added`, a removed image as `removed`.
pub fn should_fail<D: HasSummary + ?Sized>(diff: &D, kinds: &[ChangeKind]) -> bool {
    let s = diff.summary();
    kinds.iter().any(|k| s.count(*k) > 0)
}
