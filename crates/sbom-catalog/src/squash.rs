//! Applies [`LayerIndex`]es bottom to top with the OCI image-layer semantics and gives
//! the final filesystem as a [`FileView`] (captured files only).
//!
//! Rules, per layer, in this order:
//! 1. an opaque folder (`DIR/.wh..wh..opq`) hides everything lower layers put under `DIR`;
//! 2. a whiteout (`DIR/.wh.NAME`) deletes `DIR/NAME` from lower layers, file or subtree;
//! 3. every entry replaces what lower layers had at its path; a non-folder entry also
//!    removes a lower subtree at that path (a file replaces a folder without any
//!    whiteout, as overlay-based builders produce), and a folder entry removes a lower
//!    non-folder at its path (a folder replaces a file).
//!
//! A wanted hard link to a lower layer's captured file takes that file's content when its
//! layer is applied.
//!
//! Folders themselves are not kept (only what they hold matters), and neither are the
//! files nobody wants (a layer's `plain` entries): they only delete what lower layers
//! had. Where a link must know whether a plain file lies at a path (a wanted link's
//! target, a hard link's), the applied layers are asked, top down. Wanted paths that are
//! symbolic links are resolved inside the squashed filesystem when a view is taken;
//! a link leaving the root, dangling, looping or pointing at a file that was not
//! captured gives a warning instead of a file.
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ops::Bound;
use std::sync::Arc;

use sbom_model::LayerRef;

use crate::walker::{LayerIndex, Node, PLAIN_FILE};
use crate::{CapturedFile, FileView, Warning};

/// Most symbolic links followed while resolving one path (as Linux's `MAXSYMLINKS`).
const MAX_LINK_HOPS: usize = 40;

#[derive(Clone, Copy)]
struct Slot<'a> {
    /// Position in `Squasher::refs`.
    layer: usize,
    node: &'a Node,
    /// For a hard link into a lower layer: the body of its target, read because of it.
    link_body: Option<&'a Arc<Vec<u8>>>,
}

/// Applies layers one by one; a view can be taken after any of them.
#[derive(Default)]
pub struct Squasher<'a> {
    refs: Vec<LayerRef>,
    /// The layers applied so far, bottom first (asked about their plain files).
    layers: Vec<&'a LayerIndex>,
    state: BTreeMap<&'a str, Slot<'a>>,
    scratch: String,
    /// Hard links whose target lies in a lower layer, unread: (layer position, path).
    unread_hard: BTreeSet<(usize, &'a str)>,
}

enum Resolved<'a> {
    Found(String, Slot<'a>),
    Missing(String),
    Escapes,
    Loop,
}

impl<'a> Squasher<'a> {
    pub fn new() -> Self {
        Squasher::default()
    }

    /// Number of layers applied so far.
    pub fn layers_applied(&self) -> usize {
        self.refs.len()
    }

    /// Applies the next layer (above all applied so far).
    pub fn apply(&mut self, index: &'a LayerIndex, layer: LayerRef) {
        let li = self.refs.len();
        self.refs.push(layer);
        self.layers.push(index);
        for dir in &index.opaque_dirs {
            self.remove_under(dir);
        }
        for gone in &index.whiteouts {
            self.state.remove(gone.as_str());
            self.remove_under(gone);
        }
        // Plain entries only delete: a folder what lower layers had at its path, a file
        // that and everything below it. Paths are disjoint from `nodes`, and a path's
        // descendants sort after it, so doing them first changes nothing.
        let mut plain = index.plain.cursor();
        while let (false, Some((path, dir))) = (self.state.is_empty(), plain.next()) {
            self.state.remove(path);
            if !dir {
                self.remove_under(path);
            }
        }
        for (path, node) in &index.nodes {
            let path = path.as_str();
            if node.is_dir() {
                // A folder replaces a lower non-folder; folders are not kept.
                self.state.remove(path);
                continue;
            }
            // A hard link to a lower layer's captured file takes that file's content as
            // it is now (a later layer replacing the target does not change the link).
            let mut slot = Slot {
                layer: li,
                node,
                link_body: None,
            };
            if let Node::Hardlink { target } = node {
                match self.state.get(target.as_str()).copied() {
                    Some(Slot {
                        node: captured @ Node::Captured(_),
                        ..
                    }) => slot.node = captured,
                    Some(Slot {
                        node: Node::LinkTarget(body),
                        ..
                    }) => slot.link_body = Some(body),
                    Some(Slot {
                        node: Node::File,
                        layer,
                        ..
                    }) => {
                        self.unread_hard.insert((layer, target.as_str()));
                    }
                    Some(_) => {}
                    None => {
                        if let Some(layer) = self.plain_file_at(target) {
                            self.unread_hard.insert((layer, target.as_str()));
                        }
                    }
                }
            }
            self.remove_under(path);
            self.state.insert(path, slot);
        }
    }

