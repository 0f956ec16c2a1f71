//! The inflate-only floor of a scan, for `scripts/bench.py`:
//! `cargo run --release -p sbom-image --example inflate_floor -- OCI_LAYOUT_DIR [--sha]`.
//!
//! Resolves the layout's image (linux/amd64), then inflates every layer blob at once (one
//! thread per layer, the same decoders and buffer size as the scan's layer streams) and
//! discards the bytes. With `--sha`, also hashes the compressed bytes, as the scan's blob
//! digest check does; with `--sha-all`, also the uncompressed bytes, as the default
//! verification's diffID check does (the floor a default scan is compared with).
//! Prints one JSON line: seconds, bytes.
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use sbom_image::{default_platform, open, Compression, GzipMembers, LAYER_BUFFER};
use sha2::{Digest, Sha256};

struct HashRead<R> {
    inner: R,
    hasher: Option<Sha256>,
}

impl<R: Read> Read for HashRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let (Some(h), Some(chunk)) = (self.hasher.as_mut(), buf.get(..n)) {
            h.update(chunk);
        }
        Ok(n)
    }
}

fn inflate(path: &Path, sha: bool, diff_id: bool) -> Result<(u64, u64), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let compressed = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut raw = BufReader::with_capacity(
        64 * 1024,
        HashRead {
            inner: file,
            hasher: sha.then(Sha256::new),
        },
    );
    let head = raw.fill_buf().map_err(|e| e.to_string())?;
    let decoder: Box<dyn Read> = match Compression::sniff(head) {
        // The scan's decoder for blobs whose digest is known: raw deflate, no CRC-32.
        Compression::Gzip => Box::new(GzipMembers::unchecked(raw)),
        Compression::Zstd => {
            Box::new(zstd::stream::read::Decoder::with_buffer(raw).map_err(|e| e.to_string())?)
        }
        Compression::None => Box::new(raw),
    };
    let mut out = HashRead {
        inner: decoder,
        hasher: diff_id.then(Sha256::new),
    };
    let mut buf = vec![0u8; LAYER_BUFFER];
    let mut total = 0u64;
    loop {
        match out.read(&mut buf).map_err(|e| e.to_string())? {
            0 => break,
            n => total += n as u64,
        }
    }

    Ok((compressed, total))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut layout = None;
    let (mut sha, mut diff_id) = (false, false);
    for a in std::env::args().skip(1) {
        if a == "--sha" {
            sha = true;
        } else if a == "--sha-all" {
            (sha, diff_id) = (true, true);
        } else {
            layout = Some(a);
        }
    }
    let layout = layout.ok_or("usage: inflate_floor OCI_LAYOUT_DIR [--sha | --sha-all]")?;
    let image = open(&layout)?.resolve(&default_platform())?;
    let dir = PathBuf::from(layout.split_once(':').map_or(layout.as_str(), |(d, _)| d));
    let blobs: Vec<PathBuf> = image
        .layers
        .iter()
        .filter_map(|l| l.digest.split_once(':'))
        .map(|(alg, hex)| dir.join("blobs").join(alg).join(hex))
        .collect();
    let start = Instant::now();
    let results: Vec<Result<(u64, u64), String>> = std::thread::scope(|s| {
        let handles: Vec<_> = blobs
            .iter()
            .map(|p| s.spawn(move || inflate(p, sha, diff_id)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("panic".to_string())))
            .collect()
    });
    let seconds = start.elapsed().as_secs_f64();
    let mut compressed = 0;
    let mut uncompressed = 0;
    for r in results {
        let (c, u) = r?;
        compressed += c;
        uncompressed += u;
    }
    println!(
        "{{\"seconds\": {seconds:.4}, \"layers\": {}, \"compressed_bytes\": {compressed}, \"uncompressed_bytes\": {uncompressed}, \"sha\": {sha}, \"sha_all\": {diff_id}}}",
        blobs.len()
    );
    Ok(())
}
