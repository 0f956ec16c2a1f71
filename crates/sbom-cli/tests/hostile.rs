//! Hostile images (issue 17): each is generated on the fly by sbom-testkit's `hostile`
//! module (big ones streamed to disk, never committed) and scanned by the real `sbom`
//! binary as a child process under GNU time, which reads the child's peak RSS from
//! wait4. Every case must end in a clean result or a one-line error, within its time
//! bound, under 128 MiB, without a panic, and writing nothing outside the output and
//! cache folders (HOME, TMPDIR and the working folder are fresh and listed before and
//! after).
//!
//! `cargo test -p sbom-cli --test hostile -- --nocapture --test-threads 1` prints the
//! rows of the table kept in docs/reliability.md (`SBOM_HOSTILE_STDERR=1` adds each
//! scan's stderr).
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use sbom_testkit::hostile;

/// Peak RSS allowed to any scan of a hostile image.
const MAX_RSS_KIB: u64 = 128 * 1024;

/// What a case must end in.
enum Expect {
    /// Exit 0 and an SBOM; the closure checks its (name, version) pairs and stderr.
    Clean(fn(&[(String, String)], &str)),
    /// Exit 1 and one line on stderr containing this.
    Error(&'static str),
}

struct Case {
    name: &'static str,
    build: fn(&Path) -> std::io::Result<()>,
    expect: Expect,
    /// Generous: CI runs the debug binary on 2 shared cores.
    max: Duration,
}

/// What one scan did.
struct Run {
    code: i32,
    stderr: String,
    rss_kib: u64,
    secs: f64,
}

/// Every file and folder under `root` (relative path → size), skipping `skip`.
fn listing(root: &Path, skip: &[&Path]) -> BTreeMap<PathBuf, u64> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if skip.iter().any(|s| p.starts_with(s)) {
                continue;
            }
            let meta = e.metadata().expect("stat");
            out.insert(
                p.strip_prefix(root).expect("under root").to_path_buf(),
                meta.len(),
            );
            if meta.is_dir() {
                stack.push(p);
            }
        }
    }
    out
}

/// Scans `oci-dir:LAYOUT:hostile` under GNU time with a fresh HOME, TMPDIR and working
/// folder, and checks nothing was written outside `out/` and `cache/`.
fn scan(root: &Path, layout: &Path) -> Run {
    let (home, tmp, work, out, cache) = (
        root.join("home"),
        root.join("tmp"),
        root.join("work"),
        root.join("out"),
        root.join("cache"),
    );
    for d in [&home, &tmp, &work, &out] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    let time_file = root.join("time.txt");
    let skip = [out.as_path(), cache.as_path(), time_file.as_path()];
    let before = listing(root, &skip);
    let started = std::time::Instant::now();
    let output = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&time_file)
        .arg(assert_cmd::cargo::cargo_bin("sbom"))
        .arg("scan")
        .arg(format!("oci-dir:{}:{}", layout.display(), hostile::TAG))
        .arg("--cache-dir")
        .arg(&cache)
        .arg("-o")
        .arg(format!(
            "cyclonedx-json={}",
            out.join("sbom.cdx.json").display()
        ))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("TMPDIR", &tmp)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .current_dir(&work)
        .output()
        .expect("/usr/bin/time (Debian package `time`) must be installed");
    let secs = started.elapsed().as_secs_f64();
    let after = listing(root, &skip);
    assert_eq!(
        before, after,
        "the scan wrote outside its output and cache folders"
    );
    let rss_kib = std::fs::read_to_string(&time_file)
        .ok()
        .and_then(|t| t.lines().last().and_then(|l| l.trim().parse().ok()))
        .unwrap_or_else(|| panic!("no peak RSS in {}", time_file.display()));
    // Under GNU time a signal shows as "Command terminated by signal N" in the file.
    Run {
        code: output.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        rss_kib,
        secs,
    }
}

fn components(out: &Path) -> Vec<(String, String)> {
    let text = std::fs::read(out.join("sbom.cdx.json")).expect("SBOM written");
    let doc: serde_json::Value = serde_json::from_slice(&text).expect("JSON");
    if doc.get("components").is_none() {
        return Vec::new();
    }
    common::cdx_components(&doc)
}

