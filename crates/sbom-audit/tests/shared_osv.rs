//! The real OSV records in ../shared/osv (Debian:12 and PyPI) against packages of the
//! keystone bench image (r1 versions), with outcomes read off the records by hand.
use std::path::PathBuf;

use sbom_audit::{audit, OsvDatabase};
use sbom_model::{Distro, Ecosystem, Package, Sbom};

fn shared_osv() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/osv")
}

fn deb(name: &str, version: &str, source: &str) -> Package {
    let mut p = Package::new(Ecosystem::Deb, name, version);
    p.source_name = Some(source.into());
    p
}

fn bench_r1() -> Sbom {
    let mut venv_urllib3 = Package::new(Ecosystem::Pypi, "urllib3", "2.8.0");
    venv_urllib3.metadata_path = Some(
        "var/lib/kolla/venv/lib/python3.11/site-packages/urllib3-2.8.0.dist-info/METADATA".into(),
    );
    let mut sys_urllib3 = Package::new(Ecosystem::Pypi, "urllib3", "1.26.12");
    sys_urllib3.metadata_path =
        Some("usr/lib/python3/dist-packages/urllib3-1.26.12.egg-info/PKG-INFO".into());
    let mut s = Sbom {
        distro: Some(Distro {
            id: "debian".into(),
            version_id: Some("12".into()),
            ..Distro::default()
        }),
        packages: vec![
            deb("libssl3", "3.0.22-1~deb12u2", "openssl"),
            deb("openssl", "3.0.22-1~deb12u2", "openssl"),
            deb("zlib1g", "1:1.2.13.dfsg-1", "zlib"),
            deb("login", "1:4.13+dfsg1-1+deb12u2", "shadow"),
            deb("passwd", "1:4.13+dfsg1-1+deb12u2", "shadow"),
            venv_urllib3,
            sys_urllib3,
            Package::new(Ecosystem::Pypi, "keystone", "25.0.0"),
        ],
        ..Sbom::default()
    };
    s.subject.name = "osism/keystone".into();
    s.finalize();
    s
}

fn ids_for<'a>(r: &'a sbom_audit::VulnReport, name: &str, version: &str) -> Vec<&'a str> {
    let mut v: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.package.name == name && f.package.version == version)
        .map(|f| f.id.as_str())
        .collect();
    v.sort();
    v
}

#[test]
fn shared_osv_loads_without_warnings() {
    let db = OsvDatabase::load(&[shared_osv()]).expect("shared/osv loads");
    assert!(db.warnings.is_empty(), "{:?}", db.warnings);
    assert_eq!(db.stats.records, 73 + 493);
    use sbom_audit::osv::Family;
    for (fam, name) in [
        (Family::PyPI, "pyyaml"),
        (Family::PyPI, "pyopenssl"),
        (Family::PyPI, "sqlalchemy"),
        (Family::Debian, "openssl"),
        (Family::Debian, "libapache2-mod-auth-openidc"),
        (Family::Debian, "python3.11"),
    ] {
        assert!(db.lookup(fam, name).count() > 0, "{fam:?} {name}");
    }
}

#[test]
fn bench_packages_against_real_records() {
    let db = OsvDatabase::load(&[shared_osv()]).expect("shared/osv loads");
    let r = audit(&[bench_r1()], &db);

    // shadow: DEBIAN-CVE-2024-56433 has `introduced 0` and no fix (no-dsa); matched by
    // the SOURCE package for both binaries, merged with its CVE alias.
    for bin in ["login", "passwd"] {
        let f = r
            .findings
            .iter()
            .find(|f| f.package.name == bin && f.id == "CVE-2024-56433")
            .unwrap_or_else(|| panic!("{bin} has CVE-2024-56433"));
        assert_eq!(f.aliases, vec!["DEBIAN-CVE-2024-56433"]);
        assert_eq!(f.fixed, None);
        assert_eq!(f.package.matched_name, "shadow");
    }

    // zlib 1:1.2.13.dfsg-1: CVE-2023-45853 is fixed in 1:1.3.dfsg-2 (above), while
    // CVE-2018-25032 / CVE-2022-37434 were fixed in 1:1.2.11.dfsg-4(.1) (below).
    let zlib = ids_for(&r, "zlib1g", "1:1.2.13.dfsg-1");
    assert!(zlib.contains(&"CVE-2023-45853"), "{zlib:?}");
    assert!(!zlib.contains(&"CVE-2018-25032"), "{zlib:?}");
    assert!(!zlib.contains(&"CVE-2022-37434"), "{zlib:?}");
    let f = r
        .findings
        .iter()
        .find(|f| f.package.name == "zlib1g" && f.id == "CVE-2023-45853")
        .expect("zlib finding");
    assert_eq!(f.fixed.as_deref(), Some("1:1.3.dfsg-2"));

    // openssl 3.0.22-1~deb12u2: every record with a fix has it at or below the installed
    // version (3.0.20-1~deb12u2, 3.0.22-1~deb12u1, 3.0.22-1~deb12u2).
    for name in ["libssl3", "openssl"] {
        let ids = ids_for(&r, name, "3.0.22-1~deb12u2");
        for fixed_id in [
            "CVE-2026-35189",
            "CVE-2026-42767",
            "CVE-2026-34180",
            "CVE-2022-0778",
        ] {
            assert!(!ids.contains(&fixed_id), "{name}: {fixed_id} in {ids:?}");
        }
        for f in r.findings.iter().filter(|f| f.package.name == name) {
            assert!(
                f.fixed.is_none(),
                "{name}: {} reports fix {:?}",
                f.id,
                f.fixed
            );
        }
    }

    // urllib3: PYSEC-2023-192 (two intervals, 0..1.26.17 and 2.0.0..2.0.6, plus a GIT
    // range) hits the dist-packages copy 1.26.12 but not the venv's 2.8.0.
    let old = r
        .findings
        .iter()
        .find(|f| f.package.version == "1.26.12" && f.id == "CVE-2023-43804")
        .expect("urllib3 1.26.12 has CVE-2023-43804");
    assert!(old.aliases.contains(&"PYSEC-2023-192".to_string()));
    assert!(old.aliases.contains(&"GHSA-v845-jxx5-vc9f".to_string()));
    assert_eq!(old.fixed.as_deref(), Some("1.26.17"));
    assert!(!ids_for(&r, "urllib3", "2.8.0").contains(&"CVE-2023-43804"));

    // keystone 25.0.0: PYSEC-2012-19/20 have an ECOSYSTEM range `introduced 0` with no fix
    // (the fixes are GIT commits, which are ignored).
    let ks = ids_for(&r, "keystone", "25.0.0");
    assert!(ks.contains(&"CVE-2012-3542"), "{ks:?}");
    assert!(ks.contains(&"CVE-2012-5563"), "{ks:?}");
}
