//! Every local source resolves and streams gzip, zstd and uncompressed layers; platform
//! selection; bad input gives the right error naming the layer digest; no panics on garbage.
#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::path::{Path, PathBuf};

use sbom_image::{
    default_platform, layer_error, open, parse_platform, verify_blob, ImageError, LayerContent,
    ResolvedImage,
};
use sbom_testkit::{
    digest, write_docker_archive, write_docker_archive_oci, write_oci_archive, write_oci_layout,
    write_oci_layout_nested, write_rootfs, BuiltImage, Compression, Image, Layer,
};

fn three_layers(marker: &str) -> Image {
    Image::new(vec![
        Layer::new(Compression::Gzip)
            .file("etc/os-release", format!("ID=debian\nVARIANT={marker}\n"))
            .file(
                "var/lib/dpkg/status",
                "Package: bash\nStatus: install ok installed\n",
            ),
        Layer::new(Compression::Zstd).file(
            "usr/lib/python3/dist-packages/a.dist-info/METADATA",
            "Name: a\n",
        ),
        Layer::new(Compression::None).file("var/lib/dpkg/status", "Package: zsh\n"),
    ])
}

/// Reads every layer of a resolved image; returns the uncompressed bytes of each.
fn read_layers(reference: &str) -> (ResolvedImage, Vec<Vec<u8>>) {
    let src = open(reference).unwrap();
    let img = src.resolve(&default_platform()).unwrap();
    let mut out = Vec::new();
    for l in &img.layers {
        match src.open_layer(&img, l).unwrap() {
            LayerContent::Tar(mut t) => {
                let mut bytes = Vec::new();
                t.read_to_end(&mut bytes).unwrap();
                let stats = t.finish().unwrap();
                assert_eq!(stats.uncompressed_bytes, bytes.len() as u64);
                out.push(bytes);
            }
            LayerContent::Directory(_) => panic!("a tar layer was expected"),
        }
    }
    (img, out)
}

fn assert_layers_match(image: &Image, built: &BuiltImage, got: &[Vec<u8>]) {
    let want: Vec<Vec<u8>> = image.layers.iter().map(Layer::tar_bytes).collect();
    assert_eq!(got, want.as_slice());
    assert_eq!(got.len(), built.blobs.len());
}

#[test]
fn oci_dir_streams_gzip_zstd_and_plain_layers() {
    let dir = tempfile::tempdir().unwrap();
    let image = three_layers("oci");
    let built = write_oci_layout(dir.path(), &[(image.clone(), Some("r1".into()))]).unwrap();
    let b = &built[0];
    for reference in [
        format!("oci-dir:{}", dir.path().display()),
        format!("oci-dir:{}:r1", dir.path().display()),
        dir.path().display().to_string(),
    ] {
        let (img, layers) = read_layers(&reference);
        assert_layers_match(&image, b, &layers);
        assert_eq!(
            img.manifest_digest.as_deref(),
            Some(b.manifest_digest.as_str())
        );
        assert_eq!(img.config_digest.as_deref(), Some(b.config_digest.as_str()));
        assert_eq!(img.tag.as_deref(), Some("r1"));
        assert_eq!(img.reference, reference);
        let digests: Vec<&str> = img.layers.iter().map(|l| l.digest.as_str()).collect();
        let want: Vec<&str> = b.blobs.iter().map(|l| l.digest.as_str()).collect();
        assert_eq!(digests, want);
        let diff_ids: Vec<&str> = img.layers.iter().map(|l| l.diff_id.as_str()).collect();
        let want: Vec<&str> = b.blobs.iter().map(|l| l.diff_id.as_str()).collect();
        assert_eq!(diff_ids, want);
        assert_eq!(img.platform, Some(default_platform()));
        // The fixture's config history names one build step per layer.
        for l in &img.layers {
            assert_eq!(l.created_by.as_deref(), Some("sbom-testkit"), "{l:?}");
        }
    }
}

#[test]
fn oci_archive_streams_layers_without_extracting() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("img.tar");
    let image = three_layers("archive");
    let built = write_oci_archive(&file, &[(image.clone(), Some("v2".into()))]).unwrap();
    for reference in [
        format!("oci-archive:{}", file.display()),
        format!("oci-archive:{}:v2", file.display()),
        file.display().to_string(),
    ] {
        let (img, layers) = read_layers(&reference);
        assert_layers_match(&image, &built[0], &layers);
        assert_eq!(img.name, "img.tar");
        assert_eq!(
            img.manifest_digest.as_deref(),
            Some(built[0].manifest_digest.as_str())
        );
    }
    // Nothing was unpacked next to the archive.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("img.tar")]);
}

