//! `sbom scan`: one image in, SBOM files out.
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use sbom_model::{Platform, Sbom};

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

    /// Batch: scan only shard K of N (1-based), a stable subset by image name.
    #[arg(long, value_name = "K/N", value_parser = crate::batch::list::parse_shard)]
    pub shard: Option<(usize, usize)>,

    /// Concurrency over images, layers and downloads together (default for a batch: CPU
    /// count, at least 2; for one image: all its layers at once, at most 8 downloads).
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,

    /// Platform to pick from a multi-platform image: os/arch[/variant].
    #[arg(long, default_value = "linux/amd64")]
    pub platform: String,

    /// Output format, optionally to a file: FORMAT[=FILE]. Repeatable. Formats:
    /// cyclonedx-json (1.6), cyclonedx-json@1.7, cyclonedx-json@1.5, cyclonedx-xml
    /// (1.6), cyclonedx-xml@1.7, spdx-json, spdx-tag-value, spdx3-json (SPDX 3.0.1
    /// JSON-LD), json (lossless), table. Default: cyclonedx-json to stdout.
    #[arg(short = 'o', long = "output", value_name = "FORMAT[=FILE]")]
    pub outputs: Vec<OutputSpec>,

    /// Layer cache folder (default: $XDG_CACHE_HOME/sbom).
    #[arg(long, env = "SBOM_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Do not read or write the layer cache.
    #[arg(long)]
    pub no_cache: bool,

    /// Treat warnings (hostile tar entries, malformed package records) as errors.
    #[arg(long)]
    pub strict: bool,

    /// Which layer digests to check: `all` (each blob against the manifest and each
    /// layer's uncompressed tar against the config's diffID), `blobs` (only the digest that
    /// names the stored bytes; diffIDs of compressed layers taken as stated, as docker
    /// pull does), `none` (nothing hashed; decoders still fail on broken streams).
    /// Layer cache entries are filed only under checked digests: `none` files none
    #[arg(long, value_enum, default_value_t = VerifyLevel::All, value_name = "LEVEL")]
    pub verify: VerifyLevel,

    /// Leave out Python packages whose files an OS package owns (kept and linked by default).
    #[arg(long)]
    pub exclude_owned_python: bool,

    /// Print what happened (layers cached or analysed, timings) to stderr.
    #[arg(short, long)]
    pub verbose: bool,

    /// Print no warnings.
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// How to reach registries.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RegistryArgs {
    /// Registry host[:port] to reach over plain HTTP / unverified TLS (repeatable).
    /// localhost and 127.0.0.0/8 always are, as with docker.
    #[arg(long = "insecure-registry", value_name = "HOST[:PORT]")]
    pub insecure_registries: Vec<String>,

    /// User name for the registry (the password is read from stdin with --password-stdin).
    #[arg(long, requires = "password_stdin")]
    pub username: Option<String>,

    /// Read the registry password from stdin (one line).
    #[arg(long, requires = "username")]
    pub password_stdin: bool,
}

impl RegistryArgs {
    /// Registry options; reads the password from stdin when asked to.
    pub fn options(&self, jobs: usize) -> Result<sbom_registry::RegistryOptions> {
        let credentials = match (&self.username, self.password_stdin) {
            (Some(u), true) => {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .context("cannot read the password from stdin")?;
                let password = line.trim_end_matches(['\n', '\r']).to_string();
                if password.is_empty() {
                    bail!("--password-stdin: no password on stdin");
                }
                Some(sbom_registry::Credentials::Basic {
                    username: u.clone(),
                    password,
                })
            }
            _ => None,
        };
        Ok(sbom_registry::RegistryOptions {
            insecure_registries: self.insecure_registries.clone(),
            credentials,
            max_concurrent_downloads: jobs.max(1),
            ..sbom_registry::RegistryOptions::default()
        })
    }
}

/// Opens a local source, or the registry for anything that is not a local path.
pub fn open_source(
    reference: &str,
    registry: &sbom_registry::RegistryOptions,
) -> Result<Box<dyn sbom_image::ImageSource>> {
    match sbom_image::SourceRef::parse(reference) {
        sbom_image::SourceRef::Registry(r) => {
            Ok(Box::new(sbom_registry::RegistrySource::new(&r, registry)?))
        }
        local => Ok(sbom_image::open_ref(reference, local)?),
    }
}

/// Parses `os/arch[/variant]`.
pub fn parse_platform(s: &str) -> Result<Platform> {
    let parts: Vec<&str> = s.split('/').collect();
    match parts.as_slice() {
        [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Platform {
            os: os.to_string(),
            architecture: arch.to_string(),
            variant: None,
        }),
        [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
            Ok(Platform {
                os: os.to_string(),
                architecture: arch.to_string(),
                variant: Some(variant.to_string()),
            })
        }
        _ => bail!("invalid --platform `{s}`: expected os/arch[/variant], e.g. linux/amd64"),
    }
}

/// The default cache folder: `$XDG_CACHE_HOME/sbom`, else `~/.cache/sbom`.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x).join("sbom"));
    }
    std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .map(|h| PathBuf::from(h).join(".cache").join("sbom"))
}

impl ScanArgs {
    /// The arguments `sbom scan` has when only an image is given.
    pub fn defaults() -> ScanArgs {
        ScanArgs {
            platform: "linux/amd64".into(),
            ..ScanArgs::default()
        }
    }
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

/// `--jobs`, or the CPU count (at least 2).
pub fn jobs(args: &ScanArgs) -> usize {
    args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(std::num::NonZeroUsize::get)
            .unwrap_or(2)
            .max(2)
    })
}

