//! Accepted findings: `--ignore FILE` (YAML or JSON).
//!
//! ```yaml
//! - id: CVE-2024-56433          # the finding's id or any alias
//!   package: login              # optional: name, matched (source) name or purl
//!   reason: "no untrusted users in the container"
//!   expires: 2025-06-30          # optional; after this day the entry no longer ignores
//!   state: not_affected          # optional CycloneDX analysis state (default not_affected)
//!   justification: code_not_reachable   # optional CycloneDX justification
//! ```
//! A top-level mapping `{ignore: [...]}` is accepted as well.
use std::path::Path;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::matcher::{Finding, Suppression, VulnReport};
use crate::AuditError;

/// CycloneDX 1.6 `analysis.state` values.
pub const STATES: &[&str] = &[
    "resolved",
    "resolved_with_pedigree",
    "exploitable",
    "in_triage",
    "false_positive",
    "not_affected",
];

/// CycloneDX 1.6 `analysis.justification` values.
pub const JUSTIFICATIONS: &[&str] = &[
    "code_not_present",
    "code_not_reachable",
    "requires_configuration",
    "requires_dependency",
    "requires_environment",
    "protected_by_compiler",
    "protected_at_runtime",
    "protected_at_perimeter",
    "protected_by_mitigating_control",
];

/// One accepted finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreEntry {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    pub reason: String,
    /// `YYYY-MM-DD`; the entry ignores up to and including that day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum IgnoreFile {
    List(Vec<IgnoreEntry>),
    Wrapped { ignore: Vec<IgnoreEntry> },
}

/// A validated ignore list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IgnoreList {
    entries: Vec<(IgnoreEntry, Option<Date>)>,
}

