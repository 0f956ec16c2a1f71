//! The layer walker: one layer (a tar stream or a plain folder) turned into a
//! [`LayerIndex`], the small record of what the layer changes that the squash needs,
//! plus the bodies of the files some cataloger wants.
//!
//! A tar stream is read once, front to back; bodies nobody wants are skipped by the tar
//! reader without being kept. Nothing is ever written to disk.
//!
//! Paths are normalised (`./` prefixes, repeated `/`, `.` components and trailing `/`
//! removed; `..` resolved lexically). An entry whose name is absolute (starts with `/`
//! after the `./` prefixes are stripped) or whose `..` climbs above the root is skipped
//! with a warning; so is a hard link pointing there. Symbolic links are recorded as they
//! are and only resolved at squash time, inside the final filesystem; the (lexical)
//! target of a wanted link is captured too when it comes later in the same layer.
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::paths::{PathSet, PathSetBuilder};
use crate::{EntryInfo, Feed, Visitor, SNIFF_HEAD};

/// Bumped whenever what the walker records changes: part of the layer-cache key.
/// 5: folders and unwanted files moved from `nodes` to the compact `plain` set.
pub const WALKER_FORMAT_VERSION: u32 = 5;

/// Default cap on one captured file (bigger ones are skipped with a warning).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// The summaries kept of one file: (cataloger name, summary), sorted by name.
pub type Summaries = Vec<(String, Arc<Vec<u8>>)>;

/// What one path of a layer is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Node {
    /// A folder.
    Dir,
    /// Any non-folder whose content is not kept (regular file nobody wants, device,
    /// fifo, a captured path over the size cap, a hard link pointing outside the root).
    File,
    /// A file some cataloger wants, with its body.
    Captured(#[serde(with = "arc_bytes")] Arc<Vec<u8>>),
    /// A symbolic link; `wanted` when its own path is one a cataloger wants (then the
    /// squash resolves it within the final filesystem).
    Symlink { target: String, wanted: bool },
    /// A wanted path stored as a hard link to an entry whose body this layer did not
    /// capture (normalised target path); resolved at squash time, else a warning.
    Hardlink { target: String },
    /// A file nobody wants by path whose body was read because a wanted link (hard or
    /// symbolic) points at it; the squash gives it to the link, the view never lists it.
    LinkTarget(#[serde(with = "arc_bytes")] Arc<Vec<u8>>),
    /// A file that catalogers sniffed and visited: (cataloger name, summary) sorted by
    /// name, one per cataloger that kept one. The body itself is not kept.
    Summarized(#[serde(with = "summaries")] Summaries),
}

impl Node {
    /// Whether this node is a folder.
    pub fn is_dir(&self) -> bool {
        matches!(self, Node::Dir)
    }
    /// Folders and files whose content is not kept: stored in [`LayerIndex::plain`].
    pub fn is_plain(&self) -> bool {
        matches!(self, Node::Dir | Node::File)
    }
}

/// The node of every plain file (what [`LayerIndex::node`] lends for one).
pub static PLAIN_FILE: Node = Node::File;
/// The node of every folder.
pub static PLAIN_DIR: Node = Node::Dir;

/// A problem with one entry of a layer (the scan adds the layer digest).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IndexWarning {
    /// The entry's name as found (lossy UTF-8).
    pub entry: String,
    pub message: String,
}

/// What one layer contains, as far as the squash and the catalogers are concerned.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerIndex {
    /// The entries whose content or target matters (captured, summarized, links, link
    /// targets: never [`Node::Dir`] or [`Node::File`]), by normalised path, sorted, one
    /// per path (a later tar entry for the same path replaces an earlier one).
    pub nodes: Vec<(String, Node)>,
    /// Every other entry (folders, and files whose content nobody wants: most of a
    /// layer), compact; no path is in both.
    pub plain: PathSet,
    /// Paths deleted from lower layers (`DIR/.wh.NAME` gives `DIR/NAME`).
    pub whiteouts: BTreeSet<String>,
    /// Folders whose lower content is hidden (`DIR/.wh..wh..opq` gives `DIR`; the root
    /// folder is `""`).
    pub opaque_dirs: BTreeSet<String>,
    /// Entries skipped or not fully read, sorted.
    pub warnings: Vec<IndexWarning>,
}

