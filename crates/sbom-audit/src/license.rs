//! License policy: allow and deny lists of SPDX ids, applied to SPDX expressions.
//!
//! ```yaml
//! allow: [MIT, Apache-2.0, BSD-3-Clause]
//! deny: [AGPL-3.0-only]
//! ```
//! A license term is acceptable when it is not denied and (if there is an allow list)
//! allowed: deny wins over allow. Expressions are evaluated as SPDX says: `A OR B` needs
//! one acceptable side, `A AND B` both. `WITH` exceptions: a list entry may name the
//! bare license or the whole `license WITH exception`. Several declared licenses of one
//! package must all pass. Packages without a license, or with a license that is not an
//! SPDX expression ([`License::Named`]), are listed as unknown, not judged.
use std::collections::BTreeSet;
use std::path::Path;

use sbom_model::{License, Package, Sbom};
use serde::{Deserialize, Serialize};

use crate::matcher::{package_ref, sbom_label};
use crate::AuditError;

/// The policy file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicensePolicy {
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub deny: Vec<String>,
}

/// How one package fares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// The terms that made the expression fail.
    Violation(Vec<String>),
    Unknown,
}

/// A package in a license report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LicensedPackage {
    pub bom_ref: String,
    pub name: String,
    pub version: String,
    pub ecosystem: sbom_model::Ecosystem,
    /// Declared licenses as written.
    pub licenses: Vec<String>,
    pub sboms: Vec<String>,
}

/// A package that breaks the policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub package: LicensedPackage,
    /// Terms that were not acceptable (denied, or not on the allow list).
    pub failing: Vec<String>,
}

/// The license part of an audit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LicenseReport {
    pub violations: Vec<Violation>,
    pub unknown: Vec<LicensedPackage>,
    pub allowed: usize,
}

fn lax() -> spdx::ParseMode {
    spdx::ParseMode {
        allow_slash_as_or_operator: true,
        allow_imprecise_license_names: true,
        allow_postfix_plus_on_gpl: true,
        allow_deprecated: true,
        allow_unknown: false,
    }
}

