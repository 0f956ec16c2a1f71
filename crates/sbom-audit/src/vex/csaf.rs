//! CSAF 2.0 VEX (`document.category: csaf_vex`): the product tree gives each product
//! id a purl (`product_identification_helper.purl`), relationships put a component
//! into a product (an image); `vulnerabilities[].product_status` gives the statuses,
//! `flags` the justifications, `threats` (impact) and `remediations` the statements.
use std::collections::BTreeMap;

use serde_json::Value;

use super::{arr, obj, opt_str, req_str, time, Bad, Product, Statement, VexStatus};

const STATUSES: [(&str, VexStatus); 6] = [
    ("known_not_affected", VexStatus::NotAffected),
    ("fixed", VexStatus::Fixed),
    ("first_fixed", VexStatus::Fixed),
    ("known_affected", VexStatus::Affected),
    ("first_affected", VexStatus::Affected),
    ("under_investigation", VexStatus::UnderInvestigation),
];

/// product_id -> the products it stands for.
fn product_tree(doc: &Value) -> Result<BTreeMap<String, Vec<Product>>, Bad> {
    let mut purls: BTreeMap<String, String> = BTreeMap::new();
    let mut stack: Vec<(&Value, String)> = Vec::new();
    if let Some(t) = doc.get("product_tree") {
        for (i, b) in arr(t, "branches", "product_tree")?.iter().enumerate() {
            stack.push((b, format!("product_tree.branches[{i}]")));
        }
        for (i, p) in arr(t, "full_product_names", "product_tree")?
            .iter()
            .enumerate()
        {
            add_product(
                p,
                &format!("product_tree.full_product_names[{i}]"),
                &mut purls,
            )?;
        }
    }
    while let Some((b, at)) = stack.pop() {
        if let Some(p) = b.get("product") {
            add_product(p, &format!("{at}.product"), &mut purls)?;
        }
        for (i, sub) in arr(b, "branches", &at)?.iter().enumerate() {
            stack.push((sub, format!("{at}.branches[{i}]")));
        }
    }
    let mut out: BTreeMap<String, Vec<Product>> = BTreeMap::new();
    for (id, purl) in &purls {
        out.entry(id.clone())
            .or_default()
            .extend(Product::from_id(purl));
    }
    if let Some(t) = doc.get("product_tree") {
        for (i, r) in arr(t, "relationships", "product_tree")?.iter().enumerate() {
            let at = format!("product_tree.relationships[{i}]");
            let id = r
                .pointer("/full_product_name/product_id")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    (
                        format!("{at}.full_product_name.product_id"),
                        "is required".to_string(),
                    )
                })?;
            let part = req_str(r, "product_reference", &at)?;
            let whole = req_str(r, "relates_to_product_reference", &at)?;
            if let (Some(p), Some(w)) = (purls.get(&part), purls.get(&whole)) {
                out.entry(id.to_string())
                    .or_default()
                    .extend(Product::within(w, p));
            }
        }
    }
    Ok(out)
}

fn add_product(p: &Value, at: &str, purls: &mut BTreeMap<String, String>) -> Result<(), Bad> {
    obj(p, at)?;
    let id = req_str(p, "product_id", at)?;
    if let Some(purl) = p
        .pointer("/product_identification_helper/purl")
        .and_then(Value::as_str)
    {
        purls.insert(id, purl.to_string());
    }
    Ok(())
}

/// The first text of `list` (flags, threats, remediations) naming `product`.
fn for_product(
    list: &[Value],
    product: &str,
    key: &str,
    filter: &dyn Fn(&Value) -> bool,
) -> Option<String> {
    list.iter()
        .filter(|x| filter(x))
        .find(|x| {
            x.get("product_ids")
                .and_then(Value::as_array)
                .is_some_and(|ids| ids.iter().any(|i| i.as_str() == Some(product)))
        })
        .and_then(|x| x.get(key).and_then(Value::as_str))
        .map(str::to_string)
}

pub(super) fn parse(doc: &Value, file: &str, order: usize) -> Result<Vec<Statement>, Bad> {
    obj(doc, "$")?;
    let version = req_str(&doc["document"], "csaf_version", "document")?;
    if version != "2.0" {
        return Err((
            "document.csaf_version".into(),
            format!("`{version}` is not 2.0"),
        ));
    }
    let tracking = doc.pointer("/document/tracking").unwrap_or(&Value::Null);
    let doc_time = match tracking {
        Value::Null => None,
        t => time(t, "current_release_date", "document.tracking")?,
    };
    let doc_id = opt_str(tracking, "id", "document.tracking").ok().flatten();
    let tree = product_tree(doc)?;
    let mut out = Vec::new();
    for (i, v) in arr(doc, "vulnerabilities", "$")?.iter().enumerate() {
        let at = format!("vulnerabilities[{i}]");
        obj(v, &at)?;
        let mut ids: Vec<String> = opt_str(v, "cve", &at)?.into_iter().collect();
        for (k, x) in arr(v, "ids", &at)?.iter().enumerate() {
            ids.push(req_str(x, "text", &format!("{at}.ids[{k}]"))?);
        }
        if ids.is_empty() {
            return Err((at, "needs a cve or ids".into()));
        }
        let flags = arr(v, "flags", &at)?;
        let threats = arr(v, "threats", &at)?;
        let remediations = arr(v, "remediations", &at)?;
        let Some(ps) = v.get("product_status") else {
            continue;
        };
        for (key, status) in STATUSES {
            for (k, pid) in arr(ps, key, &format!("{at}.product_status"))?
                .iter()
                .enumerate()
            {
                let pat = format!("{at}.product_status.{key}[{k}]");
                let pid = pid
                    .as_str()
                    .ok_or_else(|| (pat.clone(), "must be a string".to_string()))?;
                let products = tree.get(pid).cloned().ok_or_else(|| {
                    (
                        pat.clone(),
                        format!("product `{pid}` is not in the product_tree"),
                    )
                })?;
                let justification = for_product(flags, pid, "label", &|_| true);
                let statement = match status {
                    VexStatus::NotAffected => for_product(threats, pid, "details", &|t| {
                        t.get("category").and_then(Value::as_str) == Some("impact")
                    }),
                    _ => for_product(remediations, pid, "details", &|_| true),
                };
                if let Some(j) = &justification {
                    if !super::JUSTIFICATIONS.contains(&j.as_str()) {
                        return Err((
                            format!("{at}.flags"),
                            format!("label `{j}` is not a CSAF VEX justification"),
                        ));
                    }
                }
                let flag_time = flags
                    .iter()
                    .find(|f| {
                        f.get("product_ids")
                            .and_then(Value::as_array)
                            .is_some_and(|ids| ids.iter().any(|i| i.as_str() == Some(pid)))
                    })
                    .map(|f| time(f, "date", &format!("{at}.flags")))
                    .transpose()?
                    .flatten();
                out.push(Statement {
                    ids: ids.clone(),
                    products,
                    status,
                    justification,
                    statement,
                    timestamp: flag_time.or(doc_time),
                    source: format!(
                        "{file} (CSAF{}, {pat})",
                        doc_id
                            .as_deref()
                            .map(|d| format!(" {d}"))
                            .unwrap_or_default()
                    ),
                    order,
                });
            }
        }
    }
    Ok(out)
}
