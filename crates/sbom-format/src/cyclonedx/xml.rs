//! CycloneDX XML (1.5-1.7 namespaces), written by walking the same wire structs as the JSON writer,
//! in the element order the XSD's sequences demand.
use std::io;

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use sbom_model::Sbom;

use super::{Bom, Component, Entity, LicenseChoice, Property, Tools};
use crate::{CdxVersion, FormatError};

type W = Writer<Vec<u8>>;

/// XML 1.0 cannot carry most control characters, not even escaped: drop them.
fn clean(s: &str) -> String {
    s.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .collect()
}

fn text(w: &mut W, name: &str, value: &str) -> io::Result<()> {
    let v = clean(value);
    w.create_element(name)
        .write_text_content(BytesText::new(&v))?;
    Ok(())
}

fn opt(w: &mut W, name: &str, value: Option<&String>) -> io::Result<()> {
    match value {
        Some(v) => text(w, name, v),
        None => Ok(()),
    }
}

fn properties(w: &mut W, ps: &[Property]) -> io::Result<()> {
    if ps.is_empty() {
        return Ok(());
    }
    w.create_element("properties").write_inner_content(|w| {
        for p in ps {
            let name = clean(&p.name);
            let value = clean(p.value.as_deref().unwrap_or(""));
            w.create_element("property")
                .with_attribute(("name", name.as_str()))
                .write_text_content(BytesText::new(&value))?;
        }
        Ok(())
    })?;
    Ok(())
}

fn entity(w: &mut W, tag: &str, e: &Entity) -> io::Result<()> {
    w.create_element(tag).write_inner_content(|w| {
        opt(w, "name", e.name.as_ref())?;
        for u in &e.url {
            text(w, "url", u)?;
        }
        for c in &e.contact {
            w.create_element("contact").write_inner_content(|w| {
                opt(w, "name", c.name.as_ref())?;
                opt(w, "email", c.email.as_ref())
            })?;
        }
        Ok(())
    })?;
    Ok(())
}

fn component(w: &mut W, c: &Component) -> io::Result<()> {
    let mut el = w
        .create_element("component")
        .with_attribute(("type", c.kind.as_str()));
    let bom_ref = c.bom_ref.as_deref().map(clean);
    if let Some(r) = &bom_ref {
        el = el.with_attribute(("bom-ref", r.as_str()));
    }
    el.write_inner_content(|w| {
        if let Some(s) = &c.supplier {
            entity(w, "supplier", s)?;
        }
        opt(w, "author", c.author.as_ref())?;
        opt(w, "publisher", c.publisher.as_ref())?;
        opt(w, "group", c.group.as_ref())?;
        text(w, "name", &c.name)?;
        opt(w, "version", c.version.as_ref())?;
        opt(w, "description", c.description.as_ref())?;
        if !c.hashes.is_empty() {
            w.create_element("hashes").write_inner_content(|w| {
                for h in &c.hashes {
                    w.create_element("hash")
                        .with_attribute(("alg", h.alg.as_str()))
                        .write_text_content(BytesText::new(&h.content))?;
                }
                Ok(())
            })?;
        }
        if !c.licenses.is_empty() {
            w.create_element("licenses").write_inner_content(|w| {
                for l in &c.licenses {
                    match l {
                        LicenseChoice::License { license } => {
                            w.create_element("license").write_inner_content(|w| {
                                opt(w, "id", license.id.as_ref())?;
                                opt(w, "name", license.name.as_ref())
                            })?;
                        }
                        LicenseChoice::Expression { expression } => {
                            text(w, "expression", expression)?;
                        }
                    }
                }
                Ok(())
            })?;
        }
        opt(w, "purl", c.purl.as_ref())?;
        if !c.external_references.is_empty() {
            w.create_element("externalReferences")
                .write_inner_content(|w| {
                    for r in &c.external_references {
                        w.create_element("reference")
                            .with_attribute(("type", r.kind.as_str()))
                            .write_inner_content(|w| text(w, "url", &r.url))?;
                    }
                    Ok(())
                })?;
        }
        properties(w, &c.properties)?;
        if !c.components.is_empty() {
            w.create_element("components").write_inner_content(|w| {
                for sub in &c.components {
                    component(w, sub)?;
                }
                Ok(())
            })?;
        }
        Ok(())
    })?;
    Ok(())
}

fn bom(w: &mut W, b: &Bom) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let ns = format!("http://cyclonedx.org/schema/bom/{}", b.spec_version);
    let version = b.version.to_string();
    let mut el = w
        .create_element("bom")
        .with_attribute(("xmlns", ns.as_str()));
    if let Some(s) = &b.serial_number {
        el = el.with_attribute(("serialNumber", s.as_str()));
    }
    el.with_attribute(("version", version.as_str()))
        .write_inner_content(|w| {
            if let Some(m) = &b.metadata {
                w.create_element("metadata").write_inner_content(|w| {
                    opt(w, "timestamp", m.timestamp.as_ref())?;
                    if let Some(Tools::Modern { components, .. }) = &m.tools {
                        w.create_element("tools").write_inner_content(|w| {
                            w.create_element("components").write_inner_content(|w| {
                                for c in components {
                                    component(w, c)?;
                                }
                                Ok(())
                            })?;
                            Ok(())
                        })?;
                    }
                    if !m.authors.is_empty() {
                        w.create_element("authors").write_inner_content(|w| {
                            for a in &m.authors {
                                w.create_element("author").write_inner_content(|w| {
                                    opt(w, "name", a.name.as_ref())?;
                                    opt(w, "email", a.email.as_ref())
                                })?;
                            }
                            Ok(())
                        })?;
                    }
                    if let Some(c) = &m.component {
                        component(w, c)?;
                    }
                    if let Some(e) = &m.manufacturer {
                        entity(w, "manufacturer", e)?;
                    }
                    if let Some(s) = &m.supplier {
                        entity(w, "supplier", s)?;
                    }
                    properties(w, &m.properties)
                })?;
            }
            if !b.components.is_empty() {
                w.create_element("components").write_inner_content(|w| {
                    for c in &b.components {
                        component(w, c)?;
                    }
                    Ok(())
                })?;
            }
            if !b.dependencies.is_empty() {
                w.create_element("dependencies").write_inner_content(|w| {
                    for d in &b.dependencies {
                        let el = w
                            .create_element("dependency")
                            .with_attribute(("ref", clean(&d.reference).as_str()));
                        if d.depends_on.is_empty() {
                            el.write_empty()?;
                        } else {
                            el.write_inner_content(|w| {
                                for on in &d.depends_on {
                                    w.create_element("dependency")
                                        .with_attribute(("ref", clean(on).as_str()))
                                        .write_empty()?;
                                }
                                Ok(())
                            })?;
                        }
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })?;
    Ok(())
}

/// CycloneDX XML (1.6 or 1.7) of `sbom`, ending in a newline.
pub(crate) fn write_xml(sbom: &Sbom, version: CdxVersion) -> Result<Vec<u8>, FormatError> {
    let b = super::build(sbom, version)?;
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    bom(&mut w, &b)?;
    let mut out = w.into_inner();
    out.push(b'\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_the_xml() {
        assert_eq!(clean("a\u{1}b\tc\u{FFFF}"), "ab\tc");
    }
}
