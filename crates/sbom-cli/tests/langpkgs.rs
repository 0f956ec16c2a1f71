//! npm, Ruby gems and PHP Composer on real artefacts (testdata/langpkgs, made by
//! scripts/make-langpkgs-fixtures.sh): node_modules installed by npm from the registry,
//! lock files npm wrote (v1, v2, v3), npm itself installed globally, Debian's ruby-*
//! packages with libruby's default gems, Debian's node-* modules and MediaWiki's
//! Composer vendor tree. Each fixture image is scanned by `sbom scan` and compared
//! with the truth the generator took from independent tools: `npm ls --all --json`,
//! Ruby's own `Gem::Specification.load` and `Bundler::LockfileParser`, python's json
//! over installed.json / composer.lock, and the debs' own file lists (dpkg-deb).
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::*;
use sbom_model::{Ecosystem, License, Package, RelationshipKind, Sbom};
use sbom_testkit::{Compression, Image, Layer};
use serde_json::Value;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/langpkgs")
}

fn truth(name: &str) -> Value {
    let p = data_dir().join("truth").join(name);
    serde_json::from_slice(&std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .unwrap()
}

/// Every file of the fixture rootfs, path relative to it.
fn rootfs_files() -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, base, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let root = data_dir().join("rootfs");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.sort();
    out
}

/// The fixture image: Debian packages (layer 0), a global npm (1), the applications
/// (2), and a layer that rewrites one installed package.json unchanged (3), as a chown
/// or a COPY of the same file does.
const REWRITTEN: &str = "srv/console/node_modules/moment/package.json";

fn image() -> Image {
    let mut layers = [
        Layer::new(Compression::Gzip).file("etc/os-release", OS_RELEASE),
        Layer::new(Compression::Zstd),
        Layer::new(Compression::Gzip),
        Layer::new(Compression::None),
    ];
    for (path, data) in rootfs_files() {
        let i = if path.starts_with("usr/local/") {
            1
        } else if path.starts_with("srv/") {
            2
        } else {
            0
        };
        if path == REWRITTEN {
            layers[3] =
                std::mem::replace(&mut layers[3], Layer::new(Compression::None)).file(&path, &data);
        }
        layers[i] =
            std::mem::replace(&mut layers[i], Layer::new(Compression::None)).file(&path, &data);
    }
    Image::new(layers.into_iter().collect())
}

struct Scanned {
    sbom: Sbom,
    dir: tempfile::TempDir,
    stderr: String,
}

