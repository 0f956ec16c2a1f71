//! What a release needs from mirrors, built from its SBOMs, its batch index and the
//! declared software: OS packages per distro release and architecture, Python pins per
//! environment, images by digest, and what could not be pinned.
use std::collections::{BTreeMap, BTreeSet};

use sbom_diff::{image_key, Index, IndexEntry, Release};
use sbom_model::{
    version, Distro, Ecosystem, Origin, Package, RelationshipKind, Sbom, SubjectKind,
};
use serde::Serialize;

/// Where OS packages of one distro release and architecture go.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct OsGroup {
    pub ecosystem: Ecosystem,
    /// `debian-12`, `ubuntu-22.04`, `rocky-9.3`; the purl namespace (`debian`) when the
    /// release is not known (declared packages).
    pub distro: String,
    /// Debian/Ubuntu codename (`bookworm`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codename: Option<String>,
    /// The architecture in the ecosystem's own spelling (`amd64`, `x86_64`); `any` when
    /// not known. Architecture-independent packages (`all`, `noarch`) go into the group
    /// of the image's architecture: every mirror of that architecture must hold them.
    pub arch: String,
}

impl OsGroup {
    /// `debian-12/amd64`: the folder under the ecosystem's folder, and the scope name.
    pub fn path(&self) -> String {
        format!("{}/{}", self.distro, self.arch)
    }
}

/// One OS package at one exact version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OsPin {
    pub name: String,
    pub version: String,
    /// The package's own architecture (`all` and `noarch` kept as they are).
    pub arch: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    /// Seen in an image (or a scanned folder).
    pub observed: bool,
    /// Declared (a manifest or Ansible) somewhere.
    pub declared: bool,
    /// Images (keys) and declaring files that need it.
    pub needed_by: BTreeSet<String>,
}

impl OsPin {
    /// An observed pin of `name` at `version` for `arch`, needed by nobody yet.
    pub fn new(name: &str, version: &str, arch: &str) -> OsPin {
        OsPin {
            name: name.into(),
            version: version.into(),
            arch: arch.into(),
            source_name: None,
            source_version: None,
            observed: true,
            declared: false,
            needed_by: BTreeSet::new(),
        }
    }
}

/// One Python environment: a site-packages folder of one image, or declared pip installs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PyEnv {
    /// Path-safe id, unique in the plan: the folder under `pypi/`.
    pub id: String,
    /// The image key (or the declaring file).
    pub image: String,
    /// The site-packages folder (or `declared`).
    pub site_root: String,
    /// `3.11`, from the site root's `pythonX.Y`, when it says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub python: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    pub declared: bool,
    /// PEP 503 name to pin.
    pub pins: BTreeMap<String, PyPin>,
}

/// A Python distribution at one exact version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PyPin {
    /// The name as the metadata spells it.
    pub name: String,
    pub version: String,
    /// `file:line` of the declaration, for declared pins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared_at: Option<String>,
}

/// An image by digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImagePin {
    /// `quay.io`, `docker.io`, `127.0.0.1:5000`.
    pub registry: String,
    /// `osism/keystone`, `library/redis`.
    pub repository: String,
    pub digest: String,
    /// Tags it was listed or scanned with.
    pub tags: BTreeSet<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    pub declared: bool,
    /// How it was pinned when not from a scan (`from the release list; its scan failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ImagePin {
    /// `registry/repository@digest`.
    pub fn reference(&self) -> String {
        format!("{}/{}@{}", self.registry, self.repository, self.digest)
    }
}

/// A pin that only a declaration (manifest, Ansible) asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Declared {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    /// The group, environment or `oci` it is written to.
    pub pinned_in: String,
    /// `file:line` of the declarations, where known.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub declared_by: Vec<String>,
}

/// Something the release needs that no mirror input can name exactly.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Unpinned {
    pub ecosystem: Ecosystem,
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Why it cannot be pinned.
    pub reason: String,
    /// The image key or declaring file (with line) that needs it.
    pub needed_by: String,
}

