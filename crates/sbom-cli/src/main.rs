//! The `sbom` command. The only crate that prints.
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

mod batch;
mod cmd;
mod config;
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
    /// Defaults for any long option (YAML; default: ./sbom.yaml, else
    /// $XDG_CONFIG_HOME/sbom/config.yaml). Precedence: command line, then environment
    /// (SBOM_<OPTION>, e.g. SBOM_CACHE_DIR), then this file (docs/cli.md).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan images (registry, OCI layout, OCI/docker archive, rootfs folder) and write SBOMs.
    Scan(cmd::scan::ScanArgs),
    /// Compare two SBOMs, two images or two release folders.
    Diff {
        #[command(flatten)]
        args: cmd::diff::DiffArgs,
        #[command(flatten)]
        image: cmd::image::ImageOptions,
        #[command(flatten)]
        source: cmd::attach::SbomSourceArgs,
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
        #[command(flatten)]
        image: cmd::image::ImageOptions,
        #[command(flatten)]
        source: cmd::attach::SbomSourceArgs,
    },
    /// Push SBOM files to a registry, attached to their image's manifest (OCI 1.1 referrers).
    Attach(cmd::attach::AttachArgs),
    /// List the SBOMs attached to an image in a registry.
    Sboms(cmd::attach::SbomsArgs),
    /// Mirror inputs (aptly, apt-get, Pulp, dnf, pip, skopeo) from a release's SBOMs; --check a mirror.
    Mirror(cmd::mirror::MirrorArgs),
    /// Write a static HTML site of a release folder: images, packages, findings, changes.
    Report(cmd::report::ReportArgs),
}

fn main() -> ExitCode {
    let argv = match config::effective_args(&Cli::command(), std::env::args_os().collect()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let cli = Cli::parse_from(argv);
    // For diff and audit, 1 means "found something": their errors exit with 2.
    let error_code = match &cli.command {
        Command::Diff { .. } | Command::Audit { .. } | Command::Mirror(_) => 2,
        Command::Sboms(_) => 2,
        _ => 1,
    };
    let result = match &cli.command {
        Command::Scan(args) => cmd::scan::run(args),
        Command::Attach(args) => cmd::attach::run_attach(args),
        Command::Sboms(args) => cmd::attach::run_sboms(args),
        Command::Diff {
            args,
            image,
            source,
        } => {
            let load = |what: &str| -> anyhow::Result<cmd::diff::Input> {
                Ok(
                    match cmd::load::load(what, image, source.sbom_source, "diff")? {
                        cmd::load::Loaded::One(s) => cmd::diff::Input::Sbom(*s),
                        cmd::load::Loaded::Release(r) => cmd::diff::Input::Release(r),
                    },
                )
            };
            cmd::diff::run(args, &load).map(exit_u8)
        }
        Command::Ansible { args, outputs } => run_ansible(args, outputs),
        Command::Report(args) => cmd::report::run(args),
        Command::Mirror(args) => cmd::mirror::run(args),
        Command::Audit {
            args,
            image,
            source,
        } => {
            let load = |what: &str| -> anyhow::Result<Vec<sbom_model::Sbom>> {
                Ok(
                    match cmd::load::load(what, image, source.sbom_source, "audit")? {
                        cmd::load::Loaded::One(s) => vec![*s],
                        cmd::load::Loaded::Release(r) => r.images.into_values().collect(),
                    },
                )
            };
            cmd::audit::run(args, &load).map(exit_u8)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // One line: the chain of causes joined, so CI logs show the whole story.
            let msg: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("error: {}", error_line(&msg));
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

/// The one line an error prints: its chain joined, newlines as spaces, and control
/// characters (escape sequences from an image's bytes quoted in a parser's message)
/// escaped, whatever command failed.
fn error_line(chain: &[String]) -> String {
    sbom_catalog::printable(&dedup_chain(chain).replace('\n', " ")).into_owned()
}

/// Joins an error chain into one clause per fact: a cause already contained in the
/// message before it is dropped, and a context that its cause repeats in full (`unknown
/// output format `foo`` over `unknown output format `foo` (known: …)`) gives way to it.
pub(crate) fn dedup_chain(msgs: &[String]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for m in msgs {
        match out.last() {
            Some(prev) if prev.contains(m.as_str()) => continue,
            Some(prev) if m.contains(*prev) => {
                out.pop();
            }
            _ => {}
        }
        out.push(m);
    }
    out.join(": ")
}

#[cfg(test)]
mod tests {
    use super::{dedup_chain, error_line};

    #[test]
    fn regression_an_error_quoting_garbage_bytes_prints_no_control_characters() {
        // Found by running `sbom diff` on a fuzz input: the tar reader's message quotes
        // the header's bytes, which reached the terminal as they were.
        let chain = [
            "loading OLD".to_string(),
            "x.json: not a readable tar archive: numeric field: \u{1b}[2J\u{7}\nend".to_string(),
        ];
        let line = error_line(&chain);
        assert!(!line.chars().any(char::is_control), "{line:?}");
        assert!(
            line.contains("\\u{1b}[2J") && line.ends_with(" end"),
            "{line}"
        );
    }

    #[test]
    fn regression_an_error_repeated_by_its_own_context_is_said_once() {
        let chain = |v: &[&str]| dedup_chain(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            chain(&[
                "unknown output format `foo`",
                "unknown output format `foo` (known: a, b)"
            ]),
            "unknown output format `foo` (known: a, b)"
        );
        assert_eq!(
            chain(&["x.json: cannot read SBOM", "x.json"]),
            "x.json: cannot read SBOM"
        );
        assert_eq!(
            chain(&["declared manifest m.yml", "line 3: bad"]),
            "declared manifest m.yml: line 3: bad"
        );
    }
}
