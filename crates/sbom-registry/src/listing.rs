//! What a registry holds: its repositories (`/v2/_catalog`), a repository's tags, and the
//! digest of a manifest (with the manifests an index lists). `sbom mirror --check`
//! compares a mirror registry with what a release needs through this.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::client::RepoClient;
use crate::{Credentials, ImageRef, RegistryError, RegistryOptions};

/// Repositories per catalog page asked for (the registry may send fewer and a `Link`).
const PAGE: usize = 1000;
/// Pages followed at most: a registry whose `Link` never ends must not loop forever.
const MAX_PAGES: usize = 10_000;

/// A manifest as the registry serves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestInfo {
    /// `sha256:` of the bytes served.
    pub digest: String,
    /// Digests of the manifests an index (manifest list) names; empty for an image.
    pub children: Vec<String>,
}

/// Lists one registry (`host[:port]`). Each repository gets its own client, so a
/// bearer token scoped to one repository is reused for it.
pub struct RegistryLister {
    rt: tokio::runtime::Runtime,
    host: String,
    credentials: Option<Credentials>,
    opts: RegistryOptions,
    clients: Mutex<HashMap<String, Arc<RepoClient>>>,
}

impl RegistryLister {
    /// Prepares a lister (nothing is fetched yet). Credentials as for scans: explicit
    /// ones from `opts`, else docker's config for this host.
    pub fn new(host: &str, opts: &RegistryOptions) -> Result<Self, RegistryError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let host = host.trim().trim_end_matches('/').to_string();
        let bad = |message: String| RegistryError::Reference {
            reference: host.clone(),
            message,
        };
        if host.is_empty() || host.contains('/') || host.contains("://") {
            return Err(bad("a registry is named by host[:port] only".into()));
        }
        let credentials = match &opts.credentials {
            Some(c) => Some(c.clone()),
            None if opts.use_docker_config => crate::docker_config_credentials(&host),
            None => None,
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| bad(format!("cannot start the HTTP runtime: {e}")))?;
        Ok(RegistryLister {
            rt,
            host,
            credentials,
            opts: opts.clone(),
            clients: Mutex::new(HashMap::new()),
        })
    }

    /// The registry as given (`host[:port]`).
    pub fn host(&self) -> &str {
        &self.host
    }

    fn client(&self, repository: &str) -> Result<Arc<RepoClient>, RegistryError> {
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(c) = clients.get(repository) {
            return Ok(Arc::clone(c));
        }
        let image = ImageRef {
            registry: self.host.clone(),
            repository: repository.to_string(),
            tag: None,
            digest: None,
        };
        let given = format!("{}/{repository}", self.host);
        let c = Arc::new(RepoClient::new(
            image,
            &given,
            self.credentials.clone(),
            &self.opts,
        )?);
        clients.insert(repository.to_string(), Arc::clone(&c));
        Ok(c)
    }

    fn invalid(&self, what: &str, e: impl std::fmt::Display) -> RegistryError {
        RegistryError::Invalid {
            reference: self.host.clone(),
            message: format!("{what}: {e}"),
        }
    }

    /// Follows `Link: <...>; rel="next"` pages of a list endpoint, collecting the
    /// strings of `field` from each page.
    fn pages(
        &self,
        repository: &str,
        first: String,
        field: &str,
    ) -> Result<Vec<String>, RegistryError> {
        let client = self.client(repository)?;
        let mut out = Vec::new();
        let mut next = Some(first);
        let mut pages = 0;
        while let Some(path) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(self.invalid(field, "too many pages"));
            }
            let (body, link) = self.rt.block_on(client.get_api(&path, field))?;
            let json: Value = serde_json::from_slice(&body).map_err(|e| self.invalid(field, e))?;
            // `tags: null` is how a registry says a repository has no tags.
            if let Some(items) = json.get(field).and_then(Value::as_array) {
                out.extend(items.iter().filter_map(Value::as_str).map(str::to_string));
            }
            next = link.as_deref().and_then(next_link);
        }
        Ok(out)
    }

    /// Every repository (`/v2/_catalog`), sorted. Registries that do not offer the
    /// catalog (many public ones) answer with an error.
    pub fn repositories(&self) -> Result<Vec<String>, RegistryError> {
        let mut r = self.pages("", format!("/v2/_catalog?n={PAGE}"), "repositories")?;
        r.sort();
        r.dedup();
        Ok(r)
    }

    /// The tags of a repository, sorted; empty when the repository is unknown.
    pub fn tags(&self, repository: &str) -> Result<Vec<String>, RegistryError> {
        let first = format!("/v2/{repository}/tags/list?n={PAGE}");
        match self.pages(repository, first, "tags") {
            Ok(mut t) => {
                t.sort();
                t.dedup();
                Ok(t)
            }
            Err(RegistryError::NotFound { .. }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// The manifest `reference` (a tag or a digest) of a repository: its digest and,
    /// for an index, the digests it lists. `None` when the registry does not have it.
    pub fn manifest(
        &self,
        repository: &str,
        reference: &str,
    ) -> Result<Option<ManifestInfo>, RegistryError> {
        let client = self.client(repository)?;
        let bytes = match self
            .rt
            .block_on(client.get_manifest(reference, &crate::ACCEPT_ALL))
        {
            Ok((b, _)) => b,
            Err(RegistryError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let digest = crate::sha256_digest(&bytes);
        let children = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|j| j.get("manifests").and_then(Value::as_array).cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|m| m.get("digest").and_then(Value::as_str))
            .map(str::to_string)
            .collect();
        Ok(Some(ManifestInfo { digest, children }))
    }
}

/// The path of a `Link: </v2/_catalog?last=x&n=100>; rel="next"` header; an absolute
/// URL is reduced to its path (the client adds scheme and host).
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        if !params.contains("rel=\"next\"") && !params.contains("rel=next") {
            return None;
        }
        let url = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        let path = match url.split_once("://") {
            Some((_, rest)) => &rest[rest.find('/')?..],
            None => url,
        };
        path.starts_with("/v2/").then(|| path.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_takes_the_path_of_the_next_page_only() {
        assert_eq!(
            next_link("</v2/_catalog?last=b&n=2>; rel=\"next\"").as_deref(),
            Some("/v2/_catalog?last=b&n=2")
        );
        assert_eq!(
            next_link("<https://r.example/v2/x/tags/list?last=1>; rel=\"next\"").as_deref(),
            Some("/v2/x/tags/list?last=1")
        );
        assert_eq!(next_link("</v2/_catalog?last=b>; rel=\"prev\""), None);
        assert_eq!(
            next_link("<https://elsewhere.example/steal>; rel=\"next\""),
            None
        );
        assert_eq!(next_link("garbage"), None);
    }

    #[test]
    fn a_host_with_a_path_is_refused() {
        let e = RegistryLister::new("r.example/ns", &RegistryOptions::default())
            .err()
            .expect("refused");
        assert!(e.to_string().contains("host[:port]"), "{e}");
    }
}
