//! A static HTML site of a release: what is in it, what changed since the previous
//! release, where the known vulnerabilities and license problems are.
//!
//! [`load_release`] reads a release folder (the SBOMs a batch scan wrote, in any format
//! sbom-format reads, and its `index.json`); [`build`] turns it, an optional previous
//! release (compared with sbom-diff's engine, exactly as `sbom diff` does) and an
//! optional audit (`sbom audit --format json`) into a [`Site`]: plain HTML, one CSS and
//! one small script, SVG charts inline, every SBOM file copied beside the pages. Nothing
//! is fetched when the pages are viewed; they work from `file://` and from any static
//! web server. The same inputs give the same bytes.
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use sbom_model::Ecosystem;

pub mod audit;
mod chart;
mod html;
pub mod input;
mod pages;
mod site;

pub use audit::Audit;
pub use input::{load_release, ImageInput, ReleaseInput, SbomFile};
pub use site::{Site, SiteFile};

/// Everything that can go wrong making a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// An input file that is not what it should be.
    #[error("{}: {message}", path.display())]
    Input { path: PathBuf, message: String },
    /// Two SBOMs of one repository and platform in one release, and the like.
    #[error(transparent)]
    Release(#[from] sbom_diff::ReleaseError),
    /// The output folder cannot be used.
    #[error("{}: {message}", path.display())]
    Output { path: PathBuf, message: String },
}

/// How an image compares with the previous release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ChangeState {
    /// No previous release was given.
    NoPrevious,
    /// Not in the previous release.
    New,
    Unchanged,
    /// Number of package changes.
    Changed(usize),
}

/// One image as the pages show it.
pub(crate) struct ImageView<'a> {
    /// The release key (repository without tag; `REPO [os/arch]` for several platforms).
    pub key: String,
    /// File name of its page, without `.html`.
    pub slug: String,
    pub input: &'a ImageInput,
    pub findings: Vec<&'a audit::Finding>,
    pub violations: Vec<&'a audit::Violation>,
    pub change: ChangeState,
}

/// What every page is made from.
pub(crate) struct Ctx<'a> {
    pub release: &'a ReleaseInput,
    pub previous: Option<&'a ReleaseInput>,
    pub images: Vec<ImageView<'a>>,
    pub diff: Option<sbom_diff::ReleaseDiff>,
    pub audit: Option<&'a Audit>,
    /// Ecosystems present in the release, in [`Ecosystem::ALL`] order.
    pub ecosystems: Vec<Ecosystem>,
}

impl Ctx<'_> {
    pub fn frame(&self) -> html::Frame<'_> {
        html::Frame {
            release: &self.release.name,
            has_changes: self.diff.is_some(),
        }
    }

    /// The page of the image with release key `key`.
    pub fn slug_of(&self, key: &str) -> Option<&str> {
        self.images
            .iter()
            .find(|i| i.key == key)
            .map(|i| i.slug.as_str())
    }
}

/// A file-name-safe, unique name for each key (`quay.io/osism/keystone` gives
/// `quay.io-osism-keystone`).
fn slugs(keys: &[String]) -> Vec<String> {
    let mut taken = BTreeSet::new();
    keys.iter()
        .map(|k| {
            let mut s = String::new();
            for c in k.to_ascii_lowercase().chars() {
                let c = if c.is_ascii_alphanumeric() || "._".contains(c) {
                    c
                } else {
                    '-'
                };
                if !(c == '-' && s.ends_with('-')) {
                    s.push(c);
                }
            }
            let base = s.trim_matches(|c| c == '-' || c == '.').to_string();
            let base = if base.is_empty() {
                "image".into()
            } else {
                base
            };
            let mut slug = base.clone();
            let mut n = 1;
            while !taken.insert(slug.clone()) {
                n += 1;
                slug = format!("{base}-{n}");
            }
            slug
        })
        .collect()
}

fn release_of(r: &ReleaseInput) -> Result<sbom_diff::Release, ReportError> {
    Ok(sbom_diff::Release::from_sboms(
        r.name.clone(),
        r.images.iter().map(|i| i.sbom.clone()),
    )?)
}

/// The release key of each image of `r`, in `r.images` order, as sbom-diff assigns them.
fn keys_of(r: &ReleaseInput, release: &sbom_diff::Release) -> Vec<String> {
    let mut keys: Vec<Option<String>> = vec![None; r.images.len()];
    for (key, sbom) in &release.images {
        let found = r
            .images
            .iter()
            .enumerate()
            .position(|(i, img)| keys[i].is_none() && img.sbom.subject == sbom.subject);
        if let Some(i) = found {
            keys[i] = Some(key.clone());
        }
    }
    keys.into_iter()
        .zip(&r.images)
        .map(|(k, i)| k.unwrap_or_else(|| sbom_diff::image_key(&i.sbom)))
        .collect()
}