/// Counts for the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// SBOMs read.
    pub sboms: usize,
    /// Packages read, per ecosystem (with repeats across images).
    pub packages: BTreeMap<Ecosystem, usize>,
    /// Of those, declared rather than observed.
    pub declared: BTreeMap<Ecosystem, usize>,
    /// Python packages whose files an OS package owns: they come with the OS mirror.
    pub python_owned_by_os_packages: usize,
    /// Python distributions vendored inside another one (a site root below another site
    /// root, as setuptools/_vendor): the outer distribution brings them.
    pub python_vendored: usize,
    /// Packages of other ecosystems whose files an OS package owns (a program, a jar, a
    /// gem or node module Debian installed): they come with the OS mirror too.
    pub owned_by_os_packages: BTreeMap<Ecosystem, usize>,
    /// Packages of ecosystems for which no mirror input is written (yet).
    pub not_mirrored: BTreeMap<Ecosystem, usize>,
}

/// What a release needs from mirrors.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// OS packages (deb, rpm) per group, keyed by (lower-case name, arch) with every
    /// version needed.
    pub os: BTreeMap<OsGroup, BTreeMap<(String, String), Vec<OsPin>>>,
    /// Python environments by id.
    pub python: BTreeMap<String, PyEnv>,
    /// Images by `registry/repository@digest`.
    pub images: BTreeMap<String, ImagePin>,
    pub unpinned: Vec<Unpinned>,
    pub counts: Counts,
}

impl Plan {
    /// The OS pins of a group, sorted by name, then version (ecosystem order), then arch.
    pub fn os_pins<'a>(&'a self, group: &OsGroup) -> Vec<&'a OsPin> {
        let Some(g) = self.os.get(group) else {
            return Vec::new();
        };
        let mut out: Vec<&OsPin> = g.values().flatten().collect();
        // Names and arches come sorted from the map; versions within one name are
        // inserted in order (see `PlanBuilder::add_os`), so this is stable.
        out.sort_by(|a, b| {
            a.name
                .to_ascii_lowercase()
                .cmp(&b.name.to_ascii_lowercase())
                .then_with(|| a.arch.cmp(&b.arch))
        });
        out
    }

    /// The groups of one ecosystem.
    pub fn os_groups(&self, eco: Ecosystem) -> impl Iterator<Item = &OsGroup> {
        self.os.keys().filter(move |g| g.ecosystem == eco)
    }

    /// Every pin that only a declaration asks for (no image has it): OS packages, Python
    /// pins of declared environments, declared images.
    pub fn declared_only(&self) -> Vec<Declared> {
        let mut out = Vec::new();
        for (g, pins) in &self.os {
            for p in pins.values().flatten().filter(|p| !p.observed) {
                out.push(Declared {
                    ecosystem: g.ecosystem,
                    name: p.name.clone(),
                    version: p.version.clone(),
                    pinned_in: format!("{}/{}", g.ecosystem, g.path()),
                    declared_by: p.needed_by.iter().cloned().collect(),
                });
            }
        }
        for e in self.python.values().filter(|e| e.declared) {
            for pin in e.pins.values() {
                out.push(Declared {
                    ecosystem: Ecosystem::Pypi,
                    name: pin.name.clone(),
                    version: pin.version.clone(),
                    pinned_in: format!("pypi/{}", e.id),
                    declared_by: pin.declared_at.iter().cloned().collect(),
                });
            }
        }
        for i in self.images.values().filter(|i| i.declared) {
            out.push(Declared {
                ecosystem: Ecosystem::Oci,
                name: format!("{}/{}", i.registry, i.repository),
                version: i.digest.clone(),
                pinned_in: "oci".into(),
                declared_by: Vec::new(),
            });
        }
        out
    }

    /// Number of distinct pins of an OS ecosystem over all groups.
    pub fn os_pin_count(&self, eco: Ecosystem) -> usize {
        self.os
            .iter()
            .filter(|(g, _)| g.ecosystem == eco)
            .map(|(_, m)| m.values().map(Vec::len).sum::<usize>())
            .sum()
    }
}

