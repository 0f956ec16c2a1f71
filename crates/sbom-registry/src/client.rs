//! HTTP to one registry: auth challenges (anonymous bearer tokens, Basic), retries with
//! backoff on 429/5xx/dropped connections (honouring Retry-After), timeouts.
use std::collections::HashMap;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, RANGE, WWW_AUTHENTICATE};
use reqwest::{Response, StatusCode};
use tokio::sync::Mutex;

use crate::reference::ImageRef;
use crate::{Credentials, RegistryError, RegistryOptions};

/// A registry client bound to one repository.
pub struct RepoClient {
    http: reqwest::Client,
    scheme: &'static str,
    image: ImageRef,
    /// The reference as the user gave it, for messages.
    given: String,
    credentials: Option<Credentials>,
    /// Authorization header value once a challenge was answered.
    auth_header: Mutex<Option<HeaderValue>>,
    opts: RegistryOptions,
}

impl RepoClient {
    pub fn new(
        image: ImageRef,
        given: &str,
        credentials: Option<Credentials>,
        opts: &RegistryOptions,
    ) -> Result<Self, RegistryError> {
        let insecure = opts
            .insecure_registries
            .iter()
            .any(|h| h == &image.registry)
            || crate::reference::is_loopback(&image.registry);
        let http = reqwest::Client::builder()
            .connect_timeout(opts.connect_timeout)
            .read_timeout(opts.read_timeout)
            .danger_accept_invalid_certs(insecure)
            .user_agent(concat!("sbom/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| RegistryError::Http {
                reference: given.to_string(),
                message: format!("cannot build HTTP client: {e}"),
            })?;
        Ok(RepoClient {
            http,
            scheme: if insecure { "http" } else { "https" },
            image,
            given: given.to_string(),
            credentials,
            auth_header: Mutex::new(None),
            opts: opts.clone(),
        })
    }

    pub fn image(&self) -> &ImageRef {
        &self.image
    }

    pub fn given(&self) -> &str {
        &self.given
    }

    fn url(&self, kind: &str, reference: &str) -> String {
        format!(
            "{}://{}/v2/{}/{}/{}",
            self.scheme,
            self.image.api_host(),
            self.image.repository,
            kind,
            reference
        )
    }

    /// GET a manifest (by tag or digest) with the accepted media types.
    pub async fn get_manifest(
        &self,
        reference: &str,
        accept: &[&str],
    ) -> Result<(Vec<u8>, Option<String>), RegistryError> {
        let url = self.url("manifests", reference);
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(&accept.join(", ")) {
            headers.insert(ACCEPT, v);
        }
        let (body, media_type) = self
            .get_small(&url, headers, &format!("manifest {reference}"))
            .await?;
        let media_type = media_type.map(|s| s.split(';').next().unwrap_or(&s).trim().to_string());
        Ok((body, media_type))
    }

