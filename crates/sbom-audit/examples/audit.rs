//! `sbom audit` before the CLI wires it: the real CLI module over SBOMs in our lossless
//! JSON form (`sbom scan -o json=FILE`), one file or a folder of them.
//!
//! ```sh
//! cargo run -p sbom-audit --example audit -- r1.json --osv ../shared/osv
//! ```
use clap::Parser;

#[path = "../../sbom-cli/src/cmd/audit.rs"]
#[allow(dead_code)]
mod audit;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    audit: audit::AuditArgs,
}

fn read_one(path: &std::path::Path) -> anyhow::Result<sbom_model::Sbom> {
    let mut v: serde_json::Value = serde_json::from_slice(&fs_err::read(path)?)?;
    if let Some(o) = v.as_object_mut() {
        o.remove("sbomFormat");
        o.remove("version");
    }
    Ok(serde_json::from_value(v)?)
}

fn load(target: &str) -> anyhow::Result<Vec<sbom_model::Sbom>> {
    let p = std::path::Path::new(target);
    if p.is_dir() {
        let mut files: Vec<_> = fs_err::read_dir(p)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|f| f.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files.iter().map(|f| read_one(f)).collect()
    } else {
        Ok(vec![read_one(p)?])
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let code = audit::run(&cli.audit, &load)?;
    std::process::exit(code);
}