fn scan_image(image: &Image, extra: &[&str]) -> Scanned {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("oci");
    sbom_testkit::write_oci_layout(&layout, &[(image.clone(), None)]).unwrap();
    let out = sbom(&dir.path().join("cache"))
        .current_dir(dir.path())
        .arg("scan")
        .arg(&layout)
        .args([
            "-o",
            "json=scan.json",
            "-o",
            "cyclonedx-json=scan.cdx.json",
            "-o",
            "spdx-json=scan.spdx.json",
        ])
        .args(extra)
        .assert()
        .success()
        .get_output()
        .clone();
    let sbom =
        sbom_format::read_any(&std::fs::read(dir.path().join("scan.json")).unwrap()).unwrap();
    Scanned {
        sbom,
        dir,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn of(s: &Sbom, eco: Ecosystem) -> Vec<&Package> {
    s.packages.iter().filter(|p| p.ecosystem == eco).collect()
}

/// (name, version, folder) of npm packages whose folder lies under `prefix`.
fn npm_under(s: &Sbom, prefix: &str, meta: Option<&str>) -> BTreeSet<(String, String, String)> {
    of(s, Ecosystem::Npm)
        .into_iter()
        .filter(|p| meta.is_none() || p.metadata_path.as_deref() == meta)
        .filter_map(|p| {
            let dir = p.site_root.as_deref()?;
            dir.starts_with(prefix)
                .then(|| (p.name.clone(), p.version.clone(), dir.to_string()))
        })
        .collect()
}

fn npm_truth(name: &str) -> (Value, BTreeSet<(String, String, String)>) {
    let t = truth(name);
    let set = t["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
                p["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (t, set)
}

fn has_edge(s: &Sbom, kind: RelationshipKind, from: &str, to: &str) -> bool {
    s.relationships
        .iter()
        .any(|r| r.kind == kind && r.from == from && r.to == to)
}

/// npm's own answer for which copy each dependency resolved to, checked edge by edge.
fn check_npm_edges(s: &Sbom, t: &Value) {
    let by_dir: BTreeMap<&str, &str> = of(s, Ecosystem::Npm)
        .into_iter()
        .filter_map(|p| Some((p.site_root.as_deref()?, p.id.as_str())))
        .collect();
    let edges = t["edges"].as_array().unwrap();
    assert!(!edges.is_empty());
    // npm ls -g's root is the prefix's lib folder, not a package
    let pseudo_root = t["app"]["version"].is_null();
    for e in edges {
        let (from, to) = (e[0].as_str().unwrap(), e[1].as_str().unwrap());
        if pseudo_root && !from.contains("node_modules") {
            continue;
        }
        let (Some(f), Some(t)) = (by_dir.get(from), by_dir.get(to)) else {
            panic!("edge {from} -> {to}: a package is missing");
        };
        assert!(
            has_edge(s, RelationshipKind::DependsOn, f, t),
            "npm resolved {from} -> {to}; we have no such edge"
        );
    }
}

#[test]
fn npm_gems_and_composer_of_a_real_tree_match_the_tools_truth() {
    let s = scan_image(&image(), &[]);
    let sb = &s.sbom;

    // npm: the installed application tree = `npm ls --all`, path by path
    let (t, want) = npm_truth("npm-console.json");
    let got = npm_under(sb, "srv/console/node_modules/", None);
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want, "srv/console vs npm ls");
    let names: BTreeMap<&str, usize> = want.iter().fold(BTreeMap::new(), |mut m, (n, _, _)| {
        *m.entry(n.as_str()).or_default() += 1;
        m
    });
    assert!(want.len() > 300 && want.iter().filter(|p| p.0.starts_with('@')).count() > 50);
    assert!(
        names.values().filter(|&&n| n > 1).count() >= 5,
        "duplicate versions present"
    );
    check_npm_edges(sb, &t);
    // the application itself, once; its lock only enriched the installed packages
    let app: Vec<&Package> = of(sb, Ecosystem::Npm)
        .into_iter()
        .filter(|p| p.site_root.as_deref() == Some("srv/console"))
        .collect();
    assert_eq!(app.len(), 1);
    assert_eq!(
        (app[0].name.as_str(), app[0].version.as_str()),
        ("skyline-console-like", "1.4.0")
    );
    assert!(!of(sb, Ecosystem::Npm)
        .iter()
        .any(|p| p.metadata_path.as_deref() == Some("srv/console/package-lock.json")));
    let express = of(sb, Ecosystem::Npm)
        .into_iter()
        .find(|p| p.site_root.as_deref() == Some("srv/console/node_modules/express"))
        .unwrap();
    assert_eq!(express.licenses, [License::Spdx("MIT".into())]);
    assert!(express
        .download_url
        .as_deref()
        .is_some_and(|u| u.ends_with("express-4.21.2.tgz")));
    assert_eq!(
        express.checksums.len(),
        1,
        "sha512 from the lock's integrity"
    );

    // npm: lock-only applications (v1 package-lock.json, v2 npm-shrinkwrap.json)
    for (v, lock) in [(1, "package-lock.json"), (2, "npm-shrinkwrap.json")] {
        let (t, want) = npm_truth(&format!("npm-lock-v{v}.json"));
        let meta = format!("srv/lock-v{v}/{lock}");
        let got = npm_under(sb, &format!("srv/lock-v{v}/"), Some(&meta));
        assert_eq!(
            got, want,
            "lock v{v} vs npm ls --package-lock-only --omit=dev"
        );
        check_npm_edges(sb, &t);
    }
    // npm: the global npm with its bundled dependencies
    let (t, want) = npm_truth("npm-global.json");
    assert_eq!(npm_under(sb, "usr/local/lib/node_modules/", None), want);
    check_npm_edges(sb, &t);
    // npm: Debian's node modules, owned by their debs
    let want: BTreeSet<(String, String, String)> = truth("debian-nodejs.json")
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let path = p["path"].as_str().unwrap();
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
                path.trim_end_matches("/package.json").to_string(),
            )
        })
        .collect();
    assert_eq!(npm_under(sb, "usr/share/nodejs/", None), want);

    check_gems(sb);
    check_composer(sb);
    check_ownership(sb);

    // layers: the rewritten package.json won in layer 3, the package came with layer 2
    let moment = of(sb, Ecosystem::Npm)
        .into_iter()
        .find(|p| p.metadata_path.as_deref() == Some(REWRITTEN))
        .unwrap();
    assert_eq!(moment.layer.as_ref().map(|l| l.index), Some(3));
    assert_eq!(moment.introduced_in.as_ref().map(|l| l.index), Some(2));
    for p in &sb.packages {
        assert!(
            p.layer.is_some() && p.introduced_in.is_some(),
            "{} has its layers",
            p.name
        );
    }

    assert!(
        !s.stderr.contains("warning"),
        "no warnings on real data:\n{}",
        s.stderr
    );
    // (the CycloneDX validator needs minutes for ~900 components: see the next test)
    validate(&[s.dir.path().join("scan.spdx.json")], &[]);
}

