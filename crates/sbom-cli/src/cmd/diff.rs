//! `sbom diff OLD NEW`: compare two SBOMs, two images or two release folders.
//!
//! The caller provides `load`, which turns an argument into an [`Input`]: an SBOM file
//! (read with sbom-format's reader), a folder of SBOMs ([`Release::load`]), or an image
//! (scanned). This module only compares, renders, writes and decides the exit code.
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use sbom_diff::{
    diff, diff_releases_with, render_release, render_sbom, should_fail, ChangeKind, DiffOptions,
    Format, Release, RenderOptions, Sbom,
};

/// What one side of a diff is.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // two values per run; boxing buys nothing
pub enum Input {
    /// One SBOM (a file, or an image scanned on the fly).
    Sbom(Sbom),
    /// A folder of SBOMs written by a batch scan.
    Release(Release),
}

/// Output format of `sbom diff`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiffFormat {
    /// A readable table.
    #[default]
    Text,
    /// Markdown for release notes (summary first, collapsible detail).
    Markdown,
    /// JSON (schema sbom-diff/1, see docs/diff-json.md).
    Json,
}

impl From<DiffFormat> for Format {
    fn from(f: DiffFormat) -> Self {
        match f {
            DiffFormat::Text => Format::Text,
            DiffFormat::Markdown => Format::Markdown,
            DiffFormat::Json => Format::Json,
        }
    }
}

/// When to colour the text table.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// When writing the text table to a terminal and NO_COLOR is not set.
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug, Clone)]
pub struct DiffArgs {
    /// The old side: an SBOM file (CycloneDX, SPDX or our JSON), a folder of SBOMs (a
    /// release), or an image reference / local image source (scanned).
    #[arg(value_name = "OLD")]
    pub old: String,

    /// The new side, same kinds as OLD (both must be releases or neither).
    #[arg(value_name = "NEW")]
    pub new: String,

    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,

    /// Exit with 1 when a change of these kinds exists: comma-separated list of
    /// added, removed, upgraded, downgraded, license, layer.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_kind)]
    pub fail_on: Vec<ChangeKind>,

    /// Also report packages that moved to another layer.
    #[arg(long)]
    pub layers: bool,

    /// Colour the text table.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Write the diff to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

fn parse_kind(s: &str) -> std::result::Result<ChangeKind, String> {
    s.parse::<ChangeKind>().map_err(|e| e.to_string())
}

/// Whether to colour, given the choice, the destination and the environment.
fn use_color(
    choice: ColorChoice,
    to_file: bool,
    format: DiffFormat,
    tty: bool,
    no_color: bool,
) -> bool {
    if format != DiffFormat::Text {
        return false;
    }
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => !to_file && tty && !no_color,
    }
}

/// The rendered diff and whether a `--fail-on` kind is present.
fn compare(args: &DiffArgs, old: Input, new: Input, color: bool) -> Result<(String, bool)> {
    let opts = DiffOptions {
        layers: args.layers,
    };
    let render = RenderOptions { color };
    let format = Format::from(args.format);
    match (old, new) {
        (Input::Sbom(o), Input::Sbom(n)) => {
            let d = diff(&o, &n, &opts);
            let text = render_sbom(&d, format, render).context("rendering the diff")?;
            Ok((text, should_fail(&d, &args.fail_on)))
        }
        (Input::Release(o), Input::Release(n)) => {
            let d = diff_releases_with(&o, &n, &opts);
            let text = render_release(&d, format, render).context("rendering the diff")?;
            Ok((text, should_fail(&d, &args.fail_on)))
        }
        (Input::Release(_), Input::Sbom(_)) => {
            bail!("OLD `{}` is a release folder but NEW `{}` is a single SBOM or image; give two folders or two SBOMs/images", args.old, args.new)
        }
        (Input::Sbom(_), Input::Release(_)) => {
            bail!("OLD `{}` is a single SBOM or image but NEW `{}` is a release folder; give two folders or two SBOMs/images", args.old, args.new)
        }
    }
}

/// "loading OLD `X`", unless the error already names X (then only "loading OLD", so the
/// line does not say X twice).
fn naming(e: anyhow::Error, which: &str, arg: &str) -> anyhow::Error {
    if format!("{e:#}").contains(arg) {
        e.context(format!("loading {which}"))
    } else {
        e.context(format!("loading {which} `{arg}`"))
    }
}

