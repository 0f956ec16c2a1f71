//! The declared-packages manifest (schema: `docs/declared-manifest.md`).
use std::path::Path;
use std::str::FromStr;

use sbom_model::{Checksum, Ecosystem, HashAlgorithm, License, Origin, Package};
use serde::Deserialize;
use serde_json::Value;

use crate::yaml::{read_yaml, LineFinder};
use crate::AnsibleError;

/// One entry as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    version: Option<String>,
    kind: Option<String>,
    purl: Option<String>,
    url: Option<String>,
    checksum: Option<String>,
    license: Option<String>,
    supplier: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    installed_on: Option<String>,
    description: Option<String>,
    homepage: Option<String>,
}

/// Integers (`version: 2`) are taken as their text; decimals are refused because YAML
/// reads `1.10` as the number 1.1 and the digits are already lost.
fn text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    if let Some(Value::Number(n)) = &v {
        if n.is_f64() {
            return Err(serde::de::Error::custom(format!(
                "version {n} is a YAML number and may have lost digits; quote it (version: \"{n}\")"
            )));
        }
    }
    Ok(v.and_then(|v| crate::yaml::scalar_text(&v)))
}

/// `installed_on: manager` or `installed_on: [manager, monitoring]` (joined with `,`,
/// as Ansible host patterns are).
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(match v {
        Some(Value::Array(a)) => {
            let parts: Vec<String> = a.iter().filter_map(crate::yaml::scalar_text).collect();
            (!parts.is_empty()).then(|| parts.join(","))
        }
        Some(other) => crate::yaml::scalar_text(&other),
        None => None,
    })
}

/// Defaults applied to every entry that does not set the field.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    kind: Option<String>,
    supplier: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    installed_on: Option<String>,
    license: Option<String>,
}

/// Reads a declared-packages manifest: a mapping with `packages:` (and optional
/// `version: 1`, `defaults:`), or a plain list of entries. Every package gets
/// `Origin::Declared { file, line, scope: installed_on }` and a purl.
pub fn load_manifest(path: &Path) -> Result<Vec<Package>, AnsibleError> {
    let (text, doc) = read_yaml(path)?;
    let err = |line: u32, message: String| AnsibleError::Manifest {
        file: path.to_path_buf(),
        line: line as usize,
        message,
    };
    let (entries, defaults) = match &doc {
        Value::Array(a) => (a.clone(), Defaults::default()),
        Value::Object(m) => {
            for k in m.keys() {
                if !matches!(k.as_str(), "version" | "packages" | "defaults") {
                    return Err(err(
                        0,
                        format!(
                            "unknown top-level key `{k}` (expected version, defaults, packages)"
                        ),
                    ));
                }
            }
            if let Some(v) = m.get("version") {
                if crate::yaml::scalar_text(v).as_deref() != Some("1") {
                    return Err(err(0, format!("unsupported manifest version {v}")));
                }
            }
            let defaults = match m.get("defaults") {
                Some(d) => {
                    Defaults::deserialize(d).map_err(|e| err(0, format!("defaults: {e}")))?
                }
                None => Defaults::default(),
            };
            match m.get("packages") {
                Some(Value::Array(a)) => (a.clone(), defaults),
                Some(Value::Null) | None => (Vec::new(), defaults),
                Some(_) => return Err(err(0, "`packages` must be a list".to_string())),
            }
        }
        Value::Null => (Vec::new(), Defaults::default()),
        _ => {
            return Err(err(
                0,
                "expected a mapping with `packages:` or a list of packages".to_string(),
            ))
        }
    };
    let file = path.display().to_string();
    let mut finder = LineFinder::new(&text);
    let mut indent = None;
    let mut out = Vec::new();
    for raw in &entries {
        let found = finder.find(raw, indent);
        if let Some((_, i)) = found {
            indent.get_or_insert(i);
        }
        let line = found.map(|f| f.0).unwrap_or(0);
        let e = Entry::deserialize(raw).map_err(|e| err(line, e.to_string()))?;
        out.push(entry_to_package(e, &defaults, &file, line).map_err(|m| err(line, m))?);
    }
    Ok(out)
}

