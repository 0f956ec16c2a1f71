//! PHP Composer packages, found by their path alone.
//!
//! - **Installed**: `<vendor>/composer/installed.json`, in Composer 1's shape (a JSON
//!   array of packages) and Composer 2's (`{"packages": [...], "dev": …}`). Every
//!   package listed there is on disk, dev ones included. `<vendor>` (the vendor folder,
//!   `usr/share/mediawiki/vendor`) becomes [`Package::site_root`].
//! - **Locked**: `composer.lock` of an application folder, reported only when that
//!   folder has no installed tree (`<app>/vendor/composer/installed.json`, or
//!   `<app>/composer/installed.json` for a project whose `vendor-dir` is `.`) and lies
//!   inside no vendor folder (a vendored package's own lock); then its `packages`, not
//!   its `packages-dev`, with the application folder as site root. syft and trivy read
//!   composer.lock only when scanning source folders.
//!
//! `require` names with a `/` become dependencies (`php`, `ext-json`, `lib-icu` and
//! `composer-plugin-api` are platform requirements, not packages).
use sbom_model::{Checksum, Ecosystem, HashAlgorithm, Package};
use serde_json::{Map, Value};

use super::json_meta::{licenses, persons, str_of};
use super::{file_name, parent, warning};
use crate::{CapturedFile, CatalogOutput, Cataloger, Context, FileView, Warning};

const INSTALLED: &str = "installed.json";
const LOCK: &str = "composer.lock";

/// The Composer cataloger.
#[derive(Clone, Copy, Debug, Default)]
pub struct ComposerCataloger;

impl Cataloger for ComposerCataloger {
    fn name(&self) -> &'static str {
        "composer"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        if !path.ends_with(INSTALLED) && !path.ends_with(LOCK) {
            return false;
        }
        match file_name(path) {
            INSTALLED => file_name(parent(path)) == "composer",
            LOCK => true,
            _ => false,
        }
    }
    fn catalog(&self, view: &FileView, ctx: &Context) -> CatalogOutput {
        let full = !ctx.identities_only;
        let mut out = CatalogOutput::default();
        let mut vendors: Vec<&str> = Vec::new();
        let mut locks = Vec::new();
        for file in view.iter().filter(|f| self.wants(&f.path)) {
            if file_name(&file.path) == LOCK {
                locks.push(file);
                continue;
            }
            let vendor = parent(parent(&file.path));
            vendors.push(vendor);
            let Some(list) = installed_list(file, &mut out.warnings) else {
                continue;
            };
            out.packages
                .extend(packages(file, &list, vendor, full, &mut out.warnings));
        }
        for file in locks {
            let dir = parent(&file.path);
            let installed_here = [
                format!("{dir}/vendor/composer/{INSTALLED}"),
                format!("{dir}/composer/{INSTALLED}"),
            ]
            .iter()
            .any(|p| view.get(p.trim_start_matches('/')).is_some());
            let inside_vendor = vendors.iter().any(|v| {
                dir.len() > v.len()
                    && dir.starts_with(v)
                    && (v.is_empty() || dir.as_bytes().get(v.len()) == Some(&b'/'))
            });
            if installed_here || inside_vendor {
                continue;
            }
            let Some(obj) = read_object(file, &mut out.warnings) else {
                continue;
            };
            match obj.get("packages") {
                Some(Value::Array(list)) => {
                    out.packages
                        .extend(packages(file, list, dir, full, &mut out.warnings))
                }
                _ => out
                    .warnings
                    .push(warning(file, "no `packages` array; skipped")),
            }
        }
        out
    }
}

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

/// The package list of an installed.json (v1: the array itself; v2: `packages`).
fn installed_list(file: &CapturedFile, warnings: &mut Vec<Warning>) -> Option<Vec<Value>> {
    match serde_json::from_slice::<Value>(&file.data) {
        Ok(Value::Array(list)) => Some(list),
        Ok(Value::Object(mut o)) => match o.remove("packages") {
            Some(Value::Array(list)) => Some(list),
            _ => {
                warnings.push(warning(
                    file,
                    "neither a Composer 1 array nor a Composer 2 {\"packages\": [...]} object; skipped",
                ));
                None
            }
        },
        Ok(_) => {
            warnings.push(warning(
                file,
                "neither a Composer 1 array nor a Composer 2 {\"packages\": [...]} object; skipped",
            ));
            None
        }
        Err(e) => {
            warnings.push(warning(file, format!("not valid JSON ({e}); skipped")));
            None
        }
    }
}