fn has(c: &[(String, String)], name: &str, version: &str) -> bool {
    c.iter().any(|(n, v)| n == name && v == version)
}

fn cases() -> Vec<Case> {
    const S: fn(u64) -> Duration = Duration::from_secs;
    vec![
        Case {
            name: "gzip bomb: 10 MB of gzip members, 10 GiB of zeros",
            build: |l| hostile::gzip_bomb(l, 10 << 30).map(drop),
            expect: Expect::Clean(|c, err| {
                assert!(c.is_empty(), "{c:?}");
                assert!(err.contains("over the 67108864-byte limit"), "{err}");
            }),
            max: S(180),
        },
        Case {
            name: "1,000,000 empty files in one layer",
            build: |l| hostile::many_files(l, 1_000_000),
            expect: Expect::Clean(|c, _| assert!(has(c, "base-files", "12.4"), "{c:?}")),
            max: S(180),
        },
        Case {
            name: "a path of 4,096 components",
            build: |l| hostile::deep_path(l, 4096),
            expect: Expect::Clean(|c, _| assert!(has(c, "deep", "1.0"), "{c:?}")),
            max: S(60),
        },
        Case {
            name: "PAX headers claiming 2^63 and 2^64-1 byte sizes",
            build: hostile::pax_huge_sizes,
            expect: Expect::Error("layer sha256:"),
            max: S(30),
        },
        Case {
            name: "a GNU long name and long link of 1 MiB",
            build: |l| hostile::gnu_long_name(l, 1 << 20),
            expect: Expect::Clean(|c, _| assert!(has(c, "base-files", "12.4"), "{c:?}")),
            max: S(30),
        },
        Case {
            name: "sparse files claiming 1 TiB and 4 GiB",
            build: hostile::sparse_files,
            expect: Expect::Clean(|c, err| {
                assert!(!has(c, "base-files", "12.4"), "status replaced: {c:?}");
                assert!(err.contains("var/lib/dpkg/status"), "{err}");
            }),
            max: S(60),
        },
        Case {
            name: "device nodes and fifos (a fifo as the dpkg status)",
            build: hostile::devices_and_fifos,
            expect: Expect::Clean(|c, _| assert!(!has(c, "base-files", "12.4"), "{c:?}")),
            max: S(30),
        },
        Case {
            name: "symlink loops and a chain of 1,000 symlinks",
            build: |l| hostile::symlink_loops(l, 1000),
            expect: Expect::Clean(|c, err| {
                assert!(has(c, "short", "1.0"), "{c:?}");
                assert!(!has(c, "chained", "1.0"), "{c:?}");
                assert!(err.contains("too many levels of links"), "{err}");
            }),
            max: S(30),
        },
        Case {
            name: "whiteouts of / (opaque root, empty, `.`, `..`, absolute, escaping)",
            build: hostile::whiteout_root,
            expect: Expect::Clean(|c, err| {
                assert!(!has(c, "bash", "5.2"), "lower layer hidden: {c:?}");
                assert!(err.contains("whiteout without a valid name"), "{err}");
                assert!(err.contains("path escapes the root"), "{err}");
            }),
            max: S(30),
        },
        Case {
            name: "a manifest with 10,000 layers",
            build: |l| hostile::many_layers(l, 10_000),
            expect: Expect::Clean(|c, _| assert!(has(c, "base-files", "12.4"), "{c:?}")),
            max: S(180),
        },
        Case {
            name: "a config with fewer diffIDs than layers",
            build: hostile::fewer_diff_ids,
            expect: Expect::Error("lists 3 layers but config"),
            max: S(30),
        },
        Case {
            name: "a layer that is a valid gzip of garbage",
            build: |l| hostile::gzip_of_garbage(l, 1 << 20),
            expect: Expect::Error("layer sha256:"),
            max: S(30),
        },
    ]
}

