//! Test harness: an HTTP proxy in front of the real `docker-registry` (distribution 2.x,
//! which has no referrers API) that adds what a newer registry offers:
//! - the OCI 1.1 referrers API: a manifest pushed with a `subject` is indexed (the push is
//!   answered with `OCI-Subject`), and `GET /v2/<name>/referrers/<digest>` lists them
//!   (with `?artifactType=` filtering), as distribution 3, Harbor or zot do;
//! - read-only accounts: htpasswd cannot say "may pull, may not push", so the proxy
//!   answers any write (POST/PUT/PATCH/DELETE) of a listed user with 403 DENIED, as a
//!   registry whose token server grants that user only `pull` does.
//!
//! Credentials are checked by the registry behind (the proxy forwards them). One request
//! per connection (`Connection: close`), bodies of any framing, small enough for tests.
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use sha2::Digest as _;

/// What the proxy adds.
#[derive(Clone, Debug, Default)]
pub struct ProxyConfig {
    /// Serve the referrers API.
    pub referrers: bool,
    /// Users (htpasswd names) that may only read.
    pub read_only_users: Vec<String>,
}

type Store = BTreeMap<(String, String), Vec<serde_json::Value>>;

pub struct OciProxy {
    pub port: u16,
    stop: Arc<AtomicBool>,
    /// `METHOD PATH` of every request, in order.
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl OciProxy {
    pub fn start(upstream: u16, cfg: ProxyConfig) -> OciProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let store: Arc<Mutex<Store>> = Arc::new(Mutex::new(BTreeMap::new()));
        let (s, r) = (Arc::clone(&stop), Arc::clone(&requests));
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (cfg, r, store) = (cfg.clone(), Arc::clone(&r), Arc::clone(&store));
                std::thread::spawn(move || {
                    let _ = serve(conn, upstream, &cfg, &r, &store);
                });
            }
        });
        OciProxy {
            port,
            stop,
            requests,
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// How many requests were `METHOD` on a path containing `part`.
    pub fn count(&self, method: &str, part: &str) -> usize {
        self.requests
            .lock()
            .map(|r| {
                r.iter()
                    .filter(|l| l.starts_with(&format!("{method} ")) && l.contains(part))
                    .count()
            })
            .unwrap_or(0)
    }
}

impl Drop for OciProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn user(&self) -> Option<String> {
        use base64::Engine as _;
        let v = self.header("authorization")?.strip_prefix("Basic ")?;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(v.trim())
            .ok()?;
        let text = String::from_utf8(raw).ok()?;
        Some(text.split_once(':')?.0.to_string())
    }
}

fn read_request(r: &mut impl BufRead) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("/").to_string(),
    );
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if r.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let mut req = Request {
        method,
        path,
        headers,
        body: Vec::new(),
    };
    if req
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size = String::new();
            r.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            let mut chunk = vec![0u8; n + 2];
            r.read_exact(&mut chunk)?;
            if n == 0 {
                break;
            }
            req.body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(n) = req
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        req.body = vec![0u8; n];
        r.read_exact(&mut req.body)?;
    }
    Ok(Some(req))
}

fn respond(out: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut head = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(body);
    let _ = out.flush();
}

/// `/v2/<name>/<kind>/<reference>` → (name, reference).
fn split_api_path<'a>(path: &'a str, kind: &str) -> Option<(&'a str, &'a str)> {
    let p = path.split('?').next()?.strip_prefix("/v2/")?;
    let i = p.rfind(&format!("/{kind}/"))?;
    Some((&p[..i], &p[i + kind.len() + 2..]))
}

fn serve(
    client: TcpStream,
    upstream: u16,
    cfg: &ProxyConfig,
    log: &Mutex<Vec<String>>,
    store: &Mutex<Store>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let Some(req) = read_request(&mut reader)? else {
        return Ok(());
    };
    let mut out = client;
    if let Ok(mut l) = log.lock() {
        l.push(format!("{} {}", req.method, req.path));
    }
    let write = !matches!(req.method.as_str(), "GET" | "HEAD");
    if write && req.user().is_some_and(|u| cfg.read_only_users.contains(&u)) {
        let body = br#"{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}"#;
        respond(
            &mut out,
            "403 Forbidden",
            &[("Content-Type", "application/json".into())],
            body,
        );
        return Ok(());
    }
    if cfg.referrers && req.method == "GET" {
        if let Some((name, digest)) = split_api_path(&req.path, "referrers") {
            return referrers(&mut out, upstream, &req, name, digest, store);
        }
    }
    let (status, head, body) = forward(upstream, &req)?;
    let mut extra = Vec::new();
    if cfg.referrers && req.method == "PUT" && status / 100 == 2 {
        if let Some((name, _)) = split_api_path(&req.path, "manifests") {
            if let Some(subject) = index_referrer(name, &req, store) {
                extra.push(format!("OCI-Subject: {subject}\r\n"));
            }
        }
    }
    if req.method == "DELETE" && status / 100 == 2 {
        if let Some((_, digest)) = split_api_path(&req.path, "manifests") {
            if let Ok(mut s) = store.lock() {
                for list in s.values_mut() {
                    list.retain(|d| d["digest"] != digest);
                }
            }
        }
    }
    let mut head = head;
    if let Some(end) = head.rfind("\r\n\r\n") {
        head.truncate(end + 2);
        for e in extra {
            head.push_str(&e);
        }
        head.push_str("\r\n");
    }
    out.write_all(head.as_bytes())?;
    out.write_all(&body)?;
    out.flush()
}

