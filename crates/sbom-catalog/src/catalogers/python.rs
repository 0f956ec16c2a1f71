//! Python: installed distributions anywhere in the filesystem.
//!
//! Sources, each found by its path alone:
//! - `<site>/NAME.dist-info/METADATA` (+ `RECORD`, `INSTALLER`, `direct_url.json`);
//! - `<site>/NAME.egg-info/PKG-INFO` (+ `requires.txt`, `installed-files.txt`);
//! - `<site>/NAME.egg-info` as a single file (old distutils installs);
//! - `<site>/NAME.egg/EGG-INFO/PKG-INFO` (+ `requires.txt`).
//!
//! `<site>` becomes [`Package::site_root`]. Nothing else is read: SBOM files shipped
//! inside a dist-info (`sboms/*.cdx.json`) and `METADATA` files elsewhere are ignored.
use std::collections::BTreeSet;

use sbom_model::purl::pep503_name;
use sbom_model::{Ecosystem, License, Package};

use super::{decode, file_name, join_normalise, parent, warning};
use crate::{CapturedFile, CatalogOutput, Cataloger, Context, FileView, Warning};

/// Property with the content of a dist-info's `INSTALLER` file (`pip`, `uv`, `debian`).
pub const INSTALLER_PROPERTY: &str = "sbom:python:installer";
/// Property with the `url` of a dist-info's `direct_url.json` (PEP 610).
pub const DIRECT_URL_PROPERTY: &str = "sbom:python:direct_url";

/// Property marking a distribution vendored inside another one (see [`PythonCataloger`]).
pub const VENDORED_PROPERTY: &str = "sbom:python:vendored";

const DIST_INFO_FILES: [&str; 4] = ["METADATA", "RECORD", "INSTALLER", "direct_url.json"];
const EGG_INFO_FILES: [&str; 3] = ["PKG-INFO", "requires.txt", "installed-files.txt"];
const EGG_FILES: [&str; 2] = ["PKG-INFO", "requires.txt"];

/// The Python cataloger.
#[derive(Clone, Copy, Debug, Default)]
pub struct PythonCataloger;

/// Where a package's metadata lives.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source<'a> {
    /// `<site>/X.dist-info/METADATA`; holds the dist-info folder.
    DistInfo(&'a str),
    /// `<site>/X.egg-info/PKG-INFO`; holds the egg-info folder.
    EggInfoDir(&'a str),
    /// `<site>/X.egg-info` as a file.
    EggInfoFile,
    /// `<site>/X.egg/EGG-INFO/PKG-INFO`; holds the `.egg` folder.
    Egg(&'a str),
}

/// Whether `name` ends with `suffix` in any letter case and has something before it
/// (`importlib.metadata` matches `.dist-info`/`.egg-info` case-insensitively).
fn has_suffix(name: &str, suffix: &str) -> bool {
    name.len() > suffix.len()
        && name
            .as_bytes()
            .get(name.len() - suffix.len()..)
            .is_some_and(|end| end.eq_ignore_ascii_case(suffix.as_bytes()))
}

/// `EGG-INFO` in any letter case.
fn is_egg_info_dir(name: &str) -> bool {
    name.eq_ignore_ascii_case("EGG-INFO")
}

/// The metadata source a path is, if it is one.
fn classify(path: &str) -> Option<Source<'_>> {
    let name = file_name(path);
    let dir = parent(path);
    let dir_name = file_name(dir);
    if !dir.is_empty() && has_suffix(dir_name, ".dist-info") {
        return (name == "METADATA").then_some(Source::DistInfo(dir));
    }
    if !dir.is_empty() && has_suffix(dir_name, ".egg-info") {
        return (name == "PKG-INFO").then_some(Source::EggInfoDir(dir));
    }
    if is_egg_info_dir(dir_name) && dir != dir_name {
        let egg = parent(dir);
        if has_suffix(file_name(egg), ".egg") {
            return (name == "PKG-INFO").then_some(Source::Egg(egg));
        }
    }
    has_suffix(name, ".egg-info").then_some(Source::EggInfoFile)
}

impl Cataloger for PythonCataloger {
    fn name(&self) -> &'static str {
        "python"
    }
    fn version(&self) -> u32 {
        2
    }
    fn wants(&self, path: &str) -> bool {
        let name = file_name(path);
        let dir = parent(path);
        let dir_name = file_name(dir);
        if !dir.is_empty() && has_suffix(dir_name, ".dist-info") {
            return DIST_INFO_FILES.contains(&name);
        }
        if !dir.is_empty() && has_suffix(dir_name, ".egg-info") {
            return EGG_INFO_FILES.contains(&name);
        }
        if is_egg_info_dir(dir_name)
            && dir != dir_name
            && has_suffix(file_name(parent(dir)), ".egg")
        {
            return EGG_FILES.contains(&name);
        }
        has_suffix(name, ".egg-info")
    }
    fn catalog(&self, view: &FileView, ctx: &Context) -> CatalogOutput {
        let mut out = CatalogOutput::default();
        for file in view.iter() {
            let Some(source) = classify(&file.path) else {
                continue;
            };
            if source == Source::EggInfoFile {
                // A folder captured by mistake, or an empty file: nothing to read.
                let below = format!("{}/", file.path);
                if file.data.is_empty() || view.under(&below).next().is_some() {
                    continue;
                }
            }
            let full = !ctx.identities_only;
            if let Some((pkg, owned)) = package(view, file, &source, full, &mut out.warnings) {
                if let Some(owned) = owned {
                    out.owned_files.insert(pkg.id.clone(), owned);
                }
                out.packages.push(pkg);
            }
        }
        if !ctx.identities_only {
            mark_vendored(&mut out);
        }
        out
    }
}

