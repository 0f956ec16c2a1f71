//! SBOMs in the registry next to their images (`sbom attach`, `scan --attach`,
//! `sbom sboms`, `--sbom-source`) and the shared layer cache (`--cache-registry`),
//! against a real `docker-registry` on 127.0.0.1 (no referrers API: the spec's fallback
//! tag) and the same registry behind sbom-testkit's proxy that adds the referrers API
//! and read-only accounts. What the registry holds is read back with skopeo, not with
//! our client.
mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use sbom_testkit::oci_proxy::{OciProxy, ProxyConfig};
use sbom_testkit::registry::Registry;
use sbom_testkit::{Compression, Image, Layer};

fn sha(b: &[u8]) -> String {
    use sha2::Digest;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(b)))
}

/// `skopeo inspect --raw` of `host/repo:ref` (with `creds` when given): the bytes served.
fn skopeo_raw(reference: &str, creds: Option<&str>) -> Option<Vec<u8>> {
    let mut cmd = Command::new("skopeo");
    cmd.args(["inspect", "--raw", "--tls-verify=false"]);
    if let Some(c) = creds {
        cmd.arg(format!("--creds={c}"));
    }
    let out = cmd
        .arg(format!("docker://{reference}"))
        .output()
        .expect("skopeo");
    out.status.success().then_some(out.stdout)
}

/// The keystone-like image pushed as `osism/keystone:v1`; its manifest digest as skopeo
/// sees it.
fn pushed(reg: &Registry, dir: &Path) -> String {
    let layout = keystone_layout(dir);
    reg.push(&layout, "v1", "osism/keystone:v1", false);
    let creds = reg.creds.as_ref().map(|(u, p)| format!("{u}:{p}"));
    let raw = skopeo_raw(
        &format!("{}/osism/keystone:v1", reg.host()),
        creds.as_deref(),
    )
    .expect("manifest");
    sha(&raw)
}

/// The fallback tag's index (`sha256-<hex>`) as the registry serves it, if any.
fn fallback_index(host: &str, digest: &str) -> Option<serde_json::Value> {
    let tag = digest.replace(':', "-");
    skopeo_raw(&format!("{host}/osism/keystone:{tag}"), None)
        .map(|b| serde_json::from_slice(&b).expect("index JSON"))
}

fn sboms_json(cache: &Path, reference: &str) -> Vec<serde_json::Value> {
    let out = sbom(cache)
        .args(["sboms", "--format", "json", reference])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice::<Vec<serde_json::Value>>(&out).unwrap()
}

fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

