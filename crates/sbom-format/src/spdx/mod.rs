//! SPDX 2.3: JSON and tag-value writers (one set of wire structs), and the JSON reader.
//!
//! Mapping decisions (also in `docs/formats.md`):
//! - ids: `SPDXRef-DOCUMENT`, `SPDXRef-Subject` for the image, and for a package
//!   `SPDXRef-Package-ECOSYSTEM-NAME-VERSION-HASH` (characters outside `[A-Za-z0-9.-]`
//!   become `-`; HASH = first 8 hex of SHA-256 of the package id, so ids are unique).
//! - documentNamespace: `https://sbom.invalid/spdxdocs/NAME-UUID`, UUID from
//!   `Sbom.serial` or from the content and timestamp (deterministic when `created` is set).
//! - creators: `Organization: NAME` per `--author`, then `Tool: NAME-VERSION` per tool.
//!   No organisation is invented.
//! - supplier: `Organization:` when the name reads like a team or organisation
//!   (team, project, foundation, developers, maintainers, ...), else `Person:`;
//!   `NOASSERTION` when unknown. The author is the originator.
//! - licenseDeclared: one license as is; several as `(A) AND (B)`, each in
//!   parentheses (the reader splits on exactly that shape); free-text licenses as
//!   `LicenseRef-NAME-HASH` with the text in hasExtractedLicensingInfos.
//!   licenseConcluded is NOASSERTION (we do not conclude).
//! - relationships: DOCUMENT DESCRIBES subject; subject CONTAINS package; DEPENDS_ON;
//!   "owns" is CONTAINS from the OS package to the Python package with the comment
//!   `sbom:owns` (the OS package's files include the Python package's metadata).
//! - Layer, path and other facts without an SPDX field: one annotation (type OTHER)
//!   per fact, comment `NAME=VALUE`, with the same `sbom:` names as CycloneDX properties.
use std::collections::{BTreeMap, BTreeSet};

use sbom_model::{
    Checksum, Ecosystem, HashAlgorithm, License, Package, RelationshipKind, Sbom, Subject,
};
use serde::{Deserialize, Serialize};

use crate::common::{self, is_url};
use crate::FormatError;

mod read;
mod tagvalue;
mod tv_read;

pub use read::read_json;
pub(crate) use read::{read_licenses, serial_from_namespace, split_tool};
pub(crate) use tagvalue::write_tag_value;
pub use tv_read::read_tag_value;

