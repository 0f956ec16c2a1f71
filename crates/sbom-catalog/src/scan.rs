//! The scan engine: image source → per-layer indexes (cached, in parallel) → squash →
//! catalogers → [`Sbom`].
//!
//! Every layer is analysed at most once per analysis version: a cached layer's blob is
//! never opened. Layers run concurrently, largest first (all in flight by default,
//! because uneven layer sizes make a core-count cap slower). A digest or decoding error
//! is fatal and names the image, the layer digest and what failed, on one line; a
//! problem with one entry is a [`Warning`] and the scan goes on (`strict` turns
//! warnings into an error).
//!
//! "Introduced in": catalogers are also run over the filesystem as it stands after each
//! layer that changed a file they want; a package's `introduced_in` is the first layer
//! from which on the same package (ecosystem, name, architecture, site root) is present
//! with the final version without interruption.
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use rayon::prelude::*;
use sbom_image::{ImageError, ImageSource, LayerContent, LayerDescriptor, ResolvedImage, Verify};
use sbom_model::{LayerRef, Package, Platform, Sbom, Subject, SubjectKind};

use crate::cache::{analysis_version, decode_entry, encode_entry, LayerCache, Lookup};
use crate::remote::{RemoteCache, RemoteClaim};
use crate::squash::Squasher;
use crate::walker::{
    attach_link_bodies, index_dir, index_tar, unread_link_targets, LayerIndex, Node, Visitors,
    WalkConfig, DEFAULT_MAX_FILE_SIZE,
};
use crate::{
    catalogers, CapturedFile, CatalogOutput, Cataloger, Context, EntryInfo, FileView, Warning,
};

/// Progress of a scan, for the CLI's progress display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScanEvent {
    /// Manifest and config read.
    Resolved { layers: usize },
    /// One layer is indexed (from the cache, or analysed).
    LayerDone {
        index: u32,
        digest: String,
        cached: bool,
        /// From the shared (registry) cache: `cached` is set too.
        from_registry: bool,
        compressed_bytes: u64,
        uncompressed_bytes: u64,
    },
}

/// Callback receiving [`ScanEvent`]s (called from worker threads).
pub type ProgressFn = Arc<dyn Fn(&ScanEvent) + Send + Sync>;

/// How to scan.
pub struct ScanOptions {
    /// The platform asked for; `None`: linux/amd64 from a multi-platform index, the
    /// image as it is otherwise ([`sbom_image::resolve_platform`]).
    pub platform: Option<Platform>,
    /// Layer cache folder (`$XDG_CACHE_HOME/sbom`, `--cache-dir`); `None`: no cache.
    pub cache_dir: Option<PathBuf>,
    /// Any warning becomes an error.
    pub strict: bool,
    /// The catalogers to run (default: [`catalogers::all`]).
    pub catalogers: Vec<Box<dyn Cataloger>>,
    /// Largest captured file (bigger ones are skipped with a warning).
    pub max_file_size: u64,
    /// Most layers analysed at once (`None`: all in flight).
    pub layer_jobs: Option<usize>,
    pub progress: Option<ProgressFn>,
    /// Shared bound on layers analysed at once across scans (`--jobs` for a batch);
    /// cache hits do not take a slot.
    pub limiter: Option<Arc<LayerLimiter>>,
    /// Which layer digests are checked (`--verify`; default: all).
    pub verify: Verify,
    /// The image's supplier when its labels name none (`--supplier`).
    pub supplier: Option<String>,
    /// The second cache level shared between machines (`--cache-registry`).
    pub remote_cache: Option<Arc<dyn RemoteCache>>,
}

/// A counting semaphore bounding how many layers are read at once, shared by the
/// scans of one batch.
#[derive(Debug)]
pub struct LayerLimiter {
    max: usize,
    used: Mutex<usize>,
    cv: Condvar,
}

/// A slot of a [`LayerLimiter`], given back on drop.
pub struct LayerPermit<'a>(&'a LayerLimiter);

impl LayerLimiter {
    /// At most `max` layers at once (at least one).
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(LayerLimiter {
            max: max.max(1),
            used: Mutex::new(0),
            cv: Condvar::new(),
        })
    }
    /// Waits for a free slot.
    pub fn acquire(&self) -> LayerPermit<'_> {
        if let Ok(mut used) = self.used.lock() {
            while *used >= self.max {
                match self.cv.wait(used) {
                    Ok(u) => used = u,
                    Err(_) => return LayerPermit(self),
                }
            }
            *used += 1;
        }
        LayerPermit(self)
    }
    /// Slots in use now.
    pub fn in_use(&self) -> usize {
        self.used.lock().map(|u| *u).unwrap_or(0)
    }
}

impl Drop for LayerPermit<'_> {
    fn drop(&mut self) {
        if let Ok(mut used) = self.0.used.lock() {
            *used = used.saturating_sub(1);
        }
        self.0.cv.notify_one();
    }
}

