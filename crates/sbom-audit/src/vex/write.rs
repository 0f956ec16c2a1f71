//! `sbom audit --format openvex`: the findings as an OpenVEX 0.2 document, so that a
//! release team can publish its triage.
//!
//! - ignored findings (`--ignore`, or a VEX statement that suppressed them) keep their
//!   status (`not_affected`, `fixed`) with the reason as impact statement;
//! - findings a VEX statement marked `affected` or `under_investigation` keep that;
//! - every other finding is `under_investigation`: a match in OSV is not an assessment,
//!   and `affected` needs an action statement someone decided on.
use sbom_model::Sbom;
use serde_json::{json, Map, Value};

use super::{from_cyclonedx_justification, VexStatus};
use crate::matcher::{sbom_label, Finding};
use crate::report::AuditReport;
use crate::AuditError;

/// The VEX status a finding is published with (its VEX statement, else its ignore
/// entry, else under investigation), its justification (OpenVEX vocabulary) and text.
pub fn published_status(f: &Finding) -> (VexStatus, Option<String>, Option<String>) {
    if let Some(v) = &f.vex {
        return (v.status, v.justification.clone(), v.statement.clone());
    }
    if let Some(s) = &f.ignored {
        let status = match s.state.as_str() {
            "resolved" | "resolved_with_pedigree" => VexStatus::Fixed,
            "exploitable" => VexStatus::Affected,
            "in_triage" => VexStatus::UnderInvestigation,
            _ => VexStatus::NotAffected,
        };
        let j = s
            .justification
            .as_deref()
            .and_then(from_cyclonedx_justification);
        return (status, j, Some(s.reason.clone()));
    }
    (VexStatus::UnderInvestigation, None, None)
}

fn products(f: &Finding, sboms: &[Sbom]) -> Vec<Value> {
    let pkg = f
        .package
        .purl
        .clone()
        .unwrap_or_else(|| f.package.bom_ref.clone());
    let mut out: Vec<Value> = sboms
        .iter()
        .filter(|s| f.sboms.contains(&sbom_label(s)))
        .filter_map(|s| s.subject.purl())
        .map(|image| json!({"@id": image, "subcomponents": [{"@id": pkg}]}))
        .collect();
    out.dedup();
    if out.is_empty() {
        out.push(json!({"@id": pkg}));
    }
    out
}

fn statement(f: &Finding, sboms: &[Sbom]) -> Value {
    let (status, justification, text) = published_status(f);
    let mut vuln = Map::new();
    vuln.insert("name".into(), json!(f.id));
    if !f.aliases.is_empty() {
        vuln.insert("aliases".into(), json!(f.aliases));
    }
    if let Some(s) = &f.summary {
        vuln.insert("description".into(), json!(s));
    }
    let mut st = Map::new();
    st.insert("vulnerability".into(), Value::Object(vuln));
    st.insert("products".into(), Value::Array(products(f, sboms)));
    st.insert("status".into(), json!(status.as_str()));
    if let Some(t) = f.vex.as_ref().and_then(|v| v.timestamp.clone()) {
        st.insert("timestamp".into(), json!(t));
    }
    match status {
        VexStatus::NotAffected => {
            if let Some(j) = justification {
                st.insert("justification".into(), json!(j));
            }
            let impact = text.unwrap_or_else(|| "not affected".into());
            st.insert("impact_statement".into(), json!(impact));
        }
        VexStatus::Affected => {
            let action = text.unwrap_or_else(|| match &f.fixed {
                Some(fx) => format!("Upgrade {} to {fx} or later", f.package.name),
                None => "No fixed version is known".into(),
            });
            st.insert("action_statement".into(), json!(action));
        }
        VexStatus::Fixed | VexStatus::UnderInvestigation => {
            let notes = text.unwrap_or_else(|| {
                let mut n = format!(
                    "{} {} matches OSV record(s) {}",
                    f.package.name,
                    f.package.version,
                    f.records.join(", ")
                );
                if let Some(fx) = &f.fixed {
                    n.push_str(&format!("; fixed in {fx}"));
                }
                n
            });
            st.insert("status_notes".into(), json!(notes));
        }
    }
    Value::Object(st)
}

/// An OpenVEX 0.2 document of the report's findings. `author` and `timestamp`
/// (RFC 3339) are the document's; its `@id` is derived from the statements.
pub fn to_openvex(
    r: &AuditReport,
    sboms: &[Sbom],
    author: &str,
    timestamp: &str,
) -> Result<String, AuditError> {
    let statements: Vec<Value> = r
        .vulnerabilities
        .iter()
        .flat_map(|v| v.findings.iter())
        .map(|f| statement(f, sboms))
        .collect();
    let body = serde_json::to_vec(&statements)?;
    let id = &sbom_model::sha256_hex(&body)[..16];
    let doc = json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": format!("https://openvex.dev/docs/public/vex-{id}"),
        "author": author,
        "role": "Document Creator",
        "timestamp": timestamp,
        "version": 1,
        "tooling": format!("{} {}", sbom_model::TOOL_NAME, sbom_model::TOOL_VERSION),
        "statements": statements
    });
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}
