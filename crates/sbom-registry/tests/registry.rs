//! Against a real `docker-registry` on 127.0.0.1: anonymous pull, Basic auth, multi-arch,
//! zstd layers, missing tags, and a fault-injecting proxy (cut midway, corrupt bytes, 429).
use std::io::Read;

use sbom_image::{ImageSource, LayerContent, Platform};
use sbom_registry::{Credentials, RegistryOptions, RegistrySource};
use sbom_testkit::registry::{fixture_layout, Fault, FaultProxy, Registry};

fn amd64() -> Platform {
    Platform {
        os: "linux".into(),
        architecture: "amd64".into(),
        variant: None,
    }
}

fn fast_opts() -> RegistryOptions {
    RegistryOptions {
        use_docker_config: false,
        base_backoff: std::time::Duration::from_millis(20),
        max_backoff: std::time::Duration::from_secs(2),
        ..RegistryOptions::default()
    }
}

/// Reads every layer to its end and verifies both digests; returns the tar sizes.
fn read_all_layers(src: &RegistrySource) -> Result<Vec<u64>, sbom_image::ImageError> {
    let img = src.resolve(&amd64())?;
    let mut sizes = Vec::new();
    for l in &img.layers {
        match src.open_layer(&img, l)? {
            LayerContent::Tar(mut t) => {
                let mut buf = Vec::new();
                if let Err(e) = t.read_to_end(&mut buf) {
                    return Err(sbom_image::layer_error(&img, l, e));
                }
                let stats = t.finish()?;
                sizes.push(stats.uncompressed_bytes);
            }
            LayerContent::Directory(_) => panic!("registry gives tar layers"),
        }
    }
    Ok(sizes)
}

#[test]
fn anonymous_pull_verifies_every_layer_including_zstd() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let (layout, built) = fixture_layout(tmp.path());
    reg.push(&layout, "v1", "osism/keystone:v1", false);
    let src =
        RegistrySource::new(&format!("{}/osism/keystone:v1", reg.host()), &fast_opts()).unwrap();
    let img = src.resolve(&amd64()).unwrap();
    assert_eq!(img.layers.len(), 3);
    assert_eq!(
        img.manifest_digest.as_deref(),
        Some(built[0].manifest_digest.as_str())
    );
    assert_eq!(
        img.repository.as_deref(),
        Some(format!("{}/osism/keystone", reg.host()).as_str())
    );
    let diff_ids: Vec<_> = img.layers.iter().map(|l| l.diff_id.clone()).collect();
    let want: Vec<_> = built[0].blobs.iter().map(|b| b.diff_id.clone()).collect();
    assert_eq!(diff_ids, want);
    let sizes = read_all_layers(&src).unwrap();
    assert_eq!(sizes.len(), 3);
    assert!(sizes[0] > 400_000);

    // By digest, too.
    let by_digest = format!("{}/osism/keystone@{}", reg.host(), built[0].manifest_digest);
    let src = RegistrySource::new(&by_digest, &fast_opts()).unwrap();
    assert_eq!(read_all_layers(&src).unwrap().len(), 3);
}

#[test]
fn single_platform_image_of_another_arch_is_refused() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let (layout, _) = fixture_layout(tmp.path());
    reg.push(&layout, "v1", "osism/keystone:v1", false);
    let src =
        RegistrySource::new(&format!("{}/osism/keystone:v1", reg.host()), &fast_opts()).unwrap();
    let arm64 = Platform {
        os: "linux".into(),
        architecture: "arm64".into(),
        variant: None,
    };
    let err = src.resolve(&arm64).unwrap_err().to_string();
    assert!(
        err.contains("no linux/arm64 in index; available: linux/amd64"),
        "{err}"
    );
}

#[test]
fn missing_tag_says_manifest_unknown() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let (layout, _) = fixture_layout(tmp.path());
    reg.push(&layout, "v1", "osism/keystone:yoga", false);
    let src = RegistrySource::new(
        &format!("{}/osism/keystone:yogaa", reg.host()),
        &fast_opts(),
    )
    .unwrap();
    let err = src.resolve(&amd64()).unwrap_err().to_string();
    assert!(err.contains("manifest unknown: keystone:yogaa"), "{err}");
}

#[test]
fn basic_auth_right_and_wrong_password() {
    let reg = Registry::start(Some(("alice", "s3cret-pw")));
    let tmp = tempfile::tempdir().unwrap();
    let (layout, _) = fixture_layout(tmp.path());
    reg.push(&layout, "v1", "private/app:v1", false);
    let r = format!("{}/private/app:v1", reg.host());

    let anon = RegistrySource::new(&r, &fast_opts()).unwrap();
    let err = anon.resolve(&amd64()).unwrap_err().to_string();
    assert!(err.contains("401 unauthorized for"), "{err}");
    assert!(err.contains("docker login or pass --username"), "{err}");

    let wrong = RegistryOptions {
        credentials: Some(Credentials::Basic {
            username: "alice".into(),
            password: "wrong-pw".into(),
        }),
        ..fast_opts()
    };
    let err = RegistrySource::new(&r, &wrong)
        .unwrap()
        .resolve(&amd64())
        .unwrap_err()
        .to_string();
    assert!(err.contains("401 unauthorized"), "{err}");
    assert!(!err.contains("wrong-pw"), "credential leaked: {err}");

    let right = RegistryOptions {
        credentials: Some(Credentials::Basic {
            username: "alice".into(),
            password: "s3cret-pw".into(),
        }),
        ..fast_opts()
    };
    let src = RegistrySource::new(&r, &right).unwrap();
    assert_eq!(read_all_layers(&src).unwrap().len(), 3);
}

