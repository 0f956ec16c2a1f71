//! `docker save` archives: `manifest.json` (Config, RepoTags, Layers). Handles the classic
//! layout (`<id>/layer.tar`, `<id>.json`) and the newer one that stores an OCI layout
//! (`blobs/sha256/...`) next to `manifest.json`.

use serde::Deserialize;

use crate::oci::{
    digest_hex, find_manifest_for_config, parse_json, read_small, sha256, ConfigJson,
};
use crate::platform::matches;
use crate::store::Store;
use crate::stream::{verified_layer, Expected};
use crate::{
    DockerSelector, ImageError, ImageSource, LayerContent, LayerDescriptor, Platform,
    ResolvedImage, Verify,
};

#[derive(Debug, Clone, Deserialize)]
struct Entry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

impl Entry {
    fn tags(&self) -> &[String] {
        self.repo_tags.as_deref().unwrap_or_default()
    }
}

/// The digest a path names, when it is a content-addressed blob path
/// (`blobs/sha256/HEX`, or a config stored as `HEX.json`).
fn digest_in_path(path: &str) -> Option<String> {
    let p = crate::store::normalise(path)?;
    let hex = p
        .strip_prefix("blobs/sha256/")
        .or_else(|| p.strip_suffix(".json").filter(|s| !s.contains('/')))?;
    let d = format!("sha256:{hex}");
    digest_hex(&d).ok()?;
    Some(d)
}

/// Splits `repo:tag` (the colon after the last `/`).
fn split_repo_tag(s: &str) -> (String, Option<String>) {
    let slash = s.rfind('/').map_or(0, |i| i + 1);
    match s.get(slash..).and_then(|t| t.rfind(':')) {
        Some(i) => {
            let at = slash + i;
            (
                s.get(..at).unwrap_or(s).to_string(),
                s.get(at + 1..).map(str::to_string),
            )
        }
        None => (s.to_string(), None),
    }
}

pub(crate) struct DockerSource {
    store: Box<dyn Store>,
    reference: String,
    name: String,
    selector: Option<DockerSelector>,
    entries: Vec<Entry>,
}

impl DockerSource {
    pub(crate) fn new(
        store: Box<dyn Store>,
        reference: &str,
        name: String,
        selector: Option<DockerSelector>,
    ) -> Result<DockerSource, ImageError> {
        let bytes = read_small(store.as_ref(), reference, "manifest.json", "manifest.json")?;
        let entries: Vec<Entry> = parse_json(&bytes, reference, "manifest.json")?;
        Ok(DockerSource {
            store,
            reference: reference.to_string(),
            name,
            selector,
            entries,
        })
    }

    fn invalid(&self, message: String) -> ImageError {
        ImageError::Invalid {
            image: self.reference.clone(),
            message,
        }
    }

