//! Replays the committed fuzz corpora (`fuzz/corpus/TARGET/*`) through the entry
//! point each fuzz target calls: every input that fuzzing found interesting, every
//! crash it found (kept after the fix), must run without a panic and in bounded time.
//! CI runs this with stable Rust; the fuzzers themselves need nightly and do not run
//! in CI (docs/reliability.md, "Fuzzing").
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Per input. The fuzzers fail an input at 1 s in an optimised build; a test build of
/// the workspace crates is unoptimised (dependencies are), so allow more, but not a
/// hang.
const PER_INPUT: Duration = Duration::from_secs(10);

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join("corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn replay(target: &str) {
    let run = sbom_fuzz::target(target).expect("a target of that name");
    let files = corpus(target);
    assert!(!files.is_empty(), "{target}: empty corpus");
    let start = Instant::now();
    let mut slowest = (Duration::ZERO, PathBuf::new());
    for path in &files {
        let data = std::fs::read(path).expect("corpus file");
        let t = Instant::now();
        if std::panic::catch_unwind(|| run(&data)).is_err() {
            panic!("{target}: {} panics", path.display());
        }
        let took = t.elapsed();
        assert!(
            took < PER_INPUT,
            "{target}: {} took {took:?}",
            path.display()
        );
        if took > slowest.0 {
            slowest = (took, path.clone());
        }
    }
    eprintln!(
        "{target}: {} inputs in {:?} (slowest {:?}: {})",
        files.len(),
        start.elapsed(),
        slowest.0,
        slowest.1.display()
    );
}

macro_rules! replay_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                replay(stringify!($name));
            }
        )*
        /// The targets this file replays.
        const REPLAYED: &[&str] = &[$(stringify!($name)),*];
    };
}

replay_tests!(
    layer,
    layers,
    image_manifest,
    dpkg,
    python,
    apk,
    os_release,
    rpm_header,
    rpm_sqlite,
    rpm_bdb,
    rpm_ndb,
    golang,
    rust_audit,
    programs,
    java,
    npm,
    gem,
    composer,
    cyclonedx_json,
    cyclonedx_xml,
    spdx_json,
    spdx_tag_value,
    spdx3_json,
    osv,
    vex,
    ansible,
    release_manifest,
);

/// Every entry point has a fuzz target, a corpus folder and a replay test, and the
/// other way round.
#[test]
fn targets_fuzzers_corpora_and_replays_agree() {
    let mut entry: Vec<&str> = sbom_fuzz::TARGETS.iter().map(|(n, _)| *n).collect();
    entry.sort_unstable();
    let names = |dir: &str, suffix: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(fuzz_dir().join(dir))
            .expect("fuzz folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter_map(|n| n.strip_suffix(suffix).map(str::to_string))
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("fuzz_targets", ".rs"), entry);
    assert_eq!(names("corpus", ""), entry);
    let mut replayed = REPLAYED.to_vec();
    replayed.sort_unstable();
    assert_eq!(replayed, entry);
}
