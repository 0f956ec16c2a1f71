//! Relationships between the packages the catalogers found.
//!
//! - `DependsOn`: a package's declared `depends` names resolved to packages present
//!   in the same ecosystem.
//!   - deb: by package name; when several architectures carry the name, the ones of
//!     the same architecture (or `all`) are preferred; a name no package has is
//!     resolved through `Provides:` ([`super::dpkg::PROVIDES_PROPERTY`]).
//!   - apk: by name (the apk cataloger already resolved `so:`/`cmd:` provides).
//!   - rpm: the rpm cataloger already resolved Requires through Provides and file
//!     lists into `name.arch` entries; [`super::rpm::dependency_targets`] maps them.
//!   - pypi: by PEP 503 name in the SAME site root first; only when that root has no
//!     such package, every package of that name in other site roots (a venv with
//!     system site packages sees them). Unresolved names give no edge.
//!   - gem: the same, by name (a gem in `var/lib/gems` uses Debian's gems too).
//!   - composer: by name in the same vendor folder (or locked application) only.
//!   - npm: the way node resolves `require`: the nearest `node_modules/NAME` up the
//!     folder tree from the depending package ([`super::npm::lookup_dirs`]).
//!   - golang, cargo: only within the same binary (`metadata_path`), by `NAME@VERSION`
//!     or by name: each Go or Rust binary carries its own copy of a module or crate.
//! - `Owns`: an OS package whose owned files include the file another package was
//!   found in (its metadata file: a gemspec, a package.json, an installed.json; a
//!   binary; an archive, and for a component nested in an archive the outer archive)
//!   owns that package; for Python also its `.dist-info` / `.egg-info` / `.egg`
//!   folder. Never a shared folder (every ruby-* deb lists `specifications/`).
//! - `Contains`: a component found inside an archive (its location is
//!   `outer.jar!/BOOT-INF/lib/inner.jar`, or `outer.jar!/META-INF/maven/G/A/pom.properties`
//!   for one shaded into it) is contained in the component found at the nearest
//!   enclosing location (`outer.jar`; `a.ear!/b.war` before `a.ear`).
//!
//! The result is sorted and free of duplicates and self-edges.
use std::collections::{BTreeMap, BTreeSet, HashMap};

use sbom_model::purl::pep503_name;
use sbom_model::{Ecosystem, Package, Relationship, RelationshipKind};

use super::dpkg::PROVIDES_PROPERTY;
use super::npm;
use super::python::VENDORED_PROPERTY;
use super::{file_name, parent};

/// All `DependsOn` and `Owns` edges between `packages` (by their temporary ids).
/// `owned_files` maps package id → owned paths, as the catalogers returned them.
pub fn relate(
    packages: &[Package],
    owned_files: &BTreeMap<String, Vec<String>>,
) -> Vec<Relationship> {
    let mut rels: BTreeSet<Relationship> = BTreeSet::new();
    depends(packages, &mut rels);
    owns(packages, owned_files, &mut rels);
    contains(packages, &mut rels);
    rels.into_iter().collect()
}

fn edge(from: &str, kind: RelationshipKind, to: &str) -> Relationship {
    Relationship {
        from: from.to_string(),
        kind,
        to: to.to_string(),
    }
}

