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
pub mod paths;
pub mod remote;
pub mod scan;
pub mod squash;
pub mod walker;

pub use remote::{RemoteCache, RemoteClaim};
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

/// The final filesystem, restricted to the files catalogers asked for: whole bodies of
/// the paths they want, and the summaries their visitors kept of files they sniffed.
#[derive(Clone, Debug, Default)]
pub struct FileView {
    files: BTreeMap<String, CapturedFile>,
    /// (cataloger name, path) → the summary that cataloger's visitor kept of the file.
    summaries: BTreeMap<(String, String), CapturedFile>,
    /// Symbolic links at the top of the filesystem (`bin` → `usr/bin` on a merged-/usr
    /// system), targets normalised relative to the root.
    root_links: BTreeMap<String, String>,
}

impl FileView {
    /// A view over the given files (later duplicates win).
    pub fn from_files(files: impl IntoIterator<Item = CapturedFile>) -> Self {
        let mut m = BTreeMap::new();
        for f in files {
            m.insert(f.path.clone(), f);
        }
        FileView {
            files: m,
            summaries: BTreeMap::new(),
            root_links: BTreeMap::new(),
        }
    }
    /// Records a top-level symbolic link (`bin` → `usr/bin`).
    pub fn add_root_link(&mut self, name: &str, target: &str) {
        self.root_links.insert(name.to_string(), target.to_string());
    }
    /// `path` with a first component that is a top-level symbolic link replaced by the
    /// link's target (`bin/ls` → `usr/bin/ls` on a merged-/usr system); `None` when
    /// its first component is no such link.
    pub fn through_root_link(&self, path: &str) -> Option<String> {
        let path = path.trim_start_matches('/');
        let (first, rest) = path.split_once('/')?;
        let target = self.root_links.get(first)?;
        Some(format!("{target}/{rest}"))
    }
    /// Adds the summary `by` (a cataloger's name) kept of a file; its `data` is the
    /// summary, not the body.
    pub fn add_summary(&mut self, by: &str, file: CapturedFile) {
        self.summaries
            .insert((by.to_string(), file.path.clone()), file);
    }
    /// The summaries cataloger `by` kept, sorted by path (`data` is the summary).
    pub fn summaries<'a>(&'a self, by: &'a str) -> impl Iterator<Item = &'a CapturedFile> + 'a {
        self.summaries
            .range((by.to_string(), String::new())..)
            .take_while(move |((b, _), _)| b == by)
            .map(|(_, f)| f)
    }
    /// The summary `by` kept of the file at `path`.
    pub fn summary(&self, by: &str, path: &str) -> Option<&CapturedFile> {
        self.summaries
            .get(&(by.to_string(), path.trim_start_matches('/').to_string()))
    }
    /// Every summary with the name of the cataloger that kept it, sorted.
    pub fn all_summaries(&self) -> impl Iterator<Item = (&str, &CapturedFile)> {
        self.summaries.iter().map(|((b, _), f)| (b.as_str(), f))
    }
    /// Number of summaries.
    pub fn summary_count(&self) -> usize {
        self.summaries.len()
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
            write!(f, "layer {}: ", printable(l))?;
        }
        if let Some(e) = &self.entry {
            write!(f, "{}: ", printable(e))?;
        }
        f.write_str(&printable(&self.message))
    }
}

/// `text` safe for one line of a terminal: control characters (newlines, escape
/// sequences an image's entry names or garbage bytes could carry) as `\u{..}` escapes.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod printable_tests {
    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(super::printable("etc/os-release"), "etc/os-release");
        assert_eq!(
            super::printable("a\nb\u{1b}[31mc\u{7f}é"),
            "a\\nb\\u{1b}[31mc\\u{7f}é"
        );
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

/// What the walker knows of a regular file when it asks the sniffers about it.
#[derive(Clone, Copy, Debug)]
pub struct EntryInfo<'a> {
    /// Normalised path.
    pub path: &'a str,
    /// Permission bits as the layer states them (`0o755`).
    pub mode: u32,
    /// Size of the body in bytes.
    pub size: u64,
    /// The first bytes of the body (up to [`SNIFF_HEAD`]; all of it when smaller).
    pub head: &'a [u8],
}

/// Bytes of a body shown to [`Cataloger::sniff`] (magic numbers, ELF and zip headers).
pub const SNIFF_HEAD: usize = 512;

/// Whether a [`Visitor`] wants more of the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feed {
    More,
    /// Enough read: the rest of the body is not fed (the walker still skips it).
    Done,
}

/// What a visitor kept of one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Visited {
    /// The summary (small: a build info, a version string, manifests), kept in the
    /// layer index and the cache and given back through [`FileView::summaries`];
    /// `None` when the file held nothing for this cataloger.
    pub summary: Option<Vec<u8>>,
    /// Problems with the file (the walker adds the layer, the entry is the file).
    pub warnings: Vec<String>,
}

/// Reads one body as the walker streams it, front to back, once, and keeps a small
/// summary. It must not keep the body: memory is bounded by the summary.
pub trait Visitor: Send {
    /// The next bytes of the body (the first call starts with the sniffed head).
    fn feed(&mut self, chunk: &[u8]) -> Feed;
    /// Called once after the last chunk (or when the body ended early: a truncated
    /// body still gets `finish`, after fewer bytes than `EntryInfo::size`).
    fn finish(self: Box<Self>) -> Visited;
}

/// A cataloger: which files it wants, and how it turns them into packages.
///
/// It asks for files two ways: by path ([`Cataloger::wants`]: the body is captured
/// whole, for metadata files) and by content ([`Cataloger::sniff`]: a visitor streams
/// the body and keeps a summary, for binaries and archives found anywhere).
pub trait Cataloger: Send + Sync {
    /// Short name (`dpkg`, `python`, `apk`, `os-release`).
    fn name(&self) -> &'static str;
    /// Bump when [`Cataloger::wants`], [`Cataloger::sniff`] or a visitor's summary
    /// changes: part of the layer-cache key.
    fn version(&self) -> u32;
    /// Whether a file at this normalised path must be captured from the layers.
    fn wants(&self, path: &str) -> bool;
    /// Whether to read this file's body with a visitor (asked of every regular file
    /// that no cataloger wants by path). Must be cheap: a few comparisons of the head.
    fn sniff(&self, _entry: &EntryInfo<'_>) -> Option<Box<dyn Visitor>> {
        None
    }
    /// Whether this cataloger sniffs at all (the walker skips reading heads when no
    /// cataloger does).
    fn sniffs(&self) -> bool {
        false
    }
    /// Packages from the captured files (and summaries) of the final filesystem.
    fn catalog(&self, view: &FileView, ctx: &Context) -> CatalogOutput;
}
