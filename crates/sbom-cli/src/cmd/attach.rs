//! SBOMs in the registry, next to their images: `sbom attach IMAGE FILE…`,
//! `sbom scan --attach`, `sbom sboms IMAGE`, and the attached SBOM `diff`/`audit` use
//! instead of a scan (`--sbom-source`).
//!
//! An SBOM is an OCI 1.1 artifact whose `subject` is the image manifest it describes
//! (the platform manifest scanned), `artifactType` its format's media type, the empty
//! config, and annotations: when it was made, by which tool and version, and how much of
//! the image the scan verified. sbom-registry files it through the referrers API or the
//! spec's fallback tag.
use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use sbom_registry::{Artifact, Descriptor, Repository};
use serde_json::Value;

use crate::cmd::image::{ImageOptions, RegistryArgs};

/// Annotation: the tool that made the SBOM.
pub const ANN_TOOL: &str = "dev.sbom.tool";
/// Annotation: its version.
pub const ANN_VERSION: &str = "dev.sbom.tool.version";
/// Annotation: which digests the scan checked (`all`, `blobs`, `none`).
pub const ANN_VERIFY: &str = "dev.sbom.verify";

/// The media type of an SBOM document (its artifact's `artifactType`), with the file
/// suffix for its title; `None` for documents that are not a standard SBOM format.
pub fn media_type(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    use sbom_format::DocumentKind as K;
    Some(match sbom_format::detect(bytes)? {
        K::CycloneDxJson => ("application/vnd.cyclonedx+json", "cdx.json"),
        K::CycloneDxXml => ("application/vnd.cyclonedx+xml", "cdx.xml"),
        K::SpdxJson => ("application/spdx+json", "spdx.json"),
        K::SpdxTagValue => ("text/spdx", "spdx"),
        K::Spdx3Json => ("application/spdx3+json", "spdx3.json"),
        K::SbomJson => return None,
    })
}

/// SBOM media types we read, best first (the one `diff`/`audit` pick among several).
const READABLE: [&str; 5] = [
    "application/vnd.cyclonedx+json",
    "application/spdx+json",
    "application/vnd.cyclonedx+xml",
    "application/spdx3+json",
    "text/spdx",
];