#[test]
fn docker_archive_classic_streams_layers() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("saved.tar");
    let image = three_layers("docker");
    let built = write_docker_archive(&file, &image, "quay.io/osism/keystone:2024.1").unwrap();
    for reference in [
        format!("docker-archive:{}", file.display()),
        format!(
            "docker-archive:{}:quay.io/osism/keystone:2024.1",
            file.display()
        ),
        format!("docker-archive:{}:@0", file.display()),
        file.display().to_string(),
    ] {
        let (img, layers) = read_layers(&reference);
        assert_layers_match(&image, &built, &layers);
        assert_eq!(img.name, "quay.io/osism/keystone");
        assert_eq!(img.tag.as_deref(), Some("2024.1"));
        assert_eq!(
            img.config_digest.as_deref(),
            Some(built.config_digest.as_str())
        );
        // Classic archives do not record blob digests: layers are named by diffID.
        let diff_ids: Vec<&str> = built.blobs.iter().map(|b| b.diff_id.as_str()).collect();
        let names: Vec<&str> = img.layers.iter().map(|l| l.digest.as_str()).collect();
        assert_eq!(names, diff_ids);
        assert_eq!(img.manifest_digest, None);
        assert!(img
            .layers
            .iter()
            .all(|l| l.created_by.as_deref() == Some("sbom-testkit")));
    }
}

#[test]
fn docker_archive_with_oci_layout_streams_layers() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("saved25.tar");
    let image = three_layers("docker25");
    let built = write_docker_archive_oci(&file, &image, "registry.local/x:1").unwrap();
    for reference in [
        format!("docker-archive:{}", file.display()),
        file.display().to_string(),
        // The same file is also a valid OCI archive.
        format!("oci-archive:{}", file.display()),
    ] {
        let (img, layers) = read_layers(&reference);
        assert_layers_match(&image, &built, &layers);
        assert_eq!(
            img.manifest_digest.as_deref(),
            Some(built.manifest_digest.as_str()),
            "{reference}"
        );
        let digests: Vec<&str> = img.layers.iter().map(|l| l.digest.as_str()).collect();
        let want: Vec<&str> = built.blobs.iter().map(|l| l.digest.as_str()).collect();
        assert_eq!(digests, want, "{reference}");
    }
}

#[test]
fn docker_archive_selector_errors_list_images() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("saved.tar");
    write_docker_archive(&file, &three_layers("x"), "a/b:1").unwrap();
    let err = open(&format!("docker-archive:{}:a/b:2", file.display()))
        .unwrap()
        .resolve(&default_platform())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no image tagged \"a/b:2\"") && err.contains("@0 a/b:1"),
        "{err}"
    );
}

#[test]
fn dir_source_is_one_directory_layer() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    write_rootfs(&root, &three_layers("dir")).unwrap();
    for reference in [
        format!("dir:{}", root.display()),
        root.display().to_string(),
    ] {
        let src = open(&reference).unwrap();
        let img = src
            .resolve(&parse_platform("linux/s390x").unwrap())
            .unwrap();
        assert_eq!(img.name, "rootfs");
        assert_eq!(img.layers.len(), 1);
        assert_eq!(img.layers[0].digest, "");
        assert_eq!(img.layers[0].diff_id, "");
        match src.open_layer(&img, &img.layers[0]).unwrap() {
            LayerContent::Directory(p) => {
                assert_eq!(p, root);
                assert!(p.join("var/lib/dpkg/status").is_file());
            }
            LayerContent::Tar(_) => panic!("a folder was expected"),
        }
    }
}

fn multi_platform() -> Vec<Image> {
    vec![
        three_layers("amd64"),
        three_layers("arm64").platform("linux", "arm64", Some("v8")),
        three_layers("armv7").platform("linux", "arm", Some("v7")),
    ]
}

