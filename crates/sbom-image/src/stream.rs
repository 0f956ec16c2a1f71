//! Digest-verified, decompressing layer streams.
//!
//! The blob is read once: a hashing reader sits on the raw bytes (blob digest), the
//! compression is sniffed from the first bytes (never from the media type), the decoder
//! feeds a 256 KiB buffer that sits between it and the consumer.
//!
//! What is hashed follows [`Verify`]. By default (`All`) the raw bytes are hashed against
//! the manifest's blob digest and the decompressed tar against the config's diffID (for an
//! uncompressed blob the one hash is both). `Blobs` hashes only the raw bytes when a blob
//! digest is known (else the tar, against the diffID); `Nothing` hashes nothing. The gzip
//! CRC-32 is skipped only when a blob digest is checked (it covers every byte).

use std::fmt;
use std::io::{self, BufRead, BufReader, Chain, Cursor, Read};

use sha2::{Digest, Sha256};

use crate::{ImageError, LayerStats, LayerStream, VerifiedLayer, Verify};

/// Buffer between the decoder and the tar reader.
pub const LAYER_BUFFER: usize = 256 * 1024;

/// A raw blob reader as a source hands it over.
pub(crate) type RawBlob = Box<dyn Read + Send>;

/// Compression of a blob, as sniffed from its magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// Sniffs the compression from the first bytes of a blob: gzip `1f 8b`,
    /// zstd `28 b5 2f fd`, anything else is taken as a plain tar.
    pub fn sniff(prefix: &[u8]) -> Compression {
        if prefix.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if prefix.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    fn name(self) -> &'static str {
        match self {
            Compression::None => "tar",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// What the stream must match once read to its end.
#[derive(Clone, Debug, Default)]
pub(crate) struct Expected {
    /// The blob digest the manifest lists (None when the source does not know it).
    pub blob_digest: Option<String>,
    /// The config's diffID for this layer (None when unknown).
    pub diff_id: Option<String>,
    /// Which of the two are checked.
    pub check: Verify,
}

impl Expected {
    /// The raw bytes are hashed (blob digest; for an uncompressed blob also its diffID).
    fn hash_blob(&self) -> bool {
        self.check != Verify::Nothing
    }

    /// The decompressed tar of a compressed blob is hashed (diffID).
    fn hash_tar(&self) -> bool {
        match self.check {
            Verify::All => true,
            Verify::Blobs => self.blob_digest.is_none(),
            Verify::Nothing => false,
        }
    }
}

/// The error carried inside an `io::Error` when reading a layer stream fails, so a
/// consumer (the tar walker) can turn it back into a precise one-line message.
#[derive(Debug, Clone)]
pub struct LayerReadError {
    pub message: String,
}

impl fmt::Display for LayerReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LayerReadError {}

/// Finds a [`LayerReadError`] anywhere in an io::Error's source chain.
pub(crate) fn find_layer_read_error(e: &io::Error) -> Option<LayerReadError> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = e.get_ref().map(|i| i as _);
    while let Some(err) = cur {
        if let Some(l) = err.downcast_ref::<LayerReadError>() {
            return Some(l.clone());
        }
        if let Some(io) = err.downcast_ref::<io::Error>() {
            if let Some(l) = find_layer_read_error(io) {
                return Some(l);
            }
        }
        cur = err.source();
    }
    None
}

/// Counts (and, unless told not to, hashes) the bytes read through it.
struct Hashing<R> {
    inner: R,
    hasher: Option<Sha256>,
    bytes: u64,
}

impl<R> Hashing<R> {
    fn new(inner: R) -> Self {
        Hashing {
            inner,
            hasher: Some(Sha256::new()),
            bytes: 0,
        }
    }
    fn counting(inner: R) -> Self {
        Hashing {
            inner,
            hasher: None,
            bytes: 0,
        }
    }
    fn digest(self) -> (Option<String>, u64, R) {
        let d = self
            .hasher
            .map(|h| format!("sha256:{}", hex::encode(h.finalize())));
        (d, self.bytes, self.inner)
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = self.hasher.as_mut() {
            h.update(buf.get(..n).unwrap_or_default());
        }
        self.bytes += n as u64;
        Ok(n)
    }
}

type Source = Chain<Cursor<Vec<u8>>, Hashing<RawBlob>>;

enum Decoder {
    Plain(Source),
    /// gzip members inflated as raw deflate: with the CRC-32 checked (by crc32fast, about
    /// ten times faster than the table-driven CRC inside the inflater), or, when a blob
    /// digest covers every byte, without it.
    Gzip(Box<GzipMembers<BufReader<Source>>>),
    Zstd(Box<zstd::stream::read::Decoder<'static, BufReader<Source>>>),
}

impl Decoder {
    fn into_source(self) -> Source {
        match self {
            Decoder::Plain(s) => s,
            Decoder::Gzip(d) => d.into_inner().into_inner(),
            Decoder::Zstd(d) => d.finish().into_inner(),
        }
    }
}

impl Read for Decoder {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Plain(s) => s.read(buf),
            Decoder::Gzip(d) => d.read(buf),
            Decoder::Zstd(d) => d.read(buf),
        }
    }
}

