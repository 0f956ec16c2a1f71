//! The parts of `sbom audit --format json` (sbom-audit's `AuditReport`) a report shows:
//! vulnerability findings and license-policy results, each naming the SBOMs (by
//! [`sbom_audit::matcher::sbom_label`]) and the package (by bom-ref) it is about.
use std::path::Path;

use sbom_audit::Severity;
use serde::Deserialize;

use crate::ReportError;

/// The package a finding or a license result is about.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct AuditPackage {
    #[serde(default)]
    pub bom_ref: String,
    /// The ecosystem's name (kept as text: an audit from a newer sbom may name one this
    /// build does not know, and that must not make the whole audit unreadable).
    #[serde(default)]
    pub ecosystem: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub site_root: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Rating {
    #[serde(default)]
    pub score: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Suppression {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub expires: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Reference {
    #[serde(default)]
    pub url: String,
}

/// One vulnerability in one package.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Finding {
    pub id: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub package: AuditPackage,
    /// Labels of the SBOMs (images) holding the package.
    #[serde(default)]
    pub sboms: Vec<String>,
    #[serde(default)]
    pub severity: Severity,
    #[serde(default)]
    pub rating: Option<Rating>,
    #[serde(default)]
    pub fixed: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub references: Vec<Reference>,
    #[serde(default)]
    pub ignored: Option<Suppression>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Vulnerabilities {
    #[serde(default)]
    pub findings: Vec<Finding>,
}

/// A package in the license section.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct LicensedPackage {
    #[serde(default)]
    pub bom_ref: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub ecosystem: String,
    #[serde(default)]
    pub licenses: Vec<String>,
    #[serde(default)]
    pub sboms: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Violation {
    pub package: LicensedPackage,
    /// The license ids that broke the policy.
    #[serde(default)]
    pub failing: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Licenses {
    #[serde(default)]
    pub violations: Vec<Violation>,
    #[serde(default)]
    pub unknown: Vec<LicensedPackage>,
}

/// An audit result.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Audit {
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub vulnerabilities: Option<Vulnerabilities>,
    #[serde(default)]
    pub licenses: Option<Licenses>,
}

impl Audit {
    /// Reads `sbom audit --format json` output.
    pub fn load(path: &Path) -> Result<Audit, ReportError> {
        let bytes = fs_err::read(path)?;
        serde_json::from_slice(&bytes).map_err(|e| ReportError::Input {
            path: path.to_path_buf(),
            message: format!("not an `sbom audit --format json` report: {e}"),
        })
    }

    /// Findings (active and ignored) in the SBOM labelled `label`.
    pub fn findings_of<'a>(&'a self, label: &str) -> impl Iterator<Item = &'a Finding> + 'a {
        let label = label.to_string();
        self.vulnerabilities
            .iter()
            .flat_map(|v| v.findings.iter())
            .filter(move |f| f.sboms.contains(&label))
    }

    /// License violations in the SBOM labelled `label`.
    pub fn violations_of<'a>(&'a self, label: &str) -> impl Iterator<Item = &'a Violation> + 'a {
        let label = label.to_string();
        self.licenses
            .iter()
            .flat_map(|l| l.violations.iter())
            .filter(move |v| v.package.sboms.contains(&label))
    }
}

/// Severities from most to least severe (the order of columns and charts).
pub const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Unknown,
];

/// Counts of active findings per severity, in [`SEVERITIES`] order.
pub fn severity_counts<'a>(findings: impl Iterator<Item = &'a Finding>) -> [usize; 5] {
    let mut c = [0; 5];
    for f in findings.filter(|f| f.ignored.is_none()) {
        if let Some(i) = SEVERITIES.iter().position(|s| *s == f.severity) {
            c[i] += 1;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_are_found_by_sbom_label_and_an_unknown_ecosystem_is_kept() {
        let a: Audit = serde_json::from_str(
            r#"{"target": "r2", "vulnerabilities": {"findings": [
                {"id": "CVE-1", "package": {"bom_ref": "x", "ecosystem": "swift",
                 "name": "a", "version": "1"}, "sboms": ["q/a:1", "q/b:1"],
                 "severity": "HIGH", "fixed": "2"},
                {"id": "CVE-2", "package": {"name": "b", "version": "1"}, "sboms": ["q/b:1"],
                 "severity": "LOW", "ignored": {"reason": "not reachable", "state": "not_affected"}}
            ]}, "licenses": {"violations": [{"package": {"name": "c", "sboms": ["q/a:1"]},
                "failing": ["AGPL-3.0-only"]}], "unknown": [], "allowed": 3}}"#,
        )
        .expect("parses");
        let ids =
            |label: &str| -> Vec<String> { a.findings_of(label).map(|f| f.id.clone()).collect() };
        assert_eq!(ids("q/a:1"), ["CVE-1"]);
        assert_eq!(ids("q/b:1"), ["CVE-1", "CVE-2"]);
        assert_eq!(a.violations_of("q/a:1").count(), 1);
        assert_eq!(a.violations_of("q/b:1").count(), 0);
        // Ignored findings are listed but not counted.
        assert_eq!(severity_counts(a.findings_of("q/b:1")), [0, 1, 0, 0, 0]);
    }
}