pub(crate) const DOCUMENT_ID: &str = "SPDXRef-DOCUMENT";
pub(crate) const SUBJECT_ID: &str = "SPDXRef-Subject";
pub(crate) const OWNS_COMMENT: &str = "sbom:owns";
const NOASSERTION: &str = "NOASSERTION";

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Document {
    #[serde(default)]
    pub spdx_version: String,
    #[serde(default)]
    pub data_license: String,
    #[serde(rename = "SPDXID", default)]
    pub spdx_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub document_namespace: String,
    #[serde(default)]
    pub creation_info: CreationInfo,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub document_describes: Vec<String>,
    #[serde(default)]
    pub packages: Vec<SpdxPackage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relationships: Vec<SpdxRelationship>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub has_extracted_licensing_infos: Vec<ExtractedLicense>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreationInfo {
    #[serde(default)]
    pub created: String,
    #[serde(default)]
    pub creators: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_list_version: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SpdxPackage {
    #[serde(default)]
    pub name: String,
    #[serde(rename = "SPDXID", default)]
    pub spdx_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_info: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub originator: Option<String>,
    #[serde(default)]
    pub download_location: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files_analyzed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_info: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_concluded: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_declared: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copyright_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checksums: Vec<SpdxChecksum>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_refs: Vec<ExternalRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_package_purpose: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<Annotation>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SpdxChecksum {
    #[serde(default)]
    pub algorithm: String,
    #[serde(default)]
    pub checksum_value: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExternalRef {
    #[serde(default)]
    pub reference_category: String,
    #[serde(default)]
    pub reference_type: String,
    #[serde(default)]
    pub reference_locator: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Annotation {
    #[serde(default)]
    pub annotation_date: String,
    #[serde(default)]
    pub annotation_type: String,
    #[serde(default)]
    pub annotator: String,
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SpdxRelationship {
    #[serde(default)]
    pub spdx_element_id: String,
    #[serde(default)]
    pub relationship_type: String,
    #[serde(default)]
    pub related_spdx_element: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExtractedLicense {
    #[serde(default)]
    pub license_id: String,
    #[serde(default)]
    pub extracted_text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Characters SPDX ids allow; the rest become `-`, runs collapsed.
pub(crate) fn sanitize_id(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
            c
        } else {
            '-'
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out.trim_matches('-').to_string()
}

pub(crate) fn short_hash(s: &str) -> String {
    sbom_model::sha256_hex(s.as_bytes())[..8].to_string()
}

pub(crate) fn truncate_chars(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

pub(crate) fn package_spdx_id(p: &Package) -> String {
    format!(
        "SPDXRef-Package-{}-{}-{}-{}",
        p.ecosystem,
        truncate_chars(&sanitize_id(&p.name), 60),
        truncate_chars(&sanitize_id(&p.version), 40),
        short_hash(&p.id)
    )
}

pub(crate) fn license_ref(text: &str) -> String {
    let s = truncate_chars(&sanitize_id(text), 40);
    if s.is_empty() {
        format!("LicenseRef-{}", short_hash(text))
    } else {
        format!("LicenseRef-{s}-{}", short_hash(text))
    }
}

const ORG_WORDS: &[&str] = &[
    "team",
    "project",
    "foundation",
    "developers",
    "developer",
    "maintainers",
    "group",
    "community",
    "inc",
    "inc.",
    "ltd",
    "llc",
    "gmbh",
    "org",
    "organization",
    "organisation",
    "corporation",
    "corp",
    "company",
    "authority",
    "committee",
    "consortium",
    "contributors",
    "authors",
    "society",
    "association",
    "university",
    "lab",
    "labs",
    "debian",
    "ubuntu",
    "alpine",
    "fedora",
    "apache",
    "openstack",
    "pypa",
    "python",
];

/// An SPDX actor `KIND: NAME (EMAIL)`. Parsers split at the last parenthesis pair
/// (spdx-tools: `(.*)\((.*)\)`), so a name with parentheses keeps them when an email
/// follows, and gets an empty `()` when none does (else `Kim (dev)` would read as the
/// email `dev`). Line breaks become spaces.
fn actor_text(kind: &str, name: &str, email: Option<&str>) -> String {
    let name = name.replace(['\n', '\r'], " ");
    match email {
        Some(e) => format!("{kind}: {name} ({e})"),
        None if name.contains('(') || name.contains(')') => format!("{kind}: {name} ()"),
        None => format!("{kind}: {name}"),
    }
}

/// `Organization: NAME (EMAIL)` or `Person: NAME (EMAIL)`.
pub(crate) fn actor(s: &str) -> String {
    let (kind, name, email) = actor_parts(s);
    actor_text(kind, &name, email.as_deref())
}

/// `Name <email>` as (`Organization` or `Person`, name, email): an organisation when
/// the name reads like a team or organisation.
pub(crate) fn actor_parts(s: &str) -> (&'static str, String, Option<String>) {
    let (name, email) = common::split_contact(s);
    let lower = name.to_ascii_lowercase();
    let is_org = lower
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '.')
        .any(|w| ORG_WORDS.contains(&w))
        || email
            .as_deref()
            .is_some_and(|e| e.contains("lists.") || e.starts_with("team"));
    let kind = if is_org { "Organization" } else { "Person" };
    (kind, name, email)
}

pub(crate) fn checksum_fits(c: &Checksum) -> bool {
    let len = match c.algorithm {
        HashAlgorithm::Md5 => 32,
        HashAlgorithm::Sha1 => 40,
        HashAlgorithm::Sha256 => 64,
        HashAlgorithm::Sha384 => 96,
        HashAlgorithm::Sha512 => 128,
    };
    c.value.len() == len && c.value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The extracted text we write for a `LicenseRef-` that a package declared without
/// its text (SPDX wants one for every LicenseRef); the reader recognises it.
pub(crate) fn textless_ref(r: &str) -> String {
    format!("{r} (declared by the package without its text)")
}

/// `LicenseRef-` ids inside an SPDX expression.
fn refs_in(expr: &str) -> Vec<String> {
    expr.split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|w| w.starts_with("LicenseRef-"))
        .map(str::to_string)
        .collect()
}

/// The declared-license expression of a package; free text becomes a `LicenseRef-`
/// recorded in `extracted`.
pub(crate) fn declared(ls: &[License], extracted: &mut BTreeMap<String, String>) -> String {
    let parts: Vec<String> = ls
        .iter()
        .map(|l| match l {
            License::Spdx(e) => {
                for r in refs_in(e) {
                    extracted
                        .entry(r.clone())
                        .or_insert_with(|| textless_ref(&r));
                }
                e.clone()
            }
            License::Named(t) => {
                let r = license_ref(t);
                extracted.insert(r.clone(), t.clone());
                r
            }
        })
        .collect();
    match parts.len() {
        0 => NOASSERTION.to_string(),
        1 => parts.into_iter().next().unwrap_or_default(),
        _ => parts
            .iter()
            .map(|p| format!("({p})"))
            .collect::<Vec<_>>()
            .join(" AND "),
    }
}

fn annotations(list: Vec<(String, String)>, date: &str, annotator: &str) -> Vec<Annotation> {
    list.into_iter()
        .map(|(k, v)| Annotation {
            annotation_date: date.to_string(),
            annotation_type: "OTHER".into(),
            annotator: annotator.to_string(),
            comment: format!("{k}={v}"),
        })
        .collect()
}

fn purpose(e: Ecosystem) -> &'static str {
    match e {
        Ecosystem::Oci => "CONTAINER",
        Ecosystem::Binary => "APPLICATION",
        Ecosystem::Archive => "ARCHIVE",
        _ => "LIBRARY",
    }
}

fn purl_ref(purl: &str) -> ExternalRef {
    ExternalRef {
        reference_category: "PACKAGE-MANAGER".into(),
        reference_type: "purl".into(),
        reference_locator: purl.to_string(),
    }
}

/// The SPDX document for `sbom`.
pub(crate) fn build(sbom: &Sbom) -> Result<Document, FormatError> {
    let created = common::document_timestamp(sbom)?;
    let uuid = sbom
        .serial
        .as_deref()
        .filter(|s| common::is_cdx_serial(s))
        .and_then(|s| s.strip_prefix("urn:uuid:"))
        .map(str::to_string)
        .unwrap_or_else(|| common::content_uuid(sbom, &created));
    let name = common::subject_display_name(sbom);
    let tools = common::writer_tools(sbom);
    let tool = tools.first().cloned().unwrap_or_default();
    let annotator = format!("Tool: {}-{}", tool.name, tool.version);
    let mut extracted: BTreeMap<String, String> = BTreeMap::new();
    let mut ids: BTreeMap<&str, String> = BTreeMap::new();
    let mut packages = Vec::with_capacity(sbom.packages.len() + 1);

    // The subject.
    let s = &sbom.subject;
    let mut subject_props = common::subject_properties(s);
    if let Some(d) = &sbom.distro {
        subject_props.extend(common::distro_properties(d));
    }
    packages.push(SpdxPackage {
        name: name.clone(),
        spdx_id: SUBJECT_ID.into(),
        version_info: s.manifest_digest.clone().or_else(|| s.tag.clone()),
        supplier: Some(
            // An image's supplier (vendor label, registry namespace) is an organisation.
            common::subject_supplier(sbom)
                .map(|n| {
                    let (name, email) = common::split_contact(&n);
                    actor_text("Organization", &name, email.as_deref())
                })
                .unwrap_or_else(|| NOASSERTION.into()),
        ),
        download_location: NOASSERTION.into(),
        files_analyzed: Some(false),
        license_concluded: Some(NOASSERTION.into()),
        license_declared: Some(NOASSERTION.into()),
        copyright_text: Some(NOASSERTION.into()),
        checksums: s
            .manifest_digest
            .as_deref()
            .and_then(|d| d.strip_prefix("sha256:"))
            .map(|h| Checksum {
                algorithm: HashAlgorithm::Sha256,
                value: h.to_ascii_lowercase(),
            })
            .filter(checksum_fits)
            .map(|c| {
                vec![SpdxChecksum {
                    algorithm: "SHA256".into(),
                    checksum_value: c.value,
                }]
            })
            .unwrap_or_default(),
        external_refs: s.purl().map(|p| vec![purl_ref(&p)]).unwrap_or_default(),
        primary_package_purpose: Some(
            match s.kind {
                sbom_model::SubjectKind::Image => "CONTAINER",
                _ => "OTHER",
            }
            .into(),
        ),
        annotations: annotations(subject_props, &created, &annotator),
        ..SpdxPackage::default()
    });

    let owners = common::owners(sbom);
    for p in &sbom.packages {
        let id = package_spdx_id(p);
        ids.insert(p.id.as_str(), id.clone());
        let mut props = common::package_properties(p, &owners);
        props.retain(|(k, _)| k != common::P_OWNED_BY);
        let mut checksums = Vec::new();
        for c in &p.checksums {
            if checksum_fits(c) {
                checksums.push(SpdxChecksum {
                    algorithm: c.algorithm.spdx_name().into(),
                    checksum_value: c.value.to_ascii_lowercase(),
                });
            } else {
                props.push((
                    format!("sbom:checksum:{}", c.algorithm.spdx_name()),
                    c.value.clone(),
                ));
            }
        }
        packages.push(SpdxPackage {
            name: p.name.clone(),
            spdx_id: id,
            version_info: Some(p.version.clone()).filter(|v| !v.is_empty()),
            supplier: Some(
                p.supplier
                    .as_deref()
                    .filter(|s| !s.trim().is_empty())
                    .map(actor)
                    .unwrap_or_else(|| NOASSERTION.into()),
            ),
            originator: p
                .author
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(actor),
            download_location: p
                .download_url
                .as_deref()
                .filter(|u| is_url(u))
                .unwrap_or(NOASSERTION)
                .to_string(),
            files_analyzed: Some(false),
            homepage: p.homepage.clone().filter(|u| is_url(u)),
            source_info: None,
            license_concluded: Some(NOASSERTION.into()),
            license_declared: Some(declared(&p.licenses, &mut extracted)),
            copyright_text: Some(NOASSERTION.into()),
            description: p.description.clone(),
            checksums,
            external_refs: p
                .purl
                .as_deref()
                .map(|u| vec![purl_ref(u)])
                .unwrap_or_default(),
            primary_package_purpose: Some(purpose(p.ecosystem).into()),
            annotations: annotations(props, &created, &annotator),
        });
    }

    let map = |id: &str| -> Option<String> {
        if id == Subject::ID {
            Some(SUBJECT_ID.to_string())
        } else {
            ids.get(id).cloned()
        }
    };
    let mut rels: BTreeSet<(String, String, String, Option<String>)> = BTreeSet::new();
    for r in &sbom.relationships {
        let (Some(from), Some(to)) = (map(&r.from), map(&r.to)) else {
            continue;
        };
        let (ty, comment) = match r.kind {
            RelationshipKind::Contains => ("CONTAINS", None),
            RelationshipKind::DependsOn => ("DEPENDS_ON", None),
            RelationshipKind::Owns => ("CONTAINS", Some(OWNS_COMMENT.to_string())),
        };
        rels.insert((from, ty.to_string(), to, comment));
    }
    let mut relationships = vec![SpdxRelationship {
        spdx_element_id: DOCUMENT_ID.into(),
        relationship_type: "DESCRIBES".into(),
        related_spdx_element: SUBJECT_ID.into(),
        comment: None,
    }];
    // Subject edges first, then the rest, each group sorted.
    let (subject_rels, other): (Vec<_>, Vec<_>) =
        rels.into_iter().partition(|(from, ..)| from == SUBJECT_ID);
    for (from, ty, to, comment) in subject_rels.into_iter().chain(other) {
        relationships.push(SpdxRelationship {
            spdx_element_id: from,
            relationship_type: ty,
            related_spdx_element: to,
            comment,
        });
    }

    Ok(Document {
        spdx_version: "SPDX-2.3".into(),
        data_license: "CC0-1.0".into(),
        spdx_id: DOCUMENT_ID.into(),
        name: name.clone(),
        document_namespace: format!(
            "https://sbom.invalid/spdxdocs/{}-{uuid}",
            truncate_chars(&sanitize_id(&name), 80)
        ),
        creation_info: CreationInfo {
            created,
            creators: sbom
                .authors
                .iter()
                .map(|a| format!("Organization: {}", a.replace(['\n', '\r'], " ")))
                .chain(
                    tools
                        .iter()
                        .map(|t| format!("Tool: {}-{}", t.name, t.version)),
                )
                .collect(),
            license_list_version: Some(
                spdx::identifiers::VERSION
                    .split('.')
                    .take(2)
                    .collect::<Vec<_>>()
                    .join("."),
            ),
        },
        document_describes: Vec::new(),
        packages,
        relationships,
        has_extracted_licensing_infos: extracted
            .into_iter()
            .map(|(license_id, text)| ExtractedLicense {
                name: Some(truncate_chars(&text.replace('\n', " "), 200)),
                license_id,
                extracted_text: text,
            })
            .collect(),
    })
}

/// SPDX 2.3 JSON of `sbom`, pretty-printed, ending in a newline.
pub(crate) fn write_json(sbom: &Sbom) -> Result<Vec<u8>, FormatError> {
    let mut out =
        serde_json::to_vec_pretty(&build(sbom)?).map_err(|source| FormatError::Serialize {
            format: "SPDX JSON",
            source,
        })?;
    out.push(b'\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_only_use_allowed_characters() {
        let mut p = Package::new(Ecosystem::Deb, "libstdc++6", "1:12.2.0-14+deb12u1");
        p.id = "pkg:deb/debian/libstdc%2B%2B6@1:12.2.0-14%2Bdeb12u1".into();
        let id = package_spdx_id(&p);
        assert!(
            id.starts_with("SPDXRef-Package-deb-libstdc-6-1-12.2.0-14-deb12u1-"),
            "{id}"
        );
        assert!(id[8..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'));
    }

    #[test]
    fn actors_tell_organisations_from_people() {
        assert_eq!(
            actor("Debian Python Team <team+python@tracker.debian.org>"),
            "Organization: Debian Python Team (team+python@tracker.debian.org)"
        );
        assert_eq!(
            actor("Jane Doe <jane@example.org>"),
            "Person: Jane Doe (jane@example.org)"
        );
        assert_eq!(actor("Kim (the dev)"), "Person: Kim (the dev) ()");
        assert_eq!(
            actor("Laszlo Boszormenyi (GCS) <gcs@debian.org>"),
            "Person: Laszlo Boszormenyi (GCS) (gcs@debian.org)"
        );
    }

    #[test]
    fn several_licenses_are_parenthesised_and_named_ones_extracted() {
        let mut ex = BTreeMap::new();
        let d = declared(
            &[
                License::Spdx("MIT OR Apache-2.0".into()),
                License::Named("Custom Terms".into()),
            ],
            &mut ex,
        );
        let r = license_ref("Custom Terms");
        assert_eq!(d, format!("(MIT OR Apache-2.0) AND ({r})"));
        assert_eq!(ex.get(&r).map(String::as_str), Some("Custom Terms"));
        assert_eq!(declared(&[], &mut ex), "NOASSERTION");
    }
}
