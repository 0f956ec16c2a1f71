//! Readers on real output of other tools (syft, trivy) for one small fixture image,
//! committed under `tests/data/` (see `tests/data/README.md` for the commands).
mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sbom_format::{place_layers, read_any};
use sbom_model::{Ecosystem, LayerRef, License, RelationshipKind, Sbom};

const STATUS: &str = "\
Package: base-files
Status: install ok installed
Priority: required
Section: admin
Installed-Size: 341
Maintainer: Santiago Vila <sanvila@debian.org>
Architecture: amd64
Version: 12.4+deb12u5
Description: Debian base system miscellaneous files

Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12985
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries
Homepage: https://www.gnu.org/software/libc/libc.html

Package: python3-yaml
Status: install ok installed
Priority: optional
Section: python
Installed-Size: 700
Maintainer: Debian Python Team <team+python@tracker.debian.org>
Architecture: amd64
Source: pyyaml (6.0-3)
Version: 6.0-3+b2
Depends: libc6 (>= 2.14)
Description: YAML parser and emitter for Python3
Homepage: https://github.com/yaml/pyyaml
";

const LIBC_COPYRIGHT: &str = "\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: glibc

Files: *
Copyright: 1991-2023 Free Software Foundation, Inc.
License: LGPL-2.1+
";

fn metadata(name: &str, version: &str, license: &str, author: &str, requires: &[&str]) -> String {
    let mut s = format!(
        "Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {name} package\nAuthor: {author}\nLicense: {license}\n"
    );
    for r in requires {
        s.push_str(&format!("Requires-Dist: {r}\n"));
    }
    s
}

fn dist_info(
    layer: sbom_testkit::Layer,
    site: &str,
    name: &str,
    version: &str,
    meta: &str,
) -> sbom_testkit::Layer {
    let dir = format!("{site}/{}-{version}.dist-info", name.replace('-', "_"));
    layer
        .file(&format!("{dir}/METADATA"), meta)
        .file(&format!("{dir}/INSTALLER"), "pip\n")
        .file(
            &format!("{dir}/RECORD"),
            format!("{dir}/METADATA,,\n{dir}/INSTALLER,,\n{dir}/RECORD,,\n"),
        )
}

/// The fixture image: Debian 12 with three debs (one owning a dist-info) in layer 0,
/// a venv with two Python packages in layer 1.
pub fn fixture_image() -> sbom_testkit::Image {
    use sbom_testkit::{Compression, Image, Layer};
    let sys = "usr/lib/python3/dist-packages";
    let base = Layer::new(Compression::Gzip)
        .file(
            "etc/os-release",
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n",
        )
        .file("etc/debian_version", "12.8\n")
        .file("var/lib/dpkg/status", STATUS)
        .file("usr/share/doc/libc6/copyright", LIBC_COPYRIGHT)
        .file(
            "var/lib/dpkg/info/python3-yaml.list",
            format!("/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info\n/{sys}/PyYAML-6.0.dist-info/METADATA\n"),
        );
    let base = dist_info(
        base,
        sys,
        "PyYAML",
        "6.0",
        &metadata("PyYAML", "6.0", "MIT", "Kirill Simonov", &[]),
    );
    let venv = "var/lib/kolla/venv/lib/python3.11/site-packages";
    let app = Layer::new(Compression::Gzip);
    let app = dist_info(
        app,
        venv,
        "requests",
        "2.31.0",
        &metadata(
            "requests",
            "2.31.0",
            "Apache 2.0",
            "Kenneth Reitz",
            &["urllib3 (<3,>=1.21.1)"],
        ),
    );
    let app = dist_info(
        app,
        venv,
        "keystone",
        "25.0.0",
        &metadata(
            "keystone",
            "25.0.0",
            "Apache License, Version 2.0",
            "OpenStack",
            &["requests>=2.14.2"],
        ),
    );
    Image::new(vec![base, app])
}

