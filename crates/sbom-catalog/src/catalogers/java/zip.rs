//! A zip archive read front to back from its local file headers, as its bytes arrive,
//! without the central directory at its end and without ever holding the archive.
//!
//! Only what identifies Java archives is inflated: `META-INF/MANIFEST.MF` (up to the
//! end of its main section), `pom.properties`, `META-INF/maven/**/pom.xml`, and nested
//! archives, which stream through a reader of their own (stored ones without any copy),
//! to any depth up to [`MAX_DEPTH`]. Every other entry is skipped by its size.
//!
//! Entries with a data descriptor (flag bit 3: sizes only after the data, as
//! `JarOutputStream` and the shade plugin write them) have no size up front. A deflated
//! one that is read is inflated to the end of its deflate stream, which knows where it
//! ends; one that is not read, and a stored one, is scanned for its descriptor: the
//! signature `PK\x07\x08` whose size field equals the distance from the start of the
//! data, or, for descriptors written without a signature, the next header's signature
//! preceded by such a size (32- or 64-bit sizes). A stored entry's bytes reach its
//! reader only once they cannot be the descriptor.
//!
//! Hostile archives are bounded: at most [`MAX_DEPTH`] nested levels, [`MAX_ENTRIES`]
//! entries per archive, an inflate ratio of [`BOMB_RATIO`]:1 per entry past 1 MiB, an
//! inflate budget per scanned file (64 MiB plus twice the file's size), capped text
//! files, [`MAX_ARCHIVES`] archives and a capped summary per file. Anything odd
//! (truncated headers, entries or central directory, bytes that are no zip header,
//! entry names with `../`, corrupt deflate data, unknown compression methods on an
//! entry that is needed) is a warning naming the entry as `outer.jar!/inner.jar`, and
//! what was read before it is kept.
use std::fmt::Display;

use flate2::{Decompress, FlushDecompress, Status};
use memchr::memmem;

use super::summary::ArchiveInfo;
use super::text;

/// Deepest nesting read (the scanned file is level 0).
pub const MAX_DEPTH: usize = 10;
/// Most local headers read per archive.
pub const MAX_ENTRIES: u64 = 1 << 20;
/// Inflated bytes per compressed byte past which an entry is taken for a zip bomb.
pub const BOMB_RATIO: u64 = 100;
/// Most archives kept per scanned file.
pub const MAX_ARCHIVES: usize = 10_000;
/// Bytes searched for a first local header (a launcher script before a Spring Boot
/// "fully executable" jar).
const PREFIX_LIMIT: u64 = 1 << 20;
/// An entry's ratio is checked once it inflated this much.
const BOMB_FLOOR: u64 = 1 << 20;
/// Inflate budget of one scanned file, besides twice its size.
const INFLATE_ALLOWANCE: u64 = 64 << 20;
const MANIFEST_CAP: usize = 64 << 10;
const POM_PROPERTIES_CAP: usize = 16 << 10;
const POM_XML_CAP: usize = 1 << 20;
/// Most `pom.properties` kept per archive.
const MAX_POMS: usize = 1_000;
/// Summary bytes kept per scanned file (about).
const MAX_SUMMARY: usize = 4 << 20;
/// Warnings per scanned file; more are counted.
const MAX_WARNINGS: usize = 20;
/// Inflate output buffer.
const OUT_CHUNK: usize = 32 << 10;
/// Bytes a descriptor scan keeps back (a descriptor and the next signature).
const SCAN_KEEP: usize = 28;

const LOCAL: &[u8; 4] = b"PK\x03\x04";
const CENTRAL: &[u8; 4] = b"PK\x01\x02";
const EOCD: &[u8; 4] = b"PK\x05\x06";
const EOCD64: &[u8; 4] = b"PK\x06\x06";
const EOCD64_LOCATOR: &[u8; 4] = b"PK\x06\x07";
const DESCRIPTOR: &[u8; 4] = b"PK\x07\x08";

/// File name extensions of Java archives (case-insensitive).
const JAVA_EXTENSIONS: &[&str] = &[
    "jar", "war", "ear", "jpi", "hpi", "sar", "par", "kar", "nar", "lpkg",
];

/// Whether a file name has a Java archive's extension.
pub(crate) fn is_java_archive_name(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && JAVA_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext))
    })
}

/// Whether the bytes start a zip archive (a local file header).
pub(crate) fn is_zip(head: &[u8]) -> bool {
    head.starts_with(LOCAL)
}

fn le16(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at + 2)?;
    Some(u64::from(u16::from_le_bytes([s[0], s[1]])))
}