impl ScanOptions {
    /// Defaults for `platform`: every cataloger, no cache, not strict.
    pub fn new(platform: Option<Platform>) -> Self {
        ScanOptions {
            platform,
            cache_dir: None,
            strict: false,
            catalogers: catalogers::all(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            layer_jobs: None,
            progress: None,
            limiter: None,
            verify: Verify::All,
            supplier: None,
            remote_cache: None,
        }
    }
}

impl Default for ScanOptions {
    /// No platform asked for.
    fn default() -> Self {
        ScanOptions::new(None)
    }
}

/// Counters of one scan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScanStats {
    pub layers_total: usize,
    /// Layers whose index came from the cache (blob never opened).
    pub layers_cached: usize,
    /// Of those, layers fetched from the shared (registry) cache.
    pub layers_from_registry: usize,
    /// Layers read and walked in this scan.
    pub layers_analysed: usize,
    /// Bytes of blobs read (analysed layers only).
    pub compressed_bytes: u64,
    /// Bytes of tar streams read (analysed layers only).
    pub uncompressed_bytes: u64,
    /// Files in the final view.
    pub files_captured: usize,
}

/// What a scan gives.
#[derive(Clone, Debug)]
pub struct ScanOutput {
    /// Finalized.
    pub sbom: Sbom,
    /// Sorted; each names its layer and entry.
    pub warnings: Vec<Warning>,
    pub stats: ScanStats,
    /// Cache problems that did not affect the result (unwritable folder, a damaged
    /// file that was replaced); for verbose output only.
    pub cache_notes: Vec<String>,
    /// Things the user should know that are not problems (the image was of another
    /// platform than linux/amd64 and none was asked for); shown unless quiet.
    pub notes: Vec<String>,
    /// Problems with the shared cache that did not affect the result (an entry that
    /// did not check out and was ignored, a store that failed): shown as warnings,
    /// never errors (`--strict` is about the image, not the cache).
    pub cache_warnings: Vec<String>,
}

/// A scan that could not give an SBOM. Every variant names the image reference.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The source could not be read (manifest, config, platform).
    #[error("{source}")]
    Resolve {
        image: String,
        #[source]
        source: ImageError,
    },
    /// A layer could not be read, decoded or verified. `message` is the whole line.
    #[error("{message}")]
    Layer {
        image: String,
        digest: String,
        message: String,
    },
    /// `strict` and there were warnings.
    #[error("{image}: {count} warning(s) and --strict; first: {first}")]
    Strict {
        image: String,
        count: usize,
        first: Warning,
    },
    /// A bug (a panic in a source or cataloger), reported instead of crashing.
    #[error("{image}: internal error: {message}")]
    Internal { image: String, message: String },
}

impl ScanError {
    /// The image reference the error is about.
    pub fn image(&self) -> &str {
        match self {
            ScanError::Resolve { image, .. }
            | ScanError::Layer { image, .. }
            | ScanError::Strict { image, .. }
            | ScanError::Internal { image, .. } => image,
        }
    }
}

/// One line naming image and layer once each, whatever `what` already says.
fn layer_error(image: &str, digest: &str, what: &str) -> ScanError {
    let what = what.replace('\n', "; ");
    let what = crate::printable(&what);
    let mut line = String::new();
    if !what.contains(image) {
        line.push_str(image);
        line.push_str(": ");
    }
    if !digest.is_empty() && !what.contains(digest) {
        line.push_str("layer ");
        line.push_str(digest);
        line.push_str(": ");
    }
    line.push_str(&what);
    ScanError::Layer {
        image: image.to_string(),
        digest: digest.to_string(),
        message: line,
    }
}

fn layer_name(d: &LayerDescriptor) -> &str {
    if d.digest.is_empty() {
        &d.diff_id
    } else {
        &d.digest
    }
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_string())
}

struct LayerResult {
    index: LayerIndex,
    cached: bool,
    from_registry: bool,
    cache_warnings: Vec<String>,
    directory: bool,
    compressed_bytes: u64,
    uncompressed_bytes: u64,
    notes: Vec<String>,
}

impl LayerResult {
    fn from_cache(index: LayerIndex, notes: Vec<String>) -> Self {
        LayerResult {
            index,
            cached: true,
            from_registry: false,
            cache_warnings: Vec::new(),
            directory: false,
            compressed_bytes: 0,
            uncompressed_bytes: 0,
            notes,
        }
    }
}

/// The digest a layer's cache entry is filed under at a verification level: always one
/// that level checks before anything is stored, so an image that lies about a digest
/// cannot file an analysis under another layer's identity.
/// - `All`: the diffID, the same whether the layer comes gzip'd from a registry or
///   uncompressed from a docker archive.
/// - `Blobs`: the blob digest (the diffID of a compressed layer is not checked); a
///   classic docker archive names its layers by diffID, which this level then checks.
/// - `Nothing`: none. Such a scan files nothing (an analysis filed under a digest nobody
///   checked could be read by the next scan of another image stating the same digest);
///   it reads what the other levels filed under the digests as stated.
///
/// A source without diffIDs (a rootfs folder) falls back to the blob digest (and that
/// without either has no cache entry). All are known before any blob is opened.
pub fn cache_key(desc: &LayerDescriptor, verify: Verify) -> Option<&str> {
    let (first, second) = match verify {
        Verify::All => (&desc.diff_id, &desc.digest),
        Verify::Blobs => (&desc.digest, &desc.diff_id),
        Verify::Nothing => return None,
    };
    Some(if first.is_empty() { second } else { first })
}

