//! `sbom scan` end to end: real OCI layouts and docker archives written by the testkit.
mod common;

use common::*;
use predicates::prelude::*;
use sbom_testkit::{Compression, Image, Layer};

#[test]
fn scan_oci_layout_finds_the_final_packages() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = keystone_layout(tmp.path());
    let out = sbom(&tmp.path().join("cache"))
        .arg("scan")
        .arg(format!("oci-dir:{}:v1", layout.display()))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let comps = cdx_components(&doc);
    let want: Vec<(String, String)> = [
        ("PyYAML", "6.0.1"),
        ("base-files", "12.4+deb12u5"),
        ("keystone", "25.0.0"),
        ("libc6", "2.36-9+deb12u4"),
        ("python3-six", "1.16.0-4"),
        ("six", "1.16.0"),
        ("six", "1.16.0"),
        ("zlib1g", "1:1.2.13.dfsg-1"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(
        comps, want,
        "curl purged and requests whited out; six twice (deb-owned and venv)"
    );
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.contains("pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12"),
        "distro qualifiers"
    );
    assert!(text.contains("pkg:pypi/pyyaml@6.0.1"), "PEP 503 purl");
}

#[test]
fn every_output_format_passes_the_official_validators() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = keystone_layout(tmp.path());
    let d = tmp.path().join("out");
    let files = [
        ("cyclonedx-json", "a.cdx.json"),
        ("cyclonedx-json@1.5", "a15.cdx.json"),
        ("cyclonedx-xml", "a.cdx.xml"),
        ("spdx-json", "a.spdx.json"),
        ("spdx-tag-value", "a.spdx"),
    ];
    let mut cmd = sbom(&tmp.path().join("cache"));
    cmd.arg("scan").arg(&layout);
    for (f, name) in files {
        cmd.arg("-o").arg(format!("{f}={}", d.join(name).display()));
    }
    cmd.assert().success();
    let paths: Vec<_> = files.iter().map(|(_, n)| d.join(n)).collect();
    validate(&paths, &[]);
}

#[test]
fn output_is_byte_identical_across_runs_and_cache_states() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = keystone_layout(tmp.path());
    let cache = tmp.path().join("cache");
    let run = |extra: &[&str]| {
        sbom(&cache)
            .arg("scan")
            .arg(&layout)
            .args(extra)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let cold = run(&[]);
    let warm = run(&[]);
    let uncached = run(&["--no-cache"]);
    assert_eq!(cold, warm);
    assert_eq!(cold, uncached);
    let spdx1 = run(&["-o", "spdx-json"]);
    let spdx2 = run(&["-o", "spdx-json"]);
    assert_eq!(spdx1, spdx2);
}

#[test]
fn second_scan_reads_no_layer_from_the_source() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = keystone_layout(tmp.path());
    let cache = tmp.path().join("cache");
    sbom(&cache)
        .args(["scan", "-v", "-o", "table"])
        .arg(&layout)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "(0 from cache: not downloaded, 4 analysed",
        ));
    sbom(&cache)
        .args(["scan", "-v", "-o", "table"])
        .arg(&layout)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "(4 from cache: not downloaded, 0 analysed",
        ));
}

#[test]
fn docker_archive_gives_the_same_packages_as_the_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let img = keystone_like([Compression::None, Compression::None, Compression::None]);
    let tar = tmp.path().join("keystone.tar");
    sbom_testkit::write_docker_archive(&tar, &img, "osism/keystone:v1").unwrap();
    let layout = keystone_layout(tmp.path());
    let scan = |src: String| {
        let out = sbom(&tmp.path().join("cache"))
            .args(["scan", &src])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        cdx_components(&serde_json::from_slice(&out).unwrap())
    };
    assert_eq!(
        scan(format!("docker-archive:{}", tar.display())),
        scan(layout.display().to_string())
    );
}

#[test]
fn corrupt_layer_fails_with_one_line_naming_the_layer_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = keystone_layout(tmp.path());
    // Truncate the first (gzip) layer blob.
    let manifest_idx: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let mdigest = manifest_idx["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_string();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("blobs/sha256").join(&mdigest)).unwrap())
            .unwrap();
    let layer = manifest["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let blob = layout
        .join("blobs/sha256")
        .join(layer.trim_start_matches("sha256:"));
    let bytes = std::fs::read(&blob).unwrap();
    std::fs::write(&blob, &bytes[..bytes.len() / 2]).unwrap();
    let out_file = tmp.path().join("out.cdx.json");
    let assert = sbom(&tmp.path().join("cache"))
        .arg("scan")
        .arg(&layout)
        .arg("-o")
        .arg(format!("cyclonedx-json={}", out_file.display()))
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(&layer), "names the layer digest: {stderr}");
    assert!(
        stderr.contains(&layout.display().to_string()),
        "names the image: {stderr}"
    );
    assert!(!out_file.exists(), "no output file left behind");
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn hostile_entries_warn_and_strict_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let base = Layer::new(Compression::Gzip)
        .file("etc/os-release", OS_RELEASE)
        .file("var/lib/dpkg/status", stanza("bash", "5.2.15-2+b2", ""))
        .raw_file(b"../../etc/evil", "x")
        .raw_file(b"/abs/var/lib/dpkg/status", "Package: evil\n");
    let layout = tmp.path().join("hostile");
    sbom_testkit::write_oci_layout(&layout, &[(Image::new(vec![base]), None)]).unwrap();
    let assert = sbom(&tmp.path().join("cache"))
        .args(["scan", "-o", "table"])
        .arg(&layout)
        .assert()
        .success()
        .stdout(predicate::str::contains("bash"));
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("warning:") && stderr.contains("../../etc/evil"),
        "{stderr}"
    );
    sbom(&tmp.path().join("cache"))
        .args(["scan", "--strict", "-o", "table"])
        .arg(&layout)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("strict"));
}

