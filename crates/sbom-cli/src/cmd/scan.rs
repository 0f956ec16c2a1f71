//! `sbom scan`: one image in, SBOM files out.
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use sbom_model::{Platform, Sbom};

pub use super::image::{open_source, ImageOptions, PlatformChoice};
use crate::output::{self, OutputSpec};

#[derive(clap::Args, Debug, Clone, Default)]
pub struct ScanArgs {
    /// Images to scan: a registry reference (`quay.io/osism/keystone:yoga`,
    /// `debian:bookworm`, `HOST:PORT/x/y@sha256:...`), `oci-dir:PATH[:TAG]`,
    /// `oci-archive:FILE[:TAG]`, `docker-archive:FILE`, `dir:PATH`, or an existing path.
    /// Several images (or --images/--release) make a batch: use --output-dir.
    #[arg(value_name = "IMAGE")]
    pub sources: Vec<String>,

    /// Read images from a file: one reference a line, `#` comments.
    #[arg(long, value_name = "FILE")]
    pub images: Option<PathBuf>,

    /// Read images from a release manifest: an `images:` list of {image, digest}, or a
    /// `docker_images:` map of service to tag (with --images-map and --registry-host).
    #[arg(long, value_name = "FILE")]
    pub release: Option<PathBuf>,

    /// Service name to repository path (OSISM's etc/images.yml), for `docker_images:`.
    #[arg(long, value_name = "FILE")]
    pub images_map: Option<PathBuf>,

    /// Registry host prefixed to repositories from --images-map (`quay.io`).
    #[arg(long, value_name = "HOST")]
    pub registry_host: Option<String>,

    /// Merge a declared-packages manifest (YAML) into each SBOM; its components are
    /// marked as declared, not observed.
    #[arg(long, value_name = "FILE")]
    pub declared: Option<PathBuf>,

    /// Also scan the container images that the Ansible content at PATH deploys.
    #[arg(long, value_name = "PATH")]
    pub images_from_ansible: Option<PathBuf>,

    /// Extra variables for --images-from-ansible (@FILE, FILE or KEY=VALUE; repeatable).
    #[arg(short = 'e', long = "extra-vars", value_name = "VARS")]
    pub extra_vars: Vec<String>,

    /// Batch: write one SBOM per image per format under DIR, plus index.json and summary.md.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,

    /// Batch: rescan images whose manifest digest already has an SBOM in --output-dir.
    #[arg(long)]
    pub force: bool,

    /// Push each SBOM written (CycloneDX and SPDX outputs) to the registry as an OCI 1.1
    /// artifact attached to the image manifest scanned (with --platform all, one per
    /// platform): through the referrers API, else the spec's fallback tag. The same SBOM
    /// again is a no-op. A failed push still writes the files, and exits 1.
    #[arg(long)]
    pub attach: bool,

    /// Batch: scan only shard K of N (1-based), a stable subset by image name.
    #[arg(long, value_name = "K/N", value_parser = crate::batch::list::parse_shard)]
    pub shard: Option<(usize, usize)>,

    /// Output format, optionally to a file: FORMAT[=FILE]. Repeatable. Formats:
    /// cyclonedx-json (1.6), cyclonedx-json@1.7, cyclonedx-json@1.5, cyclonedx-xml
    /// (1.6), cyclonedx-xml@1.7, spdx-json, spdx-tag-value, spdx3-json (SPDX 3.0.1
    /// JSON-LD), json (lossless), table. Default: cyclonedx-json to stdout.
    #[arg(short = 'o', long = "output", value_name = "FORMAT[=FILE]")]
    pub outputs: Vec<OutputSpec>,

    /// Leave out packages found inside files that an OS package owns (a deb's Python
    /// dist-info, Go binary or jar): kept and linked by `owns` by default.
    #[arg(long, alias = "exclude-owned-python")]
    pub exclude_owned: bool,

    /// Supplier of the image when its labels name none (org.opencontainers.image.vendor,
    /// authors, maintainer); without either, the registry namespace.
    #[arg(long, value_name = "NAME")]
    pub supplier: Option<String>,

