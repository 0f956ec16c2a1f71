//! SPDX 3.0.1 JSON-LD: the writer (Core, Software and SimpleLicensing profiles; the
//! Security profile for audit results) and the reader.
//!
//! Mapping decisions (also in `docs/formats.md`):
//! - One `@graph`: a `CreationInfo` (blank node `_:creation`), the tool as a
//!   `SoftwareAgent` (`createdBy`) and each writer tool as a `Tool` (`createdUsing`,
//!   name `NAME-VERSION` as in SPDX 2), the `SpdxDocument` whose root is a
//!   `software_Sbom` (type `analyzed`) whose root is the subject package (the image).
//! - ids: `https://sbom.invalid/spdx3/NAME-UUID#...`; a package's fragment is its SPDX 2
//!   id (`SPDXRef-Package-ECOSYSTEM-NAME-VERSION-HASH8`), the image's `SPDXRef-Subject`.
//! - supplier and author: an `Organization` or `Person` (same rule as SPDX 2), email as
//!   an `ExternalIdentifier` of type `email`, one element per distinct agent.
//! - licenses: one `simplelicensing_LicenseExpression` per distinct declared expression
//!   (several licenses as `(A) AND (B)`), linked by `hasDeclaredLicense`; free text as a
//!   `LicenseRef-` whose text is a `simplelicensing_SimpleLicensingText`, mapped through
//!   `simplelicensing_customIdToUri`.
//! - relationships: subject `contains` every package (one element, `to` lists them),
//!   one `dependsOn` per package with dependencies, "owns" as `contains` from the owner
//!   with the comment `sbom:owns`.
//! - facts without a field: one `Annotation` per element (type `other`), statement
//!   `NAME=VALUE` lines (`\` and line breaks escaped), the same `sbom:` names as the
//!   CycloneDX properties.
use std::collections::{BTreeMap, BTreeSet};

use sbom_model::{Checksum, Ecosystem, HashAlgorithm, Package, RelationshipKind, Sbom, Subject};
use serde_json::{json, Map, Value};

use crate::common::{self, is_url};
use crate::spdx;
use crate::FormatError;

mod read;
mod security;

pub use read::read_json;
pub use security::{Cvss, VexInput, VexStatus, VulnInput};

/// The JSON-LD context every SPDX 3.0.1 document names.
pub const CONTEXT: &str = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";
const CREATION: &str = "_:creation";
pub(crate) const OWNS_COMMENT: &str = "sbom:owns";

/// The `@graph` being built, with the ids already handed out.
pub(crate) struct Graph {
    pub ns: String,
    pub elements: Vec<Value>,
    /// Model package id (or [`Subject::ID`]) -> spdxId.
    pub ids: BTreeMap<String, String>,
    agents: BTreeMap<String, String>,
    licenses: BTreeMap<String, String>,
    license_texts: BTreeMap<String, String>,
}

impl Graph {
    pub fn id(&self, fragment: &str) -> String {
        format!("{}#{fragment}", self.ns)
    }

