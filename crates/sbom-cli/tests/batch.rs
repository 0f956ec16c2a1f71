//! Batch scans against a real `docker-registry`: images sharing base layers, one missing,
//! one with a corrupt layer. Shared layers are analysed once (the tool's own counters).
mod common;

use common::*;
use sbom_testkit::registry::Registry;
use sbom_testkit::{Compression, Image, Layer};

fn base() -> Layer {
    Layer::new(Compression::Gzip)
        .file("etc/os-release", OS_RELEASE)
        .file(
            "var/lib/dpkg/status",
            format!(
                "{}{}",
                stanza("base-files", "12.4", ""),
                stanza("libc6", "2.36-9", "")
            ),
        )
}

fn venv() -> Layer {
    Layer::new(Compression::Zstd).file(
        &format!("{VENV}/oslo.config-9.4.0.dist-info/METADATA"),
        metadata("oslo.config", "9.4.0", "Apache-2.0"),
    )
}

fn service(name: &str, version: &str) -> Layer {
    Layer::new(Compression::Gzip).file(
        &format!("{VENV}/{name}-{version}.dist-info/METADATA"),
        metadata(name, version, "Apache-2.0"),
    )
}

fn push(
    reg: &Registry,
    dir: &std::path::Path,
    name: &str,
    layers: Vec<Layer>,
) -> sbom_testkit::BuiltImage {
    let layout = dir.join(name);
    let built = sbom_testkit::write_oci_layout(&layout, &[(Image::new(layers), Some("r1".into()))])
        .unwrap();
    reg.push(&layout, "r1", &format!("kolla/{name}:r1"), false);
    built.into_iter().next().unwrap()
}