fn depends(packages: &[Package], rels: &mut BTreeSet<Relationship>) {
    // (ecosystem, name) → packages; pypi names PEP 503 normalised.
    let mut by_name: HashMap<(Ecosystem, String), Vec<&Package>> = HashMap::new();
    // deb virtual name → providers
    let mut provided: HashMap<String, Vec<&Package>> = HashMap::new();
    // (ecosystem, site_root, name; pep503 for pypi) → packages
    let mut by_site: HashMap<(Ecosystem, Option<&str>, String), Vec<&Package>> = HashMap::new();
    // npm: package folder → packages
    let mut npm_dirs: HashMap<&str, Vec<&Package>> = HashMap::new();
    // (ecosystem, binary) → Go modules / Rust crates found in it
    let mut by_file: HashMap<(Ecosystem, &str), Vec<&Package>> = HashMap::new();
    for p in packages {
        if matches!(p.ecosystem, Ecosystem::Golang | Ecosystem::Cargo) {
            if let Some(m) = p.metadata_path.as_deref() {
                by_file.entry((p.ecosystem, m)).or_default().push(p);
            }
        }
        let key = match p.ecosystem {
            Ecosystem::Pypi => pep503_name(&p.name),
            _ => p.name.clone(),
        };
        if matches!(
            p.ecosystem,
            Ecosystem::Pypi | Ecosystem::Gem | Ecosystem::Composer
        ) {
            by_site
                .entry((p.ecosystem, p.site_root.as_deref(), key.clone()))
                .or_default()
                .push(p);
        }
        if p.ecosystem == Ecosystem::Npm {
            npm_dirs.entry(npm::package_dir(p)).or_default().push(p);
        }
        by_name.entry((p.ecosystem, key)).or_default().push(p);
        if p.ecosystem == Ecosystem::Deb {
            if let Some(list) = p.properties.get(PROVIDES_PROPERTY) {
                for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    provided.entry(name.to_string()).or_default().push(p);
                }
            }
        }
    }
    for p in packages {
        for dep in &p.depends {
            let targets: Vec<&Package> = match p.ecosystem {
                Ecosystem::Composer => by_site
                    .get(&(Ecosystem::Composer, p.site_root.as_deref(), dep.clone()))
                    .cloned()
                    .unwrap_or_default(),
                Ecosystem::Npm => npm::lookup_dirs(npm::package_dir(p), dep)
                    .iter()
                    .find_map(|d| npm_dirs.get(d.as_str()))
                    .cloned()
                    .unwrap_or_default(),
                eco @ (Ecosystem::Pypi | Ecosystem::Gem) => {
                    let name = if eco == Ecosystem::Pypi {
                        pep503_name(dep)
                    } else {
                        dep.clone()
                    };
                    match by_site.get(&(eco, p.site_root.as_deref(), name.clone())) {
                        Some(same) => same.clone(),
                        None => by_name
                            .get(&(eco, name))
                            .map(|c| {
                                c.iter()
                                    .copied()
                                    .filter(|t| !t.properties.contains_key(VENDORED_PROPERTY))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    }
                }
                Ecosystem::Deb => {
                    let direct = by_name.get(&(Ecosystem::Deb, dep.clone()));
                    let cands = direct
                        .or_else(|| provided.get(dep))
                        .cloned()
                        .unwrap_or_default();
                    prefer_arch(p, cands)
                }
                Ecosystem::Rpm => super::rpm::dependency_targets(dep, |n| {
                    by_name
                        .get(&(Ecosystem::Rpm, n.to_string()))
                        .cloned()
                        .unwrap_or_default()
                }),
                Ecosystem::Golang | Ecosystem::Cargo => p
                    .metadata_path
                    .as_deref()
                    .and_then(|m| by_file.get(&(p.ecosystem, m)))
                    .map(|c| {
                        c.iter()
                            .copied()
                            .filter(|t| {
                                t.name == *dep
                                    || dep
                                        .split_once('@')
                                        .is_some_and(|(n, v)| t.name == n && t.version == v)
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                eco => by_name
                    .get(&(eco, dep.clone()))
                    .cloned()
                    .unwrap_or_default(),
            };
            for t in targets {
                if t.id != p.id {
                    rels.insert(edge(&p.id, RelationshipKind::DependsOn, &t.id));
                }
            }
        }
    }
}

/// Candidates with the depender's architecture (or `all`), when there are any.
fn prefer_arch<'a>(p: &Package, cands: Vec<&'a Package>) -> Vec<&'a Package> {
    if cands.len() < 2 {
        return cands;
    }
    let same: Vec<&Package> = cands
        .iter()
        .copied()
        .filter(|c| {
            c.arch.as_deref() == Some("all") || p.arch.as_deref() == Some("all") || c.arch == p.arch
        })
        .collect();
    if same.is_empty() {
        cands
    } else {
        same
    }
}

fn owns(
    packages: &[Package],
    owned_files: &BTreeMap<String, Vec<String>>,
    rels: &mut BTreeSet<Relationship>,
) {
    // path that marks a package found in files (not an OS package) → its ids
    let mut markers: HashMap<&str, Vec<&str>> = HashMap::new();
    for p in packages.iter().filter(|p| !p.ecosystem.is_os()) {
        let Some(meta) = p.metadata_path.as_deref() else {
            continue;
        };
        // A component inside an archive (`app.jar!/BOOT-INF/lib/x.jar`) is owned with
        // the archive that holds it.
        let file = meta.split_once("!/").map_or(meta, |(outer, _)| outer);
        markers.entry(file).or_default().push(&p.id);
        // Other ecosystems: the file itself only; its folder may be shared.
        if p.ecosystem != Ecosystem::Pypi {
            continue;
        }
        let dir = parent(meta);
        let dir_name = file_name(dir);
        if dir_name.ends_with(".dist-info") || dir_name.ends_with(".egg-info") {
            markers.entry(dir).or_default().push(&p.id);
        } else if dir_name == "EGG-INFO" {
            markers.entry(dir).or_default().push(&p.id);
            markers.entry(parent(dir)).or_default().push(&p.id);
        }
    }
    if markers.is_empty() {
        return;
    }
    for p in packages.iter().filter(|p| p.ecosystem.is_os()) {
        let Some(files) = owned_files.get(&p.id) else {
            continue;
        };
        for f in files {
            if let Some(ids) = markers.get(f.as_str()) {
                for id in ids {
                    rels.insert(edge(&p.id, RelationshipKind::Owns, id));
                }
            }
        }
    }
}

fn contains(packages: &[Package], rels: &mut BTreeSet<Relationship>) {
    let mut at: HashMap<&str, Vec<&str>> = HashMap::new();
    for p in packages.iter().filter(|p| !p.ecosystem.is_os()) {
        if let Some(m) = p.metadata_path.as_deref() {
            at.entry(m).or_default().push(&p.id);
        }
    }
    for p in packages.iter().filter(|p| !p.ecosystem.is_os()) {
        let mut m = p.metadata_path.as_deref().unwrap_or("");
        while let Some((outer, _)) = m.rsplit_once("!/") {
            if let Some(ids) = at.get(outer) {
                for id in ids {
                    rels.insert(edge(id, RelationshipKind::Contains, &p.id));
                }
                break;
            }
            m = outer;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deb(name: &str, arch: &str, deps: &[&str]) -> Package {
        let mut p = Package::new(Ecosystem::Deb, name, "1");
        p.arch = Some(arch.into());
        p.id = format!("deb:{name}:{arch}");
        p.depends = deps.iter().map(|d| d.to_string()).collect();
        p
    }

    fn py(name: &str, site: &str, deps: &[&str]) -> Package {
        let mut p = Package::new(Ecosystem::Pypi, name, "1");
        let meta = format!("{site}/{name}-1.dist-info/METADATA");
        p.id = format!("python:{meta}");
        p.metadata_path = Some(meta);
        p.site_root = Some(site.into());
        p.depends = deps.iter().map(|d| d.to_string()).collect();
        p
    }

    fn deps_of(rels: &[Relationship], from: &str) -> Vec<String> {
        rels.iter()
            .filter(|r| r.kind == RelationshipKind::DependsOn && r.from == from)
            .map(|r| r.to.clone())
            .collect()
    }

    #[test]
    fn deb_depends_by_name_arch_and_provides() {
        let mut mta = deb("exim4", "amd64", &[]);
        mta.properties.insert(
            PROVIDES_PROPERTY.into(),
            "mail-transport-agent, exim".into(),
        );
        let pkgs = vec![
            deb("bash", "amd64", &["libc6", "base-files", "missing"]),
            deb("libc6", "amd64", &[]),
            deb("libc6", "i386", &[]),
            deb("base-files", "all", &[]),
            deb("mailx", "amd64", &["mail-transport-agent", "mailx"]),
            mta,
        ];
        let rels = relate(&pkgs, &BTreeMap::new());
        assert_eq!(
            deps_of(&rels, "deb:bash:amd64"),
            ["deb:base-files:all", "deb:libc6:amd64"]
        );
        assert_eq!(deps_of(&rels, "deb:mailx:amd64"), ["deb:exim4:amd64"]);
        assert!(rels.iter().all(|r| r.from != r.to));
    }

    #[test]
    fn python_depends_same_site_root_first() {
        let venv = "var/lib/kolla/venv/lib/python3.11/site-packages";
        let sys = "usr/lib/python3/dist-packages";
        let pkgs = vec![
            py(
                "keystone",
                venv,
                &["PyYAML", "Oslo.Config", "six", "nothere"],
            ),
            py("pyyaml", venv, &[]),
            py("pyyaml", sys, &[]),
            py("oslo.config", venv, &[]),
            py("six", sys, &[]),
        ];
        let rels = relate(&pkgs, &BTreeMap::new());
        let k = &pkgs[0].id;
        let mut want = vec![
            pkgs[1].id.clone(), // pyyaml of the venv, not the system one
            pkgs[3].id.clone(),
            pkgs[4].id.clone(), // six only exists in the system root
        ];
        want.sort();
        assert_eq!(deps_of(&rels, k), want);
    }

    #[test]
    fn vendored_copies_are_not_fallback_targets() {
        let site = "venv/lib/python3.11/site-packages";
        let vendor = format!("{site}/setuptools/_vendor");
        let mut vendored = py("packaging", &vendor, &[]);
        vendored
            .properties
            .insert(VENDORED_PROPERTY.into(), "setuptools@80".into());
        let pkgs = vec![
            py("build", site, &["packaging"]),
            vendored,
            py("wheel", &vendor, &["packaging"]),
        ];
        let rels = relate(&pkgs, &BTreeMap::new());
        assert!(deps_of(&rels, &pkgs[0].id).is_empty(), "{rels:?}");
        // Inside the vendor folder itself, the vendored copy is the same-root match.
        assert_eq!(deps_of(&rels, &pkgs[2].id), [pkgs[1].id.clone()]);
    }

    #[test]
    fn os_package_owns_python_package() {
        let sys = "usr/lib/python3/dist-packages";
        let yaml = py("PyYAML", sys, &[]);
        let mut egg = Package::new(Ecosystem::Pypi, "foo", "2");
        egg.metadata_path =
            Some("usr/lib/python3/dist-packages/foo-2.egg/EGG-INFO/PKG-INFO".into());
        egg.id = "python:egg".into();
        let unowned = py(
            "requests",
            "var/lib/kolla/venv/lib/python3.11/site-packages",
            &[],
        );
        let pkgs = vec![
            deb("python3-yaml", "amd64", &[]),
            deb("python3-foo", "all", &[]),
            yaml.clone(),
            egg,
            unowned,
        ];
        let mut owned = BTreeMap::new();
        owned.insert(
            "deb:python3-yaml:amd64".to_string(),
            vec![
                "usr/lib/python3/dist-packages/yaml".to_string(),
                "usr/lib/python3/dist-packages/PyYAML-1.dist-info".to_string(),
            ],
        );
        owned.insert(
            "deb:python3-foo:all".to_string(),
            vec!["usr/lib/python3/dist-packages/foo-2.egg".to_string()],
        );
        // A Python package's own RECORD must not make it an owner.
        owned.insert(
            yaml.id.clone(),
            vec![yaml.metadata_path.clone().unwrap_or_default()],
        );
        let rels = relate(&pkgs, &owned);
        let owns: Vec<(String, String)> = rels
            .iter()
            .filter(|r| r.kind == RelationshipKind::Owns)
            .map(|r| (r.from.clone(), r.to.clone()))
            .collect();
        assert_eq!(
            owns,
            [
                ("deb:python3-foo:all".to_string(), "python:egg".to_string()),
                ("deb:python3-yaml:amd64".to_string(), yaml.id.clone()),
            ]
        );
    }

    #[test]
    fn apk_package_owns_python_package_through_its_folder_entry() {
        let site = "usr/lib/python3.12/site-packages";
        let yaml = py("PyYAML", site, &[]);
        let mut apk = Package::new(Ecosystem::Apk, "py3-yaml", "6.0.1-r3");
        apk.id = "apk:py3-yaml".into();
        let mut owned = BTreeMap::new();
        owned.insert(
            apk.id.clone(),
            vec![format!("{site}/PyYAML-1.dist-info"), format!("{site}/yaml")],
        );
        let rels = relate(&[apk, yaml.clone()], &owned);
        assert_eq!(
            rels,
            [Relationship {
                from: "apk:py3-yaml".into(),
                kind: RelationshipKind::Owns,
                to: yaml.id,
            }]
        );
    }

    fn lang(eco: Ecosystem, name: &str, root: &str, meta: &str, deps: &[&str]) -> Package {
        let mut p = Package::new(eco, name, "1");
        p.id = format!("{eco}:{meta}");
        p.metadata_path = Some(meta.into());
        p.site_root = Some(root.into());
        p.depends = deps.iter().map(|d| d.to_string()).collect();
        p
    }

    #[test]
    fn gem_composer_npm_dependencies_and_ownership_by_metadata_file() {
        let deb_home = "usr/share/rubygems-integration/all";
        let gem_home = "var/lib/gems/3.1.0";
        let spec = |home: &str, n: &str| format!("{home}/specifications/{n}-1.gemspec");
        let jekyll = lang(
            Ecosystem::Gem,
            "jekyll",
            gem_home,
            &spec(gem_home, "jekyll"),
            &["i18n", "rouge"],
        );
        let i18n_local = lang(
            Ecosystem::Gem,
            "i18n",
            gem_home,
            &spec(gem_home, "i18n"),
            &[],
        );
        let i18n_deb = lang(
            Ecosystem::Gem,
            "i18n",
            deb_home,
            &spec(deb_home, "i18n"),
            &[],
        );
        let rouge_deb = lang(
            Ecosystem::Gem,
            "rouge",
            deb_home,
            &spec(deb_home, "rouge"),
            &[],
        );
        let inst = |v: &str| format!("{v}/composer/installed.json");
        let guzzle = lang(
            Ecosystem::Composer,
            "guzzlehttp/guzzle",
            "a/vendor",
            &inst("a/vendor"),
            &["psr/log"],
        );
        let psr_other_app = lang(
            Ecosystem::Composer,
            "psr/log",
            "b/vendor",
            &inst("b/vendor"),
            &[],
        );
        let app = lang(
            Ecosystem::Npm,
            "app",
            "srv/app",
            "srv/app/package.json",
            &["ms"],
        );
        let ms = lang(
            Ecosystem::Npm,
            "ms",
            "srv/app/node_modules/ms",
            "srv/app/node_modules/ms/package.json",
            &[],
        );
        let ms_elsewhere = lang(
            Ecosystem::Npm,
            "ms",
            "srv/other/node_modules/ms",
            "srv/other/node_modules/ms/package.json",
            &[],
        );
        let pkgs = vec![
            deb("ruby-i18n", "all", &[]),
            deb("ruby-rouge", "all", &[]),
            jekyll.clone(),
            i18n_local.clone(),
            i18n_deb.clone(),
            rouge_deb.clone(),
            guzzle.clone(),
            psr_other_app,
            app.clone(),
            ms.clone(),
            ms_elsewhere,
        ];
        let mut owned = BTreeMap::new();
        // every ruby-* deb lists the shared specifications folder: that owns nothing
        let shared = format!("{deb_home}/specifications");
        owned.insert(
            "deb:ruby-i18n:all".to_string(),
            vec![shared.clone(), spec(deb_home, "i18n")],
        );
        owned.insert(
            "deb:ruby-rouge:all".to_string(),
            vec![shared, spec(deb_home, "rouge")],
        );
        let rels = relate(&pkgs, &owned);
        // same gem home first (i18n), else any home (rouge from the deb)
        let mut want = vec![i18n_local.id.clone(), rouge_deb.id.clone()];
        want.sort();
        assert_eq!(deps_of(&rels, &jekyll.id), want);
        // Composer: never into another application's vendor folder
        assert!(deps_of(&rels, &guzzle.id).is_empty());
        // npm: the nearest node_modules only
        assert_eq!(deps_of(&rels, &app.id), std::slice::from_ref(&ms.id));
        let owns: Vec<(&str, &str)> = rels
            .iter()
            .filter(|r| r.kind == RelationshipKind::Owns)
            .map(|r| (r.from.as_str(), r.to.as_str()))
            .collect();
        assert_eq!(
            owns,
            [
                ("deb:ruby-i18n:all", i18n_deb.id.as_str()),
                ("deb:ruby-rouge:all", rouge_deb.id.as_str()),
            ]
        );
    }

    #[test]
    fn go_and_cargo_depends_stay_inside_their_binary() {
        let module = |bin: &str, name: &str, version: &str, deps: &[&str]| {
            let mut p = Package::new(Ecosystem::Golang, name, version);
            p.id = format!("golang:{bin}:{name}");
            p.metadata_path = Some(bin.into());
            p.depends = deps.iter().map(|d| d.to_string()).collect();
            p
        };
        let pkgs = vec![
            module(
                "bin/a",
                "example.com/a",
                "v1.0.0",
                &["golang.org/x/sys@v0.1.0", "golang.org/toolchain"],
            ),
            module("bin/a", "golang.org/x/sys", "v0.1.0", &[]),
            module("bin/a", "golang.org/toolchain", "v1.22.1", &[]),
            module("bin/b", "golang.org/x/sys", "v0.1.0", &[]),
            module("bin/b", "golang.org/toolchain", "v1.22.1", &[]),
        ];
        let rels = relate(&pkgs, &BTreeMap::new());
        assert_eq!(
            deps_of(&rels, "golang:bin/a:example.com/a"),
            [
                "golang:bin/a:golang.org/toolchain",
                "golang:bin/a:golang.org/x/sys"
            ]
        );
        assert_eq!(rels.len(), 2);
    }

    #[test]
    fn nested_components_are_contained_in_the_nearest_enclosing_one() {
        let at = |id: &str, meta: &str| {
            let mut p = Package::new(Ecosystem::Maven, id, "1");
            p.id = id.into();
            p.metadata_path = Some(meta.into());
            p
        };
        let pkgs = vec![
            at("ear", "opt/app.ear"),
            at("war", "opt/app.ear!/web.war"),
            at("lib", "opt/app.ear!/web.war!/WEB-INF/lib/lib.jar"),
            at(
                "shaded",
                "opt/app.ear!/web.war!/WEB-INF/lib/lib.jar!/META-INF/maven/g/s/pom.properties",
            ),
            // Inside a plain zip that is no component: the ear holds it.
            at("deep", "opt/app.ear!/extra.zip!/x.jar"),
            at("alone", "opt/other.jar"),
        ];
        let got: Vec<(String, String)> = relate(&pkgs, &BTreeMap::new())
            .into_iter()
            .filter(|r| r.kind == RelationshipKind::Contains)
            .map(|r| (r.from, r.to))
            .collect();
        let want: Vec<(String, String)> = [
            ("ear", "deep"),
            ("ear", "war"),
            ("lib", "shaded"),
            ("war", "lib"),
        ]
        .iter()
        .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn output_is_sorted_and_deterministic() {
        let pkgs = vec![
            deb("z", "all", &["a", "m"]),
            deb("a", "all", &["z"]),
            deb("m", "all", &[]),
        ];
        let r1 = relate(&pkgs, &BTreeMap::new());
        let mut rev = pkgs.clone();
        rev.reverse();
        let r2 = relate(&rev, &BTreeMap::new());
        assert_eq!(r1, r2);
        let mut sorted = r1.clone();
        sorted.sort();
        assert_eq!(r1, sorted);
        assert_eq!(r1.len(), 3);
    }
}