/// `scan --attach` with two formats, then the same files again with `sbom attach`.
fn scan_attach_list_reattach(host: &str, tmp: &Path, digest: &str) -> Vec<serde_json::Value> {
    let cache = tmp.join("cache");
    let reference = format!("{host}/osism/keystone:v1");
    let cdx = tmp.join("k.cdx.json");
    let spdx = tmp.join("k.spdx.json");
    let a = sbom(&cache)
        .args(["scan", "--attach", &reference, "-o"])
        .arg(format!("cyclonedx-json={}", cdx.display()))
        .arg("-o")
        .arg(format!("spdx-json={}", spdx.display()))
        .arg("-o")
        .arg("table")
        .assert()
        .success();
    let err = stderr_of(&a);
    assert_eq!(
        err.matches(&format!("to {host}/osism/keystone@{digest}"))
            .count(),
        2,
        "{err}"
    );
    assert!(err.contains("application/spdx+json"), "{err}");

    let listed = sboms_json(&cache, &reference);
    assert_eq!(listed.len(), 2, "{listed:?}");
    for row in &listed {
        assert_eq!(row["subject"], digest);
        assert!(row["tool"].as_str().unwrap().starts_with("sbom "), "{row}");
        assert_eq!(row["verify"], "all");
        assert_eq!(row["created"], "2023-11-14T22:13:20Z");
    }
    let mut types: Vec<&str> = listed
        .iter()
        .map(|r| r["artifact_type"].as_str().unwrap())
        .collect();
    types.sort_unstable();
    assert_eq!(
        types,
        ["application/spdx+json", "application/vnd.cyclonedx+json"]
    );

    // The artifact's only layer is the file written, byte for byte (read with skopeo).
    let cdx_row = listed
        .iter()
        .find(|r| r["artifact_type"] == "application/vnd.cyclonedx+json")
        .unwrap();
    let m: serde_json::Value = serde_json::from_slice(
        &skopeo_raw(
            &format!(
                "{host}/osism/keystone@{}",
                cdx_row["digest"].as_str().unwrap()
            ),
            None,
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(m["subject"]["digest"], digest);
    assert_eq!(m["artifactType"], "application/vnd.cyclonedx+json");
    assert_eq!(
        m["config"]["mediaType"],
        "application/vnd.oci.empty.v1+json"
    );
    assert_eq!(
        m["layers"][0]["digest"],
        sha(&fs_err::read(&cdx).unwrap()).as_str()
    );

    // Attaching the same files again: no new entry.
    let a = sbom(&cache)
        .arg("attach")
        .arg(&reference)
        .arg(&cdx)
        .arg(&spdx)
        .assert()
        .success();
    let out = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert_eq!(out.matches("already attached").count(), 2, "{out}");
    assert_eq!(sboms_json(&cache, &reference).len(), 2);
    listed
}

#[test]
fn scan_attach_lists_and_reattaches_through_the_fallback_tag() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let digest = pushed(&reg, tmp.path());
    let listed = scan_attach_list_reattach(&reg.host(), tmp.path(), &digest);
    for row in &listed {
        assert_eq!(
            row["found_via"],
            format!("referrers tag {}", digest.replace(':', "-"))
        );
    }
    // The index of the OCI distribution spec 1.1, under sha256-<hex>.
    let idx = fallback_index(&reg.host(), &digest).expect("fallback tag");
    assert_eq!(idx["mediaType"], "application/vnd.oci.image.index.v1+json");
    let entries = idx["manifests"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{idx}");
    for e in entries {
        assert!(listed.iter().any(|r| r["digest"] == e["digest"]), "{e}");
        assert!(e["artifactType"].is_string());
    }
}

#[test]
fn scan_attach_uses_the_referrers_api_when_the_registry_has_it() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let digest = pushed(&reg, tmp.path());
    let proxy = OciProxy::start(
        reg.port,
        ProxyConfig {
            referrers: true,
            ..ProxyConfig::default()
        },
    );
    let listed = scan_attach_list_reattach(&proxy.host(), tmp.path(), &digest);
    for row in &listed {
        assert_eq!(row["found_via"], "referrers API");
    }
    assert!(
        fallback_index(&reg.host(), &digest).is_none(),
        "no fallback tag when the registry has the API"
    );
    assert!(proxy.count("GET", "/referrers/") >= 3);
}

/// A read-only account: the scan writes its files, then fails to attach with one line
/// naming the repository and the missing permission (exit 1); a writer attaches.
fn read_only_and_writer(referrers: bool) {
    let reg = Registry::start_users(&[("writer", "w-secret"), ("reader", "r-secret")]);
    let tmp = tempfile::tempdir().unwrap();
    let digest = pushed(&reg, tmp.path());
    let proxy = OciProxy::start(
        reg.port,
        ProxyConfig {
            referrers,
            read_only_users: vec!["reader".into()],
        },
    );
    let reference = format!("{}/osism/keystone:v1", proxy.host());
    let cache = tmp.path().join("cache");
    let out = tmp.path().join("k.cdx.json");
    let a = sbom(&cache)
        .env("DOCKER_CONFIG", tmp.path().join("no-docker-config"))
        .args([
            "scan",
            "--attach",
            "--username",
            "reader",
            "--password-stdin",
            &reference,
            "-o",
        ])
        .arg(format!("cyclonedx-json={}", out.display()))
        .write_stdin("r-secret\n")
        .assert()
        .code(1);
    let err = stderr_of(&a);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("{}/osism/keystone", proxy.host()))
            && err.contains("push")
            && err.contains("403"),
        "{err}"
    );
    assert!(!err.contains("r-secret"));
    assert!(out.exists(), "the SBOM file is written all the same");
    validate(std::slice::from_ref(&out), &[]);

    let a = sbom(&cache)
        .env("DOCKER_CONFIG", tmp.path().join("no-docker-config"))
        .args([
            "attach",
            "--username",
            "writer",
            "--password-stdin",
            &reference,
        ])
        .arg(&out)
        .write_stdin("w-secret\n")
        .assert()
        .success();
    let said = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(said.starts_with("attached "), "{said}");
    assert!(said.contains(&digest), "{said}");
    // The reader lists it.
    let a = sbom(&cache)
        .env("DOCKER_CONFIG", tmp.path().join("no-docker-config"))
        .args([
            "sboms",
            "--username",
            "reader",
            "--password-stdin",
            &reference,
        ])
        .write_stdin("r-secret\n")
        .assert()
        .success();
    let table = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(
        table.starts_with("PLATFORM") && table.contains("application/vnd.cyclonedx+json"),
        "{table}"
    );
}

