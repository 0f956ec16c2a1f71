//! Java end to end, on real jars: Debian's Java packages (commons-lang3, guava, jackson,
//! log4j2, wagon-http-shaded, ...) unpacked with their dpkg status and file lists, a
//! Spring Boot fat jar, a war and an ear built from those jars by Python's zipfile, and
//! hostile archives, all made by scripts/java-fixtures.sh under target/java-fixtures
//! (scripts/test.sh runs it, then these tests with --ignored). Truth: what Python's
//! zipfile reads from every archive through its central directory (truth.json), and the
//! packages' file lists as dpkg-deb lists them. A missing fixture is a failure.
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::*;
use sbom_model::{Ecosystem, Package, RelationshipKind, Sbom};
use sbom_testkit::{Compression, Image, Layer};

fn fixtures() -> PathBuf {
    let d = std::env::var_os("SBOM_JAVA_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/java-fixtures")
        });
    assert!(
        d.join("truth.json").exists(),
        "Java fixtures missing at {} (run scripts/java-fixtures.sh)",
        d.display()
    );
    d
}

struct Scanned {
    sbom: Sbom,
    stderr: String,
    files: Vec<PathBuf>,
    _dir: tempfile::TempDir,
}

/// The image: Debian's packages, the applications, the hostile archives (3 layers).
fn image(fx: &Path) -> Image {
    let rootfs = fx.join("rootfs");
    let os = Layer::new(Compression::Gzip).file("etc/os-release", OS_RELEASE);
    let os = add_tree(os, &rootfs, "var", "");
    let os = add_tree(os, &rootfs, "usr", "");
    let apps = add_tree(Layer::new(Compression::Zstd), &rootfs, "opt", "");
    let hostile = add_tree(Layer::new(Compression::Gzip), fx, "hostile", "opt/");
    Image::new(vec![os, apps, hostile])
}

fn scan(extra: &[&str]) -> Scanned {
    let fx = fixtures();
    let dir = tempfile::tempdir().expect("tempdir");
    let layout = dir.path().join("oci");
    sbom_testkit::write_oci_layout(&layout, &[(image(&fx), Some("java".into()))]).expect("layout");
    let files: Vec<PathBuf> = ["s.json", "s.cdx.json", "s.cdx.xml", "s.spdx.json", "s.spdx"]
        .iter()
        .map(|f| dir.path().join(f))
        .collect();
    let out = sbom(&dir.path().join("cache"))
        .arg("scan")
        .arg(format!("oci-dir:{}:java", layout.display()))
        .arg("-o")
        .arg(format!("json={}", files[0].display()))
        .arg("-o")
        .arg(format!("cyclonedx-json={}", files[1].display()))
        .arg("-o")
        .arg(format!("cyclonedx-xml={}", files[2].display()))
        .arg("-o")
        .arg(format!("spdx-json={}", files[3].display()))
        .arg("-o")
        .arg(format!("spdx-tag-value={}", files[4].display()))
        .args(extra)
        .output()
        .expect("run sbom");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "scan failed: {stderr}");
    let sbom = sbom_format::read_any(&std::fs::read(&files[0]).expect("json")).expect("read");
    Scanned {
        sbom,
        stderr,
        files,
        _dir: dir,
    }
}

#[derive(serde::Deserialize)]
struct Truth {
    archives: Vec<TruthArchive>,
}

#[derive(serde::Deserialize)]
struct TruthArchive {
    location: String,
    poms: Vec<TruthPom>,
    manifest: BTreeMap<String, String>,
}

#[derive(serde::Deserialize)]
struct TruthPom {
    entry: String,
    #[serde(rename = "groupId")]
    group: String,
    #[serde(rename = "artifactId")]
    artifact: String,
    version: String,
}

fn truth() -> Vec<TruthArchive> {
    let t: Truth =
        serde_json::from_slice(&std::fs::read(fixtures().join("truth.json")).expect("truth"))
            .expect("truth.json");
    const JAVA: &[&str] = &[".jar", ".war", ".ear"];
    // Archives the scanner reports: named like Java archives or holding Java metadata.
    t.archives
        .into_iter()
        .filter(|a| {
            JAVA.iter().any(|e| a.location.ends_with(e))
                || !a.poms.is_empty()
                || !a.manifest.is_empty()
        })
        .collect()
}

/// The components of Java archives (Maven ones, and generic ones for archives whose
/// group nothing names), outside the hostile folder.
fn maven(s: &Sbom) -> Vec<&Package> {
    s.packages
        .iter()
        .filter(|p| p.properties.contains_key("sbom:java:identified_by"))
        .filter(|p| {
            !p.metadata_path
                .as_deref()
                .unwrap_or("")
                .starts_with("opt/hostile/")
        })
        .collect()
}