fn check_platforms(reference: &str, built: &[BuiltImage]) {
    let src = open(reference).unwrap();
    for (platform, i) in [
        ("linux/amd64", 0),
        ("linux/arm64", 1),
        ("linux/arm64/v8", 1),
        ("linux/aarch64", 1),
        ("linux/arm", 2),
        ("linux/arm/v7", 2),
    ] {
        let img = src.resolve(&parse_platform(platform).unwrap()).unwrap();
        assert_eq!(
            img.config_digest.as_deref(),
            Some(built[i].config_digest.as_str()),
            "{platform}"
        );
        assert_eq!(
            img.manifest_digest.as_deref(),
            Some(built[i].manifest_digest.as_str())
        );
    }
    let err = src
        .resolve(&parse_platform("linux/s390x").unwrap())
        .unwrap_err();
    match &err {
        ImageError::PlatformNotFound {
            wanted, available, ..
        } => {
            assert_eq!(wanted, "platform linux/s390x");
            assert_eq!(available, "linux/amd64, linux/arm64/v8, linux/arm/v7");
        }
        other => panic!("expected PlatformNotFound, got {other}"),
    }
    assert!(err
        .to_string()
        .contains("available: linux/amd64, linux/arm64/v8, linux/arm/v7"));
    let err = src
        .resolve(&parse_platform("linux/arm/v6").unwrap())
        .unwrap_err();
    assert!(matches!(err, ImageError::PlatformNotFound { .. }), "{err}");
}

#[test]
fn multi_platform_layout_listed_directly() {
    let dir = tempfile::tempdir().unwrap();
    let imgs: Vec<_> = multi_platform().into_iter().map(|i| (i, None)).collect();
    let built = write_oci_layout(dir.path(), &imgs).unwrap();
    check_platforms(&format!("oci-dir:{}", dir.path().display()), &built);
}

#[test]
fn multi_platform_layout_through_nested_index() {
    let dir = tempfile::tempdir().unwrap();
    let built = write_oci_layout_nested(dir.path(), &multi_platform(), "2024.1").unwrap();
    check_platforms(&format!("oci-dir:{}", dir.path().display()), &built);
    let tagged = format!("oci-dir:{}:2024.1", dir.path().display());
    check_platforms(&tagged, &built);
    let img = open(&tagged).unwrap().resolve(&default_platform()).unwrap();
    assert_eq!(img.tag.as_deref(), Some("2024.1"));
    let err = open(&format!("oci-dir:{}:nope", dir.path().display()))
        .unwrap()
        .resolve(&default_platform())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no image tagged \"nope\"") && err.contains("tags: 2024.1"),
        "{err}"
    );
}

#[test]
fn multi_platform_oci_archive_through_nested_index() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    let built = write_oci_layout_nested(&layout, &multi_platform(), "t").unwrap();
    let file = dir.path().join("multi.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&file).unwrap());
    b.append_dir_all(".", &layout).unwrap();
    b.finish().unwrap();
    drop(b);
    check_platforms(&format!("oci-archive:{}", file.display()), &built);
}

/// Removes `platform` from every descriptor in index.json.
fn strip_index_platforms(layout: &Path) {
    let p = layout.join("index.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    for m in v["manifests"].as_array_mut().unwrap() {
        m.as_object_mut().unwrap().remove("platform");
    }
    std::fs::write(p, serde_json::to_vec(&v).unwrap()).unwrap();
}

#[test]
fn single_manifest_without_descriptor_platform_uses_config() {
    let dir = tempfile::tempdir().unwrap();
    let image = three_layers("arm").platform("linux", "arm64", None);
    let built = write_oci_layout(dir.path(), &[(image, None)]).unwrap();
    strip_index_platforms(dir.path());
    let src = open(&dir.path().display().to_string()).unwrap();
    let img = src
        .resolve(&parse_platform("linux/arm64").unwrap())
        .unwrap();
    assert_eq!(
        img.config_digest.as_deref(),
        Some(built[0].config_digest.as_str())
    );
    assert_eq!(img.platform.unwrap().architecture, "arm64");
    let err = src.resolve(&default_platform()).unwrap_err();
    match err {
        ImageError::PlatformNotFound { available, .. } => assert_eq!(available, "linux/arm64"),
        other => panic!("expected PlatformNotFound, got {other}"),
    }
}

// ---------- bad input ----------

fn blob_file(layout: &Path, d: &str) -> PathBuf {
    layout
        .join("blobs/sha256")
        .join(d.trim_start_matches("sha256:"))
}

/// Reads one layer to the end (as the walker would) and returns the final error.
fn layer_failure(reference: &str, index: usize) -> (ImageError, String) {
    let src = open(reference).unwrap();
    let img = src.resolve(&default_platform()).unwrap();
    let layer = &img.layers[index];
    let LayerContent::Tar(mut t) = src.open_layer(&img, layer).unwrap() else {
        panic!("tar expected")
    };
    let mut sink = Vec::new();
    let read_err = t
        .read_to_end(&mut sink)
        .err()
        .map(|e| layer_error(&img, layer, e).to_string());
    let err = t.finish().unwrap_err();
    (err, read_err.unwrap_or_default())
}

