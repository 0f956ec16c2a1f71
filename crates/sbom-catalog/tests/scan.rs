//! End-to-end tests of the scan engine over real fixture images (OCI layouts written by
//! sbom-testkit, opened through sbom-image's sources) and the real catalogers.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use sbom_catalog::{scan, ScanError, ScanOptions, ScanOutput};
use sbom_image::{
    ImageError, ImageSource, LayerContent, LayerDescriptor, Platform, ResolvedImage, Verify,
};
use sbom_model::{Ecosystem, Package, SubjectKind};
use sbom_testkit::{Compression, Image, Layer};

/// Delegates to a real source and counts the layer blobs it opens.
struct Counting {
    inner: Box<dyn ImageSource>,
    opens: AtomicUsize,
}

impl ImageSource for Counting {
    fn resolve(&self, platform: &Platform) -> Result<ResolvedImage, ImageError> {
        self.inner.resolve(platform)
    }
    fn open_layer(
        &self,
        image: &ResolvedImage,
        layer: &LayerDescriptor,
    ) -> Result<LayerContent, ImageError> {
        self.opens.fetch_add(1, Ordering::SeqCst);
        self.inner.open_layer(image, layer)
    }
}

fn layout(dir: &Path, layers: Vec<Layer>) -> Counting {
    sbom_testkit::write_oci_layout(dir, &[(Image::new(layers), Some("latest".into()))]).unwrap();
    Counting {
        inner: sbom_image::open(&format!("oci-dir:{}", dir.display())).unwrap(),
        opens: AtomicUsize::new(0),
    }
}

fn gz() -> Layer {
    Layer::new(Compression::Gzip)
}

fn debs(pkgs: &[(&str, &str)]) -> String {
    pkgs.iter()
        .map(|(n, v)| {
            format!("Package: {n}\nStatus: install ok installed\nVersion: {v}\nArchitecture: amd64\nMaintainer: X <x@example.org>\n\n")
        })
        .collect()
}

fn metadata(name: &str, version: &str) -> String {
    format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
}

const SITE: &str = "venv/lib/python3.11/site-packages";

fn dist_info(layer: Layer, site: &str, name: &str, version: &str) -> Layer {
    layer.file(
        &format!("{site}/{name}-{version}.dist-info/METADATA"),
        metadata(name, version),
    )
}

fn run(src: &Counting) -> ScanOutput {
    scan(src, &ScanOptions::default()).unwrap()
}

fn names(out: &ScanOutput, eco: Ecosystem) -> Vec<String> {
    out.sbom
        .packages
        .iter()
        .filter(|p| p.ecosystem == eco)
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect()
}

fn pkg<'a>(out: &'a ScanOutput, name: &str) -> &'a Package {
    out.sbom
        .packages
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{name} not found in {:?}", out.sbom.packages))
}

#[test]
fn whiteouts_remove_a_dpkg_and_a_pip_package() {
    let d = tempfile::tempdir().unwrap();
    let base = gz()
        .file("var/lib/dpkg/status", debs(&[("bash", "5.2")]))
        .file("usr/share/misc/keep", "x");
    let base = dist_info(dist_info(base, SITE, "keep", "1.0"), SITE, "gone", "2.0");
    let top = gz()
        .whiteout("var/lib/dpkg/status")
        .whiteout(&format!("{SITE}/gone-2.0.dist-info"));
    let out = run(&layout(d.path(), vec![base, top]));
    assert!(names(&out, Ecosystem::Deb).is_empty());
    assert_eq!(names(&out, Ecosystem::Pypi), ["keep@1.0"]);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}

#[test]
fn whiteout_of_a_parent_folder_removes_everything_below() {
    let d = tempfile::tempdir().unwrap();
    let base = gz().file("var/lib/dpkg/status", debs(&[("bash", "5.2")]));
    let base = dist_info(base, SITE, "a", "1.0");
    let base = dist_info(base, "usr/lib/python3/dist-packages", "b", "1.0");
    let top = gz().whiteout("venv").whiteout("var/lib/dpkg");
    let out = run(&layout(d.path(), vec![base, top]));
    assert!(names(&out, Ecosystem::Deb).is_empty());
    assert_eq!(names(&out, Ecosystem::Pypi), ["b@1.0"]);
}

#[test]
fn opaque_folder_hides_lower_packages_but_keeps_its_own() {
    let d = tempfile::tempdir().unwrap();
    let base = dist_info(dist_info(gz(), SITE, "a", "1.0"), SITE, "b", "1.0");
    let top = dist_info(gz().opaque(SITE), SITE, "c", "3.0");
    let out = run(&layout(d.path(), vec![base, top]));
    assert_eq!(names(&out, Ecosystem::Pypi), ["c@3.0"]);
}