    /// An element with its type, id and creation info first.
    pub fn element(&self, ty: &str, fragment: &str) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("type".into(), json!(ty));
        m.insert("spdxId".into(), json!(self.id(fragment)));
        m.insert("creationInfo".into(), json!(CREATION));
        m
    }

    pub fn push(&mut self, m: Map<String, Value>) {
        self.elements.push(Value::Object(m));
    }

    pub fn relationship(&mut self, fragment: &str, from: &str, ty: &str, to: Vec<String>) {
        let mut r = self.element("Relationship", fragment);
        r.insert("from".into(), json!(from));
        r.insert("relationshipType".into(), json!(ty));
        r.insert("to".into(), json!(to));
        self.push(r);
    }

    /// The agent element for `Name <email>` (added once), as its id.
    fn agent(&mut self, who: &str) -> String {
        if let Some(id) = self.agents.get(who) {
            return id.clone();
        }
        let (kind, name, email) = spdx::actor_parts(who);
        let fragment = format!("agent-{}", spdx::short_hash(&format!("{kind}\n{who}")));
        let mut a = self.element(kind, &fragment);
        a.insert("name".into(), json!(name));
        if let Some(e) = email {
            a.insert(
                "externalIdentifier".into(),
                json!([{"type": "ExternalIdentifier", "externalIdentifierType": "email", "identifier": e}]),
            );
        }
        let id = self.id(&fragment);
        self.push(a);
        self.agents.insert(who.to_string(), id.clone());
        id
    }

    /// The license-expression element for `expr` (added once), as its id.
    fn license(&mut self, expr: &str, texts: &BTreeMap<String, String>) -> String {
        if let Some(id) = self.licenses.get(expr) {
            return id.clone();
        }
        let fragment = format!("license-{}", spdx::short_hash(expr));
        let mut l = self.element("simplelicensing_LicenseExpression", &fragment);
        l.insert("simplelicensing_licenseExpression".into(), json!(expr));
        let mut custom = Vec::new();
        for r in license_refs(expr) {
            let text = texts
                .get(&r)
                .cloned()
                .unwrap_or_else(|| spdx::textless_ref(&r));
            let tid = self.license_text(&r, &text);
            custom.push(json!({"type": "DictionaryEntry", "key": r, "value": tid}));
        }
        if !custom.is_empty() {
            l.insert("simplelicensing_customIdToUri".into(), Value::Array(custom));
        }
        let id = self.id(&fragment);
        self.push(l);
        self.licenses.insert(expr.to_string(), id.clone());
        id
    }

    fn license_text(&mut self, r: &str, text: &str) -> String {
        if let Some(id) = self.license_texts.get(r) {
            return id.clone();
        }
        let mut t = self.element("simplelicensing_SimpleLicensingText", &format!("text-{r}"));
        t.insert("name".into(), json!(r));
        t.insert("simplelicensing_licenseText".into(), json!(text));
        let id = self.id(&format!("text-{r}"));
        self.push(t);
        self.license_texts.insert(r.to_string(), id.clone());
        id
    }

    /// `NAME=VALUE` facts of `subject` as one annotation.
    fn annotate(&mut self, subject: &str, fragment: &str, props: &[(String, String)]) {
        if props.is_empty() {
            return;
        }
        let statement = props
            .iter()
            .map(|(k, v)| format!("{k}={}", escape(v)))
            .collect::<Vec<_>>()
            .join("\n");
        let mut a = self.element("Annotation", fragment);
        a.insert("annotationType".into(), json!("other"));
        a.insert("subject".into(), json!(subject));
        a.insert("statement".into(), json!(statement));
        self.push(a);
    }
}

/// `\` and line breaks escaped, so that one annotation line is one property.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

pub(crate) fn unescape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(o) => out.push(o),
            None => out.push('\\'),
        }
    }
    out
}

/// `LicenseRef-` ids inside an expression.
fn license_refs(expr: &str) -> Vec<String> {
    let set: BTreeSet<String> = expr
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|w| w.starts_with("LicenseRef-"))
        .map(str::to_string)
        .collect();
    set.into_iter().collect()
}

fn hash_algorithm(a: HashAlgorithm) -> &'static str {
    match a {
        HashAlgorithm::Md5 => "md5",
        HashAlgorithm::Sha1 => "sha1",
        HashAlgorithm::Sha256 => "sha256",
        HashAlgorithm::Sha384 => "sha384",
        HashAlgorithm::Sha512 => "sha512",
    }
}

fn purpose(e: Ecosystem) -> &'static str {
    match e {
        Ecosystem::Oci => "container",
        Ecosystem::Binary => "application",
        Ecosystem::Archive => "archive",
        _ => "library",
    }
}

/// Hashes that fit their algorithm as `verifiedUsing`; the rest as properties.
fn hashes(cs: &[Checksum], props: &mut Vec<(String, String)>) -> Vec<Value> {
    let mut out = Vec::new();
    for c in cs {
        if spdx::checksum_fits(c) {
            out.push(json!({
                "type": "Hash",
                "algorithm": hash_algorithm(c.algorithm),
                "hashValue": c.value.to_ascii_lowercase()
            }));
        } else {
            props.push((
                format!("sbom:checksum:{}", c.algorithm.spdx_name()),
                c.value.clone(),
            ));
        }
    }
    out
}

