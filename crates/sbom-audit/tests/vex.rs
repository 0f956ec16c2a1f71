//! VEX documents of each kind (tests/data/vex, hand-written in the shapes their
//! specifications give) applied to real OSV findings (../shared/osv).
use std::path::PathBuf;

use sbom_audit::vex::VexStatus;
use sbom_audit::{audit, Finding, OsvDatabase, VexSet, VulnReport};
use sbom_model::{Distro, Ecosystem, Package, Sbom};

const DIGEST: &str = "sha256:4f2b8e1c9a7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/vex")
        .join(name)
}

fn image(digest: &str) -> Sbom {
    let mut login = Package::new(Ecosystem::Deb, "login", "1:4.13+dfsg1-1+deb12u1");
    login.source_name = Some("shadow".into());
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
            Package::new(Ecosystem::Pypi, "PyYAML", "5.3"),
        ],
        ..Sbom::default()
    };
    s.subject.name = "osism/keystone".into();
    s.subject.tag = Some("r1".into());
    s.subject.manifest_digest = Some(digest.into());
    s.finalize();
    s
}

fn run(vex: &[&str], digest: &str) -> (VulnReport, Vec<Sbom>) {
    let db = OsvDatabase::load(&[root().join("../shared/osv")]).expect("shared/osv loads");
    let sboms = vec![image(digest)];
    let mut r = audit(&sboms, &db);
    let paths: Vec<PathBuf> = vex.iter().map(|n| data(n)).collect();
    VexSet::load(&paths)
        .expect("VEX loads")
        .apply(&mut r, &sboms);
    (r, sboms)
}

fn finding<'a>(r: &'a VulnReport, id: &str, package: &str) -> &'a Finding {
    r.findings
        .iter()
        .find(|f| f.all_ids().any(|x| x == id) && f.package.name == package)
        .unwrap_or_else(|| panic!("no finding {id} in {package}"))
}

#[test]
fn openvex_bare_purl_alias_and_image_subcomponent() {
    let (r, _) = run(&["openvex.json"], DIGEST);
    // A purl without version matches the installed zlib1g.
    let z = finding(&r, "CVE-2023-45853", "zlib1g");
    let ign = z.ignored.as_ref().expect("suppressed");
    assert_eq!(ign.state, "not_affected");
    assert_eq!(ign.justification.as_deref(), Some("code_not_reachable"));
    assert!(ign
        .source
        .as_deref()
        .is_some_and(|s| s.contains("openvex.json") && s.contains("statements[0]")));
    let v = z.vex.as_ref().expect("vex");
    assert_eq!(
        v.justification.as_deref(),
        Some("vulnerable_code_not_in_execute_path")
    );
    // The statement names the GHSA; the finding's id is the CVE.
    let u = finding(&r, "GHSA-v845-jxx5-vc9f", "urllib3");
    assert_eq!(u.id, "CVE-2023-43804");
    assert!(u.ignored.is_some());
    // Another urllib3 CVE is not named: still active.
    assert!(finding(&r, "CVE-2023-45803", "urllib3").ignored.is_none());
    // PyYAML inside this image: affected, shown as such, still counts.
    let y = finding(&r, "CVE-2020-14343", "PyYAML");
    assert!(y.ignored.is_none());
    assert_eq!(y.vex.as_ref().map(|v| v.status), Some(VexStatus::Affected));
    assert_eq!(
        y.vex.as_ref().and_then(|v| v.statement.as_deref()),
        Some("Upgrade PyYAML to 5.4 or later")
    );
}

#[test]
fn an_image_statement_does_not_apply_to_another_image() {
    let other = "sha256:0000000000000000000000000000000000000000000000000000000000000001";
    let (r, _) = run(&["openvex.json", "csaf.json"], other);
    assert!(finding(&r, "CVE-2020-14343", "PyYAML").vex.is_none());
    // Package-scoped statements still apply.
    assert!(finding(&r, "CVE-2023-45853", "zlib1g").ignored.is_some());
}

