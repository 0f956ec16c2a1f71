//! CycloneDX (JSON 1.5/1.6, XML) and SPDX 2.3 (JSON, tag-value) writers and readers
#![cfg_attr(not(test), warn(clippy::unwrap_used))]
