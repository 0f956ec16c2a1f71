//! npm: Node.js packages, found by their path alone.
//!
//! - **Installed** packages: `…/node_modules/NAME/package.json` and
//!   `…/node_modules/@SCOPE/NAME/package.json` at any depth (an application's tree,
//!   global installs under `usr/lib/node_modules` and `usr/local/lib/node_modules`, node's
//!   own bundled npm with its `node_modules`), and Debian's node modules
//!   (`usr/share/nodejs/NAME`, `usr/lib/nodejs/NAME`, `usr/lib/<triplet>/nodejs/NAME`).
//!   Other `package.json` files inside a package (`node_modules/x/lib/package.json`) are
//!   not packages and are not read.
//! - **Applications**: a `package.json` anywhere else with a name and a version is the
//!   application of its folder, reported once (nameless or versionless ones are
//!   fragments such as `{"type": "module"}` and are skipped silently, as syft does).
//! - **Lock files** of an application folder: `npm-shrinkwrap.json` (preferred, as npm
//!   does) or `package-lock.json`, v1 (`dependencies` tree) and v2/v3 (`packages` map),
//!   and npm's hidden lockfile `node_modules/.package-lock.json`.
//!
//! No double counting: when an application folder has installed packages under its
//! `node_modules`, those are what the image holds, and the lock only adds what the
//! installed `package.json` lacks (the `integrity` as a checksum, the `resolved` URL as
//! download location) to the installed package at the same path with the same
//! version. Lock entries without an installed copy are then not reported: they were
//! omitted (`--omit=dev`, optional packages for another OS) and are not in the image.
//! Only a folder without any installed package (node_modules stripped after a bundler
//! build, or never installed) is reported from its lock: every entry except dev-only
//! ones, links and packages for another OS. syft and trivy read no lock file in an
//! image at all (their lock catalogers run on source folders only), so an application
//! shipped without node_modules is invisible to them.
//!
//! Each package's [`Package::site_root`] is its folder (`srv/app/node_modules/@s/x`; for
//! a lock entry, the folder the lock places it in): several copies of one package are
//! several components, each with its path. Dependencies are resolved the way node
//! resolves `require`: the nearest `node_modules/NAME` up the folder tree (see
//! [`lookup_dirs`], used by [`super::relate`]).
use std::collections::BTreeMap;

use sbom_model::{Ecosystem, Package};
use serde_json::{Map, Value};

use super::json_meta::{dependency_names, integrity, licenses, persons, str_of};
use super::{file_name, join_normalise, parent, warning};
use crate::{CapturedFile, CatalogOutput, Cataloger, Context, FileView, Warning};

/// Folders where Debian installs node modules (node's built-in global paths on Debian);
/// `usr/lib/<triplet>/nodejs` is recognised too.
const DEBIAN_ROOTS: [&str; 2] = ["usr/share/nodejs", "usr/lib/nodejs"];

const NODE_MODULES: &str = "node_modules";

/// The npm cataloger.
#[derive(Clone, Copy, Debug, Default)]
pub struct NpmCataloger;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Manifest {
    /// `node_modules/NAME/package.json` or a Debian root's `NAME/package.json`.
    Installed,
    /// Any other `package.json` outside node_modules and the Debian roots.
    App,
}

/// `rest` when `dir` is `root` itself (`""`) or lies below it.
fn below<'a>(dir: &'a str, root: &str) -> Option<&'a str> {
    let rest = dir.strip_prefix(root)?;
    if rest.is_empty() {
        Some(rest)
    } else {
        rest.strip_prefix('/')
    }
}

/// The Debian root (`usr/share/nodejs`, `usr/lib/x86_64-linux-gnu/nodejs`, ...) that
/// `dir` lies in, and the part of `dir` below it.
fn debian_root(dir: &str) -> Option<(&str, &str)> {
    for r in DEBIAN_ROOTS {
        if let Some(rest) = below(dir, r) {
            return Some((r, rest));
        }
    }
    let after = dir.strip_prefix("usr/lib/")?;
    let (triplet, _) = after.split_once('/')?;
    let root_len = "usr/lib/".len() + triplet.len() + "/nodejs".len();
    let root = dir.get(..root_len)?;
    if triplet.is_empty() || !root.ends_with("/nodejs") {
        return None;
    }
    below(dir, root).map(|rest| (root, rest))
}

