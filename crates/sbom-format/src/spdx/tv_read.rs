//! SPDX 2.2/2.3 tag-value into the same wire structs as JSON, then into the model by
//! the JSON reader's mapping.
use std::collections::BTreeMap;

use sbom_model::Sbom;

use super::{
    Annotation, Document, ExternalRef, ExtractedLicense, SpdxChecksum, SpdxPackage,
    SpdxRelationship,
};
use crate::FormatError;

/// `Tag: value` pairs; `<text>` values may span lines.
fn pairs(text: &str) -> Result<Vec<(String, String)>, FormatError> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((tag, value)) = line.split_once(':') else {
            return Err(FormatError::TagValue {
                line: n + 1,
                reason: "a line without `Tag: value`".into(),
            });
        };
        let value = value.trim_start();
        if let Some(rest) = value.strip_prefix("<text>") {
            let mut body = String::new();
            let mut current = rest.to_string();
            loop {
                if let Some(end) = current.find("</text>") {
                    body.push_str(&current[..end]);
                    break;
                }
                body.push_str(&current);
                match lines.next() {
                    Some((_, next)) => {
                        body.push('\n');
                        current = next.trim_end_matches('\r').to_string();
                    }
                    None => {
                        return Err(FormatError::TagValue {
                            line: n + 1,
                            reason: format!("`{tag}` opens <text> that never closes"),
                        })
                    }
                }
            }
            out.push((tag.trim().to_string(), body));
        } else {
            out.push((tag.trim().to_string(), value.trim_end().to_string()));
        }
    }
    Ok(out)
}

#[derive(PartialEq)]
enum Section {
    Document,
    Package,
    /// Files, snippets and other elements we do not read: their fields are skipped.
    Other,
}

/// Reads an SPDX tag-value document into a finalized [`Sbom`].
pub fn read_tag_value(bytes: &[u8]) -> Result<Sbom, FormatError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| FormatError::TagValue {
        line: 0,
        reason: format!("not UTF-8: {e}"),
    })?;
    let mut doc = Document::default();
    let mut section = Section::Document;
    let mut annotations: Vec<(Option<String>, Annotation)> = Vec::new();
    let mut extracted: Option<ExtractedLicense> = None;
    for (tag, value) in pairs(text)? {
        match tag.as_str() {
            "SPDXVersion" => doc.spdx_version = value,
            "DataLicense" => doc.data_license = value,
            "DocumentName" => doc.name = value,
            "DocumentNamespace" => doc.document_namespace = value,
            "Creator" => doc.creation_info.creators.push(value),
            "Created" => doc.creation_info.created = value,
            "LicenseListVersion" => doc.creation_info.license_list_version = Some(value),
            "PackageName" => {
                section = Section::Package;
                doc.packages.push(SpdxPackage {
                    name: value,
                    ..SpdxPackage::default()
                });
            }
            "FileName" | "SnippetSPDXID" => section = Section::Other,
            "SPDXID" => match section {
                Section::Document => doc.spdx_id = value,
                Section::Package => {
                    if let Some(p) = doc.packages.last_mut() {
                        p.spdx_id = value;
                    }
                }
                Section::Other => {}
            },
            "Annotator" => annotations.push((
                None,
                Annotation {
                    annotator: value,
                    ..Annotation::default()
                },
            )),
            "AnnotationDate" | "AnnotationType" | "SPDXREF" | "AnnotationComment" => {
                if let Some((target, a)) = annotations.last_mut() {
                    match tag.as_str() {
                        "AnnotationDate" => a.annotation_date = value,
                        "AnnotationType" => a.annotation_type = value,
                        "SPDXREF" => *target = Some(value),
                        _ => a.comment = value,
                    }
                }
            }
            "Relationship" => {
                let mut parts = value.split_whitespace();
                if let (Some(a), Some(ty), Some(b)) = (parts.next(), parts.next(), parts.next()) {
                    doc.relationships.push(SpdxRelationship {
                        spdx_element_id: a.to_string(),
                        relationship_type: ty.to_string(),
                        related_spdx_element: b.to_string(),
                        comment: None,
                    });
                }
            }
            "RelationshipComment" => {
                if let Some(r) = doc.relationships.last_mut() {
                    r.comment = Some(value);
                }
            }
            "LicenseID" => {
                section = Section::Other;
                doc.has_extracted_licensing_infos.extend(extracted.take());
                extracted = Some(ExtractedLicense {
                    license_id: value,
                    ..ExtractedLicense::default()
                });
            }
            "ExtractedText" => {
                if let Some(l) = extracted.as_mut() {
                    l.extracted_text = value;
                }
            }
            "LicenseName" => {
                if let Some(l) = extracted.as_mut() {
                    l.name = Some(value);
                }
            }
            _ if section == Section::Package => {
                if let Some(p) = doc.packages.last_mut() {
                    package_field(p, &tag, value);
                }
            }
            _ => {}
        }
    }
    doc.has_extracted_licensing_infos.extend(extracted.take());
    // Annotations name their element; attach them to packages.
    let mut by_ref: BTreeMap<String, Vec<Annotation>> = BTreeMap::new();
    for (target, a) in annotations {
        if let Some(t) = target {
            by_ref.entry(t).or_default().push(a);
        }
    }
    for p in &mut doc.packages {
        if let Some(list) = by_ref.remove(&p.spdx_id) {
            p.annotations.extend(list);
        }
    }
    super::read::from_document(&doc)
}