impl LicensePolicy {
    /// Reads a YAML or JSON policy file; every entry must be an SPDX id.
    pub fn load(path: &Path) -> Result<LicensePolicy, AuditError> {
        let p: LicensePolicy = crate::read_yaml_or_json(path)?;
        p.validate().map_err(|message| AuditError::Invalid {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(p)
    }

    /// Checks that every entry is a license id (optionally `WITH` an exception).
    pub fn validate(&self) -> Result<(), String> {
        for (list, entries) in [("allow", &self.allow), ("deny", &self.deny)] {
            for e in entries {
                let parsed = spdx::Expression::parse_mode(e, lax())
                    .map_err(|err| format!("{list}: `{e}` is not an SPDX id: {err}"))?;
                if parsed.requirements().count() != 1 {
                    return Err(format!(
                        "{list}: `{e}` is an expression; list single ids (`MIT`, `GPL-2.0-only WITH Classpath-exception-2.0`)"
                    ));
                }
            }
        }
        Ok(())
    }

    fn listed(list: &[String], req: &spdx::LicenseReq) -> bool {
        let full = req.to_string();
        let bare = req.license.to_string();
        list.iter()
            .any(|e| e.trim().eq_ignore_ascii_case(&full) || e.trim().eq_ignore_ascii_case(&bare))
    }

    fn term_ok(&self, req: &spdx::LicenseReq) -> bool {
        if LicensePolicy::listed(&self.deny, req) {
            return false;
        }
        self.allow.is_empty() || LicensePolicy::listed(&self.allow, req)
    }

    /// Judges one SPDX expression.
    pub fn evaluate_expression(&self, expr: &str) -> Verdict {
        let Ok(parsed) = spdx::Expression::parse_mode(expr, lax()) else {
            return Verdict::Unknown;
        };
        match parsed.evaluate_with_failures(|r| self.term_ok(r)) {
            Ok(()) => Verdict::Allowed,
            Err(failed) => Verdict::Violation(failed.iter().map(|f| f.req.to_string()).collect()),
        }
    }

    /// Judges a package: every declared license must pass.
    pub fn evaluate(&self, p: &Package) -> Verdict {
        if p.licenses.is_empty() {
            return Verdict::Unknown;
        }
        let mut failing: BTreeSet<String> = BTreeSet::new();
        let mut unknown = false;
        for l in &p.licenses {
            match l {
                License::Named(_) => unknown = true,
                License::Spdx(e) => match self.evaluate_expression(e) {
                    Verdict::Allowed => {}
                    Verdict::Violation(f) => failing.extend(f),
                    Verdict::Unknown => unknown = true,
                },
            }
        }
        if !failing.is_empty() {
            Verdict::Violation(failing.into_iter().collect())
        } else if unknown {
            Verdict::Unknown
        } else {
            Verdict::Allowed
        }
    }

    /// Judges every package of every SBOM; a package in several SBOMs is listed once.
    pub fn check(&self, sboms: &[Sbom]) -> LicenseReport {
        let mut violations: std::collections::BTreeMap<String, Violation> = Default::default();
        let mut unknown: std::collections::BTreeMap<String, LicensedPackage> = Default::default();
        let mut allowed: BTreeSet<String> = BTreeSet::new();
        for s in sboms {
            let label = sbom_label(s);
            for p in &s.packages {
                let r = package_ref(p);
                let lp = || LicensedPackage {
                    bom_ref: r.clone(),
                    name: p.name.clone(),
                    version: p.version.clone(),
                    ecosystem: p.ecosystem,
                    licenses: p.licenses.iter().map(|l| l.as_str().to_string()).collect(),
                    sboms: Vec::new(),
                };
                let sboms_of = match self.evaluate(p) {
                    Verdict::Allowed => {
                        allowed.insert(r.clone());
                        continue;
                    }
                    Verdict::Violation(failing) => {
                        &mut violations
                            .entry(r.clone())
                            .or_insert_with(|| Violation {
                                package: lp(),
                                failing,
                            })
                            .package
                            .sboms
                    }
                    Verdict::Unknown => &mut unknown.entry(r.clone()).or_insert_with(lp).sboms,
                };
                if !sboms_of.contains(&label) {
                    sboms_of.push(label.clone());
                }
            }
        }
        let mut violations: Vec<Violation> = violations.into_values().collect();
        let mut unknown: Vec<LicensedPackage> = unknown.into_values().collect();
        for v in &mut violations {
            v.package.sboms.sort();
        }
        for u in &mut unknown {
            u.sboms.sort();
        }
        violations.sort_by(|a, b| {
            (&a.package.name, &a.package.bom_ref).cmp(&(&b.package.name, &b.package.bom_ref))
        });
        unknown.sort_by(|a, b| (&a.name, &a.bom_ref).cmp(&(&b.name, &b.bom_ref)));
        LicenseReport {
            violations,
            unknown,
            allowed: allowed.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sbom_model::Ecosystem;

    fn policy(allow: &[&str], deny: &[&str]) -> LicensePolicy {
        LicensePolicy {
            allow: allow.iter().map(|s| s.to_string()).collect(),
            deny: deny.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn or_passes_when_one_side_is_allowed() {
        let p = policy(&["MIT"], &[]);
        assert_eq!(
            p.evaluate_expression("MIT OR GPL-3.0-only"),
            Verdict::Allowed
        );
        assert_eq!(
            p.evaluate_expression("GPL-3.0-only OR MIT"),
            Verdict::Allowed
        );
    }

    #[test]
    fn and_needs_both_sides() {
        let p = policy(&["MIT"], &[]);
        assert_eq!(
            p.evaluate_expression("MIT AND GPL-3.0-only"),
            Verdict::Violation(vec!["GPL-3.0-only".into()])
        );
        let p = policy(&["MIT", "GPL-3.0-only"], &[]);
        assert_eq!(
            p.evaluate_expression("MIT AND GPL-3.0-only"),
            Verdict::Allowed
        );
    }

    #[test]
    fn deny_wins_over_allow() {
        let p = policy(&["MIT", "GPL-3.0-only"], &["GPL-3.0-only"]);
        assert!(matches!(
            p.evaluate_expression("GPL-3.0-only"),
            Verdict::Violation(_)
        ));
        // ... but an OR with an acceptable side still passes.
        assert_eq!(
            p.evaluate_expression("GPL-3.0-only OR MIT"),
            Verdict::Allowed
        );
    }

    #[test]
    fn deny_only_policy_allows_everything_else() {
        let p = policy(&[], &["AGPL-3.0-only"]);
        assert_eq!(
            p.evaluate_expression("Apache-2.0 AND BSD-3-Clause"),
            Verdict::Allowed
        );
        assert!(matches!(
            p.evaluate_expression("MIT AND AGPL-3.0-only"),
            Verdict::Violation(_)
        ));
    }

    #[test]
    fn with_exception_matches_bare_or_full_entry() {
        let e = "GPL-2.0-only WITH Classpath-exception-2.0";
        assert_eq!(
            policy(&["GPL-2.0-only"], &[]).evaluate_expression(e),
            Verdict::Allowed
        );
        assert_eq!(policy(&[e], &[]).evaluate_expression(e), Verdict::Allowed);
        assert!(matches!(
            policy(&[e], &[]).evaluate_expression("GPL-2.0-only"),
            Verdict::Violation(_)
        ));
    }

    #[test]
    fn unknown_licenses_are_not_judged() {
        let p = policy(&["MIT"], &[]);
        let mut pkg = Package::new(Ecosystem::Deb, "a", "1");
        assert_eq!(p.evaluate(&pkg), Verdict::Unknown);
        pkg.licenses = vec![License::Named("BSD-like".into())];
        assert_eq!(p.evaluate(&pkg), Verdict::Unknown);
        pkg.licenses.push(License::Spdx("GPL-3.0-only".into()));
        assert!(
            matches!(p.evaluate(&pkg), Verdict::Violation(_)),
            "a known failure wins"
        );
        pkg.licenses = vec![License::Spdx("MIT".into()), License::Spdx("Zlib".into())];
        assert!(
            matches!(p.evaluate(&pkg), Verdict::Violation(_)),
            "every declared license must pass"
        );
    }

    #[test]
    fn check_lists_violations_and_unknowns_once_across_sboms() {
        let p = policy(&["MIT"], &["GPL-3.0-only"]);
        let mut a = Package::new(Ecosystem::Pypi, "gpl-thing", "1");
        a.licenses = vec![License::Spdx("GPL-3.0-only".into())];
        let mut b = Package::new(Ecosystem::Pypi, "fine", "1");
        b.licenses = vec![License::Spdx("MIT".into())];
        let c = Package::new(Ecosystem::Pypi, "mystery", "1");
        let mut s = Sbom {
            packages: vec![a, b, c],
            ..Sbom::default()
        };
        s.finalize();
        let r = p.check(&[s.clone(), s]);
        assert_eq!(r.violations.len(), 1);
        assert_eq!(r.violations[0].package.name, "gpl-thing");
        assert_eq!(r.violations[0].failing, vec!["GPL-3.0-only"]);
        assert_eq!(r.unknown.len(), 1);
        assert_eq!(r.unknown[0].name, "mystery");
        assert_eq!(r.allowed, 1);
    }

    #[test]
    fn policy_entries_must_be_single_ids() {
        assert!(policy(&["MIT"], &["GPL-3.0-only"]).validate().is_ok());
        assert!(policy(&["MIT OR Apache-2.0"], &[]).validate().is_err());
        assert!(policy(&["not a license"], &[]).validate().is_err());
    }
}
