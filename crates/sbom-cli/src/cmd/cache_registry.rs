//! `--cache-registry HOST/REPO`: the layer cache's second level in a registry
//! repository, shared by every machine that can reach it (CI runners of one nightly run).
//!
//! An entry is an OCI artifact tagged `<algorithm>-<hex>.<analysis>` (the verified layer
//! digest and the analysis version, as the local file name): artifact type
//! [`ENTRY_TYPE`], the empty config, one layer holding the local cache file's bytes, and
//! annotations naming the layer and analysis it is for. sbom-catalog checks the bytes on
//! load (written for this layer, checksum); this module refuses an artifact whose type or
//! annotations do not match what was asked for.
//!
//! While a machine analyses a layer it holds a claim: a small artifact tagged
//! `<entry tag>.claim` naming the holder and until when. Others wait for the entry
//! instead of analysing the same layer (two shards starting together analyse a shared
//! base layer once). Registries have no atomic create: a claim is written, then read back
//! after a pause; whoever's claim is there then holds it. A claim is released by writing
//! it again marked released, and expires after [`CLAIM_TTL`]: any trouble means
//! analysing anyway.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Result;
use sbom_catalog::{RemoteCache, RemoteClaim};
use sbom_registry::{Artifact, Repository};

/// Artifact type of a cache entry.
pub const ENTRY_TYPE: &str = "application/vnd.dev.sbom.layer-index.v1";
/// Artifact type of a claim.
pub const CLAIM_TYPE: &str = "application/vnd.dev.sbom.layer-claim.v1";
const ANN_LAYER: &str = "dev.sbom.layer";
const ANN_ANALYSIS: &str = "dev.sbom.analysis";
const ANN_HOLDER: &str = "dev.sbom.claim.holder";
const ANN_UNTIL: &str = "dev.sbom.claim.until";
const ANN_RELEASED: &str = "dev.sbom.claim.released";
/// How long a claim holds without being released.
const CLAIM_TTL: Duration = Duration::from_secs(600);

/// A registry repository as the shared layer cache.
pub struct RegistryCache {
    repo: Repository,
    holder: String,
    /// The first failed store is reported; later ones (same cause) are not repeated.
    store_failed: AtomicBool,
    poll: Duration,
    settle: Duration,
}

impl RegistryCache {
    /// The cache in repository `name` (`HOST[:PORT]/PATH`), with the credentials a pull
    /// from that registry would use.
    pub fn open(
        name: &str,
        registry: &sbom_registry::RegistryOptions,
    ) -> Result<Arc<dyn RemoteCache>> {
        if name.contains('@')
            || name
                .rsplit('/')
                .next()
                .is_some_and(|last| last.contains(':'))
        {
            return Err(crate::UsageError(format!(
                "--cache-registry {name}: give a repository (HOST/REPO), without tag or digest"
            ))
            .into());
        }
        if !name.contains('/') {
            return Err(crate::UsageError(format!(
                "--cache-registry {name}: give a repository (HOST/REPO), e.g. registry.example/sbom-cache"
            ))
            .into());
        }
        let repo = Repository::open(name, registry)?;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
        Ok(Arc::new(RegistryCache {
            repo,
            holder: format!("{}-{}-{nanos}", host.trim(), std::process::id()),
            store_failed: AtomicBool::new(false),
            poll: Duration::from_millis(250),
            settle: Duration::from_millis(300),
        }))
    }

    fn claim_artifact(&self, key: &str, analysis: &str, released: bool) -> Artifact {
        let until = now_secs() + CLAIM_TTL.as_secs();
        let mut annotations = BTreeMap::from([
            (ANN_LAYER.to_string(), key.to_string()),
            (ANN_ANALYSIS.to_string(), analysis.to_string()),
            (ANN_HOLDER.to_string(), self.holder.clone()),
            (ANN_UNTIL.to_string(), until.to_string()),
        ]);
        if released {
            annotations.insert(ANN_RELEASED.into(), "true".into());
        }
        Artifact {
            artifact_type: CLAIM_TYPE.into(),
            blob: format!("{}:{released}", self.holder).into_bytes(),
            title: None,
            annotations,
        }
    }

    /// Who holds the claim now, if anyone does (not released, not expired).
    fn holder_of(&self, tag: &str) -> Result<Option<String>, String> {
        let Some((_, m)) = self.repo.tagged_manifest(tag).map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        let a = &m.annotations;
        let live = a.get(ANN_RELEASED).is_none_or(|r| r != "true")
            && a.get(ANN_UNTIL)
                .and_then(|u| u.parse::<u64>().ok())
                .is_some_and(|u| u > now_secs());
        Ok(live.then(|| a.get(ANN_HOLDER).cloned().unwrap_or_default()))
    }

