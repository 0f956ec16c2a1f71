//! The SBOM document: subject, packages, relationships.
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{purl, Package};

/// os/arch/variant of an image.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// The operating system found in the image (`/etc/os-release`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distro {
    /// `ID` (`debian`, `ubuntu`, `alpine`).
    pub id: String,
    /// `VERSION_ID` (`12`, `22.04`, `3.20.1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_codename: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_like: Vec<String>,
}

/// What kind of thing the SBOM describes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SubjectKind {
    /// A container image.
    #[default]
    Image,
    /// A plain folder (rootfs).
    Directory,
    /// Hosts' declared software (Ansible, a manifest).
    Declared,
}

/// The thing described: the root component of the SBOM.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub kind: SubjectKind,
    /// The reference exactly as the user gave it.
    pub reference: String,
    /// Human name (`quay.io/osism/keystone`, a folder name).
    pub name: String,
    /// Tag, when the reference had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Repository (`quay.io/osism/keystone`) for registry images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<crate::LayerRef>,
    /// Who supplies the image: the config's `org.opencontainers.image.vendor` label (or
    /// `org.opencontainers.image.authors`, `maintainer`), else the registry namespace
    /// that publishes it (`quay.io/osism`). Unknown for local images without labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    /// Which layer digests the scan checked (`sbom scan --verify`, the property
    /// `sbom:layers:verified`): `all` (each layer's compressed blob against the manifest
    /// and its uncompressed tar against the config's diffID), `blobs` (only the digest
    /// naming the stored bytes) or `none` (nothing hashed: the layer digests are as the
    /// image states them, not checked). `None` when not known, e.g. for an SBOM read
    /// from another tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<String>,
    /// The command that made each layer (layer index → the config history's
    /// `created_by`, as `docker history` shows it), when the image records it.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        with = "index_keys"
    )]
    pub created_by: BTreeMap<u32, String>,
}

/// A map keyed by layer index, written as a JSON object (string keys), read back from
/// string keys whatever way the JSON was read.
mod index_keys {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(m: &BTreeMap<u32, String>, s: S) -> Result<S::Ok, S::Error> {
        let keyed: BTreeMap<String, &String> = m.iter().map(|(k, v)| (k.to_string(), v)).collect();
        keyed.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<u32, String>, D::Error> {
        let keyed = BTreeMap::<String, String>::deserialize(d)?;
        keyed
            .into_iter()
            .map(|(k, v)| {
                k.parse::<u32>().map(|i| (i, v)).map_err(|_| {
                    serde::de::Error::custom(format!("layer index `{k}` is not a number"))
                })
            })
            .collect()
    }
}

impl Subject {
    /// The id (bom-ref) of the root component.
    pub const ID: &'static str = "subject";

    /// The purl of the subject: `pkg:oci/NAME@DIGEST?repository_url=...` for images.
    pub fn purl(&self) -> Option<String> {
        let digest = self.manifest_digest.as_deref()?;
        let last = self
            .name
            .rsplit('/')
            .next()
            .unwrap_or(&self.name)
            .to_ascii_lowercase();
        let repo = self.repository.as_deref().unwrap_or("");
        let tag = self.tag.as_deref().unwrap_or("");
        let arch = self
            .platform
            .as_ref()
            .map(|p| p.architecture.as_str())
            .unwrap_or("");
        Some(purl::build(
            "oci",
            None,
            &last,
            Some(digest),
            &[("arch", arch), ("repository_url", repo), ("tag", tag)],
        ))
    }
}

/// Tool that produced the SBOM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            name: crate::TOOL_NAME.to_string(),
            version: crate::TOOL_VERSION.to_string(),
        }
    }
}

/// Kinds of relationships between components.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RelationshipKind {
    /// The subject contains the package.
    Contains,
    /// `from` depends on `to` (dpkg Depends/Pre-Depends, Requires-Dist).
    DependsOn,
    /// OS package `from` owns the files of Python package `to`.
    Owns,
}

/// A directed relationship between two ids (package ids or [`Subject::ID`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Relationship {
    pub from: String,
    pub kind: RelationshipKind,
    pub to: String,
}

/// A whole SBOM.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sbom {
    pub subject: Subject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distro: Option<Distro>,
    pub packages: Vec<Package>,
    #[serde(default)]
    pub relationships: Vec<Relationship>,
    /// Tools that made this document (ours first; readers keep foreign tools).
    #[serde(default)]
    pub tools: Vec<Tool>,
    /// Who made this document (`sbom scan --author`): people or organisations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// Creation time, RFC 3339 UTC (`2024-01-01T00:00:00Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Serial number (`urn:uuid:...`); derived from content when the timestamp is fixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
}

