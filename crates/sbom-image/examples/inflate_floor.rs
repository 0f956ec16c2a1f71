//! The inflate-only floor of a scan, for `scripts/bench.py`:
//! `cargo run --release -p sbom-image --example inflate_floor -- OCI_LAYOUT_DIR [--sha]`.
//!
//! Resolves the layout's image (linux/amd64), then inflates every layer blob at once (one
//! thread per layer, the same decoders and buffer size as the scan's layer streams) and
//! discards the bytes. With `--sha`, also hashes the compressed and the uncompressed
//! bytes, as the scan's digest checks do. Prints one JSON line: seconds, bytes.
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use sbom_image::{default_platform, open, Compression, LAYER_BUFFER};
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

fn inflate(path: &Path, sha: bool) -> Result<(u64, u64), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let compressed = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut raw = HashRead {
        inner: BufReader::with_capacity(64 * 1024, file),
        hasher: sha.then(Sha256::new),
    };
    let mut prefix = [0u8; 4];
    let mut filled = 0;
    while filled < prefix.len() {
        let rest = prefix.get_mut(filled..).unwrap_or_default();
        match raw.read(rest).map_err(|e| e.to_string())? {
            0 => break,
            n => filled += n,
        }
    }
    let head = prefix.get(..filled).unwrap_or_default().to_vec();
    let source = std::io::Cursor::new(head.clone()).chain(raw);
    let decoder: Box<dyn Read> = match Compression::sniff(&head) {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(source)),
        Compression::Zstd => {
            Box::new(zstd::stream::read::Decoder::new(source).map_err(|e| e.to_string())?)
        }
        Compression::None => Box::new(source),
    };
    let mut out = HashRead {
        inner: decoder,
        hasher: sha.then(Sha256::new),
    };
    let mut buf = vec![0u8; LAYER_BUFFER];
    let mut total = 0u64;
    loop {
        match out.read(&mut buf).map_err(|e| e.to_string())? {
            0 => break,
            n => total += n as u64,
        }
    }
    if let Some(h) = out.hasher.take() {
        std::hint::black_box(h.finalize());
    }
    Ok((compressed, total))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut layout = None;
    let mut sha = false;
    for a in std::env::args().skip(1) {
        if a == "--sha" {
            sha = true;
        } else {
            layout = Some(a);
        }
    }
    let layout = layout.ok_or("usage: inflate_floor OCI_LAYOUT_DIR [--sha]")?;
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
            .map(|p| s.spawn(move || inflate(p, sha)))
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
        "{{\"seconds\": {seconds:.4}, \"layers\": {}, \"compressed_bytes\": {compressed}, \"uncompressed_bytes\": {uncompressed}, \"sha\": {sha}}}",
        blobs.len()
    );
    Ok(())
}
