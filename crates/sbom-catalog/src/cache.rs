//! Per-layer cache of [`LayerIndex`]es, keyed by the layer's verified digest ([`crate::scan::cache_key`]:
//! the blob digest, else the diffID) and the analysis
//! version (every cataloger's name and version, the walker format and its size cap).
//!
//! One file per layer: `DIR/layers/<algorithm>-<hex>.<analysis>.idx`. Writes go to a
//! unique temporary file in the same folder and are renamed into place, so concurrent
//! processes may share the folder without any lock: a reader sees either no file or a
//! whole one. A file that fails to decode (truncated, bit flip: every file carries a
//! checksum) is a miss and gets rewritten. While one process analyses a layer it holds
//! `<file>.lock` (created exclusively, holding its pid); another process needing the same
//! layer waits for the cache file instead of analysing it too (two CI shards sharing a
//! cache cost no more than one). The lock is only an optimisation: a stale one (dead pid,
//! or an hour old) is taken over, and any trouble with it means analysing anyway.
//!
//! The encoding is a compact binary one of our own (sorted paths stored as shared
//! prefix + suffix, bodies raw), because it is on the warm path: decoding is a single
//! pass over a byte slice.
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use crate::walker::{IndexWarning, LayerIndex, Node, WALKER_FORMAT_VERSION};
use crate::Cataloger;

const MAGIC: &[u8; 8] = b"SBOMLIDX";
/// Bumped when the file encoding changes (3: the plain paths as a front-coded set).
const FILE_FORMAT: u32 = 3;

/// Errors writing the cache (reading never fails: a bad file is a miss).
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("layer cache: {diff_id} is not a digest usable as a cache key")]
    BadKey { diff_id: String },
    #[error("layer cache: cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Whether a cache note (`ScanOutput::cache_notes`) says an analysis could not be
/// written (a full disk, a read-only folder): the scan is right but the next one will
/// analyse again, which the user should hear about.
pub fn is_write_failure(note: &str) -> bool {
    note.starts_with("layer cache: cannot write ")
}

/// Outcome of a cache lookup.
#[derive(Debug)]
pub enum Lookup {
    Hit(LayerIndex),
    Miss,
    /// A file was there but did not decode; treat as a miss (it will be rewritten).
    Corrupt(String),
}

/// The analysis version: a short hex hash over every cataloger's name and version, the
/// walker format version and the captured-file size cap.
pub fn analysis_version(catalogers: &[Box<dyn Cataloger>], max_file_size: u64) -> String {
    let mut text = format!("walker={WALKER_FORMAT_VERSION};file={FILE_FORMAT};max={max_file_size}");
    let mut names: Vec<(&str, u32)> = catalogers.iter().map(|c| (c.name(), c.version())).collect();
    names.sort_unstable();
    for (n, v) in names {
        text.push_str(&format!(";{n}={v}"));
    }
    sbom_model::sha256_hex(text.as_bytes())
        .get(..16)
        .unwrap_or_default()
        .to_string()
}

/// A cache folder.
#[derive(Clone, Debug)]
pub struct LayerCache {
    dir: PathBuf,
    analysis: String,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Layers being analysed in this process, by cache file: a second scan needing the
/// same layer at the same time waits for the first instead of reading it again.
static IN_FLIGHT: Mutex<BTreeMap<PathBuf, Arc<Flight>>> = Mutex::new(BTreeMap::new());

#[derive(Default)]
struct Flight {
    done: Mutex<bool>,
    cv: Condvar,
}

/// The right to analyse one layer in this process; others wait until it is dropped.
pub struct Claim {
    path: PathBuf,
    flight: Arc<Flight>,
    /// The lock file this claim created (other processes sharing the folder wait on it).
    lock_file: Option<PathBuf>,
}

impl Drop for Claim {
    fn drop(&mut self) {
        if let Some(lock) = &self.lock_file {
            let _ = std::fs::remove_file(lock);
        }
        if let Ok(mut m) = IN_FLIGHT.lock() {
            m.remove(&self.path);
        }
        if let Ok(mut d) = self.flight.done.lock() {
            *d = true;
        }
        self.flight.cv.notify_all();
    }
}

impl LayerCache {
    /// A cache rooted at `dir` (created on first write) for one analysis version.
    pub fn new(dir: impl Into<PathBuf>, analysis: impl Into<String>) -> Self {
        LayerCache {
            dir: dir.into(),
            analysis: analysis.into(),
        }
    }

