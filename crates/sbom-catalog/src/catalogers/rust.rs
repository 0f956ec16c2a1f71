//! Rust binaries built with `cargo auditable`: the crates in their `.dep-v0` section.
//!
//! `cargo auditable` links a section `.dep-v0` holding zlib-compressed JSON
//! (`{"packages":[{"name","version","source","dependencies":[indexes],"root","kind"}],
//! "format":1}`). The section is not loaded at run time: an ELF linker puts it after the
//! loaded segments, and its name is only known from the section table at the very end
//! of the file, after the section has streamed past. So, streaming:
//! - the ELF program headers (at the front) give the loaded segments; the bytes outside
//!   them (the gaps and the tail of non-loaded sections) are searched for a zlib header
//!   (`0x78` and a valid check byte) whose stream inflates to `{"packages":`, the
//!   start serde writes for the audit data. Only such a stream is kept, inflated while
//!   the rest of it streams by (capped at [`MAX_JSON`]). PE and Mach-O (rare in images)
//!   are searched whole.
//! - the read-only segments are searched for `/rustc/` (the paths of the Rust standard
//!   library that every Rust binary carries in its panic locations): a Rust program
//!   without audit data is reported by a warning, not as a package (a Rust shared
//!   library without it, such as the extension modules in Python wheels, is not).
//!
//! Packages: every crate, purl `pkg:cargo/NAME@VERSION`, the root crate marked
//! ([`ROOT_PROPERTY`]), dependencies (by index) as `DependsOn` within the same binary,
//! `metadata_path` = the binary (so an OS package listing it owns them).
use flate2::{Decompress, FlushDecompress, Status};
use memchr::memmem;
use sbom_model::{Ecosystem, Package};
use serde::{Deserialize, Serialize};

use super::exe::{self, ElfHead, ExeKind};
use super::warning;
use crate::{CatalogOutput, Cataloger, Context, EntryInfo, Feed, FileView, Visited, Visitor};

/// `true` on the crate the binary was built from.
pub const ROOT_PROPERTY: &str = "sbom:cargo:root";
/// Where a crate came from (`crates.io`, `local`, `git`, `registry`).
pub const SOURCE_PROPERTY: &str = "sbom:cargo:source";
/// `build` for crates only used at build time (build scripts, proc macros).
pub const KIND_PROPERTY: &str = "sbom:cargo:kind";

/// What serde writes first for `cargo auditable`'s data.
const JSON_START: &[u8] = br#"{"packages":"#;
/// Largest audit JSON kept (a binary with a thousand crates holds about 100 KB).
const MAX_JSON: usize = 8 << 20;
/// Bytes a candidate zlib stream may take before it has produced [`JSON_START`].
const PROBE: usize = 1024;

pub struct RustCataloger;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Summary {
    /// The audit data's JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    audit: Option<String>,
    /// Why it could not be read, or that the binary is Rust without audit data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

impl Cataloger for RustCataloger {
    fn name(&self) -> &'static str {
        "rust"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, _path: &str) -> bool {
        false
    }
    fn sniffs(&self) -> bool {
        true
    }
    fn sniff(&self, e: &EntryInfo<'_>) -> Option<Box<dyn Visitor>> {
        let kind = exe::exe_kind(e.head)?;
        if exe::upx_packed(e.head) {
            return None; // the golang cataloger reports it
        }
        Some(Box::new(RustVisitor::new(kind, e.size)))
    }
    fn catalog(&self, view: &FileView, ctx: &Context) -> CatalogOutput {
        let mut out = CatalogOutput::default();
        for f in view.summaries(self.name()) {
            let s: Summary = match serde_json::from_slice(&f.data) {
                Ok(s) => s,
                Err(e) => {
                    out.warnings
                        .push(warning(f, format!("rust: unreadable summary: {e}")));
                    continue;
                }
            };
            if let Some(p) = s.problem {
                out.warnings.push(warning(f, p));
            }
            if let Some(json) = s.audit {
                match packages(&f.path, &json, ctx.identities_only) {
                    Ok(p) => out.packages.extend(p),
                    Err(e) => out.warnings.push(warning(
                        f,
                        format!("rust: cargo-auditable data is not valid: {e}"),
                    )),
                }
            }
        }
        out
    }
}

enum Stage {
    Head(Vec<u8>),
    Search,
    /// Inflating the audit stream.
    Inflate(Box<Decompress>),
    Finished,
}