#[test]
fn upgraded_package_is_introduced_where_its_version_first_appears() {
    let d = tempfile::tempdir().unwrap();
    let l0 = gz().file(
        "var/lib/dpkg/status",
        debs(&[("bash", "5.1"), ("curl", "7.88")]),
    );
    let l1 = dist_info(gz(), SITE, "keystone", "25.0.0");
    let l2 = gz().file(
        "var/lib/dpkg/status",
        debs(&[("bash", "5.2"), ("curl", "7.88")]),
    );
    let out = run(&layout(d.path(), vec![l0, l1, l2]));
    let layers = &out.sbom.subject.layers;
    assert_eq!(layers.len(), 3);
    let bash = pkg(&out, "bash");
    assert_eq!(bash.version, "5.2");
    assert_eq!(bash.layer.as_ref(), Some(&layers[2]));
    assert_eq!(bash.introduced_in.as_ref(), Some(&layers[2]));
    let curl = pkg(&out, "curl");
    assert_eq!(curl.layer.as_ref(), Some(&layers[2]));
    assert_eq!(curl.introduced_in.as_ref(), Some(&layers[0]));
    let ks = pkg(&out, "keystone");
    assert_eq!(ks.layer.as_ref(), Some(&layers[1]));
    assert_eq!(ks.introduced_in.as_ref(), Some(&layers[1]));
    assert!(layers[0].digest.as_deref().unwrap().starts_with("sha256:"));
}

#[test]
fn package_removed_then_reinstalled_is_introduced_at_the_reinstall() {
    let d = tempfile::tempdir().unwrap();
    let l0 = dist_info(gz(), SITE, "a", "1.0");
    let l1 = gz().whiteout(&format!("{SITE}/a-1.0.dist-info"));
    let l2 = dist_info(gz(), SITE, "a", "1.0");
    let out = run(&layout(d.path(), vec![l0, l1, l2]));
    let a = pkg(&out, "a");
    assert_eq!(a.introduced_in.as_ref().unwrap().index, 2);
}

#[test]
fn two_venvs_with_the_same_package_each_keep_their_own_history() {
    let d = tempfile::tempdir().unwrap();
    let l0 = dist_info(gz(), "venv1/lib/python3.11/site-packages", "six", "1.15.0");
    let l1 = dist_info(gz(), "venv2/lib/python3.11/site-packages", "six", "1.16.0");
    let out = run(&layout(d.path(), vec![l0, l1]));
    let mut seen: Vec<(String, u32)> = out
        .sbom
        .packages
        .iter()
        .filter(|p| p.name == "six")
        .map(|p| (p.version.clone(), p.introduced_in.as_ref().unwrap().index))
        .collect();
    seen.sort();
    assert_eq!(seen, [("1.15.0".into(), 0), ("1.16.0".into(), 1)]);
}

#[test]
fn folder_replaced_by_a_file_without_whiteout_drops_the_package() {
    let d = tempfile::tempdir().unwrap();
    let l0 = dist_info(dist_info(gz(), SITE, "a", "1.0"), SITE, "b", "1.0");
    let l1 = gz().file(&format!("{SITE}/a-1.0.dist-info"), "now a plain file");
    let out = run(&layout(d.path(), vec![l0, l1]));
    assert_eq!(names(&out, Ecosystem::Pypi), ["b@1.0"]);
}

#[test]
fn file_replaced_by_a_folder_without_whiteout_drops_the_package() {
    let d = tempfile::tempdir().unwrap();
    let l0 = gz()
        .file(
            "usr/lib/python3/dist-packages/distro_info-1.0.egg-info",
            "Metadata-Version: 1.1\nName: distro-info\nVersion: 1.0\n",
        )
        .file("var/lib/dpkg/status", debs(&[("bash", "5.2")]));
    let l1 = gz()
        .dir("usr/lib/python3/dist-packages/distro_info-1.0.egg-info")
        .dir("var/lib/dpkg/status");
    let out = run(&layout(d.path(), vec![l0.clone(), l1]));
    assert!(out.sbom.packages.is_empty(), "{:?}", out.sbom.packages);
    // Sanity: without the second layer both are found.
    let d2 = tempfile::tempdir().unwrap();
    let out = run(&layout(d2.path(), vec![l0]));
    assert_eq!(out.sbom.packages.len(), 2);
}

#[test]
fn metadata_stored_as_a_hardlink_to_an_earlier_entry_is_read() {
    let d = tempfile::tempdir().unwrap();
    let meta = "usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA";
    let l0 = gz()
        .file(meta, metadata("six", "1.16.0"))
        .hardlink(&format!("{SITE}/six-1.16.0.dist-info/METADATA"), meta);
    let out = run(&layout(d.path(), vec![l0]));
    let six: Vec<&Package> = out
        .sbom
        .packages
        .iter()
        .filter(|p| p.name == "six")
        .collect();
    assert_eq!(six.len(), 2, "{six:?}");
    assert!(six.iter().any(|p| p.site_root.as_deref() == Some(SITE)));
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}

