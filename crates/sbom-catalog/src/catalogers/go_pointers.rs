//! Go 1.13 to 1.17 build info (the "pointer format") read from a streamed ELF file.
//!
//! The 32-byte header holds, after the magic, the pointer size (byte 14), a flags byte
//! (bit 0: big-endian) and two pointers: the addresses of the Go string headers
//! (`{data, len}`) of `runtime.buildVersion` and `runtime.modinfo`. The headers lie in
//! `.data`, after the build info (the first section of the data segment); the string
//! bytes lie in `.rodata`, which has streamed past when the build info is reached.
//! `debug/buildinfo` seeks back; a stream cannot. So, for a file whose notes hold the
//! Go build ID note (every executable the Go linker writes), the read-only segments are
//! searched as they pass for the strings such a binary may point to, and small copies
//! are kept by file offset:
//! - toolchain versions: every `go1.` (a few per binary), the next [`VERSION_BYTES`];
//! - module info: every block framed by cmd/go's 16-byte sentinels (`infoStart` ...
//!   `infoEnd`), up to [`super::golang`]'s size cap.
//!
//! When the header is found, the two string headers are captured as they stream by,
//! their data addresses mapped to file offsets through the program headers, and the
//! strings taken from the copies whose offset and length match exactly. Anything that
//! does not resolve (a PIE whose pointers are filled by relocations, a linker that put
//! the headers before the build info) is an error for a warning, never a guess.
use memchr::memmem;

use super::exe::{self, ElfLayout, Segment};

/// cmd/go's `infoStart` sentinel, the first 16 bytes of the module info string.
pub(crate) const INFO_START: &[u8] = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6";
/// cmd/go's `infoEnd` sentinel, its last 16 bytes.
pub(crate) const INFO_END: &[u8] = b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2";
/// The toolchain version strings searched for (`go1.17.2`).
const VERSION_NEEDLE: &[u8] = b"go1.";
/// Bytes kept after each `go1.`: enough for `go1.17.13 X:boringcrypto`.
const VERSION_BYTES: usize = 48;
/// Copies kept at most (a Go binary has a few `go1.` strings, one module info).
const MAX_VERSIONS: usize = 256;
const MAX_INFOS: usize = 8;

/// Bytes taken from the stream from file offset `start` on.
#[derive(Debug)]
struct Capture {
    start: u64,
    buf: Vec<u8>,
    limit: usize,
    /// Module info: complete once [`INFO_END`] is seen.
    until_end: bool,
    done: bool,
    /// The stream passed `start` before the capture was asked for.
    missed: bool,
}

impl Capture {
    fn new(start: u64, limit: usize, until_end: bool) -> Self {
        Capture {
            start,
            buf: Vec::new(),
            limit,
            until_end,
            done: false,
            missed: false,
        }
    }

    /// Takes what it needs of `chunk` (at file offset `at`).
    fn take(&mut self, at: u64, chunk: &[u8]) {
        if self.done {
            return;
        }
        let next = self.start + self.buf.len() as u64;
        if next < at {
            self.missed = true;
            self.done = true;
            return;
        }
        let Ok(skip) = usize::try_from(next - at) else {
            return;
        };
        let Some(rest) = chunk.get(skip..).filter(|r| !r.is_empty()) else {
            return;
        };
        let room = self.limit.saturating_sub(self.buf.len());
        let part = rest.get(..room.min(rest.len())).unwrap_or_default();
        // Where the end sentinel may start: after the start sentinel, and no earlier
        // than its length before the new bytes.
        let from = self
            .buf
            .len()
            .saturating_sub(INFO_END.len() - 1)
            .max(INFO_START.len());
        self.buf.extend_from_slice(part);
        if self.until_end {
            if let Some(i) = self.buf.get(from..).and_then(|t| memmem::find(t, INFO_END)) {
                self.buf.truncate(from + i + INFO_END.len());
                self.done = true;
                return;
            }
        }
        if self.buf.len() >= self.limit {
            self.done = true;
        }
    }
}

/// The pointer-format header: pointer size, byte order and the two addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pointers {
    pub ptr_size: u8,
    pub big_endian: bool,
    pub version_addr: u64,
    pub info_addr: u64,
}

impl Pointers {
    /// Reads the header (the 32 bytes from the magic on); `None` when its pointer size
    /// or flags are not the pointer format's.
    pub(crate) fn parse(header: &[u8]) -> Option<Self> {
        let ptr_size = *header.get(14)?;
        let flags = *header.get(15)?;
        if !matches!(ptr_size, 4 | 8) || flags > 1 {
            return None;
        }
        let big_endian = flags & 1 == 1;
        let n = usize::from(ptr_size);
        Some(Pointers {
            ptr_size,
            big_endian,
            version_addr: read_ptr(header.get(16..16 + n)?, big_endian),
            info_addr: read_ptr(header.get(16 + n..16 + 2 * n)?, big_endian),
        })
    }
}