struct RustVisitor {
    size: u64,
    pos: u64,
    stage: Stage,
    /// File ranges searched for the zlib stream (outside the loaded segments).
    zlib_ranges: Vec<(u64, u64)>,
    /// Read-only loaded ranges, searched for the Rust marker.
    marker_ranges: Vec<(u64, u64)>,
    /// Unsearched bytes at the end of the last part (a stream start needs [`PROBE`]
    /// bytes after it) and their offset.
    carry: Vec<u8>,
    carry_at: u64,
    marker_tail: Vec<u8>,
    marker_tail_at: u64,
    rust: bool,
    /// A program (not a library): only a program without audit data is worth a warning
    /// (Python wheels carry many Rust extension modules built without it).
    program: bool,
    json: Vec<u8>,
    problem: Option<String>,
    marker: memmem::Finder<'static>,
}

impl RustVisitor {
    fn new(kind: ExeKind, size: u64) -> Self {
        let mut v = RustVisitor {
            size,
            pos: 0,
            stage: Stage::Search,
            zlib_ranges: Vec::new(),
            marker_ranges: Vec::new(),
            carry: Vec::new(),
            carry_at: 0,
            marker_tail: Vec::new(),
            marker_tail_at: 0,
            rust: false,
            program: true,
            json: Vec::new(),
            problem: None,
            marker: memmem::Finder::new(b"/rustc/"),
        };
        match kind {
            ExeKind::Elf => v.stage = Stage::Head(Vec::new()),
            ExeKind::Pe | ExeKind::MachO => {
                v.zlib_ranges = vec![(0, size)];
                v.marker_ranges = vec![(0, size)];
            }
        }
        v
    }

    /// Decides the ranges from the ELF head; false while more head is needed.
    fn elf_head(&mut self, buf: &[u8]) -> Option<bool> {
        match exe::parse_elf(buf, self.size) {
            Ok(layout) => {
                if !matches!(layout.file_type, 2 | 3) || layout.loads.is_empty() {
                    return None;
                }
                self.program = layout.is_program();
                let mut gaps = Vec::new();
                let mut at = 0;
                for s in &layout.loads {
                    if s.offset > at {
                        gaps.push((at, s.offset));
                    }
                    at = at.max(s.end());
                }
                if at < self.size {
                    gaps.push((at, self.size));
                }
                self.zlib_ranges = exe::merge_ranges(gaps);
                self.marker_ranges = exe::merge_ranges(
                    layout
                        .loads
                        .iter()
                        .filter(|s| !s.writable && !s.executable)
                        .map(|s| (s.offset, s.end()))
                        .collect(),
                );
                Some(true)
            }
            Err(ElfHead::NeedMore(n)) if n > buf.len() => Some(false),
            Err(_) => None,
        }
    }

    fn look_for_marker(&mut self, at: u64, data: &[u8]) {
        if self.rust {
            return;
        }
        let ranges = std::mem::take(&mut self.marker_ranges);
        for (off, part) in exe::in_ranges(&ranges, at, data) {
            if !self.marker_tail.is_empty() && self.marker_tail_at == off {
                let mut joint = std::mem::take(&mut self.marker_tail);
                joint.extend_from_slice(part.get(..7).unwrap_or(part));
                if self.marker.find(&joint).is_some() {
                    self.rust = true;
                    break;
                }
            }
            if self.marker.find(part).is_some() {
                self.rust = true;
                break;
            }
            let keep = part.len().min(6);
            self.marker_tail = part.get(part.len() - keep..).unwrap_or_default().to_vec();
            self.marker_tail_at = off + part.len() as u64;
        }
        self.marker_ranges = ranges;
    }

