//! The registry of catalogers, and small helpers they share.
//!
//! Every cataloger is a pure function of the [`FileView`](crate::FileView): it never
//! touches the disk, never fails, and reports problems as [`Warning`]s.
use std::borrow::Cow;

use crate::{CapturedFile, Cataloger, Warning};

pub mod apk;
pub mod composer;
pub mod deb822;
pub mod dpkg;
mod exe;
pub mod gem;
mod go_pointers;
pub mod golang;
pub mod java;
mod json_meta;
pub mod npm;
pub mod os_release;
pub mod programs;
pub mod python;
pub mod relate;
pub mod rpm;
pub mod rust;

pub use os_release::detect_distro;
pub use relate::relate;

/// Every cataloger, in a fixed order: os-release, dpkg, python, apk, rpm, the language
/// ecosystems found by path (npm, gem, composer), then those that look inside files
/// (golang, rust, programs, java).
pub fn all() -> Vec<Box<dyn Cataloger>> {
    vec![
        Box::new(os_release::OsReleaseCataloger),
        Box::new(dpkg::DpkgCataloger),
        Box::new(python::PythonCataloger),
        Box::new(apk::ApkCataloger),
        Box::new(rpm::RpmCataloger),
        Box::new(npm::NpmCataloger),
        Box::new(gem::GemCataloger),
        Box::new(composer::ComposerCataloger),
        Box::new(golang::GoCataloger),
        Box::new(rust::RustCataloger),
        Box::new(programs::ProgramsCataloger),
        Box::new(java::JavaCataloger),
    ]
}

/// Text of a metadata file: UTF-8 when valid, otherwise decoded as latin-1 (every
/// byte maps to one char, so this never fails). A leading BOM is dropped.
pub(crate) fn decode(data: &[u8]) -> Cow<'_, str> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    match std::str::from_utf8(data) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(data.iter().map(|&b| char::from(b)).collect()),
    }
}

/// A warning about `file`, naming its layer and path.
pub(crate) fn warning(file: &CapturedFile, message: impl Into<String>) -> Warning {
    Warning {
        layer: file
            .layer
            .as_ref()
            .map(|l| l.digest.clone().unwrap_or_else(|| l.diff_id.clone())),
        entry: Some(file.path.clone()),
        message: message.into(),
    }
}

