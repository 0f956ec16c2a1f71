//! OCI image layouts (a folder, or a tar of one): `index.json`, nested indexes, platform
//! selection, manifest and config (digest-verified), layer blobs.

use std::collections::BTreeMap;
use std::io::Read;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::platform::{matches, preference};
use crate::store::{Store, MAX_JSON};

use crate::{
    ImageError, ImageSource, LayerContent, LayerDescriptor, Platform, ResolvedImage, Verify,
};

/// The annotation that names a tag in an OCI layout's `index.json`.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_SCHEMA1: &str = "application/vnd.docker.distribution.manifest.v1+json";
const DOCKER_SCHEMA1_SIGNED: &str = "application/vnd.docker.distribution.manifest.v1+prettyjws";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
const MAX_NESTING: usize = 4;

#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct PlatformJson {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    variant: Option<String>,
}

impl PlatformJson {
    fn to_platform(&self) -> Platform {
        Platform {
            os: self.os.clone(),
            architecture: self.architecture.clone(),
            variant: self.variant.clone().filter(|v| !v.is_empty()),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct Descriptor {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    #[serde(default)]
    digest: String,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    platform: Option<PlatformJson>,
    #[serde(default)]
    annotations: Option<BTreeMap<String, String>>,
}

impl Descriptor {
    fn ref_name(&self) -> Option<&str> {
        self.annotations
            .as_ref()
            .and_then(|a| a.get(REF_NAME))
            .map(String::as_str)
    }
}

#[derive(Debug, Default, Deserialize)]
struct IndexJson {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

#[derive(Debug, Deserialize)]
struct ManifestJson {
    config: Descriptor,
    #[serde(default)]
    layers: Vec<Descriptor>,
}

#[derive(Debug, Default, Deserialize)]
struct RootFs {
    #[serde(default)]
    diff_ids: Vec<String>,
}

/// The parts of an image config we use.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ConfigJson {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    variant: Option<String>,
    #[serde(default)]
    rootfs: RootFs,
    #[serde(default)]
    config: RuntimeConfig,
    #[serde(default)]
    history: Vec<serde_json::Value>,
}

/// The runtime part of a config: only the labels matter to us.
#[derive(Debug, Default, Deserialize)]
struct RuntimeConfig {
    #[serde(default, rename = "Labels")]
    labels: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}

impl ConfigJson {
    /// The config's platform, if it states one.
    pub(crate) fn platform(&self) -> Option<Platform> {
        (!self.os.is_empty() || !self.architecture.is_empty()).then(|| Platform {
            os: self.os.clone(),
            architecture: self.architecture.clone(),
            variant: self.variant.clone().filter(|v| !v.is_empty()),
        })
    }
    pub(crate) fn diff_ids(&self) -> &[String] {
        &self.rootfs.diff_ids
    }
    /// Each layer's `created_by` ([`crate::history_created_by`]).
    pub(crate) fn created_by(&self) -> Vec<Option<String>> {
        crate::history_created_by(&self.history, self.rootfs.diff_ids.len())
    }
    /// String-valued labels.
    pub(crate) fn labels(&self) -> std::collections::BTreeMap<String, String> {
        self.config
            .labels
            .iter()
            .flatten()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect()
    }
}

/// `sha256:HEX` → `HEX` (64 lowercase hex digits); other algorithms are refused.
pub(crate) fn digest_hex(digest: &str) -> Result<&str, String> {
    let Some((alg, hex)) = digest.split_once(':') else {
        return Err(format!("invalid digest {digest:?}"));
    };
    if alg != "sha256" {
        return Err(format!("unsupported digest algorithm in {digest:?}"));
    }
    if hex.len() != 64
        || !hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(format!("invalid digest {digest:?}"));
    }
    Ok(hex)
}

pub(crate) fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

fn invalid(image: &str, message: String) -> ImageError {
    ImageError::Invalid {
        image: image.to_string(),
        message,
    }
}

/// Reads a whole (small) file of the store; `what` names it in errors.
pub(crate) fn read_small(
    store: &dyn Store,
    image: &str,
    path: &str,
    what: &str,
) -> Result<Vec<u8>, ImageError> {
    let Some((reader, _)) = store.open(path)? else {
        let message = if what == path {
            format!("{path} not found")
        } else {
            format!("{what}: blob missing: {path}")
        };
        return Err(invalid(image, message));
    };
    let mut bytes = Vec::new();
    reader
        .take(MAX_JSON + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| invalid(image, format!("{what}: cannot read {path}: {e}")))?;
    if bytes.len() as u64 > MAX_JSON {
        return Err(invalid(
            image,
            format!("{what}: {path} is larger than {MAX_JSON} bytes"),
        ));
    }
    Ok(bytes)
}

/// Parses JSON; `what` names the document (file or digest) in errors.
pub(crate) fn parse_json<T: DeserializeOwned>(
    bytes: &[u8],
    image: &str,
    what: &str,
) -> Result<T, ImageError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let kind = if e.is_data() {
            "unexpected JSON content"
        } else {
            "not valid JSON"
        };
        invalid(image, format!("{what}: {kind}: {e}"))
    })
}