fn at<'a>(s: &'a Sbom, path: &str) -> Vec<&'a Package> {
    s.packages
        .iter()
        .filter(|p| p.metadata_path.as_deref() == Some(path))
        .collect()
}

#[test]
#[ignore = "needs scripts/java-fixtures.sh (target/java-fixtures); scripts/test.sh runs it"]
fn every_archive_and_pom_python_reads_is_a_component_at_its_location() {
    let s = scan(&[]);
    let truth = truth();
    let mut by_pom = 0;
    for a in &truth {
        let here = at(&s.sbom, &a.location);
        assert_eq!(here.len(), 1, "one component at {}", a.location);
        for p in &a.poms {
            by_pom += 1;
            let name = format!("{}:{}", p.group, p.artifact);
            let shaded = format!("{}!/{}", a.location, p.entry);
            let found = s.sbom.packages.iter().any(|c| {
                c.name == name
                    && c.version == p.version
                    && (c.metadata_path.as_deref() == Some(a.location.as_str())
                        || c.metadata_path.as_deref() == Some(shaded.as_str()))
            });
            assert!(found, "{name}@{} in {}", p.version, a.location);
        }
    }
    let ours = maven(&s.sbom);
    let from_poms = ours
        .iter()
        .filter(|p| {
            p.properties
                .get("sbom:java:identified_by")
                .map(String::as_str)
                == Some("pom.properties")
        })
        .count();
    assert_eq!(from_poms, by_pom, "components identified by pom.properties");
    // Every other component is an archive without a pom of its own (jsr305, the war,
    // the ear) or the archive one of its shaded poms stands beside.
    let locations: BTreeSet<&str> = truth.iter().map(|a| a.location.as_str()).collect();
    for p in &ours {
        let m = p.metadata_path.as_deref().unwrap_or("");
        let archive = m.rsplit_once("!/META-INF/").map_or(m, |(a, _)| a);
        assert!(
            locations.contains(archive),
            "{} at {m} is in no archive Python read",
            p.name
        );
    }
    assert!(
        ours.len() >= truth.len(),
        "{} < {}",
        ours.len(),
        truth.len()
    );
    assert!(ours
        .iter()
        .all(|p| matches!(p.ecosystem, Ecosystem::Maven | Ecosystem::Generic)));
    // purls as Maven names them
    let lang3 = at(
        &s.sbom,
        "opt/app/demo-app.jar!/BOOT-INF/lib/commons-lang3-3.12.0.jar",
    );
    assert_eq!(
        lang3[0].purl.as_deref(),
        Some("pkg:maven/org.apache.commons/commons-lang3@3.12.0")
    );
}

#[test]
#[ignore = "needs scripts/java-fixtures.sh (target/java-fixtures); scripts/test.sh runs it"]
fn nested_archives_are_contained_in_their_parent_and_debs_own_their_jars() {
    let s = scan(&[]);
    let id_at = |path: &str| -> String {
        let v = at(&s.sbom, path);
        assert_eq!(v.len(), 1, "{path}");
        v[0].id.clone()
    };
    let contains: BTreeSet<(String, String)> = s
        .sbom
        .relationships
        .iter()
        .filter(|r| r.kind == RelationshipKind::Contains && r.from != sbom_model::Subject::ID)
        .filter(|r| {
            let m = s
                .sbom
                .package(&r.from)
                .and_then(|p| p.metadata_path.as_deref());
            !m.unwrap_or("").starts_with("opt/hostile/")
        })
        .map(|r| (r.from.clone(), r.to.clone()))
        .collect();
    let mut expected = 0;
    for a in truth() {
        if let Some((parent, _)) = a.location.rsplit_once("!/") {
            expected += 1;
            assert!(
                contains.contains(&(id_at(parent), id_at(&a.location))),
                "{parent} contains {}",
                a.location
            );
        }
    }
    // Shaded components (wagon-http-shaded holds commons-codec, httpclient, ...) are
    // contained in the jar they were shaded into.
    let shaded: Vec<&Package> = maven(&s.sbom)
        .into_iter()
        .filter(|p| {
            p.metadata_path
                .as_deref()
                .unwrap_or("")
                .contains("!/META-INF/maven/")
        })
        .collect();
    // wagon-http-shaded's four, in usr/share/java, the fat jar and the ear.
    assert!(shaded.len() >= 3 * 4, "{}", shaded.len());
    for p in &shaded {
        let m = p.metadata_path.as_deref().unwrap_or("");
        let (outer, _) = m.rsplit_once("!/META-INF/").expect("shaded");
        assert!(contains.contains(&(id_at(outer), p.id.clone())), "{m}");
        expected += 1;
    }
    assert_eq!(contains.len(), expected, "no other contains edges");
    // Ownership: every jar the deb lists (as dpkg-deb listed it) is owned by that deb;
    // the applications under opt/ by none.
    let rootfs = fixtures().join("rootfs");
    let owners: BTreeMap<String, String> = s
        .sbom
        .relationships
        .iter()
        .filter(|r| r.kind == RelationshipKind::Owns)
        .map(|r| (r.to.clone(), r.from.clone()))
        .collect();
    let mut owned = 0;
    for list in std::fs::read_dir(rootfs.join("var/lib/dpkg/info")).expect("info") {
        let list = list.expect("entry").path();
        let deb = list
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        for line in std::fs::read_to_string(&list).expect("list").lines() {
            let rel = line.trim_start_matches('/');
            let disk = rootfs.join(rel);
            if !rel.ends_with(".jar") || disk.is_symlink() {
                continue;
            }
            for p in at(&s.sbom, rel) {
                let owner = owners.get(&p.id).and_then(|o| s.sbom.package(o));
                assert_eq!(owner.map(|o| o.name.as_str()), Some(deb.as_str()), "{rel}");
                owned += 1;
            }
        }
    }
    assert!(owned >= 20, "{owned}");
    for p in maven(&s.sbom) {
        if p.metadata_path.as_deref().unwrap_or("").starts_with("opt/") {
            assert!(!owners.contains_key(&p.id), "{} is owned", p.name);
        }
    }
}

