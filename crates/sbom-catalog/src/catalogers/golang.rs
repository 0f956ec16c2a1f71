//! Go binaries anywhere in the image, from the build info the Go toolchain embeds.
//!
//! What Go ≥ 1.13 embeds: a 32-byte header starting with the magic `\xff Go buildinf:`
//! (16-byte aligned, in the writable data of the binary), then, since Go 1.18, the
//! toolchain version and the module info inline as two varint-prefixed strings. The
//! module info is `go version -m`'s text: `path` (main package), `mod` (main module,
//! `(devel)` when built from a checkout), `dep` lines with `=>` replacements, `build`
//! settings (`-trimpath`, `CGO_ENABLED`, `-ldflags`, `GOOS`, `GOARCH`, `vcs.*`).
//!
//! How it is read while the layer streams by (`go version -m` seeks; we cannot):
//! - ELF: the program headers (at the front) say which file ranges are writable; only
//!   those are searched for the magic (`memchr::memmem`), which also skips the same
//!   magic that `debug/buildinfo` users carry in their read-only data. The Go linker
//!   puts the build info at the start of the data segment; external linkers (cgo)
//!   place it after `.data`: both are in a writable segment.
//! - PE and Mach-O (rare in images): the whole body is searched for a 16-aligned magic.
//! - Go 1.13 to 1.17 wrote two pointers instead of inline strings; the strings they
//!   point to lie in read-only data, which streamed past before the build info is
//!   reached. For an ELF file with the Go build ID note, [`super::go_pointers`] keeps
//!   small copies of the candidate strings as the read-only data passes and resolves
//!   the pointers against them; what does not resolve is a warning, never a guess.
//! - UPX-packed executables (`UPX!` in their first bytes) cannot be read: a warning says
//!   so, naming the file.
//!
//! Packages: the main module (name = module path, version as recorded, `(devel)` kept),
//! every `dep` (a `=>` replacement with a version replaces it, the original kept in
//! `sbom:go:replaces`; a replacement by a local folder keeps the path with version
//! `(devel)`), and the toolchain as `golang.org/toolchain` (see [`TOOLCHAIN`]). All carry the binary's
//! path as `metadata_path`, so an OS package listing the binary owns them; the main
//! module depends on every dep and on the toolchain.
use std::collections::BTreeMap;

use memchr::memmem;
use sbom_model::{Ecosystem, Package};
use serde::{Deserialize, Serialize};

use super::exe::{self, ElfHead, ExeKind};
use super::go_pointers::{OldStrings, Pointers};
use super::warning;
use crate::{CatalogOutput, Cataloger, Context, EntryInfo, Feed, FileView, Visited, Visitor};

/// The toolchain's component: the Go distribution compiled into the binary (standard
/// library and runtime). Named by the module path Go itself uses for toolchains
/// (`GOTOOLCHAIN` downloads `golang.org/toolchain`), not `stdlib` as syft and trivy do:
/// a golang purl needs a namespace (`pkg:golang/stdlib` fails packageurl-python, so
/// their SBOMs fail the validators), and our readers take the name from the purl. The
/// Go vulnerability database files this component's advisories under `stdlib`
/// (standard library) and `toolchain` (the go command); the OSV mapping matches both.
/// Version: the release as semver (`go1.22.1` → `v1.22.1`, see [`toolchain_semver`]).
pub const TOOLCHAIN: &str = "golang.org/toolchain";
/// The toolchain version exactly as the binary records it (`go1.22.1`, `go1.21rc2`,
/// `go1.22.0 X:boringcrypto`).
pub const TOOLCHAIN_PROPERTY: &str = "sbom:go:toolchain";
/// The main package's import path (`path` line).
pub const PATH_PROPERTY: &str = "sbom:go:path";
/// Prefix of build settings: `sbom:go:build:CGO_ENABLED` = `0`.
pub const BUILD_PROPERTY_PREFIX: &str = "sbom:go:build:";
/// `go.sum` hash of a module (`h1:...`).
pub const SUM_PROPERTY: &str = "sbom:go:sum";
/// On a replacement: the module it replaces (`path@version`).
pub const REPLACES_PROPERTY: &str = "sbom:go:replaces";
/// On a module replaced by a local folder: that folder.
pub const REPLACED_BY_PROPERTY: &str = "sbom:go:replaced_by";
/// A version the builder stamped with `-ldflags -X …version=V` when the main module is
/// `(devel)`: a marked guess, never the package version.
pub const VERSION_GUESS_PROPERTY: &str = "sbom:go:version_guess";
/// Where [`VERSION_GUESS_PROPERTY`] came from (`-ldflags -X main.version`).
pub const VERSION_GUESS_SOURCE_PROPERTY: &str = "sbom:go:version_guess_source";
/// `main`, `dependency` or `toolchain`.
pub const ROLE_PROPERTY: &str = "sbom:go:role";

/// How warnings name the build info of Go 1.13 to 1.17.
const POINTER_FORMAT: &str = "Go build info in the pointer format of Go 1.13 to 1.17";
/// The magic that starts Go's build-info header.
const MAGIC: &[u8] = b"\xff Go buildinf:";
/// The header's size; the inline strings follow it.
const HEADER: usize = 32;
/// Largest build info kept (Kubernetes-size binaries record ~30 KB).
pub(crate) const MAX_INFO: usize = 1 << 20;