/// Writes the fixture image as an OCI layout to `$FIXTURE_OUT` (run by hand, see
/// tests/data/README.md): `FIXTURE_OUT=/tmp/fixture cargo test -p sbom-format --test foreign -- --ignored`.
#[test]
#[ignore = "generator for tests/data; run by hand"]
fn write_fixture_image() {
    let out = std::env::var_os("FIXTURE_OUT").expect("set FIXTURE_OUT");
    sbom_testkit::write_oci_layout(Path::new(&out), &[(fixture_image(), Some("latest".into()))])
        .expect("write layout");
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn read(name: &str) -> Sbom {
    let bytes = std::fs::read(data(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    read_any(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

type Id = (Ecosystem, String, String);

fn ids(s: &Sbom) -> BTreeSet<Id> {
    s.packages
        .iter()
        .map(|p| (p.ecosystem, p.normalized_name(), p.version.clone()))
        .collect()
}

/// What is in the image (see tests/data/README.md).
fn in_image() -> BTreeSet<Id> {
    [
        (Ecosystem::Deb, "base-files", "12.4+deb12u5"),
        (Ecosystem::Deb, "libc6", "2.36-9+deb12u4"),
        (Ecosystem::Deb, "python3-yaml", "6.0-3+b2"),
        (Ecosystem::Pypi, "pyyaml", "6.0"),
        (Ecosystem::Pypi, "requests", "2.31.0"),
        (Ecosystem::Pypi, "keystone", "25.0.0"),
    ]
    .into_iter()
    .map(|(e, n, v)| (e, n.to_string(), v.to_string()))
    .collect()
}

/// trivy skips Python packages installed by an OS package (PyYAML via python3-yaml).
fn trivy_expected() -> BTreeSet<Id> {
    let mut s = in_image();
    s.remove(&(Ecosystem::Pypi, "pyyaml".into(), "6.0".into()));
    s
}

fn pkg<'a>(s: &'a Sbom, name: &str) -> &'a sbom_model::Package {
    s.packages
        .iter()
        .find(|p| p.normalized_name() == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

/// The image's layers, from the same generator that made the fixture.
fn image_layers() -> Vec<LayerRef> {
    let built = fixture_image().build();
    built
        .blobs
        .iter()
        .enumerate()
        .map(|(i, b)| LayerRef {
            index: u32::try_from(i).expect("few layers"),
            diff_id: b.diff_id.clone(),
            digest: Some(b.digest.clone()),
        })
        .collect()
}

#[test]
fn the_generator_still_makes_the_image_the_tools_saw() {
    let built = fixture_image().build();
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data("syft.cdx.json")).expect("read")).expect("json");
    assert_eq!(
        v["metadata"]["component"]["version"].as_str(),
        Some(built.manifest_digest.as_str()),
        "regenerate tests/data (README.md) after changing fixture_image()"
    );
}

#[test]
fn syft_cyclonedx_1_6_and_1_4_are_read_into_the_image_packages() {
    for name in ["syft.cdx.json", "syft.cdx-1.4.json"] {
        let mut s = read(name);
        assert_eq!(ids(&s), in_image(), "{name}");
        assert!(
            s.tools
                .iter()
                .any(|t| t.name == "syft" && t.version == "1.18.1"),
            "{name}: {:?}",
            s.tools
        );
        assert_eq!(
            s.distro.as_ref().map(|d| d.id.as_str()),
            Some("debian"),
            "{name}"
        );
        let libc = pkg(&s, "libc6");
        assert_eq!(libc.arch.as_deref(), Some("amd64"));
        assert_eq!(
            libc.licenses,
            vec![License::Spdx("LGPL-2.1-or-later".into())]
        );
        // syft read the copyright file first; the package database is the metadata file.
        assert_eq!(libc.metadata_path.as_deref(), Some("var/lib/dpkg/status"));
        // Imprecise license names become SPDX ids.
        assert_eq!(
            pkg(&s, "requests").licenses,
            vec![License::Spdx("Apache-2.0".into())]
        );
        assert_eq!(
            pkg(&s, "keystone").licenses,
            vec![License::Spdx("Apache-2.0".into())]
        );
        assert_eq!(pkg(&s, "keystone").author.as_deref(), Some("OpenStack"));
        assert_eq!(
            pkg(&s, "keystone").metadata_path.as_deref(),
            Some("var/lib/kolla/venv/lib/python3.11/site-packages/keystone-25.0.0.dist-info/METADATA")
        );
        // syft's dependency graph survives.
        let yaml = pkg(&s, "python3-yaml").id.clone();
        let libc_id = libc.id.clone();
        assert!(s
            .relationships
            .iter()
            .any(|r| r.kind == RelationshipKind::DependsOn && r.from == yaml && r.to == libc_id));
        // Layers: syft names the diffID only; placed once the image's layers are known.
        assert!(pkg(&s, "keystone").layer.is_none());
        assert_eq!(place_layers(&mut s, &image_layers()), 6, "{name}");
        assert_eq!(pkg(&s, "keystone").layer.as_ref().map(|l| l.index), Some(1));
        assert_eq!(pkg(&s, "libc6").layer.as_ref().map(|l| l.index), Some(0));
    }
}

#[test]
fn syft_cyclonedx_xml_reads_like_its_json() {
    let xml = read("syft.cdx.xml");
    let json = read("syft.cdx.json");
    assert_eq!(ids(&xml), in_image());
    // Same packages and facts; only the document serial and timestamp differ.
    assert_eq!(xml.packages, json.packages);
    assert_eq!(xml.relationships, json.relationships);
    assert_eq!(xml.distro, json.distro);
}

#[test]
fn syft_and_trivy_tag_value_read_like_their_json() {
    for (tv, json, want) in [
        ("syft.spdx", "syft.spdx.json", in_image()),
        ("trivy.spdx", "trivy.spdx.json", trivy_expected()),
    ] {
        let a = read(tv);
        let b = read(json);
        assert_eq!(ids(&a), want, "{tv}");
        assert_eq!(ids(&a), ids(&b), "{tv}");
        for p in &a.packages {
            let q = pkg(&b, &p.normalized_name());
            assert_eq!(
                (&p.purl, &p.licenses, &p.supplier),
                (&q.purl, &q.licenses, &q.supplier),
                "{tv}: {}",
                p.name
            );
        }
    }
}

#[test]
fn syft_spdx_is_read_into_the_image_packages() {
    let s = read("syft.spdx.json");
    assert_eq!(ids(&s), in_image());
    assert_eq!(s.distro.as_ref().map(|d| d.id.as_str()), Some("debian"));
    // `LicenseRef-Apache-License--Version-2.0` with its extracted text.
    assert_eq!(
        pkg(&s, "keystone").licenses,
        vec![License::Spdx("Apache-2.0".into())]
    );
    assert_eq!(
        pkg(&s, "base-files").supplier.as_deref(),
        Some("Santiago Vila <sanvila@debian.org>")
    );
    assert_eq!(
        s.subject.manifest_digest.as_deref(),
        Some("sha256:d24d2fd3d8303e81259306329882d2f09e951ef2689854ac629ee026be13b82a")
    );
}

#[test]
fn trivy_cyclonedx_is_read_with_suppliers_and_layers() {
    let mut s = read("trivy.cdx.json");
    assert_eq!(ids(&s), trivy_expected());
    assert!(s.tools.iter().any(|t| t.name == "trivy"));
    assert_eq!(
        s.distro
            .as_ref()
            .map(|d| (d.id.as_str(), d.version_id.as_deref())),
        Some(("debian", Some("12.8")))
    );
    let libc = pkg(&s, "libc6");
    assert_eq!(
        libc.supplier.as_deref(),
        Some("GNU Libc Maintainers <debian-glibc@lists.debian.org>")
    );
    assert_eq!(
        pkg(&s, "keystone").metadata_path.as_deref(),
        Some("var/lib/kolla/venv/lib/python3.11/site-packages/keystone-25.0.0.dist-info/METADATA")
    );
    assert_eq!(
        s.subject.config_digest.as_deref(),
        Some("sha256:0874ce3449d5c5952bdaf99abfab1c8446f9437f0c0414bf57f6cdf2aeb5d66c")
    );
    assert_eq!(place_layers(&mut s, &image_layers()), 5);
    let keystone = pkg(&s, "keystone");
    assert_eq!(keystone.layer.as_ref().map(|l| l.index), Some(1));
    assert_eq!(
        keystone.layer.as_ref().and_then(|l| l.digest.as_deref()),
        Some("sha256:d2b0349882e74db39a747fbe94fa7e36e8e9d4df2f0f49af0ef242bb847b8716")
    );
}

/// trivy lists the image's diffIDs sorted by value, not in layer order; reading them
/// as the layer list put keystone (layer 1) in layer 0.
#[test]
fn regression_trivy_sorted_diff_ids_are_not_taken_as_layer_order() {
    let s = read("trivy.cdx.json");
    assert!(s.subject.layers.is_empty());
    assert!(pkg(&s, "keystone").layer.is_none());
    assert_eq!(
        pkg(&s, "keystone")
            .properties
            .get("sbom:layer:diff_id")
            .map(String::as_str),
        Some(image_layers()[1].diff_id.as_str())
    );
}

#[test]
fn trivy_spdx_is_read_with_annotations() {
    let mut s = read("trivy.spdx.json");
    assert_eq!(ids(&s), trivy_expected());
    assert_eq!(
        s.distro
            .as_ref()
            .map(|d| (d.id.as_str(), d.version_id.as_deref())),
        Some(("debian", Some("12.8")))
    );
    assert_eq!(
        pkg(&s, "python3-yaml").supplier.as_deref(),
        Some("Debian Python Team <team+python@tracker.debian.org>")
    );
    assert_eq!(
        pkg(&s, "requests").licenses,
        vec![License::Spdx("Apache-2.0".into())]
    );
    assert_eq!(place_layers(&mut s, &image_layers()), 5);
    assert_eq!(pkg(&s, "requests").layer.as_ref().map(|l| l.index), Some(1));
}

#[test]
fn our_scan_of_the_same_image_is_read_with_owns_and_dependencies() {
    let s = read("sbom.cdx.json");
    assert_eq!(ids(&s), in_image());
    let yaml_deb = pkg(&s, "python3-yaml").id.clone();
    let pyyaml = pkg(&s, "pyyaml").id.clone();
    assert!(s
        .relationships
        .iter()
        .any(|r| r.kind == RelationshipKind::Owns && r.from == yaml_deb && r.to == pyyaml));
    let keystone = pkg(&s, "keystone").id.clone();
    let requests = pkg(&s, "requests").id.clone();
    assert!(s
        .relationships
        .iter()
        .any(|r| r.kind == RelationshipKind::DependsOn && r.from == keystone && r.to == requests));
    // Our own layers need no placing.
    assert_eq!(pkg(&s, "keystone").layer.as_ref().map(|l| l.index), Some(1));
    assert_eq!(s.subject.layers, image_layers());
    // The same packages as syft found, by purl.
    let purls = |s: &Sbom| -> BTreeSet<String> {
        s.packages.iter().filter_map(|p| p.purl.clone()).collect()
    };
    assert_eq!(purls(&s), purls(&read("syft.cdx.json")));
}

#[test]
fn foreign_documents_survive_a_rewrite_in_our_formats() {
    // Read theirs, write ours, read ours: the same packages.
    for name in [
        "syft.cdx.json",
        "syft.spdx.json",
        "trivy.cdx.json",
        "trivy.spdx.json",
        "cdxgen.cdx-1.7.json",
        "cdxgen.spdx3.json",
    ] {
        let s = read(name);
        for f in [
            "cyclonedx-json",
            "cyclonedx-json@1.7",
            "spdx-json",
            "spdx3-json",
            "json",
        ] {
            let bytes = sbom_format::write(&s, &f.parse().expect("format")).expect("writes");
            let back = read_any(&bytes).unwrap_or_else(|e| panic!("{name} -> {f}: {e}"));
            let mut want = s.packages.clone();
            if f == "spdx-json" {
                // SPDX 2 annotations are read back only for names with a `:` (free-text
                // comments hold `=` too): cdxgen's `SrcFile` does not survive.
                for p in &mut want {
                    p.properties.retain(|k, _| k.contains(':'));
                }
            }
            assert_eq!(back.packages, want, "{name} -> {f}");
        }
    }
}

#[test]
fn what_we_write_from_foreign_documents_passes_the_schemas() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    for name in [
        "syft.cdx.json",
        "syft.spdx.json",
        "trivy.cdx.json",
        "trivy.spdx.json",
        "cdxgen.cdx-1.7.json",
        "cdxgen.spdx3.json",
    ] {
        let s = read(name);
        for f in [
            "cyclonedx-json",
            "cyclonedx-json@1.5",
            "cyclonedx-json@1.7",
            "cyclonedx-xml",
            "cyclonedx-xml@1.7",
            "spdx-json",
            "spdx-tag-value",
            "spdx3-json",
        ] {
            let format: sbom_format::Format = f.parse().expect("format");
            let path = dir.path().join(format!(
                "{name}.{}{}",
                f.replace('@', "-"),
                format.file_suffix()
            ));
            std::fs::write(&path, sbom_format::write(&s, &format).expect("writes")).expect("write");
            files.push(path);
        }
    }
    let out = std::process::Command::new(common::validator())
        .args(&files)
        .output()
        .expect("run validate-sbom");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("OK ")).count(),
        files.len(),
        "{stdout}"
    );
}