impl LayerIndex {
    /// Number of captured file bodies.
    pub fn captured_count(&self) -> usize {
        self.nodes
            .iter()
            .filter(|(_, n)| matches!(n, Node::Captured(_)))
            .count()
    }
    /// The node at `path`, if this layer has one.
    pub fn node(&self, path: &str) -> Option<&Node> {
        self.nodes
            .binary_search_by(|(p, _)| p.as_str().cmp(path))
            .ok()
            .and_then(|i| self.nodes.get(i))
            .map(|(_, n)| n)
            .or_else(|| {
                self.plain
                    .get(path)
                    .map(|dir| if dir { &PLAIN_DIR } else { &PLAIN_FILE })
            })
    }
    /// Every entry, sorted by path (allocates one `String` per plain path: tests).
    pub fn all_nodes(&self) -> Vec<(String, Node)> {
        let mut all: Vec<(String, Node)> = self
            .plain
            .to_vec()
            .into_iter()
            .map(|(p, d)| (p, if d { Node::Dir } else { Node::File }))
            .collect();
        all.extend(self.nodes.iter().cloned());
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }
}

/// The plain entries of a layer as they arrive (unsorted, repeats allowed): path bytes
/// back to back, a few bytes of bookkeeping each.
#[derive(Default)]
struct PlainArena {
    bytes: Vec<u8>,
    /// End of each path in `bytes`.
    ends: Vec<usize>,
    dirs: Vec<bool>,
}

impl PlainArena {
    fn push(&mut self, path: &str, dir: bool) {
        self.bytes.extend_from_slice(path.as_bytes());
        self.ends.push(self.bytes.len());
        self.dirs.push(dir);
    }
    fn path(&self, i: usize) -> &[u8] {
        let start = i
            .checked_sub(1)
            .and_then(|j| self.ends.get(j))
            .copied()
            .unwrap_or(0);
        let end = self.ends.get(i).copied().unwrap_or(start);
        self.bytes.get(start..end).unwrap_or_default()
    }
    /// Sorted, the last of repeated paths kept, paths in `skip` left out.
    fn into_set(self, skip: &BTreeMap<String, Node>) -> PathSet {
        let mut order: Vec<usize> = (0..self.ends.len()).collect();
        order.sort_by(|&a, &b| self.path(a).cmp(self.path(b)).then(a.cmp(&b)));
        let mut b = PathSetBuilder::default();
        let mut i = 0;
        while let Some(&k) = order.get(i) {
            // The last entry of a run of equal paths wins.
            let mut last = k;
            while let Some(&n) = order.get(i + 1) {
                if self.path(n) != self.path(k) {
                    break;
                }
                last = n;
                i += 1;
            }
            i += 1;
            let Ok(p) = std::str::from_utf8(self.path(last)) else {
                continue;
            };
            if !skip.contains_key(p) {
                b.push(p, self.dirs.get(last).copied().unwrap_or(false));
            }
        }
        b.finish()
    }
}

/// Visitors for one sniffed file: (cataloger name, visitor), empty when nobody wants it.
pub type Visitors = Vec<(&'static str, Box<dyn Visitor>)>;

/// How to walk: which paths to capture, which files to visit, and the size cap.
pub struct WalkConfig<'a> {
    /// Whether some cataloger wants the file at this normalised path.
    pub wants: &'a (dyn Fn(&str) -> bool + Sync),
    /// The visitors of catalogers that want to read this regular file's body (asked
    /// for files nobody wants by path); `None` when no cataloger sniffs.
    pub sniff: Option<&'a (dyn Fn(&EntryInfo<'_>) -> Visitors + Sync)>,
    /// Largest body captured; bigger wanted files are skipped with a warning.
    pub max_file_size: u64,
}

impl<'a> WalkConfig<'a> {
    /// Captures the paths `wants` names; sniffs nothing.
    pub fn paths(wants: &'a (dyn Fn(&str) -> bool + Sync), max_file_size: u64) -> Self {
        WalkConfig {
            wants,
            sniff: None,
            max_file_size,
        }
    }
}

/// Why a layer could not be walked (fatal for the scan).
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("reading the layer's tar stream: {source}")]
    Tar {
        #[source]
        source: io::Error,
    },
    #[error("cannot read folder {}: {source}", path.display())]
    Dir {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Why a tar entry name was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathProblem {
    /// Nothing left after normalising (`.`, `./`, `/`): the root itself.
    Root,
    /// Absolute after stripping `./` prefixes.
    Absolute,
    /// A `..` climbs above the root.
    Escapes,
}

/// Normalises a tar entry name (see the module docs).
pub fn normalise_entry_name(raw: &str) -> Result<String, PathProblem> {
    let mut s = raw;
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    if s.starts_with('/') {
        return Err(PathProblem::Absolute);
    }
    normalise_relative(s)
}

/// Normalises a relative path: `.` and empty components dropped, `..` resolved.
fn normalise_relative(s: &str) -> Result<String, PathProblem> {
    let simple = !s.is_empty()
        && !s.ends_with('/')
        && !s.starts_with('/')
        && !s.contains("//")
        && s.split('/').all(|c| c != "." && c != "..");
    if simple {
        return Ok(s.to_string());
    }
    let mut parts: Vec<&str> = Vec::new();
    for c in s.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(PathProblem::Escapes);
                }
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        Err(PathProblem::Root)
    } else {
        Ok(parts.join("/"))
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Collects the index while entries arrive.
struct Builder<'a> {
    cfg: &'a WalkConfig<'a>,
    /// Entries that are not plain (see [`LayerIndex::nodes`]).
    nodes: BTreeMap<String, Node>,
    plain: PlainArena,
    whiteouts: BTreeSet<String>,
    opaque_dirs: BTreeSet<String>,
    warnings: Vec<IndexWarning>,
    /// Where wanted symbolic links of this layer point (lexically): captured too when
    /// they come later in the same layer, so the squash can resolve the link.
    link_targets: BTreeSet<String>,
    /// Reused buffer for bodies streamed through visitors.
    chunk: Vec<u8>,
}