fn read_ptr(b: &[u8], big_endian: bool) -> u64 {
    let fold = |v: u64, x: &u8| (v << 8) | u64::from(*x);
    if big_endian {
        b.iter().fold(0, fold)
    } else {
        b.iter().rev().fold(0, fold)
    }
}

/// Watches a Go ELF file's stream for the strings the pointer format may point to.
pub(crate) struct OldStrings {
    loads: Vec<Segment>,
    little_endian: bool,
    /// The notes' file ranges (sorted, merged) and their bytes so far.
    note_ranges: Vec<(u64, u64)>,
    notes: Vec<u8>,
    /// Whether the notes hold the Go build ID note; `None` until they have passed.
    go_note: Option<bool>,
    /// Read-only loaded file ranges, searched for the strings.
    read_only: Vec<(u64, u64)>,
    /// The last bytes searched (a needle split across chunks) and where they end.
    tail: Vec<u8>,
    tail_end: u64,
    versions: Vec<Capture>,
    infos: Vec<Capture>,
    /// The two string headers, once the build info asked for them.
    headers: Option<(Pointers, [Capture; 2])>,
    version_finder: memmem::Finder<'static>,
    info_finder: memmem::Finder<'static>,
}

impl OldStrings {
    pub(crate) fn new(layout: &ElfLayout) -> Self {
        let read_only = exe::merge_ranges(
            layout
                .loads
                .iter()
                .filter(|s| !s.writable)
                .map(|s| (s.offset, s.end()))
                .collect(),
        );
        let note_ranges = exe::merge_ranges(layout.notes.clone());
        OldStrings {
            loads: layout.loads.clone(),
            little_endian: layout.little_endian,
            go_note: note_ranges.is_empty().then_some(false),
            note_ranges,
            notes: Vec::new(),
            read_only,
            tail: Vec::new(),
            tail_end: 0,
            versions: Vec::new(),
            infos: Vec::new(),
            headers: None,
            version_finder: memmem::Finder::new(VERSION_NEEDLE),
            info_finder: memmem::Finder::new(INFO_START),
        }
    }

    /// The bytes `chunk` at file offset `at` (every byte of the body, in order).
    pub(crate) fn feed(&mut self, at: u64, chunk: &[u8]) {
        if self.go_note.is_none() {
            self.read_notes(at, chunk);
        }
        for c in self.versions.iter_mut().chain(self.infos.iter_mut()) {
            c.take(at, chunk);
        }
        if let Some((_, hs)) = &mut self.headers {
            hs.iter_mut().for_each(|h| h.take(at, chunk));
        }
        if self.go_note == Some(true) && self.headers.is_none() {
            self.search(at, chunk);
        }
    }

    fn read_notes(&mut self, at: u64, chunk: &[u8]) {
        for (_, part) in exe::in_ranges(&self.note_ranges, at, chunk) {
            self.notes.extend_from_slice(part);
        }
        let end = self.note_ranges.last().map_or(0, |r| r.1);
        if at + chunk.len() as u64 >= end {
            self.go_note = Some(exe::has_go_note(&self.notes, self.little_endian));
            self.notes = Vec::new();
        }
    }

    /// Starts copies at every needle in the read-only parts of `chunk`.
    fn search(&mut self, at: u64, chunk: &[u8]) {
        let keep = INFO_START.len() - 1;
        let parts: Vec<(u64, &[u8])> = exe::in_ranges(&self.read_only, at, chunk).collect();
        for (off, part) in parts {
            if self.tail_end != off {
                self.tail.clear();
            }
            let tail_start = off - self.tail.len() as u64;
            let mut joint = std::mem::take(&mut self.tail);
            let tail_len = joint.len();
            joint.extend_from_slice(part);
            // Matches that end in the new part (one inside the tail was found before).
            let mut starts: Vec<(u64, bool)> = Vec::new();
            for (finder, info) in [(&self.version_finder, false), (&self.info_finder, true)] {
                let n = finder.needle().len();
                starts.extend(
                    finder
                        .find_iter(&joint)
                        .filter(|i| i + n > tail_len)
                        .map(|i| (tail_start + i as u64, info)),
                );
            }
            for (start, info) in starts {
                let mut c = if info {
                    Capture::new(start, super::golang::MAX_INFO, true)
                } else {
                    Capture::new(start, VERSION_BYTES, false)
                };
                // Bytes of the carried tail first (they came with an earlier chunk).
                if start < off {
                    let from = usize::try_from(start - tail_start).unwrap_or(0);
                    c.take(start, joint.get(from..tail_len).unwrap_or_default());
                }
                c.take(at, chunk);
                let list = if info {
                    &mut self.infos
                } else {
                    &mut self.versions
                };
                if list.len() < if info { MAX_INFOS } else { MAX_VERSIONS } {
                    list.push(c);
                }
            }
            let drop = joint.len().saturating_sub(keep);
            joint.drain(..drop);
            self.tail = joint;
            self.tail_end = off + part.len() as u64;
        }
    }

