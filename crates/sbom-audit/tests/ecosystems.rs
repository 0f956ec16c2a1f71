//! OSV matching for the language ecosystems (Go, crates.io, Maven, npm, RubyGems,
//! Packagist) and the rpm distributions (Rocky Linux, AlmaLinux, Red Hat, SUSE,
//! openSUSE), on records in the shape each database publishes
//! (tests/data/osv-ecosystems, whose README names the source of each shape). Expected
//! outcomes are read off the records by hand.
use std::path::PathBuf;

use sbom_audit::{audit, OsvDatabase, VulnReport};
use sbom_model::{Distro, Ecosystem, Package, Sbom};

fn db() -> OsvDatabase {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/osv-ecosystems");
    let db = OsvDatabase::load(&[dir]).expect("records load");
    assert!(db.warnings.is_empty(), "{:?}", db.warnings);
    db
}

fn sbom(name: &str, distro: Option<(&str, &str)>, packages: Vec<Package>) -> Sbom {
    let mut s = Sbom {
        distro: distro.map(|(id, v)| Distro {
            id: id.into(),
            version_id: Some(v.into()),
            ..Distro::default()
        }),
        packages,
        ..Sbom::default()
    };
    s.subject.name = name.into();
    s.finalize();
    s
}

fn rpm(name: &str, version: &str, srpm: &str) -> Package {
    let mut p = Package::new(Ecosystem::Rpm, name, version);
    p.source_name = Some(srpm.into());
    p
}