/// What `npm ls --all --package-lock-only` lists for the cdxgen fixture project
/// (scripts/cdxgen-fixtures.sh): the truth both cdxgen documents are checked against.
fn npm_project() -> BTreeSet<Id> {
    [
        ("@types/node", "20.11.0"),
        ("undici-types", "5.26.5"),
        ("semver", "7.5.4"),
        ("lru-cache", "6.0.0"),
        ("yallist", "4.0.0"),
    ]
    .into_iter()
    .map(|(n, v)| (Ecosystem::Npm, n.to_string(), v.to_string()))
    .collect()
}

fn depends(s: &Sbom) -> BTreeSet<(String, String)> {
    let name = |id: &str| {
        s.packages
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| id.to_string(), |p| p.name.clone())
    };
    s.relationships
        .iter()
        .map(|r| {
            let kind = format!("{:?}", r.kind);
            (format!("{} {kind}", name(&r.from)), name(&r.to))
        })
        .collect()
}

#[test]
fn cdxgen_cyclonedx_1_7_and_spdx3_read_into_the_npm_project() {
    let cdx = read("cdxgen.cdx-1.7.json");
    let spdx3 = read("cdxgen.spdx3.json");
    for (label, s) in [("cdx 1.7", &cdx), ("spdx3", &spdx3)] {
        assert_eq!(ids(s), npm_project(), "{label}");
        // The scoped name is kept whole (CycloneDX group `@types`, SPDX 3 name `node`).
        let node = pkg(s, "@types/node");
        assert_eq!(node.purl.as_deref(), Some("pkg:npm/%40types/node@20.11.0"));
        assert_eq!(s.subject.name, "cdx-fixture", "{label}");
        assert!(
            node.checksums
                .iter()
                .any(|c| c.algorithm == sbom_model::HashAlgorithm::Sha512),
            "{label}"
        );
    }
    // The same dependency graph from both: the root's deps become `contains`.
    assert_eq!(depends(&cdx), depends(&spdx3));
    assert!(depends(&spdx3).contains(&("semver DependsOn".into(), "lru-cache".into())));
    assert!(depends(&spdx3).contains(&("subject Contains".into(), "semver".into())));
    // cdxgen's SPDX 3 carries no licenses; its CycloneDX does.
    assert_eq!(
        pkg(&cdx, "semver").licenses,
        vec![License::Spdx("ISC".into())]
    );
    assert_eq!(cdx.tools[0].name, "cdxgen");
}