/// The artifact for one SBOM document. `created` comes from the document itself (so
/// attaching the same file again gives the same manifest, a no-op), else now.
pub fn artifact_for(bytes: &[u8], name: &str) -> Result<Artifact> {
    let (media, suffix) = media_type(bytes).with_context(|| {
        format!("{name}: not a CycloneDX or SPDX document (our own `json` format is not attached)")
    })?;
    let sbom = sbom_format::read_any(bytes).with_context(|| format!("cannot read SBOM {name}"))?;
    let created = match sbom.created.clone() {
        Some(c) => c,
        None => crate::output::created_timestamp()?,
    };
    let mut annotations = BTreeMap::from([(
        sbom_registry::artifact::ANNOTATION_CREATED.to_string(),
        created,
    )]);
    let ours = sbom.tools.iter().find(|t| t.name == sbom_model::TOOL_NAME);
    match ours {
        Some(t) => {
            annotations.insert(ANN_TOOL.into(), t.name.clone());
            annotations.insert(ANN_VERSION.into(), t.version.clone());
            if let Some(v) = &sbom.subject.verification {
                annotations.insert(ANN_VERIFY.into(), v.clone());
            }
        }
        None => {
            if let Some(t) = sbom.tools.first() {
                annotations.insert(ANN_TOOL.into(), t.name.clone());
                annotations.insert(ANN_VERSION.into(), t.version.clone());
            }
        }
    }
    let stem = sbom
        .subject
        .name
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("sbom")
        .to_string();
    Ok(Artifact {
        artifact_type: media.to_string(),
        blob: bytes.to_vec(),
        title: Some(format!("{}.{suffix}", sanitize(&stem))),
        annotations,
    })
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The registry repository and manifest descriptor an SBOM is attached to.
pub struct Subject {
    pub repo: Repository,
    pub descriptor: Descriptor,
    /// `registry/repo@digest`, for messages.
    pub shown: String,
}

/// The manifest `digest` of the registry image `reference`, ready to attach to.
pub fn subject(
    reference: &str,
    digest: &str,
    registry: &sbom_registry::RegistryOptions,
) -> Result<Subject> {
    let repo = registry_repo(reference, registry)?;
    let descriptor = repo
        .manifest_descriptor(digest)?
        .with_context(|| format!("{}: no manifest {digest}", repo.name()))?;
    Ok(Subject {
        shown: format!("{}@{digest}", repo.name()),
        repo,
        descriptor,
    })
}

/// The repository of a registry reference; a local source is refused.
pub fn registry_repo(
    reference: &str,
    registry: &sbom_registry::RegistryOptions,
) -> Result<Repository> {
    match sbom_image::SourceRef::parse(reference) {
        sbom_image::SourceRef::Registry(r) => Ok(Repository::open(&r, registry)?),
        _ => Err(crate::UsageError(format!(
            "{reference} is not a registry image: SBOMs are attached to images in a registry"
        ))
        .into()),
    }
}

/// Attaches one document: what happened, and the line that says it.
pub fn attach_one(
    subject: &Subject,
    bytes: &[u8],
    name: &str,
) -> Result<(sbom_registry::Attached, String)> {
    let artifact = artifact_for(bytes, name)?;
    let done = subject
        .repo
        .attach(&subject.descriptor, &artifact)
        .with_context(|| format!("cannot attach {name} to {}", subject.shown))?;
    let line = format!(
        "{} {name} to {} as {} ({}, {})",
        if done.added {
            "attached"
        } else {
            "already attached:"
        },
        subject.shown,
        done.digest,
        artifact.artifact_type,
        done.via
    );
    Ok((done, line))
}

#[derive(clap::Args, Debug, Clone)]
pub struct AttachArgs {
    /// The image in a registry (`HOST/REPO:TAG` or `@sha256:…`).
    #[arg(value_name = "IMAGE")]
    pub image: String,

    /// SBOM files (CycloneDX JSON/XML, SPDX JSON/tag-value, SPDX 3). An SBOM that names
    /// the manifest it describes (ours do) is attached to that manifest, which must be
    /// IMAGE's (or one of its platforms'); others to IMAGE's manifest for --platform.
    #[arg(value_name = "SBOM-FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Platform of a multi-platform IMAGE for SBOMs that do not name their manifest
    /// (default: linux/amd64).
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,

    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// `sbom attach IMAGE FILE…`.
pub fn run_attach(args: &AttachArgs) -> Result<u8> {
    let registry = args.registry.options(4)?;
    let platform = match &args.platform {
        Some(p) => Some(crate::cmd::image::parse_platform(p)?),
        None => None,
    };
    let (top, platforms) = manifests_of(&args.image, &registry)?;
    let mut failed = 0;
    for file in &args.files {
        let result = (|| -> Result<String> {
            let bytes = fs_err::read(file)?;
            let name = file.display().to_string();
            let sbom = sbom_format::read_any(&bytes)
                .with_context(|| format!("cannot read SBOM {name}"))?;
            let digest = match &sbom.subject.manifest_digest {
                Some(d) if *d == top || platforms.iter().any(|(_, c)| c == d) => d.clone(),
                Some(d) => bail!(
                    "{name} describes manifest {d}, which is not {} (nor one of its platforms): not attached",
                    args.image
                ),
                None => pick(&top, &platforms, platform.as_ref(), &args.image)?,
            };
            let s = subject(&args.image, &digest, &registry)?;
            Ok(attach_one(&s, &bytes, &name)?.1)
        })();
        match result {
            Ok(line) if !args.quiet => println!("{line}"),
            Ok(_) => {}
            Err(e) => {
                failed += 1;
                let parts: Vec<String> = e.chain().map(ToString::to_string).collect();
                eprintln!("error: {}", crate::dedup_chain(&parts));
            }
        }
    }
    Ok(u8::from(failed > 0))
}

/// The manifest digest `reference` names, and the platform manifests it lists when it
/// is an index.
fn manifests_of(
    reference: &str,
    registry: &sbom_registry::RegistryOptions,
) -> Result<(String, Vec<(sbom_model::Platform, String)>)> {
    let repo = registry_repo(reference, registry)?;
    let image = sbom_registry::ImageRef::parse(
        reference
            .strip_prefix("registry:")
            .or_else(|| reference.strip_prefix("docker://"))
            .unwrap_or(reference),
    )?;
    let (desc, json) = repo
        .manifest_json(image.manifest_ref())?
        .with_context(|| format!("{reference}: manifest unknown"))?;
    let mut platforms = Vec::new();
    for m in json
        .get("manifests")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(p), Some(d)) = (m.get("platform"), m.get("digest").and_then(Value::as_str))
        else {
            continue;
        };
        let field = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        if field("os") == "unknown" || field("os").is_empty() {
            continue;
        }
        platforms.push((
            sbom_model::Platform {
                os: field("os"),
                architecture: field("architecture"),
                variant: p.get("variant").and_then(Value::as_str).map(str::to_string),
            },
            d.to_string(),
        ));
    }
    Ok((desc.digest, platforms))
}

