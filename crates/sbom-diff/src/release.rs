//! Releases: folders of SBOMs written by a batch scan, and their diff.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use sbom_model::{Ecosystem, Sbom};
use serde::{Deserialize, Serialize};

use crate::change::{ChangeKind, DiffOptions, SbomDiff, Summary};
use crate::error::ReleaseError;

/// A release: images by repository name (without tag), each with its SBOM.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Release {
    /// Name shown in headings (the folder's name).
    pub name: String,
    /// Image key ([`image_key`]) to SBOM.
    pub images: BTreeMap<String, Sbom>,
}

/// The repository an SBOM describes, without tag or digest, lower-cased:
/// `quay.io/osism/keystone:2024.1` and `quay.io/osism/keystone@sha256:...` both give
/// `quay.io/osism/keystone`. Taken from the subject's repository, else its name, else
/// its reference; empty when none is set.
pub fn image_key(sbom: &Sbom) -> String {
    let s = &sbom.subject;
    let raw = [
        s.repository.as_deref(),
        Some(s.name.as_str()),
        Some(s.reference.as_str()),
    ]
    .into_iter()
    .flatten()
    .map(str::trim)
    .find(|x| !x.is_empty())
    .unwrap_or("");
    strip_tag(raw).to_ascii_lowercase()
}

/// One path component of a release folder made from a name (a registry host, a
/// repository part, a tag): characters other than ASCII letters, digits and `._-+`
/// become `_`, and a name of only dots (or nothing) becomes `_`, so it can never climb
/// out of the folder. Batch scans name their SBOM files so; `sbom mirror` its folders.
pub fn path_component(s: &str) -> String {
    let c: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-+".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if c.is_empty() || c.chars().all(|x| x == '.') {
        "_".into()
    } else {
        c
    }
}

fn strip_tag(r: &str) -> &str {
    let r = r.split_once('@').map_or(r, |(a, _)| a);
    let slash = r.rfind('/').map_or(0, |i| i + 1);
    match r[slash..].rfind(':') {
        Some(i) => &r[..slash + i],
        None => r,
    }
}

impl Release {
    /// Builds a release from SBOMs (see [`Release::load`] for how keys are chosen and
    /// when two SBOMs of one repository are an error).
    pub fn from_sboms(
        name: impl Into<String>,
        sboms: impl IntoIterator<Item = Sbom>,
    ) -> Result<Self, ReleaseError> {
        let entries = sboms
            .into_iter()
            .enumerate()
            .map(|(i, s)| (PathBuf::from(format!("#{i}")), s))
            .collect();
        build(name.into(), entries)
    }

    /// Reads every `*.json` file under `dir` (recursively, in sorted order, hidden
    /// files and folders skipped, symlinked folders not followed) with `read`, which
    /// the caller provides (the CLI passes sbom-format's reader for CycloneDX, SPDX and
    /// our own JSON).
    ///
    /// Images are keyed by [`image_key`] (or the file name up to its first dot when the
    /// SBOM names nothing). When a batch scan wrote one image in several formats, one
    /// file is kept: our own `*.json` first (lossless), then `*.cdx.json`, another
    /// CycloneDX version (`*.cdx-1.5.json`), `*.spdx3.json`, `*.spdx.json`. When one repository was scanned for several platforms, each gets
    /// the key `REPO [os/arch]`. Any other pair of SBOMs with one key is an error.
    pub fn load<E, F>(dir: &Path, read: F) -> Result<Release, ReleaseError>
    where
        F: Fn(&Path) -> Result<Sbom, E>,
        E: Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    {
        let mut files = Vec::new();
        walk(dir, &mut files)?;
        files.sort();
        if files.is_empty() {
            return Err(ReleaseError::Empty {
                path: dir.to_path_buf(),
            });
        }
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .map_or_else(|| dir.display().to_string(), str::to_string);
        let mut entries = Vec::with_capacity(files.len());
        for f in files {
            let sbom = read(&f).map_err(|e| ReleaseError::Read {
                path: f.clone(),
                source: e.into(),
            })?;
            entries.push((f, sbom));
        }
        build(name, entries)
    }
}