    /// GETs a small body whole (a manifest, a config), starting over when the connection
    /// drops while it is read (as [`Self::send`] does when it drops before the answer):
    /// the body and its `Content-Type`.
    async fn get_small(
        &self,
        url: &str,
        headers: HeaderMap,
        what: &str,
    ) -> Result<(Vec<u8>, Option<String>), RegistryError> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let resp = self.send(url, headers.clone(), what).await?;
            let media_type = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            match resp.bytes().await {
                Ok(body) => return Ok((body.to_vec(), media_type)),
                Err(_) if attempt < self.opts.retries => {
                    tokio::time::sleep(self.backoff(attempt, None)).await;
                }
                Err(e) => return Err(self.http_err(what, &e)),
            }
        }
    }

    /// GET a whole (small) blob, e.g. the config.
    pub async fn get_blob(&self, digest: &str) -> Result<Vec<u8>, RegistryError> {
        let url = self.url("blobs", digest);
        let (body, _) = self
            .get_small(&url, HeaderMap::new(), &format!("blob {digest}"))
            .await?;
        Ok(body)
    }

    /// GET a blob from `offset` (a Range request when offset > 0). The response status is
    /// 200 (whole blob) or 206 (from offset).
    pub async fn get_blob_response(
        &self,
        digest: &str,
        offset: u64,
    ) -> Result<Response, RegistryError> {
        let url = self.url("blobs", digest);
        let mut headers = HeaderMap::new();
        if offset > 0 {
            if let Ok(v) = HeaderValue::from_str(&format!("bytes={offset}-")) {
                headers.insert(RANGE, v);
            }
        }
        self.send(&url, headers, &format!("blob {digest}")).await
    }

    /// GET a path of the registry API (`/v2/_catalog?n=100`, `/v2/REPO/tags/list`) with
    /// auth and retries: the body, and the `Link` header that points to the next page.
    pub async fn get_api(
        &self,
        path_and_query: &str,
        what: &str,
    ) -> Result<(Vec<u8>, Option<String>), RegistryError> {
        let url = format!(
            "{}://{}{path_and_query}",
            self.scheme,
            self.image.api_host()
        );
        let resp = self.send(&url, HeaderMap::new(), what).await?;
        let link = resp
            .headers()
            .get(reqwest::header::LINK)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = resp.bytes().await.map_err(|e| self.http_err(what, &e))?;
        Ok((body.to_vec(), link))
    }

    /// The manifest `reference` of this repository, or `None` when the registry has no
    /// such manifest: its bytes and media type.
    pub async fn get_manifest_opt(
        &self,
        reference: &str,
        accept: &[&str],
    ) -> Result<Option<(Vec<u8>, Option<String>)>, RegistryError> {
        match self.get_manifest(reference, accept).await {
            Ok(m) => Ok(Some(m)),
            Err(RegistryError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `GET /v2/NAME/referrers/DIGEST`: the referrers index, or `None` when the
    /// registry has no referrers API (404, as the distribution spec says to test).
    pub async fn get_referrers(&self, digest: &str) -> Result<Option<Vec<u8>>, RegistryError> {
        let url = self.url("referrers", digest);
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static(crate::MT_OCI_INDEX));
        let what = format!("referrers of {digest}");
        let resp = self.exchange(&Request::get(&url, headers, &what)).await?;
        let status = resp.status();
        // 404: no referrers API. Some registries answer an unknown route with 400/405.
        if matches!(status.as_u16(), 404 | 400 | 405 | 501) {
            return Ok(None);
        }
        if !status.is_success() {
            let body = resp.text().await.unwrap_or_default();
            return Err(self.status_error(status, &what, &body));
        }
        let body = resp.bytes().await.map_err(|e| self.http_err(&what, &e))?;
        Ok(Some(body.to_vec()))
    }

    /// Whether the repository has the blob (`HEAD`).
    pub async fn blob_exists(&self, digest: &str) -> Result<bool, RegistryError> {
        let what = format!("blob {digest}");
        let req = Request {
            method: reqwest::Method::HEAD,
            ..Request::get(&self.url("blobs", digest), HeaderMap::new(), &what)
        };
        let resp = self.exchange(&req).await?;
        match resp.status() {
            s if s.is_success() => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            s => Err(self.status_error_for(s, &req, "")),
        }
    }

    /// Uploads a small blob (one `POST` to open the upload, one `PUT` with the bytes),
    /// unless the repository has it already.
    pub async fn push_blob(&self, digest: &str, data: bytes::Bytes) -> Result<(), RegistryError> {
        if self.blob_exists(digest).await? {
            return Ok(());
        }
        let what = format!("upload of blob {digest}");
        let start = Request {
            method: reqwest::Method::POST,
            url: format!(
                "{}://{}/v2/{}/blobs/uploads/",
                self.scheme,
                self.image.api_host(),
                self.image.repository
            ),
            headers: HeaderMap::new(),
            body: Some(bytes::Bytes::new()),
            what: &what,
            access: Access::Push,
        };
        let resp = self.send_with(&start).await?;
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| RegistryError::Invalid {
                reference: self.given.clone(),
                message: format!("{what}: the registry gave no upload location"),
            })?;
        let mut url = self.absolute(&location);
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&format!("digest={}", form_encode(digest)));
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        let put = Request {
            method: reqwest::Method::PUT,
            url,
            headers,
            body: Some(data),
            what: &what,
            access: Access::Push,
        };
        self.send_with(&put).await?;
        Ok(())
    }

    /// `PUT` a manifest under `reference` (a tag or its digest); the response headers
    /// (`OCI-Subject` says the registry indexed its subject).
    pub async fn put_manifest(
        &self,
        reference: &str,
        media_type: &str,
        data: bytes::Bytes,
    ) -> Result<HeaderMap, RegistryError> {
        let what = format!("push of manifest {reference}");
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(media_type) {
            headers.insert(reqwest::header::CONTENT_TYPE, v);
        }
        let req = Request {
            method: reqwest::Method::PUT,
            url: self.url("manifests", reference),
            headers,
            body: Some(data),
            what: &what,
            access: Access::Push,
        };
        Ok(self.send_with(&req).await?.headers().clone())
    }

    /// `DELETE` a manifest by digest. `false` when the registry does not allow it.
    pub async fn delete_manifest(&self, digest: &str) -> Result<bool, RegistryError> {
        let what = format!("delete of manifest {digest}");
        let req = Request {
            method: reqwest::Method::DELETE,
            url: self.url("manifests", digest),
            headers: HeaderMap::new(),
            body: None,
            what: &what,
            access: Access::Push,
        };
        let resp = self.exchange(&req).await?;
        match resp.status() {
            s if s.is_success() || s == StatusCode::NOT_FOUND => Ok(true),
            // Deleting is switched off (distribution's default) or not ours to do.
            StatusCode::METHOD_NOT_ALLOWED | StatusCode::UNSUPPORTED_MEDIA_TYPE => Ok(false),
            s => Err(self.status_error_for(s, &req, "")),
        }
    }

    /// A `Location` header as a URL: relative ones are on this registry.
    fn absolute(&self, location: &str) -> String {
        if location.starts_with("http://") || location.starts_with("https://") {
            location.to_string()
        } else {
            format!(
                "{}://{}/{}",
                self.scheme,
                self.image.api_host(),
                location.trim_start_matches('/')
            )
        }
    }

    fn http_err(&self, what: &str, e: &reqwest::Error) -> RegistryError {
        RegistryError::Http {
            reference: self.given.clone(),
            message: format!("{what}: {}", describe_reqwest(e)),
        }
    }

    /// Sends a GET with auth and retries. Returns only successful responses.
    async fn send(
        &self,
        url: &str,
        headers: HeaderMap,
        what: &str,
    ) -> Result<Response, RegistryError> {
        self.send_with(&Request::get(url, headers, what)).await
    }

    /// Sends a request with auth and retries. Returns only successful responses.
    pub(crate) async fn send_with(&self, req: &Request<'_>) -> Result<Response, RegistryError> {
        let resp = self.exchange(req).await?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let body = resp.text().await.unwrap_or_default();
        Err(self.status_error_for(status, req, &body))
    }

    /// Sends a request, answering one auth challenge (with push scope for a push) and
    /// retrying 429/5xx/dropped connections; gives back the last response whatever
    /// its status.
    pub(crate) async fn exchange(&self, r: &Request<'_>) -> Result<Response, RegistryError> {
        let mut attempt = 0u32;
        let mut authed_once = false;
        loop {
            attempt += 1;
            let mut req = self
                .http
                .request(r.method.clone(), r.url.as_str())
                .headers(r.headers.clone());
            if let Some(body) = &r.body {
                req = req.body(body.clone());
            }
            if let Some(h) = self.auth_header.lock().await.clone() {
                req = req.header(AUTHORIZATION, h);
            }
            let result = req.send().await;
            let resp = match result {
                Ok(r) => r,
                Err(e) => {
                    if attempt < self.opts.retries {
                        tokio::time::sleep(self.backoff(attempt, None)).await;
                        continue;
                    }
                    return Err(self.http_err(r.what, &e));
                }
            };
            let status = resp.status();
            if status == StatusCode::UNAUTHORIZED && !authed_once {
                authed_once = true;
                let challenge = resp
                    .headers()
                    .get(WWW_AUTHENTICATE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                self.answer_challenge(challenge.as_deref(), r.access)
                    .await
                    .map_err(|e| self.denied_on_push(e, r))?;
                continue;
            }
            let retryable = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
            if retryable && attempt < self.opts.retries {
                let retry_after = resp
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|s| s.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                tokio::time::sleep(self.backoff(attempt, retry_after)).await;
                continue;
            }
            return Ok(resp);
        }
    }

    /// A failed push names the repository and the permission it lacks.
    fn denied_on_push(&self, e: RegistryError, r: &Request<'_>) -> RegistryError {
        match (e, r.access) {
            (RegistryError::Unauthorized { .. }, Access::Push) => {
                self.push_denied(StatusCode::UNAUTHORIZED)
            }
            (e, _) => e,
        }
    }

    fn push_denied(&self, status: StatusCode) -> RegistryError {
        RegistryError::Unauthorized {
            reference: self.image.name(),
            message: format!(
                "push denied ({} {}): the credentials have no push permission on {} (log in with an account that may push there, or pass --username)",
                status.as_u16(),
                if status == StatusCode::FORBIDDEN {
                    "forbidden"
                } else {
                    "unauthorized"
                },
                self.image.name()
            ),
        }
    }

    fn status_error_for(&self, status: StatusCode, r: &Request<'_>, body: &str) -> RegistryError {
        let auth = status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN;
        if auth && r.access == Access::Push {
            return self.push_denied(status);
        }
        self.status_error(status, r.what, body)
    }

    fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(d) = retry_after {
            return d.min(self.opts.max_backoff);
        }
        let base = self.opts.base_backoff.as_millis() as u64;
        let ms = base.saturating_mul(1u64 << attempt.min(10));
        Duration::from_millis(ms).min(self.opts.max_backoff)
    }

    fn status_error(&self, status: StatusCode, what: &str, body: &str) -> RegistryError {
        let code = registry_error_code(body);
        let repo = self.image.name();
        match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => RegistryError::Unauthorized {
                reference: self.given.clone(),
                message: format!(
                    "{} {} for {repo}: run docker login or pass --username",
                    status.as_u16(),
                    if status == StatusCode::FORBIDDEN {
                        "forbidden"
                    } else {
                        "unauthorized"
                    },
                ),
            },
            StatusCode::NOT_FOUND => {
                let kind = code
                    .as_deref()
                    .map(str::to_ascii_lowercase)
                    .unwrap_or_default();
                let message = if what.starts_with("manifest") {
                    let r = what.trim_start_matches("manifest ").to_string();
                    let last = self.image.repository.rsplit('/').next().unwrap_or("");
                    let sep = if r.starts_with("sha256:") { "@" } else { ":" };
                    format!("manifest unknown: {last}{sep}{r}")
                } else if kind.contains("name") {
                    format!("repository unknown: {repo}")
                } else {
                    format!("{what}: not found")
                };
                RegistryError::NotFound {
                    reference: self.given.clone(),
                    message,
                }
            }
            _ => RegistryError::Http {
                reference: self.given.clone(),
                message: format!(
                    "{what}: HTTP {}{}",
                    status.as_u16(),
                    code.map(|c| format!(" ({c})")).unwrap_or_default()
                ),
            },
        }
    }

    /// Answers a `WWW-Authenticate` challenge: Bearer (token endpoint, with Basic
    /// credentials when we have them) or Basic.
    async fn answer_challenge(
        &self,
        challenge: Option<&str>,
        access: Access,
    ) -> Result<(), RegistryError> {
        let unauthorized = || RegistryError::Unauthorized {
            reference: self.given.clone(),
            message: format!(
                "401 unauthorized for {}: run docker login or pass --username",
                self.image.name()
            ),
        };
        let Some(ch) = challenge else {
            return Err(unauthorized());
        };
        let (scheme, params) = parse_challenge(ch);
        if scheme.eq_ignore_ascii_case("basic") {
            let Some(Credentials::Basic { username, password }) = &self.credentials else {
                return Err(unauthorized());
            };
            let v = basic_header(username, password);
            *self.auth_header.lock().await = Some(v);
            return Ok(());
        }
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(unauthorized());
        }
        let realm = params.get("realm").ok_or_else(unauthorized)?;
        let mut query: Vec<(&str, String)> = Vec::new();
        if let Some(s) = params.get("service") {
            query.push(("service", s.clone()));
        }
        let scope = params
            .get("scope")
            .cloned()
            .unwrap_or_else(|| format!("repository:{}:pull", self.image.repository));
        let scope = match access {
            Access::Pull => scope,
            Access::Push => with_push(&scope, &self.image.repository),
        };
        query.push(("scope", scope));
        let req = match &self.credentials {
            Some(Credentials::Basic { username, password }) => self
                .http
                .get(realm)
                .query(&query)
                .header(AUTHORIZATION, basic_header(username, password)),
            // An identity token (from `docker login` with an OAuth registry) is exchanged
            // for an access token with the OAuth2 refresh-token grant.
            Some(Credentials::IdentityToken(token)) => {
                let mut form = vec![
                    ("grant_type", "refresh_token".to_string()),
                    ("client_id", "sbom".to_string()),
                    ("refresh_token", token.clone()),
                ];
                form.extend(query.iter().map(|(k, v)| (*k, v.clone())));
                let body: Vec<String> = form
                    .iter()
                    .map(|(k, v)| format!("{k}={}", form_encode(v)))
                    .collect();
                self.http
                    .post(realm)
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .body(body.join("&"))
            }
            None => self.http.get(realm).query(&query),
        };
        let resp = req
            .send()
            .await
            .map_err(|e| self.http_err("token request", &e))?;
        if !resp.status().is_success() {
            return Err(unauthorized());
        }
        #[derive(serde::Deserialize)]
        struct Token {
            token: Option<String>,
            access_token: Option<String>,
        }
        let t: Token = resp
            .json()
            .await
            .map_err(|e| self.http_err("token response", &e))?;
        let token = t.token.or(t.access_token).ok_or_else(unauthorized)?;
        let v = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| unauthorized())?;
        *self.auth_header.lock().await = Some(v);
        Ok(())
    }
}