#[test]
fn cyclonedx_vex_by_bom_ref_and_bom_link() {
    let (r, _) = run(&["cyclonedx.vex.json"], DIGEST);
    let u = finding(&r, "CVE-2023-45803", "urllib3");
    assert!(u.ignored.is_none(), "in_triage does not suppress");
    assert_eq!(
        u.vex.as_ref().map(|v| v.status),
        Some(VexStatus::UnderInvestigation)
    );
    let l = finding(&r, "CVE-2024-56433", "login");
    let ign = l.ignored.as_ref().expect("resolved suppresses");
    assert_eq!(ign.state, "resolved");
    assert_eq!(l.vex.as_ref().map(|v| v.status), Some(VexStatus::Fixed));
    assert_eq!(ign.reason, "subuid ranges are set explicitly in the image");
}

#[test]
fn csaf_component_in_image_supersedes_an_older_openvex_statement() {
    for order in [["openvex.json", "csaf.json"], ["csaf.json", "openvex.json"]] {
        let (r, _) = run(&order, DIGEST);
        let y = finding(&r, "CVE-2020-14343", "PyYAML");
        let v = y.vex.as_ref().expect("vex");
        assert_eq!(
            v.status,
            VexStatus::NotAffected,
            "{order:?}: the latest (CSAF, 2025-06-01) wins"
        );
        assert!(
            v.source.contains("csaf.json") && v.source.contains("OSISM-VEX-2025-0001"),
            "{}",
            v.source
        );
        assert_eq!(v.superseded.len(), 1, "{order:?}");
        assert!(
            v.superseded[0].starts_with("affected from ")
                && v.superseded[0].contains("openvex.json")
        );
        assert_eq!(
            y.ignored.as_ref().map(|s| s.reason.as_str()),
            Some("keystone loads YAML with yaml.safe_load only")
        );
        assert!(
            r.notes
                .iter()
                .any(|n| n.contains("CVE-2020-14343") && n.contains("statements disagree")),
            "{:?}",
            r.notes
        );
    }
}

#[test]
fn malformed_documents_name_the_file_and_the_field() {
    for (name, field) in [
        ("bad-openvex.json", "statements[0].status"),
        (
            "bad-cyclonedx.vex.json",
            "vulnerabilities[1].analysis.state",
        ),
        (
            "bad-csaf.json",
            "vulnerabilities[0].product_status.known_not_affected[0]",
        ),
    ] {
        let e = VexSet::load(&[data(name)]).expect_err(name).to_string();
        assert!(e.contains(name) && e.contains(field), "{name}: {e}");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("x.json");
    std::fs::write(&p, r#"{"hello": 1}"#).expect("write");
    let e = VexSet::load(&[p]).expect_err("unknown").to_string();
    assert!(e.contains("x.json") && e.contains("OpenVEX"), "{e}");
}

/// What we write as OpenVEX reads back as a VEX document and decides the same.
#[test]
fn our_openvex_output_reads_back_with_the_same_decisions() {
    let (r, sboms) = run(&["openvex.json", "cyclonedx.vex.json", "csaf.json"], DIGEST);
    let report = sbom_audit::report::AuditReport {
        target: "osism/keystone:r1".into(),
        sboms: vec!["osism/keystone:r1".into()],
        vulnerabilities: Some(r.clone()),
        ..Default::default()
    };
    let text = sbom_audit::vex::to_openvex(&report, &sboms, "Release Team", "2025-07-01T00:00:00Z")
        .expect("renders");
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("ours.openvex.json");
    std::fs::write(&p, &text).expect("write");
    let db = OsvDatabase::load(&[root().join("../shared/osv")]).expect("osv");
    let mut again = audit(&sboms, &db);
    VexSet::load(&[p])
        .expect("our OpenVEX loads")
        .apply(&mut again, &sboms);
    let decided = |r: &VulnReport| -> Vec<(String, String, Option<VexStatus>, bool)> {
        r.findings
            .iter()
            .map(|f| {
                (
                    f.id.clone(),
                    f.package.bom_ref.clone(),
                    f.vex.as_ref().map(|v| v.status),
                    f.ignored.is_some(),
                )
            })
            .collect()
    };
    let mut want = decided(&r);
    // Findings without a statement are published as under_investigation.
    for w in &mut want {
        w.2.get_or_insert(VexStatus::UnderInvestigation);
    }
    assert_eq!(decided(&again), want);
}
