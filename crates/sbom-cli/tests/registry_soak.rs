//! Registry soak (issue 17): pulls of one image from a real `docker-registry` through
//! sbom-testkit's fault proxy, each with a random fault of the modes the registry
//! client is tested against (a connection cut at a random body byte, a flipped byte, a
//! 429 with Retry-After, or none) on a random blob (a layer or the config). A pull ends
//! with the reference SBOM or one error line naming the blob, and its fresh cache
//! folder holds only entries byte for byte equal to a clean pull's: none from bad bytes.
//!
//! `SBOM_REGISTRY_SOAK_PULLS` (default 200) and `SBOM_SOAK_SEED` (default: the clock,
//! printed); `-- --nocapture` prints the tally (docs/reliability.md).
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use sbom_testkit::registry::{fixture_layout, Fault, FaultProxy, Registry};

const REPO: &str = "soak/fixture:v1";

fn next(x: &AtomicU64) -> u64 {
    // xorshift64* over a shared state: reproducible per seed up to thread interleaving.
    let mut v = x.load(Ordering::SeqCst);
    loop {
        let mut n = v;
        n ^= n >> 12;
        n ^= n << 25;
        n ^= n >> 27;
        match x.compare_exchange(v, n, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(_) => return n.wrapping_mul(0x2545_F491_4F6C_DD1D),
            Err(cur) => v = cur,
        }
    }
}

/// `sbom scan` of the image behind `port`, fresh cache `cache`, CycloneDX to `out`.
fn pull(port: u16, cache: &Path, out: &Path) -> std::process::Output {
    Command::new(assert_cmd::cargo::cargo_bin("sbom"))
        .arg("scan")
        .arg(format!("127.0.0.1:{port}/{REPO}"))
        .arg("--cache-dir")
        .arg(cache)
        .arg("-o")
        .arg(format!("cyclonedx-json={}", out.display()))
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env("DOCKER_CONFIG", cache.join("no-docker-config"))
        .env_remove("XDG_CACHE_HOME")
        .stdout(Stdio::null())
        .output()
        .expect("spawn sbom")
}

/// The SBOM with the proxy's address taken out (it is in the image's name and purl, and
/// the serial number is derived from them).
fn normalised(out: &Path, port: u16) -> String {
    std::fs::read_to_string(out)
        .expect("SBOM written")
        .lines()
        .filter(|l| !l.trim_start().starts_with("\"serialNumber\""))
        .collect::<Vec<_>>()
        .join("\n")
        .replace(&format!("127.0.0.1:{port}"), "REGISTRY")
        .replace(&format!("127.0.0.1%3A{port}"), "REGISTRY")
}

fn entries(cache: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(cache.join("layers"))
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| {
                    let n = e.file_name().into_string().ok()?;
                    n.ends_with(".idx")
                        .then(|| (n, std::fs::read(e.path()).expect("read")))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Default)]
struct Tally {
    by_mode: BTreeMap<&'static str, (usize, usize)>,
    max_secs: f64,
}