fn assert_layer_error(err: &ImageError, reference: &str, digest: &str, needle: &str) {
    match err {
        ImageError::Layer {
            image,
            digest: d,
            message,
        } => {
            assert_eq!(image, reference);
            assert_eq!(d, digest);
            assert!(message.contains(needle), "{message:?} lacks {needle:?}");
            assert!(!message.contains('\n'), "one line: {message:?}");
        }
        other => panic!("expected a layer error, got {other}"),
    }
}

#[test]
fn truncated_gzip_layer_is_fatal_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let built = write_oci_layout(dir.path(), &[(three_layers("t"), None)]).unwrap();
    let d = &built[0].blobs[0].digest;
    let f = blob_file(dir.path(), d);
    let bytes = std::fs::read(&f).unwrap();
    std::fs::write(&f, &bytes[..bytes.len() / 2]).unwrap();
    let reference = format!("oci-dir:{}", dir.path().display());
    let (err, read_err) = layer_failure(&reference, 0);
    assert_layer_error(&err, &reference, d, "truncated gzip stream");
    assert_layer_error(&err, &reference, d, "digest mismatch: manifest says");
    assert_eq!(
        read_err,
        format!("{reference}: layer {d}: truncated gzip stream")
    );
}

#[test]
fn corrupt_zstd_layer_is_fatal_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let built = write_oci_layout(dir.path(), &[(three_layers("z"), None)]).unwrap();
    let d = &built[0].blobs[1].digest;
    let f = blob_file(dir.path(), d);
    let mut bytes = std::fs::read(&f).unwrap();
    for b in bytes.iter_mut().skip(4).take(8) {
        *b = !*b;
    }
    std::fs::write(&f, &bytes).unwrap();
    let reference = format!("oci-dir:{}", dir.path().display());
    let (err, read_err) = layer_failure(&reference, 1);
    assert_layer_error(&err, &reference, d, "corrupt zstd stream");
    assert_layer_error(&err, &reference, d, "digest mismatch");
    assert!(read_err.contains("corrupt zstd stream"), "{read_err}");
}

#[test]
fn flipped_byte_is_a_digest_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let built = write_oci_layout(dir.path(), &[(three_layers("f"), None)]).unwrap();
    let d = &built[0].blobs[2].digest;
    let f = blob_file(dir.path(), d);
    let mut bytes = std::fs::read(&f).unwrap();
    // Inside the file content of the plain tar, so the tar itself still reads.
    let at = bytes.windows(7).position(|w| w == b"Package").unwrap();
    bytes[at] = b'p';
    std::fs::write(&f, &bytes).unwrap();
    let reference = format!("oci-dir:{}", dir.path().display());
    let (err, _) = layer_failure(&reference, 2);
    let want = format!(
        "digest mismatch: manifest says {d}, content is {}",
        digest(&bytes)
    );
    assert_layer_error(&err, &reference, d, &want);
}

#[test]
fn missing_blob_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let built = write_oci_layout(dir.path(), &[(three_layers("m"), None)]).unwrap();
    let d = &built[0].blobs[1].digest;
    std::fs::remove_file(blob_file(dir.path(), d)).unwrap();
    let reference = format!("oci-dir:{}", dir.path().display());
    let src = open(&reference).unwrap();
    let img = src.resolve(&default_platform()).unwrap();
    let err = src.open_layer(&img, &img.layers[1]).err().unwrap();
    let hex = d.trim_start_matches("sha256:");
    assert_layer_error(
        &err,
        &reference,
        d,
        &format!("blob missing: blobs/sha256/{hex}"),
    );
}

#[test]
fn missing_layer_in_oci_archive_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    let built = write_oci_layout(&layout, &[(three_layers("m"), None)]).unwrap();
    let d = &built[0].blobs[0].digest;
    std::fs::remove_file(blob_file(&layout, d)).unwrap();
    let file = dir.path().join("a.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&file).unwrap());
    b.append_dir_all(".", &layout).unwrap();
    b.finish().unwrap();
    drop(b);
    let reference = format!("oci-archive:{}", file.display());
    let src = open(&reference).unwrap();
    let img = src.resolve(&default_platform()).unwrap();
    let err = src.open_layer(&img, &img.layers[0]).err().unwrap();
    assert_layer_error(&err, &reference, d, "blob missing: blobs/sha256/");
}