#[test]
fn batch_shares_layers_records_failures_and_is_incremental() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    push(
        &reg,
        tmp.path(),
        "keystone",
        vec![base(), venv(), service("keystone", "25.0.0")],
    );
    push(
        &reg,
        tmp.path(),
        "nova-api",
        vec![base(), venv(), service("nova", "30.0.1")],
    );
    push(
        &reg,
        tmp.path(),
        "glance-api",
        vec![base(), venv(), service("glance", "29.0.1")],
    );
    let broken = push(
        &reg,
        tmp.path(),
        "cinder-api",
        vec![base(), service("cinder", "25.1.1")],
    );
    // Corrupt the cinder layer in the registry's storage: served bytes no longer match.
    let top = &broken.blobs[1].digest;
    let hexd = top.trim_start_matches("sha256:");
    let data = reg.dir.path().join(format!(
        "data/docker/registry/v2/blobs/sha256/{}/{hexd}/data",
        &hexd[..2]
    ));
    let mut bytes = std::fs::read(&data).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&data, bytes).unwrap();

    let h = reg.host();
    let list = tmp.path().join("images.txt");
    std::fs::write(
        &list,
        format!("# release r1\n{h}/kolla/keystone:r1\n{h}/kolla/nova-api:r1\n{h}/kolla/glance-api:r1\n{h}/kolla/cinder-api:r1\n{h}/kolla/missing:r1\n"),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let cache = tmp.path().join("cache");
    let run = |extra: &[&str]| {
        let a = sbom(&cache)
            .args(["scan", "--images"])
            .arg(&list)
            .arg("--output-dir")
            .arg(&out)
            .args(["-o", "cyclonedx-json", "-o", "spdx-json", "--jobs", "2"])
            .args(extra)
            .assert()
            .code(1);
        let stderr = String::from_utf8_lossy(&a.get_output().stderr).to_string();
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("index.json")).unwrap()).unwrap();
        (index, stderr)
    };

    let (index, stderr) = run(&[]);
    let images = index["images"].as_array().unwrap();
    assert_eq!(images.len(), 5, "{index:#}");
    let status = |name: &str| -> (String, serde_json::Value) {
        let e = images
            .iter()
            .find(|e| e["reference"].as_str().unwrap().contains(name))
            .unwrap();
        (e["status"].as_str().unwrap().to_string(), e.clone())
    };
    assert_eq!(status("keystone").0, "ok");
    assert_eq!(status("nova-api").0, "ok");
    assert_eq!(status("glance-api").0, "ok");
    let (s, e) = status("missing");
    assert_eq!(s, "failed");
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("manifest unknown: missing:r1"),
        "{e}"
    );
    let (s, e) = status("cinder-api");
    assert_eq!(s, "failed");
    assert!(
        e["error"].as_str().unwrap().contains(top.as_str()),
        "names the corrupt layer: {e}"
    );
    let (_, k) = status("keystone");
    // Layers from the registry's manifest and config: digest, blob size, build step.
    let details = k["layer_details"].as_array().unwrap();
    assert_eq!(details.len(), 3, "{k}");
    for d in details {
        assert!(d["size"].as_u64().unwrap() > 0, "{d}");
        assert_eq!(d["created_by"], "sbom-testkit", "{d}");
    }
    assert_eq!(k["counts"]["deb"], 2);
    assert_eq!(k["counts"]["pypi"], 2);
    let outputs: Vec<String> = k["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        outputs,
        [
            format!("{h}/kolla/keystone/r1.cdx.json").replace(':', "_"),
            format!("{h}/kolla/keystone/r1.spdx.json").replace(':', "_")
        ]
    );
    for o in &outputs {
        assert!(out.join(o).exists(), "{o}");
    }
    // Distinct layers: base, venv, keystone, nova, glance, cinder = 6; each analysed at
    // most once. The corrupt cinder layer fails, so 5 were analysed, and every other
    // occurrence of base/venv came from the cache.
    let stats = &index["stats"];
    assert_eq!(stats["unique_layers"], 6, "{stats}");
    assert_eq!(stats["layers_analysed"], 5, "{stats}");
    assert_eq!(stats["layers_total"], 11, "{stats}");
    assert!(
        stderr.contains("ok ") && stderr.contains("FAILED "),
        "one plain line per image: {stderr}"
    );
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(
        summary.contains("| image | status |") && summary.contains("kolla/keystone:r1"),
        "{summary}"
    );
    assert!(summary.contains("**2 failed**"), "{summary}");

    let mut files = vec![];
    for o in images
        .iter()
        .flat_map(|e| e["outputs"].as_array().unwrap().clone())
    {
        files.push(out.join(o.as_str().unwrap()));
    }
    validate(&files, &[]);

    // Again: the three good images are unchanged (same manifest digest) and not scanned;
    // the failed ones are tried again (and fail again: a failed layer never counts as
    // analysed and never reaches the cache).
    let (index, _) = run(&[]);
    assert_eq!(index["stats"]["unchanged"], 3, "{index:#}");
    assert_eq!(index["stats"]["failed"], 2, "{index:#}");
    assert_eq!(index["stats"]["unique_layers"], 6, "{index:#}");
    assert_eq!(index["stats"]["layers_analysed"], 0, "{index:#}");
    assert_eq!(
        index["stats"]["layers_cached"], 1,
        "cinder's base layer: {index:#}"
    );

    // --force: rescanned, every good layer from the cache.
    let (index, _) = run(&["--force"]);
    assert_eq!(index["stats"]["succeeded"], 3);
    assert_eq!(index["stats"]["layers_analysed"], 0, "{index:#}");
    assert_eq!(index["stats"]["layers_cached"], 10, "{index:#}");
}

#[test]
fn shard_and_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = keystone_layout(tmp.path());
    // Several images without --output-dir: usage error.
    sbom(tmp.path())
        .args(["scan"])
        .arg(&layout)
        .arg(&layout)
        .assert()
        .code(2);
    sbom(tmp.path())
        .args(["scan", "--shard", "3/2", "x"])
        .assert()
        .code(2);
    // Local sources in a batch go under local/NAME/TAG.
    let out = tmp.path().join("out");
    sbom(&tmp.path().join("cache"))
        .args(["scan", "--quiet", "--output-dir"])
        .arg(&out)
        .arg(format!("oci-dir:{}:v1", layout.display()))
        .assert()
        .success();
    assert!(out.join("local/layout/v1.cdx.json").exists());
}