/// One slice of each ecosystem (a lock-only npm app, Debian's gems and node modules,
/// MediaWiki's vendor tree, their debs) validated as CycloneDX.
#[test]
fn a_slice_of_each_ecosystem_validates_as_cyclonedx() {
    let mut layer = Layer::new(Compression::Gzip).file("etc/os-release", OS_RELEASE);
    for (path, data) in rootfs_files() {
        if ["srv/lock-v1/", "usr/share/", "var/"]
            .iter()
            .any(|p| path.starts_with(p))
        {
            layer = layer.file(&path, &data);
        }
    }
    let s = scan_image(&Image::new(vec![layer]), &[]);
    for eco in [Ecosystem::Npm, Ecosystem::Gem, Ecosystem::Composer] {
        assert!(of(&s.sbom, eco).len() > 30, "{eco}");
    }
    validate(&[s.dir.path().join("scan.cdx.json")], &[]);
}

fn check_gems(sb: &Sbom) {
    let gems = of(sb, Ecosystem::Gem);
    let installed: BTreeMap<&str, &Package> = gems
        .iter()
        .filter_map(|p| Some((p.metadata_path.as_deref()?, *p)))
        .filter(|(m, _)| m.ends_with(".gemspec"))
        .collect();
    let want = truth("gems.json");
    let want = want.as_array().unwrap();
    assert_eq!(installed.len(), want.len());
    for w in want {
        let path = w["path"].as_str().unwrap();
        let p = installed
            .get(path)
            .unwrap_or_else(|| panic!("{path} not reported"));
        assert_eq!(p.name, w["name"].as_str().unwrap(), "{path}");
        assert_eq!(p.version, w["version"].as_str().unwrap(), "{path}");
        let licenses: Vec<License> = w["licenses"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|l| License::from_declared(l.as_str().unwrap()))
            .collect();
        assert_eq!(p.licenses, licenses, "{path}");
        let authors: Vec<&str> = w["authors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(
            p.author.as_deref(),
            (!authors.is_empty()).then(|| authors.join(", ")).as_deref(),
            "{path}"
        );
        let mut deps = p.depends.clone();
        deps.sort();
        let want_deps: Vec<&str> = w["runtime_dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap())
            .collect();
        assert_eq!(deps, want_deps, "{path}");
    }
    // `gem list` over the same gem roots
    let list: BTreeSet<String> = std::fs::read_to_string(data_dir().join("truth/gem-list.txt"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let ours: BTreeSet<String> = installed
        .values()
        .map(|p| format!("{} {}", p.name, p.version))
        .collect();
    assert_eq!(ours, list, "gem list");
    // every locked gem of srv/blog is installed: none is reported twice from the lock
    for g in truth("gemfile-lock.json").as_array().unwrap() {
        let nv = format!(
            "{} {}",
            g["name"].as_str().unwrap(),
            g["version"].as_str().unwrap()
        );
        assert!(ours.contains(&nv), "{nv} of the Gemfile.lock is installed");
    }
    assert!(!gems
        .iter()
        .any(|p| p.metadata_path.as_deref() == Some("srv/blog/Gemfile.lock")));
}

fn composer_truth(list: &Value) -> BTreeSet<(String, String, Vec<String>, Vec<String>)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let strs = |v: &Value| -> Vec<String> {
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_string())
                    .collect()
            };
            let licenses = strs(&p["license"])
                .iter()
                .filter_map(|l| License::from_declared(l))
                .map(|l| l.as_str().to_string())
                .collect();
            let mut req: Vec<String> = strs(&p["require"])
                .into_iter()
                .filter(|r| r.contains('/'))
                .collect();
            req.sort();
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
                licenses,
                req,
            )
        })
        .collect()
}

