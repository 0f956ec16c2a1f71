//! CycloneDX output checked by ../shared/tools/validate-sbom (official 1.6 schema, strict)
//! and SARIF output checked against the official SARIF 2.1.0 JSON schema
//! (scripts/validate-sarif.sh).
use std::path::PathBuf;
use std::process::Command;

use sbom_audit::report::{to_cyclonedx, to_sarif, AuditReport};
use sbom_audit::{audit, IgnoreList, OsvDatabase};
use sbom_model::{Distro, Ecosystem, Package, Sbom};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn report() -> (AuditReport, Vec<Sbom>) {
    let db = OsvDatabase::load(&[root().join("../shared/osv")]).expect("shared/osv loads");
    let mut login = Package::new(Ecosystem::Deb, "login", "1:4.13+dfsg1-1+deb12u2");
    login.source_name = Some("shadow".into());
    login.metadata_path = Some("var/lib/dpkg/status".into());
    let mut zlib = Package::new(Ecosystem::Deb, "zlib1g", "1:1.2.13.dfsg-1");
    zlib.source_name = Some("zlib".into());
    let mut s = Sbom {
        distro: Some(Distro {
            id: "debian".into(),
            version_id: Some("12".into()),
            ..Distro::default()
        }),
        packages: vec![
            login,
            zlib,
            Package::new(Ecosystem::Pypi, "urllib3", "1.26.12"),
            Package::new(Ecosystem::Pypi, "keystone", "25.0.0"),
            Package::new(Ecosystem::Pypi, "PyYAML", "5.3"),
        ],
        ..Sbom::default()
    };
    s.subject.name = "osism/keystone".into();
    s.subject.tag = Some("r1".into());
    s.finalize();
    let mut v = audit(std::slice::from_ref(&s), &db);
    IgnoreList::parse(
        "- id: CVE-2024-56433\n  package: shadow\n  reason: no interactive users in the container\n  expires: 2099-12-31\n  justification: requires_environment\n",
    )
    .expect("ignore list")
    .apply(&mut v, "2026-01-01".parse().expect("date"));
    assert!(v.findings.iter().any(|f| f.ignored.is_some()));
    assert!(v
        .findings
        .iter()
        .any(|f| f.rating.as_ref().is_some_and(|r| r.score.is_some())));
    (
        AuditReport {
            target: "osism/keystone:r1".into(),
            sboms: vec!["osism/keystone:r1".into()],
            vulnerabilities: Some(v),
            ..AuditReport::default()
        },
        vec![s],
    )
}

#[test]
fn cyclonedx_with_vulnerabilities_validates() {
    let (r, sboms) = report();
    let text = to_cyclonedx(&r, &sboms).expect("renders");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    let vulns = doc["vulnerabilities"].as_array().expect("vulnerabilities");
    assert!(!vulns.is_empty());
    let ignored = vulns
        .iter()
        .find(|v| v["id"] == "CVE-2024-56433")
        .expect("ignored finding present");
    assert_eq!(ignored["analysis"]["state"], "not_affected");
    assert_eq!(ignored["analysis"]["justification"], "requires_environment");
    // Every affects ref names a component.
    let refs: Vec<&str> = doc["components"]
        .as_array()
        .expect("components")
        .iter()
        .filter_map(|c| c["bom-ref"].as_str())
        .collect();
    for v in vulns {
        let r = v["affects"][0]["ref"].as_str().expect("ref");
        assert!(refs.contains(&r), "{r}");
    }
    assert_eq!(
        text,
        to_cyclonedx(&r, &sboms).expect("renders"),
        "deterministic"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.cdx.json");
    fs_err::write(&path, &text).expect("write");
    let out = Command::new(root().join("../shared/tools/validate-sbom"))
        .arg(&path)
        .output()
        .expect("validate-sbom runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let (r, _) = report();
    let text = to_sarif(&r).expect("renders");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    let results = doc["runs"][0]["results"].as_array().expect("results");
    assert!(results
        .iter()
        .any(|x| x["suppressions"][0]["status"] == "accepted"));
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    for x in results {
        let i = x["ruleIndex"].as_u64().expect("index") as usize;
        assert_eq!(rules[i]["id"], x["ruleId"]);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.sarif");
    fs_err::write(&path, &text).expect("write");
    let out = Command::new(root().join("scripts/validate-sarif.sh"))
        .arg(&path)
        .output()
        .expect("validate-sarif.sh runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
