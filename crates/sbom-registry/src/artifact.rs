//! OCI 1.1 artifacts in a repository: SBOMs attached to an image manifest (`subject`),
//! found through the referrers API or, on registries without it, through the fallback
//! tag `sha256-<hex>` that the distribution spec 1.1 describes; and plain tagged
//! artifacts (the registry layer cache).
//!
//! The fallback index is shared with every other tool attaching to the same image, and
//! registries offer no conditional write: an update reads the index, adds our entry,
//! checks right before the `PUT` that nobody changed it meanwhile, pushes, and after a
//! short settle reads it again; an entry lost to a concurrent writer is added again.
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::RepoClient;
use crate::{
    docker_config_credentials, sha256_digest, ImageRef, RegistryError, RegistryOptions,
    MT_OCI_INDEX, MT_OCI_MANIFEST,
};

/// The media type of the empty config (`{}`) an artifact without a config of its own uses.
pub const MT_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// `sha256` of `{}`.
pub const EMPTY_DIGEST: &str =
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
/// The spec's title annotation (file name a client like oras writes on pull).
pub const ANNOTATION_TITLE: &str = "org.opencontainers.image.title";
/// When the artifact was made.
pub const ANNOTATION_CREATED: &str = "org.opencontainers.image.created";
/// Largest blob fetched into memory (an SBOM or a layer index).
const MAX_BLOB: u64 = 1 << 30;
/// Attempts at updating a fallback referrers index before giving up.
const INDEX_ATTEMPTS: u32 = 12;

/// An OCI content descriptor.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    pub media_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    pub digest: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// An OCI image manifest as artifacts use it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub schema_version: u32,
    #[serde(default)]
    pub media_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    pub config: Descriptor,
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Manifest {
    /// The artifact's type: `artifactType`, else the config's media type (as the
    /// referrers API reports a manifest without one).
    pub fn kind(&self) -> &str {
        self.artifact_type
            .as_deref()
            .unwrap_or(&self.config.media_type)
    }
}

/// One file to push as an artifact.
#[derive(Clone, Debug, Default)]
pub struct Artifact {
    /// `artifactType` of the manifest and media type of the file's layer.
    pub artifact_type: String,
    pub blob: Vec<u8>,
    /// File name (`org.opencontainers.image.title` of the layer).
    pub title: Option<String>,
    /// The manifest's annotations.
    pub annotations: BTreeMap<String, String>,
}

impl Artifact {
    /// The manifest of this artifact, attached to `subject` when given. Deterministic:
    /// the same artifact and subject give the same bytes, so the same digest.
    pub fn manifest(&self, subject: Option<&Descriptor>) -> Manifest {
        let mut layer_annotations = BTreeMap::new();
        if let Some(t) = &self.title {
            layer_annotations.insert(ANNOTATION_TITLE.to_string(), t.clone());
        }
        Manifest {
            schema_version: 2,
            media_type: MT_OCI_MANIFEST.to_string(),
            artifact_type: Some(self.artifact_type.clone()),
            config: empty_config(),
            layers: vec![Descriptor {
                media_type: self.artifact_type.clone(),
                digest: sha256_digest(&self.blob),
                size: self.blob.len() as u64,
                annotations: layer_annotations,
                ..Descriptor::default()
            }],
            subject: subject.map(|s| Descriptor {
                media_type: s.media_type.clone(),
                digest: s.digest.clone(),
                size: s.size,
                ..Descriptor::default()
            }),
            annotations: self.annotations.clone(),
        }
    }
}

/// The empty config descriptor (with its data inline, as the image spec suggests).
pub fn empty_config() -> Descriptor {
    Descriptor {
        media_type: MT_EMPTY.to_string(),
        digest: EMPTY_DIGEST.to_string(),
        size: 2,
        data: Some("e30=".to_string()),
        ..Descriptor::default()
    }
}

/// How the referrers of a manifest were found or filed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReferrersVia {
    /// `GET /v2/NAME/referrers/DIGEST`.
    Api,
    /// The fallback tag (`sha256-<hex>`) of registries without the API.
    FallbackTag(String),
}

impl std::fmt::Display for ReferrersVia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReferrersVia::Api => f.write_str("referrers API"),
            ReferrersVia::FallbackTag(t) => write!(f, "referrers tag {t}"),
        }
    }
}

/// The artifacts attached to one manifest.
#[derive(Clone, Debug)]
pub struct Referrers {
    pub via: ReferrersVia,
    /// As the registry or the index lists them (manifest descriptors with their
    /// `artifactType` and annotations).
    pub entries: Vec<Descriptor>,
}

