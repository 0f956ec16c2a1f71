//! Offline OSV matching, license policy, proxy-log reconciliation, SBOM quality score
#![cfg_attr(not(test), warn(clippy::unwrap_used))]