/// The part of `dir` after its last `node_modules` component (`""` when `dir` is one);
/// `None` when no component is `node_modules`.
fn after_last_node_modules(dir: &str) -> Option<&str> {
    let bytes = dir.as_bytes();
    let mut end = dir.len();
    loop {
        let i = dir.get(..end)?.rfind(NODE_MODULES)?;
        let after = i + NODE_MODULES.len();
        let starts = i == 0 || bytes.get(i - 1) == Some(&b'/');
        let ends = after == dir.len() || bytes.get(after) == Some(&b'/');
        if starts && ends {
            let rest = dir.get(after..).unwrap_or("");
            return Some(rest.strip_prefix('/').unwrap_or(rest));
        }
        end = i;
    }
}

/// Whether `rest` (below a node_modules folder) names a package folder: `NAME` or
/// `@SCOPE/NAME`.
fn is_package_dir(rest: &str) -> bool {
    let ok = |s: &str| !s.is_empty() && !s.starts_with('.') && !s.contains('/');
    match rest.strip_prefix('@') {
        Some(scoped) => {
            matches!(scoped.split_once('/'), Some((scope, name)) if !scope.is_empty() && ok(name))
        }
        None => ok(rest),
    }
}

fn manifest_kind(path: &str) -> Option<Manifest> {
    let dir = parent(path);
    if let Some(rest) = after_last_node_modules(dir) {
        return is_package_dir(rest).then_some(Manifest::Installed);
    }
    if let Some((_, rest)) = debian_root(dir) {
        return is_package_dir(rest).then_some(Manifest::Installed);
    }
    Some(Manifest::App)
}

/// Folders where node looks for `dep` when a package in `from` requires it, nearest
/// first: `from/node_modules/dep`, then each parent's (skipping folders that are
/// themselves `node_modules`), then, for a package of a Debian root, the Debian roots.
pub(crate) fn lookup_dirs(from: &str, dep: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut dir = from;
    loop {
        if dir.is_empty() {
            out.push(format!("{NODE_MODULES}/{dep}"));
            break;
        }
        if file_name(dir) != NODE_MODULES {
            out.push(format!("{dir}/{NODE_MODULES}/{dep}"));
        }
        dir = parent(dir);
    }
    if let Some((root, _)) = debian_root(from) {
        out.push(format!("{root}/{dep}"));
        for r in DEBIAN_ROOTS.into_iter().filter(|r| *r != root) {
            out.push(format!("{r}/{dep}"));
        }
    }
    out
}

/// The folder a package of this cataloger lives in (its site root, else the folder of
/// its metadata file: an application at the image root).
pub(crate) fn package_dir(p: &Package) -> &str {
    p.site_root
        .as_deref()
        .unwrap_or_else(|| parent(p.metadata_path.as_deref().unwrap_or("")))
}

impl Cataloger for NpmCataloger {
    fn name(&self) -> &'static str {
        "npm"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        // Runs for every tar entry: a suffix compare rejects nearly all paths.
        if !path.ends_with(".json") {
            return false;
        }
        match file_name(path) {
            "package.json" => manifest_kind(path).is_some(),
            "package-lock.json" | "npm-shrinkwrap.json" => {
                let dir = parent(path);
                after_last_node_modules(dir).is_none() && debian_root(dir).is_none()
            }
            ".package-lock.json" => file_name(parent(path)) == NODE_MODULES,
            _ => false,
        }
    }
    fn catalog(&self, view: &FileView, ctx: &Context) -> CatalogOutput {
        let full = !ctx.identities_only;
        let mut out = CatalogOutput::default();
        // install folder → index into out.packages
        let mut installed: BTreeMap<String, usize> = BTreeMap::new();
        let mut apps: Vec<&CapturedFile> = Vec::new();
        // application folder → its lock (npm-shrinkwrap.json wins over package-lock.json)
        let mut locks: BTreeMap<&str, &CapturedFile> = BTreeMap::new();
        let mut hidden: Vec<&CapturedFile> = Vec::new();
        for file in view.iter().filter(|f| self.wants(&f.path)) {
            let dir = parent(&file.path);
            match file_name(&file.path) {
                "package.json" => match manifest_kind(&file.path) {
                    Some(Manifest::Installed) => {
                        if let Some(p) = installed_package(file, full, &mut out.warnings) {
                            installed.insert(dir.to_string(), out.packages.len());
                            out.packages.push(p);
                        }
                    }
                    Some(Manifest::App) => apps.push(file),
                    None => {}
                },
                "npm-shrinkwrap.json" => {
                    locks.insert(dir, file);
                }
                "package-lock.json" => {
                    locks.entry(dir).or_insert(file);
                }
                _ => hidden.push(file),
            }
        }
        let mut app_dirs: Vec<&str> = Vec::new();
        for file in apps {
            if let Some(p) = app_package(file, full, &mut out.warnings) {
                app_dirs.push(parent(&file.path));
                out.packages.push(p);
            }
        }
        for (dir, file) in locks {
            let Some(lock) = read_lock(file, &mut out.warnings) else {
                continue;
            };
            let prefix = if dir.is_empty() {
                format!("{NODE_MODULES}/")
            } else {
                format!("{dir}/{NODE_MODULES}/")
            };
            let has_installed = installed
                .range(prefix.clone()..)
                .next()
                .is_some_and(|(k, _)| k.starts_with(&prefix));
            if has_installed {
                enrich(&mut out.packages, &installed, dir, &lock);
            } else {
                let with_app = !app_dirs.contains(&dir);
                out.packages
                    .extend(lock_packages(file, dir, &lock, with_app, full));
            }
        }
        for file in hidden {
            if let Some(lock) = read_lock(file, &mut out.warnings) {
                enrich(
                    &mut out.packages,
                    &installed,
                    parent(parent(&file.path)),
                    &lock,
                );
            }
        }
        out
    }
}