#[test]
fn basic_auth_read_only_cannot_attach_writer_can_fallback_path() {
    read_only_and_writer(false);
}

#[test]
fn basic_auth_read_only_cannot_attach_writer_can_referrers_api() {
    read_only_and_writer(true);
}

#[test]
fn attach_refuses_an_sbom_of_another_manifest() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    pushed(&reg, tmp.path());
    let cache = tmp.path().join("cache");
    // An SBOM of the same content from a layout names the layout's manifest, which
    // the registry holds too (skopeo preserved digests); one with a foreign digest
    // must be refused.
    let file = tmp.path().join("other.cdx.json");
    sbom(&cache)
        .args(["scan"])
        .arg(tmp.path().join("layout"))
        .arg("-o")
        .arg(format!("cyclonedx-json={}", file.display()))
        .assert()
        .success();
    let text = fs_err::read_to_string(&file).unwrap();
    let digest = serde_json::from_str::<serde_json::Value>(&text).unwrap()["metadata"]["component"]
        ["version"]
        .as_str()
        .unwrap()
        .to_string();
    let foreign = format!("sha256:{}", "1".repeat(64));
    fs_err::write(&file, text.replace(&digest, &foreign)).unwrap();
    sbom(&cache)
        .args(["attach", &format!("{}/osism/keystone:v1", reg.host())])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicates::str::contains(format!(
            "describes manifest {foreign}"
        )));
    assert!(sboms_json(&cache, &format!("{}/osism/keystone:v1", reg.host())).is_empty());
}

fn gz() -> Layer {
    Layer::new(Compression::Gzip)
}

/// A two-platform image (`test/multi:v1`, a nested index) whose platforms share two
/// base layers, and a third image on the same base (`test/other:v1`).
fn multi_and_other(reg: &Registry, dir: &Path) -> (String, String) {
    let base = gz().file("etc/os-release", OS_RELEASE);
    let apt = gz().file("var/lib/dpkg/status", stanza("libc6", "2.36-9", ""));
    let top = |pkg: &str| {
        gz().file(
            "var/lib/dpkg/status",
            format!(
                "{}{}",
                stanza("libc6", "2.36-9", ""),
                stanza(pkg, "1.0-1", "")
            ),
        )
    };
    let amd = Image::new(vec![base.clone(), apt.clone(), top("curl")]);
    let arm = Image::new(vec![base.clone(), apt.clone(), top("curl-arm")]).platform(
        "linux",
        "arm64",
        Some("v8"),
    );
    let nested = dir.join("nested");
    sbom_testkit::write_oci_layout_nested(&nested, &[amd, arm], "multi").unwrap();
    reg.push(&nested, "multi", "test/multi:v1", true);
    let other = dir.join("other");
    let image = Image::new(vec![base, apt, top("wget")]);
    sbom_testkit::write_oci_layout(&other, &[(image, Some("v1".into()))]).unwrap();
    reg.push(&other, "v1", "test/other:v1", false);
    (
        format!("{}/test/multi:v1", reg.host()),
        format!("{}/test/other:v1", reg.host()),
    )
}

fn index_of(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs_err::read(out.join("index.json")).unwrap()).unwrap()
}

