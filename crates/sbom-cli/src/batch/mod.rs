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

use crate::cmd::image::PlatformChoice;
use crate::output;
use list::Target;
/// `index.json` and its lines live beside the release reader, which `diff` and `mirror`
/// use to read batch output folders.
pub use sbom_diff::{BatchStats, Index, IndexEntry, IndexLayer};

/// What a batch needs besides the targets.
pub struct BatchConfig {
    pub output_dir: PathBuf,
    pub formats: Vec<sbom_format::Format>,
    /// `--platform`: the default, one, or every platform (one SBOM each).
    pub platform: PlatformChoice,
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
    /// `--supplier`: the image's supplier when its labels name none.
    pub supplier: Option<String>,
    /// What every SBOM gets after its scan (owned packages dropped, the declared
    /// manifest merged, authors).
    pub finish: crate::cmd::scan::Finish,
    /// `--attach`: push each SBOM to the registry, attached to its manifest.
    pub attach: bool,
    /// `--cache-registry`: the layer cache's shared second level.
    pub remote_cache: Option<Arc<dyn sbom_catalog::RemoteCache>>,
}

/// Each layer of an image for `index.json`: digests, blob size and build step.
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
    let clean = sbom_diff::path_component;
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

/// The output stem of every target, unique within the run: two sources that would
/// share one (`r1/oci:bench` and `r2/oci:bench` both give `local/oci/bench`) each get a
/// short hash of their reference appended, so neither SBOM overwrites the other.
pub fn unique_stems(targets: &[Target]) -> BTreeMap<String, PathBuf> {
    let mut by_stem: BTreeMap<PathBuf, BTreeSet<&str>> = BTreeMap::new();
    for t in targets {
        by_stem
            .entry(output_stem(t))
            .or_default()
            .insert(t.scan_ref.as_str());
    }
    let mut out = BTreeMap::new();
    for (stem, refs) in by_stem {
        let shared = refs.len() > 1;
        for r in refs {
            let mut s = stem.clone();
            if shared {
                let mut name = s.file_name().unwrap_or_default().to_os_string();
                let hash = sbom_model::sha256_hex(r.as_bytes());
                name.push(format!("-{}", hash.get(..8).unwrap_or_default()));
                s.set_file_name(name);
            }
            out.insert(r.to_string(), s);
        }
    }
    out
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
    /// A line without counting an image.
    fn image_done_line(&self, line: String) {
        if let Some(b) = &self.bar {
            b.println(&line);
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
    // Keyed by (reference, platform): with --platform all one reference has several.
    let previous: BTreeMap<(String, String), IndexEntry> = match fs_err::read(&index_path) {
        Ok(bytes) => serde_json::from_slice::<Index>(&bytes)
            .map(|i| {
                i.images
                    .into_iter()
                    .map(|e| {
                        (
                            (e.reference.clone(), e.platform.clone().unwrap_or_default()),
                            e,
                        )
                    })
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
    let stems = unique_stems(&targets);

    // Phase 1: resolve (every platform of each image with --platform all).
    progress.message("resolving manifests".into());
    let resolved: Vec<(Target, Result<Resolved, String>, Instant)> = pool.install(|| {
        targets
            .par_iter()
            .flat_map(|t| resolve_target(t, cfg))
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
                let key = (t.display.clone(), platform_name(&res.image));
                let unchanged = !cfg.force
                    && previous.get(&key).is_some_and(|p| {
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
                    let mut e = previous.get(&key).cloned().unwrap_or_default();
                    e.status = "unchanged".into();
                    e.layer_details = layer_details(&res.image);
                    if cfg.attach {
                        let files: Vec<(PathBuf, Vec<u8>)> = e
                            .outputs
                            .iter()
                            .filter_map(|o| {
                                let p = PathBuf::from(o);
                                fs_err::read(cfg.output_dir.join(&p)).ok().map(|b| (p, b))
                            })
                            .collect();
                        attach_entry(&mut e, &t, &res.image, &files, cfg, &progress);
                    }
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
    let from_registry = Arc::new(AtomicUsize::new(0));
    let downloaded = Arc::new(AtomicU64::new(0));
    let on_event: sbom_catalog::scan::ProgressFn = {
        let (analysed, cached, downloaded, from_registry) = (
            Arc::clone(&analysed),
            Arc::clone(&cached),
            Arc::clone(&downloaded),
            Arc::clone(&from_registry),
        );
        let bar = progress.bar.clone();
        Arc::new(move |ev: &sbom_catalog::ScanEvent| {
            if let sbom_catalog::ScanEvent::LayerDone {
                cached: c,
                from_registry: r,
                compressed_bytes,
                ..
            } = ev
            {
                if *r {
                    from_registry.fetch_add(1, Ordering::Relaxed);
                }
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
                    let mut opts = sbom_catalog::scan::ScanOptions::new(None);
                    opts.cache_dir = Some(cache_dir.clone());
                    opts.strict = cfg.strict;
                    opts.verify = cfg.verify;
                    opts.limiter = Some(Arc::clone(&limiter));
                    opts.progress = Some(Arc::clone(&on_event));
                    opts.supplier.clone_from(&cfg.supplier);
                    opts.remote_cache.clone_from(&cfg.remote_cache);
                    let out = sbom_catalog::scan::scan(&res, &opts)?;
                    entry.warnings = out.warnings.len();
                    if !cfg.quiet {
                        for w in &out.cache_warnings {
                            eprintln!("warning: {}: {w}", t.display);
                        }
                    }
                    if cfg.verbose {
                        for w in &out.warnings {
                            eprintln!("warning: {}: {w}", t.display);
                        }
                    }
                    let mut sbom = out.sbom;
                    cfg.finish.apply(&mut sbom);
                    sbom.subject.reference = t.display.clone();
                    sbom.created = Some(created.clone());
                    for (k, v) in sbom.counts() {
                        entry.counts.insert(k.to_string(), v);
                    }
                    let mut stem = stems
                        .get(&t.scan_ref)
                        .cloned()
                        .unwrap_or_else(|| output_stem(&t));
                    if cfg.platform == PlatformChoice::All {
                        stem = with_platform(stem, res.image.platform.as_ref());
                    }
                    let mut rendered = Vec::new();
                    for (f, suffix) in cfg.formats.iter().zip(&suffixes) {
                        let bytes = sbom_format::write(&sbom, f)?;
                        let mut rel = stem.clone().into_os_string();
                        rel.push(suffix);
                        rendered.push((PathBuf::from(rel), bytes));
                    }
                    for (rel, bytes) in &rendered {
                        output::write_atomic(&cfg.output_dir.join(rel), bytes)?;
                        entry.outputs.push(rel.to_string_lossy().into_owned());
                    }
                    if cfg.attach {
                        attach_entry(&mut entry, &t, &res.image, &rendered, cfg, &progress);
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
                            label(&t, entry.platform.as_deref(), cfg),
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
                        progress.image_done(format!(
                            "FAILED {}: {msg}",
                            label(&t, entry.platform.as_deref(), cfg)
                        ));
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
    stats.layers_from_registry = from_registry.load(Ordering::Relaxed);
    stats.bytes_downloaded = downloaded.load(Ordering::Relaxed);
    entries.extend(results);
    entries.sort_by(|a, b| (&a.reference, &a.platform).cmp(&(&b.reference, &b.platform)));
    stats.succeeded = entries.iter().filter(|e| e.status == "ok").count();
    stats.unchanged = entries.iter().filter(|e| e.status == "unchanged").count();
    stats.failed = entries.iter().filter(|e| e.status == "failed").count();
    stats.duration_ms = started.elapsed().as_millis() as u64;
    let index = Index {
        version: 1,
        generated: created,
        platform: match &cfg.platform {
            PlatformChoice::Default => "default".to_string(),
            PlatformChoice::One(p) => p.to_string(),
            PlatformChoice::All => "all".to_string(),
        },
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
        let platforms = stats.succeeded + stats.unchanged + stats.failed;
        eprintln!(
            "{} image{}{}: {} ok, {} unchanged, {} failed; layers: {} in all, {} distinct, {} analysed, {} from cache; {:.1} MB downloaded; {:.1}s",
            stats.images,
            if stats.images == 1 { "" } else { "s" },
            if cfg.platform == PlatformChoice::All {
                format!(" ({platforms} platform SBOMs)")
            } else {
                String::new()
            },
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
    let attach_failed = index
        .images
        .iter()
        .filter(|e| e.attach_error.is_some())
        .count();
    if attach_failed > 0 && !cfg.quiet {
        eprintln!("{attach_failed} image(s) scanned but their SBOMs not attached (see above)");
    }
    Ok(if stats.failed > 0 || attach_failed > 0 {
        1
    } else {
        0
    })
}

/// `--attach` in a batch: the image's SBOM files (CycloneDX and SPDX) attached to the
/// manifest scanned (the platform's, with `--platform all`). A failure is recorded in
/// the entry (its files stay) and makes the run exit 1.
fn attach_entry(
    entry: &mut IndexEntry,
    t: &Target,
    image: &ResolvedImage,
    files: &[(PathBuf, Vec<u8>)],
    cfg: &BatchConfig,
    progress: &Progress,
) {
    let outcome = (|| -> Result<Vec<String>> {
        let digest = image
            .manifest_digest
            .as_deref()
            .context("no manifest digest to attach to")?;
        let subject = crate::cmd::attach::subject(&t.scan_ref, digest, &cfg.registry)?;
        let mut lines = Vec::new();
        for (rel, bytes) in files {
            if crate::cmd::attach::media_type(bytes).is_none() {
                continue;
            }
            let (done, line) =
                crate::cmd::attach::attach_one(&subject, bytes, &rel.to_string_lossy())?;
            entry.attached.push(done.digest);
            lines.push(line);
        }
        Ok(lines)
    })();
    match outcome {
        Ok(lines) => {
            entry.attach_error = None;
            if cfg.verbose {
                for l in lines {
                    progress.image_done_line(l);
                }
            }
        }
        Err(e) => {
            let msg = one_line(&e);
            progress.image_done_line(format!("ATTACH FAILED {}: {msg}", t.display));
            entry.attach_error = Some(msg);
        }
    }
}

/// How progress lines name a target: with its platform when every platform is scanned.
fn label(t: &Target, platform: Option<&str>, cfg: &BatchConfig) -> String {
    match (platform, cfg.platform == PlatformChoice::All) {
        (Some(p), true) => format!("{} [{p}]", t.display),
        _ => t.display.clone(),
    }
}

/// The platform an index entry records (empty when the image names none).
fn platform_name(image: &ResolvedImage) -> String {
    image
        .platform
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// `…/yoga` → `…/yoga@linux-arm64` (`@linux-arm-v7`): one SBOM per platform.
pub fn with_platform(stem: PathBuf, platform: Option<&Platform>) -> PathBuf {
    let Some(p) = platform else {
        return stem;
    };
    let mut s = stem.into_os_string();
    s.push("@");
    s.push(p.to_string().replace('/', "-"));
    PathBuf::from(s)
}

/// Opens a target and resolves what it names: one image, or with `--platform all`
/// one per platform of a multi-platform index (a single-platform image as it is).
fn resolve_target(
    t: &Target,
    cfg: &BatchConfig,
) -> Vec<(Target, Result<Resolved, String>, Instant)> {
    let t0 = Instant::now();
    let failed = |e: anyhow::Error| vec![(t.clone(), Err(one_line(&e)), t0)];
    let source: Arc<dyn ImageSource> =
        match crate::cmd::scan::open_source(&t.scan_ref, &cfg.registry) {
            Ok(s) => Arc::from(s),
            Err(e) => return failed(e),
        };
    let wanted: Vec<Option<Platform>> = match &cfg.platform {
        PlatformChoice::Default => vec![None],
        PlatformChoice::One(p) => vec![Some(p.clone())],
        PlatformChoice::All => match source.platforms() {
            Ok(list) if list.is_empty() => vec![None],
            Ok(list) => list.into_iter().map(Some).collect(),
            Err(e) => return failed(e.into()),
        },
    };
    wanted
        .into_iter()
        .map(|p| {
            let r = sbom_image::resolve_platform(source.as_ref(), p.as_ref())
                .map(|(image, note)| {
                    if let (Some(n), false) = (note, cfg.quiet) {
                        eprintln!("note: {n}");
                    }
                    Resolved {
                        source: Arc::clone(&source),
                        image,
                    }
                })
                .map_err(|e| one_line(&e.into()));
            (t.clone(), r, t0)
        })
        .collect()
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
        let shown = match (&e.platform, index.platform.as_str()) {
            (Some(p), "all") => format!("{} ({p})", e.reference),
            _ => e.reference.clone(),
        };
        out.push_str(&format!("| `{shown}` | {status} | {digest} |"));
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