fn packages(
    file: &CapturedFile,
    list: &[Value],
    root: &str,
    full: bool,
    warnings: &mut Vec<Warning>,
) -> Vec<Package> {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let Value::Object(e) = entry else {
            skipped.push(i);
            continue;
        };
        let (Some(name), Some(version)) = (str_of(e.get("name")), str_of(e.get("version"))) else {
            skipped.push(i);
            continue;
        };
        let mut p = Package::new(Ecosystem::Composer, name, version);
        p.id = format!("composer:{}#{name}", file.path);
        p.metadata_path = Some(file.path.clone());
        p.layer = file.layer.clone();
        p.site_root = (!root.is_empty()).then(|| root.to_string());
        if full {
            details(&mut p, e);
        }
        out.push(p);
    }
    if !skipped.is_empty() {
        let shown: Vec<String> = skipped.iter().take(5).map(usize::to_string).collect();
        warnings.push(warning(
            file,
            format!(
                "{} package entr{} without a name and version skipped (index {})",
                skipped.len(),
                if skipped.len() == 1 { "y" } else { "ies" },
                shown.join(", ")
            ),
        ));
    }
    out
}

fn details(p: &mut Package, e: &Map<String, Value>) {
    licenses(e.get("license"), &mut p.licenses);
    p.author = persons(e.get("authors"));
    p.supplier = p.author.clone();
    p.description = str_of(e.get("description")).map(str::to_string);
    p.homepage = str_of(e.get("homepage")).map(str::to_string);
    if let Some(Value::Object(dist)) = e.get("dist") {
        p.download_url = str_of(dist.get("url")).map(str::to_string);
        if let Some(sha1) = str_of(dist.get("shasum")) {
            if sha1.len() == 40 && sha1.bytes().all(|b| b.is_ascii_hexdigit()) {
                p.checksums.push(Checksum {
                    algorithm: HashAlgorithm::Sha1,
                    value: sha1.to_ascii_lowercase(),
                });
            }
        }
    }
    if let Some(Value::Object(req)) = e.get("require") {
        for name in req.keys().filter(|k| k.contains('/')) {
            if !p.depends.contains(name) {
                p.depends.push(name.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use sbom_model::License;

    fn view(files: &[(&str, &str)]) -> FileView {
        FileView::from_files(files.iter().map(|(p, d)| CapturedFile {
            path: (*p).to_string(),
            data: Arc::new(d.as_bytes().to_vec()),
            layer: None,
        }))
    }

    const PKG_A: &str = r#"{"name": "monolog/monolog", "version": "2.2.0", "license": ["MIT"],
        "authors": [{"name": "Jordi Boggiano", "email": "j@seld.be", "role": "Developer"}],
        "description": "Logging", "homepage": "https://github.com/Seldaek/monolog",
        "dist": {"type": "zip", "url": "https://api.github.com/x.zip", "shasum": "ABCDEF0123456789abcdef0123456789abcdef01"},
        "require": {"php": ">=7.2", "ext-json": "*", "psr/log": "^1.0.1"}}"#;
    const PKG_B: &str =
        r#"{"name": "psr/log", "version": "1.1.4", "license": "MIT", "dist": {"shasum": ""}}"#;

    fn got(out: &CatalogOutput) -> Vec<(&str, &str, Option<&str>, Option<&str>)> {
        out.packages
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.version.as_str(),
                    p.site_root.as_deref(),
                    p.metadata_path.as_deref(),
                )
            })
            .collect()
    }

    #[test]
    fn wants_sample_paths() {
        let c = ComposerCataloger;
        for yes in [
            "usr/share/mediawiki/vendor/composer/installed.json",
            "var/www/app/vendor/composer/installed.json",
            "var/www/app/composer.lock",
            "composer.lock",
        ] {
            assert!(c.wants(yes), "should want {yes}");
        }
        for no in [
            "var/www/app/vendor/installed.json",
            "var/www/app/vendor/composer/installed.php",
            "var/www/app/composer.json",
            "var/www/app/vendor/composer/installed.json.bak",
        ] {
            assert!(!c.wants(no), "should not want {no}");
        }
    }

    #[test]
    fn installed_v1_and_v2_shapes() {
        let v2 =
            format!(r#"{{"packages": [{PKG_A}, {PKG_B}], "dev": false, "dev-package-names": []}}"#);
        let v1 = format!("[{PKG_B}]");
        let v = view(&[
            ("srv/one/vendor/composer/installed.json", &v2),
            ("srv/two/vendor/composer/installed.json", &v1),
        ]);
        let out = ComposerCataloger.catalog(&v, &Context::default());
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let meta1 = "srv/one/vendor/composer/installed.json";
        let meta2 = "srv/two/vendor/composer/installed.json";
        assert_eq!(
            got(&out),
            [
                (
                    "monolog/monolog",
                    "2.2.0",
                    Some("srv/one/vendor"),
                    Some(meta1)
                ),
                ("psr/log", "1.1.4", Some("srv/one/vendor"), Some(meta1)),
                ("psr/log", "1.1.4", Some("srv/two/vendor"), Some(meta2)),
            ]
        );
        let m = &out.packages[0];
        assert_eq!(m.licenses, [License::Spdx("MIT".into())]);
        assert_eq!(m.author.as_deref(), Some("Jordi Boggiano <j@seld.be>"));
        assert_eq!(m.depends, ["psr/log"]);
        assert_eq!(
            m.checksums[0].value,
            "abcdef0123456789abcdef0123456789abcdef01"
        );
        assert_eq!(
            m.download_url.as_deref(),
            Some("https://api.github.com/x.zip")
        );
        assert!(out.packages[1].checksums.is_empty());
        assert_ne!(out.packages[1].id, out.packages[2].id);
    }

    #[test]
    fn lock_only_when_nothing_is_installed_for_its_folder() {
        let lock = format!(r#"{{"packages": [{PKG_A}], "packages-dev": [{PKG_B}]}}"#);
        let installed = format!("[{PKG_B}]");
        let v = view(&[
            // an installed tree beside its lock: the lock is not read
            ("srv/a/composer.lock", &lock),
            ("srv/a/vendor/composer/installed.json", &installed),
            // vendor-dir "." (MediaWiki's vendor repository)
            ("srv/b/vendor/composer.lock", &lock),
            ("srv/b/vendor/composer/installed.json", &installed),
            // a vendored package's own lock
            ("srv/b/vendor/x/y/composer.lock", &lock),
            // nothing installed: the lock's packages, not packages-dev
            ("srv/c/composer.lock", &lock),
        ]);
        let out = ComposerCataloger.catalog(&v, &Context::default());
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        assert_eq!(
            got(&out),
            [
                (
                    "psr/log",
                    "1.1.4",
                    Some("srv/a/vendor"),
                    Some("srv/a/vendor/composer/installed.json")
                ),
                (
                    "psr/log",
                    "1.1.4",
                    Some("srv/b/vendor"),
                    Some("srv/b/vendor/composer/installed.json")
                ),
                (
                    "monolog/monolog",
                    "2.2.0",
                    Some("srv/c"),
                    Some("srv/c/composer.lock")
                ),
            ]
        );
    }

    #[test]
    fn wrong_shapes_warn_and_the_rest_is_reported() {
        let v = view(&[
            ("a/vendor/composer/installed.json", r#"{"dev": true}"#),
            ("b/vendor/composer/installed.json", "\"text\""),
            ("c/vendor/composer/installed.json", "{not json"),
            (
                "d/vendor/composer/installed.json",
                &format!(r#"[{PKG_B}, 3, {{"name": "x/y"}}]"#),
            ),
            ("e/composer.lock", r#"{"packages": {}}"#),
        ]);
        let out = ComposerCataloger.catalog(&v, &Context::default());
        assert_eq!(
            got(&out),
            [(
                "psr/log",
                "1.1.4",
                Some("d/vendor"),
                Some("d/vendor/composer/installed.json")
            )]
        );
        let w: Vec<(&str, &str)> = out
            .warnings
            .iter()
            .map(|w| (w.entry.as_deref().unwrap_or(""), w.message.as_str()))
            .collect();
        assert_eq!(w.len(), 5, "{w:?}");
        assert!(
            w[3].1.contains("2 package entries") && w[3].1.contains("index 1, 2"),
            "{w:?}"
        );
    }
}
