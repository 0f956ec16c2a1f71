//! CycloneDX XML (1.2–1.7 namespaces) into the same wire structs as JSON, then into
//! the model by the JSON reader's mapping.
use quick_xml::events::Event;
use quick_xml::Reader;
use sbom_model::Sbom;

use super::{
    Bom, Component, Contact, Dependency, Entity, ExternalReference, Hash, LegacyTool,
    LicenseChoice, LicenseObj, Metadata, Property, Tools,
};
use crate::FormatError;

/// Deeper nesting than this is refused (no document of ours comes near it).
const MAX_DEPTH: usize = 64;

/// A minimal element tree: local names, attributes, text, children.
#[derive(Debug, Default)]
struct El {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<El>,
}

impl El {
    fn attr(&self, name: &str) -> Option<String> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
    fn child(&self, name: &str) -> Option<&El> {
        self.children.iter().find(|c| c.name == name)
    }
    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a El> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
    fn text_of(&self, name: &str) -> Option<String> {
        self.child(name).map(|c| c.text.trim().to_string())
    }
    /// The items of a wrapper element: `<hashes><hash/>...</hashes>`.
    fn items<'a>(&'a self, wrapper: &str, item: &'a str) -> Vec<&'a El> {
        self.child(wrapper)
            .map(|w| w.all(item).collect())
            .unwrap_or_default()
    }
}

fn xml_error(e: impl std::fmt::Display) -> FormatError {
    FormatError::XmlRead(e.to_string())
}

fn local(name: &str) -> String {
    match name.rsplit_once(':') {
        Some((_, l)) => l.to_string(),
        None => name.to_string(),
    }
}

