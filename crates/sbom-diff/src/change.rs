//! What a diff is made of: kinds of change, one change, the diff of two SBOMs, counts.
use std::fmt;
use std::str::FromStr;

use sbom_model::{Ecosystem, LayerRef, Sbom};
use serde::{Deserialize, Serialize};

/// Options of a diff.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiffOptions {
    /// Also report packages whose layer (diff_id or position) changed.
    pub layers: bool,
}

/// Kinds of change, in display order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// Present only in the new SBOM.
    Added,
    /// Present only in the old SBOM.
    Removed,
    /// Newer version by the ecosystem's ordering.
    Upgraded,
    /// Older version by the ecosystem's ordering.
    Downgraded,
    /// The set of declared licenses differs.
    LicenseChanged,
    /// The package now comes from another layer (only with [`DiffOptions::layers`]).
    MovedLayer,
}

impl ChangeKind {
    /// All kinds, in display order.
    pub const ALL: [ChangeKind; 6] = [
        ChangeKind::Added,
        ChangeKind::Removed,
        ChangeKind::Upgraded,
        ChangeKind::Downgraded,
        ChangeKind::LicenseChanged,
        ChangeKind::MovedLayer,
    ];

    /// The kebab-case name, also the serde form (`license-changed`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Upgraded => "upgraded",
            ChangeKind::Downgraded => "downgraded",
            ChangeKind::LicenseChanged => "license-changed",
            ChangeKind::MovedLayer => "moved-layer",
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for an unknown change kind name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown change kind `{0}` (expected added, removed, upgraded, downgraded, license, layer)"
)]
pub struct UnknownChangeKind(pub String);

impl FromStr for ChangeKind {
    type Err = UnknownChangeKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "added" | "add" => ChangeKind::Added,
            "removed" | "remove" => ChangeKind::Removed,
            "upgraded" | "upgrade" => ChangeKind::Upgraded,
            "downgraded" | "downgrade" => ChangeKind::Downgraded,
            "license" | "licence" | "license-changed" | "licenses" => ChangeKind::LicenseChanged,
            "layer" | "moved-layer" | "moved" | "layers" => ChangeKind::MovedLayer,
            _ => return Err(UnknownChangeKind(s.to_string())),
        })
    }
}

/// One change of one package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub ecosystem: Ecosystem,
    /// The package name as written in the new SBOM (the old one for removals).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// Python: the site-packages folder (part of the identity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_root: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_version: Option<String>,
    /// Declared licenses of the old package, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub old_licenses: Vec<String>,
    /// Declared licenses of the new package, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub new_licenses: Vec<String>,
    /// Layer of the old package (only when layers are compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_layer: Option<LayerRef>,
    /// Layer of the new package (only when layers are compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_layer: Option<LayerRef>,
    /// Package URL of the new package (the old one for removals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

/// The described thing of one side of a diff.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectInfo {
    /// Human name (repository, folder, reference).
    pub name: String,
    /// The reference as given when scanned.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<String>,
    /// Number of packages in the SBOM.
    pub packages: usize,
}

impl SubjectInfo {
    /// Summary of `sbom`'s subject.
    pub fn of(sbom: &Sbom) -> Self {
        let s = &sbom.subject;
        let name = [s.name.as_str(), s.reference.as_str()]
            .into_iter()
            .find(|n| !n.is_empty())
            .unwrap_or("")
            .to_string();
        SubjectInfo {
            name,
            reference: s.reference.clone(),
            tag: s.tag.clone(),
            manifest_digest: s.manifest_digest.clone(),
            packages: sbom.packages.len(),
        }
    }

    /// `name:tag` (or the reference) for headings.
    pub fn label(&self) -> String {
        if !self.reference.is_empty() {
            return self.reference.clone();
        }
        match &self.tag {
            Some(t) if !self.name.ends_with(&format!(":{t}")) => format!("{}:{t}", self.name),
            _ => self.name.clone(),
        }
    }
}

/// Counts per kind of change (and, for releases, of images).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub added: usize,
    pub removed: usize,
    pub upgraded: usize,
    pub downgraded: usize,
    pub license_changed: usize,
    pub moved_layer: usize,
    /// Whether layers were compared (decides whether layer moves are shown).
    pub layers: bool,
    /// Release diffs only: images present only in the new release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images_added: Option<usize>,
    /// Release diffs only: images present only in the old release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images_removed: Option<usize>,
    /// Release diffs only: matched images with at least one package change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images_changed: Option<usize>,
}