/// What [`Repository::attach`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attached {
    /// The artifact manifest's digest.
    pub digest: String,
    /// `false`: the same artifact was attached already (nothing changed).
    pub added: bool,
    pub via: ReferrersVia,
}

/// An artifact read back, its digests checked.
#[derive(Clone, Debug)]
pub struct Fetched {
    pub digest: String,
    pub manifest: Manifest,
    pub layer: Descriptor,
    pub blob: Vec<u8>,
}

/// The fallback tag of a manifest digest: `sha256:abc…` → `sha256-abc…`.
pub fn fallback_tag(digest: &str) -> Option<String> {
    let (algo, hex) = digest.split_once(':')?;
    let ok = !algo.is_empty()
        && algo.bytes().all(|b| b.is_ascii_alphanumeric())
        && !hex.is_empty()
        && hex.bytes().all(|b| b.is_ascii_hexdigit());
    // Tags are at most 128 characters: longer digests are truncated, as the spec says.
    ok.then(|| format!("{algo}-{hex}").chars().take(128).collect())
}

/// The process's runtime for repository operations (any thread may block on it).
fn runtime() -> Result<&'static tokio::runtime::Runtime, RegistryError> {
    static RT: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("sbom-push")
            .build()
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| RegistryError::Http {
        reference: "registry".into(),
        message: format!("cannot start the HTTP runtime: {e}"),
    })
}

/// One repository of a registry, for reading and writing artifacts.
#[derive(Clone)]
pub struct Repository {
    client: Arc<RepoClient>,
    /// Pause after a fallback index update before reading it back (tests shorten it).
    settle: Duration,
}

