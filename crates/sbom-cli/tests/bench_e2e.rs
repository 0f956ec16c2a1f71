//! The slow end-to-end tests on the realistic bench images (scripts/bench-image.sh builds
//! them; scripts/test.sh runs these with --include-ignored). They compare our scan with
//! the ground truth taken from each final rootfs (dpkg-query, pip list), and the r1 -> r2
//! diff with the truth diff. A missing bench image is a failure, not a skip.
mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::*;

fn bench_dir() -> PathBuf {
    let d = std::env::var_os("SBOM_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-image"));
    assert!(
        d.join("r1/oci/index.json").exists(),
        "bench image missing at {} (run scripts/bench-image.sh)",
        d.display()
    );
    d
}

fn pep503(s: &str) -> String {
    sbom_model::purl::pep503_name(s)
}

fn tsv(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

const VENV_ROOT: &str = "var/lib/kolla/venv/lib/python3.11/site-packages";
const SYSTEM_ROOT: &str = "usr/lib/python3/dist-packages";

/// (ecosystem, name, version, arch-or-site-root) of the truth.
fn truth(release: &Path) -> BTreeSet<(String, String, String, String)> {
    let t = release.join("truth");
    let mut set = BTreeSet::new();
    for r in tsv(&t.join("dpkg.tsv")) {
        set.insert(("deb".into(), r[0].clone(), r[1].clone(), r[2].clone()));
    }
    for r in tsv(&t.join("pip-venv.tsv")) {
        set.insert(("pypi".into(), pep503(&r[0]), r[1].clone(), VENV_ROOT.into()));
    }
    for r in tsv(&t.join("pip-system.tsv")) {
        set.insert((
            "pypi".into(),
            pep503(&r[0]),
            r[1].clone(),
            SYSTEM_ROOT.into(),
        ));
    }
    for r in tsv(&t.join("pip-other.tsv")) {
        set.insert((
            "pypi".into(),
            pep503(&r[0]),
            r[1].clone(),
            r[2].trim_start_matches('/').into(),
        ));
    }
    // Programs the content classifier recognises (Debian's python3.11 and libpython),
    // with the version the interpreter itself prints.
    for r in tsv(&t.join("programs.tsv")) {
        set.insert(("binary".into(), r[0].clone(), r[1].clone(), String::new()));
    }
    set
}

fn ours(sbom: &sbom_model::Sbom) -> BTreeSet<(String, String, String, String)> {
    sbom.packages
        .iter()
        .map(|p| {
            let place = if p.ecosystem == sbom_model::Ecosystem::Pypi {
                p.site_root.clone().unwrap_or_default()
            } else {
                p.arch.clone().unwrap_or_default()
            };
            (
                p.ecosystem.to_string(),
                p.normalized_name(),
                p.version.clone(),
                place,
            )
        })
        .collect()
}

fn scan_json(cache: &Path, source: &str) -> sbom_model::Sbom {
    let out = sbom(cache)
        .args(["scan", "-o", "json", source])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    sbom_format::read_any(&out).expect("our JSON reads back")
}

#[test]
#[ignore = "slow: needs the bench image (scripts/test.sh builds it and runs this)"]
fn bench_images_match_the_rootfs_ground_truth_exactly() {
    let dir = bench_dir();
    let tmp = tempfile::tempdir().unwrap();
    for release in ["r1", "r2"] {
        let rdir = dir.join(release);
        let want = truth(&rdir);
        for source in [
            format!("oci-dir:{}:bench", rdir.join("oci").display()),
            format!("docker-archive:{}", rdir.join("keystone.tar").display()),
        ] {
            let got = ours(&scan_json(&tmp.path().join("cache"), &source));
            let missing: Vec<_> = want.difference(&got).collect();
            let extra: Vec<_> = got.difference(&want).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{source}: missing {missing:#?}\nextra {extra:#?}"
            );
            for r in tsv(&rdir.join("truth/removed.tsv")) {
                assert!(
                    !got.iter().any(|(e, n, v, _)| e == &r[0]
                        && (n == &r[1] || n == &pep503(&r[1]))
                        && v == &r[2]),
                    "{source}: removed package {r:?} is reported"
                );
            }
        }
    }
}

#[test]
#[ignore = "slow: needs the bench image (scripts/test.sh builds it and runs this)"]
fn bench_image_sboms_pass_the_official_validators() {
    let dir = bench_dir();
    let tmp = tempfile::tempdir().unwrap();
    let files = [
        ("cyclonedx-json", "b.cdx.json"),
        ("cyclonedx-json@1.5", "b15.cdx.json"),
        ("cyclonedx-xml", "b.cdx.xml"),
        ("spdx-json", "b.spdx.json"),
        ("spdx-tag-value", "b.spdx"),
    ];
    let mut cmd = sbom(&tmp.path().join("cache"));
    cmd.arg("scan")
        .arg(format!("oci-dir:{}:bench", dir.join("r1/oci").display()));
    for (f, name) in files {
        cmd.arg("-o")
            .arg(format!("{f}={}", tmp.path().join(name).display()));
    }
    cmd.assert().success();
    let paths: Vec<_> = files.iter().map(|(_, n)| tmp.path().join(n)).collect();
    validate(&paths, &[]);
}

#[test]
#[ignore = "slow: needs the bench image (scripts/test.sh builds it and runs this)"]
fn bench_release_diff_equals_the_truth_diff_in_every_format() {
    let dir = bench_dir();
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let r1 = format!("oci-dir:{}:bench", dir.join("r1/oci").display());
    let r2 = format!("oci-dir:{}:bench", dir.join("r2/oci").display());
    // (kind, ecosystem, name, old, new) from the truth.
    let mut want: BTreeSet<(String, String, String, String, String)> = BTreeSet::new();
    for r in tsv(&dir.join("truth-diff-r1-r2.tsv")) {
        let name = if r[1] == "pypi" {
            pep503(&r[2])
        } else {
            r[2].clone()
        };
        want.insert((r[0].clone(), r[1].clone(), name, r[3].clone(), r[4].clone()));
    }
    let json = sbom(&cache)
        .args(["diff", "--format", "json", &r1, &r2])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let mut got = BTreeSet::new();
    for c in v["changes"].as_array().expect("changes") {
        let kind = c["kind"].as_str().unwrap_or_default().to_string();
        if kind == "license-changed" || kind == "license" {
            continue;
        }
        let eco = c["ecosystem"].as_str().unwrap_or_default().to_string();
        let name = c["name"].as_str().unwrap_or_default();
        let name = if eco == "pypi" {
            pep503(name)
        } else {
            name.to_string()
        };
        got.insert((
            kind,
            eco,
            name,
            c["old_version"].as_str().unwrap_or_default().to_string(),
            c["new_version"].as_str().unwrap_or_default().to_string(),
        ));
    }
    assert_eq!(got, want, "JSON diff against the truth diff");

    // Text and Markdown name the same changes.
    for format in ["text", "markdown"] {
        let out = sbom(&cache)
            .args(["diff", "--format", format, &r1, &r2])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8_lossy(&out);
        for (_, _, name, old, new) in &want {
            let raw: Vec<_> = tsv(&dir.join("truth-diff-r1-r2.tsv"))
                .into_iter()
                .filter(|r| &pep503(&r[2]) == name || &r[2] == name)
                .collect();
            let shown =
                raw.iter().any(|r| text.contains(r[2].as_str())) || text.contains(name.as_str());
            assert!(shown, "{format} lacks {name}");
            for v in [old, new] {
                if !v.is_empty() {
                    assert!(
                        text.contains(v.as_str()),
                        "{format} lacks version {v} of {name}"
                    );
                }
            }
        }
    }
    // The CI gate.
    sbom(&cache)
        .args(["diff", "--fail-on", "downgraded", &r1, &r2])
        .assert()
        .code(1);
}
