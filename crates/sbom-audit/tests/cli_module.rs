//! Compiles and tests the `sbom audit` CLI module (crates/sbom-cli/src/cmd/audit.rs)
//! from here until the CLI's main.rs wires it.
#[path = "../../sbom-cli/src/cmd/audit.rs"]
#[allow(dead_code)]
mod audit;
