//! SBOMs attached to images, against a real `docker-registry` on 127.0.0.1 (distribution
//! 2.x: no referrers API, so the spec's fallback tag) and against the same registry
//! behind sbom-testkit's proxy that adds the referrers API and read-only accounts.
//! What a registry stores is read back with plain HTTP here, not through our client.
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use sbom_registry::{Artifact, Credentials, Descriptor, ReferrersVia, RegistryOptions, Repository};
use sbom_testkit::oci_proxy::{OciProxy, ProxyConfig};
use sbom_testkit::registry::{fixture_layout, Registry};

fn opts(creds: Option<(&str, &str)>) -> RegistryOptions {
    RegistryOptions {
        use_docker_config: false,
        base_backoff: Duration::from_millis(20),
        credentials: creds.map(|(u, p)| Credentials::Basic {
            username: u.into(),
            password: p.into(),
        }),
        ..RegistryOptions::default()
    }
}

fn sbom(n: u32) -> Artifact {
    Artifact {
        artifact_type: "application/vnd.cyclonedx+json".into(),
        blob: format!("{{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"version\":{n}}}")
            .into_bytes(),
        title: Some(format!("sbom-{n}.cdx.json")),
        annotations: [(
            "org.opencontainers.image.created".to_string(),
            "2024-05-01T00:00:00Z".to_string(),
        )]
        .into(),
    }
}

/// A registry holding the fixture image as `test/img:v1`, and that image's descriptor.
fn image_in(reg: &Registry) -> (tempfile::TempDir, Descriptor) {
    let tmp = tempfile::tempdir().unwrap();
    let (layout, built) = fixture_layout(tmp.path());
    reg.push(&layout, "v1", "test/img:v1", false);
    let repo =
        Repository::open(&format!("{}/test/img", reg.host()), &opts(reg.creds_ref())).unwrap();
    let subject = repo.manifest_descriptor("v1").unwrap().unwrap();
    assert_eq!(subject.digest, built[0].manifest_digest);
    (tmp, subject)
}

trait CredsRef {
    fn creds_ref(&self) -> Option<(&str, &str)>;
}
impl CredsRef for Registry {
    fn creds_ref(&self) -> Option<(&str, &str)> {
        self.creds.as_ref().map(|(u, p)| (u.as_str(), p.as_str()))
    }
}

/// A plain HTTP/1.1 request to 127.0.0.1:`port`: status and body.
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let status = String::from_utf8_lossy(&raw[..split])
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let mut body = raw[split..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    (status, body)
}

/// Uploads a blob to test/img (POST, then PUT to the location given).
fn upload(port: u16, data: &[u8]) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "POST /v2/test/img/blobs/uploads/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let location = raw
        .lines()
        .find_map(|l| l.strip_prefix("Location: "))
        .unwrap()
        .trim()
        .to_string();
    let path = location
        .split_once(&format!("127.0.0.1:{port}"))
        .map_or(location.as_str(), |(_, p)| p);
    let sep = if path.contains('?') { '&' } else { '?' };
    let (status, _) = http(
        port,
        "PUT",
        &format!("{path}{sep}digest={}", sha(data)),
        &[],
        data,
    );
    assert_eq!(status, 201);
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let nl = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let n = usize::from_str_radix(std::str::from_utf8(&b[..nl]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[nl + 2..nl + 2 + n]);
        b = &b[nl + 4 + n..];
    }
}

/// The fallback tag's index as the registry serves it.
fn tag_index(port: u16, subject: &str) -> Option<serde_json::Value> {
    let tag = subject.replace(':', "-");
    let (status, body) = http(
        port,
        "GET",
        &format!("/v2/test/img/manifests/{tag}"),
        &[("Accept", "application/vnd.oci.image.index.v1+json")],
        b"",
    );
    (status == 200).then(|| serde_json::from_slice(&body).unwrap())
}

fn sha(b: &[u8]) -> String {
    use sha2::Digest;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(b)))
}

