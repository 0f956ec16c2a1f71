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
         `report` exits 0 when the site was written, 1 on an error, 2 on a usage error. \
         `attach` exits 0 when every file is attached (or already was), 1 otherwise; `sboms` \
         exits 0, 2 on an error; `scan --attach` exits 1 when only attaching failed (its \
         files are written).\n",
    );
    for (title, args) in [
        ("sbom", vec!["--help"]),
        ("sbom scan", vec!["scan", "--help"]),
        ("sbom diff", vec!["diff", "--help"]),
        ("sbom ansible", vec!["ansible", "--help"]),
        ("sbom audit", vec!["audit", "--help"]),
        ("sbom mirror", vec!["mirror", "--help"]),
        ("sbom report", vec!["report", "--help"]),
        ("sbom attach", vec!["attach", "--help"]),
        ("sbom sboms", vec!["sboms", "--help"]),
    ] {
        doc.push_str(&format!("\n## `{title}`\n\n```text\n{}```\n", help(&args)));
    }
    doc.push_str(CONFIG_DOC);
    doc
}

/// The config file's section (hand-written; the example in it is run by a test below).
const CONFIG_DOC: &str = include_str!("docs/config.md");

/// The YAML example of the config section, as given.
fn config_example() -> String {
    let start = CONFIG_DOC.find("```yaml\n").expect("a yaml block") + 8;
    let end = start + CONFIG_DOC[start..].find("```").expect("closed");
    CONFIG_DOC[start..end].to_string()
}

#[test]
fn the_documented_config_example_is_accepted_and_applied() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let example = config_example().replace("/var/cache/sbom", cache.to_str().unwrap());
    let cfg = tmp.path().join("sbom.yaml");
    std::fs::write(&cfg, example).unwrap();
    let layout = tmp.path().join("img");
    let image = sbom_testkit::Image::new(vec![sbom_testkit::Layer::new(
        sbom_testkit::Compression::Gzip,
    )
    .file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")
    .file(
        "var/lib/dpkg/status",
        "Package: bash\nStatus: install ok installed\nVersion: 5.2\nArchitecture: amd64\n",
    )]);
    sbom_testkit::write_oci_layout(&layout, &[(image, Some("v1".into()))]).unwrap();
    let out = tmp.path().join("out");
    let run = assert_cmd::Command::cargo_bin("sbom")
        .unwrap()
        .current_dir(tmp.path())
        .env_remove("SBOM_CACHE_DIR")
        .env("XDG_CONFIG_HOME", tmp.path().join("none"))
        .args([
            "scan",
            &format!("oci-dir:{}:v1", layout.display()),
            "--output-dir",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let index = std::fs::read_to_string(out.join("index.json")).unwrap();
    assert!(
        index.contains(".cdx.json") && index.contains(".spdx.json"),
        "{index}"
    );
    assert!(
        cache.join("layers").is_dir(),
        "the example's cache-dir was used"
    );
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
