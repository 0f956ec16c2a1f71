//! Executable formats as a streamed body shows them, front to back: the ELF header and
//! program headers (at the front of the file, so known before the body passes by), the
//! PE and Mach-O magics, and the UPX packer's marker. Shared by the Go and Rust
//! catalogers.
//!
//! Section headers are not used: they sit at the end of an ELF file (after the bytes
//! they describe have streamed past) and are often stripped. Program headers say which
//! file ranges are loaded read-only, writable or executable, which is what the
//! catalogers need to know where to look.

/// The kind of executable a body starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExeKind {
    Elf,
    Pe,
    MachO,
}

/// The executable format of a body, from its first bytes; `None` for anything else.
/// Java class files share Mach-O's fat magic `CAFEBABE`: a fat binary has a small
/// architecture count where a class file has its (large) version number.
pub(crate) fn exe_kind(head: &[u8]) -> Option<ExeKind> {
    let magic = head.get(..4)?;
    match magic {
        b"\x7fELF" => Some(ExeKind::Elf),
        [b'M', b'Z', ..] => Some(ExeKind::Pe),
        [0xfe, 0xed, 0xfa, 0xce | 0xcf] | [0xce | 0xcf, 0xfa, 0xed, 0xfe] => Some(ExeKind::MachO),
        [0xca, 0xfe, 0xba, 0xbe] => {
            let n = u32::from_be_bytes(head.get(4..8)?.try_into().ok()?);
            (1..=20).contains(&n).then_some(ExeKind::MachO)
        }
        _ => None,
    }
}

/// Where UPX's marker may sit in a packed ELF or PE: within its first bytes.
const UPX_WINDOW: usize = 1024;

/// Whether the head of an executable carries the UPX packer's marker (`UPX!` in the
/// packed ELF's loader header, `UPX0`/`UPX1` section names in a PE).
pub(crate) fn upx_packed(head: &[u8]) -> bool {
    let h = head.get(..UPX_WINDOW.min(head.len())).unwrap_or(head);
    memchr::memmem::find(h, b"UPX!").is_some()
        || (h.starts_with(b"MZ") && memchr::memmem::find(h, b"UPX0").is_some())
}

/// The UPX version its banner names (`$Id: UPX 4.02 Copyright ...`), when the bytes
/// seen hold it.
pub(crate) fn upx_version(data: &[u8]) -> Option<String> {
    let at = memchr::memmem::find(data, b"$Id: UPX ")? + 9;
    let rest = data.get(at..)?;
    let end = rest
        .iter()
        .position(|b| !(b.is_ascii_digit() || *b == b'.'))
        .unwrap_or(rest.len());
    let v = std::str::from_utf8(rest.get(..end)?).ok()?;
    (!v.is_empty()).then(|| v.to_string())
}

/// One loadable segment of an ELF file: the file range `offset..offset+filesz`, loaded
/// at the virtual address `vaddr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub writable: bool,
    pub executable: bool,
}

impl Segment {
    pub fn end(&self) -> u64 {
        self.offset.saturating_add(self.filesz)
    }
}

/// The file offset of virtual address `addr` in the loaded segments, when a segment's
/// file bytes hold it (the `ReadData` of Go's `debug/buildinfo`).
pub(crate) fn file_offset(loads: &[Segment], addr: u64) -> Option<u64> {
    loads
        .iter()
        .find(|s| addr >= s.vaddr && addr - s.vaddr < s.filesz)
        .map(|s| s.offset + (addr - s.vaddr))
}

/// What the front of an ELF file says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ElfLayout {
    pub class64: bool,
    pub little_endian: bool,
    /// `e_type`: 2 executable, 3 shared object (also PIE executables).
    pub file_type: u16,
    pub machine: u16,
    /// PT_LOAD segments, in file order.
    pub loads: Vec<Segment>,
    /// PT_NOTE file ranges `(offset, end)`.
    pub notes: Vec<(u64, u64)>,
    /// Whether it names a program interpreter (PT_INTERP): a dynamically linked
    /// program, not a library.
    pub interp: bool,
}

impl ElfLayout {
    /// A program (an executable or a PIE), not a shared library or plugin.
    pub fn is_program(&self) -> bool {
        self.file_type == 2 || self.interp
    }
}

