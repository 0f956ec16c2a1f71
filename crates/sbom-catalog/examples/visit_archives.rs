//! Times the Java cataloger's archive visitor over the files of a folder, the way the
//! walker feeds it (256 KiB chunks, files read from disk first so only the visitor is
//! timed): `cargo run --release -p sbom-catalog --example visit_archives -- DIR`.
//! Prints per-file and total time, bytes, and the components found.
use std::time::Instant;

use sbom_catalog::catalogers::java::JavaCataloger;
use sbom_catalog::{Cataloger, EntryInfo, Feed, SNIFF_HEAD};

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: visit_archives DIR");
        std::process::exit(2);
    };
    let mut files = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(&dir)];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() {
                files.push(e.path());
            }
        }
    }
    files.sort();
    let (mut total, mut bytes, mut visited, mut summaries) = (0f64, 0u64, 0usize, 0usize);
    let mut slow = Vec::new();
    for f in &files {
        let Ok(body) = std::fs::read(f) else { continue };
        let path = f.to_string_lossy();
        let head = body.get(..SNIFF_HEAD.min(body.len())).unwrap_or_default();
        let start = Instant::now();
        let Some(mut v) = JavaCataloger.sniff(&EntryInfo {
            path: &path,
            mode: 0o644,
            size: body.len() as u64,
            head,
        }) else {
            continue;
        };
        for chunk in body.chunks(256 * 1024) {
            if v.feed(chunk) == Feed::Done {
                break;
            }
        }
        let done = v.finish();
        let t = start.elapsed().as_secs_f64();
        total += t;
        bytes += body.len() as u64;
        visited += 1;
        summaries += usize::from(done.summary.is_some());
        for w in done.warnings {
            eprintln!("warning: {path}: {w}");
        }
        slow.push((t, body.len(), path.into_owned()));
    }
    slow.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (t, n, p) in slow.iter().take(10) {
        println!("{t:8.4} s {:8.1} MB/s {p}", *n as f64 / t / 1e6);
    }
    println!(
        "{visited} files visited, {summaries} with a summary, {:.1} MB in {total:.3} s ({:.0} MB/s)",
        bytes as f64 / 1e6,
        bytes as f64 / total / 1e6
    );
}
