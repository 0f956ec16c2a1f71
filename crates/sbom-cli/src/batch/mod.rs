//! Batch scans: many images, one shared cache, one output folder with an index and a
//! summary. A layer shared by many images is downloaded and analysed once.
//!
//! Two phases:
//! 1. resolve every image (manifest and config only, concurrently), and skip those whose
//!    manifest digest already has its SBOMs (`--force` rescans);
//! 2. scan the rest `--jobs` at a time, with one limiter over the layers of all images and
//!    the cache's in-process claim: a layer shared by several images is downloaded and
//!    analysed once, the other scans read it from the cache.
pub mod list;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use rayon::prelude::*;
use sbom_image::{ImageError, ImageSource, LayerContent, LayerDescriptor, Platform, ResolvedImage};
use serde::{Deserialize, Serialize};

use crate::output;
use list::Target;

/// What a batch needs besides the targets.
pub struct BatchConfig {
    pub output_dir: PathBuf,
    pub formats: Vec<sbom_format::Format>,
    pub platform: Platform,
    /// `None`: a throw-away cache for this run only (`--no-cache`).
    pub cache_dir: Option<PathBuf>,
    pub jobs: usize,
    pub force: bool,
    pub strict: bool,
    /// `--verify`.
    pub verify: sbom_image::Verify,
    pub quiet: bool,
    pub verbose: bool,
    pub registry: sbom_registry::RegistryOptions,
    /// `--declared FILE`, merged into every SBOM.
    pub declared: Option<Vec<sbom_model::Package>>,
    pub exclude_owned_python: bool,
}

/// One line of `index.json`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct IndexEntry {
    /// The image as listed (name with tag).
    pub reference: String,
    /// What was scanned (with the pinned digest, when the list had one).
    pub scanned: String,
    /// `ok`, `unchanged` (skipped: same manifest digest already scanned) or `failed`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Packages per ecosystem.
    #[serde(default)]
    pub counts: BTreeMap<String, usize>,
    /// Output files, relative to the output folder.
    #[serde(default)]
    pub outputs: Vec<String>,
    #[serde(default)]
    pub layers: usize,
    #[serde(default)]
    pub warnings: usize,
    #[serde(default)]
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Which layer digests the scan checked (`--verify`: `all`, `blobs`, `none`); absent
    /// in indexes written before the option existed, when every scan checked all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<String>,
    /// Each layer, bottom first: digests, blob size and the build step that made it
    /// (`sbom report` shows them; the SBOM formats carry only the digests).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layer_details: Vec<IndexLayer>,
}

/// One layer of an image in `index.json`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct IndexLayer {
    pub digest: String,
    pub diff_id: String,
    /// Blob size in bytes from the manifest, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// The config history's `created_by`, when it names one per layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

fn layer_details(image: &ResolvedImage) -> Vec<IndexLayer> {
    image
        .layers
        .iter()
        .map(|l| IndexLayer {
            digest: l.digest.clone(),
            diff_id: l.diff_id.clone(),
            size: l.size,
            created_by: l.created_by.clone(),
        })
        .collect()
}

/// Counters of the whole run (from the tool's own bookkeeping, not from timing).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct BatchStats {
    pub images: usize,
    pub succeeded: usize,
    pub unchanged: usize,
    pub failed: usize,
    /// Layers over all images (with repeats).
    pub layers_total: usize,
    /// Distinct diffIDs over all images.
    pub unique_layers: usize,
    /// Layers read and analysed in this run.
    pub layers_analysed: usize,
    /// Layers (over all images) taken from the cache: not downloaded, not analysed.
    pub layers_cached: usize,
    pub bytes_downloaded: u64,
    pub duration_ms: u64,
}

/// `index.json`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Index {
    pub version: u32,
    pub generated: String,
    pub platform: String,
    pub stats: BatchStats,
    pub images: Vec<IndexEntry>,
}

/// A source whose image is already resolved (phase 1), so phase 3 does not fetch the
/// manifest again.
struct Resolved {
    source: Arc<dyn ImageSource>,
    image: ResolvedImage,
}