/// Reads a blob by digest and checks the digest of what was read.
fn read_blob(
    store: &dyn Store,
    image: &str,
    digest: &str,
    what: &str,
) -> Result<Vec<u8>, ImageError> {
    let hex = digest_hex(digest).map_err(|m| invalid(image, format!("{what}: {m}")))?;
    let bytes = read_small(
        store,
        image,
        &format!("blobs/sha256/{hex}"),
        &format!("{what} {digest}"),
    )?;
    let got = sha256(&bytes);
    if got != digest {
        return Err(invalid(
            image,
            format!("{what} {digest}: digest mismatch: content is {got}"),
        ));
    }
    Ok(bytes)
}

/// The digest of the image manifest whose config is `config_digest`, found through
/// `index.json` (directly or via nested indexes). `None` when the store has no index, or
/// no readable, digest-verified manifest matches (used for docker archives that carry an
/// OCI layout next to `manifest.json`).
pub(crate) fn find_manifest_for_config(
    store: &dyn Store,
    image: &str,
    config_digest: &str,
) -> Option<String> {
    let bytes = read_small(store, image, "index.json", "index.json").ok()?;
    let index: IndexJson = parse_json(&bytes, image, "index.json").ok()?;
    let mut queue: std::collections::VecDeque<(Descriptor, usize)> =
        index.manifests.into_iter().map(|d| (d, 0)).collect();
    let mut budget = 256;
    while let Some((d, depth)) = queue.pop_front() {
        budget -= 1;
        if budget == 0 {
            return None;
        }
        let Ok(bytes) = read_blob(store, image, &d.digest, "manifest") else {
            continue;
        };
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            continue;
        };
        match kind_of_content(&value) {
            Kind::Index if depth < MAX_NESTING => {
                if let Ok(nested) = serde_json::from_value::<IndexJson>(value) {
                    queue.extend(nested.manifests.into_iter().map(|n| (n, depth + 1)));
                }
            }
            Kind::Manifest => {
                if let Ok(m) = serde_json::from_value::<ManifestJson>(value) {
                    if m.config.digest == config_digest {
                        return Some(d.digest);
                    }
                }
            }
            _ => {}
        }
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Index,
    Manifest,
    Schema1,
    Unknown,
    Other,
}

fn kind_of(media_type: &str) -> Kind {
    match media_type {
        OCI_INDEX | DOCKER_LIST => Kind::Index,
        OCI_MANIFEST | DOCKER_MANIFEST => Kind::Manifest,
        DOCKER_SCHEMA1 | DOCKER_SCHEMA1_SIGNED => Kind::Schema1,
        "" => Kind::Unknown,
        _ => Kind::Other,
    }
}