impl Summary {
    /// Counts of `changes`.
    pub fn of(changes: &[Change], layers: bool) -> Self {
        let mut s = Summary {
            layers,
            ..Summary::default()
        };
        for c in changes {
            s.add(c.kind, 1);
        }
        s
    }

    fn add(&mut self, kind: ChangeKind, n: usize) {
        let slot = match kind {
            ChangeKind::Added => &mut self.added,
            ChangeKind::Removed => &mut self.removed,
            ChangeKind::Upgraded => &mut self.upgraded,
            ChangeKind::Downgraded => &mut self.downgraded,
            ChangeKind::LicenseChanged => &mut self.license_changed,
            ChangeKind::MovedLayer => &mut self.moved_layer,
        };
        *slot += n;
    }

    /// Adds another summary's package counts to this one.
    pub fn absorb(&mut self, other: &Summary) {
        for k in ChangeKind::ALL {
            self.add(k, other.package_count(k));
        }
    }

    /// Package changes of `kind`.
    pub fn package_count(&self, kind: ChangeKind) -> usize {
        match kind {
            ChangeKind::Added => self.added,
            ChangeKind::Removed => self.removed,
            ChangeKind::Upgraded => self.upgraded,
            ChangeKind::Downgraded => self.downgraded,
            ChangeKind::LicenseChanged => self.license_changed,
            ChangeKind::MovedLayer => self.moved_layer,
        }
    }

    /// Changes of `kind`, counting added/removed images as added/removed.
    pub fn count(&self, kind: ChangeKind) -> usize {
        let images = match kind {
            ChangeKind::Added => self.images_added.unwrap_or(0),
            ChangeKind::Removed => self.images_removed.unwrap_or(0),
            _ => 0,
        };
        self.package_count(kind) + images
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        ChangeKind::ALL.iter().all(|k| self.count(*k) == 0)
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl fmt::Display for Summary {
    /// `2 images added, 0 images removed, 3 images changed; 3 added, 1 removed, 5 upgraded, 1 downgraded, 0 license changes`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (Some(a), Some(r), Some(c)) =
            (self.images_added, self.images_removed, self.images_changed)
        {
            write!(
                f,
                "{} added, {} removed, {} changed; ",
                plural(a, "image", "images"),
                plural(r, "image", "images"),
                plural(c, "image", "images"),
            )?;
        }
        write!(
            f,
            "{} added, {} removed, {} upgraded, {} downgraded, {}",
            self.added,
            self.removed,
            self.upgraded,
            self.downgraded,
            plural(self.license_changed, "license change", "license changes"),
        )?;
        if self.layers {
            write!(
                f,
                ", {}",
                plural(self.moved_layer, "layer move", "layer moves")
            )?;
        }
        Ok(())
    }
}

/// The difference between two SBOMs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SbomDiff {
    pub old: SubjectInfo,
    pub new: SubjectInfo,
    pub summary: Summary,
    /// Packages matched in both SBOMs with no change.
    pub unchanged: usize,
    /// Every change, sorted by ecosystem, name, arch, site root, kind, versions.
    pub changes: Vec<Change>,
}

impl SbomDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_kind_parses_cli_spellings() {
        let kinds: Vec<ChangeKind> = "added,removed,downgraded,license,upgraded,layer"
            .split(',')
            .map(|s| s.parse().expect("known kind"))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ChangeKind::Added,
                ChangeKind::Removed,
                ChangeKind::Downgraded,
                ChangeKind::LicenseChanged,
                ChangeKind::Upgraded,
                ChangeKind::MovedLayer
            ]
        );
        assert!("bogus".parse::<ChangeKind>().is_err());
    }

    #[test]
    fn summary_line_format() {
        let s = Summary {
            added: 3,
            removed: 1,
            upgraded: 5,
            downgraded: 1,
            ..Summary::default()
        };
        assert_eq!(
            s.to_string(),
            "3 added, 1 removed, 5 upgraded, 1 downgraded, 0 license changes"
        );
        let r = Summary {
            license_changed: 1,
            layers: true,
            moved_layer: 2,
            images_added: Some(1),
            images_removed: Some(0),
            images_changed: Some(2),
            ..Summary::default()
        };
        assert_eq!(
            r.to_string(),
            "1 image added, 0 images removed, 2 images changed; \
             0 added, 0 removed, 0 upgraded, 0 downgraded, 1 license change, 2 layer moves"
        );
    }

    #[test]
    fn added_image_counts_as_added() {
        let s = Summary {
            images_added: Some(1),
            ..Summary::default()
        };
        assert_eq!(s.count(ChangeKind::Added), 1);
        assert_eq!(s.package_count(ChangeKind::Added), 0);
        assert!(!s.is_empty());
    }
}