#[test]
fn regression_a_hard_link_to_an_earlier_entry_nobody_wanted_is_read_in_a_second_pass() {
    let d = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let meta = format!("{SITE}/x-1.0.dist-info/METADATA");
    let l0 = gz()
        .file("var/lib/dpkg/status-old", debs(&[("bash", "5.2")]))
        .hardlink("var/lib/dpkg/status", "var/lib/dpkg/status-old")
        .file("usr/share/doc/x/METADATA.orig", metadata("x", "1.0"))
        .hardlink(&meta, "usr/share/doc/x/METADATA.orig");
    let src = layout(d.path(), vec![l0]);
    let opts = ScanOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        ..ScanOptions::default()
    };
    let out = scan(&src, &opts).unwrap();
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert_eq!(names(&out, Ecosystem::Deb), ["bash@5.2"]);
    assert_eq!(names(&out, Ecosystem::Pypi), ["x@1.0"]);
    // Reported where the wanted path is, not where the link points.
    assert_eq!(pkg(&out, "x").metadata_path.as_deref(), Some(meta.as_str()));
    assert_eq!(
        pkg(&out, "bash").metadata_path.as_deref(),
        Some("var/lib/dpkg/status")
    );
    // The blob is opened twice (walk, second pass); the cached analysis is complete.
    assert_eq!(src.opens.load(Ordering::SeqCst), 2);
    let warm = scan(&src, &opts).unwrap();
    assert_eq!(
        src.opens.load(Ordering::SeqCst),
        2,
        "warm scan opened a blob"
    );
    assert_eq!(names(&warm, Ecosystem::Pypi), ["x@1.0"]);
}

#[test]
fn regression_a_symlink_into_a_lower_layer_file_nobody_wanted_is_read_in_a_second_pass() {
    let d = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let meta = format!("{SITE}/x-1.0.dist-info/METADATA");
    let base = gz()
        .file("usr/share/doc/x/METADATA.txt", metadata("x", "1.0"))
        .file("etc/motd", "hi");
    let top = gz().symlink(&meta, "/usr/share/doc/x/METADATA.txt");
    let src = layout(d.path(), vec![base.clone(), top]);
    let opts = ScanOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        ..ScanOptions::default()
    };
    let out = scan(&src, &opts).unwrap();
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert_eq!(names(&out, Ecosystem::Pypi), ["x@1.0"]);
    let x = pkg(&out, "x");
    assert_eq!(x.metadata_path.as_deref(), Some(meta.as_str()));
    // The content is the base layer's.
    assert_eq!(x.layer.as_ref().unwrap().index, 0);
    // Two layers walked, then the base read again for the link's target.
    assert_eq!(src.opens.load(Ordering::SeqCst), 3);
    // The base layer's cache entry now holds the target: nothing is read again.
    let warm = scan(&src, &opts).unwrap();
    assert_eq!(
        src.opens.load(Ordering::SeqCst),
        3,
        "warm scan opened a blob"
    );
    assert_eq!(names(&warm, Ecosystem::Pypi), ["x@1.0"]);
    // Another image on the same base, without the link, finds no package in it.
    let d2 = tempfile::tempdir().unwrap();
    let plain = layout(d2.path(), vec![base]);
    let other = scan(&plain, &opts).unwrap();
    assert_eq!(plain.opens.load(Ordering::SeqCst), 0);
    assert!(other.sbom.packages.is_empty());
}

#[test]
fn a_hard_link_to_a_file_that_does_not_exist_is_still_a_warning() {
    let d = tempfile::tempdir().unwrap();
    let l0 = gz().hardlink("var/lib/dpkg/status", "var/lib/dpkg/status-gone");
    let out = run(&layout(d.path(), vec![l0]));
    assert!(out.sbom.packages.is_empty());
    assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    assert_eq!(
        out.warnings[0].entry.as_deref(),
        Some("var/lib/dpkg/status")
    );
}

#[test]
fn symlinked_os_release_inside_the_root_is_resolved() {
    let d = tempfile::tempdir().unwrap();
    let l0 = gz()
        .file(
            "usr/lib/os-release",
            "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12\"\n",
        )
        .symlink("etc/os-release", "../usr/lib/os-release")
        .file("var/lib/dpkg/status", debs(&[("bash", "5.2")]));
    let out = run(&layout(d.path(), vec![l0]));
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    let distro = out.sbom.distro.as_ref().unwrap();
    assert_eq!(distro.id, "debian");
    assert_eq!(distro.version_id.as_deref(), Some("12"));
    let purl = pkg(&out, "bash").purl.clone().unwrap();
    assert!(purl.contains("distro=debian-12"), "{purl}");
}

#[test]
fn symlinked_status_inside_the_root_is_read_through_the_link() {
    let d = tempfile::tempdir().unwrap();
    let l0 = gz()
        .symlink("var/lib/dpkg/status", "/var/lib/dpkg/status.real")
        .file("var/lib/dpkg/status.real", debs(&[("bash", "5.2")]));
    let out = run(&layout(d.path(), vec![l0]));
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert_eq!(names(&out, Ecosystem::Deb), ["bash@5.2"]);
}

#[test]
fn symlinked_status_pointing_outside_the_root_is_warned_not_followed() {
    let d = tempfile::tempdir().unwrap();
    let l0 = gz()
        .symlink("var/lib/dpkg/status", "../../../../../etc/shadow")
        .file("etc/shadow", debs(&[("evil", "1")]));
    let l0 = dist_info(l0, SITE, "a", "1.0");
    let src = layout(d.path(), vec![l0]);
    let out = run(&src);
    assert_eq!(names(&out, Ecosystem::Pypi), ["a@1.0"]);
    assert!(names(&out, Ecosystem::Deb).is_empty());
    assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    let w = &out.warnings[0];
    assert!(w.message.contains("outside the root"), "{w}");
    let digest = out.sbom.subject.layers[0].digest.clone().unwrap();
    assert_eq!(w.layer.as_deref(), Some(digest.as_str()));
}