/// Replaces the config blob with `bytes`, rewriting the manifest and index.json so all
/// digests stay consistent. Returns the new config digest.
fn replace_config(layout: &Path, built: &BuiltImage, bytes: &[u8]) -> String {
    let new_cfg = digest(bytes);
    std::fs::write(blob_file(layout, &new_cfg), bytes).unwrap();
    let manifest = String::from_utf8(built.manifest.clone())
        .unwrap()
        .replace(&built.config_digest, &new_cfg);
    replace_manifest(layout, built, manifest.as_bytes());
    new_cfg
}

/// Replaces the manifest blob with `bytes` and points index.json at it.
fn replace_manifest(layout: &Path, built: &BuiltImage, bytes: &[u8]) -> String {
    let new = digest(bytes);
    std::fs::write(blob_file(layout, &new), bytes).unwrap();
    let index = std::fs::read_to_string(layout.join("index.json")).unwrap();
    std::fs::write(
        layout.join("index.json"),
        index.replace(&built.manifest_digest, &new),
    )
    .unwrap();
    new
}

fn resolve_err(layout: &Path) -> ImageError {
    open(&format!("oci-dir:{}", layout.display()))
        .unwrap()
        .resolve(&default_platform())
        .unwrap_err()
}

#[test]
fn manifest_not_json_names_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let built = write_oci_layout(dir.path(), &[(three_layers("j"), None)]).unwrap();
    let new = replace_manifest(dir.path(), &built[0], b"<html>not json</html>");
    let err = resolve_err(dir.path());
    assert!(matches!(err, ImageError::Invalid { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&format!("manifest {new}: not valid JSON")),
        "{text}"
    );
}

#[test]
fn config_not_json_names_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let built = write_oci_layout(dir.path(), &[(three_layers("c"), None)]).unwrap();
    let new = replace_config(dir.path(), &built[0], b"{\"os\": \"linux\", ");
    let err = resolve_err(dir.path());
    assert!(matches!(err, ImageError::Invalid { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("config {new}: not valid JSON")),
        "{err}"
    );
}

#[test]
fn tampered_manifest_blob_is_a_digest_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let built = write_oci_layout(dir.path(), &[(three_layers("c"), None)]).unwrap();
    std::fs::write(blob_file(dir.path(), &built[0].manifest_digest), b"{}").unwrap();
    let err = resolve_err(dir.path()).to_string();
    assert!(
        err.contains(&format!(
            "manifest {}: digest mismatch",
            built[0].manifest_digest
        )),
        "{err}"
    );
}

#[test]
fn missing_manifest_blob_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let built = write_oci_layout(dir.path(), &[(three_layers("c"), None)]).unwrap();
    std::fs::remove_file(blob_file(dir.path(), &built[0].manifest_digest)).unwrap();
    let err = resolve_err(dir.path()).to_string();
    assert!(err.contains("blob missing: blobs/sha256/"), "{err}");
}

#[test]
fn diff_id_mismatch_is_reported_for_docker_archives() {
    // A classic docker archive has no blob digests: the diffID is the only check.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("d.tar");
    let image = three_layers("d");
    let built = write_docker_archive(&file, &image, "x:1").unwrap();
    // Flip one content byte of the plain layer inside the archive.
    let mut bytes = std::fs::read(&file).unwrap();
    let plain = &built.blobs[2].bytes;
    let start = bytes
        .windows(plain.len())
        .position(|w| w == plain.as_slice())
        .unwrap();
    let at = start + plain.windows(7).position(|w| w == b"Package").unwrap();
    bytes[at] = b'p';
    std::fs::write(&file, &bytes).unwrap();
    let reference = file.display().to_string();
    let (err, _) = layer_failure(&reference, 2);
    assert_layer_error(
        &err,
        &reference,
        &built.blobs[2].diff_id,
        "diff_id mismatch: config says",
    );
}

#[test]
fn schema1_manifest_is_unsupported() {
    let dir = tempfile::tempdir().unwrap();
    let built = write_oci_layout(dir.path(), &[(three_layers("s"), None)]).unwrap();
    let index = std::fs::read_to_string(dir.path().join("index.json"))
        .unwrap()
        .replace(
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.v1+prettyjws",
        );
    std::fs::write(dir.path().join("index.json"), index).unwrap();
    let err = resolve_err(dir.path()).to_string();
    assert!(
        err.contains("schema 1 manifests are not supported"),
        "{err}"
    );
    assert!(!built.is_empty());
}

// ---------- garbage ----------

fn garbage(seed: u32, len: usize) -> Vec<u8> {
    let mut x = seed.max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 3) as u8
        })
        .collect()
}

