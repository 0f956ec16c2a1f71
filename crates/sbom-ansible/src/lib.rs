//! Declared-packages manifest and packages read from Ansible roles and playbooks.
//!
//! Two ways to declare software that no image scan sees:
//! - [`load_manifest`] reads a declared-packages manifest (schema in `docs/declared-manifest.md`);
//! - [`read_ansible`] reads a role, a collection, a playbook folder or a playbook and
//!   reports what its tasks install, resolving Jinja variables from the role's
//!   `defaults/` and `vars/`, the folder's `group_vars/all` and extra vars.
//!
//! Every package carries [`sbom_model::Origin::Declared`] with the file and line that
//! declared it; writers add the `sbom:declared` property from that origin.
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod error;
mod extract;
mod jinja;
mod manifest;
mod walk;
mod yaml;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use error::AnsibleError;
pub use manifest::load_manifest;

use sbom_model::{Package, Sbom};

/// Property: JSON array of the Jinja expressions that could not be resolved.
pub const PROP_UNRESOLVED: &str = "sbom:ansible:unresolved";
/// Property: the (normalised) module of the task (`apt`, `pip`, `get_url`, `compose`).
pub const PROP_MODULE: &str = "sbom:ansible:module";
/// Property: the task's name.
pub const PROP_TASK: &str = "sbom:ansible:task";
/// Property: the `when:` conditions that guard the task (not evaluated), joined with ` and `.
pub const PROP_WHEN: &str = "sbom:ansible:when";
/// Property: the host pattern of the play, when the task ran from a playbook.
pub const PROP_HOSTS: &str = "sbom:ansible:hosts";
/// Property: a version constraint that is not a single version (`>=1.2,<2`).
pub const PROP_VERSION_CONSTRAINT: &str = "sbom:ansible:version-constraint";
/// Property: pip's `virtualenv`.
pub const PROP_VIRTUALENV: &str = "sbom:ansible:virtualenv";
/// Property: a checksum that is given as a URL to a checksum file.
pub const PROP_CHECKSUM_URL: &str = "sbom:ansible:checksum-url";
/// Property: the container image reference as written (rendered).
pub const PROP_IMAGE: &str = "sbom:ansible:image";
/// Property (manifest): kind as declared in the manifest.
pub const PROP_KIND: &str = "sbom:declared:kind";

/// One `--extra-vars` value, in command-line order (later ones win).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExtraVars {
    /// A YAML/JSON file of variables (`@file` or an existing file).
    File(PathBuf),
    /// `key=value` (value is a string, as in Ansible).
    Pair(String, String),
    /// Inline YAML/JSON mapping (`{"a": 1}`).
    Inline(String),
}

impl ExtraVars {
    /// Interprets an `-e` argument as Ansible does: `@FILE`, an inline `{...}` mapping,
    /// `k=v` (several separated by blanks), or an existing file's path.
    pub fn parse(arg: &str) -> Result<Vec<ExtraVars>, AnsibleError> {
        let a = arg.trim();
        if let Some(f) = a.strip_prefix('@') {
            return Ok(vec![ExtraVars::File(PathBuf::from(f))]);
        }
        if a.starts_with('{') {
            return Ok(vec![ExtraVars::Inline(a.to_string())]);
        }
        if Path::new(a).is_file() {
            return Ok(vec![ExtraVars::File(PathBuf::from(a))]);
        }
        let mut out = Vec::new();
        for word in split_words(a) {
            match word.split_once('=') {
                Some((k, v)) if !k.is_empty() => out.push(ExtraVars::Pair(k.to_string(), v.to_string())),
                _ => {
                    return Err(AnsibleError::ExtraVars {
                        arg: arg.to_string(),
                        message: format!("`{word}` is neither KEY=VALUE, @FILE, an existing file nor a {{...}} mapping"),
                    })
                }
            }
        }
        if out.is_empty() {
            return Err(AnsibleError::ExtraVars {
                arg: arg.to_string(),
                message: "empty".to_string(),
            });
        }
        Ok(out)
    }
}

/// Splits on blanks, keeping quoted parts together (quotes removed).
pub(crate) fn split_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut has = false;
    let mut depth = 0usize; // inside {{ }}
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '{' && next == Some('{') => {
                depth += 1;
                cur.push_str("{{");
                has = true;
                i += 1;
            }
            None if c == '}' && next == Some('}') && depth > 0 => {
                depth -= 1;
                cur.push_str("}}");
                i += 1;
            }
            None if (c == '"' || c == '\'') && depth == 0 => {
                quote = Some(c);
                has = true;
            }
            None if c.is_whitespace() && depth == 0 => {
                if has {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            None => {
                cur.push(c);
                has = true;
            }
        }
        i += 1;
    }
    if has {
        out.push(cur);
    }
    out
}

/// Options of [`read_ansible`].
#[derive(Clone, Debug, Default)]
pub struct AnsibleOptions {
    /// Extra vars, in command-line order; they win over every other variable.
    pub extra_vars: Vec<ExtraVars>,
    /// Also list the modules that were ignored.
    pub verbose: bool,
}

/// A third-party package source (`apt_repository`, `deb822_repository`, `yum_repository`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PackageSource {
    /// The source line or URIs as rendered (`deb https://download.docker.com/linux/debian bookworm stable`).
    pub repo: String,
    /// The module that declared it.
    pub module: String,
    pub file: String,
    pub line: Option<u32>,
    pub scope: Option<String>,
    /// Expressions that could not be resolved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unresolved: Vec<String>,
}

