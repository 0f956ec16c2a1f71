//! dpkg: Debian/Ubuntu packages from `var/lib/dpkg/status` and distroless
//! `var/lib/dpkg/status.d/*`, with file lists from `var/lib/dpkg/info/*.list` and
//! licenses from machine-readable (DEP-5) `usr/share/doc/NAME/copyright` files.
//!
//! Installed means the third word of `Status` is `installed` (`install ok installed`,
//! `hold ok installed`, `deinstall ok installed`: the files are still there), or
//! `triggers-pending`/`triggers-awaited` (configured, a trigger still to run).
//! `config-files`, `half-installed`, `unpacked`, ... are skipped silently. Distroless
//! `status.d` stanzas carry no `Status` field and count as installed; a stanza of the
//! main status file without one is reported and skipped.
use std::collections::BTreeSet;

use sbom_model::{Ecosystem, License, Package};

use super::deb822::{self, Stanza};
use super::{decode, warning};
use crate::{CapturedFile, CatalogOutput, Cataloger, Context, FileView};

const STATUS: &str = "var/lib/dpkg/status";
const STATUS_D: &str = "var/lib/dpkg/status.d/";
const INFO: &str = "var/lib/dpkg/info/";
const DOC: &str = "usr/share/doc/";

/// Property holding the names a package `Provides:` (comma-separated), used by
/// [`super::relate`] to resolve virtual dependencies.
pub const PROVIDES_PROPERTY: &str = "sbom:dpkg:provides";

/// The dpkg cataloger.
#[derive(Clone, Copy, Debug, Default)]
pub struct DpkgCataloger;

impl Cataloger for DpkgCataloger {
    fn name(&self) -> &'static str {
        "dpkg"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        if path == STATUS {
            return true;
        }
        if let Some(rest) = path.strip_prefix(STATUS_D) {
            return !rest.is_empty() && !rest.contains('/') && !rest.ends_with(".md5sums");
        }
        if let Some(rest) = path.strip_prefix(INFO) {
            return rest.len() > ".list".len() && !rest.contains('/') && rest.ends_with(".list");
        }
        if let Some(rest) = path.strip_prefix(DOC) {
            return matches!(rest.split_once('/'), Some((pkg, "copyright")) if !pkg.is_empty());
        }
        false
    }
    fn catalog(&self, view: &FileView, ctx: &Context) -> CatalogOutput {
        let mut out = CatalogOutput::default();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        // The same few dozen short names recur across a hundred copyright files.
        let mut memo = LicenseMemo::new();
        let status_files = view.get(STATUS).into_iter().map(|f| (f, true)).chain(
            view.under(STATUS_D)
                .filter(|f| self.wants(&f.path))
                .map(|f| (f, false)),
        );
        for (file, main) in status_files {
            for pkg in parse_status_file(file, main, &mut out.warnings) {
                if !seen.insert(pkg.id.clone()) {
                    out.warnings.push(warning(
                        file,
                        format!("package {} listed twice; the first entry is kept", pkg.id),
                    ));
                    continue;
                }
                if ctx.identities_only {
                    out.packages.push(pkg);
                    continue;
                }
                let arch = pkg.arch.as_deref().unwrap_or("");
                if let Some(files) = owned_files(view, &pkg.name, arch) {
                    out.owned_files.insert(pkg.id.clone(), files);
                }
                let mut pkg = pkg;
                if let Some(f) = view.get(&format!("{DOC}{}/copyright", pkg.name)) {
                    pkg.licenses = copyright_licenses_memo(&decode(&f.data), &mut memo);
                }
                out.packages.push(pkg);
            }
        }
        out
    }
}

