//! `sbom scan` from a real `docker-registry` on 127.0.0.1.
mod common;

use common::*;
use predicates::prelude::*;
use sbom_testkit::registry::Registry;

#[test]
fn registry_scan_equals_layout_scan_and_second_scan_downloads_nothing() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let layout = keystone_layout(tmp.path());
    reg.push(&layout, "v1", "osism/keystone:bench", false);
    let cache = tmp.path().join("cache");
    let reference = format!("{}/osism/keystone:bench", reg.host());

    let from_registry = sbom(&cache)
        .args(["scan", "-v", &reference])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "(0 from cache: not downloaded, 4 analysed",
        ))
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&from_registry).unwrap();
    let from_layout = sbom(&tmp.path().join("other-cache"))
        .arg("scan")
        .arg(&layout)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        cdx_components(&doc),
        cdx_components(&serde_json::from_slice(&from_layout).unwrap())
    );
    let purl = doc["metadata"]["component"]["purl"]
        .as_str()
        .unwrap_or_default();
    assert!(
        purl.starts_with("pkg:oci/keystone@sha256:") && purl.contains("repository_url="),
        "image purl: {purl}"
    );

    sbom(&cache)
        .args(["scan", "-v", "-o", "table", &reference])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "(4 from cache: not downloaded, 0 analysed: 0 bytes read)",
        ));
}

#[test]
fn registry_errors_are_one_line_and_leave_no_file() {
    let reg = Registry::start(Some(("alice", "pw")));
    let tmp = tempfile::tempdir().unwrap();
    let layout = keystone_layout(tmp.path());
    reg.push(&layout, "v1", "osism/keystone:yoga", false);
    let out = tmp.path().join("x.cdx.json");
    let a = sbom(&tmp.path().join("cache"))
        .env("DOCKER_CONFIG", tmp.path().join("no-docker-config"))
        .args(["scan", &format!("{}/osism/keystone:yoga", reg.host())])
        .arg("-o")
        .arg(format!("cyclonedx-json={}", out.display()))
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("401 unauthorized for") && err.contains("docker login or pass --username"),
        "{err}"
    );
    assert!(!out.exists());

    // Right password through --password-stdin; the password never appears in output.
    let a = sbom(&tmp.path().join("cache"))
        .args([
            "scan",
            "-v",
            "--username",
            "alice",
            "--password-stdin",
            "-o",
            "table",
        ])
        .arg(format!("{}/osism/keystone:yoga", reg.host()))
        .write_stdin("pw\n")
        .assert()
        .success();
    assert!(!String::from_utf8_lossy(&a.get_output().stderr).contains("pw\n"));

    sbom(&tmp.path().join("cache"))
        .args(["scan", "--username", "alice", "--password-stdin"])
        .arg(format!("{}/osism/keystone:yogaa", reg.host()))
        .write_stdin("pw\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("manifest unknown: keystone:yogaa"));
}

#[test]
fn regression_one_image_from_a_registry_downloads_all_its_layers_at_once() {
    // Downloads were capped at the core count (-j default): on two cores the image's
    // last big layer was fetched and inflated alone after the others, one core idle
    // (registry-cold on the bench image 1.27 s; all layers in flight 1.0 s). The proxy
    // holds every layer response until all four requests are in flight at once.
    use sbom_testkit::registry::{Fault, FaultProxy};
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let layout = keystone_layout(tmp.path());
    reg.push(&layout, "v1", "osism/keystone:v1", false);
    let raw = std::process::Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{}/osism/keystone:v1", reg.host()))
        .output()
        .unwrap();
    assert!(
        raw.status.success(),
        "{}",
        String::from_utf8_lossy(&raw.stderr)
    );
    let manifest: serde_json::Value = serde_json::from_slice(&raw.stdout).unwrap();
    let layers: Vec<String> = manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["digest"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(layers.len(), 4);
    let proxy = FaultProxy::start(reg.port, &layers.join(" "), Fault::HoldUntil(layers.len()));
    let started = std::time::Instant::now();
    sbom(&tmp.path().join("cache"))
        .args(["scan", "-o", "table"])
        .arg(format!("127.0.0.1:{}/osism/keystone:v1", proxy.port))
        .assert()
        .success();
    assert_eq!(
        proxy.faults_done.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the four layer downloads were never in flight together ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
}