#[test]
fn venv_lib64_symlink_does_not_duplicate_packages() {
    let d = tempfile::tempdir().unwrap();
    let l0 = dist_info(gz(), SITE, "pbr", "6.0.0").symlink("venv/lib64", "lib");
    let out = run(&layout(d.path(), vec![l0]));
    assert_eq!(names(&out, Ecosystem::Pypi), ["pbr@6.0.0"]);
}

fn hostile() -> Vec<Layer> {
    let l0 = gz()
        .raw_file(b"../etc/passwd", "root:x:0:0")
        .raw_file(b"/abs/path", "x")
        .file("var/lib/dpkg/status", debs(&[("bash", "5.2")]));
    vec![l0]
}

#[test]
fn hostile_entries_are_warned_and_the_rest_is_scanned() {
    let d = tempfile::tempdir().unwrap();
    let out = run(&layout(d.path(), hostile()));
    assert_eq!(names(&out, Ecosystem::Deb), ["bash@5.2"]);
    let entries: Vec<&str> = out
        .warnings
        .iter()
        .filter_map(|w| w.entry.as_deref())
        .collect();
    assert_eq!(entries, ["../etc/passwd", "/abs/path"]);
    let digest = out.sbom.subject.layers[0].digest.clone().unwrap();
    assert!(out
        .warnings
        .iter()
        .all(|w| w.layer.as_deref() == Some(digest.as_str())));
}

#[test]
fn strict_turns_warnings_into_an_error_naming_the_image() {
    let d = tempfile::tempdir().unwrap();
    let src = layout(d.path(), hostile());
    let opts = ScanOptions {
        strict: true,
        ..ScanOptions::default()
    };
    let err = scan(&src, &opts).unwrap_err();
    match &err {
        ScanError::Strict { count, image, .. } => {
            assert_eq!(*count, 2);
            assert!(image.contains(&d.path().display().to_string()), "{image}");
        }
        other => panic!("expected strict error, got {other}"),
    }
    assert!(err.to_string().contains("passwd"), "{err}");
}

fn cache_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir.join("layers"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn cached_layers() -> Vec<Layer> {
    let l0 = gz()
        .file("etc/os-release", "ID=debian\nVERSION_ID=12\n")
        .file(
            "var/lib/dpkg/status",
            debs(&[("bash", "5.1"), ("curl", "7.88")]),
        )
        .raw_file(b"../escape", "x");
    let l1 = dist_info(gz(), SITE, "keystone", "25.0.0");
    let l2 = Layer::new(Compression::Zstd).file(
        "var/lib/dpkg/status",
        debs(&[("bash", "5.2"), ("curl", "7.88")]),
    );
    let l3 = Layer::new(Compression::None).file("app/README", "hello");
    vec![l0, l1, l2, l3]
}

fn json(out: &ScanOutput) -> String {
    serde_json::to_string(&out.sbom).unwrap()
}

#[test]
fn second_scan_with_a_cache_opens_no_blob_and_gives_identical_output() {
    let d = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let src = layout(d.path(), cached_layers());
    let opts = ScanOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        ..ScanOptions::default()
    };
    let cold = scan(&src, &opts).unwrap();
    assert_eq!(src.opens.load(Ordering::SeqCst), 4);
    assert_eq!(cold.stats.layers_analysed, 4);
    assert_eq!(cold.stats.layers_cached, 0);
    assert!(cold.stats.uncompressed_bytes > 0);
    assert_eq!(cache_files(cache.path()).len(), 4);

    let warm = scan(&src, &opts).unwrap();
    assert_eq!(src.opens.load(Ordering::SeqCst), 4, "a blob was opened");
    assert_eq!(warm.stats.layers_cached, 4);
    assert_eq!(warm.stats.layers_analysed, 0);
    assert_eq!(warm.stats.compressed_bytes, 0);
    assert_eq!(json(&cold), json(&warm));
    assert_eq!(cold.warnings, warm.warnings);
    assert_eq!(cold.warnings.len(), 1);
    assert_eq!(pkg(&warm, "curl").introduced_in.as_ref().unwrap().index, 0);

    // Without a cache, the same again.
    let nocache = run(&src);
    assert_eq!(json(&cold), json(&nocache));
}

#[test]
fn corrupt_cache_file_is_a_miss_and_is_rewritten() {
    let d = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let src = layout(d.path(), cached_layers());
    let opts = ScanOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        ..ScanOptions::default()
    };
    let cold = scan(&src, &opts).unwrap();
    let files = cache_files(cache.path());
    // One truncated, one with a flipped byte.
    let bytes = std::fs::read(&files[0]).unwrap();
    std::fs::write(&files[0], &bytes[..bytes.len() / 2]).unwrap();
    let mut bytes = std::fs::read(&files[1]).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x20;
    std::fs::write(&files[1], &bytes).unwrap();

    let again = scan(&src, &opts).unwrap();
    assert_eq!(again.stats.layers_analysed, 2);
    assert_eq!(again.stats.layers_cached, 2);
    assert_eq!(again.cache_notes.len(), 2, "{:?}", again.cache_notes);
    assert_eq!(json(&cold), json(&again));
    let opens = src.opens.load(Ordering::SeqCst);
    let third = scan(&src, &opts).unwrap();
    assert_eq!(third.stats.layers_cached, 4, "damaged files were rewritten");
    assert_eq!(src.opens.load(Ordering::SeqCst), opens);
}