    /// Whether the strings the pointer format needs may have been kept (the file
    /// carries the Go note, and it has passed).
    pub(crate) fn watching(&self) -> bool {
        self.go_note == Some(true)
    }

    /// The build info's header was read: capture the two string headers it points to
    /// (the rest of `chunk`, at `at`, is taken at once). Errors say why not.
    pub(crate) fn want_headers(
        &mut self,
        p: Pointers,
        at: u64,
        chunk: &[u8],
    ) -> Result<(), String> {
        let len = 2 * usize::from(p.ptr_size);
        let offsets = [p.version_addr, p.info_addr].map(|a| exe::file_offset(&self.loads, a));
        let [Some(a), Some(b)] = offsets else {
            return Err(format!(
                "its string headers ({:#x}, {:#x}) are not in the file's loaded segments \
                 (a position-independent build fills them at load time)",
                p.version_addr, p.info_addr
            ));
        };
        let mut hs = [Capture::new(a, len, false), Capture::new(b, len, false)];
        for h in &mut hs {
            h.take(at, chunk);
        }
        self.headers = Some((p, hs));
        self.check_headers()
    }

    fn check_headers(&self) -> Result<(), String> {
        match &self.headers {
            Some((_, hs)) if hs.iter().any(|h| h.missed) => Err(
                "its string headers lie before the build info, which a streamed read has passed"
                    .into(),
            ),
            _ => Ok(()),
        }
    }

    /// Whether both string headers are read (or missed).
    pub(crate) fn headers_done(&self) -> bool {
        self.headers
            .as_ref()
            .is_some_and(|(_, hs)| hs.iter().all(|h| h.done))
    }

    /// The toolchain version and the module info text (sentinels removed), once the
    /// headers are read.
    pub(crate) fn resolve(&self) -> Result<(String, String), String> {
        self.check_headers()?;
        let Some((p, [vh, ih])) = &self.headers else {
            return Err("its string headers were not reached".into());
        };
        let version = self.string(p, vh, &self.versions, "toolchain version")?;
        let info = self.string(p, ih, &self.infos, "module info")?;
        let info = if info.len() >= 33 && info.get(info.len() - 17) == Some(&b'\n') {
            info.get(16..info.len() - 16).unwrap_or_default()
        } else {
            &[][..]
        };
        Ok((
            String::from_utf8_lossy(version).into_owned(),
            String::from_utf8_lossy(info).into_owned(),
        ))
    }

    /// The string a header points to, from the copy kept at its file offset.
    fn string<'a>(
        &self,
        p: &Pointers,
        header: &Capture,
        kept: &'a [Capture],
        what: &str,
    ) -> Result<&'a [u8], String> {
        let n = usize::from(p.ptr_size);
        let (Some(d), Some(l)) = (header.buf.get(..n), header.buf.get(n..2 * n)) else {
            return Err(format!("the {what}'s string header is cut short"));
        };
        let (addr, len) = (read_ptr(d, p.big_endian), read_ptr(l, p.big_endian));
        let off = exe::file_offset(&self.loads, addr)
            .ok_or_else(|| format!("the {what} at {addr:#x} is not in a loaded segment"))?;
        let len = usize::try_from(len).map_err(|_| format!("the {what} is {len} bytes"))?;
        kept.iter()
            .find(|c| c.start == off && c.buf.len() >= len)
            .and_then(|c| c.buf.get(..len))
            .ok_or_else(|| {
                format!("the {what} ({len} bytes at {addr:#x}) was not among the strings kept")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_size_and_byte_order_come_from_the_header() {
        let mut h = b"\xff Go buildinf:".to_vec();
        h.extend([4, 1]);
        h.extend([0x08, 0x12, 0x34, 0x56, 0x08, 0x12, 0x34, 0x60]);
        h.resize(32, 0);
        let p = Pointers::parse(&h).unwrap();
        assert_eq!((p.ptr_size, p.big_endian), (4, true));
        assert_eq!((p.version_addr, p.info_addr), (0x0812_3456, 0x0812_3460));
        h[15] = 0;
        assert_eq!(Pointers::parse(&h).unwrap().version_addr, 0x5634_1208);
        h[14] = 2;
        assert_eq!(Pointers::parse(&h), None);
    }

    #[test]
    fn a_capture_stops_at_the_end_sentinel_across_chunks() {
        let mut s = INFO_START.to_vec();
        s.extend_from_slice(b"path\tx\n");
        s.extend_from_slice(INFO_END);
        s.extend_from_slice(b"trailing");
        let mut c = Capture::new(100, 1 << 20, true);
        for (i, piece) in s.chunks(5).enumerate() {
            c.take(100 + 5 * i as u64, piece);
        }
        assert!(c.done && !c.missed);
        assert_eq!(c.buf, &s[..s.len() - 8]);
        let mut late = Capture::new(10, 8, false);
        late.take(20, b"abc");
        assert!(late.missed);
    }
}