/// The cache folder to use, or none with --no-cache.
fn cache_dir(args: &ScanArgs) -> Option<PathBuf> {
    if args.no_cache {
        None
    } else {
        args.cache_dir.clone().or_else(default_cache_dir)
    }
}

/// `--verify`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VerifyLevel {
    #[default]
    All,
    Blobs,
    None,
}

impl From<VerifyLevel> for sbom_image::Verify {
    fn from(v: VerifyLevel) -> Self {
        match v {
            VerifyLevel::All => sbom_image::Verify::All,
            VerifyLevel::Blobs => sbom_image::Verify::Blobs,
            VerifyLevel::None => sbom_image::Verify::Nothing,
        }
    }
}

/// Layer downloads at once for one image without -j: a typical image's layers all in
/// flight, bounded for the registry's sake (docker pulls 3 at once, containerd more).
const ONE_IMAGE_DOWNLOADS: usize = 8;

/// Scans one source into a finished SBOM (timestamp set), printing warnings.
pub fn scan_to_sbom(args: &ScanArgs, reference: &str) -> Result<Sbom> {
    let platform = parse_platform(&args.platform)?;
    let cache_dir = cache_dir(args);
    // One image: every layer in flight unless -j says otherwise. Layer sizes are uneven,
    // and a cap at the core count leaves the last big layer running alone on one core
    // (registry-cold on the bench image: 1.27 s with 2 downloads, 1.0 s with 4).
    let registry = args
        .registry
        .options(args.jobs.unwrap_or(ONE_IMAGE_DOWNLOADS))?;
    let source = open_source(reference, &registry)?;
    let mut opts = sbom_catalog::scan::ScanOptions::new(platform);
    opts.cache_dir = cache_dir;
    opts.strict = args.strict;
    opts.verify = args.verify.into();
    opts.layer_jobs = args.jobs;
    let started = std::time::Instant::now();
    if args.verbose {
        let image = reference.to_string();
        opts.progress = Some(std::sync::Arc::new(
            move |e: &sbom_catalog::scan::ScanEvent| {
                if let sbom_catalog::scan::ScanEvent::LayerDone {
                    index,
                    digest,
                    cached,
                    compressed_bytes,
                    uncompressed_bytes,
                } = e
                {
                    let how = if *cached { "from cache" } else { "analysed" };
                    eprintln!(
                    "{image}: layer {index} {digest} {how} at +{:.3}s ({compressed_bytes} bytes read, {uncompressed_bytes} bytes of tar)",
                    started.elapsed().as_secs_f64()
                );
                }
            },
        ));
    }
    let out = sbom_catalog::scan::scan(source.as_ref(), &opts)?;
    if args.verbose {
        for note in &out.cache_notes {
            eprintln!("cache: {note}");
        }
    }
    if !args.quiet {
        for w in &out.warnings {
            eprintln!("warning: {reference}: {w}");
        }
    }
    if args.verbose {
        let s = &out.stats;
        eprintln!(
            "{}: {} layers ({} from cache: not downloaded, {} analysed: {} bytes read), {} packages, {:.2}s",
            reference,
            s.layers_total,
            s.layers_cached,
            s.layers_analysed,
            s.compressed_bytes,
            out.sbom.packages.len(),
            started.elapsed().as_secs_f64()
        );
    }
    let mut sbom = out.sbom;
    if args.exclude_owned_python {
        drop_owned_python(&mut sbom);
    }
    if let Some(declared) = declared_packages(args)? {
        sbom_ansible::merge_declared(&mut sbom, declared);
    }
    sbom.created = Some(output::created_timestamp()?);
    Ok(sbom)
}

/// Removes Python packages that an OS package owns (relationship `owns`).
pub fn drop_owned_python(sbom: &mut Sbom) {
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
        let format: sbom_format::Format = o
            .format
            .parse()
            .with_context(|| format!("unknown output format `{}`", o.format))?;
        let bytes = sbom_format::write(sbom, &format)
            .with_context(|| format!("cannot render {}", o.format))?;
        rendered.push((o.file.clone(), bytes));
    }
    for (file, bytes) in rendered {
        output::emit(file.as_deref(), &bytes)?;
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
    // Validate output formats before the (long) scan.
    let mut formats = Vec::new();
    for o in &args.outputs {
        formats.push(
            o.format
                .parse::<sbom_format::Format>()
                .with_context(|| format!("unknown output format `{}`", o.format))?,
        );
    }
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
        let sbom = scan_to_sbom(args, &t.scan_ref)?;
        write_outputs(&sbom, &args.outputs)?;
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
    let jobs = jobs(args);
    let cfg = crate::batch::BatchConfig {
        output_dir,
        formats,
        platform: parse_platform(&args.platform)?,
        cache_dir: cache_dir(args),
        jobs,
        force: args.force,
        strict: args.strict,
        verify: args.verify.into(),
        quiet: args.quiet,
        verbose: args.verbose,
        registry: args.registry.options(jobs)?,
        declared: declared_packages(args)?,
        exclude_owned_python: args.exclude_owned_python,
    };
    crate::batch::run(targets, &cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_parsing() {
        let p = parse_platform("linux/arm64/v8").unwrap();
        assert_eq!(p.variant.as_deref(), Some("v8"));
        assert!(parse_platform("linux").is_err());
        assert!(parse_platform("linux//").is_err());
    }
}
