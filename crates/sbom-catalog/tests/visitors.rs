//! The cataloger contract for files found by content: sniffers, visitors and their
//! summaries, through the walker, the squash, the cache and the scan, on real fixture
//! images. A toy cataloger stands in for the real ones (Go, Rust, Java, classifier):
//! it sniffs bodies that start with `TOYBIN` and keeps the text after `VERSION=`.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};

use sbom_catalog::walker::{index_tar, Node, WalkConfig, DEFAULT_MAX_FILE_SIZE};
use sbom_catalog::{
    scan, CatalogOutput, Cataloger, Context, EntryInfo, Feed, FileView, ScanOptions, Visited,
    Visitor,
};
use sbom_model::{Ecosystem, Package};
use sbom_testkit::{Compression, Image, Layer};

/// Bytes fed to all toy visitors (to prove bodies are streamed, and stopped early).
static FED: AtomicUsize = AtomicUsize::new(0);

struct Toy;

#[derive(Default)]
struct ToyVisitor {
    /// The last bytes seen, so a marker split across chunks is still found.
    tail: Vec<u8>,
    version: Option<Vec<u8>>,
    seen: usize,
}

impl Visitor for ToyVisitor {
    fn feed(&mut self, chunk: &[u8]) -> Feed {
        FED.fetch_add(chunk.len(), Ordering::Relaxed);
        self.seen += chunk.len();
        let mut buf = std::mem::take(&mut self.tail);
        buf.extend_from_slice(chunk);
        if let Some(i) = buf.windows(8).position(|w| w == b"VERSION=") {
            let rest = &buf[i + 8..];
            if let Some(end) = rest.iter().position(|&b| b == b'\n') {
                self.version = Some(rest[..end].to_vec());
                return Feed::Done;
            }
            self.tail = buf[i..].to_vec();
            return Feed::More;
        }
        let keep = buf.len().saturating_sub(7);
        self.tail = buf[keep..].to_vec();
        Feed::More
    }
    fn finish(self: Box<Self>) -> Visited {
        match self.version {
            Some(v) => Visited {
                summary: Some(v),
                warnings: Vec::new(),
            },
            None => Visited {
                summary: None,
                warnings: vec![format!("no version in {} bytes", self.seen)],
            },
        }
    }
}

impl Cataloger for Toy {
    fn name(&self) -> &'static str {
        "toy"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, _: &str) -> bool {
        false
    }
    fn sniffs(&self) -> bool {
        true
    }
    fn sniff(&self, e: &EntryInfo<'_>) -> Option<Box<dyn Visitor>> {
        (e.head.starts_with(b"TOYBIN") && e.mode & 0o111 != 0)
            .then(|| Box::new(ToyVisitor::default()) as Box<dyn Visitor>)
    }
    fn catalog(&self, view: &FileView, _: &Context) -> CatalogOutput {
        let mut out = CatalogOutput::default();
        for f in view.summaries("toy") {
            let mut p = Package::new(
                Ecosystem::Generic,
                f.path.rsplit('/').next().unwrap(),
                String::from_utf8_lossy(&f.data),
            );
            p.id = format!("toy:{}", f.path);
            p.metadata_path = Some(f.path.clone());
            out.packages.push(p);
        }
        out
    }
}

fn toy_binary(version: &str, padding: usize) -> Vec<u8> {
    let mut b = b"TOYBIN\0".to_vec();
    b.extend(std::iter::repeat_n(0xAAu8, padding));
    b.extend_from_slice(format!("VERSION={version}\n").as_bytes());
    b.extend(std::iter::repeat_n(0x55u8, padding));
    b
}

fn toy_sniff(e: &EntryInfo<'_>) -> Vec<(&'static str, Box<dyn Visitor>)> {
    Toy.sniff(e).map(|v| ("toy", v)).into_iter().collect()
}

fn walk(layer: &Layer) -> sbom_catalog::LayerIndex {
    let none = |_: &str| false;
    let cfg = WalkConfig {
        wants: &none,
        sniff: Some(&toy_sniff),
        max_file_size: DEFAULT_MAX_FILE_SIZE,
    };
    index_tar(layer.tar_bytes().as_slice(), &cfg).unwrap()
}