#[test]
fn batch_attach_attaches_each_platforms_sbom_to_its_own_manifest() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let (multi, _) = multi_and_other(&reg, tmp.path());
    let out = tmp.path().join("out");
    let cache = tmp.path().join("cache");
    sbom(&cache)
        .args(["scan", "-q", "--attach", "--platform", "all", &multi])
        .args(["-o", "cyclonedx-json", "-o", "spdx-json", "--output-dir"])
        .arg(&out)
        .assert()
        .success();
    let index = index_of(&out);
    let images = index["images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    // The platform manifests, as skopeo reads the index.
    let top: serde_json::Value =
        serde_json::from_slice(&skopeo_raw(&multi, None).unwrap()).unwrap();
    for m in top["manifests"].as_array().unwrap() {
        let digest = m["digest"].as_str().unwrap();
        let arch = m["platform"]["architecture"].as_str().unwrap();
        let entry = images
            .iter()
            .find(|e| e["platform"].as_str().unwrap().contains(arch))
            .unwrap();
        assert_eq!(entry["attached"].as_array().unwrap().len(), 2, "{entry}");
        let listed = sbom(&cache)
            .args(["sboms", "--format", "json", "--platform"])
            .arg(format!("linux/{arch}"))
            .arg(&multi)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let listed: Vec<serde_json::Value> = serde_json::from_slice(&listed).unwrap();
        assert_eq!(listed.len(), 2, "{listed:?}");
        for row in &listed {
            assert_eq!(row["subject"], digest);
            assert!(entry["attached"]
                .as_array()
                .unwrap()
                .contains(&row["digest"]));
        }
    }
    // Nothing is attached to the index itself.
    let all = sboms_json(&cache, &multi);
    assert_eq!(all.len(), 4);
    assert!(all.iter().all(|r| r["platform"].is_string()), "{all:?}");
}

/// Two CI runners: separate local caches, one shared `--cache-registry`. The second
/// analyses only the layer the first did not have, and its SBOM equals a plain scan.
#[test]
fn two_runners_share_layer_analyses_through_the_cache_registry() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let (multi, other) = multi_and_other(&reg, tmp.path());
    let shared = format!("{}/ci/sbom-cache", reg.host());
    let runner = |name: &str, image: &str| -> serde_json::Value {
        let out = tmp.path().join(name);
        sbom(&tmp.path().join(format!("{name}-cache")))
            .args(["scan", "-q", "--platform", "linux/amd64", image])
            .args(["--cache-registry", &shared, "--output-dir"])
            .arg(&out)
            .assert()
            .success();
        index_of(&out)
    };
    let first = runner("runner-a", &multi);
    assert_eq!(first["stats"]["layers_analysed"], 3);
    assert_eq!(first["stats"]["layers_from_registry"], 0);
    let second = runner("runner-b", &other);
    assert_eq!(
        second["stats"]["layers_analysed"], 1,
        "only its own top layer: {}",
        second["stats"]
    );
    assert_eq!(second["stats"]["layers_cached"], 2);
    assert_eq!(second["stats"]["layers_from_registry"], 2);
    // Its SBOM is the one a scan without any cache gives.
    let file = second["images"][0]["outputs"][0].as_str().unwrap();
    let got: serde_json::Value =
        serde_json::from_slice(&fs_err::read(tmp.path().join("runner-b").join(file)).unwrap())
            .unwrap();
    let plain = sbom(&tmp.path().join("plain-cache"))
        .args(["scan", "--no-cache", &other])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let plain: serde_json::Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(cdx_components(&got), cdx_components(&plain));
    assert!(cdx_components(&got).iter().any(|(n, _)| n == "wget"));
    // The entries sit in the repository as tags named after layer and analysis.
    let tags = Command::new("skopeo")
        .args(["list-tags", "--tls-verify=false"])
        .arg(format!("docker://{shared}"))
        .output()
        .unwrap();
    let tags: serde_json::Value = serde_json::from_slice(&tags.stdout).unwrap();
    let entries = tags["Tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| !t.as_str().unwrap().ends_with(".claim"))
        .count();
    assert_eq!(entries, 4, "one per distinct layer: {tags}");
}

