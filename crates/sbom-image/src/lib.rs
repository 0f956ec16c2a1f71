//! Image references and sources (OCI layout, OCI archive, docker archive, rootfs folder, registry), digest-verified layer streams
#![cfg_attr(not(test), warn(clippy::unwrap_used))]