fn parse(bytes: &[u8]) -> Result<El, FormatError> {
    let text = std::str::from_utf8(bytes).map_err(xml_error)?;
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<El> = Vec::new();
    let mut root: Option<El> = None;
    let open = |e: &quick_xml::events::BytesStart| -> Result<El, FormatError> {
        let mut el = El {
            name: local(e.name().as_ref()),
            ..El::default()
        };
        for a in e.attributes() {
            let a = a.map_err(xml_error)?;
            let v = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(xml_error)?;
            el.attrs.push((local(a.key.as_ref()), v.into_owned()));
        }
        Ok(el)
    };
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(FormatError::XmlRead(format!(
                        "elements nested deeper than {MAX_DEPTH}"
                    )));
                }
                stack.push(open(&e)?);
            }
            Event::Empty(e) => {
                let el = open(&e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = root.or(Some(el)),
                }
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else {
                    return Err(FormatError::XmlRead("unbalanced end tag".into()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = root.or(Some(el)),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.into_inner());
                }
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().map_err(xml_error)? {
                    Some(c) => c,
                    None => match &*r {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => {
                            return Err(FormatError::XmlRead(format!("unknown entity &{other};")))
                        }
                    },
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(FormatError::XmlRead(
            "document ends inside an element".into(),
        ));
    }
    root.ok_or_else(|| FormatError::XmlRead("no root element".into()))
}

fn properties(el: &El) -> Vec<Property> {
    el.items("properties", "property")
        .into_iter()
        .map(|p| Property {
            name: p.attr("name").unwrap_or_default(),
            value: Some(p.text.clone()),
        })
        .collect()
}

fn entity(el: &El) -> Entity {
    Entity {
        name: el.text_of("name"),
        url: el.all("url").map(|u| u.text.trim().to_string()).collect(),
        contact: el
            .all("contact")
            .map(|c| Contact {
                name: c.text_of("name"),
                email: c.text_of("email"),
            })
            .collect(),
    }
}

fn component(el: &El) -> Component {
    let licenses = el
        .child("licenses")
        .map(|ls| {
            ls.children
                .iter()
                .filter_map(|l| match l.name.as_str() {
                    "license" => Some(LicenseChoice::License {
                        license: LicenseObj {
                            id: l.text_of("id"),
                            name: l.text_of("name"),
                        },
                    }),
                    "expression" => Some(LicenseChoice::Expression {
                        expression: l.text.trim().to_string(),
                    }),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    Component {
        kind: el.attr("type").unwrap_or_default(),
        bom_ref: el.attr("bom-ref"),
        supplier: el.child("supplier").map(entity),
        author: el.text_of("author"),
        publisher: el.text_of("publisher"),
        group: el.text_of("group"),
        name: el.text_of("name").unwrap_or_default(),
        version: el.text_of("version"),
        description: el.child("description").map(|d| d.text.clone()),
        hashes: el
            .items("hashes", "hash")
            .into_iter()
            .map(|h| Hash {
                alg: h.attr("alg").unwrap_or_default(),
                content: h.text.trim().to_string(),
            })
            .collect(),
        licenses,
        purl: el.text_of("purl"),
        external_references: el
            .items("externalReferences", "reference")
            .into_iter()
            .map(|r| ExternalReference {
                kind: r.attr("type").unwrap_or_default(),
                url: r.text_of("url").unwrap_or_default(),
            })
            .collect(),
        properties: properties(el),
        components: el
            .items("components", "component")
            .into_iter()
            .map(component)
            .collect(),
    }
}

fn bom(root: &El) -> Result<Bom, FormatError> {
    if root.name != "bom" {
        return Err(FormatError::Unrecognised(format!(
            "XML root element is `{}`, not `bom`",
            root.name
        )));
    }
    // `xmlns="..."`, or a prefixed `xmlns:cdx="..."`.
    let spec_version = root
        .attrs
        .iter()
        .find_map(|(_, v)| v.strip_prefix("http://cyclonedx.org/schema/bom/"))
        .ok_or_else(|| FormatError::Unrecognised("no CycloneDX namespace on <bom>".into()))?
        .to_string();
    let metadata = root.child("metadata").map(|m| {
        let tools = m.child("tools").map(|t| {
            if t.child("components").is_some() || t.child("services").is_some() {
                Tools::Modern {
                    components: t
                        .items("components", "component")
                        .into_iter()
                        .map(component)
                        .collect(),
                    services: t
                        .items("services", "service")
                        .into_iter()
                        .map(component)
                        .collect(),
                }
            } else {
                Tools::Legacy(
                    t.all("tool")
                        .map(|x| LegacyTool {
                            vendor: x.text_of("vendor"),
                            name: x.text_of("name"),
                            version: x.text_of("version"),
                        })
                        .collect(),
                )
            }
        });
        Metadata {
            timestamp: m.text_of("timestamp"),
            tools,
            authors: m
                .items("authors", "author")
                .into_iter()
                .map(|a| Contact {
                    name: a.text_of("name"),
                    email: a.text_of("email"),
                })
                .collect(),
            component: m.child("component").map(component),
            manufacturer: m.child("manufacturer").map(entity),
            supplier: m.child("supplier").map(entity),
            properties: properties(m),
        }
    });
    Ok(Bom {
        schema: None,
        bom_format: "CycloneDX".into(),
        spec_version,
        serial_number: root.attr("serialNumber"),
        version: root
            .attr("version")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1),
        metadata,
        components: root
            .items("components", "component")
            .into_iter()
            .map(component)
            .collect(),
        dependencies: root
            .items("dependencies", "dependency")
            .into_iter()
            .map(|d| Dependency {
                reference: d.attr("ref").unwrap_or_default(),
                depends_on: d.all("dependency").filter_map(|x| x.attr("ref")).collect(),
            })
            .collect(),
    })
}

/// Reads a CycloneDX XML document into a finalized [`Sbom`].
pub fn read_xml(bytes: &[u8]) -> Result<Sbom, FormatError> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let root = parse(text)?;
    super::read::from_bom(&bom(&root)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_and_char_refs_are_resolved() {
        let el = parse(b"<a x=\"1 &amp; 2\"><b>&lt;t&gt; &#x41;&#66; &quot;q&apos;</b></a>")
            .expect("parses");
        assert_eq!(el.attr("x").as_deref(), Some("1 & 2"));
        assert_eq!(el.text_of("b").as_deref(), Some("<t> AB \"q'"));
    }

    #[test]
    fn malformed_xml_is_an_error() {
        for bad in [
            &b"<a><b></a>"[..],
            b"<a>",
            b"",
            b"<a>&bogus;</a>",
            b"\xff\xfe",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert!(matches!(
            parse(deep.as_bytes()),
            Err(FormatError::XmlRead(_))
        ));
    }

    #[test]
    fn other_xml_is_not_a_bom() {
        let root = parse(b"<html/>").expect("parses");
        assert!(matches!(bom(&root), Err(FormatError::Unrecognised(_))));
    }
}