impl<'a> Builder<'a> {
    /// Whether the body at `path` must be kept.
    fn wanted(&self, path: &str) -> bool {
        (self.cfg.wants)(path) || self.link_targets.contains(path)
    }
    /// Notes where a wanted symbolic link at `path` points.
    fn note_link_target(&mut self, path: &str, target: &str) {
        if let Some(t) = lexical_target(path, target) {
            self.link_targets.insert(t);
        }
    }

    fn new(cfg: &'a WalkConfig<'a>) -> Self {
        Builder {
            cfg,
            nodes: BTreeMap::new(),
            plain: PlainArena::default(),
            whiteouts: BTreeSet::new(),
            opaque_dirs: BTreeSet::new(),
            warnings: Vec::new(),
            link_targets: BTreeSet::new(),
            chunk: Vec::new(),
        }
    }

    /// Records the entry at `path`, replacing any earlier one there.
    fn put(&mut self, path: String, node: Node) {
        if node.is_plain() {
            // An earlier entry kept in `nodes` is replaced; an earlier plain one is
            // dropped when the arena is sorted (the last one wins).
            self.nodes.remove(&path);
            self.plain.push(&path, node.is_dir());
        } else {
            // Plain entries at the same path are left out when the arena is sorted.
            self.nodes.insert(path, node);
        }
    }

    fn warn(&mut self, entry: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(IndexWarning {
            entry: entry.into(),
            message: message.into(),
        });
    }

    /// Handles a whiteout name; true when `path` was one (and is then consumed).
    fn whiteout(&mut self, path: &str, raw: &str) -> bool {
        let (dir, name) = match path.rsplit_once('/') {
            Some((d, n)) => (d, n),
            None => ("", path),
        };
        let Some(rest) = name.strip_prefix(".wh.") else {
            return false;
        };
        if rest == ".wh..opq" {
            self.opaque_dirs.insert(dir.to_string());
        } else if rest.starts_with(".wh.") {
            // aufs bookkeeping (`.wh..wh.plnk`, `.wh..wh.aufs`): not content.
        } else if rest.is_empty() || rest == "." || rest == ".." {
            self.warn(raw, "whiteout without a valid name, ignored");
        } else if dir.is_empty() {
            self.whiteouts.insert(rest.to_string());
        } else {
            self.whiteouts.insert(format!("{dir}/{rest}"));
        }
        true
    }

    fn finish(self) -> LayerIndex {
        let mut warnings = self.warnings;
        warnings.sort();
        warnings.dedup();
        let plain = self.plain.into_set(&self.nodes);
        LayerIndex {
            nodes: self.nodes.into_iter().collect(),
            plain,
            whiteouts: self.whiteouts,
            opaque_dirs: self.opaque_dirs,
            warnings,
        }
    }
}

/// Reads a wanted body, honouring the cap; `None` (with a warning) when too big.
fn read_capped(
    b: &mut Builder<'_>,
    mut r: impl Read,
    declared: u64,
    entry: &str,
) -> io::Result<Option<Vec<u8>>> {
    let cap = b.cfg.max_file_size;
    if declared > cap {
        b.warn(
            entry,
            format!("file of {declared} bytes is over the {cap}-byte limit, not read"),
        );
        return Ok(None);
    }
    let capacity = usize::try_from(declared).unwrap_or(0);
    let mut buf = Vec::with_capacity(capacity);
    r.by_ref()
        .take(cap.saturating_add(1))
        .read_to_end(&mut buf)?;
    if buf.len() as u64 > cap {
        b.warn(
            entry,
            format!("file is over the {cap}-byte limit, not read"),
        );
        return Ok(None);
    }
    Ok(Some(buf))
}