    /// Author of the SBOM (who made it: CycloneDX metadata.authors and manufacturer,
    /// SPDX creator `Organization: NAME`; repeatable).
    #[arg(long = "author", value_name = "NAME")]
    pub authors: Vec<String>,

    #[command(flatten)]
    pub image: ImageOptions,
}

/// The declared packages of `--declared FILE`, if given.
pub fn declared_packages(args: &ScanArgs) -> Result<Option<Vec<sbom_model::Package>>> {
    match &args.declared {
        Some(f) => {
            Ok(Some(sbom_ansible::load_manifest(f).with_context(|| {
                format!("declared manifest {}", f.display())
            })?))
        }
        None => Ok(None),
    }
}

/// Layer downloads at once for one image without -j: a typical image's layers all in
/// flight, bounded for the registry's sake (docker pulls 3 at once, containerd more).
const ONE_IMAGE_DOWNLOADS: usize = 8;

/// Prints each layer as it is done (`-v`): the timeline that shows a slow layer.
fn verbose_progress(reference: &str) -> sbom_catalog::scan::ProgressFn {
    let image = reference.to_string();
    let started = std::time::Instant::now();
    std::sync::Arc::new(move |e: &sbom_catalog::scan::ScanEvent| {
        if let sbom_catalog::scan::ScanEvent::LayerDone {
            index,
            digest,
            cached,
            from_registry,
            compressed_bytes,
            uncompressed_bytes,
        } = e
        {
            let how = match (cached, from_registry) {
                (true, true) => "from the registry cache",
                (true, false) => "from cache",
                _ => "analysed",
            };
            eprintln!(
                "{image}: layer {index} {digest} {how} at +{:.3}s ({compressed_bytes} bytes read, {uncompressed_bytes} bytes of tar)",
                started.elapsed().as_secs_f64()
            );
        }
    })
}