/// The JSON object of a manifest, or a warning naming the file.
fn read_object(file: &CapturedFile, warnings: &mut Vec<Warning>) -> Option<Map<String, Value>> {
    match serde_json::from_slice::<Value>(&file.data) {
        Ok(Value::Object(o)) => Some(o),
        Ok(_) => {
            warnings.push(warning(file, "not a JSON object; skipped"));
            None
        }
        Err(e) => {
            warnings.push(warning(file, format!("not valid JSON ({e}); skipped")));
            None
        }
    }
}

fn new_package(file: &CapturedFile, name: &str, version: &str, dir: &str) -> Package {
    let mut p = Package::new(Ecosystem::Npm, name, version);
    p.id = format!("npm:{}", file.path);
    p.metadata_path = Some(file.path.clone());
    p.layer = file.layer.clone();
    p.site_root = (!dir.is_empty()).then(|| dir.to_string());
    p
}

fn installed_package(
    file: &CapturedFile,
    full: bool,
    warnings: &mut Vec<Warning>,
) -> Option<Package> {
    let obj = read_object(file, warnings)?;
    let Some(name) = str_of(obj.get("name")) else {
        warnings.push(warning(file, "no name; package skipped"));
        return None;
    };
    let Some(version) = str_of(obj.get("version")) else {
        warnings.push(warning(
            file,
            format!("package {name} has no version; skipped"),
        ));
        return None;
    };
    let mut p = new_package(file, name, version, parent(&file.path));
    if full {
        details(
            &mut p,
            &obj,
            &["dependencies", "optionalDependencies", "peerDependencies"],
        );
    }
    Some(p)
}

/// The application of a `package.json` outside node_modules, when it has a name and a
/// version (its devDependencies count: an application's installed dev tools are in
/// its node_modules).
fn app_package(file: &CapturedFile, full: bool, warnings: &mut Vec<Warning>) -> Option<Package> {
    let obj = read_object(file, warnings)?;
    let name = str_of(obj.get("name"))?;
    let version = str_of(obj.get("version"))?;
    let mut p = new_package(file, name, version, parent(&file.path));
    if full {
        details(
            &mut p,
            &obj,
            &[
                "dependencies",
                "optionalDependencies",
                "peerDependencies",
                "devDependencies",
            ],
        );
    }
    Some(p)
}

/// Description, homepage, licenses, author, download location and checksum
/// (`_resolved`/`_integrity`, written by npm 6 and older), and dependency names.
fn details(p: &mut Package, obj: &Map<String, Value>, dep_fields: &[&str]) {
    p.description = str_of(obj.get("description")).map(str::to_string);
    p.homepage = str_of(obj.get("homepage")).map(str::to_string);
    licenses(obj.get("license"), &mut p.licenses);
    licenses(obj.get("licenses"), &mut p.licenses);
    p.author = persons(obj.get("author"));
    p.supplier = p.author.clone().or_else(|| persons(obj.get("maintainers")));
    p.download_url = str_of(obj.get("_resolved")).map(str::to_string);
    if let Some(sri) = str_of(obj.get("_integrity")) {
        p.checksums = integrity(sri);
    }
    dependency_names(obj, dep_fields, &mut p.depends);
}

/// One package entry of a lock file, whatever its version.
#[derive(Debug)]
struct LockEntry<'a> {
    /// Path relative to the application folder (`node_modules/a/node_modules/@s/b`;
    /// `""` for the root; a workspace folder otherwise).
    key: String,
    name: String,
    version: String,
    obj: &'a Map<String, Value>,
    /// v1 `requires` instead of the v2/v3 dependency maps.
    v1: bool,
}