pub struct GoCataloger;

/// What the visitor keeps of one binary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Summary {
    /// Toolchain version (`go1.22.1`); `None` when it could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    go: Option<String>,
    /// The module info text, framing removed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    info: String,
    /// GOARCH from the ELF header, for binaries whose info has no build settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    elf_arch: Option<String>,
    /// Set when the build info could not be read: why (reported by `catalog`, so a
    /// file a later layer deletes gives no warning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

impl Cataloger for GoCataloger {
    fn name(&self) -> &'static str {
        "golang"
    }
    fn version(&self) -> u32 {
        2
    }
    fn wants(&self, _path: &str) -> bool {
        false
    }
    fn sniffs(&self) -> bool {
        true
    }
    fn sniff(&self, e: &EntryInfo<'_>) -> Option<Box<dyn Visitor>> {
        let kind = exe::exe_kind(e.head)?;
        Some(Box::new(GoVisitor::new(kind, e.size, e.head, e.path)))
    }
    fn catalog(&self, view: &FileView, ctx: &Context) -> CatalogOutput {
        let mut out = CatalogOutput::default();
        for f in view.summaries(self.name()) {
            let s: Summary = match serde_json::from_slice(&f.data) {
                Ok(s) => s,
                Err(e) => {
                    out.warnings
                        .push(warning(f, format!("golang: unreadable summary: {e}")));
                    continue;
                }
            };
            if let Some(p) = &s.problem {
                out.warnings.push(warning(f, p.clone()));
            }
            if let Some(go) = &s.go {
                let (pkgs, problems) = packages(&f.path, go, &s, ctx.identities_only);
                out.packages.extend(pkgs);
                out.warnings
                    .extend(problems.into_iter().map(|m| warning(f, m)));
            }
        }
        out
    }
}

/// Where the visitor is in the body.
enum Stage {
    /// Buffering the ELF header and program headers.
    Head(Vec<u8>),
    /// Searching these file ranges for the magic.
    Search,
    /// Copying the build info that starts at `start`.
    Collect {
        start: u64,
        buf: Vec<u8>,
    },
    /// Pointer format: waiting for the string headers its pointers name.
    Pointers,
    Finished,
}

struct GoVisitor {
    size: u64,
    /// Bytes fed so far (absolute offset of the next chunk).
    pos: u64,
    stage: Stage,
    /// File ranges searched for the magic (sorted, merged).
    ranges: Vec<(u64, u64)>,
    /// The last bytes searched (for a magic split across chunks) and their offset.
    carry: Vec<u8>,
    carry_at: u64,
    summary: Summary,
    finder: memmem::Finder<'static>,
    /// Nothing more to search (not an executable that can hold build info).
    silent: bool,
    /// A separate debug-info file (`usr/lib/debug/...`, `*.debug`).
    debug_file: bool,
    /// ELF files: the strings a pointer-format build info may point to.
    old: Option<OldStrings>,
    /// The build info is in the pointer format and its string headers are awaited.
    await_headers: bool,
}

impl GoVisitor {
    fn new(kind: ExeKind, size: u64, head: &[u8], path: &str) -> Self {
        let mut v = GoVisitor {
            size,
            pos: 0,
            stage: Stage::Search,
            ranges: Vec::new(),
            carry: Vec::new(),
            carry_at: 0,
            summary: Summary::default(),
            finder: memmem::Finder::new(MAGIC),
            silent: false,
            debug_file: path.contains("/debug/") || path.ends_with(".debug"),
            old: None,
            await_headers: false,
        };
        if exe::upx_packed(head) {
            let version = exe::upx_version(head)
                .map(|v| format!(" {v}"))
                .unwrap_or_default();
            v.summary.problem = Some(format!(
                "golang: executable compressed with UPX{version}: its Go build info (or any other \
                 package data) cannot be read without unpacking it (upx -d)"
            ));
            v.stage = Stage::Finished;
            return v;
        }
        match kind {
            ExeKind::Elf => v.stage = Stage::Head(Vec::new()),
            ExeKind::Pe | ExeKind::MachO => v.ranges = vec![(0, size)],
        }
        v
    }

    /// Reads the ELF head once enough of it is buffered; decides the ranges searched.
    fn elf_head(&mut self, buf: &[u8]) -> bool {
        match exe::parse_elf(buf, self.size) {
            Ok(layout) => {
                // Only executables and shared objects (PIE, c-shared) carry build info.
                if !matches!(layout.file_type, 2 | 3) {
                    self.silent = true;
                    return true;
                }
                self.summary.elf_arch = layout.goarch().map(str::to_string);
                self.old = Some(OldStrings::new(&layout));
                self.ranges = exe::merge_ranges(
                    layout
                        .loads
                        .iter()
                        .filter(|s| s.writable)
                        .map(|s| (s.offset, s.end()))
                        .collect(),
                );
                if self.ranges.is_empty() {
                    self.silent = true;
                }
                true
            }
            Err(ElfHead::NeedMore(n)) if n > buf.len() => false,
            Err(ElfHead::NeedMore(_)) => {
                self.silent = true;
                true
            }
            Err(ElfHead::Invalid(why)) => {
                // Separate debug files keep the program headers of the stripped
                // binary while their bodies are gone: not worth a warning.
                if !self.debug_file {
                    self.summary.problem = Some(format!(
                        "golang: malformed ELF file ({why}): not searched for Go build info"
                    ));
                }
                self.silent = true;
                true
            }
        }
    }

