//! The layer walker (LayerIndex, squash, FileView) and the catalogers.
//!
//! A cataloger is data plus a parser: a name, a version (part of the cache key), the
//! paths it wants captured from layers, and a function from the captured files to
//! packages. Adding one means one module and one line in [`catalogers::all`].
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

use std::collections::BTreeMap;
use std::sync::Arc;

use sbom_model::{LayerRef, Package};

pub mod cache;
pub mod catalogers;
pub mod scan;
pub mod squash;
pub mod walker;

pub use scan::{scan, LayerLimiter, ScanError, ScanEvent, ScanOptions, ScanOutput, ScanStats};
pub use walker::LayerIndex;

/// One captured metadata file of the final (squashed) filesystem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapturedFile {
    /// Normalised path: no leading `/` or `./`, no `..`.
    pub path: String,
    pub data: Arc<Vec<u8>>,
    /// Layer the file came from (the one that won the squash).
    pub layer: Option<LayerRef>,
}

/// The final filesystem, restricted to the files catalogers asked for.
#[derive(Clone, Debug, Default)]
pub struct FileView {
    files: BTreeMap<String, CapturedFile>,
}

impl FileView {
    /// A view over the given files (later duplicates win).
    pub fn from_files(files: impl IntoIterator<Item = CapturedFile>) -> Self {
        let mut m = BTreeMap::new();
        for f in files {
            m.insert(f.path.clone(), f);
        }
        FileView { files: m }
    }
    /// The file at `path` (normalised, no leading `/`).
    pub fn get(&self, path: &str) -> Option<&CapturedFile> {
        self.files.get(path.trim_start_matches('/'))
    }
    /// All files, sorted by path.
    pub fn iter(&self) -> impl Iterator<Item = &CapturedFile> {
        self.files.values()
    }
    /// Files whose path starts with `prefix`, sorted by path.
    pub fn under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a CapturedFile> + 'a {
        self.files
            .range(prefix.to_string()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(|(_, v)| v)
    }
    pub fn len(&self) -> usize {
        self.files.len()
    }
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// A problem with one entry that does not stop the scan (`--strict` makes it an error).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Warning {
    /// Layer digest (or diff_id) where it happened, if any.
    pub layer: Option<String>,
    /// Path of the entry or file concerned.
    pub entry: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(l) = &self.layer {
            write!(f, "layer {l}: ")?;
        }
        if let Some(e) = &self.entry {
            write!(f, "{e}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// What a cataloger found.
#[derive(Clone, Debug, Default)]
pub struct CatalogOutput {
    /// Packages, each with a unique temporary `id` (e.g. `deb:bash:amd64`,
    /// `python:<metadata path>`); `Sbom::finalize` replaces ids later.
    pub packages: Vec<Package>,
    /// Files each package owns (package temp id → normalised paths), used to link
    /// Python packages to the OS package that owns their dist-info.
    pub owned_files: BTreeMap<String, Vec<String>>,
    pub warnings: Vec<Warning>,
}

/// Facts shared by all catalogers of one scan.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// Distro from os-release, when found.
    pub distro: Option<sbom_model::Distro>,
    /// Only the packages' identities are needed (ecosystem, name, version, arch, site
    /// root): the scan's "introduced in" runs over intermediate layer states. A cataloger
    /// may then skip licenses, owned files and descriptions (and its warnings are not
    /// reported).
    pub identities_only: bool,
}

/// A cataloger: which files it wants, and how it turns them into packages.
pub trait Cataloger: Send + Sync {
    /// Short name (`dpkg`, `python`, `apk`, `os-release`).
    fn name(&self) -> &'static str;
    /// Bump when [`Cataloger::wants`] changes: part of the layer-cache key.
    fn version(&self) -> u32;
    /// Whether a file at this normalised path must be captured from the layers.
    fn wants(&self, path: &str) -> bool;
    /// Packages from the captured files of the final filesystem.
    fn catalog(&self, view: &FileView, ctx: &Context) -> CatalogOutput;
}