fn le32(b: &[u8], at: usize) -> Option<u64> {
    let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(u64::from(u32::from_le_bytes(s)))
}

fn le64(b: &[u8], at: usize) -> Option<u64> {
    let s: [u8; 8] = b.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(s))
}

/// What every archive reader of one scanned file shares: where results and warnings
/// go, and the budgets.
pub(crate) struct Ctx {
    /// Path of the scanned file in the image.
    top: String,
    pub archives: Vec<ArchiveInfo>,
    warnings: Vec<String>,
    suppressed: usize,
    inflated: u64,
    budget: u64,
    budget_spent: bool,
    summary_bytes: usize,
    full: bool,
    too_deep: bool,
}

impl Ctx {
    /// For the file at `top` of `size` bytes.
    pub fn new(top: &str, size: u64) -> Self {
        Ctx {
            top: top.to_string(),
            archives: Vec::new(),
            warnings: Vec::new(),
            suppressed: 0,
            inflated: 0,
            budget: INFLATE_ALLOWANCE.saturating_add(size.saturating_mul(2)),
            budget_spent: false,
            summary_bytes: 0,
            full: false,
            too_deep: false,
        }
    }

    /// A warning about `at` (the scanned file itself, which the walker already names,
    /// is not repeated).
    fn warn(&mut self, at: &str, msg: impl Display) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(if at == self.top {
                msg.to_string()
            } else {
                format!("{at}: {msg}")
            });
        } else {
            self.suppressed += 1;
        }
    }

    /// The warnings, with a count of those left out.
    pub fn take_warnings(&mut self) -> Vec<String> {
        let mut w = std::mem::take(&mut self.warnings);
        if self.suppressed > 0 {
            w.push(format!("{} more warnings about this file", self.suppressed));
        }
        w
    }

    /// `top!/inner!/entry` (parts that are empty are left out).
    fn locate(&self, inner: &str, entry: Option<&str>) -> String {
        let mut s = self.top.clone();
        for part in [Some(inner), entry].into_iter().flatten() {
            if !part.is_empty() {
                s.push_str("!/");
                s.push_str(part);
            }
        }
        s
    }

    fn keep(&mut self, info: ArchiveInfo) {
        if self.full {
            return;
        }
        let size = info.path.len()
            + info
                .manifest
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
            + info
                .poms
                .iter()
                .map(|p| p.path.len() + p.group.len() + p.artifact.len() + p.version.len())
                .sum::<usize>()
            + info
                .pom_licenses
                .iter()
                .map(|(d, l)| d.len() + l.iter().map(String::len).sum::<usize>())
                .sum::<usize>();
        if self.archives.len() >= MAX_ARCHIVES || self.summary_bytes + size > MAX_SUMMARY {
            self.full = true;
            let top = self.top.clone();
            self.warn(
                &top,
                format!(
                    "more than {MAX_ARCHIVES} archives or {} MiB of identifying data; the rest is not reported",
                    MAX_SUMMARY >> 20
                ),
            );
            return;
        }
        self.summary_bytes += size;
        self.archives.push(info);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Nothing read yet.
    Start,
    /// Looking for the first local header after leading bytes.
    Prefix,
    /// Gathering a header (`buf` holds what arrived of it).
    Header,
    /// An entry's data, by its size or to the end of its deflate stream.
    Data,
    /// An entry's data up to a data descriptor found by scanning.
    Scan,
    /// The data descriptor after an entry inflated to its end.
    Descriptor,
    /// Central directory records, up to the end record.
    Central,
    /// Finished (end record read), or given up.
    Done,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TextKind {
    Manifest,
    PomProperties,
    PomXml,
}

/// What becomes of an entry's (uncompressed) bytes.
enum Target {
    Skip,
    Text(TextKind, Vec<u8>),
    Nested(Box<ArchiveReader>),
    /// A stored entry of any name: an archive if it starts with a local header.
    Peek(Vec<u8>),
}

impl Target {
    fn reads(&self) -> bool {
        !matches!(self, Target::Skip)
    }
}

struct Entry {
    name: String,
    /// The local header has a zip64 extra field: its data descriptor has 64-bit sizes.
    zip64: bool,
    /// Compressed size, when the local header gives it (no data descriptor).
    size: Option<u64>,
    /// Compressed bytes of the data passed so far (in a scan: up to the window).
    consumed: u64,
    /// Bytes inflated so far.
    inflated: u64,
    inflate: Option<Box<Decompress>>,
    /// The deflate stream ended (the rest up to `size` is not data).
    ended: bool,
    target: Target,
    /// Descriptor scan: the last bytes of the previous piece, not yet known to be data.
    window: Vec<u8>,
}

/// One archive being read: the scanned file itself or one nested in it.
pub(crate) struct ArchiveReader {
    depth: usize,
    /// Path inside the scanned file (`""` for the file itself).
    path: String,
    /// Named like a Java archive (else only kept when it holds Java metadata).
    java_named: bool,
    state: State,
    /// Header, descriptor or central-directory bytes gathered so far.
    buf: Vec<u8>,
    /// Bytes of this archive passed so far.
    offset: u64,
    locals: u64,
    centrals: u64,
    info: ArchiveInfo,
    manifest_seen: bool,
    entry: Option<Entry>,
    names_warned: bool,
    /// Compressed size of the entry that ended last (its descriptor repeats it), and
    /// whether its descriptor has 64-bit sizes.
    last_size: u64,
    last_zip64: bool,
    out: Vec<u8>,
}

impl ArchiveReader {
    /// A reader for an archive at `path` inside the scanned file, `depth` levels down.
    pub fn new(depth: usize, path: String, java_named: bool) -> Self {
        ArchiveReader {
            depth,
            info: ArchiveInfo {
                path: path.clone(),
                ..ArchiveInfo::default()
            },
            path,
            java_named,
            state: State::Start,
            buf: Vec::new(),
            offset: 0,
            locals: 0,
            centrals: 0,
            manifest_seen: false,
            entry: None,
            names_warned: false,
            last_size: 0,
            last_zip64: false,
            out: Vec::new(),
        }
    }

    /// Takes the next bytes; false once nothing more is wanted.
    pub fn feed(&mut self, mut data: &[u8], ctx: &mut Ctx) -> bool {
        while !data.is_empty() {
            let used = match self.state {
                State::Start => self.start(data),
                State::Prefix => self.prefix(data, ctx),
                State::Header => self.header(data, ctx),
                State::Data => self.data(data, ctx),
                State::Scan => self.scan(data, ctx),
                State::Descriptor => self.descriptor(data, ctx),
                State::Central => self.central(data, ctx),
                State::Done => break,
            };
            self.offset += used as u64;
            data = data.get(used..).unwrap_or_default();
        }
        self.state != State::Done
    }

    /// The bytes ended: reports what the archive held. `cut` when the reader above
    /// stopped passing bytes on purpose (a limit, already warned about).
    pub fn finish(mut self, ctx: &mut Ctx, cut: bool) {
        let complaint = match self.state {
            State::Done => None,
            State::Start | State::Prefix => self
                .java_named
                .then(|| "not a zip archive (no local file header found)".to_string()),
            State::Header if self.buf.is_empty() => Some(format!(
                "archive ends after {} entries without a central directory (truncated)",
                self.locals
            )),
            State::Header => Some("archive ends inside a local file header (truncated)".into()),
            State::Data | State::Scan | State::Descriptor => {
                let name = self.entry.as_ref().map_or("", |e| e.name.as_str());
                Some(format!("archive ends inside entry {name} (truncated)"))
            }
            State::Central => Some("central directory is truncated".to_string()),
        };
        if let Some(msg) = complaint.filter(|_| !cut) {
            let at = ctx.locate(&self.path, None);
            ctx.warn(&at, msg);
        }
        if let Some(e) = self.entry.take() {
            self.finish_target(e.target, &e.name, ctx, true);
        }
        let info = std::mem::take(&mut self.info);
        if self.java_named || !info.manifest.is_empty() || !info.poms.is_empty() {
            ctx.keep(info);
        }
    }

    /// Copies into `buf` until it holds `n` bytes; returns how many were taken.
    fn gather(&mut self, data: &[u8], n: usize) -> usize {
        let take = n.saturating_sub(self.buf.len()).min(data.len());
        self.buf
            .extend_from_slice(data.get(..take).unwrap_or_default());
        take
    }

    fn start(&mut self, data: &[u8]) -> usize {
        let used = self.gather(data, 4);
        if self.buf.len() < 4 {
            return used;
        }
        let sig = self.buf.as_slice();
        if sig == LOCAL || sig == EOCD {
            self.state = State::Header;
        } else if sig == DESCRIPTOR || sig == b"PK00" {
            // Marker of a split archive written as one piece: not an entry.
            self.buf.clear();
            self.state = State::Header;
        } else {
            self.state = State::Prefix;
        }
        used
    }

    /// Searches for the first local header; `buf` carries the last bytes seen.
    fn prefix(&mut self, data: &[u8], ctx: &mut Ctx) -> usize {
        let carry = self.buf.len();
        let mut joint = self.buf.clone();
        joint.extend_from_slice(data.get(..3.min(data.len())).unwrap_or_default());
        if let Some(i) = memmem::find(&joint, LOCAL).filter(|&i| i < carry) {
            self.buf.drain(..i);
            self.state = State::Header;
            return 0;
        }
        if let Some(i) = memmem::find(data, LOCAL) {
            self.buf.clear();
            self.state = State::Header;
            return i;
        }
        if self.offset + data.len() as u64 > PREFIX_LIMIT {
            if self.java_named {
                let at = ctx.locate(&self.path, None);
                ctx.warn(
                    &at,
                    format!(
                        "not a zip archive (no local file header in the first {} MiB)",
                        PREFIX_LIMIT >> 20
                    ),
                );
            }
            self.java_named = false;
            self.state = State::Done;
            return data.len();
        }
        let keep = data.len().saturating_sub(3);
        self.buf = data.get(keep..).unwrap_or_default().to_vec();
        data.len()
    }

    fn garbage(&mut self, ctx: &mut Ctx, what: &str) {
        let at = ctx.locate(&self.path, None);
        let offset = self.offset.saturating_sub(self.buf.len() as u64);
        ctx.warn(
            &at,
            format!("{what} at offset {offset}: not a zip header; the rest is not read"),
        );
        self.state = State::Done;
    }

    fn header(&mut self, data: &[u8], ctx: &mut Ctx) -> usize {
        let mut used = self.gather(data, 4);
        if self.buf.len() < 4 {
            return used;
        }
        let sig = self.buf.get(..4).unwrap_or_default();
        if sig == CENTRAL || sig == EOCD || sig == EOCD64 || sig == EOCD64_LOCATOR {
            self.state = State::Central;
            return used;
        }
        if sig != LOCAL {
            self.garbage(ctx, "unexpected bytes");
            return used;
        }
        used += self.gather(data.get(used..).unwrap_or_default(), 30);
        if self.buf.len() < 30 {
            return used;
        }
        let names = le16(&self.buf, 26).unwrap_or(0) + le16(&self.buf, 28).unwrap_or(0);
        let full = 30 + usize::try_from(names).unwrap_or(0);
        used += self.gather(data.get(used..).unwrap_or_default(), full);
        if self.buf.len() == full {
            self.begin_entry(ctx);
        }
        used
    }

    /// `buf` holds a whole local header: decides what to do with the entry.
    fn begin_entry(&mut self, ctx: &mut Ctx) {
        let h = std::mem::take(&mut self.buf);
        let flags = le16(&h, 6).unwrap_or(0);
        let method = le16(&h, 8).unwrap_or(0);
        let mut size = le32(&h, 18).unwrap_or(0);
        let usize32 = le32(&h, 22).unwrap_or(0);
        let name_len = usize::try_from(le16(&h, 26).unwrap_or(0)).unwrap_or(0);
        let name =
            String::from_utf8_lossy(h.get(30..30 + name_len).unwrap_or_default()).into_owned();
        let extra = h.get(30 + name_len..).unwrap_or_default();
        let zip64 = zip64_field(extra).is_some();
        if size == 0xFFFF_FFFF || usize32 == 0xFFFF_FFFF {
            size = zip64_field(extra)
                .and_then(|f| le64(f, if usize32 == 0xFFFF_FFFF { 8 } else { 0 }))
                .unwrap_or(size);
        }
        self.locals += 1;
        if self.locals > MAX_ENTRIES {
            let at = ctx.locate(&self.path, None);
            ctx.warn(
                &at,
                format!("more than {MAX_ENTRIES} entries; the rest is not read"),
            );
            self.state = State::Done;
            return;
        }
        self.check_name(&name, ctx);
        let bit3 = flags & 8 != 0;
        let target = self.choose(&name, method, flags, ctx);
        let reads = target.reads();
        let mut entry = Entry {
            size: (!bit3).then_some(size),
            consumed: 0,
            inflated: 0,
            inflate: (reads && method == 8).then(|| Box::new(Decompress::new(false))),
            ended: false,
            target,
            window: Vec::new(),
            name,
            zip64,
        };
        self.state = match (entry.size, &entry.inflate) {
            (Some(0), _) => {
                entry.ended = true;
                self.entry = Some(entry);
                self.end_entry(ctx);
                return;
            }
            (Some(_), _) | (None, Some(_)) => State::Data,
            (None, None) => State::Scan,
        };
        self.entry = Some(entry);
    }

    fn check_name(&mut self, name: &str, ctx: &mut Ctx) {
        let escapes = name.starts_with('/')
            || name.starts_with('\\')
            || name.split(['/', '\\']).any(|c| c == "..");
        if escapes && !self.names_warned {
            self.names_warned = true;
            let at = ctx.locate(&self.path, Some(name));
            ctx.warn(
                &at,
                "entry name points outside the archive (only a name here: nothing is extracted)",
            );
        }
    }

    /// What to do with an entry's bytes.
    fn choose(&mut self, name: &str, method: u64, flags: u64, ctx: &mut Ctx) -> Target {
        if name.ends_with('/') {
            return Target::Skip;
        }
        let base = name.rsplit('/').next().unwrap_or(name);
        let wanted = if name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") && !self.manifest_seen {
            self.manifest_seen = true;
            Target::Text(TextKind::Manifest, Vec::new())
        } else if base == "pom.properties" && self.info.poms.len() < MAX_POMS {
            Target::Text(TextKind::PomProperties, Vec::new())
        } else if base == "pom.xml" && name.starts_with("META-INF/maven/") {
            Target::Text(TextKind::PomXml, Vec::new())
        } else if is_java_archive_name(base) {
            if self.depth >= MAX_DEPTH {
                if !ctx.too_deep {
                    ctx.too_deep = true;
                    let at = ctx.locate(&self.path, Some(name));
                    ctx.warn(
                        &at,
                        format!("archives nested more than {MAX_DEPTH} levels deep are not read"),
                    );
                }
                return Target::Skip;
            }
            Target::Nested(Box::new(ArchiveReader::new(
                self.depth + 1,
                join(&self.path, name),
                true,
            )))
        } else if method == 0 && flags & 1 == 0 && self.depth < MAX_DEPTH {
            return Target::Peek(Vec::with_capacity(4));
        } else {
            return Target::Skip;
        };
        let problem = if flags & 1 != 0 {
            Some("is encrypted".to_string())
        } else if method != 0 && method != 8 {
            Some(format!("uses compression method {method}"))
        } else if method == 8 && ctx.budget_spent {
            return Target::Skip;
        } else {
            None
        };
        if let Some(p) = problem {
            let at = ctx.locate(&self.path, Some(name));
            ctx.warn(&at, format!("{p}; not read"));
            return Target::Skip;
        }
        wanted
    }

    fn data(&mut self, data: &[u8], ctx: &mut Ctx) -> usize {
        let Some(e) = self.entry.as_mut() else {
            self.state = State::Header;
            return 0;
        };
        let avail = match e.size {
            Some(s) => usize::try_from(s - e.consumed)
                .unwrap_or(usize::MAX)
                .min(data.len()),
            None => data.len(),
        };
        let chunk = data.get(..avail).unwrap_or_default();
        let used = if e.inflate.is_some() && !e.ended {
            self.inflate(chunk, ctx)
        } else {
            if !e.ended && e.target.reads() {
                e.inflated += chunk.len() as u64;
                self.deliver(chunk, None, ctx);
            }
            avail
        };
        let Some(e) = self.entry.as_mut() else {
            return used;
        };
        e.consumed += used as u64;
        match e.size {
            Some(s) if e.consumed >= s => {
                self.end_entry(ctx);
                self.state = State::Header;
                used
            }
            Some(_) => used,
            None if e.ended => {
                self.last_size = e.consumed;
                self.last_zip64 = e.zip64;
                self.end_entry(ctx);
                self.state = State::Descriptor;
                used
            }
            None if e.inflate.is_none() => {
                // Stopped reading before the end: find the end by its descriptor.
                self.state = State::Scan;
                used
            }
            None => used,
        }
    }

    /// Inflates `chunk` into the entry's target; returns the compressed bytes used
    /// (fewer than given only when the deflate stream ended or broke).
    fn inflate(&mut self, chunk: &[u8], ctx: &mut Ctx) -> usize {
        let mut out = std::mem::take(&mut self.out);
        out.resize(OUT_CHUNK, 0);
        let mut used = 0;
        while let Some(inf) = self.entry.as_mut().and_then(|e| e.inflate.as_mut()) {
            let (in0, out0) = (inf.total_in(), inf.total_out());
            let status = inf.decompress(
                chunk.get(used..).unwrap_or_default(),
                &mut out,
                FlushDecompress::None,
            );
            let i = usize::try_from(inf.total_in() - in0).unwrap_or(0);
            let o = usize::try_from(inf.total_out() - out0).unwrap_or(0);
            used += i;
            match status {
                Err(_) => {
                    let name = self
                        .entry
                        .as_ref()
                        .map_or(String::new(), |e| e.name.clone());
                    let at = ctx.locate(&self.path, Some(&name));
                    ctx.warn(&at, "deflate data is corrupt; not read further");
                    self.stop_reading(ctx, true);
                    break;
                }
                Ok(status) => {
                    if let Some(e) = self.entry.as_mut() {
                        e.inflated += o as u64;
                    }
                    ctx.inflated += o as u64;
                    let compressed = self.entry.as_ref().map_or(0, |e| e.consumed) + used as u64;
                    self.deliver(out.get(..o).unwrap_or_default(), Some(compressed), ctx);
                    if status == Status::StreamEnd {
                        if let Some(e) = self.entry.as_mut() {
                            e.ended = true;
                            e.inflate = None;
                            if e.size.is_some() {
                                // The rest up to the stated size is not data.
                                used = chunk.len();
                            }
                        }
                        break;
                    }
                    if (used >= chunk.len() && o < out.len()) || (i == 0 && o == 0) {
                        break;
                    }
                }
            }
        }
        self.out = out;
        used
    }

    /// Hands uncompressed bytes to the entry's target; stops reading it when it has
    /// enough or a limit is hit. `compressed`: for inflated bytes, the compressed bytes
    /// of the entry used so far.
    fn deliver(&mut self, bytes: &[u8], compressed: Option<u64>, ctx: &mut Ctx) {
        if bytes.is_empty() {
            return;
        }
        let Some(e) = self.entry.as_mut() else {
            return;
        };
        if let Some(c) = compressed {
            if let Some(msg) = inflate_limit(e.inflated, c, ctx) {
                if !msg.is_empty() {
                    let at = ctx.locate(&self.path, Some(&e.name));
                    ctx.warn(&at, msg);
                }
                self.stop_reading(ctx, true);
                return;
            }
        }
        if !feed_target(e, bytes, self.depth, &self.path, ctx) {
            self.stop_reading(ctx, false);
        }
    }

    /// The current entry's target has what it needs (or must stop): it is finished
    /// now and the rest of the entry is skipped.
    fn stop_reading(&mut self, ctx: &mut Ctx, cut: bool) {
        let Some(e) = self.entry.as_mut() else {
            return;
        };
        let target = std::mem::replace(&mut e.target, Target::Skip);
        e.inflate = None;
        let name = e.name.clone();
        self.finish_target(target, &name, ctx, cut);
    }

    fn end_entry(&mut self, ctx: &mut Ctx) {
        if let Some(e) = self.entry.take() {
            self.finish_target(e.target, &e.name, ctx, false);
        }
    }

    fn finish_target(&mut self, target: Target, name: &str, ctx: &mut Ctx, cut: bool) {
        match target {
            Target::Skip | Target::Peek(_) => {}
            Target::Text(TextKind::Manifest, buf) => {
                self.info.manifest = text::manifest_headers(text::main_section(&buf));
            }
            Target::Text(TextKind::PomProperties, buf) => {
                if let Some(p) = text::pom_properties(name, &buf) {
                    self.info.poms.push(p);
                }
            }
            Target::Text(TextKind::PomXml, buf) => {
                let licenses = text::pom_licenses(&buf);
                if !licenses.is_empty() {
                    let dir = name.rsplit_once('/').map_or("", |(d, _)| d).to_string();
                    self.info.pom_licenses.push((dir, licenses));
                }
            }
            Target::Nested(r) => r.finish(ctx, cut),
        }
    }

    /// An entry with a data descriptor that is not inflated: its end is where its
    /// descriptor is. The bytes are searched where they lie; only the last
    /// [`SCAN_KEEP`] of a piece are kept (a descriptor may straddle two pieces), and
    /// looked at again with the start of the next piece.
    fn scan(&mut self, data: &[u8], ctx: &mut Ctx) -> usize {
        let Some(e) = self.entry.as_mut() else {
            self.state = State::Header;
            return 0;
        };
        let (base, zip64) = (e.consumed, e.zip64);
        if !e.window.is_empty() {
            let kept = e.window.len();
            let mut joint = std::mem::take(&mut e.window);
            joint.extend_from_slice(data.get(..SCAN_KEEP.min(data.len())).unwrap_or_default());
            if let Some((end, len)) = find_descriptor(&joint, base, zip64) {
                let after = end + len;
                if after < kept {
                    // The next header started in the kept bytes.
                    self.buf = joint.get(after..kept).unwrap_or_default().to_vec();
                }
                self.scanned(joint.get(..end).unwrap_or_default(), true, ctx);
                return after.saturating_sub(kept);
            }
            if data.len() < SCAN_KEEP {
                // Too little to judge: keep it all, pass on what cannot be a descriptor.
                let cut = joint.len().saturating_sub(SCAN_KEEP);
                self.scanned(joint.get(..cut).unwrap_or_default(), false, ctx);
                if let Some(e) = self.entry.as_mut() {
                    e.window = joint.split_off(cut);
                }
                return data.len();
            }
            // No descriptor starts in the kept bytes: they are data.
            joint.truncate(kept);
            self.scanned(&joint, false, ctx);
        }
        let base = self.entry.as_ref().map_or(base, |e| e.consumed);
        if let Some((end, len)) = find_descriptor(data, base, zip64) {
            self.scanned(data.get(..end).unwrap_or_default(), true, ctx);
            return end + len;
        }
        let cut = data.len().saturating_sub(SCAN_KEEP);
        self.scanned(data.get(..cut).unwrap_or_default(), false, ctx);
        if let Some(e) = self.entry.as_mut() {
            e.window = data.get(cut..).unwrap_or_default().to_vec();
        }
        data.len()
    }

    /// Bytes of a scanned entry known to be data; `last` when its descriptor follows
    /// them (the entry ends).
    fn scanned(&mut self, bytes: &[u8], last: bool, ctx: &mut Ctx) {
        if self.entry.as_ref().is_some_and(|e| e.target.reads()) {
            self.deliver(bytes, None, ctx);
        }
        if let Some(e) = self.entry.as_mut() {
            e.consumed += bytes.len() as u64;
        }
        if last {
            self.end_entry(ctx);
            self.state = State::Header;
        }
    }

    /// The data descriptor after an entry inflated to its end: 12 to 24 bytes,
    /// recognised by the compressed size it states.
    fn descriptor(&mut self, data: &[u8], ctx: &mut Ctx) -> usize {
        let used = self.gather(data, SCAN_KEEP);
        if self.buf.len() < SCAN_KEEP {
            return used;
        }
        match descriptor_len(&self.buf, self.last_size, self.last_zip64) {
            Some(n) => {
                self.buf.drain(..n);
                self.state = State::Header;
            }
            None => self.garbage(ctx, "no data descriptor"),
        }
        used
    }

    fn central(&mut self, data: &[u8], ctx: &mut Ctx) -> usize {
        let mut used = self.gather(data, 4);
        if self.buf.len() < 4 {
            return used;
        }
        let rest = |used: usize| data.get(used..).unwrap_or_default();
        let sig: [u8; 4] = self
            .buf
            .get(..4)
            .and_then(|s| s.try_into().ok())
            .unwrap_or_default();
        let (fixed, var) = match &sig {
            CENTRAL => (46, [28, 30, 32].as_slice()),
            EOCD => (22, [20].as_slice()),
            EOCD64 => (12, [].as_slice()),
            EOCD64_LOCATOR => (20, [].as_slice()),
            _ => {
                self.garbage(ctx, "unexpected bytes in the central directory");
                return used;
            }
        };
        used += self.gather(rest(used), fixed);
        if self.buf.len() < fixed {
            return used;
        }
        let mut full = fixed as u64;
        for &at in var {
            full += le16(&self.buf, at).unwrap_or(0);
        }
        if &sig == EOCD64 {
            full += le64(&self.buf, 4).unwrap_or(0);
            if full > 1 << 20 {
                self.garbage(ctx, "an oversized zip64 end record");
                return used;
            }
        }
        let full = usize::try_from(full).unwrap_or(usize::MAX);
        used += self.gather(rest(used), full);
        if self.buf.len() < full {
            return used;
        }
        match &sig {
            CENTRAL => self.centrals += 1,
            EOCD => {
                let stated = le16(&self.buf, 10).unwrap_or(0);
                let at = ctx.locate(&self.path, None);
                if stated != 0xFFFF && stated != self.centrals {
                    ctx.warn(
                        &at,
                        format!(
                            "end record states {stated} entries, the central directory has {}",
                            self.centrals
                        ),
                    );
                } else if self.centrals != self.locals {
                    ctx.warn(
                        &at,
                        format!(
                            "the central directory lists {} entries, the archive holds {}",
                            self.centrals, self.locals
                        ),
                    );
                }
                self.state = State::Done;
            }
            _ => {}
        }
        self.buf.clear();
        used
    }
}

