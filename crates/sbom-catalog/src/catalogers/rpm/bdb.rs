//! Berkeley DB hash databases (`Packages` of rpm ≤ 4.15: CentOS 7/8, RHEL 8, UBI 8).
//!
//! Facts from Berkeley DB's on-disk format (`db_page.h`, as documented by Oracle and
//! described by go-rpmdb): page 0 is the hash metadata page (magic `0x061561` at byte
//! 12, in the writer's byte order; page size at 20; last page number at 32). Every
//! other page starts with a 26-byte header (next page at 16, entry count at 20, bytes
//! used on an overflow page at 22, page type at 25). Hash pages (type 13, or 2 for
//! old unsorted ones) hold an array of 16-bit item offsets after the header; items
//! alternate key and value. An item's first byte is its kind: 1 = bytes inline (they
//! run to the previous item's start), 3 = off-page (page number at +4, total length
//! at +8) continued on a chain of overflow pages (type 7).
//!
//! The pages are read in file order, as go-rpmdb does, rather than through the bucket
//! chains: every live item sits on some hash page, and a damaged chain cannot hide
//! the pages after it. Key 0 is rpm's own counter (the last instance number used),
//! not a package. A page or item that does not add up gives a warning and is skipped.

const HASH_MAGIC: u32 = 0x0006_1561;
const PAGE_HEADER: usize = 26;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;

#[derive(Clone, Copy)]
struct Order {
    big: bool,
}

impl Order {
    fn u32(self, b: &[u8], at: usize) -> Option<u32> {
        let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(if self.big {
            u32::from_be_bytes(s)
        } else {
            u32::from_le_bytes(s)
        })
    }
    fn u16(self, b: &[u8], at: usize) -> Option<u16> {
        let s: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
        Some(if self.big {
            u16::from_be_bytes(s)
        } else {
            u16::from_le_bytes(s)
        })
    }
}

/// One record: its instance number (key) and header blob.
pub struct Record {
    pub instance: u32,
    pub blob: Vec<u8>,
}

/// The package records of a Berkeley DB hash file. Problems with single pages or
/// items go to `warn`; an unreadable metadata page is an `Err`.
pub fn records(file: &[u8], warn: &mut dyn FnMut(String)) -> Result<Vec<Record>, String> {
    let le = Order { big: false };
    let order = match le.u32(file, 12) {
        Some(HASH_MAGIC) => le,
        Some(m) if m.swap_bytes() == HASH_MAGIC => Order { big: true },
        Some(_) => return Err("not a Berkeley DB hash database (bad magic)".into()),
        None => {
            return Err(format!(
                "file of {} bytes is too short for Berkeley DB",
                file.len()
            ))
        }
    };
    if file.get(25) != Some(&P_HASHMETA) {
        return Err("Berkeley DB file is not a hash database".into());
    }
    let page_size = order.u32(file, 20).unwrap_or(0) as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(format!("Berkeley DB page size {page_size} is invalid"));
    }
    let pages_in_file = file.len() / page_size;
    let last = order.u32(file, 32).unwrap_or(0) as usize;
    if last >= pages_in_file {
        warn(format!(
            "Berkeley DB claims {} pages, the file holds {pages_in_file}: truncated",
            last + 1
        ));
    }
    let db = Db {
        file,
        order,
        page_size,
        pages: pages_in_file.min(last + 1),
    };
    let mut out = Vec::new();
    for pgno in 1..db.pages {
        let page = db.page(pgno);
        if matches!(page.get(25), Some(&P_HASH | &P_HASH_UNSORTED)) {
            db.hash_page(pgno, &mut out, warn);
        }
    }
    Ok(out)
}

struct Db<'a> {
    file: &'a [u8],
    order: Order,
    page_size: usize,
    pages: usize,
}

