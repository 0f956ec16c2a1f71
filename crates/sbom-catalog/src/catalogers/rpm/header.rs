//! rpm header blobs, as every database backend stores them (the header without its
//! 8-byte lead magic): `il` and `dl` (big-endian u32), `il` index entries of 16 bytes
//! (tag, type, offset, count; big-endian), then `dl` bytes of data the entries point
//! into. Every offset and count is checked against the blob before it is used: a
//! lying entry makes that tag unreadable (an error naming it), never a panic.
use std::borrow::Cow;

/// rpm's own limits (`HEADER_TAGS_MAX`, `HEADER_DATA_MAX`): beyond them rpm refuses
/// the header, and so do we.
const MAX_TAGS: u32 = 0xffff;
const MAX_DATA: u32 = 0x0fff_ffff;

// Entry types.
const TYPE_INT16: u32 = 3;
const TYPE_INT32: u32 = 4;
const TYPE_INT64: u32 = 5;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

// Tags (rpmtag.h).
pub const NAME: i32 = 1000;
pub const VERSION: i32 = 1001;
pub const RELEASE: i32 = 1002;
pub const EPOCH: i32 = 1003;
pub const SUMMARY: i32 = 1004;
pub const SIZE: i32 = 1009;
pub const VENDOR: i32 = 1011;
pub const LICENSE: i32 = 1014;
pub const PACKAGER: i32 = 1015;
pub const URL: i32 = 1020;
pub const ARCH: i32 = 1022;
pub const OLDFILENAMES: i32 = 1027;
pub const SOURCERPM: i32 = 1044;
pub const PROVIDENAME: i32 = 1047;
pub const REQUIREFLAGS: i32 = 1048;
pub const REQUIRENAME: i32 = 1049;
pub const DIRINDEXES: i32 = 1116;
pub const BASENAMES: i32 = 1117;
pub const DIRNAMES: i32 = 1118;
pub const LONGSIZE: i32 = 5009;
pub const MODULARITYLABEL: i32 = 5096;

#[derive(Clone, Copy, Debug)]
struct Entry {
    tag: i32,
    ty: u32,
    offset: u32,
    count: u32,
}

/// A parsed header: its index and the data store the index points into.
#[derive(Debug)]
pub struct Header<'a> {
    entries: Vec<Entry>,
    data: &'a [u8],
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

impl<'a> Header<'a> {
    /// Reads the index of a header blob. Fails when the counts do not fit the blob.
    pub fn parse(blob: &'a [u8]) -> Result<Header<'a>, String> {
        let (Some(il), Some(dl)) = (be32(blob, 0), be32(blob, 4)) else {
            return Err(format!("header of {} bytes is truncated", blob.len()));
        };
        if il == 0 || il > MAX_TAGS {
            return Err(format!("header claims {il} tags"));
        }
        if dl > MAX_DATA {
            return Err(format!("header claims {dl} bytes of data"));
        }
        // il ≤ 0xffff and dl < 2^28: no overflow in usize.
        let index_end = 8 + il as usize * 16;
        let need = index_end + dl as usize;
        if blob.len() < need {
            return Err(format!(
                "header is truncated: {il} tags and {dl} bytes of data need {need} bytes, the record has {}",
                blob.len()
            ));
        }
        let entries = blob[8..index_end]
            .chunks_exact(16)
            .map(|e| Entry {
                tag: i32::from_be_bytes([e[0], e[1], e[2], e[3]]),
                ty: u32::from_be_bytes([e[4], e[5], e[6], e[7]]),
                offset: u32::from_be_bytes([e[8], e[9], e[10], e[11]]),
                count: u32::from_be_bytes([e[12], e[13], e[14], e[15]]),
            })
            .collect();
        Ok(Header {
            entries,
            data: &blob[index_end..need],
        })
    }

    fn entry(&self, tag: i32) -> Option<Entry> {
        self.entries.iter().copied().find(|e| e.tag == tag)
    }

    /// The data of an entry from its offset on; an error when the offset is outside.
    fn data_at(&self, e: Entry) -> Result<&'a [u8], String> {
        self.data.get(e.offset as usize..).ok_or_else(|| {
            format!(
                "tag {} points at offset {} outside the header's {} bytes of data",
                e.tag,
                e.offset,
                self.data.len()
            )
        })
    }

