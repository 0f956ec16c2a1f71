//! Reading a mirror's indexes: local files or HTTP(S) URLs, plain, gzip or xz.
use std::io::Read;
use std::time::Duration;

use crate::MirrorError;

/// Attempts per request (connection errors, 429 and 5xx are retried).
const ATTEMPTS: u32 = 4;
/// Largest index read (decompressed): Debian's main Packages for one arch is ~50 MB.
const MAX_INDEX: u64 = 1 << 30;

/// Whether `s` is an `http://` or `https://` URL.
pub fn is_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://")
}

/// `base` joined with a relative path (`base/` + `rel`).
pub fn join(base: &str, rel: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        rel.trim_start_matches('/')
    )
}

/// A URL without user info, for messages.
pub fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
            let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
            let path = if path.is_empty() {
                String::new()
            } else {
                format!("/{path}")
            };
            format!("{scheme}://{host}{path}")
        }
        None => url.to_string(),
    }
}

/// An HTTP client for index files.
pub struct Fetcher {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl Fetcher {
    pub fn new() -> Result<Self, MirrorError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| MirrorError::Http(format!("cannot start the HTTP runtime: {e}")))?;
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(15))
            .read_timeout(Duration::from_secs(60))
            .user_agent(concat!("sbom/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| MirrorError::Http(format!("cannot build the HTTP client: {e}")))?;
        Ok(Fetcher { rt, client })
    }

    /// GETs `url`; `None` on 404. Retries dropped connections, 429 and 5xx with backoff.
    pub fn get(&self, url: &str, accept: Option<&str>) -> Result<Option<Vec<u8>>, MirrorError> {
        self.rt.block_on(async {
            let mut attempt = 0;
            loop {
                attempt += 1;
                let mut req = self.client.get(url);
                if let Some(a) = accept {
                    req = req.header(reqwest::header::ACCEPT, a);
                }
                let err = match req.send().await {
                    Ok(resp) if resp.status() == reqwest::StatusCode::NOT_FOUND => return Ok(None),
                    Ok(resp) if resp.status().is_success() => match read_capped(resp, url).await {
                        Ok(b) => return Ok(Some(b)),
                        Err(Capped::TooLarge(e)) => return Err(e),
                        Err(Capped::Http(e)) => e,
                    },
                    Ok(resp) => {
                        let s = resp.status();
                        if !(s.is_server_error() || s == reqwest::StatusCode::TOO_MANY_REQUESTS) {
                            return Err(MirrorError::Http(format!(
                                "{}: HTTP {}",
                                redact(url),
                                s.as_u16()
                            )));
                        }
                        format!("HTTP {}", s.as_u16())
                    }
                    Err(e) => sbom_registry::describe_reqwest(&e),
                };
                if attempt >= ATTEMPTS {
                    return Err(MirrorError::Http(format!("{}: {err}", redact(url))));
                }
                tokio::time::sleep(Duration::from_millis(250 << attempt)).await;
            }
        })
    }

    /// Reads a local file or a URL; `None` when it does not exist.
    pub fn read(&self, location: &str) -> Result<Option<Vec<u8>>, MirrorError> {
        if is_url(location) {
            return self.get(location, None);
        }
        match std::fs::read(location) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(MirrorError::Io {
                path: location.into(),
                source,
            }),
        }
    }
}

enum Capped {
    TooLarge(MirrorError),
    Http(String),
}

/// A response body, refused past [`MAX_INDEX`] bytes (a hostile server cannot fill memory).
async fn read_capped(mut resp: reqwest::Response, url: &str) -> Result<Vec<u8>, Capped> {
    let too_large = || {
        Capped::TooLarge(MirrorError::Invalid(format!(
            "{}: larger than {MAX_INDEX} bytes",
            redact(url)
        )))
    };
    if resp.content_length().is_some_and(|n| n > MAX_INDEX) {
        return Err(too_large());
    }
    let mut out = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(c)) => {
                if out.len() as u64 + c.len() as u64 > MAX_INDEX {
                    return Err(too_large());
                }
                out.extend_from_slice(&c);
            }
            Ok(None) => return Ok(out),
            Err(e) => return Err(Capped::Http(sbom_registry::describe_reqwest(&e))),
        }
    }
}

/// A writer that refuses more than `left` bytes (xz has no size limit of its own).
struct CappedWriter {
    out: Vec<u8>,
    left: u64,
}

impl std::io::Write for CappedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() as u64 > self.left {
            return Err(std::io::Error::other(format!(
                "decompresses to more than {MAX_INDEX} bytes"
            )));
        }
        self.left -= buf.len() as u64;
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Decompresses gzip, xz or zstd (recognised by their magic bytes); anything else is returned
/// as it is. `name` is for messages.
pub fn decompress(name: &str, bytes: Vec<u8>) -> Result<Vec<u8>, MirrorError> {
    let bad = |e: String| MirrorError::Invalid(format!("{name}: {e}"));
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .take(MAX_INDEX + 1)
            .read_to_end(&mut out)
            .map_err(|e| bad(format!("not valid gzip: {e}")))?;
        if out.len() as u64 > MAX_INDEX {
            return Err(bad(format!("decompresses to more than {MAX_INDEX} bytes")));
        }
        return Ok(out);
    }
    if bytes.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        let mut out = CappedWriter {
            out: Vec::new(),
            left: MAX_INDEX,
        };
        lzma_rs::xz_decompress(&mut bytes.as_slice(), &mut out)
            .map_err(|e| bad(format!("not valid xz: {e}")))?;
        return Ok(out.out);
    }
    if bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let mut out = Vec::new();
        zstd::stream::read::Decoder::new(bytes.as_slice())
            .map_err(|e| bad(format!("not valid zstd: {e}")))?
            .take(MAX_INDEX + 1)
            .read_to_end(&mut out)
            .map_err(|e| bad(format!("not valid zstd: {e}")))?;
        if out.len() as u64 > MAX_INDEX {
            return Err(bad(format!("decompresses to more than {MAX_INDEX} bytes")));
        }
        return Ok(out);
    }
    if bytes.starts_with(b"BZh") {
        return Err(bad(
            "bzip2 is not read: give the plain, .gz or .xz index".into()
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_and_xz_are_recognised_by_their_magic() {
        let text = b"Package: a\nVersion: 1\n".to_vec();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&text).unwrap();
        assert_eq!(decompress("x", gz.finish().unwrap()).unwrap(), text);
        let mut xz = Vec::new();
        lzma_rs::xz_compress(&mut text.as_slice(), &mut xz).unwrap();
        assert_eq!(decompress("x", xz).unwrap(), text);
        let zst = zstd::encode_all(text.as_slice(), 3).unwrap();
        assert_eq!(decompress("x", zst).unwrap(), text);
        assert_eq!(decompress("x", text.clone()).unwrap(), text);
        let e = decompress("Packages.gz", vec![0x1f, 0x8b, 0, 1]).unwrap_err();
        assert!(e.to_string().contains("Packages.gz"), "{e}");
    }

    #[test]
    fn urls_are_redacted_and_joined() {
        assert_eq!(redact("https://u:p@h.example/x/y"), "https://h.example/x/y");
        assert_eq!(
            join("http://h/dists/bookworm/", "/main/Packages"),
            "http://h/dists/bookworm/main/Packages"
        );
        assert!(is_url("HTTP://x") && !is_url("/srv/x"));
    }
}
