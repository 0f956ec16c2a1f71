//! Lists of images to scan: arguments, `--images FILE` (one reference a line, `#`
//! comments), and release manifests in the shapes OSISM's release repository uses.
//!
//! Shapes accepted by `--release FILE`:
//! 1. `images:` — a list of entries with `image:` (full reference with tag) and an optional
//!    `digest:`; when the digest is given it is what gets scanned, and the tag stays the name
//!    (`sbom-openstack-*.yml`).
//! 2. `docker_images:` — a map of service name to tag (`base.yml`), combined with a map of
//!    service name to repository path (`--images-map etc/images.yml`) and `--registry HOST`.
//!    Services without a repository path are reported as errors, not guessed.
//!
//! The `release_manifest` fuzz target compiles this file into `sbom-fuzz` as it is:
//! keep it free of `crate::` paths.
use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

/// One image to scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// What gets scanned (a reference, `name@digest` when pinned, or a local source).
    pub scan_ref: String,
    /// The name people know it by (`registry/repo:tag`); also the output path.
    pub display: String,
    /// Pinned manifest digest, when the list gives one.
    pub digest: Option<String>,
}

impl Target {
    pub fn plain(reference: &str) -> Target {
        Target {
            scan_ref: reference.to_string(),
            display: reference.to_string(),
            digest: None,
        }
    }
}

/// Reads `--images FILE`: one reference a line; blank lines and `#` comments ignored.
pub fn read_image_lines(text: &str) -> Vec<Target> {
    text.lines()
        .map(|l| l.split_once('#').map_or(l, |(a, _)| a).trim())
        .filter(|l| !l.is_empty())
        .map(Target::plain)
        .collect()
}

#[derive(Deserialize)]
struct ImagesList {
    images: Vec<ImageEntry>,
}

#[derive(Deserialize)]
struct ImageEntry {
    image: String,
    #[serde(default)]
    digest: Option<String>,
}

#[derive(Deserialize)]
struct DockerImages {
    docker_images: BTreeMap<String, serde_norway::Value>,
}

/// Reads a release manifest (see the module docs for the shapes).
pub fn read_release(
    path: &Path,
    images_map: Option<&Path>,
    registry: Option<&str>,
) -> Result<Vec<Target>> {
    let text = fs_err::read_to_string(path)?;
    parse_release(&text, images_map, registry)
        .with_context(|| format!("release manifest {}", path.display()))
}

pub fn parse_release(
    text: &str,
    images_map: Option<&Path>,
    registry: Option<&str>,
) -> Result<Vec<Target>> {
    let value: serde_norway::Value = serde_norway::from_str(text).context("not valid YAML")?;
    if value.get("images").is_some() {
        let list: ImagesList = serde_norway::from_value(value)
            .context("`images:` must be a list of {image, digest}")?;
        return list
            .images
            .into_iter()
            .map(|e| {
                Ok(match e.digest {
                    Some(d) => {
                        let d = d.trim().to_string();
                        if !(d.starts_with("sha256:") && d.len() == 71) {
                            bail!("{}: digest `{d}` is not sha256:<64 hex>", e.image);
                        }
                        let name = strip_tag(&e.image);
                        Target {
                            scan_ref: format!("{name}@{d}"),
                            display: e.image.clone(),
                            digest: Some(d),
                        }
                    }
                    None => Target::plain(&e.image),
                })
            })
            .collect();
    }
    if value.get("docker_images").is_some() {
        let tags: DockerImages = serde_norway::from_value(value)
            .context("`docker_images:` must map service names to tags")?;
        let Some(map_path) = images_map else {
            bail!("`docker_images:` needs --images-map FILE (service name to repository, as etc/images.yml)");
        };
        let map_text = fs_err::read_to_string(map_path)?;
        let repos: BTreeMap<String, String> =
            serde_norway::from_str(&map_text).with_context(|| {
                format!(
                    "{} must map service names to repositories",
                    map_path.display()
                )
            })?;
        let mut out = Vec::new();
        let mut missing = Vec::new();
        for (service, tag) in tags.docker_images {
            let tag = match tag {
                serde_norway::Value::String(s) => s,
                serde_norway::Value::Number(n) => n.to_string(),
                serde_norway::Value::Null => continue,
                other => bail!("{service}: tag must be a string, got {other:?}"),
            };
            let Some(repo) = repos.get(&service) else {
                missing.push(service);
                continue;
            };
            let base = match registry {
                Some(r) => format!("{}/{repo}", r.trim_end_matches('/')),
                None => repo.clone(),
            };
            out.push(Target::plain(&format!("{base}:{tag}")));
        }
        if !missing.is_empty() {
            bail!(
                "no repository in {} for: {}",
                map_path.display(),
                missing.join(", ")
            );
        }
        return Ok(out);
    }
    bail!("expected an `images:` list or a `docker_images:` map")
}

/// `registry/repo:tag` → `registry/repo` (a port colon before the last `/` is kept).
fn strip_tag(reference: &str) -> &str {
    let last_slash = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[last_slash..].rfind(':') {
        Some(i) => &reference[..last_slash + i],
        None => reference,
    }
}