fn header(g: &mut Graph, sbom: &Sbom, created: &str) -> Vec<String> {
    let tools = common::writer_tools(sbom);
    let mut tool_ids = Vec::new();
    for (i, t) in tools.iter().enumerate() {
        let fragment = format!("tool-{}", i + 1);
        let mut e = g.element("Tool", &fragment);
        e.insert("name".into(), json!(format!("{}-{}", t.name, t.version)));
        tool_ids.push(g.id(&fragment));
        g.push(e);
    }
    // The SBOM's authors (`--author`) made it too, with our tool.
    let mut created_by = vec![g.id("creator")];
    for a in &sbom.authors {
        created_by.push(org_agent(g, a));
    }
    g.elements.insert(
        0,
        json!({
            "type": "CreationInfo",
            "@id": CREATION,
            "specVersion": "3.0.1",
            "created": created,
            "createdBy": created_by,
            "createdUsing": tool_ids
        }),
    );
    let mut agent = g.element("SoftwareAgent", "creator");
    agent.insert("name".into(), json!(sbom_model::TOOL_NAME));
    g.push(agent);
    tool_ids
}

fn subject_element(g: &mut Graph, sbom: &Sbom) {
    let s = &sbom.subject;
    let mut props = common::subject_properties(s);
    if let Some(d) = &sbom.distro {
        props.extend(common::distro_properties(d));
    }
    let mut e = g.element("software_Package", spdx::SUBJECT_ID);
    e.insert("name".into(), json!(common::subject_display_name(sbom)));
    if let Some(v) = s.manifest_digest.clone().or_else(|| s.tag.clone()) {
        e.insert("software_packageVersion".into(), json!(v));
    }
    if let Some(p) = s.purl() {
        e.insert("software_packageUrl".into(), json!(p));
    }
    let digest: Vec<Checksum> = s
        .manifest_digest
        .as_deref()
        .and_then(|d| d.strip_prefix("sha256:"))
        .map(|h| Checksum {
            algorithm: HashAlgorithm::Sha256,
            value: h.to_ascii_lowercase(),
        })
        .into_iter()
        .filter(spdx::checksum_fits)
        .collect();
    let mut none = Vec::new();
    let h = hashes(&digest, &mut none);
    if !h.is_empty() {
        e.insert("verifiedUsing".into(), Value::Array(h));
    }
    let purpose = match s.kind {
        sbom_model::SubjectKind::Image => "container",
        _ => "other",
    };
    e.insert("software_primaryPurpose".into(), json!(purpose));
    if let Some(sup) = common::subject_supplier(sbom) {
        // An image's supplier (vendor label, registry namespace) is an organisation.
        let (name, email) = common::split_contact(&sup);
        let who = match email {
            Some(m) => format!("{name} <{m}>"),
            None => name,
        };
        let id = org_agent(g, &who);
        e.insert("suppliedBy".into(), json!(id));
    }
    let id = g.id(spdx::SUBJECT_ID);
    g.ids.insert(Subject::ID.to_string(), id.clone());
    g.push(e);
    g.annotate(&id, "props-subject", &props);
}

/// An `Organization` agent whatever the name looks like (the image's supplier).
fn org_agent(g: &mut Graph, who: &str) -> String {
    let key = format!("org\n{who}");
    if let Some(id) = g.agents.get(&key) {
        return id.clone();
    }
    let (name, email) = common::split_contact(who);
    let fragment = format!("agent-{}", spdx::short_hash(&key));
    let mut a = g.element("Organization", &fragment);
    a.insert("name".into(), json!(name));
    if let Some(e) = email {
        a.insert(
            "externalIdentifier".into(),
            json!([{"type": "ExternalIdentifier", "externalIdentifierType": "email", "identifier": e}]),
        );
    }
    let id = g.id(&fragment);
    g.push(a);
    g.agents.insert(key, id.clone());
    id
}