    /// `count` NUL-terminated strings from the entry's offset.
    fn strings(&self, e: Entry, count: u32) -> Result<Vec<Cow<'a, str>>, String> {
        let mut rest = self.data_at(e)?;
        // Each string takes at least its NUL: a count beyond the bytes left is a lie.
        if count as usize > rest.len() {
            return Err(format!(
                "tag {} claims {count} strings in {} bytes",
                e.tag,
                rest.len()
            ));
        }
        let mut out = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let Some(end) = rest.iter().position(|&b| b == 0) else {
                return Err(format!(
                    "tag {}: a string runs past the header's data",
                    e.tag
                ));
            };
            out.push(String::from_utf8_lossy(&rest[..end]));
            rest = &rest[end + 1..];
        }
        Ok(out)
    }

    /// A string tag (`STRING`, the first of an `I18NSTRING` or `STRING_ARRAY`).
    /// `Ok(None)` when absent.
    pub fn string(&self, tag: i32) -> Result<Option<Cow<'a, str>>, String> {
        let Some(e) = self.entry(tag) else {
            return Ok(None);
        };
        match e.ty {
            TYPE_STRING | TYPE_I18NSTRING | TYPE_STRING_ARRAY if e.count >= 1 => {
                Ok(self.strings(e, 1)?.into_iter().next())
            }
            _ => Err(format!(
                "tag {tag} has type {} count {}, not a string",
                e.ty, e.count
            )),
        }
    }

    /// A string array tag; empty when absent.
    pub fn string_array(&self, tag: i32) -> Result<Vec<Cow<'a, str>>, String> {
        let Some(e) = self.entry(tag) else {
            return Ok(Vec::new());
        };
        match e.ty {
            TYPE_STRING_ARRAY | TYPE_I18NSTRING => self.strings(e, e.count),
            TYPE_STRING => self.strings(e, 1),
            _ => Err(format!("tag {tag} has type {}, not a string array", e.ty)),
        }
    }

    /// An integer array tag (INT16, INT32 or INT64), widened to u64; empty when absent.
    pub fn ints(&self, tag: i32) -> Result<Vec<u64>, String> {
        let Some(e) = self.entry(tag) else {
            return Ok(Vec::new());
        };
        let width = match e.ty {
            TYPE_INT16 => 2,
            TYPE_INT32 => 4,
            TYPE_INT64 => 8,
            other => return Err(format!("tag {tag} has type {other}, not an integer")),
        };
        let data = self.data_at(e)?;
        let len = (e.count as usize)
            .checked_mul(width)
            .filter(|&n| n <= data.len())
            .ok_or_else(|| {
                format!(
                    "tag {tag} claims {} integers of {width} bytes in {} bytes",
                    e.count,
                    data.len()
                )
            })?;
        Ok(data[..len]
            .chunks_exact(width)
            .map(|c| c.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
            .collect())
    }

    /// The first integer of a tag; `Ok(None)` when absent or empty.
    pub fn int(&self, tag: i32) -> Result<Option<u64>, String> {
        Ok(self.ints(tag)?.first().copied())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A header blob built from (tag, type, count, data) entries, for tests.
    pub(crate) fn blob(entries: &[(i32, u32, u32, Vec<u8>)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, ty, count, bytes) in entries {
            index.extend_from_slice(&tag.to_be_bytes());
            index.extend_from_slice(&ty.to_be_bytes());
            index.extend_from_slice(&(data.len() as u32).to_be_bytes());
            index.extend_from_slice(&count.to_be_bytes());
            data.extend_from_slice(bytes);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend(index);
        out.extend(data);
        out
    }

    pub(crate) fn s(v: &str) -> (u32, u32, Vec<u8>) {
        let mut b = v.as_bytes().to_vec();
        b.push(0);
        (TYPE_STRING, 1, b)
    }

    pub(crate) fn sa(v: &[&str]) -> (u32, u32, Vec<u8>) {
        let mut b = Vec::new();
        for x in v {
            b.extend_from_slice(x.as_bytes());
            b.push(0);
        }
        (TYPE_STRING_ARRAY, v.len() as u32, b)
    }

    pub(crate) fn i32s(v: &[u32]) -> (u32, u32, Vec<u8>) {
        (
            TYPE_INT32,
            v.len() as u32,
            v.iter().flat_map(|x| x.to_be_bytes()).collect(),
        )
    }

    pub(crate) fn e(tag: i32, (ty, count, data): (u32, u32, Vec<u8>)) -> (i32, u32, u32, Vec<u8>) {
        (tag, ty, count, data)
    }

    #[test]
    fn reads_strings_arrays_and_integers() {
        let b = blob(&[
            e(NAME, s("bash")),
            e(BASENAMES, sa(&["bash", "sh"])),
            e(EPOCH, i32s(&[2])),
            e(DIRINDEXES, (TYPE_INT16, 2, vec![0, 1, 0, 0])),
        ]);
        let h = Header::parse(&b).unwrap();
        assert_eq!(h.string(NAME).unwrap().as_deref(), Some("bash"));
        assert_eq!(h.string_array(BASENAMES).unwrap(), ["bash", "sh"]);
        assert_eq!(h.int(EPOCH).unwrap(), Some(2));
        assert_eq!(h.ints(DIRINDEXES).unwrap(), [1, 0]);
        assert_eq!(h.string(VERSION).unwrap(), None);
        assert!(h.ints(BASENAMES).is_err());
    }

    #[test]
    fn lying_counts_and_offsets_are_errors_not_panics() {
        let good = blob(&[e(NAME, s("bash")), e(BASENAMES, sa(&["a", "b"]))]);
        // Truncated anywhere: an error, never a panic.
        for n in 0..good.len() {
            let _ = Header::parse(&good[..n]).map(|h| h.string(NAME));
        }
        assert!(Header::parse(&good[..good.len() - 1]).is_err());
        // il = 0x7fffffff
        let mut b = good.clone();
        b[0..4].copy_from_slice(&0x7fff_ffffu32.to_be_bytes());
        assert!(Header::parse(&b).unwrap_err().contains("tags"));
        // A string array claiming a million entries.
        let mut b = good.clone();
        let count_at = 8 + 16 + 12;
        b[count_at..count_at + 4].copy_from_slice(&1_000_000u32.to_be_bytes());
        let h = Header::parse(&b).unwrap();
        assert!(h.string_array(BASENAMES).unwrap_err().contains("claims"));
        // An offset past the data.
        let mut b = good.clone();
        b[8 + 8..8 + 12].copy_from_slice(&999u32.to_be_bytes());
        let h = Header::parse(&b).unwrap();
        assert!(h.string(NAME).unwrap_err().contains("outside"));
        // A string without its NUL.
        let mut b = blob(&[e(NAME, s("bash"))]);
        let last = b.len() - 1;
        b[last] = b'x';
        let h = Header::parse(&b).unwrap();
        assert!(h.string(NAME).is_err());
    }
}
