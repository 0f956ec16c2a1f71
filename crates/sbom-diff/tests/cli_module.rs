//! Compiles and tests the `sbom diff` CLI module (crates/sbom-cli/src/cmd/diff.rs)
//! against this crate alone, before the CLI wires it into its command tree.
#[path = "../../sbom-cli/src/cmd/diff.rs"]
mod diff_cmd;
