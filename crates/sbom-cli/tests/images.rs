//! Fixture images (real tar layers written by sbom-testkit) for the shapes issue 2 lists:
//! egg-info as a file, a folder and inside a `.egg`; a deb that owns a dist-info; dpkg
//! packages in deinstall/config-files states; distroless status.d; an Alpine image; a
//! multi-platform layout.
mod common;

use common::*;
use sbom_model::{Ecosystem, RelationshipKind, Sbom};
use sbom_testkit::{Compression, Image, Layer};

fn scan(layout: &std::path::Path, extra: &[&str]) -> Sbom {
    let tmp = tempfile::tempdir().unwrap();
    let out = sbom(&tmp.path().join("cache"))
        .arg("scan")
        .arg(layout)
        .args(["-o", "json"])
        .args(extra)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    sbom_format::read_any(&out).unwrap()
}

fn names(s: &Sbom, eco: Ecosystem) -> Vec<(String, String)> {
    let mut v: Vec<_> = s
        .packages
        .iter()
        .filter(|p| p.ecosystem == eco)
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    v.sort();
    v
}

const DIST: &str = "usr/lib/python3/dist-packages";

#[test]
fn egg_info_file_folder_and_egg_and_a_deb_owned_dist_info() {
    let status = format!(
        "{}{}",
        stanza("python3-yaml", "6.0-3+b2", ""),
        stanza("python3-six", "1.16.0-4", "")
    );
    let layer = Layer::new(Compression::Gzip)
        .file("etc/os-release", OS_RELEASE)
        .file("var/lib/dpkg/status", &status)
        .file(
            "var/lib/dpkg/info/python3-yaml.list",
            format!("/{DIST}/PyYAML-6.0.dist-info\n/{DIST}/PyYAML-6.0.dist-info/METADATA\n"),
        )
        .file(
            &format!("{DIST}/PyYAML-6.0.dist-info/METADATA"),
            metadata("PyYAML", "6.0", "MIT"),
        )
        // egg-info as a single file (old distutils), as a folder, and inside a .egg
        .file(
            &format!("{DIST}/distro_info-1.0.egg-info"),
            metadata("distro-info", "1.0", "ISC"),
        )
        .file(
            &format!("{DIST}/six-1.16.0.egg-info/PKG-INFO"),
            metadata("six", "1.16.0", "MIT"),
        )
        .file(
            "usr/local/lib/python3.11/dist-packages/oldpkg-0.9-py3.11.egg/EGG-INFO/PKG-INFO",
            metadata("oldpkg", "0.9", "BSD-3-Clause"),
        );
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("eggs");
    sbom_testkit::write_oci_layout(&layout, &[(Image::new(vec![layer]), None)]).unwrap();
    let s = scan(&layout, &[]);
    assert_eq!(
        names(&s, Ecosystem::Pypi),
        [
            ("PyYAML".to_string(), "6.0".to_string()),
            ("distro-info".into(), "1.0".into()),
            ("oldpkg".into(), "0.9".into()),
            ("six".into(), "1.16.0".into()),
        ]
    );
    let yaml_deb = s
        .packages
        .iter()
        .find(|p| p.name == "python3-yaml")
        .unwrap();
    let yaml_py = s.packages.iter().find(|p| p.name == "PyYAML").unwrap();
    assert!(
        s.relationships
            .iter()
            .any(|r| r.kind == RelationshipKind::Owns
                && r.from == yaml_deb.id
                && r.to == yaml_py.id),
        "python3-yaml owns PyYAML: {:?}",
        s.relationships
    );
    // --exclude-owned-python drops it.
    let s = scan(&layout, &["--exclude-owned-python"]);
    assert!(!s.packages.iter().any(|p| p.name == "PyYAML"));
}