    /// Searches `chunk` (at absolute offset `at`) for the magic; returns the offset of
    /// the first aligned, plausible header.
    fn search(&mut self, at: u64, chunk: &[u8]) -> Option<u64> {
        let mut found = None;
        for (off, part) in exe::in_ranges(&self.ranges, at, chunk) {
            // A magic split across two chunks: the carried tail plus this part's front.
            if !self.carry.is_empty() && self.carry_at + self.carry.len() as u64 == off {
                let mut joint = self.carry.clone();
                joint.extend_from_slice(part.get(..MAGIC.len()).unwrap_or(part));
                if let Some(i) = self.find_aligned(self.carry_at, &joint) {
                    found = Some(i);
                    break;
                }
            }
            if let Some(i) = self.find_aligned(off, part) {
                found = Some(i);
                break;
            }
            // Keep the last bytes searched (carry and part together when they adjoin).
            let end = off + part.len() as u64;
            if self.carry.is_empty() || self.carry_at + self.carry.len() as u64 != off {
                self.carry.clear();
                self.carry_at = off;
            }
            self.carry.extend_from_slice(part);
            let drop = self.carry.len().saturating_sub(MAGIC.len() - 1);
            self.carry.drain(..drop);
            self.carry_at = end - self.carry.len() as u64;
        }
        found
    }

    fn find_aligned(&self, base: u64, data: &[u8]) -> Option<u64> {
        self.finder
            .find_iter(data)
            .map(|i| base + i as u64)
            .find(|o| o.is_multiple_of(16))
    }

    /// Feeds bytes of the build info; true when it is complete (or given up).
    fn collect(&mut self, start: u64, buf: &mut Vec<u8>, from: u64, chunk: &[u8]) -> bool {
        // `from` is the chunk's absolute offset; copy what lies at or after `start`.
        let skip = usize::try_from(start.saturating_sub(from)).unwrap_or(usize::MAX);
        if let Some(part) = chunk.get(skip..) {
            let room = MAX_INFO.saturating_sub(buf.len());
            buf.extend_from_slice(part.get(..room.min(part.len())).unwrap_or_default());
        }
        match decode(buf) {
            Decoded::Inline { go, info } => {
                self.summary.go = Some(go);
                self.summary.info = info;
                true
            }
            Decoded::Pointers(p) => {
                let why = match self.old.as_mut().filter(|o| o.watching()) {
                    Some(o) => o.want_headers(p, from, chunk).err(),
                    None => Some(
                        "the file has no Go build ID note, so the strings it points to (in \
                         read-only data, passed before the build info) were not kept"
                            .to_string(),
                    ),
                };
                match why {
                    Some(why) => self.pointer_problem(&why),
                    None => self.await_headers = true,
                }
                true
            }
            Decoded::NotYet if buf.len() >= MAX_INFO => {
                self.summary.problem = Some(format!(
                    "golang: Go build info larger than {MAX_INFO} bytes or malformed, not read"
                ));
                true
            }
            Decoded::NotYet => false,
            Decoded::Invalid(why) => {
                self.summary.problem = Some(format!("golang: malformed Go build info: {why}"));
                true
            }
        }
    }
}

impl Visitor for GoVisitor {
    fn feed(&mut self, chunk: &[u8]) -> Feed {
        let at = self.pos;
        self.pos += chunk.len() as u64;
        if !matches!(self.stage, Stage::Head(_)) {
            return self.step(at, chunk);
        }
        let Stage::Head(mut buf) = std::mem::replace(&mut self.stage, Stage::Search) else {
            return Feed::Done;
        };
        // Everything fed so far is in `buf` (until it is full).
        let room = exe::MAX_ELF_HEAD.saturating_sub(buf.len());
        let taken = room.min(chunk.len());
        buf.extend_from_slice(chunk.get(..taken).unwrap_or_default());
        if !self.elf_head(&buf) {
            self.stage = Stage::Head(buf);
            return Feed::More;
        }
        if self.silent {
            self.stage = Stage::Finished;
            return Feed::Done;
        }
        // The buffered head is searched like any chunk, then what the chunk had beyond.
        if self.step(0, &buf) == Feed::Done {
            return Feed::Done;
        }
        match chunk.get(taken..) {
            Some(rest) if !rest.is_empty() => self.step(buf.len() as u64, rest),
            _ => Feed::More,
        }
    }

    fn finish(self: Box<Self>) -> Visited {
        let mut s = self.summary;
        match &self.stage {
            Stage::Collect { buf, .. } => {
                s.problem = Some(format!(
                    "golang: Go build info cut short after {} bytes (truncated file?)",
                    buf.len()
                ));
            }
            Stage::Pointers => {
                s.problem = Some(format!(
                    "golang: {POINTER_FORMAT} not resolved: the file ends before its string \
                     headers (truncated file?)"
                ));
            }
            _ => {}
        }
        if s.go.is_none() && s.problem.is_none() {
            return Visited::default();
        }
        Visited {
            summary: serde_json::to_vec(&s).ok(),
            warnings: Vec::new(),
        }
    }
}