fn check(case: &Case, root: &Path, run: &Run) -> String {
    assert!(
        !run.stderr.contains("panicked") && run.code != 101,
        "{}: panic\n{}",
        case.name,
        run.stderr
    );
    assert!(
        !run.stderr.chars().any(|c| c.is_control() && c != '\n'),
        "{}: control characters on the terminal: {:?}",
        case.name,
        run.stderr
    );
    assert!(
        run.rss_kib <= MAX_RSS_KIB,
        "{}: peak RSS {} KiB over {MAX_RSS_KIB} KiB",
        case.name,
        run.rss_kib
    );
    assert!(
        run.secs <= case.max.as_secs_f64(),
        "{}: {:.1} s, over its bound of {:?}",
        case.name,
        run.secs,
        case.max
    );
    match &case.expect {
        Expect::Clean(f) => {
            assert_eq!(
                run.code, 0,
                "{}: exit {}\n{}",
                case.name, run.code, run.stderr
            );
            let c = components(&root.join("out"));
            f(&c, &run.stderr);
            let warnings = run
                .stderr
                .lines()
                .filter(|l| l.starts_with("warning:"))
                .count();
            format!("clean: {} components, {warnings} warnings", c.len())
        }
        Expect::Error(what) => {
            assert_eq!(
                run.code, 1,
                "{}: exit {}\n{}",
                case.name, run.code, run.stderr
            );
            let lines: Vec<&str> = run.stderr.lines().collect();
            assert_eq!(
                lines.len(),
                1,
                "{}: not one line:\n{}",
                case.name,
                run.stderr
            );
            assert!(
                lines[0].starts_with("error: ") && lines[0].contains(what),
                "{}: {}",
                case.name,
                lines[0]
            );
            assert!(
                !root.join("out/sbom.cdx.json").exists(),
                "{}: output left behind",
                case.name
            );
            let line = lines[0];
            let short: String = line.chars().take(110).collect();
            format!(
                "error: `{short}{}`",
                if short.len() < line.len() { "…" } else { "" }
            )
        }
    }
}

/// Generates and scans the case named `name`, checks it, and prints its row of the table
/// in docs/reliability.md.
fn run_case(name: &str) {
    let case = cases()
        .into_iter()
        .find(|c| c.name.starts_with(name))
        .unwrap_or_else(|| panic!("no case {name}"));
    let root = tempfile::tempdir().expect("tempdir");
    let layout = root.path().join("layout");
    let built = std::time::Instant::now();
    (case.build)(&layout).unwrap_or_else(|e| panic!("{}: generating: {e}", case.name));
    let gen_secs = built.elapsed().as_secs_f64();
    let run = scan(root.path(), &layout);
    if std::env::var_os("SBOM_HOSTILE_STDERR").is_some() {
        eprintln!("{}", run.stderr);
    }
    let outcome = check(&case, root.path(), &run);
    eprintln!(
        "| {} | {} | {:.1} | {:.1} | (generated in {gen_secs:.1} s)",
        case.name,
        outcome,
        run.secs,
        run.rss_kib as f64 / 1024.0
    );
}

// One test per image, so the harness runs them side by side.
#[test]
fn hostile_gzip_bomb() {
    run_case("gzip bomb");
}
#[test]
fn hostile_a_million_empty_files() {
    run_case("1,000,000 empty files");
}
#[test]
fn hostile_path_of_4096_components() {
    run_case("a path of 4,096");
}
#[test]
fn hostile_pax_huge_sizes() {
    run_case("PAX headers");
}
#[test]
fn hostile_gnu_long_name_of_1_mib() {
    run_case("a GNU long name");
}
#[test]
fn hostile_sparse_files() {
    run_case("sparse files");
}
#[test]
fn hostile_devices_and_fifos() {
    run_case("device nodes");
}
#[test]
fn hostile_symlink_loops_and_chain() {
    run_case("symlink loops");
}
#[test]
fn hostile_whiteouts_of_the_root() {
    run_case("whiteouts of /");
}
#[test]
fn hostile_ten_thousand_layers() {
    run_case("a manifest with 10,000");
}
#[test]
fn hostile_fewer_diff_ids_than_layers() {
    run_case("a config with fewer");
}
#[test]
fn hostile_gzip_of_garbage() {
    run_case("a layer that is a valid gzip");
}

#[test]
fn every_case_has_its_test() {
    let src = include_str!("hostile.rs");
    for c in cases() {
        let prefix: String = c.name.chars().take(9).collect();
        assert!(
            src.contains(&format!("run_case(\"{prefix}")),
            "{} has no test",
            c.name
        );
    }
}
