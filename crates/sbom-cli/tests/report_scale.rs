//! How `sbom report` scales: a synthetic 150-image release (the bench image's real SBOM
//! under 150 names, each with a different subset of its Python packages; a previous
//! release where every tenth image had other versions; a real audit), rendered, then
//! loaded from disk in headless chromium. Prints page sizes and the browser's own
//! navigation timings; it measures, it does not gate (`just bench-report`).
mod common;
mod report_common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use common::*;
use sbom_testkit::browser::{file_url, Browser};

const IMAGES: usize = 150;

fn bench_sbom(cache: &Path) -> sbom_model::Sbom {
    let dir = std::env::var_os("SBOM_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-image"));
    let out = sbom(cache)
        .args(["scan", "-o", "json"])
        .arg(format!("oci-dir:{}:bench", dir.join("r2/oci").display()))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    sbom_format::read_any(&out).expect("reads")
}

/// Image `i` of a synthetic release: the bench SBOM under another name, without the
/// Python packages whose position is `i` modulo 7, and (when `older`) with older
/// versions of every tenth image's Python packages.
fn variant(base: &sbom_model::Sbom, i: usize, tag: &str, older: bool) -> sbom_model::Sbom {
    let mut s = base.clone();
    let name = format!("quay.io/osism/service-{i:03}");
    s.subject.name = name.clone();
    s.subject.repository = Some(name.clone());
    s.subject.tag = Some(tag.into());
    s.subject.reference = format!("{name}:{tag}");
    let mut n = 0;
    s.packages.retain(|p| {
        if p.ecosystem != sbom_model::Ecosystem::Pypi {
            return true;
        }
        n += 1;
        n % 7 != i % 7
    });
    if older && i.is_multiple_of(10) {
        for p in s
            .packages
            .iter_mut()
            .filter(|p| p.ecosystem == sbom_model::Ecosystem::Pypi)
        {
            p.version = format!("{}.dev0", p.version);
            p.purl = None;
        }
    }
    s.relationships.clear();
    s.finalize();
    s
}

fn write_release(dir: &Path, base: &sbom_model::Sbom, tag: &str, older: bool) {
    for i in 0..IMAGES {
        let s = variant(base, i, tag, older);
        let bytes = sbom_format::write(&s, &sbom_format::Format::default()).expect("write");
        let path = dir.join(format!("quay.io/osism/service-{i:03}/{tag}.cdx.json"));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
    }
}

#[test]
#[ignore = "a measurement (just bench-report): needs the bench image"]
fn a_150_image_release_report_loads_from_disk() {
    let tmp = tempfile::tempdir().expect("tmp");
    // SBOM_REPORT_SCALE_KEEP=1 keeps the synthetic releases and the site for a closer look.
    let root = if std::env::var_os("SBOM_REPORT_SCALE_KEEP").is_some() {
        tmp.keep()
    } else {
        tmp.path().to_path_buf()
    };
    println!("releases and site in {}", root.display());
    let cache = root.as_path().join("cache");
    let base = bench_sbom(&cache);
    let (old, new) = (root.as_path().join("r1"), root.as_path().join("r2"));
    write_release(&old, &base, "r1", true);
    write_release(&new, &base, "r2", false);
    let (audit, code) = report_common::audit_json(&cache, &new, &[]);
    assert_eq!(code, Some(0), "no --fail-on, no policy");
    let audit_file = root.as_path().join("audit.json");
    std::fs::write(&audit_file, audit).expect("write");
    let site = root.as_path().join("site");
    let t0 = Instant::now();
    sbom(&cache)
        .arg("report")
        .arg(&new)
        .args(["--previous"])
        .arg(&old)
        .arg("--audit")
        .arg(&audit_file)
        .arg("--output-dir")
        .arg(&site)
        .assert()
        .success();
    let made = t0.elapsed();
    let mut b = Browser::start().expect("chromium");
    println!(
        "{IMAGES} images, {} packages each: report written in {made:.2?} (this test profile)",
        base.packages.len()
    );
    println!("| page | size | DOMContentLoaded | load | rows |");
    println!("|---|---|---|---|---|");
    for page in [
        "index.html",
        "packages.html",
        "changes.html",
        "images/quay.io-osism-service-000.html",
    ] {
        let path = site.join(page);
        let size = std::fs::metadata(&path).expect("page").len();
        // Twice: the first load also warms chromium's own caches (fonts, the script).
        let mut timing = serde_json::Value::Null;
        for _ in 0..2 {
            b.open(&file_url(&path)).expect("open");
            timing = b
                .eval("(() => { const n = performance.getEntriesByType('navigation')[0]; return [n.domContentLoadedEventEnd, n.loadEventEnd, document.querySelectorAll('tbody tr').length]; })()")
                .expect("timing");
        }
        println!(
            "| {page} | {:.1} kB | {:.0} ms | {:.0} ms | {} |",
            size as f64 / 1000.0,
            timing[0].as_f64().unwrap_or(0.0),
            timing[1].as_f64().unwrap_or(0.0),
            timing[2]
        );
    }
    assert_eq!(b.errors(), Vec::<String>::new());
    let total: u64 = report_common::files_under(&site)
        .iter()
        .filter(|(k, _)| k.ends_with(".html"))
        .map(|(_, v)| v.len() as u64)
        .sum();
    println!("all pages: {:.1} MB", total as f64 / 1e6);
}