/// Installed packages of one status file (the main one when `main`, otherwise a
/// distroless `status.d` file). Broken stanzas become warnings.
pub(crate) fn parse_status_file(
    file: &CapturedFile,
    main: bool,
    warnings: &mut Vec<crate::Warning>,
) -> Vec<Package> {
    let text = decode(&file.data);
    let mut pkgs = Vec::new();
    for st in deb822::parse(&text) {
        if let Some(&l) = st.garbage.first() {
            warnings.push(warning(
                file,
                format!("line {l}: not a `Field: value` line (ignored)"),
            ));
        }
        match from_stanza(&st, main) {
            Ok(Some(mut p)) => {
                p.metadata_path = Some(file.path.clone());
                p.layer = file.layer.clone();
                pkgs.push(p);
            }
            Ok(None) => {}
            Err(msg) => warnings.push(warning(
                file,
                format!("stanza at line {}: {msg}; skipped", st.line),
            )),
        }
    }
    pkgs
}

/// The package of a stanza, `None` when not installed, `Err` when broken.
fn from_stanza(st: &Stanza<'_>, main: bool) -> Result<Option<Package>, String> {
    let name = st.value("Package").ok_or("no Package field")?;
    if name.contains(char::is_whitespace) {
        return Err(format!("invalid package name `{name}`"));
    }
    match st.value("Status") {
        Some(s) if !is_installed(s) => return Ok(None),
        Some(_) => {}
        None if main => return Err(format!("package {name} has no Status field")),
        None => {}
    }
    let version = st
        .value("Version")
        .ok_or_else(|| format!("package {name} has no Version field"))?;
    if version.contains(char::is_whitespace) {
        return Err(format!("package {name}: invalid version `{version}`"));
    }
    let mut p = Package::new(Ecosystem::Deb, name, version);
    p.arch = st.value("Architecture").map(str::to_string);
    p.id = match &p.arch {
        Some(a) => format!("deb:{name}:{a}"),
        None => format!("deb:{name}"),
    };
    if let Some(src) = st.value("Source") {
        let (sname, sver) = parse_source(src);
        p.source_name = Some(sname.to_string());
        p.source_version = sver.map(str::to_string);
    }
    p.supplier = st.value("Maintainer").map(str::to_string);
    p.installed_size = st
        .value("Installed-Size")
        .and_then(|v| v.parse::<u64>().ok())
        .and_then(|kib| kib.checked_mul(1024));
    p.homepage = st.value("Homepage").map(str::to_string);
    p.description = st.value("Description").map(str::to_string);
    let mut seen = BTreeSet::new();
    for field in ["Pre-Depends", "Depends"] {
        if let Some(f) = st.get(field) {
            relation_names(&f.folded(), &mut seen, &mut p.depends);
        }
    }
    if let Some(f) = st.get("Provides") {
        let mut provides = Vec::new();
        relation_names(&f.folded(), &mut BTreeSet::new(), &mut provides);
        if !provides.is_empty() {
            p.properties
                .insert(PROVIDES_PROPERTY.to_string(), provides.join(", "));
        }
    }
    Ok(Some(p))
}

/// Whether a `Status:` value (`want flag state`) means the files are on disk and
/// configured: state `installed`, or `triggers-pending`/`triggers-awaited` (configured,
/// only a trigger left to run).
fn is_installed(status: &str) -> bool {
    matches!(
        status.split_whitespace().nth(2),
        Some("installed" | "triggers-pending" | "triggers-awaited")
    )
}

/// `Source: name` or `Source: name (version)`.
fn parse_source(src: &str) -> (&str, Option<&str>) {
    match src.split_once('(') {
        Some((n, rest)) => {
            let v = rest.split(')').next().unwrap_or("").trim();
            (n.trim(), (!v.is_empty()).then_some(v))
        }
        None => (src.trim(), None),
    }
}

/// Package names of a dpkg relation field (`a (>= 1) | b:any, c [amd64] <!nocheck>`):
/// every alternative kept, versions, arch qualifiers and restrictions dropped.
pub(crate) fn relation_names(value: &str, seen: &mut BTreeSet<String>, out: &mut Vec<String>) {
    for alt in value.split([',', '|']) {
        let token = alt
            .trim()
            .split(|c: char| c.is_whitespace() || matches!(c, '(' | '[' | '<'))
            .next()
            .unwrap_or("");
        let name = token.split(':').next().unwrap_or("");
        if !name.is_empty() && seen.insert(name.to_string()) {
            out.push(name.to_string());
        }
    }
}