/// Builds a [`Plan`] from SBOMs, batch indexes and declared packages.
#[derive(Default)]
pub struct PlanBuilder {
    plan: Plan,
    /// Python environment ids by (SBOM ordinal, image and site root).
    env_ids: BTreeMap<(usize, String), String>,
    /// Declared images given by tag: resolved against scanned images at the end.
    declared_tags: Vec<(Package, String)>,
}

/// How the architecture-independent packages of an ecosystem spell it.
fn arch_independent(eco: Ecosystem, arch: &str) -> bool {
    match eco {
        Ecosystem::Rpm => arch == "noarch",
        _ => arch == "all",
    }
}

/// An OCI platform architecture in an OS ecosystem's spelling.
fn os_arch(eco: Ecosystem, platform: &sbom_model::Platform) -> String {
    let variant = platform.variant.as_deref().unwrap_or("");
    let a = platform.architecture.as_str();
    let s = match (eco, a) {
        (Ecosystem::Rpm, "amd64") => "x86_64",
        (Ecosystem::Rpm, "arm64") => "aarch64",
        (Ecosystem::Rpm, "386") => "i686",
        (Ecosystem::Rpm, "arm") => "armv7hl",
        (Ecosystem::Rpm, _) => a,
        (_, "386") => "i386",
        (_, "ppc64le") => "ppc64el",
        (_, "mips64le") => "mips64el",
        (_, "arm") if variant == "v5" || variant == "v6" => "armel",
        (_, "arm") => "armhf",
        _ => a,
    };
    s.to_string()
}

/// The distro key: `id-version`, Debian reduced to its major release (`12.5` is still
/// bookworm, and one mirror serves all its point releases).
fn distro_key(d: &Distro) -> String {
    let id = d.id.to_ascii_lowercase();
    match d.version_id.as_deref().filter(|v| !v.is_empty()) {
        Some(v) if id == "debian" => format!("{id}-{}", v.split('.').next().unwrap_or(v)),
        Some(v) => format!("{id}-{v}"),
        None => id,
    }
}

/// A purl's qualifier value (percent-decoded).
fn qualifier(purl: Option<&str>, key: &str) -> Option<String> {
    let q = purl?.split_once('?')?.1;
    let q = q.split('#').next().unwrap_or(q);
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| sbom_model::purl::decode(v))
    })
}

/// `debian-12` from a purl's `distro=debian-12` (or `debian-12.5`) qualifier.
fn distro_from_qualifier(ns: Option<&str>, q: &str) -> Distro {
    match q.rsplit_once('-') {
        Some((id, v)) if v.starts_with(|c: char| c.is_ascii_digit()) => Distro {
            id: id.to_string(),
            version_id: Some(v.to_string()),
            ..Distro::default()
        },
        // `distro=bookworm`: a codename.
        _ => Distro {
            id: ns.unwrap_or("").to_string(),
            version_codename: Some(q.to_string()),
            ..Distro::default()
        },
    }
}

/// Where a package was declared, for messages.
fn declared_at(p: &Package) -> Option<String> {
    match &p.origin {
        Origin::Declared { file, line, .. } => Some(match line {
            Some(l) => format!("{file}:{l}"),
            None => file.clone(),
        }),
        Origin::Observed => None,
    }
}

/// An rpm version with the purl's `epoch` qualifier applied when the version has none
/// (trivy writes the epoch only there).
fn rpm_version(p: &Package) -> String {
    let v = p.version.trim();
    if sbom_model::version::rpm::parse(v).is_some_and(|e| e.epoch > 0) || v.contains(':') {
        return v.to_string();
    }
    match qualifier(p.purl.as_deref(), "epoch").filter(|e| e != "0" && !e.is_empty()) {
        Some(e) => format!("{e}:{v}"),
        None => v.to_string(),
    }
}

/// Path-safe form of an image key or folder, as one component (batch scans name their
/// files the same way).
pub fn path_safe(s: &str) -> String {
    sbom_diff::path_component(s.trim_matches('/'))
}