impl GoVisitor {
    /// Searches or collects the bytes `data` at absolute offset `at`.
    fn step(&mut self, at: u64, data: &[u8]) -> Feed {
        if let Some(o) = &mut self.old {
            o.feed(at, data);
        }
        match std::mem::replace(&mut self.stage, Stage::Finished) {
            Stage::Search => match self.search(at, data) {
                Some(start) => {
                    // A magic found across the chunk boundary starts in the carry.
                    let mut buf = Vec::new();
                    if start < at {
                        let from = usize::try_from(start - self.carry_at).unwrap_or(0);
                        buf.extend_from_slice(self.carry.get(from..).unwrap_or_default());
                    }
                    self.collect_into(start.max(at), buf, at, data)
                }
                None => self.more_or_done(at + data.len() as u64),
            },
            Stage::Collect { start, buf } => self.collect_into(start, buf, at, data),
            Stage::Pointers => self.pointers_progress(),
            other => {
                self.stage = other;
                Feed::Done
            }
        }
    }

    fn collect_into(&mut self, start: u64, mut buf: Vec<u8>, at: u64, data: &[u8]) -> Feed {
        if self.collect(start, &mut buf, at, data) {
            if self.await_headers {
                return self.pointers_progress();
            }
            self.stage = Stage::Finished;
            return Feed::Done;
        }
        self.stage = Stage::Collect {
            start: at + data.len() as u64,
            buf,
        };
        Feed::More
    }

    /// Pointer format: resolves the strings once both string headers are read.
    fn pointers_progress(&mut self) -> Feed {
        let resolved = match &self.old {
            Some(o) if !o.headers_done() => {
                self.stage = Stage::Pointers;
                return Feed::More;
            }
            Some(o) => o.resolve(),
            None => Err("not an ELF file".into()),
        };
        match resolved {
            Ok((go, info)) => {
                self.summary.go = Some(go);
                self.summary.info = info;
            }
            Err(why) => self.pointer_problem(&why),
        }
        self.await_headers = false;
        self.old = None;
        self.stage = Stage::Finished;
        Feed::Done
    }

    fn pointer_problem(&mut self, why: &str) {
        self.summary.problem = Some(format!(
            "golang: {POINTER_FORMAT} not resolved: {why}; the toolchain and modules of this \
             Go binary are not reported"
        ));
    }

    /// More to read while a searched range lies ahead of `end` (where the bytes just
    /// searched end: the buffered head is searched before the rest of its chunk).
    fn more_or_done(&mut self, end: u64) -> Feed {
        if self.ranges.iter().any(|&(_, e)| e > end) {
            self.stage = Stage::Search;
            Feed::More
        } else {
            Feed::Done
        }
    }
}

/// What a build-info blob says so far.
#[derive(Debug, PartialEq, Eq)]
enum Decoded {
    Inline {
        go: String,
        info: String,
    },
    /// Go 1.13 to 1.17: the header's two pointers.
    Pointers(Pointers),
    NotYet,
    Invalid(String),
}

fn uvarint(data: &[u8]) -> Option<Result<(u64, usize), String>> {
    let mut v: u64 = 0;
    for (i, &b) in data.iter().enumerate() {
        if i >= 10 {
            return Some(Err("length varint too long".into()));
        }
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some(Ok((v, i + 1)));
        }
    }
    None
}

/// One varint-prefixed string at the front of `data`: `(string, bytes used)`.
fn inline_string(data: &[u8]) -> Result<Option<(&[u8], usize)>, String> {
    let Some(r) = uvarint(data) else {
        return Ok(None);
    };
    let (len, n) = r?;
    let len = usize::try_from(len).map_err(|_| "string length out of range".to_string())?;
    if len > MAX_INFO {
        return Err(format!("string of {len} bytes"));
    }
    Ok(data.get(n..n + len).map(|s| (s, n + len)))
}

/// Decodes a build-info blob that starts with the magic.
fn decode(buf: &[u8]) -> Decoded {
    if buf.len() < HEADER {
        return Decoded::NotYet;
    }
    let ptr_size = buf.get(14).copied().unwrap_or(0);
    let flags = buf.get(15).copied().unwrap_or(0);
    if flags & 2 == 0 {
        return match Pointers::parse(buf) {
            Some(p) => Decoded::Pointers(p),
            None => Decoded::Invalid(format!("pointer size {ptr_size}, flags {flags:#x}")),
        };
    }
    let rest = buf.get(HEADER..).unwrap_or_default();
    let (vers, used) = match inline_string(rest) {
        Ok(Some(x)) => x,
        Ok(None) => return Decoded::NotYet,
        Err(e) => return Decoded::Invalid(e),
    };
    let (module, _) = match inline_string(rest.get(used..).unwrap_or_default()) {
        Ok(Some(x)) => x,
        Ok(None) => return Decoded::NotYet,
        Err(e) => return Decoded::Invalid(e),
    };
    let go = String::from_utf8_lossy(vers).into_owned();
    if go.is_empty() {
        return Decoded::Invalid("empty Go version".into());
    }
    // The module info is framed by two 16-byte sentinels (cmd/go's infoStart/infoEnd),
    // as `debug/buildinfo` strips them.
    let info = if module.len() >= 33 && module.get(module.len() - 17) == Some(&b'\n') {
        module.get(16..module.len() - 16).unwrap_or_default()
    } else {
        &[][..]
    };
    Decoded::Inline {
        go,
        info: String::from_utf8_lossy(info).into_owned(),
    }
}

