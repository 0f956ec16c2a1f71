//! Java through `sbom scan`, on real artefacts committed under testdata/java (small jars
//! and OpenJDK 17's release file and jrt-fs.jar from Debian 12's packages, with their
//! dpkg status and file lists; scripts/make-java-testdata.sh), plus a Spring Boot fat
//! jar, a war and an ear that Python's zipfile assembles from those jars at test time
//! (scripts/java_fixtures.py). Truth: Python's zipfile reading every archive through its
//! central directory, the release file's own fields, and the packages' file lists.
mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use sbom_model::{Ecosystem, Package, RelationshipKind, Sbom};
use sbom_testkit::{Compression, Image, Layer};

const JDK: &str = "usr/lib/jvm/java-17-openjdk-amd64";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let ft = e.file_type().expect("type");
        let dest = to.join(e.file_name());
        if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(e.path()).expect("link"), &dest)
                .expect("symlink");
        } else if ft.is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).expect("copy");
        }
    }
}

fn python(args: &[&std::ffi::OsStr]) {
    let out = Command::new("python3")
        .arg(repo().join("scripts/java_fixtures.py"))
        .args(args)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "java_fixtures.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Fixture {
    dir: tempfile::TempDir,
    truth: serde_json::Value,
}

impl Fixture {
    fn rootfs(&self) -> PathBuf {
        self.dir.path().join("rootfs")
    }
    fn layout(&self) -> PathBuf {
        self.dir.path().join("oci")
    }
}

/// Debian's packages (layer 0) and the applications built from their jars (layer 1).
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let rootfs = dir.path().join("rootfs");
    copy_tree(&repo().join("testdata/java/rootfs"), &rootfs);
    python(&["assemble".as_ref(), rootfs.as_os_str()]);
    let truth = dir.path().join("truth.json");
    python(&["truth".as_ref(), rootfs.as_os_str(), truth.as_os_str()]);
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&truth).expect("truth")).expect("json");
    let os = Layer::new(Compression::Gzip).file("etc/os-release", OS_RELEASE);
    let os = add_tree(add_tree(os, &rootfs, "var", ""), &rootfs, "usr", "");
    let apps = add_tree(Layer::new(Compression::Gzip), &rootfs, "opt", "");
    let image = Image::new(vec![os, apps]);
    sbom_testkit::write_oci_layout(
        &dir.path().join("oci"),
        &[(image.clone(), Some("j".into()))],
    )
    .expect("layout");
    sbom_testkit::write_docker_archive(&dir.path().join("docker.tar"), &image, "java:test")
        .expect("docker archive");
    Fixture { dir, truth }
}

fn scan(reference: &str, cache: &Path, outputs: &[(&str, &Path)]) -> Sbom {
    let mut cmd = sbom(cache);
    cmd.arg("scan").arg(reference).args(["-o", "json"]);
    for (format, file) in outputs {
        cmd.arg("-o").arg(format!("{format}={}", file.display()));
    }
    let out = cmd.assert().success().get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("warning"), "{stderr}");
    sbom_format::read_any(&out.stdout).expect("our json")
}

fn at<'a>(s: &'a Sbom, path: &str) -> Vec<&'a Package> {
    s.packages
        .iter()
        .filter(|p| p.metadata_path.as_deref() == Some(path))
        .collect()
}

fn one<'a>(s: &'a Sbom, path: &str) -> &'a Package {
    let v = at(s, path);
    assert_eq!(v.len(), 1, "one component at {path}");
    v[0]
}

fn edges(s: &Sbom, kind: RelationshipKind) -> BTreeSet<(String, String)> {
    s.relationships
        .iter()
        .filter(|r| r.kind == kind && r.from != sbom_model::Subject::ID)
        .map(|r| (r.from.clone(), r.to.clone()))
        .collect()
}