#[test]
fn a_visitor_streams_a_big_body_and_only_its_summary_is_kept() {
    // 3 MB each side of the marker: the body arrives in many chunks, and the marker
    // may straddle two of them.
    let big = toy_binary("7.2.4", 3 << 20);
    let l = Layer::new(Compression::None)
        .file_mode("usr/local/bin/app", &big, 0o755)
        .file_mode("usr/share/not-exec", &big, 0o644)
        .file_mode("usr/bin/other", b"#!/bin/sh\n", 0o755);
    let before = FED.load(Ordering::Relaxed);
    let idx = walk(&l);
    let fed = FED.load(Ordering::Relaxed) - before;
    match idx.node("usr/local/bin/app") {
        Some(Node::Summarized(list)) => {
            assert_eq!(list.len(), 1);
            assert_eq!(list[0].0, "toy");
            assert_eq!(list[0].1.as_slice(), b"7.2.4");
        }
        other => panic!("not summarized: {other:?}"),
    }
    // Not executable: never sniffed; a script: sniffed, not visited.
    assert_eq!(idx.node("usr/share/not-exec"), Some(&Node::File));
    assert_eq!(idx.node("usr/bin/other"), Some(&Node::File));
    // Stopped after the marker: the 3 MB behind it were not fed.
    assert!(fed < big.len() - (2 << 20), "fed {fed} of {}", big.len());
    assert!(idx.warnings.is_empty(), "{:?}", idx.warnings);
}

#[test]
fn a_visitor_that_finds_nothing_leaves_a_plain_file_and_its_warning() {
    let l = Layer::new(Compression::None).file_mode("bin/broken", b"TOYBIN no marker", 0o755);
    let idx = walk(&l);
    assert_eq!(idx.node("bin/broken"), Some(&Node::File));
    assert_eq!(idx.warnings.len(), 1);
    assert_eq!(idx.warnings[0].entry, "bin/broken");
    assert!(idx.warnings[0].message.starts_with("toy: no version"));
}

#[test]
fn a_hard_link_to_a_visited_file_is_not_a_second_copy() {
    // busybox-style: one program, many names; reported once, at its own path.
    let l = Layer::new(Compression::None)
        .file_mode("bin/busybox", toy_binary("1.36", 10), 0o755)
        .hardlink("bin/ls", "bin/busybox");
    let idx = walk(&l);
    assert!(matches!(idx.node("bin/busybox"), Some(Node::Summarized(_))));
    assert_eq!(idx.node("bin/ls"), Some(&Node::File));
}

fn scan_layers(layers: Vec<Layer>, cache: Option<&std::path::Path>) -> sbom_catalog::ScanOutput {
    let dir = tempfile::tempdir().unwrap();
    sbom_testkit::write_oci_layout(dir.path(), &[(Image::new(layers), Some("t".into()))]).unwrap();
    let src = sbom_image::open(&format!("oci-dir:{}:t", dir.path().display())).unwrap();
    let opts = ScanOptions {
        catalogers: vec![Box::new(Toy)],
        cache_dir: cache.map(std::path::Path::to_path_buf),
        ..ScanOptions::default()
    };
    scan(src.as_ref(), &opts).unwrap()
}

fn found(out: &sbom_catalog::ScanOutput) -> Vec<(String, String, u32, u32)> {
    out.sbom
        .packages
        .iter()
        .map(|p| {
            (
                p.metadata_path.clone().unwrap(),
                p.version.clone(),
                p.layer.as_ref().unwrap().index,
                p.introduced_in.as_ref().unwrap().index,
            )
        })
        .collect()
}

