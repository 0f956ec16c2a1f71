//! What the archive visitor keeps of one file: per archive found in it (the file itself
//! and every nested archive), the few manifest headers that identify it, its
//! `pom.properties` and the licenses its `pom.xml` files declare. Kept in the layer
//! index and the cache, so it stays small and its encoding is stable.
use serde::{Deserialize, Serialize};

/// One archive: the scanned file itself or an archive nested in it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ArchiveInfo {
    /// Where it sits inside the scanned file: `""` for the file itself, else the entry
    /// names from the outside in, joined by `!/` (`BOOT-INF/lib/a.jar`,
    /// `web.war!/WEB-INF/lib/b.jar`).
    #[serde(default)]
    pub path: String,
    /// Identifying headers of the manifest's main section, in file order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub manifest: Vec<(String, String)>,
    /// Every `pom.properties` of this archive (not of archives nested in it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub poms: Vec<Pom>,
    /// Licenses declared by `pom.xml` files: (the folder holding the `pom.xml`,
    /// license names, or URLs where a license has no name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pom_licenses: Vec<(String, Vec<String>)>,
}

/// One `pom.properties`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Pom {
    /// Entry name inside its archive (`META-INF/maven/G/A/pom.properties`).
    pub path: String,
    pub group: String,
    pub artifact: String,
    pub version: String,
}

impl Pom {
    /// The folder holding this `pom.properties` (where its `pom.xml` lies too).
    pub fn folder(&self) -> &str {
        self.path.rsplit_once('/').map_or("", |(d, _)| d)
    }
}

/// The summary of one file: the archives found in it, outermost first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Summary {
    pub archives: Vec<ArchiveInfo>,
}

impl Summary {
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
    pub fn decode(bytes: &[u8]) -> Option<Summary> {
        serde_json::from_slice(bytes).ok()
    }
}

impl ArchiveInfo {
    /// The value of a manifest header (names compare without regard to case, as the
    /// JAR specification says).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.manifest
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_round_trips() {
        let s = Summary {
            archives: vec![ArchiveInfo {
                path: "BOOT-INF/lib/a.jar".into(),
                manifest: vec![("Implementation-Version".into(), "1.0".into())],
                poms: vec![Pom {
                    path: "META-INF/maven/g/a/pom.properties".into(),
                    group: "g".into(),
                    artifact: "a".into(),
                    version: "1.0".into(),
                }],
                pom_licenses: vec![("META-INF/maven/g/a".into(), vec!["MIT".into()])],
            }],
        };
        assert_eq!(Summary::decode(&s.encode()), Some(s.clone()));
        assert_eq!(s.archives[0].poms[0].folder(), "META-INF/maven/g/a");
        assert_eq!(s.archives[0].header("implementation-version"), Some("1.0"));
        assert_eq!(Summary::decode(b"not json"), None);
    }
}