#[test]
#[ignore = "needs scripts/java-fixtures.sh (target/java-fixtures); scripts/test.sh runs it"]
fn hostile_archives_are_warnings_naming_image_layer_and_entry_and_the_rest_is_reported() {
    let s = scan(&[]);
    let hostile_layer = s
        .sbom
        .subject
        .layers
        .get(2)
        .and_then(|l| l.digest.clone())
        .expect("layer 2");
    for (entry, what) in [
        ("opt/hostile/bomb.jar!/lib/zeros.jar", "inflates to more than 100 times"),
        ("opt/hostile/deep.jar!/level0.jar!/level1.jar!/level2.jar!/level3.jar!/level4.jar!/level5.jar!/level6.jar!/level7.jar!/level8.jar!/level9.jar!/level10.jar", "nested more than 10 levels deep"),
        ("opt/hostile/dotdot.jar!/../../../../etc/cron.d/evil", "points outside the archive"),
        ("opt/hostile/truncated.jar", "central directory is truncated"),
        ("opt/hostile/garbage.jar", "not a zip header"),
        ("opt/hostile/notazip.jar", "not a zip archive"),
    ] {
        // The walker names the scanned file, the message the entry inside it.
        let line = s
            .stderr
            .lines()
            .find(|l| l.contains(&format!("{entry}: ")) && l.contains(what))
            .unwrap_or_else(|| panic!("no warning {entry}: {what} in\n{}", s.stderr));
        assert!(line.starts_with("warning: oci-dir:"), "{line}");
        assert!(line.contains(&hostile_layer), "{line}");
    }
    // What the hostile archives hold before the damage is still reported.
    for a in ["bomb", "dotdot", "truncated", "garbage"] {
        assert!(
            s.sbom
                .packages
                .iter()
                .any(|p| p.name == format!("org.hostile:{a}")),
            "org.hostile:{a}"
        );
    }
    // And --strict turns the warnings into an error.
    let fx = fixtures();
    let dir = tempfile::tempdir().expect("tempdir");
    sbom_testkit::write_oci_layout(
        &dir.path().join("oci"),
        &[(image(&fx), Some("java".into()))],
    )
    .expect("layout");
    sbom(&dir.path().join("cache"))
        .arg("scan")
        .arg(format!("oci-dir:{}:java", dir.path().join("oci").display()))
        .arg("--strict")
        .assert()
        .failure();
}

#[test]
#[ignore = "needs scripts/java-fixtures.sh (target/java-fixtures); scripts/test.sh runs it"]
fn every_format_of_the_java_image_validates_and_reads_back_the_same() {
    let s = scan(&[]);
    validate(&s.files[1..], &[]);
    let edges = |x: &Sbom| -> BTreeSet<(String, RelationshipKind, String)> {
        let key = |id: &str| {
            x.package(id)
                .map(|p| {
                    format!(
                        "{}@{}@{}",
                        p.name,
                        p.version,
                        p.metadata_path.clone().unwrap_or_default()
                    )
                })
                .unwrap_or_else(|| id.to_string())
        };
        x.relationships
            .iter()
            .map(|r| (key(&r.from), r.kind, key(&r.to)))
            .collect()
    };
    let want = edges(&s.sbom);
    for f in &s.files[1..] {
        let back = sbom_format::read_any(&std::fs::read(f).expect("read")).expect("parse");
        assert_eq!(
            back.packages.len(),
            s.sbom.packages.len(),
            "{}",
            f.display()
        );
        assert_eq!(edges(&back), want, "{}", f.display());
    }
}