    fn entry_exists(&self, tag: &str) -> bool {
        matches!(self.repo.tagged_manifest(tag), Ok(Some(_)))
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The tag of an entry: `sha256:abc…` and analysis `0123…` → `sha256-abc….0123…`.
pub fn entry_tag(key: &str, analysis: &str) -> Option<String> {
    let base = sbom_registry::artifact::fallback_tag(key)?;
    let ok = !analysis.is_empty() && analysis.bytes().all(|b| b.is_ascii_alphanumeric());
    let tag = format!("{base}.{analysis}");
    (ok && tag.len() + ".claim".len() <= 128).then_some(tag)
}

/// Releases a claim when the analysis is stored (or failed).
struct Lease {
    repo: Repository,
    tag: String,
    released: Artifact,
}

impl Drop for Lease {
    fn drop(&mut self) {
        let _ = self.repo.put_tagged(&self.tag, &self.released);
    }
}

impl RemoteCache for RegistryCache {
    fn name(&self) -> String {
        self.repo.name()
    }

    fn fetch(&self, key: &str, analysis: &str) -> Result<Option<Vec<u8>>, String> {
        let Some(tag) = entry_tag(key, analysis) else {
            return Ok(None);
        };
        let Some((digest, m)) = self.repo.tagged_manifest(&tag).map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        let a = &m.annotations;
        if m.kind() != ENTRY_TYPE
            || a.get(ANN_LAYER).map(String::as_str) != Some(key)
            || a.get(ANN_ANALYSIS).map(String::as_str) != Some(analysis)
        {
            return Err(format!(
                "artifact {digest} under tag {tag} is not a layer index for that layer (type {}): ignored",
                m.kind()
            ));
        }
        let f = self.repo.fetch(&digest).map_err(|e| e.to_string())?;
        Ok(Some(f.blob))
    }

    fn store(&self, key: &str, analysis: &str, entry: &[u8]) -> Result<(), String> {
        let Some(tag) = entry_tag(key, analysis) else {
            return Ok(());
        };
        let artifact = Artifact {
            artifact_type: ENTRY_TYPE.into(),
            blob: entry.to_vec(),
            title: None,
            annotations: BTreeMap::from([
                (ANN_LAYER.to_string(), key.to_string()),
                (ANN_ANALYSIS.to_string(), analysis.to_string()),
            ]),
        };
        match self.repo.put_tagged(&tag, &artifact) {
            Ok(_) => Ok(()),
            Err(e) if !self.store_failed.swap(true, Ordering::SeqCst) => Err(e.to_string()),
            Err(_) => Ok(()),
        }
    }

    fn claim(&self, key: &str, analysis: &str) -> RemoteClaim {
        let Some(entry) = entry_tag(key, analysis) else {
            return RemoteClaim::Analyse(None);
        };
        let tag = format!("{entry}.claim");
        let deadline = Instant::now() + CLAIM_TTL;
        let mut waited = false;
        while Instant::now() < deadline {
            if self.entry_exists(&entry) {
                return RemoteClaim::LookAgain;
            }
            match self.holder_of(&tag) {
                Ok(Some(h)) if h != self.holder => {
                    waited = true;
                    std::thread::sleep(self.poll);
                    continue;
                }
                Ok(_) => {}
                Err(_) => return RemoteClaim::Analyse(None),
            }
            if waited && self.entry_exists(&entry) {
                return RemoteClaim::LookAgain;
            }
            // Cannot write a claim (read-only credentials): analyse without one.
            if self
                .repo
                .put_tagged(&tag, &self.claim_artifact(key, analysis, false))
                .is_err()
            {
                return RemoteClaim::Analyse(None);
            }
            std::thread::sleep(self.settle);
            if let Ok(Some(h)) = self.holder_of(&tag) {
                if h == self.holder {
                    return RemoteClaim::Analyse(Some(Box::new(Lease {
                        repo: self.repo.clone(),
                        tag,
                        released: self.claim_artifact(key, analysis, true),
                    })));
                }
            }
            waited = true;
        }
        RemoteClaim::Analyse(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_tags_are_valid_tags_or_none() {
        let key = format!("sha256:{}", "ab".repeat(32));
        let t = entry_tag(&key, "0123456789abcdef").unwrap();
        assert_eq!(t, format!("sha256-{}.0123456789abcdef", "ab".repeat(32)));
        assert!(t.len() + 6 <= 128);
        assert_eq!(entry_tag("sha256:../x", "a"), None);
        assert_eq!(entry_tag(&key, "a/b"), None);
    }
}
