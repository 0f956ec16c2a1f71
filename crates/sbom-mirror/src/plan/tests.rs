use super::*;
use sbom_model::{Platform, Relationship, Subject};

const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

fn image(
    repo: &str,
    tag: &str,
    digest: Option<&str>,
    distro: Option<(&str, &str, &str)>,
    packages: Vec<Package>,
) -> Sbom {
    let mut s = Sbom {
        subject: Subject {
            kind: SubjectKind::Image,
            reference: format!("{repo}:{tag}"),
            name: repo.into(),
            tag: Some(tag.into()),
            repository: Some(repo.into()),
            manifest_digest: digest.map(str::to_string),
            platform: Some(Platform {
                os: "linux".into(),
                architecture: "amd64".into(),
                variant: None,
            }),
            ..Subject::default()
        },
        distro: distro.map(|(id, v, c)| Distro {
            id: id.into(),
            version_id: Some(v.into()),
            version_codename: Some(c.into()),
            ..Distro::default()
        }),
        packages,
        ..Sbom::default()
    };
    s.finalize();
    s
}

fn deb(name: &str, version: &str, arch: &str) -> Package {
    let mut p = Package::new(Ecosystem::Deb, name, version);
    p.arch = Some(arch.into());
    p
}

fn py(name: &str, version: &str, root: &str) -> Package {
    let mut p = Package::new(Ecosystem::Pypi, name, version);
    p.site_root = Some(root.into());
    p
}

fn declared(mut p: Package, line: u32) -> Package {
    p.origin = Origin::Declared {
        file: "declared.yml".into(),
        line: Some(line),
        scope: Some("manager".into()),
    };
    p
}

const VENV: &str = "var/lib/kolla/venv/lib/python3.11/site-packages";

fn group(distro: &str, arch: &str) -> OsGroup {
    OsGroup {
        ecosystem: Ecosystem::Deb,
        distro: distro.into(),
        codename: Some("bookworm".into()),
        arch: arch.into(),
    }
}

#[test]
fn debs_group_by_release_and_arch_with_arch_all_in_the_image_arch() {
    let mut libc = deb("libc6", "2.36-9+deb12u4", "amd64");
    libc.source_name = Some("glibc".into());
    let a = image(
        "quay.io/osism/keystone",
        "r1",
        Some(D1),
        Some(("debian", "12.5", "bookworm")),
        vec![
            libc.clone(),
            deb("tzdata", "2024a-0+deb12u1", "all"),
            deb("libc6", "2.36-9+deb12u4", "i386"),
        ],
    );
    // Same packages again in a second image, one at another version.
    let b = image(
        "quay.io/osism/nova",
        "r1",
        Some(D2),
        Some(("debian", "12", "bookworm")),
        vec![
            libc,
            deb("tzdata", "2024b-0+deb12u1", "all"),
            deb("Zlib1g", "1:1.2.13.dfsg-1", "amd64"),
        ],
    );
    let mut b_ = PlanBuilder::new();
    b_.add_sbom("", &a);
    b_.add_sbom("", &b);
    let plan = b_.finish();
    let groups: Vec<String> = plan.os.keys().map(OsGroup::path).collect();
    assert_eq!(groups, vec!["debian-12/amd64", "debian-12/i386"]);
    let pins: Vec<(String, String, String)> = plan
        .os_pins(&group("debian-12", "amd64"))
        .iter()
        .map(|p| (p.name.clone(), p.version.clone(), p.arch.clone()))
        .collect();
    let t = |n: &str, v: &str, a: &str| (n.to_string(), v.to_string(), a.to_string());
    assert_eq!(
        pins,
        vec![
            t("libc6", "2.36-9+deb12u4", "amd64"),
            t("tzdata", "2024a-0+deb12u1", "all"),
            t("tzdata", "2024b-0+deb12u1", "all"),
            t("Zlib1g", "1:1.2.13.dfsg-1", "amd64"),
        ]
    );
    let libc = plan.os_pins(&group("debian-12", "amd64"))[0].clone();
    assert_eq!(libc.source_name.as_deref(), Some("glibc"));
    assert_eq!(
        libc.needed_by.iter().cloned().collect::<Vec<_>>(),
        vec!["quay.io/osism/keystone", "quay.io/osism/nova"]
    );
    assert!(plan.unpinned.is_empty(), "{:?}", plan.unpinned);
}