/// Why inflating must stop (an empty text: a limit already reported), given the
/// bytes an entry inflated and the compressed bytes they came from.
fn inflate_limit(inflated: u64, compressed: u64, ctx: &mut Ctx) -> Option<String> {
    if inflated > BOMB_FLOOR && inflated > BOMB_RATIO.saturating_mul(compressed.max(1)) {
        return Some(format!(
            "inflates to more than {BOMB_RATIO} times its compressed size (a zip bomb?); not read further"
        ));
    }
    if ctx.budget_spent {
        return Some(String::new());
    }
    if ctx.inflated > ctx.budget {
        ctx.budget_spent = true;
        return Some(format!(
            "more than {} MiB inflated from this file; nothing more is inflated",
            ctx.budget >> 20
        ));
    }
    None
}

/// Feeds an entry's uncompressed bytes to its target; false when it wants no more.
fn feed_target(e: &mut Entry, bytes: &[u8], depth: usize, path: &str, ctx: &mut Ctx) -> bool {
    match &mut e.target {
        Target::Skip => false,
        Target::Text(kind, buf) => {
            let cap = match kind {
                TextKind::Manifest => MANIFEST_CAP,
                TextKind::PomProperties => POM_PROPERTIES_CAP,
                TextKind::PomXml => POM_XML_CAP,
            };
            let take = cap.saturating_sub(buf.len()).min(bytes.len());
            let new = buf.len();
            buf.extend_from_slice(bytes.get(..take).unwrap_or_default());
            buf.len() < cap && !(*kind == TextKind::Manifest && text::main_section_ends(buf, new))
        }
        Target::Nested(r) => r.feed(bytes, ctx),
        Target::Peek(head) => {
            let take = 4usize.saturating_sub(head.len()).min(bytes.len());
            head.extend_from_slice(bytes.get(..take).unwrap_or_default());
            if head.len() < 4 {
                return true;
            }
            if head.as_slice() != LOCAL {
                return false;
            }
            let head = std::mem::take(head);
            let mut r = Box::new(ArchiveReader::new(depth + 1, join(path, &e.name), false));
            let more = r.feed(&head, ctx) && r.feed(bytes.get(take..).unwrap_or_default(), ctx);
            e.target = Target::Nested(r);
            more
        }
    }
}