impl<'a> Db<'a> {
    fn page(&self, pgno: usize) -> &'a [u8] {
        let start = pgno * self.page_size;
        self.file.get(start..start + self.page_size).unwrap_or(&[])
    }

    /// The items of one hash page, as (key, value) pairs.
    fn hash_page(&self, pgno: usize, out: &mut Vec<Record>, warn: &mut dyn FnMut(String)) {
        let page = self.page(pgno);
        let entries = self.order.u16(page, 20).unwrap_or(0) as usize;
        let index_end = PAGE_HEADER + 2 * entries;
        if index_end > page.len() || !entries.is_multiple_of(2) {
            warn(format!(
                "Berkeley DB page {pgno}: {entries} entries do not fit the page; page skipped"
            ));
            return;
        }
        // Item i runs from its offset to the previous item's (items grow downwards).
        let mut items = Vec::with_capacity(entries);
        let mut end = page.len();
        for i in 0..entries {
            let start = self.order.u16(page, PAGE_HEADER + 2 * i).unwrap_or(0) as usize;
            if start < index_end || start >= end {
                warn(format!(
                    "Berkeley DB page {pgno}: item {i} at offset {start} is outside the page's items; page skipped"
                ));
                return;
            }
            items.push(&page[start..end]);
            end = start;
        }
        for (n, pair) in items.chunks_exact(2).enumerate() {
            let (key, value) = (pair[0], pair[1]);
            let key = match key.split_first() {
                Some((&H_KEYDATA, k)) => k,
                _ => {
                    warn(format!(
                        "Berkeley DB page {pgno}: key {n} is not an inline key; skipped"
                    ));
                    continue;
                }
            };
            let instance = match key.try_into() {
                Ok(k) => {
                    let k: [u8; 4] = k;
                    if self.order.big {
                        u32::from_be_bytes(k)
                    } else {
                        u32::from_le_bytes(k)
                    }
                }
                Err(_) => {
                    warn(format!(
                        "Berkeley DB page {pgno}: key {n} has {} bytes, not 4; skipped",
                        key.len()
                    ));
                    continue;
                }
            };
            if instance == 0 {
                continue; // rpm's instance counter
            }
            let blob = match value.split_first() {
                Some((&H_KEYDATA, v)) => Ok(v.to_vec()),
                Some((&H_OFFPAGE, _)) => self.overflow(value),
                Some((kind, _)) => Err(format!("value of kind {kind} is not a package record")),
                None => Err("empty value".into()),
            };
            match blob {
                Ok(blob) => out.push(Record { instance, blob }),
                Err(msg) => warn(format!(
                    "Berkeley DB page {pgno}, record {instance}: {msg}; skipped"
                )),
            }
        }
    }

    /// A value stored on a chain of overflow pages.
    fn overflow(&self, item: &[u8]) -> Result<Vec<u8>, String> {
        let (Some(first), Some(total)) = (self.order.u32(item, 4), self.order.u32(item, 8)) else {
            return Err("off-page item is truncated".into());
        };
        let total = total as usize;
        if total > self.file.len() {
            return Err(format!(
                "off-page value claims {total} bytes, more than the file"
            ));
        }
        let mut out = Vec::with_capacity(total);
        let mut pgno = first as usize;
        // Each page is visited at most once: a cycle cannot loop forever.
        for _ in 0..self.pages {
            if pgno == 0 || pgno >= self.pages {
                return Err(format!(
                    "overflow chain points at page {pgno}, outside the file"
                ));
            }
            let page = self.page(pgno);
            if page.get(25) != Some(&P_OVERFLOW) {
                return Err(format!(
                    "overflow chain reaches page {pgno}, which is not an overflow page"
                ));
            }
            let used = self.order.u16(page, 22).unwrap_or(0) as usize;
            let Some(bytes) = page.get(PAGE_HEADER..PAGE_HEADER + used) else {
                return Err(format!("overflow page {pgno} claims {used} bytes"));
            };
            out.extend_from_slice(bytes);
            if out.len() > total {
                return Err(format!(
                    "overflow chain holds more than the {total} bytes announced"
                ));
            }
            let next = self.order.u32(page, 16).unwrap_or(0) as usize;
            if next == 0 {
                break;
            }
            pgno = next;
        }
        if out.len() != total {
            return Err(format!(
                "overflow chain holds {} of the {total} bytes announced",
                out.len()
            ));
        }
        Ok(out)
    }
}