/// A module line of the build info: path, version, sum.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Module {
    path: String,
    version: String,
    sum: Option<String>,
    replace: Option<Box<Module>>,
}

/// The module info, parsed as `runtime/debug.ParseBuildInfo` reads it.
#[derive(Debug, Default, PartialEq, Eq)]
struct Info {
    path: Option<String>,
    main: Option<Module>,
    deps: Vec<Module>,
    settings: Vec<(String, String)>,
}

fn module(fields: &[&str]) -> Option<Module> {
    let path = fields.first().filter(|p| !p.is_empty())?;
    Some(Module {
        path: (*path).to_string(),
        version: fields.get(1).map(|v| (*v).to_string()).unwrap_or_default(),
        sum: fields
            .get(2)
            .filter(|s| !s.is_empty())
            .map(|s| (*s).to_string()),
        replace: None,
    })
}

/// Build settings may be quoted (Go ≥ 1.18 quotes values with spaces or `=`).
fn unquote(v: &str) -> String {
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        if let Ok(s) = serde_json::from_str::<String>(v) {
            return s;
        }
    }
    v.to_string()
}

fn parse_info(text: &str) -> (Info, Vec<String>) {
    let mut info = Info::default();
    let mut problems = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut parts = line.splitn(2, '\t');
        let key = parts.next().unwrap_or_default();
        let rest = parts.next().unwrap_or_default();
        let fields: Vec<&str> = rest.split('\t').collect();
        match key {
            "path" => info.path = Some(rest.to_string()),
            "mod" => info.main = module(&fields),
            "dep" => match module(&fields) {
                Some(m) => info.deps.push(m),
                None => problems.push(format!("golang: build info line without a module: {line}")),
            },
            "=>" => {
                let target = info.deps.last_mut().or(info.main.as_mut());
                match (target, module(&fields)) {
                    (Some(t), Some(r)) => t.replace = Some(Box::new(r)),
                    _ => problems.push(format!("golang: replacement without a module: {line}")),
                }
            }
            "build" => {
                let (k, v) = match rest.split_once('=') {
                    Some((k, v)) => (k, v),
                    None => (rest, ""),
                };
                info.settings.push((unquote(k), unquote(v)));
            }
            _ => problems.push(format!("golang: unknown build info line: {line}")),
        }
    }
    (info, problems)
}

/// `go1.22.1` → `v1.22.1`; `go1.20` → `v1.20.0`; `go1.21rc2` → `v1.21.0-rc.2`, as
/// golang.org/x/vuln turns toolchain versions into the semver the Go vulnerability
/// database uses. `None` for a development toolchain (`devel +abc…`).
pub fn toolchain_semver(go: &str) -> Option<String> {
    let v = go.split_whitespace().next()?.strip_prefix("go")?;
    let (num, pre) = match v.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&v[..i], Some(&v[i..])),
        None => (v, None),
    };
    let mut parts: Vec<&str> = num.split('.').collect();
    if parts.is_empty()
        || parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    while parts.len() < 3 {
        parts.push("0");
    }
    let mut out = format!("v{}", parts.join("."));
    if let Some(pre) = pre {
        let kind: String = pre.chars().take_while(char::is_ascii_alphabetic).collect();
        let n = &pre[kind.len()..];
        if !matches!(kind.as_str(), "rc" | "beta" | "alpha") || n.is_empty() {
            return None;
        }
        out.push_str(&format!("-{kind}.{n}"));
    }
    Some(out)
}

/// A version stamped with `-X importpath.name=V` where `name` ends in `version` (any
/// case): `(flag, V)`. Only looked at when the main module is `(devel)`.
fn ldflags_version(ldflags: &str) -> Option<(String, String)> {
    let words: Vec<&str> = ldflags.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        let assignment = if *w == "-X" || *w == "--X" {
            words.get(i + 1).copied()
        } else {
            w.strip_prefix("-X=")
        };
        let Some(a) = assignment else { continue };
        let a = a.trim_matches(|c| c == '\'' || c == '"');
        let Some((var, value)) = a.split_once('=') else {
            continue;
        };
        let name = var.rsplit('.').next().unwrap_or(var).to_ascii_lowercase();
        let value = value.trim_matches(|c| c == '\'' || c == '"');
        if (name == "version" || name == "gitversion" || name.ends_with("version"))
            && !value.is_empty()
            && value
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_digit() || b == b'v')
        {
            return Some((var.to_string(), value.to_string()));
        }
    }
    None
}

fn go_package(bin: &str, n: usize, name: &str, version: &str, role: &str) -> Package {
    let mut p = Package::new(Ecosystem::Golang, name, version);
    p.id = format!("golang:{bin}#{n}");
    p.metadata_path = Some(bin.to_string());
    p.properties.insert(ROLE_PROPERTY.into(), role.into());
    p
}