/// Runs `sbom diff`; returns the exit code (0, or 1 when a `--fail-on` kind is present).
/// Errors (unreadable inputs, mixed kinds, unwritable output) are returned; the caller
/// prints them and exits with 2.
pub fn run(args: &DiffArgs, load: &dyn Fn(&str) -> Result<Input>) -> Result<i32> {
    let old = load(&args.old).map_err(|e| naming(e, "OLD", &args.old))?;
    let new = load(&args.new).map_err(|e| naming(e, "NEW", &args.new))?;
    let color = use_color(
        args.color,
        args.output.is_some(),
        args.format,
        std::io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
    );
    let (text, fail) = compare(args, old, new, color)?;
    match &args.output {
        Some(path) => std::fs::write(path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .context("writing to standard output")?;
        }
    }
    Ok(i32::from(fail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use sbom_model as model;

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        diff: DiffArgs,
    }

    fn args(argv: &[&str]) -> DiffArgs {
        let mut full = vec!["sbom-diff"];
        full.extend_from_slice(argv);
        Cli::try_parse_from(full).expect("valid arguments").diff
    }

    fn sbom(name: &str, packages: &[(&str, &str)]) -> Sbom {
        let mut s = Sbom::default();
        s.subject.name = name.into();
        s.packages = packages
            .iter()
            .map(|(n, v)| model::Package::new(model::Ecosystem::Deb, *n, *v))
            .collect();
        s
    }

    /// Loader over a fixed table: `a`/`b` are SBOMs, `r1`/`r2` releases.
    fn load(name: &str) -> Result<Input> {
        Ok(match name {
            "a" => Input::Sbom(sbom("img", &[("bash", "5.2"), ("vim", "1:1.0")])),
            "b" => Input::Sbom(sbom("img", &[("bash", "5.3"), ("vim", "2.0")])),
            "r1" | "r2" => Input::Release(
                Release::from_sboms(name, [sbom("img", &[("bash", "5.2")])])
                    .map_err(anyhow::Error::from)?,
            ),
            other => bail!("no such input {other}"),
        })
    }

    fn run_to_file(argv: &[&str]) -> Result<(i32, String)> {
        let dir = tempfile::tempdir()?;
        let out = dir.path().join("diff.out");
        let mut a = args(argv);
        a.output = Some(out.clone());
        let code = run(&a, &load)?;
        Ok((code, std::fs::read_to_string(out)?))
    }

    #[test]
    fn fail_on_parses_a_comma_list() {
        let a = args(&["a", "b", "--fail-on", "added,removed,downgraded,license"]);
        assert_eq!(
            a.fail_on,
            vec![
                ChangeKind::Added,
                ChangeKind::Removed,
                ChangeKind::Downgraded,
                ChangeKind::LicenseChanged
            ]
        );
        let mut full = vec!["sbom-diff", "a", "b", "--fail-on", "bogus"];
        assert!(Cli::try_parse_from(full.drain(..)).is_err());
    }

    #[test]
    fn exit_code_follows_fail_on() -> Result<()> {
        // vim 1:1.0 -> 2.0 is a downgrade, bash an upgrade.
        assert_eq!(run_to_file(&["a", "b", "--fail-on", "downgraded"])?.0, 1);
        assert_eq!(run_to_file(&["a", "b", "--fail-on", "added,removed"])?.0, 0);
        assert_eq!(run_to_file(&["a", "b"])?.0, 0);
        assert_eq!(
            run_to_file(&["a", "a", "--fail-on", "upgraded,downgraded"])?.0,
            0
        );
        Ok(())
    }

    #[test]
    fn formats_reach_the_output_file_without_colour() -> Result<()> {
        let (_, text) = run_to_file(&["a", "b", "--color", "auto"])?;
        assert!(text.contains("downgraded"), "{text}");
        assert!(!text.contains('\x1b'));
        let (_, md) = run_to_file(&["a", "b", "--format", "markdown"])?;
        assert!(md.starts_with("**Summary:** 0 added, 0 removed, 1 upgraded, 1 downgraded"));
        let (_, json) = run_to_file(&["a", "b", "--format", "json"])?;
        let v: serde_json::Value = serde_json::from_str(&json)?;
        assert_eq!(v["summary"]["downgraded"], 1);
        let (_, forced) = run_to_file(&["a", "b", "--color", "always"])?;
        assert!(forced.contains('\x1b'));
        Ok(())
    }

    #[test]
    fn releases_diff_and_mixed_inputs_are_an_error() -> Result<()> {
        let (code, text) = run_to_file(&["r1", "r2", "--fail-on", "added"])?;
        assert_eq!(code, 0);
        assert!(text.contains("release r1 → r2"), "{text}");
        let e = run_to_file(&["a", "r2"]).expect_err("mixed");
        assert!(e.to_string().contains("release folder"), "{e}");
        let e = run_to_file(&["a", "missing"]).expect_err("load error");
        // The loader's error names the input already: said once.
        let line = format!("{e:#}");
        assert!(line.contains("loading NEW"), "{line}");
        assert_eq!(line.matches("missing").count(), 1, "{line}");
        Ok(())
    }

    #[test]
    fn colour_decision() {
        use ColorChoice::*;
        assert!(use_color(Auto, false, DiffFormat::Text, true, false));
        assert!(!use_color(Auto, false, DiffFormat::Text, true, true));
        assert!(!use_color(Auto, true, DiffFormat::Text, true, false));
        assert!(!use_color(Auto, false, DiffFormat::Text, false, false));
        assert!(use_color(Always, true, DiffFormat::Text, false, true));
        assert!(!use_color(Always, false, DiffFormat::Json, true, false));
        assert!(!use_color(Never, false, DiffFormat::Text, true, false));
    }
}
