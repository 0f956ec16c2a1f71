//! Hostile images for robustness tests: OCI layouts whose layers are written as streams
//! straight to disk (a 10 GiB gzip bomb or a million-entry tar is never held in memory),
//! each tagged [`TAG`]. Tar headers are written by hand where the `tar` crate refuses
//! what an attacker would write (GNU long names, PAX records, sparse maps, names with
//! `..`).
//!
//! Every function writes a complete layout at `layout` and returns what the caller
//! needs to check the outcome.
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::json;
use sha2::{Digest, Sha256};

/// The tag every hostile layout uses (`oci-dir:LAYOUT:hostile`).
pub const TAG: &str = "hostile";

const GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// A layer blob written into a layout.
#[derive(Clone, Debug)]
pub struct Blob {
    pub digest: String,
    pub diff_id: String,
    pub size: u64,
    pub media_type: &'static str,
}

/// A writer that hashes and counts what passes through it.
struct HashWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashWriter<W> {
    fn new(inner: W) -> Self {
        HashWriter {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }
    fn finish(self) -> (String, u64, W) {
        let d = format!("sha256:{}", hex::encode(self.hasher.finalize()));
        (d, self.bytes, self.inner)
    }
}

impl<W: Write> Write for HashWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

static TMP: AtomicU64 = AtomicU64::new(0);

fn blob_dir(layout: &Path) -> io::Result<std::path::PathBuf> {
    let d = layout.join("blobs/sha256");
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

/// Writes a blob whose bytes `write` produces (streamed, hashed on the way) and renames
/// it to its digest. Gives (digest, size).
fn stream_blob(
    layout: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<(String, u64)> {
    let dir = blob_dir(layout)?;
    let tmp = dir.join(format!(
        ".tmp-{}-{}",
        std::process::id(),
        TMP.fetch_add(1, Ordering::Relaxed)
    ));
    let mut w = HashWriter::new(BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(&tmp)?,
    ));
    write(&mut w)?;
    let (digest, size, mut file) = w.finish();
    file.flush()?;
    drop(file);
    std::fs::rename(&tmp, dir.join(digest.trim_start_matches("sha256:")))?;
    Ok((digest, size))
}

/// Writes one gzip'd layer whose tar `tar` writes; the tar and the blob are hashed on
/// the way to disk.
pub fn gzip_layer(
    layout: &Path,
    tar: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<Blob> {
    let mut diff_id = String::new();
    let (digest, size) = stream_blob(layout, |out| {
        let gz = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
        let mut t = HashWriter::new(gz);
        tar(&mut t)?;
        let (d, _, gz) = t.finish();
        gz.finish()?;
        diff_id = d;
        Ok(())
    })?;
    Ok(Blob {
        digest,
        diff_id,
        size,
        media_type: GZIP,
    })
}

/// Writes config, manifest and `index.json` for `blobs` (bottom first). The config
/// states `diff_ids` (normally each blob's own).
pub fn write_image(layout: &Path, blobs: &[Blob], diff_ids: &[String]) -> io::Result<()> {
    std::fs::create_dir_all(layout)?;
    std::fs::write(
        layout.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )?;
    let config = json!({
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-01-01T00:00:00Z",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": diff_ids.iter().map(|_| json!({"created_by": "sbom-testkit hostile"})).collect::<Vec<_>>(),
    });
    let config = serde_json::to_vec(&config).map_err(io::Error::other)?;
    let (config_digest, _) = stream_blob(layout, |w| w.write_all(&config))?;
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
        "layers": blobs.iter().map(|b| json!({"mediaType": b.media_type, "digest": b.digest, "size": b.size})).collect::<Vec<_>>(),
    });
    let manifest = serde_json::to_vec(&manifest).map_err(io::Error::other)?;
    let (manifest_digest, _) = stream_blob(layout, |w| w.write_all(&manifest))?;
    let index = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": manifest_digest, "size": manifest.len(),
        "annotations": {"org.opencontainers.image.ref.name": TAG},
    }]});
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&index).map_err(io::Error::other)?,
    )
}

/// An image of these layers with their true diffIDs.
fn image(layout: &Path, blobs: &[Blob]) -> io::Result<()> {
    let ids: Vec<String> = blobs.iter().map(|b| b.diff_id.clone()).collect();
    write_image(layout, blobs, &ids)
}

// ---------------------------------------------------------------- tar by hand

/// Tar entry kinds as written by hand.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Hardlink,
    Char,
    Block,
    Fifo,
}