    /// The file that holds (or would hold) the index of `diff_id`; `None` when the
    /// diffID is not a plain `algorithm:hex` digest (never trusted as a file name).
    pub fn path_for(&self, diff_id: &str) -> Option<PathBuf> {
        let (algo, hex) = diff_id.split_once(':')?;
        let algo_ok = !algo.is_empty()
            && algo.len() <= 16
            && algo
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        let hex_ok = (32..=128).contains(&hex.len())
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        (algo_ok && hex_ok).then(|| {
            self.dir
                .join("layers")
                .join(format!("{algo}-{hex}.{}.idx", self.analysis))
        })
    }

    /// Looks the layer up.
    pub fn load(&self, diff_id: &str) -> Lookup {
        let Some(path) = self.path_for(diff_id) else {
            return Lookup::Miss;
        };
        let Ok(file) = std::fs::File::open(&path) else {
            return Lookup::Miss;
        };
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        match decode_from(
            std::io::BufReader::with_capacity(64 * 1024, file),
            size,
            diff_id,
        ) {
            Ok(idx) => Lookup::Hit(idx),
            Err(why) => Lookup::Corrupt(format!("{}: {why}", path.display())),
        }
    }

    /// Claims the analysis of `diff_id` in this process. When another scan of this
    /// process holds the claim, waits until it is released and gives `None` (look in
    /// the cache again: the other scan has stored the layer, unless it failed).
    pub fn claim(&self, diff_id: &str) -> Option<Claim> {
        let path = self.path_for(diff_id)?;
        let flight = {
            let Ok(mut m) = IN_FLIGHT.lock() else {
                return None;
            };
            match m.get(&path) {
                Some(f) => Arc::clone(f),
                None => {
                    let flight = Arc::new(Flight::default());
                    m.insert(path.clone(), Arc::clone(&flight));
                    drop(m);
                    let mut claim = Claim {
                        path,
                        flight,
                        lock_file: None,
                    };
                    return match lock_across_processes(&claim.path) {
                        CrossLock::Won(lock) => {
                            claim.lock_file = lock;
                            Some(claim)
                        }
                        // Another process analysed it (or gave up): look again.
                        CrossLock::Waited => None,
                    };
                }
            }
        };
        let Ok(mut done) = flight.done.lock() else {
            return None;
        };
        while !*done {
            match flight.cv.wait(done) {
                Ok(d) => done = d,
                Err(_) => return None,
            }
        }
        None
    }

    /// The analysis version this cache files entries under.
    pub fn analysis(&self) -> &str {
        &self.analysis
    }

    /// Stores the index of `diff_id` atomically (temp file + rename).
    pub fn store(&self, diff_id: &str, index: &LayerIndex) -> Result<(), CacheError> {
        self.write_entry(diff_id, |f| {
            let mut w = encode_to(
                std::io::BufWriter::with_capacity(64 * 1024, f),
                index,
                diff_id,
            )?;
            w.flush()
        })
    }

    /// Stores an encoded entry (the bytes of [`encode_entry`], e.g. from the registry
    /// cache, already checked by [`decode_entry`]) atomically.
    pub fn store_encoded(&self, diff_id: &str, entry: &[u8]) -> Result<(), CacheError> {
        self.write_entry(diff_id, |mut f| f.write_all(entry))
    }

    fn write_entry(
        &self,
        diff_id: &str,
        write_to: impl FnOnce(std::fs::File) -> std::io::Result<()>,
    ) -> Result<(), CacheError> {
        let path = self.path_for(diff_id).ok_or_else(|| CacheError::BadKey {
            diff_id: diff_id.to_string(),
        })?;
        let dir = path.parent().unwrap_or(&self.dir).to_path_buf();
        let werr = |p: &Path| {
            let p = p.to_path_buf();
            move |source| CacheError::Write { path: p, source }
        };
        std::fs::create_dir_all(&dir).map_err(werr(&dir))?;
        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        if n == 0 {
            // Once per process: temp files of writers killed mid-write.
            sweep_dead_temps(&dir);
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let tmp = dir.join(format!(
            ".tmp-{}-{n}-{nanos}.{}",
            std::process::id(),
            path.file_name().and_then(|f| f.to_str()).unwrap_or("idx")
        ));
        let write = || -> std::io::Result<()> {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)?;
            write_to(f)?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            werr(&path)(e)
        })
    }
}