#[test]
fn without_referrers_api_the_fallback_tag_index_keeps_other_tools_entries() {
    let reg = Registry::start(None);
    let (_tmp, subject) = image_in(&reg);
    // Another tool attached a signature first, by the spec's fallback: its manifest and
    // an index under sha256-<hex> (written here with plain HTTP).
    upload(reg.port, b"{}");
    let foreign = serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.dev.cosign.signature",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", "size": 2},
        "layers": [{"mediaType": "application/vnd.oci.empty.v1+json", "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", "size": 2}],
        "subject": {"mediaType": subject.media_type, "digest": subject.digest, "size": subject.size},
    });
    let fb = serde_json::to_vec(&foreign).unwrap();
    let fd = sha(&fb);
    let ct = [("Content-Type", "application/vnd.oci.image.manifest.v1+json")];
    assert_eq!(
        http(
            reg.port,
            "PUT",
            &format!("/v2/test/img/manifests/{fd}"),
            &ct,
            &fb
        )
        .0,
        201
    );
    let index = serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": fd, "size": fb.len(),
                       "artifactType": "application/vnd.dev.cosign.signature"}]});
    let ib = serde_json::to_vec(&index).unwrap();
    let tag = subject.digest.replace(':', "-");
    let ict = [("Content-Type", "application/vnd.oci.image.index.v1+json")];
    assert_eq!(
        http(
            reg.port,
            "PUT",
            &format!("/v2/test/img/manifests/{tag}"),
            &ict,
            &ib
        )
        .0,
        201
    );

    let repo = Repository::open(&format!("{}/test/img", reg.host()), &opts(None))
        .unwrap()
        .with_settle(Duration::from_millis(20));
    let first = repo.attach(&subject, &sbom(1)).unwrap();
    assert!(first.added);
    assert_eq!(first.via, ReferrersVia::FallbackTag(tag.clone()));
    let again = repo.attach(&subject, &sbom(1)).unwrap();
    assert_eq!(again.digest, first.digest);
    assert!(!again.added, "re-attaching the same SBOM is a no-op");

    // The index as the spec describes it: an image index under the tag, one descriptor
    // per referrer with its artifactType and the manifest's annotations.
    let idx = tag_index(reg.port, &subject.digest).expect("fallback tag");
    assert_eq!(idx["mediaType"], "application/vnd.oci.image.index.v1+json");
    assert_eq!(idx["schemaVersion"], 2);
    let list = idx["manifests"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{idx}");
    assert_eq!(
        list[0]["digest"],
        fd.as_str(),
        "the other tool's entry stays first"
    );
    assert_eq!(list[1]["digest"], first.digest.as_str());
    assert_eq!(list[1]["artifactType"], "application/vnd.cyclonedx+json");
    assert_eq!(
        list[1]["annotations"]["org.opencontainers.image.created"],
        "2024-05-01T00:00:00Z"
    );
    // The artifact itself: subject, empty config, the SBOM as its layer.
    let (s, body) = http(
        reg.port,
        "GET",
        &format!("/v2/test/img/manifests/{}", first.digest),
        &[("Accept", "application/vnd.oci.image.manifest.v1+json")],
        b"",
    );
    assert_eq!(s, 200);
    assert_eq!(sha(&body), first.digest);
    let m: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(m["subject"]["digest"], subject.digest.as_str());
    assert_eq!(
        m["config"]["mediaType"],
        "application/vnd.oci.empty.v1+json"
    );
    assert_eq!(m["layers"][0]["digest"], sha(&sbom(1).blob).as_str());

    let found = repo.referrers(&subject.digest).unwrap();
    assert_eq!(found.entries.len(), 2);
    let got = repo.fetch_referrer(&first.digest, &subject.digest).unwrap();
    assert_eq!(got.blob, sbom(1).blob);
    // An artifact attached to another manifest is refused.
    let other = format!("sha256:{}", "0".repeat(64));
    let e = repo.fetch_referrer(&first.digest, &other).unwrap_err();
    assert!(e.to_string().contains("not used"), "{e}");
}