/// Paths from `info/NAME:ARCH.list` (multi-arch same) or `info/NAME.list`.
fn owned_files(view: &FileView, name: &str, arch: &str) -> Option<Vec<String>> {
    let file = view
        .get(&format!("{INFO}{name}:{arch}.list"))
        .or_else(|| view.get(&format!("{INFO}{name}.list")))?;
    Some(parse_list(&decode(&file.data)))
}

/// A dpkg `.list` file: one absolute path per line; `/.` and blanks dropped.
pub(crate) fn parse_list(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| super::join_normalise("", l.trim()))
        .collect()
}

/// Licenses of a machine-readable (DEP-5) copyright file: the short name of every
/// `License:` field, mapped to SPDX where the mapping is exact, otherwise kept as a
/// named license. A copyright file that is not machine-readable yields nothing.
pub fn copyright_licenses(text: &str) -> Vec<License> {
    copyright_licenses_memo(text, &mut LicenseMemo::new())
}

/// [`debian_license`] results by short name, for one cataloger run.
type LicenseMemo = std::collections::HashMap<String, Option<License>>;

/// [`copyright_licenses`] with the short-name mapping memoised across files.
fn copyright_licenses_memo(text: &str, memo: &mut LicenseMemo) -> Vec<License> {
    // The header paragraph (up to the first blank line) must carry `Format:`.
    let mut lines = text.lines();
    let machine_readable = lines
        .by_ref()
        .take_while(|l| !l.trim().is_empty())
        .any(|l| {
            field_value(l, "Format").is_some() || field_value(l, "Format-Specification").is_some()
        });
    if !machine_readable {
        return Vec::new();
    }
    let mut set = BTreeSet::new();
    // `License:` at the start of a line is a field; its continuation lines (the
    // license text) start with whitespace and are skipped.
    for v in text.lines().filter_map(|l| field_value(l, "License")) {
        let mapped = match memo.get(v) {
            Some(m) => m.clone(),
            None => {
                let m = debian_license(v);
                memo.insert(v.to_string(), m.clone());
                m
            }
        };
        if let Some(l) = mapped {
            set.insert(l);
        }
    }
    set.into_iter().collect()
}

/// The trimmed value of `line` when it is the field `name` (case-insensitive).
fn field_value<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let head = line.get(..name.len())?;
    if !head.eq_ignore_ascii_case(name) {
        return None;
    }
    line[name.len()..].strip_prefix(':').map(str::trim)
}

/// A DEP-5 short license expression (`GPL-2+ or Artistic-2.0`) as a license: SPDX
/// when every name maps exactly and the expression uses one operator only, named otherwise.
pub fn debian_license(short: &str) -> Option<License> {
    let short = short.trim().trim_end_matches(',').trim();
    if short.is_empty() {
        return None;
    }
    let named = || Some(License::Named(short.to_string()));
    if short.contains(',') {
        return named();
    }
    // `GPL-2 with Linux-syscall-note exception`: SPDX only when the exception's name
    // is an SPDX exception id as written.
    let words: Vec<&str> = short.split_whitespace().collect();
    if let [lic, with, exc, "exception"] = words[..] {
        if with.eq_ignore_ascii_case("with") {
            return match spdx_id(lic) {
                Some(id) => {
                    let expr = format!("{id} WITH {exc}");
                    match License::from_declared(&expr) {
                        Some(License::Spdx(s)) if s == expr => Some(License::Spdx(s)),
                        _ => named(),
                    }
                }
                None => named(),
            };
        }
    }
    let mut ids = Vec::new();
    let mut op: Option<&str> = None;
    for (i, tok) in short.split_whitespace().enumerate() {
        if i % 2 == 1 {
            let this = match tok.to_ascii_lowercase().as_str() {
                "or" => "OR",
                "and" => "AND",
                _ => return named(),
            };
            if op.is_some_and(|o| o != this) {
                return named();
            }
            op = Some(this);
        } else {
            match spdx_id(tok) {
                Some(id) => ids.push(id),
                None => return named(),
            }
        }
    }
    if ids.len() * 2 != short.split_whitespace().count() + 1 {
        return named();
    }
    let expr = ids.join(&format!(" {} ", op.unwrap_or("OR")));
    Some(License::Spdx(expr))
}