fn diff_summary(a: &assert_cmd::assert::Assert) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    v["summary"].clone()
}

/// `diff`/`audit` take the SBOM attached to the exact manifest (auto, registry), say so,
/// scan when there is none (auto) or when asked (scan), and never use an attached
/// document that describes another manifest.
#[test]
fn diff_and_audit_use_the_attached_sbom_of_the_exact_manifest() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let digest = pushed(&reg, tmp.path());
    let reference = format!("{}/osism/keystone:v1", reg.host());
    let cache = tmp.path().join("cache");
    let scanned = tmp.path().join("k.cdx.json");
    sbom(&cache)
        .args(["scan", &reference, "-o"])
        .arg(format!("cyclonedx-json={}", scanned.display()))
        .assert()
        .success();
    let diff = |source: &str| {
        let mut c = sbom(&cache);
        c.args([
            "diff",
            "--format",
            "json",
            "--sbom-source",
            source,
            &reference,
        ])
        .arg(&scanned);
        c
    };
    // Nothing attached yet: auto scans and says so; registry is an error.
    let a = diff("auto").assert().success();
    assert!(
        stderr_of(&a).contains("no SBOM attached to its manifest: scanning"),
        "{}",
        stderr_of(&a)
    );
    assert_eq!(diff_summary(&a)["upgraded"], 0);
    diff("registry")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no SBOM attached"));

    // Attached: an SBOM of this manifest that says keystone 24.0.0 (edited, so that what
    // diff compares shows where it came from).
    let text = fs_err::read_to_string(&scanned).unwrap();
    assert!(text.contains("\"version\": \"25.0.0\""));
    let old = tmp.path().join("old.cdx.json");
    fs_err::write(
        &old,
        text.replace("\"version\": \"25.0.0\"", "\"version\": \"24.0.0\"")
            .replace("keystone@25.0.0", "keystone@24.0.0"),
    )
    .unwrap();
    sbom(&cache)
        .args(["attach", "-q", &reference])
        .arg(&old)
        .assert()
        .success();
    for source in ["auto", "registry"] {
        let a = diff(source).assert().success();
        let err = stderr_of(&a);
        assert!(
            err.contains(&format!("using the SBOM attached to {digest}"))
                && err.contains("referrers tag"),
            "{err}"
        );
        assert_eq!(diff_summary(&a)["upgraded"], 1, "{source}");
    }
    let a = diff("scan").assert().success();
    assert!(!stderr_of(&a).contains("attached"));
    assert_eq!(diff_summary(&a)["upgraded"], 0);

    let a = sbom(&cache)
        .args([
            "audit",
            "--quality",
            "--sbom-source",
            "registry",
            "--format",
            "json",
            &reference,
        ])
        .assert()
        .success();
    assert!(stderr_of(&a).contains(&format!("using the SBOM attached to {digest}")));
}

/// An artifact filed under the image's manifest whose document names another manifest
/// (pushed here with sbom-registry directly, as a confused tool might) is never used.
#[test]
fn an_attached_sbom_that_describes_another_manifest_is_never_used() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let digest = pushed(&reg, tmp.path());
    let reference = format!("{}/osism/keystone:v1", reg.host());
    let cache = tmp.path().join("cache");
    let scanned = tmp.path().join("k.cdx.json");
    sbom(&cache)
        .args(["scan", &reference, "-o"])
        .arg(format!("cyclonedx-json={}", scanned.display()))
        .assert()
        .success();
    let foreign = format!("sha256:{}", "2".repeat(64));
    let doc = fs_err::read_to_string(&scanned)
        .unwrap()
        .replace(&digest, &foreign);
    let repo = sbom_registry::Repository::open(
        &format!("{}/osism/keystone", reg.host()),
        &sbom_registry::RegistryOptions {
            use_docker_config: false,
            ..Default::default()
        },
    )
    .unwrap();
    let subject = repo.manifest_descriptor(&digest).unwrap().unwrap();
    repo.attach(
        &subject,
        &sbom_registry::Artifact {
            artifact_type: "application/vnd.cyclonedx+json".into(),
            blob: doc.into_bytes(),
            title: None,
            annotations: Default::default(),
        },
    )
    .unwrap();
    let a = sbom(&cache)
        .args(["diff", "--format", "json", &reference])
        .arg(&scanned)
        .assert()
        .success();
    let err = stderr_of(&a);
    assert!(
        err.contains(&format!("describes {foreign}, not {digest}: not used"))
            && err.contains("scanning"),
        "{err}"
    );
    sbom(&cache)
        .args(["diff", "--sbom-source", "registry", &reference])
        .arg(&scanned)
        .assert()
        .code(2);
}