/// Preference among formats of one image: lower is better. Our own JSON is lossless;
/// then CycloneDX at the default version, at another version (`.cdx-1.5.json`, written
/// when a run asks for two), SPDX 3, SPDX 2.
fn format_rank(path: &Path) -> u8 {
    let name = path
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let Some(stem) = name.strip_suffix(".json") else {
        return 9;
    };
    // The last dot-separated part before `.json`: `cdx`, `cdx-1.5`, `spdx3`, `spdx`, ...
    // (a version suffix holds dots itself, so look for the kinds, not the last dot).
    let kind = ["cdx-", "spdx3-", "spdx-"]
        .iter()
        .filter_map(|k| stem.rfind(&format!(".{k}")).map(|i| &stem[i + 1..]))
        .next()
        .or_else(|| stem.rsplit_once('.').map(|(_, k)| k))
        .unwrap_or("");
    match kind {
        "sbom" => 0,
        "cdx" => 1,
        k if k.starts_with("cdx-") => 2,
        "spdx3" => 3,
        k if k.starts_with("spdx3-") => 4,
        "spdx" => 5,
        k if k.starts_with("spdx-") => 6,
        // Our JSON under another name (`keystone.json`): read as ours.
        _ => 0,
    }
}

fn key_of(path: &Path, sbom: &Sbom) -> String {
    let key = image_key(sbom);
    if !key.is_empty() {
        return key;
    }
    // No name inside: the file name stands in (`keystone.cdx.json` -> `keystone`).
    let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
    file.split('.').next().unwrap_or(file).to_ascii_lowercase()
}

fn build(name: String, entries: Vec<(PathBuf, Sbom)>) -> Result<Release, ReleaseError> {
    let mut groups: BTreeMap<String, Vec<(PathBuf, Sbom)>> = BTreeMap::new();
    for (path, sbom) in entries {
        groups
            .entry(key_of(&path, &sbom))
            .or_default()
            .push((path, sbom));
    }
    let mut images = BTreeMap::new();
    for (key, mut group) in groups {
        // Keep only the preferred format(s); stable sort keeps file order among equals.
        group.sort_by_key(|(p, _)| format_rank(p));
        let best = group.first().map_or(0, |(p, _)| format_rank(p));
        group.retain(|(p, _)| format_rank(p) == best);
        if group.len() == 1 {
            if let Some((_, sbom)) = group.pop() {
                images.insert(key, sbom);
            }
            continue;
        }
        // Several platforms of one repository: one image each.
        let platforms: Vec<Option<String>> = group
            .iter()
            .map(|(_, s)| s.subject.platform.as_ref().map(ToString::to_string))
            .collect();
        let distinct: BTreeSet<&String> = platforms.iter().flatten().collect();
        if distinct.len() != group.len() {
            let mut paths = group.into_iter().map(|(p, _)| p);
            let first = paths.next().unwrap_or_default();
            let second = paths.next().unwrap_or_default();
            return Err(ReleaseError::DuplicateImage { key, first, second });
        }
        for ((_, sbom), platform) in group.into_iter().zip(platforms) {
            let platform = platform.unwrap_or_default();
            images.insert(format!("{key} [{platform}]"), sbom);
        }
    }
    Ok(Release { name, images })
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ReleaseError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ReleaseError::Io { path, source }
    };
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        // file_type does not follow symlinks: a linked folder is not walked (no loops).
        let ft = entry.file_type().map_err(io(&path))?;
        if ft.is_dir() {
            walk(&path, out)?;
        } else if name.to_ascii_lowercase().ends_with(".json") && name != "index.json" {
            // `index.json` is the batch scan's index, not an SBOM.
            out.push(path);
        }
    }
    Ok(())
}

/// An image present in only one release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageInfo {
    /// Repository without tag ([`image_key`]).
    pub key: String,
    /// The reference it was scanned as.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Number of packages.
    pub packages: usize,
}

impl ImageInfo {
    fn of(key: &str, s: &Sbom) -> Self {
        ImageInfo {
            key: key.to_string(),
            reference: s.subject.reference.clone(),
            tag: s.subject.tag.clone(),
            packages: s.packages.len(),
        }
    }
}

/// The diff of one image present in both releases.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageDiff {
    pub key: String,
    pub diff: SbomDiff,
}

/// One package change, aggregated over all images where it happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollupEntry {
    pub kind: ChangeKind,
    pub ecosystem: Ecosystem,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_version: Option<String>,
    /// Number of images with this change.
    pub count: usize,
    /// Keys of those images, sorted.
    pub images: Vec<String>,
}

