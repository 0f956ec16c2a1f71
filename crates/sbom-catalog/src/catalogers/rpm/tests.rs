//! The rpm cataloger on real databases (testdata/rpm, made by scripts/rpm-fixtures.sh
//! with rpm itself and Berkeley DB's own tools), checked against rpm's own answers
//! (`rpm -qa --qf`, file lists, `--whatprovides`) committed beside them.
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use sbom_model::{Ecosystem, License, RelationshipKind};

use super::*;
use crate::catalogers::relate;

/// (fixture folder, file name): SQLite, NDB, Berkeley DB little- and big-endian.
const FORMATS: [(&str, &str); 4] = [
    ("sqlite", "rpmdb.sqlite"),
    ("ndb", "Packages.db"),
    ("bdb", "Packages"),
    ("bdb-be", "Packages"),
];

fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/rpm")
        .join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(testdata(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn file(path: &str, data: Vec<u8>) -> CapturedFile {
    CapturedFile {
        path: path.into(),
        data: Arc::new(data),
        layer: Some(sbom_model::LayerRef {
            index: 0,
            diff_id: "sha256:layer0".into(),
            digest: None,
        }),
    }
}

fn run(files: Vec<CapturedFile>) -> CatalogOutput {
    let view = FileView::from_files(files);
    RpmCataloger.catalog(&view, &Context::default())
}

fn none(v: &str) -> Option<&str> {
    (v != "(none)").then_some(v)
}

/// rows of a truth file, split at tabs.
fn tsv(rel: &str) -> Vec<Vec<String>> {
    String::from_utf8(read(rel))
        .expect("utf-8")
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

#[test]
fn every_format_matches_rpm_qa() {
    for (dir, name) in FORMATS {
        let out = run(vec![file(
            &format!("var/lib/rpm/{name}"),
            read(&format!("{dir}/{name}")),
        )]);
        assert!(out.warnings.is_empty(), "{dir}: {:?}", out.warnings);
        let mut got: Vec<&Package> = out.packages.iter().collect();
        got.sort_by_key(|p| (p.name.clone(), p.arch.clone()));
        let want: Vec<Vec<String>> = tsv(&format!("{dir}/expected.tsv"));
        assert_eq!(got.len(), want.len(), "{dir}");
        assert_eq!(want.len(), 6, "five packages and a signing key");
        for (p, w) in got.iter().zip(&want) {
            let [n, evr, arch, srpm, lic, vendor, packager, size] = &w[..] else {
                panic!("bad truth row {w:?}");
            };
            assert_eq!(p.ecosystem, Ecosystem::Rpm);
            assert_eq!(&p.name, n, "{dir}");
            assert_eq!(&p.version, evr, "{dir} {n}");
            assert_eq!(p.arch.as_deref(), none(arch), "{dir} {n}");
            // The source rpm file name, rebuilt from what we report.
            match (&p.source_name, &p.source_version) {
                (Some(sn), Some(sv)) => {
                    let sv = sv.split_once(':').map_or(sv.as_str(), |(_, v)| v);
                    assert_eq!(format!("{sn}-{sv}.src.rpm"), *srpm);
                }
                _ => assert_eq!(srpm, "(none)", "{n}"),
            }
            assert_eq!(
                p.licenses,
                License::from_declared(lic).into_iter().collect::<Vec<_>>()
            );
            assert_eq!(
                p.supplier.as_deref(),
                none(vendor).or(none(packager)),
                "{n}"
            );
            assert_eq!(p.installed_size, size.parse().ok(), "{n}");
            assert_eq!(
                p.metadata_path.as_deref(),
                Some(&*format!("var/lib/rpm/{name}"))
            );
        }
    }
}

#[test]
fn epochs_sources_and_suppliers_as_rpm_reports_them() {
    let out = run(vec![file(
        "var/lib/rpm/rpmdb.sqlite",
        read("sqlite/rpmdb.sqlite"),
    )]);
    let find = |id: &str| {
        out.packages.iter().find(|p| p.id == id).unwrap_or_else(|| {
            panic!(
                "{id} in {:?}",
                out.packages.iter().map(|p| &p.id).collect::<Vec<_>>()
            )
        })
    };
    let libs = find("rpm:hello-libs-2:1.0-3.el9.i686");
    assert_eq!(libs.source_name.as_deref(), Some("hello"));
    assert_eq!(libs.source_version.as_deref(), Some("2:1.0-3.el9"));
    assert_eq!(libs.licenses, [License::Spdx("LGPL-2.1-or-later".into())]);
    let hello = find("rpm:hello-2:1.0-3.el9.x86_64");
    assert_eq!(hello.licenses, [License::Spdx("GPL-2.0-or-later".into())]);
    assert_eq!(
        hello.supplier.as_deref(),
        Some("Rocky Enterprise Software Foundation")
    );
    assert_eq!(hello.homepage.as_deref(), Some("https://example.org/hello"));
    assert_eq!(hello.description.as_deref(), Some("Prints a greeting"));
    // An explicit epoch 0 is kept, as rpm's %{EVR} keeps it.
    let foo = find("rpm:python3-foo-0:1.2-1.el9.noarch");
    assert_eq!(foo.supplier, None);
    // The signing key, as rpm -qa lists it: no arch, no source.
    let key = out
        .packages
        .iter()
        .find(|p| p.name == "gpg-pubkey")
        .expect("gpg-pubkey");
    assert_eq!(
        (key.arch.as_deref(), key.source_name.as_deref()),
        (None, None)
    );
    assert_eq!(
        key.supplier.as_deref(),
        Some("Fixture Signing Key <keys@example.org>")
    );
}

#[test]
fn owned_files_match_rpm_file_lists() {
    for (dir, name) in FORMATS {
        let out = run(vec![file(
            &format!("usr/lib/sysimage/rpm/{name}"),
            read(&format!("{dir}/{name}")),
        )]);
        let na: BTreeMap<&str, String> = out
            .packages
            .iter()
            .map(|p| {
                (
                    p.id.as_str(),
                    format!("{}.{}", p.name, p.arch.as_deref().unwrap_or("")),
                )
            })
            .collect();
        let got: BTreeSet<(String, String)> = out
            .owned_files
            .iter()
            .flat_map(|(id, files)| {
                files
                    .iter()
                    .map(|f| (na[id.as_str()].clone(), format!("/{f}")))
            })
            .collect();
        let want: BTreeSet<(String, String)> = tsv(&format!("{dir}/files.tsv"))
            .into_iter()
            .filter(|r| r.len() == 2 && r[1] != "(none)")
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
        assert_eq!(got, want, "{dir}");
    }
}

#[test]
fn requires_resolve_through_provides_files_and_config_as_rpm_does() {
    for (dir, name) in FORMATS {
        let out = run(vec![file(
            &format!("var/lib/rpm/{name}"),
            read(&format!("{dir}/{name}")),
        )]);
        let rels = relate(&out.packages, &out.owned_files);
        let na: BTreeMap<&str, String> = out
            .packages
            .iter()
            .map(|p| (p.id.as_str(), label(p)))
            .collect();
        let got: BTreeSet<(String, String)> = rels
            .iter()
            .filter(|r| r.kind == RelationshipKind::DependsOn)
            .map(|r| (na[r.from.as_str()].clone(), na[r.to.as_str()].clone()))
            .collect();
        let want: BTreeSet<(String, String)> = tsv(&format!("{dir}/depends.tsv"))
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
        assert_eq!(got, want, "{dir}");
    }
}

#[test]
fn rpm_owns_the_python_package_it_installed() {
    use crate::catalogers::python::PythonCataloger;
    let meta = "usr/lib/python3.9/site-packages/foo-1.2.dist-info/METADATA";
    let view = FileView::from_files(vec![
        file("var/lib/rpm/Packages", read("bdb/Packages")),
        file(
            meta,
            b"Metadata-Version: 2.1\nName: foo\nVersion: 1.2\n".to_vec(),
        ),
    ]);
    let ctx = Context::default();
    let mut out = RpmCataloger.catalog(&view, &ctx);
    let py = PythonCataloger.catalog(&view, &ctx);
    assert_eq!(py.packages.len(), 1);
    out.packages.extend(py.packages);
    let rels = relate(&out.packages, &out.owned_files);
    let owns: Vec<(&str, &str)> = rels
        .iter()
        .filter(|r| r.kind == RelationshipKind::Owns)
        .map(|r| (r.from.as_str(), r.to.as_str()))
        .collect();
    assert_eq!(
        owns,
        [(
            "rpm:python3-foo-0:1.2-1.el9.noarch",
            &*format!("python:{meta}")
        )]
    );
}

#[test]
fn identities_only_skips_files_and_dependencies() {
    let view = FileView::from_files(vec![file(
        "var/lib/rpm/Packages.db",
        read("ndb/Packages.db"),
    )]);
    let out = RpmCataloger.catalog(
        &view,
        &Context {
            identities_only: true,
            ..Context::default()
        },
    );
    assert_eq!(out.packages.len(), 6);
    assert!(out.owned_files.is_empty());
    assert!(out.packages.iter().all(|p| p.depends.is_empty()));
}

#[test]
fn sqlite_wins_over_ndb_and_bdb_and_var_lib_over_sysimage() {
    let out = run(vec![
        file("var/lib/rpm/Packages", read("bdb/Packages")),
        file(
            "usr/lib/sysimage/rpm/rpmdb.sqlite",
            read("sqlite/rpmdb.sqlite"),
        ),
        file("var/lib/rpm/Packages.db", read("ndb/Packages.db")),
    ]);
    assert!(out
        .packages
        .iter()
        .all(|p| p.metadata_path.as_deref() == Some("var/lib/rpm/Packages.db")));
    let mut ignored: Vec<&str> = out
        .warnings
        .iter()
        .filter_map(|w| w.entry.as_deref())
        .collect();
    ignored.sort_unstable();
    assert_eq!(
        ignored,
        ["usr/lib/sysimage/rpm/rpmdb.sqlite", "var/lib/rpm/Packages"]
    );
    assert!(out.warnings[0].message.contains("var/lib/rpm/Packages.db"));
}

#[test]
fn wants_only_database_files() {
    let c = RpmCataloger;
    for p in [
        "var/lib/rpm/rpmdb.sqlite",
        "var/lib/rpm/Packages",
        "var/lib/rpm/Packages.db",
        "usr/lib/sysimage/rpm/rpmdb.sqlite",
        "usr/lib/sysimage/rpm/Packages.db",
        "var/lib/rpm/rpmdb.sqlite-wal",
    ] {
        assert!(c.wants(p), "{p}");
    }
    for p in [
        "var/lib/rpm/Index.db",
        "var/lib/rpm/Packages.db-wal",
        "var/lib/rpm/Name",
        "var/lib/rpm/rpmdb.sqlite-shm",
        "var/lib/rpm/__db.001",
        "var/lib/rpmx/Packages",
        "var/lib/rpm/sub/Packages",
        "usr/lib/rpm/Packages",
        "var/lib/rpm",
    ] {
        assert!(!c.wants(p), "{p}");
    }
}

#[test]
fn source_rpm_names() {
    assert_eq!(
        source_of("openssl-3.0.7-27.el9.src.rpm"),
        Some(("openssl", "3.0.7-27.el9"))
    );
    assert_eq!(
        source_of("python3.11-3.11.7-1.el9.nosrc.rpm"),
        Some(("python3.11", "3.11.7-1.el9"))
    );
    assert_eq!(source_of("broken.src.rpm"), None);
    assert_eq!(source_of("(none)"), None);
}

#[test]
fn rich_dependency_names() {
    assert_eq!(
        rich_names("(python3-foo or missing-thing)"),
        ["python3-foo", "missing-thing"]
    );
    assert_eq!(
        rich_names("((a >= 1.0 with a < 2) if libc.so.6()(64bit) else (b = 1:2-3 or c))"),
        ["a", "a", "libc.so.6()(64bit)", "b", "c"]
    );
    assert!(rich_names("(((").is_empty());
}

// --- malformed input -------------------------------------------------------------

/// xorshift: deterministic "random" corruptions.
fn rng(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

#[test]
fn no_panic_on_truncated_or_scrambled_databases() {
    let mut next = rng(0x1234_5678_9abc_def1);
    for (dir, name) in FORMATS {
        let good = read(&format!("{dir}/{name}"));
        let path = format!("var/lib/rpm/{name}");
        // Truncated at many points.
        for cut in (0..good.len()).step_by(good.len() / 97 + 1) {
            let out = run(vec![file(&path, good[..cut].to_vec())]);
            assert!(out.packages.len() <= 6);
        }
        // Bytes overwritten at random places, a few at a time.
        for _ in 0..150 {
            let mut bad = good.clone();
            for _ in 0..(next() % 8 + 1) {
                let at = (next() % bad.len() as u64) as usize;
                bad[at] = (next() >> 8) as u8;
            }
            let out = run(vec![file(&path, bad)]);
            let _ = relate(&out.packages, &out.owned_files);
        }
    }
}

/// Offsets of each header blob inside a database file (found by their first bytes).
fn blob_offsets(db: &[u8], blobs: &[Vec<u8>]) -> Vec<usize> {
    blobs
        .iter()
        .filter_map(|b| db.windows(64).position(|w| w == &b[..64]))
        .collect()
}

fn sqlite_blobs() -> Vec<Vec<u8>> {
    let mut warn = |m: String| panic!("{m}");
    sqlite::records(&read("sqlite/rpmdb.sqlite"), None, &mut warn)
        .expect("sqlite")
        .into_iter()
        .map(|r| r.blob)
        .collect()
}

/// A lying tag count or data length in one header: that package is named in a
/// warning, the others are still reported (the same in every format).
#[test]
fn lying_header_counts_lose_one_package_only() {
    let blobs = sqlite_blobs();
    for (dir, name) in [("ndb", "Packages.db"), ("bdb", "Packages")] {
        let good = read(&format!("{dir}/{name}"));
        let offsets = blob_offsets(&good, &blobs);
        assert_eq!(offsets.len(), blobs.len(), "{dir}: every blob found once");
        // The second package's `il` claims 0xffff tags.
        let mut bad = good.clone();
        let at = offsets[1];
        bad[at..at + 4].copy_from_slice(&0xffffu32.to_be_bytes());
        let out = run(vec![file(&format!("var/lib/rpm/{name}"), bad)]);
        if dir == "ndb" {
            // NDB's checksum catches the change first.
            assert!(
                out.warnings.iter().any(|w| w.message.contains("checksum")),
                "{:?}",
                out.warnings
            );
        } else {
            assert!(
                out.warnings.iter().any(|w| w.message.contains("truncated")),
                "{:?}",
                out.warnings
            );
        }
        assert_eq!(out.packages.len(), 5, "{dir}: {:?}", out.warnings);
        let w = &out.warnings[0];
        assert_eq!(w.entry.as_deref(), Some(&*format!("var/lib/rpm/{name}")));
        assert_eq!(w.layer.as_deref(), Some("sha256:layer0"));
    }
}

#[test]
fn truncated_header_tag_is_a_warning_naming_the_package() {
    use super::header::tests::{blob, e, i32s, s, sa};
    let mut good = blob(&[
        e(header::NAME, s("bash")),
        e(header::VERSION, s("5.1.8")),
        e(header::RELEASE, s("9.el9")),
        e(header::ARCH, s("x86_64")),
        e(header::BASENAMES, sa(&["bash"])),
        e(header::DIRNAMES, sa(&["/usr/bin/"])),
        e(header::DIRINDEXES, i32s(&[7])),
    ]);
    let rec = Record {
        instance: 9,
        blob: good.clone(),
    };
    let f = file("var/lib/rpm/rpmdb.sqlite", Vec::new());
    let mut msgs = Vec::new();
    let i = read_record(&rec, &f, true, &mut msgs).unwrap();
    assert_eq!(i.pkg.version, "5.1.8-9.el9");
    assert!(i.files.is_empty());
    assert_eq!(msgs, ["package bash: file bash names folder 7 of 1"]);
    // Without a name: the whole record is an error.
    good[8..12].copy_from_slice(&1u32.to_be_bytes()); // tag NAME → 1
    let rec = Record {
        instance: 9,
        blob: good,
    };
    assert_eq!(
        read_record(&rec, &f, true, &mut msgs).unwrap_err(),
        "no name"
    );
}

#[test]
fn corrupt_bdb_page_loses_only_its_records() {
    let good = read("bdb/Packages");
    let page_size = u32::from_le_bytes(good[20..24].try_into().unwrap()) as usize;
    let pages = good.len() / page_size;
    // Break the first overflow page: its package is reported as unreadable.
    let ov = (1..pages)
        .find(|&p| good[p * page_size + 25] == 7)
        .expect("the fixture stores headers on overflow pages");
    let mut bad = good.clone();
    bad[ov * page_size + 25] = 0x55;
    let out = run(vec![file("var/lib/rpm/Packages", bad)]);
    assert_eq!(out.packages.len(), 5, "{:?}", out.warnings);
    assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    assert!(
        out.warnings[0].message.contains("not an overflow page"),
        "{:?}",
        out.warnings
    );
    // A hash page whose entry count lies.
    let hp = (1..pages)
        .find(|&p| good[p * page_size + 25] == 13)
        .expect("hash page");
    let mut bad = good.clone();
    bad[hp * page_size + 20..hp * page_size + 22].copy_from_slice(&0xfffeu16.to_le_bytes());
    let out = run(vec![file("var/lib/rpm/Packages", bad)]);
    assert!(
        out.warnings
            .iter()
            .any(|w| w.message.contains(&format!("page {hp}"))),
        "{:?}",
        out.warnings
    );
}

#[test]
fn bad_ndb_slot_loses_only_its_package() {
    let good = read("ndb/Packages.db");
    // Slot 2 (the first) gets a bad magic, slot 3 points outside the file.
    let mut bad = good.clone();
    bad[32..36].copy_from_slice(b"Sxxx");
    bad[48 + 8..48 + 12].copy_from_slice(&0x0fff_ffffu32.to_le_bytes());
    let out = run(vec![file("var/lib/rpm/Packages.db", bad)]);
    let msgs: Vec<&str> = out.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        msgs.iter().any(|m| m.contains("slot 2 has a bad magic")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("slot 3") && m.contains("outside")),
        "{msgs:?}"
    );
    // Five packages and a key; two slots lost.
    assert_eq!(out.packages.len(), 4);
}

#[test]
fn unreadable_database_is_one_warning() {
    for (name, data) in [
        ("rpmdb.sqlite", b"SQLite format 3\0garbage".to_vec()),
        ("Packages.db", b"RpmQ".to_vec()),
        ("Packages", vec![0u8; 10]),
    ] {
        let out = run(vec![file(&format!("var/lib/rpm/{name}"), data)]);
        assert!(out.packages.is_empty());
        assert_eq!(out.warnings.len(), 1, "{name}: {:?}", out.warnings);
        assert!(
            out.warnings[0].message.starts_with("rpm database not read"),
            "{:?}",
            out.warnings
        );
    }
}

#[test]
fn dependency_targets_pick_the_arch() {
    let mk = |arch: &str| {
        let mut p = Package::new(Ecosystem::Rpm, "glibc", "2.34-100.el9");
        p.arch = Some(arch.into());
        p
    };
    let (a, b) = (mk("x86_64"), mk("i686"));
    let all = [&a, &b];
    let by_name =
        |n: &str| -> Vec<&Package> { all.iter().copied().filter(|p| p.name == n).collect() };
    assert_eq!(dependency_targets("glibc.i686", by_name), [&b]);
    assert_eq!(dependency_targets("glibc", by_name).len(), 2);
    assert!(dependency_targets("python3.11", by_name).is_empty());
}

#[test]
fn sqlite_write_ahead_log_is_applied_as_sqlite_would() {
    let db = read("sqlite-wal/rpmdb.sqlite");
    let wal = read("sqlite-wal/rpmdb.sqlite-wal");
    let names = |out: &CatalogOutput| {
        let mut v: Vec<String> = out.packages.iter().map(label).collect();
        v.sort();
        v
    };
    let mut want: Vec<String> = tsv("sqlite-wal/expected.tsv")
        .into_iter()
        .map(|r| match r[2].as_str() {
            "(none)" => r[0].clone(),
            arch => format!("{}.{arch}", r[0]),
        })
        .collect();
    want.sort();
    let out = run(vec![
        file("var/lib/rpm/rpmdb.sqlite", db.clone()),
        file("var/lib/rpm/rpmdb.sqlite-wal", wal.clone()),
    ]);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert_eq!(names(&out), want, "greeter's erase is in the log only");
    // Without the log, the main file still lists greeter.
    let stale = run(vec![file("var/lib/rpm/rpmdb.sqlite", db.clone())]);
    assert!(names(&stale).contains(&"greeter.noarch".to_string()));
    // A damaged last frame: the commit is lost, as SQLite would lose it.
    let mut bad = wal.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0xff;
    let out = run(vec![
        file("var/lib/rpm/rpmdb.sqlite", db.clone()),
        file("var/lib/rpm/rpmdb.sqlite-wal", bad),
    ]);
    assert_eq!(names(&out), names(&stale));
    // Not a log at all: a warning, the main file is read.
    let out = run(vec![
        file("var/lib/rpm/rpmdb.sqlite", db),
        file("var/lib/rpm/rpmdb.sqlite-wal", vec![7u8; 64]),
    ]);
    assert_eq!(names(&out), names(&stale));
    assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    assert!(out.warnings[0].message.contains("write-ahead log"));
}