/// Whether a request reads or writes: a write needs a token with `push` scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Pull,
    Push,
}

/// One request as [`RepoClient::exchange`] sends it (again on a retry).
pub(crate) struct Request<'a> {
    pub method: reqwest::Method,
    pub url: String,
    pub headers: HeaderMap,
    pub body: Option<bytes::Bytes>,
    pub what: &'a str,
    pub access: Access,
}

impl<'a> Request<'a> {
    pub fn get(url: &str, headers: HeaderMap, what: &'a str) -> Self {
        Request {
            method: reqwest::Method::GET,
            url: url.to_string(),
            headers,
            body: None,
            what,
            access: Access::Pull,
        }
    }
}

/// A token scope with `push` added to the actions on `repository` (`repository:a/b:pull`
/// → `repository:a/b:pull,push`); the repository's scope is added when missing.
pub(crate) fn with_push(scope: &str, repository: &str) -> String {
    let mut found = false;
    let parts: Vec<String> = scope
        .split_whitespace()
        .map(|part| {
            let Some((name, actions)) = part
                .strip_prefix("repository:")
                .and_then(|r| r.rsplit_once(':'))
            else {
                return part.to_string();
            };
            if name != repository {
                return part.to_string();
            }
            found = true;
            let mut list: Vec<&str> = actions.split(',').filter(|a| !a.is_empty()).collect();
            for want in ["pull", "push"] {
                if !list.contains(&want) && !list.contains(&"*") {
                    list.push(want);
                }
            }
            format!("repository:{name}:{}", list.join(","))
        })
        .collect();
    let mut out = parts.join(" ");
    if !found {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&format!("repository:{repository}:pull,push"));
    }
    out
}