#[test]
fn debian_jars_a_fat_jar_a_war_and_an_ear_match_what_python_reads() {
    let fx = fixture();
    let cache = fx.dir.path().join("cache");
    let cdx = fx.dir.path().join("s.cdx.json");
    let spdx = fx.dir.path().join("s.spdx.json");
    let s = scan(
        &format!("oci-dir:{}:j", fx.layout().display()),
        &cache,
        &[("cyclonedx-json", &cdx), ("spdx-json", &spdx)],
    );
    validate(&[cdx, spdx], &[]);
    let mut poms = 0;
    let mut archives = 0;
    let mut with_poms = 0;
    let contains = edges(&s, RelationshipKind::Contains);
    for a in fx.truth["archives"].as_array().expect("archives") {
        let loc = a["location"].as_str().expect("location");
        if loc.starts_with(JDK) {
            // jrt-fs.jar is part of the runtime, reported once as a whole.
            assert!(at(&s, loc).is_empty(), "{loc} reported");
            continue;
        }
        archives += 1;
        let me = one(&s, loc);
        if !a["poms"].as_array().expect("poms").is_empty() {
            with_poms += 1;
        }
        for p in a["poms"].as_array().expect("poms") {
            poms += 1;
            let name = format!(
                "{}:{}",
                p["groupId"].as_str().expect("g"),
                p["artifactId"].as_str().expect("a")
            );
            let version = p["version"].as_str().expect("v");
            let shaded = format!("{loc}!/{}", p["entry"].as_str().expect("entry"));
            let c = s
                .packages
                .iter()
                .find(|c| {
                    c.name == name
                        && c.version == version
                        && matches!(c.metadata_path.as_deref(), Some(m) if m == loc || m == shaded)
                })
                .unwrap_or_else(|| panic!("{name}@{version} at {loc}"));
            if c.id != me.id {
                assert!(
                    contains.contains(&(me.id.clone(), c.id.clone())),
                    "{loc} contains {name}"
                );
            }
        }
        if let Some((parent, _)) = loc.rsplit_once("!/") {
            assert!(
                contains.contains(&(one(&s, parent).id.clone(), me.id.clone())),
                "{parent} contains {loc}"
            );
        }
    }
    let by_pom = s
        .packages
        .iter()
        .filter(|p| {
            p.properties
                .get("sbom:java:identified_by")
                .map(String::as_str)
                == Some("pom.properties")
        })
        .count();
    assert_eq!(by_pom, poms);
    assert!(
        archives >= 19 && poms >= 14,
        "{archives} archives, {poms} poms"
    );
    let java = s
        .packages
        .iter()
        .filter(|p| p.properties.contains_key("sbom:java:identified_by"))
        .count();
    // One component per archive, plus one per pom.properties that is not the archive's
    // own (here each archive with poms has its own: the shaded slf4j-simple in every
    // copy of maven3-slf4j-provider is the rest).
    assert_eq!(java, archives + poms - with_poms);
    // The last resort, marked: jsr305 has no pom and a bare manifest.
    let jsr = one(&s, "usr/share/java/jsr305-0.1~+svn49.jar");
    assert_eq!(
        (jsr.ecosystem, jsr.name.as_str(), jsr.version.as_str()),
        (Ecosystem::Generic, "jsr305", "0.1~+svn49")
    );
    assert_eq!(jsr.properties["sbom:java:identified_by"], "file_name");
    // Layers: Debian's jars came with layer 0, the applications with layer 1.
    let app = one(
        &s,
        "opt/app/demo-app.jar!/BOOT-INF/lib/commons-cli-1.5.0.jar",
    );
    assert_eq!(
        app.purl.as_deref(),
        Some("pkg:maven/commons-cli/commons-cli@1.5.0")
    );
    assert_eq!(app.layer.as_ref().map(|l| l.index), Some(1));
    assert_eq!(app.introduced_in.as_ref().map(|l| l.index), Some(1));
    assert_eq!(
        one(&s, "usr/share/java/commons-cli.jar")
            .layer
            .as_ref()
            .map(|l| l.index),
        Some(0)
    );
}