    /// Removes everything strictly below folder `dir` (`""`: the root).
    fn remove_under(&mut self, dir: &str) {
        if dir.is_empty() {
            self.state.clear();
            return;
        }
        let mut lo = std::mem::take(&mut self.scratch);
        lo.clear();
        lo.push_str(dir);
        lo.push('/');
        let doomed: Vec<&'a str> = self
            .state
            .range::<str, _>((Bound::Included(lo.as_str()), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(lo.as_str()))
            .map(|(k, _)| *k)
            .collect();
        for k in doomed {
            self.state.remove(k);
        }
        self.scratch = lo;
    }

    /// The layer whose plain file is visible at `path` in the filesystem as it stands
    /// (the top layer that has an entry there, unless something above deleted it).
    fn plain_file_at(&self, path: &str) -> Option<usize> {
        let ancestors = || {
            path.match_indices('/')
                .filter_map(|(i, _)| path.get(..i))
                .chain(std::iter::once(""))
        };
        for (li, idx) in self.layers.iter().enumerate().rev() {
            // This layer's own entry wins over its own whiteouts and opaque folders.
            if let Some(dir) = idx.plain.get(path) {
                return (!dir).then_some(li);
            }
            if idx
                .nodes
                .binary_search_by(|(p, _)| p.as_str().cmp(path))
                .is_ok()
                || idx.whiteouts.contains(path)
            {
                return None;
            }
            let deleted = ancestors().any(|a| {
                idx.opaque_dirs.contains(a)
                    || (!a.is_empty()
                        && (idx.whiteouts.contains(a)
                            || idx.plain.get(a) == Some(false)
                            || idx.node(a).is_some_and(|n| !n.is_dir())))
            });
            if deleted {
                return None;
            }
        }
        None
    }

    /// What is at `path` now: a kept node, or a plain file of some layer.
    fn slot_at(&self, path: &str) -> Option<Slot<'a>> {
        self.state.get(path).copied().or_else(|| {
            self.plain_file_at(path).map(|layer| Slot {
                layer,
                node: &PLAIN_FILE,
                link_body: None,
            })
        })
    }

    fn layer_ref(&self, slot: Slot<'_>) -> Option<LayerRef> {
        self.refs.get(slot.layer).cloned()
    }

    fn warning(&self, slot: Slot<'_>, path: &str, message: String) -> Warning {
        Warning {
            layer: self
                .refs
                .get(slot.layer)
                .map(|l| l.digest.clone().unwrap_or_else(|| l.diff_id.clone())),
            entry: Some(path.to_string()),
            message,
        }
    }

