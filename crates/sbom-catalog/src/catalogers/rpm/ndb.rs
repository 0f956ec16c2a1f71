//! NDB, rpm's own package database (`Packages.db`: SUSE, openSUSE).
//!
//! Facts from rpm's `lib/backend/ndb/rpmpkg.c` (read for the format, no code taken),
//! all little-endian: a 32-byte file header (`RpmP`, version 0, generation, number of
//! slot pages, next package index), then the slot pages (4096 bytes each) of 16-byte
//! slots (`Slot`, package index, block offset, block count; index 0 = free) from byte
//! 32 on. A package's blob sits at `block offset × 16`: a 16-byte head (`BlbS`,
//! package index, generation, length), the header blob, padding to whole blocks, and
//! a 12-byte tail (Adler-32 of everything before it in the blocks, length, `BlbE`).
//! A slot or blob that does not add up is a warning and is skipped, as rpm skips it.
use super::bdb::Record;

const DB_MAGIC: u32 = u32::from_le_bytes(*b"RpmP");
const SLOT_MAGIC: u32 = u32::from_le_bytes(*b"Slot");
const HEAD_MAGIC: u32 = u32::from_le_bytes(*b"BlbS");
const TAIL_MAGIC: u32 = u32::from_le_bytes(*b"BlbE");
const HEADER_SIZE: usize = 32;
const SLOT_SIZE: usize = 16;
const BLK_SIZE: usize = 16;
const PAGE_SIZE: usize = 4096;
const HEAD_SIZE: usize = 16;
const TAIL_SIZE: usize = 12;

fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(s))
}

/// The package records of an NDB `Packages.db`. Bad slots and blobs go to `warn`; a
/// file that is not NDB at all is an `Err`.
pub fn records(file: &[u8], warn: &mut dyn FnMut(String)) -> Result<Vec<Record>, String> {
    if le32(file, 0) != Some(DB_MAGIC) {
        return Err("not an NDB package database (bad magic)".into());
    }
    if le32(file, 4) != Some(0) {
        return Err(format!(
            "NDB version {} is not supported",
            le32(file, 4).unwrap_or(0)
        ));
    }
    let slot_pages = le32(file, 12).unwrap_or(0) as usize;
    let slots_end = slot_pages.saturating_mul(PAGE_SIZE);
    if slots_end > file.len() {
        warn(format!(
            "NDB claims {slot_pages} slot pages, the file holds {} bytes: truncated",
            file.len()
        ));
    }
    let slots_end = slots_end.min(file.len());
    let mut out = Vec::new();
    for (n, slot) in file[HEADER_SIZE.min(slots_end)..slots_end]
        .chunks_exact(SLOT_SIZE)
        .enumerate()
    {
        let slot_no = n + HEADER_SIZE / SLOT_SIZE;
        let field = |i| le32(slot, i).unwrap_or(0);
        if field(0) != SLOT_MAGIC {
            warn(format!("NDB slot {slot_no} has a bad magic; skipped"));
            continue;
        }
        let pkgidx = field(4);
        if pkgidx == 0 {
            continue; // free slot
        }
        match blob(file, pkgidx, field(8) as usize, field(12) as usize) {
            Ok(b) => out.push(Record {
                instance: pkgidx,
                blob: b.to_vec(),
            }),
            Err(msg) => warn(format!(
                "NDB slot {slot_no} (package {pkgidx}): {msg}; skipped"
            )),
        }
    }
    Ok(out)
}

/// The header blob a slot points at, checked as rpm checks it.
fn blob(file: &[u8], pkgidx: u32, blkoff: usize, blkcnt: usize) -> Result<&[u8], String> {
    let start = blkoff
        .checked_mul(BLK_SIZE)
        .ok_or("block offset overflows")?;
    let len = blkcnt
        .checked_mul(BLK_SIZE)
        .ok_or("block count overflows")?;
    let blocks = start
        .checked_add(len)
        .and_then(|end| file.get(start..end))
        .ok_or_else(|| format!("blocks {blkoff}+{blkcnt} lie outside the file"))?;
    if len < HEAD_SIZE + TAIL_SIZE {
        return Err(format!("{blkcnt} blocks cannot hold a blob"));
    }
    let head = |i| le32(blocks, i).unwrap_or(0);
    if head(0) != HEAD_MAGIC {
        return Err("blob has a bad magic".into());
    }
    if head(4) != pkgidx {
        return Err(format!("blob belongs to package {}", head(4)));
    }
    let bloblen = head(12) as usize;
    if (HEAD_SIZE + bloblen + TAIL_SIZE).div_ceil(BLK_SIZE) != blkcnt {
        return Err(format!(
            "blob length {bloblen} does not match {blkcnt} blocks"
        ));
    }
    let tail_at = len - TAIL_SIZE;
    let (Some(sum), Some(tail_len), Some(magic)) = (
        le32(blocks, tail_at),
        le32(blocks, tail_at + 4),
        le32(blocks, tail_at + 8),
    ) else {
        return Err("blob tail is missing".into());
    };
    if magic != TAIL_MAGIC || tail_len as usize != bloblen {
        return Err("blob tail does not match its head".into());
    }
    if adler32(&blocks[..tail_at]) != sum {
        return Err("blob checksum mismatch (corrupt)".into());
    }
    Ok(&blocks[HEAD_SIZE..HEAD_SIZE + bloblen])
}

/// Adler-32 (RFC 1950).
fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adler32_of_known_strings() {
        // RFC 1950's algorithm; "Wikipedia" is the usual worked example.
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(b""), 1);
    }
}