fn change_state(diff: Option<&sbom_diff::ReleaseDiff>, key: &str) -> ChangeState {
    let Some(d) = diff else {
        return ChangeState::NoPrevious;
    };
    match d.images.iter().find(|i| i.key == key) {
        None => ChangeState::New,
        Some(i) if i.diff.is_empty() => ChangeState::Unchanged,
        Some(i) => ChangeState::Changed(i.diff.changes.len()),
    }
}

/// Renders the site of `release`, compared with `previous` when given, with the
/// findings of `audit` when given.
pub fn build(
    release: &ReleaseInput,
    previous: Option<&ReleaseInput>,
    audit: Option<&Audit>,
) -> Result<Site, ReportError> {
    let current = release_of(release)?;
    let diff = match previous {
        Some(p) => Some(sbom_diff::diff_releases(&release_of(p)?, &current)),
        None => None,
    };
    let keys = keys_of(release, &current);
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|a, b| keys[*a].cmp(&keys[*b]));
    let sorted_keys: Vec<String> = order.iter().map(|i| keys[*i].clone()).collect();
    let slugs = slugs(&sorted_keys);
    let mut images = Vec::with_capacity(order.len());
    let mut present = BTreeSet::new();
    for (i, slug) in order.into_iter().zip(slugs) {
        let input = &release.images[i];
        let label = sbom_audit::matcher::sbom_label(&input.sbom);
        present.extend(input.sbom.packages.iter().map(|p| p.ecosystem));
        images.push(ImageView {
            change: change_state(diff.as_ref(), &keys[i]),
            key: keys[i].clone(),
            slug,
            input,
            findings: audit
                .map(|a| a.findings_of(&label).collect())
                .unwrap_or_default(),
            violations: audit
                .map(|a| a.violations_of(&label).collect())
                .unwrap_or_default(),
        });
    }
    let ctx = Ctx {
        release,
        previous,
        images,
        diff,
        audit,
        ecosystems: Ecosystem::ALL
            .into_iter()
            .filter(|e| present.contains(e))
            .collect(),
    };
    let mut files: BTreeMap<String, SiteFile> = BTreeMap::new();
    files.insert(
        "index.html".into(),
        SiteFile::Text(pages::release::page(&ctx)),
    );
    files.insert(
        "packages.html".into(),
        SiteFile::Text(pages::packages::page(&ctx)),
    );
    if let Some(d) = &ctx.diff {
        files.insert(
            "changes.html".into(),
            SiteFile::Text(pages::changes::page(&ctx, d)),
        );
    }
    for img in &ctx.images {
        files.insert(
            format!("images/{}.html", img.slug),
            SiteFile::Text(pages::image::page(&ctx, img)),
        );
        for f in &img.input.files {
            files.insert(
                format!("sboms/{}", f.rel),
                SiteFile::Copy(release.dir.join(&f.rel)),
            );
        }
    }
    files.insert(
        "assets/report.css".into(),
        SiteFile::Text(include_str!("../assets/report.css").into()),
    );
    files.insert(
        "assets/report.js".into(),
        SiteFile::Text(include_str!("../assets/report.js").into()),
    );
    Ok(Site::new(files))
}

/// Reads the inputs and writes the site to `out` (see [`Site::write`]).
pub fn generate(
    release_dir: &Path,
    previous_dir: Option<&Path>,
    audit_file: Option<&Path>,
    out: &Path,
) -> Result<Site, ReportError> {
    let release = load_release(release_dir)?;
    let previous = previous_dir.map(load_release).transpose()?;
    let audit = audit_file.map(Audit::load).transpose()?;
    let site = build(&release, previous.as_ref(), audit.as_ref())?;
    site.write(out)?;
    Ok(site)
}

#[cfg(test)]
mod tests {
    use super::slugs;

    #[test]
    fn slugs_are_file_names_and_unique() {
        let keys = vec![
            "quay.io/osism/keystone".to_string(),
            "quay.io/osism/keystone [linux/amd64]".to_string(),
            "quay.io:osism/keystone".to_string(),
            "../..".to_string(),
        ];
        assert_eq!(
            slugs(&keys),
            vec![
                "quay.io-osism-keystone",
                "quay.io-osism-keystone-linux-amd64",
                "quay.io-osism-keystone-2",
                "image"
            ]
        );
    }
}
