//! Diff of SBOMs, images and releases: text, Markdown, JSON
#![cfg_attr(not(test), warn(clippy::unwrap_used))]