/// The Python of a venv with the `oras` package (scripts/test.sh makes it).
fn oras_python() -> std::path::PathBuf {
    let p = std::env::var_os("SBOM_ORAS_PYTHON").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/oras-venv/bin/python"),
        std::path::PathBuf::from,
    );
    assert!(
        p.exists(),
        "{} missing: run scripts/test.sh, or python3 -m venv target/oras-venv && target/oras-venv/bin/pip install oras==0.2.43",
        p.display()
    );
    p
}

fn oras_interop(args: &[&str]) -> Vec<u8> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/oras-interop.py");
    let out = Command::new(oras_python())
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "oras-interop.py {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// oras (Python, PyPI) reads the fallback tag index `sbom attach` wrote, as the
/// distribution spec 1.1 tells a client without the referrers API to, and pulls each
/// SBOM byte for byte.
#[test]
#[ignore = "needs the oras venv (scripts/test.sh runs it)"]
fn oras_lists_and_pulls_what_sbom_attached() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let digest = pushed(&reg, tmp.path());
    let reference = format!("{}/osism/keystone:v1", reg.host());
    let cdx = tmp.path().join("k.cdx.json");
    let spdx = tmp.path().join("k.spdx.json");
    sbom(&tmp.path().join("cache"))
        .args(["scan", "-q", "--attach", &reference, "-o"])
        .arg(format!("cyclonedx-json={}", cdx.display()))
        .arg("-o")
        .arg(format!("spdx-json={}", spdx.display()))
        .assert()
        .success();
    let pulled = tmp.path().join("pulled");
    let listed = oras_interop(&[
        "list-pull",
        &format!("{}/osism/keystone", reg.host()),
        &digest,
        pulled.to_str().unwrap(),
    ]);
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&listed).unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    for (file, kind) in [
        (&cdx, "application/vnd.cyclonedx+json"),
        (&spdx, "application/spdx+json"),
    ] {
        let e = listed
            .iter()
            .find(|e| e["artifactType"] == kind)
            .unwrap_or_else(|| panic!("{kind} not listed: {listed:?}"));
        assert_eq!(e["subject"], digest);
        let files = e["files"].as_array().unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(
            fs_err::read(files[0].as_str().unwrap()).unwrap(),
            fs_err::read(file).unwrap(),
            "{kind} pulled byte for byte"
        );
    }
}

