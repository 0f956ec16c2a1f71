//! `sbom mirror`: a release's SBOMs (plus declared software) as the inputs of mirror
//! tools, and a mirror checked against them (docs/mirror.md).
use std::path::PathBuf;

use anyhow::{Context, Result};
use sbom_mirror::{check, write, PlanBuilder, Target};

#[derive(clap::Args, Debug, Clone)]
pub struct MirrorArgs {
    /// Release folders (the output of `sbom scan --release/--images --output-dir`, with
    /// its index.json) or single SBOM files.
    #[arg(value_name = "RELEASE-DIR", required_unless_present_any = ["declared", "ansible"])]
    pub inputs: Vec<PathBuf>,
    /// A declared-packages manifest (YAML, docs/declared-manifest.md). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub declared: Vec<PathBuf>,
    /// Ansible content (role, collection, playbooks) whose installs the release needs too,
    /// read as `sbom ansible PATH` does. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub ansible: Vec<PathBuf>,
    /// Extra variables for --ansible: @FILE, FILE, KEY=VALUE or a {...} mapping. Repeatable.
    #[arg(
        short = 'e',
        long = "extra-vars",
        value_name = "VARS",
        requires = "ansible"
    )]
    pub extra_vars: Vec<String>,
    /// Write the mirror inputs (aptly filters, apt-get/dnf lists, Pulp lists,
    /// requirements.txt per Python environment, skopeo sync YAML, summary) into DIR.
    #[arg(long, value_name = "DIR", required_unless_present = "check")]
    pub output_dir: Option<PathBuf>,
    /// Check a mirror against the release: deb[:SCOPE]=PACKAGES-FILE|DISTS-DIR-OR-URL,
    /// rpm[:SCOPE]=REPO-URL-OR-DIR, pypi=SIMPLE-INDEX-URL|DIR, registry=HOST[/PREFIX].
    /// Repeatable. Exit code 1 when something needed is missing.
    #[arg(long, value_name = "KIND=LOCATION")]
    pub check: Vec<String>,
    /// Format of the check report on stdout.
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
    /// Print no summary on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Runs `sbom mirror`. Returns 1 when a check found something missing, else 0.
pub fn run(args: &MirrorArgs) -> Result<u8> {
    let targets = args
        .check
        .iter()
        .map(|c| Target::parse(c).map_err(|e| crate::UsageError(e.to_string()).into()))
        .collect::<Result<Vec<Target>>>()?;
    let mut builder = PlanBuilder::new();
    for input in &args.inputs {
        if !input.exists() {
            return Err(crate::UsageError(format!(
                "{}: no such release folder or SBOM file",
                input.display()
            ))
            .into());
        }
        sbom_mirror::add_input(&mut builder, input)
            .with_context(|| format!("reading {}", input.display()))?;
    }
    for f in &args.declared {
        let packages = sbom_ansible::load_manifest(f)
            .with_context(|| format!("declared manifest {}", f.display()))?;
        builder.add_declared(&f.display().to_string(), &packages);
    }
    for path in &args.ansible {
        let a = crate::cmd::ansible::AnsibleArgs {
            path: path.clone(),
            extra_vars: args.extra_vars.clone(),
            verbose: false,
            list_images: false,
        };
        let report = crate::cmd::ansible::report(&a)?;
        builder.add_declared(&path.display().to_string(), &report.packages);
    }
    let plan = builder.finish();
    if !args.quiet {
        for line in sbom_mirror::summary::lines(&plan) {
            eprintln!("{line}");
        }
    }
    if let Some(dir) = &args.output_dir {
        let files = write::render(&plan);
        write::write_dir(dir, &files).with_context(|| format!("writing {}", dir.display()))?;
        if !args.quiet {
            eprintln!("wrote {} files to {}", files.len(), dir.display());
        }
    }
    if targets.is_empty() {
        return Ok(0);
    }
    let report = check::check(&plan, &targets, &sbom_registry::RegistryOptions::default())?;
    let out = match args.format.as_str() {
        "json" => {
            let mut s = serde_json::to_string_pretty(&report)?;
            s.push('\n');
            s
        }
        _ => report.text(),
    };
    crate::output::emit(None, out.as_bytes())?;
    Ok(u8::from(report.missing() > 0))
}