/// Joins `rel` onto the folder `base` and normalises the result (`.`, `..`, repeated
/// `/`; an absolute `rel` ignores `base`). Returns `None` when the path would leave
/// the root or is empty.
pub(crate) fn join_normalise(base: &str, rel: &str) -> Option<String> {
    let mut out = String::with_capacity(base.len() + rel.len() + 1);
    let pieces: [&str; 2] = if rel.starts_with('/') {
        ["", rel]
    } else {
        [base, rel]
    };
    for piece in pieces {
        for c in piece.split('/') {
            match c {
                "" | "." => {}
                ".." => {
                    if out.is_empty() {
                        return None;
                    }
                    let cut = out.rfind('/').unwrap_or(0);
                    out.truncate(cut);
                }
                other => {
                    if !out.is_empty() {
                        out.push('/');
                    }
                    out.push_str(other);
                }
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The folder part of a normalised path (`""` for a top-level entry).
pub(crate) fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(p, _)| p)
}

/// The last component of a normalised path.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_lists_each_cataloger_once_in_order() {
        let names: Vec<&str> = all().iter().map(|c| c.name()).collect();
        assert_eq!(
            names,
            [
                "os-release",
                "dpkg",
                "python",
                "apk",
                "rpm",
                "npm",
                "gem",
                "composer",
                "golang",
                "rust",
                "programs",
                "java"
            ]
        );
    }

    #[test]
    fn every_file_is_sniffed_by_the_right_cataloger_only() {
        // (path, first bytes) with the catalogers that read the body.
        let cases: &[(&str, &[u8], &[&str])] = &[
            ("usr/share/java/guava.jar", b"PK\x03\x04\x14\x00", &["java"]),
            ("opt/app/app.WAR", b"#!/bin/bash\n", &["java"]),
            ("var/jenkins/plugins/git.jpi", b"PK\x03\x04", &["java"]),
            ("venv/lib/x.whl", b"PK\x03\x04", &["java"]),
            ("opt/app/bin/app", b"PK\x03\x04", &["java"]),
            (
                "usr/lib/jvm/jdk/jmods/java.base.jmod",
                b"JM\x01\x00PK\x03\x04",
                &[],
            ),
            ("usr/bin/ls", b"\x7fELF\x02\x01", &["golang", "rust"]),
            ("etc/passwd", b"root:x:0:0", &[]),
            ("empty.zip", b"PK\x05\x06", &[]),
        ];
        let cats = all();
        for (path, head, want) in cases {
            let e = crate::EntryInfo {
                path,
                mode: 0o644,
                size: 1000,
                head,
            };
            let got: Vec<&str> = cats
                .iter()
                .filter(|c| c.sniffs() && c.sniff(&e).is_some())
                .map(|c| c.name())
                .collect();
            assert_eq!(&got, want, "{path}");
        }
    }

    #[test]
    fn every_path_is_wanted_by_the_right_cataloger_only() {
        // A syft-style sample tree: each path with the one cataloger that wants it,
        // or none.
        let cases: &[(&str, Option<&str>)] = &[
            ("etc/os-release", Some("os-release")),
            ("usr/lib/os-release", Some("os-release")),
            ("etc/debian_version", Some("os-release")),
            ("var/lib/dpkg/status", Some("dpkg")),
            ("var/lib/dpkg/status.d/libssl3", Some("dpkg")),
            ("var/lib/dpkg/info/libc6:amd64.list", Some("dpkg")),
            ("usr/share/doc/bash/copyright", Some("dpkg")),
            (
                "usr/lib/python3/dist-packages/yaml-6.0.dist-info/METADATA",
                Some("python"),
            ),
            (
                "usr/lib/python3/dist-packages/yaml-6.0.dist-info/RECORD",
                Some("python"),
            ),
            (
                "usr/lib/python3/dist-packages/six-1.16.0.egg-info",
                Some("python"),
            ),
            ("lib/apk/db/installed", Some("apk")),
            ("var/lib/rpm/rpmdb.sqlite", Some("rpm")),
            ("var/lib/rpm/Packages", Some("rpm")),
            ("usr/lib/sysimage/rpm/Packages.db", Some("rpm")),
            ("var/lib/rpm/Index.db", None),
            ("srv/app/node_modules/@babel/core/package.json", Some("npm")),
            ("srv/app/package.json", Some("npm")),
            ("srv/app/package-lock.json", Some("npm")),
            ("usr/share/nodejs/semver/package.json", Some("npm")),
            (
                "usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec",
                Some("gem"),
            ),
            ("srv/blog/Gemfile.lock", Some("gem")),
            (
                "usr/share/mediawiki/vendor/composer/installed.json",
                Some("composer"),
            ),
            ("srv/wiki/composer.lock", Some("composer")),
            ("srv/app/node_modules/x/lib/package.json", None),
            ("var/lib/gems/3.1.0/gems/x-1/x.gemspec", None),
            ("srv/wiki/composer.json", None),
            ("etc/passwd", None),
            ("var/lib/dpkg/status-old", None),
            ("var/lib/dpkg/info/bash.md5sums", None),
            ("var/lib/dpkg/status.d/libssl3.md5sums", None),
            ("usr/share/doc/bash/changelog.Debian.gz", None),
            ("usr/lib/python3/dist-packages/yaml/__init__.py", None),
            ("usr/lib/python3/dist-packages/pip/_vendor/x.cdx.json", None),
            (
                "usr/lib/python3/dist-packages/pip-24.0.dist-info/sboms/pip.cdx.json",
                None,
            ),
            (
                "usr/lib/python3/dist-packages/yaml-6.0.dist-info/WHEEL",
                None,
            ),
            ("lib/apk/db/scripts.tar", None),
            ("usr/bin/python3", None),
            ("usr/lib/jvm/java-17-openjdk-amd64/release", Some("java")),
            ("opt/java/openjdk/release", Some("java")),
            ("etc/prerelease", None),
            // Archives are sniffed by name or content, never captured whole.
            ("usr/share/java/guava.jar", None),
            ("opt/app/app.war", None),
        ];
        let cats = all();
        for (path, owner) in cases {
            let wanting: Vec<&str> = cats
                .iter()
                .filter(|c| c.wants(path))
                .map(|c| c.name())
                .collect();
            assert_eq!(wanting, owner.iter().copied().collect::<Vec<_>>(), "{path}");
        }
    }

    /// All catalogers over one small Debian filesystem, then `relate`: the deb owns
    /// the system dist-info, venv dependencies resolve inside the venv.
    #[test]
    fn catalogers_and_relate_together() {
        use std::collections::BTreeMap;
        use std::sync::Arc;

        use sbom_model::RelationshipKind;

        use crate::{CapturedFile, Context, FileView};

        let sys = "usr/lib/python3/dist-packages";
        let venv = "var/lib/kolla/venv/lib/python3.11/site-packages";
        let files = [
            ("etc/os-release".to_string(), "ID=debian\nVERSION_ID=\"12\"\n".to_string()),
            (
                "var/lib/dpkg/status".to_string(),
                "Package: python3-yaml\nStatus: install ok installed\nArchitecture: amd64\nVersion: 6.0-3\nDepends: python3\n\n\
                 Package: python3\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.11.2-1\n"
                    .to_string(),
            ),
            (
                "var/lib/dpkg/info/python3-yaml.list".to_string(),
                format!("/.\n/{sys}/PyYAML-6.0.dist-info\n/{sys}/PyYAML-6.0.dist-info/METADATA\n"),
            ),
            (
                format!("{sys}/PyYAML-6.0.dist-info/METADATA"),
                "Name: PyYAML\nVersion: 6.0\n".to_string(),
            ),
            (
                format!("{venv}/PyYAML-6.0.1.dist-info/METADATA"),
                "Name: PyYAML\nVersion: 6.0.1\n".to_string(),
            ),
            (
                format!("{venv}/keystone-25.0.0.dist-info/METADATA"),
                "Name: keystone\nVersion: 25.0.0\nRequires-Dist: pyyaml>=5\n".to_string(),
            ),
        ];
        let cats = all();
        let view = FileView::from_files(
            files
                .iter()
                .filter(|(p, _)| cats.iter().any(|c| c.wants(p)))
                .map(|(p, d)| CapturedFile {
                    path: p.clone(),
                    data: Arc::new(d.as_bytes().to_vec()),
                    layer: None,
                }),
        );
        assert_eq!(view.len(), files.len(), "every sample file is wanted");
        let ctx = Context {
            distro: detect_distro(&view),
            identities_only: false,
        };
        assert_eq!(ctx.distro.as_ref().map(|d| d.id.as_str()), Some("debian"));
        let mut packages = Vec::new();
        let mut owned = BTreeMap::new();
        for c in &cats {
            let out = c.catalog(&view, &ctx);
            assert!(out.warnings.is_empty(), "{}: {:?}", c.name(), out.warnings);
            packages.extend(out.packages);
            owned.extend(out.owned_files);
        }
        assert_eq!(packages.len(), 5);
        let ids: std::collections::BTreeSet<&str> =
            packages.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), 5, "temporary ids are unique");
        let rels = relate(&packages, &owned);
        let find = |kind: RelationshipKind, from: &str, to: &str| {
            rels.iter()
                .any(|r| r.kind == kind && r.from == from && r.to == to)
        };
        let sys_yaml = format!("python:{sys}/PyYAML-6.0.dist-info/METADATA");
        let venv_yaml = format!("python:{venv}/PyYAML-6.0.1.dist-info/METADATA");
        let keystone = format!("python:{venv}/keystone-25.0.0.dist-info/METADATA");
        assert!(find(
            RelationshipKind::Owns,
            "deb:python3-yaml:amd64",
            &sys_yaml
        ));
        assert!(find(
            RelationshipKind::DependsOn,
            "deb:python3-yaml:amd64",
            "deb:python3:amd64"
        ));
        assert!(find(RelationshipKind::DependsOn, &keystone, &venv_yaml));
        assert_eq!(rels.len(), 3, "{rels:?}");
    }

    /// Random mixes of field fragments and bytes at every wanted path: no cataloger
    /// (nor `relate`) may panic, whatever the files hold.
    #[test]
    fn no_panic_on_scrambled_metadata() {
        use std::collections::BTreeMap;
        use std::sync::Arc;

        use crate::{CapturedFile, Context, FileView};

        const PATHS: [&str; 20] = [
            "a/node_modules/x/package.json",
            "a/node_modules/@s/y/package.json",
            "a/package.json",
            "a/package-lock.json",
            "a/node_modules/.package-lock.json",
            "h/specifications/x-1.gemspec",
            "a/Gemfile.lock",
            "a/vendor/composer/installed.json",
            "etc/os-release",
            "etc/debian_version",
            "var/lib/dpkg/status",
            "var/lib/dpkg/status.d/a",
            "var/lib/dpkg/info/a.list",
            "usr/share/doc/a/copyright",
            "s/a-1.dist-info/METADATA",
            "s/a-1.dist-info/RECORD",
            "s/a-1.dist-info/direct_url.json",
            "s/a.egg-info",
            "s/a.egg/EGG-INFO/PKG-INFO",
            "lib/apk/db/installed",
        ];
        const BITS: [&[u8]; 32] = [
            b"{\"name\": \"x\", \"version\": \"1\"",
            b"{\"packages\": {\"\": {}, \"node_modules/x\": {\"version\": \"1\", ",
            b"\"dependencies\": {\"x\": \"*\", \"@s/y\": {\"version\": \"npm:z@2\"}}",
            b"}, ]",
            b"[{\"name\": \"a/b\", \"version\": \"1\", \"license\": [{}]}",
            b"s.name = %q<x>.freeze\n",
            b"s.version = \"1\\u00e9\"\n s.authors = [\"a\", %w[b c]\n",
            b"  specs:\n    x (1-ruby)\n      y (>= 1)\n",
            b"# stub: x 1 ruby lib\nif a\nelse\n",
            b"end\n",
            b"Package: a\n",
            b"Version: 1\n",
            b"Status: install ok installed\n",
            b"Name: a\n",
            b"Requires-Dist: a ; extra == \"x\"\n",
            b"License: GPL-2+ with X exception\n",
            b"Format: x\n",
            b"P:a\nV:1\nD:so:x !a a>=\n",
            b"F:../..\nR:../x\n",
            b"ID=\"\\",
            b"Source: a (\n",
            b"Depends: | , :any (\n",
            b" continuation\n",
            b"\n\n",
            b"\"..,/..\",\n",
            b"\xff\xfe\xc3",
            b"\r\n",
            b":",
            b"Installed-Size: 99999999999999999999\n",
            b"Classifier: License :: \n",
            b"Project-URL: ,\n",
            b"{\"url\": 1}",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let cats = all();
        let mut found = 0;
        for _ in 0..300 {
            let files: Vec<CapturedFile> = PATHS
                .iter()
                .map(|p| {
                    let mut data = Vec::new();
                    for _ in 0..(next() % 12) {
                        let r = next();
                        if r % 5 == 0 {
                            data.push((r >> 8) as u8);
                        } else {
                            data.extend_from_slice(BITS[(r as usize >> 3) % BITS.len()]);
                        }
                    }
                    CapturedFile {
                        path: (*p).to_string(),
                        data: Arc::new(data),
                        layer: None,
                    }
                })
                .collect();
            let view = FileView::from_files(files);
            let ctx = Context {
                distro: detect_distro(&view),
                identities_only: false,
            };
            let mut packages = Vec::new();
            let mut owned = BTreeMap::new();
            for c in &cats {
                let out = c.catalog(&view, &ctx);
                packages.extend(out.packages);
                owned.extend(out.owned_files);
            }
            found += packages.len();
            let _ = relate(&packages, &owned);
        }
        // The fragments do assemble into packages now and then: the parsers were
        // exercised past their first line.
        assert!(found > 0);
    }

    #[test]
    fn decode_falls_back_to_latin1() {
        assert_eq!(decode(b"Author: J\xf6rg"), "Author: Jörg");
        assert_eq!(decode("Jörg".as_bytes()), "Jörg");
        assert_eq!(decode(b"\xEF\xBB\xBFName: x"), "Name: x");
    }

    #[test]
    fn join_normalise_resolves_dots_and_refuses_escape() {
        assert_eq!(
            join_normalise("venv/lib/python3.11/site-packages", "../../../bin/pip").as_deref(),
            Some("venv/bin/pip")
        );
        assert_eq!(join_normalise("a/b", "./c//d").as_deref(), Some("a/b/c/d"));
        assert_eq!(
            join_normalise("a", "/usr/bin/x").as_deref(),
            Some("usr/bin/x")
        );
        assert_eq!(join_normalise("a", "../../etc/passwd"), None);
        assert_eq!(join_normalise("", "."), None);
    }

    #[test]
    fn parent_and_file_name() {
        assert_eq!(parent("a/b/c"), "a/b");
        assert_eq!(parent("c"), "");
        assert_eq!(file_name("a/b/c"), "c");
        assert_eq!(file_name("c"), "c");
    }
}