/// Scans one image with the image options into an SBOM (not yet finished: no timestamp,
/// nothing merged), printing warnings and notes.
pub fn scan_image(
    image: &ImageOptions,
    reference: &str,
    platform: Option<Platform>,
    supplier: Option<&str>,
) -> Result<Sbom> {
    // One image: every layer in flight unless -j says otherwise. Layer sizes are uneven,
    // and a cap at the core count leaves the last big layer running alone on one core
    // (registry-cold on the bench image: 1.27 s with 2 downloads, 1.0 s with 4).
    let registry = image
        .registry
        .options(image.jobs.unwrap_or(ONE_IMAGE_DOWNLOADS))?;
    let source = open_source(reference, &registry)?;
    let mut opts = sbom_catalog::scan::ScanOptions::new(platform);
    opts.cache_dir = image.cache_dir();
    opts.strict = image.strict;
    opts.verify = image.verify.into();
    opts.layer_jobs = image.jobs;
    opts.supplier = supplier.map(str::to_string);
    opts.remote_cache = image.remote_cache(&registry)?;
    let started = std::time::Instant::now();
    if image.verbose {
        opts.progress = Some(verbose_progress(reference));
    }
    let out = sbom_catalog::scan::scan(source.as_ref(), &opts)?;
    if image.verbose {
        for note in &out.cache_notes {
            eprintln!("cache: {note}");
        }
    }
    let unwritten: Vec<&String> = (out.cache_notes.iter())
        .filter(|n| sbom_catalog::cache::is_write_failure(n))
        .collect();
    if let (Some(first), false) = (unwritten.first(), image.quiet) {
        // One line, not one per layer; not a finding about the image, so --strict
        // does not turn it into an error.
        eprintln!(
            "warning: {reference}: {} of {} layers not cached: {first}",
            unwritten.len(),
            out.stats.layers_total
        );
    }
    if !image.quiet {
        for note in &out.notes {
            eprintln!("note: {note}");
        }
        for w in &out.warnings {
            eprintln!("warning: {reference}: {w}");
        }
        for w in &out.cache_warnings {
            eprintln!("warning: {reference}: {w}");
        }
    }
    if image.verbose {
        let s = &out.stats;
        // The registry cache's share only when there is one (the line stays as it was).
        let shared = if image.cache_registry.is_some() {
            format!(
                " ({} of them from the registry cache)",
                s.layers_from_registry
            )
        } else {
            String::new()
        };
        eprintln!(
            "{}: {} layers ({} from cache: not downloaded{shared}, {} analysed: {} bytes read), {} packages, {:.2}s",
            reference,
            s.layers_total,
            s.layers_cached,
            s.layers_analysed,
            s.compressed_bytes,
            out.sbom.packages.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(out.sbom)
}

/// What `sbom scan` adds to every SBOM after the scan: owned packages dropped
/// (`--exclude-owned`), the declared manifest merged, the authors.
#[derive(Clone, Debug, Default)]
pub struct Finish {
    pub exclude_owned: bool,
    pub declared: Option<Vec<sbom_model::Package>>,
    pub authors: Vec<String>,
}

impl Finish {
    /// From the arguments (reads the declared manifest).
    pub fn from_args(args: &ScanArgs) -> Result<Finish> {
        Ok(Finish {
            exclude_owned: args.exclude_owned,
            declared: declared_packages(args)?,
            authors: args.authors.clone(),
        })
    }

    pub fn apply(&self, sbom: &mut Sbom) {
        if self.exclude_owned {
            drop_owned(sbom);
        }
        if let Some(d) = &self.declared {
            sbom_ansible::merge_declared(sbom, d.clone());
        }
        sbom.authors.clone_from(&self.authors);
    }
}

/// Scans one source into a finished SBOM (timestamp set), printing warnings.
pub fn scan_to_sbom(args: &ScanArgs, reference: &str) -> Result<Sbom> {
    let platform = args.image.single_platform("scan")?;
    let mut sbom = scan_image(&args.image, reference, platform, args.supplier.as_deref())?;
    Finish::from_args(args)?.apply(&mut sbom);
    sbom.created = Some(output::created_timestamp()?);
    Ok(sbom)
}

/// Removes packages that an OS package owns (relationship `owns`): a deb's Python
/// dist-info, Go binary, jar.
pub fn drop_owned(sbom: &mut Sbom) {
    use sbom_model::RelationshipKind;
    let owned: std::collections::BTreeSet<String> = sbom
        .relationships
        .iter()
        .filter(|r| r.kind == RelationshipKind::Owns)
        .map(|r| r.to.clone())
        .collect();
    sbom.packages.retain(|p| !owned.contains(&p.id));
    sbom.relationships
        .retain(|r| !owned.contains(&r.to) && !owned.contains(&r.from));
}

/// Renders `sbom` in every requested format, then writes all of them (files atomically).
pub fn write_outputs(sbom: &Sbom, outputs: &[OutputSpec]) -> Result<()> {
    let default = [OutputSpec {
        format: "cyclonedx-json".into(),
        file: None,
    }];
    let outputs = if outputs.is_empty() {
        &default[..]
    } else {
        outputs
    };
    if outputs.iter().filter(|o| o.file.is_none()).count() > 1 {
        bail!("only one output can go to stdout; give the others a file: -o FORMAT=FILE");
    }
    // Render everything first so that a rendering error leaves no file behind.
    let mut rendered = Vec::new();
    for o in outputs {
        let format: sbom_format::Format = o.format.parse()?;
        let bytes = sbom_format::write(sbom, &format)
            .with_context(|| format!("cannot render {}", o.format))?;
        rendered.push((o.file.clone(), bytes));
    }
    for (file, bytes) in rendered {
        output::emit(file.as_deref(), &bytes)?;
    }
    Ok(())
}

/// `scan --attach` of one image: every CycloneDX/SPDX output, rendered again (the same
/// bytes as written), attached to the manifest scanned.
fn attach_outputs(args: &ScanArgs, reference: &str, sbom: &Sbom) -> Result<()> {
    let Some(digest) = sbom.subject.manifest_digest.as_deref() else {
        bail!("{reference}: no manifest digest to attach the SBOM to");
    };
    let registry = args.image.registry.options(4)?;
    let subject = crate::cmd::attach::subject(reference, digest, &registry)?;
    let default = [OutputSpec {
        format: "cyclonedx-json".into(),
        file: None,
    }];
    let outputs = if args.outputs.is_empty() {
        &default[..]
    } else {
        &args.outputs[..]
    };
    for o in outputs {
        let format: sbom_format::Format = o.format.parse()?;
        let bytes = sbom_format::write(sbom, &format)?;
        if crate::cmd::attach::media_type(&bytes).is_none() {
            continue; // table, our own json
        }
        let name = o
            .file
            .as_ref()
            .map_or_else(|| o.format.clone(), |f| f.display().to_string());
        let (_, line) = crate::cmd::attach::attach_one(&subject, &bytes, &name)?;
        if !args.image.quiet {
            eprintln!("{line}");
        }
    }
    Ok(())
}

/// Every image the arguments name, in order, sharded when asked.
fn targets(args: &ScanArgs) -> Result<Vec<crate::batch::list::Target>> {
    use crate::batch::list;
    let mut t: Vec<list::Target> = args
        .sources
        .iter()
        .map(|s| list::Target::plain(s))
        .collect();
    if let Some(f) = &args.images {
        t.extend(list::read_image_lines(&fs_err::read_to_string(f)?));
    }
    if let Some(f) = &args.release {
        t.extend(list::read_release(
            f,
            args.images_map.as_deref(),
            args.registry_host.as_deref(),
        )?);
    }
    if let Some(path) = &args.images_from_ansible {
        let a = crate::cmd::ansible::AnsibleArgs {
            path: path.clone(),
            extra_vars: args.extra_vars.clone(),
            verbose: false,
            list_images: true,
        };
        t.extend(
            crate::cmd::ansible::images(&a)?
                .iter()
                .map(|s| list::Target::plain(s)),
        );
    }
    if let Some((k, n)) = args.shard {
        t = list::shard(t, k, n);
    }
    Ok(t)
}

pub fn run(args: &ScanArgs) -> Result<u8> {
    // Validate output formats and the platform before the (long) scan.
    let mut formats = Vec::new();
    for o in &args.outputs {
        let format = o
            .format
            .parse::<sbom_format::Format>()
            .map_err(|e| crate::UsageError(e.to_string()))?;
        formats.push(format);
    }
    let platform = args.image.platform_choice()?;
    let targets = targets(args)?;
    let batch = args.output_dir.is_some()
        || targets.len() > 1
        || args.images.is_some()
        || args.release.is_some()
        || args.images_from_ansible.is_some();
    if !batch {
        let Some(t) = targets.first() else {
            return Err(crate::UsageError(
                "no image given: sbom scan IMAGE (or --images FILE / --release FILE)".into(),
            )
            .into());
        };
        if platform == PlatformChoice::All {
            return Err(crate::UsageError(
                "--platform all writes one SBOM per platform: give --output-dir DIR".into(),
            )
            .into());
        }
        if args.attach {
            crate::cmd::attach::registry_repo(&t.scan_ref, &args.image.registry.options(1)?)?;
        }
        let sbom = scan_to_sbom(args, &t.scan_ref)?;
        write_outputs(&sbom, &args.outputs)?;
        if args.attach {
            attach_outputs(args, &t.scan_ref, &sbom)?;
        }
        return Ok(0);
    }
    let Some(output_dir) = args.output_dir.clone() else {
        return Err(crate::UsageError("several images need --output-dir DIR".into()).into());
    };
    if args.outputs.iter().any(|o| o.file.is_some()) {
        return Err(crate::UsageError(
            "with --output-dir, give formats without file names (-o spdx-json)".into(),
        )
        .into());
    }
    if formats.is_empty() {
        formats.push(sbom_format::Format::CycloneDxJson {
            version: sbom_format::CdxVersion::V1_6,
        });
    }
    let jobs = args.image.jobs();
    let cfg = crate::batch::BatchConfig {
        output_dir,
        formats,
        platform,
        cache_dir: args.image.cache_dir(),
        jobs,
        force: args.force,
        strict: args.image.strict,
        verify: args.image.verify.into(),
        quiet: args.image.quiet,
        verbose: args.image.verbose,
        registry: args.image.registry.options(jobs)?,
        supplier: args.supplier.clone(),
        finish: Finish::from_args(args)?,
        attach: args.attach,
        remote_cache: args
            .image
            .remote_cache(&args.image.registry.options(jobs)?)?,
    };
    crate::batch::run(targets, &cfg)
}