/// `3.11` from `.../lib/python3.11/site-packages`.
fn python_of(site_root: &str) -> Option<String> {
    site_root.split('/').find_map(|seg| {
        let v = seg.strip_prefix("python")?;
        (v.contains('.')
            && v.split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
        .then(|| v.to_string())
    })
}

/// The tag an image was listed with: the subject's, else the one its reference names (a
/// batch keeps the listed `name:tag` as the reference when it scanned `name@digest`).
fn subject_tag(sbom: &Sbom) -> Option<String> {
    sbom.subject
        .tag
        .clone()
        .filter(|t| !t.is_empty())
        .or_else(|| {
            sbom_registry::ImageRef::parse(&sbom.subject.reference)
                .ok()
                .and_then(|r| r.tag)
        })
}

/// Context of one SBOM while its packages are added.
struct SbomCtx<'a> {
    key: String,
    /// Which SBOM this is (1 for the first added).
    ordinal: usize,
    sbom: &'a Sbom,
    platform: Option<String>,
    /// Ids of Python packages an OS package owns.
    owned: BTreeSet<&'a str>,
    /// Most common concrete arch per OS ecosystem, for SBOMs without a platform.
    common_arch: BTreeMap<Ecosystem, String>,
    /// Site roots of the SBOM's Python packages.
    site_roots: BTreeSet<&'a str>,
}

impl<'a> SbomCtx<'a> {
    fn new(key: String, ordinal: usize, sbom: &'a Sbom) -> Self {
        let os_ids: BTreeSet<&str> = sbom
            .packages
            .iter()
            .filter(|p| p.ecosystem.is_os())
            .map(|p| p.id.as_str())
            .collect();
        let owned = sbom
            .relationships
            .iter()
            .filter(|r| r.kind == RelationshipKind::Owns && os_ids.contains(r.from.as_str()))
            .map(|r| r.to.as_str())
            .collect();
        let mut tally: BTreeMap<(Ecosystem, &str), usize> = BTreeMap::new();
        for p in &sbom.packages {
            if let Some(a) = p.arch.as_deref().filter(|a| !a.is_empty()) {
                if p.ecosystem.is_os() && !arch_independent(p.ecosystem, a) {
                    *tally.entry((p.ecosystem, a)).or_default() += 1;
                }
            }
        }
        let mut common_arch: BTreeMap<Ecosystem, (usize, String)> = BTreeMap::new();
        for ((eco, a), n) in tally {
            let e = common_arch.entry(eco).or_insert((0, String::new()));
            if n > e.0 {
                *e = (n, a.to_string());
            }
        }
        let site_roots = sbom
            .packages
            .iter()
            .filter(|p| p.ecosystem == Ecosystem::Pypi)
            .filter_map(|p| p.site_root.as_deref())
            .collect();
        SbomCtx {
            site_roots,
            key,
            ordinal,
            sbom,
            platform: sbom.subject.platform.as_ref().map(ToString::to_string),
            owned,
            common_arch: common_arch.into_iter().map(|(k, (_, a))| (k, a)).collect(),
        }
    }

    /// Whether a site root lies inside another site root of this SBOM.
    fn vendored(&self, root: &str) -> bool {
        self.site_roots.iter().any(|r| {
            root.len() > r.len() && root.starts_with(r) && root.as_bytes()[r.len()] == b'/'
        })
    }
}

impl PlanBuilder {
    pub fn new() -> Self {
        PlanBuilder::default()
    }

    /// Adds every SBOM of a release folder and the lines of its batch index: images
    /// whose scan failed have no SBOM, but the release still needs them.
    pub fn add_release(&mut self, release: &Release, index: Option<&Index>) {
        for (key, sbom) in &release.images {
            self.add_sbom(key, sbom);
        }
        if let Some(index) = index {
            for e in &index.images {
                self.add_index_entry(e);
            }
        }
    }