#[test]
fn pulls_through_random_faults_end_right_or_in_one_line_and_cache_no_bad_bytes() {
    let pulls: usize = std::env::var("SBOM_REGISTRY_SOAK_PULLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let seed = std::env::var("SBOM_SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1
        });
    eprintln!("registry soak: seed {seed} (SBOM_SOAK_SEED), {pulls} pulls");
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().expect("tempdir");
    let (layout, built) = fixture_layout(tmp.path());
    reg.push(&layout, "v1", REPO, false);
    let img = &built[0];
    // (digest, size) of every blob a pull downloads.
    let mut blobs: Vec<(String, usize)> = img
        .blobs
        .iter()
        .map(|b| (b.digest.clone(), b.bytes.len()))
        .collect();
    blobs.push((img.config_digest.clone(), img.config.len()));

    // The reference: a clean pull straight from the registry.
    let ref_cache = tmp.path().join("ref-cache");
    let ref_out = tmp.path().join("ref.cdx.json");
    let o = pull(reg.port, &ref_cache, &ref_out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let reference = normalised(&ref_out, reg.port);
    let ref_entries = entries(&ref_cache);
    assert_eq!(ref_entries.len(), 3, "{:?}", ref_entries.keys());

    let rng = AtomicU64::new(seed);
    let todo = AtomicU64::new(0);
    let tally = Mutex::new(Tally::default());
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                while todo.fetch_add(1, Ordering::SeqCst) < pulls as u64 {
                    let (digest, size) = &blobs[(next(&rng) % blobs.len() as u64) as usize];
                    let at = (next(&rng) % *size as u64) as usize;
                    let (mode, fault) = match next(&rng) % 8 {
                        0 | 1 => ("none", None),
                        2..=4 => ("cut", Some(Fault::CutAfter(at))),
                        5 | 6 => ("corrupt", Some(Fault::Corrupt(at))),
                        _ => ("429", Some(Fault::TooManyRequests)),
                    };
                    // No fault: the proxy waits for a digest no request names.
                    let proxy = FaultProxy::start(
                        reg.port,
                        if fault.is_some() {
                            digest
                        } else {
                            "sha256:none"
                        },
                        fault.unwrap_or(Fault::Corrupt(0)),
                    );
                    let dir = tempfile::tempdir_in(tmp.path()).expect("tempdir");
                    let (cache, out) = (dir.path().join("cache"), dir.path().join("o.json"));
                    let t = Instant::now();
                    let o = pull(proxy.port, &cache, &out);
                    let secs = t.elapsed().as_secs_f64();
                    let err = String::from_utf8_lossy(&o.stderr).into_owned();
                    let what = format!("{mode} at byte {at} of {digest}");
                    assert!(!err.contains("panicked"), "{what}: {err}");
                    let ok = o.status.success();
                    if mode == "corrupt" {
                        // A flipped byte is never accepted: one line naming the blob.
                        assert_eq!(o.status.code(), Some(1), "{what}: {err}");
                        assert_eq!(err.lines().count(), 1, "{what}: {err}");
                        assert!(
                            err.starts_with("error: ") && err.contains(digest),
                            "{what}: {err}"
                        );
                        assert!(!out.exists(), "{what}: output left behind");
                    } else {
                        // Cuts resume or retry, a 429 waits: the reference SBOM.
                        assert!(ok, "{what}: {err}");
                        assert_eq!(normalised(&out, proxy.port), reference, "{what}");
                    }
                    // Whatever happened, the cache holds only what a clean pull writes.
                    let hex = digest.trim_start_matches("sha256:");
                    for (name, bytes) in entries(&cache) {
                        assert_eq!(Some(&bytes), ref_entries.get(&name), "{what}: {name}");
                        assert!(ok || !name.contains(hex), "{what}: {name} from bad bytes");
                    }
                    let mut t = tally.lock().expect("tally");
                    let e = t.by_mode.entry(mode).or_default();
                    if ok {
                        e.0 += 1;
                    } else {
                        e.1 += 1;
                    }
                    t.max_secs = t.max_secs.max(secs);
                }
            });
        }
    });
    let t = tally.into_inner().expect("tally");
    let secs = started.elapsed().as_secs_f64();
    let rows: Vec<String> = t
        .by_mode
        .iter()
        .map(|(m, (ok, failed))| format!("{m}: {ok} right SBOM, {failed} one-line errors"))
        .collect();
    eprintln!(
        "registry soak: {pulls} pulls in {secs:.1} s (4 at a time, slowest {:.1} s): {}",
        t.max_secs,
        rows.join("; ")
    );
}

/// Found by the soak: the config (and manifests) were read whole without a retry, so a
/// connection dropped in their body failed the scan while layers resumed.
#[test]
fn regression_config_cut_mid_body_is_fetched_again() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().expect("tempdir");
    let (layout, built) = fixture_layout(tmp.path());
    reg.push(&layout, "v1", REPO, false);
    let proxy = FaultProxy::start(reg.port, &built[0].config_digest, Fault::CutAfter(59));
    let (cache, out) = (tmp.path().join("cache"), tmp.path().join("o.json"));
    let o = pull(proxy.port, &cache, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        proxy.faults_done.load(Ordering::SeqCst),
        1,
        "the cut happened"
    );
}
