//! CycloneDX JSON (1.4–1.7; 1.2 and 1.3 are read the same way) into the model,
//! from us or from other tools.
use sbom_model::{
    Checksum, Distro, HashAlgorithm, License, Package, Relationship, RelationshipKind, Sbom,
    Subject, Tool,
};

use super::{Bom, Component, LicenseChoice, Tools};
use crate::common;
use crate::FormatError;

const SUPPORTED: &str = "1.2 to 1.7 (tested: 1.4 to 1.7)";

/// Reads a CycloneDX JSON document into a finalized [`Sbom`].
///
/// Components without a purl (syft's and trivy's operating-system and aggregate
/// application components, files) are not packages and are left out; an
/// `operating-system` component gives the distro when the document has none of ours.
pub fn read_json(bytes: &[u8]) -> Result<Sbom, FormatError> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let bom: Bom = serde_json::from_slice(text).map_err(|source| FormatError::Document {
        format: "CycloneDX JSON",
        source,
    })?;
    from_bom(&bom)
}

/// The model of a parsed CycloneDX document (JSON or XML).
pub(crate) fn from_bom(bom: &Bom) -> Result<Sbom, FormatError> {
    if bom.bom_format != "CycloneDX" {
        return Err(FormatError::Unrecognised(format!(
            "bomFormat is `{}`, not `CycloneDX`",
            bom.bom_format
        )));
    }
    if !matches!(
        bom.spec_version.as_str(),
        "1.2" | "1.3" | "1.4" | "1.5" | "1.6" | "1.7"
    ) {
        return Err(FormatError::UnsupportedVersion {
            format: "CycloneDX",
            version: bom.spec_version.clone(),
            supported: SUPPORTED,
        });
    }
    let mut sbom = Sbom {
        serial: bom.serial_number.clone(),
        ..Sbom::default()
    };
    let mut subject_ref: Option<String> = None;
    let mut os_distro: Option<Distro> = None;
    if let Some(m) = &bom.metadata {
        sbom.created = common::read_time(m.timestamp.as_deref());
        sbom.authors = m.authors.iter().filter_map(|a| a.name.clone()).collect();
        if sbom.authors.is_empty() {
            sbom.authors
                .extend(m.manufacturer.as_ref().and_then(|e| e.name.clone()));
        }
        match &m.tools {
            Some(Tools::Modern {
                components,
                services,
            }) => {
                for t in components.iter().chain(services) {
                    sbom.tools.push(Tool {
                        name: t.name.clone(),
                        version: t.version.clone().unwrap_or_default(),
                    });
                }
            }
            Some(Tools::Legacy(list)) => {
                for t in list {
                    sbom.tools.push(Tool {
                        name: t.name.clone().unwrap_or_default(),
                        version: t.version.clone().unwrap_or_default(),
                    });
                }
            }
            None => {}
        }
        if let Some(c) = &m.component {
            subject_ref = c.bom_ref.clone();
            read_subject(&mut sbom.subject, c);
            sbom.subject.supplier = c.supplier.as_ref().and_then(entity_text);
        }
        let mprops = pairs(&m.properties);
        sbom.distro = common::distro_from_properties(&mprops);
    }
    let ours = common::written_by_us(&sbom.tools);
    let mut flat: Vec<&Component> = Vec::new();
    let mut nested: Vec<(String, String)> = Vec::new();
    flatten(&bom.components, &mut flat, &mut nested);
    let mut owned: Vec<(String, Vec<String>)> = Vec::new();
    for c in flat {
        if c.kind == "operating-system" {
            if os_distro.is_none() && !c.name.is_empty() {
                os_distro = Some(Distro {
                    id: c.name.to_ascii_lowercase(),
                    version_id: c.version.clone().filter(|v| !v.is_empty()),
                    ..Distro::default()
                });
            }
            continue;
        }
        let Some(purl) = c.purl.clone().filter(|p| p.starts_with("pkg:")) else {
            continue;
        };
        let (p, owners) = package(c, purl, &sbom.subject.layers, ours);
        if !owners.is_empty() {
            owned.push((p.id.clone(), owners));
        }
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
    for d in &bom.dependencies {
        let from_subject = subject_ref.as_deref() == Some(d.reference.as_str());
        let from = if from_subject {
            Subject::ID.to_string()
        } else {
            d.reference.clone()
        };
        for on in &d.depends_on {
            sbom.relationships.push(Relationship {
                from: from.clone(),
                kind: if from_subject {
                    RelationshipKind::Contains
                } else {
                    RelationshipKind::DependsOn
                },
                to: on.clone(),
            });
        }
    }
    // Nesting is containment (`finalize` drops edges naming non-packages).
    for (from, to) in nested {
        sbom.relationships.push(Relationship {
            from,
            kind: RelationshipKind::Contains,
            to,
        });
    }
    sbom.relationships
        .extend(common::owns_relationships(&owned));
    sbom.finalize();
    Ok(sbom)
}

/// An organizational entity back into `Name <email>`.
fn entity_text(s: &super::Entity) -> Option<String> {
    let name = s.name.clone().filter(|n| !n.trim().is_empty())?;
    let email = s.contact.iter().find_map(|c| c.email.clone());
    Some(match email {
        Some(e) => format!("{name} <{e}>"),
        None => name,
    })
}

/// Every component, nested ones too, and (container, contained) bom-ref pairs.
fn flatten<'a>(
    list: &'a [Component],
    out: &mut Vec<&'a Component>,
    nested: &mut Vec<(String, String)>,
) {
    for c in list {
        out.push(c);
        if let Some(parent) = &c.bom_ref {
            for k in &c.components {
                if let Some(child) = &k.bom_ref {
                    nested.push((parent.clone(), child.clone()));
                }
            }
        }
        flatten(&c.components, out, nested);
    }
}