/// How long ago a file was last modified (`None` when the clock or file system cannot say).
fn age_of(meta: &std::fs::Metadata) -> Option<std::time::Duration> {
    meta.modified().ok().and_then(|t| t.elapsed().ok())
}

/// Removes `.tmp-PID-…` files in `dir` that a killed writer left behind: their process is
/// gone (seen through `/proc`), or they are older than [`STALE_LOCK`]. They are never
/// read as entries; this only keeps them from piling up in a shared cache.
fn sweep_dead_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let procfs = Path::new("/proc/self").exists();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(".tmp-")) else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        let old = e
            .metadata()
            .ok()
            .and_then(|m| age_of(&m))
            .is_some_and(|age| age > STALE_LOCK);
        let dead = procfs && pid.is_some_and(|p| p != std::process::id() && !process_alive(p));
        if old || dead {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// The bytes a cache file holds for `idx` filed under `diff_id` (the registry cache
/// stores the same bytes).
pub fn encode_entry(idx: &LayerIndex, diff_id: &str) -> Vec<u8> {
    encode_to(std::io::Cursor::new(Vec::new()), idx, diff_id)
        .map(std::io::Cursor::into_inner)
        .unwrap_or_default()
}

/// Decodes a cache entry's bytes, checking that it was written for `diff_id` and its
/// checksum: an entry from elsewhere is never trusted blindly.
pub fn decode_entry(entry: &[u8], diff_id: &str) -> Result<LayerIndex, String> {
    decode_from(entry, entry.len() as u64, diff_id).map_err(str::to_string)
}

/// Longest wait for another process's analysis of a layer; after it, analyse anyway.
const CROSS_WAIT: std::time::Duration = std::time::Duration::from_secs(600);
/// A lock file older than this is taken as left behind by a killed process.
const STALE_LOCK: std::time::Duration = std::time::Duration::from_secs(3600);
/// A lock file without a pid older than this is taken as left behind by a process
/// killed right after creating it.
const PIDLESS_LOCK: std::time::Duration = std::time::Duration::from_secs(5);

enum CrossLock {
    /// This process analyses the layer (holding the lock file, when one could be made).
    Won(Option<PathBuf>),
    /// Another process held the lock and released it: look in the cache again.
    Waited,
}

/// Whether a lock file was left behind: its process is gone (same machine, seen through
/// `/proc`), or it is older than [`STALE_LOCK`].
fn stale_lock(lock: &Path) -> bool {
    let age = std::fs::metadata(lock).ok().and_then(|m| age_of(&m));
    if age.is_some_and(|age| age > STALE_LOCK) {
        return true;
    }
    let Ok(text) = std::fs::read_to_string(lock) else {
        return false;
    };
    match text.trim().parse::<u32>() {
        Ok(pid) => Path::new("/proc/self").exists() && !process_alive(pid),
        // Killed between creating the lock and writing its pid: nobody will ever
        // write it, so past a short grace it blocks nothing.
        Err(_) => age.is_some_and(|age| age > PIDLESS_LOCK),
    }
}

/// Whether process `pid` runs (seen through `/proc`). A zombie does not: killed, it
/// keeps its `/proc` entry until its parent reaps it, which a parent busy waiting for
/// other children (a CI script, `xargs -P`) may not do for as long as they run.
fn process_alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // `PID (COMM) STATE ...`: COMM may hold spaces and parentheses, so the state is
    // the first field after the last `)`.
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next());
    !matches!(state, Some("Z" | "X" | "x"))
}

