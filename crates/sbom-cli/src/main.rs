//! The `sbom` command. The only crate that prints.
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod batch;
mod cmd;
mod output;

/// A mistake in how the command was called: exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// What is inside your container images, and what changed between two releases.
#[derive(Parser, Debug)]
#[command(name = "sbom", version, about, long_about = None, term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan images (registry, OCI layout, OCI/docker archive, rootfs folder) and write SBOMs.
    Scan(cmd::scan::ScanArgs),
    /// Compare two SBOMs, two images or two release folders.
    Diff {
        #[command(flatten)]
        args: cmd::diff::DiffArgs,
        /// Platform for images given as OLD/NEW.
        #[arg(long, default_value = "linux/amd64")]
        platform: String,
    },
    /// List what Ansible roles and playbooks install, as an SBOM of declared software.
    Ansible {
        #[command(flatten)]
        args: cmd::ansible::AnsibleArgs,
        /// Output format, optionally to a file: FORMAT[=FILE]. Repeatable.
        #[arg(short = 'o', long = "output", value_name = "FORMAT[=FILE]")]
        outputs: Vec<output::OutputSpec>,
    },
    /// Known vulnerabilities (offline OSV), license policy, proxy-log reconciliation, quality.
    Audit {
        #[command(flatten)]
        args: cmd::audit::AuditArgs,
        /// Platform for an image given as TARGET.
        #[arg(long, default_value = "linux/amd64")]
        platform: String,
    },
    /// Write a static HTML site of a release folder: images, packages, findings, changes.
    Report(cmd::report::ReportArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // For diff and audit, 1 means "found something": their errors exit with 2.
    let error_code = match &cli.command {
        Command::Diff { .. } | Command::Audit { .. } => 2,
        _ => 1,
    };
    let result = match &cli.command {
        Command::Scan(args) => cmd::scan::run(args),
        Command::Diff { args, platform } => {
            let load = |what: &str| -> anyhow::Result<cmd::diff::Input> {
                Ok(match cmd::load::load(what, platform)? {
                    cmd::load::Loaded::One(s) => cmd::diff::Input::Sbom(*s),
                    cmd::load::Loaded::Release(r) => cmd::diff::Input::Release(r),
                })
            };
            cmd::diff::run(args, &load).map(exit_u8)
        }
        Command::Ansible { args, outputs } => run_ansible(args, outputs),
        Command::Report(args) => cmd::report::run(args),
        Command::Audit { args, platform } => {
            let load = |what: &str| -> anyhow::Result<Vec<sbom_model::Sbom>> {
                Ok(match cmd::load::load(what, platform)? {
                    cmd::load::Loaded::One(s) => vec![*s],
                    cmd::load::Loaded::Release(r) => r.images.into_values().collect(),
                })
            };
            cmd::audit::run(args, &load).map(exit_u8)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // One line: the chain of causes joined, so CI logs show the whole story.
            let msg: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("error: {}", dedup_chain(&msg).replace('\n', " "));
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(error_code)
            }
        }
    }
}

fn exit_u8(code: i32) -> u8 {
    u8::try_from(code).unwrap_or(1)
}

/// `sbom ansible PATH`: the SBOM of declared software, or the image list.
fn run_ansible(
    args: &cmd::ansible::AnsibleArgs,
    outputs: &[output::OutputSpec],
) -> anyhow::Result<u8> {
    let (mut sbom, report) = cmd::ansible::run_with_report(args)?;
    for line in cmd::ansible::summary(&report, args.verbose) {
        eprintln!("{line}");
    }
    if args.list_images {
        let mut out = String::new();
        for i in &report.images {
            out.push_str(i);
            out.push('\n');
        }
        output::emit(None, out.as_bytes())?;
        return Ok(0);
    }
    sbom.created = Some(output::created_timestamp()?);
    cmd::scan::write_outputs(&sbom, outputs)?;
    Ok(0)
}

/// Joins an error chain, dropping causes already contained in the previous message.
pub(crate) fn dedup_chain(msgs: &[String]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for m in msgs {
        if out.last().is_some_and(|prev| prev.contains(m.as_str())) {
            continue;
        }
        out.push(m);
    }
    out.join(": ")
}
