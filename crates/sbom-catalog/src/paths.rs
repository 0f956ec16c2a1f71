//! A compact sorted set of paths, each marked folder or not: the entries of a layer
//! whose content nobody wants (most of a layer), kept for the squash at a few bytes each
//! instead of a `String` and a tree node each.
//!
//! Paths are front-coded: each stores the length of the prefix it shares with the one
//! before it and the rest of its bytes; every [`BLOCK`]th path is stored whole, so a
//! lookup is a binary search over block heads and a short scan. A million paths of a
//! typical layer take a few MB.
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Paths per block (the first of a block is stored whole).
const BLOCK: usize = 16;

/// A sorted set of `(path, is_dir)`, paths unique.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathSet {
    /// Per path: varint shared prefix length, varint `suffix_len << 1 | is_dir`, suffix.
    data: Vec<u8>,
    /// Offset in `data` of each block's first path.
    blocks: Vec<usize>,
    len: usize,
}

fn put_uv(out: &mut Vec<u8>, mut v: usize) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_uv(data: &[u8], pos: &mut usize) -> Option<usize> {
    let mut v: usize = 0;
    for shift in (0..64).step_by(7) {
        let b = *data.get(*pos)?;
        *pos += 1;
        v |= usize::from(b & 0x7f).checked_shl(shift)?;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// Builds a [`PathSet`] from paths given in strictly increasing order.
#[derive(Default)]
pub struct PathSetBuilder {
    set: PathSet,
    prev: Vec<u8>,
}

impl PathSetBuilder {
    /// Adds the next path; `false` (nothing added) when it is not greater than the last.
    pub fn push(&mut self, path: &str, is_dir: bool) -> bool {
        let p = path.as_bytes();
        if self.set.len > 0 && p <= self.prev.as_slice() {
            return false;
        }
        let shared = if self.set.len.is_multiple_of(BLOCK) {
            self.set.blocks.push(self.set.data.len());
            0
        } else {
            self.prev.iter().zip(p).take_while(|(a, b)| a == b).count()
        };
        let suffix = p.get(shared..).unwrap_or_default();
        put_uv(&mut self.set.data, shared);
        put_uv(&mut self.set.data, suffix.len() << 1 | usize::from(is_dir));
        self.set.data.extend_from_slice(suffix);
        self.prev.truncate(shared);
        self.prev.extend_from_slice(suffix);
        self.set.len += 1;
        true
    }
    pub fn finish(mut self) -> PathSet {
        self.set.data.shrink_to_fit();
        self.set.blocks.shrink_to_fit();
        self.set
    }
}

/// Walks a [`PathSet`] in order; `next` lends each path.
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    buf: Vec<u8>,
}

impl Cursor<'_> {
    /// The next path and whether it is a folder.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<(&str, bool)> {
        if self.pos >= self.data.len() {
            return None;
        }
        let shared = get_uv(self.data, &mut self.pos)?;
        let word = get_uv(self.data, &mut self.pos)?;
        let n = word >> 1;
        let suffix = self.data.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        if shared > self.buf.len() {
            return None;
        }
        self.buf.truncate(shared);
        self.buf.extend_from_slice(suffix);
        let s = std::str::from_utf8(&self.buf).ok()?;
        Some((s, word & 1 == 1))
    }
}