fn pairs(ps: &[super::Property]) -> Vec<(String, String)> {
    ps.iter()
        .map(|p| (p.name.clone(), p.value.clone().unwrap_or_default()))
        .collect()
}

fn read_subject(s: &mut Subject, c: &Component) {
    let ours = common::apply_subject_properties(s, &pairs(&c.properties));
    if ours {
        return;
    }
    s.name = c.name.clone();
    s.reference = c.name.clone();
    if let Some(v) = &c.version {
        if v.starts_with("sha256:") {
            s.manifest_digest.get_or_insert_with(|| v.clone());
        }
    }
    if let Some(purl) = &c.purl {
        let q = common::purl_qualifiers(purl);
        if let Some(r) = q.get("repository_url") {
            s.repository = Some(r.clone());
        }
        if let Some(t) = q.get("tag") {
            s.tag = Some(t.clone());
        }
    }
}

/// A license as read: SPDX ids and expressions through [`License::from_declared`]
/// (which keeps valid ones and repairs imprecise ones), names too.
/// Our `(A) AND (B)` shape for several licenses is split again.
fn read_license(l: &LicenseChoice, ours: bool) -> Vec<License> {
    match l {
        LicenseChoice::Expression { expression } => common::split_declared(expression)
            .into_iter()
            .filter_map(|e| common::read_license_text(e, true, ours))
            .collect(),
        LicenseChoice::License { license } => match (&license.id, &license.name) {
            (Some(id), _) => common::read_license_text(id, true, ours),
            (None, Some(name)) => common::read_license_text(name, false, ours),
            (None, None) => None,
        }
        .into_iter()
        .collect(),
    }
}

fn package(
    c: &Component,
    purl: String,
    layers: &[sbom_model::LayerRef],
    ours: bool,
) -> (Package, Vec<String>) {
    let (purl_name, purl_version) = common::purl_name_version(&purl);
    let quals = common::purl_qualifiers(&purl);
    let mut p = Package::new(
        common::ecosystem_of_purl(&purl),
        common::package_name(&purl, &c.name, purl_name),
        c.version
            .clone()
            .filter(|v| !v.is_empty())
            .or(purl_version)
            .unwrap_or_default(),
    );
    p.id = c.bom_ref.clone().unwrap_or_else(|| purl.clone());
    p.supplier = c.supplier.as_ref().and_then(entity_text);
    p.author = c.author.clone().or_else(|| c.publisher.clone());
    p.description = c.description.clone();
    p.licenses = c
        .licenses
        .iter()
        .flat_map(|l| read_license(l, ours))
        .collect();
    p.checksums = c
        .hashes
        .iter()
        .filter_map(|h| {
            Some(Checksum {
                algorithm: HashAlgorithm::parse(&h.alg)?,
                value: h.content.to_ascii_lowercase(),
            })
        })
        .collect();
    for r in &c.external_references {
        match r.kind.as_str() {
            "website" if p.homepage.is_none() => p.homepage = Some(r.url.clone()),
            "distribution" if p.download_url.is_none() => p.download_url = Some(r.url.clone()),
            _ => {}
        }
    }
    let mut props = pairs(&c.properties);
    // Checksums we could not write as CycloneDX hashes.
    common::take_checksum_properties(&mut p, &mut props);
    let owners = common::apply_properties(&mut p, &props, layers);
    if p.arch.is_none() {
        p.arch = quals.get("arch").cloned();
    }
    p.purl = Some(purl);
    (p, owners)
}
