//! The Security profile: vulnerabilities of an audit, their CVSS ratings and VEX
//! statuses, as SPDX 3.0.1 elements added to an SBOM's graph.
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use super::Graph;

/// A VEX status (OpenVEX / CSAF / SPDX 3 names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VexStatus {
    NotAffected,
    Affected,
    Fixed,
    UnderInvestigation,
}

/// A CVSS rating of a vulnerability.
#[derive(Clone, Debug, PartialEq)]
pub struct Cvss {
    /// 3 or 4 (v2 ratings have no SPDX 3 class we write).
    pub version: u8,
    pub score: f64,
    /// `critical`, `high`, `medium`, `low` or `none`.
    pub severity: String,
    pub vector: String,
}

/// What is known about a vulnerability in one package.
#[derive(Clone, Debug, PartialEq)]
pub struct VexInput {
    pub status: VexStatus,
    /// OpenVEX / SPDX 3 justification (`vulnerable_code_not_present`, ...).
    pub justification: Option<String>,
    /// Impact statement (not affected) or action statement (affected), or notes.
    pub statement: Option<String>,
    /// RFC 3339 time of the statement.
    pub time: Option<String>,
}

/// One vulnerability in one package (a finding).
#[derive(Clone, Debug, PartialEq)]
pub struct VulnInput {
    pub id: String,
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    /// The model id of the affected package.
    pub package_id: String,
    pub cvss: Option<Cvss>,
    pub vex: Option<VexInput>,
}

/// OpenVEX justification (snake case) as the SPDX 3 enumeration value.
fn justification(j: &str) -> Option<&'static str> {
    Some(match j {
        "component_not_present" => "componentNotPresent",
        "vulnerable_code_not_present" => "vulnerableCodeNotPresent",
        "vulnerable_code_not_in_execute_path" => "vulnerableCodeNotInExecutePath",
        "vulnerable_code_cannot_be_controlled_by_adversary" => {
            "vulnerableCodeCannotBeControlledByAdversary"
        }
        "inline_mitigations_already_exist" => "inlineMitigationsAlreadyExist",
        _ => return None,
    })
}

fn id_type(id: &str) -> &'static str {
    if id.starts_with("CVE-") {
        "cve"
    } else {
        "securityOther"
    }
}

fn fragment_of(s: &str) -> String {
    crate::spdx::sanitize_id(s)
}

fn vulnerability(g: &mut Graph, v: &VulnInput) -> String {
    let fragment = format!("vuln-{}", fragment_of(&v.id));
    let id = g.id(&fragment);
    let mut e = g.element("security_Vulnerability", &fragment);
    e.insert("name".into(), json!(v.id));
    if let Some(s) = &v.summary {
        e.insert("summary".into(), json!(s));
    }
    let mut ids: Vec<Value> = Vec::new();
    for x in std::iter::once(&v.id).chain(&v.aliases) {
        ids.push(json!({"type": "ExternalIdentifier", "externalIdentifierType": id_type(x), "identifier": x}));
    }
    e.insert("externalIdentifier".into(), Value::Array(ids));
    g.push(e);
    id
}

fn cvss(g: &mut Graph, vuln: &str, pkg: &str, frag: &str, c: &Cvss) {
    let ty = match c.version {
        4 => "security_CvssV4VulnAssessmentRelationship",
        _ => "security_CvssV3VulnAssessmentRelationship",
    };
    let mut r = g.element(ty, &format!("cvss-{frag}"));
    r.insert("from".into(), json!(vuln));
    r.insert("relationshipType".into(), json!("hasAssessmentFor"));
    r.insert("to".into(), json!([pkg]));
    r.insert("security_score".into(), json!(c.score));
    r.insert("security_severity".into(), json!(c.severity));
    r.insert("security_vectorString".into(), json!(c.vector));
    g.push(r);
}

fn vex(g: &mut Graph, vuln: &str, pkg: &str, frag: &str, x: &VexInput) {
    let (ty, rel) = match x.status {
        VexStatus::NotAffected => (
            "security_VexNotAffectedVulnAssessmentRelationship",
            "doesNotAffect",
        ),
        VexStatus::Affected => ("security_VexAffectedVulnAssessmentRelationship", "affects"),
        VexStatus::Fixed => ("security_VexFixedVulnAssessmentRelationship", "fixedIn"),
        VexStatus::UnderInvestigation => (
            "security_VexUnderInvestigationVulnAssessmentRelationship",
            "underInvestigationFor",
        ),
    };
    let mut r = g.element(ty, &format!("vex-{frag}"));
    r.insert("from".into(), json!(vuln));
    r.insert("relationshipType".into(), json!(rel));
    r.insert("to".into(), json!([pkg]));
    if let Some(t) = &x.time {
        r.insert("security_publishedTime".into(), json!(t));
    }
    match x.status {
        VexStatus::NotAffected => {
            let j = x.justification.as_deref().and_then(justification);
            if let Some(j) = j {
                r.insert("security_justificationType".into(), json!(j));
            }
            // One of the two is required; a justification alone is enough.
            if x.statement.is_some() || j.is_none() {
                let s = x.statement.clone().unwrap_or_else(|| "not affected".into());
                r.insert("security_impactStatement".into(), json!(s));
            }
        }
        VexStatus::Affected => {
            let s = x
                .statement
                .clone()
                .unwrap_or_else(|| "no action statement given".into());
            r.insert("security_actionStatement".into(), json!(s));
        }
        VexStatus::Fixed | VexStatus::UnderInvestigation => {
            if let Some(s) = &x.statement {
                r.insert("security_statusNotes".into(), json!(s));
            }
        }
    }
    g.push(r);
}

/// Adds the vulnerabilities of `vulns` whose package is in the graph.
pub(crate) fn add(g: &mut Graph, vulns: &[VulnInput]) {
    let mut vuln_ids: BTreeMap<String, String> = BTreeMap::new();
    let mut associated: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for v in vulns {
        let Some(pkg) = g.ids.get(&v.package_id).cloned() else {
            continue;
        };
        if !seen.insert((v.id.clone(), pkg.clone())) {
            continue;
        }
        let vid = match vuln_ids.get(&v.id) {
            Some(id) => id.clone(),
            None => {
                let id = vulnerability(g, v);
                vuln_ids.insert(v.id.clone(), id.clone());
                id
            }
        };
        associated
            .entry(pkg.clone())
            .or_default()
            .insert(vid.clone());
        let frag = format!(
            "{}-{}",
            fragment_of(&v.id),
            pkg.rsplit('#').next().unwrap_or("")
        );
        if let Some(c) = &v.cvss {
            cvss(g, &vid, &pkg, &frag, c);
        }
        if let Some(x) = &v.vex {
            vex(g, &vid, &pkg, &frag, x);
        }
    }
    for (pkg, vs) in associated {
        let frag = pkg.rsplit('#').next().unwrap_or("").to_string();
        g.relationship(
            &format!("vulns-of-{frag}"),
            &pkg,
            "hasAssociatedVulnerability",
            vs.into_iter().collect(),
        );
    }
}