/// Tells a blob's kind from its content when its descriptor has no media type.
fn kind_of_content(value: &serde_json::Value) -> Kind {
    if let Some(mt) = value.get("mediaType").and_then(|m| m.as_str()) {
        let k = kind_of(mt);
        if k != Kind::Unknown && k != Kind::Other {
            return k;
        }
    }
    if value
        .get("schemaVersion")
        .and_then(serde_json::Value::as_u64)
        == Some(1)
    {
        Kind::Schema1
    } else if value.get("manifests").is_some() {
        Kind::Index
    } else if value.get("layers").is_some() {
        Kind::Manifest
    } else {
        Kind::Other
    }
}

struct Candidate {
    desc: Descriptor,
    tag: Option<String>,
    platform: Option<Platform>,
}

/// An OCI image layout read from a [`Store`] (a folder or an `oci-archive` tar).
pub(crate) struct OciSource {
    pub store: Box<dyn Store>,
    pub reference: String,
    pub name: String,
    pub tag: Option<String>,
}

struct Loaded {
    manifest_digest: String,
    config_digest: String,
    config: ConfigJson,
    layers: Vec<Descriptor>,
}

impl OciSource {
    fn expand(
        &self,
        descs: Vec<Descriptor>,
        inherited_tag: Option<&str>,
        depth: usize,
        out: &mut Vec<Candidate>,
        schema1: &mut bool,
    ) -> Result<(), ImageError> {
        let image = self.reference.as_str();
        for d in descs {
            let tag = d.ref_name().or(inherited_tag).map(str::to_string);
            let mut kind = kind_of(&d.media_type);
            let mut body = None;
            if kind == Kind::Unknown {
                let bytes = read_blob(self.store.as_ref(), image, &d.digest, "manifest")?;
                let value: serde_json::Value =
                    parse_json(&bytes, image, &format!("manifest {}", d.digest))?;
                kind = kind_of_content(&value);
                body = Some(bytes);
            }
            match kind {
                Kind::Index => {
                    if depth >= MAX_NESTING {
                        return Err(invalid(
                            image,
                            format!("image indexes nested deeper than {MAX_NESTING} levels"),
                        ));
                    }
                    let bytes = match body {
                        Some(b) => b,
                        None => read_blob(self.store.as_ref(), image, &d.digest, "index")?,
                    };
                    let nested: IndexJson =
                        parse_json(&bytes, image, &format!("index {}", d.digest))?;
                    self.expand(nested.manifests, tag.as_deref(), depth + 1, out, schema1)?;
                }
                Kind::Manifest => out.push(Candidate {
                    platform: d.platform.as_ref().map(PlatformJson::to_platform),
                    desc: d,
                    tag,
                }),
                Kind::Schema1 => *schema1 = true,
                Kind::Unknown | Kind::Other => {}
            }
        }
        Ok(())
    }

    fn load(&self, desc: &Descriptor) -> Result<Loaded, ImageError> {
        let image = self.reference.as_str();
        let store = self.store.as_ref();
        let bytes = read_blob(store, image, &desc.digest, "manifest")?;
        let what = format!("manifest {}", desc.digest);
        let value: serde_json::Value = parse_json(&bytes, image, &what)?;
        match kind_of_content(&value) {
            Kind::Schema1 => {
                return Err(invalid(
                    image,
                    format!("{what}: docker schema 1 manifests are not supported (convert the image, e.g. with skopeo copy)"),
                ))
            }
            Kind::Index => {
                return Err(invalid(image, format!("{what}: expected an image manifest, found an index")))
            }
            _ => {}
        }
        let manifest: ManifestJson = parse_json(&bytes, image, &what)?;
        let cfg_type = manifest.config.media_type.as_str();
        if !matches!(cfg_type, "" | OCI_CONFIG | DOCKER_CONFIG) {
            return Err(invalid(
                image,
                format!("{what}: not a container image (config media type {cfg_type})"),
            ));
        }
        let config_digest = manifest.config.digest.clone();
        let cfg_bytes = read_blob(store, image, &config_digest, "config")?;
        let config: ConfigJson = parse_json(&cfg_bytes, image, &format!("config {config_digest}"))?;
        Ok(Loaded {
            manifest_digest: desc.digest.clone(),
            config_digest,
            config,
            layers: manifest.layers,
        })
    }

