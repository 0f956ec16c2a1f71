//! SQLite (`rpmdb.sqlite` of rpm ≥ 4.16: RHEL/CentOS Stream/Rocky/Alma 9, Fedora,
//! UBI 9): the header blobs are the rows of `Packages(hnum, blob)`.
//!
//! The database is opened from memory (SQLite's deserialize, through rusqlite): no
//! temporary file, nothing from the image on disk. rpm keeps the file in WAL mode
//! (header bytes 18 and 19 are 2), which an in-memory database cannot open, so our
//! copy is marked as a rollback-journal database first; rpm checkpoints the WAL into
//! the main file when it closes the database, so the main file holds every package.
use rusqlite::{Connection, OpenFlags, MAIN_DB};

use super::bdb::Record;

/// SQLite's file header magic.
const MAGIC: &[u8] = b"SQLite format 3\0";

/// The package records of an `rpmdb.sqlite`. Rows that cannot be read go to `warn`;
/// a file SQLite cannot open or query is an `Err`.
pub fn records(file: &[u8], warn: &mut dyn FnMut(String)) -> Result<Vec<Record>, String> {
    if !file.starts_with(MAGIC) || file.len() < 100 {
        return Err("not an SQLite database (bad magic)".into());
    }
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