/// Concatenated gzip members (RFC 1952) inflated as raw deflate streams: headers parsed
/// here, each trailer's ISIZE checked, its CRC-32 too unless made with
/// [`GzipMembers::unchecked`] (for a caller that verifies the blob's sha256, which covers
/// every byte). Anything after a member that is not another member is an error, as with
/// flate2's `MultiGzDecoder`.
pub struct GzipMembers<R: BufRead> {
    inner: R,
    inflate: flate2::Decompress,
    /// Inside a member's deflate stream (else at a header or the end).
    in_member: bool,
    /// Bytes out of the current member, modulo 2^32 (ISIZE).
    size: u32,
    /// CRC-32 of the current member's output, when checked.
    crc: Option<crc32fast::Hasher>,
}

fn bad(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_string())
}

impl<R: BufRead> GzipMembers<R> {
    /// Checks each member's CRC-32.
    pub fn new(inner: R) -> Self {
        GzipMembers {
            inner,
            inflate: flate2::Decompress::new(false),
            in_member: false,
            size: 0,
            crc: Some(crc32fast::Hasher::new()),
        }
    }

    /// Does not check the CRC-32s (the caller hashes every byte of the blob).
    pub fn unchecked(inner: R) -> Self {
        GzipMembers {
            crc: None,
            ..GzipMembers::new(inner)
        }
    }

    pub fn into_inner(self) -> R {
        self.inner
    }
}

fn read_byte<R: BufRead>(r: &mut R) -> io::Result<u8> {
    let mut b = [0u8; 1];
    r.read_exact(&mut b)?;
    Ok(b[0])
}

