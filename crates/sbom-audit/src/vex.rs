//! VEX documents (`sbom audit --vex FILE`): OpenVEX 0.2, CycloneDX VEX (1.4–1.7
//! `vulnerabilities[].analysis`) and CSAF 2.0 VEX, read into one list of statements and
//! applied to findings.
//!
//! A statement applies to a finding when its vulnerability (id or an alias) is one of the
//! finding's ids and one of its products matches: a package purl (without version it
//! matches every version, without qualifiers any qualifiers), or an image (an OCI purl or
//! a bare `sha256:` digest: every finding in that image), or a package inside an image
//! (OpenVEX subcomponents, CSAF `default_component_of` relationships). `not_affected` and
//! `fixed` suppress the finding (it stays in the report, with the justification and the
//! source); `affected` and `under_investigation` are shown as such. When several
//! statements apply, the one with the latest timestamp wins (a statement without one
//! counts as oldest; on a tie the later document on the command line wins), and the
//! report says which it superseded.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use sbom_model::Sbom;
use serde::Serialize;
use serde_json::Value;

use crate::matcher::{sbom_label, Finding, Suppression, VulnReport};
use crate::AuditError;

mod csaf;
mod cyclonedx;
mod openvex;
mod product;
mod write;

pub use product::Product;
pub use write::{published_status, to_openvex};

/// A VEX status, with the OpenVEX / CSAF names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VexStatus {
    NotAffected,
    Affected,
    Fixed,
    UnderInvestigation,
}

impl VexStatus {
    pub const NAMES: &'static str = "not_affected, affected, fixed, under_investigation";

    pub fn as_str(self) -> &'static str {
        match self {
            VexStatus::NotAffected => "not_affected",
            VexStatus::Affected => "affected",
            VexStatus::Fixed => "fixed",
            VexStatus::UnderInvestigation => "under_investigation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "not_affected" => VexStatus::NotAffected,
            "affected" => VexStatus::Affected,
            "fixed" => VexStatus::Fixed,
            "under_investigation" => VexStatus::UnderInvestigation,
            _ => return None,
        })
    }

    /// Whether the finding no longer counts.
    pub fn suppresses(self) -> bool {
        matches!(self, VexStatus::NotAffected | VexStatus::Fixed)
    }
}

/// OpenVEX / CSAF justifications for `not_affected`.
pub const JUSTIFICATIONS: &[&str] = &[
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
];

/// One statement of a VEX document.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// The vulnerability id and its aliases as the document gives them.
    pub ids: Vec<String>,
    pub products: Vec<Product>,
    pub status: VexStatus,
    /// An OpenVEX justification (CycloneDX ones are mapped).
    pub justification: Option<String>,
    /// Impact statement (`not_affected`), action statement (`affected`) or notes.
    pub statement: Option<String>,
    pub timestamp: Option<Timestamp>,
    /// `FILE (FORMAT, where in the file)`.
    pub source: String,
    /// Position of the document on the command line (ties of timestamps).
    pub order: usize,
}

/// The VEX statement that decided a finding, as the reports show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppliedVex {
    pub status: VexStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    pub source: String,
    /// Statements that also applied but are older (`STATUS from SOURCE at TIME`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub superseded: Vec<String>,
}

/// The statements of all `--vex` documents.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VexSet {
    pub statements: Vec<Statement>,
}

/// A problem in a VEX document: where (a JSON path) and what.
pub(crate) type Bad = (String, String);

impl VexSet {
    /// Reads every document; the first malformed one is an error naming the file and
    /// the field.
    pub fn load(paths: &[PathBuf]) -> Result<VexSet, AuditError> {
        let mut set = VexSet::default();
        for (order, path) in paths.iter().enumerate() {
            let text = fs_err::read_to_string(path).map_err(|e| AuditError::io(path, e))?;
            set.statements
                .extend(VexSet::parse(&text, path, order)?.statements);
        }
        Ok(set)
    }

    /// The statements of one document's text (OpenVEX, CycloneDX or CSAF, told apart by
    /// content); `path` names it in statements and errors, `order` is its position on
    /// the command line.
    pub fn parse(text: &str, path: &Path, order: usize) -> Result<VexSet, AuditError> {
        let statements = parse(text, path, order).map_err(|(at, what)| AuditError::Invalid {
            path: path.to_path_buf(),
            message: if at.is_empty() {
                what
            } else {
                format!("{at}: {what}")
            },
        })?;
        Ok(VexSet { statements })
    }

    /// Applies the statements to the findings of `sboms`; notes say which statements
    /// disagreed and which one won.
    pub fn apply(&self, report: &mut VulnReport, sboms: &[Sbom]) {
        let images: BTreeMap<String, &Sbom> = sboms.iter().map(|s| (sbom_label(s), s)).collect();
        for f in &mut report.findings {
            let in_images: Vec<&Sbom> = f
                .sboms
                .iter()
                .filter_map(|l| images.get(l).copied())
                .collect();
            let mut hits: Vec<&Statement> = self
                .statements
                .iter()
                .filter(|s| applies(s, f, &in_images))
                .collect();
            if hits.is_empty() {
                continue;
            }
            // Latest last: (timestamp, order on the command line, position in the file).
            hits.sort_by_key(|s| (s.timestamp, s.order));
            let Some(win) = hits.pop() else { continue };
            let superseded: Vec<String> = hits.iter().rev().map(|s| describe(s)).collect();
            if hits.iter().any(|s| s.status != win.status) {
                report.notes.push(format!(
                    "VEX: {} in {} {}: statements disagree; the latest applies ({}), superseding {}",
                    f.id,
                    f.package.name,
                    f.package.version,
                    describe(win),
                    superseded.join("; ")
                ));
            }
            set_finding(f, win, superseded);
        }
    }
}