impl ElfLayout {
    /// Go's name for the ELF machine (`amd64`, `arm64`, ...), when it is one Go knows.
    pub fn goarch(&self) -> Option<&'static str> {
        Some(match (self.machine, self.class64) {
            (62, _) => "amd64",
            (3, _) => "386",
            (183, _) => "arm64",
            (40, _) => "arm",
            (243, _) => "riscv64",
            (21, true) => "ppc64",
            (22, true) => "s390x",
            (8, true) => "mips64",
            (8, false) => "mips",
            (258, _) => "loong64",
            _ => return None,
        })
    }
}

/// Why an ELF head could not be read (yet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ElfHead {
    /// The program headers end at this many bytes: feed at least that much.
    NeedMore(usize),
    /// Not a usable ELF file (the reason, for a warning).
    Invalid(String),
}

/// Largest ELF head (header + program headers) a visitor buffers.
pub(crate) const MAX_ELF_HEAD: usize = 64 * 1024;

fn uint(data: &[u8], at: usize, len: usize, le: bool) -> Option<u64> {
    let b = data.get(at..at.checked_add(len)?)?;
    let mut v: u64 = 0;
    if le {
        for &x in b.iter().rev() {
            v = (v << 8) | u64::from(x);
        }
    } else {
        for &x in b {
            v = (v << 8) | u64::from(x);
        }
    }
    Some(v)
}

/// Parses the ELF header and program headers from the first bytes of a file.
pub(crate) fn parse_elf(head: &[u8], file_size: u64) -> Result<ElfLayout, ElfHead> {
    let bad = |m: &str| ElfHead::Invalid(m.to_string());
    if head.len() < 64 {
        return Err(if (head.len() as u64) < file_size {
            ElfHead::NeedMore(64)
        } else {
            bad("ELF header truncated")
        });
    }
    let class64 = match head.get(4) {
        Some(1) => false,
        Some(2) => true,
        _ => return Err(bad("ELF class is neither 32 nor 64 bit")),
    };
    let le = match head.get(5) {
        Some(1) => true,
        Some(2) => false,
        _ => return Err(bad("ELF data encoding is neither little nor big endian")),
    };
    let rd = |at: usize, len: usize| uint(head, at, len, le).ok_or_else(|| bad("ELF header cut"));
    let file_type = rd(16, 2)? as u16;
    let machine = rd(18, 2)? as u16;
    let (phoff, phentsize, phnum) = if class64 {
        (rd(32, 8)?, rd(54, 2)?, rd(56, 2)?)
    } else {
        (rd(28, 4)?, rd(42, 2)?, rd(44, 2)?)
    };
    let min_ent = if class64 { 56 } else { 32 };
    // Objects, core dumps and the rest hold no program: their headers are not checked.
    if phnum == 0 || !matches!(file_type, 2 | 3) {
        return Ok(ElfLayout {
            class64,
            little_endian: le,
            file_type,
            machine,
            loads: Vec::new(),
            notes: Vec::new(),
            interp: false,
        });
    }
    if phentsize < min_ent {
        return Err(bad("ELF program header entries are too small"));
    }
    let end = phoff
        .checked_add(phentsize.saturating_mul(phnum))
        .ok_or_else(|| bad("ELF program headers overflow"))?;
    if end > file_size {
        return Err(ElfHead::Invalid(format!(
            "ELF program headers end at byte {end}, past the end of the {file_size}-byte file"
        )));
    }
    let end = usize::try_from(end).map_err(|_| bad("ELF program headers out of range"))?;
    if end > MAX_ELF_HEAD {
        return Err(ElfHead::Invalid(format!(
            "ELF program headers end at byte {end}, beyond the first {MAX_ELF_HEAD} bytes read"
        )));
    }
    if head.len() < end {
        return Err(ElfHead::NeedMore(end));
    }
    let mut loads = Vec::new();
    let mut notes = Vec::new();
    let mut interp = false;
    for i in 0..phnum {
        let base = usize::try_from(phoff + i * phentsize).map_err(|_| bad("ELF offset"))?;
        let p = |off64: usize, off32: usize, len64: usize| {
            if class64 {
                rd(base + off64, len64)
            } else {
                rd(base + off32, 4)
            }
        };
        match p(0, 0, 4)? {
            1 => {}
            3 => {
                interp = true;
                continue;
            }
            4 => {
                let (off, size) = (p(8, 4, 8)?, p(32, 16, 8)?);
                if off.checked_add(size).is_some_and(|e| e <= file_size) {
                    notes.push((off, off + size));
                }
                continue;
            }
            _ => continue, // not PT_LOAD
        }
        let flags = if class64 {
            rd(base + 4, 4)?
        } else {
            rd(base + 24, 4)?
        };
        let seg = Segment {
            offset: p(8, 4, 8)?,
            vaddr: p(16, 8, 8)?,
            filesz: p(32, 16, 8)?,
            writable: flags & 2 != 0,
            executable: flags & 1 != 0,
        };
        if seg.filesz == 0 {
            continue;
        }
        if seg.end() > file_size {
            return Err(ElfHead::Invalid(format!(
                "ELF segment at byte {} of {} bytes runs past the end of the {file_size}-byte file",
                seg.offset, seg.filesz
            )));
        }
        loads.push(seg);
    }
    loads.sort_by_key(|s| s.offset);
    Ok(ElfLayout {
        class64,
        little_endian: le,
        file_type,
        machine,
        loads,
        notes,
        interp,
    })
}