impl Kind {
    fn flag(self) -> u8 {
        match self {
            Kind::File => b'0',
            Kind::Hardlink => b'1',
            Kind::Symlink => b'2',
            Kind::Char => b'3',
            Kind::Block => b'4',
            Kind::Dir => b'5',
            Kind::Fifo => b'6',
        }
    }
}

/// Writes tar entries by hand: names of any length (GNU `L`/`K` entries beyond 100
/// bytes), any bytes in names, PAX records, raw headers.
pub struct TarOut<'a> {
    w: &'a mut dyn Write,
}

fn octal(field: &mut [u8], v: u64) {
    let s = format!("{v:0width$o}", width = field.len() - 1);
    let b = s.as_bytes();
    if b.len() < field.len() {
        field[..b.len()].copy_from_slice(b);
        field[b.len()] = 0;
    } else {
        // GNU base-256: high bit set, big-endian value.
        field.iter_mut().for_each(|c| *c = 0);
        let be = v.to_be_bytes();
        let n = field.len();
        field[n - 8..].copy_from_slice(&be);
        field[0] |= 0x80;
    }
}

/// A GNU header block: name and link truncated to 100 bytes (longer ones go in `L`/`K`
/// entries written before it).
fn header(name: &[u8], flag: u8, size: u64, link: &[u8]) -> [u8; 512] {
    let mut h = [0u8; 512];
    let n = name.len().min(100);
    h[..n].copy_from_slice(&name[..n]);
    octal(&mut h[100..108], 0o644);
    octal(&mut h[108..116], 0);
    octal(&mut h[116..124], 0);
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], 1_700_000_000);
    h[156] = flag;
    let l = link.len().min(100);
    h[157..157 + l].copy_from_slice(&link[..l]);
    h[257..265].copy_from_slice(b"ustar  \0");
    checksum(&mut h);
    h
}

fn checksum(h: &mut [u8; 512]) {
    h[148..156].iter_mut().for_each(|c| *c = b' ');
    let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
    let s = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(s.as_bytes());
}

const ZEROS: [u8; 512] = [0u8; 512];

impl<'a> TarOut<'a> {
    pub fn new(w: &'a mut dyn Write) -> Self {
        TarOut { w }
    }
    fn pad(&mut self, size: u64) -> io::Result<()> {
        let rem = (size % 512) as usize;
        if rem != 0 {
            self.w.write_all(&ZEROS[..512 - rem])?;
        }
        Ok(())
    }
    /// A GNU `L` (long name) or `K` (long link) entry holding `data` and a NUL.
    fn gnu_long(&mut self, flag: u8, data: &[u8]) -> io::Result<()> {
        let size = data.len() as u64 + 1;
        self.w
            .write_all(&header(b"././@LongLink", flag, size, b""))?;
        self.w.write_all(data)?;
        self.w.write_all(&[0])?;
        self.pad(size)
    }
    /// One entry; names and link targets beyond 100 bytes get GNU long entries.
    pub fn entry(&mut self, name: &[u8], kind: Kind, body: &[u8], link: &[u8]) -> io::Result<()> {
        if link.len() > 100 {
            self.gnu_long(b'K', link)?;
        }
        if name.len() > 100 {
            self.gnu_long(b'L', name)?;
        }
        let size = body.len() as u64;
        self.w.write_all(&header(name, kind.flag(), size, link))?;
        self.w.write_all(body)?;
        self.pad(size)
    }
    pub fn file(&mut self, name: &str, body: &[u8]) -> io::Result<()> {
        self.entry(name.as_bytes(), Kind::File, body, b"")
    }
    pub fn dir(&mut self, name: &str) -> io::Result<()> {
        self.entry(format!("{name}/").as_bytes(), Kind::Dir, b"", b"")
    }
    pub fn symlink(&mut self, name: &str, target: &str) -> io::Result<()> {
        self.entry(name.as_bytes(), Kind::Symlink, b"", target.as_bytes())
    }
    /// A PAX extended header (`x`) with these records, applying to the next entry.
    pub fn pax(&mut self, records: &[(&str, &str)]) -> io::Result<()> {
        let mut body = Vec::new();
        for (k, v) in records {
            let rest = format!(" {k}={v}\n");
            // The length counts its own digits.
            let mut len = rest.len() + 1;
            while format!("{len}{rest}").len() != len {
                len += 1;
            }
            body.extend_from_slice(format!("{len}{rest}").as_bytes());
        }
        let size = body.len() as u64;
        self.w
            .write_all(&header(b"PaxHeaders/x", b'x', size, b""))?;
        self.w.write_all(&body)?;
        self.pad(size)
    }
    /// A raw 512-byte header block (the caller writes any body and padding).
    pub fn raw(&mut self, block: &[u8; 512]) -> io::Result<()> {
        self.w.write_all(block)
    }
    pub fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.w.write_all(data)
    }
    /// The end-of-archive marker (two zero blocks).
    pub fn end(&mut self) -> io::Result<()> {
        self.w.write_all(&ZEROS)?;
        self.w.write_all(&ZEROS)
    }
}

