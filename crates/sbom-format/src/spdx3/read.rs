//! SPDX 3.0.1 JSON-LD into the model, from us or from other tools (cdxgen, syft).
//!
//! Read as plain JSON in the compact form of the SPDX 3.0.1 context: elements in
//! `@graph` (also nested inline where a reference is expected), references as IRIs.
//! The document's root (through a `software_Sbom`) is the subject; every other
//! `software_Package` with a purl is a package.
use std::collections::BTreeMap;

use sbom_model::{
    Checksum, Distro, HashAlgorithm, Package, Relationship, RelationshipKind, Sbom, Subject,
};
use serde_json::Value;

use super::{unescape, CONTEXT, OWNS_COMMENT};
use crate::common;
use crate::spdx;
use crate::FormatError;

/// The elements of a graph by id.
struct Index<'a> {
    by_id: BTreeMap<&'a str, &'a Value>,
    all: Vec<&'a Value>,
}

fn ty(v: &Value) -> &str {
    v.get("type")
        .or_else(|| v.get("@type"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn id_of(v: &Value) -> Option<&str> {
    v.get("spdxId")
        .or_else(|| v.get("@id"))
        .and_then(Value::as_str)
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// A property that may be one value or a list, as a list.
fn list<'a>(v: &'a Value, key: &str) -> Vec<&'a Value> {
    match v.get(key) {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(x) => vec![x],
        None => Vec::new(),
    }
}

impl<'a> Index<'a> {
    fn new(graph: &'a [Value]) -> Self {
        let mut ix = Index {
            by_id: BTreeMap::new(),
            all: Vec::new(),
        };
        for e in graph {
            ix.visit(e, 0);
        }
        ix
    }

    /// Elements, and elements written inline where a reference is expected.
    fn visit(&mut self, v: &'a Value, depth: usize) {
        if depth > 16 {
            return;
        }
        match v {
            Value::Object(m) => {
                if let Some(id) = id_of(v) {
                    if !ty(v).is_empty() && self.by_id.insert(id, v).is_none() {
                        self.all.push(v);
                    }
                }
                for x in m.values() {
                    self.visit(x, depth + 1);
                }
            }
            Value::Array(a) => {
                for x in a {
                    self.visit(x, depth + 1);
                }
            }
            _ => {}
        }
    }

    /// A reference (an IRI, or an inline element) resolved.
    fn get(&self, r: &'a Value) -> Option<&'a Value> {
        match r {
            Value::String(s) => self.by_id.get(s.as_str()).copied(),
            Value::Object(_) => Some(r),
            _ => None,
        }
    }

    fn ref_id(r: &'a Value) -> Option<&'a str> {
        match r {
            Value::String(s) => Some(s),
            Value::Object(_) => id_of(r),
            _ => None,
        }
    }

    fn of_type(&self, t: &str) -> impl Iterator<Item = &'a Value> + '_ {
        let t = t.to_string();
        self.all.iter().copied().filter(move |e| ty(e) == t)
    }
}

fn check_context(doc: &Value) -> Result<(), FormatError> {
    let names: Vec<&str> = match doc.get("@context") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if names.contains(&CONTEXT) {
        return Ok(());
    }
    match names.iter().find(|n| n.contains("spdx.org/rdf/")) {
        Some(other) => Err(FormatError::UnsupportedVersion {
            format: "SPDX 3",
            version: (*other).to_string(),
            supported: CONTEXT,
        }),
        None => Err(FormatError::Unrecognised(
            "JSON-LD without the SPDX 3.0.1 context".into(),
        )),
    }
}

/// Reads an SPDX 3.0.1 JSON-LD document into a finalized [`Sbom`].
pub fn read_json(bytes: &[u8]) -> Result<Sbom, FormatError> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let doc: Value = serde_json::from_slice(text).map_err(FormatError::Json)?;
    check_context(&doc)?;
    let graph = doc
        .get("@graph")
        .and_then(Value::as_array)
        .ok_or_else(|| FormatError::Unrecognised("SPDX 3 document without @graph".into()))?;
    let ix = Index::new(graph);
    let mut sbom = Sbom::default();
    let document = ix.of_type("SpdxDocument").next();
    read_creation(&ix, document, &mut sbom);
    let subject_id = document.and_then(|d| root_of(&ix, d)).map(str::to_string);
    let ours = common::written_by_us(&sbom.tools);
    let props = annotations(&ix);
    let licenses = licenses_by_element(&ix, ours);
    let mut os_distro = None;
    for e in ix.of_type("software_Package") {
        let Some(id) = id_of(e) else { continue };
        let mine = props.get(id).cloned().unwrap_or_default();
        if Some(id) == subject_id.as_deref() {
            read_subject(&ix, &mut sbom, e, &mine);
            continue;
        }
        if str_of(e, "software_primaryPurpose") == Some("operatingSystem") {
            os_distro = os_distro.or_else(|| os_of(e));
            continue;
        }
        let Some(purl) = purl_of(e) else { continue };
        let mut p = package(&ix, e, purl, &mine, &sbom.subject.layers);
        p.id = id.to_string();
        p.licenses = licenses.get(id).cloned().unwrap_or_default();
        sbom.packages.push(p);
    }
    if sbom.distro.is_none() {
        sbom.distro = os_distro.or_else(|| {
            sbom.packages.iter().find_map(|p| {
                let q = common::purl_qualifiers(p.purl.as_deref().unwrap_or(""));
                q.get("distro").map(|d| common::distro_from_qualifier(d))
            })
        });
    }
    sbom.relationships = relationships(&ix, subject_id.as_deref());
    sbom.finalize();
    Ok(sbom)
}

fn read_creation(ix: &Index<'_>, document: Option<&Value>, sbom: &mut Sbom) {
    let info = document
        .and_then(|d| d.get("creationInfo"))
        .and_then(|c| match c {
            Value::String(s) => ix.by_id.get(s.as_str()).copied(),
            Value::Object(_) => Some(c),
            _ => None,
        })
        .or_else(|| ix.of_type("CreationInfo").next());
    if let Some(info) = info {
        sbom.created = common::read_time(str_of(info, "created"));
        for t in list(info, "createdUsing") {
            if let Some(name) = ix.get(t).and_then(|t| str_of(t, "name")) {
                sbom.tools.push(spdx::split_tool(name.trim()));
            }
        }
        // People and organisations among the creators are the SBOM's authors (the
        // software agent is the tool itself).
        for a in list(info, "createdBy")
            .into_iter()
            .filter_map(|a| ix.get(a))
        {
            if matches!(ty(a), "Organization" | "Person") {
                if let Some(name) = str_of(a, "name") {
                    sbom.authors.push(name.trim().to_string());
                }
            }
        }
    }
    if let Some(id) = document.and_then(id_of) {
        let ns = id.split('#').next().unwrap_or(id);
        sbom.serial = spdx::serial_from_namespace(ns);
    }
}

/// The document's root: through a `software_Sbom` to its root, or the root itself.
fn root_of<'a>(ix: &Index<'a>, document: &'a Value) -> Option<&'a str> {
    let root = list(document, "rootElement").into_iter().next()?;
    let el = ix.get(root)?;
    if ty(el) == "software_Sbom" {
        let inner = list(el, "rootElement").into_iter().next()?;
        return Index::ref_id(inner);
    }
    id_of(el)
}

/// `NAME=VALUE` lines of annotations (ours), and cdxgen's CycloneDX property
/// extension entries (`properties.NAME`), by the element they are about.
fn annotations<'a>(ix: &Index<'a>) -> BTreeMap<&'a str, Vec<(String, String)>> {
    let mut out: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
    for a in ix.of_type("Annotation") {
        let (Some(subject), Some(statement)) = (
            a.get("subject").and_then(Index::ref_id),
            str_of(a, "statement"),
        ) else {
            continue;
        };
        for line in statement.lines() {
            if let Some((k, v)) = line.split_once('=') {
                if !k.is_empty() && !k.contains(char::is_whitespace) {
                    out.entry(subject)
                        .or_default()
                        .push((k.to_string(), unescape(v)));
                }
            }
        }
    }
    for e in &ix.all {
        let Some(id) = id_of(e) else { continue };
        for ext in list(e, "extension") {
            for entry in list(ext, "extension_cdxProperty") {
                let (Some(k), Some(v)) = (
                    str_of(entry, "extension_cdxPropName"),
                    str_of(entry, "extension_cdxPropValue"),
                ) else {
                    continue;
                };
                if let Some(name) = k.strip_prefix("properties.") {
                    out.entry(id)
                        .or_default()
                        .push((name.to_string(), v.to_string()));
                }
            }
        }
    }
    out
}

fn purl_of(e: &Value) -> Option<String> {
    str_of(e, "software_packageUrl")
        .map(str::to_string)
        .or_else(|| {
            list(e, "externalIdentifier").into_iter().find_map(|x| {
                (str_of(x, "externalIdentifierType") == Some("packageUrl"))
                    .then(|| str_of(x, "identifier").map(str::to_string))
                    .flatten()
            })
        })
        .filter(|p| p.starts_with("pkg:"))
}

fn os_of(e: &Value) -> Option<Distro> {
    let name = str_of(e, "name")?;
    Some(Distro {
        id: name.to_ascii_lowercase(),
        version_id: str_of(e, "software_packageVersion").map(str::to_string),
        ..Distro::default()
    })
}

/// An agent reference as `Name <email>`.
fn agent(ix: &Index<'_>, r: Option<&Value>) -> Option<String> {
    let a = ix.get(r?)?;
    let name = str_of(a, "name")?.trim();
    if name.is_empty() || name == "NOASSERTION" {
        return None;
    }
    let email = list(a, "externalIdentifier").into_iter().find_map(|x| {
        (str_of(x, "externalIdentifierType") == Some("email"))
            .then(|| str_of(x, "identifier"))
            .flatten()
    });
    Some(match email {
        Some(e) => format!("{name} <{e}>"),
        None => name.to_string(),
    })
}

fn checksums(e: &Value) -> Vec<Checksum> {
    list(e, "verifiedUsing")
        .into_iter()
        .filter(|h| ty(h) == "Hash")
        .filter_map(|h| {
            Some(Checksum {
                algorithm: HashAlgorithm::parse(str_of(h, "algorithm")?)?,
                value: str_of(h, "hashValue")?.to_ascii_lowercase(),
            })
        })
        .collect()
}

fn package(
    ix: &Index<'_>,
    e: &Value,
    purl: String,
    props: &[(String, String)],
    layers: &[sbom_model::LayerRef],
) -> Package {
    let (purl_name, purl_version) = common::purl_name_version(&purl);
    let written = str_of(e, "name").unwrap_or("");
    let mut p = Package::new(
        common::ecosystem_of_purl(&purl),
        common::package_name(&purl, written, purl_name),
        str_of(e, "software_packageVersion")
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .or(purl_version)
            .unwrap_or_default(),
    );
    p.supplier = agent(ix, e.get("suppliedBy"));
    p.author = agent(ix, list(e, "originatedBy").into_iter().next());
    p.description = str_of(e, "description").map(str::to_string);
    p.homepage = str_of(e, "software_homePage")
        .filter(|u| common::is_url(u))
        .map(str::to_string);
    p.download_url = str_of(e, "software_downloadLocation")
        .filter(|u| common::is_url(u))
        .map(str::to_string);
    p.checksums = checksums(e);
    let mut props = props.to_vec();
    common::take_checksum_properties(&mut p, &mut props);
    // Owners come from `contains` relationships, not from properties.
    let _ = common::apply_properties(&mut p, &props, layers);
    if p.arch.is_none() {
        p.arch = common::purl_qualifiers(&purl).get("arch").cloned();
    }
    p.purl = Some(purl);
    p
}

fn read_subject(ix: &Index<'_>, sbom: &mut Sbom, e: &Value, props: &[(String, String)]) {
    let ours = common::apply_subject_properties(&mut sbom.subject, props);
    sbom.subject.supplier = agent(ix, e.get("suppliedBy"));
    if let Some(d) = common::distro_from_properties(props) {
        sbom.distro = Some(d);
    }
    if ours {
        return;
    }
    let name = str_of(e, "name").unwrap_or("").to_string();
    sbom.subject.name = name.clone();
    sbom.subject.reference = name;
    if let Some(v) = str_of(e, "software_packageVersion").filter(|v| v.starts_with("sha256:")) {
        sbom.subject.manifest_digest = Some(v.to_string());
    }
    if let Some(purl) = purl_of(e) {
        let q = common::purl_qualifiers(&purl);
        sbom.subject.repository = q.get("repository_url").cloned();
        sbom.subject.tag = q.get("tag").cloned();
    }
}

/// A license element as an SPDX expression, and the texts of its `LicenseRef-`s.
fn expression(
    ix: &Index<'_>,
    el: &Value,
    texts: &mut BTreeMap<String, String>,
    depth: usize,
) -> Option<String> {
    if depth > 8 {
        return None;
    }
    match ty(el) {
        "simplelicensing_LicenseExpression" => {
            for entry in list(el, "simplelicensing_customIdToUri") {
                let key = str_of(entry, "key");
                let text = entry
                    .get("value")
                    .and_then(|v| ix.get(v))
                    .and_then(|t| str_of(t, "simplelicensing_licenseText"));
                if let (Some(k), Some(t)) = (key, text) {
                    texts.insert(k.to_string(), t.to_string());
                }
            }
            str_of(el, "simplelicensing_licenseExpression").map(str::to_string)
        }
        "expandedlicensing_ListedLicense" | "expandedlicensing_ListedLicenseException" => id_of(el)
            .and_then(|i| i.rsplit('/').next())
            .map(str::to_string),
        "expandedlicensing_CustomLicense" => {
            let r = format!(
                "LicenseRef-{}",
                spdx::sanitize_id(str_of(el, "name").unwrap_or("custom"))
            );
            if let Some(t) = str_of(el, "simplelicensing_licenseText") {
                texts.insert(r.clone(), t.to_string());
            }
            Some(r)
        }
        t @ ("expandedlicensing_ConjunctiveLicenseSet"
        | "expandedlicensing_DisjunctiveLicenseSet") => {
            let op = if t.contains("Conjunctive") {
                " AND "
            } else {
                " OR "
            };
            let parts: Vec<String> = list(el, "expandedlicensing_member")
                .into_iter()
                .filter_map(|m| ix.get(m))
                .filter_map(|m| expression(ix, m, texts, depth + 1))
                .map(|e| format!("({e})"))
                .collect();
            (!parts.is_empty()).then(|| parts.join(op))
        }
        _ => None,
    }
}

/// Declared licenses (else concluded ones) by the element they belong to.
fn licenses_by_element<'a>(
    ix: &Index<'a>,
    ours: bool,
) -> BTreeMap<&'a str, Vec<sbom_model::License>> {
    let mut declared: BTreeMap<&str, Vec<sbom_model::License>> = BTreeMap::new();
    let mut concluded: BTreeMap<&str, Vec<sbom_model::License>> = BTreeMap::new();
    for r in ix.of_type("Relationship") {
        let target = match str_of(r, "relationshipType") {
            Some("hasDeclaredLicense") => &mut declared,
            Some("hasConcludedLicense") => &mut concluded,
            _ => continue,
        };
        let Some(from) = r.get("from").and_then(Index::ref_id) else {
            continue;
        };
        for to in list(r, "to") {
            let Some(el) = ix.get(to) else { continue };
            let mut texts = BTreeMap::new();
            let Some(expr) = expression(ix, el, &mut texts, 0) else {
                continue;
            };
            let extracted: BTreeMap<&str, &str> = texts
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            target.entry(from).or_default().extend(spdx::read_licenses(
                Some(&expr),
                &extracted,
                ours,
            ));
        }
    }
    for (k, v) in concluded {
        declared.entry(k).or_insert(v);
    }
    declared
}

