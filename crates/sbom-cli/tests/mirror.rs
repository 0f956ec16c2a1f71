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

/// Batch-scans `images` into `DIR/release` (the release folder, with index.json) and
/// runs `sbom mirror` on it into `DIR/mirror`. Returns (cache, release, mirror).
fn release_and_mirror(dir: &Path, images: &[String]) -> (PathBuf, PathBuf, PathBuf) {
    let cache = dir.join("cache");
    let list = dir.join("images.txt");
    std::fs::write(&list, images.join("\n") + "\n").unwrap();
    let rel = dir.join("release");
    sbom(&cache)
        .args(["scan", "--quiet", "--images"])
        .arg(&list)
        .arg("--output-dir")
        .arg(&rel)
        .assert()
        .success();
    let out = dir.join("mirror");
    sbom(&cache)
        .args(["mirror", "--quiet"])
        .arg(&rel)
        .arg("--output-dir")
        .arg(&out)
        .assert()
        .success();
    (cache, rel, out)
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
    let (cache, rel, out) = release_and_mirror(
        tmp.path(),
        &[
            format!("oci-dir:{}:r1", keystone.display()),
            format!("oci-dir:{}:r1", nova.display()),
        ],
    );

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

/// A body of `GET http://127.0.0.1:PORT/PATH` (HTTP/1.0, no client of ours).
fn http_get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

/// `pip download` from the Python in $SBOM_PIP_PYTHON (scripts/test.sh makes a venv),
/// else `python3`.
fn pip(args: &[&str], dir: &Path) -> std::process::Output {
    let python = std::env::var_os("SBOM_PIP_PYTHON").unwrap_or_else(|| "python3".into());
    Command::new(python)
        .args([
            "-m",
            "pip",
            "download",
            "--disable-pip-version-check",
            "--quiet",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("python3 -m pip")
}

/// PyPI: pip downloads the requirements file from a folder holding exactly the pinned
/// wheels, and fails when one is gone; --check sees the gap in the folder and in a simple
/// index served over HTTP.
#[test]
fn pip_downloads_exactly_the_pinned_wheels_and_check_finds_a_removed_one() {
    let tmp = tempfile::tempdir().unwrap();
    let wheels = testdata().join("wheels");
    // A venv with three of the four wheels' distributions, one of them spelt otherwise.
    let mut layer = Layer::new(Compression::Gzip).file("etc/os-release", OS_RELEASE);
    for (dist, name, version) in [
        ("six-1.16.0", "six", "1.16.0"),
        ("iso8601-2.1.0", "iso8601", "2.1.0"),
        ("zipp-3.19.2", "Zipp", "3.19.2"),
    ] {
        layer = layer.file(
            &format!("{VENV}/{dist}.dist-info/METADATA"),
            metadata(name, version, "MIT"),
        );
    }
    let layout = tmp.path().join("keystone");
    sbom_testkit::write_oci_layout(&layout, &[(Image::new(vec![layer]), Some("r1".into()))])
        .unwrap();
    let (cache, rel, out) =
        release_and_mirror(tmp.path(), &[format!("oci-dir:{}:r1", layout.display())]);
    let reqs: Vec<PathBuf> = walk_files(&out.join("pypi"))
        .into_iter()
        .filter(|p| p.ends_with("requirements.txt"))
        .collect();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    let req = &reqs[0];
    let pins: Vec<String> = std::fs::read_to_string(req)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    assert_eq!(pins, vec!["iso8601==2.1.0", "six==1.16.0", "zipp==3.19.2"]);

    // A folder with exactly the pinned wheels: pip downloads all of them.
    let exact = tmp.path().join("exact");
    std::fs::create_dir(&exact).unwrap();
    for f in [
        "six-1.16.0-py2.py3-none-any.whl",
        "iso8601-2.1.0-py3-none-any.whl",
        "zipp-3.19.2-py3-none-any.whl",
    ] {
        std::fs::copy(wheels.join(f), exact.join(f)).unwrap();
    }
    let dest = tmp.path().join("dest");
    let ok = pip(
        &[
            "--no-index",
            "--find-links",
            exact.to_str().unwrap(),
            "-r",
            req.to_str().unwrap(),
            "--dest",
            dest.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(std::fs::read_dir(&dest).unwrap().count(), 3);
    sbom(&cache)
        .args(["mirror", "--quiet"])
        .arg(&rel)
        .arg("--check")
        .arg(format!("pypi={}", exact.display()))
        .assert()
        .code(0)
        .stdout(predicates::str::contains(
            "3 needed, 3 present, 0 missing, 0 superfluous",
        ));

    // One wheel gone (and one nobody pins added): pip fails, --check names both.
    std::fs::remove_file(exact.join("zipp-3.19.2-py3-none-any.whl")).unwrap();
    std::fs::copy(
        wheels.join("typing_extensions-4.12.2-py3-none-any.whl"),
        exact.join("typing_extensions-4.12.2-py3-none-any.whl"),
    )
    .unwrap();
    let dest2 = tmp.path().join("dest2");
    let fail = pip(
        &[
            "--no-index",
            "--find-links",
            exact.to_str().unwrap(),
            "-r",
            req.to_str().unwrap(),
            "--dest",
            dest2.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(!fail.status.success(), "pip must fail without zipp");
    let check = |location: String| {
        let a = sbom(&cache)
            .args(["mirror", "--quiet"])
            .arg(&rel)
            .arg("--check")
            .arg(format!("pypi={location}"))
            .assert()
            .code(1);
        String::from_utf8_lossy(&a.get_output().stdout).to_string()
    };
    let text = check(exact.display().to_string());
    assert!(
        text.contains("3 needed, 2 present, 1 missing, 1 superfluous"),
        "{text}"
    );
    assert!(text.contains("missing     zipp 3.19.2 in pypi/"), "{text}");
    assert!(
        text.contains("superfluous typing-extensions 4.12.2"),
        "{text}"
    );

    // The same folder as a PEP 503 simple index over HTTP (which pip itself accepts).
    let simple = tmp.path().join("index/simple");
    let mut root = String::from("<!DOCTYPE html><html><body>\n");
    for f in std::fs::read_dir(&exact).unwrap() {
        let f = f.unwrap().file_name().to_string_lossy().into_owned();
        let project = f
            .split('-')
            .next()
            .unwrap()
            .replace('_', "-")
            .to_lowercase();
        let dir = simple.join(&project);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(exact.join(&f), dir.join(&f)).unwrap();
        std::fs::write(
            dir.join("index.html"),
            format!("<html><body><a href=\"{f}\">{f}</a></body></html>\n"),
        )
        .unwrap();
        root.push_str(&format!("<a href=\"{project}/\">{project}</a>\n"));
    }
    std::fs::write(simple.join("index.html"), root + "</body></html>\n").unwrap();
    let server = FileServer::start(&tmp.path().join("index"));
    let text = check(format!("{}/simple/", server.url()));
    assert!(
        text.contains("3 needed, 2 present, 1 missing, 1 superfluous"),
        "{text}"
    );
    assert!(
        text.contains("superfluous typing-extensions\n"),
        "a project nobody needs: {text}"
    );
    let text = check(simple.display().to_string());
    assert!(text.contains("1 missing"), "{text}");
    // pip agrees about the served index: iso8601 and six are there, zipp is not.
    let dest3 = tmp.path().join("dest3");
    let via_index = pip(
        &[
            "--index-url",
            &format!("{}/simple/", server.url()),
            "-r",
            req.to_str().unwrap(),
            "--dest",
            dest3.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(!via_index.status.success());
    assert!(String::from_utf8_lossy(&via_index.stderr).contains("zipp"));
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn skopeo_has(host: &str, repo_digest: &str) -> bool {
    Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{host}/{repo_digest}"))
        .output()
        .expect("skopeo")
        .status
        .success()
}

/// Images: skopeo sync with our YAML copies exactly the release's images from one
/// registry to another; --check reports a deleted one missing and a foreign one
/// superfluous.
#[test]
fn skopeo_sync_copies_exactly_the_release_images_between_two_registries() {
    use sbom_testkit::registry::Registry;
    let src = Registry::start(None);
    let dst = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let mut digests = std::collections::BTreeMap::new();
    for (name, pkg) in [
        ("keystone", "keystone"),
        ("nova-api", "nova"),
        ("extra", "extra"),
    ] {
        let layer = Layer::new(Compression::Gzip)
            .file("etc/os-release", OS_RELEASE)
            .file("var/lib/dpkg/status", stanza(pkg, "1.0-1", ""));
        let layout = tmp.path().join(name);
        let built = sbom_testkit::write_oci_layout(
            &layout,
            &[(Image::new(vec![layer]), Some("r1".into()))],
        )
        .unwrap();
        src.push(&layout, "r1", &format!("kolla/{name}:r1"), false);
        digests.insert(name, built[0].manifest_digest.clone());
    }
    let h = src.host();
    let (cache, rel, out) = release_and_mirror(
        tmp.path(),
        &[
            format!("{h}/kolla/keystone:r1"),
            format!("{h}/kolla/nova-api:r1"),
        ],
    );
    let images = std::fs::read_to_string(out.join("oci/images.txt")).unwrap();
    assert_eq!(
        images,
        format!(
            "{h}/kolla/keystone@{}\n{h}/kolla/nova-api@{}\n",
            digests["keystone"], digests["nova-api"]
        )
    );
    let d = dst.host();
    run(Command::new("skopeo")
        .args([
            "sync",
            "--src",
            "yaml",
            "--dest",
            "docker",
            "--dest-tls-verify=false",
            "--preserve-digests",
        ])
        .arg(out.join("oci/skopeo-sync.yml"))
        .arg(format!("{d}/mirror")));
    let catalog: serde_json::Value =
        serde_json::from_str(&http_get(dst.port, "/v2/_catalog")).unwrap();
    assert_eq!(
        catalog["repositories"],
        serde_json::json!(["mirror/keystone", "mirror/nova-api"])
    );
    assert!(skopeo_has(
        &d,
        &format!("mirror/keystone@{}", digests["keystone"])
    ));
    assert!(skopeo_has(
        &d,
        &format!("mirror/nova-api@{}", digests["nova-api"])
    ));
    assert!(!skopeo_has(
        &d,
        &format!("mirror/extra@{}", digests["extra"])
    ));

    let check = |code: i32| {
        let a = sbom(&cache)
            .args(["mirror", "--quiet", "--format", "json"])
            .arg(&rel)
            .arg("--check")
            .arg(format!("registry={d}/mirror"))
            .assert()
            .code(code);
        let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
        v["sections"][0].clone()
    };
    let s = check(0);
    assert_eq!(
        (s["needed"].as_u64(), s["present"].as_u64()),
        (Some(2), Some(2)),
        "{s:#}"
    );
    assert_eq!(s["superfluous"], serde_json::json!([]));
    // Plant: an image nobody needs, and one needed image deleted.
    run(Command::new("skopeo")
        .args([
            "copy",
            "--quiet",
            "--src-tls-verify=false",
            "--dest-tls-verify=false",
        ])
        .arg(format!("docker://{h}/kolla/extra:r1"))
        .arg(format!("docker://{d}/mirror/extra:r1")));
    run(Command::new("skopeo")
        .args(["delete", "--tls-verify=false"])
        .arg(format!(
            "docker://{d}/mirror/nova-api@{}",
            digests["nova-api"]
        )));
    let s = check(1);
    assert_eq!(s["missing"][0]["name"], format!("{h}/kolla/nova-api"));
    assert_eq!(s["missing"][0]["version"], digests["nova-api"].as_str());
    assert_eq!(s["superfluous"][0]["name"], "mirror/extra");
    assert_eq!(
        s["superfluous"][0]["version"],
        format!("r1@{}", digests["extra"])
    );
    assert_eq!(s["superfluous"].as_array().unwrap().len(), 1);
}

fn bench_dir() -> PathBuf {
    let d = std::env::var_os("SBOM_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-image"));
    assert!(
        d.join("r1/oci/index.json").is_file() && d.join("r2/oci/index.json").is_file(),
        "bench images missing under {}: run scripts/bench-image.sh (a missing bench image is a failure, not a skip)",
        d.display()
    );
    d
}

fn tsv(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

fn pep503(n: &str) -> String {
    let mut out = String::new();
    for c in n.to_lowercase().chars() {
        let c = if "._".contains(c) { '-' } else { c };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out
}

/// The two bench images (OSISM-like keystone r1 and r2, Debian 12 + a venv), pushed to a
/// registry and batch-scanned into two release folders, plus the example declared
/// manifest: the mirror inputs equal the rootfs truth (dpkg-query, pip list) exactly.
#[test]
#[ignore = "needs the bench images (scripts/bench-image.sh); scripts/test.sh runs it"]
fn bench_release_folders_give_mirror_inputs_equal_to_the_rootfs_truth() {
    use sbom_testkit::registry::Registry;
    let bench = bench_dir();
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let h = reg.host();
    let mut rels = Vec::new();
    let mut digests = Vec::new();
    for r in ["r1", "r2"] {
        reg.push(
            &bench.join(r).join("oci"),
            "bench",
            &format!("osism/keystone:{r}"),
            false,
        );
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(bench.join(r).join("oci/index.json")).unwrap())
                .unwrap();
        let digest = index["manifests"][0]["digest"]
            .as_str()
            .unwrap()
            .to_string();
        // The release manifest shape of OSISM's release repository, pinned by digest.
        let manifest = tmp.path().join(format!("sbom-openstack-{r}.yml"));
        std::fs::write(
            &manifest,
            format!("images:\n  - image: {h}/osism/keystone:{r}\n    digest: {digest}\n"),
        )
        .unwrap();
        let rel = tmp.path().join(format!("release-{r}"));
        sbom(&cache)
            .args(["scan", "--quiet", "--release"])
            .arg(&manifest)
            .arg("--output-dir")
            .arg(&rel)
            .args(["-o", "cyclonedx-json", "-o", "spdx-json"])
            .assert()
            .success();
        rels.push(rel);
        digests.push(digest);
    }
    let declared =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/declared/example.yml");
    let out = tmp.path().join("mirror");
    let a = sbom(&cache)
        .arg("mirror")
        .args(&rels)
        .arg("--declared")
        .arg(&declared)
        .arg("--output-dir")
        .arg(&out)
        .assert()
        .success();
    eprintln!("{}", String::from_utf8_lossy(&a.get_output().stderr));

    // Debian: the union of both rootfs' dpkg-query lists, name=version.
    let mut want_debs = BTreeSet::new();
    for r in ["r1", "r2"] {
        for row in tsv(&bench.join(r).join("truth/dpkg.tsv")) {
            want_debs.insert(format!("{}={}", row[0], row[1]));
        }
    }
    let lines = |p: &Path| -> BTreeSet<String> {
        std::fs::read_to_string(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(str::to_string)
            .collect()
    };
    let got_debs = lines(&out.join("deb/debian-12/amd64/apt-get.txt"));
    assert_eq!(got_debs, want_debs);
    let filter = std::fs::read_to_string(out.join("deb/debian-12/amd64/aptly-filter.txt")).unwrap();
    assert_eq!(filter.split(" | ").count(), want_debs.len());
    let pulp: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("deb/debian-12/amd64/pulp.json")).unwrap())
            .unwrap();
    assert_eq!(pulp.as_array().unwrap().len(), want_debs.len());
    // The declared deb has no release: its own group.
    assert_eq!(
        lines(&out.join("deb/debian/any/apt-get.txt")),
        BTreeSet::from(["chrony=4.3-2".to_string()])
    );

    // Python: one requirements file per release's venv, equal to its pip list.
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let venv = "var/lib/kolla/venv/lib/python3.11/site-packages";
    for (i, r) in ["r1", "r2"].iter().enumerate() {
        let want: BTreeSet<String> = tsv(&bench.join(r).join("truth/pip-venv.tsv"))
            .iter()
            .map(|row| format!("{}=={}", pep503(&row[0]), row[1]))
            .collect();
        let envs: Vec<&serde_json::Value> = summary["pypi"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["site_root"] == venv && !e["declared"].as_bool().unwrap())
            .collect();
        assert_eq!(envs.len(), 2, "{summary:#}");
        let file = out.join(envs[i]["file"].as_str().unwrap());
        assert_eq!(lines(&file), want, "{r}: {}", file.display());
    }
    // System Python packages are all python3-* debs' (owned); setuptools' vendored ones
    // come with setuptools: neither is pinned.
    let system: usize = ["r1", "r2"]
        .iter()
        .map(|r| tsv(&bench.join(r).join("truth/pip-system.tsv")).len())
        .sum();
    let vendored: usize = ["r1", "r2"]
        .iter()
        .map(|r| tsv(&bench.join(r).join("truth/pip-other.tsv")).len())
        .sum();
    assert_eq!(
        summary["counts"]["python_owned_by_os_packages"].as_u64(),
        Some(system as u64)
    );
    assert_eq!(
        summary["counts"]["python_vendored"].as_u64(),
        Some(vendored as u64)
    );
    assert_eq!(
        lines(&out.join("pypi/declared/manager/requirements.txt")),
        BTreeSet::from(["python-openstackclient==7.0.0".to_string()])
    );

    // Images: both by digest; the declared cgit image is a tag only.
    digests.sort();
    assert_eq!(
        std::fs::read_to_string(out.join("oci/images.txt")).unwrap(),
        format!(
            "{h}/osism/keystone@{}\n{h}/osism/keystone@{}\n",
            digests[0], digests[1]
        )
    );
    let unpinned: Vec<String> = summary["unpinned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(unpinned, vec!["quay.io/osism/cgit"]);
    // The programs the classifier finds in the images (python3.11, libpython3.11) are
    // Debian's files: they come with the deb mirror. Only the declared ones have no input.
    let programs: usize = ["r1", "r2"]
        .iter()
        .map(|r| tsv(&bench.join(r).join("truth/programs.tsv")).len())
        .sum();
    assert_eq!(
        summary["counts"]["owned_by_os_packages"],
        serde_json::json!({ "binary": programs })
    );
    assert_eq!(
        summary["counts"]["not_mirrored"],
        serde_json::json!({"binary": 1, "archive": 1, "generic": 1})
    );
    assert_eq!(
        summary["counts"]["declared"],
        serde_json::json!({"deb": 1, "pypi": 1, "oci": 1, "binary": 1, "archive": 1, "generic": 1})
    );
}

/// A declared manifest alone; usage mistakes exit 2; a folder that is not ours is never
/// overwritten; a re-run replaces its own output whole (no stale group is left).
#[test]
fn declared_manifest_alone_and_bad_calls_lose_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let declared =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/declared/example.yml");
    let out = tmp.path().join("out");
    sbom(&cache)
        .args(["mirror", "--quiet", "--declared"])
        .arg(&declared)
        .arg("--output-dir")
        .arg(&out)
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(out.join("deb/debian/any/apt-get.txt")).unwrap(),
        "chrony=4.3-2\n"
    );
    assert!(
        std::fs::read_to_string(out.join("pypi/declared/manager/requirements.txt"))
            .unwrap()
            .ends_with("\npython-openstackclient==7.0.0\n")
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let declared: Vec<String> = json["declared"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let at = d["declared_by"][0].as_str().unwrap();
            format!(
                "{} {} {}",
                d["name"].as_str().unwrap(),
                d["pinned_in"].as_str().unwrap(),
                &at[at.rfind(':').unwrap()..]
            )
        })
        .collect();
    assert_eq!(
        declared,
        vec![
            "chrony deb/debian/any :16",
            "python-openstackclient pypi/declared/manager :22"
        ]
    );
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(
        summary.contains("| oci | quay.io/osism/cgit | 1.2.3 | declared by tag only"),
        "{summary}"
    );

    // A re-run with a different input replaces the folder: the deb group is gone.
    let only_pip = tmp.path().join("pip.yml");
    std::fs::write(
        &only_pip,
        "- name: six\n  version: \"1.16.0\"\n  kind: pypi\n",
    )
    .unwrap();
    sbom(&cache)
        .args(["mirror", "--quiet", "--declared"])
        .arg(&only_pip)
        .arg("--output-dir")
        .arg(&out)
        .assert()
        .success();
    assert!(!out.join("deb").exists());
    assert!(out.join("pypi/declared/hosts/requirements.txt").is_file());

    // Not ours: refused, untouched.
    let foreign = tmp.path().join("home");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    sbom(&cache)
        .args(["mirror", "--quiet", "--declared"])
        .arg(&only_pip)
        .arg("--output-dir")
        .arg(&foreign)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "is not an output folder of sbom mirror",
        ));
    assert_eq!(std::fs::read_dir(&foreign).unwrap().count(), 1);

    for (args, msg) in [
        (vec!["mirror"], "required"),
        (vec!["mirror", "--declared", "x.yml"], "--output-dir"),
        (
            vec!["mirror", "--declared", "x.yml", "--check", "npm=x"],
            "unknown kind",
        ),
        (
            vec!["mirror", "missing-folder", "--check", "pypi=x"],
            "no such release folder",
        ),
    ] {
        sbom(&cache)
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(msg));
    }
    // A broken SBOM in a release folder: one line naming it, exit 2, nothing written.
    let rel = tmp.path().join("rel");
    std::fs::create_dir(&rel).unwrap();
    std::fs::write(
        rel.join("keystone.cdx.json"),
        "{\"bomFormat\": \"CycloneDX\", \"specVersion\": 7}",
    )
    .unwrap();
    let none = tmp.path().join("none");
    sbom(&cache)
        .arg("mirror")
        .arg(&rel)
        .arg("--output-dir")
        .arg(&none)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("keystone.cdx.json"));
    assert!(!none.exists());
}

/// rpm: a hand-made CycloneDX SBOM with rpm purls (trivy's form: epoch as a qualifier)
/// gives NEVRAs that `dnf download` takes from a createrepo_c repository of real rpms;
/// --check reads its repodata and finds the planted gaps.
#[test]
fn dnf_downloads_our_nevras_and_check_reads_repodata() {
    let tmp = tempfile::tempdir().unwrap();
    let rpms = testdata().join("rpms");
    // Truth: what rpm itself says of the files.
    let q = run(Command::new("rpm")
        .args([
            "-qp",
            "--qf",
            "%{NAME} %{EPOCHNUM} %{VERSION} %{RELEASE} %{ARCH}\\n",
        ])
        .args(std::fs::read_dir(&rpms).unwrap().map(|e| e.unwrap().path())));
    let rows: Vec<Vec<&str>> = q.lines().map(|l| l.split(' ').collect()).collect();
    assert_eq!(rows.len(), 4, "{q}");
    let nevra = |r: &[&str]| {
        let epoch = if r[1] == "0" {
            String::new()
        } else {
            format!("{}:", r[1])
        };
        format!("{}-{epoch}{}-{}.{}", r[0], r[2], r[3], r[4])
    };
    // The release needs foo, bar at release 4 (the repository also has 5), baz, and qux
    // (not in the repository).
    let needed: Vec<&Vec<&str>> = rows.iter().filter(|r| r[3] != "5.el9").collect();
    let mut components: Vec<String> = needed
        .iter()
        .map(|r| {
            let epoch = if r[1] == "0" { String::new() } else { format!("&epoch={}", r[1]) };
            format!(
                r#"{{"type":"library","name":"{n}","version":"{v}-{rel}","purl":"pkg:rpm/rocky/{n}@{v}-{rel}?arch={a}{epoch}&distro=rocky-9.3"}}"#,
                n = r[0], v = r[2], rel = r[3], a = r[4]
            )
        })
        .collect();
    components.push(r#"{"type":"library","name":"sbom-mirror-qux","version":"1.0-1.el9","purl":"pkg:rpm/rocky/sbom-mirror-qux@1.0-1.el9?arch=x86_64&distro=rocky-9.3"}"#.into());
    let sbom_file = tmp.path().join("ceph.cdx.json");
    std::fs::write(
        &sbom_file,
        format!(
            r#"{{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"metadata":{{"component":{{"type":"container","name":"quay.io/ceph/ceph"}}}},"components":[{}]}}"#,
            components.join(",")
        ),
    )
    .unwrap();
    let cache = tmp.path().join("cache");
    let out = tmp.path().join("mirror");
    sbom(&cache)
        .args(["mirror", "--quiet"])
        .arg(&sbom_file)
        .arg("--output-dir")
        .arg(&out)
        .assert()
        .success();
    let group = out.join("rpm/rocky-9.3/x86_64");
    let list = std::fs::read_to_string(group.join("dnf-download.txt")).unwrap();
    let mut want: Vec<String> = needed.iter().map(|r| nevra(r)).collect();
    want.push("sbom-mirror-qux-1.0-1.el9.x86_64".into());
    want.sort();
    assert_eq!(list.lines().collect::<Vec<_>>(), want);
    assert!(std::fs::read_to_string(group.join("includepkgs.conf"))
        .unwrap()
        .starts_with("includepkgs=sbom-mirror-bar-2:3.1-4.el9.x86_64 "));

    // A repository of the four rpms, as createrepo_c makes it, served on 127.0.0.1.
    let repo = tmp.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    for e in std::fs::read_dir(&rpms).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, repo.join(p.file_name().unwrap())).unwrap();
    }
    run(Command::new("createrepo_c").arg("-q").arg(&repo));
    let server = FileServer::start(&repo);
    let dl = tmp.path().join("dl");
    std::fs::create_dir(&dl).unwrap();
    run(Command::new("dnf")
        .args([
            "download",
            "-q",
            "--releasever=9",
            "--setopt=reposdir=/nonexistent",
            "--repo=m",
            "--setopt=m.gpgcheck=0",
        ])
        .arg(format!(
            "--setopt=cachedir={}",
            tmp.path().join("dnf-cache").display()
        ))
        .arg(format!("--repofrompath=m,{}/", server.url()))
        .arg("--destdir")
        .arg(&dl)
        .args(want.iter().filter(|n| !n.contains("qux"))));
    let got: BTreeSet<String> = std::fs::read_dir(&dl)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let want_files: BTreeSet<String> = needed
        .iter()
        .map(|r| format!("{}-{}-{}.{}.rpm", r[0], r[2], r[3], r[4]))
        .collect();
    assert_eq!(got, want_files);

    let a = sbom(&cache)
        .args(["mirror", "--quiet"])
        .arg(&sbom_file)
        .arg("--check")
        .arg(format!("rpm={}", server.url()))
        .assert()
        .code(1);
    let text = String::from_utf8_lossy(&a.get_output().stdout).to_string();
    assert!(
        text.contains("4 needed, 3 present, 1 missing, 1 superfluous"),
        "{text}"
    );
    assert!(
        text.contains("missing     sbom-mirror-qux 1.0-1.el9 x86_64 in rpm/rocky-9.3/x86_64"),
        "{text}"
    );
    assert!(
        text.contains("superfluous sbom-mirror-bar 2:3.1-5.el9 x86_64"),
        "{text}"
    );
}