/// Sends `req` to the registry (one connection, `Connection: close`): status, raw head
/// (with `Connection: close`), body.
fn forward(upstream: u16, req: &Request) -> std::io::Result<(u16, String, Vec<u8>)> {
    let mut s = TcpStream::connect(("127.0.0.1", upstream))?;
    let mut head = format!("{} {} HTTP/1.1\r\n", req.method, req.path);
    for (k, v) in &req.headers {
        let k_l = k.to_ascii_lowercase();
        if k_l == "connection" || k_l == "transfer-encoding" || k_l == "content-length" {
            continue;
        }
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !req.body.is_empty() || matches!(req.method.as_str(), "PUT" | "POST" | "PATCH") {
        head.push_str(&format!("Content-Length: {}\r\n", req.body.len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    s.write_all(head.as_bytes())?;
    s.write_all(&req.body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |i| i + 4);
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(502);
    Ok((status, head, raw[split..].to_vec()))
}

/// Records a pushed manifest that names a subject; the subject's digest.
fn index_referrer(name: &str, req: &Request, store: &Mutex<Store>) -> Option<String> {
    let m: serde_json::Value = serde_json::from_slice(&req.body).ok()?;
    let subject = m.get("subject")?.get("digest")?.as_str()?.to_string();
    let digest = format!("sha256:{}", hex::encode(sha2::Sha256::digest(&req.body)));
    let media_type = m
        .get("mediaType")
        .and_then(|v| v.as_str())
        .or(req.header("content-type"))
        .unwrap_or("application/vnd.oci.image.manifest.v1+json");
    let artifact_type = m
        .get("artifactType")
        .or_else(|| m.pointer("/config/mediaType"))
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    let mut d = serde_json::json!({
        "mediaType": media_type,
        "digest": digest,
        "size": req.body.len(),
        "artifactType": artifact_type,
    });
    if let Some(a) = m.get("annotations") {
        d["annotations"] = a.clone();
    }
    let mut s = store.lock().ok()?;
    let list = s.entry((name.to_string(), subject.clone())).or_default();
    if !list.iter().any(|e| e["digest"] == d["digest"]) {
        list.push(d);
    }
    Some(subject)
}

fn referrers(
    out: &mut TcpStream,
    upstream: u16,
    req: &Request,
    name: &str,
    digest: &str,
    store: &Mutex<Store>,
) -> std::io::Result<()> {
    // The registry behind checks the credentials: ask it for the API root with them.
    let probe = Request {
        method: "GET".into(),
        path: "/v2/".into(),
        headers: req
            .headers
            .iter()
            .filter(|(k, _)| {
                k.eq_ignore_ascii_case("authorization") || k.eq_ignore_ascii_case("host")
            })
            .cloned()
            .collect(),
        body: Vec::new(),
    };
    let (status, head, body) = forward(upstream, &probe)?;
    if status == 401 {
        out.write_all(head.as_bytes())?;
        out.write_all(&body)?;
        return out.flush();
    }
    let filter = req
        .path
        .split_once('?')
        .and_then(|(_, q)| q.split('&').find_map(|kv| kv.strip_prefix("artifactType=")))
        .map(|v| v.replace("%2F", "/").replace("%2B", "+"));
    let digest = digest.split('?').next().unwrap_or(digest);
    let entries: Vec<serde_json::Value> = store
        .lock()
        .map(|s| {
            s.get(&(name.to_string(), digest.to_string()))
                .cloned()
                .unwrap_or_default()
        })
        .unwrap_or_default()
        .into_iter()
        .filter(|e| {
            filter
                .as_ref()
                .is_none_or(|f| e["artifactType"] == f.as_str())
        })
        .collect();
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": entries,
    });
    let mut headers = vec![(
        "Content-Type",
        "application/vnd.oci.image.index.v1+json".to_string(),
    )];
    if filter.is_some() {
        headers.push(("OCI-Filters-Applied", "artifactType".into()));
    }
    respond(
        out,
        "200 OK",
        &headers,
        &serde_json::to_vec(&index).unwrap_or_default(),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths_split_at_the_last_kind() {
        assert_eq!(
            split_api_path("/v2/a/b/manifests/sha256-x", "manifests"),
            Some(("a/b", "sha256-x"))
        );
        assert_eq!(
            split_api_path(
                "/v2/osism/keystone/referrers/sha256:ab?artifactType=x",
                "referrers"
            ),
            Some(("osism/keystone", "sha256:ab"))
        );
        assert_eq!(split_api_path("/v2/", "manifests"), None);
    }
}