fn entry_to_package(e: Entry, d: &Defaults, file: &str, line: u32) -> Result<Package, String> {
    let name = e
        .name
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .ok_or("entry without `name`")?;
    let kind = e
        .kind
        .or_else(|| d.kind.clone())
        .unwrap_or_else(|| "generic".to_string());
    let eco = match kind.as_str() {
        "deb" | "pypi" | "binary" | "archive" | "container-image" | "generic" | "rpm" | "apk" => {
            Ecosystem::from_str(&kind).map_err(|e| e.to_string())?
        }
        other => {
            return Err(format!(
                "unknown kind `{other}` (expected deb, pypi, binary, archive, container-image, generic, rpm, apk)"
            ))
        }
    };
    let mut version = e.version.unwrap_or_default().trim().to_string();
    let mut name = name;
    if eco == Ecosystem::Oci {
        // `name: quay.io/osism/cgit:1.2.3` carries its tag; the name is the repository.
        let explicit =
            name.rsplit('/').next().is_some_and(|l| l.contains(':')) || name.contains('@');
        if explicit {
            let (n, v) = crate::extract::split_image(&name);
            name = n;
            if version.is_empty() {
                version = v;
            }
        }
    }
    let mut p = Package::new(eco, name, version);
    p.download_url = e.url.filter(|u| !u.trim().is_empty());
    p.supplier = e.supplier.or_else(|| d.supplier.clone());
    p.description = e.description;
    p.homepage = e.homepage;
    if let Some(l) = e
        .license
        .or_else(|| d.license.clone())
        .as_deref()
        .and_then(License::from_declared)
    {
        p.licenses.push(l);
    }
    if let Some(c) = e.checksum {
        let (algo, value) = c
            .split_once(':')
            .ok_or_else(|| format!("checksum `{c}` is not ALGORITHM:HEX (e.g. sha256:...)"))?;
        let algorithm = HashAlgorithm::parse(algo)
            .ok_or_else(|| format!("unknown checksum algorithm `{algo}`"))?;
        let value = value.trim().to_ascii_lowercase();
        let expected = match algorithm {
            HashAlgorithm::Md5 => 32,
            HashAlgorithm::Sha1 => 40,
            HashAlgorithm::Sha256 => 64,
            HashAlgorithm::Sha384 => 96,
            HashAlgorithm::Sha512 => 128,
        };
        if value.len() != expected || !value.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!("checksum `{c}`: expected {expected} hex digits"));
        }
        p.checksums.push(Checksum { algorithm, value });
    }
    p.properties.insert(crate::PROP_KIND.into(), kind);
    p.origin = Origin::Declared {
        file: file.to_string(),
        line: (line > 0).then_some(line),
        scope: e.installed_on.or_else(|| d.installed_on.clone()),
    };
    p.purl = match e
        .purl
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
    {
        Some(purl) if purl.starts_with("pkg:") => Some(purl),
        Some(purl) => return Err(format!("purl `{purl}` does not start with `pkg:`")),
        // rpm purls need the vendor as namespace, which nothing here tells.
        None if eco == Ecosystem::Rpm => return Err(
            "rpm entries need a `purl` (pkg:rpm/VENDOR/NAME@VERSION): the vendor cannot be derived"
                .to_string(),
        ),
        None => sbom_model::purl::for_package(&p, None),
    };
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("declared.yml");
        std::fs::write(&p, text).expect("write");
        (dir, p)
    }

    #[test]
    fn example_manifest_loads_with_lines_and_purls() {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/declared/example.yml");
        let pkgs = load_manifest(&p).expect("example loads");
        let ne = pkgs
            .iter()
            .find(|p| p.name == "node_exporter")
            .expect("node_exporter");
        assert_eq!(ne.ecosystem, Ecosystem::Binary);
        assert_eq!(ne.version, "1.8.2");
        assert_eq!(ne.checksums.len(), 1);
        assert_eq!(ne.licenses, vec![License::Spdx("Apache-2.0".into())]);
        match &ne.origin {
            Origin::Declared { line, scope, .. } => {
                assert!(line.is_some_and(|l| l > 1));
                assert_eq!(scope.as_deref(), Some("monitoring"));
            }
            Origin::Observed => panic!("must be declared"),
        }
        assert!(ne
            .purl
            .as_deref()
            .is_some_and(|u| u.starts_with("pkg:generic/node_exporter@1.8.2?download_url=")));
        let img = pkgs
            .iter()
            .find(|p| p.ecosystem == Ecosystem::Oci)
            .expect("image");
        assert_eq!(img.name, "quay.io/osism/cgit");
        assert_eq!(img.version, "1.2.3");
        let deb = pkgs
            .iter()
            .find(|p| p.ecosystem == Ecosystem::Deb)
            .expect("deb");
        assert_eq!(deb.purl.as_deref(), Some("pkg:deb/debian/chrony@4.3-2"));
    }

    #[test]
    fn entry_lines_are_exact() {
        let (_d, p) = write("packages:\n  - name: a\n    kind: deb\n    version: '1'\n\n  - name: b\n    kind: pypi\n    version: '2'\n");
        let pkgs = load_manifest(&p).expect("loads");
        let lines: Vec<Option<u32>> = pkgs
            .iter()
            .map(|p| match &p.origin {
                Origin::Declared { line, .. } => *line,
                Origin::Observed => None,
            })
            .collect();
        assert_eq!(lines, vec![Some(2), Some(6)]);
    }

    #[test]
    fn bad_entries_name_the_line() {
        let (_d, p) = write("packages:\n  - name: a\n    kind: deb\n  - name: b\n    kind: snap\n");
        let e = load_manifest(&p).expect_err("unknown kind");
        assert!(matches!(e, AnsibleError::Manifest { line: 4, .. }), "{e}");
        let (_d, p) = write("packages:\n  - name: a\n    versoin: '1'\n");
        let e = load_manifest(&p).expect_err("typo");
        assert!(e.to_string().contains("versoin"), "{e}");
        let (_d, p) = write("packages:\n  - name: a\n    checksum: sha256:abc\n");
        assert!(load_manifest(&p).is_err());
    }

    #[test]
    fn yaml_error_names_line() {
        let (_d, p) = write("packages:\n  - name: a\n  kind: [\n");
        let e = load_manifest(&p).expect_err("syntax");
        assert!(
            matches!(e, AnsibleError::Yaml { line, .. } if line >= 3),
            "{e}"
        );
    }

    #[test]
    fn defaults_apply_and_given_purl_is_kept() {
        let (_d, p) = write(
            "version: 1\ndefaults:\n  installed_on: control\n  kind: pypi\npackages:\n  - name: Foo_Bar\n    version: '1.10'\n  - name: x\n    purl: pkg:github/acme/x@v1\n",
        );
        let pkgs = load_manifest(&p).expect("loads");
        assert_eq!(pkgs[0].purl.as_deref(), Some("pkg:pypi/foo-bar@1.10"));
        assert_eq!(pkgs[1].purl.as_deref(), Some("pkg:github/acme/x@v1"));
        assert!(
            matches!(&pkgs[1].origin, Origin::Declared { scope: Some(s), .. } if s == "control")
        );
    }

    #[test]
    fn image_names_and_host_group_lists() {
        let (_d, p) = write(
            "- name: quay.io/osism/x:1.0\n  version: '1.0'\n  kind: container-image\n  installed_on: [manager, monitoring]\n",
        );
        let pkgs = load_manifest(&p).expect("loads");
        assert_eq!(pkgs[0].name, "quay.io/osism/x");
        assert_eq!(pkgs[0].version, "1.0");
        assert!(
            matches!(&pkgs[0].origin, Origin::Declared { scope: Some(s), line: Some(1), .. } if s == "manager,monitoring")
        );
    }

    #[test]
    fn rpm_entries_need_a_purl() {
        let (_d, p) = write("- name: podman\n  version: '4.9'\n  kind: rpm\n");
        let e = load_manifest(&p).expect_err("no vendor");
        assert!(e.to_string().contains("pkg:rpm/VENDOR"), "{e}");
        let (_d, p) = write(
            "- name: podman\n  version: '4.9'\n  kind: rpm\n  purl: pkg:rpm/fedora/podman@4.9\n",
        );
        assert_eq!(
            load_manifest(&p).expect("loads")[0].purl.as_deref(),
            Some("pkg:rpm/fedora/podman@4.9")
        );
    }

    #[test]
    fn unquoted_decimal_version_is_refused_not_truncated() {
        let (_d, p) = write("packages:\n  - name: a\n    version: 1.10\n");
        let e = load_manifest(&p).expect_err("1.10 would become 1.1");
        assert!(e.to_string().contains("quote it"), "{e}");
    }
}
