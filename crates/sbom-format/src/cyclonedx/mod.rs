//! CycloneDX: our wire structs (JSON 1.4–1.7 shape, also walked by the XML writer),
//! the mapping from the model, and the reader.
//!
//! Mapping decisions (also in `docs/formats.md`):
//! - The subject is `metadata.component` (type `container` for images) with bom-ref
//!   = its purl (or `subject:NAME`), never equal to a package's bom-ref.
//! - `Contains` from the subject and `DependsOn` become `dependencies[].dependsOn`.
//! - `Contains` between packages (a jar inside a war, a library shaded into a jar)
//!   nests the contained component in its container's `components`: CycloneDX's own
//!   way to say "assembled from" ("not a dependency tree"), which a `dependsOn` edge
//!   would misstate. A component contained in several is nested in the first; the
//!   reader turns nesting back into `Contains`.
//! - CycloneDX has no "owns": an owned (Python) component carries the property
//!   `sbom:owned_by` = the owning OS package's bom-ref, once per owner.
//! - Licenses: a single SPDX id is `license.id`; a lone compound expression is
//!   `expression`; otherwise each license is `license.id` or `license.name` (the
//!   schema forbids mixing `expression` with `license` entries).
use std::collections::{BTreeMap, BTreeSet};

use sbom_model::{Ecosystem, License, Package, RelationshipKind, Sbom, Subject, SubjectKind};
use serde::{Deserialize, Serialize};

use crate::common::{self, is_url};
use crate::{CdxVersion, FormatError};

mod read;
mod xml;
mod xml_read;

pub use read::read_json;
pub(crate) use xml::write_xml;
pub use xml_read::read_xml;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Bom {
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(default)]
    pub bom_format: String,
    #[serde(default)]
    pub spec_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    #[serde(default = "one")]
    pub version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Dependency>,
}

fn one() -> u64 {
    1
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Metadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Tools>,
    /// Who made the BOM (`sbom scan --author`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<Component>,
    /// The organisation that made the BOM (1.6+): the first `--author`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<Entity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<Entity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
}

