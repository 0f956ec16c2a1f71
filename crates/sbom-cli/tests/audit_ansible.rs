//! `sbom audit`, `sbom ansible` and `scan --declared` from the command line.
mod common;

use std::path::PathBuf;

use common::*;
use predicates::prelude::*;

fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(p)
}

fn osv() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/osv")
}

#[test]
fn audit_of_an_image_finds_osv_records_and_gates_ci() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = repo("testdata/demo/oci");
    let a = sbom(&tmp.path().join("cache"))
        .arg("audit")
        .arg(&demo)
        .arg("--osv")
        .arg(osv())
        .assert()
        .success();
    let out = String::from_utf8_lossy(&a.get_output().stdout).to_string();
    assert!(
        out.contains("CVE-2023-45853") && out.contains("1:1.3.dfsg-2"),
        "zlib via its source package: {out}"
    );
    assert!(out.contains("PYSEC-2012-19"), "keystone: {out}");
    sbom(&tmp.path().join("cache"))
        .arg("audit")
        .arg(&demo)
        .arg("--osv")
        .arg(osv())
        .args(["--fail-on", "low"])
        .assert()
        .code(1);
    let cdx = tmp.path().join("vex.cdx.json");
    sbom(&tmp.path().join("cache"))
        .arg("audit")
        .arg(&demo)
        .arg("--osv")
        .arg(osv())
        .args(["--format", "cyclonedx", "--output"])
        .arg(&cdx)
        .assert()
        .success();
    validate(&[cdx], &[]);
    // An error (missing OSV folder) is exit 2, not 1.
    sbom(&tmp.path().join("cache"))
        .arg("audit")
        .arg(&demo)
        .args(["--osv", "/nonexistent/osv"])
        .assert()
        .code(2);
}

#[test]
fn ansible_sbom_and_declared_merge_validate() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("hosts.cdx.json");
    let spdx = tmp.path().join("hosts.spdx.json");
    sbom(tmp.path())
        .arg("ansible")
        .arg(repo("testdata/ansible/collection"))
        .arg("-o")
        .arg(format!("cyclonedx-json={}", out.display()))
        .arg("-o")
        .arg(format!("spdx-json={}", spdx.display()))
        .assert()
        .success()
        .stderr(predicate::str::contains("unresolved"));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let comps = doc["components"].as_array().unwrap();
    assert!(
        comps
            .iter()
            .any(|c| c["name"] == "quay.io/osism/cgit" && c["version"] == "1.2.3"),
        "{doc:#}"
    );
    assert!(comps.iter().all(|c| c["properties"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "sbom:declared")));

    let layout = keystone_layout(tmp.path());
    let merged = tmp.path().join("merged.cdx.json");
    sbom(&tmp.path().join("cache"))
        .arg("scan")
        .arg(&layout)
        .arg("--declared")
        .arg(repo("testdata/declared/example.yml"))
        .arg("-o")
        .arg(format!("cyclonedx-json={}", merged.display()))
        .assert()
        .success();
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&merged).unwrap()).unwrap();
    let comps = doc["components"].as_array().unwrap();
    let declared = comps
        .iter()
        .filter(|c| {
            c["properties"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "sbom:declared")
        })
        .count();
    assert!(declared > 0, "declared components merged");
    assert!(
        comps.iter().any(|c| c["name"] == "keystone"),
        "observed ones kept"
    );
    validate(&[out, spdx, merged], &[]);

    sbom(tmp.path())
        .args(["ansible", "--list-images"])
        .arg(repo("testdata/ansible/collection"))
        .assert()
        .success()
        .stdout(predicate::str::contains("quay.io/osism/cgit:1.2.3"));
}