impl ImageSource for Resolved {
    fn resolve(&self, _platform: &Platform) -> Result<ResolvedImage, ImageError> {
        Ok(self.image.clone())
    }
    fn open_layer(
        &self,
        image: &ResolvedImage,
        layer: &LayerDescriptor,
    ) -> Result<LayerContent, ImageError> {
        self.source.open_layer(image, layer)
    }
}

/// Output path stem for an image: `quay.io/osism/keystone/yoga` for registry images,
/// `local/NAME/TAG` for local sources. Components are sanitised (no `..`, no `/`).
pub fn output_stem(target: &Target) -> PathBuf {
    let clean = |s: &str| -> String {
        let c: String = s
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-+".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if c.is_empty() || c.chars().all(|x| x == '.') {
            "_".into()
        } else {
            c
        }
    };
    let mut p = PathBuf::new();
    match sbom_image::SourceRef::parse(&target.display) {
        sbom_image::SourceRef::Registry(r) => match sbom_registry::ImageRef::parse(&r) {
            Ok(img) => {
                p.push(clean(&img.registry));
                for part in img.repository.split('/') {
                    p.push(clean(part));
                }
                match (&img.tag, &img.digest) {
                    (Some(t), _) => p.push(clean(t)),
                    (None, Some(d)) => p.push(clean(&d.replace(':', "-"))),
                    (None, None) => p.push("latest"),
                }
            }
            Err(_) => {
                p.push("invalid");
                p.push(clean(&r));
            }
        },
        local => {
            let (path, tag) = match local {
                sbom_image::SourceRef::OciLayout { path, tag }
                | sbom_image::SourceRef::OciArchive { path, tag } => (path, tag),
                sbom_image::SourceRef::DockerArchive { path, image } => (
                    path,
                    image.map(|s| match s {
                        sbom_image::DockerSelector::Tag(t) => t,
                        sbom_image::DockerSelector::Index(i) => format!("image-{i}"),
                    }),
                ),
                sbom_image::SourceRef::Dir { path } | sbom_image::SourceRef::Detect { path } => {
                    (path, None)
                }
                sbom_image::SourceRef::Registry(_) => (PathBuf::from("registry"), None),
            };
            p.push("local");
            p.push(clean(
                &path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "image".into()),
            ));
            p.push(clean(tag.as_deref().unwrap_or("image")));
        }
    }
    p
}

/// File suffixes per format, unique within the run: a second format with the same
/// suffix (cyclonedx-json@1.5 next to 1.6) gets its version in the name (`.cdx-1.5.json`).
fn suffixes(formats: &[sbom_format::Format]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    formats
        .iter()
        .map(|f| {
            let s = f.file_suffix().to_string();
            if seen.insert(s.clone()) {
                return s;
            }
            let name = f.to_string();
            let version = name.rsplit_once('@').map_or("alt", |(_, v)| v);
            let body = s.trim_start_matches('.');
            let alt = match body.split_once('.') {
                Some((kind, ext)) => format!(".{kind}-{version}.{ext}"),
                None => format!(".{body}-{version}"),
            };
            seen.insert(alt.clone());
            alt
        })
        .collect()
}

struct Progress {
    bar: Option<indicatif::ProgressBar>,
    plain: bool,
}