#[test]
fn corrupt_layer_is_an_error_naming_the_image_and_layer_digest() {
    let d = tempfile::tempdir().unwrap();
    let l0 = gz().file("var/lib/dpkg/status", debs(&[("bash", "5.2")]));
    let l1 = gz().file("var/lib/dpkg/status", debs(&[("bash", "5.3")]).repeat(50));
    let built =
        sbom_testkit::write_oci_layout(d.path(), &[(Image::new(vec![l0, l1]), None)]).unwrap();
    let bad = &built[0].blobs[1];
    let blob = d
        .path()
        .join("blobs/sha256")
        .join(bad.digest.trim_start_matches("sha256:"));
    let bytes = std::fs::read(&blob).unwrap();
    std::fs::write(&blob, &bytes[..bytes.len() / 2]).unwrap();
    let reference = format!("oci-dir:{}", d.path().display());
    let src = sbom_image::open(&reference).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let opts = ScanOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        ..ScanOptions::default()
    };
    let err = scan(src.as_ref(), &opts).unwrap_err();
    let line = err.to_string();
    assert!(matches!(err, ScanError::Layer { .. }), "{line}");
    assert!(line.contains(&bad.digest), "{line}");
    assert!(line.contains(&d.path().display().to_string()), "{line}");
    assert!(!line.contains('\n'), "{line}");
    // The broken layer was not cached.
    let cached = std::fs::read_dir(cache.path().join("layers"))
        .map(|r| r.count())
        .unwrap_or(0);
    assert!(cached <= 1, "{cached}");
}

#[test]
fn rootfs_folder_is_scanned_as_a_directory_subject() {
    let d = tempfile::tempdir().unwrap();
    let img = Image::new(vec![
        dist_info(gz(), SITE, "a", "1.0").file("var/lib/dpkg/status", debs(&[("bash", "5.2")])),
        gz().whiteout(&format!("{SITE}/a-1.0.dist-info")),
    ]);
    sbom_testkit::write_rootfs(d.path(), &img).unwrap();
    let src = sbom_image::open(&format!("dir:{}", d.path().display())).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let opts = ScanOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        ..ScanOptions::default()
    };
    let out = scan(src.as_ref(), &opts).unwrap();
    assert_eq!(out.sbom.subject.kind, SubjectKind::Directory);
    let mut all: Vec<String> = out.sbom.packages.iter().map(|p| p.name.clone()).collect();
    all.sort();
    assert_eq!(all, ["bash"]);
    // A folder can change under us: it is never cached.
    assert_eq!(out.stats.layers_analysed, 1);
    let again = scan(src.as_ref(), &opts).unwrap();
    assert_eq!(again.stats.layers_cached, 0);
}

#[test]
fn layer_jobs_limit_gives_the_same_result() {
    let d = tempfile::tempdir().unwrap();
    let src = layout(d.path(), cached_layers());
    let all = run(&src);
    let one = scan(
        &src,
        &ScanOptions {
            layer_jobs: Some(1),
            ..ScanOptions::default()
        },
    )
    .unwrap();
    assert_eq!(json(&all), json(&one));
}

/// Tracks how many layer streams are open at once.
struct Tracking {
    inner: Box<dyn ImageSource>,
    opens: AtomicUsize,
    active: std::sync::Arc<AtomicUsize>,
    peak: std::sync::Arc<AtomicUsize>,
}

struct TrackedStream {
    inner: sbom_image::VerifiedLayer,
    active: std::sync::Arc<AtomicUsize>,
}

impl std::io::Read for TrackedStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // Slow readers make overlapping analyses likely if the limiter let them.
        std::thread::sleep(std::time::Duration::from_micros(200));
        self.inner.read(buf)
    }
}

impl sbom_image::LayerStream for TrackedStream {
    fn finish(self: Box<Self>) -> Result<sbom_image::LayerStats, ImageError> {
        let r = self.inner.finish();
        self.active.fetch_sub(1, Ordering::SeqCst);
        r
    }
}

impl ImageSource for Tracking {
    fn resolve(&self, platform: &Platform) -> Result<ResolvedImage, ImageError> {
        self.inner.resolve(platform)
    }
    fn open_layer(
        &self,
        image: &ResolvedImage,
        layer: &LayerDescriptor,
    ) -> Result<LayerContent, ImageError> {
        self.opens.fetch_add(1, Ordering::SeqCst);
        // A slow download: concurrent scans of the same layer overlap for sure.
        std::thread::sleep(std::time::Duration::from_millis(30));
        match self.inner.open_layer(image, layer)? {
            LayerContent::Tar(inner) => {
                let now = self.active.fetch_add(1, Ordering::SeqCst) + 1;
                self.peak.fetch_max(now, Ordering::SeqCst);
                Ok(LayerContent::Tar(sbom_image::VerifiedLayer::new(Box::new(
                    TrackedStream {
                        inner,
                        active: std::sync::Arc::clone(&self.active),
                    },
                ))))
            }
            other => Ok(other),
        }
    }
}