/// The manifest for `platform` (default linux/amd64) of an index, or the manifest.
fn pick(
    top: &str,
    platforms: &[(sbom_model::Platform, String)],
    platform: Option<&sbom_model::Platform>,
    image: &str,
) -> Result<String> {
    if platforms.is_empty() {
        return Ok(top.to_string());
    }
    let want = platform.cloned().unwrap_or(sbom_model::Platform {
        os: "linux".into(),
        architecture: "amd64".into(),
        variant: None,
    });
    platforms
        .iter()
        .find(|(p, _)| {
            p.os == want.os
                && p.architecture == want.architecture
                && (want.variant.is_none() || p.variant == want.variant)
        })
        .map(|(_, d)| d.clone())
        .with_context(|| format!("{image} has no {want} manifest"))
}

/// Output of `sbom sboms`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListFormat {
    #[default]
    Text,
    Json,
}

#[derive(clap::Args, Debug, Clone)]
pub struct SbomsArgs {
    /// The image in a registry. A multi-platform image lists what is attached to the
    /// index and to each platform's manifest.
    #[arg(value_name = "IMAGE")]
    pub image: String,

    /// Only this platform's manifest.
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,

    /// Also list artifacts that are not SBOMs (signatures, attestations, ...).
    #[arg(long)]
    pub all: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,

    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// One attached artifact as `sbom sboms` lists it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Listed {
    /// The manifest it is attached to.
    pub subject: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    pub artifact_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify: Option<String>,
    pub digest: String,
    /// `referrers API` or `referrers tag sha256-…`.
    pub found_via: String,
}