/// Marks packages whose site root lies inside another site root (setuptools'
/// `site-packages/setuptools/_vendor/*.dist-info`, test data inside a package): they
/// are copies shipped inside another distribution, not importable installs, so pip
/// does not list them. They stay in the SBOM (their code is in the image) with
/// [`VENDORED_PROPERTY`] set to `NAME@VERSION` of the package whose `RECORD` lists
/// their metadata, or to `true` when no `RECORD` does.
fn mark_vendored(out: &mut CatalogOutput) {
    let roots: BTreeSet<&str> = out
        .packages
        .iter()
        .filter_map(|p| p.site_root.as_deref())
        .collect();
    let nested: Vec<bool> = out
        .packages
        .iter()
        .map(|p| {
            let Some(root) = p.site_root.as_deref() else {
                return false;
            };
            let mut dir = parent(root);
            while !dir.is_empty() {
                if roots.contains(dir) {
                    return true;
                }
                dir = parent(dir);
            }
            false
        })
        .collect();
    if !nested.contains(&true) {
        return;
    }
    // metadata path → "name@version" of the package whose RECORD lists it
    let mut owner: std::collections::HashMap<&str, String> = std::collections::HashMap::new();
    for p in &out.packages {
        if let Some(files) = out.owned_files.get(&p.id) {
            for f in files {
                owner
                    .entry(f.as_str())
                    .or_insert_with(|| format!("{}@{}", p.name, p.version));
            }
        }
    }
    let values: Vec<Option<String>> = out
        .packages
        .iter()
        .zip(&nested)
        .map(|(p, &is_nested)| {
            is_nested.then(|| {
                p.metadata_path
                    .as_deref()
                    .and_then(|m| owner.get(m).cloned())
                    .unwrap_or_else(|| "true".to_string())
            })
        })
        .collect();
    for (p, v) in out.packages.iter_mut().zip(values) {
        if let Some(v) = v {
            p.properties.insert(VENDORED_PROPERTY.to_string(), v);
        }
    }
}

/// Names pip leaves out of `pip list` as part of the interpreter (`stdlib_pkgs`).
const STDLIB_NAMES: [&str; 3] = ["python", "wsgiref", "argparse"];

/// Whether this metadata describes the interpreter itself (CPython's
/// `lib-dynload/Python-3.11.egg-info`, old stdlib `wsgiref.egg-info`): one of pip's
/// stdlib names outside any `site-packages`/`dist-packages` folder.
fn is_interpreter(name: &str, file: &CapturedFile) -> bool {
    STDLIB_NAMES.contains(&pep503_name(name).as_str())
        && !file
            .path
            .split('/')
            .any(|c| c == "site-packages" || c == "dist-packages")
}