/// The SPDX id of one Debian license short name, when the mapping is exact.
fn spdx_id(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    if let Some(id) = gnu_family(&lower) {
        return Some(id);
    }
    let mapped = match lower.as_str() {
        "expat" | "mit" => "MIT",
        "bsd-2-clause" => "BSD-2-Clause",
        "bsd-3-clause" => "BSD-3-Clause",
        "bsd-4-clause" => "BSD-4-Clause",
        "apache-2.0" | "apache-2" => "Apache-2.0",
        "apache-1.1" => "Apache-1.1",
        "artistic-2.0" | "artistic-2" => "Artistic-2.0",
        "isc" => "ISC",
        "zlib" => "Zlib",
        "mpl-1.1" => "MPL-1.1",
        "mpl-2.0" | "mpl-2" => "MPL-2.0",
        "cc0-1.0" | "cc0" => "CC0-1.0",
        "psf-2" | "psf-2.0" => "PSF-2.0",
        "bsl-1.0" | "boost-1.0" => "BSL-1.0",
        "x11" => "X11",
        "openssl" => "OpenSSL",
        "curl" => "curl",
        "ftl" => "FTL",
        "sleepycat" => "Sleepycat",
        "zpl-2.1" | "zope-2.1" => "ZPL-2.1",
        "ofl-1.1" => "OFL-1.1",
        "unlicense" => "Unlicense",
        "wtfpl" => "WTFPL",
        "fsfap" => "FSFAP",
        "fsful" => "FSFUL",
        "fsfullr" => "FSFULLR",
        _ => {
            // An exact SPDX id spelled as SPDX spells it (`Apache-2.0`, `MIT-0`).
            return match License::from_declared(name) {
                Some(License::Spdx(s)) if s == name => Some(s),
                _ => None,
            };
        }
    };
    Some(mapped.to_string())
}