    fn entry(&self) -> Result<&Entry, ImageError> {
        let listing = || {
            self.entries
                .iter()
                .enumerate()
                .map(|(i, e)| match e.tags().first() {
                    Some(t) => format!("@{i} {t}"),
                    None => format!("@{i}"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        match &self.selector {
            None => match self.entries.as_slice() {
                [one] => Ok(one),
                [] => Err(self.invalid("manifest.json lists no image".into())),
                _ => Err(self.invalid(format!(
                    "archive holds {} images ({}); choose one with FILE:NAME:TAG or FILE:@INDEX",
                    self.entries.len(),
                    listing()
                ))),
            },
            Some(DockerSelector::Index(i)) => self.entries.get(*i).ok_or_else(|| {
                self.invalid(format!("no image @{i} in manifest.json ({})", listing()))
            }),
            Some(DockerSelector::Tag(t)) => {
                let with_latest = format!("{t}:latest");
                self.entries
                    .iter()
                    .find(|e| e.tags().iter().any(|x| x == t || *x == with_latest))
                    .ok_or_else(|| {
                        self.invalid(format!(
                            "no image tagged {t:?} in manifest.json ({})",
                            listing()
                        ))
                    })
            }
        }
    }
}

impl ImageSource for DockerSource {
    fn resolve(&self, platform: &Platform) -> Result<ResolvedImage, ImageError> {
        let image = self.reference.as_str();
        let entry = self.entry()?;
        let what = format!("config {}", entry.config);
        let bytes = read_small(self.store.as_ref(), image, &entry.config, &what)?;
        let config_digest = sha256(&bytes);
        if let Some(named) = digest_in_path(&entry.config) {
            if named != config_digest {
                return Err(self.invalid(format!(
                    "{what}: digest mismatch: file name says {named}, content is {config_digest}"
                )));
            }
        }
        let config: ConfigJson = parse_json(&bytes, image, &format!("config {config_digest}"))?;
        let have = config.platform();
        if let Some(p) = &have {
            if !matches(platform, p) {
                return Err(ImageError::PlatformNotFound {
                    image: image.to_string(),
                    wanted: format!("platform {platform}"),
                    available: p.to_string(),
                });
            }
        }
        let diff_ids = config.diff_ids();
        if diff_ids.len() != entry.layers.len() {
            return Err(self.invalid(format!(
                "manifest.json lists {} layers but config {config_digest} has {} diff_ids",
                entry.layers.len(),
                diff_ids.len()
            )));
        }
        let mut layers = Vec::with_capacity(diff_ids.len());
        let mut created_by = config.created_by().into_iter();
        for (i, (path, diff_id)) in entry.layers.iter().zip(diff_ids).enumerate() {
            digest_hex(diff_id)
                .map_err(|m| self.invalid(format!("config {config_digest}: diff_id {i}: {m}")))?;
            layers.push(LayerDescriptor {
                index: u32::try_from(i).map_err(|_| self.invalid("too many layers".into()))?,
                // Classic archives do not record the blob digest: name the layer by diffID.
                digest: digest_in_path(path).unwrap_or_else(|| diff_id.clone()),
                diff_id: diff_id.clone(),
                media_type: String::new(),
                size: None,
                created_by: created_by.next().flatten(),
            });
        }
        let (name, tag) = match entry.tags().first() {
            Some(t) => split_repo_tag(t),
            None => (self.name.clone(), None),
        };
        Ok(ResolvedImage {
            reference: self.reference.clone(),
            name,
            tag,
            repository: None,
            manifest_digest: find_manifest_for_config(self.store.as_ref(), image, &config_digest),
            config_digest: Some(config_digest),
            platform: have,
            layers,
            labels: config.labels(),
            verify: Verify::default(),
        })
    }

    fn open_layer(
        &self,
        image: &ResolvedImage,
        layer: &LayerDescriptor,
    ) -> Result<LayerContent, ImageError> {
        let layer_err = |message: String| ImageError::Layer {
            image: image.reference.clone(),
            digest: layer.digest.clone(),
            message,
        };
        let entry = self.entry()?;
        let path = usize::try_from(layer.index)
            .ok()
            .and_then(|i| entry.layers.get(i))
            .ok_or_else(|| layer_err(format!("no layer {} in manifest.json", layer.index)))?;
        let Some((raw, _)) = self.store.open(path)? else {
            return Err(layer_err(format!("blob missing: {path}")));
        };
        let expected = Expected {
            blob_digest: digest_in_path(path),
            diff_id: (!layer.diff_id.is_empty()).then(|| layer.diff_id.clone()),
            check: image.verify,
        };
        Ok(LayerContent::Tar(verified_layer(
            raw,
            &image.reference,
            &layer.digest,
            expected,
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_tag_split_keeps_registry_port() {
        assert_eq!(
            split_repo_tag("localhost:5000/osism/keystone:2024.1"),
            (
                "localhost:5000/osism/keystone".into(),
                Some("2024.1".into())
            )
        );
        assert_eq!(
            split_repo_tag("localhost:5000/x"),
            ("localhost:5000/x".into(), None)
        );
        assert_eq!(split_repo_tag("busybox"), ("busybox".into(), None));
    }

    #[test]
    fn digest_in_path_only_for_content_addressed_names() {
        let hex = "b".repeat(64);
        assert_eq!(
            digest_in_path(&format!("blobs/sha256/{hex}")),
            Some(format!("sha256:{hex}"))
        );
        assert_eq!(
            digest_in_path(&format!("{hex}.json")),
            Some(format!("sha256:{hex}"))
        );
        assert_eq!(digest_in_path(&format!("{hex}/layer.tar")), None);
        assert_eq!(digest_in_path("blobs/sha256/short"), None);
    }
}