/// Keeps the targets of shard `k` of `n` (1-based): a stable choice by the hash of each
/// image's name, so adding an image to the list moves no other image between shards.
pub fn shard(targets: Vec<Target>, k: usize, n: usize) -> Vec<Target> {
    use sha2::{Digest, Sha256};
    targets
        .into_iter()
        .filter(|t| {
            let h = Sha256::digest(t.display.as_bytes());
            let mut b = [0u8; 8];
            b.copy_from_slice(&h[..8]);
            (u64::from_be_bytes(b) % n as u64) as usize == k - 1
        })
        .collect()
}

/// Parses `K/N` (1 ≤ K ≤ N).
pub fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let (k, n) = s.split_once('/').ok_or("expected K/N, e.g. 2/5")?;
    let k: usize = k.trim().parse().map_err(|_| "K must be a number")?;
    let n: usize = n.trim().parse().map_err(|_| "N must be a number")?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("shard {k}/{n}: need 1 <= K <= N"));
    }
    Ok((k, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_lines_skip_comments_and_blanks() {
        let t = read_image_lines(
            "# release r1\nquay.io/osism/keystone:yoga  # main\n\n  debian:bookworm\n",
        );
        let refs: Vec<_> = t.iter().map(|t| t.scan_ref.as_str()).collect();
        assert_eq!(refs, ["quay.io/osism/keystone:yoga", "debian:bookworm"]);
    }

    #[test]
    fn images_list_with_digest_scans_the_digest_and_keeps_the_tag_as_name() {
        let d = format!("sha256:{}", "ab".repeat(32));
        let yaml = format!("---\nimages:\n  - digest: {d}\n    image: registry.osism.tech/kolla/release/keystone:26.0.1.20250408\n  - image: registry.osism.tech:5000/kolla/nova-api:30.0.1\n");
        let t = parse_release(&yaml, None, None).unwrap();
        assert_eq!(
            t[0].scan_ref,
            format!("registry.osism.tech/kolla/release/keystone@{d}")
        );
        assert_eq!(
            t[0].display,
            "registry.osism.tech/kolla/release/keystone:26.0.1.20250408"
        );
        assert_eq!(t[0].digest.as_deref(), Some(d.as_str()));
        assert_eq!(
            t[1].scan_ref,
            "registry.osism.tech:5000/kolla/nova-api:30.0.1"
        );
    }

    #[test]
    fn bad_digest_is_an_error() {
        let yaml = "images:\n  - digest: sha256:abc\n    image: x/y:1\n";
        assert!(parse_release(yaml, None, None).is_err());
    }

    #[test]
    fn docker_images_map_with_repository_map_and_registry() {
        let dir = tempfile::tempdir().unwrap();
        let map = dir.path().join("images.yml");
        std::fs::write(&map, "---\n# manager\nara_server: osism/ara-server\nmariadb: library/mariadb\nregistry: library/registry\n").unwrap();
        let yaml = "---\nmanager_version: 10.0.0\ndocker_images:\n  ara_server: 1.7.3\n  mariadb: 11.8.4\n  registry: '3.0'\n";
        let t = parse_release(yaml, Some(&map), Some("quay.io")).unwrap();
        let refs: Vec<_> = t.iter().map(|t| t.scan_ref.as_str()).collect();
        assert_eq!(
            refs,
            [
                "quay.io/osism/ara-server:1.7.3",
                "quay.io/library/mariadb:11.8.4",
                "quay.io/library/registry:3.0"
            ]
        );
        let err = parse_release("docker_images:\n  unknown_service: 1.0\n", Some(&map), None)
            .unwrap_err();
        assert!(format!("{err:#}").contains("unknown_service"));
        assert!(parse_release("docker_images:\n  mariadb: 1\n", None, None).is_err());
    }

    #[test]
    fn shards_partition_the_list_stably() {
        let targets: Vec<Target> = (0..50)
            .map(|i| Target::plain(&format!("r/img{i}:1")))
            .collect();
        let mut seen = Vec::new();
        for k in 1..=3 {
            let s = shard(targets.clone(), k, 3);
            assert!(!s.is_empty());
            seen.extend(s.into_iter().map(|t| t.display));
        }
        seen.sort();
        let mut all: Vec<_> = targets.iter().map(|t| t.display.clone()).collect();
        all.sort();
        assert_eq!(seen, all, "every image in exactly one shard");
        // Adding an image moves no other image.
        let mut more = targets.clone();
        more.push(Target::plain("r/new:1"));
        let a: Vec<_> = shard(targets, 2, 3)
            .into_iter()
            .map(|t| t.display)
            .collect();
        let b: Vec<_> = shard(more, 2, 3)
            .into_iter()
            .map(|t| t.display)
            .filter(|d| d != "r/new:1")
            .collect();
        assert_eq!(a, b);
        assert!(parse_shard("0/3").is_err());
        assert!(parse_shard("4/3").is_err());
        assert_eq!(parse_shard("2/3"), Ok((2, 3)));
    }
}