    /// Adds one SBOM under `key` (its image key, or a file name).
    pub fn add_sbom(&mut self, key: &str, sbom: &Sbom) {
        let key = if key.is_empty() {
            image_key(sbom)
        } else {
            key.to_string()
        };
        self.plan.counts.sboms += 1;
        if sbom.subject.kind == SubjectKind::Image {
            self.add_subject(&key, sbom);
        }
        let ctx = SbomCtx::new(key, self.plan.counts.sboms, sbom);
        for p in &sbom.packages {
            self.add_package(&ctx, p);
        }
    }

    /// Adds declared packages that come with no SBOM (`--declared FILE`, `--ansible`).
    pub fn add_declared(&mut self, label: &str, packages: &[Package]) {
        let sbom = Sbom {
            subject: sbom_model::Subject {
                kind: SubjectKind::Declared,
                name: label.to_string(),
                ..sbom_model::Subject::default()
            },
            packages: packages.to_vec(),
            ..Sbom::default()
        };
        let ctx = SbomCtx::new(label.to_string(), usize::MAX, &sbom);
        for p in &sbom.packages {
            self.add_package(&ctx, p);
        }
    }

    fn add_subject(&mut self, key: &str, sbom: &Sbom) {
        let s = &sbom.subject;
        let repo = s.repository.as_deref().filter(|r| !r.is_empty());
        let (Some(repo), Some(digest)) = (repo, s.manifest_digest.as_deref()) else {
            let reason = if repo.is_none() {
                "scanned from a local source: no registry to copy it from".to_string()
            } else {
                "the SBOM names no manifest digest".to_string()
            };
            self.plan.unpinned.push(Unpinned {
                ecosystem: Ecosystem::Oci,
                name: if s.reference.is_empty() {
                    key.to_string()
                } else {
                    s.reference.clone()
                },
                version: String::new(),
                reason,
                needed_by: key.to_string(),
            });
            return;
        };
        let tags: Vec<String> = subject_tag(sbom).into_iter().collect();
        self.add_image(
            repo,
            digest,
            &tags,
            s.platform.as_ref().map(ToString::to_string),
            false,
            None,
            key,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn add_image(
        &mut self,
        repo: &str,
        digest: &str,
        tags: &[String],
        platform: Option<String>,
        declared: bool,
        note: Option<String>,
        needed_by: &str,
    ) {
        let parsed = match sbom_registry::ImageRef::parse(repo) {
            Ok(r) => r,
            Err(e) => {
                self.plan.unpinned.push(Unpinned {
                    ecosystem: Ecosystem::Oci,
                    name: repo.to_string(),
                    version: digest.to_string(),
                    reason: format!("not an image reference: {e}"),
                    needed_by: needed_by.to_string(),
                });
                return;
            }
        };
        let pin = ImagePin {
            registry: parsed.registry,
            repository: parsed.repository,
            digest: digest.to_ascii_lowercase(),
            tags: tags.iter().cloned().collect(),
            platform,
            declared,
            note,
        };
        match self.plan.images.get_mut(&pin.reference()) {
            Some(p) => {
                p.tags.extend(pin.tags);
                // Observed wins over declared, a scan over a note.
                p.declared &= pin.declared;
                if pin.note.is_none() {
                    p.note = None;
                }
                if p.platform.is_none() {
                    p.platform = pin.platform;
                }
            }
            None => {
                self.plan.images.insert(pin.reference(), pin);
            }
        }
    }

    /// A line of a batch index: tags of scanned images, and images whose scan failed.
    pub fn add_index_entry(&mut self, e: &IndexEntry) {
        let listed = sbom_registry::ImageRef::parse(&e.reference).ok();
        let tag = listed.as_ref().and_then(|r| r.tag.clone());
        if !e.failed() {
            // Add the listed tag to the image the SBOM already put in the plan.
            if let (Some(r), Some(d)) = (&listed, &e.manifest_digest) {
                if let Some(p) = self
                    .plan
                    .images
                    .get_mut(&format!("{}/{}@{d}", r.registry, r.repository))
                {
                    p.tags.extend(tag);
                }
            }
            return;
        }
        let scanned = sbom_registry::ImageRef::parse(&e.scanned).ok();
        let digest = scanned
            .as_ref()
            .and_then(|r| r.digest.clone())
            .or_else(|| e.manifest_digest.clone());
        match (scanned.or(listed), digest) {
            (Some(r), Some(d)) => self.add_image(
                &format!("{}/{}", r.registry, r.repository),
                &d,
                &tag.into_iter().collect::<Vec<_>>(),
                e.platform.clone(),
                false,
                Some("its scan failed: pinned from the release list".into()),
                &e.reference,
            ),
            _ => self.plan.unpinned.push(Unpinned {
                ecosystem: Ecosystem::Oci,
                name: e.reference.clone(),
                version: String::new(),
                reason: format!(
                    "its scan failed ({}) and the release list gives no digest",
                    e.error.as_deref().unwrap_or("no SBOM")
                ),
                needed_by: e.reference.clone(),
            }),
        }
    }

    fn add_package(&mut self, ctx: &SbomCtx<'_>, p: &Package) {
        let counts = &mut self.plan.counts;
        *counts.packages.entry(p.ecosystem).or_default() += 1;
        if p.is_declared() {
            *counts.declared.entry(p.ecosystem).or_default() += 1;
        }
        let needed_by = declared_at(p).unwrap_or_else(|| ctx.key.clone());
        let unpinned = |reason: String| Unpinned {
            ecosystem: p.ecosystem,
            name: p.name.clone(),
            version: p.version.clone(),
            reason,
            needed_by: needed_by.clone(),
        };
        if p.name.trim().is_empty() {
            return;
        }
        // Observed files an OS package owns come with the OS mirror.
        let os_owned = !p.is_declared() && ctx.owned.contains(p.id.as_str());
        match p.ecosystem {
            Ecosystem::Deb | Ecosystem::Rpm => {
                let v = if p.ecosystem == Ecosystem::Rpm {
                    rpm_version(p)
                } else {
                    p.version.trim().to_string()
                };
                if let Some(reason) = os_version_problem(p.ecosystem, &v) {
                    self.plan.unpinned.push(unpinned(reason));
                    return;
                }
                self.add_os(ctx, p, v, needed_by);
            }
            Ecosystem::Pypi => {
                if os_owned {
                    self.plan.counts.python_owned_by_os_packages += 1;
                    return;
                }
                if p.site_root.as_deref().is_some_and(|r| ctx.vendored(r)) {
                    self.plan.counts.python_vendored += 1;
                    return;
                }
                let v = p.version.trim();
                if v.is_empty() {
                    self.plan.unpinned.push(unpinned("no version".into()));
                    return;
                }
                if version::pep440::parse(v).is_none() {
                    self.plan
                        .unpinned
                        .push(unpinned(format!("`{v}` is not a PEP 440 version")));
                    return;
                }
                self.add_python(ctx, p, v);
            }
            Ecosystem::Oci => self.add_declared_image(p, &needed_by),
            other if os_owned => {
                *self
                    .plan
                    .counts
                    .owned_by_os_packages
                    .entry(other)
                    .or_default() += 1;
            }
            other => *self.plan.counts.not_mirrored.entry(other).or_default() += 1,
        }
    }

    fn add_os(&mut self, ctx: &SbomCtx<'_>, p: &Package, version: String, needed_by: String) {
        let eco = p.ecosystem;
        let purl = p.purl.as_deref();
        let ns = purl
            .and_then(sbom_model::purl::parse)
            .and_then(|x| x.namespace);
        let from_purl = qualifier(purl, "distro").map(|q| distro_from_qualifier(ns.as_deref(), &q));
        let distro = if p.is_declared() {
            from_purl
        } else {
            ctx.sbom
                .distro
                .clone()
                .filter(|d| !d.id.is_empty())
                .or(from_purl)
        };
        let (distro, codename) = match &distro {
            Some(d) if d.version_id.is_some() => (distro_key(d), d.version_codename.clone()),
            Some(d) => (
                d.version_codename
                    .clone()
                    .map_or_else(|| d.id.clone(), |c| format!("{}-{c}", d.id)),
                d.version_codename.clone(),
            ),
            None => (
                ns.unwrap_or_else(|| {
                    if eco == Ecosystem::Deb {
                        "debian".into()
                    } else {
                        "rpm".into()
                    }
                }),
                None,
            ),
        };
        let arch = p.arch.clone().filter(|a| !a.is_empty()).unwrap_or_default();
        let group_arch = if arch.is_empty() || arch_independent(eco, &arch) {
            ctx.sbom
                .subject
                .platform
                .as_ref()
                .map(|pl| os_arch(eco, pl))
                .or_else(|| ctx.common_arch.get(&eco).cloned())
                .unwrap_or_else(|| {
                    if arch.is_empty() {
                        "any".into()
                    } else {
                        arch.clone()
                    }
                })
        } else {
            arch.clone()
        };
        let group = OsGroup {
            ecosystem: eco,
            distro,
            codename,
            arch: group_arch,
        };
        let pin = OsPin {
            name: p.name.clone(),
            version: version.clone(),
            arch: arch.clone(),
            source_name: p.source_name.clone().filter(|s| !s.is_empty()),
            source_version: p.source_version.clone().filter(|s| !s.is_empty()),
            observed: !p.is_declared(),
            declared: p.is_declared(),
            needed_by: BTreeSet::from([needed_by]),
        };
        let name_key = if eco == Ecosystem::Deb {
            p.name.to_ascii_lowercase()
        } else {
            p.name.clone()
        };
        let g = self.plan.os.entry(group).or_default();
        let versions = g.entry((name_key, arch)).or_default();
        // Equal by the ecosystem's order (`1.0` and `0:1.0`): one pin.
        if let Some(have) = versions
            .iter_mut()
            .find(|x| version::compare(eco, &x.version, &version).is_eq())
        {
            have.observed |= pin.observed;
            have.declared |= pin.declared;
            have.needed_by.extend(pin.needed_by);
            if have.source_name.is_none() {
                have.source_name = pin.source_name;
                have.source_version = pin.source_version;
            }
            return;
        }
        let at = versions
            .iter()
            .position(|x| version::compare(eco, &x.version, &version).is_gt())
            .unwrap_or(versions.len());
        versions.insert(at, pin);
    }

    fn add_python(&mut self, ctx: &SbomCtx<'_>, p: &Package, v: &str) {
        let (image, site_root, declared) = if p.is_declared() {
            let venv = p
                .properties
                .get("sbom:ansible:virtualenv")
                .cloned()
                .or_else(|| match &p.origin {
                    Origin::Declared { scope: Some(s), .. } => Some(s.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| "hosts".into());
            ("declared".to_string(), venv, true)
        } else {
            let root = p.site_root.clone().unwrap_or_else(|| "unknown-site".into());
            // `repo:tag`: the same repository in two releases stays two environments.
            let image = match subject_tag(ctx.sbom) {
                Some(t) if ctx.sbom.subject.kind == SubjectKind::Image => {
                    format!("{}:{t}", ctx.key)
                }
                _ => ctx.key.clone(),
            };
            (image, root, false)
        };
        let env = self.env_for(&image, &site_root, declared, ctx);
        let name = sbom_model::purl::pep503_name(&p.name);
        // Two versions of one name in one environment (a broken venv): the higher wins
        // the requirements file, the other is reported.
        if let Some(have) = env.pins.get(&name) {
            if have.version != v {
                let this = PyPin {
                    name: p.name.clone(),
                    version: v.to_string(),
                    declared_at: declared_at(p),
                };
                let (keep, drop) = if version::compare(Ecosystem::Pypi, &have.version, v).is_ge() {
                    (have.clone(), this)
                } else {
                    (this, have.clone())
                };
                let id = env.id.clone();
                env.pins.insert(name, keep);
                self.plan.unpinned.push(Unpinned {
                    ecosystem: Ecosystem::Pypi,
                    name: drop.name,
                    version: drop.version,
                    reason: format!("a second version in environment {id}; pip installs one"),
                    needed_by: ctx.key.clone(),
                });
            }
            return;
        }
        env.pins.insert(
            name,
            PyPin {
                name: p.name.clone(),
                version: v.to_string(),
                declared_at: declared_at(p),
            },
        );
    }

    fn env_for(
        &mut self,
        image: &str,
        site_root: &str,
        declared: bool,
        ctx: &SbomCtx<'_>,
    ) -> &mut PyEnv {
        // One id per (SBOM, image, site root). An image key seen in two SBOMs (one
        // repository in two release folders) gets the second SBOM's tag in its id, or a
        // number. Declared installs into one virtualenv share an environment whatever
        // file declared them.
        let ordinal = if declared { usize::MAX } else { ctx.ordinal };
        let site = path_safe(site_root);
        let key = (ordinal, format!("{image}\0{site_root}"));
        if let Some(id) = self.env_ids.get(&key) {
            let id = id.clone();
            return self
                .plan
                .python
                .get_mut(&id)
                .unwrap_or_else(|| unreachable!("ids are inserted with their env"));
        }
        let mut id = format!("{}/{site}", path_safe(image));
        let base = id.clone();
        let mut n = 1;
        while self.plan.python.contains_key(&id) {
            n += 1;
            id = format!("{base}-{n}");
        }
        self.env_ids.insert(key, id.clone());
        self.plan.python.entry(id.clone()).or_insert_with(|| PyEnv {
            id,
            image: image.to_string(),
            site_root: site_root.to_string(),
            python: python_of(site_root),
            platform: ctx.platform.clone(),
            declared,
            pins: BTreeMap::new(),
        })
    }

    fn add_declared_image(&mut self, p: &Package, needed_by: &str) {
        let v = p.version.trim();
        if v.starts_with("sha256:") {
            self.add_image(&p.name, v, &[], None, true, None, needed_by);
        } else {
            self.declared_tags.push((p.clone(), needed_by.to_string()));
        }
    }

    /// The plan. Declared images given by tag are pinned to the digest a scan of the
    /// same repository and tag found, else reported as unpinned.
    pub fn finish(mut self) -> Plan {
        for (p, needed_by) in std::mem::take(&mut self.declared_tags) {
            let tag = if p.version.trim().is_empty() {
                "latest".to_string()
            } else {
                p.version.trim().to_string()
            };
            let want = sbom_registry::ImageRef::parse(&p.name).ok();
            let found = want.as_ref().and_then(|w| {
                self.plan
                    .images
                    .values()
                    .find(|i| {
                        i.registry == w.registry
                            && i.repository == w.repository
                            && i.tags.contains(&tag)
                    })
                    .map(|i| i.reference())
            });
            match found {
                Some(r) => {
                    if let Some(i) = self.plan.images.get_mut(&r) {
                        i.declared = i.declared || i.note.is_some();
                    }
                }
                None => self.plan.unpinned.push(Unpinned {
                    ecosystem: Ecosystem::Oci,
                    name: p.name.clone(),
                    version: tag,
                    reason:
                        "declared by tag only, and no scanned image of the release has that tag"
                            .into(),
                    needed_by,
                }),
            }
        }
        self.plan.unpinned.sort();
        self.plan.unpinned.dedup();
        self.plan
    }
}

/// Why an OS package version cannot be pinned, if it cannot.
fn os_version_problem(eco: Ecosystem, v: &str) -> Option<String> {
    if v.is_empty() {
        return Some("no version".into());
    }
    if v.contains(['*', '?', '[', ' ', '>', '<']) {
        return Some(format!("`{v}` is a pattern or a constraint, not a version"));
    }
    if !version::parse_ok(eco, v) {
        return Some(format!("`{v}` is not a valid {eco} version"));
    }
    if eco == Ecosystem::Rpm && !v.contains('-') {
        return Some(format!(
            "`{v}` has no release: dnf needs name-version-release"
        ));
    }
    None
}

#[cfg(test)]
mod tests;