#[test]
fn garbage_index_json_is_an_error_not_a_panic() {
    for seed in 1..20 {
        let dir = tempfile::tempdir().unwrap();
        write_oci_layout(dir.path(), &[(three_layers("g"), None)]).unwrap();
        std::fs::write(
            dir.path().join("index.json"),
            garbage(seed, 64 * seed as usize),
        )
        .unwrap();
        let err = resolve_err(dir.path());
        assert!(matches!(err, ImageError::Invalid { .. }), "{err}");
        assert!(err.to_string().contains("index.json"), "{err}");
    }
    // Valid JSON of the wrong shape, too.
    for text in [
        "[]",
        "null",
        "{\"manifests\": 3}",
        "{\"manifests\": [{\"digest\": 1}]}",
    ] {
        let dir = tempfile::tempdir().unwrap();
        write_oci_layout(dir.path(), &[(three_layers("g"), None)]).unwrap();
        std::fs::write(dir.path().join("index.json"), text).unwrap();
        assert!(
            matches!(resolve_err(dir.path()), ImageError::Invalid { .. }),
            "{text}"
        );
    }
}

#[test]
fn garbage_layer_with_matching_digest_is_an_error_not_a_panic() {
    for (seed, prefix) in [
        (7u32, &[][..]),
        (8, &[0x1f, 0x8b][..]),
        (9, &[0x28, 0xb5, 0x2f, 0xfd][..]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let built = write_oci_layout(dir.path(), &[(three_layers("g"), None)]).unwrap();
        let mut junk = prefix.to_vec();
        junk.extend(garbage(seed, 100_000));
        let new = digest(&junk);
        std::fs::write(blob_file(dir.path(), &new), &junk).unwrap();
        let manifest = String::from_utf8(built[0].manifest.clone())
            .unwrap()
            .replace(&built[0].blobs[0].digest, &new);
        replace_manifest(dir.path(), &built[0], manifest.as_bytes());
        let reference = format!("oci-dir:{}", dir.path().display());
        let src = open(&reference).unwrap();
        let img = src.resolve(&default_platform()).unwrap();
        let LayerContent::Tar(t) = src.open_layer(&img, &img.layers[0]).unwrap() else {
            panic!("tar expected")
        };
        let mut ar = tar::Archive::new(t);
        if let Ok(entries) = ar.entries() {
            for e in entries {
                let Ok(mut e) = e else { break };
                let _ = std::io::copy(&mut e, &mut std::io::sink());
            }
        }
        let err = ar.into_inner().finish().unwrap_err();
        // The blob digest matches; decoding or the diffID check must fail.
        match &err {
            ImageError::Layer {
                digest, message, ..
            } => {
                assert_eq!(digest, &new);
                assert!(!message.contains("digest mismatch: manifest"), "{message}");
            }
            other => panic!("expected a layer error, got {other}"),
        }
    }
}

#[test]
fn garbage_file_as_bare_path_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    for seed in 1..10 {
        let file = dir.path().join(format!("junk{seed}.tar"));
        std::fs::write(&file, garbage(seed, 513 * seed as usize)).unwrap();
        let err = open(&file.display().to_string()).err().unwrap();
        assert!(matches!(err, ImageError::Invalid { .. }), "{err}");
    }
    let empty = dir.path().join("empty.tar");
    std::fs::write(&empty, b"").unwrap();
    let err = open(&empty.display().to_string())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("neither a docker archive"), "{err}");
}

#[test]
fn several_tagged_images_for_one_platform_need_a_tag() {
    let dir = tempfile::tempdir().unwrap();
    let built = write_oci_layout(
        dir.path(),
        &[
            (three_layers("one"), Some("r1".into())),
            (three_layers("two"), Some("r2".into())),
        ],
    )
    .unwrap();
    let err = resolve_err(dir.path()).to_string();
    assert!(
        err.contains("several images in index.json match linux/amd64 (r1, r2)"),
        "{err}"
    );
    for (tag, i) in [("r1", 0), ("r2", 1)] {
        let img = open(&format!("oci-dir:{}:{tag}", dir.path().display()))
            .unwrap()
            .resolve(&default_platform())
            .unwrap();
        assert_eq!(
            img.manifest_digest.as_deref(),
            Some(built[i].manifest_digest.as_str())
        );
    }
}

#[test]
fn missing_index_json_is_named() {
    let dir = tempfile::tempdir().unwrap();
    write_oci_layout(dir.path(), &[(three_layers("i"), None)]).unwrap();
    std::fs::remove_file(dir.path().join("index.json")).unwrap();
    let err = resolve_err(dir.path()).to_string();
    assert!(err.ends_with(": index.json not found"), "{err}");
}

