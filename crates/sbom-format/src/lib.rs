//! CycloneDX (JSON 1.5-1.7, XML 1.6/1.7), SPDX 2.3 (JSON, tag-value) and SPDX 3.0.1
//! (JSON-LD) writers and readers, our own lossless JSON, and a table for people.
//!
//! Writers take a [`Sbom`] that went through [`Sbom::finalize`] (sorted, unique ids)
//! and return bytes; the same input gives the same bytes. Readers turn CycloneDX
//! (JSON 1.2–1.7, XML), SPDX 2.2/2.3 (JSON, tag-value), SPDX 3.0.1 JSON-LD and our JSON,
//! from us or from other tools (syft, trivy, cdxgen), back into a finalized [`Sbom`];
//! [`read_any`] detects the
//! format from the content.
//!
//! How the model maps to each format (properties, relationships, ids) is written down
//! in the workspace's `docs/formats.md`.
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

use std::fmt;
use std::str::FromStr;

use sbom_model::Sbom;

mod common;
pub mod cyclonedx;
pub mod native;
pub mod spdx;
pub mod spdx3;
pub mod table;

pub use common::{content_uuid, document_timestamp};

/// CycloneDX specification versions we write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CdxVersion {
    V1_5,
    /// The default (see `docs/formats.md`: Dependency-Track before 4.14.4 rejects 1.7).
    #[default]
    V1_6,
    V1_7,
}

impl CdxVersion {
    /// `1.5`, `1.6` or `1.7`.
    pub fn as_str(self) -> &'static str {
        match self {
            CdxVersion::V1_5 => "1.5",
            CdxVersion::V1_6 => "1.6",
            CdxVersion::V1_7 => "1.7",
        }
    }
}

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// CycloneDX JSON (`cyclonedx-json`, `cyclonedx-json@1.5`, `cyclonedx-json@1.7`).
    CycloneDxJson { version: CdxVersion },
    /// CycloneDX XML (`cyclonedx-xml` is 1.6, `cyclonedx-xml@1.7`).
    CycloneDxXml { version: CdxVersion },
    /// SPDX 2.3 JSON (`spdx-json`).
    SpdxJson,
    /// SPDX 2.3 tag-value (`spdx-tag-value`).
    SpdxTagValue,
    /// SPDX 3.0.1 JSON-LD (`spdx3-json`).
    Spdx3Json,
    /// Our own lossless JSON (`json`).
    Json,
    /// A column-aligned table for people (`table`).
    Table,
}

impl Default for Format {
    fn default() -> Self {
        Format::CycloneDxJson {
            version: CdxVersion::V1_6,
        }
    }
}

impl Format {
    /// Every format with its CLI name, in the order `--help` lists them.
    pub const NAMES: [&'static str; 11] = [
        "cyclonedx-json",
        "cyclonedx-json@1.7",
        "cyclonedx-json@1.6",
        "cyclonedx-json@1.5",
        "cyclonedx-xml",
        "cyclonedx-xml@1.7",
        "spdx-json",
        "spdx-tag-value",
        "spdx3-json",
        "json",
        "table",
    ];

    /// A conventional file name suffix (`.cdx.json`, `.spdx`, ...).
    pub fn file_suffix(&self) -> &'static str {
        match self {
            Format::CycloneDxJson { .. } => ".cdx.json",
            Format::CycloneDxXml { .. } => ".cdx.xml",
            Format::SpdxJson => ".spdx.json",
            Format::SpdxTagValue => ".spdx",
            Format::Spdx3Json => ".spdx3.json",
            Format::Json => ".sbom.json",
            Format::Table => ".txt",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::CycloneDxJson {
                version: CdxVersion::V1_6,
            } => f.write_str("cyclonedx-json"),
            Format::CycloneDxJson { version } => write!(f, "cyclonedx-json@{}", version.as_str()),
            Format::CycloneDxXml {
                version: CdxVersion::V1_6,
            } => f.write_str("cyclonedx-xml"),
            Format::CycloneDxXml { version } => write!(f, "cyclonedx-xml@{}", version.as_str()),
            Format::SpdxJson => f.write_str("spdx-json"),
            Format::SpdxTagValue => f.write_str("spdx-tag-value"),
            Format::Spdx3Json => f.write_str("spdx3-json"),
            Format::Json => f.write_str("json"),
            Format::Table => f.write_str("table"),
        }
    }
}