/// The difference between two releases.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseDiff {
    pub old: String,
    pub new: String,
    /// Package counts summed over matched images, plus image counts.
    pub summary: Summary,
    pub images_added: Vec<ImageInfo>,
    pub images_removed: Vec<ImageInfo>,
    /// Every image present in both releases (also unchanged ones), sorted by key.
    pub images: Vec<ImageDiff>,
    /// Every package change of matched images, with the number of images it happened in;
    /// most widespread first.
    pub rollup: Vec<RollupEntry>,
}

impl ReleaseDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.summary.is_empty()
    }
}

/// Compares two releases (layers not compared).
pub fn diff_releases(old: &Release, new: &Release) -> ReleaseDiff {
    diff_releases_with(old, new, &DiffOptions::default())
}

/// Compares two releases with `opts` applied to every image diff.
pub fn diff_releases_with(old: &Release, new: &Release, opts: &DiffOptions) -> ReleaseDiff {
    let keys: BTreeSet<&String> = old.images.keys().chain(new.images.keys()).collect();
    let (mut added, mut removed, mut images) = (Vec::new(), Vec::new(), Vec::new());
    let mut summary = Summary {
        layers: opts.layers,
        ..Summary::default()
    };
    let mut changed = 0;
    type RollKey = (
        ChangeKind,
        Ecosystem,
        String,
        Option<String>,
        Option<String>,
    );
    let mut roll: BTreeMap<RollKey, (String, BTreeSet<String>)> = BTreeMap::new();
    for key in keys {
        match (old.images.get(key), new.images.get(key)) {
            (Some(o), Some(n)) => {
                let d = crate::diff(o, n, opts);
                summary.absorb(&d.summary);
                if !d.is_empty() {
                    changed += 1;
                }
                for c in &d.changes {
                    let k = (
                        c.kind,
                        c.ecosystem,
                        c.name.to_ascii_lowercase(),
                        c.old_version.clone(),
                        c.new_version.clone(),
                    );
                    roll.entry(k)
                        .or_insert_with(|| (c.name.clone(), BTreeSet::new()))
                        .1
                        .insert(key.clone());
                }
                images.push(ImageDiff {
                    key: key.clone(),
                    diff: d,
                });
            }
            (None, Some(n)) => added.push(ImageInfo::of(key, n)),
            (Some(o), None) => removed.push(ImageInfo::of(key, o)),
            (None, None) => {}
        }
    }
    summary.images_added = Some(added.len());
    summary.images_removed = Some(removed.len());
    summary.images_changed = Some(changed);
    let mut rollup: Vec<RollupEntry> = roll
        .into_iter()
        .map(
            |((kind, ecosystem, _, old_version, new_version), (name, imgs))| RollupEntry {
                kind,
                ecosystem,
                name,
                old_version,
                new_version,
                count: imgs.len(),
                images: imgs.into_iter().collect(),
            },
        )
        .collect();
    // Most widespread first; then the order of single-image diffs.
    rollup.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.ecosystem.cmp(&b.ecosystem))
            .then_with(|| {
                a.name
                    .to_ascii_lowercase()
                    .cmp(&b.name.to_ascii_lowercase())
            })
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.old_version.cmp(&b.old_version))
            .then_with(|| a.new_version.cmp(&b.new_version))
    });
    ReleaseDiff {
        old: old.name.clone(),
        new: new.name.clone(),
        summary,
        images_added: added,
        images_removed: removed,
        images,
        rollup,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sbom_model::Package;

    fn image(repo: &str, tag: &str, packages: Vec<Package>) -> Sbom {
        let mut s = Sbom {
            packages,
            ..Sbom::default()
        };
        s.subject.name = repo.into();
        s.subject.repository = Some(repo.into());
        s.subject.tag = Some(tag.into());
        s.subject.reference = format!("{repo}:{tag}");
        s
    }

    fn deb(n: &str, v: &str) -> Package {
        Package::new(Ecosystem::Deb, n, v)
    }

    #[test]
    fn path_components_cannot_climb_out() {
        assert_eq!(path_component("quay.io"), "quay.io");
        assert_eq!(path_component("127.0.0.1:5000"), "127.0.0.1_5000");
        assert_eq!(path_component(".."), "_");
        assert_eq!(path_component(""), "_");
        assert_eq!(path_component("a/../b"), "a_.._b");
    }

    #[test]
    fn image_key_strips_tag_and_digest_but_not_port() {
        let mut s = Sbom::default();
        s.subject.name = "localhost:5000/osism/keystone:2024.1".into();
        assert_eq!(image_key(&s), "localhost:5000/osism/keystone");
        s.subject.name = "Quay.io/osism/keystone@sha256:abcd".into();
        assert_eq!(image_key(&s), "quay.io/osism/keystone");
        s.subject.repository = Some("quay.io/osism/nova-api".into());
        assert_eq!(image_key(&s), "quay.io/osism/nova-api");
        assert_eq!(image_key(&Sbom::default()), "");
    }

    #[test]
    fn release_diff_matches_images_across_tags() {
        let r3 = Release::from_sboms(
            "R3",
            [
                image(
                    "quay.io/osism/keystone",
                    "r3",
                    vec![deb("openssl", "3.0.11-1"), deb("curl", "7.88")],
                ),
                image("quay.io/osism/nova", "r3", vec![deb("openssl", "3.0.11-1")]),
                image("quay.io/osism/horizon", "r3", vec![deb("bash", "5.2")]),
            ],
        )
        .expect("unique");
        let r4 = Release::from_sboms(
            "R4",
            [
                image(
                    "quay.io/osism/keystone",
                    "r4",
                    vec![deb("openssl", "3.0.13-1"), deb("curl", "7.88")],
                ),
                image("quay.io/osism/nova", "r4", vec![deb("openssl", "3.0.13-1")]),
                image("quay.io/osism/skyline", "r4", vec![deb("bash", "5.2")]),
            ],
        )
        .expect("unique");
        let d = diff_releases(&r3, &r4);
        let keys = |v: &[ImageInfo]| v.iter().map(|i| i.key.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&d.images_added), vec!["quay.io/osism/skyline"]);
        assert_eq!(keys(&d.images_removed), vec!["quay.io/osism/horizon"]);
        assert_eq!(d.images.len(), 2);
        assert_eq!(d.rollup.len(), 1);
        let r = &d.rollup[0];
        assert_eq!(
            (r.kind, r.name.as_str(), r.count),
            (ChangeKind::Upgraded, "openssl", 2)
        );
        assert_eq!(
            r.images,
            vec!["quay.io/osism/keystone", "quay.io/osism/nova"]
        );
        assert_eq!(d.summary.upgraded, 2);
        assert_eq!(d.summary.images_added, Some(1));
        assert_eq!(d.summary.images_removed, Some(1));
        assert_eq!(d.summary.images_changed, Some(2));
        assert!(crate::should_fail(&d, &[ChangeKind::Added]));
        assert!(crate::should_fail(&d, &[ChangeKind::Removed]));
        assert!(!crate::should_fail(
            &d,
            &[ChangeKind::Downgraded, ChangeKind::LicenseChanged]
        ));
    }

    #[test]
    fn release_diff_with_itself_is_empty() {
        let r = Release::from_sboms("R", [image("a/b", "1", vec![deb("x", "1")])]).expect("ok");
        let d = diff_releases(&r, &r);
        assert!(d.is_empty());
        assert!(d.rollup.is_empty());
        assert_eq!(d.summary.images_changed, Some(0));
    }

    #[test]
    fn duplicate_repository_is_an_error_naming_the_key() {
        let e = Release::from_sboms("R", [image("a/b", "1", vec![]), image("a/b", "2", vec![])])
            .expect_err("duplicate");
        assert!(matches!(e, ReleaseError::DuplicateImage { ref key, .. } if key == "a/b"));
    }

    #[test]
    fn load_walks_json_files_sorted_and_reports_reader_errors_with_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("R4");
        std::fs::create_dir_all(root.join("sub")).expect("mkdir");
        std::fs::create_dir_all(root.join(".hidden")).expect("mkdir");
        for (p, repo) in [
            ("keystone.cdx.json", "quay.io/osism/keystone:r4"),
            ("sub/nova.spdx.json", "quay.io/osism/nova:r4"),
            (".hidden/x.json", "hidden/x:1"),
            ("notes.txt", "not/an:sbom"),
        ] {
            std::fs::write(root.join(p), repo).expect("write");
        }
        let read = |p: &Path| -> Result<Sbom, std::io::Error> {
            let text = std::fs::read_to_string(p)?;
            let mut s = Sbom::default();
            s.subject.name = text;
            Ok(s)
        };
        let r = Release::load(&root, read).expect("loads");
        assert_eq!(r.name, "R4");
        assert_eq!(
            r.images.keys().collect::<Vec<_>>(),
            vec!["quay.io/osism/keystone", "quay.io/osism/nova"]
        );
        std::fs::write(root.join("broken.json"), "x").expect("write");
        let failing = |p: &Path| -> Result<Sbom, std::io::Error> {
            if p.ends_with("broken.json") {
                Err(std::io::Error::other("not an SBOM"))
            } else {
                read(p)
            }
        };
        let e = Release::load(&root, failing).expect_err("reader error");
        assert!(e.to_string().contains("broken.json"), "{e}");
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).expect("mkdir");
        assert!(matches!(
            Release::load(&empty, read),
            Err(ReleaseError::Empty { .. })
        ));
        assert!(matches!(
            Release::load(&dir.path().join("missing"), read),
            Err(ReleaseError::Io { .. })
        ));
    }

    #[test]
    fn one_image_in_several_formats_keeps_the_preferred_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        for f in ["keystone.spdx.json", "keystone.cdx.json", "nova.spdx.json"] {
            std::fs::write(dir.path().join(f), "").expect("write");
        }
        // The reader tags each SBOM with the file it came from.
        let r = Release::load(dir.path(), |p: &Path| {
            let file = p.file_name().and_then(|f| f.to_str()).unwrap_or("");
            let mut s = Sbom::default();
            s.subject.name = format!("quay.io/osism/{}:r4", file.split('.').next().unwrap_or(""));
            s.subject.reference = file.to_string();
            Ok::<_, std::io::Error>(s)
        })
        .expect("loads");
        let got: Vec<(&str, &str)> = r
            .images
            .iter()
            .map(|(k, s)| (k.as_str(), s.subject.reference.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("quay.io/osism/keystone", "keystone.cdx.json"),
                ("quay.io/osism/nova", "nova.spdx.json")
            ]
        );
    }

    #[test]
    fn regression_versioned_cdx_and_spdx3_files_rank_below_the_default_formats() {
        // A batch run with -o json -o cyclonedx-json -o cyclonedx-json@1.5 -o spdx3-json
        // -o spdx-json wrote five files per image; `.cdx-1.5.json` and `.spdx3.json` used to
        // rank with our own JSON, so one image was "two SBOMs with one key".
        let load = |files: &[&str]| {
            let dir = tempfile::tempdir().expect("tempdir");
            for f in files {
                std::fs::write(dir.path().join(f), "").expect("write");
            }
            let r = Release::load(dir.path(), |p: &Path| {
                let mut s = image("quay.io/osism/keystone", "r4", vec![]);
                s.subject.reference = p
                    .file_name()
                    .and_then(|f| f.to_str())
                    .unwrap_or("")
                    .to_string();
                Ok::<_, std::io::Error>(s)
            })
            .expect("one image");
            assert_eq!(r.images.len(), 1, "{files:?}");
            r.images
                .values()
                .next()
                .map(|s| s.subject.reference.clone())
                .unwrap_or_default()
        };
        let all = [
            "r4.cdx-1.5.json",
            "r4.cdx.json",
            "r4.sbom.json",
            "r4.spdx.json",
            "r4.spdx3.json",
        ];
        assert_eq!(load(&all), "r4.sbom.json");
        assert_eq!(load(&all[..2]), "r4.cdx.json");
        assert_eq!(
            load(&["r4.cdx-1.7.json", "r4.spdx3.json"]),
            "r4.cdx-1.7.json"
        );
        assert_eq!(load(&["r4.spdx.json", "r4.spdx3.json"]), "r4.spdx3.json");
    }

    #[test]
    fn one_repository_for_several_platforms_gets_one_key_each() {
        let with_platform = |arch: &str| {
            let mut s = image("a/b", "1", vec![]);
            s.subject.platform = Some(sbom_model::Platform {
                os: "linux".into(),
                architecture: arch.into(),
                variant: None,
            });
            s
        };
        let r = Release::from_sboms("R", [with_platform("arm64"), with_platform("amd64")])
            .expect("distinct platforms");
        assert_eq!(
            r.images.keys().collect::<Vec<_>>(),
            vec!["a/b [linux/amd64]", "a/b [linux/arm64]"]
        );
        let e = Release::from_sboms("R", [with_platform("arm64"), with_platform("arm64")])
            .expect_err("same platform twice");
        assert!(matches!(e, ReleaseError::DuplicateImage { .. }));
    }

    #[test]
    fn nameless_sbom_is_keyed_by_file_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("glance.cdx.json"), "").expect("write");
        let r =
            Release::load(dir.path(), |_| Ok::<_, std::io::Error>(Sbom::default())).expect("loads");
        assert_eq!(r.images.keys().collect::<Vec<_>>(), vec!["glance"]);
    }
}
