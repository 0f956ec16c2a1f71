//! `sbom ansible PATH`: a standalone SBOM of the software that Ansible content installs
//! on hosts (apt/pip packages, downloaded binaries and archives, container images).
//!
//! The integrator writes the returned [`Sbom`] with sbom-format, prints [`summary`] lines
//! to stderr, and uses [`images`] for `--list-images` / `scan --images-from-ansible`.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sbom_ansible::{read_ansible, AnsibleOptions, AnsibleReport, ExtraVars};
use sbom_model::{Sbom, Subject, SubjectKind};

#[derive(clap::Args, Debug, Clone)]
pub struct AnsibleArgs {
    /// A role (tasks/main.yml), a collection (roles/*), a playbook folder or a playbook file.
    pub path: PathBuf,
    /// Extra variables as for ansible-playbook: @FILE, FILE, KEY=VALUE or a {...} mapping.
    /// Repeatable, later ones win; they win over role defaults, group_vars and role vars
    /// (pass the release's version file here).
    #[arg(short = 'e', long = "extra-vars", value_name = "VARS")]
    pub extra_vars: Vec<String>,
    /// Also list the modules that were ignored, and every unresolved expression.
    #[arg(long)]
    pub verbose: bool,
    /// Print the resolved container image references, one per line, instead of an SBOM.
    #[arg(long)]
    pub list_images: bool,
}

/// The reader's options from the arguments.
pub fn options(args: &AnsibleArgs) -> Result<AnsibleOptions> {
    let mut extra_vars = Vec::new();
    for e in &args.extra_vars {
        extra_vars.extend(ExtraVars::parse(e).with_context(|| format!("--extra-vars {e}"))?);
    }
    Ok(AnsibleOptions {
        extra_vars,
        verbose: args.verbose,
    })
}

/// Reads the Ansible content.
pub fn report(args: &AnsibleArgs) -> Result<AnsibleReport> {
    let opts = options(args)?;
    read_ansible(&args.path, &opts)
        .with_context(|| format!("reading Ansible content in {}", args.path.display()))
}

/// The SBOM of a report: subject of kind `declared` named after the folder.
pub fn to_sbom(path: &Path, report: &AnsibleReport) -> Sbom {
    // `.` or `..` have no file name of their own: use the resolved folder's.
    let name = path
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .or_else(|| {
            path.canonicalize()
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        })
        .unwrap_or_else(|| path.display().to_string());
    let mut sbom = Sbom {
        subject: Subject {
            kind: SubjectKind::Declared,
            reference: path.display().to_string(),
            name,
            ..Subject::default()
        },
        packages: report.packages.clone(),
        ..Sbom::default()
    };
    sbom.finalize();
    sbom
}

/// `sbom ansible PATH`: the standalone SBOM, together with the full report (sources,
/// unresolved expressions, ignored modules, images) for [`summary`] and `--list-images`.
pub fn run_with_report(args: &AnsibleArgs) -> Result<(Sbom, AnsibleReport)> {
    let r = report(args)?;
    Ok((to_sbom(&args.path, &r), r))
}

/// The fully resolved container image references (sorted, unique), for
/// `--list-images` and `scan --images-from-ansible PATH`.
pub fn images(args: &AnsibleArgs) -> Result<Vec<String>> {
    Ok(report(args)?.images)
}

/// Lines for stderr: counts always; sources, unresolved expressions and ignored
/// modules in detail when verbose.
pub fn summary(report: &AnsibleReport, verbose: bool) -> Vec<String> {
    let mut out = vec![format!(
        "{} packages, {} images, {} package sources, {} unresolved expressions",
        report.packages.len(),
        report.images.len(),
        report.sources.len(),
        report.unresolved.len()
    )];
    let at = |file: &str, line: Option<u32>| match line {
        Some(l) => format!("{file}:{l}"),
        None => file.to_string(),
    };
    for s in &report.sources {
        out.push(format!(
            "source: {} ({} at {})",
            s.repo,
            s.module,
            at(&s.file, s.line)
        ));
    }
    if verbose {
        for u in &report.unresolved {
            out.push(format!(
                "unresolved: {} in {} at {}",
                u.expression,
                u.what,
                at(&u.file, u.line)
            ));
        }
        for m in &report.ignored_modules {
            out.push(format!(
                "ignored module: {} at {}",
                m.module,
                at(&m.file, m.line)
            ));
        }
    }
    out
}