impl FromStr for Format {
    type Err = FormatError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "cyclonedx-json" | "cyclonedx" | "cdx-json" | "cyclonedx-json@1.6" => {
                Format::CycloneDxJson {
                    version: CdxVersion::V1_6,
                }
            }
            "cyclonedx-json@1.5" => Format::CycloneDxJson {
                version: CdxVersion::V1_5,
            },
            "cyclonedx-json@1.7" => Format::CycloneDxJson {
                version: CdxVersion::V1_7,
            },
            "cyclonedx-xml" | "cyclonedx-xml@1.6" => Format::CycloneDxXml {
                version: CdxVersion::V1_6,
            },
            "cyclonedx-xml@1.7" => Format::CycloneDxXml {
                version: CdxVersion::V1_7,
            },
            "spdx-json" | "spdx-json@2.3" => Format::SpdxJson,
            "spdx-tag-value" | "spdx-tv" | "spdx-tag-value@2.3" => Format::SpdxTagValue,
            "spdx3-json" | "spdx3" | "spdx-json@3" | "spdx-json@3.0.1" => Format::Spdx3Json,
            "json" | "sbom-json" => Format::Json,
            "table" => Format::Table,
            _ => return Err(FormatError::UnknownFormat(s.to_string())),
        })
    }
}

/// Everything that can go wrong writing or reading an SBOM.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("unknown output format `{0}` (known: {names})", names = Format::NAMES.join(", "))]
    UnknownFormat(String),
    #[error("cannot write {format}: {source}")]
    Serialize {
        format: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("the SBOM's creation time `{0}` is not an RFC 3339 time (2024-01-01T00:00:00Z)")]
    Timestamp(String),
    #[error("cannot write CycloneDX XML: {0}")]
    Xml(#[from] std::io::Error),
    #[error("SPDX tag-value, line {line}: {reason}")]
    TagValue { line: usize, reason: String },
    #[error("not valid XML: {0}")]
    XmlRead(String),
    #[error("not valid JSON: {0}")]
    Json(#[source] serde_json::Error),
    #[error("not a {format} document: {source}")]
    Document {
        format: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("unsupported {format} version `{version}` (supported: {supported})")]
    UnsupportedVersion {
        format: &'static str,
        version: String,
        supported: &'static str,
    },
    #[error("unrecognised SBOM: {0}")]
    Unrecognised(String),
}

/// Writes `sbom` (finalized) in `format`.
pub fn write(sbom: &Sbom, format: &Format) -> Result<Vec<u8>, FormatError> {
    match format {
        Format::CycloneDxJson { version } => cyclonedx::write_json(sbom, *version),
        Format::CycloneDxXml { version } => cyclonedx::write_xml(sbom, *version),
        Format::SpdxJson => spdx::write_json(sbom),
        Format::SpdxTagValue => spdx::write_tag_value(sbom),
        Format::Spdx3Json => spdx3::write_json(sbom),
        Format::Json => native::write(sbom),
        Format::Table => Ok(table::write(sbom)),
    }
}

/// Places packages read from a foreign SBOM in the image's layers.
///
/// syft and trivy name a package's layer by diffID but do not say where that layer
/// sits in the image (trivy lists the diffIDs sorted, not in order), so the readers
/// keep such a diffID as the property `sbom:layer:diff_id`. Given the image's layers
/// (from its config, e.g. our own scan of the same image), this turns those
/// properties into [`sbom_model::LayerRef`]s and fills `subject.layers` when empty.
/// Returns how many packages were placed.
pub fn place_layers(sbom: &mut Sbom, layers: &[sbom_model::LayerRef]) -> usize {
    let mut placed = 0;
    for p in &mut sbom.packages {
        if p.layer.is_some() {
            continue;
        }
        let Some(diff) = p.properties.get(common::P_LAYER_DIFF_ID) else {
            continue;
        };
        if let Some(l) = layers.iter().find(|l| &l.diff_id == diff) {
            p.layer = Some(l.clone());
            p.properties.remove(common::P_LAYER_DIFF_ID);
            placed += 1;
        }
    }
    if sbom.subject.layers.is_empty() {
        sbom.subject.layers = layers.to_vec();
    }
    placed
}

/// The kind of document [`detect`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    CycloneDxJson,
    CycloneDxXml,
    SpdxJson,
    SpdxTagValue,
    /// SPDX 3.0.1 JSON-LD (`@context` naming spdx.org/rdf/3...).
    Spdx3Json,
    SbomJson,
}