/// The packages of one binary: main module, deps, stdlib.
fn packages(bin: &str, go: &str, s: &Summary, ids_only: bool) -> (Vec<Package>, Vec<String>) {
    let (info, problems) = parse_info(&s.info);
    let mut out = Vec::new();
    let std_version = toolchain_semver(go).unwrap_or_else(|| go.to_string());
    let mut toolchain = go_package(bin, 0, TOOLCHAIN, &std_version, "toolchain");
    toolchain
        .properties
        .insert(TOOLCHAIN_PROPERTY.into(), go.to_string());
    let mut main = info.main.as_ref().map(|m| {
        let mut p = go_package(bin, 1, &m.path, &m.version, "main");
        if let Some(sum) = &m.sum {
            p.properties.insert(SUM_PROPERTY.into(), sum.clone());
        }
        p.depends.push(TOOLCHAIN.into());
        p
    });
    for (i, d) in info.deps.iter().enumerate() {
        let mut p = match d.replace.as_deref() {
            Some(r) if !r.version.is_empty() => {
                let mut p = go_package(bin, i + 2, &r.path, &r.version, "dependency");
                p.properties.insert(
                    REPLACES_PROPERTY.into(),
                    format!("{}@{}", d.path, d.version),
                );
                if let Some(sum) = &r.sum {
                    p.properties.insert(SUM_PROPERTY.into(), sum.clone());
                }
                p
            }
            Some(r) => {
                let mut p = go_package(bin, i + 2, &d.path, "(devel)", "dependency");
                p.properties
                    .insert(REPLACED_BY_PROPERTY.into(), r.path.clone());
                p
            }
            None => {
                let mut p = go_package(bin, i + 2, &d.path, &d.version, "dependency");
                if let Some(sum) = &d.sum {
                    p.properties.insert(SUM_PROPERTY.into(), sum.clone());
                }
                p
            }
        };
        if p.version.is_empty() {
            p.version = "(devel)".into();
        }
        if let Some(m) = main.as_mut() {
            m.depends.push(format!("{}@{}", p.name, p.version));
        }
        out.push(p);
    }
    // Build facts go on the binary's own component: the main module, else the toolchain.
    let host = main.as_mut().unwrap_or(&mut toolchain);
    if !ids_only {
        host.properties
            .insert(TOOLCHAIN_PROPERTY.into(), go.to_string());
        if let Some(path) = &info.path {
            host.properties.insert(PATH_PROPERTY.into(), path.clone());
        }
        let mut settings: BTreeMap<String, String> = BTreeMap::new();
        for (k, v) in &info.settings {
            settings.insert(k.clone(), v.clone());
        }
        if !settings.contains_key("GOARCH") {
            if let Some(a) = &s.elf_arch {
                host.properties.insert("sbom:go:elf_arch".into(), a.clone());
            }
        }
        if host.version == "(devel)" {
            if let Some((var, v)) = settings.get("-ldflags").and_then(|l| ldflags_version(l)) {
                host.properties.insert(VERSION_GUESS_PROPERTY.into(), v);
                host.properties.insert(
                    VERSION_GUESS_SOURCE_PROPERTY.into(),
                    format!("-ldflags -X {var}"),
                );
            }
        }
        for (k, v) in settings {
            host.properties
                .insert(format!("{BUILD_PROPERTY_PREFIX}{k}"), v);
        }
    }
    out.push(toolchain);
    out.extend(main);
    (out, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: &[u8] = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6";
    const END: &[u8] = b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2";

    /// An inline (Go ≥ 1.18) build-info blob, as the linker writes it.
    pub(crate) fn blob(go: &str, info: &str) -> Vec<u8> {
        let mut b = MAGIC.to_vec();
        b.push(8);
        b.push(2);
        b.resize(HEADER, 0);
        let mut framed = START.to_vec();
        framed.extend_from_slice(info.as_bytes());
        framed.extend_from_slice(END);
        for s in [go.as_bytes(), &framed] {
            let mut n = s.len() as u64;
            loop {
                let byte = (n & 0x7f) as u8;
                n >>= 7;
                if n == 0 {
                    b.push(byte);
                    break;
                }
                b.push(byte | 0x80);
            }
            b.extend_from_slice(s);
        }
        b
    }

    const INFO: &str = "path\texample.com/app/cmd/app\n\
mod\texample.com/app\t(devel)\t\n\
dep\tgolang.org/x/sys\tv0.20.0\th1:abc=\n\
dep\tgithub.com/old/lib\tv1.0.0\th1:def=\n\
=>\tgithub.com/fork/lib\tv1.0.1\th1:ghi=\n\
dep\texample.com/local\tv0.0.0-00010101000000-000000000000\n\
=>\t../local\t\n\
build\t-ldflags=\"-s -w -X main.version=1.4.2\"\n\
build\tCGO_ENABLED=0\n\
build\tGOARCH=amd64\n\
build\tGOOS=linux\n\
build\tvcs.revision=0123456789abcdef\n";

    #[test]
    fn inline_blob_decodes() {
        let b = blob("go1.22.1", INFO);
        for cut in [10, 31, 33, 40] {
            assert_eq!(decode(&b[..cut]), Decoded::NotYet, "cut {cut}");
        }
        assert_eq!(
            decode(&b),
            Decoded::Inline {
                go: "go1.22.1".into(),
                info: INFO.into()
            }
        );
        let mut old = MAGIC.to_vec();
        old.extend([8, 0]);
        old.resize(32, 0);
        assert!(matches!(decode(&old), Decoded::Pointers(_)));
        let mut garbage = MAGIC.to_vec();
        garbage.extend([8, 2]);
        garbage.resize(32, 0);
        garbage.extend([0xff; 12]);
        assert!(matches!(decode(&garbage), Decoded::Invalid(_)));
    }

    /// An ELF64 file whose second (writable) segment holds `data` at offset 0x2000.
    fn elf_with(data: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; 64];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[16] = 2;
        b[18] = 62;
        b[32] = 64;
        b[54] = 56;
        b[56] = 2;
        for (off, size, flags) in [(0u64, 0x2000u64, 5u32), (0x2000, data.len() as u64, 6)] {
            let mut p = vec![0u8; 56];
            p[0] = 1;
            p[4..8].copy_from_slice(&flags.to_le_bytes());
            p[8..16].copy_from_slice(&off.to_le_bytes());
            p[32..40].copy_from_slice(&size.to_le_bytes());
            b.extend(p);
        }
        b.resize(0x2000, 0x90);
        b.extend_from_slice(data);
        b
    }

    fn visit(body: &[u8], chunk: usize) -> Summary {
        let mut v = GoVisitor::new(ExeKind::Elf, body.len() as u64, &body[..512], "bin/x");
        for c in body.chunks(chunk) {
            if v.feed(c) == Feed::Done {
                break;
            }
        }
        let done = Box::new(v).finish();
        serde_json::from_slice(
            &done
                .summary
                .unwrap_or_else(|| panic!("no summary, chunk {chunk}")),
        )
        .unwrap()
    }

    #[test]
    fn the_magic_and_blob_are_read_whatever_the_chunking() {
        let mut data = vec![0x11u8; 0x30];
        data.extend(blob("go1.22.1", INFO));
        data.extend(vec![0u8; 300]);
        let body = elf_with(&data);
        for chunk in [1, 7, 15, 16, 100, 4096, 1 << 20] {
            let s = visit(&body, chunk);
            assert_eq!(s.go.as_deref(), Some("go1.22.1"), "chunk {chunk}");
            assert_eq!(s.info, INFO, "chunk {chunk}");
            assert_eq!(s.elf_arch.as_deref(), Some("amd64"));
        }
        // Misaligned: not build info (the 16-byte alignment the linker guarantees).
        let mut odd = vec![0x11u8; 0x31];
        odd.extend(blob("go1.22.1", INFO));
        let mut v = GoVisitor::new(ExeKind::Elf, 0, &[], "bin/x");
        let body = elf_with(&odd);
        v.size = body.len() as u64;
        for c in body.chunks(333) {
            if v.feed(c) == Feed::Done {
                break;
            }
        }
        assert_eq!(Box::new(v).finish(), Visited::default());
    }

    #[test]
    fn toolchain_versions_become_semver() {
        assert_eq!(toolchain_semver("go1.22.1").as_deref(), Some("v1.22.1"));
        assert_eq!(toolchain_semver("go1.20").as_deref(), Some("v1.20.0"));
        assert_eq!(
            toolchain_semver("go1.21rc2").as_deref(),
            Some("v1.21.0-rc.2")
        );
        assert_eq!(
            toolchain_semver("go1.22.0 X:boringcrypto").as_deref(),
            Some("v1.22.0")
        );
        assert_eq!(toolchain_semver("devel go1.23-abc123 Tue"), None);
    }

    #[test]
    fn modules_replacements_settings_and_a_marked_guess() {
        let s = Summary {
            go: Some("go1.22.1".into()),
            info: INFO.into(),
            elf_arch: Some("amd64".into()),
            problem: None,
        };
        let (pkgs, problems) = packages("usr/bin/app", "go1.22.1", &s, false);
        assert!(problems.is_empty(), "{problems:?}");
        let got: Vec<(&str, &str)> = pkgs
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("golang.org/x/sys", "v0.20.0"),
                ("github.com/fork/lib", "v1.0.1"),
                ("example.com/local", "(devel)"),
                ("golang.org/toolchain", "v1.22.1"),
                ("example.com/app", "(devel)"),
            ]
        );
        let main = &pkgs[4];
        assert_eq!(main.properties[VERSION_GUESS_PROPERTY], "1.4.2");
        assert_eq!(
            main.properties[VERSION_GUESS_SOURCE_PROPERTY],
            "-ldflags -X main.version"
        );
        assert_eq!(main.properties["sbom:go:build:CGO_ENABLED"], "0");
        assert_eq!(
            main.properties["sbom:go:build:-ldflags"],
            "-s -w -X main.version=1.4.2"
        );
        assert_eq!(main.properties[PATH_PROPERTY], "example.com/app/cmd/app");
        assert_eq!(
            main.depends,
            [
                "golang.org/toolchain",
                "golang.org/x/sys@v0.20.0",
                "github.com/fork/lib@v1.0.1",
                "example.com/local@(devel)"
            ]
        );
        assert_eq!(
            pkgs[1].properties[REPLACES_PROPERTY],
            "github.com/old/lib@v1.0.0"
        );
        assert_eq!(pkgs[2].properties[REPLACED_BY_PROPERTY], "../local");
        assert!(pkgs
            .iter()
            .all(|p| p.metadata_path.as_deref() == Some("usr/bin/app")));
    }

    #[test]
    fn gopath_build_has_only_the_toolchain() {
        let info = "path\tgithub.com/junegunn/fzf\nbuild\t-compiler=gc\nbuild\tGOOS=linux\n";
        let s = Summary {
            go: Some("go1.19.8".into()),
            info: info.into(),
            ..Summary::default()
        };
        let (pkgs, _) = packages("usr/bin/fzf", "go1.19.8", &s, false);
        assert_eq!(pkgs.len(), 1);
        assert_eq!(pkgs[0].name, TOOLCHAIN);
        assert_eq!(pkgs[0].properties[PATH_PROPERTY], "github.com/junegunn/fzf");
        assert_eq!(pkgs[0].properties["sbom:go:build:GOOS"], "linux");
    }

    #[test]
    fn ldflags_guesses() {
        assert_eq!(
            ldflags_version("-s -w -X github.com/a/b/internal.Version=v2.1.0"),
            Some(("github.com/a/b/internal.Version".into(), "v2.1.0".into()))
        );
        assert_eq!(ldflags_version("-X main.commit=abc"), None);
        assert_eq!(ldflags_version("-X main.version="), None);
    }

    /// esbuild 0.13.15 (go1.17.2, pointer format; `esbuild` x86-64, `esbuild-386`
    /// ELF32), reduced to the bytes that matter (scripts/go-pointer-fixture.sh), and
    /// `go version -m` of the original.
    fn esbuild(name: &str) -> (Vec<u8>, String) {
        use std::io::Read;
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/go-pointer");
        let gz = std::fs::read(dir.join(format!("{name}.gz"))).unwrap();
        let mut body = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut body)
            .unwrap();
        let truth = std::fs::read_to_string(dir.join(format!("{name}.go-version-m"))).unwrap();
        (body, truth)
    }

    /// `go version -m`'s toolchain and its `mod`/`dep` lines as (path, version), sorted.
    fn go_version_m(text: &str) -> (String, Vec<(String, String)>) {
        let mut lines = text.lines();
        let go = lines
            .next()
            .unwrap()
            .rsplit(' ')
            .next()
            .unwrap()
            .to_string();
        let mut mods: Vec<(String, String)> = lines
            .filter_map(|l| {
                let f: Vec<&str> = l.trim_start_matches('\t').split('\t').collect();
                matches!(f[0], "mod" | "dep").then(|| (f[1].to_string(), f[2].to_string()))
            })
            .collect();
        mods.sort();
        (go, mods)
    }

    fn problem(body: &[u8], fed: usize) -> String {
        let mut v = GoVisitor::new(ExeKind::Elf, body.len() as u64, &body[..512], "bin/x");
        for c in body[..fed].chunks(4096) {
            if v.feed(c) == Feed::Done {
                break;
            }
        }
        let s: Summary = serde_json::from_slice(&Box::new(v).finish().summary.unwrap()).unwrap();
        assert_eq!(s.go, None);
        s.problem.unwrap()
    }

    #[test]
    fn go_1_17_pointer_format_is_read_from_the_stream_as_go_version_m_reads_it() {
        let cases = [
            ("esbuild", 5),
            ("esbuild", 16),
            ("esbuild", 4093),
            ("esbuild", 65536),
            ("esbuild", 1 << 20),
            ("esbuild", usize::MAX),
            ("esbuild-386", 4093),
            ("esbuild-386", usize::MAX),
        ];
        for (name, chunk) in cases {
            let (body, truth) = esbuild(name);
            let (go, mods) = go_version_m(&truth);
            assert_eq!(go, "go1.17.2");
            assert!(
                mods.iter().any(|(p, _)| p == "golang.org/x/sys"),
                "{mods:?}"
            );
            let s = visit(&body, chunk.min(body.len()));
            assert_eq!(s.problem, None, "{name}, chunk {chunk}");
            assert_eq!(s.go.as_deref(), Some(go.as_str()), "{name}, chunk {chunk}");
            let (pkgs, problems) = packages("usr/bin/esbuild", &go, &s, false);
            assert!(problems.is_empty(), "{problems:?}");
            let mut got: Vec<(String, String)> = pkgs
                .iter()
                .filter(|p| p.name != TOOLCHAIN)
                .map(|p| (p.name.clone(), p.version.clone()))
                .collect();
            got.sort();
            assert_eq!(got, mods, "{name}, chunk {chunk}");
            let main = pkgs.iter().find(|p| p.version == "(devel)").unwrap();
            assert_eq!(
                main.properties[PATH_PROPERTY],
                "github.com/evanw/esbuild/cmd/esbuild"
            );
        }
    }

    #[test]
    fn an_unresolvable_pointer_format_is_a_warning_not_a_guess() {
        let (body, _) = esbuild("esbuild");
        let info = memmem::find(&body, MAGIC).unwrap();
        // No Go build ID note: the read-only strings were not kept.
        let mut no_note = body.clone();
        let note = memmem::find(&body[..0x1000], b"Go\0\0").unwrap();
        no_note[note..note + 4].copy_from_slice(b"Xx\0\0");
        assert!(problem(&no_note, body.len()).contains("no Go build ID note"));
        // Pointers outside the loaded segments (a PIE's, filled at load time).
        let mut pie = body.clone();
        pie[info + 16..info + 32].fill(0);
        assert!(problem(&pie, body.len()).contains("not in the file's loaded segments"));
        // The version string is not where its header points.
        let mut moved = body.clone();
        let v = memmem::find(&body, b"go1.17.2").unwrap();
        moved[v..v + 4].copy_from_slice(b"xx1.");
        assert!(problem(&moved, body.len()).contains("toolchain version"));
        // The file ends between the build info and the string headers.
        let p = problem(&body, info + 64);
        assert!(p.contains("ends before its string headers"), "{p}");
    }
}