fn describe(s: &Statement) -> String {
    match s.timestamp {
        Some(t) => format!("{} from {} at {t}", s.status.as_str(), s.source),
        None => format!("{} from {} (no timestamp)", s.status.as_str(), s.source),
    }
}

fn set_finding(f: &mut Finding, s: &Statement, superseded: Vec<String>) {
    f.vex = Some(AppliedVex {
        status: s.status,
        justification: s.justification.clone(),
        statement: s.statement.clone(),
        timestamp: s.timestamp.map(|t| t.to_string()),
        source: s.source.clone(),
        superseded,
    });
    if s.status.suppresses() {
        let reason = s
            .statement
            .clone()
            .or_else(|| s.justification.clone())
            .unwrap_or_else(|| s.status.as_str().to_string());
        f.ignored = Some(Suppression {
            reason,
            expires: None,
            state: match s.status {
                VexStatus::Fixed => "resolved".into(),
                _ => "not_affected".into(),
            },
            justification: s
                .justification
                .as_deref()
                .and_then(to_cyclonedx_justification),
            source: Some(s.source.clone()),
        });
    }
}

fn applies(s: &Statement, f: &Finding, images: &[&Sbom]) -> bool {
    let id_match = s
        .ids
        .iter()
        .any(|id| f.all_ids().any(|x| x.eq_ignore_ascii_case(id.trim())));
    id_match && s.products.iter().any(|p| p.matches(&f.package, images))
}

/// OpenVEX justification as the CycloneDX `analysis.justification`.
pub fn to_cyclonedx_justification(j: &str) -> Option<String> {
    Some(
        match j {
            "component_not_present" => "requires_dependency",
            "vulnerable_code_not_present" => "code_not_present",
            "vulnerable_code_not_in_execute_path" => "code_not_reachable",
            "vulnerable_code_cannot_be_controlled_by_adversary" => "requires_environment",
            "inline_mitigations_already_exist" => "protected_by_mitigating_control",
            _ => return None,
        }
        .to_string(),
    )
}

/// CycloneDX `analysis.justification` as the OpenVEX justification.
pub fn from_cyclonedx_justification(j: &str) -> Option<String> {
    Some(
        match j {
            "code_not_present" => "vulnerable_code_not_present",
            "code_not_reachable" => "vulnerable_code_not_in_execute_path",
            "requires_configuration" | "requires_environment" => {
                "vulnerable_code_cannot_be_controlled_by_adversary"
            }
            "requires_dependency" => "component_not_present",
            "protected_by_compiler"
            | "protected_at_runtime"
            | "protected_at_perimeter"
            | "protected_by_mitigating_control" => "inline_mitigations_already_exist",
            _ => return None,
        }
        .to_string(),
    )
}

/// Parses one document, detected from its content.
pub(crate) fn parse(text: &str, path: &Path, order: usize) -> Result<Vec<Statement>, Bad> {
    let doc: Value =
        serde_json::from_str(text).map_err(|e| (String::new(), format!("not JSON: {e}")))?;
    let file = path.display().to_string();
    let context = doc.get("@context").and_then(Value::as_str).unwrap_or("");
    if context.starts_with("https://openvex.dev/ns") {
        openvex::parse(&doc, &file, order)
    } else if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        cyclonedx::parse(&doc, &file, order)
    } else if doc.pointer("/document/csaf_version").is_some() {
        csaf::parse(&doc, &file, order)
    } else {
        Err((
            String::new(),
            "not an OpenVEX (@context https://openvex.dev/ns/...), CycloneDX (bomFormat) or CSAF (document.csaf_version) document".into(),
        ))
    }
}

// Helpers that name the JSON path of what is wrong.

pub(crate) fn obj<'a>(v: &'a Value, at: &str) -> Result<&'a serde_json::Map<String, Value>, Bad> {
    v.as_object()
        .ok_or_else(|| (at.to_string(), "must be an object".into()))
}

pub(crate) fn arr<'a>(v: &'a Value, key: &str, at: &str) -> Result<&'a [Value], Bad> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err((format!("{at}.{key}"), "must be a list".into())),
    }
}

pub(crate) fn req_arr<'a>(v: &'a Value, key: &str, at: &str) -> Result<&'a [Value], Bad> {
    match v.get(key) {
        Some(Value::Array(a)) => Ok(a),
        None | Some(Value::Null) => Err((format!("{at}.{key}"), "is required".into())),
        Some(_) => Err((format!("{at}.{key}"), "must be a list".into())),
    }
}

pub(crate) fn opt_str(v: &Value, key: &str, at: &str) -> Result<Option<String>, Bad> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.trim().is_empty())),
        Some(_) => Err((format!("{at}.{key}"), "must be a string".into())),
    }
}

pub(crate) fn req_str(v: &Value, key: &str, at: &str) -> Result<String, Bad> {
    opt_str(v, key, at)?.ok_or_else(|| (format!("{at}.{key}"), "is required".into()))
}

pub(crate) fn time(v: &Value, key: &str, at: &str) -> Result<Option<Timestamp>, Bad> {
    match opt_str(v, key, at)? {
        None => Ok(None),
        Some(t) => t.trim().parse::<Timestamp>().map(Some).map_err(|e| {
            (
                format!("{at}.{key}"),
                format!("`{t}` is not an RFC 3339 time: {e}"),
            )
        }),
    }
}