#[test]
fn concurrent_attaches_to_the_fallback_tag_all_survive() {
    let reg = Registry::start(None);
    let (_tmp, subject) = image_in(&reg);
    let repo = Repository::open(&format!("{}/test/img", reg.host()), &opts(None))
        .unwrap()
        .with_settle(Duration::from_millis(40));
    let digests: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|n| {
                let (repo, subject) = (repo.clone(), subject.clone());
                s.spawn(move || repo.attach(&subject, &sbom(n)).unwrap().digest)
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let idx = tag_index(reg.port, &subject.digest).unwrap();
    let listed: Vec<&str> = idx["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["digest"].as_str().unwrap())
        .collect();
    for d in &digests {
        assert!(listed.contains(&d.as_str()), "{d} lost: {listed:?}");
    }
    assert_eq!(listed.len(), 6, "{listed:?}");
}

#[test]
fn with_the_referrers_api_no_fallback_tag_is_written() {
    let reg = Registry::start(None);
    let (_tmp, subject) = image_in(&reg);
    let proxy = OciProxy::start(
        reg.port,
        ProxyConfig {
            referrers: true,
            ..ProxyConfig::default()
        },
    );
    let repo = Repository::open(&format!("{}/test/img", proxy.host()), &opts(None)).unwrap();
    let a = repo.attach(&subject, &sbom(1)).unwrap();
    assert_eq!(a.via, ReferrersVia::Api);
    assert!(a.added);
    let b = repo.attach(&subject, &sbom(1)).unwrap();
    assert!(!b.added);
    assert_eq!(b.via, ReferrersVia::Api);
    assert!(
        tag_index(reg.port, &subject.digest).is_none(),
        "no fallback tag"
    );
    let found = repo.referrers(&subject.digest).unwrap();
    assert_eq!(found.via, ReferrersVia::Api);
    assert_eq!(found.entries.len(), 1);
    assert_eq!(found.entries[0].digest, a.digest);
    assert_eq!(
        found.entries[0].artifact_type.as_deref(),
        Some("application/vnd.cyclonedx+json")
    );
    assert_eq!(proxy.count("GET", "/referrers/"), 3);
}

fn push_rights(referrers: bool) {
    let reg = Registry::start_users(&[("writer", "w-secret"), ("reader", "r-secret")]);
    let (_tmp, subject) = image_in(&reg);
    let proxy = OciProxy::start(
        reg.port,
        ProxyConfig {
            referrers,
            read_only_users: vec!["reader".into()],
        },
    );
    let name = format!("{}/test/img", proxy.host());
    let reader = Repository::open(&name, &opts(Some(("reader", "r-secret")))).unwrap();
    let e = reader.attach(&subject, &sbom(1)).unwrap_err().to_string();
    assert!(
        e.contains(&name) && e.contains("push") && e.contains("403"),
        "{e}"
    );
    assert!(!e.contains("r-secret"));
    assert_eq!(e.lines().count(), 1);
    let writer = Repository::open(&name, &opts(Some(("writer", "w-secret"))))
        .unwrap()
        .with_settle(Duration::from_millis(20));
    let a = writer.attach(&subject, &sbom(2)).unwrap();
    assert_eq!(matches!(a.via, ReferrersVia::Api), referrers);
    // Reading needs only pull.
    let found = reader.referrers(&subject.digest).unwrap();
    assert_eq!(found.entries.len(), 1);
    let got = reader.fetch_referrer(&a.digest, &subject.digest).unwrap();
    assert_eq!(got.blob, sbom(2).blob);
    // Wrong password: refused on read too.
    let bad = Repository::open(&name, &opts(Some(("reader", "nope")))).unwrap();
    assert!(bad.referrers(&subject.digest).is_err());
}

#[test]
fn basic_auth_push_and_read_only_rights_on_the_fallback_path() {
    push_rights(false);
}

#[test]
fn basic_auth_push_and_read_only_rights_with_the_referrers_api() {
    push_rights(true);
}