#[test]
fn release_folders_diff_by_repository_with_added_and_removed_images() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let h = reg.host();
    let release = |tag: &str, images: Vec<(&str, Vec<Layer>)>| {
        let mut list = String::new();
        for (name, layers) in images {
            let layout = tmp.path().join(format!("{name}-{tag}"));
            sbom_testkit::write_oci_layout(&layout, &[(Image::new(layers), Some(tag.into()))])
                .unwrap();
            reg.push(&layout, tag, &format!("kolla/{name}:{tag}"), false);
            list.push_str(&format!("{h}/kolla/{name}:{tag}\n"));
        }
        let file = tmp.path().join(format!("{tag}.txt"));
        std::fs::write(&file, list).unwrap();
        let out = tmp.path().join(format!("out-{tag}"));
        sbom(&tmp.path().join("cache"))
            .args(["scan", "--quiet", "--images"])
            .arg(&file)
            .arg("--output-dir")
            .arg(&out)
            .assert()
            .success();
        out
    };
    let r1 = release(
        "r1",
        vec![
            (
                "keystone",
                vec![base(), venv(), service("keystone", "25.0.0")],
            ),
            (
                "horizon",
                vec![base(), venv(), service("horizon", "24.0.0")],
            ),
        ],
    );
    let r2 = release(
        "r2",
        vec![
            (
                "keystone",
                vec![base(), venv(), service("keystone", "26.0.1")],
            ),
            ("skyline", vec![base(), venv(), service("skyline", "5.0.1")]),
        ],
    );
    let md = sbom(&tmp.path().join("cache"))
        .args(["diff", "--format", "markdown"])
        .arg(&r1)
        .arg(&r2)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let md = String::from_utf8_lossy(&md);
    assert!(
        md.contains("keystone") && md.contains("25.0.0") && md.contains("26.0.1"),
        "{md}"
    );
    assert!(
        md.contains("skyline") && md.contains("horizon"),
        "images added and removed: {md}"
    );
    let json = sbom(&tmp.path().join("cache"))
        .args(["diff", "--format", "json"])
        .arg(&r1)
        .arg(&r2)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let added: Vec<_> = v["images_added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_string())
        .collect();
    let removed: Vec<_> = v["images_removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(added, [format!("{h}/kolla/skyline")]);
    assert_eq!(removed, [format!("{h}/kolla/horizon")]);
    sbom(&tmp.path().join("cache"))
        .args(["diff", "--fail-on", "removed"])
        .arg(&r1)
        .arg(&r2)
        .assert()
        .code(1);
}

#[test]
fn sboms_made_with_fewer_checks_than_asked_for_are_not_kept_as_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = keystone_layout(tmp.path());
    let out = tmp.path().join("out");
    let run = |verify: &str| {
        sbom(&tmp.path().join("cache"))
            .args(["scan", "--quiet", "--verify", verify, "--output-dir"])
            .arg(&out)
            .arg(format!("oci-dir:{}:v1", layout.display()))
            .assert()
            .success();
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("index.json")).unwrap()).unwrap();
        let image = &index["images"][0];
        (
            image["status"].as_str().unwrap().to_string(),
            image["verified"].as_str().unwrap_or_default().to_string(),
        )
    };
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(run("none"), s("ok", "none"));
    assert_eq!(run("none"), s("unchanged", "none"));
    // Asked for more checks than the SBOMs on disk had: scanned again.
    assert_eq!(run("blobs"), s("ok", "blobs"));
    assert_eq!(run("all"), s("ok", "all"));
    // SBOMs made with more checks than asked for stand.
    assert_eq!(run("none"), s("unchanged", "all"));
    assert_eq!(run("all"), s("unchanged", "all"));
}

#[test]
fn regression_two_layouts_of_the_same_name_and_tag_do_not_overwrite_each_other() {
    let tmp = tempfile::tempdir().unwrap();
    let mut refs = Vec::new();
    for (release, pkg) in [("r1", "keystone"), ("r2", "nova")] {
        let layout = tmp.path().join(release).join("oci");
        let image = Image::new(vec![base(), service(pkg, "1.0.0")]);
        sbom_testkit::write_oci_layout(&layout, &[(image, Some("bench".into()))]).unwrap();
        refs.push(format!("oci-dir:{}:bench", layout.display()));
    }
    let out = tmp.path().join("out");
    sbom(&tmp.path().join("cache"))
        .args(["scan", &refs[0], &refs[1], "-q", "--output-dir"])
        .arg(&out)
        .assert()
        .success();
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("index.json")).unwrap()).unwrap();
    let outputs: Vec<String> = index["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outputs"][0].as_str().unwrap().to_string())
        .collect();
    assert_eq!(outputs.len(), 2);
    assert_ne!(outputs[0], outputs[1], "one SBOM file per image");
    let mut found = Vec::new();
    for o in &outputs {
        let s = sbom_format::read_any(&std::fs::read(out.join(o)).unwrap()).unwrap();
        found.extend(
            s.packages
                .iter()
                .filter(|p| p.ecosystem == sbom_model::Ecosystem::Pypi)
                .map(|p| p.name.clone()),
        );
    }
    found.sort();
    assert_eq!(found, ["keystone", "nova"]);
}
