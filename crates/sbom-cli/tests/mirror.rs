//! `sbom mirror` end to end, with the real mirror tools: Debian's aptly mirrors a real
//! local repository (.debs from testdata/mirror, indexed by apt-ftparchive, served on
//! 127.0.0.1) through our filter; apt-get downloads our list; pip downloads our
//! requirements from a folder of real wheels; skopeo sync copies our YAML's images from
//! one docker-registry to another. Truth comes from the tools (`dpkg-deb -f`, aptly's
//! package list, what landed in the second registry), never from our own parsers.
mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use sbom_testkit::http::FileServer;
use sbom_testkit::{Compression, Image, Layer};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/mirror")
}

fn deb_file(name: &str) -> PathBuf {
    let dir = testdata().join("debs");
    std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|f| f.to_str())
                .is_some_and(|f| f.starts_with(&format!("{name}_")))
        })
        .unwrap_or_else(|| panic!("{name} in {} (scripts/mirror-testdata.sh)", dir.display()))
}

/// A package's control fields as dpkg-deb reads them from the .deb.
fn control(name: &str) -> String {
    let out = Command::new("dpkg-deb")
        .arg("-f")
        .arg(deb_file(name))
        .output()
        .expect("dpkg-deb");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn field(control: &str, f: &str) -> String {
    control
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{f}: ")))
        .unwrap_or_else(|| panic!("no {f}"))
        .to_string()
}

/// A dpkg status stanza: the real control fields plus an installed Status.
fn installed(control: &str) -> String {
    format!(
        "{}Status: install ok installed\n\n",
        control.trim_end().to_string() + "\n"
    )
}

/// An OCI layout at `dir/NAME` with a Debian 12 dpkg status of these stanzas.
fn image_with(dir: &Path, name: &str, stanzas: &[String]) -> PathBuf {
    let layer = Layer::new(Compression::Gzip)
        .file("etc/os-release", OS_RELEASE)
        .file("var/lib/dpkg/status", stanzas.concat());
    let layout = dir.join(name);
    sbom_testkit::write_oci_layout(&layout, &[(Image::new(vec![layer]), Some("r1".into()))])
        .unwrap();
    layout
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A Debian repository of these .debs: pool/, dists/bookworm/main/binary-amd64/Packages
/// (plain and .gz) and a Release, all made by apt-ftparchive.
fn repository(dir: &Path, debs: &[&str]) -> PathBuf {
    let repo = dir.join("repo");
    std::fs::create_dir_all(repo.join("pool/main")).unwrap();
    let bin = repo.join("dists/bookworm/main/binary-amd64");
    std::fs::create_dir_all(&bin).unwrap();
    for d in debs {
        let f = deb_file(d);
        std::fs::copy(&f, repo.join("pool/main").join(f.file_name().unwrap())).unwrap();
    }
    let packages = run(Command::new("apt-ftparchive")
        .arg("packages")
        .arg("pool")
        .current_dir(&repo));
    std::fs::write(bin.join("Packages"), &packages).unwrap();
    run(Command::new("gzip")
        .args(["-9kn"])
        .arg(bin.join("Packages")));
    let release = run(Command::new("apt-ftparchive")
        .args([
            "-o",
            "APT::FTPArchive::Release::Suite=stable",
            "-o",
            "APT::FTPArchive::Release::Codename=bookworm",
            "-o",
            "APT::FTPArchive::Release::Components=main",
            "-o",
            "APT::FTPArchive::Release::Architectures=amd64",
            "release",
            ".",
        ])
        .current_dir(repo.join("dists/bookworm")));
    std::fs::write(repo.join("dists/bookworm/Release"), release).unwrap();
    repo
}

/// `name_version_arch` of every package of an aptly mirror, as aptly lists them.
fn aptly_packages(conf: &Path, mirror: &str) -> BTreeSet<String> {
    let out = run(Command::new("aptly")
        .arg(format!("-config={}", conf.display()))
        .args(["mirror", "show", "-with-packages", mirror]));
    out.split_once("Packages:")
        .map(|(_, l)| l)
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Debian: the aptly filter mirrors exactly what the SBOMs name, apt-get downloads the
/// list, and --check reports the planted missing and superfluous packages.
#[test]
fn aptly_mirrors_exactly_the_release_and_check_finds_planted_gaps() {
    let tmp = tempfile::tempdir().unwrap();
    // Two images; the release needs what they hold. Two needs are planted that the
    // repository lacks: libbz2-1.0 (not in it at all) and libattr1 at -3 (it has -4).
    let libattr_old = control("libattr1").replace("Version: 1:2.5.1-4", "Version: 1:2.5.1-3");
    let libbz2 = "Package: libbz2-1.0\nSource: bzip2 (1.0.8-5)\nVersion: 1.0.8-5+b1\nArchitecture: amd64\nMaintainer: x <x@example.org>\nDescription: planted\n".to_string();
    let keystone = image_with(
        tmp.path(),
        "keystone",
        &[
            installed(&control("libcap-ng0")),
            installed(&libattr_old),
            installed(&control("lsb-base")),
            installed(&control("netbase")),
            installed(&control("libacl1")),
        ],
    );
    let nova = image_with(
        tmp.path(),
        "nova",
        &[
            installed(&control("libaudit-common")),
            installed(&control("libxxhash0")),
            installed(&libbz2),
            installed(&control("netbase")),
        ],
    );
    let cache = tmp.path().join("cache");
    let list = tmp.path().join("images.txt");
    std::fs::write(
        &list,
        format!(
            "oci-dir:{}:r1\noci-dir:{}:r1\n",
            keystone.display(),
            nova.display()
        ),
    )
    .unwrap();
    let rel = tmp.path().join("release");
    sbom(&cache)
        .args(["scan", "--quiet", "--images"])
        .arg(&list)
        .arg("--output-dir")
        .arg(&rel)
        .assert()
        .success();
    let out = tmp.path().join("mirror");
    sbom(&cache)
        .args(["mirror"])
        .arg(&rel)
        .arg("--output-dir")
        .arg(&out)
        .assert()
        .success();

    // The release's needs, from the .debs' own control fields.
    let in_repo = [
        "libcap-ng0",
        "lsb-base",
        "netbase",
        "libacl1",
        "libaudit-common",
        "libxxhash0",
    ];
    let mut want: BTreeSet<String> = in_repo
        .iter()
        .map(|n| {
            let c = control(n);
            format!("{}={}", field(&c, "Package"), field(&c, "Version"))
        })
        .collect();
    want.insert("libattr1=1:2.5.1-3".into());
    want.insert("libbz2-1.0=1.0.8-5+b1".into());
    let group = out.join("deb/debian-12/amd64");
    let listed: BTreeSet<String> = std::fs::read_to_string(group.join("apt-get.txt"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(listed, want);
    let sources = std::fs::read_to_string(group.join("sources.txt")).unwrap();
    assert!(sources.contains("libcap-ng=0.8.3-1\n"), "{sources}");
    assert!(sources.contains("bzip2=1.0.8-5\n"), "{sources}");

    // The repository: everything but the planted two, plus libattr1 -4, hello and
    // media-types that nothing needs.
    let repo = repository(
        tmp.path(),
        &[
            "libcap-ng0",
            "libattr1",
            "lsb-base",
            "netbase",
            "libacl1",
            "libaudit-common",
            "libxxhash0",
            "hello",
            "media-types",
        ],
    );
    let server = FileServer::start(&repo);

    // aptly, with our filter.
    let conf = tmp.path().join("aptly.conf");
    std::fs::write(
        &conf,
        format!(
            "{{\"rootDir\": \"{}\"}}",
            tmp.path().join("aptly").display()
        ),
    )
    .unwrap();
    let filter = std::fs::read_to_string(group.join("aptly-filter.txt")).unwrap();
    run(Command::new("aptly")
        .arg(format!("-config={}", conf.display()))
        .args([
            "mirror",
            "create",
            "-ignore-signatures",
            "-architectures=amd64",
        ])
        .arg(format!("-filter={}", filter.trim()))
        .args([
            "-filter-with-deps=false",
            "release",
            &format!("{}/", server.url()),
            "bookworm",
            "main",
        ]));
    run(Command::new("aptly")
        .arg(format!("-config={}", conf.display()))
        .args(["mirror", "update", "-ignore-signatures", "release"]));
    let mirrored = aptly_packages(&conf, "release");
    let want_aptly: BTreeSet<String> = in_repo
        .iter()
        .map(|n| {
            let c = control(n);
            format!(
                "{}_{}_{}",
                field(&c, "Package"),
                field(&c, "Version"),
                field(&c, "Architecture")
            )
        })
        .collect();
    assert_eq!(
        mirrored, want_aptly,
        "aptly holds exactly what the SBOMs name (and the repository has)"
    );

    // apt-get download takes the list (what the repository has of it).
    let apt = tmp.path().join("apt");
    for d in ["lists/partial", "cache/archives/partial", "dl"] {
        std::fs::create_dir_all(apt.join(d)).unwrap();
    }
    std::fs::write(
        apt.join("sources.list"),
        format!("deb [trusted=yes] {}/ bookworm main\n", server.url()),
    )
    .unwrap();
    std::fs::write(apt.join("status"), "").unwrap();
    let apt_opts = |c: &mut Command| {
        c.arg("-o").arg(format!(
            "Dir::Etc::SourceList={}",
            apt.join("sources.list").display()
        ));
        c.args([
            "-o",
            "Dir::Etc::SourceParts=/nonexistent",
            "-o",
            "APT::Sandbox::User=root",
        ]);
        c.arg("-o")
            .arg(format!("Dir::State::Lists={}", apt.join("lists").display()));
        c.arg("-o")
            .arg(format!("Dir::Cache={}", apt.join("cache").display()));
        c.arg("-o").arg(format!(
            "Dir::State::Status={}",
            apt.join("status").display()
        ));
        c.args([
            "-o",
            "APT::Architecture=amd64",
            "-o",
            "APT::Architectures=amd64",
            "-qq",
        ]);
    };
    let mut update = Command::new("apt-get");
    apt_opts(&mut update);
    run(update.arg("update"));
    let mut dl = Command::new("apt-get");
    apt_opts(&mut dl);
    dl.arg("download").current_dir(apt.join("dl"));
    for line in &listed {
        if in_repo.iter().any(|n| line.starts_with(&format!("{n}="))) {
            dl.arg(line);
        }
    }
    run(&mut dl);
    let fetched: BTreeSet<String> = std::fs::read_dir(apt.join("dl"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let want_files: BTreeSet<String> = in_repo
        .iter()
        .map(|n| {
            deb_file(n)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(fetched, want_files);

    // --check against the served repository (Release → Packages, SHA-256 checked), and
    // against the Packages files directly.
    for location in [
        format!("{}/dists/bookworm", server.url()),
        repo.join("dists/bookworm/main/binary-amd64/Packages.gz")
            .display()
            .to_string(),
        repo.join("dists/bookworm").display().to_string(),
    ] {
        let a = sbom(&cache)
            .args(["mirror", "--quiet", "--format", "json"])
            .arg(&rel)
            .arg("--check")
            .arg(format!("deb={location}"))
            .assert()
            .code(1);
        let report: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
        let s = &report["sections"][0];
        let missing: BTreeSet<String> = s["missing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                format!(
                    "{} {} {}",
                    m["name"].as_str().unwrap(),
                    m["version"].as_str().unwrap(),
                    m["mirror_has"]
                )
            })
            .collect();
        assert_eq!(
            missing,
            BTreeSet::from([
                "libattr1 1:2.5.1-3 [\"1:2.5.1-4 (newer)\"]".to_string(),
                "libbz2-1.0 1.0.8-5+b1 null".to_string(),
            ]),
            "{location}"
        );
        let extra: BTreeSet<String> = s["superfluous"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                format!(
                    "{} {}",
                    m["name"].as_str().unwrap(),
                    m["version"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(
            extra,
            BTreeSet::from([
                "hello 2.10-3".to_string(),
                "libattr1 1:2.5.1-4".to_string(),
                "media-types 10.0.0".to_string(),
            ]),
            "{location}"
        );
        assert_eq!(
            (s["needed"].as_u64(), s["present"].as_u64()),
            (Some(8), Some(6))
        );
    }
    // Text report: one line per finding, exit 1.
    let a = sbom(&cache)
        .args(["mirror", "--quiet"])
        .arg(&rel)
        .arg("--check")
        .arg(format!("deb={}/dists/bookworm", server.url()))
        .assert()
        .code(1);
    let text = String::from_utf8_lossy(&a.get_output().stdout).to_string();
    assert!(
        text.contains("8 needed, 6 present, 2 missing, 3 superfluous"),
        "{text}"
    );
    assert!(
        text.contains("missing     libbz2-1.0 1.0.8-5+b1 amd64 in deb/debian-12/amd64; needed by "),
        "{text}"
    );
    assert!(text.contains("superfluous hello 2.10-3 amd64"), "{text}");
}