fn composer_ours(sb: &Sbom, meta: &str) -> BTreeSet<(String, String, Vec<String>, Vec<String>)> {
    of(sb, Ecosystem::Composer)
        .into_iter()
        .filter(|p| p.metadata_path.as_deref() == Some(meta))
        .map(|p| {
            let mut deps = p.depends.clone();
            deps.sort();
            (
                p.name.clone(),
                p.version.clone(),
                p.licenses.iter().map(|l| l.as_str().to_string()).collect(),
                deps,
            )
        })
        .collect()
}

fn check_composer(sb: &Sbom) {
    let t = truth("composer.json");
    let inst = "usr/share/mediawiki/vendor/composer/installed.json";
    assert_eq!(composer_ours(sb, inst), composer_truth(&t["installed"]));
    assert_eq!(
        composer_ours(sb, "srv/wiki/composer.lock"),
        composer_truth(&t["lock"])
    );
    // MediaWiki's own vendor/composer.lock is the same project as its installed.json
    assert!(composer_ours(sb, "usr/share/mediawiki/vendor/composer.lock").is_empty());
    // require → depends_on inside the vendor folder
    let by_name: BTreeMap<&str, &str> = of(sb, Ecosystem::Composer)
        .into_iter()
        .filter(|p| p.metadata_path.as_deref() == Some(inst))
        .map(|p| (p.name.as_str(), p.id.as_str()))
        .collect();
    let guzzle = by_name["guzzlehttp/guzzle"];
    assert!(has_edge(
        sb,
        RelationshipKind::DependsOn,
        guzzle,
        by_name["guzzlehttp/psr7"]
    ));
}

/// Each deb's file list (dpkg-deb's own listing) names gemspecs, node modules and
/// installed.json: each such package gets `owns` from that deb.
fn check_ownership(sb: &Sbom) {
    let info = data_dir().join("rootfs/var/lib/dpkg/info");
    let mut checked = 0;
    for e in std::fs::read_dir(&info).unwrap() {
        let p = e.unwrap().path();
        let deb_name = p.file_stem().unwrap().to_string_lossy();
        let deb_name = deb_name.split(':').next().unwrap();
        let deb = sb
            .packages
            .iter()
            .find(|d| d.ecosystem == Ecosystem::Deb && d.name == deb_name)
            .unwrap_or_else(|| panic!("deb {deb_name}"));
        for line in std::fs::read_to_string(&p).unwrap().lines() {
            let path = line.trim_start_matches('/');
            for pkg in sb
                .packages
                .iter()
                .filter(|x| x.metadata_path.as_deref() == Some(path))
            {
                assert!(
                    has_edge(sb, RelationshipKind::Owns, &deb.id, &pkg.id),
                    "{deb_name} owns {path}"
                );
                checked += 1;
            }
        }
    }
    // 127 gemspecs, 9 node modules, 67 Composer packages
    assert!(checked > 200, "{checked}");
}