#[test]
fn verify_blob_checks_a_raw_blob_from_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let image = three_layers("v");
    let built = write_oci_layout(dir.path(), &[(image.clone(), None)]).unwrap();
    let src = open(&dir.path().display().to_string()).unwrap();
    let img = src.resolve(&default_platform()).unwrap();
    let good = built[0].blobs[1].bytes.clone();
    let mut t = verify_blob(&img, &img.layers[1], Box::new(std::io::Cursor::new(good))).unwrap();
    let mut out = Vec::new();
    t.read_to_end(&mut out).unwrap();
    assert_eq!(out, image.layers[1].tar_bytes());
    t.finish().unwrap();
    // Another layer's bytes under this layer's descriptor: both digests differ.
    let wrong = built[0].blobs[0].bytes.clone();
    let err = verify_blob(&img, &img.layers[1], Box::new(std::io::Cursor::new(wrong)))
        .unwrap()
        .finish()
        .unwrap_err();
    assert_layer_error(
        &err,
        &img.reference,
        &img.layers[1].digest,
        "digest mismatch",
    );
}

#[test]
fn layer_error_maps_foreign_io_errors_too() {
    let img = ResolvedImage {
        reference: "ref".into(),
        ..ResolvedImage::default()
    };
    let layer = sbom_image::LayerDescriptor {
        index: 3,
        digest: String::new(),
        diff_id: "sha256:abc".into(),
        media_type: String::new(),
        size: None,
        created_by: None,
    };
    let err = layer_error(&img, &layer, std::io::Error::other("disk on fire"));
    assert_eq!(
        err.to_string(),
        "ref: layer sha256:abc: read error: disk on fire"
    );
}

#[test]
fn one_image_under_two_tags_is_not_ambiguous() {
    let dir = tempfile::tempdir().unwrap();
    let image = three_layers("same");
    let built = write_oci_layout(
        dir.path(),
        &[
            (image.clone(), Some("1.0".into())),
            (image, Some("latest".into())),
        ],
    )
    .unwrap();
    assert_eq!(built[0].manifest_digest, built[1].manifest_digest);
    let img = open(&dir.path().display().to_string())
        .unwrap()
        .resolve(&default_platform())
        .unwrap();
    assert_eq!(
        img.manifest_digest.as_deref(),
        Some(built[0].manifest_digest.as_str())
    );
    assert_eq!(img.tag.as_deref(), Some("1.0"));
}

/// Hostile but well-formed JSON in index.json: each is an error, never a panic or a read
/// outside the layout.
#[test]
fn hostile_index_descriptors_are_refused() {
    let m = "application/vnd.oci.image.manifest.v1+json";
    let cases = [
        format!(
            r#"{{"manifests":[{{"mediaType":"{m}","digest":"sha256:../../../../etc/passwd"}}]}}"#
        ),
        format!(
            r#"{{"manifests":[{{"mediaType":"{m}","digest":"sha512:{}"}}]}}"#,
            "a".repeat(128)
        ),
        format!(
            r#"{{"manifests":[{{"mediaType":"{m}","digest":"sha256:{}","size":-1}}]}}"#,
            "a".repeat(64)
        ),
        format!(
            r#"{{"manifests":[{{"mediaType":"{m}","digest":"sha256:{}"}}]}}"#,
            "b".repeat(64)
        ),
        r#"{"manifests":[{"digest":""}]}"#.to_string(),
        r#"{"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"x"}]}"#
            .to_string(),
        r#"{"manifests":[{"mediaType":"text/plain","digest":"x"}]}"#.to_string(),
    ];
    for text in cases {
        let dir = tempfile::tempdir().unwrap();
        write_oci_layout(dir.path(), &[(three_layers("h"), None)]).unwrap();
        std::fs::write(dir.path().join("index.json"), &text).unwrap();
        let err = resolve_err(dir.path());
        assert!(matches!(err, ImageError::Invalid { .. }), "{text}: {err}");
    }
}

#[test]
fn deeply_nested_indexes_are_refused() {
    // Six indexes, each pointing to the next: past the nesting limit.
    let dir = tempfile::tempdir().unwrap();
    write_oci_layout(dir.path(), &[(three_layers("deep"), None)]).unwrap();
    let mut child = std::fs::read(dir.path().join("index.json")).unwrap();
    for level in 0..6 {
        let d = digest(&child);
        std::fs::write(blob_file(dir.path(), &d), &child).unwrap();
        child = format!(
            r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"{d}","annotations":{{"level":"{level}"}}}}]}}"#
        )
        .into_bytes();
    }
    std::fs::write(dir.path().join("index.json"), &child).unwrap();
    let err = resolve_err(dir.path()).to_string();
    assert!(err.contains("nested deeper than"), "{err}");
}