    /// Follows symbolic links along `path` inside the current filesystem.
    fn resolve(&self, path: &str) -> Resolved<'a> {
        let mut parts: Vec<String> = Vec::new();
        let mut todo: VecDeque<String> = path.split('/').map(str::to_string).collect();
        let mut hops = 0;
        while let Some(c) = todo.pop_front() {
            match c.as_str() {
                "" | "." => continue,
                ".." => {
                    if parts.pop().is_none() {
                        return Resolved::Escapes;
                    }
                    continue;
                }
                _ => parts.push(c),
            }
            let cur = parts.join("/");
            let Some(slot) = self.slot_at(&cur) else {
                continue;
            };
            if let Node::Symlink { target, .. } = slot.node {
                hops += 1;
                if hops > MAX_LINK_HOPS {
                    return Resolved::Loop;
                }
                parts.pop();
                if target.starts_with('/') {
                    parts.clear();
                }
                for t in target.split('/').rev() {
                    todo.push_front(t.to_string());
                }
            } else if !todo.is_empty() && todo.iter().any(|t| !t.is_empty() && t != ".") {
                // A non-folder in the middle of the path.
                return Resolved::Missing(cur);
            }
        }
        let cur = parts.join("/");
        match self.slot_at(&cur) {
            Some(slot) => Resolved::Found(cur, slot),
            None => Resolved::Missing(cur),
        }
    }

    /// Files of lower layers that wanted links point at but that were not read: (layer
    /// position, path). A second pass over those layers reads them
    /// ([`crate::walker::attach_link_bodies`]), after which the links resolve.
    pub fn unread_link_targets(&self) -> BTreeSet<(usize, String)> {
        let mut out: BTreeSet<(usize, String)> = self
            .unread_hard
            .iter()
            .map(|(l, p)| (*l, (*p).to_string()))
            .collect();
        for (&path, slot) in &self.state {
            if let Node::Symlink { wanted: true, .. } = slot.node {
                if let Resolved::Found(
                    real,
                    Slot {
                        node: Node::File,
                        layer,
                        ..
                    },
                ) = self.resolve(path)
                {
                    out.insert((layer, real));
                }
            }
        }
        out
    }

    /// The captured files of the filesystem as it stands, and warnings about wanted
    /// links that could not be resolved.
    pub fn view(&self) -> (FileView, Vec<Warning>) {
        let mut files = Vec::new();
        let mut summaries = Vec::new();
        let mut warnings = Vec::new();
        for (&path, &slot) in &self.state {
            match slot.node {
                Node::Summarized(list) => {
                    for (by, data) in list.iter() {
                        summaries.push((
                            by.as_str(),
                            CapturedFile {
                                path: path.to_string(),
                                data: Arc::clone(data),
                                layer: self.layer_ref(slot),
                            },
                        ));
                    }
                }
                Node::Captured(data) => files.push(CapturedFile {
                    path: path.to_string(),
                    data: data.clone(),
                    layer: self.layer_ref(slot),
                }),
                Node::Symlink {
                    target,
                    wanted: true,
                } => match self.resolve(path) {
                    Resolved::Found(
                        _,
                        Slot {
                            node: Node::Captured(data) | Node::LinkTarget(data),
                            layer,
                            ..
                        },
                    ) => files.push(CapturedFile {
                        path: path.to_string(),
                        data: data.clone(),
                        layer: self.refs.get(layer).cloned(),
                    }),
                    Resolved::Found(real, _) => warnings.push(self.warning(
                        slot,
                        path,
                        format!("symbolic link to {target}: target {real} was not read (not a metadata path)"),
                    )),
                    Resolved::Missing(p) => warnings.push(self.warning(
                        slot,
                        path,
                        format!("symbolic link to {target}: {p} does not exist"),
                    )),
                    Resolved::Escapes => warnings.push(self.warning(
                        slot,
                        path,
                        format!("symbolic link to {target} points outside the root, not followed"),
                    )),
                    Resolved::Loop => warnings.push(self.warning(
                        slot,
                        path,
                        format!("symbolic link to {target}: too many levels of links"),
                    )),
                },
                // Resolved when applied to a body read for it.
                Node::Hardlink { .. } if slot.link_body.is_some() => {
                    if let Some(data) = slot.link_body {
                        files.push(CapturedFile {
                            path: path.to_string(),
                            data: Arc::clone(data),
                            layer: self.layer_ref(slot),
                        });
                    }
                }
                // Resolved when applied; still a hard link: its target was not captured.
                Node::Hardlink { target } => warnings.push(self.warning(
                    slot,
                    path,
                    format!("hard link to {target}: target was not captured"),
                )),
                _ => {}
            }
        }
        warnings.sort();
        let mut view = FileView::from_files(files);
        for (by, f) in summaries {
            view.add_summary(by, f);
        }
        for (&path, slot) in &self.state {
            if let (false, Node::Symlink { target, .. }) = (path.contains('/'), slot.node) {
                if let Some(t) = crate::catalogers::join_normalise("", target) {
                    view.add_root_link(path, &t);
                }
            }
        }
        (view, warnings)
    }
}