/// (package name, version, finding id, fixed) of every finding.
fn found(r: &VulnReport) -> Vec<(String, String, String, Option<String>)> {
    let mut v: Vec<_> = r
        .findings
        .iter()
        .map(|f| {
            (
                f.package.name.clone(),
                f.package.version.clone(),
                f.id.clone(),
                f.fixed.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

fn row(
    name: &str,
    version: &str,
    id: &str,
    fixed: Option<&str>,
) -> (String, String, String, Option<String>) {
    (
        name.into(),
        version.into(),
        id.into(),
        fixed.map(Into::into),
    )
}

#[test]
fn loads_every_record_and_skips_the_withdrawn_one() {
    let d = db();
    assert_eq!(d.stats.files, 13);
    assert_eq!(d.stats.records, 12);
    assert_eq!(d.stats.withdrawn, 1);
    // The EUS stream of RHSA-2025:9978 is the only entry of a family we do not match.
    assert_eq!(d.stats.unsupported_entries, 1);
}

#[test]
fn go_modules_and_the_standard_library() {
    let s = sbom(
        "exporter",
        None,
        vec![
            // The toolchain component as syft names it; OSV's `stdlib` at 1.22.4.
            Package::new(Ecosystem::Golang, "stdlib", "go1.22.4"),
            Package::new(
                Ecosystem::Golang,
                "golang.org/x/net",
                "v0.0.0-20220722155237-a158d28d115b",
            ),
            Package::new(Ecosystem::Golang, "example.com/exporter", "(devel)"),
        ],
    );
    let r = audit(&[s], &db());
    assert_eq!(
        found(&r),
        vec![
            row(
                "golang.org/x/net",
                "v0.0.0-20220722155237-a158d28d115b",
                "CVE-2023-39325",
                Some("0.17.0")
            ),
            row("stdlib", "go1.22.4", "CVE-2024-24791", Some("1.22.5")),
        ]
    );
    let std = r
        .findings
        .iter()
        .find(|f| f.package.name == "stdlib")
        .expect("stdlib");
    assert_eq!(std.package.matched_version, "1.22.4");
    // (devel) is no version: not matched, and said so.
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("exporter: 1 golang packages whose version is no release")),
        "{:?}",
        r.notes
    );
    // Fixed versions and the other release line are not affected.
    let s = sbom(
        "exporter2",
        None,
        vec![
            Package::new(Ecosystem::Golang, "stdlib", "go1.22.5"),
            Package::new(Ecosystem::Golang, "stdlib", "go1.21.12"),
            Package::new(Ecosystem::Golang, "golang.org/x/net", "v0.17.0"),
        ],
    );
    assert_eq!(found(&audit(&[s], &db())), vec![]);
    // go1.21.11 is below both fixes of the 1.21 line.
    let s = sbom(
        "old",
        None,
        vec![Package::new(Ecosystem::Golang, "stdlib", "go1.21.2")],
    );
    let r = audit(&[s], &db());
    assert_eq!(
        found(&r),
        vec![
            row("stdlib", "go1.21.2", "CVE-2023-39325", Some("1.21.3")),
            row("stdlib", "go1.21.2", "CVE-2024-24791", Some("1.21.12")),
        ]
    );
}

#[test]
fn crates_maven_npm_rubygems_and_packagist() {
    let s = sbom(
        "apps",
        None,
        vec![
            Package::new(Ecosystem::Cargo, "openssl", "0.10.54"),
            Package::new(Ecosystem::Cargo, "openssl", "0.10.55"),
            // Log4Shell: three ranges, Maven's ordering (2.0-beta9 < 2.0 < 2.3.1).
            Package::new(
                Ecosystem::Maven,
                "org.apache.logging.log4j:log4j-core",
                "2.14.1",
            ),
            Package::new(
                Ecosystem::Maven,
                "org.apache.logging.log4j:log4j-core",
                "2.0-beta9",
            ),
            Package::new(
                Ecosystem::Maven,
                "org.apache.logging.log4j:log4j-core",
                "2.12.2",
            ),
            Package::new(
                Ecosystem::Maven,
                "org.apache.logging.log4j:log4j-core",
                "2.17.1",
            ),
            Package::new(Ecosystem::Npm, "@babel/traverse", "7.23.0"),
            Package::new(Ecosystem::Npm, "@babel/traverse", "8.0.0-alpha.1"),
            Package::new(Ecosystem::Npm, "@babel/traverse", "8.0.0-alpha.4"),
            Package::new(Ecosystem::Npm, "lodash", "4.17.20"),
            Package::new(Ecosystem::Gem, "rack", "2.2.8"),
            Package::new(Ecosystem::Gem, "rack", "2.2.8.1"),
            Package::new(Ecosystem::Composer, "symfony/process", "v6.4.13"),
            Package::new(Ecosystem::Composer, "symfony/process", "v7.1.7"),
            Package::new(Ecosystem::Composer, "symfony/process", "dev-main"),
        ],
    );
    let r = audit(&[s], &db());
    assert_eq!(
        found(&r),
        vec![
            row(
                "@babel/traverse",
                "7.23.0",
                "CVE-2023-45133",
                Some("7.23.2")
            ),
            row(
                "@babel/traverse",
                "8.0.0-alpha.1",
                "CVE-2023-45133",
                Some("8.0.0-alpha.4")
            ),
            row("lodash", "4.17.20", "CVE-2021-23337", Some("4.17.21")),
            row("openssl", "0.10.54", "GHSA-xcf7-rvmh-g6q4", Some("0.10.55")),
            row(
                "org.apache.logging.log4j:log4j-core",
                "2.0-beta9",
                "CVE-2021-44228",
                Some("2.3.1")
            ),
            row(
                "org.apache.logging.log4j:log4j-core",
                "2.14.1",
                "CVE-2021-44228",
                Some("2.15.0")
            ),
            row("rack", "2.2.8", "CVE-2024-26146", Some("2.2.8.1")),
            row(
                "symfony/process",
                "v6.4.13",
                "CVE-2024-51736",
                Some("6.4.14")
            ),
        ]
    );
    // The withdrawn lodash record affects every version; it is not reported.
    assert!(r
        .findings
        .iter()
        .all(|f| !f.all_ids().any(|i| i == "GHSA-8cf7-32gw-wr33")));
    assert!(r
        .notes
        .iter()
        .any(|n| n.contains("1 composer packages whose version is no release")));
    assert_eq!(r.stats.matchable, 14);
}

#[test]
fn rocky_matches_binary_rpms_with_their_epoch() {
    let d = db();
    let s = sbom(
        "rocky",
        Some(("rocky", "9.3")),
        vec![
            rpm(
                "openssl-libs",
                "1:3.0.7-25.el9_3",
                "openssl-3.0.7-25.el9_3.src.rpm",
            ),
            rpm("openssl", "1:3.0.7-27.el9", "openssl-3.0.7-27.el9.src.rpm"),
        ],
    );
    let r = audit(&[s], &d);
    assert_eq!(
        found(&r),
        vec![row(
            "openssl-libs",
            "1:3.0.7-25.el9_3",
            "CVE-2023-3446",
            Some("1:3.0.7-27.el9")
        )]
    );
    let f = &r.findings[0];
    assert_eq!(f.records, vec!["RLSA-2024:2447"]);
    assert!(
        f.aliases.contains(&"CVE-2024-0727".to_string()),
        "upstream ids alias: {:?}",
        f.aliases
    );
    // Another tool's SBOM: version without epoch, epoch in the purl (syft, trivy).
    let mut theirs = Package::new(Ecosystem::Rpm, "openssl-libs", "3.0.7-27.el9");
    theirs.purl =
        Some("pkg:rpm/rocky/openssl-libs@3.0.7-27.el9?arch=x86_64&epoch=1&distro=rocky-9.3".into());
    let mut older = theirs.clone();
    older.version = "3.0.7-25.el9_3".into();
    older.purl = Some(
        "pkg:rpm/rocky/openssl-libs@3.0.7-25.el9_3?arch=x86_64&epoch=1&distro=rocky-9.3".into(),
    );
    let bare = Sbom {
        packages: vec![theirs, older],
        ..Sbom::default()
    };
    let r = audit(&[bare], &d);
    assert_eq!(
        found(&r).into_iter().map(|f| f.1).collect::<Vec<_>>(),
        vec!["3.0.7-25.el9_3"],
        "the purl's epoch and distro are used"
    );
    // A Rocky 8 image takes the Rocky 8 entry only.
    let s8 = sbom(
        "rocky8",
        Some(("rocky", "8.9")),
        vec![rpm("openssl-libs", "1:1.1.1k-9.el8_7", "openssl")],
    );
    assert_eq!(
        found(&audit(&[s8], &d)),
        vec![row(
            "openssl-libs",
            "1:1.1.1k-9.el8_7",
            "CVE-2023-3446",
            Some("1:1.1.1k-12.el8_9")
        )]
    );
}

#[test]
fn almalinux_matches_by_binary_name_or_source_rpm() {
    let s = sbom(
        "alma",
        Some(("almalinux", "9.4")),
        vec![
            rpm(
                "glibc-minimal-langpack",
                "2.34-100.el9",
                "glibc-2.34-100.el9.src.rpm",
            ),
            // Not listed in the record; its source rpm is.
            rpm(
                "glibc-langpack-de",
                "2.34-100.el9",
                "glibc-2.34-100.el9.src.rpm",
            ),
            rpm(
                "glibc",
                "2.34-100.el9_4.2",
                "glibc-2.34-100.el9_4.2.src.rpm",
            ),
        ],
    );
    let r = audit(&[s], &db());
    assert_eq!(
        found(&r),
        vec![
            row(
                "glibc-langpack-de",
                "2.34-100.el9",
                "ALSA-2024:3339",
                Some("2.34-100.el9_4.2")
            ),
            row(
                "glibc-minimal-langpack",
                "2.34-100.el9",
                "ALSA-2024:3339",
                Some("2.34-100.el9_4.2")
            ),
        ]
    );
    let de = r
        .findings
        .iter()
        .find(|f| f.package.name == "glibc-langpack-de")
        .expect("de");
    assert_eq!(de.package.matched_name, "glibc-langpack-de");
}

#[test]
fn red_hat_streams_of_the_image_release_only() {
    let ubi = |v: &str| {
        sbom(
            "ubi",
            Some(("rhel", v)),
            vec![rpm(
                "sudo",
                "1.9.5p2-10.el9_3",
                "sudo-1.9.5p2-10.el9_3.src.rpm",
            )],
        )
    };
    let r = audit(&[ubi("9.5")], &db());
    // baseos and appstream entries of one record: one finding, under its CVE.
    assert_eq!(
        found(&r),
        vec![row(
            "sudo",
            "1.9.5p2-10.el9_3",
            "CVE-2025-32462",
            Some("0:1.9.5p2-10.el9_6.1")
        )]
    );
    assert!(audit(&[ubi("8.10")], &db()).findings.is_empty());
    let fixed = sbom(
        "ubi",
        Some(("rhel", "9.6")),
        vec![rpm("sudo", "1.9.5p2-10.el9_6.1", "sudo")],
    );
    assert!(audit(&[fixed], &db()).findings.is_empty());
}

#[test]
fn suse_products_and_opensuse_releases() {
    let d = db();
    let pkgs = || vec![rpm("libopenssl3", "3.0.8-150500.5.39.1", "openssl-3")];
    // SLE 15 SP5: the Basesystem module's entry applies.
    let r = audit(&[sbom("bci", Some(("sles", "15.5")), pkgs())], &d);
    assert_eq!(
        found(&r),
        vec![row(
            "libopenssl3",
            "3.0.8-150500.5.39.1",
            "CVE-2024-6119",
            Some("3.0.8-150500.5.42.1")
        )]
    );
    // SLE 15 SP4 takes the LTSS entry (its own fix), not SP5's.
    let sp4 = vec![rpm("libopenssl3", "3.0.1-150400.4.60.1", "openssl-3")];
    assert_eq!(
        found(&audit(&[sbom("sp4", Some(("sles", "15.4")), sp4)], &d)),
        vec![row(
            "libopenssl3",
            "3.0.1-150400.4.60.1",
            "CVE-2024-6119",
            Some("3.0.1-150400.4.63.1")
        )]
    );
    // openSUSE Leap 15.5 has its own entry; Tumbleweed has none here.
    assert_eq!(
        audit(&[sbom("leap", Some(("opensuse-leap", "15.5")), pkgs())], &d)
            .findings
            .len(),
        1
    );
    assert!(audit(
        &[sbom(
            "tw",
            Some(("opensuse-tumbleweed", "20240801")),
            pkgs()
        )],
        &d
    )
    .findings
    .is_empty());
}

#[test]
fn rpm_of_a_distribution_without_osv_data_is_noted() {
    let s = sbom(
        "centos",
        Some(("centos", "9")),
        vec![rpm("openssl-libs", "1:3.0.7-25.el9", "openssl")],
    );
    let r = audit(&[s], &db());
    assert!(r.findings.is_empty());
    assert_eq!(r.stats.matchable, 0);
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("1 rpm packages of centos, a distribution without OSV data")),
        "{:?}",
        r.notes
    );
}
