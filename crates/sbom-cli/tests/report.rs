//! `sbom report` on two small releases made from fixture images by a real batch scan
//! (`sbom scan --output-dir`), with a real audit (`sbom audit --format json` over the
//! shared OSV records and a license policy). The truth is the fixtures' own package
//! lists, `sbom diff --format json`'s changes and the audit's JSON; the HTML is checked
//! by the Nu validator (vnu) and in a real browser (Debian's chromium, headless).
mod common;
mod report_common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;
use report_common::*;
use sbom_testkit::{Compression, Image, Layer};

fn base() -> Layer {
    Layer::new(Compression::Gzip)
        .file("etc/os-release", OS_RELEASE)
        .file(
            "var/lib/dpkg/status",
            format!(
                "{}{}{}",
                stanza("base-files", "12.4", ""),
                stanza("libc6", "2.36-9", ""),
                stanza("zlib1g", "1:1.2.13.dfsg-1", "Source: zlib\n"),
            ),
        )
}

fn venv() -> Layer {
    Layer::new(Compression::Zstd).file(
        &format!("{VENV}/oslo.config-9.4.0.dist-info/METADATA"),
        metadata("oslo.config", "9.4.0", "Apache-2.0"),
    )
}

fn service(name: &str, version: &str, license: &str) -> Layer {
    Layer::new(Compression::Gzip).file(
        &format!("{VENV}/{name}-{version}.dist-info/METADATA"),
        metadata(name, version, license),
    )
}

/// The packages each fixture image holds (name, version): the truth for the pages.
fn truth(service_name: &str, version: &str) -> Vec<(String, String)> {
    vec![
        ("base-files".into(), "12.4".into()),
        ("libc6".into(), "2.36-9".into()),
        ("zlib1g".into(), "1:1.2.13.dfsg-1".into()),
        ("oslo.config".into(), "9.4.0".into()),
        (service_name.into(), version.into()),
    ]
}

/// Image name to (service, version, blob sizes).
type Built = BTreeMap<String, (String, String, Vec<u64>)>;

struct Fixture {
    root: PathBuf,
    r1: PathBuf,
    r2: PathBuf,
    audit: PathBuf,
    site: PathBuf,
    /// Image name to (service, version, blob sizes) of r2.
    images: Built,
}

/// One release: OCI layouts named after the service, scanned in one batch.
fn release(
    root: &Path,
    tag: &str,
    images: &[(&str, &str, &str)],
    missing: Option<&str>,
) -> (PathBuf, Built) {
    let mut refs = Vec::new();
    let mut built = BTreeMap::new();
    for (name, version, license) in images {
        let layout = root.join(tag).join(name);
        let b = sbom_testkit::write_oci_layout(
            &layout,
            &[(
                Image::new(vec![base(), venv(), service(name, version, license)]),
                Some(tag.into()),
            )],
        )
        .expect("layout");
        let sizes = b[0].blobs.iter().map(|l| l.bytes.len() as u64).collect();
        built.insert(
            (*name).to_string(),
            ((*name).to_string(), (*version).to_string(), sizes),
        );
        refs.push(format!("oci-dir:{}:{tag}", layout.display()));
    }
    if let Some(m) = missing {
        refs.push(format!(
            "oci-dir:{}:{tag}",
            root.join(tag).join(m).display()
        ));
    }
    let out = root.join(format!("release-{tag}"));
    let a = sbom(&root.join("cache"))
        .args(["scan", "--quiet", "--output-dir"])
        .arg(&out)
        .args(["-o", "cyclonedx-json", "-o", "spdx-json", "-o", "json"])
        .args(&refs)
        .assert();
    // A missing image fails (exit 1) and is recorded in index.json; the others are written.
    a.code(if missing.is_some() { 1 } else { 0 });
    (out, built)
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-fixture");
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("mkdir");
        let (r1, _) = release(
            &root,
            "r1",
            &[
                ("keystone", "25.0.0", "Apache-2.0"),
                ("horizon", "24.0.0", "Apache-2.0"),
                ("glance", "29.0.1", "Apache-2.0"),
            ],
            None,
        );
        let (r2, images) = release(
            &root,
            "r2",
            &[
                ("keystone", "26.0.1", "Apache-2.0"),
                ("skyline", "5.0.1", "AGPL-3.0-only"),
                ("glance", "29.0.1", "Apache-2.0"),
            ],
            Some("nova"),
        );
        let policy = root.join("policy.yml");
        std::fs::write(&policy, "deny: [AGPL-3.0-only]\n").expect("policy");
        let (json, code) = audit_json(
            &root.join("cache"),
            &r2,
            &["--license-policy".as_ref(), policy.as_os_str()],
        );
        // 1: the license policy is broken (on purpose), which is what the report shows.
        assert_eq!(code, Some(1));
        let audit = root.join("audit.json");
        std::fs::write(&audit, &json).expect("write audit");
        let site = root.join("site");
        report(&root, &r2, Some(&r1), Some(&audit), &site);
        Fixture {
            root,
            r1,
            r2,
            audit,
            site,
            images,
        }
    })
}