const OS_RELEASE: &str =
    "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n";

/// A dpkg status stanza of one installed package.
pub fn stanza(name: &str, version: &str) -> String {
    format!("Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {version}\n\n")
}

/// A small ordinary layer: os-release and a dpkg status naming `packages`.
fn base_layer(layout: &Path, packages: &[(&str, &str)]) -> io::Result<Blob> {
    gzip_layer(layout, |w| {
        let mut t = TarOut::new(w);
        t.dir("etc")?;
        t.file("etc/os-release", OS_RELEASE.as_bytes())?;
        for d in ["var", "var/lib", "var/lib/dpkg"] {
            t.dir(d)?;
        }
        let status: String = packages.iter().map(|(n, v)| stanza(n, v)).collect();
        t.file("var/lib/dpkg/status", status.as_bytes())?;
        t.end()
    })
}

// ---------------------------------------------------------------- the cases

/// One layer, a single gzip stream of many members: a tar header for
/// `var/lib/dpkg/status` claiming `zero_bytes` (a multiple of 512), then that many
/// zeros. Each member inflates 1 MiB of zeros from about 1 KB: with `zero_bytes` = 10 GiB
/// the blob is about 10 MB. Gives the blob size.
pub fn gzip_bomb(layout: &Path, zero_bytes: u64) -> io::Result<u64> {
    const CHUNK: usize = 1 << 20;
    let member = |data: &[u8]| -> io::Result<Vec<u8>> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data)?;
        e.finish()
    };
    let head = header(b"var/lib/dpkg/status", b'0', zero_bytes, b"");
    let zeros = vec![0u8; CHUNK];
    let zero_member = member(&zeros)?;
    let full = zero_bytes / CHUNK as u64;
    let rest = (zero_bytes % CHUNK as u64) as usize;
    // The tar's sha256 (the diffID), computed from the same pieces.
    let mut tar = Sha256::new();
    tar.update(head);
    for _ in 0..full {
        tar.update(&zeros);
    }
    tar.update(&zeros[..rest]);
    tar.update([0u8; 1024]);
    let diff_id = format!("sha256:{}", hex::encode(tar.finalize()));
    let (digest, size) = stream_blob(layout, |w| {
        w.write_all(&member(&head)?)?;
        for _ in 0..full {
            w.write_all(&zero_member)?;
        }
        if rest > 0 {
            w.write_all(&member(&zeros[..rest])?)?;
        }
        w.write_all(&member(&[0u8; 1024])?)
    })?;
    let blob = Blob {
        digest,
        diff_id,
        size,
        media_type: GZIP,
    };
    image(layout, &[blob])?;
    Ok(size)
}

/// One layer of `n` empty files (`dNNNN/fNNNNNNN`, a thousand to a folder) above a base
/// layer with one dpkg package.
pub fn many_files(layout: &Path, n: u64) -> io::Result<()> {
    let base = base_layer(layout, &[("base-files", "12.4")])?;
    let files = gzip_layer(layout, |w| {
        let mut t = TarOut::new(w);
        for i in 0..n {
            if i % 1000 == 0 {
                t.dir(&format!("d{:04}", i / 1000))?;
            }
            t.file(&format!("d{:04}/f{i:07}", i / 1000), b"")?;
        }
        t.end()
    })?;
    image(layout, &[base, files])
}

/// A Python package whose METADATA lies `components` folders deep (every folder has its
/// own entry, names up to 2 × `components` bytes through GNU long names).
pub fn deep_path(layout: &Path, components: usize) -> io::Result<()> {
    let blob = gzip_layer(layout, |w| {
        let mut t = TarOut::new(w);
        let mut dir = String::new();
        for _ in 0..components.saturating_sub(2) {
            if !dir.is_empty() {
                dir.push('/');
            }
            dir.push('d');
            t.dir(&dir)?;
        }
        let info = format!("{dir}/deep-1.0.dist-info");
        t.dir(&info)?;
        t.file(
            &format!("{info}/METADATA"),
            b"Metadata-Version: 2.1\nName: deep\nVersion: 1.0\n",
        )?;
        t.end()
    })?;
    image(layout, &[blob])
}