#[test]
fn declared_debs_without_a_release_and_unpinnable_versions_are_reported() {
    let mut b = PlanBuilder::new();
    b.add_declared(
        "declared.yml",
        &[
            declared(deb("chrony", "4.3-2", ""), 3),
            declared(Package::new(Ecosystem::Deb, "nginx", "1.22.*"), 4),
            declared(Package::new(Ecosystem::Deb, "curl", ""), 5),
        ],
    );
    let plan = b.finish();
    let g: Vec<String> = plan.os.keys().map(OsGroup::path).collect();
    assert_eq!(g, vec!["debian/any"]);
    let chrony = &plan.os_pins(plan.os.keys().next().unwrap())[0];
    assert!(chrony.declared && !chrony.observed);
    assert_eq!(
        chrony.needed_by.iter().next().map(String::as_str),
        Some("declared.yml:3")
    );
    let why: Vec<(&str, &str)> = plan
        .unpinned
        .iter()
        .map(|u| (u.name.as_str(), u.reason.as_str()))
        .collect();
    assert_eq!(
        why,
        vec![
            ("curl", "no version"),
            (
                "nginx",
                "`1.22.*` is a pattern or a constraint, not a version"
            )
        ]
    );
    assert_eq!(plan.counts.declared.get(&Ecosystem::Deb), Some(&3));
}

