//! OSV records and VEX documents, through matching and every report format.
use std::collections::BTreeSet;
use std::path::Path;

use sbom_audit::osv::{Family, OsvEcosystem, OsvRecord};
use sbom_audit::report::{self, AuditReport};
use sbom_audit::{audit, OsvDatabase, VexSet, VulnReport};
use sbom_model::{Distro, Package, Sbom};

/// The os-release `ID` of an image whose packages a family's records are about.
fn distro_id(f: Family) -> &'static str {
    match f {
        Family::Debian => "debian",
        Family::Ubuntu => "ubuntu",
        Family::Alpine => "alpine",
        Family::RockyLinux => "rocky",
        Family::AlmaLinux => "almalinux",
        Family::RedHat => "rhel",
        Family::Suse => "sles",
        Family::OpenSuse => "opensuse-leap",
        _ => "",
    }
}

/// One SBOM per affected entry, holding its package at every version the record
/// names (and one below and above them all), in an image of the entry's release.
fn sboms_for(record: &OsvRecord) -> Vec<Sbom> {
    let mut out = Vec::new();
    for (n, a) in record.affected.iter().enumerate().take(16) {
        let Some(pkg) = &a.package else { continue };
        let Some(eco) = OsvEcosystem::parse(&pkg.ecosystem) else {
            continue;
        };
        let mut versions: BTreeSet<&str> = a.versions.iter().map(String::as_str).collect();
        for e in a.ranges.iter().flat_map(|r| &r.events) {
            versions.extend(
                [&e.introduced, &e.fixed, &e.last_affected, &e.limit]
                    .into_iter()
                    .flatten()
                    .map(String::as_str),
            );
        }
        versions.extend(["0", "0.0.1", "99999"]);
        let id = distro_id(eco.family);
        let mut sbom = Sbom {
            distro: (!id.is_empty()).then(|| Distro {
                id: id.to_string(),
                version_id: eco.release.clone(),
                ..Distro::default()
            }),
            ..Sbom::default()
        };
        sbom.subject.name = format!("image{n}");
        for v in versions.into_iter().take(64) {
            let mut p = Package::new(eco.family.ecosystem(), &pkg.name, v.to_string());
            p.source_name = Some(pkg.name.clone());
            sbom.packages.push(p);
        }
        sbom.finalize();
        out.push(sbom);
    }
    out
}

/// Every report format over the findings.
fn render(vulns: VulnReport, sboms: &[Sbom]) {
    let r = AuditReport {
        target: "fuzz".into(),
        sboms: sboms.iter().map(|s| s.subject.name.clone()).collect(),
        osv: None,
        vulnerabilities: Some(vulns),
        licenses: None,
        proxy: None,
        quality: Vec::new(),
    };
    let _ = report::to_table(&r);
    let _ = report::to_json(&r);
    let _ = report::to_cyclonedx(&r, sboms);
    let _ = report::to_sarif(&r);
    let _ = sbom_audit::vex::to_openvex(&r, sboms, "fuzz", "2024-01-01T00:00:00Z");
}

/// One OSV record: loaded, matched against packages at the versions it names, and
/// the findings rendered.
pub fn osv(data: &[u8]) {
    let Ok(record) = serde_json::from_slice::<OsvRecord>(data) else {
        return;
    };
    let sboms = sboms_for(&record);
    let db = OsvDatabase::from_records(vec![record]);
    let vulns = audit(&sboms, &db);
    render(vulns, &sboms);
}

/// A VEX document (OpenVEX, CycloneDX VEX, CSAF): read, then applied to findings made
/// from its own statements (each id in the package each product purl names), and the
/// result rendered.
pub fn vex(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(set) = VexSet::parse(text, Path::new("fuzz.vex.json"), 0) else {
        return;
    };
    let mut sbom = Sbom::default();
    sbom.subject.name = "fuzz".into();
    let mut records = Vec::new();
    for s in set.statements.iter().take(32) {
        for product in s.products.iter().take(8) {
            let purl = match product {
                sbom_audit::vex::Product::Package(p) => p,
                sbom_audit::vex::Product::InImage { package, .. } => package,
                sbom_audit::vex::Product::Image(_) => continue,
            };
            let Some(parts) = sbom_model::purl::parse(purl) else {
                continue;
            };
            let eco = sbom_model::purl::ecosystem_of_type(&parts.ty);
            let version = parts.version.clone().unwrap_or_else(|| "1".into());
            let mut p = Package::new(eco, parts.package_name(), version.clone());
            p.purl = Some(purl.clone());
            sbom.packages.push(p);
            records.push(record_for(
                s.ids.first(),
                &parts.package_name(),
                eco,
                &version,
            ));
        }
    }
    sbom.finalize();
    let sboms = [sbom];
    let db = OsvDatabase::from_records(records.into_iter().flatten().collect());
    let mut vulns = audit(&sboms, &db);
    set.apply(&mut vulns, &sboms);
    render(vulns, &sboms);
}

/// An OSV record saying `id` affects `name` at `version` (for an ecosystem OSV knows).
fn record_for(
    id: Option<&String>,
    name: &str,
    eco: sbom_model::Ecosystem,
    version: &str,
) -> Option<OsvRecord> {
    let osv_eco = match eco {
        sbom_model::Ecosystem::Pypi => "PyPI",
        sbom_model::Ecosystem::Npm => "npm",
        sbom_model::Ecosystem::Golang => "Go",
        sbom_model::Ecosystem::Cargo => "crates.io",
        sbom_model::Ecosystem::Maven => "Maven",
        sbom_model::Ecosystem::Gem => "RubyGems",
        sbom_model::Ecosystem::Composer => "Packagist",
        _ => return None,
    };
    let json = serde_json::json!({
        "id": id?,
        "affected": [{"package": {"ecosystem": osv_eco, "name": name}, "versions": [version]}],
    });
    serde_json::from_value(json).ok()
}