fn package_element(g: &mut Graph, p: &Package, owners: &common::Owners) {
    let fragment = spdx::package_spdx_id(p);
    let id = g.id(&fragment);
    g.ids.insert(p.id.clone(), id.clone());
    let mut props = common::package_properties(p, owners);
    props.retain(|(k, _)| k != common::P_OWNED_BY);
    let mut e = g.element("software_Package", &fragment);
    e.insert("name".into(), json!(p.name));
    if let Some(d) = &p.description {
        e.insert("description".into(), json!(d));
    }
    let h = hashes(&p.checksums, &mut props);
    if !h.is_empty() {
        e.insert("verifiedUsing".into(), Value::Array(h));
    }
    if let Some(s) = p.supplier.as_deref().filter(|s| !s.trim().is_empty()) {
        let a = g.agent(s);
        e.insert("suppliedBy".into(), json!(a));
    }
    if let Some(s) = p.author.as_deref().filter(|s| !s.trim().is_empty()) {
        let a = g.agent(s);
        e.insert("originatedBy".into(), json!([a]));
    }
    if !p.version.is_empty() {
        e.insert("software_packageVersion".into(), json!(p.version));
    }
    if let Some(u) = &p.purl {
        e.insert("software_packageUrl".into(), json!(u));
    }
    if let Some(u) = p.download_url.as_deref().filter(|u| is_url(u)) {
        e.insert("software_downloadLocation".into(), json!(u));
    }
    if let Some(u) = p.homepage.as_deref().filter(|u| is_url(u)) {
        e.insert("software_homePage".into(), json!(u));
    }
    e.insert(
        "software_primaryPurpose".into(),
        json!(purpose(p.ecosystem)),
    );
    g.push(e);
    if !p.licenses.is_empty() {
        let mut extracted = BTreeMap::new();
        let expr = spdx::declared(&p.licenses, &mut extracted);
        let lid = g.license(&expr, &extracted);
        g.relationship(
            &format!("license-of-{fragment}"),
            &id,
            "hasDeclaredLicense",
            vec![lid],
        );
    }
    g.annotate(&id, &format!("props-{fragment}"), &props);
}

