//! Soaks of the shared layer cache (issue 17): `sbom scan` processes killed with SIGKILL
//! mid-run, and a cache folder on a full disk.
//!
//! `SBOM_SOAK_ROUNDS` (default 6) and `SBOM_SOAK_SEED` (default: the clock, printed)
//! set the kill soak; `cargo test -p sbom-cli --test soak -- --nocapture` prints its
//! figures (docs/reliability.md).
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sbom_catalog::cache::{LayerCache, Lookup};
use sbom_testkit::{Compression, Image, Layer};

/// Concurrent scans per round.
const PROCS: usize = 8;

/// xorshift64*: reproducible from the printed seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn seed() -> u64 {
    std::env::var("SBOM_SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1
        })
}

/// A dpkg status of `n` packages (the base layer's, big enough that its cache file
/// takes a while to write and does not fit a tiny tmpfs).
fn status(n: usize, prefix: &str) -> String {
    (0..n)
        .map(|i| {
            common::stanza(
                &format!("{prefix}pkg{i:04}"),
                &format!("1.{i}-1"),
                "Description: a package of the soak\n long description line\n",
            )
        })
        .collect()
}

/// A base layer shared by every image: os-release, a dpkg status of 400 packages and
/// 4,000 files nobody wants.
fn base() -> Layer {
    let mut l = Layer::new(Compression::Gzip)
        .file("etc/os-release", common::OS_RELEASE)
        .file("var/lib/dpkg/status", status(400, ""));
    for i in 0..4000 {
        l = l.file(&format!("usr/share/soak/{:02}/f{i:05}", i % 50), "x");
    }
    l
}

fn python(names: &[&str]) -> Layer {
    let mut l = Layer::new(Compression::Zstd);
    for n in names {
        l = l.file(
            &format!("{}/{n}-1.0.dist-info/METADATA", common::VENV),
            common::metadata(n, "1.0", "MIT"),
        );
    }
    l
}

/// Three images on overlapping layers: each image's own OCI layout, tag `soak`.
fn images(dir: &Path) -> Vec<PathBuf> {
    let shared_py = python(&["alpha", "beta", "gamma"]);
    let sets = [
        vec![base(), shared_py.clone(), python(&["one"])],
        vec![base(), shared_py, python(&["two"])],
        vec![
            base(),
            Layer::new(Compression::None).file(
                "var/lib/dpkg/status",
                format!("{}{}", status(400, ""), status(50, "extra-")),
            ),
        ],
    ];
    sets.into_iter()
        .enumerate()
        .map(|(i, layers)| {
            let layout = dir.join(format!("image{i}"));
            sbom_testkit::write_oci_layout(&layout, &[(Image::new(layers), Some("soak".into()))])
                .expect("layout");
            layout
        })
        .collect()
}

/// `sbom scan` of `layout` with `cache` (or none), writing CycloneDX JSON to `out`.
fn scan_cmd(layout: &Path, cache: Option<&Path>, out: &Path) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("sbom"));
    c.arg("scan")
        .arg(format!("oci-dir:{}:soak", layout.display()))
        .arg("-o")
        .arg(format!("cyclonedx-json={}", out.display()))
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env_remove("XDG_CACHE_HOME")
        .env_remove("SBOM_CACHE_DIR")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    match cache {
        Some(d) => c.arg("--cache-dir").arg(d),
        None => c.arg("--no-cache"),
    };
    c
}

/// The cache files (`layers/*.idx`) of a cache folder: name → bytes.
fn entries(cache: &Path) -> BTreeMap<String, Vec<u8>> {
    let Ok(rd) = std::fs::read_dir(cache.join("layers")) else {
        return BTreeMap::new();
    };
    rd.flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            (name.ends_with(".idx") && !name.starts_with(".tmp-"))
                .then(|| (name, std::fs::read(e.path()).expect("read cache file")))
        })
        .collect()
}

/// How many files in `layers/` `pick` names (lock files, temp files of killed writers).
fn leftovers(cache: &Path, pick: fn(&str) -> bool) -> usize {
    std::fs::read_dir(cache.join("layers"))
        .map(|rd| {
            rd.flatten()
                .filter(|e| pick(&e.file_name().to_string_lossy()))
                .count()
        })
        .unwrap_or(0)
}

/// Loads `name` (`ALGO-HEX.ANALYSIS.idx`) through the cache's own reader.
fn loads(cache: &Path, name: &str) -> bool {
    let stem = name.trim_end_matches(".idx");
    let Some((key, analysis)) = stem.split_once('.') else {
        return false;
    };
    let Some((algo, hex)) = key.split_once('-') else {
        return false;
    };
    matches!(
        LayerCache::new(cache, analysis).load(&format!("{algo}:{hex}")),
        Lookup::Hit(_)
    )
}