/// The layer caches of one scan: the local folder and the shared second level.
struct Caches {
    local: Option<LayerCache>,
    remote: Option<Arc<dyn RemoteCache>>,
    analysis: String,
    verify: Verify,
}

/// What the shared cache gave before an analysis.
enum RemoteStep {
    Hit(LayerIndex),
    /// Analyse, holding this lease (if any) until the entry is stored.
    Analyse(Option<Box<dyn std::any::Any + Send>>),
}

impl Caches {
    /// Where to look (in order), and where to file a new analysis.
    fn plan<'a>(&'a self, desc: &'a LayerDescriptor) -> (Vec<&'a str>, Option<&'a str>) {
        match cache_key(desc, self.verify) {
            Some(key) => (vec![key], Some(key)),
            // Trusting every digest, an entry filed under either one is as good.
            None => (
                [Verify::All, Verify::Blobs]
                    .iter()
                    .filter_map(|&v| cache_key(desc, v))
                    .collect(),
                None,
            ),
        }
    }

    /// The shared cache's entry under one of `lookups`, checked and filed locally;
    /// else (with a key to file under) its claim on the analysis.
    fn remote_step(
        &self,
        lookups: &[&str],
        store: Option<&str>,
        warnings: &mut Vec<String>,
        notes: &mut Vec<String>,
    ) -> RemoteStep {
        let Some(remote) = &self.remote else {
            return RemoteStep::Analyse(None);
        };
        if let Some(index) = self.remote_fetch(remote.as_ref(), lookups, warnings, notes) {
            return RemoteStep::Hit(index);
        }
        let Some(key) = store else {
            return RemoteStep::Analyse(None);
        };
        match remote.claim(key, &self.analysis) {
            RemoteClaim::Analyse(lease) => RemoteStep::Analyse(lease),
            RemoteClaim::LookAgain => self
                .remote_fetch(remote.as_ref(), &[key], warnings, notes)
                .map_or(RemoteStep::Analyse(None), RemoteStep::Hit),
        }
    }

    fn remote_fetch(
        &self,
        remote: &dyn RemoteCache,
        lookups: &[&str],
        warnings: &mut Vec<String>,
        notes: &mut Vec<String>,
    ) -> Option<LayerIndex> {
        for key in lookups {
            let bytes = match remote.fetch(key, &self.analysis) {
                Ok(Some(b)) => b,
                Ok(None) => continue,
                Err(why) => {
                    warnings.push(format!(
                        "registry cache {}: layer {key}: {why}; analysing the layer",
                        remote.name()
                    ));
                    continue;
                }
            };
            match decode_entry(&bytes, key) {
                Ok(index) => {
                    if let Some(local) = &self.local {
                        if let Err(e) = local.store_encoded(key, &bytes) {
                            notes.push(e.to_string());
                        }
                    }
                    return Some(index);
                }
                Err(why) => warnings.push(format!(
                    "registry cache {}: the entry for layer {key} is not usable ({why}): ignored, analysing the layer",
                    remote.name()
                )),
            }
        }
        None
    }

    /// Files a new analysis locally and in the shared cache (the same bytes).
    fn store(
        &self,
        key: &str,
        index: &LayerIndex,
        warnings: &mut Vec<String>,
        notes: &mut Vec<String>,
    ) {
        let Some(remote) = &self.remote else {
            if let Some(local) = &self.local {
                if let Err(e) = local.store(key, index) {
                    notes.push(e.to_string());
                }
            }
            return;
        };
        let entry = encode_entry(index, key);
        if let Some(local) = &self.local {
            if let Err(e) = local.store_encoded(key, &entry) {
                notes.push(e.to_string());
            }
        }
        if let Err(why) = remote.store(key, &self.analysis, &entry) {
            warnings.push(format!(
                "registry cache {}: cannot store layer {key}: {why}",
                remote.name()
            ));
        }
    }
}