/// The path of entry `name` of the archive at `path` inside the scanned file.
fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}!/{name}")
    }
}

/// The data of the zip64 extra field (id 1) of a local header.
fn zip64_field(extra: &[u8]) -> Option<&[u8]> {
    let mut i = 0;
    while i + 4 <= extra.len() {
        let id = le16(extra, i)?;
        let len = usize::try_from(le16(extra, i + 2)?).ok()?;
        if id == 1 {
            return extra.get(i + 4..i + 4 + len);
        }
        i += 4 + len;
    }
    None
}

/// The length of the data descriptor at the start of `b` (with or without its
/// signature) of an entry whose data took `size` bytes: the size it states must be
/// `size`; 64-bit sizes first when the local header had a zip64 field (as the format
/// says), else 32-bit, and a descriptor followed by a signature preferred.
fn descriptor_len(b: &[u8], size: u64, zip64: bool) -> Option<usize> {
    let off = if b.starts_with(DESCRIPTOR) { 4 } else { 0 };
    let widths: [usize; 2] = if zip64 { [8, 4] } else { [4, 8] };
    let fits = |w: usize| {
        let stated = if w == 4 {
            le32(b, off + 4)
        } else {
            le64(b, off + 4)
        };
        stated == Some(size)
    };
    let len = |w: usize| off + 4 + 2 * w;
    widths
        .iter()
        .find(|&&w| fits(w) && b.get(len(w)..len(w) + 2) == Some(b"PK"))
        .or_else(|| widths.iter().find(|&&w| fits(w) && b.len() >= len(w)))
        .map(|&w| len(w))
}

