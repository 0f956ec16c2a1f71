//! Our own lossless JSON: the model as serde writes it, inside an envelope
//! `{"sbomFormat": "sbom-json", "version": 1, ...the Sbom's fields}`.
use sbom_model::Sbom;
use serde::{Deserialize, Serialize};

use crate::FormatError;

/// The `sbomFormat` value.
pub const FORMAT_NAME: &str = "sbom-json";
/// The envelope version we write and read.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EnvelopeOut<'a> {
    sbom_format: &'static str,
    version: u32,
    #[serde(flatten)]
    sbom: &'a Sbom,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnvelopeIn {
    sbom_format: String,
    version: u32,
    #[serde(flatten)]
    sbom: Sbom,
}

/// Writes `sbom` as it is (no finalize, nothing dropped), pretty-printed.
pub fn write(sbom: &Sbom) -> Result<Vec<u8>, FormatError> {
    let mut out = serde_json::to_vec_pretty(&EnvelopeOut {
        sbom_format: FORMAT_NAME,
        version: VERSION,
        sbom,
    })
    .map_err(|source| FormatError::Serialize {
        format: FORMAT_NAME,
        source,
    })?;
    out.push(b'\n');
    Ok(out)
}

/// Reads our JSON back; the result equals what was written.
pub fn read(bytes: &[u8]) -> Result<Sbom, FormatError> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let env: EnvelopeIn = serde_json::from_slice(text).map_err(|source| FormatError::Document {
        format: FORMAT_NAME,
        source,
    })?;
    if env.sbom_format != FORMAT_NAME {
        return Err(FormatError::Unrecognised(format!(
            "sbomFormat is `{}`, not `{FORMAT_NAME}`",
            env.sbom_format
        )));
    }
    if env.version != VERSION {
        return Err(FormatError::UnsupportedVersion {
            format: FORMAT_NAME,
            version: env.version.to_string(),
            supported: "1",
        });
    }
    Ok(env.sbom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_envelope_versions_are_refused() {
        let doc = br#"{"sbomFormat":"sbom-json","version":2,"subject":{"kind":"image","reference":"","name":""},"packages":[]}"#;
        assert!(matches!(
            read(doc),
            Err(FormatError::UnsupportedVersion { .. })
        ));
    }
}