/// One package from its metadata file and the files next to it.
fn package(
    view: &FileView,
    file: &CapturedFile,
    source: &Source<'_>,
    full: bool,
    warnings: &mut Vec<Warning>,
) -> Option<(Package, Option<Vec<String>>)> {
    let text = decode(&file.data);
    let meta = Metadata::parse(&text);
    let Some(name) = meta.value("Name") else {
        warnings.push(warning(file, "no Name field; package skipped"));
        return None;
    };
    if is_interpreter(name, file) {
        return None;
    }
    let version = meta.value("Version").unwrap_or_else(|| {
        // importlib.metadata lists it (version None): report it, never invent one.
        warnings.push(warning(
            file,
            format!("package {name} has no Version field; reported without a version"),
        ));
        ""
    });
    let mut p = Package::new(Ecosystem::Pypi, name, version);
    p.id = format!("python:{}", file.path);
    p.metadata_path = Some(file.path.clone());
    p.layer = file.layer.clone();
    let site_root = match source {
        Source::DistInfo(dir) | Source::EggInfoDir(dir) | Source::Egg(dir) => parent(dir),
        Source::EggInfoFile => parent(&file.path),
    };
    p.site_root = (!site_root.is_empty()).then(|| site_root.to_string());
    if !full {
        return Some((p, None));
    }
    p.description = meta.value("Summary").map(unfold);
    p.homepage = meta
        .value("Home-page")
        .map(str::to_string)
        .or_else(|| meta.project_url(&["homepage", "home"]));
    p.download_url = meta.value("Download-URL").map(str::to_string);
    let author = person(meta.value("Author"), meta.value("Author-email"));
    let maintainer = person(meta.value("Maintainer"), meta.value("Maintainer-email"));
    p.supplier = maintainer.or_else(|| author.clone()).map(|s| unfold(&s));
    p.author = author.map(|s| unfold(&s));
    p.licenses = meta.licenses();

    let mut seen = BTreeSet::new();
    for req in meta.all("Requires-Dist") {
        if let Some(n) = requirement_name(req) {
            if seen.insert(n.clone()) {
                p.depends.push(n);
            }
        }
    }
    let mut owned = None;
    match source {
        Source::DistInfo(dir) => {
            if let Some(f) = view.get(&format!("{dir}/RECORD")) {
                owned = Some(parse_record(&decode(&f.data), site_root));
            }
            if let Some(f) = view.get(&format!("{dir}/INSTALLER")) {
                let installer = decode(&f.data);
                if let Some(first) = installer.lines().map(str::trim).find(|l| !l.is_empty()) {
                    p.properties
                        .insert(INSTALLER_PROPERTY.to_string(), first.to_string());
                }
            }
            if let Some(f) = view.get(&format!("{dir}/direct_url.json")) {
                match serde_json::from_slice::<serde_json::Value>(&f.data) {
                    Ok(v) => {
                        if let Some(url) = v.get("url").and_then(|u| u.as_str()) {
                            p.properties
                                .insert(DIRECT_URL_PROPERTY.to_string(), url.to_string());
                        }
                    }
                    Err(e) => warnings.push(warning(f, format!("not valid JSON: {e}"))),
                }
            }
        }
        Source::EggInfoDir(dir) | Source::Egg(dir) => {
            let info = match source {
                Source::Egg(_) => format!("{dir}/EGG-INFO"),
                _ => (*dir).to_string(),
            };
            if p.depends.is_empty() {
                if let Some(f) = view.get(&format!("{info}/requires.txt")) {
                    p.depends = requires_txt(&decode(&f.data));
                }
            }
            if let Some(f) = view.get(&format!("{info}/installed-files.txt")) {
                let files = decode(&f.data)
                    .lines()
                    .filter_map(|l| join_normalise(&info, l.trim()))
                    .collect();
                owned = Some(files);
            }
        }
        Source::EggInfoFile => {}
    }
    Some((p, owned))
}

/// A folded header value on one line (continuations joined by a space).
fn unfold(v: &str) -> String {
    if v.contains('\n') {
        v.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        v.to_string()
    }
}

/// `Name <email>` from a name and an email field (either may be missing; an email
/// field that already carries names is used as it is).
fn person(name: Option<&str>, email: Option<&str>) -> Option<String> {
    match (name, email) {
        (Some(n), Some(e)) if !e.contains('<') && !e.contains(',') => Some(format!("{n} <{e}>")),
        (_, Some(e)) => Some(e.to_string()),
        (Some(n), None) => Some(n.to_string()),
        (None, None) => None,
    }
}

/// Core metadata (RFC 822 headers) of METADATA / PKG-INFO. The body after the first
/// empty line (the long description) is not kept.
#[derive(Debug, Default)]
struct Metadata<'a> {
    headers: Vec<(&'a str, String)>,
}

impl<'a> Metadata<'a> {
    fn parse(text: &'a str) -> Self {
        let mut headers: Vec<(&'a str, String)> = Vec::new();
        for line in text.lines() {
            if line.is_empty() {
                break;
            }
            if line.starts_with([' ', '\t']) {
                if let Some((_, v)) = headers.last_mut() {
                    v.push('\n');
                    v.push_str(line.trim());
                }
                continue;
            }
            if let Some((k, v)) = line.split_once(':') {
                headers.push((k.trim(), v.trim().to_string()));
            }
        }
        Metadata { headers }
    }

    /// Every value of a header, trimmed, placeholders (`UNKNOWN`, empty) dropped.
    fn all<'s>(&'s self, key: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty() && *v != "UNKNOWN")
    }

    fn value(&self, key: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.trim())
            .find(|v| !v.is_empty() && *v != "UNKNOWN")
    }

    /// The URL of a `Project-URL: Label, URL` whose label (normalised) is one of `labels`.
    fn project_url(&self, labels: &[&str]) -> Option<String> {
        self.all("Project-URL").find_map(|v| {
            let (label, url) = v.split_once(',')?;
            let label: String = label
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase();
            let url = url.trim();
            (labels.contains(&label.as_str()) && !url.is_empty()).then(|| url.to_string())
        })
    }

    /// License-Expression, else a short License, else the license trove classifiers.
    fn licenses(&self) -> Vec<License> {
        if let Some(l) = self
            .value("License-Expression")
            .and_then(License::from_declared)
        {
            return vec![l];
        }
        if let Some(text) = self.value("License") {
            if !text.contains('\n') && text.len() <= 100 {
                if let Some(l) = License::from_declared(text) {
                    return vec![l];
                }
            }
        }
        let mut out: Vec<License> = Vec::new();
        for c in self.all("Classifier") {
            if let Some(l) = classifier_license(c) {
                if !out.contains(&l) {
                    out.push(l);
                }
            }
        }
        out
    }
}

