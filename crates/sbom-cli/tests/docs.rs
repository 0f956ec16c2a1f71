//! docs/cli.md is the `--help` of every command; this test keeps it true.
//! Regenerate with `UPDATE_DOCS=1 cargo test -p sbom-cli --test docs`.
use std::path::Path;

fn help(args: &[&str]) -> String {
    let out = assert_cmd::Command::cargo_bin("sbom")
        .unwrap()
        .args(args)
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn reference() -> String {
    let mut doc = String::from(
        "# CLI reference\n\nGenerated from `sbom <command> --help` (a test keeps it in sync).\n\n\
         Exit codes: `scan` and `ansible` exit 0 on success, 1 when the scan failed (in a batch: \
         when any image failed), 2 on a usage error. `diff` and `audit` exit 0 when nothing \
         matches `--fail-on` (or the license policy), 1 when something does, 2 on any error. \
         `mirror` exits 0, 1 when `--check` finds something needed missing, 2 on any error. \
         `report` exits 0 when the site was written, 1 on an error, 2 on a usage error.\n",
    );
    for (title, args) in [
        ("sbom", vec!["--help"]),
        ("sbom scan", vec!["scan", "--help"]),
        ("sbom diff", vec!["diff", "--help"]),
        ("sbom ansible", vec!["ansible", "--help"]),
        ("sbom audit", vec!["audit", "--help"]),
        ("sbom mirror", vec!["mirror", "--help"]),
        ("sbom report", vec!["report", "--help"]),
    ] {
        doc.push_str(&format!("\n## `{title}`\n\n```text\n{}```\n", help(&args)));
    }
    doc
}

#[test]
fn cli_reference_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli.md");
    let want = reference();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/cli.md is stale: run UPDATE_DOCS=1 cargo test -p sbom-cli --test docs"
    );
}