/// Reference SBOMs (no cache) and the reference cache (one clean scan per image).
fn references(root: &Path, layouts: &[PathBuf]) -> (Vec<Vec<u8>>, BTreeMap<String, Vec<u8>>) {
    let fresh = root.join("fresh-cache");
    let mut sboms = Vec::new();
    for (i, l) in layouts.iter().enumerate() {
        let out = root.join(format!("ref{i}.cdx.json"));
        let st = scan_cmd(l, None, &out).status().expect("spawn sbom");
        assert!(st.success(), "reference scan of image {i}");
        let uncached = std::fs::read(&out).expect("reference SBOM");
        let st = scan_cmd(l, Some(&fresh), &out)
            .status()
            .expect("spawn sbom");
        assert!(st.success(), "fresh cached scan of image {i}");
        assert_eq!(
            std::fs::read(&out).expect("SBOM"),
            uncached,
            "cached and uncached scans differ"
        );
        sboms.push(uncached);
    }
    (sboms, entries(&fresh))
}

/// Waits for `child` at most `limit` (then kills it and fails: a scan blocked, by a lock
/// or anything else).
fn wait_bounded(mut child: Child, limit: Duration, what: &str) -> std::process::Output {
    let t = Instant::now();
    while matches!(child.try_wait(), Ok(None)) {
        if t.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("wait")
}

struct Figures {
    stale_locks: usize,
    temps: usize,
    removed: usize,
    started: usize,
    killed: usize,
    survived: usize,
}

/// One round: a random half of the cache's entries removed (so layers are analysed and
/// written again while processes die), then `PROCS` scans on the shared cache, about
/// half of them killed at a random moment within `window`.
fn round(
    rng: &mut Rng,
    window: Duration,
    (layouts, cache, dir): (&[PathBuf], &Path, &Path),
    refs: &[Vec<u8>],
    f: &mut Figures,
) {
    // Locks and temp files the previous round's killed scans left (all its scans ended).
    f.stale_locks += leftovers(cache, |n| n.ends_with(".lock"));
    f.temps += leftovers(cache, |n| n.starts_with(".tmp-"));
    for name in entries(cache).keys() {
        if rng.below(2) == 0 {
            std::fs::remove_file(cache.join("layers").join(name)).expect("rm entry");
            f.removed += 1;
        }
    }
    let t0 = Instant::now();
    let mut kids: Vec<(usize, PathBuf, Child, Option<Duration>)> = (0..PROCS)
        .map(|p| {
            let img = rng.below(layouts.len() as u64) as usize;
            let out = dir.join(format!("out{p}.cdx.json"));
            let _ = std::fs::remove_file(&out);
            let child = scan_cmd(&layouts[img], Some(cache), &out)
                .spawn()
                .expect("spawn sbom");
            let kill = (rng.below(2) == 0)
                .then(|| Duration::from_micros(rng.below(window.as_micros() as u64)));
            (img, out, child, kill)
        })
        .collect();
    f.started += PROCS;
    let mut pending: Vec<usize> = (0..PROCS).filter(|&p| kids[p].3.is_some()).collect();
    pending.sort_by_key(|&p| kids[p].3);
    for p in pending {
        let (_, _, child, Some(at)) = &mut kids[p] else {
            continue;
        };
        if let Some(wait) = at.checked_sub(t0.elapsed()) {
            std::thread::sleep(wait);
        }
        if matches!(child.try_wait(), Ok(None)) {
            child.kill().expect("SIGKILL");
            f.killed += 1;
        } else {
            // Finished before its kill: a survivor after all.
            kids[p].3 = None;
        }
    }
    for (img, out, child, kill) in kids {
        let output = wait_bounded(child, Duration::from_secs(120), "a surviving scan");
        if kill.is_some() {
            continue;
        }
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "a surviving scan failed: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(
            std::fs::read(&out).expect("survivor's SBOM"),
            refs[img],
            "a surviving scan's SBOM differs from the reference"
        );
        f.survived += 1;
    }
}