    /// Every image manifest the layout (under the tag, when one is given) holds, each
    /// with its platform: from the descriptor, else from its config (then loaded).
    fn candidates(&self) -> Result<(Vec<Candidate>, Vec<Option<Loaded>>), ImageError> {
        let image = self.reference.as_str();
        let index_bytes = read_small(self.store.as_ref(), image, "index.json", "index.json")?;
        let index: IndexJson = parse_json(&index_bytes, image, "index.json")?;
        let mut top = index.manifests;
        if let Some(tag) = &self.tag {
            let tags: Vec<String> = top
                .iter()
                .filter_map(|d| d.ref_name().map(str::to_string))
                .collect();
            top.retain(|d| d.ref_name() == Some(tag.as_str()));
            if top.is_empty() {
                let listed = if tags.is_empty() {
                    "none".to_string()
                } else {
                    tags.join(", ")
                };
                return Err(invalid(
                    image,
                    format!("no image tagged {tag:?} in index.json (tags: {listed})"),
                ));
            }
        }
        let mut candidates = Vec::new();
        let mut schema1 = false;
        self.expand(top, None, 0, &mut candidates, &mut schema1)?;
        if candidates.is_empty() {
            return Err(invalid(
                image,
                if schema1 {
                    "docker schema 1 manifests are not supported (convert the image, e.g. with skopeo copy)".to_string()
                } else {
                    "index.json lists no image manifest".to_string()
                },
            ));
        }
        // Platform unknown from the descriptor: read it from the config.
        let mut loaded: Vec<Option<Loaded>> = Vec::with_capacity(candidates.len());
        for c in &mut candidates {
            if c.platform.is_none() {
                let l = self.load(&c.desc)?;
                c.platform = l.config.platform();
                loaded.push(Some(l));
            } else {
                loaded.push(None);
            }
        }
        Ok((candidates, loaded))
    }

    fn select(&self, want: &Platform) -> Result<(Candidate, Option<Loaded>), ImageError> {
        let image = self.reference.as_str();
        let (mut candidates, mut loaded) = self.candidates()?;
        let mut available: Vec<String> = Vec::new();
        // (rank, position) of every usable candidate; lower rank is better.
        let mut ranked: Vec<(u8, usize)> = Vec::new();
        for (i, c) in candidates.iter().enumerate() {
            let Some(p) = &c.platform else {
                // Neither the descriptor nor the config names a platform: usable as is,
                // after any candidate whose platform matches.
                ranked.push((u8::MAX, i));
                continue;
            };
            if p.os == "unknown" || p.architecture == "unknown" {
                continue; // attestation manifests
            }
            let shown = p.to_string();
            if !available.contains(&shown) {
                available.push(shown);
            }
            if matches(want, p) {
                ranked.push((preference(p), i));
            }
        }
        let Some(&(best_rank, i)) = ranked.iter().min_by_key(|(r, i)| (*r, *i)) else {
            return Err(ImageError::PlatformNotFound {
                image: image.to_string(),
                wanted: format!("platform {want}"),
                available: available.join(", "),
            });
        };
        // Several different images equally good (e.g. two tags, one platform): refuse to guess.
        if self.tag.is_none() {
            let mut digests: Vec<&str> = Vec::new();
            let mut tags: Vec<String> = Vec::new();
            for (_, j) in ranked.iter().filter(|(r, _)| *r == best_rank) {
                if let Some(c) = candidates.get(*j) {
                    if !digests.contains(&c.desc.digest.as_str()) {
                        digests.push(&c.desc.digest);
                    }
                    let t = c.tag.clone().unwrap_or_else(|| "(untagged)".into());
                    if !tags.contains(&t) {
                        tags.push(t);
                    }
                }
            }
            if digests.len() > 1 {
                return Err(invalid(
                    image,
                    format!(
                        "several images in index.json match {want} ({}); choose one with PATH:TAG",
                        tags.join(", ")
                    ),
                ));
            }
        }
        let c = candidates.swap_remove(i);
        let l = loaded.swap_remove(i);
        Ok((c, l))
    }
}