fn report(root: &Path, release: &Path, previous: Option<&Path>, audit: Option<&Path>, site: &Path) {
    let mut c = sbom(&root.join("cache"));
    c.arg("report").arg(release).arg("--output-dir").arg(site);
    if let Some(p) = previous {
        c.arg("--previous").arg(p);
    }
    if let Some(a) = audit {
        c.arg("--audit").arg(a);
    }
    c.assert().success();
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn audit_of_fixture() -> serde_json::Value {
    serde_json::from_str(&read(&fixture().audit)).expect("audit json")
}

#[test]
fn release_page_lists_every_image_with_counts_digest_platform_os_and_findings() {
    let f = fixture();
    let html = read(&f.site.join("index.html"));
    let index: serde_json::Value =
        serde_json::from_str(&read(&f.r2.join("index.json"))).expect("index");
    let audit = audit_of_fixture();
    let rows = table_rows(&html, "data-filter=\"images\"");
    assert_eq!(rows.len(), 3, "{rows:?}");
    for name in f.images.keys() {
        let row = rows
            .iter()
            .find(|r| r[0] == *name)
            .unwrap_or_else(|| panic!("no row for {name}: {rows:?}"));
        let entry = index["images"]
            .as_array()
            .expect("images")
            .iter()
            .find(|e| {
                e["reference"]
                    .as_str()
                    .is_some_and(|r| r.contains(&format!("/{name}:")))
            })
            .expect("index entry");
        let digest = entry["manifest_digest"].as_str().expect("digest");
        assert!(
            html.contains(&format!("title=\"{digest}\"")),
            "{name}: full digest"
        );
        // Image, tag, digest, platform, OS, deb, pypi, total, C H M L U, licenses, change, files
        assert_eq!(row[1], "r2");
        assert_eq!(row[3], "linux/amd64");
        assert_eq!(row[4], "Debian GNU/Linux 12 (bookworm)");
        assert_eq!(
            (row[5].as_str(), row[6].as_str(), row[7].as_str()),
            ("3", "2", "5"),
            "{row:?}"
        );
        // Findings per severity equal the audit's active findings for this image.
        let label = format!("{name}:r2");
        for (col, sev) in ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]
            .iter()
            .enumerate()
        {
            let want = audit["vulnerabilities"]["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .filter(|x| x["severity"] == *sev && x["ignored"].is_null())
                .filter(|x| {
                    x["sboms"]
                        .as_array()
                        .is_some_and(|s| s.iter().any(|s| *s == label.as_str()))
                })
                .count();
            assert_eq!(row[8 + col], want.to_string(), "{name} {sev}: {row:?}");
        }
        let violations = usize::from(*name == "skyline");
        assert_eq!(row[13], violations.to_string(), "{name}: {row:?}");
        let change = match name.as_str() {
            "keystone" => "1 change",
            "glance" => "unchanged",
            _ => "new image",
        };
        assert_eq!(row[14], change, "{name}");
        assert_eq!(row[15], "CycloneDX JSON, sbom JSON, SPDX JSON", "{name}");
    }
    // The image that failed to scan is listed with its error.
    let failed = table_rows(&html, "Images the batch scan could not read");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0][0].contains("nova") && !failed[0][1].is_empty(),
        "{failed:?}"
    );
    // The charts are inline SVG with their values as text.
    assert!(
        html.contains("<desc id=\"chart-eco-d\">deb: 9, pypi: 6</desc>"),
        "{html}"
    );
    assert!(html.contains(
        "<desc id=\"chart-changes-d\">changed: 1, unchanged: 1, added: 1, removed: 1</desc>"
    ));
}