fn relationships(ix: &Index<'_>, subject: Option<&str>) -> Vec<Relationship> {
    let map = |id: &str| -> String {
        if Some(id) == subject {
            Subject::ID.to_string()
        } else {
            id.to_string()
        }
    };
    let mut out = Vec::new();
    for r in ix.of_type("Relationship") {
        let Some(from) = r.get("from").and_then(Index::ref_id).map(map) else {
            continue;
        };
        let ty = str_of(r, "relationshipType").unwrap_or("");
        let owns = str_of(r, "comment") == Some(OWNS_COMMENT);
        for to in list(r, "to").into_iter().filter_map(Index::ref_id) {
            let to = map(to);
            let kind = match ty {
                "contains" | "dependsOn" if from == Subject::ID => RelationshipKind::Contains,
                "contains" if owns || to != Subject::ID => RelationshipKind::Owns,
                "dependsOn" => RelationshipKind::DependsOn,
                _ => continue,
            };
            out.push(Relationship {
                from: from.clone(),
                kind,
                to,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_contexts_are_refused() {
        let e = read_json(
            br#"{"@context":"https://spdx.org/rdf/3.0.0/spdx-context.jsonld","@graph":[]}"#,
        )
        .unwrap_err();
        assert!(matches!(e, FormatError::UnsupportedVersion { .. }), "{e}");
        let e = read_json(br#"{"@context":"https://example.org/x","@graph":[]}"#).unwrap_err();
        assert!(matches!(e, FormatError::Unrecognised(_)), "{e}");
        let e =
            read_json(format!(r#"{{"@context":"{CONTEXT}","@graph":7}}"#).as_bytes()).unwrap_err();
        assert!(matches!(e, FormatError::Unrecognised(_)), "{e}");
    }

    #[test]
    fn listed_licenses_and_sets_become_expressions() {
        let doc = serde_json::json!([
            {"type": "expandedlicensing_ListedLicense", "spdxId": "https://spdx.org/licenses/MIT"},
            {"type": "expandedlicensing_ListedLicense", "spdxId": "https://spdx.org/licenses/Apache-2.0"},
            {"type": "expandedlicensing_DisjunctiveLicenseSet", "spdxId": "x:set",
             "expandedlicensing_member": ["https://spdx.org/licenses/MIT", "https://spdx.org/licenses/Apache-2.0"]}
        ]);
        let graph = doc.as_array().expect("array");
        let ix = Index::new(graph);
        let mut texts = BTreeMap::new();
        let set = ix.by_id.get("x:set").copied().expect("set");
        assert_eq!(
            expression(&ix, set, &mut texts, 0).as_deref(),
            Some("(MIT) OR (Apache-2.0)")
        );
    }
}