/// PAX headers stating sizes of 2^63 and 2^64 - 1 bytes for a wanted file and a file
/// nobody wants, and one that does not parse, each followed by a few bytes: the tar
/// ends long before the stated sizes.
pub fn pax_huge_sizes(layout: &Path) -> io::Result<()> {
    let base = base_layer(layout, &[("base-files", "12.4")])?;
    let blob = gzip_layer(layout, |w| {
        let mut t = TarOut::new(w);
        t.pax(&[("size", "99999999999999999999999")])?;
        t.file("etc/unparsable-size", b"x")?;
        t.pax(&[("size", "18446744073709551615")])?;
        t.file("usr/bin/huge", b"\x7fELF")?;
        t.pax(&[("size", "9223372036854775808")])?;
        t.file("var/lib/dpkg/status", &stanza("liar", "1.0").into_bytes())?;
        t.end()
    })?;
    image(layout, &[base, blob])
}

/// A file whose GNU long name is `bytes` long (one component of `a`s under `opt/`) and a
/// symbolic link whose GNU long link target is as long, above an ordinary base layer.
pub fn gnu_long_name(layout: &Path, bytes: usize) -> io::Result<()> {
    let base = base_layer(layout, &[("base-files", "12.4")])?;
    let blob = gzip_layer(layout, |w| {
        let mut t = TarOut::new(w);
        let name = format!("opt/{}", "a".repeat(bytes.saturating_sub(4)));
        t.dir("opt")?;
        t.file(&name, b"long")?;
        t.symlink("opt/link", &name)?;
        t.file("opt/after", b"still read")?;
        t.end()
    })?;
    image(layout, &[base, blob])
}

/// An old-GNU sparse header (`S`) with the map in the header: `real` bytes of which
/// `data` are stored at offset `at`.
fn sparse_header(name: &str, data: u64, at: u64, real: u64) -> [u8; 512] {
    let mut h = header(name.as_bytes(), b'S', data, b"");
    octal(&mut h[386..398], at);
    octal(&mut h[398..410], data);
    // GNU tar ends the map with an empty chunk at the real size.
    octal(&mut h[410..422], real);
    octal(&mut h[422..434], 0);
    h[482] = 0;
    octal(&mut h[483..495], real);
    checksum(&mut h);
    h
}

/// Sparse files: a wanted one claiming 1 TiB (8 bytes stored at its end), an ELF
/// program claiming 4 GiB, and a valid small one; then an ordinary file.
pub fn sparse_files(layout: &Path) -> io::Result<()> {
    let base = base_layer(layout, &[("base-files", "12.4")])?;
    let blob = gzip_layer(layout, |w| {
        let mut t = TarOut::new(w);
        let tib = 1u64 << 40;
        let body = |t: &mut TarOut<'_>, data: &[u8]| -> io::Result<()> {
            t.write_all(data)?;
            t.pad(data.len() as u64)
        };
        t.raw(&sparse_header("var/lib/dpkg/status", 8, tib - 8, tib))?;
        body(&mut t, b"Package:")?;
        t.raw(&sparse_header("usr/bin/prog", 4, 0, 4 << 30))?;
        body(&mut t, b"\x7fELF")?;
        t.raw(&sparse_header("etc/small", 5, 1000, 2000))?;
        body(&mut t, b"hello")?;
        t.file("etc/after", b"x")?;
        t.end()
    })?;
    image(layout, &[base, blob])
}

/// Character and block devices and fifos, some at paths catalogers want (a fifo as the
/// dpkg status, a character device as os-release), above an ordinary base layer.
pub fn devices_and_fifos(layout: &Path) -> io::Result<()> {
    let base = base_layer(layout, &[("base-files", "12.4")])?;
    let blob = gzip_layer(layout, |w| {
        let mut t = TarOut::new(w);
        t.dir("dev")?;
        t.entry(b"dev/null", Kind::Char, b"", b"")?;
        t.entry(b"dev/sda", Kind::Block, b"", b"")?;
        t.entry(b"dev/initctl", Kind::Fifo, b"", b"")?;
        t.entry(b"var/lib/dpkg/status", Kind::Fifo, b"", b"")?;
        t.entry(b"etc/os-release", Kind::Char, b"", b"")?;
        t.end()
    })?;
    image(layout, &[base, blob])
}