#[test]
fn docker_manifest_paths_cannot_leave_the_archive() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("d.tar");
    let built = write_docker_archive(&file, &three_layers("p"), "x:1").unwrap();
    // Unpacked into a folder, with manifest.json pointing a layer outside it.
    let unpacked = dir.path().join("unpacked");
    std::fs::create_dir(&unpacked).unwrap();
    tar::Archive::new(std::fs::File::open(&file).unwrap())
        .unpack(&unpacked)
        .unwrap();
    let manifest = std::fs::read_to_string(unpacked.join("manifest.json")).unwrap();
    let first = format!(
        "{}/layer.tar",
        built.blobs[0].digest.trim_start_matches("sha256:")
    );
    std::fs::write(
        unpacked.join("manifest.json"),
        manifest.replace(&first, "../d.tar"),
    )
    .unwrap();
    let reference = format!("docker-archive:{}", unpacked.display());
    let src = open(&reference).unwrap();
    let img = src.resolve(&default_platform()).unwrap();
    let err = src
        .open_layer(&img, &img.layers[0])
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("points outside the image folder"), "{err}");
    // The rest of the folder form works.
    let LayerContent::Tar(t) = src.open_layer(&img, &img.layers[1]).unwrap() else {
        panic!("tar expected")
    };
    let mut t = t;
    std::io::copy(&mut t, &mut std::io::sink()).unwrap();
    t.finish().unwrap();
}

#[test]
fn multi_image_docker_archive_selects_by_tag_or_position() {
    let dir = tempfile::tempdir().unwrap();
    let merged = dir.path().join("merged");
    std::fs::create_dir(&merged).unwrap();
    let mut entries = Vec::new();
    let mut built = Vec::new();
    for (name, tag) in [("one", "a:1"), ("two", "b:2")] {
        let file = dir.path().join(format!("{name}.tar"));
        built.push(write_docker_archive(&file, &three_layers(name), tag).unwrap());
        tar::Archive::new(std::fs::File::open(&file).unwrap())
            .unpack(&merged)
            .unwrap();
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(merged.join("manifest.json")).unwrap()).unwrap();
        entries.extend(m.as_array().unwrap().iter().cloned());
    }
    std::fs::write(
        merged.join("manifest.json"),
        serde_json::to_vec(&entries).unwrap(),
    )
    .unwrap();
    let base = format!("docker-archive:{}", merged.display());
    let err = open(&base)
        .unwrap()
        .resolve(&default_platform())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("archive holds 2 images (@0 a:1, @1 b:2)"),
        "{err}"
    );
    for (suffix, i) in [(":a:1", 0), (":b:2", 1), (":@1", 1), (":@0", 0)] {
        let img = open(&format!("{base}{suffix}"))
            .unwrap()
            .resolve(&default_platform())
            .unwrap();
        assert_eq!(
            img.config_digest.as_deref(),
            Some(built[i].config_digest.as_str()),
            "{suffix}"
        );
    }
    let err = open(&format!("{base}:@5"))
        .unwrap()
        .resolve(&default_platform())
        .unwrap_err();
    assert!(err.to_string().contains("no image @5"), "{err}");
}

#[test]
fn docker_media_types_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let built = write_oci_layout_nested(dir.path(), &multi_platform(), "d").unwrap();
    let top = std::fs::read_to_string(dir.path().join("index.json"))
        .unwrap()
        .replace(
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
        );
    std::fs::write(dir.path().join("index.json"), top).unwrap();
    // The nested list's entries as docker schema-2 manifests (content-addressed: rewrite it).
    let nested: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("index.json")).unwrap())
            .unwrap();
    let nested_digest = nested["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let inner = std::fs::read_to_string(blob_file(dir.path(), &nested_digest))
        .unwrap()
        .replace(
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json",
        );
    let new = digest(inner.as_bytes());
    std::fs::write(blob_file(dir.path(), &new), &inner).unwrap();
    let top = std::fs::read_to_string(dir.path().join("index.json"))
        .unwrap()
        .replace(&nested_digest, &new);
    std::fs::write(dir.path().join("index.json"), top).unwrap();
    check_platforms(&format!("oci-dir:{}", dir.path().display()), &built);
}
