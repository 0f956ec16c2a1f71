//! The slow end-to-end tests on the realistic bench images (scripts/bench-image.sh builds
//! them; scripts/test.sh runs these with --include-ignored). They compare our scan with
//! the ground truth taken from each final rootfs (dpkg-query, pip list), and the r1 -> r2
//! diff with the truth diff. A missing bench image is a failure, not a skip.
mod common;
mod report_common;

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
    // Programs the content classifier recognises (Debian's python3.11 and libpython), one
    // per file, with the version the interpreter itself prints.
    for r in tsv(&t.join("programs.tsv")) {
        assert!(
            r.len() == 3,
            "{}: a bench image from before programs.tsv had paths; rebuild it (rm -r target/bench-image/r1 target/bench-image/r2; scripts/bench-image.sh)",
            t.display()
        );
        set.insert(("binary".into(), r[0].clone(), r[1].clone(), r[2].clone()));
    }
    set
}

fn ours(sbom: &sbom_model::Sbom) -> BTreeSet<(String, String, String, String)> {
    sbom.packages
        .iter()
        .map(|p| {
            let place = if p.ecosystem == sbom_model::Ecosystem::Pypi {
                p.site_root.clone().unwrap_or_default()
            } else if p.ecosystem == sbom_model::Ecosystem::Binary {
                p.metadata_path.clone().unwrap_or_default()
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

/// The bench releases as a batch scan writes them: each image twice (the OCI layout,
/// named `keystone` through a link, and the docker archive `docker.io/osism/keystone`), in three
/// formats, in a folder named after the release.
fn bench_release(dir: &Path, tmp: &Path, cache: &Path, release: &str) -> PathBuf {
    let link = tmp.join(format!("layouts-{release}/keystone"));
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(dir.join(release).join("oci"), &link).unwrap();
    let out = tmp.join("sboms").join(release);
    sbom(cache)
        .args(["scan", "--quiet", "--output-dir"])
        .arg(&out)
        .args(["-o", "cyclonedx-json", "-o", "spdx-json", "-o", "json"])
        .arg(format!("oci-dir:{}:bench", link.display()))
        .arg(format!(
            "docker-archive:{}",
            dir.join(release).join("keystone.tar").display()
        ))
        .assert()
        .success();
    out
}

#[test]
#[ignore = "slow: needs the bench image (scripts/test.sh builds it and runs this)"]
fn bench_release_report_works_in_chromium_and_passes_the_nu_validator() {
    use report_common::*;
    let dir = bench_dir();
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let r1 = bench_release(&dir, tmp.path(), &cache, "r1");
    let r2 = bench_release(&dir, tmp.path(), &cache, "r2");
    // Both directions: r2 against r1 (the release notes of r2), and r1 with r2 as the
    // previous release (every change reversed), each with its own audit.
    let render = |release: &Path, previous: &Path, name: &str| -> PathBuf {
        let (audit, code) = report_common::audit_json(&cache, release, &[]);
        assert_eq!(code, Some(0), "no --fail-on, no policy");
        let audit_file = tmp.path().join(format!("audit-{name}.json"));
        std::fs::write(&audit_file, &audit).unwrap();
        let site = tmp.path().join(format!("site-{name}"));
        sbom(&cache)
            .arg("report")
            .arg(release)
            .arg("--previous")
            .arg(previous)
            .arg("--audit")
            .arg(&audit_file)
            .arg("--output-dir")
            .arg(&site)
            .assert()
            .success();
        vnu(&site);
        site
    };
    let site = render(&r2, &r1, "r2");
    let reversed = render(&r1, &r2, "r1");

    let truth_debs = tsv(&dir.join("r2/truth/dpkg.tsv"));
    let mut b = sbom_testkit::browser::Browser::start().expect("chromium");
    let shots = std::env::var_os("SBOM_REPORT_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots"));
    std::fs::create_dir_all(&shots).unwrap();
    let shot = |b: &mut sbom_testkit::browser::Browser, name: &str| {
        std::fs::write(shots.join(name), b.screenshot().expect("screenshot")).unwrap();
    };

    // The release page: a row per image with the truth's package count.
    open(&mut b, &site.join("index.html"));
    assert_eq!(visible_rows(&mut b, "images"), 2);
    let rows = b
        .eval("Array.from(document.querySelectorAll('table[data-filter=images] tbody tr')).map(r => Array.from(r.cells).map(c => c.innerText))")
        .unwrap();
    // Columns by header: one per ecosystem the release holds, then the total.
    let heads = b
        .eval("Array.from(document.querySelectorAll('table[data-filter=images] thead th')).map(c => c.innerText)")
        .unwrap();
    let col = |name: &str| {
        heads
            .as_array()
            .unwrap()
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}: {heads}"))
    };
    let (debs_col, total_col) = (col("deb"), col("Packages"));
    let want_total = (truth(&dir.join("r2")).len()).to_string();
    for name in ["keystone", "docker.io/osism/keystone"] {
        let row = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r[0] == name)
            .unwrap_or_else(|| panic!("no row {name}: {rows}"));
        assert_eq!(row[4], "Debian GNU/Linux 12 (bookworm)", "{row}");
        assert_eq!(
            row[debs_col],
            truth_debs.len().to_string(),
            "debs of {name}: {row}"
        );
        assert_eq!(row[total_col], want_total, "packages of {name}: {row}");
    }
    shot(&mut b, "report-release.png");

    // The image page: a package search narrows the table to the truth's matches.
    open(&mut b, &site.join("images/keystone.html"));
    shot(&mut b, "report-image.png");
    jump_to_search(&mut b, "Packages");
    b.type_text("jq").unwrap();
    let want_jq: Vec<&Vec<String>> = truth_debs.iter().filter(|r| r[0].contains("jq")).collect();
    assert!(!want_jq.is_empty(), "r2 installs jq");
    assert_eq!(visible_rows(&mut b, "packages"), want_jq.len() as u64);
    let text = visible_text(&mut b, "table[data-filter=packages]");
    for r in &want_jq {
        assert!(
            text.contains(&r[0]) && text.contains(&r[1]),
            "{r:?} in {text}"
        );
    }
    // The layers name the build steps from the image config's history.
    assert!(visible_text(&mut b, "main").contains("Created by"));

    // The change page: every truth change is shown; the kind filter keeps downgrades.
    open(&mut b, &site.join("changes.html"));
    shot(&mut b, "report-changes.png");
    let text = visible_text(&mut b, "main");
    for r in tsv(&dir.join("truth-diff-r1-r2.tsv")) {
        assert!(
            text.contains(&r[2]) || text.contains(&pep503(&r[2])),
            "{r:?}"
        );
    }
    select(&mut b, "kind", "downgraded");
    let text = visible_text(&mut b, "#rollup + div");
    assert!(
        text.contains("1.17.0") && text.contains("1.16.0"),
        "six downgraded: {text}"
    );
    assert!(!text.contains("apache2"), "only downgrades shown: {text}");

    // The package index: which images hold openssl, at which version.
    let url = format!(
        "{}?q=openssl&eco=deb",
        sbom_testkit::browser::file_url(&site.join("packages.html"))
    );
    b.open(&url).unwrap();
    shot(&mut b, "report-packages.png");
    let openssl = truth_debs
        .iter()
        .find(|r| r[0] == "openssl")
        .expect("openssl in r2");
    let text = visible_text(&mut b, "table[data-filter=index]");
    assert!(
        text.contains(&openssl[1]),
        "openssl {} in {text}",
        openssl[1]
    );
    assert!(text.contains("all 2 images"), "{text}");

    // r1 with r2 as previous: the truth's upgrades are downgrades there.
    open(&mut b, &reversed.join("changes.html"));
    select(&mut b, "kind", "downgraded");
    let text = visible_text(&mut b, "#rollup + div");
    for r in tsv(&dir.join("truth-diff-r1-r2.tsv")) {
        if r[0] == "upgraded" {
            assert!(
                text.contains(&r[2]) && text.contains(&r[3]) && text.contains(&r[4]),
                "{r:?}: {text}"
            );
        }
    }
    open(&mut b, &reversed.join("index.html"));
    assert_eq!(visible_rows(&mut b, "images"), 2);
    assert_eq!(b.errors(), Vec::<String>::new());
}