#[test]
fn the_jdk_is_one_component_owned_by_its_deb_and_jars_by_theirs() {
    let fx = fixture();
    let s = scan(
        &format!("oci-dir:{}:j", fx.layout().display()),
        &fx.dir.path().join("cache"),
        &[],
    );
    // Truth: the release file's own fields.
    let release = std::fs::read_to_string(fx.rootfs().join(JDK).join("release")).expect("release");
    let field = |k: &str| {
        release
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .map(|v| v.trim_matches('"').to_string())
            .expect(k)
    };
    let jdk = one(&s, &format!("{JDK}/release"));
    assert_eq!(jdk.name, "openjdk");
    assert_eq!(jdk.version, field("JAVA_VERSION"));
    assert_eq!(jdk.supplier.as_deref(), Some(field("IMPLEMENTOR").as_str()));
    assert_eq!(
        jdk.purl.as_deref(),
        Some(format!("pkg:generic/openjdk@{}", field("JAVA_VERSION")).as_str())
    );
    assert!(
        s.packages.iter().all(|p| !p
            .metadata_path
            .as_deref()
            .unwrap_or("")
            .starts_with(&format!("{JDK}/lib"))),
        "nothing reported from inside the runtime"
    );
    // Owners from the file lists: every regular file a .list names that is a component.
    let owners: std::collections::BTreeMap<String, String> = edges(&s, RelationshipKind::Owns)
        .into_iter()
        .map(|(from, to)| (to, from))
        .collect();
    let info = fx.rootfs().join("var/lib/dpkg/info");
    let mut owned = 0;
    for list in std::fs::read_dir(&info).expect("info") {
        let list = list.expect("entry").path();
        let stem = list
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let deb = stem.split(':').next().expect("name").to_string();
        for line in std::fs::read_to_string(&list).expect("list").lines() {
            let rel = line.trim_start_matches('/');
            for p in s.packages.iter().filter(|p| {
                p.metadata_path
                    .as_deref()
                    .is_some_and(|m| m == rel || m.starts_with(&format!("{rel}!/")))
            }) {
                let owner = owners.get(&p.id).and_then(|o| s.package(o));
                assert_eq!(
                    owner.map(|o| o.name.as_str()),
                    Some(deb.as_str()),
                    "{}",
                    p.id
                );
                owned += 1;
            }
        }
    }
    // 5 jars, the slf4j-simple shaded into one of them, the JDK.
    assert_eq!(owned, 7);
    // Nothing under opt/ has an owner.
    for p in &s.packages {
        if p.metadata_path.as_deref().unwrap_or("").starts_with("opt/") {
            assert!(!owners.contains_key(&p.id), "{}", p.id);
        }
    }
}

#[test]
fn a_cached_rescan_and_a_docker_archive_give_the_same_sbom() {
    let fx = fixture();
    let cache = fx.dir.path().join("cache");
    let cold = fx.dir.path().join("cold.json");
    let warm = fx.dir.path().join("warm.json");
    let reference = format!("oci-dir:{}:j", fx.layout().display());
    scan(&reference, &cache, &[("json", &cold)]);
    scan(&reference, &cache, &[("json", &warm)]);
    assert_eq!(
        std::fs::read(&cold).expect("cold"),
        std::fs::read(&warm).expect("warm"),
        "a scan from the layer cache is byte-identical"
    );
    let a = sbom_format::read_any(&std::fs::read(&cold).expect("cold")).expect("read");
    let b = scan(
        &format!(
            "docker-archive:{}",
            fx.dir.path().join("docker.tar").display()
        ),
        &fx.dir.path().join("cache2"),
        &[],
    );
    let ids = |s: &Sbom| -> BTreeSet<(String, String, Option<String>)> {
        s.packages
            .iter()
            .map(|p| (p.name.clone(), p.version.clone(), p.metadata_path.clone()))
            .collect()
    };
    assert_eq!(ids(&a), ids(&b));
}