#[test]
fn usage_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    sbom(tmp.path()).args(["scan"]).assert().code(2);
    sbom(tmp.path()).args(["frobnicate"]).assert().code(2);
}

#[test]
fn unknown_output_format_is_rejected_before_scanning() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = keystone_layout(tmp.path());
    sbom(tmp.path())
        .args(["scan", "-o", "cyclonedx-yaml"])
        .arg(&layout)
        .assert()
        .failure()
        .stderr(predicate::str::contains("cyclonedx-yaml"));
}

/// The bundled demo image (real dpkg and Python metadata from the bench image) gives
/// exactly the packages its README lists, from the OCI layout and the docker archive.
#[test]
fn demo_image_gives_exactly_the_expected_packages() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/demo");
    let want: std::collections::BTreeSet<(String, String, String, String)> =
        std::fs::read_to_string(root.join("expected.tsv"))
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| {
                let c: Vec<&str> = l.split('\t').collect();
                let place = c[3].trim_start_matches('/').to_string();
                let name = if c[0] == "pypi" {
                    sbom_model::purl::pep503_name(c[1])
                } else {
                    c[1].to_string()
                };
                (c[0].to_string(), name, c[2].to_string(), place)
            })
            .collect();
    assert!(want.len() > 20, "{want:?}");
    let tmp = tempfile::tempdir().unwrap();
    for source in [
        format!("oci-dir:{}:demo", root.join("oci").display()),
        format!("docker-archive:{}", root.join("demo-docker.tar").display()),
    ] {
        let out = sbom(&tmp.path().join("cache"))
            .args(["scan", "-o", "json", &source])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let s = sbom_format::read_any(&out).unwrap();
        let got: std::collections::BTreeSet<_> = s
            .packages
            .iter()
            .map(|p| {
                let place = match p.ecosystem {
                    sbom_model::Ecosystem::Pypi => p.site_root.clone().unwrap_or_default(),
                    _ => p.arch.clone().unwrap_or_default(),
                };
                (
                    p.ecosystem.to_string(),
                    p.normalized_name(),
                    p.version.clone(),
                    place,
                )
            })
            .collect();
        assert_eq!(got, want, "{source}");
    }
}

#[test]
fn verify_levels_decide_which_lying_digest_is_an_error() {
    // Layer 1 (gzip) and layer 3 (a plain tar in the docker archive) state a diffID that
    // is not their content's: what `--verify` checks decides whether that is an error.
    let tmp = tempfile::tempdir().unwrap();
    let lie = sbom_testkit::digest(b"not this layer");
    let mut img = keystone_like([Compression::Gzip, Compression::Gzip, Compression::None]);
    img.layers[1].stated_diff_id = Some(lie.clone());
    let layout = tmp.path().join("layout");
    sbom_testkit::write_oci_layout(&layout, &[(img.clone(), Some("v1".into()))]).unwrap();
    let mut plain = keystone_like([Compression::None, Compression::None, Compression::None]);
    plain.layers[2].stated_diff_id = Some(lie.clone());
    let archive = tmp.path().join("keystone.tar");
    sbom_testkit::write_docker_archive(&archive, &plain, "osism/keystone:v1").unwrap();
    let honest = tmp.path().join("honest");
    sbom_testkit::write_oci_layout(
        &honest,
        &[(
            keystone_like([Compression::Gzip, Compression::Gzip, Compression::None]),
            Some("v1".into()),
        )],
    )
    .unwrap();
    let run = |src: &std::path::Path, level: &str| {
        sbom(&tmp.path().join(format!("cache-{level}")))
            .args(["scan", "--verify", level])
            .arg(src)
            .assert()
    };
    let want = {
        let out = run(&honest, "all").success().get_output().stdout.clone();
        cdx_components(&serde_json::from_slice(&out).unwrap())
    };
    let components = |a: assert_cmd::assert::Assert| {
        let out = a.success().get_output().stdout.clone();
        cdx_components(&serde_json::from_slice(&out).unwrap())
    };
    let fails = |a: assert_cmd::assert::Assert| {
        let err = String::from_utf8_lossy(&a.code(1).get_output().stderr).to_string();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains(&format!("diff_id mismatch: config says {lie}")),
            "{err}"
        );
    };
    // The layout: only `all` hashes a compressed layer's tar.
    fails(run(&layout, "all"));
    assert_eq!(components(run(&layout, "blobs")), want);
    assert_eq!(components(run(&layout, "none")), want);
    // A classic docker archive names layers by diffID only: `blobs` checks it too.
    fails(run(&archive, "all"));
    fails(run(&archive, "blobs"));
    assert_eq!(components(run(&archive, "none")), want);
    sbom(&tmp.path().join("c"))
        .args(["scan", "--verify", "some"])
        .arg(&honest)
        .assert()
        .code(2);
}