/// Whether ELF notes (the bytes of a PT_NOTE segment) hold the Go build ID note (name
/// `Go`, type 4), which the Go linker writes into every executable it links.
pub(crate) fn has_go_note(notes: &[u8], little_endian: bool) -> bool {
    let mut at = 0usize;
    while let (Some(namesz), Some(descsz), Some(kind)) = (
        uint(notes, at, 4, little_endian),
        uint(notes, at.saturating_add(4), 4, little_endian),
        uint(notes, at.saturating_add(8), 4, little_endian),
    ) {
        let name_at = at + 12; // at + 12 <= notes.len(): the three words were read
        if namesz == 4 && kind == 4 && notes.get(name_at..name_at + 4) == Some(&b"Go\0\0"[..]) {
            return true;
        }
        let pad = |n: u64| usize::try_from(n.div_ceil(4) * 4).ok();
        match (pad(namesz), pad(descsz)) {
            (Some(n), Some(d)) => at = name_at.saturating_add(n).saturating_add(d),
            _ => return false,
        }
    }
    false
}

/// Sorted, merged file ranges.
pub(crate) fn merge_ranges(mut r: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    r.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(r.len());
    for (s, e) in r {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// The parts of a chunk at absolute offset `pos` that fall inside `ranges` (sorted,
/// merged), with their absolute offsets.
pub(crate) fn in_ranges<'a>(
    ranges: &'a [(u64, u64)],
    pos: u64,
    chunk: &'a [u8],
) -> impl Iterator<Item = (u64, &'a [u8])> + 'a {
    let end = pos.saturating_add(chunk.len() as u64);
    ranges
        .iter()
        .filter(move |(s, e)| *s < end && *e > pos)
        .filter_map(move |&(s, e)| {
            let from = usize::try_from(s.max(pos) - pos).ok()?;
            let to = usize::try_from(e.min(end) - pos).ok()?;
            Some((pos + from as u64, chunk.get(from..to)?))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elf64(loads: &[(u64, u64, u64, u32)], file_size: u64) -> Vec<u8> {
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = 2;
        h[5] = 1;
        h[16..18].copy_from_slice(&2u16.to_le_bytes());
        h[18..20].copy_from_slice(&62u16.to_le_bytes());
        h[32..40].copy_from_slice(&64u64.to_le_bytes());
        h[54..56].copy_from_slice(&56u16.to_le_bytes());
        h[56..58].copy_from_slice(&(loads.len() as u16).to_le_bytes());
        for &(off, vaddr, size, flags) in loads {
            let mut p = vec![0u8; 56];
            p[..4].copy_from_slice(&1u32.to_le_bytes());
            p[4..8].copy_from_slice(&flags.to_le_bytes());
            p[8..16].copy_from_slice(&off.to_le_bytes());
            p[16..24].copy_from_slice(&vaddr.to_le_bytes());
            p[32..40].copy_from_slice(&size.to_le_bytes());
            h.extend(p);
        }
        h.resize(file_size.min(4096) as usize, 0);
        h
    }

    #[test]
    fn program_headers_give_segments_and_addresses() {
        let h = elf64(
            &[(0, 0x400000, 0x1000, 5), (0x1000, 0x601000, 0x800, 6)],
            0x2000,
        );
        let l = parse_elf(&h, 0x2000).unwrap();
        assert_eq!(l.goarch(), Some("amd64"));
        assert_eq!(l.loads.len(), 2);
        assert!(l.loads[1].writable && !l.loads[1].executable);
        assert_eq!(parse_elf(&h[..100], 0x2000), Err(ElfHead::NeedMore(176)));
    }

    #[test]
    fn lying_program_headers_are_invalid_not_a_panic() {
        let h = elf64(&[(0x1000, 0, u64::MAX - 5, 6)], 0x2000);
        assert!(matches!(parse_elf(&h, 0x2000), Err(ElfHead::Invalid(_))));
        let mut h = elf64(&[], 0x2000);
        h[32..40].copy_from_slice(&u64::MAX.to_le_bytes());
        h[56] = 3;
        assert!(matches!(parse_elf(&h, 0x2000), Err(ElfHead::Invalid(_))));
        assert!(matches!(
            parse_elf(b"\x7fELF\x09", 5),
            Err(ElfHead::Invalid(_))
        ));
    }

    #[test]
    fn kinds_and_upx() {
        assert_eq!(exe_kind(b"\x7fELF\x02"), Some(ExeKind::Elf));
        assert_eq!(exe_kind(b"MZ\x90\x00"), Some(ExeKind::Pe));
        assert_eq!(exe_kind(b"\xcf\xfa\xed\xfe"), Some(ExeKind::MachO));
        assert_eq!(
            exe_kind(b"\xca\xfe\xba\xbe\x00\x00\x00\x02"),
            Some(ExeKind::MachO)
        );
        // A Java class file (version 52) is not a fat Mach-O.
        assert_eq!(exe_kind(b"\xca\xfe\xba\xbe\x00\x00\x00\x34"), None);
        assert_eq!(exe_kind(b"#!/bin/sh"), None);
        let mut h = vec![0u8; 300];
        h[..4].copy_from_slice(b"\x7fELF");
        assert!(!upx_packed(&h));
        h[0xec..0xf0].copy_from_slice(b"UPX!");
        assert!(upx_packed(&h));
        assert_eq!(
            upx_version(b"..$Id: UPX 4.02 Copyright (C)").as_deref(),
            Some("4.02")
        );
    }

    #[test]
    fn the_go_build_id_note_is_found_among_others() {
        let note = |name: &[u8], kind: u32, desc: &[u8]| {
            let mut b = Vec::new();
            b.extend((name.len() as u32).to_le_bytes());
            b.extend((desc.len() as u32).to_le_bytes());
            b.extend(kind.to_le_bytes());
            b.extend(name);
            b.resize(b.len().div_ceil(4) * 4, 0);
            b.extend(desc);
            b.resize(b.len().div_ceil(4) * 4, 0);
            b
        };
        let gnu = note(b"GNU\0", 3, &[0xab; 20]);
        let go = note(b"Go\0\0", 4, b"abc/def");
        assert!(has_go_note(&[gnu.clone(), go.clone()].concat(), true));
        assert!(!has_go_note(&gnu, true));
        assert!(!has_go_note(&note(b"Go\0\0", 1, b"x"), true));
        // Sizes that run past the end (or overflow) end the walk, no panic.
        let mut lying = gnu;
        lying[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(!has_go_note(&[lying, go].concat(), true));
    }

    #[test]
    fn ranges_cut_chunks() {
        let r = merge_ranges(vec![(10, 20), (15, 30), (50, 60)]);
        assert_eq!(r, vec![(10, 30), (50, 60)]);
        let chunk = [0u8; 40];
        let parts: Vec<(u64, usize)> = in_ranges(&r, 5, &chunk)
            .map(|(o, s)| (o, s.len()))
            .collect();
        assert_eq!(parts, vec![(10, 20)]);
    }
}