/// Detects the document kind from the content (not the file name). Works on the
/// whole document or on its first few KB (`sbom diff` sniffs file heads with it).
pub fn detect(bytes: &[u8]) -> Option<DocumentKind> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = text.iter().position(|b| !b.is_ascii_whitespace())?;
    let text = &text[start..];
    let head = String::from_utf8_lossy(&text[..text.len().min(8192)]).into_owned();
    if text.starts_with(b"<") {
        return head
            .contains("cyclonedx.org/schema/bom")
            .then_some(DocumentKind::CycloneDxXml);
    }
    if !text.starts_with(b"{") {
        return head
            .lines()
            .take(50)
            .any(|l| l.starts_with("SPDXVersion:"))
            .then_some(DocumentKind::SpdxTagValue);
    }
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(rename = "bomFormat")]
        bom_format: Option<String>,
        #[serde(rename = "spdxVersion")]
        spdx_version: Option<String>,
        #[serde(rename = "sbomFormat")]
        sbom_format: Option<String>,
    }
    let (bom, spdx, ours) = match serde_json::from_slice::<Probe>(text) {
        Ok(p) => (
            p.bom_format.as_deref() == Some("CycloneDX"),
            p.spdx_version.is_some(),
            p.sbom_format.as_deref() == Some(native::FORMAT_NAME),
        ),
        // A head of a longer document: look for the keys themselves.
        Err(_) => (
            json_key_is(&head, "bomFormat", Some("CycloneDX")),
            json_key_is(&head, "spdxVersion", None),
            json_key_is(&head, "sbomFormat", Some(native::FORMAT_NAME)),
        ),
    };
    if is_spdx3_head(&head) {
        return Some(DocumentKind::Spdx3Json);
    }
    if ours {
        Some(DocumentKind::SbomJson)
    } else if bom {
        Some(DocumentKind::CycloneDxJson)
    } else if spdx {
        Some(DocumentKind::SpdxJson)
    } else {
        None
    }
}

/// Whether a JSON text starts like JSON-LD with an SPDX 3 context (`"@context"` naming
/// `https://spdx.org/rdf/3...`, as a string or in a list).
fn is_spdx3_head(head: &str) -> bool {
    let Some(i) = head.find("\"@context\"") else {
        return false;
    };
    let after = &head[i..];
    let mut end = after
        .find(']')
        .or_else(|| after.find(','))
        .unwrap_or(after.len())
        .min(600);
    // The window may end inside a character (fuzzing found it: a panic).
    while !after.is_char_boundary(end) {
        end -= 1;
    }
    after[..end].contains("spdx.org/rdf/3")
}

/// Whether `"key": "value"` (any value when `None`) appears in a JSON text.
fn json_key_is(text: &str, key: &str, value: Option<&str>) -> bool {
    let needle = format!("\"{key}\"");
    let mut rest = text;
    while let Some(i) = rest.find(&needle) {
        let after = rest[i + needle.len()..].trim_start();
        if let Some(v) = after.strip_prefix(':') {
            let v = v.trim_start();
            match value {
                None => return v.starts_with('"'),
                Some(want) => {
                    if v.strip_prefix('"')
                        .is_some_and(|v| v.starts_with(&format!("{want}\"")))
                    {
                        return true;
                    }
                }
            }
        }
        rest = &rest[i + needle.len()..];
    }
    false
}

