//! SPDX 2.2/2.3 JSON into the model, from us or from other tools.
use std::collections::BTreeMap;

use sbom_model::{
    Checksum, Distro, HashAlgorithm, License, Package, Relationship, RelationshipKind, Sbom,
    Subject, Tool,
};

use super::{Document, SpdxPackage, DOCUMENT_ID, OWNS_COMMENT};
use crate::common;
use crate::FormatError;

/// Reads an SPDX JSON document into a finalized [`Sbom`].
///
/// The package the document DESCRIBES is the subject; packages without a purl
/// (syft's and trivy's image, OS and aggregate entries, files) are left out, an
/// `OPERATING-SYSTEM` package gives the distro when we did not write one.
pub fn read_json(bytes: &[u8]) -> Result<Sbom, FormatError> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let doc: Document = serde_json::from_slice(text).map_err(|source| FormatError::Document {
        format: "SPDX JSON",
        source,
    })?;
    from_document(&doc)
}

/// The model of a parsed SPDX document (JSON or tag-value).
pub(crate) fn from_document(doc: &Document) -> Result<Sbom, FormatError> {
    if !matches!(doc.spdx_version.as_str(), "SPDX-2.2" | "SPDX-2.3") {
        return Err(FormatError::UnsupportedVersion {
            format: "SPDX",
            version: doc.spdx_version.clone(),
            supported: "SPDX-2.2, SPDX-2.3",
        });
    }
    let mut sbom = Sbom {
        created: common::read_time(Some(&doc.creation_info.created)),
        serial: serial_from_namespace(&doc.document_namespace),
        ..Sbom::default()
    };
    for c in &doc.creation_info.creators {
        if let Some(t) = c.strip_prefix("Tool:") {
            sbom.tools.push(split_tool(t.trim()));
        } else if let Some(a) = c
            .strip_prefix("Organization:")
            .or_else(|| c.strip_prefix("Person:"))
        {
            sbom.authors.push(a.trim().to_string());
        }
    }
    // The described element: DESCRIBES relationship, or documentDescribes.
    let described: Vec<String> = doc
        .relationships
        .iter()
        .filter(|r| r.spdx_element_id == DOCUMENT_ID && r.relationship_type == "DESCRIBES")
        .map(|r| r.related_spdx_element.clone())
        .chain(doc.document_describes.iter().cloned())
        .collect();
    let subject_id = described.first().cloned();
    let ours = common::written_by_us(&sbom.tools);
    let extracted: BTreeMap<&str, &str> = doc
        .has_extracted_licensing_infos
        .iter()
        .map(|l| (l.license_id.as_str(), l.extracted_text.as_str()))
        .collect();

    let mut os_distro: Option<Distro> = None;
    for sp in &doc.packages {
        let props = annotation_pairs(sp);
        if Some(&sp.spdx_id) == subject_id.as_ref() {
            read_subject(&mut sbom, sp, &props);
            continue;
        }
        if matches!(
            sp.primary_package_purpose.as_deref(),
            Some("OPERATING-SYSTEM" | "OPERATING_SYSTEM")
        ) {
            if os_distro.is_none() && !sp.name.is_empty() {
                os_distro = Some(Distro {
                    id: sp.name.to_ascii_lowercase(),
                    version_id: sp.version_info.clone().filter(|v| !v.is_empty()),
                    ..Distro::default()
                });
            }
            continue;
        }
        let Some(purl) = sp
            .external_refs
            .iter()
            .find(|r| {
                r.reference_type == "purl"
                    && matches!(
                        r.reference_category.as_str(),
                        "PACKAGE-MANAGER" | "PACKAGE_MANAGER"
                    )
            })
            .map(|r| r.reference_locator.clone())
            .filter(|p| p.starts_with("pkg:"))
        else {
            continue;
        };
        sbom.packages.push(package(
            sp,
            purl,
            &props,
            &extracted,
            &sbom.subject.layers,
            ours,
        ));
    }
    if sbom.distro.is_none() {
        sbom.distro = os_distro.or_else(|| {
            sbom.packages.iter().find_map(|p| {
                let q = common::purl_qualifiers(p.purl.as_deref().unwrap_or(""));
                q.get("distro").map(|d| common::distro_from_qualifier(d))
            })
        });
    }
    // Relationships between packages (files and other elements are not ours to keep);
    // ones naming packages we left out are dropped by `finalize`.
    let known: std::collections::BTreeSet<&str> =
        doc.packages.iter().map(|p| p.spdx_id.as_str()).collect();
    let map = |id: &str| -> Option<String> {
        if Some(id) == subject_id.as_deref() {
            Some(Subject::ID.to_string())
        } else {
            known.contains(id).then(|| id.to_string())
        }
    };
    for r in &doc.relationships {
        let (Some(a), Some(b)) = (map(&r.spdx_element_id), map(&r.related_spdx_element)) else {
            continue;
        };
        let rel = match r.relationship_type.as_str() {
            "CONTAINS" if a == Subject::ID => Relationship {
                from: a,
                kind: RelationshipKind::Contains,
                to: b,
            },
            "CONTAINS" if r.comment.as_deref() == Some(OWNS_COMMENT) => Relationship {
                from: a,
                kind: RelationshipKind::Owns,
                to: b,
            },
            "CONTAINS" => Relationship {
                from: a,
                kind: RelationshipKind::Contains,
                to: b,
            },
            "CONTAINED_BY" => Relationship {
                from: b,
                kind: RelationshipKind::Contains,
                to: a,
            },
            "DEPENDS_ON" => Relationship {
                from: a,
                kind: RelationshipKind::DependsOn,
                to: b,
            },
            "DEPENDENCY_OF" => Relationship {
                from: b,
                kind: RelationshipKind::DependsOn,
                to: a,
            },
            _ => continue,
        };
        sbom.relationships.push(rel);
    }
    sbom.finalize();
    Ok(sbom)
}