/// Squashes all layers (bottom first) into the final view.
pub fn squash<'a>(
    layers: impl IntoIterator<Item = (&'a LayerIndex, LayerRef)>,
) -> (FileView, Vec<Warning>) {
    let mut s = Squasher::new();
    for (idx, r) in layers {
        s.apply(idx, r);
    }
    s.view()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walker::{index_tar, WalkConfig, DEFAULT_MAX_FILE_SIZE};
    use sbom_testkit::{Compression, Layer};

    fn wants(p: &str) -> bool {
        p.ends_with("status") || p.ends_with("METADATA")
    }

    fn idx(l: Layer) -> LayerIndex {
        let cfg = WalkConfig::paths(&wants, DEFAULT_MAX_FILE_SIZE);
        index_tar(l.tar_bytes().as_slice(), &cfg).unwrap()
    }

    fn lref(i: u32) -> LayerRef {
        LayerRef {
            index: i,
            diff_id: format!("sha256:{i:064}"),
            digest: None,
        }
    }

    fn run(layers: Vec<Layer>) -> (FileView, Vec<Warning>) {
        let idxs: Vec<LayerIndex> = layers.into_iter().map(idx).collect();
        squash(idxs.iter().zip(0u32..).map(|(x, i)| (x, lref(i))))
    }

    fn paths(v: &FileView) -> Vec<&str> {
        v.iter().map(|f| f.path.as_str()).collect()
    }

    fn l() -> Layer {
        Layer::new(Compression::None)
    }

    #[test]
    fn whiteout_deletes_file_from_lower_layer() {
        let (v, w) = run(vec![
            l().file("var/lib/dpkg/status", "a").file("x/METADATA", "m"),
            l().whiteout("var/lib/dpkg/status"),
        ]);
        assert_eq!(paths(&v), ["x/METADATA"]);
        assert!(w.is_empty());
    }

    #[test]
    fn whiteout_of_parent_folder_deletes_subtree() {
        let (v, _) = run(vec![
            l().file("venv/lib/a.dist-info/METADATA", "m")
                .file("venvx/METADATA", "keep"),
            l().whiteout("venv"),
        ]);
        assert_eq!(paths(&v), ["venvx/METADATA"]);
    }

    #[test]
    fn opaque_folder_hides_lower_content_but_keeps_its_own() {
        let (v, _) = run(vec![
            l().file("site/a.dist-info/METADATA", "a")
                .file("site/b.dist-info/METADATA", "b")
                .file("other/METADATA", "o"),
            l().opaque("site").file("site/c.dist-info/METADATA", "c"),
        ]);
        assert_eq!(paths(&v), ["other/METADATA", "site/c.dist-info/METADATA"]);
    }

    #[test]
    fn later_layer_replaces_file_and_view_names_its_layer() {
        let (v, _) = run(vec![
            l().file("var/lib/dpkg/status", "old"),
            l().file("usr/bin/x", "x"),
            l().file("var/lib/dpkg/status", "new"),
        ]);
        let f = v.get("var/lib/dpkg/status").unwrap();
        assert_eq!(f.data.as_slice(), b"new");
        assert_eq!(f.layer.as_ref().unwrap().index, 2);
    }

    #[test]
    fn file_replaces_folder_without_whiteout() {
        let (v, _) = run(vec![
            l().file("opt/app/a.dist-info/METADATA", "a"),
            l().file("opt/app", "now a file"),
        ]);
        assert!(v.is_empty(), "{:?}", paths(&v));
    }

    #[test]
    fn folder_replaces_file_without_whiteout() {
        let (v, _) = run(vec![
            l().file("var/lib/dpkg/status", "a file"),
            l().dir("var/lib/dpkg/status"),
        ]);
        assert!(v.is_empty());
    }

    #[test]
    fn wanted_symlink_inside_root_is_resolved() {
        let (v, w) = run(vec![
            l().file("real/METADATA", "m"),
            l().symlink("link/METADATA", "../real/METADATA"),
        ]);
        assert!(w.is_empty(), "{w:?}");
        let f = v.get("link/METADATA").unwrap();
        assert_eq!(f.data.as_slice(), b"m");
        assert_eq!(f.layer.as_ref().unwrap().index, 0);
    }

    #[test]
    fn wanted_symlink_through_absolute_folder_link_is_resolved() {
        let (v, w) = run(vec![l()
            .file("usr/lib/x/METADATA", "m")
            .symlink("lib", "/usr/lib")
            .symlink("opt/METADATA", "/lib/x/METADATA")]);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(v.get("opt/METADATA").unwrap().data.as_slice(), b"m");
    }

    #[test]
    fn wanted_symlink_outside_root_is_warned() {
        let (v, w) = run(vec![
            l().symlink("var/lib/dpkg/status", "../../../../etc/shadow")
        ]);
        assert!(v.is_empty());
        assert_eq!(w.len(), 1);
        assert!(w[0].message.contains("outside the root"), "{w:?}");
        assert_eq!(w[0].entry.as_deref(), Some("var/lib/dpkg/status"));
    }

    #[test]
    fn symlink_loop_is_warned() {
        let (v, w) = run(vec![l()
            .symlink("a/METADATA", "b")
            .symlink("a/b", "METADATA")]);
        assert!(v.is_empty());
        assert!(w[0].message.contains("too many"));
    }

    #[test]
    fn hardlink_to_lower_layer_capture_resolves() {
        let (v, w) = run(vec![
            l().file("var/lib/dpkg/status", "s"),
            l().hardlink("backup/status", "var/lib/dpkg/status"),
        ]);
        assert!(w.is_empty());
        assert_eq!(v.get("backup/status").unwrap().data.as_slice(), b"s");
    }

    #[test]
    fn hardlink_keeps_the_content_its_target_had_when_linked() {
        let (v, w) = run(vec![
            l().file("var/lib/dpkg/status", "old"),
            l().hardlink("backup/status", "var/lib/dpkg/status"),
            l().file("var/lib/dpkg/status", "new"),
        ]);
        assert!(w.is_empty());
        let b = v.get("backup/status").unwrap();
        assert_eq!(b.data.as_slice(), b"old");
        assert_eq!(b.layer.as_ref().unwrap().index, 1);
        assert_eq!(
            v.get("var/lib/dpkg/status").unwrap().data.as_slice(),
            b"new"
        );
    }

    #[test]
    fn hardlink_to_uncaptured_file_is_warned() {
        let (v, w) = run(vec![l()
            .file("x/other", "o")
            .hardlink("x/status", "x/other")]);
        assert!(v.get("x/status").is_none());
        assert_eq!(w.len(), 1);
        assert!(w[0].message.contains("not captured"));
    }

    #[test]
    fn lib64_symlink_does_not_duplicate_files() {
        let (v, w) = run(vec![l()
            .file(
                "venv/lib/python3.11/site-packages/a-1.dist-info/METADATA",
                "a",
            )
            .symlink("venv/lib64", "lib")]);
        assert!(w.is_empty());
        assert_eq!(v.len(), 1);
    }

    #[test]
    fn whiteout_then_recreate_in_same_layer_keeps_new_file() {
        let (v, _) = run(vec![
            l().file("d/status", "old"),
            l().whiteout("d").file("d/status", "new"),
        ]);
        assert_eq!(v.get("d/status").unwrap().data.as_slice(), b"new");
    }

    fn unread(layers: Vec<Layer>) -> BTreeSet<(usize, String)> {
        let idxs: Vec<LayerIndex> = layers.into_iter().map(idx).collect();
        let mut s = Squasher::new();
        for (x, i) in idxs.iter().zip(0u32..) {
            s.apply(x, lref(i));
        }
        s.unread_link_targets()
    }

    #[test]
    fn wanted_link_to_a_plain_file_of_a_lower_layer_asks_that_layer() {
        let got = unread(vec![
            l().file("real/info", "x").file("real/other", "y"),
            l().file("unrelated", "z"),
            l().symlink("a/METADATA", "../real/info"),
        ]);
        assert_eq!(got, BTreeSet::from([(0, "real/info".to_string())]));
    }

    #[test]
    fn plain_file_deleted_by_a_whiteout_or_a_file_over_its_folder_is_missing() {
        for deleter in [
            l().whiteout("real/info"),
            l().whiteout("real"),
            l().file("real", "f"),
        ] {
            let got = unread(vec![
                l().file("real/info", "x"),
                deleter,
                l().symlink("a/METADATA", "../real/info"),
            ]);
            assert!(got.is_empty(), "{got:?}");
        }
        let (v, w) = run(vec![
            l().file("real/info", "x"),
            l().whiteout("real"),
            l().symlink("a/METADATA", "../real/info"),
        ]);
        assert!(v.is_empty());
        assert!(w[0].message.contains("does not exist"), "{w:?}");
    }

    #[test]
    fn plain_file_recreated_above_its_whiteout_is_found_in_the_upper_layer() {
        let got = unread(vec![
            l().file("real/info", "x"),
            l().whiteout("real").file("real/info", "y"),
            l().symlink("a/METADATA", "../real/info"),
        ]);
        assert_eq!(got, BTreeSet::from([(1, "real/info".to_string())]));
    }

    #[test]
    fn plain_entries_delete_lower_captured_files_and_folders() {
        let (v, _) = run(vec![
            l().file("d/status", "s").file("e/x/METADATA", "m"),
            l().file("d", "now a file").file("e/x", "also a file"),
        ]);
        assert!(v.is_empty(), "{:?}", paths(&v));
    }
}