impl IgnoreList {
    /// Reads and validates an ignore file.
    pub fn load(path: &Path) -> Result<IgnoreList, AuditError> {
        let text = fs_err::read_to_string(path).map_err(|e| AuditError::io(path, e))?;
        IgnoreList::parse(&text).map_err(|message| AuditError::Invalid {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses and validates ignore-file text.
    pub fn parse(text: &str) -> Result<IgnoreList, String> {
        if text.trim().is_empty() {
            return Ok(IgnoreList::default());
        }
        let file: IgnoreFile = crate::parse_yaml_or_json(text)?;
        let entries = match file {
            IgnoreFile::List(l) | IgnoreFile::Wrapped { ignore: l } => l,
        };
        let mut out = Vec::with_capacity(entries.len());
        for (i, e) in entries.into_iter().enumerate() {
            let n = i + 1;
            if e.id.trim().is_empty() {
                return Err(format!("entry {n}: empty id"));
            }
            if e.reason.trim().is_empty() {
                return Err(format!("entry {n} ({}): a reason is required", e.id));
            }
            let date = match &e.expires {
                Some(s) => Some(s.trim().parse::<Date>().map_err(|err| {
                    format!(
                        "entry {n} ({}): expires `{s}` is not a date YYYY-MM-DD: {err}",
                        e.id
                    )
                })?),
                None => None,
            };
            if let Some(s) = &e.state {
                if !STATES.contains(&s.as_str()) {
                    return Err(format!(
                        "entry {n} ({}): state `{s}` is not one of {}",
                        e.id,
                        STATES.join(", ")
                    ));
                }
            }
            if let Some(j) = &e.justification {
                if !JUSTIFICATIONS.contains(&j.as_str()) {
                    return Err(format!(
                        "entry {n} ({}): justification `{j}` is not one of {}",
                        e.id,
                        JUSTIFICATIONS.join(", ")
                    ));
                }
            }
            out.push((e, date));
        }
        Ok(IgnoreList { entries: out })
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Marks findings accepted by entries valid on `today`; expired entries are listed in
    /// the report and ignore nothing.
    pub fn apply(&self, report: &mut VulnReport, today: Date) {
        let mut expired = Vec::new();
        for (e, date) in &self.entries {
            let valid = date.is_none_or(|d| today <= d);
            if !valid {
                expired.push(e.clone());
                continue;
            }
            for f in &mut report.findings {
                if f.ignored.is_none() && matches(e, f) {
                    f.ignored = Some(Suppression {
                        reason: e.reason.clone(),
                        expires: e.expires.clone(),
                        state: e.state.clone().unwrap_or_else(|| "not_affected".into()),
                        justification: e.justification.clone(),
                        source: Some("ignore file".into()),
                    });
                }
            }
        }
        report.expired_ignores = expired;
    }
}

fn matches(e: &IgnoreEntry, f: &Finding) -> bool {
    if !f.all_ids().any(|id| id.eq_ignore_ascii_case(e.id.trim())) {
        return false;
    }
    let Some(pkg) = e
        .package
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    else {
        return true;
    };
    let p = &f.package;
    if pkg.starts_with("pkg:") {
        // A purl without version matches every version.
        let purl = p.purl.as_deref().unwrap_or(&p.bom_ref);
        let base = |s: &str| s.split(['?', '#']).next().unwrap_or(s).to_string();
        let (given, have) = (base(pkg), base(purl));
        return given == have || have.split('@').next() == Some(given.as_str());
    }
    let norm = |s: &str| match p.ecosystem {
        sbom_model::Ecosystem::Pypi => sbom_model::purl::pep503_name(s),
        _ => s.to_ascii_lowercase(),
    };
    let want = norm(pkg);
    want == norm(&p.name) || want == p.matched_name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::{AffectedPackage, Finding};
    use crate::Severity;
    use sbom_model::Ecosystem;

    fn finding(id: &str, aliases: &[&str], name: &str, source: &str) -> Finding {
        Finding {
            id: id.into(),
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
            records: vec![],
            package: AffectedPackage {
                bom_ref: format!("pkg:deb/debian/{name}@1.0?distro=debian-12"),
                ecosystem: Ecosystem::Deb,
                name: name.into(),
                version: "1.0".into(),
                purl: Some(format!("pkg:deb/debian/{name}@1.0?distro=debian-12")),
                matched_name: source.into(),
                matched_version: "1.0".into(),
                location: None,
                site_root: None,
            },
            sboms: vec![],
            severity: Severity::High,
            rating: None,
            fixed: None,
            summary: None,
            references: vec![],
            ignored: None,
            vex: None,
        }
    }

    fn report() -> VulnReport {
        VulnReport {
            findings: vec![
                finding("CVE-1", &["DEBIAN-CVE-1"], "login", "shadow"),
                finding("CVE-1", &["DEBIAN-CVE-1"], "passwd", "shadow"),
                finding("CVE-2", &[], "libssl3", "openssl"),
            ],
            ..VulnReport::default()
        }
    }

    fn day(s: &str) -> Date {
        s.parse().expect("date")
    }

    #[test]
    fn yaml_entry_by_alias_and_package_ignores_only_that_package() {
        let l = IgnoreList::parse(
            "- id: debian-cve-1\n  package: login\n  reason: no local users\n  expires: 2030-01-01\n",
        )
        .expect("parses");
        let mut r = report();
        l.apply(&mut r, day("2029-12-31"));
        assert!(r.findings[0].ignored.is_some());
        assert!(r.findings[1].ignored.is_none());
        assert!(r.findings[2].ignored.is_none());
        assert!(r.expired_ignores.is_empty());
        assert_eq!(
            r.findings[0].ignored.as_ref().map(|s| s.state.as_str()),
            Some("not_affected")
        );
    }

    #[test]
    fn source_name_and_purl_select_packages() {
        let l = IgnoreList::parse(
            r#"{"ignore":[{"id":"CVE-1","package":"shadow","reason":"r"},{"id":"CVE-2","package":"pkg:deb/debian/libssl3","reason":"r"}]}"#,
        )
        .expect("parses");
        let mut r = report();
        l.apply(&mut r, day("2024-01-01"));
        assert!(r.findings.iter().all(|f| f.ignored.is_some()));
    }

    #[test]
    fn expired_entries_are_reported_and_ignore_nothing() {
        let l = IgnoreList::parse("- id: CVE-2\n  reason: later\n  expires: 2024-01-31\n")
            .expect("parses");
        let mut r = report();
        l.apply(&mut r, day("2024-01-31"));
        assert!(
            r.findings[2].ignored.is_some(),
            "valid through its last day"
        );
        let mut r = report();
        l.apply(&mut r, day("2024-02-01"));
        assert!(r.findings.iter().all(|f| f.ignored.is_none()));
        assert_eq!(r.expired_ignores.len(), 1);
        assert_eq!(r.expired_ignores[0].id, "CVE-2");
    }

    #[test]
    fn invalid_entries_are_rejected_with_their_position() {
        let e = IgnoreList::parse("- id: CVE-1\n  reason: ''\n").unwrap_err();
        assert!(e.contains("entry 1") && e.contains("reason"), "{e}");
        let e = IgnoreList::parse("- id: CVE-1\n  reason: x\n  expires: soon\n").unwrap_err();
        assert!(e.contains("soon"), "{e}");
        let e = IgnoreList::parse("- id: CVE-1\n  reason: x\n  state: fine\n").unwrap_err();
        assert!(e.contains("fine"), "{e}");
        assert!(IgnoreList::parse("- id: CVE-1\n  reasn: typo\n").is_err());
    }
}