fn analyse_layer(
    source: &dyn ImageSource,
    image: &ResolvedImage,
    desc: &LayerDescriptor,
    cfg: &WalkConfig<'_>,
    caches: Option<&Caches>,
    limiter: Option<&LayerLimiter>,
) -> Result<LayerResult, ScanError> {
    let mut notes = Vec::new();
    let mut warnings = Vec::new();
    let (lookups, store) = caches.map(|c| c.plan(desc)).unwrap_or_default();
    let local = caches.and_then(|c| c.local.as_ref());
    // Only plain `algorithm:hex` digests name cache entries (`load` misses the others).
    let store = store.filter(|k| key_names_an_entry(local, k));
    let cacheable = local.zip(store);
    for (c, k) in local
        .iter()
        .flat_map(|c| lookups.iter().map(move |k| (c, k)))
    {
        match c.load(k) {
            Lookup::Hit(index) => return Ok(LayerResult::from_cache(index, notes)),
            Lookup::Miss => {}
            Lookup::Corrupt(why) if cacheable.is_some() => {
                notes.push(format!("damaged cache file replaced: {why}"))
            }
            Lookup::Corrupt(why) => notes.push(format!("damaged cache file ignored: {why}")),
        }
    }
    // Another scan in this process may be analysing the same layer: wait for it, then
    // look again (also after winning the claim: it may just have been released).
    let claim = cacheable.and_then(|(c, key)| c.claim(key));
    if let Some((c, key)) = cacheable {
        if let Lookup::Hit(index) = c.load(key) {
            return Ok(LayerResult::from_cache(index, notes));
        }
    }
    let lease = match caches.map(|c| c.remote_step(&lookups, store, &mut warnings, &mut notes)) {
        Some(RemoteStep::Hit(index)) => {
            let mut r = LayerResult::from_cache(index, notes);
            r.from_registry = true;
            r.cache_warnings = warnings;
            return Ok(r);
        }
        Some(RemoteStep::Analyse(lease)) => lease,
        None => None,
    };
    let _permit = limiter.map(LayerLimiter::acquire);
    let name = layer_name(desc);
    let content = source
        .open_layer(image, desc)
        .map_err(|e| layer_error(&image.reference, name, &e.to_string()))?;
    match content {
        LayerContent::Tar(mut layer) => {
            let walked = index_tar(&mut layer, cfg);
            // Drain and verify even after a walk error: a digest or decoder error
            // explains a broken tar better than the tar reader can.
            let finished = layer.finish();
            let (mut index, stats) = match (walked, finished) {
                (Ok(index), Ok(stats)) => (index, stats),
                (_, Err(e)) => return Err(layer_error(&image.reference, name, &e.to_string())),
                (Err(e), Ok(_)) => return Err(layer_error(&image.reference, name, &e.to_string())),
            };
            // Rare: a wanted link to an earlier entry of this layer that was not read.
            let unread = unread_link_targets(&index);
            if !unread.is_empty() {
                let bodies = second_pass(source, image, desc, &unread, cfg.max_file_size)?;
                attach_link_bodies(&mut index, &bodies);
            }
            if let (Some(c), Some(key)) = (caches, store) {
                c.store(key, &index, &mut warnings, &mut notes);
            }
            drop(claim);
            drop(lease);
            Ok(LayerResult {
                index,
                cached: false,
                from_registry: false,
                cache_warnings: warnings,
                directory: false,
                compressed_bytes: stats.compressed_bytes,
                uncompressed_bytes: stats.uncompressed_bytes,
                notes,
            })
        }
        LayerContent::Directory(path) => {
            let index = index_dir(&path, cfg)
                .map_err(|e| layer_error(&image.reference, name, &e.to_string()))?;
            Ok(LayerResult {
                index,
                cached: false,
                from_registry: false,
                cache_warnings: warnings,
                directory: true,
                compressed_bytes: 0,
                uncompressed_bytes: 0,
                notes,
            })
        }
    }
}

/// Most threads reading layers of one image: "all layers in flight" for any real image
/// (uneven sizes make a core-count cap slower), without a thread, a file and a few
/// hundred KiB of buffers per layer for an image of thousands (10,000 layers took
/// 270 MB).
const MAX_LAYER_THREADS: usize = 16;

/// Whether `key` can name a cache entry (a plain `algorithm:hex` digest).
fn key_names_an_entry(local: Option<&LayerCache>, key: &str) -> bool {
    match local {
        Some(c) => c.path_for(key).is_some(),
        None => LayerCache::new("", "x").path_for(key).is_some(),
    }
}

/// Indexes every layer (cache first), concurrently, largest first.
fn index_layers(
    source: &dyn ImageSource,
    image: &ResolvedImage,
    opts: &ScanOptions,
    cfg: &WalkConfig<'_>,
    cache: Option<&Caches>,
) -> Result<Vec<LayerResult>, ScanError> {
    let layers = &image.layers;
    let n = layers.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| {
        (
            std::cmp::Reverse(layers.get(i).and_then(|l| l.size).unwrap_or(0)),
            i,
        )
    });
    let workers = opts
        .layer_jobs
        .unwrap_or(n)
        .min(MAX_LAYER_THREADS)
        .clamp(1, n.max(1));
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let slots: Vec<Mutex<Option<Result<LayerResult, ScanError>>>> =
        (0..n).map(|_| Mutex::new(None)).collect();
    let work = || loop {
        if failed.load(Ordering::Relaxed) {
            break;
        }
        let Some(&li) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
            break;
        };
        let Some(desc) = layers.get(li) else {
            break;
        };
        let result = catch_unwind(AssertUnwindSafe(|| {
            analyse_layer(source, image, desc, cfg, cache, opts.limiter.as_deref())
        }))
        .unwrap_or_else(|p| {
            Err(ScanError::Internal {
                image: image.reference.clone(),
                message: format!("layer {}: {}", layer_name(desc), panic_text(p.as_ref())),
            })
        });
        match &result {
            Ok(r) => {
                if let Some(cb) = &opts.progress {
                    cb(&ScanEvent::LayerDone {
                        index: desc.index,
                        digest: layer_name(desc).to_string(),
                        cached: r.cached,
                        from_registry: r.from_registry,
                        compressed_bytes: r.compressed_bytes,
                        uncompressed_bytes: r.uncompressed_bytes,
                    });
                }
            }
            Err(_) => failed.store(true, Ordering::Relaxed),
        }
        if let Some(slot) = slots.get(li) {
            if let Ok(mut s) = slot.lock() {
                *s = Some(result);
            }
        }
    };
    if workers <= 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(work);
            }
        });
    }
    let mut out = Vec::with_capacity(n);
    let mut first_err = None;
    for (slot, desc) in slots.into_iter().zip(layers) {
        let r = slot.into_inner().ok().flatten();
        match r {
            Some(Ok(r)) => out.push(r),
            Some(Err(e)) => {
                first_err.get_or_insert(e);
            }
            None => {
                // Not started because another layer failed (reported below), or a
                // poisoned slot.
                if first_err.is_none() && !failed.load(Ordering::Relaxed) {
                    first_err = Some(ScanError::Internal {
                        image: image.reference.clone(),
                        message: format!("layer {} was not analysed", layer_name(desc)),
                    });
                }
            }
        }
    }
    match first_err {
        Some(e) => Err(e),
        None if out.len() == n => Ok(out),
        None => Err(ScanError::Internal {
            image: image.reference.clone(),
            message: "a layer was not analysed".into(),
        }),
    }
}