    /// Searches the zlib ranges of `data` (at `at`); switches to inflating when a
    /// stream of audit data starts.
    fn search(&mut self, at: u64, data: &[u8]) -> Feed {
        let ranges = std::mem::take(&mut self.zlib_ranges);
        let mut result = None;
        for (off, part) in exe::in_ranges(&ranges, at, data) {
            let range_end = ranges
                .iter()
                .find(|(s, e)| *s <= off && off < *e)
                .map_or(off, |r| r.1);
            // Carry the unsearched end of the previous part when it adjoins this one.
            let (base, joint): (u64, std::borrow::Cow<'_, [u8]>) =
                if !self.carry.is_empty() && self.carry_at + self.carry.len() as u64 == off {
                    let mut j = std::mem::take(&mut self.carry);
                    j.extend_from_slice(part);
                    (self.carry_at, j.into())
                } else {
                    self.carry.clear();
                    (off, part.into())
                };
            let at_end = base + joint.len() as u64 >= range_end;
            let limit = if at_end {
                joint.len()
            } else {
                joint.len().saturating_sub(PROBE)
            };
            if let Some((i, mut d, first)) = probe_all(&joint, limit) {
                let consumed = usize::try_from(d.total_in()).unwrap_or(0);
                self.json.extend_from_slice(&first);
                let rest = joint.get(i + consumed..).unwrap_or_default();
                result = Some(match self.inflate(&mut d, rest) {
                    Some(()) => Stage::Finished,
                    None => Stage::Inflate(d),
                });
                break;
            }
            if !at_end {
                self.carry = joint.get(limit..).unwrap_or_default().to_vec();
                self.carry_at = base + limit as u64;
            }
        }
        self.zlib_ranges = ranges;
        match result {
            Some(stage) => {
                let done = matches!(stage, Stage::Finished);
                self.stage = stage;
                if done {
                    Feed::Done
                } else {
                    Feed::More
                }
            }
            None => {
                self.stage = Stage::Search;
                self.more_or_done()
            }
        }
    }

    fn more_or_done(&self) -> Feed {
        let ahead = |r: &[(u64, u64)]| r.iter().any(|&(_, e)| e > self.pos);
        if ahead(&self.zlib_ranges) || (!self.rust && ahead(&self.marker_ranges)) {
            Feed::More
        } else {
            Feed::Done
        }
    }

    /// Inflates `input` into the JSON; `Some(())` when the stream ended or failed.
    fn inflate(&mut self, d: &mut Decompress, mut input: &[u8]) -> Option<()> {
        let mut out = [0u8; 32 * 1024];
        loop {
            let before_in = d.total_in();
            let before_out = d.total_out();
            let status = d.decompress(input, &mut out, FlushDecompress::None);
            let used = usize::try_from(d.total_in() - before_in).unwrap_or(input.len());
            let made = usize::try_from(d.total_out() - before_out).unwrap_or(0);
            input = input.get(used..).unwrap_or_default();
            self.json
                .extend_from_slice(out.get(..made).unwrap_or_default());
            if self.json.len() > MAX_JSON {
                self.problem = Some(format!(
                    "rust: cargo-auditable data larger than {MAX_JSON} bytes, not read"
                ));
                self.json.clear();
                return Some(());
            }
            match status {
                Ok(Status::StreamEnd) => return Some(()),
                Ok(_) if input.is_empty() && made < out.len() => return None,
                Ok(_) if used == 0 && made == 0 => return None,
                Ok(_) => {}
                Err(e) => {
                    self.problem = Some(format!(
                        "rust: cargo-auditable data (.dep-v0) is corrupt: {e}"
                    ));
                    self.json.clear();
                    return Some(());
                }
            }
        }
    }

    fn step(&mut self, at: u64, data: &[u8]) -> Feed {
        self.look_for_marker(at, data);
        match std::mem::replace(&mut self.stage, Stage::Finished) {
            Stage::Search => self.search(at, data),
            Stage::Inflate(mut d) => match self.inflate(&mut d, data) {
                Some(()) => Feed::Done,
                None => {
                    self.stage = Stage::Inflate(d);
                    Feed::More
                }
            },
            other => {
                self.stage = other;
                Feed::Done
            }
        }
    }
}

/// The first zlib stream in `data` starting before `limit` that inflates to the audit
/// JSON's start: its offset and the decompressor (having read part of it).
fn probe_all(data: &[u8], limit: usize) -> Option<(usize, Box<Decompress>, Vec<u8>)> {
    let mut from = 0;
    while from < limit {
        let i = from + memchr::memchr(0x78, data.get(from..limit)?)?;
        from = i + 1;
        let Some(&flg) = data.get(i + 1) else {
            continue;
        };
        // CMF 0x78 (deflate, 32 KiB window), FLG with a valid check and no dictionary.
        if !(0x7800u16 | u16::from(flg)).is_multiple_of(31) || flg & 0x20 != 0 {
            continue;
        }
        let window = data.get(i..(i + PROBE).min(data.len()))?;
        if let Some((d, first)) = probe(window) {
            return Some((i, d, first));
        }
    }
    None
}

/// Whether `window` starts a zlib stream that inflates to [`JSON_START`]: the
/// decompressor and the bytes it made so far.
fn probe(window: &[u8]) -> Option<(Box<Decompress>, Vec<u8>)> {
    let mut d = Box::new(Decompress::new(true));
    let mut out = [0u8; 16];
    let mut input = window;
    let mut made = 0;
    while made < JSON_START.len() {
        let before_in = d.total_in();
        let before_out = d.total_out();
        let r = d.decompress(input, out.get_mut(made..)?, FlushDecompress::None);
        let used = usize::try_from(d.total_in() - before_in).ok()?;
        let new = usize::try_from(d.total_out() - before_out).ok()?;
        made += new;
        input = input.get(used..)?;
        match r {
            Ok(Status::StreamEnd) => break,
            Ok(_) if used == 0 && new == 0 => return None,
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    let first = out.get(..made)?;
    first.starts_with(JSON_START).then(|| (d, first.to_vec()))
}

impl Visitor for RustVisitor {
    fn feed(&mut self, chunk: &[u8]) -> Feed {
        let at = self.pos;
        self.pos += chunk.len() as u64;
        if !matches!(self.stage, Stage::Head(_)) {
            return self.step(at, chunk);
        }
        let Stage::Head(mut buf) = std::mem::replace(&mut self.stage, Stage::Search) else {
            return Feed::Done;
        };
        let room = exe::MAX_ELF_HEAD.saturating_sub(buf.len());
        let taken = room.min(chunk.len());
        buf.extend_from_slice(chunk.get(..taken).unwrap_or_default());
        match self.elf_head(&buf) {
            None => {
                self.stage = Stage::Finished;
                return Feed::Done;
            }
            Some(false) => {
                self.stage = Stage::Head(buf);
                return Feed::More;
            }
            Some(true) => {}
        }
        if self.step(0, &buf) == Feed::Done {
            return Feed::Done;
        }
        match chunk.get(taken..) {
            Some(rest) if !rest.is_empty() => self.step(buf.len() as u64, rest),
            _ => Feed::More,
        }
    }

    fn finish(self: Box<Self>) -> Visited {
        let mut problem = self.problem;
        if let Stage::Inflate(_) = self.stage {
            problem = Some(format!(
                "rust: cargo-auditable data (.dep-v0) cut short after {} bytes of JSON",
                self.json.len()
            ));
        }
        let audit = if problem.is_none() && !self.json.is_empty() {
            Some(String::from_utf8_lossy(&self.json).into_owned())
        } else {
            None
        };
        if audit.is_none() && problem.is_none() && self.rust && self.program {
            problem = Some(
                "rust: Rust binary without cargo-auditable data (.dep-v0): its crates are not \
                 known (build it with `cargo auditable` to have them listed)"
                    .into(),
            );
        }
        if audit.is_none() && problem.is_none() {
            return Visited::default();
        }
        let s = Summary { audit, problem };
        Visited {
            summary: serde_json::to_vec(&s).ok(),
            warnings: Vec::new(),
        }
    }
}

/// cargo-auditable's JSON.
#[derive(Deserialize)]
struct Audit {
    packages: Vec<Crate>,
}

#[derive(Deserialize)]
struct Crate {
    name: String,
    version: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    dependencies: Vec<usize>,
    #[serde(default)]
    root: bool,
}

fn packages(bin: &str, json: &str, ids_only: bool) -> Result<Vec<Package>, String> {
    let audit: Audit = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let key = |c: &Crate| format!("{}@{}", c.name, c.version);
    let mut out = Vec::with_capacity(audit.packages.len());
    for (i, c) in audit.packages.iter().enumerate() {
        if c.name.is_empty() || c.version.is_empty() {
            return Err(format!("package {i} has no name or version"));
        }
        let mut p = Package::new(Ecosystem::Cargo, &c.name, &c.version);
        p.id = format!("rust:{bin}#{i}");
        p.metadata_path = Some(bin.to_string());
        if c.root {
            p.properties.insert(ROOT_PROPERTY.into(), "true".into());
        }
        if !ids_only {
            if let Some(s) = &c.source {
                p.properties.insert(SOURCE_PROPERTY.into(), s.clone());
            }
            if let Some(k) = c.kind.as_deref().filter(|k| *k != "runtime") {
                p.properties.insert(KIND_PROPERTY.into(), k.to_string());
            }
        }
        for &d in &c.dependencies {
            let dep = audit.packages.get(d).ok_or_else(|| {
                format!("package {i} depends on package {d}, which is not listed")
            })?;
            p.depends.push(key(dep));
        }
        out.push(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const JSON: &str = r#"{"packages":[{"name":"demo","version":"0.3.1","source":"local","dependencies":[1],"root":true},{"name":"itoa","version":"1.0.19","source":"crates.io"}],"format":1}"#;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn feed_all(mut v: RustVisitor, body: &[u8], chunk: usize) -> Visited {
        for c in body.chunks(chunk) {
            if v.feed(c) == Feed::Done {
                break;
            }
        }
        Box::new(v).finish()
    }

    fn pe_with(payload: &[u8]) -> Vec<u8> {
        let mut b = b"MZ".to_vec();
        b.extend(std::iter::repeat_n(0x78u8, 3000)); // many false zlib starts
        b.extend_from_slice(b"x\x9cnot zlib at all");
        b.extend_from_slice(payload);
        b.extend(std::iter::repeat_n(0u8, 5000));
        b
    }

    #[test]
    fn the_audit_stream_is_found_across_chunk_boundaries() {
        let body = pe_with(&zlib(JSON.as_bytes()));
        for chunk in [7, 100, 1000, 1 << 20] {
            let v = RustVisitor::new(ExeKind::Pe, body.len() as u64);
            let got = feed_all(v, &body, chunk);
            let s: Summary = serde_json::from_slice(&got.summary.unwrap()).unwrap();
            assert_eq!(s.audit.as_deref(), Some(JSON), "chunk {chunk}");
        }
        let pkgs = packages("bin/demo", JSON, false).unwrap();
        assert_eq!(pkgs[0].properties[ROOT_PROPERTY], "true");
        assert_eq!(pkgs[0].depends, ["itoa@1.0.19"]);
        assert_eq!(pkgs[1].properties[SOURCE_PROPERTY], "crates.io");
    }

    #[test]
    fn an_elf_tail_stream_is_read_whatever_the_chunking() {
        // ELF64 executable: one R+X segment over the first 0x1000 bytes, then the tail.
        let mut b = vec![0u8; 64];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[16] = 2;
        b[18] = 62;
        b[32] = 64;
        b[54] = 56;
        b[56] = 1;
        let mut p = vec![0u8; 56];
        p[0] = 1;
        p[4] = 5;
        p[32..40].copy_from_slice(&0x1000u64.to_le_bytes());
        b.extend(p);
        b.resize(0x1000, 0x78);
        b.extend_from_slice(b"\0GCC: 12\0x\x9c");
        b.extend(zlib(JSON.as_bytes()));
        b.extend_from_slice(b"\0.shstrtab\0.dep-v0\0");
        for chunk in [1, 5, 300, 1 << 20] {
            let got = feed_all(RustVisitor::new(ExeKind::Elf, b.len() as u64), &b, chunk);
            let s: Summary = serde_json::from_slice(&got.summary.unwrap()).unwrap();
            assert_eq!(s.audit.as_deref(), Some(JSON), "chunk {chunk}");
        }
    }

    #[test]
    fn a_garbage_stream_after_a_good_start_is_a_problem_not_a_panic() {
        let mut z = zlib(JSON.as_bytes());
        let n = z.len();
        for b in z.get_mut(n / 2..).unwrap() {
            *b ^= 0x5a;
        }
        let body = pe_with(&z);
        let got = feed_all(RustVisitor::new(ExeKind::Pe, body.len() as u64), &body, 64);
        let s: Summary = serde_json::from_slice(&got.summary.unwrap()).unwrap();
        assert!(s.audit.is_none());
        assert!(s.problem.unwrap().contains("rust: cargo-auditable"));
        assert!(packages(
            "b",
            r#"{"packages":[{"name":"a","version":"1","dependencies":[7]}]}"#,
            false
        )
        .is_err());
    }

    #[test]
    fn a_rust_binary_without_audit_data_is_recognised() {
        let mut body = b"MZ".to_vec();
        body.extend_from_slice(b"/rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/core");
        let got = feed_all(RustVisitor::new(ExeKind::Pe, body.len() as u64), &body, 10);
        let s: Summary = serde_json::from_slice(&got.summary.unwrap()).unwrap();
        assert!(s.problem.unwrap().contains("without cargo-auditable data"));
        let c = b"MZ plain C".to_vec();
        assert_eq!(
            feed_all(RustVisitor::new(ExeKind::Pe, c.len() as u64), &c, 3),
            Visited::default()
        );
    }
}