impl Sbom {
    /// Makes the document canonical: purls filled in, packages sorted, unique stable ids
    /// assigned (relationships are rewritten to the new ids), relationships sorted and
    /// deduplicated, `contains` edges from the subject to every package added.
    ///
    /// Relationships refer to packages by their id; before `finalize`, scanners use any
    /// unique temporary ids and `finalize` maps them.
    pub fn finalize(&mut self) {
        let distro = self.distro.clone();
        for p in &mut self.packages {
            if p.purl.is_none() {
                p.purl = purl::for_package(p, distro.as_ref());
            }
        }
        // Remember old ids by position, sort, then assign new ids.
        let mut indexed: Vec<(String, Package)> =
            self.packages.drain(..).map(|p| (p.id.clone(), p)).collect();
        indexed.sort_by(|a, b| a.1.sort_key().cmp(&b.1.sort_key()));
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut taken: BTreeSet<String> = BTreeSet::new();
        let mut remap: BTreeMap<String, String> = BTreeMap::new();
        for (old, p) in &mut indexed {
            let base = p
                .purl
                .clone()
                .unwrap_or_else(|| format!("{}:{}@{}", p.ecosystem, p.name, p.version));
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            let mut id = if *n == 1 {
                base.clone()
            } else {
                // Same purl twice (two venvs): disambiguate by where it was read from.
                let loc = p.metadata_path.as_deref().unwrap_or("");
                format!("{base}#{}", &crate::sha256_hex(loc.as_bytes())[..12])
            };
            // Same purl and same location (or none): number them, in sort order.
            let mut k = 1;
            while taken.contains(&id) {
                k += 1;
                id = format!("{base}#{k}");
            }
            taken.insert(id.clone());
            if !old.is_empty() {
                remap.insert(old.clone(), id.clone());
            }
            p.id = id;
        }
        self.packages = indexed.into_iter().map(|(_, p)| p).collect();
        let ids: BTreeSet<String> = self.packages.iter().map(|p| p.id.clone()).collect();
        let map_id = |id: &str| -> Option<String> {
            if id == Subject::ID {
                return Some(id.to_string());
            }
            if let Some(n) = remap.get(id) {
                return Some(n.clone());
            }
            ids.contains(id).then(|| id.to_string())
        };
        let mut rels: BTreeSet<Relationship> = BTreeSet::new();
        for r in self.relationships.drain(..) {
            if let (Some(from), Some(to)) = (map_id(&r.from), map_id(&r.to)) {
                if from != to {
                    rels.insert(Relationship {
                        from,
                        kind: r.kind,
                        to,
                    });
                }
            }
        }
        for p in &self.packages {
            rels.insert(Relationship {
                from: Subject::ID.to_string(),
                kind: crate::RelationshipKind::Contains,
                to: p.id.clone(),
            });
        }
        self.relationships = rels.into_iter().collect();
        if self.tools.is_empty() {
            self.tools.push(Tool::default());
        }
    }

    /// Counts of packages per ecosystem.
    pub fn counts(&self) -> BTreeMap<crate::Ecosystem, usize> {
        let mut m = BTreeMap::new();
        for p in &self.packages {
            *m.entry(p.ecosystem).or_insert(0) += 1;
        }
        m
    }

    /// A package by id.
    pub fn package(&self, id: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Ecosystem, RelationshipKind};

    #[test]
    fn regression_three_packages_with_one_purl_and_no_location_get_unique_ids() {
        let p = Package::new(Ecosystem::Generic, "tool", "1.0");
        let mut s = Sbom {
            packages: vec![p.clone(), p.clone(), p],
            ..Sbom::default()
        };
        s.finalize();
        let ids: BTreeSet<&str> = s.packages.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), 3, "{ids:?}");
    }

    #[test]
    fn finalize_sorts_assigns_unique_ids_and_remaps_relationships() {
        let mut a = Package::new(Ecosystem::Pypi, "requests", "2.31.0");
        a.id = "tmp-a".into();
        a.metadata_path = Some("venv1/requests-2.31.0.dist-info/METADATA".into());
        let mut b = a.clone();
        b.id = "tmp-b".into();
        b.metadata_path = Some("venv2/requests-2.31.0.dist-info/METADATA".into());
        let mut c = Package::new(Ecosystem::Deb, "bash", "5.2");
        c.id = "tmp-c".into();
        let mut s = Sbom {
            packages: vec![b, a, c],
            relationships: vec![Relationship {
                from: "tmp-c".into(),
                kind: RelationshipKind::DependsOn,
                to: "tmp-b".into(),
            }],
            ..Sbom::default()
        };
        s.finalize();
        assert_eq!(s.packages[0].name, "bash");
        assert_eq!(s.packages[1].id, "pkg:pypi/requests@2.31.0");
        assert!(s.packages[2].id.starts_with("pkg:pypi/requests@2.31.0#"));
        let dep = s
            .relationships
            .iter()
            .find(|r| r.kind == RelationshipKind::DependsOn)
            .expect("dependency kept");
        assert_eq!(dep.from, "pkg:deb/debian/bash@5.2");
        assert_eq!(dep.to, s.packages[2].id);
        assert_eq!(
            s.relationships
                .iter()
                .filter(|r| r.kind == RelationshipKind::Contains)
                .count(),
            3
        );
    }
}