impl LockEntry<'_> {
    fn flag(&self, f: &str) -> bool {
        self.obj.get(f).and_then(Value::as_bool) == Some(true)
    }
    /// Installed on Linux per its `os` list (`["linux"]`, `["!win32"]`, none).
    fn for_linux(&self) -> bool {
        let Some(Value::Array(os)) = self.obj.get("os") else {
            return true;
        };
        let os: Vec<&str> = os.iter().filter_map(Value::as_str).collect();
        if os.contains(&"!linux") {
            return false;
        }
        os.is_empty() || os.contains(&"linux") || os.iter().all(|o| o.starts_with('!'))
    }
    fn depends(&self) -> Vec<String> {
        let mut out = Vec::new();
        let fields: &[&str] = if self.v1 {
            &["requires"]
        } else {
            &["dependencies", "optionalDependencies", "peerDependencies"]
        };
        dependency_names(self.obj, fields, &mut out);
        out
    }
}

/// A parsed lock file: its entries (the root as key `""`).
struct Lock {
    value: Value,
}

fn read_lock(file: &CapturedFile, warnings: &mut Vec<Warning>) -> Option<Lock> {
    let obj = read_object(file, warnings)?;
    let v2 = matches!(obj.get("packages"), Some(Value::Object(_)));
    let v1 = matches!(obj.get("dependencies"), Some(Value::Object(_)));
    if !v2 && !v1 && !obj.contains_key("lockfileVersion") {
        warnings.push(warning(
            file,
            "neither a `packages` map (lockfile v2/v3) nor a `dependencies` tree (v1); skipped",
        ));
        return None;
    }
    Some(Lock {
        value: Value::Object(obj),
    })
}

impl Lock {
    fn entries(&self) -> Vec<LockEntry<'_>> {
        let mut out = Vec::new();
        let Value::Object(top) = &self.value else {
            return out;
        };
        if let Some(Value::Object(pkgs)) = top.get("packages") {
            for (key, e) in pkgs {
                let Value::Object(e) = e else { continue };
                let name = str_of(e.get("name")).map(str::to_string).or_else(|| {
                    let rest = after_last_node_modules(key).unwrap_or(key);
                    (!rest.is_empty()).then(|| rest.to_string())
                });
                let (Some(name), Some(version)) = (name, str_of(e.get("version"))) else {
                    continue;
                };
                out.push(LockEntry {
                    key: key.clone(),
                    name,
                    version: version.to_string(),
                    obj: e,
                    v1: false,
                });
            }
        } else if let Some(Value::Object(deps)) = top.get("dependencies") {
            v1_entries(deps, "", &mut out);
        }
        out
    }

    /// Name and version of the root (the application).
    fn root(&self) -> Option<(&str, &str)> {
        let Value::Object(top) = &self.value else {
            return None;
        };
        let root = match top.get("packages") {
            Some(Value::Object(p)) => p.get("").and_then(Value::as_object).unwrap_or(top),
            _ => top,
        };
        let name = str_of(root.get("name")).or_else(|| str_of(top.get("name")))?;
        let version = str_of(root.get("version")).or_else(|| str_of(top.get("version")))?;
        Some((name, version))
    }
}

/// Entries of a v1 `dependencies` tree below `prefix` (nested trees recursively).
fn v1_entries<'a>(deps: &'a Map<String, Value>, prefix: &str, out: &mut Vec<LockEntry<'a>>) {
    for (key, e) in deps {
        let Value::Object(e) = e else { continue };
        let path = format!("{prefix}{NODE_MODULES}/{key}");
        if let Some(version) = str_of(e.get("version")) {
            // An alias: "npm:real-name@1.2.3".
            let (name, version) = match version
                .strip_prefix("npm:")
                .and_then(|v| v.rsplit_once('@'))
            {
                Some((n, v)) if !n.is_empty() => (n.to_string(), v.to_string()),
                _ => (key.clone(), version.to_string()),
            };
            out.push(LockEntry {
                key: path.clone(),
                name,
                version,
                obj: e,
                v1: true,
            });
        }
        if let Some(Value::Object(nested)) = e.get("dependencies") {
            v1_entries(nested, &format!("{path}/"), out);
        }
    }
}

/// Adds a lock's integrity and resolved URL to the installed package at the same
/// folder with the same version, where the package.json had none.
fn enrich(packages: &mut [Package], installed: &BTreeMap<String, usize>, dir: &str, lock: &Lock) {
    for e in lock.entries() {
        if e.key.is_empty() {
            continue;
        }
        let Some(at) = join_normalise(dir, &e.key) else {
            continue;
        };
        let Some(p) = installed.get(&at).and_then(|&i| packages.get_mut(i)) else {
            continue;
        };
        if p.version != e.version {
            continue;
        }
        if p.checksums.is_empty() {
            if let Some(sri) = str_of(e.obj.get("integrity")) {
                p.checksums = integrity(sri);
            }
        }
        if p.download_url.is_none() {
            p.download_url = str_of(e.obj.get("resolved")).map(str::to_string);
        }
    }
}

