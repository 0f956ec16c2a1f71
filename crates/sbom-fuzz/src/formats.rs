//! SBOM readers (what `sbom diff`, `audit` and `report` read, ours or syft's or
//! trivy's), each followed by writing what was read in every format.
use sbom_format::{cyclonedx, spdx, spdx3, FormatError};
use sbom_model::Sbom;

use crate::image::write_all;

fn then_write(read: Result<Sbom, FormatError>) {
    if let Ok(sbom) = read {
        write_all(&sbom);
    }
}

/// CycloneDX JSON (1.2 to 1.7).
pub fn cyclonedx_json(data: &[u8]) {
    then_write(cyclonedx::read_json(data));
}

/// CycloneDX XML.
pub fn cyclonedx_xml(data: &[u8]) {
    then_write(cyclonedx::read_xml(data));
}

/// SPDX 2 JSON.
pub fn spdx_json(data: &[u8]) {
    then_write(spdx::read_json(data));
}

/// SPDX 2 tag-value.
pub fn spdx_tag_value(data: &[u8]) {
    then_write(spdx::read_tag_value(data));
}

/// SPDX 3.0.1 JSON-LD; the content detection every reader goes through too.
pub fn spdx3_json(data: &[u8]) {
    let _ = sbom_format::detect(data);
    then_write(spdx3::read_json(data));
}