fn tracking(dir: &Path, layers: Vec<Layer>) -> Tracking {
    sbom_testkit::write_oci_layout(dir, &[(Image::new(layers), None)]).unwrap();
    Tracking {
        inner: sbom_image::open(&format!("oci-dir:{}", dir.display())).unwrap(),
        opens: AtomicUsize::new(0),
        active: Default::default(),
        peak: Default::default(),
    }
}

#[test]
fn concurrent_scans_sharing_a_cache_analyse_each_layer_once() {
    let d = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let src = tracking(d.path(), cached_layers());
    let outs: Vec<ScanOutput> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3)
            .map(|_| {
                s.spawn(|| {
                    let opts = ScanOptions {
                        cache_dir: Some(cache.path().to_path_buf()),
                        ..ScanOptions::default()
                    };
                    scan(&src, &opts).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(src.opens.load(Ordering::SeqCst), 4, "each layer read once");
    let analysed: usize = outs.iter().map(|o| o.stats.layers_analysed).sum();
    assert_eq!(analysed, 4);
    assert!(outs.iter().all(|o| json(o) == json(&outs[0])));
}

#[test]
fn shared_limiter_bounds_layers_in_flight_across_scans() {
    let d1 = tempfile::tempdir().unwrap();
    let d2 = tempfile::tempdir().unwrap();
    let src1 = tracking(d1.path(), cached_layers());
    let src2 = tracking(d2.path(), hostile());
    // Both sources report into the same counters.
    let src2 = Tracking {
        active: std::sync::Arc::clone(&src1.active),
        peak: std::sync::Arc::clone(&src1.peak),
        ..src2
    };
    let limiter = sbom_catalog::LayerLimiter::new(1);
    std::thread::scope(|s| {
        for src in [&src1, &src2] {
            let limiter = std::sync::Arc::clone(&limiter);
            s.spawn(move || {
                let opts = ScanOptions {
                    limiter: Some(limiter),
                    ..ScanOptions::default()
                };
                scan(src, &opts).unwrap()
            });
        }
    });
    assert_eq!(
        src1.opens.load(Ordering::SeqCst) + src2.opens.load(Ordering::SeqCst),
        5
    );
    assert_eq!(src1.peak.load(Ordering::SeqCst), 1);
    assert_eq!(limiter.in_use(), 0);
}

#[test]
fn docker_archive_with_uncompressed_layers_gives_the_same_packages() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("img.tar");
    let layers: Vec<Layer> = cached_layers()
        .into_iter()
        .map(|mut l| {
            l.compression = Compression::None;
            l
        })
        .collect();
    sbom_testkit::write_docker_archive(&file, &Image::new(layers), "example/app:1").unwrap();
    let src = sbom_image::open(&format!("docker-archive:{}", file.display())).unwrap();
    let out = scan(src.as_ref(), &ScanOptions::default()).unwrap();
    let d2 = tempfile::tempdir().unwrap();
    let oci = run(&layout(d2.path(), cached_layers()));
    let ids = |o: &ScanOutput| -> Vec<(String, u32, u32)> {
        o.sbom
            .packages
            .iter()
            .map(|p| {
                (
                    p.id.clone(),
                    p.layer.as_ref().unwrap().index,
                    p.introduced_in.as_ref().unwrap().index,
                )
            })
            .collect()
    };
    assert_eq!(ids(&out), ids(&oci));
    assert_eq!(out.stats.layers_analysed, 4);
}

#[test]
fn image_without_layers_gives_an_empty_sbom() {
    let d = tempfile::tempdir().unwrap();
    let out = run(&layout(d.path(), Vec::new()));
    assert!(out.sbom.packages.is_empty());
    assert_eq!(out.stats.layers_total, 0);
    assert!(out.sbom.subject.manifest_digest.is_some());
}

#[test]
fn cache_files_are_named_after_the_verified_diff_id() {
    // The diffID is verified before anything is stored, so a config lying about it
    // cannot file an analysis under a real layer's identity; and it is the same for the
    // gzip blob of a registry and the plain tar of a docker archive.
    let d = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let src = layout(
        d.path(),
        vec![gz().file("var/lib/dpkg/status", debs(&[("bash", "5.2")]))],
    );
    let image = src.resolve(&sbom_image::default_platform()).unwrap();
    let layer = image.layers.first().unwrap();
    assert_ne!(layer.digest, layer.diff_id);
    let opts = ScanOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        ..ScanOptions::default()
    };
    scan(&src, &opts).unwrap();
    let files: Vec<String> = std::fs::read_dir(cache.path().join("layers"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let diff_id = layer.diff_id.replace(':', "-");
    assert!(
        files.len() == 1 && files[0].starts_with(&format!("{diff_id}.")),
        "{files:?}"
    );
    assert_eq!(
        sbom_catalog::scan::cache_key(layer, Verify::All),
        Some(layer.diff_id.as_str())
    );
    let again = scan(&src, &opts).unwrap();
    assert_eq!(again.stats.layers_cached, 1);
    assert_eq!(src.opens.load(Ordering::SeqCst), 1);
}

fn cache_file_names(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir.join("layers"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".idx"))
        .collect();
    files.sort();
    files
}

#[test]
fn each_verification_level_files_its_cache_entry_under_a_digest_it_checked() {
    let d = tempfile::tempdir().unwrap();
    let src = layout(
        d.path(),
        vec![gz().file("var/lib/dpkg/status", debs(&[("bash", "5.2")]))],
    );
    let image = src.resolve(&sbom_image::default_platform()).unwrap();
    let layer = image.layers.first().unwrap().clone();
    let cache = tempfile::tempdir().unwrap();
    let with = |verify| ScanOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        verify,
        ..ScanOptions::default()
    };
    // Nothing checked, nothing filed: both scans analyse the layer.
    for _ in 0..2 {
        let out = scan(&src, &with(Verify::Nothing)).unwrap();
        assert_eq!(names(&out, Ecosystem::Deb), ["bash@5.2"]);
        assert_eq!(out.stats.layers_analysed, 1);
    }
    assert!(!cache.path().join("layers").exists());
    let mut filed = Vec::new();
    for (verify, digest) in [
        (Verify::Blobs, &layer.digest),
        (Verify::All, &layer.diff_id),
    ] {
        let out = scan(&src, &with(verify)).unwrap();
        assert_eq!(names(&out, Ecosystem::Deb), ["bash@5.2"]);
        assert_eq!(out.stats.layers_analysed, 1, "{verify:?}: its own entry");
        filed.push(format!("{}.", digest.replace(':', "-")));
        let files = cache_file_names(cache.path());
        assert!(
            files.len() == filed.len()
                && filed.iter().all(|f| files.iter().any(|n| n.starts_with(f))),
            "{verify:?}: {files:?}"
        );
        let again = scan(&src, &with(verify)).unwrap();
        assert_eq!(again.stats.layers_cached, 1, "{verify:?}");
    }
    // A scan that trusts the digests reads what the others filed.
    let out = scan(&src, &with(Verify::Nothing)).unwrap();
    assert_eq!(out.stats.layers_cached, 1);
    assert_eq!(names(&out, Ecosystem::Deb), ["bash@5.2"]);
}

#[test]
fn regression_a_scan_that_trusts_digests_cannot_poison_the_cache_of_one_that_checks_them() {
    // A hostile image states the diffID of an honest layer for other content. Scans that
    // take it as stated (--verify blobs, none) report what is really there; a verifying
    // scan of the honest image must never read their analysis.
    let d = tempfile::tempdir().unwrap();
    let honest_layer = gz().file("var/lib/dpkg/status", debs(&[("bash", "5.2")]));
    let honest_diff_id = honest_layer.blob().diff_id;
    let hostile_layer = gz()
        .file("var/lib/dpkg/status", debs(&[("evil", "6.6.6")]))
        .stating_diff_id(&honest_diff_id);
    let honest = layout(&d.path().join("honest"), vec![honest_layer]);
    let hostile = layout(&d.path().join("hostile"), vec![hostile_layer]);
    let cache = tempfile::tempdir().unwrap();
    let with = |verify| ScanOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        verify,
        ..ScanOptions::default()
    };

    let err = scan(&hostile, &with(Verify::All)).unwrap_err().to_string();
    assert!(
        err.contains(&format!("diff_id mismatch: config says {honest_diff_id}")),
        "{err}"
    );
    for verify in [Verify::Nothing, Verify::Blobs] {
        let out = scan(&hostile, &with(verify)).unwrap();
        assert_eq!(names(&out, Ecosystem::Deb), ["evil@6.6.6"], "{verify:?}");
    }
    for verify in [Verify::All, Verify::Blobs] {
        let out = scan(&honest, &with(verify)).unwrap();
        assert_eq!(names(&out, Ecosystem::Deb), ["bash@5.2"], "{verify:?}");
        assert_eq!(
            out.stats.layers_analysed, 1,
            "{verify:?} analysed its own bytes"
        );
    }
    // A scan that trusts digests files nothing, and reads what a checking scan filed.
    let out = scan(&honest, &with(Verify::Nothing)).unwrap();
    assert_eq!(names(&out, Ecosystem::Deb), ["bash@5.2"]);
    assert_eq!(out.stats.layers_cached, 1);
}