impl PathSet {
    /// From `(path, is_dir)` pairs in strictly increasing path order; `None` otherwise.
    pub fn from_sorted<'a>(items: impl IntoIterator<Item = (&'a str, bool)>) -> Option<Self> {
        let mut b = PathSetBuilder::default();
        for (p, d) in items {
            if !b.push(p, d) {
                return None;
            }
        }
        Some(b.finish())
    }

    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Bytes held (for measurements).
    pub fn heap_bytes(&self) -> usize {
        self.data.capacity() + self.blocks.capacity() * std::mem::size_of::<usize>()
    }

    pub fn cursor(&self) -> Cursor<'_> {
        Cursor {
            data: &self.data,
            pos: 0,
            buf: Vec::new(),
        }
    }

    /// Every path, in order (allocates each; tests and small sets).
    pub fn to_vec(&self) -> Vec<(String, bool)> {
        let mut out = Vec::with_capacity(self.len);
        let mut c = self.cursor();
        while let Some((p, d)) = c.next() {
            out.push((p.to_string(), d));
        }
        out
    }

    /// The first path of block `i` (stored whole).
    fn head(&self, i: usize) -> Option<&[u8]> {
        let mut pos = *self.blocks.get(i)?;
        let _shared = get_uv(&self.data, &mut pos)?;
        let n = get_uv(&self.data, &mut pos)? >> 1;
        self.data.get(pos..pos.checked_add(n)?)
    }

    /// `Some(is_dir)` when `path` is in the set.
    pub fn get(&self, path: &str) -> Option<bool> {
        let p = path.as_bytes();
        // The last block whose head is <= path.
        let (mut lo, mut hi) = (0usize, self.blocks.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.head(mid)? <= p {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let block = lo.checked_sub(1)?;
        let start = *self.blocks.get(block)?;
        let end = self
            .blocks
            .get(block + 1)
            .copied()
            .unwrap_or(self.data.len());
        let mut c = Cursor {
            data: self.data.get(..end)?,
            pos: start,
            buf: Vec::new(),
        };
        while let Some((q, d)) = c.next() {
            match q.as_bytes().cmp(p) {
                std::cmp::Ordering::Less => {}
                std::cmp::Ordering::Equal => return Some(d),
                std::cmp::Ordering::Greater => return None,
            }
        }
        None
    }

    /// The same set without the paths `drop` names.
    pub fn without(&self, drop: &dyn Fn(&str) -> bool) -> PathSet {
        let mut b = PathSetBuilder::default();
        let mut c = self.cursor();
        while let Some((p, d)) = c.next() {
            if !drop(p) {
                b.push(p, d);
            }
        }
        b.finish()
    }

    /// The encoded bytes (for the layer cache).
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// Decodes bytes made by [`PathSet::as_bytes`], checking every path (well formed,
    /// UTF-8, strictly increasing, block heads stored whole); `None` when they are not.
    pub fn from_bytes(data: Vec<u8>) -> Option<PathSet> {
        let mut blocks = Vec::new();
        let mut pos = 0;
        let mut prev: Vec<u8> = Vec::new();
        let mut len = 0usize;
        while pos < data.len() {
            let at = pos;
            let shared = get_uv(&data, &mut pos)?;
            let word = get_uv(&data, &mut pos)?;
            let n = word >> 1;
            let suffix = data.get(pos..pos.checked_add(n)?)?;
            pos += n;
            if len.is_multiple_of(BLOCK) {
                if shared != 0 {
                    return None;
                }
                blocks.push(at);
            }
            if shared > prev.len() {
                return None;
            }
            let before = prev.clone();
            prev.truncate(shared);
            prev.extend_from_slice(suffix);
            if (len > 0 && prev <= before) || std::str::from_utf8(suffix).is_err() {
                return None;
            }
            len += 1;
        }
        std::str::from_utf8(&prev).ok()?;
        Some(PathSet { data, blocks, len })
    }
}

impl Serialize for PathSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_vec().serialize(s)
    }
}

impl<'de> Deserialize<'de> for PathSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let items = Vec::<(String, bool)>::deserialize(d)?;
        PathSet::from_sorted(items.iter().map(|(p, d)| (p.as_str(), *d)))
            .ok_or_else(|| serde::de::Error::custom("paths not strictly increasing"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(n: usize) -> Vec<(String, bool)> {
        let mut v: Vec<(String, bool)> = (0..n)
            .map(|i| (format!("d{:02}/f{i:05}", i % 37), i % 5 == 0))
            .collect();
        v.push(("é/ü".into(), false));
        v.sort();
        v
    }

    #[test]
    fn finds_every_path_and_nothing_else() {
        for n in [0, 1, 15, 16, 17, 33, 1000] {
            let v = sample(n);
            let s = PathSet::from_sorted(v.iter().map(|(p, d)| (p.as_str(), *d))).unwrap();
            assert_eq!(s.len(), v.len());
            assert_eq!(s.to_vec(), v);
            for (p, d) in &v {
                assert_eq!(s.get(p), Some(*d), "{p}");
                assert_eq!(s.get(&format!("{p}x")), None);
                let mut shorter = p.clone();
                shorter.pop();
                assert_eq!(s.get(&shorter), None);
            }
            assert_eq!(s.get(""), None);
            assert_eq!(s.get("zzz"), None);
            let back = PathSet::from_bytes(s.as_bytes().to_vec()).unwrap();
            assert_eq!(back, s);
        }
    }

    #[test]
    fn refuses_unsorted_input_and_damaged_bytes() {
        assert!(PathSet::from_sorted([("b", false), ("a", false)]).is_none());
        assert!(PathSet::from_sorted([("a", false), ("a", true)]).is_none());
        let v = sample(100);
        let s = PathSet::from_sorted(v.iter().map(|(p, d)| (p.as_str(), *d))).unwrap();
        let bytes = s.as_bytes();
        for cut in [1, 7, bytes.len() - 1] {
            // Either refused or a valid (shorter) set: never a panic.
            if let Some(t) = PathSet::from_bytes(bytes[..cut].to_vec()) {
                assert!(t.len() < s.len());
            }
        }
        let mut flipped = bytes.to_vec();
        flipped[0] = 5; // a block head that claims a shared prefix
        assert!(PathSet::from_bytes(flipped).is_none());
    }

    #[test]
    fn without_drops_the_named_paths() {
        let s = PathSet::from_sorted([("a", true), ("a/b", false), ("c", false)]).unwrap();
        let t = s.without(&|p| p == "a/b");
        assert_eq!(
            t.to_vec(),
            [("a".to_string(), true), ("c".to_string(), false)]
        );
    }
}