impl Repository {
    /// A repository named `HOST[:PORT]/PATH` (a tag or digest, if any, is ignored), with
    /// the credentials a pull would use: `opts.credentials`, else docker's config.
    pub fn open(name: &str, opts: &RegistryOptions) -> Result<Self, RegistryError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut image = ImageRef::parse(name)?;
        image.tag = None;
        image.digest = None;
        let credentials = match &opts.credentials {
            Some(c) => Some(c.clone()),
            None if opts.use_docker_config => docker_config_credentials(&image.registry),
            None => None,
        };
        let given = image.name();
        let client = RepoClient::new(image, &given, credentials, opts)?;
        Ok(Repository {
            client: Arc::new(client),
            settle: Duration::from_millis(150),
        })
    }

    /// Sets the pause before a fallback index is read back (default 150 ms plus jitter).
    pub fn with_settle(mut self, settle: Duration) -> Self {
        self.settle = settle;
        self
    }

    /// `HOST/PATH`.
    pub fn name(&self) -> String {
        self.client.image().name()
    }

    fn invalid(&self, message: String) -> RegistryError {
        RegistryError::Invalid {
            reference: self.name(),
            message,
        }
    }

    /// The descriptor of manifest `reference` (tag or digest): media type, digest of
    /// the bytes served, size. `None` when there is no such manifest.
    pub fn manifest_descriptor(
        &self,
        reference: &str,
    ) -> Result<Option<Descriptor>, RegistryError> {
        Ok(self.manifest_json(reference)?.map(|(d, _)| d))
    }

    /// The manifest `reference` (tag or digest) with its descriptor; `None` when there
    /// is no such manifest.
    pub fn manifest_json(
        &self,
        reference: &str,
    ) -> Result<Option<(Descriptor, Value)>, RegistryError> {
        let got =
            runtime()?.block_on(self.client.get_manifest_opt(reference, &crate::ACCEPT_ALL))?;
        let Some((bytes, header_type)) = got else {
            return Ok(None);
        };
        let digest = sha256_digest(&bytes);
        if reference.contains(':') && reference != digest {
            return Err(self.invalid(format!(
                "manifest digest mismatch: asked for {reference}, content is {digest}"
            )));
        }
        let json: Value = serde_json::from_slice(&bytes)
            .map_err(|e| self.invalid(format!("manifest {reference} is not JSON: {e}")))?;
        let media_type = json
            .get("mediaType")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or(header_type)
            .unwrap_or_else(|| MT_OCI_MANIFEST.to_string());
        Ok(Some((
            Descriptor {
                media_type,
                digest,
                size: bytes.len() as u64,
                ..Descriptor::default()
            },
            json,
        )))
    }

    /// The artifacts attached to manifest `subject`: through the referrers API when
    /// the registry has it, else from the fallback tag's index (empty when neither
    /// lists any).
    pub fn referrers(&self, subject: &str) -> Result<Referrers, RegistryError> {
        runtime()?.block_on(self.referrers_async(subject))
    }

    async fn referrers_async(&self, subject: &str) -> Result<Referrers, RegistryError> {
        if let Some(body) = self.client.get_referrers(subject).await? {
            return Ok(Referrers {
                via: ReferrersVia::Api,
                entries: self.index_entries(&body, "referrers response")?,
            });
        }
        let tag = self.tag_of(subject)?;
        let entries = match self.read_index(&tag).await? {
            Some((_, body)) => self.index_entries(&body, "referrers tag index")?,
            None => Vec::new(),
        };
        Ok(Referrers {
            via: ReferrersVia::FallbackTag(tag),
            entries,
        })
    }

    fn tag_of(&self, subject: &str) -> Result<String, RegistryError> {
        fallback_tag(subject).ok_or_else(|| self.invalid(format!("`{subject}` is not a digest")))
    }

    fn index_entries(&self, body: &[u8], what: &str) -> Result<Vec<Descriptor>, RegistryError> {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| self.invalid(format!("{what} is not JSON: {e}")))?;
        let list = v.get("manifests").and_then(Value::as_array);
        Ok(list
            .into_iter()
            .flatten()
            .filter_map(|m| serde_json::from_value::<Descriptor>(m.clone()).ok())
            .collect())
    }

    /// The index under `tag` (its digest and bytes), `None` when the tag is unknown.
    async fn read_index(&self, tag: &str) -> Result<Option<(String, Vec<u8>)>, RegistryError> {
        let got = self.client.get_manifest_opt(tag, &[MT_OCI_INDEX]).await?;
        Ok(got.map(|(b, _)| (sha256_digest(&b), b)))
    }

    /// Pushes `artifact` with `subject` as its subject, and makes it findable: the
    /// registry's referrers API indexes it (it answers the push with `OCI-Subject`),
    /// else the fallback tag's index gets an entry for it, keeping every other entry.
    /// The same artifact attached again changes nothing.
    pub fn attach(
        &self,
        subject: &Descriptor,
        artifact: &Artifact,
    ) -> Result<Attached, RegistryError> {
        runtime()?.block_on(self.attach_async(subject, artifact))
    }

    async fn attach_async(
        &self,
        subject: &Descriptor,
        artifact: &Artifact,
    ) -> Result<Attached, RegistryError> {
        let manifest = artifact.manifest(Some(subject));
        let bytes = self.to_json(&manifest)?;
        let digest = sha256_digest(&bytes);
        let existing = self.referrers_async(&subject.digest).await?;
        let already = existing.entries.iter().any(|e| e.digest == digest);
        if already && self.manifest_exists(&digest).await? {
            return Ok(Attached {
                digest,
                added: false,
                via: existing.via,
            });
        }
        let headers = self
            .push_manifest(&manifest, &artifact.blob, &digest, bytes.clone())
            .await?;
        if headers.contains_key("oci-subject") {
            return Ok(Attached {
                digest,
                added: true,
                via: ReferrersVia::Api,
            });
        }
        let entry = Descriptor {
            media_type: MT_OCI_MANIFEST.to_string(),
            artifact_type: manifest.artifact_type.clone(),
            digest: digest.clone(),
            size: bytes.len() as u64,
            data: None,
            annotations: manifest.annotations.clone(),
        };
        let tag = self.tag_of(&subject.digest)?;
        let added = self.add_to_index(&tag, &entry).await?;
        Ok(Attached {
            digest,
            added: added || !already,
            via: ReferrersVia::FallbackTag(tag),
        })
    }

    fn to_json<T: Serialize>(&self, v: &T) -> Result<Vec<u8>, RegistryError> {
        serde_json::to_vec(v).map_err(|e| self.invalid(format!("cannot encode a manifest: {e}")))
    }

    async fn manifest_exists(&self, digest: &str) -> Result<bool, RegistryError> {
        Ok(self
            .client
            .get_manifest_opt(digest, &[MT_OCI_MANIFEST])
            .await?
            .is_some())
    }

    /// Uploads the config and the file, then the manifest under its digest.
    async fn push_manifest(
        &self,
        manifest: &Manifest,
        blob: &[u8],
        reference: &str,
        bytes: Vec<u8>,
    ) -> Result<reqwest::header::HeaderMap, RegistryError> {
        self.client
            .push_blob(EMPTY_DIGEST, bytes::Bytes::from_static(b"{}"))
            .await?;
        if let Some(layer) = manifest.layers.first() {
            self.client
                .push_blob(&layer.digest, bytes::Bytes::copy_from_slice(blob))
                .await?;
        }
        self.client
            .put_manifest(reference, MT_OCI_MANIFEST, bytes.into())
            .await
    }

    /// Adds `entry` to the index under `tag` (made when missing), keeping the other
    /// entries; `false` when it was there already.
    async fn add_to_index(&self, tag: &str, entry: &Descriptor) -> Result<bool, RegistryError> {
        for attempt in 0..INDEX_ATTEMPTS {
            let current = self.read_index(tag).await?;
            let mut index: Value = match &current {
                Some((_, body)) => serde_json::from_slice(body).map_err(|e| {
                    self.invalid(format!("the referrers tag {tag} holds no index: {e}"))
                })?,
                None => {
                    serde_json::json!({"schemaVersion": 2, "mediaType": MT_OCI_INDEX, "manifests": []})
                }
            };
            let listed = |v: &Value| {
                v.get("manifests")
                    .and_then(Value::as_array)
                    .is_some_and(|l| {
                        l.iter()
                            .any(|m| m.get("digest").and_then(Value::as_str) == Some(&entry.digest))
                    })
            };
            if listed(&index) {
                return Ok(attempt > 0);
            }
            let Some(obj) = index.as_object_mut() else {
                return Err(self.invalid(format!("the referrers tag {tag} holds no index")));
            };
            obj.insert("mediaType".into(), Value::String(MT_OCI_INDEX.into()));
            let entry_json = serde_json::to_value(entry)
                .map_err(|e| self.invalid(format!("cannot encode an index entry: {e}")))?;
            match obj.get_mut("manifests").and_then(Value::as_array_mut) {
                Some(list) => list.push(entry_json),
                None => {
                    obj.insert("manifests".into(), Value::Array(vec![entry_json]));
                }
            }
            let bytes = self.to_json(&index)?;
            // Nobody changed it since we read it? (Registries have no conditional PUT.)
            let before = self.read_index(tag).await?.map(|(d, _)| d);
            if before != current.as_ref().map(|(d, _)| d.clone()) {
                tokio::time::sleep(self.jitter(attempt)).await;
                continue;
            }
            self.client
                .put_manifest(tag, MT_OCI_INDEX, bytes.into())
                .await?;
            // A writer that read before our PUT and wrote after it dropped our entry:
            // read back after a pause longer than that window, and add it again.
            tokio::time::sleep(self.jitter(attempt)).await;
            if let Some((_, body)) = self.read_index(tag).await? {
                let after: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                if listed(&after) {
                    return Ok(true);
                }
            }
        }
        Err(self.invalid(format!(
            "the referrers tag {tag} kept changing under concurrent writers; gave up after {INDEX_ATTEMPTS} attempts"
        )))
    }

    /// The settle pause plus up to as much again of jitter (from the clock), growing
    /// a little with each attempt.
    fn jitter(&self, attempt: u32) -> Duration {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let base = self.settle.as_millis() as u64;
        let extra = u64::from(nanos) % base.max(1);
        Duration::from_millis(base + extra + u64::from(attempt) * base / 2)
    }

    /// Reads the artifact `digest` attached to `subject`: its manifest (digest
    /// checked), which must name `subject` as its subject, and its first layer (digest
    /// and size checked).
    pub fn fetch_referrer(&self, digest: &str, subject: &str) -> Result<Fetched, RegistryError> {
        let fetched = self.fetch(digest)?;
        let named = fetched.manifest.subject.as_ref().map(|s| s.digest.as_str());
        if named != Some(subject) {
            return Err(self.invalid(format!(
                "artifact {digest} is attached to {}, not to {subject}: not used",
                named.unwrap_or("nothing")
            )));
        }
        Ok(fetched)
    }

    /// Reads the artifact `reference` (a digest or tag): manifest and first layer,
    /// digests checked.
    pub fn fetch(&self, reference: &str) -> Result<Fetched, RegistryError> {
        runtime()?.block_on(async {
            let (bytes, _) = self
                .client
                .get_manifest(reference, &[MT_OCI_MANIFEST])
                .await?;
            let digest = sha256_digest(&bytes);
            if reference.starts_with("sha256:") && digest != reference {
                return Err(self.invalid(format!(
                    "manifest digest mismatch: asked for {reference}, content is {digest}"
                )));
            }
            let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
                self.invalid(format!("artifact {digest}: not an image manifest: {e}"))
            })?;
            let layer = manifest
                .layers
                .first()
                .cloned()
                .ok_or_else(|| self.invalid(format!("artifact {digest} has no layer")))?;
            let blob = self.fetch_blob(&layer).await?;
            Ok(Fetched {
                digest,
                manifest,
                layer,
                blob,
            })
        })
    }

    async fn fetch_blob(&self, layer: &Descriptor) -> Result<Vec<u8>, RegistryError> {
        if layer.size > MAX_BLOB {
            return Err(self.invalid(format!(
                "blob {} is {} bytes, more than an artifact of ours may be",
                layer.digest, layer.size
            )));
        }
        let blob = self.client.get_blob(&layer.digest).await?;
        let got = sha256_digest(&blob);
        if got != layer.digest || blob.len() as u64 != layer.size {
            return Err(self.invalid(format!(
                "blob digest mismatch: manifest says {} ({} bytes), content is {got} ({} bytes)",
                layer.digest,
                layer.size,
                blob.len()
            )));
        }
        Ok(blob)
    }

    /// Pushes `artifact` (no subject) under `tag`; its manifest digest.
    pub fn put_tagged(&self, tag: &str, artifact: &Artifact) -> Result<String, RegistryError> {
        runtime()?.block_on(async {
            let manifest = artifact.manifest(None);
            let bytes = self.to_json(&manifest)?;
            let digest = sha256_digest(&bytes);
            self.push_manifest(&manifest, &artifact.blob, tag, bytes)
                .await?;
            Ok(digest)
        })
    }

    /// The manifest under `tag`, `None` when there is none: its digest and bytes.
    pub fn tagged_manifest(&self, tag: &str) -> Result<Option<(String, Manifest)>, RegistryError> {
        runtime()?.block_on(async {
            let Some((bytes, _)) = self
                .client
                .get_manifest_opt(tag, &[MT_OCI_MANIFEST])
                .await?
            else {
                return Ok(None);
            };
            let digest = sha256_digest(&bytes);
            let manifest: Manifest = serde_json::from_slice(&bytes)
                .map_err(|e| self.invalid(format!("{tag}: not an image manifest: {e}")))?;
            Ok(Some((digest, manifest)))
        })
    }

    /// Deletes manifest `digest`; `false` when the registry does not allow deleting.
    pub fn delete_manifest(&self, digest: &str) -> Result<bool, RegistryError> {
        runtime()?.block_on(self.client.delete_manifest(digest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_empty_config_is_the_digest_of_two_braces() {
        assert_eq!(sha256_digest(b"{}"), EMPTY_DIGEST);
    }

    #[test]
    fn fallback_tags_follow_the_spec() {
        assert_eq!(
            fallback_tag("sha256:0123abcd").as_deref(),
            Some("sha256-0123abcd")
        );
        assert_eq!(fallback_tag("sha256:../x"), None);
        assert_eq!(fallback_tag("nodigest"), None);
        let long = format!("sha512:{}", "a".repeat(128));
        assert_eq!(fallback_tag(&long).map(|t| t.len()), Some(128));
    }

    #[test]
    fn an_artifact_manifest_is_deterministic_and_names_its_subject() {
        let a = Artifact {
            artifact_type: "application/vnd.cyclonedx+json".into(),
            blob: b"{\"bomFormat\":\"CycloneDX\"}".to_vec(),
            title: Some("x.cdx.json".into()),
            annotations: [(
                ANNOTATION_CREATED.to_string(),
                "2024-01-01T00:00:00Z".to_string(),
            )]
            .into(),
        };
        let subject = Descriptor {
            media_type: MT_OCI_MANIFEST.into(),
            digest: format!("sha256:{}", "a".repeat(64)),
            size: 7,
            ..Descriptor::default()
        };
        let m = a.manifest(Some(&subject));
        let one = serde_json::to_vec(&m).unwrap();
        assert_eq!(
            one,
            serde_json::to_vec(&a.manifest(Some(&subject))).unwrap()
        );
        let v: Value = serde_json::from_slice(&one).unwrap();
        assert_eq!(v["artifactType"], "application/vnd.cyclonedx+json");
        assert_eq!(v["config"]["mediaType"], MT_EMPTY);
        assert_eq!(v["subject"]["digest"], subject.digest);
        assert_eq!(
            v["layers"][0]["annotations"][ANNOTATION_TITLE],
            "x.cdx.json"
        );
        assert!(v["subject"].get("annotations").is_none());
    }
}
