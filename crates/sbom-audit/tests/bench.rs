//! Load and match timings; run explicitly:
//!
//! ```sh
//! python3 scripts/gen-osv.py target/osv-synthetic --records 100000 --zip
//! cargo test --release -p sbom-audit --test bench -- --ignored --nocapture
//! ```
//! `SBOM_AUDIT_BENCH_OSV` overrides the synthetic database folder.
use std::path::PathBuf;
use std::time::Instant;

use sbom_audit::{audit, OsvDatabase};
use sbom_model::{Distro, Ecosystem, Package, Sbom};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// A release folder of `n` images: 250 deb packages (two binaries per source package) and
/// 120 Python packages each, names from gen-osv.py's scheme so that some are hit. As in
/// real releases, most packages (the base: 200 debs, 60 Python) are the same in every
/// image; the rest differ per image.
fn release(n: usize) -> Vec<Sbom> {
    (0..n)
        .map(|i| {
            let mut pkgs = Vec::new();
            for j in 0..250 {
                let src = if j < 200 { j / 2 } else { (i * 37 + j) % 4000 };
                let mut p = Package::new(
                    Ecosystem::Deb,
                    format!("debbin{src}-{}", j % 2),
                    format!("{}.{}.{}-1~deb12u1", 1 + j % 5, j % 20, j % 7),
                );
                p.source_name = Some(format!("debsrc{src}"));
                pkgs.push(p);
            }
            for j in 0..120 {
                pkgs.push(Package::new(
                    Ecosystem::Pypi,
                    format!(
                        "PyPkg{}",
                        if j < 60 {
                            j * 7
                        } else {
                            (i * 101 + j * 7) % 5000
                        }
                    ),
                    format!("{}.{}.{}", j % 9, j % 30, j % 20),
                ));
            }
            let mut s = Sbom {
                distro: Some(Distro {
                    id: "debian".into(),
                    version_id: Some("12".into()),
                    ..Distro::default()
                }),
                packages: pkgs,
                ..Sbom::default()
            };
            s.subject.name = format!("image-{i:02}");
            s.finalize();
            s
        })
        .collect()
}

fn time_match(db: &OsvDatabase, sboms: &[Sbom]) -> (f64, usize) {
    let t = Instant::now();
    let r = audit(sboms, db);
    (t.elapsed().as_secs_f64(), r.findings.len())
}

#[test]
#[ignore = "benchmark: run with --release --ignored --nocapture"]
fn bench_load_and_match() {
    let shared = root().join("../shared/osv");
    let t = Instant::now();
    let db = OsvDatabase::load(&[&shared]).expect("shared/osv");
    println!(
        "shared/osv: {} records loaded in {:.3} s",
        db.stats.records,
        t.elapsed().as_secs_f64()
    );
    let synth = std::env::var_os("SBOM_AUDIT_BENCH_OSV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/osv-synthetic"));
    assert!(
        synth.is_dir(),
        "generate it first: python3 scripts/gen-osv.py {} --records 100000 --zip",
        synth.display()
    );
    let rel20 = release(20);
    let rel2 = release(2);
    let pk20: usize = rel20.iter().map(|s| s.packages.len()).sum();
    let pk2: usize = rel2.iter().map(|s| s.packages.len()).sum();
    for (label, src) in [
        ("folder", synth.clone()),
        ("all.zip", synth.join("all.zip")),
    ] {
        if !src.exists() {
            continue;
        }
        let t = Instant::now();
        let db = OsvDatabase::load(&[&src]).expect("synthetic database");
        let load = t.elapsed().as_secs_f64();
        let (m20, f20) = time_match(&db, &rel20);
        let (m2, f2) = time_match(&db, &rel2);
        println!(
            "synthetic {label}: {} records ({} withdrawn, {} unsupported entries, {} warnings) loaded in {load:.3} s; \
             match 20 SBOMs / {pk20} packages: {m20:.4} s, {f20} findings; 2 SBOMs / {pk2} packages: {m2:.4} s, {f2} findings",
            db.stats.records,
            db.stats.withdrawn,
            db.stats.unsupported_entries,
            db.warnings.len()
        );
        assert!(db.stats.records > 90_000);
        println!("  peak RSS so far: {:.0} MiB", peak_rss_mib());
        assert!(f20 > 0);
        drop(db);
    }
    println!("peak RSS: {:.0} MiB", peak_rss_mib());
}