/// `NAME-VERSION` split at the first `-` followed by a digit (or `v` and a digit):
/// `sbom-0.1.0-test` is sbom 0.1.0-test, `cyclonedx-py-4.1` is cyclonedx-py 4.1.
pub(crate) fn split_tool(t: &str) -> Tool {
    let b = t.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c != b'-' || i == 0 {
            continue;
        }
        let next = b.get(i + 1).copied();
        let after = b.get(i + 2).copied();
        let digit = next.is_some_and(|n| n.is_ascii_digit())
            || (next == Some(b'v') && after.is_some_and(|n| n.is_ascii_digit()));
        if digit {
            return Tool {
                name: t[..i].to_string(),
                version: t[i + 1..].to_string(),
            };
        }
    }
    Tool {
        name: t.to_string(),
        version: String::new(),
    }
}

pub(crate) fn serial_from_namespace(ns: &str) -> Option<String> {
    let tail = ns.get(ns.len().checked_sub(36)?..)?;
    let s = format!("urn:uuid:{}", tail.to_ascii_lowercase());
    common::is_cdx_serial(&s).then_some(s)
}

/// Annotation comments as properties: ours are `NAME=VALUE` (NAME has a `:` and no
/// spaces: `sbom:layer:index`, or a foreign property we carried over such as
/// `syft:package:type`); trivy writes `Key: value`, kept under its CycloneDX property
/// name `aquasecurity:trivy:Key`.
fn annotation_pairs(sp: &SpdxPackage) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for a in &sp.annotations {
        let c = a.comment.trim();
        if let Some((k, v)) = c.split_once('=') {
            if k.contains(':') && !k.contains(char::is_whitespace) {
                out.push((k.to_string(), v.to_string()));
                continue;
            }
        }
        if a.annotator.contains("trivy") {
            if let Some((k, v)) = c.split_once(": ") {
                if !k.contains(char::is_whitespace) {
                    out.push((format!("aquasecurity:trivy:{k}"), v.to_string()));
                }
            }
        }
    }
    out
}

fn read_subject(sbom: &mut Sbom, sp: &SpdxPackage, props: &[(String, String)]) {
    let ours = common::apply_subject_properties(&mut sbom.subject, props);
    sbom.subject.supplier = sp.supplier.as_deref().and_then(from_actor);
    if let Some(d) = common::distro_from_properties(props) {
        sbom.distro = Some(d);
    }
    if ours {
        return;
    }
    sbom.subject.name = sp.name.clone();
    sbom.subject.reference = sp.name.clone();
    if let Some(v) = &sp.version_info {
        if v.starts_with("sha256:") {
            sbom.subject.manifest_digest = Some(v.clone());
        }
    }
}

/// `Organization: NAME (EMAIL)` back into `NAME <EMAIL>`.
pub(crate) fn from_actor(a: &str) -> Option<String> {
    let a = a.trim();
    if a.is_empty() || a == "NOASSERTION" || a == "NONE" {
        return None;
    }
    let rest = a
        .strip_prefix("Organization:")
        .or_else(|| a.strip_prefix("Person:"))
        .or_else(|| a.strip_prefix("Tool:"))
        .unwrap_or(a)
        .trim();
    if let (Some(open), true) = (rest.rfind('('), rest.ends_with(')')) {
        let email = rest[open + 1..rest.len() - 1].trim();
        let name = rest[..open].trim();
        if common::looks_like_email(email) && !name.is_empty() {
            return Some(format!("{name} <{email}>"));
        }
        if email.is_empty() && !name.is_empty() {
            return Some(name.to_string());
        }
    }
    Some(rest.to_string()).filter(|s| !s.is_empty())
}