#[test]
fn summaries_squash_like_files_and_know_their_layers() {
    let layers = vec![
        Layer::new(Compression::Gzip)
            .file_mode("opt/a", toy_binary("1.0", 100), 0o755)
            .file_mode("opt/b", toy_binary("1.0", 100), 0o755)
            .file_mode("opt/c", toy_binary("1.0", 100), 0o755),
        // b upgraded, c deleted, d added; a untouched.
        Layer::new(Compression::Zstd)
            .file_mode("opt/b", toy_binary("2.0", 100), 0o755)
            .whiteout("opt/c")
            .file_mode("opt/d", toy_binary("3.0", 100), 0o755),
        // Unrelated layer: nothing of the toy's changes.
        Layer::new(Compression::Gzip).file("etc/motd", "hi"),
        // d replaced by a file that is no toy binary.
        Layer::new(Compression::Gzip).file("opt/d", "plain text"),
    ];
    let cache = tempfile::tempdir().unwrap();
    let cold = scan_layers(layers.clone(), Some(cache.path()));
    let want = vec![
        ("opt/a".to_string(), "1.0".to_string(), 0, 0),
        ("opt/b".to_string(), "2.0".to_string(), 1, 1),
    ];
    assert_eq!(found(&cold), want);
    assert_eq!(cold.stats.layers_analysed, 4);
    // From the cache: the same packages, no layer read.
    let warm = scan_layers(layers, Some(cache.path()));
    assert_eq!(warm.stats.layers_cached, 4);
    assert_eq!(found(&warm), want);
}

#[test]
fn a_rootfs_folder_is_sniffed_too() {
    let dir = tempfile::tempdir().unwrap();
    let image = Image::new(vec![Layer::new(Compression::None)
        .file_mode("usr/bin/tool", toy_binary("9.9", 5000), 0o755)
        .file_mode("usr/bin/data", toy_binary("0.1", 10), 0o600)]);
    sbom_testkit::write_rootfs(dir.path(), &image).unwrap();
    let src = sbom_image::open(&format!("dir:{}", dir.path().display())).unwrap();
    let opts = ScanOptions {
        catalogers: vec![Box::new(Toy)],
        ..ScanOptions::default()
    };
    let out = scan(src.as_ref(), &opts).unwrap();
    let got: Vec<_> = out
        .sbom
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str()))
        .collect();
    assert_eq!(got, [("tool", "9.9")]);
}

#[test]
fn a_truncated_body_in_a_visited_file_is_a_layer_error() {
    let l = Layer::new(Compression::None).file_mode("bin/x", toy_binary("1", 100_000), 0o755);
    let bytes = l.tar_bytes();
    let none = |_: &str| false;
    let cfg = WalkConfig {
        wants: &none,
        sniff: Some(&toy_sniff),
        max_file_size: DEFAULT_MAX_FILE_SIZE,
    };
    assert!(index_tar(&bytes[..20_000], &cfg).is_err());
}

#[test]
fn a_binary_a_deb_installed_is_owned_by_it_also_through_a_merged_usr_link() {
    // Debian 12: /bin is a link to usr/bin, and coreutils' file list still says
    // /bin/tool while the file lies at usr/bin/tool.
    let status =
        "Package: tools\nStatus: install ok installed\nVersion: 1-1\nArchitecture: amd64\n\n";
    let layers = vec![Layer::new(Compression::Gzip)
        .symlink("bin", "usr/bin")
        .file("var/lib/dpkg/status", status)
        .file("var/lib/dpkg/info/tools.list", "/.\n/bin\n/bin/tool\n")
        .file_mode("usr/bin/tool", toy_binary("1.0", 10), 0o755)
        .file_mode("usr/local/bin/own", toy_binary("2.0", 10), 0o755)];
    let dir = tempfile::tempdir().unwrap();
    sbom_testkit::write_oci_layout(dir.path(), &[(Image::new(layers), Some("t".into()))]).unwrap();
    let src = sbom_image::open(&format!("oci-dir:{}:t", dir.path().display())).unwrap();
    let opts = ScanOptions {
        catalogers: vec![
            Box::new(Toy),
            Box::new(sbom_catalog::catalogers::dpkg::DpkgCataloger),
        ],
        ..ScanOptions::default()
    };
    let out = scan(src.as_ref(), &opts).unwrap();
    let id = |name: &str| {
        out.sbom
            .packages
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.id.clone())
            .unwrap()
    };
    let owns: Vec<(String, String)> = out
        .sbom
        .relationships
        .iter()
        .filter(|r| r.kind == sbom_model::RelationshipKind::Owns)
        .map(|r| (r.from.clone(), r.to.clone()))
        .collect();
    assert_eq!(owns, [(id("tools"), id("tool"))]);
}