#[test]
fn python_pins_per_environment_without_os_owned_or_vendored_packages() {
    let mut yaml = py("PyYAML", "6.0", "usr/lib/python3/dist-packages");
    yaml.id = "yaml".into();
    let mut s = image(
        "quay.io/osism/keystone",
        "r1",
        Some(D1),
        None,
        vec![
            yaml,
            deb("python3-yaml", "6.0-3+b2", "amd64"),
            py("oslo.config", "9.4.0", VENV),
            py("Six", "1.16.0", VENV),
            py("six", "1.15.0", VENV),
            py("packaging", "24.0", &format!("{VENV}/setuptools/_vendor")),
            py("pip", "24.0", "usr/local/lib/python3.11/site-packages"),
        ],
    );
    let owner = s
        .packages
        .iter()
        .find(|p| p.name == "python3-yaml")
        .unwrap()
        .id
        .clone();
    let owned = s
        .packages
        .iter()
        .find(|p| p.name == "PyYAML")
        .unwrap()
        .id
        .clone();
    s.relationships.push(Relationship {
        from: owner,
        kind: RelationshipKind::Owns,
        to: owned,
    });
    let mut b = PlanBuilder::new();
    b.add_sbom("", &s);
    b.add_declared(
        "site.yml",
        &[{
            let mut p = declared(
                Package::new(Ecosystem::Pypi, "python-openstackclient", "7.0.0"),
                9,
            );
            p.properties
                .insert("sbom:ansible:virtualenv".into(), "/opt/osc".into());
            p
        }],
    );
    let plan = b.finish();
    let envs: Vec<(&str, Vec<String>)> = plan
        .python
        .values()
        .map(|e| {
            (
                e.id.as_str(),
                e.pins
                    .iter()
                    .map(|(n, p)| format!("{n}=={}", p.version))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        envs,
        vec![
            (
                "declared/opt_osc",
                vec!["python-openstackclient==7.0.0".to_string()]
            ),
            (
                "quay.io_osism_keystone_r1/usr_local_lib_python3.11_site-packages",
                vec!["pip==24.0".to_string()]
            ),
            (
                "quay.io_osism_keystone_r1/var_lib_kolla_venv_lib_python3.11_site-packages",
                vec!["oslo-config==9.4.0".to_string(), "six==1.16.0".to_string()]
            ),
        ]
    );
    assert_eq!(plan.counts.python_owned_by_os_packages, 1);
    assert_eq!(plan.counts.python_vendored, 1);
    let venv = plan.python.values().nth(2).unwrap();
    assert_eq!(
        (venv.python.as_deref(), venv.platform.as_deref()),
        (Some("3.11"), Some("linux/amd64"))
    );
    // The lower of two versions in one venv is reported, not silently dropped.
    assert_eq!(plan.unpinned.len(), 1);
    assert_eq!(
        (
            plan.unpinned[0].name.as_str(),
            plan.unpinned[0].version.as_str()
        ),
        ("six", "1.15.0")
    );
}

#[test]
fn one_repository_in_two_release_folders_gets_two_environments() {
    let r1 = image(
        "quay.io/osism/keystone",
        "r1",
        Some(D1),
        None,
        vec![py("six", "1.15.0", VENV)],
    );
    let r2 = image(
        "quay.io/osism/keystone",
        "r2",
        Some(D2),
        None,
        vec![py("six", "1.16.0", VENV)],
    );
    let mut b = PlanBuilder::new();
    b.add_sbom("", &r1);
    b.add_sbom("", &r2);
    let plan = b.finish();
    let ids: Vec<&str> = plan.python.keys().map(String::as_str).collect();
    assert_eq!(
        ids,
        vec![
            "quay.io_osism_keystone_r1/var_lib_kolla_venv_lib_python3.11_site-packages",
            "quay.io_osism_keystone_r2/var_lib_kolla_venv_lib_python3.11_site-packages"
        ]
    );
    // The same image twice (two folders of one release): numbered, not merged.
    let mut b = PlanBuilder::new();
    b.add_sbom("", &r1);
    b.add_sbom("", &r1);
    let ids: Vec<String> = b.finish().python.into_keys().collect();
    assert_eq!(ids[1], format!("{}-2", ids[0]));
    assert_eq!(plan.images.len(), 2);
}

#[test]
fn images_come_from_subjects_failed_index_lines_and_declarations() {
    let ok = image(
        "127.0.0.1:5000/kolla/keystone",
        "r1",
        Some(D1),
        None,
        vec![],
    );
    let mut local = image("x", "y", None, None, vec![]);
    local.subject.repository = None;
    local.subject.reference = "oci-dir:/srv/layout:bench".into();
    let release = Release::from_sboms("R", [ok, local]).unwrap();
    let index = Index {
        images: vec![
            IndexEntry {
                reference: "127.0.0.1:5000/kolla/keystone:r1".into(),
                scanned: "127.0.0.1:5000/kolla/keystone:r1".into(),
                status: "ok".into(),
                manifest_digest: Some(D1.into()),
                ..IndexEntry::default()
            },
            IndexEntry {
                reference: "127.0.0.1:5000/kolla/nova:r1".into(),
                scanned: format!("127.0.0.1:5000/kolla/nova@{D2}"),
                status: "failed".into(),
                ..IndexEntry::default()
            },
            IndexEntry {
                reference: "127.0.0.1:5000/kolla/missing:r1".into(),
                scanned: "127.0.0.1:5000/kolla/missing:r1".into(),
                status: "failed".into(),
                error: Some("manifest unknown".into()),
                ..IndexEntry::default()
            },
        ],
        ..Index::default()
    };
    let mut b = PlanBuilder::new();
    b.add_release(&release, Some(&index));
    b.add_declared(
        "declared.yml",
        &[
            declared(
                Package::new(Ecosystem::Oci, "127.0.0.1:5000/kolla/keystone", "r1"),
                1,
            ),
            declared(
                Package::new(Ecosystem::Oci, "quay.io/osism/cgit", "1.2.3"),
                2,
            ),
            declared(Package::new(Ecosystem::Oci, "quay.io/osism/homer", D2), 3),
        ],
    );
    let plan = b.finish();
    let got: Vec<(String, Vec<String>, bool, bool)> = plan
        .images
        .values()
        .map(|i| {
            (
                i.reference(),
                i.tags.iter().cloned().collect(),
                i.declared,
                i.note.is_some(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                format!("127.0.0.1:5000/kolla/keystone@{D1}"),
                vec!["r1".to_string()],
                false,
                false
            ),
            (
                format!("127.0.0.1:5000/kolla/nova@{D2}"),
                vec!["r1".to_string()],
                false,
                true
            ),
            (format!("quay.io/osism/homer@{D2}"), vec![], true, false),
        ]
    );
    let un: Vec<(&str, &str)> = plan
        .unpinned
        .iter()
        .map(|u| (u.name.as_str(), u.reason.as_str()))
        .collect();
    assert_eq!(
        un,
        vec![
            (
                "127.0.0.1:5000/kolla/missing:r1",
                "its scan failed (manifest unknown) and the release list gives no digest"
            ),
            (
                "oci-dir:/srv/layout:bench",
                "scanned from a local source: no registry to copy it from"
            ),
            (
                "quay.io/osism/cgit",
                "declared by tag only, and no scanned image of the release has that tag"
            ),
        ]
    );
}

#[test]
fn rpm_versions_take_the_purl_epoch_and_need_a_release() {
    let mut openssl = Package::new(Ecosystem::Rpm, "openssl-libs", "3.0.7-27.el9");
    openssl.arch = Some("x86_64".into());
    openssl.purl =
        Some("pkg:rpm/rocky/openssl-libs@3.0.7-27.el9?arch=x86_64&epoch=1&distro=rocky-9.3".into());
    let mut tz = Package::new(Ecosystem::Rpm, "tzdata", "2024a-1.el9");
    tz.arch = Some("noarch".into());
    let bad = Package::new(Ecosystem::Rpm, "bash", "5.1.8");
    let s = image(
        "quay.io/ceph/ceph",
        "v18",
        Some(D1),
        Some(("rocky", "9.3", "")),
        vec![openssl, tz, bad],
    );
    let mut b = PlanBuilder::new();
    b.add_sbom("", &s);
    let plan = b.finish();
    let g: Vec<String> = plan.os.keys().map(OsGroup::path).collect();
    assert_eq!(g, vec!["rocky-9.3/x86_64"]);
    let pins: Vec<String> = plan
        .os_pins(plan.os.keys().next().unwrap())
        .iter()
        .map(|p| crate::rpm::nevra(p))
        .collect();
    assert_eq!(
        pins,
        vec![
            "openssl-libs-1:3.0.7-27.el9.x86_64",
            "tzdata-2024a-1.el9.noarch"
        ]
    );
    assert_eq!(plan.unpinned.len(), 1);
    assert!(
        plan.unpinned[0].reason.contains("no release"),
        "{:?}",
        plan.unpinned
    );
}

#[test]
fn platform_arches_in_each_ecosystems_spelling() {
    let p = |a: &str, v: Option<&str>| Platform {
        os: "linux".into(),
        architecture: a.into(),
        variant: v.map(str::to_string),
    };
    let cases = [
        (Ecosystem::Deb, p("amd64", None), "amd64"),
        (Ecosystem::Deb, p("arm", Some("v7")), "armhf"),
        (Ecosystem::Deb, p("arm", Some("v6")), "armel"),
        (Ecosystem::Deb, p("ppc64le", None), "ppc64el"),
        (Ecosystem::Deb, p("386", None), "i386"),
        (Ecosystem::Rpm, p("amd64", None), "x86_64"),
        (Ecosystem::Rpm, p("arm64", Some("v8")), "aarch64"),
        (Ecosystem::Rpm, p("ppc64le", None), "ppc64le"),
        (Ecosystem::Rpm, p("s390x", None), "s390x"),
    ];
    for (eco, plat, want) in cases {
        assert_eq!(os_arch(eco, &plat), want, "{eco} {plat}");
    }
}
