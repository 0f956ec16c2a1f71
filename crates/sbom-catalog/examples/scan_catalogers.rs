//! A cold scan (no cache) with all catalogers, or all but some, for `scripts/bench.py go`:
//! what the content catalogers (golang, rust, programs) cost on top of the others.
//!
//! `cargo run --release -p sbom-catalog --example scan_catalogers -- IMAGE [--without a,b]`
//! prints one JSON line: seconds, packages, catalogers.
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(image) = args.next() else {
        eprintln!("usage: scan_catalogers IMAGE [--without NAME,NAME]");
        std::process::exit(2);
    };
    let without: Vec<String> = match (args.next().as_deref(), args.next()) {
        (Some("--without"), Some(list)) => list.split(',').map(str::to_string).collect(),
        _ => Vec::new(),
    };
    let catalogers: Vec<_> = sbom_catalog::catalogers::all()
        .into_iter()
        .filter(|c| !without.iter().any(|w| w == c.name()))
        .collect();
    let names: Vec<&str> = catalogers.iter().map(|c| c.name()).collect();
    let names = format!("{names:?}");
    let t = Instant::now();
    let src = match sbom_image::open(&image) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let opts = sbom_catalog::ScanOptions {
        catalogers,
        ..sbom_catalog::ScanOptions::default()
    };
    match sbom_catalog::scan(src.as_ref(), &opts) {
        Ok(out) => println!(
            "{{\"seconds\": {:.4}, \"packages\": {}, \"catalogers\": {names:?}}}",
            t.elapsed().as_secs_f64(),
            out.sbom.packages.len()
        ),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