/// An SBOM another tool attached with oras (through a registry with the referrers API;
/// oras-py writes no fallback tag) is listed by `sbom sboms` and used by `sbom diff`.
#[test]
#[ignore = "needs the oras venv (scripts/test.sh runs it)"]
fn sbom_sboms_finds_what_oras_attached() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let digest = pushed(&reg, tmp.path());
    let proxy = OciProxy::start(
        reg.port,
        ProxyConfig {
            referrers: true,
            ..ProxyConfig::default()
        },
    );
    let reference = format!("{}/osism/keystone:v1", proxy.host());
    let doc = tmp.path().join("other.cdx.json");
    fs_err::write(
        &doc,
        serde_json::to_vec_pretty(&serde_json::json!({
            "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
            "metadata": {"tools": [{"vendor": "CycloneDX", "name": "cdxgen", "version": "10.9.0"}],
                         "component": {"type": "container", "name": "osism/keystone"}},
            "components": [{"type": "library", "name": "keystone", "version": "23.0.0",
                            "purl": "pkg:pypi/keystone@23.0.0"}]
        }))
        .unwrap(),
    )
    .unwrap();
    let pushed = oras_interop(&[
        "push-with-subject",
        &reference,
        doc.to_str().unwrap(),
        "application/vnd.cyclonedx+json",
    ]);
    let artifact = String::from_utf8(pushed).unwrap().trim().to_string();
    assert!(artifact.starts_with("sha256:"), "{artifact}");
    let cache = tmp.path().join("cache");
    let listed = sboms_json(&cache, &reference);
    assert_eq!(listed.len(), 1, "{listed:?}");
    let row = &listed[0];
    assert_eq!(row["digest"], artifact.as_str());
    assert_eq!(row["subject"], digest.as_str());
    assert_eq!(row["artifact_type"], "application/vnd.cyclonedx+json");
    assert_eq!(row["created"], "2024-01-02T03:04:05Z");
    assert_eq!(row["tool"], "cdxgen 10.9.0");
    assert_eq!(row["found_via"], "referrers API");
    // diff takes it (it names no other manifest): keystone 23.0.0 -> 25.0.0.
    let scanned = tmp.path().join("k.cdx.json");
    sbom(&cache)
        .args(["scan", &reference, "-o"])
        .arg(format!("cyclonedx-json={}", scanned.display()))
        .assert()
        .success();
    let a = sbom(&cache)
        .args([
            "diff",
            "--format",
            "json",
            "--sbom-source",
            "registry",
            &reference,
        ])
        .arg(&scanned)
        .assert()
        .success();
    assert!(stderr_of(&a).contains("made by another tool") || stderr_of(&a).contains("cdxgen"));
    let changes: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert!(
        changes.to_string().contains("23.0.0"),
        "the oras-attached SBOM was compared: {changes}"
    );
}

/// A shared entry whose bytes are not a layer index for its layer (a corrupt or foreign
/// upload under the right tag) is a warning; the layer is analysed, the SBOM is right.
#[test]
fn a_corrupt_cache_registry_entry_is_a_warning_and_the_layer_is_analysed() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let (_, other) = multi_and_other(&reg, tmp.path());
    let shared = format!("{}/ci/sbom-cache", reg.host());
    let scan = |cache: &str| {
        let mut c = sbom(&tmp.path().join(cache));
        c.args(["scan", "-v", &other, "--cache-registry", &shared]);
        c
    };
    let first = scan("a").assert().success().get_output().stdout.clone();
    let tags = Command::new("skopeo")
        .args(["list-tags", "--tls-verify=false"])
        .arg(format!("docker://{shared}"))
        .output()
        .unwrap();
    let tags: serde_json::Value = serde_json::from_slice(&tags.stdout).unwrap();
    let tags: Vec<&str> = tags["Tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str().filter(|t| !t.ends_with(".claim")))
        .collect();
    assert_eq!(tags.len(), 3, "{tags:?}");
    // Overwrite one entry: same type and annotations, other bytes.
    let victim = tags[0];
    let m: serde_json::Value =
        serde_json::from_slice(&skopeo_raw(&format!("{shared}:{victim}"), None).unwrap()).unwrap();
    let repo = sbom_registry::Repository::open(
        &shared,
        &sbom_registry::RegistryOptions {
            use_docker_config: false,
            ..Default::default()
        },
    )
    .unwrap();
    let annotations = m["annotations"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("dev.sbom."))
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    repo.put_tagged(
        victim,
        &sbom_registry::Artifact {
            artifact_type: m["artifactType"].as_str().unwrap().into(),
            blob: b"not a layer index".to_vec(),
            title: None,
            annotations,
        },
    )
    .unwrap();
    let a = scan("b").assert().success();
    let err = stderr_of(&a);
    let layer = m["annotations"]["dev.sbom.layer"].as_str().unwrap();
    assert!(
        err.lines()
            .any(|l| l.starts_with("warning: ") && l.contains(&shared) && l.contains(layer)),
        "a warning naming the cache and the layer: {err}"
    );
    assert!(
        err.contains("(2 of them from the registry cache), 1 analysed"),
        "{err}"
    );
    let second = a.get_output().stdout.clone();
    assert_eq!(
        cdx_components(&serde_json::from_slice(&first).unwrap()),
        cdx_components(&serde_json::from_slice(&second).unwrap())
    );
}