#[test]
fn image_page_lists_every_package_layer_and_finding_with_fixed_versions() {
    let f = fixture();
    let audit = audit_of_fixture();
    for (name, (service, version, sizes)) in &f.images {
        let html = read(&f.site.join(format!("images/{name}.html")));
        let rows = table_rows(&html, "data-filter=\"packages\"");
        let mut got: Vec<(String, String)> =
            rows.iter().map(|r| (r[0].clone(), r[1].clone())).collect();
        got.sort();
        let mut want = truth(service, version);
        want.sort();
        assert_eq!(got, want, "{name}");
        // Layer that introduced each package: debs in #0, oslo.config #1, the service #2.
        for r in &rows {
            let layer = if r[2] == "deb" {
                "#0"
            } else if r[0] == "oslo.config" {
                "#1"
            } else {
                "#2"
            };
            assert!(r[5].starts_with(layer), "{name}: {r:?}");
        }
        let license = if name == "skyline" {
            "AGPL-3.0-only"
        } else {
            "Apache-2.0"
        };
        assert!(
            rows.iter().any(|r| r[0] == *service && r[3] == license),
            "{rows:?}"
        );
        let zlib = rows.iter().find(|r| r[0] == "zlib1g").expect("zlib1g row");
        assert_eq!(zlib[4], "var/lib/dpkg/status");
        // Layers: the registry-free layout's blob sizes and the config history's build step.
        let layers = table_rows(&html, "Layers bottom first");
        assert_eq!(layers.len(), 3, "{layers:?}");
        for (l, size) in layers.iter().zip(sizes) {
            assert!(
                html.contains(&format!("<data value=\"{size}\">")),
                "{name}: {size}"
            );
            assert_eq!(l[3], "sbom-testkit", "{name}: {l:?}");
        }
        assert_eq!(
            layers.iter().map(|l| l[4].as_str()).collect::<Vec<_>>(),
            ["3", "1", "1"]
        );
        // Every finding of the audit for this image, with its fixed version.
        let label = format!("{name}:r2");
        let findings = table_rows(&html, "Findings of the audit");
        let want: Vec<&serde_json::Value> = audit["vulnerabilities"]["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|x| {
                x["sboms"]
                    .as_array()
                    .is_some_and(|s| s.iter().any(|s| *s == label.as_str()))
            })
            .collect();
        assert!(
            !want.is_empty(),
            "the fixture's zlib1g has known vulnerabilities"
        );
        assert_eq!(findings.len(), want.len(), "{name}: {findings:?}");
        for w in want {
            let id = w["id"].as_str().expect("id");
            let row = findings
                .iter()
                .find(|r| r[0].starts_with(id))
                .unwrap_or_else(|| panic!("{id}"));
            assert_eq!(row[1], w["severity"].as_str().expect("sev"));
            assert_eq!(row[3], w["package"]["name"].as_str().expect("name"));
            assert_eq!(row[4], w["package"]["version"].as_str().expect("version"));
            assert_eq!(
                row[5],
                w["fixed"].as_str().unwrap_or("no fix known"),
                "{id}"
            );
        }
    }
    let sky = read(&f.site.join("images/skyline.html"));
    let v = table_rows(&sky, "Packages whose licenses the policy does not allow");
    assert_eq!(
        v,
        vec![vec!["skyline", "5.0.1", "AGPL-3.0-only", "AGPL-3.0-only"]]
    );
}

#[test]
fn change_page_holds_every_change_sbom_diff_reports() {
    let f = fixture();
    let out = sbom(&f.root.join("cache"))
        .args(["diff", "--format", "json"])
        .arg(&f.r1)
        .arg(&f.r2)
        .output()
        .expect("diff");
    let diff: serde_json::Value = serde_json::from_slice(&out.stdout).expect("diff json");
    let html = read(&f.site.join("changes.html"));
    assert!(
        html.contains(
            "1 image added, 1 image removed, 1 image changed; 0 added, 0 removed, 1 upgraded"
        ),
        "{html}"
    );
    let rollup = table_rows(&html, "Each change once");
    let want = diff["rollup"].as_array().expect("rollup");
    assert_eq!(rollup.len(), want.len());
    for w in want {
        let s = |k: &str| w[k].as_str().unwrap_or("").to_string();
        assert!(
            rollup.iter().any(|r| r[0] == s("kind")
                && r[2] == s("name")
                && r[3] == s("old_version")
                && r[4] == s("new_version")),
            "{w} not in {rollup:?}"
        );
    }
    let per_image = table_rows(&html, "1 change in keystone");
    let detail = format!("in: {VENV}");
    assert_eq!(
        per_image,
        vec![vec![
            "upgraded",
            "pypi",
            "keystone",
            "25.0.0",
            "26.0.1",
            detail.as_str()
        ]]
    );
    let images = table_rows(&html, "Images added or removed");
    assert_eq!(images.len(), 2, "{images:?}");
    assert!(images.iter().any(|r| r[0] == "added" && r[1] == "skyline"));
    assert!(images
        .iter()
        .any(|r| r[0] == "removed" && r[1] == "horizon"));
    assert!(html.contains("Unchanged images (1)"));
}

