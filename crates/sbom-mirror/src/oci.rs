//! Container images: a `skopeo sync --src yaml` file with every image by digest, and a
//! plain `registry/repository@digest` list.
use std::collections::{BTreeMap, BTreeSet};

use crate::plan::ImagePin;

/// A YAML double-quoted scalar (JSON's string escaping is valid YAML).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The `skopeo sync --src yaml` file: per source registry, each repository with the
/// digests to copy. Loopback registries get `tls-verify: false` (plain HTTP, as docker
/// and our scanner treat them).
pub fn skopeo_sync_yaml<'a>(images: impl IntoIterator<Item = &'a ImagePin>) -> String {
    let mut by_registry: BTreeMap<&str, BTreeMap<&str, BTreeSet<&str>>> = BTreeMap::new();
    for i in images {
        by_registry
            .entry(&i.registry)
            .or_default()
            .entry(&i.repository)
            .or_default()
            .insert(&i.digest);
    }
    let mut out =
        String::from("# skopeo sync --src yaml --dest docker THIS-FILE MIRROR-HOST[/PREFIX]\n");
    if by_registry.is_empty() {
        out.push_str("{}\n");
    }
    for (registry, repos) in by_registry {
        out.push_str(&format!("{}:\n", quoted(registry)));
        if sbom_registry::reference::is_loopback(registry) {
            out.push_str("  tls-verify: false\n");
        }
        out.push_str("  images:\n");
        for (repo, digests) in repos {
            out.push_str(&format!("    {}:\n", quoted(repo)));
            for d in digests {
                out.push_str(&format!("      - {}\n", quoted(d)));
            }
        }
    }
    out
}

/// `registry/repository@digest`, one a line, sorted.
pub fn image_list<'a>(images: impl IntoIterator<Item = &'a ImagePin>) -> String {
    let set: BTreeSet<String> = images.into_iter().map(ImagePin::reference).collect();
    set.into_iter().map(|r| format!("{r}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(registry: &str, repo: &str, digest: &str) -> ImagePin {
        ImagePin {
            registry: registry.into(),
            repository: repo.into(),
            digest: digest.into(),
            tags: BTreeSet::new(),
            platform: None,
            declared: false,
            note: None,
        }
    }

    #[test]
    fn yaml_groups_digests_by_registry_and_repository() {
        let d1 = format!("sha256:{}", "1".repeat(64));
        let d2 = format!("sha256:{}", "2".repeat(64));
        let pins = [
            pin("quay.io", "osism/keystone", &d2),
            pin("127.0.0.1:5000", "kolla/nova", &d1),
            pin("quay.io", "osism/keystone", &d1),
        ];
        let y = skopeo_sync_yaml(&pins);
        assert_eq!(
            y,
            format!(
                "# skopeo sync --src yaml --dest docker THIS-FILE MIRROR-HOST[/PREFIX]\n\"127.0.0.1:5000\":\n  tls-verify: false\n  images:\n    \"kolla/nova\":\n      - \"{d1}\"\n\"quay.io\":\n  images:\n    \"osism/keystone\":\n      - \"{d1}\"\n      - \"{d2}\"\n"
            )
        );
        assert_eq!(
            image_list(&pins),
            format!("127.0.0.1:5000/kolla/nova@{d1}\nquay.io/osism/keystone@{d1}\nquay.io/osism/keystone@{d2}\n")
        );
    }
}
