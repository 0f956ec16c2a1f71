//! What a new user trips over (issue 13), each pinned on fixture images written by
//! sbom-testkit and run through the `sbom` binary: single-platform images of another
//! platform, `--platform all`, one set of image options for scan/diff/audit (cache,
//! registry Basic auth), `--supplier`/`--author` and NTIA, the config file, error texts,
//! the table's layer column, and what other scanners' test suites expect.
mod common;

use std::path::{Path, PathBuf};

use common::*;
use sbom_model::{Ecosystem, Sbom};
use sbom_testkit::registry::Registry;
use sbom_testkit::{Compression, Image, Layer};

fn gz() -> Layer {
    Layer::new(Compression::Gzip)
}

fn debian(pkg: &str) -> Layer {
    gz().file("etc/os-release", OS_RELEASE)
        .file("var/lib/dpkg/status", stanza(pkg, "1.0-1", ""))
}

fn arm64(pkg: &str) -> Image {
    Image::new(vec![debian(pkg)]).platform("linux", "arm64", Some("v8"))
}

fn read(bytes: &[u8]) -> Sbom {
    sbom_format::read_any(bytes).expect("an SBOM")
}

fn debs(s: &Sbom) -> Vec<String> {
    let mut v: Vec<String> = s
        .packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Deb)
        .map(|p| p.name.clone())
        .collect();
    v.sort();
    v
}

/// Runs `sbom ARGS` with a private cache; (exit code, stdout, stderr).
fn run(cache: &Path, args: &[&str]) -> (i32, Vec<u8>, String) {
    let out = sbom(cache).args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn regression_a_single_platform_image_of_another_platform_is_scanned_as_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let layout = tmp.path().join("arm-layout");
    sbom_testkit::write_oci_layout(&layout, &[(arm64("libc6-arm"), Some("v1".into()))]).unwrap();
    let archive = tmp.path().join("app-arm64.tar");
    sbom_testkit::write_docker_archive(&archive, &arm64("libc6-arm"), "app:arm64").unwrap();
    let reg = Registry::start(None);
    reg.push(&layout, "v1", "app:arm64", false);
    let remote = format!("{}/app:arm64", reg.host());
    let sources = [
        format!("oci-dir:{}:v1", layout.display()),
        format!("docker-archive:{}", archive.display()),
        remote.clone(),
    ];
    for src in &sources {
        let (code, out, err) = run(&cache, &["scan", src, "-o", "json"]);
        assert_eq!(code, 0, "{src}: {err}");
        let s = read(&out);
        assert_eq!(debs(&s), ["libc6-arm"], "{src}");
        let p = s.subject.platform.as_ref().expect("platform recorded");
        assert_eq!(p.architecture, "arm64", "{src}");
        assert!(
            err.contains("note:") && err.contains("linux/arm64"),
            "{src}: says what it did: {err}"
        );
        // Only an explicit platform that does not match is an error, listing what exists.
        let (code, _, err) = run(&cache, &["scan", src, "--platform", "linux/amd64"]);
        assert_eq!(code, 1, "{src}");
        assert!(err.contains("linux/arm64"), "{src}: {err}");
        assert_eq!(err.lines().count(), 1, "{src}: one line: {err}");
    }
}

