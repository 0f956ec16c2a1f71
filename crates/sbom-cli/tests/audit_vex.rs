//! `sbom audit --vex` and the new output formats from the command line, on the demo
//! image and ../shared/osv; documents checked by validate-sbom.
mod common;

use std::path::{Path, PathBuf};

use common::*;

fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(p)
}

fn osv() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/osv")
}

const OPENVEX: &str = r#"{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.org/vex/demo-1",
  "author": "Release Team",
  "timestamp": "2025-01-10T09:00:00Z",
  "version": 1,
  "statements": [
    {
      "vulnerability": {"name": "CVE-2023-45853"},
      "products": [{"@id": "pkg:deb/debian/zlib1g"}],
      "status": "not_affected",
      "justification": "vulnerable_code_not_in_execute_path",
      "impact_statement": "minizip is not part of zlib1g"
    },
    {
      "vulnerability": {"name": "PYSEC-2012-19"},
      "products": [{"@id": "pkg:pypi/keystone"}],
      "status": "under_investigation"
    }
  ]
}"#;

fn audit(tmp: &Path, vex: &Path, format: &str) -> String {
    let out = tmp.join(format!("audit.{format}"));
    sbom(&tmp.join("cache"))
        .arg("audit")
        .arg(repo("testdata/demo/oci"))
        .arg("--osv")
        .arg(osv())
        .arg("--vex")
        .arg(vex)
        .args(["--format", format, "--output"])
        .arg(&out)
        .assert()
        .success();
    std::fs::read_to_string(&out).expect("output")
}

#[test]
fn vex_decisions_reach_every_audit_format() {
    let tmp = tempfile::tempdir().unwrap();
    let vex = tmp.path().join("demo.openvex.json");
    std::fs::write(&vex, OPENVEX).unwrap();

    let table = audit(tmp.path(), &vex, "table");
    assert!(table.contains("(1 ignored)"), "{table}");
    assert!(
        table.contains("not_affected") && table.contains("minizip is not part of zlib1g"),
        "{table}"
    );
    assert!(
        table.contains("VEX status of active findings") && table.contains("under_investigation"),
        "{table}"
    );

    let json: serde_json::Value = serde_json::from_str(&audit(tmp.path(), &vex, "json")).unwrap();
    let findings = json["vulnerabilities"]["findings"].as_array().unwrap();
    let zlib = findings
        .iter()
        .find(|f| f["id"] == "CVE-2023-45853")
        .expect("kept in JSON");
    assert_eq!(zlib["ignored"]["state"], "not_affected");
    assert_eq!(
        zlib["vex"]["justification"],
        "vulnerable_code_not_in_execute_path"
    );

    let sarif: serde_json::Value = serde_json::from_str(&audit(tmp.path(), &vex, "sarif")).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let z = results
        .iter()
        .find(|r| r["ruleId"] == "CVE-2023-45853")
        .expect("kept in SARIF");
    assert!(z["suppressions"][0]["justification"]
        .as_str()
        .unwrap()
        .contains("demo.openvex.json"));

    let cdx = tmp.path().join("audit.cyclonedx");
    let doc: serde_json::Value =
        serde_json::from_str(&audit(tmp.path(), &vex, "cyclonedx")).unwrap();
    let v = doc["vulnerabilities"].as_array().unwrap();
    let z = v
        .iter()
        .find(|x| x["id"] == "CVE-2023-45853")
        .expect("kept in CycloneDX");
    assert_eq!(z["analysis"]["justification"], "code_not_reachable");
    let k = v
        .iter()
        .find(|x| x["id"] == "CVE-2012-3542")
        .expect("keystone");
    assert_eq!(k["analysis"]["state"], "in_triage");

    let ov: serde_json::Value = serde_json::from_str(&audit(tmp.path(), &vex, "openvex")).unwrap();
    assert_eq!(ov["@context"], "https://openvex.dev/ns/v0.2.0");
    assert_eq!(ov["timestamp"], "2023-11-14T22:13:20Z", "SOURCE_DATE_EPOCH");
    let st = ov["statements"].as_array().unwrap();
    let z = st
        .iter()
        .find(|s| s["vulnerability"]["name"] == "CVE-2023-45853")
        .unwrap();
    assert_eq!(z["status"], "not_affected");
    assert_eq!(z["impact_statement"], "minizip is not part of zlib1g");

    let spdx3 = tmp.path().join("audit.spdx3-json");
    let text = audit(tmp.path(), &vex, "spdx3-json");
    assert!(
        text.contains("security_VexNotAffectedVulnAssessmentRelationship"),
        "{text}"
    );
    assert!(text.contains("security_VexUnderInvestigationVulnAssessmentRelationship"));
    assert!(text.contains("\"hasAssociatedVulnerability\""));
    validate(&[cdx, spdx3], &[]);
}

#[test]
fn a_malformed_vex_document_is_exit_2_naming_file_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("broken.openvex.json");
    std::fs::write(
        &bad,
        OPENVEX.replace("\"under_investigation\"", "\"investigating\""),
    )
    .unwrap();
    let a = sbom(&tmp.path().join("cache"))
        .arg("audit")
        .arg(repo("testdata/demo/oci"))
        .arg("--osv")
        .arg(osv())
        .arg("--vex")
        .arg(&bad)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(
        err.contains("broken.openvex.json")
            && err.contains("statements[1].status")
            && err.contains("investigating"),
        "{err}"
    );
}

#[test]
fn scan_writes_cyclonedx_1_7_and_spdx3_that_validate_and_read_back() {
    let tmp = tempfile::tempdir().unwrap();
    let (j, x, s) = (
        tmp.path().join("d.cdx.json"),
        tmp.path().join("d.cdx.xml"),
        tmp.path().join("d.spdx3.json"),
    );
    sbom(&tmp.path().join("cache"))
        .arg("scan")
        .arg(repo("testdata/demo/oci"))
        .arg("-o")
        .arg(format!("cyclonedx-json@1.7={}", j.display()))
        .arg("-o")
        .arg(format!("cyclonedx-xml@1.7={}", x.display()))
        .arg("-o")
        .arg(format!("spdx3-json={}", s.display()))
        .assert()
        .success();
    assert!(std::fs::read_to_string(&j)
        .unwrap()
        .contains("\"specVersion\": \"1.7\""));
    validate(&[j.clone(), x, s.clone()], &[]);
    // diff reads SPDX 3 and CycloneDX 1.7: the same packages.
    let a = sbom(&tmp.path().join("cache"))
        .arg("diff")
        .arg(&s)
        .arg(&j)
        .assert()
        .success();
    let out = String::from_utf8_lossy(&a.get_output().stdout).to_string();
    assert!(out.contains("no changes"), "{out}");
}