/// `tools`: the 1.5+ object form, or the 1.4 array of `{vendor, name, version}`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum Tools {
    Modern {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        components: Vec<Component>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        services: Vec<Component>,
    },
    Legacy(Vec<LegacyTool>),
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct LegacyTool {
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Component {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(rename = "bom-ref", default, skip_serializing_if = "Option::is_none")]
    pub bom_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<Entity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<Hash>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<LicenseChoice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_references: Vec<ExternalReference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Entity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub url: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact: Vec<Contact>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Hash {
    #[serde(default)]
    pub alg: String,
    #[serde(default)]
    pub content: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum LicenseChoice {
    License { license: LicenseObj },
    Expression { expression: String },
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct LicenseObj {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct ExternalReference {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub url: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Property {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Dependency {
    #[serde(rename = "ref", default)]
    pub reference: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

fn props(list: Vec<(String, String)>) -> Vec<Property> {
    list.into_iter()
        .map(|(name, value)| Property {
            name,
            value: Some(value),
        })
        .collect()
}

/// Whether `e` is one current SPDX license id (what `license.id` accepts).
fn is_single_id(e: &str) -> bool {
    spdx::license_id(e).is_some_and(|id| id.name == e && !id.is_deprecated())
}

pub(crate) fn licenses(ls: &[License]) -> Vec<LicenseChoice> {
    if let [License::Spdx(e)] = ls {
        if !is_single_id(e) {
            return vec![LicenseChoice::Expression {
                expression: e.clone(),
            }];
        }
    }
    // Several SPDX licenses, one of them compound: one expression `(A) AND (B)`,
    // which the reader splits again (same shape as SPDX licenseDeclared).
    let all_spdx = ls.iter().all(|l| l.spdx().is_some());
    if ls.len() > 1 && all_spdx && ls.iter().any(|l| !is_single_id(l.as_str())) {
        let expression = ls
            .iter()
            .map(|l| format!("({})", l.as_str()))
            .collect::<Vec<_>>()
            .join(" AND ");
        return vec![LicenseChoice::Expression { expression }];
    }
    ls.iter()
        .map(|l| {
            let obj = match l {
                License::Spdx(e) if is_single_id(e) => LicenseObj {
                    id: Some(e.clone()),
                    name: None,
                },
                other => LicenseObj {
                    id: None,
                    name: Some(other.as_str().to_string()),
                },
            };
            LicenseChoice::License { license: obj }
        })
        .collect()
}

/// A checksum that fits CycloneDX's `hash-content` pattern for its algorithm.
fn hash_fits(alg: sbom_model::HashAlgorithm, v: &str) -> bool {
    use sbom_model::HashAlgorithm as H;
    let len = match alg {
        H::Md5 => 32,
        H::Sha1 => 40,
        H::Sha256 => 64,
        H::Sha384 => 96,
        H::Sha512 => 128,
    };
    v.len() == len && v.bytes().all(|b| b.is_ascii_hexdigit())
}

fn supplier_entity(s: &str) -> Entity {
    let (name, email) = common::split_contact(s);
    Entity {
        contact: email
            .map(|e| {
                vec![Contact {
                    name: Some(name.clone()),
                    email: Some(e),
                }]
            })
            .unwrap_or_default(),
        name: Some(name),
        url: Vec::new(),
    }
}

/// CycloneDX `group` and `name` of a package: the purl's namespace goes to `group`
/// for ecosystems whose model names carry one (Maven `group:artifact`, npm `@scope/name`,
/// Composer `vendor/name`, a Go module path's prefix), as cdxgen and Dependency-Track
/// expect; the reader joins them back from the purl.
fn group_and_name(p: &Package) -> (Option<String>, String) {
    let sep = match p.ecosystem {
        Ecosystem::Maven => ':',
        Ecosystem::Npm | Ecosystem::Composer | Ecosystem::Golang => '/',
        _ => return (None, p.name.clone()),
    };
    match p.name.rsplit_once(sep) {
        Some((g, n)) if !g.is_empty() && !n.is_empty() => (Some(g.to_string()), n.to_string()),
        _ => (None, p.name.clone()),
    }
}

fn component(p: &Package, owners: &common::Owners) -> Component {
    let mut properties = common::package_properties(p, owners);
    let mut hashes = Vec::new();
    for c in &p.checksums {
        if hash_fits(c.algorithm, &c.value) {
            hashes.push(Hash {
                alg: c.algorithm.cyclonedx_name().to_string(),
                content: c.value.to_ascii_lowercase(),
            });
        } else {
            properties.push((
                format!("sbom:checksum:{}", c.algorithm.spdx_name()),
                c.value.clone(),
            ));
        }
    }
    let mut refs = Vec::new();
    if let Some(h) = p.homepage.as_deref().filter(|h| is_url(h)) {
        refs.push(ExternalReference {
            kind: "website".into(),
            url: h.to_string(),
        });
    }
    if let Some(h) = p.download_url.as_deref().filter(|h| is_url(h)) {
        refs.push(ExternalReference {
            kind: "distribution".into(),
            url: h.to_string(),
        });
    }
    let (group, name) = group_and_name(p);
    Component {
        kind: match p.ecosystem {
            Ecosystem::Oci => "container",
            Ecosystem::Binary => "application",
            _ => "library",
        }
        .to_string(),
        bom_ref: Some(p.id.clone()),
        supplier: p.supplier.as_deref().map(supplier_entity),
        author: p.author.clone(),
        group,
        name,
        version: Some(p.version.clone()).filter(|v| !v.is_empty()),
        description: p.description.clone(),
        hashes,
        licenses: licenses(&p.licenses),
        purl: p.purl.clone(),
        external_references: refs,
        properties: props(properties),
        ..Component::default()
    }
}

fn subject_component(sbom: &Sbom, subject_ref: &str) -> Component {
    let s = &sbom.subject;
    let hashes = s
        .manifest_digest
        .as_deref()
        .and_then(|d| d.strip_prefix("sha256:"))
        .filter(|h| hash_fits(sbom_model::HashAlgorithm::Sha256, h))
        .map(|h| {
            vec![Hash {
                alg: "SHA-256".into(),
                content: h.to_ascii_lowercase(),
            }]
        })
        .unwrap_or_default();
    Component {
        kind: match s.kind {
            SubjectKind::Image => "container",
            SubjectKind::Directory | SubjectKind::Declared => "application",
        }
        .to_string(),
        bom_ref: Some(subject_ref.to_string()),
        supplier: common::subject_supplier(sbom).map(|s| supplier_entity(&s)),
        name: common::subject_display_name(sbom),
        version: s.manifest_digest.clone().or_else(|| s.tag.clone()),
        hashes,
        purl: s.purl(),
        properties: props(common::subject_properties(s)),
        ..Component::default()
    }
}

/// The CycloneDX document for `sbom`.
pub(crate) fn build(sbom: &Sbom, version: CdxVersion) -> Result<Bom, FormatError> {
    let timestamp = common::document_timestamp(sbom)?;
    let serial = match &sbom.serial {
        Some(s) if common::is_cdx_serial(s) => s.clone(),
        _ => format!("urn:uuid:{}", common::content_uuid(sbom, &timestamp)),
    };
    let subject_ref = common::subject_ref(sbom);
    let tools = common::writer_tools(sbom)
        .into_iter()
        .map(|t| Component {
            kind: "application".into(),
            name: t.name,
            version: Some(t.version).filter(|v| !v.is_empty()),
            ..Component::default()
        })
        .collect();
    let known: BTreeSet<&str> = sbom.packages.iter().map(|p| p.id.as_str()).collect();
    let map_ref = |id: &str| -> Option<String> {
        if id == Subject::ID {
            Some(subject_ref.clone())
        } else {
            known.contains(id).then(|| id.to_string())
        }
    };
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &sbom.relationships {
        if r.kind == RelationshipKind::Owns
            || (r.kind == RelationshipKind::Contains && r.from != Subject::ID)
        {
            continue;
        }
        if let (Some(from), Some(to)) = (map_ref(&r.from), map_ref(&r.to)) {
            deps.entry(from).or_default().insert(to);
        }
    }
    // The subject first, then the packages in document order.
    let mut dependencies = Vec::new();
    if let Some(d) = deps.remove(&subject_ref) {
        dependencies.push(Dependency {
            reference: subject_ref.clone(),
            depends_on: d.into_iter().collect(),
        });
    }
    for p in &sbom.packages {
        if let Some(d) = deps.remove(&p.id) {
            dependencies.push(Dependency {
                reference: p.id.clone(),
                depends_on: d.into_iter().collect(),
            });
        }
    }
    Ok(Bom {
        schema: Some(format!(
            "http://cyclonedx.org/schema/bom-{}.schema.json",
            version.as_str()
        )),
        bom_format: "CycloneDX".into(),
        spec_version: version.as_str().into(),
        serial_number: Some(serial),
        version: 1,
        metadata: Some(Metadata {
            timestamp: Some(timestamp),
            tools: Some(Tools::Modern {
                components: tools,
                services: Vec::new(),
            }),
            authors: sbom
                .authors
                .iter()
                .map(|a| Contact {
                    name: Some(a.clone()),
                    email: None,
                })
                .collect(),
            component: Some(subject_component(sbom, &subject_ref)),
            manufacturer: match version {
                CdxVersion::V1_5 => None,
                _ => sbom.authors.first().map(|a| supplier_entity(a)),
            },
            supplier: None,
            properties: props(
                sbom.distro
                    .as_ref()
                    .map(common::distro_properties)
                    .unwrap_or_default(),
            ),
        }),
        components: nested_components(sbom),
        dependencies,
    })
}

/// The packages as components, each one a package contains nested in its container
/// (document order at every level; anything a cycle would hide stays at the top).
fn nested_components(sbom: &Sbom) -> Vec<Component> {
    let owners = common::owners(sbom);
    let index: BTreeMap<&str, usize> = sbom
        .packages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let mut parent: BTreeMap<usize, usize> = BTreeMap::new();
    for r in &sbom.relationships {
        if r.kind != RelationshipKind::Contains {
            continue;
        }
        if let (Some(&from), Some(&to)) = (index.get(r.from.as_str()), index.get(r.to.as_str())) {
            if from != to {
                parent.entry(to).or_insert(from);
            }
        }
    }
    let mut children: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (&child, &p) in &parent {
        children.entry(p).or_default().push(child);
    }
    let mut placed = vec![false; sbom.packages.len()];
    fn build(
        i: usize,
        sbom: &Sbom,
        owners: &common::Owners,
        children: &BTreeMap<usize, Vec<usize>>,
        placed: &mut [bool],
    ) -> Option<Component> {
        if placed.get(i).copied().unwrap_or(true) {
            return None;
        }
        if let Some(x) = placed.get_mut(i) {
            *x = true;
        }
        let mut c = component(sbom.packages.get(i)?, owners);
        for &k in children.get(&i).map(Vec::as_slice).unwrap_or_default() {
            c.components
                .extend(build(k, sbom, owners, children, placed));
        }
        Some(c)
    }
    let mut out: Vec<Component> = (0..sbom.packages.len())
        .filter(|i| !parent.contains_key(i))
        .filter_map(|i| build(i, sbom, &owners, &children, &mut placed))
        .collect();
    // Members of a containment cycle have a parent but no root above them.
    for i in 0..sbom.packages.len() {
        out.extend(build(i, sbom, &owners, &children, &mut placed));
    }
    out
}

/// CycloneDX JSON of `sbom`, pretty-printed, ending in a newline.
pub(crate) fn write_json(sbom: &Sbom, version: CdxVersion) -> Result<Vec<u8>, FormatError> {
    let bom = build(sbom, version)?;
    let mut out = serde_json::to_vec_pretty(&bom).map_err(|source| FormatError::Serialize {
        format: "CycloneDX JSON",
        source,
    })?;
    out.push(b'\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn license_shapes_follow_the_schema() {
        let one_expr = licenses(&[License::Spdx("MIT OR Apache-2.0".into())]);
        assert!(
            matches!(&one_expr[..], [LicenseChoice::Expression { expression }] if expression == "MIT OR Apache-2.0")
        );
        let all_spdx = licenses(&[
            License::Spdx("MIT".into()),
            License::Spdx("GPL-2.0-or-later OR BSD-3-Clause".into()),
        ]);
        assert!(
            matches!(&all_spdx[..], [LicenseChoice::Expression { expression }] if expression == "(MIT) AND (GPL-2.0-or-later OR BSD-3-Clause)")
        );
        let mixed = licenses(&[
            License::Spdx("MIT".into()),
            License::Spdx("GPL-2.0-or-later OR BSD-3-Clause".into()),
            License::Named("Custom".into()),
        ]);
        let shapes: Vec<(Option<&str>, Option<&str>)> = mixed
            .iter()
            .map(|c| match c {
                LicenseChoice::License { license } => {
                    (license.id.as_deref(), license.name.as_deref())
                }
                LicenseChoice::Expression { .. } => (Some("EXPR"), None),
            })
            .collect();
        assert_eq!(
            shapes,
            vec![
                (Some("MIT"), None),
                (None, Some("GPL-2.0-or-later OR BSD-3-Clause")),
                (None, Some("Custom")),
            ]
        );
    }

    #[test]
    fn base64_record_hashes_are_not_written_as_hex() {
        assert!(!hash_fits(
            sbom_model::HashAlgorithm::Sha256,
            "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        ));
        assert!(hash_fits(
            sbom_model::HashAlgorithm::Md5,
            "d41d8cd98f00b204e9800998ecf8427e"
        ));
    }
}