#[test]
fn a_gemfile_lock_without_installed_gems_is_reported_from_the_lock() {
    let lock = std::fs::read(data_dir().join("rootfs/srv/blog/Gemfile.lock")).unwrap();
    let img = Image::new(vec![Layer::new(Compression::Gzip)
        .file("etc/os-release", OS_RELEASE)
        .file("srv/blog/Gemfile.lock", &lock)]);
    let s = scan_image(&img, &[]);
    let got: BTreeSet<(String, String)> = of(&s.sbom, Ecosystem::Gem)
        .into_iter()
        .map(|p| {
            assert_eq!(p.site_root.as_deref(), Some("srv/blog"));
            (p.name.clone(), p.version.clone())
        })
        .collect();
    let want: BTreeSet<(String, String)> = truth("gemfile-lock.json")
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["name"].as_str().unwrap().into(),
                g["version"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(got, want);
    let purls: Vec<&str> = s
        .sbom
        .packages
        .iter()
        .filter_map(|p| p.purl.as_deref())
        .collect();
    assert!(purls.contains(&"pkg:gem/i18n@1.10.0"), "{purls:?}");
}

#[test]
fn malformed_manifests_warn_with_layer_and_entry_and_the_rest_is_reported() {
    let img = Image::new(vec![Layer::new(Compression::Gzip)
        .file("etc/os-release", OS_RELEASE)
        .file(
            "srv/app/node_modules/broken/package.json",
            "{\"name\": \"broken\",",
        )
        .file(
            "srv/app/node_modules/ok/package.json",
            "{\"name\": \"@s/ok\", \"version\": \"1.0.0\"}",
        )
        .file(
            "var/lib/gems/3.1.0/specifications/odd-1.gemspec",
            "Gem::Specification.new do |s|\n  s.name = NAME.upcase\nend\n",
        )
        .file(
            "var/lib/gems/3.1.0/specifications/fine-2.0.gemspec",
            "Gem::Specification.new do |s|\n  s.name = 'fine'\n  s.version = '2.0'\nend\n",
        )
        .file(
            "srv/php/vendor/composer/installed.json",
            "{\"installed\": []}",
        )
        .file(
            "srv/php2/vendor/composer/installed.json",
            "[{\"name\": \"a/b\", \"version\": \"v1.2.3\"}]",
        )]);
    let s = scan_image(&img, &[]);
    let mut got: Vec<String> = s
        .sbom
        .packages
        .iter()
        .filter_map(|p| p.purl.clone())
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "pkg:composer/a/b@v1.2.3",
            "pkg:gem/fine@2.0",
            "pkg:npm/%40s/ok@1.0.0",
        ]
    );
    for entry in [
        "srv/app/node_modules/broken/package.json",
        "var/lib/gems/3.1.0/specifications/odd-1.gemspec",
        "srv/php/vendor/composer/installed.json",
    ] {
        let line = s
            .stderr
            .lines()
            .find(|l| l.contains(entry))
            .unwrap_or_else(|| panic!("a warning names {entry}:\n{}", s.stderr));
        assert!(line.contains("layer sha256:"), "{line}");
    }
    // --strict makes them an error
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("oci");
    sbom_testkit::write_oci_layout(&layout, &[(img, None)]).unwrap();
    sbom(&dir.path().join("cache"))
        .arg("scan")
        .arg(&layout)
        .arg("--strict")
        .assert()
        .failure();
}