/// `sbom sboms IMAGE`.
pub fn run_sboms(args: &SbomsArgs) -> Result<u8> {
    let registry = args.registry.options(4)?;
    let repo = registry_repo(&args.image, &registry)?;
    let (top, platforms) = manifests_of(&args.image, &registry)?;
    let mut subjects: Vec<(Option<String>, String)> = Vec::new();
    match &args.platform {
        Some(p) => {
            let p = crate::cmd::image::parse_platform(p)?;
            subjects.push((
                Some(p.to_string()),
                pick(&top, &platforms, Some(&p), &args.image)?,
            ));
        }
        None => {
            subjects.push((None, top.clone()));
            subjects.extend(
                platforms
                    .iter()
                    .map(|(p, d)| (Some(p.to_string()), d.clone())),
            );
        }
    }
    let mut rows = Vec::new();
    for (platform, digest) in subjects {
        let found = repo.referrers(&digest)?;
        for e in found.entries {
            let kind = e.artifact_type.clone().unwrap_or_default();
            if !args.all && !READABLE.contains(&kind.as_str()) {
                continue;
            }
            let mut row = Listed {
                subject: digest.clone(),
                platform: platform.clone(),
                artifact_type: kind,
                created: e
                    .annotations
                    .get(sbom_registry::artifact::ANNOTATION_CREATED)
                    .cloned(),
                tool: tool_of(&e.annotations),
                verify: e.annotations.get(ANN_VERIFY).cloned(),
                digest: e.digest.clone(),
                found_via: found.via.to_string(),
            };
            // Other tools rarely annotate: the document says who made it and when.
            if READABLE.contains(&row.artifact_type.as_str())
                && (row.tool.is_none() || row.created.is_none())
            {
                if let Ok(f) = repo.fetch_referrer(&e.digest, &digest) {
                    if let Ok(s) = sbom_format::read_any(&f.blob) {
                        row.created = row.created.or(s.created.clone());
                        row.tool = row.tool.or_else(|| {
                            s.tools
                                .first()
                                .map(|t| format!("{} {}", t.name, t.version).trim().to_string())
                        });
                    }
                }
            }
            rows.push(row);
        }
    }
    let out = match args.format {
        ListFormat::Json => {
            let mut j = serde_json::to_string_pretty(&rows)?;
            j.push('\n');
            j
        }
        ListFormat::Text => table(&rows),
    };
    crate::output::emit(None, out.as_bytes())?;
    Ok(0)
}

fn tool_of(a: &BTreeMap<String, String>) -> Option<String> {
    let tool = a.get(ANN_TOOL)?;
    Some(match a.get(ANN_VERSION) {
        Some(v) => format!("{tool} {v}"),
        None => tool.clone(),
    })
}

