//! Loads OSV sources and prints counts, load time and peak RSS (Linux), in a process of
//! its own so that RSS is not mixed with anything else:
//!
//! ```sh
//! cargo run --release -p sbom-audit --example osv_load -- target/osv-synthetic/all.zip
//! ```
use std::path::PathBuf;
use std::time::Instant;

fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sources: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if sources.is_empty() {
        return Err("usage: osv_load DIR|ZIP...".into());
    }
    let t = Instant::now();
    let db = sbom_audit::OsvDatabase::load(&sources)?;
    println!(
        "{} records ({} withdrawn, {} warnings, {} indexed names) in {:.3} s, peak RSS {}",
        db.stats.records,
        db.stats.withdrawn,
        db.warnings.len(),
        db.indexed_packages(),
        t.elapsed().as_secs_f64(),
        peak_rss()
    );
    Ok(())
}