#[test]
fn cache_survives_sigkill_of_concurrent_scans() {
    let rounds: usize = std::env::var("SBOM_SOAK_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    let seed = seed();
    eprintln!("kill soak: seed {seed} (SBOM_SOAK_SEED), {rounds} rounds");
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let layouts = images(root);
    let cold = Instant::now();
    let (refs, fresh) = references(root, &layouts);
    // Kills land anywhere in a cold scan: start-up, analysis, cache writes, output.
    let window = cold.elapsed() / 3;
    assert!(fresh.len() >= 5, "reference cache: {:?}", fresh.keys());
    let cache = root.join("shared-cache");
    let mut rng = Rng(seed);
    let mut f = Figures {
        stale_locks: 0,
        temps: 0,
        removed: 0,
        started: 0,
        killed: 0,
        survived: 0,
    };
    let soak = Instant::now();
    for _ in 0..rounds {
        round(&mut rng, window, (&layouts, &cache, root), &refs, &mut f);
    }
    let soak_secs = soak.elapsed().as_secs_f64();
    // Every entry the killed and surviving scans left loads and is byte for byte the
    // fresh analysis.
    let soaked = entries(&cache);
    for (name, bytes) in &soaked {
        assert!(loads(&cache, name), "{name} does not load");
        assert_eq!(
            Some(bytes),
            fresh.get(name),
            "{name} differs from a fresh analysis"
        );
    }
    let locks = leftovers(&cache, |n| n.ends_with(".lock"));
    let temps = leftovers(&cache, |n| n.starts_with(".tmp-"));
    // No lock left behind blocks a later run: every image scans again promptly (the
    // cross-process wait is 10 minutes; a dead holder's lock is taken over at once),
    // concurrently, with the reference result.
    let after = Instant::now();
    let kids: Vec<(usize, PathBuf, Child)> = layouts
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let out = root.join(format!("after{i}.cdx.json"));
            (
                i,
                out.clone(),
                scan_cmd(l, Some(&cache), &out).spawn().expect("spawn"),
            )
        })
        .collect();
    for (i, out, child) in kids {
        let o = wait_bounded(child, Duration::from_secs(60), "a scan after the soak");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(std::fs::read(&out).expect("SBOM"), refs[i]);
    }
    let after_secs = after.elapsed().as_secs_f64();
    assert!(
        after_secs < 60.0,
        "scans after the soak took {after_secs:.1} s"
    );
    let complete = entries(&cache);
    assert_eq!(
        complete, fresh,
        "after the soak the cache holds every layer, fresh"
    );
    eprintln!(
        "kill soak: {rounds} rounds, kills within {:.0} ms of start, {} entries removed before rounds, {} scans started, {} killed, {} survived with the reference SBOM in {soak_secs:.1} s; {} entries checked against a fresh analysis; locks left by killed scans between rounds: {} (taken over), temp files: {}; at the end: {locks} lock files, {temps} temp files; 3 scans after the soak in {after_secs:.1} s",
        window.as_secs_f64() * 1000.0, f.removed, f.started, f.killed, f.survived, soaked.len(), f.stale_locks, f.temps
    );
}

/// Runs `cmd` with `cache` on a fresh 16 KiB tmpfs of its own (a private mount
/// namespace: `unshare -m` as root, else a user namespace `unshare -Urm`), so nothing
/// stays mounted whatever happens to the test.
fn on_tiny_tmpfs(cache: &Path, scan: &Command) -> std::process::Output {
    let root = is_root();
    let mut c = Command::new("unshare");
    if !root {
        c.arg("-Ur");
    }
    c.arg("-m")
        .arg("sh")
        .arg("-c")
        .arg(r#"mount -t tmpfs -o size=16k tmpfs "$0" && exec "$@""#)
        .arg(cache)
        .arg(scan.get_program())
        .args(scan.get_args());
    for (k, v) in scan.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    c.output().expect("unshare (util-linux) must be installed")
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

#[test]
fn a_full_disk_under_the_cache_is_a_warning_not_a_failure() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let layouts = images(root);
    let reference = root.join("ref.cdx.json");
    assert!(scan_cmd(&layouts[2], None, &reference)
        .status()
        .expect("spawn")
        .success());
    let cache = root.join("cache");
    std::fs::create_dir_all(&cache).expect("mkdir");
    let out = root.join("out.cdx.json");
    let o = on_tiny_tmpfs(&cache, &scan_cmd(&layouts[2], Some(&cache), &out));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "exit {:?}: {err}", o.status);
    assert!(
        err.lines()
            .any(|l| l.starts_with("warning:") && l.contains("No space left on device")),
        "no warning about the full cache: {err}"
    );
    assert_eq!(
        std::fs::read(&out).expect("SBOM"),
        std::fs::read(&reference).expect("reference")
    );
    // The tmpfs went away with its namespace: nothing was written to the real folder.
    assert_eq!(std::fs::read_dir(&cache).expect("ls").count(), 0);
    eprintln!(
        "disk full: exit 0, SBOM equals the uncached one, warnings: {}",
        err.lines()
            .filter(|l| l.starts_with("warning:"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
}