/// `gpl-2+` → `GPL-2.0-or-later`, `lgpl-2.1` → `LGPL-2.1-only`, ... for the GNU
/// licenses and versions that exist.
fn gnu_family(lower: &str) -> Option<String> {
    let (base, plus) = match lower.strip_suffix('+') {
        Some(b) => (b, true),
        None => (lower, false),
    };
    let (fam, ver) = base.split_once('-')?;
    let ver = match ver {
        "1" | "1.0" => "1.0",
        "2" | "2.0" => "2.0",
        "2.1" => "2.1",
        "3" | "3.0" => "3.0",
        "1.1" => "1.1",
        "1.2" => "1.2",
        "1.3" => "1.3",
        _ => return None,
    };
    let (fam, valid): (&str, &[&str]) = match fam {
        "gpl" => ("GPL", &["1.0", "2.0", "3.0"]),
        "lgpl" => ("LGPL", &["2.0", "2.1", "3.0"]),
        "agpl" => ("AGPL", &["1.0", "3.0"]),
        "gfdl" => ("GFDL", &["1.1", "1.2", "1.3"]),
        _ => return None,
    };
    if !valid.contains(&ver) {
        return None;
    }
    Some(format!(
        "{fam}-{ver}-{}",
        if plus { "or-later" } else { "only" }
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sbom_model::LayerRef;

    use super::*;

    fn file(path: &str, data: &str) -> CapturedFile {
        CapturedFile {
            path: path.to_string(),
            data: Arc::new(data.as_bytes().to_vec()),
            layer: Some(LayerRef {
                index: 1,
                diff_id: "sha256:aa".into(),
                digest: Some("sha256:bb".into()),
            }),
        }
    }

    const STATUS_TEXT: &str = "\
Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12985
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Replaces: libc6-amd64
Depends: libgcc-s1
Recommends: libidn2-0 (>= 2.0.5~)
Conffiles:
 /etc/ld.so.conf.d/x86_64-linux-gnu.conf d4e7a7b88a71b5ffd9e2644e71a0cfab
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.
Homepage: https://www.gnu.org/software/libc/libc.html

Package: python3-yaml
Status: hold ok installed
Installed-Size: 640
Maintainer: Debian Python Team <team+python@tracker.debian.org>
Architecture: amd64
Source: pyyaml (6.0-3)
Version: 6.0-3+b2
Pre-Depends: dpkg (>= 1.17)
Depends: python3 (<< 3.12), python3:any (>= 3.11~), libc6 (>= 2.14) | libc6.1, libyaml-0-2 [amd64] <!nocheck>,
 python3-six
Provides: python3.11-yaml, python3-yaml-abi (= 1)
Description: YAML parser and emitter for Python3

Package: removed-one
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0

Package: half
Status: install reinstreq half-installed
Architecture: all
Version: 2.0

Package: noversion
Status: install ok installed
Architecture: all

Package: tzdata
Status: install ok installed
Architecture: all
Version: 2024a-0+deb12u1
Description: time zone and daylight-saving time data
";

    #[test]
    fn status_file_installed_only_with_all_fields() {
        let f = file(STATUS, STATUS_TEXT);
        let mut w = Vec::new();
        let pkgs = parse_status_file(&f, true, &mut w);
        let names: Vec<&str> = pkgs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["libc6", "python3-yaml", "tzdata"]);
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].entry.as_deref(), Some(STATUS));
        assert_eq!(w[0].layer.as_deref(), Some("sha256:bb"));
        assert!(w[0].message.contains("noversion"), "{}", w[0].message);

        let libc = &pkgs[0];
        assert_eq!(libc.id, "deb:libc6:amd64");
        assert_eq!(libc.version, "2.36-9+deb12u4");
        assert_eq!(libc.arch.as_deref(), Some("amd64"));
        assert_eq!(libc.source_name.as_deref(), Some("glibc"));
        assert_eq!(libc.source_version, None);
        assert_eq!(
            libc.supplier.as_deref(),
            Some("GNU Libc Maintainers <debian-glibc@lists.debian.org>")
        );
        assert_eq!(libc.installed_size, Some(12985 * 1024));
        assert_eq!(
            libc.description.as_deref(),
            Some("GNU C Library: Shared libraries")
        );
        assert_eq!(
            libc.homepage.as_deref(),
            Some("https://www.gnu.org/software/libc/libc.html")
        );
        assert_eq!(libc.depends, ["libgcc-s1"]);
        assert_eq!(libc.metadata_path.as_deref(), Some(STATUS));
        assert_eq!(libc.layer.as_ref().map(|l| l.index), Some(1));

        let yaml = &pkgs[1];
        assert_eq!(yaml.source_name.as_deref(), Some("pyyaml"));
        assert_eq!(yaml.source_version.as_deref(), Some("6.0-3"));
        assert_eq!(
            yaml.depends,
            [
                "dpkg",
                "python3",
                "libc6",
                "libc6.1",
                "libyaml-0-2",
                "python3-six"
            ]
        );
        assert_eq!(
            yaml.properties.get(PROVIDES_PROPERTY).map(String::as_str),
            Some("python3.11-yaml, python3-yaml-abi")
        );
        assert_eq!(pkgs[2].id, "deb:tzdata:all");
    }

    #[test]
    fn broken_stanza_warns_and_the_rest_is_parsed() {
        let text = "Package: good\nStatus: install ok installed\nVersion: 1\n\n\
                    this is not deb822\n\x01\x02garbage\n\n\
                    Version: 3\nStatus: install ok installed\n\n\
                    Package: also-good\nStatus: install ok installed\nVersion: 2\n";
        let f = file(STATUS, text);
        let mut w = Vec::new();
        let pkgs = parse_status_file(&f, true, &mut w);
        let names: Vec<&str> = pkgs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["good", "also-good"]);
        assert!(w.len() >= 2, "{w:?}");
        assert!(w.iter().all(|x| x.entry.as_deref() == Some(STATUS)));
        assert!(w.iter().any(|x| x.message.contains("no Package")));
    }

    #[test]
    fn status_states() {
        for yes in [
            "install ok installed",
            "hold ok installed",
            "deinstall ok installed",
            "install ok triggers-pending",
        ] {
            assert!(is_installed(yes), "{yes}");
        }
        for no in [
            "deinstall ok config-files",
            "purge ok not-installed",
            "install reinstreq half-installed",
            "install ok unpacked",
            "install ok half-configured",
            "installed",
            "",
        ] {
            assert!(!is_installed(no), "{no}");
        }
    }

    #[test]
    fn main_status_without_status_field_is_reported() {
        let f = file(STATUS, "Package: x\nVersion: 1\n");
        let mut w = Vec::new();
        assert!(parse_status_file(&f, true, &mut w).is_empty());
        assert_eq!(w.len(), 1);
        assert!(w[0].message.contains("no Status"));
    }

    #[test]
    fn latin1_and_binary_garbage_never_panic() {
        let data: Vec<u8> = (0u8..=255).cycle().take(4096).collect();
        let f = CapturedFile {
            path: STATUS.into(),
            data: Arc::new(data),
            layer: None,
        };
        let mut w = Vec::new();
        let _ = parse_status_file(&f, true, &mut w);
        let f = CapturedFile {
            path: STATUS.into(),
            data: Arc::new(
                b"Package: caf\xe9\nStatus: install ok installed\nVersion: 1\nMaintainer: J\xf6rg\n"
                    .to_vec(),
            ),
            layer: None,
        };
        let pkgs = parse_status_file(&f, true, &mut w);
        assert_eq!(pkgs[0].supplier.as_deref(), Some("Jörg"));
    }

    #[test]
    fn relation_names_strip_versions_arch_and_keep_alternatives() {
        let mut out = Vec::new();
        relation_names(
            "perl:any, libfoo (>= 1.0) | libbar:amd64, awk [!hurd-i386], ,perl",
            &mut BTreeSet::new(),
            &mut out,
        );
        assert_eq!(out, ["perl", "libfoo", "libbar", "awk"]);
    }

    #[test]
    fn source_forms() {
        assert_eq!(parse_source("glibc"), ("glibc", None));
        assert_eq!(parse_source("pyyaml (6.0-3)"), ("pyyaml", Some("6.0-3")));
        assert_eq!(parse_source("x ()"), ("x", None));
        assert_eq!(parse_source("x (1"), ("x", Some("1")));
    }

    const DEP5: &str = "\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: PyYAML