impl ImageSource for OciSource {
    fn platforms(&self) -> Result<Vec<Platform>, ImageError> {
        let (candidates, _) = self.candidates()?;
        let mut out: Vec<Platform> = Vec::new();
        for p in candidates.into_iter().filter_map(|c| c.platform) {
            if p.os != "unknown" && p.architecture != "unknown" && !out.contains(&p) {
                out.push(p);
            }
        }
        Ok(if out.len() > 1 { out } else { Vec::new() })
    }
    fn resolve(&self, platform: &Platform) -> Result<ResolvedImage, ImageError> {
        let image = self.reference.as_str();
        let (cand, loaded) = self.select(platform)?;
        let loaded = match loaded {
            Some(l) => l,
            None => self.load(&cand.desc)?,
        };
        let diff_ids = loaded.config.diff_ids();
        if diff_ids.len() != loaded.layers.len() {
            return Err(invalid(
                image,
                format!(
                    "manifest {} lists {} layers but config {} has {} diff_ids",
                    loaded.manifest_digest,
                    loaded.layers.len(),
                    loaded.config_digest,
                    diff_ids.len()
                ),
            ));
        }
        let mut layers = Vec::with_capacity(diff_ids.len());
        let mut created_by = loaded.config.created_by().into_iter();
        for (i, (l, diff_id)) in loaded.layers.iter().zip(diff_ids).enumerate() {
            digest_hex(&l.digest).map_err(|m| {
                invalid(
                    image,
                    format!("manifest {}: layer {i}: {m}", loaded.manifest_digest),
                )
            })?;
            digest_hex(diff_id).map_err(|m| {
                invalid(
                    image,
                    format!("config {}: diff_id {i}: {m}", loaded.config_digest),
                )
            })?;
            layers.push(LayerDescriptor {
                index: u32::try_from(i).map_err(|_| invalid(image, "too many layers".into()))?,
                digest: l.digest.clone(),
                diff_id: diff_id.clone(),
                media_type: l.media_type.clone(),
                size: l.size,
                created_by: created_by.next().flatten(),
            });
        }
        Ok(ResolvedImage {
            reference: self.reference.clone(),
            name: self.name.clone(),
            tag: cand.tag.clone().or_else(|| self.tag.clone()),
            repository: None,
            manifest_digest: Some(loaded.manifest_digest),
            config_digest: Some(loaded.config_digest),
            platform: loaded.config.platform().or(cand.platform),
            layers,
            labels: loaded.config.labels(),
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
        let hex = digest_hex(&layer.digest).map_err(layer_err)?;
        let path = format!("blobs/sha256/{hex}");
        let Some((raw, _)) = self.store.open(&path)? else {
            return Err(layer_err(format!("blob missing: {path}")));
        };
        Ok(LayerContent::Tar(crate::verify_blob(image, layer, raw)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_hex_validates() {
        let good = format!("sha256:{}", "a".repeat(64));
        assert_eq!(digest_hex(&good), Ok("a".repeat(64).as_str()));
        assert!(digest_hex("sha256:../../etc/passwd").is_err());
        assert!(digest_hex(&format!("sha512:{}", "a".repeat(128)))
            .expect_err("sha512")
            .contains("unsupported digest algorithm"));
        assert!(digest_hex(&format!("sha256:{}", "A".repeat(64))).is_err());
        assert!(digest_hex("nocolon").is_err());
    }

    #[test]
    fn kind_from_media_type_and_content() {
        assert_eq!(kind_of(DOCKER_LIST), Kind::Index);
        assert_eq!(kind_of(DOCKER_MANIFEST), Kind::Manifest);
        assert_eq!(kind_of(DOCKER_SCHEMA1_SIGNED), Kind::Schema1);
        let v: serde_json::Value =
            serde_json::from_str(r#"{"schemaVersion":1,"fsLayers":[]}"#).expect("json");
        assert_eq!(kind_of_content(&v), Kind::Schema1);
        let v: serde_json::Value =
            serde_json::from_str(r#"{"schemaVersion":2,"manifests":[]}"#).expect("json");
        assert_eq!(kind_of_content(&v), Kind::Index);
    }
}
