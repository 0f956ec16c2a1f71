//! Offline OSV matching, license policy, proxy-log reconciliation, SBOM quality score.
//!
//! * [`osv`]: the OSV schema, loading folders and `all.zip` exports in parallel, and the
//!   index by (ecosystem family, normalised name) that keeps matching linear in packages.
//! * [`range`]: OSV range semantics (`introduced`, `fixed`, `last_affected`, `limit`,
//!   explicit `versions`).
//! * [`matcher`]: packages of SBOMs against the index; one [`matcher::Finding`] per
//!   package and merged alias group (keys.rs: how rpm and language packages are looked
//!   up).
//! * [`ignore`]: accepted findings with reason and expiry (the simple local form).
//! * [`vex`]: OpenVEX 0.2, CycloneDX VEX and CSAF 2.0 VEX documents applied to findings.
//! * [`report`]: table, JSON, CycloneDX 1.6 (with `vulnerabilities`), SARIF 2.1.0 and
//!   OpenVEX 0.2.
//! * [`license`]: allow/deny policy over SPDX expressions.
//! * [`proxy`]: squid and common/combined logs, artifact names, reconciliation.
//! * [`quality`]: NTIA minimum elements and field coverage.
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub mod ignore;
mod keys;
pub mod license;
pub mod matcher;
pub mod osv;
pub mod proxy;
pub mod quality;
pub mod range;
pub mod report;
pub mod severity;
pub mod vex;

pub use ignore::{IgnoreEntry, IgnoreList};
pub use license::{LicensePolicy, LicenseReport};
pub use matcher::{audit, Finding, VulnReport};
pub use osv::OsvDatabase;
pub use proxy::{ProxyReport, ProxyRequest};
pub use quality::{quality, QualityReport};
pub use vex::VexSet;

pub use severity::Severity;

use std::path::PathBuf;

/// Errors of the audit library. Per-record problems in OSV data are warnings, not errors.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A file or folder could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An OSV zip export could not be opened.
    #[error("cannot open OSV zip {path}: {source}")]
    Zip {
        path: PathBuf,
        #[source]
        source: zip::result::ZipError,
    },
    /// A path given with `--osv` is neither a folder nor a zip file.
    #[error("{0} is neither a folder of OSV JSON files nor a .zip export")]
    NotOsvSource(PathBuf),
    /// A policy, ignore or similar input file does not parse.
    #[error("cannot parse {path}: {message}")]
    Parse { path: PathBuf, message: String },
    /// A value in an input file is not valid.
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    /// Output could not be serialised.
    #[error("cannot serialise report: {0}")]
    Serialise(#[from] serde_json::Error),
}

impl AuditError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        AuditError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Reads a YAML or JSON document (JSON is YAML, but JSON gets the better error messages).
pub(crate) fn read_yaml_or_json<T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
) -> Result<T, AuditError> {
    let text = fs_err::read_to_string(path).map_err(|e| AuditError::io(path, e))?;
    parse_yaml_or_json(&text).map_err(|message| AuditError::Parse {
        path: path.to_path_buf(),
        message,
    })
}

pub(crate) fn parse_yaml_or_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        serde_json::from_str(text).map_err(|e| e.to_string())
    } else {
        serde_saphyr::from_str(text).map_err(|e| e.to_string())
    }
}