impl Progress {
    fn new(total: usize, quiet: bool) -> Progress {
        use std::io::IsTerminal;
        let tty = std::io::stderr().is_terminal();
        let bar = (!quiet && tty).then(|| {
            let b = indicatif::ProgressBar::new(total as u64);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] images {pos}/{len} {wide_msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b.enable_steady_tick(std::time::Duration::from_millis(120));
            b
        });
        Progress {
            bar,
            plain: !quiet && !tty,
        }
    }
    fn message(&self, m: String) {
        if let Some(b) = &self.bar {
            b.set_message(m);
        }
    }
    fn image_done(&self, line: String) {
        if let Some(b) = &self.bar {
            b.println(&line);
            b.inc(1);
        } else if self.plain {
            eprintln!("{line}");
        }
    }
    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// Runs a batch. Returns the exit code: 0 all succeeded, 1 any failed.
pub fn run(targets: Vec<Target>, cfg: &BatchConfig) -> Result<u8> {
    let started = Instant::now();
    fs_err::create_dir_all(&cfg.output_dir)?;
    let index_path = cfg.output_dir.join("index.json");
    let previous: BTreeMap<String, IndexEntry> = match fs_err::read(&index_path) {
        Ok(bytes) => serde_json::from_slice::<Index>(&bytes)
            .map(|i| {
                i.images
                    .into_iter()
                    .map(|e| (e.reference.clone(), e))
                    .collect()
            })
            .unwrap_or_default(),
        Err(_) => BTreeMap::new(),
    };
    // A throw-away cache when the user said --no-cache: phase 3 reads through it.
    let temp_cache;
    let cache_dir = match &cfg.cache_dir {
        Some(d) => d.clone(),
        None => {
            temp_cache = tempfile::Builder::new()
                .prefix("sbom-batch-cache")
                .tempdir()?;
            temp_cache.path().to_path_buf()
        }
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.jobs.max(1))
        .build()
        .context("cannot start worker threads")?;
    let progress = Progress::new(targets.len(), cfg.quiet);
    let suffixes = suffixes(&cfg.formats);

    // Phase 1: resolve.
    progress.message("resolving manifests".into());
    let resolved: Vec<(Target, Result<Resolved, String>, Instant)> = pool.install(|| {
        targets
            .par_iter()
            .map(|t| {
                let t0 = Instant::now();
                let r = (|| -> Result<Resolved> {
                    let source: Arc<dyn ImageSource> =
                        Arc::from(crate::cmd::scan::open_source(&t.scan_ref, &cfg.registry)?);
                    let image = source.resolve(&cfg.platform)?;
                    Ok(Resolved { source, image })
                })()
                .map_err(|e| one_line(&e));
                (t.clone(), r, t0)
            })
            .collect()
    });

    let mut entries: Vec<IndexEntry> = Vec::new();
    let mut todo: Vec<(Target, Resolved, Instant)> = Vec::new();
    let mut all_diff_ids = BTreeSet::new();
    let mut stats = BatchStats {
        images: targets.len(),
        ..BatchStats::default()
    };
    for (t, r, t0) in resolved {
        match r {
            Err(error) => {
                progress.image_done(format!("FAILED {}: {error}", t.display));
                entries.push(IndexEntry {
                    reference: t.display.clone(),
                    scanned: t.scan_ref.clone(),
                    status: "failed".into(),
                    error: Some(error),
                    duration_ms: t0.elapsed().as_millis() as u64,
                    ..IndexEntry::default()
                });
            }
            Ok(res) => {
                stats.layers_total += res.image.layers.len();
                all_diff_ids.extend(res.image.layers.iter().map(|l| l.diff_id.clone()));
                let unchanged = !cfg.force
                    && previous.get(&t.display).is_some_and(|p| {
                        p.status != "failed"
                            && p.manifest_digest == res.image.manifest_digest
                            && p.manifest_digest.is_some()
                            && p.outputs.len() == suffixes.len()
                            && p.outputs.iter().all(|o| cfg.output_dir.join(o).exists())
                            // Made with fewer checks than asked for now: scan again.
                            // (No level recorded: written before --verify, all checked.)
                            && p.verified
                                .as_deref()
                                .map_or(Some(sbom_image::Verify::All), sbom_image::Verify::from_name)
                                .is_some_and(|made| made.covers(cfg.verify))
                    });
                if unchanged {
                    let mut e = previous.get(&t.display).cloned().unwrap_or_default();
                    e.status = "unchanged".into();
                    e.layer_details = layer_details(&res.image);
                    progress.image_done(format!(
                        "unchanged {} ({})",
                        t.display,
                        e.manifest_digest.clone().unwrap_or_default()
                    ));
                    entries.push(e);
                } else {
                    todo.push((t, res, t0));
                }
            }
        }
    }

    // Phase 2: scan the images, `--jobs` at a time, with one limiter over the layers of
    // all of them. A layer shared by several images is analysed once: the first scan
    // claims its diffID, the others wait and then read it from the cache.
    stats.unique_layers = all_diff_ids.len();
    let limiter = sbom_catalog::LayerLimiter::new(cfg.jobs);
    // Counted per layer as it finishes, so layers of an image that fails later count too.
    let analysed = Arc::new(AtomicUsize::new(0));
    let cached = Arc::new(AtomicUsize::new(0));
    let downloaded = Arc::new(AtomicU64::new(0));
    let on_event: sbom_catalog::scan::ProgressFn = {
        let (analysed, cached, downloaded) = (
            Arc::clone(&analysed),
            Arc::clone(&cached),
            Arc::clone(&downloaded),
        );
        let bar = progress.bar.clone();
        Arc::new(move |ev: &sbom_catalog::ScanEvent| {
            if let sbom_catalog::ScanEvent::LayerDone {
                cached: c,
                compressed_bytes,
                ..
            } = ev
            {
                if *c {
                    cached.fetch_add(1, Ordering::Relaxed);
                } else {
                    analysed.fetch_add(1, Ordering::Relaxed);
                    downloaded.fetch_add(*compressed_bytes, Ordering::Relaxed);
                }
                if let Some(b) = &bar {
                    b.set_message(format!(
                        "layers: {} analysed, {} from cache, {:.1} MB downloaded",
                        analysed.load(Ordering::Relaxed),
                        cached.load(Ordering::Relaxed),
                        downloaded.load(Ordering::Relaxed) as f64 / 1e6
                    ));
                }
            }
        })
    };
    let created = output::created_timestamp()?;
    let results: Vec<IndexEntry> = pool.install(|| {
        todo.into_par_iter()
            .map(|(t, res, t0)| {
                let mut entry = IndexEntry {
                    reference: t.display.clone(),
                    scanned: t.scan_ref.clone(),
                    manifest_digest: res.image.manifest_digest.clone(),
                    platform: res.image.platform.as_ref().map(ToString::to_string),
                    layers: res.image.layers.len(),
                    layer_details: layer_details(&res.image),
                    ..IndexEntry::default()
                };
                let outcome: Result<()> = (|| {
                    let mut opts = sbom_catalog::scan::ScanOptions::new(cfg.platform.clone());
                    opts.cache_dir = Some(cache_dir.clone());
                    opts.strict = cfg.strict;
                    opts.verify = cfg.verify;
                    opts.limiter = Some(Arc::clone(&limiter));
                    opts.progress = Some(Arc::clone(&on_event));
                    let out = sbom_catalog::scan::scan(&res, &opts)?;
                    entry.warnings = out.warnings.len();
                    if cfg.verbose {
                        for w in &out.warnings {
                            eprintln!("warning: {}: {w}", t.display);
                        }
                    }
                    let mut sbom = out.sbom;
                    if cfg.exclude_owned_python {
                        crate::cmd::scan::drop_owned_python(&mut sbom);
                    }
                    if let Some(d) = &cfg.declared {
                        sbom_ansible::merge_declared(&mut sbom, d.clone());
                    }
                    sbom.subject.reference = t.display.clone();
                    sbom.created = Some(created.clone());
                    for (k, v) in sbom.counts() {
                        entry.counts.insert(k.to_string(), v);
                    }
                    let stem = output_stem(&t);
                    let mut rendered = Vec::new();
                    for (f, suffix) in cfg.formats.iter().zip(&suffixes) {
                        let bytes = sbom_format::write(&sbom, f)?;
                        let mut rel = stem.clone().into_os_string();
                        rel.push(suffix);
                        rendered.push((PathBuf::from(rel), bytes));
                    }
                    for (rel, bytes) in rendered {
                        output::write_atomic(&cfg.output_dir.join(&rel), &bytes)?;
                        entry.outputs.push(rel.to_string_lossy().into_owned());
                    }
                    Ok(())
                })();
                entry.duration_ms = t0.elapsed().as_millis() as u64;
                match outcome {
                    Ok(()) => {
                        entry.status = "ok".into();
                        entry.verified = Some(cfg.verify.name().to_string());
                        let counts: Vec<String> = entry
                            .counts
                            .iter()
                            .map(|(k, v)| format!("{v} {k}"))
                            .collect();
                        progress.image_done(format!(
                            "ok {}: {} ({:.1}s)",
                            t.display,
                            if counts.is_empty() {
                                "no packages".into()
                            } else {
                                counts.join(", ")
                            },
                            entry.duration_ms as f64 / 1000.0
                        ));
                    }
                    Err(e) => {
                        let msg = one_line(&e);
                        progress.image_done(format!("FAILED {}: {msg}", t.display));
                        entry.status = "failed".into();
                        entry.error = Some(msg);
                    }
                }
                entry
            })
            .collect()
    });
    progress.finish();
    stats.layers_analysed = analysed.load(Ordering::Relaxed);
    stats.layers_cached = cached.load(Ordering::Relaxed);
    stats.bytes_downloaded = downloaded.load(Ordering::Relaxed);
    entries.extend(results);
    entries.sort_by(|a, b| a.reference.cmp(&b.reference));
    stats.succeeded = entries.iter().filter(|e| e.status == "ok").count();
    stats.unchanged = entries.iter().filter(|e| e.status == "unchanged").count();
    stats.failed = entries.iter().filter(|e| e.status == "failed").count();
    stats.duration_ms = started.elapsed().as_millis() as u64;
    let index = Index {
        version: 1,
        generated: created,
        platform: cfg.platform.to_string(),
        stats: stats.clone(),
        images: entries,
    };
    let mut json = serde_json::to_vec_pretty(&index)?;
    json.push(b'\n');
    output::write_atomic(&index_path, &json)?;
    output::write_atomic(
        &cfg.output_dir.join("summary.md"),
        summary_markdown(&index).as_bytes(),
    )?;
    if !cfg.quiet {
        eprintln!(
            "{} images: {} ok, {} unchanged, {} failed; layers: {} in all, {} distinct, {} analysed, {} from cache; {:.1} MB downloaded; {:.1}s",
            stats.images,
            stats.succeeded,
            stats.unchanged,
            stats.failed,
            stats.layers_total,
            stats.unique_layers,
            stats.layers_analysed,
            stats.layers_cached,
            stats.bytes_downloaded as f64 / 1e6,
            stats.duration_ms as f64 / 1000.0
        );
    }
    Ok(if stats.failed > 0 { 1 } else { 0 })
}

/// An error chain on one line.
fn one_line(e: &anyhow::Error) -> String {
    let parts: Vec<String> = e.chain().map(ToString::to_string).collect();
    crate::dedup_chain(&parts).replace('\n', " ")
}

/// `summary.md`: the table people read in CI.
pub fn summary_markdown(index: &Index) -> String {
    let s = &index.stats;
    let mut out = String::new();
    out.push_str("# SBOM batch scan\n\n");
    out.push_str(&format!(
        "{} images: **{} ok**, {} unchanged, **{} failed** · layers: {} in all, {} distinct, {} analysed, {} from cache · {:.1} MB downloaded · {:.1}s · platform {}\n\n",
        s.images, s.succeeded, s.unchanged, s.failed, s.layers_total, s.unique_layers, s.layers_analysed, s.layers_cached,
        s.bytes_downloaded as f64 / 1e6, s.duration_ms as f64 / 1000.0, index.platform
    ));
    let ecos: BTreeSet<&String> = index.images.iter().flat_map(|e| e.counts.keys()).collect();
    out.push_str("| image | status | digest |");
    for e in &ecos {
        out.push_str(&format!(" {e} |"));
    }
    out.push_str(" SBOM |\n|---|---|---|");
    for _ in &ecos {
        out.push_str("---:|");
    }
    out.push_str("---|\n");
    for e in &index.images {
        let digest = e
            .manifest_digest
            .as_deref()
            .map(|d| format!("`{}`", &d[..d.len().min(19)]))
            .unwrap_or_default();
        let status = match (&e.status[..], &e.error) {
            ("failed", Some(err)) => format!("❌ {}", err.replace('|', "\\|")),
            ("unchanged", _) => "unchanged".into(),
            _ => "✅".into(),
        };
        out.push_str(&format!("| `{}` | {status} | {digest} |", e.reference));
        for eco in &ecos {
            out.push_str(&format!(" {} |", e.counts.get(*eco).copied().unwrap_or(0)));
        }
        let link = e
            .outputs
            .first()
            .map(|o| format!("[{}]({o})", o.rsplit('/').next().unwrap_or(o)))
            .unwrap_or_default();
        out.push_str(&format!(" {link} |\n"));
    }
    out
}
