//! A registry mirror checked against the plan's images.
use std::collections::{BTreeMap, BTreeSet};

use sbom_registry::{RegistryLister, RegistryOptions};

use crate::check::{Missing, Section, Superfluous};
use crate::plan::{ImagePin, Plan};
use crate::MirrorError;

/// Where a mirror may hold an image: `PREFIX/ns/repo`, `PREFIX/repo` (skopeo sync's
/// default), `PREFIX/SRC/ns/repo` (`skopeo sync --scoped`).
pub fn candidates(pin: &ImagePin, prefix: &str) -> Vec<String> {
    let pre = |r: &str| {
        if prefix.is_empty() {
            r.to_string()
        } else {
            format!("{prefix}/{r}")
        }
    };
    let base = pin.repository.rsplit('/').next().unwrap_or(&pin.repository);
    let mut out = vec![
        pre(&pin.repository),
        pre(base),
        pre(&format!("{}/{}", pin.registry, pin.repository)),
    ];
    let mut seen = BTreeSet::new();
    out.retain(|c| seen.insert(c.clone()));
    out
}

fn err(host: &str, e: sbom_registry::RegistryError) -> MirrorError {
    MirrorError::Http(format!("registry {host}: {e}"))
}

pub fn check(
    plan: &Plan,
    host: &str,
    prefix: &str,
    opts: &RegistryOptions,
) -> Result<Section, MirrorError> {
    let lister = RegistryLister::new(host, opts).map_err(|e| err(host, e))?;
    let location = if prefix.is_empty() {
        host.to_string()
    } else {
        format!("{host}/{prefix}")
    };
    let mut section = Section {
        kind: "registry".into(),
        location,
        scope: None,
        needed: plan.images.len(),
        present: 0,
        missing: Vec::new(),
        superfluous: Vec::new(),
        notes: Vec::new(),
    };
    // Mirror repository -> digests the release needs there.
    let mut wanted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for pin in plan.images.values() {
        let cands = candidates(pin, prefix);
        for c in &cands {
            wanted
                .entry(c.clone())
                .or_default()
                .insert(pin.digest.clone());
        }
        let mut found = false;
        for c in &cands {
            if lister
                .manifest(c, &pin.digest)
                .map_err(|e| err(host, e))?
                .is_some()
            {
                found = true;
                break;
            }
        }
        if found {
            section.present += 1;
        } else {
            section.missing.push(Missing {
                name: format!("{}/{}", pin.registry, pin.repository),
                version: pin.digest.clone(),
                arch: pin.platform.clone().unwrap_or_default(),
                needed_in: vec![cands.join(" or ")],
                mirror_has: Vec::new(),
                needed_by: if pin.tags.is_empty() {
                    vec![pin.reference()]
                } else {
                    pin.tags
                        .iter()
                        .map(|t| format!("{}/{}:{t}", pin.registry, pin.repository))
                        .collect()
                },
            });
        }
    }
    let repos = match lister.repositories() {
        Ok(r) => r,
        Err(e) => {
            section.notes.push(format!(
                "the registry does not list its repositories ({e}): only those the release names were looked at"
            ));
            wanted.keys().cloned().collect()
        }
    };
    let under = |r: &str| prefix.is_empty() || r.starts_with(&format!("{prefix}/"));
    let mut untagged = 0;
    for repo in repos.into_iter().filter(|r| under(r)) {
        let tags = lister.tags(&repo).map_err(|e| err(host, e))?;
        let need = wanted.get(&repo);
        if tags.is_empty() {
            if need.is_none() {
                section.superfluous.push(Superfluous {
                    name: repo,
                    version: String::new(),
                    arch: String::new(),
                });
            } else {
                untagged += 1;
            }
            continue;
        }
        for tag in tags {
            let Some(m) = lister.manifest(&repo, &tag).map_err(|e| err(host, e))? else {
                continue;
            };
            let needed = need
                .is_some_and(|n| n.contains(&m.digest) || m.children.iter().any(|c| n.contains(c)));
            if !needed {
                section.superfluous.push(Superfluous {
                    name: repo.clone(),
                    version: format!("{tag}@{}", m.digest),
                    arch: String::new(),
                });
            }
        }
    }
    if untagged > 0 {
        section.notes.push(format!(
            "{untagged} repositories hold only untagged manifests (as skopeo sync by digest leaves them): a registry cannot list those, so superfluous ones among them are not seen"
        ));
    }
    section.superfluous.sort();
    Ok(section)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_may_sit_at_its_path_its_base_name_or_scoped() {
        let pin = ImagePin {
            registry: "quay.io".into(),
            repository: "osism/keystone".into(),
            digest: "sha256:x".into(),
            tags: BTreeSet::new(),
            platform: None,
            declared: false,
            note: None,
        };
        assert_eq!(
            candidates(&pin, ""),
            vec!["osism/keystone", "keystone", "quay.io/osism/keystone"]
        );
        assert_eq!(
            candidates(&pin, "mirror"),
            vec![
                "mirror/osism/keystone",
                "mirror/keystone",
                "mirror/quay.io/osism/keystone"
            ]
        );
    }
}
