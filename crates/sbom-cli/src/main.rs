//! The `sbom` command. The only crate that prints.
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
mod output;

/// What is inside your container images, and what changed between two releases.
#[derive(Parser, Debug)]
#[command(name = "sbom", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan an image (OCI layout, OCI/docker archive, rootfs folder) and write its SBOM.
    Scan(cmd::scan::ScanArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Scan(args) => cmd::scan::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // One line: the chain of causes joined, so CI logs show the whole story.
            let msg: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("error: {}", dedup_chain(&msg));
            ExitCode::from(1)
        }
    }
}

/// Joins an error chain, dropping causes already contained in the previous message.
fn dedup_chain(msgs: &[String]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for m in msgs {
        if out.last().is_some_and(|prev| prev.contains(m.as_str())) {
            continue;
        }
        out.push(m);
    }
    out.join(": ")
}