/// Where a data descriptor ends the data that starts `base` bytes before `window`:
/// (index of the end of the data in `window`, length of the descriptor). A descriptor
/// with its signature is judged once [`SCAN_KEEP`] bytes from its start are in the
/// window (it stays in the kept tail until then); one without is found by the
/// signature that follows it.
fn find_descriptor(window: &[u8], base: u64, zip64: bool) -> Option<(usize, usize)> {
    for i in memmem::find_iter(window, b"PK") {
        let Some(kind) = window.get(i + 2..i + 4) else {
            continue;
        };
        match kind {
            [7, 8] => {
                if let Some(b) = window.get(i..i + SCAN_KEEP) {
                    if let Some(n) = descriptor_len(b, base + i as u64, zip64) {
                        return Some((i, n));
                    }
                }
            }
            [3, 4] | [1, 2] | [5, 6] | [6, 6] => {
                let widths: [usize; 2] = if zip64 { [8, 4] } else { [4, 8] };
                for w in widths {
                    let Some(start) = i.checked_sub(4 + 2 * w) else {
                        continue;
                    };
                    let stated = if w == 4 {
                        le32(window, start + 4)
                    } else {
                        le64(window, start + 4)
                    };
                    if stated == Some(base + start as u64) {
                        return Some((start, 4 + 2 * w));
                    }
                }
            }
            _ => {}
        }
    }
    None
}