/// Reads any SBOM we understand (CycloneDX JSON or XML, SPDX JSON or tag-value, our
/// JSON) into a finalized [`Sbom`] (ours: exactly as written).
pub fn read_any(bytes: &[u8]) -> Result<Sbom, FormatError> {
    match detect(bytes) {
        Some(DocumentKind::SbomJson) => native::read(bytes),
        Some(DocumentKind::CycloneDxJson) => cyclonedx::read_json(bytes),
        Some(DocumentKind::SpdxJson) => spdx::read_json(bytes),
        Some(DocumentKind::CycloneDxXml) => cyclonedx::read_xml(bytes),
        Some(DocumentKind::SpdxTagValue) => spdx::read_tag_value(bytes),
        Some(DocumentKind::Spdx3Json) => spdx3::read_json(bytes),
        None => {
            // Give the JSON error when it is not even JSON.
            let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            match serde_json::from_slice::<serde_json::Value>(text) {
                Err(e) => Err(FormatError::Json(e)),
                Ok(_) => Err(FormatError::Unrecognised(
                    "JSON without bomFormat, spdxVersion, sbomFormat or an SPDX 3 @context".into(),
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for name in Format::NAMES {
            let f: Format = name.parse().expect("known name");
            let again: Format = f.to_string().parse().expect("display parses");
            assert_eq!(f, again, "{name}");
        }
        assert_eq!(
            "cyclonedx-json@1.5".parse::<Format>().ok(),
            Some(Format::CycloneDxJson {
                version: CdxVersion::V1_5
            })
        );
        assert!(matches!(
            "cyclonedx-json@1.2".parse::<Format>(),
            Err(FormatError::UnknownFormat(_))
        ));
    }

    #[test]
    fn detect_by_content() {
        assert_eq!(
            detect(br#" {"bomFormat":"CycloneDX","specVersion":"1.6"}"#),
            Some(DocumentKind::CycloneDxJson)
        );
        assert_eq!(
            detect(br#"{"spdxVersion":"SPDX-2.3"}"#),
            Some(DocumentKind::SpdxJson)
        );
        assert_eq!(
            detect(b"SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n"),
            Some(DocumentKind::SpdxTagValue)
        );
        assert_eq!(
            detect(b"<?xml version=\"1.0\"?><bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\"/>"),
            Some(DocumentKind::CycloneDxXml)
        );
        assert_eq!(detect(b"{\"a\":1}"), None);
        assert_eq!(detect(b"{\"name\": \"bomFormat\"}"), None);
        assert_eq!(detect(b""), None);
    }

    /// `sbom diff` sniffs the first 4 KB of a file; a full parse of a head fails,
    /// so big SBOMs were not recognised as SBOMs.
    #[test]
    fn regression_detect_works_on_the_head_of_a_long_document() {
        let pad = format!("[{}]", vec!["0"; 3000].join(","));
        let docs = [
            (
                format!("{{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"x\": {pad}}}"),
                DocumentKind::CycloneDxJson,
            ),
            (
                format!("{{\"spdxVersion\": \"SPDX-2.3\", \"x\": {pad}}}"),
                DocumentKind::SpdxJson,
            ),
            (
                format!("{{\"sbomFormat\":\"sbom-json\",\"version\":1,\"x\":{pad}}}"),
                DocumentKind::SbomJson,
            ),
        ];
        for (doc, kind) in docs {
            assert!(doc.len() > 4096);
            assert_eq!(
                detect(&doc.as_bytes()[..4096]),
                Some(kind),
                "{}",
                &doc[..40]
            );
            assert_eq!(detect(doc.as_bytes()), Some(kind));
        }
    }

    /// Found by the `spdx3_json` fuzz target: the 600-byte window after `"@context"`
    /// was cut inside a multi-byte character, and `sbom diff` of such a file panicked.
    #[test]
    fn regression_detect_panicked_when_the_context_window_ended_inside_a_character() {
        let mut doc = String::from("{\"@context\" ");
        while doc.len() < 599 {
            doc.push(' ');
        }
        doc.push_str("\u{FFFD}\u{FFFD} \"spdx.org/rdf/3\"}");
        assert!(!doc.is_char_boundary(doc.find("\"@context\"").unwrap_or(0) + 600));
        assert_eq!(detect(doc.as_bytes()), None);
        let doc =
            "{\"@context\": \"https://spdx.org/rdf/3.0.1/spdx-context.jsonld\", \"x\": \"\u{e9}\"}";
        assert_eq!(detect(doc.as_bytes()), Some(DocumentKind::Spdx3Json));
    }

    #[test]
    fn read_any_rejects_garbage_with_typed_errors() {
        assert!(matches!(read_any(b"{not json"), Err(FormatError::Json(_))));
        assert!(matches!(
            read_any(b"{\"a\":1}"),
            Err(FormatError::Unrecognised(_))
        ));
        assert!(matches!(
            read_any(b"SPDXVersion: SPDX-9.9\n"),
            Err(FormatError::UnsupportedVersion { .. })
        ));
        assert!(matches!(
            read_any(br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":7}"#),
            Err(FormatError::Document { .. })
        ));
    }
}