#[test]
fn regression_a_rootfs_symlink_to_a_file_nobody_wanted_is_read() {
    let d = tempfile::tempdir().unwrap();
    let image = Image::new(vec![gz()
        .file("opt/backup/status.saved", debs(&[("bash", "5.2")]))
        .symlink("var/lib/dpkg/status", "/opt/backup/status.saved")]);
    sbom_testkit::write_rootfs(d.path(), &image).unwrap();
    let src = sbom_image::open(&format!("dir:{}", d.path().display())).unwrap();
    let out = scan(src.as_ref(), &ScanOptions::default()).unwrap();
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert_eq!(names(&out, Ecosystem::Deb), ["bash@5.2"]);
}

#[test]
fn regression_a_hard_link_into_a_lower_layer_is_read_in_a_second_pass() {
    let d = tempfile::tempdir().unwrap();
    let base = gz().file("opt/status.saved", debs(&[("bash", "5.2")]));
    let top = gz().hardlink("var/lib/dpkg/status", "opt/status.saved");
    let out = run(&layout(d.path(), vec![base, top]));
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert_eq!(names(&out, Ecosystem::Deb), ["bash@5.2"]);
}

/// A shared second-level cache in memory, standing for the registry between machines.
#[derive(Default)]
struct SharedCache {
    entries: std::sync::Mutex<std::collections::BTreeMap<(String, String), Vec<u8>>>,
    stores: AtomicUsize,
}