pub(crate) fn read_licenses(
    expr: Option<&str>,
    extracted: &BTreeMap<&str, &str>,
    ours: bool,
) -> Vec<License> {
    let Some(e) = expr.map(str::trim).filter(|e| !e.is_empty()) else {
        return Vec::new();
    };
    if matches!(e, "NOASSERTION" | "NONE") {
        return Vec::new();
    }
    common::split_declared(e)
        .into_iter()
        .filter_map(|part| match extracted.get(part) {
            // The text may be an imprecise name (syft: `Apache License, Version 2.0`).
            // Our placeholder for a LicenseRef declared without text: the id itself.
            Some(text) if part.starts_with("LicenseRef-") && *text != super::textless_ref(part) => {
                common::read_license_text(text, false, ours)
            }
            _ => common::read_license_text(part, true, ours),
        })
        .collect()
}

fn package(
    sp: &SpdxPackage,
    purl: String,
    props: &[(String, String)],
    extracted: &BTreeMap<&str, &str>,
    layers: &[sbom_model::LayerRef],
    ours: bool,
) -> Package {
    let (purl_name, purl_version) = common::purl_name_version(&purl);
    let mut p = Package::new(
        common::ecosystem_of_purl(&purl),
        common::package_name(&purl, &sp.name, purl_name),
        sp.version_info
            .clone()
            .filter(|v| !v.is_empty())
            .or(purl_version)
            .unwrap_or_default(),
    );
    p.id = sp.spdx_id.clone();
    p.supplier = sp.supplier.as_deref().and_then(from_actor);
    p.author = sp.originator.as_deref().and_then(from_actor);
    p.description = sp.description.clone();
    p.homepage = sp.homepage.clone().filter(|h| common::is_url(h));
    p.download_url = Some(sp.download_location.clone()).filter(|h| common::is_url(h));
    let declared = sp
        .license_declared
        .as_deref()
        .filter(|d| !matches!(d.trim(), "NOASSERTION" | "NONE" | ""))
        .or(sp.license_concluded.as_deref());
    p.licenses = read_licenses(declared, extracted, ours);
    p.checksums = sp
        .checksums
        .iter()
        .filter_map(|c| {
            Some(Checksum {
                algorithm: HashAlgorithm::parse(&c.algorithm)?,
                value: c.checksum_value.to_ascii_lowercase(),
            })
        })
        .collect();
    let mut props = props.to_vec();
    common::take_checksum_properties(&mut p, &mut props);
    // Owners come from CONTAINS relationships in SPDX, not from properties.
    let _ = common::apply_properties(&mut p, &props, layers);
    if p.arch.is_none() {
        p.arch = common::purl_qualifiers(&purl).get("arch").cloned();
    }
    p.purl = Some(purl);
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parentheses in a Debian maintainer's name were turned into brackets on the way
    /// out, so the name did not read back (`Laszlo Boszormenyi (GCS)`).
    #[test]
    fn regression_parentheses_in_supplier_names_survive() {
        for s in [
            "Laszlo Boszormenyi (GCS) <gcs@debian.org>",
            "Kim (the dev)",
            "Plain Name",
        ] {
            assert_eq!(from_actor(&super::super::actor(s)).as_deref(), Some(s));
        }
    }

    #[test]
    fn tool_names_split_before_the_version() {
        let t = |s: &str| {
            let t = split_tool(s);
            (t.name, t.version)
        };
        assert_eq!(t("sbom-0.0.0-test"), ("sbom".into(), "0.0.0-test".into()));
        assert_eq!(t("syft-1.18.1"), ("syft".into(), "1.18.1".into()));
        assert_eq!(
            t("cyclonedx-py-v4.1"),
            ("cyclonedx-py".into(), "v4.1".into())
        );
        assert_eq!(t("tool"), ("tool".into(), String::new()));
        assert_eq!(t("-1"), ("-1".into(), String::new()));
    }

    #[test]
    fn actors_read_back_as_name_and_email() {
        assert_eq!(
            from_actor("Organization: Debian (d@debian.org)").as_deref(),
            Some("Debian <d@debian.org>")
        );
        assert_eq!(from_actor("Person: Jane").as_deref(), Some("Jane"));
        assert_eq!(from_actor("NOASSERTION"), None);
    }
}
