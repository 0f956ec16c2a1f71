//! The layer walker (LayerIndex, squash, FileView) and the catalogers (dpkg, python, apk, os-release)
#![cfg_attr(not(test), warn(clippy::unwrap_used))]