/// Reads one member header; `Ok(false)` at a clean end of input.
fn gzip_header<R: BufRead>(r: &mut R) -> io::Result<bool> {
    let peek = r.fill_buf()?;
    match peek {
        [] => return Ok(false),
        [a, ..] if *a != 0x1f => return Err(bad("invalid gzip header")),
        [_, b, ..] if *b != 0x8b => return Err(bad("invalid gzip header")),
        _ => {}
    }
    let mut fixed = [0u8; 10];
    r.read_exact(&mut fixed)?;
    if fixed[..3] != [0x1f, 0x8b, 8] {
        return Err(bad("invalid gzip header"));
    }
    let flags = fixed[3];
    if flags & 0xe0 != 0 {
        return Err(bad("invalid gzip header flags"));
    }
    if flags & 0x04 != 0 {
        let mut len = [0u8; 2];
        r.read_exact(&mut len)?;
        let n = u64::from(u16::from_le_bytes(len));
        if io::copy(&mut r.by_ref().take(n), &mut io::sink())? != n {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
    for flag in [0x08u8, 0x10] {
        if flags & flag != 0 {
            // zero-terminated name / comment
            while read_byte(r)? != 0 {}
        }
    }
    if flags & 0x02 != 0 {
        let mut crc = [0u8; 2];
        r.read_exact(&mut crc)?;
    }
    Ok(true)
}

impl<R: BufRead> Read for GzipMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.in_member {
                if !gzip_header(&mut self.inner)? {
                    return Ok(0);
                }
                self.inflate.reset(false);
                self.size = 0;
                if let Some(c) = self.crc.as_mut() {
                    c.reset();
                }
                self.in_member = true;
            }
            let input = self.inner.fill_buf()?;
            let eof = input.is_empty();
            let (in0, out0) = (self.inflate.total_in(), self.inflate.total_out());
            let status = self
                .inflate
                .decompress(input, buf, flate2::FlushDecompress::None)
                .map_err(|e| bad(&format!("corrupt deflate stream: {e}")))?;
            let consumed = usize::try_from(self.inflate.total_in() - in0).unwrap_or(0);
            let produced = usize::try_from(self.inflate.total_out() - out0).unwrap_or(0);
            self.inner.consume(consumed);
            self.size = self.size.wrapping_add(produced as u32);
            if let Some(c) = self.crc.as_mut() {
                c.update(buf.get(..produced).unwrap_or_default());
            }
            if status == flate2::Status::StreamEnd {
                // The member's trailer: CRC-32, ISIZE.
                let mut trailer = [0u8; 8];
                self.inner.read_exact(&mut trailer)?;
                let crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
                if let Some(c) = &self.crc {
                    if c.clone().finalize() != crc {
                        return Err(bad("gzip member CRC-32 does not match its trailer"));
                    }
                }
                let isize = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
                if isize != self.size {
                    return Err(bad("gzip member size does not match its trailer"));
                }
                self.in_member = false;
            } else if produced == 0 && eof {
                return Err(io::ErrorKind::UnexpectedEof.into());
            } else if produced == 0 && consumed == 0 {
                return Err(bad("corrupt deflate stream"));
            }
            if produced > 0 {
                return Ok(produced);
            }
        }
    }
}

/// The [`LayerStream`] behind local (and later registry) blobs.
pub(crate) struct BlobStream {
    image: String,
    digest: String,
    expected: Expected,
    compression: Compression,
    reader: BufReader<Hashing<Decoder>>,
    error: Option<LayerReadError>,
}

fn describe(compression: Compression, e: &io::Error) -> String {
    if let Some(l) = find_layer_read_error(e) {
        return l.message;
    }
    match (compression, e.kind()) {
        (Compression::None, io::ErrorKind::UnexpectedEof) => "truncated tar stream".to_string(),
        (Compression::None, _) => format!("read error: {e}"),
        (c, io::ErrorKind::UnexpectedEof) => format!("truncated {} stream", c.name()),
        (c, _) => format!("corrupt {} stream: {e}", c.name()),
    }
}

/// Wraps a raw blob into a verified, decompressing layer stream.
/// `digest` is the name the errors use for the layer.
pub(crate) fn verified_layer(
    mut raw: RawBlob,
    image: &str,
    digest: &str,
    expected: Expected,
) -> Result<VerifiedLayer, ImageError> {
    let layer_err = |message: String| ImageError::Layer {
        image: image.to_string(),
        digest: digest.to_string(),
        message,
    };
    // Sniff: read up to 4 bytes through the hashing reader, then replay them.
    let raw = std::mem::replace(&mut raw, Box::new(io::empty()));
    let mut hashing = if expected.hash_blob() {
        Hashing::new(raw)
    } else {
        Hashing::counting(raw)
    };
    let mut prefix = vec![0u8; 4];
    let mut filled = 0;
    while filled < prefix.len() {
        let rest = prefix.get_mut(filled..).unwrap_or_default();
        match hashing.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(layer_err(format!("read error: {e}"))),
        }
    }
    prefix.truncate(filled);
    let compression = Compression::sniff(&prefix);
    let source: Source = Cursor::new(prefix).chain(hashing);
    // The tar of a compressed blob is hashed to verify the config's diffID (the identity
    // every layer reference and the cache use); an uncompressed blob's one hash already
    // is its diffID.
    let hash_tar = compression != Compression::None && expected.hash_tar();
    let decoder = match compression {
        Compression::None => Decoder::Plain(source),
        // The blob digest covers every byte: the gzip CRC-32 would check them again.
        Compression::Gzip => {
            let buffered = BufReader::with_capacity(64 * 1024, source);
            Decoder::Gzip(Box::new(
                if expected.blob_digest.is_some() && expected.hash_blob() {
                    GzipMembers::unchecked(buffered)
                } else {
                    GzipMembers::new(buffered)
                },
            ))
        }
        Compression::Zstd => {
            let d = zstd::stream::read::Decoder::with_buffer(BufReader::new(source))
                .map_err(|e| layer_err(format!("cannot start zstd decoder: {e}")))?;
            Decoder::Zstd(Box::new(d))
        }
    };
    Ok(VerifiedLayer::new(Box::new(BlobStream {
        image: image.to_string(),
        digest: digest.to_string(),
        expected,
        compression,
        reader: BufReader::with_capacity(
            LAYER_BUFFER,
            if hash_tar {
                Hashing::new(decoder)
            } else {
                Hashing::counting(decoder)
            },
        ),
        error: None,
    })))
}

