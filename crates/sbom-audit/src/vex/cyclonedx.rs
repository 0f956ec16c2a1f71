//! CycloneDX VEX (1.4–1.7): `vulnerabilities[]` with an `analysis`, `affects[].ref`
//! naming components of the same document (or BOM-Links `urn:cdx:SERIAL/VERSION#REF`
//! to ours, whose bom-refs are purls).
use std::collections::BTreeMap;

use serde_json::Value;

use super::{arr, obj, opt_str, req_str, time, Bad, Product, Statement, VexStatus};

fn status(state: &str) -> Option<VexStatus> {
    Some(match state {
        "not_affected" | "false_positive" => VexStatus::NotAffected,
        "resolved" | "resolved_with_pedigree" => VexStatus::Fixed,
        "exploitable" => VexStatus::Affected,
        "in_triage" => VexStatus::UnderInvestigation,
        _ => return None,
    })
}

/// bom-ref -> purl (or the component's own purl-like ref) of every component.
fn components(doc: &Value) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let mut stack: Vec<&Value> = Vec::new();
    if let Some(c) = doc.pointer("/metadata/component") {
        stack.push(c);
    }
    if let Some(Value::Array(cs)) = doc.get("components") {
        stack.extend(cs);
    }
    while let Some(c) = stack.pop() {
        let r = c.get("bom-ref").and_then(Value::as_str);
        let purl = c.get("purl").and_then(Value::as_str);
        if let (Some(r), Some(p)) = (r, purl) {
            m.insert(r.to_string(), p.to_string());
        }
        if let Some(Value::Array(sub)) = c.get("components") {
            stack.extend(sub);
        }
    }
    m
}

/// What an `affects[].ref` names.
fn product(r: &str, comps: &BTreeMap<String, String>) -> Option<Product> {
    if let Some(p) = comps.get(r) {
        return Product::from_id(p);
    }
    let target = match r.strip_prefix("urn:cdx:") {
        Some(link) => sbom_model::purl::decode(link.split_once('#')?.1),
        None => r.to_string(),
    };
    Product::from_id(comps.get(&target).map_or(&target, |p| p))
}

pub(super) fn parse(doc: &Value, file: &str, order: usize) -> Result<Vec<Statement>, Bad> {
    obj(doc, "$")?;
    let spec = req_str(doc, "specVersion", "$")?;
    if !matches!(spec.as_str(), "1.4" | "1.5" | "1.6" | "1.7") {
        return Err((
            "specVersion".into(),
            format!("`{spec}` is not a CycloneDX version with VEX (1.4 to 1.7)"),
        ));
    }
    let doc_time = match doc.get("metadata") {
        Some(m) => time(m, "timestamp", "metadata")?,
        None => None,
    };
    let comps = components(doc);
    let mut out = Vec::new();
    for (i, v) in arr(doc, "vulnerabilities", "$")?.iter().enumerate() {
        let at = format!("vulnerabilities[{i}]");
        obj(v, &at)?;
        let Some(a) = v.get("analysis") else { continue };
        let aat = format!("{at}.analysis");
        obj(a, &aat)?;
        let Some(state) = opt_str(a, "state", &aat)? else {
            continue;
        };
        let status = status(&state).ok_or_else(|| {
            (
                format!("{aat}.state"),
                format!("`{state}` is not a CycloneDX analysis state (not_affected, false_positive, resolved, resolved_with_pedigree, exploitable, in_triage)"),
            )
        })?;
        let mut ids = vec![req_str(v, "id", &at)?];
        for (k, r) in arr(v, "references", &at)?.iter().enumerate() {
            ids.push(req_str(r, "id", &format!("{at}.references[{k}]"))?);
        }
        let justification = match opt_str(a, "justification", &aat)? {
            None => None,
            Some(j) => Some(super::from_cyclonedx_justification(&j).ok_or_else(|| {
                (
                    format!("{aat}.justification"),
                    format!("`{j}` is not a CycloneDX justification"),
                )
            })?),
        };
        let mut products = Vec::new();
        for (k, af) in arr(v, "affects", &at)?.iter().enumerate() {
            let r = req_str(af, "ref", &format!("{at}.affects[{k}]"))?;
            products.extend(product(&r, &comps));
        }
        let stamp = [
            time(a, "lastUpdated", &aat)?,
            time(v, "updated", &at)?,
            time(a, "firstIssued", &aat)?,
            time(v, "published", &at)?,
        ]
        .into_iter()
        .flatten()
        .next()
        .or(doc_time);
        let mut statement = opt_str(a, "detail", &aat)?;
        if state == "false_positive" && statement.is_none() {
            statement = Some("false positive".into());
        }
        out.push(Statement {
            ids,
            products,
            status,
            justification,
            statement,
            timestamp: stamp,
            source: format!("{file} (CycloneDX {spec}, {at})"),
            order,
        });
    }
    Ok(out)
}