/// An expression (or file) that could not be resolved.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Unresolved {
    pub file: String,
    pub line: Option<u32>,
    pub scope: Option<String>,
    /// What it was for (`apt name`, `get_url url`, `pip requirements`, `include_tasks`).
    pub what: String,
    /// The expression or path as written (`{{ keystone_version }}`).
    pub expression: String,
}

/// A task whose module is not one that installs software.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct IgnoredModule {
    pub module: String,
    pub file: String,
    pub line: Option<u32>,
}

/// What Ansible content installs.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AnsibleReport {
    /// Installed software, each with `Origin::Declared { file, line, scope }`.
    pub packages: Vec<Package>,
    /// Fully resolved container image references, sorted, unique.
    pub images: Vec<String>,
    /// Third-party package sources.
    pub sources: Vec<PackageSource>,
    /// Everything that could not be resolved.
    pub unresolved: Vec<Unresolved>,
    /// Modules that were ignored (filled only with `verbose`).
    pub ignored_modules: Vec<IgnoredModule>,
}

/// Reads a role, a collection (`roles/*`), a playbook folder or a playbook file.
pub fn read_ansible(path: &Path, opts: &AnsibleOptions) -> Result<AnsibleReport, AnsibleError> {
    walk::read(path, opts)
}

/// Gives declared packages that share a purl with another package a `metadata_path` of
/// `FILE:LINE` (where they were declared), so `Sbom::finalize` assigns them distinct ids.
/// Packages that already have a `metadata_path`, or whose purl is unique, are left alone.
pub fn disambiguate(packages: &mut [Package]) {
    use std::collections::BTreeMap;
    let key = |p: &Package| {
        p.purl
            .clone()
            .or_else(|| sbom_model::purl::for_package(p, None))
            .unwrap_or_default()
    };
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for p in packages.iter() {
        *counts.entry(key(p)).or_insert(0) += 1;
    }
    for p in packages.iter_mut() {
        if p.metadata_path.is_some() || counts.get(&key(p)).copied().unwrap_or(0) < 2 {
            continue;
        }
        if let sbom_model::Origin::Declared { file, line, .. } = &p.origin {
            p.metadata_path = Some(match line {
                Some(l) => format!("{file}:{l}"),
                None => file.clone(),
            });
        }
    }
}

/// Adds declared packages to an SBOM (`scan --declared FILE`) and makes it canonical
/// again. A declared package identical to one already present (same ecosystem, name,
/// version and origin) is not added twice.
pub fn merge_declared(sbom: &mut Sbom, declared: Vec<Package>) {
    for p in declared {
        let dup = sbom.packages.iter().any(|q| {
            q.ecosystem == p.ecosystem
                && q.normalized_name() == p.normalized_name()
                && q.version == p.version
                && q.origin == p.origin
        });
        if !dup {
            sbom.packages.push(p);
        }
    }
    disambiguate(&mut sbom.packages);
    sbom.finalize();
}

#[cfg(test)]
mod tests {
    use super::*;
    use sbom_model::{Ecosystem, Origin};

    #[test]
    fn extra_vars_arguments() {
        assert_eq!(
            ExtraVars::parse("@versions.yml").expect("file"),
            vec![ExtraVars::File("versions.yml".into())]
        );
        assert_eq!(
            ExtraVars::parse("a=1 b='x y'").expect("pairs"),
            vec![
                ExtraVars::Pair("a".into(), "1".into()),
                ExtraVars::Pair("b".into(), "x y".into())
            ]
        );
        assert!(matches!(
            ExtraVars::parse("{\"a\": 1}").expect("inline").as_slice(),
            [ExtraVars::Inline(_)]
        ));
        assert!(ExtraVars::parse("no-such-file-and-no-equals").is_err());
    }

    #[test]
    fn same_purl_declared_three_times_gets_three_ids() {
        let mut sbom = Sbom::default();
        let decl = |line| {
            let mut p = Package::new(Ecosystem::Deb, "curl", "");
            p.origin = Origin::Declared {
                file: "roles/x/tasks/main.yml".into(),
                line: Some(line),
                scope: None,
            };
            p
        };
        merge_declared(&mut sbom, vec![decl(3), decl(9), decl(17)]);
        let ids: std::collections::BTreeSet<&str> =
            sbom.packages.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), 3, "{ids:?}");
        let paths: std::collections::BTreeSet<&str> = sbom
            .packages
            .iter()
            .filter_map(|p| p.metadata_path.as_deref())
            .collect();
        let want: std::collections::BTreeSet<&str> = [
            "roles/x/tasks/main.yml:3",
            "roles/x/tasks/main.yml:9",
            "roles/x/tasks/main.yml:17",
        ]
        .into_iter()
        .collect();
        assert_eq!(paths, want);
    }

    #[test]
    fn merge_declared_adds_once_and_finalizes() {
        let mut sbom = Sbom::default();
        sbom.packages
            .push(Package::new(Ecosystem::Deb, "bash", "5.2"));
        let mut d = Package::new(Ecosystem::Binary, "node_exporter", "1.8.2");
        d.origin = Origin::Declared {
            file: "declared.yml".into(),
            line: Some(3),
            scope: Some("monitoring".into()),
        };
        merge_declared(&mut sbom, vec![d.clone(), d]);
        assert_eq!(sbom.packages.len(), 2);
        let n = sbom
            .packages
            .iter()
            .find(|p| p.name == "node_exporter")
            .expect("merged");
        assert!(n.is_declared());
        assert!(n
            .purl
            .as_deref()
            .is_some_and(|p| p.starts_with("pkg:generic/node_exporter@1.8.2")));
        assert!(!n.id.is_empty());
    }
}