impl sbom_catalog::RemoteCache for SharedCache {
    fn name(&self) -> String {
        "memory".into()
    }
    fn fetch(&self, key: &str, analysis: &str) -> Result<Option<Vec<u8>>, String> {
        let e = self.entries.lock().unwrap();
        Ok(e.get(&(key.to_string(), analysis.to_string())).cloned())
    }
    fn store(&self, key: &str, analysis: &str, entry: &[u8]) -> Result<(), String> {
        self.stores.fetch_add(1, Ordering::SeqCst);
        let mut e = self.entries.lock().unwrap();
        e.insert((key.to_string(), analysis.to_string()), entry.to_vec());
        Ok(())
    }
}

#[test]
fn a_second_machine_with_an_empty_local_cache_takes_every_layer_from_the_shared_one() {
    let d = tempfile::tempdir().unwrap();
    let src = layout(d.path(), cached_layers());
    let shared = std::sync::Arc::new(SharedCache::default());
    let machine = |cache: &Path| ScanOptions {
        cache_dir: Some(cache.to_path_buf()),
        remote_cache: Some(shared.clone()),
        ..ScanOptions::default()
    };
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = scan(&src, &machine(one.path())).unwrap();
    assert_eq!(first.stats.layers_analysed, 4);
    assert_eq!(shared.stores.load(Ordering::SeqCst), 4);
    // The shared entries are the local cache files' bytes.
    let mut local: Vec<Vec<u8>> = cache_files(one.path())
        .iter()
        .map(|f| std::fs::read(f).unwrap())
        .collect();
    let mut remote: Vec<Vec<u8>> = shared.entries.lock().unwrap().values().cloned().collect();
    local.sort();
    remote.sort();
    assert_eq!(local, remote);

    let second = scan(&src, &machine(two.path())).unwrap();
    assert_eq!(
        src.opens.load(Ordering::SeqCst),
        4,
        "the second machine opened a blob"
    );
    assert_eq!(second.stats.layers_analysed, 0);
    assert_eq!(second.stats.layers_from_registry, 4);
    assert_eq!(json(&first), json(&second));
    // ...and filed them locally: a third scan there needs nothing shared.
    assert_eq!(cache_files(two.path()).len(), 4);
    let third = scan(&src, &machine(two.path())).unwrap();
    assert_eq!(third.stats.layers_from_registry, 0);
    assert_eq!(third.stats.layers_cached, 4);
}

#[test]
fn a_damaged_or_foreign_shared_entry_is_ignored_with_a_warning_and_replaced() {
    let d = tempfile::tempdir().unwrap();
    let src = layout(d.path(), cached_layers());
    let shared = std::sync::Arc::new(SharedCache::default());
    let machine = |cache: &Path| ScanOptions {
        cache_dir: Some(cache.to_path_buf()),
        remote_cache: Some(shared.clone()),
        ..ScanOptions::default()
    };
    let one = tempfile::tempdir().unwrap();
    let first = scan(&src, &machine(one.path())).unwrap();
    {
        let mut e = shared.entries.lock().unwrap();
        let keys: Vec<_> = e.keys().cloned().collect();
        // A flipped byte in one entry; another layer's entry filed under this one's key.
        let v = e.get_mut(&keys[0]).unwrap();
        let mid = v.len() / 2;
        v[mid] ^= 0x40;
        let other = e[&keys[2]].clone();
        e.insert(keys[1].clone(), other);
    }
    let two = tempfile::tempdir().unwrap();
    let second = scan(&src, &machine(two.path())).unwrap();
    assert_eq!(second.stats.layers_analysed, 2);
    assert_eq!(second.stats.layers_from_registry, 2);
    assert_eq!(json(&first), json(&second));
    assert_eq!(
        second.cache_warnings.len(),
        2,
        "{:?}",
        second.cache_warnings
    );
    assert!(second
        .cache_warnings
        .iter()
        .any(|w| w.contains("checksum mismatch")));
    assert!(second
        .cache_warnings
        .iter()
        .any(|w| w.contains("written for another layer")));
    // Replaced by good entries: a third machine takes all four.
    let three = tempfile::tempdir().unwrap();
    let third = scan(&src, &machine(three.path())).unwrap();
    assert_eq!(third.stats.layers_from_registry, 4);
    assert!(third.cache_warnings.is_empty());
}