fn table(rows: &[Listed]) -> String {
    if rows.is_empty() {
        return "no SBOMs attached\n".into();
    }
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.platform.clone().unwrap_or_else(|| "(image)".into()),
                r.artifact_type.clone(),
                r.created.clone().unwrap_or_else(|| "-".into()),
                r.tool.clone().unwrap_or_else(|| "-".into()),
                r.digest.clone(),
            ]
        })
        .collect();
    let head = ["PLATFORM", "TYPE", "CREATED", "TOOL", "DIGEST"];
    let mut width = head.map(str::len);
    for c in &cells {
        for (w, v) in width.iter_mut().zip(c) {
            *w = (*w).max(v.chars().count());
        }
    }
    let line = |c: [&str; 5]| {
        let mut s = String::new();
        for (i, (v, w)) in c.iter().zip(width).enumerate() {
            if i == 4 {
                s.push_str(v);
            } else {
                s.push_str(&format!("{v:<w$}  "));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(head);
    for c in &cells {
        out.push_str(&line([&c[0], &c[1], &c[2], &c[3], &c[4]]));
    }
    out
}

/// Where `diff` and `audit` take an image's SBOM from (`--sbom-source`).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SbomSource {
    /// An SBOM attached to the exact manifest in the registry, else a scan.
    #[default]
    Auto,
    /// Only an attached SBOM (an error when there is none).
    Registry,
    /// Always scan.
    Scan,
}

#[derive(clap::Args, Debug, Clone, Default)]
#[command(next_help_heading = "Image options (scan, diff, audit)")]
pub struct SbomSourceArgs {
    /// For images in a registry: use an SBOM attached to the image's manifest (the
    /// platform's, exactly that digest), or scan. `auto`: attached first, else scan.
    #[arg(long, value_enum, default_value_t = SbomSource::Auto, value_name = "SOURCE")]
    pub sbom_source: SbomSource,
}

/// The SBOM attached to the manifest of `reference` that `diff`/`audit` use, if any:
/// only an artifact whose subject is that exact manifest digest, a format we read, and
/// (when it says) made with at least the verification asked for. Says which it used.
pub fn attached_sbom(
    reference: &str,
    image: &ImageOptions,
    command: &str,
) -> Result<Option<sbom_model::Sbom>> {
    let registry = image.registry.options(4)?;
    let source = crate::cmd::image::open_source(reference, &registry)?;
    let platform = image.single_platform(command)?;
    let (resolved, _) = sbom_image::resolve_platform(source.as_ref(), platform.as_ref())?;
    let Some(digest) = resolved.manifest_digest.clone() else {
        return Ok(None);
    };
    let repo = registry_repo(reference, &registry)?;
    let found = repo.referrers(&digest)?;
    let want: sbom_image::Verify = image.verify.into();
    let mut candidates: Vec<&Descriptor> = found
        .entries
        .iter()
        .filter(|e| {
            e.artifact_type
                .as_deref()
                .is_some_and(|t| READABLE.contains(&t))
        })
        .collect();
    // Best format first, newest first within a format.
    candidates.sort_by_key(|e| {
        let t = e.artifact_type.as_deref().unwrap_or("");
        let rank = READABLE
            .iter()
            .position(|r| *r == t)
            .unwrap_or(READABLE.len());
        let created = e
            .annotations
            .get(sbom_registry::artifact::ANNOTATION_CREATED)
            .cloned()
            .unwrap_or_default();
        (rank, std::cmp::Reverse(created))
    });
    for e in candidates {
        let level = e
            .annotations
            .get(ANN_VERIFY)
            .and_then(|v| sbom_image::Verify::from_name(v));
        if level.is_some_and(|made| !made.covers(want)) {
            note(image, format!(
                "{command}: {reference}: attached SBOM {} was made with --verify {}, less than --verify {} asks: not used",
                e.digest,
                level.map_or("?", sbom_image::Verify::name),
                want.name()
            ));
            continue;
        }
        let fetched = match repo.fetch_referrer(&e.digest, &digest) {
            Ok(f) => f,
            Err(err) => {
                note(
                    image,
                    format!(
                        "warning: {command}: {reference}: attached SBOM {} not used: {err}",
                        e.digest
                    ),
                );
                continue;
            }
        };
        let sbom = match sbom_format::read_any(&fetched.blob) {
            Ok(s) => s,
            Err(err) => {
                note(
                    image,
                    format!(
                        "warning: {command}: {reference}: attached SBOM {} is not readable: {err}",
                        e.digest
                    ),
                );
                continue;
            }
        };
        if let Some(named) = sbom
            .subject
            .manifest_digest
            .as_deref()
            .filter(|d| *d != digest)
        {
            note(image, format!(
                "warning: {command}: {reference}: attached SBOM {} describes {named}, not {digest}: not used",
                e.digest
            ));
            continue;
        }
        note(image, format!(
            "{command}: {reference}: using the SBOM attached to {digest} ({}, created {}, {}; artifact {}, via {})",
            e.artifact_type.as_deref().unwrap_or("?"),
            e.annotations.get(sbom_registry::artifact::ANNOTATION_CREATED).map_or("?", String::as_str),
            tool_of(&e.annotations).unwrap_or_else(|| "made by another tool".into()),
            e.digest,
            found.via
        ));
        return Ok(Some(sbom));
    }
    Ok(None)
}

fn note(image: &ImageOptions, line: String) {
    if !image.quiet {
        eprintln!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_follow_the_formats() {
        assert_eq!(
            media_type(br#"{"bomFormat":"CycloneDX","specVersion":"1.6"}"#).map(|m| m.0),
            Some("application/vnd.cyclonedx+json")
        );
        assert_eq!(
            media_type(br#"{"spdxVersion":"SPDX-2.3"}"#).map(|m| m.0),
            Some("application/spdx+json")
        );
        assert_eq!(
            media_type(b"SPDXVersion: SPDX-2.3\n").map(|m| m.0),
            Some("text/spdx")
        );
        assert_eq!(media_type(b"not an sbom"), None);
    }
}