#[test]
fn a_multi_platform_index_without_platform_still_picks_linux_amd64() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("multi");
    let amd = Image::new(vec![debian("libc6")]);
    sbom_testkit::write_oci_layout_nested(&layout, &[arm64("libc6-arm"), amd], "m").unwrap();
    let (code, out, err) = run(
        &tmp.path().join("c"),
        &["scan", layout.to_str().unwrap(), "-o", "json"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(debs(&read(&out)), ["libc6"]);
    assert!(!err.contains("note:"), "{err}");
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn platform_all_writes_one_sbom_per_platform_from_a_nested_and_a_flat_index() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    // One base layer shared by both platforms and both layouts: analysed once.
    let base = gz()
        .file("etc/os-release", OS_RELEASE)
        .file("etc/motd", "hi");
    let amd = Image::new(vec![
        base.clone(),
        gz().file("var/lib/dpkg/status", stanza("libc6", "1", "")),
    ]);
    let arm = Image::new(vec![
        base,
        gz().file("var/lib/dpkg/status", stanza("libc6-arm", "1", "")),
    ])
    .platform("linux", "arm64", Some("v8"));
    let nested = tmp.path().join("nested");
    sbom_testkit::write_oci_layout_nested(&nested, &[amd.clone(), arm.clone()], "multi").unwrap();
    let flat = tmp.path().join("flat");
    sbom_testkit::write_oci_layout(&flat, &[(amd, None), (arm, None)]).unwrap();
    let out = tmp.path().join("out");
    let (code, _, err) = run(
        &cache,
        &[
            "scan",
            &format!("oci-dir:{}:multi", nested.display()),
            &format!("oci-dir:{}", flat.display()),
            "--platform",
            "all",
            "--output-dir",
            out.to_str().unwrap(),
            "-q",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let files = files_under(&out);
    assert_eq!(
        files,
        [
            "index.json",
            "local/flat/image@linux-amd64.cdx.json",
            "local/flat/image@linux-arm64-v8.cdx.json",
            "local/nested/multi@linux-amd64.cdx.json",
            "local/nested/multi@linux-arm64-v8.cdx.json",
            "summary.md",
        ]
    );
    for (file, want) in [
        ("local/nested/multi@linux-amd64.cdx.json", "libc6"),
        ("local/nested/multi@linux-arm64-v8.cdx.json", "libc6-arm"),
        ("local/flat/image@linux-arm64-v8.cdx.json", "libc6-arm"),
    ] {
        let s = read(&std::fs::read(out.join(file)).unwrap());
        assert_eq!(debs(&s), [want], "{file}");
    }
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("index.json")).unwrap()).unwrap();
    assert_eq!(index["platform"], "all");
    let platforms: Vec<&str> = index["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["platform"].as_str().unwrap())
        .collect();
    assert_eq!(
        platforms,
        [
            "linux/amd64",
            "linux/arm64/v8",
            "linux/amd64",
            "linux/arm64/v8"
        ]
    );
    // 8 layers in all, 3 distinct, each analysed once: the cache is shared.
    assert_eq!(index["stats"]["layers_total"], 8);
    assert_eq!(index["stats"]["unique_layers"], 3);
    assert_eq!(index["stats"]["layers_analysed"], 3);
    // Progress names each platform; the summary counts images and their platform SBOMs.
    let out2 = tmp.path().join("out2");
    let (code, _, err) = run(
        &cache,
        &[
            "scan",
            &format!("oci-dir:{}:multi", nested.display()),
            "--platform",
            "all",
            "--output-dir",
            out2.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("[linux/arm64/v8]: 1 deb"), "{err}");
    assert!(err.contains("1 image (2 platform SBOMs): 2 ok"), "{err}");
    // A single-output run cannot hold several SBOMs.
    let (code, _, err) = run(
        &cache,
        &["scan", nested.to_str().unwrap(), "--platform", "all"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("--output-dir"), "{err}");
}

fn pushed_pair(reg: &Registry, tmp: &Path) {
    let base = debian("libc6");
    let r1 = Image::new(vec![base.clone(), gz().file("usr/share/x", "1")]);
    let status = format!(
        "{}{}",
        stanza("libc6", "1.0-1", ""),
        stanza("curl", "7.88", "")
    );
    let r2 = Image::new(vec![base, gz().file("var/lib/dpkg/status", status)]);
    for (name, img) in [("r1", r1), ("r2", r2)] {
        let layout = tmp.join(name);
        sbom_testkit::write_oci_layout(&layout, &[(img, Some(name.into()))]).unwrap();
        reg.push(&layout, name, &format!("team/app:{name}"), false);
    }
}

#[test]
fn diff_and_audit_take_the_image_options_cache_and_registry_basic_auth() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = Registry::start(Some(("alice", "s3cret")));
    pushed_pair(&reg, tmp.path());
    let r1 = format!("{}/team/app:r1", reg.host());
    let r2 = format!("{}/team/app:r2", reg.host());
    let cache = tmp.path().join("shared-cache");
    let unused = tmp.path().join("unused");
    // Without credentials: a clear error, exit 2 (diff's error code).
    let (code, _, err) = run(&unused, &["diff", &r1, &r2]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("401") || err.to_lowercase().contains("auth"),
        "{err}"
    );
    // With them, and the nightly job's cache folder.
    let out = sbom(&unused)
        .args(["diff", &r1, &r2, "--cache-dir", cache.to_str().unwrap()])
        .args([
            "--username",
            "alice",
            "--password-stdin",
            "--verify",
            "blobs",
        ])
        .write_stdin("s3cret\n")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("curl"));
    assert!(
        std::fs::read_dir(cache.join("layers")).unwrap().count() >= 3,
        "diff filled the given cache"
    );
    assert!(!unused.exists(), "the default cache was not used");
    // audit reads the same cache: every layer from it, none downloaded.
    let out = sbom(&unused)
        .args([
            "audit",
            &r2,
            "--quality",
            "-v",
            "--cache-dir",
            cache.to_str().unwrap(),
        ])
        .args([
            "--username",
            "alice",
            "--password-stdin",
            "--verify",
            "blobs",
        ])
        .write_stdin("s3cret\n")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code() == Some(0), "{err}");
    assert!(err.contains("2 from cache"), "{err}");
    // Options are checked alike: --platform all needs one image per SBOM.
    let (code, _, err) = run(&unused, &["audit", &r2, "--quality", "--platform", "all"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn regression_supplier_and_author_make_every_format_pass_ntia() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("nolabels");
    let img = Image::new(vec![debian("libc6")]);
    sbom_testkit::write_oci_layout(&layout, &[(img, Some("v1".into()))]).unwrap();
    let src = format!("oci-dir:{}:v1", layout.display());
    let cache = tmp.path().join("c");
    // Without labels or --supplier the image component has no supplier: NTIA fails.
    let bare = tmp.path().join("bare.cdx.json");
    let (code, _, err) = run(
        &cache,
        &[
            "scan",
            &src,
            "-o",
            &format!("cyclonedx-json={}", bare.display()),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v = std::process::Command::new(validator())
        .arg("--ntia")
        .arg(&bare)
        .output()
        .unwrap();
    assert!(!v.status.success(), "NTIA should fail without a supplier");
    // With --supplier and --author, every format we write passes --ntia.
    let formats = [
        ("cyclonedx-json", "a.cdx.json"),
        ("cyclonedx-json@1.5", "b.cdx.json"),
        ("cyclonedx-json@1.7", "c.cdx.json"),
        ("cyclonedx-xml", "d.cdx.xml"),
        ("spdx-json", "e.spdx.json"),
        ("spdx-tag-value", "f.spdx"),
        ("spdx3-json", "g.spdx3.json"),
    ];
    let mut args: Vec<String> = vec![
        "scan".into(),
        src.clone(),
        "--supplier".into(),
        "ACME Platform Team".into(),
        "--author".into(),
        "OSISM release team".into(),
    ];
    let mut files: Vec<PathBuf> = Vec::new();
    for (f, name) in formats {
        let p = tmp.path().join(name);
        args.push("-o".into());
        args.push(format!("{f}={}", p.display()));
        files.push(p);
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = run(&cache, &argv);
    assert_eq!(code, 0, "{err}");
    validate(&files, &["--ntia"]);
    let s = read(&std::fs::read(&files[0]).unwrap());
    assert_eq!(s.subject.supplier.as_deref(), Some("ACME Platform Team"));
    assert_eq!(s.authors, ["OSISM release team"]);
    // A label still wins over --supplier: it is the image's own statement.
    let labelled = tmp.path().join("labelled");
    let img =
        Image::new(vec![debian("libc6")]).label("org.opencontainers.image.vendor", "Vendor Inc");
    sbom_testkit::write_oci_layout(&labelled, &[(img, Some("v1".into()))]).unwrap();
    let (_, out, _) = run(
        &cache,
        &[
            "scan",
            labelled.to_str().unwrap(),
            "--supplier",
            "ACME",
            "-o",
            "json",
        ],
    );
    assert_eq!(read(&out).subject.supplier.as_deref(), Some("Vendor Inc"));
}

fn config_layout(tmp: &Path) -> String {
    let layout = tmp.join("img");
    sbom_testkit::write_oci_layout(
        &layout,
        &[(Image::new(vec![debian("libc6")]), Some("v1".into()))],
    )
    .unwrap();
    format!("oci-dir:{}:v1", layout.display())
}

/// `sbom` run in `cwd` without the test harness's SBOM_CACHE_DIR (it would outrank the
/// config file) and with its own XDG folders.
fn in_dir(cwd: &Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("sbom").unwrap();
    c.current_dir(cwd)
        .env_remove("SBOM_CACHE_DIR")
        .env("XDG_CONFIG_HOME", cwd.join("xdg-config"))
        .env("XDG_CACHE_HOME", cwd.join("xdg-cache"))
        .env("SOURCE_DATE_EPOCH", "1700000000");
    c
}

#[test]
fn config_file_environment_and_command_line_in_that_order() {
    let tmp = tempfile::tempdir().unwrap();
    let src = config_layout(tmp.path());
    let cwd = tmp.path().join("job");
    std::fs::create_dir_all(&cwd).unwrap();
    let cache = tmp.path().join("config-cache");
    std::fs::write(
        cwd.join("sbom.yaml"),
        format!(
            "# the nightly job's defaults\ncache-dir: {}\nverify: blobs\nquiet: true\nscan:\n  output: [json]\n  supplier: From Config\n  author: [Release Team]\n",
            cache.display()
        ),
    )
    .unwrap();
    let supplier = |out: &[u8]| read(out).subject.supplier.clone().unwrap_or_default();
    // The file: output format, supplier, cache folder, verification level.
    let out = in_dir(&cwd).args(["scan", &src]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = read(&out.stdout);
    assert_eq!(s.subject.supplier.as_deref(), Some("From Config"));
    assert_eq!(s.authors, ["Release Team"]);
    assert_eq!(s.subject.verification.as_deref(), Some("blobs"));
    assert!(cache.join("layers").is_dir(), "cache-dir from the file");
    // The environment beats the file...
    let out = in_dir(&cwd)
        .args(["scan", &src])
        .env("SBOM_SUPPLIER", "From Env")
        .env("SBOM_VERIFY", "all")
        .output()
        .unwrap();
    assert_eq!(supplier(&out.stdout), "From Env");
    assert_eq!(
        read(&out.stdout).subject.verification.as_deref(),
        Some("all")
    );
    // ...and the command line beats both (a repeatable option replaces the file's list).
    let out = in_dir(&cwd)
        .args(["scan", &src, "--supplier", "From CLI", "-o", "table"])
        .env("SBOM_SUPPLIER", "From Env")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("NAME"), "table, not json: {text}");
    let out = in_dir(&cwd)
        .args(["scan", &src, "--supplier", "From CLI"])
        .env("SBOM_SUPPLIER", "From Env")
        .output()
        .unwrap();
    assert_eq!(supplier(&out.stdout), "From CLI");
    // Top-level keys apply to every command that has the option: diff reads the file too.
    let out = in_dir(&cwd).args(["diff", &src, &src]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Without ./sbom.yaml: $XDG_CONFIG_HOME/sbom/config.yaml.
    let other = tmp.path().join("elsewhere");
    std::fs::create_dir_all(other.join("xdg-config/sbom")).unwrap();
    std::fs::write(
        other.join("xdg-config/sbom/config.yaml"),
        "scan:\n  supplier: From XDG\n  output: json\n",
    )
    .unwrap();
    let out = in_dir(&other).args(["scan", &src]).output().unwrap();
    assert_eq!(supplier(&out.stdout), "From XDG");
}

#[test]
fn regression_an_unknown_config_key_is_an_error_naming_key_and_file() {
    let tmp = tempfile::tempdir().unwrap();
    let src = config_layout(tmp.path());
    for (text, key) in [
        ("cache_dir: /tmp/x\n", "`cache_dir`"),
        ("diff:\n  supplier: x\n", "`diff.supplier`"),
        ("scann:\n  output: json\n", "`scann`"),
    ] {
        let file = tmp.path().join("bad.yaml");
        std::fs::write(&file, text).unwrap();
        let out = in_dir(tmp.path())
            .args(["scan", &src, "--config", file.to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(key) && err.contains("bad.yaml"),
            "{text}: {err}"
        );
    }
    let out = in_dir(tmp.path())
        .args(["scan", &src, "--config", "missing.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn regression_an_unknown_output_format_is_said_once() {
    let tmp = tempfile::tempdir().unwrap();
    let src = config_layout(tmp.path());
    let (code, _, err) = run(&tmp.path().join("c"), &["scan", &src, "-o", "foo"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.matches("unknown output format").count(), 1, "{err}");
    assert!(err.contains("known:"), "{err}");
}

#[test]
fn regression_a_file_that_is_neither_sbom_nor_archive_is_named_once() {
    // `sbom diff` of such a file said its path three times ("loading OLD `x`: x: x is not
    // a readable tar archive") and quoted the file's bytes with their control characters.
    let tmp = tempfile::tempdir().unwrap();
    // A tar header whose name and checksum field hold escape sequences: the tar reader
    // quotes both in its error.
    let bad = tmp.path().join("bad.tar");
    let mut bytes = vec![0u8; 1024];
    bytes[..9].copy_from_slice(b"\x1b[31mevil");
    bytes[148..156].copy_from_slice(b"\x1b[2Jzzzz");
    std::fs::write(&bad, &bytes).unwrap();
    let src = config_layout(tmp.path());
    let bad = bad.to_str().unwrap();
    let (code, _, err) = run(&tmp.path().join("c"), &["diff", bad, &src]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(err.matches(bad).count(), 1, "{err}");
    assert!(err.contains("loading OLD"), "{err}");
    assert!(
        err.contains("not a number"),
        "the tar reader's message: {err}"
    );
    assert!(!err.chars().any(|c| c.is_control() && c != '\n'), "{err:?}");
}

#[test]
fn regression_the_table_shows_the_layer_that_introduced_a_package() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("t");
    let status1 = stanza("libc6", "2.36-9", "");
    let status2 = format!("{status1}{}", stanza("curl", "7.88", ""));
    let img = Image::new(vec![
        gz().file("etc/os-release", OS_RELEASE)
            .file("var/lib/dpkg/status", &status1)
            .created_by("/bin/sh -c #(nop) ADD file:0123abcd in / "),
        gz().file("var/lib/dpkg/status", &status2)
            .created_by("RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit"),
    ]);
    sbom_testkit::write_oci_layout(&layout, &[(img, Some("v1".into()))]).unwrap();
    let (code, out, err) = run(
        &tmp.path().join("c"),
        &["scan", layout.to_str().unwrap(), "-o", "table"],
    );
    assert_eq!(code, 0, "{err}");
    let text = String::from_utf8(out).unwrap();
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {text}"))
            .to_string()
    };
    // libc6's status entry was last written by layer 1, but layer 0 brought it.
    assert!(
        line("libc6").contains(" 0 ") && line("libc6").contains("ADD file:0123abcd in /"),
        "{text}"
    );
    assert!(
        line("curl").contains(" 1 ") && line("curl").contains("RUN apt-get update && apt-get"),
        "{text}"
    );
    // The layer whose metadata won stays in the lossless JSON.
    let (_, out, _) = run(
        &tmp.path().join("c"),
        &["scan", layout.to_str().unwrap(), "-o", "json"],
    );
    let s = read(&out);
    let libc = s.packages.iter().find(|p| p.name == "libc6").unwrap();
    assert_eq!(libc.layer.as_ref().unwrap().index, 1);
    assert_eq!(libc.introduced_in.as_ref().unwrap().index, 0);
}

#[test]
fn what_other_scanners_test_suites_expect() {
    // A Wolfi-like image: apk database under usr/lib (lib → usr/lib, so the same file
    // is reachable under both names), the interpreter's own egg-info, metadata folders
    // in capitals, an egg-info without a version, and an apk license list.
    let tmp = tempfile::tempdir().unwrap();
    let site = "usr/lib/python3.12/site-packages";
    let apk = "P:wolfi-baselayout\nV:20230201-r7\nA:x86_64\nL:MIT BSD GPL2+\n\nP:python-3.12\nV:3.12.1-r0\nA:x86_64\nL:PSF-2.0\n\n";
    let img = Image::new(vec![gz()
        .file(
            "etc/os-release",
            "ID=wolfi\nNAME=\"Wolfi\"\nVERSION_ID=20230201\n",
        )
        .symlink("lib", "usr/lib")
        .file("usr/lib/apk/db/installed", apk)
        .file(
            "usr/lib/python3.12/lib-dynload/Python-3.12.1.egg-info",
            "Metadata-Version: 2.1\nName: Python\nVersion: 3.12.1\n",
        )
        .file(
            &format!("{site}/Foo-1.0.DIST-INFO/METADATA"),
            metadata("Foo", "1.0", "MIT"),
        )
        .file(
            &format!("{site}/bar.EGG-INFO/PKG-INFO"),
            "Metadata-Version: 1.0\nName: bar\n",
        )]);
    let layout = tmp.path().join("wolfi");
    sbom_testkit::write_oci_layout(&layout, &[(img, Some("v1".into()))]).unwrap();
    let (code, out, err) = run(
        &tmp.path().join("c"),
        &["scan", layout.to_str().unwrap(), "-o", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let s = read(&out);
    let mut found: Vec<(String, String, String)> = s
        .packages
        .iter()
        .map(|p| (p.ecosystem.to_string(), p.name.clone(), p.version.clone()))
        .collect();
    found.sort();
    let t = |e: &str, n: &str, v: &str| (e.to_string(), n.to_string(), v.to_string());
    assert_eq!(
        found,
        [
            t("apk", "python-3.12", "3.12.1-r0"),
            t("apk", "wolfi-baselayout", "20230201-r7"),
            t("pypi", "Foo", "1.0"),
            t("pypi", "bar", ""),
        ]
    );
    let base = s
        .packages
        .iter()
        .find(|p| p.name == "wolfi-baselayout")
        .unwrap();
    let licenses: Vec<&str> = base.licenses.iter().map(|l| l.as_str()).collect();
    assert_eq!(licenses, ["MIT", "BSD", "GPL-2.0-or-later"]);
    assert!(err.contains("bar has no Version field"), "{err}");
}