#[test]
fn package_index_says_which_images_hold_each_version() {
    let f = fixture();
    let html = read(&f.site.join("packages.html"));
    let rows = table_rows(&html, "data-filter=\"index\"");
    let zlib: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "zlib1g").collect();
    assert_eq!(zlib.len(), 1);
    assert_eq!(
        zlib[0][1..],
        ["deb", "1:1.2.13.dfsg-1", "3", "all 3 images"]
    );
    let ks: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "keystone").collect();
    assert_eq!(ks.len(), 1);
    assert_eq!(ks[0][1..], ["pypi", "26.0.1", "1", "keystone"]);
    // One row per (package, version): as many as the fixtures' distinct pairs.
    assert_eq!(rows.len(), 4 + 3, "{rows:?}");
}

#[test]
fn every_sbom_file_is_linked_and_copied_unchanged() {
    let f = fixture();
    let index: serde_json::Value =
        serde_json::from_str(&read(&f.r2.join("index.json"))).expect("index");
    let mut n = 0;
    for e in index["images"].as_array().expect("images") {
        for o in e["outputs"].as_array().into_iter().flatten() {
            let rel = o.as_str().expect("output");
            let copy = f.site.join("sboms").join(rel);
            assert_eq!(
                std::fs::read(&copy).expect("copy"),
                std::fs::read(f.r2.join(rel)).expect("orig")
            );
            let page = read(&f.site.join("index.html"));
            assert!(page.contains(&format!("href=\"sboms/{rel}\"")), "{rel}");
            n += 1;
        }
    }
    assert_eq!(n, 9);
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let f = fixture();
    let again = f.root.join("site-again");
    report(&f.root, &f.r2, Some(&f.r1), Some(&f.audit), &again);
    let a = files_under(&f.site);
    let b = files_under(&again);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, v) in &a {
        assert!(v == &b[k], "{k} differs");
    }
}

#[test]
fn html_and_css_pass_the_nu_validator() {
    let f = fixture();
    vnu(&f.site);
}

#[test]
fn pages_work_in_chromium_by_keyboard_without_console_errors() {
    let f = fixture();
    let mut b = sbom_testkit::browser::Browser::start().expect("chromium");
    // Release page: an image row, the search reached with Tab and typed into.
    open(&mut b, &f.site.join("index.html"));
    assert_eq!(visible_rows(&mut b, "images"), 3);
    assert!(visible_text(&mut b, "table[data-filter=images]").contains("keystone"));
    tab_to_search(&mut b);
    b.type_text("glance").expect("type");
    assert_eq!(visible_rows(&mut b, "images"), 1);
    assert_eq!(count_text(&mut b), "1 of 3 images shown");
    // Image page: a package search narrows the rows.
    open(&mut b, &f.site.join("images/keystone.html"));
    assert_eq!(visible_rows(&mut b, "packages"), 5);
    jump_to_search(&mut b, "Packages");
    b.type_text("zlib").expect("type");
    assert_eq!(visible_rows(&mut b, "packages"), 1);
    assert!(visible_text(&mut b, "table[data-filter=packages]").contains("1:1.2.13.dfsg-1"));
    select(&mut b, "eco", "pypi");
    assert_eq!(visible_rows(&mut b, "packages"), 0);
    // Change page: a change row; the kind filter keeps only removals.
    open(&mut b, &f.site.join("changes.html"));
    assert!(visible_text(&mut b, "main").contains("26.0.1"));
    select(&mut b, "kind", "removed");
    let text = visible_text(&mut b, "main");
    assert!(
        text.contains("horizon") && !text.contains("26.0.1"),
        "{text}"
    );
    // Package index, filtered from the query string as the index's links do.
    let url = format!(
        "{}?q=zlib1g",
        sbom_testkit::browser::file_url(&f.site.join("packages.html"))
    );
    b.open(&url).expect("open");
    assert_eq!(visible_rows(&mut b, "index"), 1);
    assert_eq!(b.errors(), Vec::<String>::new());
}

#[test]
fn a_folder_that_is_not_a_report_is_refused_and_bad_inputs_are_named() {
    let f = fixture();
    let other = f.root.join("not-a-site");
    std::fs::create_dir_all(&other).expect("mkdir");
    std::fs::write(other.join("notes.txt"), "keep me").expect("write");
    let a = sbom(&f.root.join("cache"))
        .arg("report")
        .arg(&f.r2)
        .arg("--output-dir")
        .arg(&other)
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("refusing to replace it"), "{err}");
    assert_eq!(read(&other.join("notes.txt")), "keep me");
    let bad = f.root.join("bad-audit.json");
    std::fs::write(&bad, "{\"vulnerabilities\": 3}").expect("write");
    let a = sbom(&f.root.join("cache"))
        .arg("report")
        .arg(&f.r2)
        .arg("--audit")
        .arg(&bad)
        .arg("--output-dir")
        .arg(f.root.join("site-bad"))
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(
        err.contains("bad-audit.json") && err.contains("sbom audit --format json"),
        "{err}"
    );
    assert!(!f.root.join("site-bad").exists());
}