Source: https://github.com/yaml/pyyaml

Files: *
Copyright: 2017-2021 Ingy döt Net
License: Expat

Files: debian/*
Copyright: 2006 Somebody
License: GPL-2+
 This program is free software; you can redistribute it
 .
 On Debian systems, the full text is in /usr/share/common-licenses/GPL-2.

Files: lib/odd/*
Copyright: none
License: public-domain

Files: lib/dual/*
Copyright: someone
License: GPL-2+ or Artistic-2.0

Files: lib/exc/*
Copyright: someone
License: GPL-2+ with OpenSSL exception

License: Expat
 Permission is hereby granted, free of charge, ...
";

    #[test]
    fn dep5_licenses_are_mapped_exactly_or_kept_named() {
        let l = copyright_licenses(DEP5);
        assert_eq!(
            l,
            vec![
                License::Spdx("GPL-2.0-or-later".into()),
                License::Spdx("GPL-2.0-or-later OR Artistic-2.0".into()),
                License::Spdx("MIT".into()),
                License::Named("GPL-2+ with OpenSSL exception".into()),
                License::Named("public-domain".into()),
            ]
        );
    }

    #[test]
    fn non_dep5_copyright_is_unknown() {
        let text = "This is the Debian prepackaged version of bash.\n\nCopyright (C) 1987 FSF\nLicense: GPL-3+\n";
        assert!(copyright_licenses(text).is_empty());
        assert!(copyright_licenses("").is_empty());
        // `Format:` outside the header paragraph does not make it machine-readable.
        let late = "Upstream-Name: x\n\nFormat: https://x\nLicense: MIT\n";
        assert!(copyright_licenses(late).is_empty());
        // An indented `License:` inside a license text is not a field.
        let nested = "Format: https://x\n\nFiles: *\nLicense: MIT\n License: GPL-2+\n";
        assert_eq!(copyright_licenses(nested), [License::Spdx("MIT".into())]);
    }

    #[test]
    fn debian_names_to_spdx() {
        let s = |x: &str| debian_license(x).and_then(|l| l.spdx().map(str::to_string));
        assert_eq!(s("LGPL-2.1+").as_deref(), Some("LGPL-2.1-or-later"));
        assert_eq!(s("LGPL-2.1").as_deref(), Some("LGPL-2.1-only"));
        assert_eq!(s("GPL-3").as_deref(), Some("GPL-3.0-only"));
        assert_eq!(s("BSD-3-clause").as_deref(), Some("BSD-3-Clause"));
        assert_eq!(s("Apache-2.0").as_deref(), Some("Apache-2.0"));
        assert_eq!(
            s("BSD-3-clause and Expat").as_deref(),
            Some("BSD-3-Clause AND MIT")
        );
        // No LGPL-1.0, no guessing of vague names, no mixed operators.
        assert_eq!(
            s("GPL-2 with Linux-syscall-note exception").as_deref(),
            Some("GPL-2.0-only WITH Linux-syscall-note")
        );
        assert_eq!(s("GPL-2+ with OpenSSL exception"), None);
        assert_eq!(s("LGPL-1"), None);
        assert_eq!(s("BSD"), None);
        assert_eq!(s("GPL-2+ or MIT and ISC"), None);
        assert_eq!(s("GPL-2+ or"), None);
        assert_eq!(debian_license("  "), None);
    }

    fn view(files: &[(&str, &str)]) -> FileView {
        FileView::from_files(files.iter().map(|(p, d)| file(p, d)))
    }

    #[test]
    fn catalog_joins_lists_and_copyright() {
        let v = view(&[
            (STATUS, STATUS_TEXT),
            (
                "var/lib/dpkg/info/libc6:amd64.list",
                "/.\n/usr\n/usr/lib/x86_64-linux-gnu/libc.so.6\n",
            ),
            (
                "var/lib/dpkg/info/python3-yaml.list",
                "/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info\n/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA\n",
            ),
            ("usr/share/doc/python3-yaml/copyright", DEP5),
        ]);
        let out = DpkgCataloger.catalog(&v, &Context::default());
        assert_eq!(out.packages.len(), 3);
        assert_eq!(
            out.owned_files.get("deb:libc6:amd64").map(Vec::as_slice),
            Some(
                &[
                    "usr".to_string(),
                    "usr/lib/x86_64-linux-gnu/libc.so.6".to_string()
                ][..]
            )
        );
        assert_eq!(
            out.owned_files.get("deb:python3-yaml:amd64").map(Vec::len),
            Some(2)
        );
        assert!(!out.owned_files.contains_key("deb:tzdata:all"));
        let yaml = out
            .packages
            .iter()
            .find(|p| p.name == "python3-yaml")
            .expect("yaml");
        assert!(yaml.licenses.contains(&License::Spdx("MIT".into())));
        assert!(out.packages[0].licenses.is_empty());
    }

    #[test]
    fn identities_only_skips_copyright_and_lists_but_keeps_every_package() {
        let v = view(&[
            (STATUS, STATUS_TEXT),
            (
                "var/lib/dpkg/info/python3-yaml.list",
                "/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info\n",
            ),
            ("usr/share/doc/python3-yaml/copyright", DEP5),
        ]);
        let full = DpkgCataloger.catalog(&v, &Context::default());
        let ctx = Context {
            identities_only: true,
            ..Context::default()
        };
        let ids = DpkgCataloger.catalog(&v, &ctx);
        let key = |p: &Package| (p.name.clone(), p.version.clone(), p.arch.clone());
        assert_eq!(
            ids.packages.iter().map(key).collect::<Vec<_>>(),
            full.packages.iter().map(key).collect::<Vec<_>>()
        );
        assert!(ids.packages.iter().all(|p| p.licenses.is_empty()));
        assert!(ids.owned_files.is_empty());
        assert!(!full.owned_files.is_empty());
    }

    #[test]
    fn distroless_status_d() {
        let v = view(&[
            (
                "var/lib/dpkg/status.d/base",
                "Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\nMaintainer: Santiago Vila <sanvila@debian.org>\n",
            ),
            (
                "var/lib/dpkg/status.d/libssl3",
                "Package: libssl3\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\nSource: openssl\n",
            ),
            ("var/lib/dpkg/status.d/libssl3.md5sums", "abc  usr/lib/x\n"),
        ]);
        let out = DpkgCataloger.catalog(&v, &Context::default());
        let names: Vec<&str> = out.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["base-files", "libssl3"]);
        assert_eq!(
            out.packages[1].metadata_path.as_deref(),
            Some("var/lib/dpkg/status.d/libssl3")
        );
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    }

    #[test]
    fn duplicate_package_is_warned_once_kept() {
        let v = view(&[
            (
                STATUS,
                "Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n",
            ),
            (
                "var/lib/dpkg/status.d/a",
                "Package: a\nVersion: 2\nArchitecture: all\n",
            ),
        ]);
        let out = DpkgCataloger.catalog(&v, &Context::default());
        assert_eq!(out.packages.len(), 1);
        assert_eq!(out.packages[0].version, "1");
        assert_eq!(out.warnings.len(), 1);
    }

    #[test]
    fn wants_matches_exactly_its_files() {
        let c = DpkgCataloger;
        for yes in [
            "var/lib/dpkg/status",
            "var/lib/dpkg/status.d/base",
            "var/lib/dpkg/info/bash.list",
            "var/lib/dpkg/info/libc6:amd64.list",
            "usr/share/doc/bash/copyright",
        ] {
            assert!(c.wants(yes), "{yes}");
        }
        for no in [
            "var/lib/dpkg/status-old",
            "var/lib/dpkg/status.d/",
            "var/lib/dpkg/status.d/libssl3.md5sums",
            "var/lib/dpkg/status.d/sub/x",
            "var/lib/dpkg/info/bash.md5sums",
            "var/lib/dpkg/info/.list",
            "var/lib/dpkg/info/x/y.list",
            "usr/share/doc/bash/changelog.gz",
            "usr/share/doc/bash/copyright/x",
            "usr/share/doc//copyright",
            "usr/share/doc/copyright",
            "etc/dpkg/status",
        ] {
            assert!(!c.wants(no), "{no}");
        }
    }

    #[test]
    fn five_megabyte_status_parses_fast() {
        let mut text = String::new();
        let mut n = 0;
        while text.len() < 5 * 1024 * 1024 {
            text.push_str(&STATUS_TEXT.replace("Package: libc6\n", &format!("Package: lib{n}\n")));
            text.push('\n');
            n += 1;
        }
        let f = file(STATUS, &text);
        let start = std::time::Instant::now();
        let mut w = Vec::new();
        let pkgs = parse_status_file(&f, true, &mut w);
        let took = start.elapsed();
        assert_eq!(pkgs.len(), n * 3);
        // Generous bound for a shared, unoptimised test build; it takes a few ms.
        assert!(took.as_millis() < 2000, "took {took:?}");
    }
}
