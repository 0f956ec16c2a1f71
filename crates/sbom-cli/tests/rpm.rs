//! `sbom scan` of Rocky-like images holding each rpm database format (testdata/rpm,
//! written by rpm itself and Berkeley DB's tools), checked against rpm's own answers
//! (`rpm -qa --qf`, `--whatprovides`) and validated by validate-sbom.
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::*;
use sbom_model::{Ecosystem, RelationshipKind, Sbom};
use sbom_testkit::{Compression, Image, Layer};

const ROCKY: &str = "NAME=\"Rocky Linux\"\nVERSION=\"9.4 (Blue Onyx)\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.4\"\nPLATFORM_ID=\"platform:el9\"\nPRETTY_NAME=\"Rocky Linux 9.4 (Blue Onyx)\"\n";
const META: &str = "usr/lib/python3.9/site-packages/foo-1.2.dist-info/METADATA";

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/rpm")
        .join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(testdata(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn tsv(rel: &str) -> Vec<Vec<String>> {
    String::from_utf8(read(rel))
        .unwrap()
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// A two-layer image: the base with os-release and the database at `db_path`, then a
/// layer adding the Python package's files (as `dnf install python3-foo` would).
fn image(db_path: &str, db: Vec<u8>, symlink_var_lib: bool) -> Image {
    let mut base = Layer::new(Compression::Gzip)
        .file("etc/os-release", ROCKY)
        .file(db_path, db);
    if symlink_var_lib {
        base = base.symlink("var/lib/rpm", "../../usr/lib/sysimage/rpm");
    }
    let py = Layer::new(Compression::Gzip)
        .file(META, "Metadata-Version: 2.1\nName: foo\nVersion: 1.2\n");
    Image::new(vec![base, py])
}

fn label(s: &Sbom, id: &str) -> String {
    let p = s.packages.iter().find(|p| p.id == id).expect("package");
    format!("{}.{}", p.name, p.arch.as_deref().unwrap_or(""))
}

#[test]
fn scan_each_rpm_database_format_matches_rpm_and_validates() {
    let tmp = tempfile::tempdir().unwrap();
    let formats = [
        (
            "sqlite",
            "var/lib/rpm/rpmdb.sqlite",
            "sqlite/rpmdb.sqlite",
            false,
        ),
        (
            "ndb",
            "usr/lib/sysimage/rpm/Packages.db",
            "ndb/Packages.db",
            true,
        ),
        ("bdb", "var/lib/rpm/Packages", "bdb/Packages", false),
    ];
    let mut to_validate = Vec::new();
    for (name, db_path, fixture, link) in formats {
        let layout = tmp.path().join(name);
        sbom_testkit::write_oci_layout(&layout, &[(image(db_path, read(fixture), link), None)])
            .unwrap();
        let cdx = tmp.path().join(format!("{name}.cdx.json"));
        let spdx = tmp.path().join(format!("{name}.spdx.json"));
        let out = sbom(&tmp.path().join("cache"))
            .arg("scan")
            .arg(&layout)
            .args(["-o", "json"])
            .arg("-o")
            .arg(format!("cyclonedx-json={}", cdx.display()))
            .arg("-o")
            .arg(format!("spdx-json={}", spdx.display()))
            .assert()
            .success()
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("warning"), "{name}: {stderr}");
        let s = sbom_format::read_any(&out.stdout).unwrap();
        to_validate.extend([cdx, spdx]);

        // Packages: rpm -qa (with the gpg-pubkey pseudo-package).
        let got: BTreeSet<(String, String, String)> = s
            .packages
            .iter()
            .filter(|p| p.ecosystem == Ecosystem::Rpm)
            .map(|p| {
                (
                    p.name.clone(),
                    p.version.clone(),
                    p.arch.clone().unwrap_or_default(),
                )
            })
            .collect();
        let want: BTreeSet<(String, String, String)> = tsv(&format!("{name}/expected.tsv"))
            .into_iter()
            .map(|r| {
                let arch = if r[2] == "(none)" { "" } else { &r[2] };
                (r[0].clone(), r[1].clone(), arch.to_string())
            })
            .collect();
        assert_eq!(got, want, "{name}");

        // purls: vendor namespace from os-release, the epoch as a qualifier.
        let libs = s
            .packages
            .iter()
            .find(|p| p.name == "hello-libs" && p.arch.as_deref() == Some("i686"))
            .unwrap();
        assert_eq!(
            libs.purl.as_deref(),
            Some("pkg:rpm/rocky/hello-libs@1.0-3.el9?arch=i686&distro=rocky-9.4&epoch=2&upstream=hello")
        );
        // introduced in the base layer, its database file from there too.
        assert_eq!(libs.introduced_in.as_ref().map(|l| l.index), Some(0));

        // Dependencies: rpm --whatprovides for every Requires.
        let got: BTreeSet<(String, String)> = s
            .relationships
            .iter()
            .filter(|r| r.kind == RelationshipKind::DependsOn)
            .filter(|r| s.packages.iter().any(|p| p.id == r.from))
            .map(|r| (label(&s, &r.from), label(&s, &r.to)))
            .collect();
        let want: BTreeSet<(String, String)> = tsv(&format!("{name}/depends.tsv"))
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
        assert_eq!(got, want, "{name}");

        // The rpm owns the Python package it installed.
        let owns: BTreeMap<String, String> = s
            .relationships
            .iter()
            .filter(|r| r.kind == RelationshipKind::Owns)
            .map(|r| (label(&s, &r.from), label(&s, &r.to)))
            .collect();
        assert_eq!(
            owns,
            BTreeMap::from([("python3-foo.noarch".to_string(), "foo.".to_string())]),
            "{name}"
        );
    }
    validate(&to_validate, &[]);
}

#[test]
fn corrupt_rpm_database_warns_naming_image_layer_and_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = read("ndb/Packages.db");
    db[32..36].copy_from_slice(b"Sxxx"); // the first slot's magic
    let layout = tmp.path().join("broken");
    sbom_testkit::write_oci_layout(
        &layout,
        &[(image("var/lib/rpm/Packages.db", db, false), None)],
    )
    .unwrap();
    let out = sbom(&tmp.path().join("cache"))
        .arg("scan")
        .arg(&layout)
        .args(["-o", "json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.contains("slot 2 has a bad magic"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(line.contains("var/lib/rpm/Packages.db"), "{line}");
    assert!(line.contains("sha256:"), "names the layer: {line}");
    assert!(line.contains("broken"), "names the image: {line}");
    let s = sbom_format::read_any(&out.stdout).unwrap();
    let rpms = s
        .packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Rpm)
        .count();
    assert_eq!(rpms, 5, "the other packages are still reported");
    sbom(&tmp.path().join("cache"))
        .args(["scan", "--strict", "-o", "json"])
        .arg(&layout)
        .assert()
        .code(1);
}
