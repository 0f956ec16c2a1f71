//! SQLite (`rpmdb.sqlite` of rpm ≥ 4.16: RHEL/CentOS Stream/Rocky/Alma 9, Fedora,
//! UBI 9): the header blobs are the rows of `Packages(hnum, blob)`.
//!
//! The database is opened from memory (SQLite's deserialize, through rusqlite): no
//! temporary file, nothing from the image on disk. rpm keeps the file in WAL mode
//! (header bytes 18 and 19 are 2), which an in-memory database cannot open, so our
//! copy is marked as a rollback-journal database first. rpm checkpoints the WAL into
//! the main file when it closes the database (`wal_checkpoint(TRUNCATE)`), so the WAL
//! is normally empty; when an image still carries committed transactions in
//! `rpmdb.sqlite-wal` (a process that never closed the database), they are applied to
//! our copy first, as SQLite itself would on opening the pair ([`apply_wal`]).
use rusqlite::{Connection, OpenFlags, MAIN_DB};

use super::bdb::Record;

/// SQLite's file header magic.
const MAGIC: &[u8] = b"SQLite format 3\0";

/// The package records of an `rpmdb.sqlite`. Rows that cannot be read go to `warn`;
/// a file SQLite cannot open or query is an `Err`.
pub fn records(
    file: &[u8],
    wal: Option<&[u8]>,
    warn: &mut dyn FnMut(String),
) -> Result<Vec<Record>, String> {
    if !file.starts_with(MAGIC) || file.len() < 100 {
        return Err("not an SQLite database (bad magic)".into());
    }
    let merged = wal.and_then(|w| apply_wal(file, w, warn));
    let file = merged.as_deref().unwrap_or(file);
    let mut conn = Connection::open_in_memory_with_flags(
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("SQLite: {e}"))?;
    // Bytes 18/19: file format write/read version, 2 = WAL. Only the first 100 bytes
    // (the file header) are copied to patch them; SQLite copies the whole file once.
    let mut head = file[..100].to_vec();
    for b in &mut head[18..20] {
        if *b == 2 {
            *b = 1;
        }
    }
    let reader = std::io::Read::chain(head.as_slice(), &file[100..]);
    conn.deserialize_read_exact(MAIN_DB, reader, file.len(), true)
        .map_err(|e| format!("SQLite cannot open the database: {e}"))?;
    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(|e| format!("SQLite cannot read the Packages table: {e}"))?;
    let mut rows = stmt
        .query([])
        .map_err(|e| format!("SQLite cannot read the Packages table: {e}"))?;
    let mut out = Vec::new();
    loop {
        let row = match rows.next() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => {
                // A corrupt page ends the scan: what was read stays.
                warn(format!("SQLite stopped after {} packages: {e}", out.len()));
                break;
            }
        };
        let hnum: i64 = match row.get(0) {
            Ok(h) => h,
            Err(e) => {
                warn(format!("SQLite row without a package number: {e}; skipped"));
                continue;
            }
        };
        match row.get::<_, Vec<u8>>(1) {
            Ok(blob) => out.push(Record {
                instance: u32::try_from(hnum).unwrap_or(u32::MAX),
                blob,
            }),
            Err(e) => warn(format!("SQLite record {hnum}: {e}; skipped")),
        }
    }
    Ok(out)
}

/// WAL file magic (big-endian); the low bit says the checksums' word order.
const WAL_MAGIC: u32 = 0x377f_0682;
const WAL_HEADER: usize = 32;
const FRAME_HEADER: usize = 24;

fn be32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// SQLite's WAL checksum, continued from `(s0, s1)` over `data` (a multiple of 8).
fn wal_checksum(data: &[u8], big: bool, (mut s0, mut s1): (u32, u32)) -> (u32, u32) {
    for pair in data.chunks_exact(8) {
        let word = |w: &[u8]| {
            let a = [w[0], w[1], w[2], w[3]];
            if big {
                u32::from_be_bytes(a)
            } else {
                u32::from_le_bytes(a)
            }
        };
        s0 = s0.wrapping_add(word(&pair[..4])).wrapping_add(s1);
        s1 = s1.wrapping_add(word(&pair[4..])).wrapping_add(s0);
    }
    (s0, s1)
}

/// The database with the committed frames of its write-ahead log applied (facts from
/// SQLite's file format document: a 32-byte WAL header, then frames of a 24-byte
/// header and one page; a frame counts when its salts match the header and its
/// running checksum holds, and frames count up to the last commit frame, the one that
/// gives the database size). `None` when the log holds no committed frame.
pub fn apply_wal(db: &[u8], wal: &[u8], warn: &mut dyn FnMut(String)) -> Option<Vec<u8>> {
    if wal.len() < WAL_HEADER {
        return None; // empty after rpm's checkpoint
    }
    let magic = be32(wal, 0);
    if magic & !1 != WAL_MAGIC {
        warn("rpmdb.sqlite-wal is not a SQLite write-ahead log; ignored".into());
        return None;
    }
    let big = magic & 1 == 1;
    let page_size = be32(wal, 8) as usize;
    let db_page_size = match u16::from_be_bytes([db[16], db[17]]) {
        1 => 65536,
        n => usize::from(n),
    };
    let header_sum = wal_checksum(&wal[..24], big, (0, 0));
    if page_size != db_page_size || header_sum != (be32(wal, 24), be32(wal, 28)) {
        warn(
            "rpmdb.sqlite-wal does not match the database (page size or checksum); ignored".into(),
        );
        return None;
    }
    let salts = (be32(wal, 16), be32(wal, 20));
    let mut sum = header_sum;
    // (page number, frame offset) of the frames up to the last commit seen.
    let mut pending = Vec::new();
    let mut committed: Option<(Vec<(usize, usize)>, usize)> = None;
    let mut at = WAL_HEADER;
    while let Some(frame) = wal.get(at..at + FRAME_HEADER + page_size) {
        let (pgno, size_after) = (be32(frame, 0) as usize, be32(frame, 4) as usize);
        if (be32(frame, 8), be32(frame, 12)) != salts || pgno == 0 {
            break;
        }
        sum = wal_checksum(&frame[..8], big, sum);
        sum = wal_checksum(&frame[FRAME_HEADER..], big, sum);
        if sum != (be32(frame, 16), be32(frame, 20)) {
            break;
        }
        pending.push((pgno, at + FRAME_HEADER));
        if size_after > 0 {
            let mut frames = committed.take().map(|(f, _)| f).unwrap_or_default();
            frames.append(&mut pending);
            committed = Some((frames, size_after));
        }
        at += FRAME_HEADER + page_size;
    }
    let (frames, pages) = committed?;
    let mut out = db.to_vec();
    out.resize(pages.checked_mul(page_size)?.max(100), 0);
    for (pgno, off) in frames {
        let dst = (pgno - 1).checked_mul(page_size)?;
        if let (Some(d), Some(src)) = (
            out.get_mut(dst..dst + page_size),
            wal.get(off..off + page_size),
        ) {
            d.copy_from_slice(src);
        }
    }
    // The database size is the last commit's; make the header say so (size at 28,
    // valid when the version-valid-for number at 92 equals the change counter at 24).
    let pages = u32::try_from(pages).ok()?;
    out[28..32].copy_from_slice(&pages.to_be_bytes());
    let counter: [u8; 4] = out[24..28].try_into().ok()?;
    out[92..96].copy_from_slice(&counter);
    Some(out)
}