fn relationships(g: &mut Graph, sbom: &Sbom) {
    let mut groups: BTreeMap<(String, &'static str), BTreeSet<String>> = BTreeMap::new();
    for r in &sbom.relationships {
        let (Some(from), Some(to)) = (g.ids.get(&r.from), g.ids.get(&r.to)) else {
            continue;
        };
        let kind = match r.kind {
            RelationshipKind::Contains => "contains",
            RelationshipKind::DependsOn => "dependsOn",
            RelationshipKind::Owns => "owns",
        };
        groups
            .entry((from.clone(), kind))
            .or_default()
            .insert(to.clone());
    }
    // The subject's edges first, then per package in document order.
    let subject = g.ids.get(Subject::ID).cloned().unwrap_or_default();
    let mut order: Vec<String> = vec![subject];
    order.extend(
        sbom.packages
            .iter()
            .filter_map(|p| g.ids.get(&p.id).cloned()),
    );
    for from in order {
        for kind in ["contains", "dependsOn", "owns"] {
            let Some(to) = groups.remove(&(from.clone(), kind)) else {
                continue;
            };
            let frag = from.rsplit('#').next().unwrap_or("").to_string();
            let (ty, name) = match kind {
                "owns" => ("contains", format!("owns-{frag}")),
                other => (other, format!("{other}-{frag}")),
            };
            let mut r = g.element("Relationship", &format!("rel-{name}"));
            r.insert("from".into(), json!(from));
            r.insert("relationshipType".into(), json!(ty));
            r.insert("to".into(), json!(to.into_iter().collect::<Vec<_>>()));
            if kind == "owns" {
                r.insert("comment".into(), json!(OWNS_COMMENT));
            }
            if kind == "contains" && from.ends_with(spdx::SUBJECT_ID) {
                r.insert("completeness".into(), json!("complete"));
            }
            g.push(r);
        }
    }
}

/// The graph of `sbom` (Core, Software, SimpleLicensing), without the document
/// elements; [`finish`] adds them.
pub(crate) fn build(sbom: &Sbom) -> Result<(Graph, String), FormatError> {
    let created = common::document_timestamp(sbom)?;
    let uuid = sbom
        .serial
        .as_deref()
        .filter(|s| common::is_cdx_serial(s))
        .and_then(|s| s.strip_prefix("urn:uuid:"))
        .map(str::to_string)
        .unwrap_or_else(|| common::content_uuid(sbom, &created));
    let name = common::subject_display_name(sbom);
    let mut g = Graph {
        ns: format!(
            "https://sbom.invalid/spdx3/{}-{uuid}",
            spdx::truncate_chars(&spdx::sanitize_id(&name), 80)
        ),
        elements: Vec::new(),
        ids: BTreeMap::new(),
        agents: BTreeMap::new(),
        licenses: BTreeMap::new(),
        license_texts: BTreeMap::new(),
    };
    header(&mut g, sbom, &created);
    subject_element(&mut g, sbom);
    let owners = common::owners(sbom);
    for p in &sbom.packages {
        package_element(&mut g, p, &owners);
    }
    relationships(&mut g, sbom);
    Ok((g, name))
}

/// Adds the `software_Sbom` and the `SpdxDocument` and serialises.
pub(crate) fn finish(mut g: Graph, name: &str, profiles: &[&str]) -> Result<Vec<u8>, FormatError> {
    let subject = g.ids.get(Subject::ID).cloned().unwrap_or_default();
    let mut data_license = g.element("simplelicensing_LicenseExpression", "data-license");
    data_license.insert("simplelicensing_licenseExpression".into(), json!("CC0-1.0"));
    g.push(data_license);
    let members: Vec<String> = g
        .elements
        .iter()
        .filter_map(|e| e.get("spdxId").and_then(Value::as_str))
        .map(str::to_string)
        .collect();
    let mut bom = g.element("software_Sbom", "sbom");
    bom.insert("software_sbomType".into(), json!(["analyzed"]));
    bom.insert("rootElement".into(), json!([subject]));
    bom.insert("element".into(), json!(members));
    let sbom_id = g.id("sbom");
    g.push(bom);
    let mut all = members;
    all.push(sbom_id.clone());
    let mut doc = g.element("SpdxDocument", "SPDXRef-DOCUMENT");
    doc.insert("name".into(), json!(name));
    doc.insert("dataLicense".into(), json!(g.id("data-license")));
    doc.insert("profileConformance".into(), json!(profiles));
    doc.insert("rootElement".into(), json!([sbom_id]));
    doc.insert("element".into(), json!(all));
    g.push(doc);
    let out = json!({"@context": CONTEXT, "@graph": g.elements});
    let mut bytes = serde_json::to_vec_pretty(&out).map_err(|source| FormatError::Serialize {
        format: "SPDX 3 JSON-LD",
        source,
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

pub(crate) const PROFILES: [&str; 3] = ["core", "software", "simpleLicensing"];

/// SPDX 3.0.1 JSON-LD of `sbom`, pretty-printed, ending in a newline.
pub(crate) fn write_json(sbom: &Sbom) -> Result<Vec<u8>, FormatError> {
    let (g, name) = build(sbom)?;
    finish(g, &name, &PROFILES)
}

/// SPDX 3.0.1 JSON-LD of `sbom` with the Security profile: each vulnerability as a
/// `security_Vulnerability`, linked from its package by `hasAssociatedVulnerability`,
/// with its CVSS rating and VEX status as assessment relationships.
pub fn write_json_with_vulnerabilities(
    sbom: &Sbom,
    vulns: &[VulnInput],
) -> Result<Vec<u8>, FormatError> {
    let (mut g, name) = build(sbom)?;
    security::add(&mut g, vulns);
    let mut profiles = PROFILES.to_vec();
    profiles.push("security");
    finish(g, &name, &profiles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_values_escape_and_unescape() {
        for v in ["plain", "a\nb", "back\\slash\\n", "cr\r\n", "\\"] {
            assert_eq!(unescape(&escape(v)), v, "{v:?}");
            assert!(!escape(v).contains('\n'));
        }
    }

    #[test]
    fn license_refs_are_found_once() {
        assert_eq!(
            license_refs("(LicenseRef-a-1) AND (MIT OR LicenseRef-a-1)"),
            vec!["LicenseRef-a-1".to_string()]
        );
    }
}
