//! OpenVEX 0.2 (`@context: https://openvex.dev/ns/v0.2.0`).
use serde_json::Value;

use super::{arr, obj, opt_str, req_arr, req_str, time, Bad, Product, Statement, VexStatus};

/// A product: `@id` or `identifiers.purl`, with its subcomponents.
fn products_of(p: &Value, at: &str) -> Result<Vec<Product>, Bad> {
    obj(p, at)?;
    let id = match p.pointer("/identifiers/purl").and_then(Value::as_str) {
        Some(purl) => purl.to_string(),
        None => req_str(p, "@id", at)?,
    };
    let subs = arr(p, "subcomponents", at)?;
    if subs.is_empty() {
        return Ok(Product::from_id(&id).into_iter().collect());
    }
    let mut out = Vec::new();
    for (i, s) in subs.iter().enumerate() {
        let sat = format!("{at}.subcomponents[{i}]");
        obj(s, &sat)?;
        let sid = match s.pointer("/identifiers/purl").and_then(Value::as_str) {
            Some(purl) => purl.to_string(),
            None => req_str(s, "@id", &sat)?,
        };
        out.extend(Product::within(&id, &sid));
    }
    Ok(out)
}

fn vulnerability(st: &Value, at: &str) -> Result<Vec<String>, Bad> {
    let v = st
        .get("vulnerability")
        .ok_or_else(|| (format!("{at}.vulnerability"), "is required".to_string()))?;
    if let Some(name) = v.as_str() {
        return Ok(vec![name.to_string()]);
    }
    let vat = format!("{at}.vulnerability");
    obj(v, &vat)?;
    let mut ids = vec![req_str(v, "name", &vat)?];
    for (i, a) in arr(v, "aliases", &vat)?.iter().enumerate() {
        let a = a.as_str().ok_or_else(|| {
            (
                format!("{vat}.aliases[{i}]"),
                "must be a string".to_string(),
            )
        })?;
        ids.push(a.to_string());
    }
    Ok(ids)
}

pub(super) fn parse(doc: &Value, file: &str, order: usize) -> Result<Vec<Statement>, Bad> {
    obj(doc, "$")?;
    let doc_time = match time(doc, "last_updated", "$")? {
        Some(t) => Some(t),
        None => time(doc, "timestamp", "$")?,
    };
    let doc_id = opt_str(doc, "@id", "$")?;
    let mut out = Vec::new();
    for (i, st) in req_arr(doc, "statements", "$")?.iter().enumerate() {
        let at = format!("statements[{i}]");
        obj(st, &at)?;
        let ids = vulnerability(st, &at)?;
        let raw = req_str(st, "status", &at)?;
        let status = VexStatus::parse(&raw).ok_or_else(|| {
            (
                format!("{at}.status"),
                format!("`{raw}` is not one of {}", VexStatus::NAMES),
            )
        })?;
        let justification = opt_str(st, "justification", &at)?;
        if let Some(j) = &justification {
            if !super::JUSTIFICATIONS.contains(&j.as_str()) {
                return Err((
                    format!("{at}.justification"),
                    format!("`{j}` is not one of {}", super::JUSTIFICATIONS.join(", ")),
                ));
            }
        }
        let impact = opt_str(st, "impact_statement", &at)?;
        if status == VexStatus::NotAffected && justification.is_none() && impact.is_none() {
            return Err((
                at,
                "status not_affected needs a justification or an impact_statement".into(),
            ));
        }
        let statement = match status {
            VexStatus::NotAffected => impact,
            _ => opt_str(st, "action_statement", &at)?.or(opt_str(st, "status_notes", &at)?),
        };
        let mut products = Vec::new();
        for (k, p) in req_arr(st, "products", &at)?.iter().enumerate() {
            products.extend(products_of(p, &format!("{at}.products[{k}]"))?);
        }
        let stamp = match time(st, "last_updated", &at)? {
            Some(t) => Some(t),
            None => time(st, "timestamp", &at)?.or(doc_time),
        };
        out.push(Statement {
            ids,
            products,
            status,
            justification,
            statement,
            timestamp: stamp,
            source: format!(
                "{file} (OpenVEX{}, {at})",
                doc_id
                    .as_deref()
                    .map(|d| format!(" {d}"))
                    .unwrap_or_default()
            ),
            order,
        });
    }
    Ok(out)
}