#[test]
fn deinstalled_and_config_files_debs_are_not_listed_and_distroless_status_d_is() {
    let status = format!(
        "{}Package: gone\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1.0\n\nPackage: half\nStatus: install ok half-installed\nArchitecture: amd64\nVersion: 2.0\n\nPackage: removed\nStatus: deinstall ok not-installed\nArchitecture: amd64\nVersion: 3.0\n\n",
        stanza("bash", "5.2.15-2+b2", "")
    );
    let debian = Layer::new(Compression::Zstd)
        .file("etc/os-release", OS_RELEASE)
        .file("var/lib/dpkg/status", &status);
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("states");
    sbom_testkit::write_oci_layout(&layout, &[(Image::new(vec![debian]), None)]).unwrap();
    assert_eq!(
        names(&scan(&layout, &[]), Ecosystem::Deb),
        [("bash".to_string(), "5.2.15-2+b2".to_string())]
    );

    // distroless: one file per package in status.d, no Status field
    let distroless = Layer::new(Compression::None)
        .file("etc/os-release", OS_RELEASE)
        .file("var/lib/dpkg/status.d/base-files", "Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\nMaintainer: Santiago Vila <sanvila@debian.org>\n")
        .file("var/lib/dpkg/status.d/libc6", "Package: libc6\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\nSource: glibc\n")
        .file("var/lib/dpkg/status.d/libc6.md5sums", "d41d8cd98f00b204e9800998ecf8427e  lib/x86_64-linux-gnu/libc.so.6\n");
    let layout = tmp.path().join("distroless");
    sbom_testkit::write_oci_layout(&layout, &[(Image::new(vec![distroless]), None)]).unwrap();
    assert_eq!(
        names(&scan(&layout, &[]), Ecosystem::Deb),
        [
            ("base-files".to_string(), "12.4+deb12u5".to_string()),
            ("libc6".into(), "2.36-9+deb12u4".into())
        ]
    );
}

#[test]
fn alpine_image_gives_apk_packages_with_alpine_purls() {
    let installed = "C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\no:musl\nL:MIT\nm:Natanael Copa <ncopa@alpinelinux.org>\nU:https://musl.libc.org/\nT:the musl c library\np:so:libc.musl-x86_64.so.1=1\nF:lib\nR:ld-musl-x86_64.so.1\n\nP:busybox\nV:1.36.1-r29\nA:x86_64\no:busybox\nL:GPL-2.0-only\nD:so:libc.musl-x86_64.so.1\nF:bin\nR:busybox\n\n";
    let layer = Layer::new(Compression::Gzip)
        .file("etc/os-release", "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\n")
        .file("lib/apk/db/installed", installed);
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("alpine");
    sbom_testkit::write_oci_layout(&layout, &[(Image::new(vec![layer]), None)]).unwrap();
    let s = scan(&layout, &[]);
    assert_eq!(
        names(&s, Ecosystem::Apk),
        [
            ("busybox".to_string(), "1.36.1-r29".to_string()),
            ("musl".into(), "1.2.5-r0".into())
        ]
    );
    let musl = s.packages.iter().find(|p| p.name == "musl").unwrap();
    assert_eq!(
        musl.purl.as_deref(),
        Some("pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3")
    );
    let busybox = s.packages.iter().find(|p| p.name == "busybox").unwrap();
    assert!(
        s.relationships
            .iter()
            .any(|r| r.kind == RelationshipKind::DependsOn
                && r.from == busybox.id
                && r.to == musl.id),
        "so: dependency resolved to musl"
    );
}

#[test]
fn multi_platform_layout_honours_platform_and_lists_what_exists() {
    let tmp = tempfile::tempdir().unwrap();
    let amd = Image::new(vec![Layer::new(Compression::Gzip)
        .file("etc/os-release", OS_RELEASE)
        .file("var/lib/dpkg/status", stanza("libc6", "2.36-9", ""))]);
    let arm = Image::new(vec![Layer::new(Compression::Gzip)
        .file("etc/os-release", OS_RELEASE)
        .file("var/lib/dpkg/status", stanza("libc6-arm", "2.36-9", ""))])
    .platform("linux", "arm64", Some("v8"));
    let layout = tmp.path().join("multi");
    sbom_testkit::write_oci_layout_nested(&layout, &[amd, arm], "multi").unwrap();
    assert_eq!(names(&scan(&layout, &[]), Ecosystem::Deb)[0].0, "libc6");
    assert_eq!(
        names(
            &scan(&layout, &["--platform", "linux/arm64/v8"]),
            Ecosystem::Deb
        )[0]
        .0,
        "libc6-arm"
    );
    sbom(&tmp.path().join("cache"))
        .arg("scan")
        .arg(&layout)
        .args(["--platform", "linux/s390x"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "available: linux/amd64, linux/arm64/v8",
        ));
}