fn package_field(p: &mut SpdxPackage, tag: &str, value: String) {
    match tag {
        "PackageVersion" => p.version_info = Some(value),
        "PackageSupplier" => p.supplier = Some(value),
        "PackageOriginator" => p.originator = Some(value),
        "PackageDownloadLocation" => p.download_location = value,
        "FilesAnalyzed" => p.files_analyzed = Some(value.eq_ignore_ascii_case("true")),
        "PackageHomePage" => p.homepage = Some(value),
        "PackageLicenseConcluded" => p.license_concluded = Some(value),
        "PackageLicenseDeclared" => p.license_declared = Some(value),
        "PackageCopyrightText" => p.copyright_text = Some(value),
        "PackageDescription" => p.description = Some(value),
        "PrimaryPackagePurpose" => p.primary_package_purpose = Some(value),
        "PackageChecksum" => {
            if let Some((alg, v)) = value.split_once(':') {
                p.checksums.push(SpdxChecksum {
                    algorithm: alg.trim().to_string(),
                    checksum_value: v.trim().to_string(),
                });
            }
        }
        "ExternalRef" => {
            let mut parts = value.splitn(3, char::is_whitespace);
            if let (Some(c), Some(t), Some(l)) = (parts.next(), parts.next(), parts.next()) {
                p.external_refs.push(ExternalRef {
                    reference_category: c.to_string(),
                    reference_type: t.to_string(),
                    reference_locator: l.trim().to_string(),
                });
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_blocks_span_lines() {
        let p = pairs("A: <text>one\ntwo</text>\nB: x\n").expect("parses");
        assert_eq!(
            p,
            vec![("A".into(), "one\ntwo".into()), ("B".into(), "x".into())]
        );
    }

    #[test]
    fn unclosed_text_and_tagless_lines_are_errors_with_line_numbers() {
        assert!(matches!(
            pairs("A: x\nB: <text>never\n"),
            Err(FormatError::TagValue { line: 2, .. })
        ));
        assert!(matches!(
            pairs("A: x\nno tag here\n"),
            Err(FormatError::TagValue { line: 2, .. })
        ));
    }

    #[test]
    fn file_sections_do_not_overwrite_the_package_id() {
        let tv = "SPDXVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\nCreated: 2024-01-01T00:00:00Z\n\
                  PackageName: a\nSPDXID: SPDXRef-a\nPackageVersion: 1\nPackageDownloadLocation: NOASSERTION\n\
                  ExternalRef: PACKAGE-MANAGER purl pkg:pypi/a@1\n\
                  FileName: ./x\nSPDXID: SPDXRef-File-x\n\
                  Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-a\n";
        let s = read_tag_value(tv.as_bytes()).expect("reads");
        // `a` is the described subject, so no packages; the file did not replace it.
        assert!(s.packages.is_empty());
        assert_eq!(s.subject.name, "a");
    }
}