/// The identity `introduced_in` follows, with the version.
fn identity(p: &Package) -> Identity {
    (
        p.ecosystem,
        p.normalized_name(),
        p.arch.clone(),
        p.site_root.clone(),
        p.metadata_path.clone(),
        p.version.clone(),
    )
}

/// What makes a package the same one across layer snapshots: ecosystem, name, arch,
/// site root, where it was found (several Go binaries may embed one module; each is
/// its own package), version.
type Identity = (
    sbom_model::Ecosystem,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

/// Keys of the files that differ between two sorted sequences (added, removed, or
/// changed in content or layer).
fn changed_keys<'a, K: Ord + Clone + 'a>(
    before: impl Iterator<Item = (K, &'a CapturedFile)>,
    after: impl Iterator<Item = (K, &'a CapturedFile)>,
) -> Vec<K> {
    use std::cmp::Ordering as O;
    let mut out = Vec::new();
    let mut a = before.peekable();
    let mut b = after.peekable();
    loop {
        let step = match (a.peek(), b.peek()) {
            (None, None) => break,
            (Some(_), None) => O::Less,
            (None, Some(_)) => O::Greater,
            (Some((kx, _)), Some((ky, _))) => kx.cmp(ky),
        };
        match step {
            O::Less => out.extend(a.next().map(|(k, _)| k)),
            O::Greater => out.extend(b.next().map(|(k, _)| k)),
            O::Equal => {
                if let (Some((k, x)), Some((_, y))) = (a.next(), b.next()) {
                    if x.layer != y.layer || (!Arc::ptr_eq(&x.data, &y.data) && x.data != y.data) {
                        out.push(k);
                    }
                }
            }
        }
    }
    out
}

/// Which catalogers see a change between two views: those wanting a changed path, and
/// those whose summaries changed.
fn catalogers_to_rerun(
    cats: &[Box<dyn Cataloger>],
    before: &FileView,
    after: &FileView,
) -> Vec<bool> {
    let paths = changed_keys(
        before.iter().map(|f| (f.path.as_str(), f)),
        after.iter().map(|f| (f.path.as_str(), f)),
    );
    let summaries = changed_keys(
        before
            .all_summaries()
            .map(|(by, f)| ((by, f.path.as_str()), f)),
        after
            .all_summaries()
            .map(|(by, f)| ((by, f.path.as_str()), f)),
    );
    cats.iter()
        .map(|c| {
            paths.iter().any(|p| c.wants(p)) || summaries.iter().any(|(by, _)| *by == c.name())
        })
        .collect()
}

fn run_cataloger(
    c: &dyn Cataloger,
    view: &FileView,
    ctx: &Context,
    image: &str,
) -> Result<CatalogOutput, ScanError> {
    catch_unwind(AssertUnwindSafe(|| c.catalog(view, ctx))).map_err(|p| ScanError::Internal {
        image: image.to_string(),
        message: format!("cataloger {}: {}", c.name(), panic_text(p.as_ref())),
    })
}

/// Who supplies an image: the vendor/authors/maintainer label, else the registry
/// namespace that publishes it (`quay.io/osism` for `quay.io/osism/keystone`).
/// Who supplies the image: its labels, else what the user stated (`--supplier`), else
/// the registry namespace publishing it.
fn image_supplier(image: &ResolvedImage, stated: Option<&str>) -> Option<String> {
    for key in [
        "org.opencontainers.image.vendor",
        "org.opencontainers.image.authors",
        "maintainer",
        "org.label-schema.vendor",
    ] {
        if let Some(v) = image
            .labels
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
        {
            return Some(v.to_string());
        }
    }
    if let Some(s) = stated.map(str::trim).filter(|s| !s.is_empty()) {
        return Some(s.to_string());
    }
    let repo = image.repository.as_deref()?;
    let (namespace, _) = repo.rsplit_once('/')?;
    Some(namespace.to_string())
}

/// Scans one image.
/// The layer references of an image, bottom first.
fn layer_refs(image: &ResolvedImage) -> Vec<LayerRef> {
    image
        .layers
        .iter()
        .map(|d| LayerRef {
            index: d.index,
            diff_id: d.diff_id.clone(),
            digest: (!d.digest.is_empty()).then(|| d.digest.clone()),
        })
        .collect()
}

/// Counters, the layers' own warnings and cache notes, and whether a layer was a folder.
fn tally(
    results: &[LayerResult],
    image: &ResolvedImage,
) -> (ScanStats, Vec<Warning>, Vec<String>, bool) {
    let mut stats = ScanStats {
        layers_total: image.layers.len(),
        ..ScanStats::default()
    };
    let mut warnings = Vec::new();
    let mut notes = Vec::new();
    let mut directory = false;
    for (r, desc) in results.iter().zip(&image.layers) {
        if r.cached {
            stats.layers_cached += 1;
            stats.layers_from_registry += usize::from(r.from_registry);
        } else {
            stats.layers_analysed += 1;
        }
        directory |= r.directory;
        stats.compressed_bytes += r.compressed_bytes;
        stats.uncompressed_bytes += r.uncompressed_bytes;
        notes.extend(r.notes.iter().cloned());
        for w in &r.index.warnings {
            warnings.push(Warning {
                layer: Some(layer_name(desc).to_string()),
                entry: Some(w.entry.clone()),
                message: w.message.clone(),
            });
        }
    }
    (stats, warnings, notes, directory)
}

/// The filesystem after each layer, as far as the catalogers need it.
struct Snapshots {
    /// (layer position, view after it, catalogers to run on it).
    runs: Vec<(usize, Arc<FileView>, Vec<usize>)>,
    final_view: Arc<FileView>,
    /// Wanted links that could not be resolved.
    warnings: Vec<Warning>,
    /// Files of lower layers that wanted links point at, not read yet.
    unread: BTreeSet<(usize, String)>,
}

/// Squashes the layers. After every layer, the catalogers that want a file the layer
/// changed get a run over the filesystem as it stands then: these runs give
/// `introduced_in`, and a cataloger's last run is its final output (its files do not
/// change after it).
fn snapshots(cats: &[Box<dyn Cataloger>], results: &[LayerResult], refs: &[LayerRef]) -> Snapshots {
    let mut squasher = Squasher::new();
    let mut prev = Arc::new(FileView::default());
    let mut runs: Vec<(usize, Arc<FileView>, Vec<usize>)> = Vec::new();
    let mut ran = vec![false; cats.len()];
    let last = results.len().saturating_sub(1);
    let mut warnings = Vec::new();
    for (k, (r, lref)) in results.iter().zip(refs).enumerate() {
        squasher.apply(&r.index, lref.clone());
        let (view, w) = squasher.view();
        let changed = catalogers_to_rerun(cats, &prev, &view);
        let who: Vec<usize> = (0..cats.len())
            .filter(|&i| {
                changed.get(i).copied().unwrap_or(false)
                    // Every cataloger runs at least once, on the final view.
                    || (k == last && !ran.get(i).copied().unwrap_or(true))
            })
            .collect();
        for &i in &who {
            if let Some(x) = ran.get_mut(i) {
                *x = true;
            }
        }
        if k == last {
            warnings = w;
        }
        let view = Arc::new(view);
        if !who.is_empty() {
            runs.push((k, Arc::clone(&view), who));
        }
        prev = view;
    }
    Snapshots {
        runs,
        final_view: prev,
        warnings,
        unread: squasher.unread_link_targets(),
    }
}

/// Reads the bodies of `paths` from one layer in a second pass (a link in this or a
/// higher layer points at them; the first pass did not know it needed them).
fn second_pass(
    source: &dyn ImageSource,
    image: &ResolvedImage,
    desc: &LayerDescriptor,
    paths: &BTreeSet<String>,
    max_file_size: u64,
) -> Result<BTreeMap<String, Arc<Vec<u8>>>, ScanError> {
    let name = layer_name(desc);
    let fail = |e: &dyn std::fmt::Display| layer_error(&image.reference, name, &e.to_string());
    let wants = |p: &str| paths.contains(p);
    let cfg = WalkConfig::paths(&wants, max_file_size);
    let index = match source.open_layer(image, desc).map_err(|e| fail(&e))? {
        LayerContent::Tar(mut layer) => {
            let walked = index_tar(&mut layer, &cfg);
            layer.finish().map_err(|e| fail(&e))?;
            walked.map_err(|e| fail(&e))?
        }
        LayerContent::Directory(path) => index_dir(&path, &cfg).map_err(|e| fail(&e))?,
    };
    Ok(index
        .nodes
        .into_iter()
        .filter_map(|(p, n)| match n {
            Node::Captured(body) if paths.contains(&p) => Some((p, body)),
            _ => None,
        })
        .collect())
}

/// Reads what wanted links of higher layers need from lower layers, and files the
/// completed analyses in the cache (so the next scan does not read them again).
fn read_link_targets(
    source: &dyn ImageSource,
    image: &ResolvedImage,
    results: &mut [LayerResult],
    unread: &BTreeSet<(usize, String)>,
    caches: Option<&Caches>,
    max_file_size: u64,
) -> Result<(), ScanError> {
    let mut by_layer: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    for (l, p) in unread {
        by_layer.entry(*l).or_default().insert(p.clone());
    }
    for (l, paths) in by_layer {
        let (Some(desc), Some(result)) = (image.layers.get(l), results.get_mut(l)) else {
            continue;
        };
        let bodies = second_pass(source, image, desc, &paths, max_file_size)?;
        attach_link_bodies(&mut result.index, &bodies);
        if let Some(c) = caches {
            if let (Some(key), true) = (cache_key(desc, c.verify), !result.directory) {
                c.store(
                    key,
                    &result.index,
                    &mut result.cache_warnings,
                    &mut result.notes,
                );
            }
        }
    }
    Ok(())
}

/// Per cataloger: the identities after each of its runs (layer order).
type Timeline = Vec<Vec<(usize, BTreeSet<Identity>)>>;

/// Runs every cataloger on the snapshots it needs, in parallel. Runs before a
/// cataloger's last one only feed `introduced_in`: identities suffice (no license or
/// copyright parsing, no owned files). Returns the timeline and each one's last output.
fn run_catalogers(
    cats: &[Box<dyn Cataloger>],
    runs: Vec<(usize, Arc<FileView>, Vec<usize>)>,
    ctx: &Context,
    reference: &str,
) -> Result<(Timeline, Vec<CatalogOutput>), ScanError> {
    let ids_ctx = Context {
        identities_only: true,
        ..ctx.clone()
    };
    let mut last_run = vec![0usize; cats.len()];
    for (k, _, who) in &runs {
        for &c in who {
            if let Some(l) = last_run.get_mut(c) {
                *l = (*l).max(*k);
            }
        }
    }
    // All runs at once, in parallel; results come back in job order.
    let jobs: Vec<(usize, usize, &FileView)> = runs
        .iter()
        .flat_map(|(k, v, who)| who.iter().map(move |&c| (*k, c, v.as_ref())))
        .collect();
    let done: Vec<Result<(usize, usize, CatalogOutput), ScanError>> = jobs
        .par_iter()
        .map(|&(k, c, v)| {
            let ctx = if last_run.get(c) == Some(&k) {
                ctx
            } else {
                &ids_ctx
            };
            let cat = cats
                .get(c)
                .map(Box::as_ref)
                .ok_or_else(|| ScanError::Internal {
                    image: reference.to_string(),
                    message: "cataloger index out of range".into(),
                })?;
            Ok((k, c, run_cataloger(cat, v, ctx, reference)?))
        })
        .collect();
    let mut timeline: Timeline = vec![Vec::new(); cats.len()];
    let mut outputs: Vec<CatalogOutput> = vec![CatalogOutput::default(); cats.len()];
    for d in done {
        let (k, c, out) = d?;
        if let Some(t) = timeline.get_mut(c) {
            t.push((k, out.packages.iter().map(identity).collect()));
        }
        if let Some(o) = outputs.get_mut(c) {
            *o = out;
        }
    }
    Ok((timeline, outputs))
}

/// The packages of every cataloger with their layers (`layer`: of the file that won;
/// `introduced_in`: the start of the unbroken run of snapshots holding the same
/// package), the files each package owns, and the catalogers' warnings.
fn collect_packages(
    cats: &[Box<dyn Cataloger>],
    outputs: Vec<CatalogOutput>,
    timeline: &Timeline,
    final_view: &FileView,
    refs: &[LayerRef],
) -> (Vec<Package>, BTreeMap<String, Vec<String>>, Vec<Warning>) {
    let mut packages = Vec::new();
    let mut owned: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut warnings = Vec::new();
    for (c, out) in outputs.into_iter().enumerate() {
        let history = timeline.get(c).map(Vec::as_slice).unwrap_or_default();
        let by = cats.get(c).map_or("", |c| c.name());
        for (k, mut v) in out.owned_files {
            owned.entry(k).or_default().append(&mut v);
        }
        for mut p in out.packages {
            if p.layer.is_none() {
                p.layer = p
                    .metadata_path
                    .as_deref()
                    .map(|m| m.split_once("!/").map_or(m, |(outer, _)| outer))
                    .and_then(|m| final_view.get(m).or_else(|| final_view.summary(by, m)))
                    .and_then(|f| f.layer.clone());
            }
            if p.introduced_in.is_none() {
                let id = identity(&p);
                let mut start = None;
                for (k, set) in history.iter().rev() {
                    if set.contains(&id) {
                        start = Some(*k);
                    } else {
                        break;
                    }
                }
                p.introduced_in = start
                    .and_then(|k| refs.get(k).cloned())
                    .or_else(|| p.layer.clone());
            }
            packages.push(p);
        }
        warnings.extend(out.warnings);
    }
    (packages, owned, warnings)
}

/// File lists name paths as the package installed them (`/bin/ls`); on a merged-/usr
/// system the file is found at `usr/bin/ls`: both names count.
fn add_root_link_names(owned: &mut BTreeMap<String, Vec<String>>, view: &FileView) {
    for files in owned.values_mut() {
        let through: Vec<String> = files
            .iter()
            .filter_map(|f| view.through_root_link(f))
            .collect();
        files.extend(through);
    }
}

/// What was scanned, for the SBOM.
fn subject(
    image: &ResolvedImage,
    layers: Vec<LayerRef>,
    directory: bool,
    opts: &ScanOptions,
) -> Subject {
    Subject {
        kind: if directory {
            SubjectKind::Directory
        } else {
            SubjectKind::Image
        },
        reference: image.reference.clone(),
        name: image.name.clone(),
        tag: image.tag.clone(),
        repository: image.repository.clone(),
        manifest_digest: image.manifest_digest.clone(),
        config_digest: image.config_digest.clone(),
        platform: image.platform.clone(),
        layers,
        supplier: image_supplier(image, opts.supplier.as_deref()),
        verification: Some(opts.verify.name().to_string()),
        created_by: image
            .layers
            .iter()
            .filter_map(|l| l.created_by.clone().map(|c| (l.index, c)))
            .collect(),
    }
}

pub fn scan(source: &dyn ImageSource, opts: &ScanOptions) -> Result<ScanOutput, ScanError> {
    let (mut image, platform_note) = sbom_image::resolve_platform(source, opts.platform.as_ref())
        .map_err(|source| ScanError::Resolve {
        image: image_name_of(&source),
        source,
    })?;
    image.verify = opts.verify;
    let reference = image.reference.clone();
    if let Some(cb) = &opts.progress {
        cb(&ScanEvent::Resolved {
            layers: image.layers.len(),
        });
    }
    let cats = &opts.catalogers;
    let wants = |p: &str| cats.iter().any(|c| c.wants(p));
    let sniffers: Vec<&dyn Cataloger> = cats
        .iter()
        .map(Box::as_ref)
        .filter(|c| c.sniffs())
        .collect();
    let sniff = |e: &EntryInfo<'_>| -> Visitors {
        sniffers
            .iter()
            .filter_map(|c| c.sniff(e).map(|v| (c.name(), v)))
            .collect()
    };
    let cfg = WalkConfig {
        wants: &wants,
        sniff: if sniffers.is_empty() {
            None
        } else {
            Some(&sniff)
        },
        max_file_size: opts.max_file_size,
    };
    let analysis = analysis_version(cats, opts.max_file_size);
    let cache = (opts.cache_dir.is_some() || opts.remote_cache.is_some()).then(|| Caches {
        local: opts
            .cache_dir
            .as_ref()
            .map(|d| LayerCache::new(d, analysis.clone())),
        remote: opts.remote_cache.clone(),
        analysis,
        verify: opts.verify,
    });
    let mut results = index_layers(source, &image, opts, &cfg, cache.as_ref())?;
    let refs = layer_refs(&image);
    let mut snap = snapshots(cats, &results, &refs);
    if !snap.unread.is_empty() {
        // Rare: a wanted link into a lower layer's file nobody asked for.
        read_link_targets(
            source,
            &image,
            &mut results,
            &snap.unread,
            cache.as_ref(),
            opts.max_file_size,
        )?;
        snap = snapshots(cats, &results, &refs);
    }
    let (mut stats, mut warnings, cache_notes, directory) = tally(&results, &image);
    let Snapshots {
        runs, final_view, ..
    } = snap;
    warnings.extend(snap.warnings);
    stats.files_captured = final_view.len();

    let ctx = Context {
        distro: catalogers::detect_distro(&final_view),
        identities_only: false,
    };
    let (timeline, outputs) = run_catalogers(cats, runs, &ctx, &reference)?;
    let (packages, mut owned, cat_warnings) =
        collect_packages(cats, outputs, &timeline, &final_view, &refs);
    warnings.extend(cat_warnings);
    // Dependencies and ownership (a deb owning a dist-info), by temporary ids.
    add_root_link_names(&mut owned, &final_view);
    let relationships = catalogers::relate(&packages, &owned);

    warnings.sort();
    warnings.dedup();
    if opts.strict {
        if let Some(first) = warnings.first() {
            return Err(ScanError::Strict {
                image: reference,
                count: warnings.len(),
                first: first.clone(),
            });
        }
    }

    let mut sbom = Sbom {
        subject: subject(&image, refs, directory, opts),
        distro: ctx.distro,
        packages,
        relationships,
        ..Sbom::default()
    };
    sbom.finalize();
    Ok(ScanOutput {
        sbom,
        warnings,
        stats,
        cache_notes,
        notes: platform_note.into_iter().collect(),
        cache_warnings: results
            .iter()
            .flat_map(|r| r.cache_warnings.iter().cloned())
            .collect(),
    })
}

/// The image named by a resolve error (the source's own text when it has no field).
fn image_name_of(e: &ImageError) -> String {
    match e {
        ImageError::Invalid { image, .. }
        | ImageError::Io { image, .. }
        | ImageError::Layer { image, .. }
        | ImageError::PlatformNotFound { image, .. } => image.clone(),
        other => other.to_string(),
    }
}