fn basic_header(user: &str, password: &str) -> HeaderValue {
    let raw = format!("{user}:{password}");
    let mut v = HeaderValue::from_str(&format!("Basic {}", base64(raw.as_bytes())))
        .unwrap_or_else(|_| HeaderValue::from_static(""));
    v.set_sensitive(true);
    v
}

/// Standard base64 with padding (small, so no dependency for it).
fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// `application/x-www-form-urlencoded` value encoding.
fn form_encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Splits `Bearer realm="...",service="...",scope="..."` into scheme and parameters.
fn parse_challenge(h: &str) -> (String, HashMap<String, String>) {
    let h = h.trim();
    let (scheme, rest) = h.split_once(' ').unwrap_or((h, ""));
    let mut params = HashMap::new();
    let mut s = rest.trim();
    while !s.is_empty() {
        let Some((k, after)) = s.split_once('=') else {
            break;
        };
        let key = k.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (value, remaining) = if let Some(q) = after.strip_prefix('"') {
            match q.find('"') {
                Some(end) => (q[..end].to_string(), &q[end + 1..]),
                None => (q.to_string(), ""),
            }
        } else {
            match after.find(',') {
                Some(end) => (after[..end].trim().to_string(), &after[end..]),
                None => (after.trim().to_string(), ""),
            }
        };
        params.insert(key, value);
        s = remaining.trim_start().trim_start_matches(',').trim_start();
    }
    (scheme.to_string(), params)
}