/// The packages a lock declares for an application folder with nothing installed:
/// every entry but dev-only ones, links and packages for another OS; the root too
/// when `with_app` (no package.json reported it).
fn lock_packages(
    file: &CapturedFile,
    dir: &str,
    lock: &Lock,
    with_app: bool,
    full: bool,
) -> Vec<Package> {
    let mut out = Vec::new();
    if with_app {
        if let Some((name, version)) = lock.root() {
            out.push(new_package(file, name, version, dir));
        }
    }
    for e in lock.entries() {
        if e.key.is_empty() || e.flag("dev") || e.flag("link") || !e.for_linux() {
            continue;
        }
        let Some(at) = join_normalise(dir, &e.key) else {
            continue;
        };
        let mut p = new_package(file, &e.name, &e.version, &at);
        p.id = format!("npm:{}#{}", file.path, e.key);
        if full {
            licenses(e.obj.get("license"), &mut p.licenses);
            p.download_url = str_of(e.obj.get("resolved")).map(str::to_string);
            if let Some(sri) = str_of(e.obj.get("integrity")) {
                p.checksums = integrity(sri);
            }
            p.depends = e.depends();
        }
        out.push(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use sbom_model::License;

    fn file(path: &str, data: &str) -> CapturedFile {
        CapturedFile {
            path: path.to_string(),
            data: Arc::new(data.as_bytes().to_vec()),
            layer: None,
        }
    }

    fn view(files: &[(&str, &str)]) -> FileView {
        FileView::from_files(files.iter().map(|(p, d)| file(p, d)))
    }

    fn pj(name: &str, version: &str, deps: &[&str]) -> String {
        let deps: Vec<String> = deps.iter().map(|d| format!("\"{d}\": \"*\"")).collect();
        format!(
            "{{\"name\": \"{name}\", \"version\": \"{version}\", \"dependencies\": {{{}}}}}",
            deps.join(", ")
        )
    }

    fn got(out: &CatalogOutput) -> Vec<(String, String, String)> {
        let mut v: Vec<_> = out
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    p.version.clone(),
                    package_dir(p).to_string(),
                )
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn wants_sample_paths() {
        let c = NpmCataloger;
        for yes in [
            "srv/app/node_modules/lodash/package.json",
            "srv/app/node_modules/@babel/core/package.json",
            "srv/app/node_modules/a/node_modules/@s/b/package.json",
            "node_modules/x/package.json",
            "usr/local/lib/node_modules/npm/package.json",
            "usr/local/lib/node_modules/npm/node_modules/semver/package.json",
            "usr/lib/node_modules/corepack/package.json",
            "usr/share/nodejs/semver/package.json",
            "usr/share/nodejs/@types/node/package.json",
            "usr/lib/x86_64-linux-gnu/nodejs/bufferutil/package.json",
            "srv/app/package.json",
            "package.json",
            "srv/app/package-lock.json",
            "srv/app/npm-shrinkwrap.json",
            "srv/app/node_modules/.package-lock.json",
            "srv/app/node_modules/.pnpm/x@1.0.0/node_modules/x/package.json",
        ] {
            assert!(c.wants(yes), "should want {yes}");
        }
        for no in [
            "srv/app/node_modules/lodash/lib/package.json",
            "srv/app/node_modules/@babel/package.json",
            "srv/app/node_modules/package.json",
            "srv/app/node_modules/.bin/package.json",
            "srv/app/node_modules/x/test/fixtures/a/package.json",
            "srv/app/node_modules/x/package-lock.json",
            "srv/app/node_modules/x/npm-shrinkwrap.json",
            "srv/app/node_modules/x/.package-lock.json",
            "usr/share/nodejs/semver/lib/package.json",
            "usr/share/nodejs/semver/package-lock.json",
            "srv/app/my_node_modules/package.jsonx",
            "srv/app/package.json.orig",
            "srv/app/yarn.lock",
            "srv/app/index.js",
        ] {
            assert!(!c.wants(no), "should not want {no}");
        }
    }

    #[test]
    fn node_modules_components_only_whole() {
        assert_eq!(after_last_node_modules("a/node_modules/b"), Some("b"));
        assert_eq!(after_last_node_modules("node_modules"), Some(""));
        assert_eq!(
            after_last_node_modules("a/node_modules/x/node_modules/@s/y"),
            Some("@s/y")
        );
        assert_eq!(after_last_node_modules("a/my_node_modules/b"), None);
        assert_eq!(
            after_last_node_modules("a/node_modules/node_modules_x"),
            Some("node_modules_x")
        );
        assert_eq!(
            debian_root("usr/lib/aarch64-linux-gnu/nodejs/x"),
            Some(("usr/lib/aarch64-linux-gnu/nodejs", "x"))
        );
        assert_eq!(debian_root("usr/lib/nodejsx/y"), None);
        assert_eq!(debian_root("usr/lib/python3/dist-packages"), None);
    }

    #[test]
    fn installed_tree_with_scopes_duplicates_and_app() {
        let a = "srv/app";
        let v = view(&[
            (
                &format!("{a}/package.json"),
                r#"{"name": "app", "version": "1.0.0", "dependencies": {"debug": "^4"}, "devDependencies": {"@s/tool": "1"}}"#,
            ),
            (
                &format!("{a}/node_modules/debug/package.json"),
                &pj("debug", "4.4.0", &["ms"]),
            ),
            (
                &format!("{a}/node_modules/ms/package.json"),
                &pj("ms", "2.1.3", &[]),
            ),
            (
                &format!("{a}/node_modules/@s/tool/package.json"),
                &pj("@s/tool", "1.0.0", &["debug"]),
            ),
            (
                &format!("{a}/node_modules/@s/tool/node_modules/debug/package.json"),
                &pj("debug", "2.6.9", &["ms"]),
            ),
            (
                &format!("{a}/node_modules/@s/tool/node_modules/ms/package.json"),
                &pj("ms", "2.0.0", &[]),
            ),
            // a file inside a package, not a package
            (
                &format!("{a}/node_modules/ms/lib/package.json"),
                r#"{"type": "module"}"#,
            ),
        ]);
        let out = NpmCataloger.catalog(&v, &Context::default());
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let nm = format!("{a}/node_modules");
        assert_eq!(
            got(&out),
            [
                ("@s/tool".into(), "1.0.0".into(), format!("{nm}/@s/tool")),
                ("app".into(), "1.0.0".into(), a.to_string()),
                (
                    "debug".into(),
                    "2.6.9".into(),
                    format!("{nm}/@s/tool/node_modules/debug")
                ),
                ("debug".into(), "4.4.0".into(), format!("{nm}/debug")),
                (
                    "ms".into(),
                    "2.0.0".into(),
                    format!("{nm}/@s/tool/node_modules/ms")
                ),
                ("ms".into(), "2.1.3".into(), format!("{nm}/ms")),
            ]
        );
        let app = out.packages.iter().find(|p| p.name == "app").unwrap();
        assert_eq!(app.depends, ["debug", "@s/tool"]);
    }

    #[test]
    fn lookup_walks_up_like_node() {
        assert_eq!(
            lookup_dirs("srv/app/node_modules/@s/tool", "ms"),
            [
                "srv/app/node_modules/@s/tool/node_modules/ms",
                "srv/app/node_modules/@s/node_modules/ms",
                "srv/app/node_modules/ms",
                "srv/node_modules/ms",
                "node_modules/ms",
            ]
        );
        assert_eq!(
            lookup_dirs("usr/share/nodejs/debug", "ms"),
            [
                "usr/share/nodejs/debug/node_modules/ms",
                "usr/share/nodejs/node_modules/ms",
                "usr/share/node_modules/ms",
                "usr/node_modules/ms",
                "node_modules/ms",
                "usr/share/nodejs/ms",
                "usr/lib/nodejs/ms",
            ]
        );
        assert_eq!(lookup_dirs("", "x"), ["node_modules/x"]);
    }

    #[test]
    fn license_and_author_shapes() {
        let v = view(&[
            (
                "n/node_modules/a/package.json",
                r#"{"name": "a", "version": "1", "license": {"type": "ISC", "url": "u"}, "author": {"name": "Ann", "email": "a@x"}, "description": "A", "homepage": "https://a", "_resolved": "https://r/a-1.tgz", "_integrity": "sha1-qvTGHdzF6KLavt4PO0gs2a6pQ00="}"#,
            ),
            (
                "n/node_modules/b/package.json",
                r#"{"name": "b", "version": "2", "licenses": [{"type": "MIT"}, {"type": "Apache-2.0"}], "author": "Bob <b@x> (https://b)"}"#,
            ),
            (
                "n/node_modules/c/package.json",
                r#"{"name": "c", "version": "3", "license": "(MIT OR GPL-3.0-or-later)", "maintainers": [{"name": "M"}]}"#,
            ),
        ]);
        let out = NpmCataloger.catalog(&v, &Context::default());
        let [a, b, c] = &out.packages[..] else {
            panic!("{:?}", out.packages)
        };
        assert_eq!(a.licenses, [License::Spdx("ISC".into())]);
        assert_eq!(a.author.as_deref(), Some("Ann <a@x>"));
        assert_eq!(a.supplier.as_deref(), Some("Ann <a@x>"));
        assert_eq!(a.download_url.as_deref(), Some("https://r/a-1.tgz"));
        assert_eq!(a.checksums.len(), 1);
        assert_eq!(
            b.licenses,
            [
                License::Spdx("MIT".into()),
                License::Spdx("Apache-2.0".into())
            ]
        );
        assert_eq!(b.author.as_deref(), Some("Bob <b@x> (https://b)"));
        assert_eq!(
            c.licenses,
            [License::Spdx("(MIT OR GPL-3.0-or-later)".into())]
        );
        assert_eq!(c.author, None);
        assert_eq!(c.supplier.as_deref(), Some("M"));
    }

    const LOCK_V3: &str = r#"{
      "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
      "packages": {
        "": {"name": "app", "version": "1.0.0", "dependencies": {"debug": "^4", "fsevents": "*", "alias": "npm:ms@2.1.3"}, "devDependencies": {"left-pad": "1"}},
        "node_modules/debug": {"version": "4.4.0", "resolved": "https://r/debug-4.4.0.tgz", "integrity": "sha1-qvTGHdzF6KLavt4PO0gs2a6pQ00=", "license": "MIT", "dependencies": {"ms": "^2.1.3"}},
        "node_modules/ms": {"version": "2.1.3", "license": "MIT"},
        "node_modules/alias": {"name": "ms", "version": "2.1.3", "license": "MIT"},
        "node_modules/left-pad": {"version": "1.3.0", "dev": true},
        "node_modules/fsevents": {"version": "2.3.3", "optional": true, "os": ["darwin"]},
        "node_modules/linked": {"resolved": "packages/linked", "link": true},
        "packages/linked": {"name": "linked", "version": "0.1.0"}
      }
    }"#;

    const LOCK_V1: &str = r#"{
      "name": "app", "version": "1.0.0", "lockfileVersion": 1, "requires": true,
      "dependencies": {
        "debug": {"version": "4.4.0", "resolved": "https://r/debug-4.4.0.tgz", "integrity": "sha512-AAAA", "requires": {"ms": "2.1.3"},
          "dependencies": {"ms": {"version": "2.1.3"}}},
        "alias": {"version": "npm:ms@2.0.0"},
        "left-pad": {"version": "1.3.0", "dev": true}
      }
    }"#;

    #[test]
    fn lock_only_app_reports_lock_without_dev_links_and_other_os() {
        let v = view(&[("srv/a/package-lock.json", LOCK_V3)]);
        let out = NpmCataloger.catalog(&v, &Context::default());
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        assert_eq!(
            got(&out),
            [
                ("app".into(), "1.0.0".into(), "srv/a".into()),
                (
                    "debug".into(),
                    "4.4.0".into(),
                    "srv/a/node_modules/debug".into()
                ),
                (
                    "linked".into(),
                    "0.1.0".into(),
                    "srv/a/packages/linked".into()
                ),
                (
                    "ms".into(),
                    "2.1.3".into(),
                    "srv/a/node_modules/alias".into()
                ),
                ("ms".into(), "2.1.3".into(), "srv/a/node_modules/ms".into()),
            ]
        );
        let debug = out.packages.iter().find(|p| p.name == "debug").unwrap();
        assert_eq!(debug.depends, ["ms"]);
        assert_eq!(debug.licenses, [License::Spdx("MIT".into())]);
        assert_eq!(
            debug.download_url.as_deref(),
            Some("https://r/debug-4.4.0.tgz")
        );
        assert_eq!(
            debug.metadata_path.as_deref(),
            Some("srv/a/package-lock.json")
        );
        let ids: std::collections::BTreeSet<&str> =
            out.packages.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), out.packages.len(), "temporary ids are unique");

        let v = view(&[("srv/b/package-lock.json", LOCK_V1)]);
        let out = NpmCataloger.catalog(&v, &Context::default());
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        assert_eq!(
            got(&out),
            [
                ("app".into(), "1.0.0".into(), "srv/b".into()),
                (
                    "debug".into(),
                    "4.4.0".into(),
                    "srv/b/node_modules/debug".into()
                ),
                (
                    "ms".into(),
                    "2.0.0".into(),
                    "srv/b/node_modules/alias".into()
                ),
                (
                    "ms".into(),
                    "2.1.3".into(),
                    "srv/b/node_modules/debug/node_modules/ms".into()
                ),
            ]
        );
    }

    #[test]
    fn installed_tree_wins_over_its_lock_which_only_enriches() {
        let v = view(&[
            ("srv/a/package.json", &pj("app", "1.0.0", &["debug"])),
            ("srv/a/package-lock.json", LOCK_V3),
            (
                "srv/a/node_modules/debug/package.json",
                &pj("debug", "4.4.0", &["ms"]),
            ),
            // installed at another version than the lock says: not enriched
            (
                "srv/a/node_modules/ms/package.json",
                &pj("ms", "2.1.2", &[]),
            ),
        ]);
        let out = NpmCataloger.catalog(&v, &Context::default());
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        assert_eq!(
            got(&out),
            [
                ("app".into(), "1.0.0".into(), "srv/a".into()),
                (
                    "debug".into(),
                    "4.4.0".into(),
                    "srv/a/node_modules/debug".into()
                ),
                ("ms".into(), "2.1.2".into(), "srv/a/node_modules/ms".into()),
            ]
        );
        let debug = out.packages.iter().find(|p| p.name == "debug").unwrap();
        assert_eq!(
            debug.download_url.as_deref(),
            Some("https://r/debug-4.4.0.tgz")
        );
        assert_eq!(debug.checksums.len(), 1);
        let ms = out.packages.iter().find(|p| p.name == "ms").unwrap();
        assert!(ms.checksums.is_empty() && ms.download_url.is_none());
    }

    #[test]
    fn hidden_lockfile_enriches() {
        let v = view(&[
            ("srv/a/node_modules/.package-lock.json", LOCK_V3),
            (
                "srv/a/node_modules/debug/package.json",
                &pj("debug", "4.4.0", &["ms"]),
            ),
        ]);
        let out = NpmCataloger.catalog(&v, &Context::default());
        assert_eq!(out.packages.len(), 1);
        assert_eq!(
            out.packages[0].download_url.as_deref(),
            Some("https://r/debug-4.4.0.tgz")
        );
    }

    #[test]
    fn shrinkwrap_wins_over_package_lock() {
        let v = view(&[
            ("srv/a/npm-shrinkwrap.json", LOCK_V1),
            ("srv/a/package-lock.json", LOCK_V3),
        ]);
        let out = NpmCataloger.catalog(&v, &Context::default());
        assert!(out
            .packages
            .iter()
            .all(|p| p.metadata_path.as_deref() == Some("srv/a/npm-shrinkwrap.json")));
        assert_eq!(out.packages.len(), 4);
    }

    #[test]
    fn malformed_manifests_warn_and_the_rest_is_reported() {
        let v = view(&[
            (
                "srv/a/node_modules/bad/package.json",
                "{\"name\": \"bad\", ",
            ),
            ("srv/a/node_modules/arr/package.json", "[1, 2]"),
            ("srv/a/node_modules/nov/package.json", "{\"name\": \"nov\"}"),
            (
                "srv/a/node_modules/num/package.json",
                "{\"name\": \"num\", \"version\": 1}",
            ),
            (
                "srv/a/node_modules/ok/package.json",
                &pj("ok", "1.0.0", &[]),
            ),
            ("srv/b/package-lock.json", "{\"lockfileVersion\": }"),
            ("srv/c/package-lock.json", "{\"hello\": 1}"),
            ("srv/d/package.json", "not json"),
        ]);
        let out = NpmCataloger.catalog(&v, &Context::default());
        assert_eq!(
            got(&out),
            [("ok".into(), "1.0.0".into(), "srv/a/node_modules/ok".into())]
        );
        let entries: Vec<&str> = out
            .warnings
            .iter()
            .filter_map(|w| w.entry.as_deref())
            .collect();
        assert_eq!(
            entries,
            [
                "srv/a/node_modules/arr/package.json",
                "srv/a/node_modules/bad/package.json",
                "srv/a/node_modules/nov/package.json",
                "srv/a/node_modules/num/package.json",
                "srv/d/package.json",
                "srv/b/package-lock.json",
                "srv/c/package-lock.json",
            ]
        );
        assert!(out.warnings[1].message.contains("not valid JSON"));
    }

    #[test]
    fn identities_only_skips_details() {
        let v = view(&[(
            "n/node_modules/a/package.json",
            r#"{"name": "a", "version": "1", "license": "MIT", "dependencies": {"b": "1"}}"#,
        )]);
        let ctx = Context {
            identities_only: true,
            ..Context::default()
        };
        let out = NpmCataloger.catalog(&v, &ctx);
        assert!(out.packages[0].licenses.is_empty() && out.packages[0].depends.is_empty());
        assert_eq!(
            out.packages[0].site_root.as_deref(),
            Some("n/node_modules/a")
        );
    }
}