/// The license of a `License :: ...` trove classifier: SPDX where the classifier
/// names one license version exactly, the classifier's own words otherwise.
fn classifier_license(classifier: &str) -> Option<License> {
    let parts: Vec<&str> = classifier.split("::").map(str::trim).collect();
    if parts.first() != Some(&"License") {
        return None;
    }
    let last = *parts.last()?;
    if parts.len() < 2 || last == "OSI Approved" {
        return None;
    }
    let spdx = match last {
        "MIT License" => "MIT",
        "MIT No Attribution License (MIT-0)" => "MIT-0",
        "GNU General Public License v2 (GPLv2)" => "GPL-2.0-only",
        "GNU General Public License v2 or later (GPLv2+)" => "GPL-2.0-or-later",
        "GNU General Public License v3 (GPLv3)" => "GPL-3.0-only",
        "GNU General Public License v3 or later (GPLv3+)" => "GPL-3.0-or-later",
        "GNU Lesser General Public License v2 (LGPLv2)" => "LGPL-2.0-only",
        "GNU Lesser General Public License v2 or later (LGPLv2+)" => "LGPL-2.0-or-later",
        "GNU Lesser General Public License v3 (LGPLv3)" => "LGPL-3.0-only",
        "GNU Lesser General Public License v3 or later (LGPLv3+)" => "LGPL-3.0-or-later",
        "GNU Affero General Public License v3" => "AGPL-3.0-only",
        "GNU Affero General Public License v3 or later (AGPLv3+)" => "AGPL-3.0-or-later",
        "Mozilla Public License 1.1 (MPL 1.1)" => "MPL-1.1",
        "Mozilla Public License 2.0 (MPL 2.0)" => "MPL-2.0",
        "ISC License (ISCL)" => "ISC",
        "The Unlicense (Unlicense)" => "Unlicense",
        "Boost Software License 1.0 (BSL-1.0)" => "BSL-1.0",
        "Eclipse Public License 1.0 (EPL-1.0)" => "EPL-1.0",
        "Eclipse Public License 2.0 (EPL-2.0)" => "EPL-2.0",
        "European Union Public Licence 1.2 (EUPL 1.2)" => "EUPL-1.2",
        "Universal Permissive License (UPL)" => "UPL-1.0",
        "Historical Permission Notice and Disclaimer (HPND)" => "HPND",
        "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication" => "CC0-1.0",
        // Version-less families (`BSD License`, `Apache Software License`) are not guessed.
        other => return Some(License::Named(other.to_string())),
    };
    Some(License::Spdx(spdx.to_string()))
}

/// The PEP 503 name of a `Requires-Dist` requirement, `None` for requirements that
/// only apply to an extra (`; extra == "test"`).
pub fn requirement_name(req: &str) -> Option<String> {
    let (spec, marker) = req.split_once(';').unwrap_or((req, ""));
    let marker: String = marker
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .replace('\'', "\"");
    if marker.contains("extra==") || marker.contains("==extra") {
        return None;
    }
    let name: String = spec
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    (!name.is_empty()).then(|| pep503_name(&name))
}

/// Names from a setuptools `requires.txt`: lines before any section, and sections
/// that are only a marker (`[:python_version < "3.8"]`); extras' sections are dropped.
fn requires_txt(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut active = true;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[') {
            active = section.starts_with(':');
            continue;
        }
        if active {
            if let Some(n) = requirement_name(line) {
                if seen.insert(n.clone()) {
                    out.push(n);
                }
            }
        }
    }
    out
}

/// Paths of a `RECORD` (CSV: path, hash, size), relative to `site_root`, normalised.
/// Entries that would leave the root are dropped.
pub fn parse_record(text: &str, site_root: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let path = csv_first_field(line);
            if path.is_empty() {
                return None;
            }
            join_normalise(site_root, &path)
        })
        .collect()
}

