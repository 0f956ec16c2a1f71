//! What `diff` and `audit` accept as an input: an SBOM file, a release folder of SBOMs,
//! or an image (scanned on the fly, through the layer cache).
use std::path::Path;

use anyhow::{Context, Result};
use sbom_model::Sbom;

use crate::cmd::attach::SbomSource;
use crate::cmd::image::ImageOptions;

/// The SBOM attached to a registry image's manifest (`--sbom-source auto|registry`);
/// `None`: scan it. `registry` without an attached SBOM is an error; `auto` says why it
/// scans.
fn from_registry(
    what: &str,
    image: &ImageOptions,
    source: SbomSource,
    command: &str,
) -> Result<Option<Sbom>> {
    let in_registry = matches!(
        sbom_image::SourceRef::parse(what),
        sbom_image::SourceRef::Registry(_)
    );
    match (source, in_registry) {
        (SbomSource::Scan, _) | (SbomSource::Auto, false) => return Ok(None),
        (SbomSource::Registry, false) => {
            return Err(crate::UsageError(format!(
                "{command}: --sbom-source registry: {what} is not an image in a registry"
            ))
            .into())
        }
        _ => {}
    }
    match crate::cmd::attach::attached_sbom(what, image, command) {
        Ok(Some(s)) => Ok(Some(s)),
        Ok(None) if source == SbomSource::Registry => {
            anyhow::bail!("{what}: no SBOM attached to its manifest (--sbom-source registry)")
        }
        Ok(None) => {
            if !image.quiet {
                eprintln!("{command}: {what}: no SBOM attached to its manifest: scanning");
            }
            Ok(None)
        }
        Err(e) if source == SbomSource::Registry => Err(e),
        Err(e) => {
            if !image.quiet {
                eprintln!(
                    "warning: {command}: {what}: cannot look for attached SBOMs ({e:#}): scanning"
                );
            }
            Ok(None)
        }
    }
}

/// Reads an SBOM file in any format we read (ours, CycloneDX JSON, SPDX JSON).
pub fn read_sbom_file(path: &Path) -> Result<Sbom> {
    let bytes = fs_err::read(path)?;
    sbom_format::read_any(&bytes).with_context(|| format!("cannot read SBOM {}", path.display()))
}

/// Whether `path` is a folder of SBOMs (and not an image layout or a rootfs).
fn is_release_folder(path: &Path) -> bool {
    path.is_dir()
        && !path.join("oci-layout").exists()
        && !path.join("index.json").join("..").join("blobs").exists()
        && !path.join("manifest.json").exists()
        && !path.join("etc").is_dir()
        && !path.join("usr").is_dir()
        && !path.join("var").is_dir()
}

/// Whether `path` is an SBOM document rather than an image archive.
fn is_sbom_file(path: &Path) -> bool {
    if !path.is_file() {
        return false;
    }
    let mut head = [0u8; 4096];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    sbom_format::detect(&head[..n]).is_some()
}

pub enum Loaded {
    One(Box<Sbom>),
    Release(sbom_diff::Release),
}

/// Loads `what`: SBOM file, release folder, or image (scanned with the image options:
/// the same cache, credentials and verification as `sbom scan`).
pub fn load(what: &str, image: &ImageOptions, source: SbomSource, command: &str) -> Result<Loaded> {
    let p = Path::new(what);
    if is_sbom_file(p) {
        return Ok(Loaded::One(Box::new(read_sbom_file(p)?)));
    }
    if is_release_folder(p) {
        let release = sbom_diff::Release::load(p, |f: &Path| {
            read_sbom_file(f).map_err(|e| format!("{e:#}"))
        })
        .with_context(|| format!("cannot read the release folder {what}"))?;
        return Ok(Loaded::Release(release));
    }
    // A missing SBOM file must not turn into a registry lookup of `docker.io/library/x.json`.
    let lower = what.to_ascii_lowercase();
    if !p.exists()
        && [".json", ".xml", ".spdx", ".cdx"]
            .iter()
            .any(|s| lower.ends_with(s))
    {
        anyhow::bail!("{what}: no such SBOM file");
    }
    if let Some(sbom) = from_registry(what, image, source, command)? {
        return Ok(Loaded::One(Box::new(sbom)));
    }
    let platform = image.single_platform(command)?;
    let mut sbom = crate::cmd::scan::scan_image(image, what, platform, None)?;
    sbom.created = Some(crate::output::created_timestamp()?);
    Ok(Loaded::One(Box::new(sbom)))
}