/// Reads up to `buf.len()` bytes (fewer only at the end of the body).
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(buf.get_mut(n..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Bytes read from a body per visitor call.
const VISIT_CHUNK: usize = 256 * 1024;

/// Shows a regular file nobody wants by path to the sniffers; streams its body through
/// the visitors that want it and keeps their summaries. `Node::File` when nobody kept
/// anything. Only the head is read when nobody sniffs it (the tar reader skips the
/// rest); a read error is a broken stream.
fn visit(
    b: &mut Builder<'_>,
    r: &mut impl Read,
    path: &str,
    mode: u32,
    size: u64,
) -> io::Result<Node> {
    let Some(sniff) = b.cfg.sniff else {
        return Ok(Node::File);
    };
    if size == 0 {
        return Ok(Node::File);
    }
    let mut head = [0u8; SNIFF_HEAD];
    let want = usize::try_from(size).map_or(SNIFF_HEAD, |s| s.min(SNIFF_HEAD));
    let n = read_full(r, head.get_mut(..want).unwrap_or_default())?;
    let head = head.get(..n).unwrap_or_default();
    let mut visitors = sniff(&EntryInfo {
        path,
        mode,
        size,
        head,
    });
    if visitors.is_empty() {
        return Ok(Node::File);
    }
    let mut live: Vec<bool> = visitors
        .iter_mut()
        .map(|(_, v)| v.feed(head) == Feed::More)
        .collect();
    if n == want && u64::try_from(n).is_ok_and(|n| n < size) {
        let mut chunk = std::mem::take(&mut b.chunk);
        chunk.resize(VISIT_CHUNK, 0);
        while live.contains(&true) {
            let k = read_full(r, &mut chunk)?;
            if k == 0 {
                break;
            }
            let data = chunk.get(..k).unwrap_or_default();
            for ((_, v), alive) in visitors.iter_mut().zip(live.iter_mut()) {
                if *alive {
                    *alive = v.feed(data) == Feed::More;
                }
            }
        }
        b.chunk = chunk;
    }
    let mut kept = Vec::new();
    for (by, v) in visitors {
        let done = v.finish();
        for w in done.warnings {
            b.warn(path, format!("{by}: {w}"));
        }
        if let Some(summary) = done.summary {
            kept.push((by.to_string(), Arc::new(summary)));
        }
    }
    if kept.is_empty() {
        return Ok(Node::File);
    }
    kept.sort();
    Ok(Node::Summarized(kept))
}

/// Files of this layer whose bodies its own wanted links need but the walk did not
/// read: targets of hard links, and targets of wanted symbolic links that came before
/// the link in the tar. Read by a second pass over the layer ([`attach_link_bodies`]).
pub fn unread_link_targets(index: &LayerIndex) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (path, node) in &index.nodes {
        let target = match node {
            Node::Hardlink { target } => Some(target.clone()),
            Node::Symlink {
                target,
                wanted: true,
            } => lexical_target(path, target),
            _ => None,
        };
        if let Some(t) = target {
            if index.node(&t) == Some(&Node::File) {
                out.insert(t);
            }
        }
    }
    out
}

/// Where a symbolic link at `path` points, as a normalised path (no links followed).
pub fn lexical_target(path: &str, target: &str) -> Option<String> {
    let joined = match target.strip_prefix('/') {
        Some(abs) => normalise_relative(abs),
        None => match path.rsplit_once('/') {
            Some((dir, _)) => normalise_relative(&format!("{dir}/{target}")),
            None => normalise_relative(target),
        },
    };
    joined.ok()
}

/// Gives bodies read by a second pass to the files they belong to (`LinkTarget`) and
/// to this layer's hard links pointing at them (`Captured`).
pub fn attach_link_bodies(index: &mut LayerIndex, bodies: &BTreeMap<String, Arc<Vec<u8>>>) {
    for (_, node) in &mut index.nodes {
        if let Node::Hardlink { target } = node {
            if let Some(b) = bodies.get(target.as_str()) {
                *node = Node::Captured(Arc::clone(b));
            }
        }
    }
    let moved: Vec<(String, Node)> = bodies
        .iter()
        .filter(|(p, _)| index.plain.get(p) == Some(false))
        .map(|(p, b)| (p.clone(), Node::LinkTarget(Arc::clone(b))))
        .collect();
    if moved.is_empty() {
        return;
    }
    index.plain = index
        .plain
        .without(&|p| moved.binary_search_by(|(m, _)| m.as_str().cmp(p)).is_ok());
    index.nodes.extend(moved);
    index.nodes.sort_by(|a, b| a.0.cmp(&b.0));
}

/// Walks an uncompressed tar stream. The reader is read up to the tar's end marker;
/// the caller drains and verifies the rest.
pub fn index_tar<R: Read>(reader: R, cfg: &WalkConfig<'_>) -> Result<LayerIndex, WalkError> {
    let mut archive = tar::Archive::new(BufReader::new(reader));
    let mut b = Builder::new(cfg);
    let entries = archive
        .entries()
        .map_err(|source| WalkError::Tar { source })?;
    for entry in entries {
        let mut entry = entry.map_err(|source| WalkError::Tar { source })?;
        let raw_bytes = entry.path_bytes();
        let path = match std::str::from_utf8(&raw_bytes) {
            Ok(s) => normalise_entry_name(s),
            Err(_) => normalise_entry_name(&String::from_utf8_lossy(&raw_bytes)),
        };
        let path = match path {
            Ok(p) => p,
            Err(PathProblem::Root) => continue,
            Err(problem) => {
                let raw = lossy(&raw_bytes);
                let why = match problem {
                    PathProblem::Absolute => "absolute path",
                    _ => "path escapes the root",
                };
                b.warn(raw, format!("{why}, entry skipped"));
                continue;
            }
        };
        drop(raw_bytes);
        let kind = entry.header().entry_type();
        use tar::EntryType as T;
        match kind {
            T::Directory => {
                b.put(path, Node::Dir);
            }
            T::Symlink => {
                let target = entry
                    .link_name_bytes()
                    .map(|t| lossy(&t))
                    .unwrap_or_default();
                let wanted = (b.cfg.wants)(&path);
                if wanted {
                    b.note_link_target(&path, &target);
                }
                b.put(path, Node::Symlink { target, wanted });
            }
            T::Link => {
                let raw_target = entry
                    .link_name_bytes()
                    .map(|t| lossy(&t))
                    .unwrap_or_default();
                let node = match normalise_entry_name(&raw_target) {
                    Err(_) => {
                        b.warn(
                            path.clone(),
                            format!(
                                "hard link to {raw_target} points outside the root, not followed"
                            ),
                        );
                        Node::File
                    }
                    Ok(target) if b.wanted(&path) => match b.nodes.get(&target) {
                        Some(Node::Captured(body) | Node::LinkTarget(body)) => {
                            Node::Captured(Arc::clone(body))
                        }
                        _ => Node::Hardlink { target },
                    },
                    Ok(_) => Node::File,
                };
                b.put(path, node);
            }
            T::Regular | T::Continuous | T::GNUSparse => {
                if b.whiteout(&path, &path) {
                    continue;
                }
                let size = entry.size();
                let wanted = (b.cfg.wants)(&path);
                let node = if wanted || b.link_targets.contains(&path) {
                    match read_capped(&mut b, &mut entry, size, &path)
                        .map_err(|source| WalkError::Tar { source })?
                    {
                        Some(body) if wanted => Node::Captured(Arc::new(body)),
                        Some(body) => Node::LinkTarget(Arc::new(body)),
                        None => Node::File,
                    }
                } else {
                    let mode = entry.header().mode().unwrap_or(0);
                    visit(&mut b, &mut entry, &path, mode, size)
                        .map_err(|source| WalkError::Tar { source })?
                };
                b.put(path, node);
            }
            T::Char | T::Block | T::Fifo => {
                if b.whiteout(&path, &path) {
                    continue;
                }
                b.put(path, Node::File);
            }
            // Global pax headers and unknown kinds carry no file.
            _ => {}
        }
    }
    Ok(b.finish())
}

/// Walks a plain folder (a rootfs): one layer, no whiteouts, symlinks not followed.
pub fn index_dir(root: &Path, cfg: &WalkConfig<'_>) -> Result<LayerIndex, WalkError> {
    let mut b = Builder::new(cfg);
    let top = fs_err::read_dir(root).map_err(|source| WalkError::Dir {
        path: root.to_path_buf(),
        source,
    })?;
    // (folder on disk, its normalised path, its entries)
    let mut stack: Vec<(String, fs_err::ReadDir)> = vec![(String::new(), top)];
    while let Some((prefix, mut rd)) = stack.pop() {
        let Some(item) = rd.next() else {
            continue;
        };
        stack.push((prefix.clone(), rd));
        let item = match item {
            Ok(i) => i,
            Err(e) => {
                b.warn(prefix.clone(), format!("cannot list folder: {e}"));
                continue;
            }
        };
        let name = item.file_name().to_string_lossy().into_owned();
        let path = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let ft = match item.file_type() {
            Ok(ft) => ft,
            Err(e) => {
                b.warn(path, format!("cannot stat: {e}"));
                continue;
            }
        };
        if ft.is_dir() {
            match fs_err::read_dir(item.path()) {
                Ok(sub) => stack.push((path.clone(), sub)),
                Err(e) => b.warn(path.clone(), format!("cannot list folder: {e}")),
            }
            b.put(path, Node::Dir);
        } else if ft.is_symlink() {
            let node = match fs_err::read_link(item.path()) {
                Ok(t) => Node::Symlink {
                    target: t.to_string_lossy().into_owned(),
                    wanted: (cfg.wants)(&path),
                },
                Err(e) => {
                    b.warn(path.clone(), format!("cannot read link: {e}"));
                    Node::File
                }
            };
            b.put(path, node);
        } else if ft.is_file() && (cfg.wants)(&path) {
            let node = match read_file_capped(&mut b, &item.path(), &path) {
                Some(body) => Node::Captured(Arc::new(body)),
                None => Node::File,
            };
            b.put(path, node);
        } else if ft.is_file() && cfg.sniff.is_some() {
            let node = visit_file(&mut b, &item.path(), &path);
            b.put(path, node);
        } else {
            b.put(path, Node::File);
        }
    }
    Ok(b.finish())
}

/// [`visit`] for a file of a rootfs folder.
fn visit_file(b: &mut Builder<'_>, disk: &Path, path: &str) -> Node {
    use std::os::unix::fs::PermissionsExt;
    let f = match fs_err::File::open(disk) {
        Ok(f) => f,
        Err(e) => {
            b.warn(path, format!("cannot read: {e}"));
            return Node::File;
        }
    };
    let (size, mode) = f
        .metadata()
        .map(|m| (m.len(), m.permissions().mode() & 0o7777))
        .unwrap_or((0, 0));
    match visit(b, &mut BufReader::new(f), path, mode, size) {
        Ok(node) => node,
        Err(e) => {
            b.warn(path, format!("cannot read: {e}"));
            Node::File
        }
    }
}

fn read_file_capped(b: &mut Builder<'_>, disk: &Path, path: &str) -> Option<Vec<u8>> {
    let f = match fs_err::File::open(disk) {
        Ok(f) => f,
        Err(e) => {
            b.warn(path, format!("cannot read: {e}"));
            return None;
        }
    };
    let size = f.metadata().map(|m| m.len()).unwrap_or(0);
    match read_capped(b, f, size, path) {
        Ok(body) => body,
        Err(e) => {
            b.warn(path, format!("cannot read: {e}"));
            None
        }
    }
}

/// Serde for `Vec<(String, Arc<Vec<u8>>)>` (serde's `rc` feature is not enabled).
mod summaries {
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &super::Summaries, s: S) -> Result<S::Ok, S::Error> {
        let plain: Vec<(&str, &[u8])> = v.iter().map(|(b, d)| (b.as_str(), d.as_slice())).collect();
        plain.serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<super::Summaries, D::Error> {
        let plain = Vec::<(String, Vec<u8>)>::deserialize(d)?;
        Ok(plain.into_iter().map(|(b, d)| (b, Arc::new(d))).collect())
    }
}

/// Serde for `Arc<Vec<u8>>` as bytes (serde's `rc` feature is not enabled).
mod arc_bytes {
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Arc<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v.as_slice())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<Vec<u8>>, D::Error> {
        Vec::<u8>::deserialize(d).map(Arc::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sbom_testkit::{Compression, Layer};

    fn wants_metadata(p: &str) -> bool {
        p.ends_with("status") || p.ends_with("METADATA")
    }

    fn walk(layer: &Layer) -> LayerIndex {
        let cfg = WalkConfig::paths(&wants_metadata, DEFAULT_MAX_FILE_SIZE);
        index_tar(layer.tar_bytes().as_slice(), &cfg).unwrap()
    }

    fn body(idx: &LayerIndex, path: &str) -> Option<Vec<u8>> {
        match idx.node(path) {
            Some(Node::Captured(b)) => Some(b.as_ref().clone()),
            _ => None,
        }
    }

    #[test]
    fn normalise_strips_dot_prefixes_slashes_and_resolves_dotdot() {
        assert_eq!(normalise_entry_name("./etc/x").unwrap(), "etc/x");
        assert_eq!(normalise_entry_name("././etc//y/").unwrap(), "etc/y");
        assert_eq!(normalise_entry_name("a/./b/../c").unwrap(), "a/c");
        assert_eq!(normalise_entry_name("./"), Err(PathProblem::Root));
        assert_eq!(
            normalise_entry_name("/etc/passwd"),
            Err(PathProblem::Absolute)
        );
        assert_eq!(
            normalise_entry_name("../etc/passwd"),
            Err(PathProblem::Escapes)
        );
        assert_eq!(normalise_entry_name("a/../../b"), Err(PathProblem::Escapes));
    }

    #[test]
    fn records_kinds_and_captures_only_wanted_bodies() {
        let l = Layer::new(Compression::None)
            .file("var/lib/dpkg/status", "Package: a\n")
            .file("usr/bin/big", vec![7u8; 10_000])
            .symlink("lib64", "lib")
            .dir("opt/empty");
        let idx = walk(&l);
        assert_eq!(body(&idx, "var/lib/dpkg/status").unwrap(), b"Package: a\n");
        assert_eq!(idx.node("usr/bin/big"), Some(&Node::File));
        assert_eq!(idx.node("var/lib/dpkg"), Some(&Node::Dir));
        assert_eq!(idx.node("opt/empty"), Some(&Node::Dir));
        assert_eq!(
            idx.node("lib64"),
            Some(&Node::Symlink {
                target: "lib".into(),
                wanted: false
            })
        );
        assert_eq!(idx.captured_count(), 1);
        assert!(idx.warnings.is_empty());
    }

    #[test]
    fn whiteouts_and_opaque_markers_are_recorded_not_listed() {
        let l = Layer::new(Compression::None)
            .whiteout("var/lib/dpkg/status")
            .whiteout("top")
            .opaque("usr/lib/python3")
            .file("a/.wh..wh.plnk", "");
        let idx = walk(&l);
        assert!(idx.whiteouts.contains("var/lib/dpkg/status"));
        assert!(idx.whiteouts.contains("top"));
        assert!(idx.opaque_dirs.contains("usr/lib/python3"));
        assert!(idx.nodes.iter().all(|(p, _)| !p.contains(".wh.")));
    }

    #[test]
    fn long_names_over_100_bytes_are_read_whole() {
        let long = format!(
            "var/lib/kolla/venv/lib/python3.11/site-packages/{}-1.0.dist-info/METADATA",
            "a_rather_long_distribution_name_for_testing".repeat(3)
        );
        assert!(long.len() > 150);
        let l = Layer::new(Compression::None).file(&long, "Name: x\n");
        let idx = walk(&l);
        assert_eq!(body(&idx, &long).unwrap(), b"Name: x\n");
    }

    #[test]
    fn layer_index_round_trips_through_serde() {
        let l = Layer::new(Compression::None)
            .file("var/lib/dpkg/status", "Package: a\n")
            .symlink("lib64", "lib")
            .whiteout("old")
            .opaque("site")
            .raw_file(b"../x", "x");
        let idx = walk(&l);
        let text = serde_json::to_string(&idx).unwrap();
        let back: LayerIndex = serde_json::from_str(&text).unwrap();
        assert_eq!(back, idx);
        assert_eq!(body(&back, "var/lib/dpkg/status").unwrap(), b"Package: a\n");
    }

    #[test]
    fn hardlink_to_captured_entry_gets_its_body() {
        let l = Layer::new(Compression::None)
            .file("var/lib/dpkg/status", "Package: a\n")
            .hardlink("backup/status", "var/lib/dpkg/status");
        let idx = walk(&l);
        assert_eq!(body(&idx, "backup/status").unwrap(), b"Package: a\n");
    }

    #[test]
    fn hardlink_to_uncaptured_entry_is_kept_for_the_squash() {
        let l = Layer::new(Compression::None)
            .file("var/lib/dpkg/status-old", "Package: a\n")
            .hardlink("var/lib/dpkg/status", "var/lib/dpkg/status-old");
        let idx = walk(&l);
        assert_eq!(
            idx.node("var/lib/dpkg/status"),
            Some(&Node::Hardlink {
                target: "var/lib/dpkg/status-old".into()
            })
        );
    }

    #[test]
    fn hostile_names_are_warned_and_skipped_rest_kept() {
        let l = Layer::new(Compression::None)
            .raw_file(b"../etc/passwd", "x")
            .raw_file(b"/abs/path", "x")
            .hardlink("var/lib/dpkg/status", "../../outside")
            .file("ok/METADATA", "Name: ok\n");
        let idx = walk(&l);
        assert_eq!(idx.warnings.len(), 3, "{:?}", idx.warnings);
        assert!(idx.warnings.iter().any(|w| w.entry == "../etc/passwd"));
        assert!(idx.warnings.iter().any(|w| w.entry == "/abs/path"));
        assert!(idx
            .warnings
            .iter()
            .any(|w| w.entry == "var/lib/dpkg/status" && w.message.contains("outside")));
        assert!(idx.node("etc/passwd").is_none());
        assert!(idx.node("abs/path").is_none());
        assert_eq!(idx.node("var/lib/dpkg/status"), Some(&Node::File));
        assert_eq!(body(&idx, "ok/METADATA").unwrap(), b"Name: ok\n");
    }

    #[test]
    fn target_of_a_wanted_symlink_later_in_the_layer_is_read_for_the_link() {
        let l = Layer::new(Compression::None)
            .symlink("var/lib/dpkg/status", "status.real")
            .symlink("etc/METADATA", "/opt/meta.txt")
            .file("var/lib/dpkg/status.real", "Package: a\n")
            .file("opt/meta.txt", "Name: m\n")
            .file("opt/other.txt", "x");
        let idx = walk(&l);
        let link_body = |p: &str| match idx.node(p) {
            Some(Node::LinkTarget(b)) => Some(b.as_ref().clone()),
            _ => None,
        };
        assert_eq!(
            link_body("var/lib/dpkg/status.real").unwrap(),
            b"Package: a\n"
        );
        assert_eq!(link_body("opt/meta.txt").unwrap(), b"Name: m\n");
        assert_eq!(idx.node("opt/other.txt"), Some(&Node::File));
        assert!(unread_link_targets(&idx).is_empty());
    }

    #[test]
    fn targets_that_came_before_their_links_are_listed_for_a_second_pass() {
        let l = Layer::new(Compression::None)
            .file("usr/share/doc/x/METADATA.orig", "Name: x\nVersion: 1\n")
            .file("var/lib/dpkg/status.real", "Package: a\n")
            .hardlink(
                "site/x-1.dist-info/METADATA",
                "usr/share/doc/x/METADATA.orig",
            )
            .symlink("var/lib/dpkg/status", "status.real");
        let mut idx = walk(&l);
        let unread = unread_link_targets(&idx);
        assert_eq!(
            unread.iter().map(String::as_str).collect::<Vec<_>>(),
            ["usr/share/doc/x/METADATA.orig", "var/lib/dpkg/status.real"]
        );
        let bodies: BTreeMap<String, Arc<Vec<u8>>> = unread
            .iter()
            .map(|p| (p.clone(), Arc::new(p.as_bytes().to_vec())))
            .collect();
        attach_link_bodies(&mut idx, &bodies);
        assert!(unread_link_targets(&idx).is_empty());
        assert_eq!(
            body(&idx, "site/x-1.dist-info/METADATA").unwrap(),
            b"usr/share/doc/x/METADATA.orig"
        );
        assert!(matches!(
            idx.node("var/lib/dpkg/status.real"),
            Some(Node::LinkTarget(_))
        ));
    }

    #[test]
    fn oversized_wanted_file_is_warned_and_not_kept() {
        let l = Layer::new(Compression::None).file("x/METADATA", vec![b'a'; 100]);
        let cfg = WalkConfig::paths(&wants_metadata, 10);
        let idx = index_tar(l.tar_bytes().as_slice(), &cfg).unwrap();
        assert_eq!(idx.node("x/METADATA"), Some(&Node::File));
        assert_eq!(idx.warnings.len(), 1);
        assert!(idx.warnings[0].message.contains("limit"));
    }

    #[test]
    fn later_entry_for_same_path_wins_within_a_layer() {
        let l = Layer::new(Compression::None)
            .file("var/lib/dpkg/status", "old")
            .file("var/lib/dpkg/status", "new");
        assert_eq!(body(&walk(&l), "var/lib/dpkg/status").unwrap(), b"new");
    }

    #[test]
    fn truncated_tar_is_an_error() {
        let l = Layer::new(Compression::None).file("var/lib/dpkg/status", vec![b'x'; 4000]);
        let bytes = l.tar_bytes();
        let cfg = WalkConfig::paths(&wants_metadata, DEFAULT_MAX_FILE_SIZE);
        let cut = bytes.get(..1500).unwrap();
        assert!(index_tar(cut, &cfg).is_err());
    }

    #[test]
    fn directory_walk_records_files_links_and_wanted_bodies() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("var/lib/dpkg")).unwrap();
        std::fs::write(root.join("var/lib/dpkg/status"), "Package: a\n").unwrap();
        std::fs::write(root.join("var/lib/other"), "x").unwrap();
        std::os::unix::fs::symlink("/nowhere", root.join("link")).unwrap();
        let cfg = WalkConfig::paths(&wants_metadata, DEFAULT_MAX_FILE_SIZE);
        let idx = index_dir(root, &cfg).unwrap();
        assert_eq!(body(&idx, "var/lib/dpkg/status").unwrap(), b"Package: a\n");
        assert_eq!(idx.node("var/lib/other"), Some(&Node::File));
        assert_eq!(idx.node("var"), Some(&Node::Dir));
        assert_eq!(
            idx.node("link"),
            Some(&Node::Symlink {
                target: "/nowhere".into(),
                wanted: false
            })
        );
    }
}