/// The first field of a CSV line (double quotes with `""` escapes).
fn csv_first_field(line: &str) -> String {
    let Some(rest) = line.strip_prefix('"') else {
        return line.split(',').next().unwrap_or("").to_string();
    };
    let mut out = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            if chars.peek() == Some(&'"') {
                chars.next();
                out.push('"');
            } else {
                break;
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn file(path: &str, data: &[u8]) -> CapturedFile {
        CapturedFile {
            path: path.to_string(),
            data: Arc::new(data.to_vec()),
            layer: None,
        }
    }

    fn view(files: &[(&str, &str)]) -> FileView {
        FileView::from_files(files.iter().map(|(p, d)| file(p, d.as_bytes())))
    }

    const SITE: &str = "var/lib/kolla/venv/lib/python3.11/site-packages";

    const KEYSTONE: &str = "\
Metadata-Version: 2.1
Name: keystone
Version: 25.0.0
Summary: OpenStack Identity
Home-page: https://docs.openstack.org/keystone/latest
Author: OpenStack
Author-email: openstack-discuss@lists.openstack.org
Classifier: Environment :: OpenStack
Classifier: License :: OSI Approved :: Apache Software License
Requires-Python: >=3.8
Requires-Dist: pbr (!=2.1.0,>=2.0.0)
Requires-Dist: WebOb>=1.7.1
Requires-Dist: oslo.config >= 6.8.0
Requires-Dist: Flask!=0.11,>=1.0.2 ; python_version >= \"3.8\"
Requires-Dist: python-ldap>=3.0.0 ; extra == 'ldap'
Requires-Dist: ldappool>=2.3.1 ; (python_version>='3') and extra == \"ldap\"
Requires-Dist: oslo.config
Provides-Extra: ldap

Keystone
========
Name: not-a-header
";

    #[test]
    fn dist_info_metadata_record_installer_direct_url() {
        let dir = format!("{SITE}/keystone-25.0.0.dist-info");
        let v = view(&[
            (&format!("{dir}/METADATA"), KEYSTONE),
            (
                &format!("{dir}/RECORD"),
                "../../../bin/keystone-manage,sha256=abc,123\nkeystone/__init__.py,sha256=def,0\n\"odd,name.py\",,\nkeystone-25.0.0.dist-info/RECORD,,\n",
            ),
            (&format!("{dir}/INSTALLER"), "pip\n"),
            (
                &format!("{dir}/direct_url.json"),
                r#"{"url": "file:///src/keystone", "dir_info": {}}"#,
            ),
        ]);
        let out = PythonCataloger.catalog(&v, &Context::default());
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        assert_eq!(out.packages.len(), 1);
        let p = &out.packages[0];
        let meta = format!("{dir}/METADATA");
        assert_eq!(p.id, format!("python:{meta}"));
        assert_eq!(p.ecosystem, Ecosystem::Pypi);
        assert_eq!(
            (p.name.as_str(), p.version.as_str()),
            ("keystone", "25.0.0")
        );
        assert_eq!(p.site_root.as_deref(), Some(SITE));
        assert_eq!(p.metadata_path.as_deref(), Some(meta.as_str()));
        assert_eq!(p.description.as_deref(), Some("OpenStack Identity"));
        assert_eq!(
            p.homepage.as_deref(),
            Some("https://docs.openstack.org/keystone/latest")
        );
        assert_eq!(
            p.supplier.as_deref(),
            Some("OpenStack <openstack-discuss@lists.openstack.org>")
        );
        assert_eq!(p.depends, ["pbr", "webob", "oslo-config", "flask"]);
        assert_eq!(
            p.licenses,
            [License::Named("Apache Software License".into())]
        );
        assert_eq!(
            p.properties.get(INSTALLER_PROPERTY).map(String::as_str),
            Some("pip")
        );
        assert_eq!(
            p.properties.get(DIRECT_URL_PROPERTY).map(String::as_str),
            Some("file:///src/keystone")
        );
        assert_eq!(
            out.owned_files.get(&p.id).cloned().unwrap_or_default(),
            [
                "var/lib/kolla/venv/bin/keystone-manage".to_string(),
                format!("{SITE}/keystone/__init__.py"),
                format!("{SITE}/odd,name.py"),
                format!("{dir}/RECORD"),
            ]
        );
        assert!(p.checksums.is_empty());
    }

    #[test]
    fn license_precedence() {
        let lic = |t: &str| Metadata::parse(t).licenses();
        assert_eq!(
            lic("License-Expression: MIT OR Apache-2.0\nLicense: BSD\nClassifier: License :: OSI Approved :: ISC License (ISCL)\n"),
            [License::Spdx("MIT OR Apache-2.0".into())]
        );
        assert_eq!(
            lic("License: MIT\nClassifier: License :: OSI Approved :: ISC License (ISCL)\n"),
            [License::Spdx("MIT".into())]
        );
        // A whole license text in License: fall through to the classifiers.
        assert_eq!(
            lic("License: Copyright (c) 2020 Someone\n        \n        Permission is hereby granted\nClassifier: License :: OSI Approved :: MIT License\nClassifier: License :: OSI Approved :: BSD License\n"),
            [License::Spdx("MIT".into()), License::Named("BSD License".into())]
        );
        assert_eq!(lic("License: UNKNOWN\n"), Vec::<License>::new());
        assert_eq!(
            lic(
                "Classifier: License :: OSI Approved\nClassifier: Programming Language :: Python\n"
            ),
            Vec::<License>::new()
        );
    }

    #[test]
    fn folded_summary_is_one_line() {
        let v = view(&[(
            "s/x-1.dist-info/METADATA",
            "Name: x\nVersion: 1\nSummary: A long summary\n  folded by an email generator\nAuthor: A\n\tB\n",
        )]);
        let out = PythonCataloger.catalog(&v, &Context::default());
        let p = &out.packages[0];
        assert_eq!(
            p.description.as_deref(),
            Some("A long summary folded by an email generator")
        );
        assert_eq!(p.supplier.as_deref(), Some("A B"));
    }

    #[test]
    fn setuptools_vendored_dist_info_is_marked_not_dropped() {
        let site = "venv/lib/python3.11/site-packages";
        let st = format!("{site}/setuptools-80.9.0.dist-info");
        let zipp = format!("{site}/setuptools/_vendor/zipp-3.23.0.dist-info");
        let egg = format!("{site}/pkg_resources/tests/data/x-1.0.egg/EGG-INFO/PKG-INFO");
        let v = view(&[
            (
                &format!("{st}/METADATA"),
                "Name: setuptools\nVersion: 80.9.0\n",
            ),
            (
                &format!("{st}/RECORD"),
                "setuptools/_vendor/zipp-3.23.0.dist-info/METADATA,sha256=x,1\n",
            ),
            (&format!("{zipp}/METADATA"), "Name: zipp\nVersion: 3.23.0\n"),
            (&egg, "Name: x\nVersion: 1.0\n"),
            (
                "usr/lib/python3/dist-packages/six-1.dist-info/METADATA",
                "Name: six\nVersion: 1\n",
            ),
        ]);
        let out = PythonCataloger.catalog(&v, &Context::default());
        let vendored: Vec<(&str, Option<&str>)> = out
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.properties.get(VENDORED_PROPERTY).map(String::as_str),
                )
            })
            .collect();
        assert_eq!(
            vendored,
            [
                ("six", None),
                ("x", Some("true")),
                ("setuptools", None),
                ("zipp", Some("setuptools@80.9.0")),
            ]
        );
    }

    #[test]
    fn two_venvs_same_package_different_versions() {
        let a = "opt/a/venv/lib/python3.11/site-packages";
        let b = "opt/b/venv/lib/python3.12/site-packages";
        let v = view(&[
            (
                &format!("{a}/requests-2.31.0.dist-info/METADATA"),
                "Name: requests\nVersion: 2.31.0\n",
            ),
            (
                &format!("{b}/requests-2.32.3.dist-info/METADATA"),
                "Name: requests\nVersion: 2.32.3\n",
            ),
        ]);
        let out = PythonCataloger.catalog(&v, &Context::default());
        let got: Vec<(&str, Option<&str>)> = out
            .packages
            .iter()
            .map(|p| (p.version.as_str(), p.site_root.as_deref()))
            .collect();
        assert_eq!(got, [("2.31.0", Some(a)), ("2.32.3", Some(b))]);
        assert_ne!(out.packages[0].id, out.packages[1].id);
        assert!(out.packages.iter().all(|p| p.properties.is_empty()));
    }

    #[test]
    fn supplier_prefers_maintainer() {
        let m = Metadata::parse(
            "Name: x\nAuthor: Alice\nAuthor-email: alice@example.org\nMaintainer-email: Bob <bob@example.org>\n",
        );
        assert_eq!(
            person(m.value("Maintainer"), m.value("Maintainer-email")).as_deref(),
            Some("Bob <bob@example.org>")
        );
        assert_eq!(
            person(m.value("Author"), m.value("Author-email")).as_deref(),
            Some("Alice <alice@example.org>")
        );
        assert_eq!(person(None, None), None);
        assert_eq!(person(Some("A"), None).as_deref(), Some("A"));
    }

    #[test]
    fn project_url_homepage_when_no_home_page() {
        let v = view(&[(
            "usr/lib/python3/dist-packages/x-1.dist-info/METADATA",
            "Name: x\nVersion: 1\nHome-page: UNKNOWN\nProject-URL: Source, https://src\nProject-URL: Homepage, https://home\n",
        )]);
        let out = PythonCataloger.catalog(&v, &Context::default());
        assert_eq!(out.packages[0].homepage.as_deref(), Some("https://home"));
    }

    #[test]
    fn latin1_metadata_is_decoded_not_rejected() {
        let v = FileView::from_files([file(
            "usr/lib/python3/dist-packages/caf-1.0.dist-info/METADATA",
            b"Metadata-Version: 1.1\nName: caf\nVersion: 1.0\nAuthor: J\xf6rg M\xfcller\n",
        )]);
        let out = PythonCataloger.catalog(&v, &Context::default());
        assert!(out.warnings.is_empty());
        assert_eq!(out.packages[0].supplier.as_deref(), Some("Jörg Müller"));
    }

    #[test]
    fn regression_metadata_without_a_version_is_reported_without_one_and_warned() {
        // importlib.metadata lists both (version None); pip list shows them too.
        let dist = "usr/lib/python3/dist-packages/nov.dist-info/METADATA";
        let egg = "usr/lib/python3/dist-packages/noversion.egg-info/PKG-INFO";
        let v = view(&[
            (dist, "Metadata-Version: 2.1\nName: nov\n"),
            (egg, "Metadata-Version: 1.0\nName: noversion\n"),
            (
                "usr/lib/python3/dist-packages/ok-1.dist-info/METADATA",
                "Name: ok\nVersion: 1\n",
            ),
        ]);
        let out = PythonCataloger.catalog(&v, &Context::default());
        let got: Vec<(&str, &str)> = out
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(got, [("nov", ""), ("noversion", ""), ("ok", "1")]);
        assert_eq!(out.warnings.len(), 2);
        assert_eq!(out.warnings[0].entry.as_deref(), Some(dist));
        assert_eq!(out.warnings[1].entry.as_deref(), Some(egg));
        assert!(out.warnings[1].message.contains("no Version"));
    }

    #[test]
    fn regression_the_interpreters_own_egg_info_is_not_a_package() {
        let v = view(&[
            (
                "usr/lib/python3.11/lib-dynload/Python-3.11.2.egg-info",
                "Metadata-Version: 2.1\nName: Python\nVersion: 3.11.2\n",
            ),
            (
                "usr/local/lib/python2.7/wsgiref.egg-info",
                "Metadata-Version: 1.0\nName: wsgiref\nVersion: 0.1.2\n",
            ),
            // The PyPI backport installed into a site: a real distribution.
            (
                "usr/lib/python3/dist-packages/argparse-1.4.0.dist-info/METADATA",
                "Name: argparse\nVersion: 1.4.0\n",
            ),
        ]);
        let out = PythonCataloger.catalog(&v, &Context::default());
        let names: Vec<&str> = out.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["argparse"]);
        assert!(out.warnings.is_empty());
    }

    #[test]
    fn regression_metadata_folders_in_another_letter_case_are_found() {
        let c = PythonCataloger;
        let site = "usr/lib/python3/site-packages";
        let upper = format!("{site}/Foo-1.0.DIST-INFO/METADATA");
        let egg = format!("{site}/Bar-2.0.EGG-INFO/PKG-INFO");
        let egg_file = format!("{site}/Baz-3.0.Egg-Info");
        let egg_dir = format!("{site}/qux-4.0-py3.11.egg/egg-info/PKG-INFO");
        for p in [&upper, &egg, &egg_file, &egg_dir] {
            assert!(c.wants(p), "{p}");
        }
        let v = view(&[
            (&upper, "Name: Foo\nVersion: 1.0\n"),
            (&egg, "Name: Bar\nVersion: 2.0\n"),
            (&egg_file, "Name: Baz\nVersion: 3.0\n"),
            (&egg_dir, "Name: qux\nVersion: 4.0\n"),
        ]);
        let out = c.catalog(&v, &Context::default());
        let mut got: Vec<(&str, Option<&str>)> = out
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.site_root.as_deref()))
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                ("Bar", Some(site)),
                ("Baz", Some(site)),
                ("Foo", Some(site)),
                ("qux", Some(site))
            ]
        );
    }

    #[test]
    fn egg_info_file_folder_and_egg() {
        let site = "usr/lib/python3/dist-packages";
        let v = view(&[
            (
                &format!("{site}/PyYAML-6.0.egg-info/PKG-INFO"),
                "Metadata-Version: 1.1\nName: PyYAML\nVersion: 6.0\nLicense: MIT\n",
            ),
            (
                &format!("{site}/PyYAML-6.0.egg-info/requires.txt"),
                "six>=1.0\n\n[test]\npytest\n\n[:python_version < \"3.8\"]\nimportlib-metadata\n",
            ),
            (
                &format!("{site}/PyYAML-6.0.egg-info/installed-files.txt"),
                "../yaml/__init__.py\nPKG-INFO\n",
            ),
            (
                &format!("{site}/distro_info-1.0.egg-info"),
                "Metadata-Version: 1.0\nName: distro-info\nVersion: 1.0\n",
            ),
            (
                "opt/eggs/foo-2.0-py3.11.egg/EGG-INFO/PKG-INFO",
                "Metadata-Version: 1.0\nName: foo\nVersion: 2.0\n",
            ),
        ]);
        let out = PythonCataloger.catalog(&v, &Context::default());
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let got: Vec<(&str, Option<&str>)> = out
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.site_root.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("foo", Some("opt/eggs")),
                ("PyYAML", Some(site)),
                ("distro-info", Some(site)),
            ]
        );
        let yaml = &out.packages[1];
        assert_eq!(yaml.depends, ["six", "importlib-metadata"]);
        assert_eq!(yaml.licenses, [License::Spdx("MIT".into())]);
        assert_eq!(
            out.owned_files.get(&yaml.id).cloned().unwrap_or_default(),
            [
                format!("{site}/yaml/__init__.py"),
                format!("{site}/PyYAML-6.0.egg-info/PKG-INFO"),
            ]
        );
        assert_eq!(
            out.packages[2].metadata_path.as_deref(),
            Some(format!("{site}/distro_info-1.0.egg-info").as_str())
        );
    }

    #[test]
    fn requirement_names() {
        assert_eq!(
            requirement_name("Foo.Bar[extra] (>=1)").as_deref(),
            Some("foo-bar")
        );
        assert_eq!(
            requirement_name("x @ https://e/x.whl").as_deref(),
            Some("x")
        );
        assert_eq!(requirement_name("y; 'tests' == extra"), None);
        assert_eq!(
            requirement_name("z ; sys_platform == 'win32'").as_deref(),
            Some("z")
        );
        assert_eq!(requirement_name(">=1.0"), None);
    }

    #[test]
    fn record_paths_escaping_root_are_dropped() {
        assert_eq!(
            parse_record("../../../../../../etc/passwd,,\n/abs/x,,\n\n", "a/b"),
            ["abs/x"]
        );
    }

    #[test]
    fn garbage_never_panics() {
        let data: Vec<u8> = (0u8..=255).rev().cycle().take(3000).collect();
        let v = FileView::from_files([
            file("s/x.dist-info/METADATA", &data),
            file("s/x.dist-info/RECORD", &data),
            file("s/x.dist-info/direct_url.json", &data),
            file("s/x.egg-info", &data),
        ]);
        let out = PythonCataloger.catalog(&v, &Context::default());
        assert!(out.packages.is_empty());
        assert_eq!(out.warnings.len(), 2);
    }

    #[test]
    fn wants_sample_paths() {
        let c = PythonCataloger;
        for yes in [
            "usr/lib/python3/dist-packages/PyYAML-6.0.1.dist-info/METADATA",
            "var/lib/kolla/venv/lib/python3.11/site-packages/pip-24.0.dist-info/RECORD",
            "var/lib/kolla/venv/lib/python3.11/site-packages/pip-24.0.dist-info/INSTALLER",
            "usr/local/lib/python3.11/site-packages/x-1.dist-info/direct_url.json",
            "usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO",
            "usr/lib/python3/dist-packages/six-1.16.0.egg-info/requires.txt",
            "usr/lib/python3/dist-packages/six-1.16.0.egg-info/installed-files.txt",
            "usr/lib/python3/dist-packages/distro_info-1.0.egg-info",
            "usr/lib/python3.11/site-packages/foo-1.0-py3.11.egg/EGG-INFO/PKG-INFO",
            "usr/lib/python3.11/site-packages/foo-1.0-py3.11.egg/EGG-INFO/requires.txt",
        ] {
            assert!(c.wants(yes), "should want {yes}");
        }
        for no in [
            "var/lib/kolla/venv/lib/python3.11/site-packages/pip-24.0.dist-info/sboms/pip.cdx.json",
            "var/lib/kolla/venv/lib/python3.11/site-packages/pip/_vendor/vendor.txt",
            "var/lib/kolla/venv/lib/python3.11/site-packages/pip/_vendor/rich.cdx.json",
            "usr/lib/python3/dist-packages/yaml/__init__.py",
            "usr/lib/python3/dist-packages/x-1.dist-info/LICENSE",
            "usr/lib/python3/dist-packages/x-1.dist-info/entry_points.txt",
            "usr/lib/python3/dist-packages/x-1.dist-info/licenses/METADATA",
            "usr/share/doc/python3/METADATA",
            "METADATA",
            ".dist-info/METADATA",
            "usr/lib/python3/dist-packages/.egg-info",
            "usr/lib/python3/dist-packages/six-1.16.0.egg-info/SOURCES.txt",
            "usr/lib/python3/dist-packages/six-1.16.0.egg-info/top_level.txt",
            "usr/lib/python3.11/site-packages/foo-1.0.egg/foo/__init__.py",
            "EGG-INFO/PKG-INFO",
            "usr/lib/x/EGG-INFO/PKG-INFO",
            "usr/lib/python3/dist-packages/x-1.dist-info/METADATA.bak",
        ] {
            assert!(!c.wants(no), "should not want {no}");
        }
    }
}