impl Read for BlobStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(e) = &self.error {
            return Err(io::Error::other(e.clone()));
        }
        match self.reader.read(buf) {
            Ok(n) => Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                let err = LayerReadError {
                    message: describe(self.compression, &e),
                };
                self.error = Some(err.clone());
                Err(io::Error::new(e.kind(), err))
            }
        }
    }
}

impl LayerStream for BlobStream {
    fn finish(mut self: Box<Self>) -> Result<LayerStats, ImageError> {
        let mut decode_error = self.error.as_ref().map(|e| e.message.clone());
        if decode_error.is_none() {
            if let Err(e) = io::copy(&mut self, &mut io::sink()) {
                decode_error = Some(describe(self.compression, &e));
            }
        }
        let BlobStream {
            image,
            digest,
            expected,
            reader,
            compression,
            ..
        } = *self;
        let (tar_digest, uncompressed_bytes, decoder) = reader.into_inner().digest();
        let (_, mut raw) = decoder.into_source().into_inner();
        // The decoder may stop before the end of the blob: the blob digest covers all of it.
        let raw_error = io::copy(&mut raw, &mut io::sink())
            .err()
            .map(|e| format!("read error: {e}"));
        let (blob_digest, compressed_bytes, _) = raw.digest();
        let stats = LayerStats {
            compressed_bytes,
            uncompressed_bytes,
        };
        // An uncompressed blob is its own tar: its one hash is the diffID too.
        let diff_id = match (tar_digest, compression) {
            (Some(d), _) => Some(d),
            (None, Compression::None) => blob_digest.clone(),
            (None, _) => None,
        };
        let blob_ok = match (&expected.blob_digest, &blob_digest) {
            (Some(w), Some(got)) => Some(w == got),
            _ => None,
        };
        let diff_ok = match (&expected.diff_id, &diff_id) {
            (Some(w), Some(d)) => Some(w == d),
            _ => None,
        };
        // Bytes the decoder cannot read after a complete tar (some tools pad blobs): when
        // both digests match, the content is exactly what the image describes. Without a
        // computed diffID (compressed blob, blob digest known) any decoder error stands.
        if blob_ok == Some(true) && diff_ok == Some(true) && raw_error.is_none() {
            return Ok(stats);
        }
        let mut problems: Vec<String> = Vec::new();
        let clean_read = decode_error.is_none() && raw_error.is_none();
        problems.extend(decode_error);
        problems.extend(raw_error);
        if let (Some(false), Some(want), Some(got)) = (blob_ok, &expected.blob_digest, &blob_digest)
        {
            problems.push(format!(
                "digest mismatch: manifest says {want}, content is {got}"
            ));
        }
        if let (true, Some(false), Some(want), Some(got)) =
            (clean_read, diff_ok, &expected.diff_id, &diff_id)
        {
            if blob_ok != Some(false) {
                problems.push(format!(
                    "diff_id mismatch: config says {want}, content is {got}"
                ));
            }
        }
        if problems.is_empty() {
            Ok(stats)
        } else {
            Err(ImageError::Layer {
                image,
                digest,
                message: problems.join("; "),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sbom_testkit::{digest as sha, Compression as C, Layer};

    fn layer_bytes(c: C) -> (Vec<u8>, Vec<u8>) {
        let l = Layer::new(c).file("etc/os-release", "ID=debian\n").file(
            "var/lib/dpkg/status",
            "Package: bash\nStatus: install ok installed\n",
        );
        (l.tar_bytes(), l.blob().bytes)
    }

    fn open(blob: Vec<u8>, expected: Expected) -> VerifiedLayer {
        verified_layer(Box::new(Cursor::new(blob)), "img", "sha256:layer", expected)
            .expect("stream opens")
    }

    fn read_all(mut l: VerifiedLayer) -> (io::Result<Vec<u8>>, VerifiedLayer) {
        let mut out = Vec::new();
        let r = l.read_to_end(&mut out).map(|_| out);
        (r, l)
    }

    #[test]
    fn sniffs_magic_bytes_not_media_type() {
        assert_eq!(Compression::sniff(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
        assert_eq!(
            Compression::sniff(&[0x28, 0xb5, 0x2f, 0xfd]),
            Compression::Zstd
        );
        assert_eq!(Compression::sniff(b"etc/"), Compression::None);
        assert_eq!(Compression::sniff(&[0x1f]), Compression::None);
        assert_eq!(Compression::sniff(&[]), Compression::None);
    }

    #[test]
    fn each_compression_round_trips_and_verifies() {
        for c in [C::None, C::Gzip, C::Zstd] {
            let (tar, blob) = layer_bytes(c);
            let expected = Expected {
                blob_digest: Some(sha(&blob)),
                diff_id: Some(sha(&tar)),
                ..Expected::default()
            };
            let (r, l) = read_all(open(blob.clone(), expected));
            assert_eq!(r.expect("reads"), tar, "{c:?}");
            let stats = l.finish().expect("verifies");
            assert_eq!(stats.compressed_bytes, blob.len() as u64);
            assert_eq!(stats.uncompressed_bytes, tar.len() as u64);
        }
    }

    #[test]
    fn concatenated_gzip_members_are_one_stream() {
        let a = Layer::new(C::None).file("a", "1").tar_bytes();
        let whole: Vec<u8> = [
            a.get(..512 * 2).expect("two blocks"),
            a.get(512 * 2..).expect("rest"),
        ]
        .iter()
        .flat_map(|part| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut e, part).expect("gzip");
            e.finish().expect("gzip")
        })
        .collect();
        let (r, l) = read_all(open(
            whole.clone(),
            Expected {
                blob_digest: Some(sha(&whole)),
                diff_id: Some(sha(&a)),
                ..Expected::default()
            },
        ));
        assert_eq!(r.expect("reads both members"), a);
        l.finish().expect("verifies");
    }

    #[test]
    fn junk_after_a_compressed_stream_is_tolerated_only_when_both_digests_vouch() {
        // Some tools pad blobs: bytes the decoder cannot read after a complete tar are
        // fine when the blob digest and the diffID both match, an error otherwise.
        for c in [C::Gzip, C::Zstd] {
            let (tar, mut blob) = layer_bytes(c);
            blob.extend_from_slice(&[0u8; 100]);
            let ok = Expected {
                blob_digest: Some(sha(&blob)),
                diff_id: Some(sha(&tar)),
                ..Expected::default()
            };
            open(blob.clone(), ok).finish().expect("both digests match");
            let unvouched = Expected {
                blob_digest: Some(sha(&blob)),
                diff_id: None,
                ..Expected::default()
            };
            let err = open(blob.clone(), unvouched)
                .finish()
                .expect_err("undecodable bytes")
                .to_string();
            assert!(err.contains("corrupt"), "{c:?}: {err}");
        }
    }

    #[test]
    fn without_a_blob_digest_the_tar_is_hashed_and_junk_tolerated_when_it_matches() {
        for c in [C::Gzip, C::Zstd] {
            let (tar, mut blob) = layer_bytes(c);
            blob.extend_from_slice(&[0u8; 100]);
            let diff_only = Expected {
                blob_digest: None,
                diff_id: Some(sha(&tar)),
                ..Expected::default()
            };
            let err = open(blob.clone(), diff_only)
                .finish()
                .expect_err("blob digest unknown: junk is not vouched for")
                .to_string();
            assert!(err.contains("corrupt"), "{c:?}: {err}");
        }
    }

    fn gz_member(data: &[u8], named: bool) -> Vec<u8> {
        let b = if named {
            flate2::GzBuilder::new()
                .filename("layer.tar")
                .comment("a comment")
                .extra(vec![1, 2, 3, 4])
        } else {
            flate2::GzBuilder::new()
        };
        let mut e = b.write(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut e, data).expect("gzip");
        e.finish().expect("gzip")
    }

    #[test]
    fn gzip_members_read_like_multigz_with_optional_header_fields() {
        let data: Vec<u8> = (0..300_000u32)
            .map(|i| (i % 251) as u8 ^ (i >> 9) as u8)
            .collect();
        let (a, b) = data.split_at(123_457);
        let mut blob = gz_member(a, true);
        blob.extend(gz_member(b, false));
        blob.extend(gz_member(&[], true));
        for checked in [true, false] {
            let r = std::io::BufReader::with_capacity(1000, Cursor::new(&blob));
            let mut out = Vec::new();
            if checked {
                GzipMembers::new(r).read_to_end(&mut out)
            } else {
                GzipMembers::unchecked(r).read_to_end(&mut out)
            }
            .expect("reads every member");
            assert_eq!(out, data);
        }
    }

    #[test]
    fn gzip_members_check_each_crc_unless_unchecked() {
        let mut blob = gz_member(b"first member", false);
        let mut second = gz_member(b"second member", true);
        let n = second.len();
        second[n - 8] ^= 1;
        blob.extend(second);
        let err = GzipMembers::new(Cursor::new(&blob))
            .read_to_end(&mut Vec::new())
            .expect_err("second CRC differs");
        assert!(err.to_string().contains("CRC-32"), "{err}");
        let mut out = Vec::new();
        GzipMembers::unchecked(Cursor::new(&blob))
            .read_to_end(&mut out)
            .expect("CRC not checked");
        assert_eq!(out, b"first membersecond member");
    }

    #[test]
    fn gzip_members_check_isize_and_refuse_junk_between_members() {
        let mut blob = gz_member(b"hello world", false);
        let n = blob.len();
        blob[n - 4] ^= 1;
        let err = GzipMembers::new(Cursor::new(&blob))
            .read_to_end(&mut Vec::new())
            .expect_err("isize differs");
        assert!(err.to_string().contains("size"), "{err}");
        let mut blob = gz_member(b"hello", false);
        blob.extend_from_slice(b"junk");
        let err = GzipMembers::new(Cursor::new(&blob))
            .read_to_end(&mut Vec::new())
            .expect_err("junk");
        assert!(err.to_string().contains("invalid gzip header"), "{err}");
        let cut = gz_member(b"hello world", false);
        let err = GzipMembers::new(Cursor::new(&cut[..cut.len() - 3]))
            .read_to_end(&mut Vec::new())
            .expect_err("truncated");
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn finish_drains_unread_rest() {
        let (tar, blob) = layer_bytes(C::Gzip);
        let mut l = open(
            blob.clone(),
            Expected {
                blob_digest: Some(sha(&blob)),
                diff_id: Some(sha(&tar)),
                ..Expected::default()
            },
        );
        let mut first = [0u8; 10];
        l.read_exact(&mut first).expect("reads a bit");
        let stats = l.finish().expect("verifies after draining");
        assert_eq!(stats.uncompressed_bytes, tar.len() as u64);
    }

    #[test]
    fn diff_id_mismatch_is_reported_where_the_tar_is_hashed() {
        for (c, blob_digest) in [
            (C::None, true),
            (C::Zstd, false),
            (C::Gzip, false),
            (C::Zstd, true),
            (C::Gzip, true),
        ] {
            let (_, blob) = layer_bytes(c);
            let l = open(
                blob.clone(),
                Expected {
                    blob_digest: blob_digest.then(|| sha(&blob)),
                    diff_id: Some(sha(b"other")),
                    ..Expected::default()
                },
            );
            let err = l.finish().expect_err("diff_id differs").to_string();
            assert!(
                err.contains("diff_id mismatch: config says sha256:"),
                "{c:?}: {err}"
            );
            assert!(err.contains("sha256:layer"), "{err}");
        }
    }

    #[test]
    fn regression_diff_id_of_a_compressed_blob_is_verified_even_when_the_blob_digest_matches() {
        // A config's diffID is the identity every layer reference and the layer cache
        // use: a matching blob digest must not let a wrong one through.
        for c in [C::Gzip, C::Zstd] {
            let (_, blob) = layer_bytes(c);
            let l = open(
                blob.clone(),
                Expected {
                    blob_digest: Some(sha(&blob)),
                    diff_id: Some(sha(b"other")),
                    ..Expected::default()
                },
            );
            let err = l.finish().expect_err("diffID does not match").to_string();
            assert!(
                err.contains("diff_id mismatch: config says"),
                "{c:?}: {err}"
            );
        }
    }

    #[test]
    fn blob_digest_mismatch_is_reported() {
        let (tar, blob) = layer_bytes(C::None);
        let l = open(
            blob,
            Expected {
                blob_digest: Some(sha(b"other")),
                diff_id: Some(sha(&tar)),
                ..Expected::default()
            },
        );
        let err = l.finish().expect_err("digest differs").to_string();
        assert!(
            err.contains(&format!(
                "digest mismatch: manifest says {}, content is {}",
                sha(b"other"),
                sha(&tar)
            )),
            "{err}"
        );
    }

    fn expect(blob: Option<String>, diff: Option<String>, check: Verify) -> Expected {
        Expected {
            blob_digest: blob,
            diff_id: diff,
            check,
        }
    }

    #[test]
    fn blobs_level_checks_the_blob_digest_and_takes_a_compressed_layers_diff_id_as_stated() {
        for c in [C::Gzip, C::Zstd] {
            let (tar, blob) = layer_bytes(c);
            let lying = expect(Some(sha(&blob)), Some(sha(b"other")), Verify::Blobs);
            let (r, l) = read_all(open(blob.clone(), lying));
            assert_eq!(r.expect("reads"), tar);
            l.finish()
                .expect("the config's diffID is not hashed at this level");
            let wrong_blob = expect(Some(sha(b"other")), Some(sha(&tar)), Verify::Blobs);
            let err = open(blob.clone(), wrong_blob)
                .finish()
                .expect_err("blob digest");
            assert!(err.to_string().contains("digest mismatch"), "{err}");
        }
    }

    #[test]
    fn blobs_level_checks_the_diff_id_where_no_blob_digest_names_the_bytes() {
        // A classic docker archive records no blob digest: the diffID is the one there is.
        for c in [C::None, C::Gzip] {
            let (tar, blob) = layer_bytes(c);
            let good = expect(None, Some(sha(&tar)), Verify::Blobs);
            open(blob.clone(), good).finish().expect("diffID matches");
            let lying = expect(None, Some(sha(b"other")), Verify::Blobs);
            let err = open(blob.clone(), lying)
                .finish()
                .expect_err("diffID differs");
            assert!(err.to_string().contains("diff_id mismatch"), "{c:?}: {err}");
        }
        // An uncompressed blob's one hash is its diffID too: a lying config is caught.
        let (tar, blob) = layer_bytes(C::None);
        let lying = expect(Some(sha(&tar)), Some(sha(b"other")), Verify::Blobs);
        let err = open(blob, lying).finish().expect_err("diffID differs");
        assert!(err.to_string().contains("diff_id mismatch"), "{err}");
    }

    #[test]
    fn nothing_level_hashes_nothing_but_decoders_still_catch_broken_streams() {
        for c in [C::None, C::Gzip, C::Zstd] {
            let (tar, blob) = layer_bytes(c);
            let lying = expect(Some(sha(b"x")), Some(sha(b"y")), Verify::Nothing);
            let (r, l) = read_all(open(blob.clone(), lying));
            assert_eq!(r.expect("reads"), tar);
            let stats = l.finish().expect("digests are taken as stated");
            assert_eq!(stats.compressed_bytes, blob.len() as u64);
            assert_eq!(stats.uncompressed_bytes, tar.len() as u64);
        }
        let (_, blob) = layer_bytes(C::Gzip);
        let cut = blob.get(..blob.len() / 2).expect("half").to_vec();
        let err = open(cut, expect(None, None, Verify::Nothing))
            .finish()
            .expect_err("truncated");
        assert_eq!(
            err.to_string(),
            "img: layer sha256:layer: truncated gzip stream"
        );
        // Without a hashed blob digest the gzip CRC-32 is the check that remains.
        let mut bad_crc = blob.clone();
        let at = bad_crc.len() - 8;
        if let Some(b) = bad_crc.get_mut(at) {
            *b ^= 0xff;
        }
        let err = open(bad_crc, expect(Some(sha(&blob)), None, Verify::Nothing))
            .finish()
            .expect_err("crc");
        assert!(err.to_string().contains("corrupt gzip stream"), "{err}");
    }

    #[test]
    fn truncated_gzip_with_matching_digest_names_truncation() {
        let (_, blob) = layer_bytes(C::Gzip);
        let cut = blob.get(..blob.len() / 2).expect("half").to_vec();
        let l = open(
            cut.clone(),
            Expected {
                blob_digest: Some(sha(&cut)),
                diff_id: None,
                ..Expected::default()
            },
        );
        let (r, l) = read_all(l);
        let e = r.expect_err("truncated");
        let found = find_layer_read_error(&e).expect("typed error inside io::Error");
        assert_eq!(found.message, "truncated gzip stream");
        let err = l.finish().expect_err("still an error").to_string();
        assert_eq!(err, "img: layer sha256:layer: truncated gzip stream");
    }

    #[test]
    fn truncated_zstd_is_reported_by_finish() {
        let (_, blob) = layer_bytes(C::Zstd);
        let cut = blob.get(..blob.len() - 5).expect("cut").to_vec();
        let l = open(
            cut.clone(),
            Expected {
                blob_digest: Some(sha(&cut)),
                diff_id: None,
                ..Expected::default()
            },
        );
        let err = l.finish().expect_err("truncated").to_string();
        assert!(err.contains("truncated zstd stream"), "{err}");
    }

    #[test]
    fn corrupt_zstd_is_reported() {
        let (_, mut blob) = layer_bytes(C::Zstd);
        for b in blob.iter_mut().skip(6).take(20) {
            *b ^= 0x5a;
        }
        let l = open(blob, Expected::default());
        let (r, l) = read_all(l);
        let e = r.expect_err("corrupt");
        assert!(e.to_string().starts_with("corrupt zstd stream: "), "{e}");
        let err = l.finish().expect_err("corrupt").to_string();
        assert!(err.contains("corrupt zstd stream"), "{err}");
    }

    #[test]
    fn random_bytes_as_a_layer_do_not_panic() {
        let mut x: u32 = 0x1234_5678;
        let mut bytes = Vec::new();
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            bytes.push(x as u8);
        }
        for prefix in [&[][..], &[0x1f, 0x8b][..], &[0x28, 0xb5, 0x2f, 0xfd][..]] {
            let mut blob = prefix.to_vec();
            blob.extend_from_slice(&bytes);
            let l = open(blob, Expected::default());
            let mut ar = tar::Archive::new(l);
            if let Ok(entries) = ar.entries() {
                for e in entries {
                    if e.is_err() {
                        break;
                    }
                }
            }
            let result = ar.into_inner().finish();
            if !prefix.is_empty() {
                let err = result
                    .expect_err("garbage after a magic number")
                    .to_string();
                assert!(err.starts_with("img: layer sha256:layer: "), "{err}");
            }
        }
    }
}
