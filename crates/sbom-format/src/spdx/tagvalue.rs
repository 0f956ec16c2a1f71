//! SPDX 2.3 tag-value, rendered from the same document as the JSON writer.
use std::fmt::Write as _;

use sbom_model::Sbom;

use super::{build, Annotation};
use crate::FormatError;

/// A single-line value: line breaks become spaces.
fn line(v: &str) -> String {
    v.replace(['\r', '\n'], " ")
}

/// A `<text>` block; a literal `</text>` inside is defused.
fn text(v: &str) -> String {
    format!("<text>{}</text>", v.replace("</text>", "&lt;/text&gt;"))
}

fn annotation(out: &mut String, spdx_ref: &str, a: &Annotation) {
    let _ = writeln!(out, "Annotator: {}", line(&a.annotator));
    let _ = writeln!(out, "AnnotationDate: {}", line(&a.annotation_date));
    let _ = writeln!(out, "AnnotationType: {}", line(&a.annotation_type));
    let _ = writeln!(out, "SPDXREF: {spdx_ref}");
    let _ = writeln!(out, "AnnotationComment: {}", text(&a.comment));
}

/// SPDX 2.3 tag-value of `sbom`.
pub(crate) fn write_tag_value(sbom: &Sbom) -> Result<Vec<u8>, FormatError> {
    let d = build(sbom)?;
    let mut out = String::new();
    let _ = writeln!(out, "SPDXVersion: {}", d.spdx_version);
    let _ = writeln!(out, "DataLicense: {}", d.data_license);
    let _ = writeln!(out, "SPDXID: {}", d.spdx_id);
    let _ = writeln!(out, "DocumentName: {}", line(&d.name));
    let _ = writeln!(out, "DocumentNamespace: {}", line(&d.document_namespace));
    if let Some(v) = &d.creation_info.license_list_version {
        let _ = writeln!(out, "LicenseListVersion: {v}");
    }
    for c in &d.creation_info.creators {
        let _ = writeln!(out, "Creator: {}", line(c));
    }
    let _ = writeln!(out, "Created: {}", d.creation_info.created);

    for p in &d.packages {
        let _ = writeln!(out, "\n##### Package: {}\n", line(&p.name));
        let _ = writeln!(out, "PackageName: {}", line(&p.name));
        let _ = writeln!(out, "SPDXID: {}", p.spdx_id);
        if let Some(v) = &p.version_info {
            let _ = writeln!(out, "PackageVersion: {}", line(v));
        }
        if let Some(v) = &p.supplier {
            let _ = writeln!(out, "PackageSupplier: {}", line(v));
        }
        if let Some(v) = &p.originator {
            let _ = writeln!(out, "PackageOriginator: {}", line(v));
        }
        let _ = writeln!(
            out,
            "PackageDownloadLocation: {}",
            line(&p.download_location)
        );
        if let Some(v) = p.files_analyzed {
            let _ = writeln!(out, "FilesAnalyzed: {v}");
        }
        for c in &p.checksums {
            let _ = writeln!(
                out,
                "PackageChecksum: {}: {}",
                c.algorithm, c.checksum_value
            );
        }
        if let Some(v) = &p.homepage {
            let _ = writeln!(out, "PackageHomePage: {}", line(v));
        }
        if let Some(v) = &p.license_concluded {
            let _ = writeln!(out, "PackageLicenseConcluded: {}", line(v));
        }
        if let Some(v) = &p.license_declared {
            let _ = writeln!(out, "PackageLicenseDeclared: {}", line(v));
        }
        if let Some(v) = &p.copyright_text {
            let _ = writeln!(out, "PackageCopyrightText: {v}");
        }
        if let Some(v) = &p.description {
            let _ = writeln!(out, "PackageDescription: {}", text(v));
        }
        for r in &p.external_refs {
            let _ = writeln!(
                out,
                "ExternalRef: {} {} {}",
                r.reference_category,
                r.reference_type,
                line(&r.reference_locator)
            );
        }
        if let Some(v) = &p.primary_package_purpose {
            let _ = writeln!(out, "PrimaryPackagePurpose: {v}");
        }
        for a in &p.annotations {
            out.push('\n');
            annotation(&mut out, &p.spdx_id, a);
        }
    }

    if !d.relationships.is_empty() {
        out.push_str("\n##### Relationships\n\n");
    }
    for r in &d.relationships {
        let _ = writeln!(
            out,
            "Relationship: {} {} {}",
            r.spdx_element_id, r.relationship_type, r.related_spdx_element
        );
        if let Some(c) = &r.comment {
            let _ = writeln!(out, "RelationshipComment: {}", text(c));
        }
    }

    if !d.has_extracted_licensing_infos.is_empty() {
        out.push_str("\n##### Licenses not on the SPDX list\n");
    }
    for l in &d.has_extracted_licensing_infos {
        let _ = writeln!(out, "\nLicenseID: {}", l.license_id);
        let _ = writeln!(out, "ExtractedText: {}", text(&l.extracted_text));
        if let Some(n) = &l.name {
            let _ = writeln!(out, "LicenseName: {}", line(n));
        }
    }
    Ok(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_blocks_cannot_be_closed_early() {
        assert_eq!(text("a</text>b"), "<text>a&lt;/text&gt;b</text>");
        assert_eq!(line("a\nb"), "a b");
    }
}