/// Per-layer lock between processes sharing the cache folder (`<file>.lock`, created
/// exclusively, holding the pid): a second process waits for the first's analysis
/// instead of repeating it. Only an optimisation: writes stay atomic without it, so any
/// trouble (unwritable folder, stale or foreign lock) means analysing anyway.
fn lock_across_processes(cache_file: &Path) -> CrossLock {
    let Some(name) = cache_file.file_name() else {
        return CrossLock::Won(None);
    };
    let mut lock_name = name.to_os_string();
    lock_name.push(".lock");
    let lock = cache_file.with_file_name(lock_name);
    if let Some(dir) = lock.parent() {
        if std::fs::create_dir_all(dir).is_err() {
            return CrossLock::Won(None);
        }
    }
    let start = std::time::Instant::now();
    let mut waited = false;
    loop {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
        {
            Ok(mut f) => {
                let _ = write!(f, "{}", std::process::id());
                return if waited && cache_file.exists() {
                    let _ = std::fs::remove_file(&lock);
                    CrossLock::Waited
                } else {
                    CrossLock::Won(Some(lock))
                };
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if cache_file.exists() {
                    return CrossLock::Waited;
                }
                if start.elapsed() > CROSS_WAIT {
                    return CrossLock::Won(None);
                }
                if stale_lock(&lock) {
                    let _ = std::fs::remove_file(&lock);
                    continue;
                }
                waited = true;
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            Err(_) => return CrossLock::Won(None),
        }
    }
}

/// A fast streaming 64-bit checksum (not cryptographic: it only detects damaged
/// files). Four independent lanes over 32-byte blocks keep it near memory speed.
#[derive(Clone)]
struct Sum {
    lanes: [u64; 4],
    pending: [u8; 32],
    npending: usize,
    total: u64,
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;

impl Sum {
    fn new() -> Self {
        Sum {
            lanes: [
                0xcbf2_9ce4_8422_2325,
                0x8422_2325_cbf2_9ce4,
                0x2545_F491_4F6C_DD1D,
                0x4F6C_DD1D_2545_F491,
            ],
            pending: [0; 32],
            npending: 0,
            total: 0,
        }
    }
    fn block(&mut self, b: &[u8]) {
        for (lane, w) in self.lanes.iter_mut().zip(b.chunks_exact(8)) {
            let mut x = [0u8; 8];
            x.copy_from_slice(w);
            *lane = (*lane ^ u64::from_le_bytes(x))
                .wrapping_mul(K)
                .rotate_left(29);
        }
    }
    fn update(&mut self, mut data: &[u8]) {
        self.total += data.len() as u64;
        if self.npending > 0 {
            let take = (32 - self.npending).min(data.len());
            let (head, rest) = data.split_at(take);
            if let Some(dst) = self.pending.get_mut(self.npending..self.npending + take) {
                dst.copy_from_slice(head);
            }
            self.npending += take;
            data = rest;
            if self.npending < 32 {
                return;
            }
            let p = self.pending;
            self.block(&p);
            self.npending = 0;
        }
        let mut blocks = data.chunks_exact(32);
        for b in &mut blocks {
            self.block(b);
        }
        let rem = blocks.remainder();
        if let Some(dst) = self.pending.get_mut(..rem.len()) {
            dst.copy_from_slice(rem);
        }
        self.npending = rem.len();
    }
    fn finish(&self) -> u64 {
        let mut h = self.total.wrapping_mul(K);
        for &b in self.pending.get(..self.npending).unwrap_or_default() {
            h = (h ^ u64::from(b)).wrapping_mul(K).rotate_left(29);
        }
        for l in self.lanes {
            h = (h ^ l).wrapping_mul(K).rotate_left(31);
        }
        h ^ (h >> 29)
    }
}

#[cfg(test)]
fn checksum(data: &[u8]) -> u64 {
    let mut s = Sum::new();
    s.update(data);
    s.finish()
}

/// Streaming encoder: writes through to the file, checksumming as it goes (no copy
/// of the layer's bodies is made).
struct Enc<W> {
    w: W,
    sum: Sum,
}

impl<W: Write> Enc<W> {
    fn raw(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.sum.update(b);
        self.w.write_all(b)
    }
    fn uv(&mut self, mut v: u64) -> std::io::Result<()> {
        let mut buf = [0u8; 10];
        let mut n = 0;
        while v >= 0x80 {
            if let Some(slot) = buf.get_mut(n) {
                *slot = (v as u8) | 0x80;
            }
            n += 1;
            v >>= 7;
        }
        if let Some(slot) = buf.get_mut(n) {
            *slot = v as u8;
        }
        self.raw(buf.get(..=n).unwrap_or_default())
    }
    fn bytes(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.uv(b.len() as u64)?;
        self.raw(b)
    }
    fn set(&mut self, s: &std::collections::BTreeSet<String>) -> std::io::Result<()> {
        self.uv(s.len() as u64)?;
        for x in s {
            self.bytes(x.as_bytes())?;
        }
        Ok(())
    }
}

/// Writes the whole file: header (checksum patched in at the end), then the body.
fn encode_to<W: Write + Seek>(w: W, idx: &LayerIndex, diff_id: &str) -> std::io::Result<W> {
    let mut e = Enc { w, sum: Sum::new() };
    e.w.write_all(MAGIC)?;
    e.w.write_all(&FILE_FORMAT.to_le_bytes())?;
    e.w.write_all(&[0u8; 8])?;
    e.bytes(diff_id.as_bytes())?;
    e.uv(idx.nodes.len() as u64)?;
    let mut prev: &str = "";
    for (path, node) in &idx.nodes {
        let shared = prev
            .bytes()
            .zip(path.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        // Never split a UTF-8 character.
        let shared = (0..=shared)
            .rev()
            .find(|&i| path.is_char_boundary(i))
            .unwrap_or(0);
        e.uv(shared as u64)?;
        e.bytes(path.as_bytes().get(shared..).unwrap_or_default())?;
        match node {
            Node::Dir => e.raw(&[0])?,
            Node::File => e.raw(&[1])?,
            Node::Captured(b) => {
                e.raw(&[2])?;
                e.bytes(b)?;
            }
            Node::Symlink { target, wanted } => {
                e.raw(&[if *wanted { 4 } else { 3 }])?;
                e.bytes(target.as_bytes())?;
            }
            Node::Hardlink { target } => {
                e.raw(&[5])?;
                e.bytes(target.as_bytes())?;
            }
            Node::LinkTarget(b) => {
                e.raw(&[7])?;
                e.bytes(b)?;
            }
            Node::Summarized(list) => {
                e.raw(&[6])?;
                e.uv(list.len() as u64)?;
                for (by, data) in list.iter() {
                    e.bytes(by.as_bytes())?;
                    e.bytes(data)?;
                }
            }
        }
        prev = path;
    }
    e.bytes(idx.plain.as_bytes())?;
    e.set(&idx.whiteouts)?;
    e.set(&idx.opaque_dirs)?;
    e.uv(idx.warnings.len() as u64)?;
    for w in &idx.warnings {
        e.bytes(w.entry.as_bytes())?;
        e.bytes(w.message.as_bytes())?;
    }
    let sum = e.sum.finish();
    let mut w = e.w;
    w.seek(SeekFrom::Start((MAGIC.len() + 4) as u64))?;
    w.write_all(&sum.to_le_bytes())?;
    w.seek(SeekFrom::End(0))?;
    Ok(w)
}

/// The whole file in memory (tests).
#[cfg(test)]
fn encode(idx: &LayerIndex, diff_id: &str) -> Vec<u8> {
    encode_entry(idx, diff_id)
}

/// Streaming decoder: reads straight from the file into the final buffers (one copy,
/// no whole-file buffer), checksumming as it goes. Every length is checked against
/// what is left of the file before anything is allocated.
struct Dec<R> {
    r: R,
    left: u64,
    sum: Sum,
}

type DResult<T> = Result<T, &'static str>;

impl<R: Read> Dec<R> {
    fn fill(&mut self, buf: &mut [u8]) -> DResult<()> {
        self.r.read_exact(buf).map_err(|_| "truncated")?;
        self.sum.update(buf);
        Ok(())
    }
    fn byte(&mut self) -> DResult<u8> {
        let mut b = [0u8; 1];
        self.len_ok(1)?;
        self.fill(&mut b)?;
        Ok(b[0])
    }
    fn uv(&mut self) -> DResult<u64> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("bad number")
    }
    fn len_ok(&mut self, n: u64) -> DResult<usize> {
        if n > self.left {
            return Err("truncated");
        }
        self.left -= n;
        usize::try_from(n).map_err(|_| "bad length")
    }
    fn len(&mut self) -> DResult<usize> {
        let n = self.uv()?;
        self.len_ok(n)?;
        // Give the bytes back: `bytes` consumes them.
        self.left += n;
        usize::try_from(n).map_err(|_| "bad length")
    }
    fn bytes(&mut self) -> DResult<Vec<u8>> {
        let n = self.uv()?;
        let n = self.len_ok(n)?;
        let mut v = vec![0u8; n];
        self.fill(&mut v)?;
        Ok(v)
    }
    fn string(&mut self) -> DResult<String> {
        String::from_utf8(self.bytes()?).map_err(|_| "bad text")
    }
    fn set(&mut self) -> DResult<std::collections::BTreeSet<String>> {
        let n = self.len()?;
        (0..n).map(|_| self.string()).collect()
    }
}

/// Decodes a whole file held in memory (tests, tools).
#[cfg(test)]
fn decode(data: &[u8], diff_id: &str) -> DResult<LayerIndex> {
    decode_from(data, data.len() as u64, diff_id)
}

/// Decodes a file of `size` bytes from `r`.
fn decode_from(mut r: impl Read, size: u64, diff_id: &str) -> DResult<LayerIndex> {
    let mut head = [0u8; 20];
    r.read_exact(&mut head).map_err(|_| "not a layer index")?;
    let (magic, rest) = head.split_at(8);
    if magic != MAGIC.as_slice() {
        return Err("not a layer index");
    }
    let (ver, sum) = rest.split_at(4);
    if ver != FILE_FORMAT.to_le_bytes() {
        return Err("other format version");
    }
    let mut want = [0u8; 8];
    want.copy_from_slice(sum);
    let want = u64::from_le_bytes(want);
    let mut d = Dec {
        r,
        left: size.saturating_sub(20),
        sum: Sum::new(),
    };
    if d.bytes()? != diff_id.as_bytes() {
        return Err("written for another layer");
    }
    let n = d.len()?;
    let mut nodes: Vec<(String, Node)> = Vec::with_capacity(n);
    let mut prev = String::new();
    for _ in 0..n {
        let shared = usize::try_from(d.uv()?).map_err(|_| "bad length")?;
        let head = prev.get(..shared).ok_or("bad prefix")?;
        let tail = d.string()?;
        let mut path = String::with_capacity(shared + tail.len());
        path.push_str(head);
        path.push_str(&tail);
        if path <= prev && !nodes.is_empty() {
            return Err("paths out of order");
        }
        let node = match d.byte()? {
            0 => Node::Dir,
            1 => Node::File,
            2 => Node::Captured(std::sync::Arc::new(d.bytes()?)),
            k @ (3 | 4) => Node::Symlink {
                target: d.string()?,
                wanted: k == 4,
            },
            5 => Node::Hardlink {
                target: d.string()?,
            },
            7 => Node::LinkTarget(std::sync::Arc::new(d.bytes()?)),
            6 => {
                let n = d.len()?;
                let mut list = Vec::with_capacity(n.min(16));
                for _ in 0..n {
                    list.push((d.string()?, std::sync::Arc::new(d.bytes()?)));
                }
                Node::Summarized(list)
            }
            _ => return Err("bad node kind"),
        };
        prev.clone_from(&path);
        nodes.push((path, node));
    }
    let plain = crate::paths::PathSet::from_bytes(d.bytes()?).ok_or("bad plain paths")?;
    if nodes
        .iter()
        .any(|(p, n)| n.is_plain() || plain.get(p).is_some())
    {
        return Err("plain path among the nodes");
    }
    let whiteouts = d.set()?;
    let opaque_dirs = d.set()?;
    let nw = d.len()?;
    let mut warnings = Vec::with_capacity(nw);
    for _ in 0..nw {
        warnings.push(IndexWarning {
            entry: d.string()?,
            message: d.string()?,
        });
    }
    if d.left != 0 {
        return Err("trailing bytes");
    }
    if d.sum.finish() != want {
        return Err("checksum mismatch");
    }
    Ok(LayerIndex {
        nodes,
        plain,
        whiteouts,
        opaque_dirs,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    const DIFF: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn sample() -> LayerIndex {
        LayerIndex {
            plain: crate::paths::PathSet::from_sorted([("etc", true), ("etc/passwd", false)])
                .unwrap(),
            nodes: vec![
                (
                    "etc/os-release".into(),
                    Node::Captured(Arc::new(b"ID=x\n".to_vec())),
                ),
                (
                    "lib64".into(),
                    Node::Symlink {
                        target: "lib".into(),
                        wanted: false,
                    },
                ),
                (
                    "usr/lib/é/METADATA".into(),
                    Node::Symlink {
                        target: "../x".into(),
                        wanted: true,
                    },
                ),
                (
                    "usr/lib/éa".into(),
                    Node::Hardlink {
                        target: "etc/os-release".into(),
                    },
                ),
                (
                    "usr/local/bin/app".into(),
                    Node::Summarized(vec![
                        ("go".into(), Arc::new(b"go1.22\x00path".to_vec())),
                        ("rust".into(), Arc::new(Vec::new())),
                    ]),
                ),
                (
                    "usr/local/bin/link-target".into(),
                    Node::LinkTarget(Arc::new(b"Name: x\n".to_vec())),
                ),
            ],
            whiteouts: ["a/b".to_string()].into(),
            opaque_dirs: ["".to_string(), "usr".to_string()].into(),
            warnings: vec![IndexWarning {
                entry: "../x".into(),
                message: "escapes".into(),
            }],
        }
    }

    #[test]
    fn checksum_is_the_same_however_the_data_is_split() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        let whole = checksum(&data);
        for step in [1, 3, 31, 32, 33, 100, 999] {
            let mut s = Sum::new();
            for piece in data.chunks(step) {
                s.update(piece);
            }
            assert_eq!(s.finish(), whole, "step {step}");
        }
        let mut other = data.clone();
        other[500] ^= 1;
        assert_ne!(checksum(&other), whole);
        assert_ne!(checksum(&data[..999]), whole);
    }

    #[test]
    fn encoding_round_trips() {
        let idx = sample();
        let bytes = encode(&idx, DIFF);
        assert_eq!(decode(&bytes, DIFF).unwrap(), idx);
    }

    #[test]
    fn damaged_or_foreign_files_do_not_decode() {
        let bytes = encode(&sample(), DIFF);
        for cut in [0, 5, 13, 20, bytes.len() - 1] {
            assert!(
                decode(bytes.get(..cut).unwrap(), DIFF).is_err(),
                "cut {cut}"
            );
        }
        let mut flipped = bytes.clone();
        let last = flipped.len() - 3;
        flipped[last] ^= 0x40;
        assert_eq!(decode(&flipped, DIFF), Err("checksum mismatch"));
        let other = DIFF.replace('0', "1");
        assert_eq!(decode(&bytes, &other), Err("written for another layer"));
    }

    #[test]
    fn store_then_load_hits_and_corrupt_file_is_a_miss_then_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let c = LayerCache::new(dir.path(), "v1");
        assert!(matches!(c.load(DIFF), Lookup::Miss));
        c.store(DIFF, &sample()).unwrap();
        match c.load(DIFF) {
            Lookup::Hit(i) => assert_eq!(i, sample()),
            other => panic!("expected hit, got {other:?}"),
        }
        let p = c.path_for(DIFF).unwrap();
        std::fs::write(&p, b"SBOMLIDX garbage").unwrap();
        assert!(matches!(c.load(DIFF), Lookup::Corrupt(_)));
        c.store(DIFF, &sample()).unwrap();
        assert!(matches!(c.load(DIFF), Lookup::Hit(_)));
        // No temp files left behind.
        let names: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn a_second_claim_waits_for_the_first_to_be_released() {
        let dir = tempfile::tempdir().unwrap();
        let c = LayerCache::new(dir.path(), "v1");
        let first = c.claim(DIFF).expect("first claim");
        let order = Arc::new(Mutex::new(Vec::new()));
        let waiter = {
            let c = c.clone();
            let order = Arc::clone(&order);
            std::thread::spawn(move || {
                let second = c.claim(DIFF);
                order.lock().unwrap().push("second returned");
                second.is_none()
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        order.lock().unwrap().push("first released");
        drop(first);
        assert!(waiter.join().unwrap(), "the waiter must not get a claim");
        assert_eq!(
            *order.lock().unwrap(),
            ["first released", "second returned"]
        );
        // Released: the next claim is granted again.
        assert!(c.claim(DIFF).is_some());
    }

    fn lock_of(c: &LayerCache) -> PathBuf {
        let p = c.path_for(DIFF).unwrap();
        let mut name = p.file_name().unwrap().to_os_string();
        name.push(".lock");
        p.with_file_name(name)
    }

    #[test]
    fn a_claim_waits_for_another_processs_lock_then_reads_its_result() {
        let dir = tempfile::tempdir().unwrap();
        let c = LayerCache::new(dir.path(), "v1");
        let lock = lock_of(&c);
        std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
        // A live process (this one) holds the lock, as another `sbom` would.
        std::fs::write(&lock, std::process::id().to_string()).unwrap();
        let other = {
            let (c, lock) = (c.clone(), lock.clone());
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(100));
                c.store(DIFF, &sample()).unwrap();
                std::fs::remove_file(&lock).unwrap();
            })
        };
        assert!(c.claim(DIFF).is_none(), "must wait, not analyse");
        other.join().unwrap();
        assert!(matches!(c.load(DIFF), Lookup::Hit(_)));
        assert!(!lock.exists());
    }

    #[test]
    fn a_lock_left_by_a_dead_process_is_taken_over_and_removed_on_release() {
        let dir = tempfile::tempdir().unwrap();
        let c = LayerCache::new(dir.path(), "v1");
        let lock = lock_of(&c);
        std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
        std::fs::write(&lock, "4000000000").unwrap();
        let claim = c.claim(DIFF).expect("stale lock taken over");
        assert_eq!(
            std::fs::read_to_string(&lock).unwrap(),
            std::process::id().to_string()
        );
        drop(claim);
        assert!(!lock.exists());
    }

    #[test]
    fn a_pidless_lock_left_by_a_kill_is_taken_over_after_its_grace() {
        let dir = tempfile::tempdir().unwrap();
        let c = LayerCache::new(dir.path(), "v1");
        let lock = lock_of(&c);
        std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
        let f = std::fs::File::create(&lock).unwrap();
        // Fresh, it may be a live process about to write its pid: not stale.
        assert!(!stale_lock(&lock));
        f.set_modified(std::time::SystemTime::now() - PIDLESS_LOCK * 2)
            .unwrap();
        drop(f);
        let started = std::time::Instant::now();
        let claim = c.claim(DIFF).expect("pidless lock taken over");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        drop(claim);
        assert!(!lock.exists());
    }

    #[test]
    fn regression_temp_files_of_killed_writers_are_swept() {
        // Found by the kill soak: every writer killed mid-write left its `.tmp-PID-…`
        // file in the shared cache, forever.
        let mut gone = std::process::Command::new("true").spawn().unwrap();
        let dead = gone.id();
        gone.wait().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let me = std::process::id();
        let names = [
            format!(".tmp-{dead}-0-1.sha256-ab.v1.idx"),
            format!(".tmp-{me}-0-2.sha256-cd.v1.idx"),
            "sha256-ef.v1.idx".to_string(),
        ];
        for n in &names {
            std::fs::write(dir.path().join(n), b"x").unwrap();
        }
        sweep_dead_temps(dir.path());
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [names[1].clone(), names[2].clone()]);
    }

    #[test]
    fn regression_a_lock_held_by_a_killed_unreaped_process_is_stale() {
        // Found by the kill soak: a SIGKILLed scan whose parent had not reaped it yet
        // kept /proc/PID, so its lock blocked the other scans for the 10-minute wait.
        let mut child = std::process::Command::new("sleep")
            .arg("60")
            .spawn()
            .unwrap();
        let pid = child.id();
        assert!(process_alive(pid));
        child.kill().unwrap();
        // Not reaped yet: a zombie with its /proc entry.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while process_alive(pid) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(
            Path::new(&format!("/proc/{pid}")).exists(),
            "still a zombie"
        );
        assert!(!process_alive(pid));
        let dir = tempfile::tempdir().unwrap();
        let c = LayerCache::new(dir.path(), "v1");
        let lock = lock_of(&c);
        std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
        std::fs::write(&lock, pid.to_string()).unwrap();
        assert!(stale_lock(&lock));
        child.wait().unwrap();
        assert!(process_alive(std::process::id()));
    }

    #[test]
    fn another_analysis_version_misses() {
        let dir = tempfile::tempdir().unwrap();
        LayerCache::new(dir.path(), "v1")
            .store(DIFF, &sample())
            .unwrap();
        assert!(matches!(
            LayerCache::new(dir.path(), "v2").load(DIFF),
            Lookup::Miss
        ));
    }

    #[test]
    fn hostile_diff_id_is_never_a_file_name() {
        let c = LayerCache::new("/tmp/x", "v1");
        assert!(c.path_for("sha256:../../etc/passwd").is_none());
        assert!(c.path_for("").is_none());
        assert!(c
            .path_for("sha256:ABCDEF0123456789abcdef0123456789")
            .is_none());
        assert!(c.store("../x", &LayerIndex::default()).is_err());
    }

    #[test]
    fn analysis_version_changes_with_a_cataloger_version() {
        struct C(u32);
        impl Cataloger for C {
            fn name(&self) -> &'static str {
                "c"
            }
            fn version(&self) -> u32 {
                self.0
            }
            fn wants(&self, _: &str) -> bool {
                false
            }
            fn catalog(&self, _: &crate::FileView, _: &crate::Context) -> crate::CatalogOutput {
                crate::CatalogOutput::default()
            }
        }
        let a = analysis_version(&[Box::new(C(1))], 10);
        let b = analysis_version(&[Box::new(C(2))], 10);
        let c = analysis_version(&[Box::new(C(1))], 11);
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, analysis_version(&[Box::new(C(1))], 10));
    }
}