#[test]
fn docker_config_json_credentials_are_used() {
    let reg = Registry::start(Some(("bob", "pw-from-config")));
    let tmp = tempfile::tempdir().unwrap();
    let (layout, _) = fixture_layout(tmp.path());
    reg.push(&layout, "v1", "private/app:v1", false);
    let cfg = tmp.path().join("docker");
    std::fs::create_dir_all(&cfg).unwrap();
    // base64("bob:pw-from-config")
    let auth = "Ym9iOnB3LWZyb20tY29uZmln";
    std::fs::write(
        cfg.join("config.json"),
        format!(r#"{{"auths":{{"{}":{{"auth":"{auth}"}}}}}}"#, reg.host()),
    )
    .unwrap();
    // DOCKER_CONFIG is read by the credential lookup; this test owns the variable.
    std::env::set_var("DOCKER_CONFIG", &cfg);
    let opts = RegistryOptions {
        use_docker_config: true,
        ..fast_opts()
    };
    let src = RegistrySource::new(&format!("{}/private/app:v1", reg.host()), &opts).unwrap();
    std::env::remove_var("DOCKER_CONFIG");
    assert_eq!(read_all_layers(&src).unwrap().len(), 3);
}

#[test]
fn multi_arch_index_picks_platform_and_lists_available() {
    use sbom_testkit::{Compression, Image, Layer};
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let amd = Image::new(vec![
        Layer::new(Compression::Gzip).file("etc/arch", "amd64\n")
    ]);
    let arm = Image::new(vec![
        Layer::new(Compression::Gzip).file("etc/arch", "arm64\n")
    ])
    .platform("linux", "arm64", Some("v8"));
    let layout = tmp.path().join("multi");
    let built = sbom_testkit::write_oci_layout_nested(&layout, &[amd, arm], "multi").unwrap();
    reg.push(&layout, "multi", "osism/multi:1", true);
    let r = format!("{}/osism/multi:1", reg.host());
    let src = RegistrySource::new(&r, &fast_opts()).unwrap();
    let arm64 = Platform {
        os: "linux".into(),
        architecture: "arm64".into(),
        variant: None,
    };
    let img = src.resolve(&arm64).unwrap();
    assert_eq!(
        img.manifest_digest.as_deref(),
        Some(built[1].manifest_digest.as_str())
    );
    let img = src.resolve(&amd64()).unwrap();
    assert_eq!(
        img.manifest_digest.as_deref(),
        Some(built[0].manifest_digest.as_str())
    );
    let s390 = Platform {
        os: "linux".into(),
        architecture: "s390x".into(),
        variant: None,
    };
    let err = src.resolve(&s390).unwrap_err().to_string();
    assert!(
        err.contains("no linux/s390x in index; available: linux/amd64, linux/arm64/v8"),
        "{err}"
    );
}

#[test]
fn download_cut_midway_is_resumed() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let (layout, built) = fixture_layout(tmp.path());
    reg.push(&layout, "v1", "osism/keystone:v1", false);
    let big = built[0].blobs[0].digest.clone();
    let half = built[0].blobs[0].bytes.len() / 2;
    assert!(half > 10_000, "the blob is big enough to cut: {half}");
    let proxy = FaultProxy::start(reg.port, &big, Fault::CutAfter(half));
    let src = RegistrySource::new(
        &format!("127.0.0.1:{}/osism/keystone:v1", proxy.port),
        &fast_opts(),
    )
    .unwrap();
    let sizes = read_all_layers(&src).unwrap();
    assert_eq!(sizes.len(), 3);
    assert_eq!(
        proxy.faults_done.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the cut happened"
    );
}

#[test]
fn corrupted_bytes_give_a_digest_error_naming_the_layer() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let (layout, built) = fixture_layout(tmp.path());
    reg.push(&layout, "v1", "osism/keystone:v1", false);
    let big = built[0].blobs[0].digest.clone();
    let at = built[0].blobs[0].bytes.len() / 2;
    let proxy = FaultProxy::start(reg.port, &big, Fault::Corrupt(at));
    let src = RegistrySource::new(
        &format!("127.0.0.1:{}/osism/keystone:v1", proxy.port),
        &fast_opts(),
    )
    .unwrap();
    let err = read_all_layers(&src).unwrap_err().to_string();
    assert!(err.contains(&big), "names the layer digest: {err}");
}

#[test]
fn too_many_requests_is_retried() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let (layout, built) = fixture_layout(tmp.path());
    reg.push(&layout, "v1", "osism/keystone:v1", false);
    let big = built[0].blobs[0].digest.clone();
    let proxy = FaultProxy::start(reg.port, &big, Fault::TooManyRequests);
    let src = RegistrySource::new(
        &format!("127.0.0.1:{}/osism/keystone:v1", proxy.port),
        &fast_opts(),
    )
    .unwrap();
    assert_eq!(read_all_layers(&src).unwrap().len(), 3);
    assert_eq!(
        proxy.faults_done.load(std::sync::atomic::Ordering::SeqCst),
        1
    );
}