/// The first `errors[].code` of a registry error body.
fn registry_error_code(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v.get("errors")?
        .as_array()?
        .first()?
        .get("code")?
        .as_str()
        .map(str::to_string)
}

/// A reqwest error in one line without URLs that could carry credentials.
pub fn describe_reqwest(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "connection dropped while reading the body"
    } else {
        "request failed"
    };
    let mut msg = kind.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg = format!("{msg}: {s}");
        src = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_parsing() {
        let (s, p) = parse_challenge(
            r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull""#,
        );
        assert_eq!(s, "Bearer");
        assert_eq!(p["realm"], "https://auth.example/token");
        assert_eq!(p["service"], "registry.example");
        assert_eq!(p["scope"], "repository:a/b:pull");
        let (s, p) = parse_challenge(r#"Basic realm="basic-realm""#);
        assert_eq!(s, "Basic");
        assert_eq!(p["realm"], "basic-realm");
    }

    #[test]
    fn a_push_asks_for_push_scope_on_its_repository() {
        assert_eq!(
            with_push("repository:osism/keystone:pull", "osism/keystone"),
            "repository:osism/keystone:pull,push"
        );
        assert_eq!(
            with_push("repository:other:pull", "osism/keystone"),
            "repository:other:pull repository:osism/keystone:pull,push"
        );
        assert_eq!(
            with_push("repository:a:push,pull", "a"),
            "repository:a:push,pull"
        );
        assert_eq!(with_push("", "a"), "repository:a:pull,push");
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn error_code_from_body() {
        assert_eq!(
            registry_error_code(r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"x"}]}"#)
                .as_deref(),
            Some("MANIFEST_UNKNOWN")
        );
        assert_eq!(registry_error_code("not json"), None);
    }
}