/// Symbolic links: a loop through the wanted dpkg status, a folder loop, a link to
/// itself, and a chain of `chain` links from a wanted METADATA to a real one.
pub fn symlink_loops(layout: &Path, chain: usize) -> io::Result<()> {
    let blob = gzip_layer(layout, |w| {
        let mut t = TarOut::new(w);
        t.dir("etc")?;
        t.file("etc/os-release", OS_RELEASE.as_bytes())?;
        for d in ["var", "var/lib", "var/lib/dpkg", "loop", "chain", "real"] {
            t.dir(d)?;
        }
        t.symlink("var/lib/dpkg/status", "status-b")?;
        t.symlink("var/lib/dpkg/status-b", "status")?;
        t.symlink("loop/a", "b")?;
        t.symlink("loop/b", "a/x")?;
        t.symlink("loop/self", "self")?;
        let site = "usr/lib/python3/dist-packages";
        t.dir(&format!("{site}/chained-1.0.dist-info"))?;
        t.symlink(
            &format!("{site}/chained-1.0.dist-info/METADATA"),
            "/chain/l0",
        )?;
        for i in 0..chain {
            t.symlink(&format!("chain/l{i}"), &format!("l{}", i + 1))?;
        }
        t.symlink(&format!("chain/l{chain}"), "/real/METADATA")?;
        t.file(
            "real/METADATA",
            b"Metadata-Version: 2.1\nName: chained\nVersion: 1.0\n",
        )?;
        t.dir(&format!("{site}/short-1.0.dist-info"))?;
        t.symlink(
            &format!("{site}/short-1.0.dist-info/METADATA"),
            "../../../../../real/SHORT",
        )?;
        t.file(
            "real/SHORT",
            b"Metadata-Version: 2.1\nName: short\nVersion: 1.0\n",
        )?;
        t.end()
    })?;
    image(layout, &[blob])
}

/// A base layer with packages, then a layer that whites out the root in every way a
/// tar can say it (`.wh..wh..opq` at the top, `.wh.` with an empty, `.` or `..` name,
/// `/.wh.etc`, `../.wh.etc`, `.wh./`) and adds one file of its own.
pub fn whiteout_root(layout: &Path) -> io::Result<()> {
    let base = base_layer(layout, &[("base-files", "12.4"), ("bash", "5.2")])?;
    let blob = gzip_layer(layout, |w| {
        let mut t = TarOut::new(w);
        for name in [
            ".wh..wh..opq",
            "./.wh..wh..opq",
            ".wh.",
            ".wh..",
            "./.wh..",
            ".wh./",
            "/.wh.etc",
            "../.wh.etc",
            "etc/../../.wh.var",
        ] {
            t.entry(name.as_bytes(), Kind::File, b"", b"")?;
        }
        t.dir("etc")?;
        t.file("etc/os-release", OS_RELEASE.as_bytes())?;
        t.end()
    })?;
    image(layout, &[base, blob])
}

/// `n` layers, each with one small file of its own (`layers/NNNNN`), above a base layer.
pub fn many_layers(layout: &Path, n: usize) -> io::Result<()> {
    let mut blobs = vec![base_layer(layout, &[("base-files", "12.4")])?];
    for i in 0..n {
        blobs.push(gzip_layer(layout, |w| {
            let mut t = TarOut::new(w);
            t.file(&format!("layers/{i:05}"), format!("{i}\n").as_bytes())?;
            t.end()
        })?);
    }
    image(layout, &blobs)
}

/// Three layers in the manifest, two diffIDs in the config.
pub fn fewer_diff_ids(layout: &Path) -> io::Result<()> {
    let blobs = vec![
        base_layer(layout, &[("base-files", "12.4")])?,
        base_layer(layout, &[("bash", "5.2")])?,
        base_layer(layout, &[("curl", "7.88")])?,
    ];
    let ids: Vec<String> = blobs.iter().take(2).map(|b| b.diff_id.clone()).collect();
    write_image(layout, &blobs, &ids)
}

/// A layer that is a valid gzip stream of `bytes` pseudo-random bytes (not a tar).
pub fn gzip_of_garbage(layout: &Path, bytes: usize) -> io::Result<()> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let garbage: Vec<u8> = (0..bytes)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 56) as u8
        })
        .collect();
    let blob = gzip_layer(layout, |w| w.write_all(&garbage))?;
    image(layout, &[blob])
}
