//! `sbom report RELEASE-DIR --output-dir SITE`: a static HTML site of a release.
use std::path::PathBuf;

use anyhow::{Context, Result};

#[derive(clap::Args, Debug, Clone)]
pub struct ReportArgs {
    /// The release folder: SBOMs written by `sbom scan --release/--images --output-dir`
    /// (any format sbom reads; index.json adds failed images and layer details).
    #[arg(value_name = "RELEASE-DIR")]
    pub release: PathBuf,

    /// The previous release folder: adds the change page (the content of `sbom diff
    /// OLD-RELEASE-DIR RELEASE-DIR --format markdown`) and each image's change state.
    #[arg(long, value_name = "OLD-RELEASE-DIR")]
    pub previous: Option<PathBuf>,

    /// Findings to show: the output of `sbom audit RELEASE-DIR --format json`.
    #[arg(long, value_name = "AUDIT.json")]
    pub audit: Option<PathBuf>,

    /// Where the site goes: a new or empty folder, or a site written before (replaced
    /// whole). Open SITE/index.html, or publish the folder as it is.
    #[arg(long, value_name = "SITE")]
    pub output_dir: PathBuf,

    /// Print nothing on success.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs `sbom report`; 0 on success.
pub fn run(args: &ReportArgs) -> Result<u8> {
    let site = sbom_report::generate(
        &args.release,
        args.previous.as_deref(),
        args.audit.as_deref(),
        &args.output_dir,
    )
    .with_context(|| format!("cannot make the report of {}", args.release.display()))?;
    if !args.quiet {
        let pages = site.pages().count();
        let sboms = site
            .files
            .keys()
            .filter(|k| k.starts_with("sboms/"))
            .count();
        eprintln!(
            "report: {pages} pages and {sboms} SBOM files written to {}",
            args.output_dir.join("index.html").display()
        );
    }
    Ok(0)
}
