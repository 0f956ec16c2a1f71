//! A mirror checked against a plan: what the release needs that the mirror lacks
//! (missing), and what the mirror holds that nothing needs (superfluous).
//!
//! Targets (`KIND[:SCOPE]=LOCATION`):
//! - `deb=LOC`: a `Packages` file (plain, `.gz`, `.xz`; path or URL), a `dists/SUITE`
//!   folder or URL (its `Release` lists the `Packages` indexes of every component and
//!   architecture; each is checked against the SHA-256 the `Release` gives), or a folder
//!   holding `Packages` files anywhere below it. `deb:debian-12=LOC` or
//!   `deb:debian-12/amd64=LOC` checks only those groups.
//! - `rpm=LOC`: an rpm repository's base URL or folder (`repodata/repomd.xml` names the
//!   primary metadata, gz, xz or zstd, checked against its SHA-256); several locations of
//!   one scope (BaseOS and AppStream) are one mirror; `rpm:rocky-9.3=LOC` scopes.
//! - `pypi=LOC`: a simple index URL (`https://host/simple/`, HTML or JSON), a folder
//!   holding a simple index (`index.html` and `NAME/index.html`), or a folder of wheels
//!   and sdists (pip's `--find-links`).
//! - `registry=HOST[/PREFIX]`: a registry mirror; an image `SRC/ns/repo@digest` is found
//!   at `PREFIX/ns/repo`, `PREFIX/repo` (how `skopeo sync` names it) or
//!   `PREFIX/SRC/ns/repo` (`skopeo sync --scoped`).
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use sbom_model::{version, Ecosystem};
use serde::Serialize;

use crate::fetch::{self, Fetcher};
use crate::plan::{OsGroup, OsPin, Plan};
use crate::{deb, pypi, MirrorError, RepoPackage};

/// What to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Deb {
        scope: Option<String>,
        location: String,
    },
    Rpm {
        scope: Option<String>,
        location: String,
    },
    Pypi {
        location: String,
    },
    Registry {
        host: String,
        prefix: String,
    },
}

impl Target {
    /// Parses `KIND[:SCOPE]=LOCATION`.
    pub fn parse(spec: &str) -> Result<Target, MirrorError> {
        let bad = |why: &str| MirrorError::Usage(format!("--check {spec}: {why}"));
        let (kind, location) = spec
            .split_once('=')
            .ok_or_else(|| bad("expected KIND=LOCATION (deb=, rpm=, pypi=, registry=)"))?;
        let location = location.trim().to_string();
        if location.is_empty() {
            return Err(bad("empty location"));
        }
        let (kind, scope) = match kind.split_once(':') {
            Some((k, s)) => (k, Some(s.trim_matches('/').to_string())),
            None => (kind, None),
        };
        match (kind.to_ascii_lowercase().as_str(), scope) {
            ("deb" | "apt", scope) => Ok(Target::Deb { scope, location }),
            ("rpm" | "dnf" | "yum", scope) => Ok(Target::Rpm { scope, location }),
            ("pypi" | "pip", None) => Ok(Target::Pypi { location }),
            ("registry" | "oci", None) => {
                let l = location
                    .trim_start_matches("docker://")
                    .trim_end_matches('/');
                let (host, prefix) = l.split_once('/').unwrap_or((l, ""));
                Ok(Target::Registry {
                    host: host.to_string(),
                    prefix: prefix.to_string(),
                })
            }
            (_, Some(_)) => Err(bad("only deb and rpm take a scope")),
            _ => Err(bad("unknown kind: use deb, rpm, pypi or registry")),
        }
    }
}

/// Something needed that the mirror lacks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Missing {
    pub name: String,
    pub version: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub arch: String,
    /// The OS group or Python environments that need it.
    pub needed_in: Vec<String>,
    /// Other versions the mirror has, marked `(newer)` or `(older)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mirror_has: Vec<String>,
    /// Images (or declaring files) that need it.
    pub needed_by: Vec<String>,
}

/// Something the mirror holds that nothing needs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Superfluous {
    pub name: String,
    /// Empty for a whole project or repository.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub arch: String,
}

/// The result for one target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Section {
    pub kind: String,
    pub location: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub needed: usize,
    pub present: usize,
    pub missing: Vec<Missing>,
    pub superfluous: Vec<Superfluous>,
    /// What the check could not see, and which indexes it read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The results of all targets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    pub sections: Vec<Section>,
}

impl CheckReport {
    pub fn missing(&self) -> usize {
        self.sections.iter().map(|s| s.missing.len()).sum()
    }
    pub fn superfluous(&self) -> usize {
        self.sections.iter().map(|s| s.superfluous.len()).sum()
    }

    /// Plain text: a heading line per target, then one line per finding.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for s in &self.sections {
            let scope = s
                .scope
                .as_deref()
                .map(|x| format!(" ({x})"))
                .unwrap_or_default();
            out.push_str(&format!(
                "{} {}{scope}: {} needed, {} present, {} missing, {} superfluous\n",
                s.kind,
                s.location,
                s.needed,
                s.present,
                s.missing.len(),
                s.superfluous.len()
            ));
            for n in &s.notes {
                out.push_str(&format!("  note: {n}\n"));
            }
            for m in &s.missing {
                let arch = if m.arch.is_empty() {
                    String::new()
                } else {
                    format!(" {}", m.arch)
                };
                let has = if m.mirror_has.is_empty() {
                    String::new()
                } else {
                    format!(" (mirror has {})", m.mirror_has.join(", "))
                };
                out.push_str(&format!(
                    "  missing     {} {}{arch}{has} in {}; needed by {}\n",
                    m.name,
                    m.version,
                    m.needed_in.join(", "),
                    m.needed_by.join(", ")
                ));
            }
            for x in &s.superfluous {
                let mut line = format!("  superfluous {}", x.name);
                for part in [&x.version, &x.arch] {
                    if !part.is_empty() {
                        line.push(' ');
                        line.push_str(part);
                    }
                }
                out.push_str(&line);
                out.push('\n');
            }
        }
        out
    }
}

/// Checks every target against the plan.
pub fn check(
    plan: &Plan,
    targets: &[Target],
    registry: &sbom_registry::RegistryOptions,
) -> Result<CheckReport, MirrorError> {
    let fetcher = Fetcher::new()?;
    let mut report = CheckReport::default();
    // Several locations of one kind and scope are one mirror (bookworm, -updates and
    // -security; BaseOS and AppStream): checked together, in the place of the first.
    let mut done = BTreeSet::new();
    let os_locations = |eco: Ecosystem, scope: &Option<String>| -> Vec<String> {
        targets
            .iter()
            .filter_map(|x| match x {
                Target::Deb { scope: s, location } if eco == Ecosystem::Deb && s == scope => {
                    Some(location.clone())
                }
                Target::Rpm { scope: s, location } if eco == Ecosystem::Rpm && s == scope => {
                    Some(location.clone())
                }
                _ => None,
            })
            .collect()
    };
    for t in targets {
        report.sections.push(match t {
            Target::Deb { scope, .. } => {
                if !done.insert((Ecosystem::Deb, scope.clone())) {
                    continue;
                }
                let locations = os_locations(Ecosystem::Deb, scope);
                check_deb(plan, scope.as_deref(), &locations, &fetcher)?
            }
            Target::Rpm { scope, .. } => {
                if !done.insert((Ecosystem::Rpm, scope.clone())) {
                    continue;
                }
                let locations = os_locations(Ecosystem::Rpm, scope);
                check_rpm(plan, scope.as_deref(), &locations, &fetcher)?
            }
            Target::Pypi { location } => check_pypi(plan, location, &fetcher)?,
            Target::Registry { host, prefix } => {
                crate::registry::check(plan, host, prefix, registry)?
            }
        });
    }
    Ok(report)
}

/// Versions of the same name the mirror has, marked against the one needed.
fn others(eco: Ecosystem, want: &str, have: &[String]) -> Vec<String> {
    have.iter()
        .map(|v| match version::compare(eco, v, want) {
            std::cmp::Ordering::Greater => format!("{v} (newer)"),
            _ => format!("{v} (older)"),
        })
        .collect()
}

/// A deb location, opened: its `Release` read, nothing else yet.
enum DebSource {
    /// One `Packages` file (plain or compressed), a path or URL.
    File(String),
    /// A `dists/SUITE` folder or URL and its `Release`.
    Release(String, deb::ReleaseFile),
    /// A folder without `Release`: the `Packages` files below it.
    Folder(Vec<std::path::PathBuf>),
}

impl DebSource {
    fn open(location: &str, fetcher: &Fetcher) -> Result<DebSource, MirrorError> {
        let lower = location.to_ascii_lowercase();
        let file = lower.rsplit('/').next().unwrap_or("");
        if ["packages", "packages.gz", "packages.xz"].contains(&file)
            || Path::new(location).is_file()
        {
            return Ok(DebSource::File(location.to_string()));
        }
        for name in ["InRelease", "Release"] {
            let loc = sub(location, name);
            if let Some(b) = fetcher.read(&loc)? {
                let rel = deb::parse_release(&String::from_utf8_lossy(&b));
                return Ok(DebSource::Release(location.to_string(), rel));
            }
        }
        if fetch::is_url(location) {
            return Err(MirrorError::Invalid(format!(
                "{}: no Release or InRelease: give a dists/SUITE URL or a Packages file",
                fetch::redact(location)
            )));
        }
        let mut files = Vec::new();
        find_packages_files(Path::new(location), &mut files)?;
        if files.is_empty() {
            return Err(MirrorError::Invalid(format!(
                "{location}: no Release and no Packages file below it"
            )));
        }
        Ok(DebSource::Folder(files))
    }

    /// The codename (else the suite) a `Release` names.
    fn codename(&self) -> Option<&str> {
        match self {
            DebSource::Release(_, r) => r.codename.as_deref().or(r.suite.as_deref()),
            _ => None,
        }
    }

    /// The packages; from a `Release`, only the indexes of `arches` (and `all`), each
    /// checked against the SHA-256 the `Release` lists.
    fn read(
        &self,
        arches: &BTreeSet<String>,
        fetcher: &Fetcher,
        notes: &mut Vec<String>,
    ) -> Result<Vec<RepoPackage>, MirrorError> {
        let parse = |name: &str, bytes: Vec<u8>| -> Result<Vec<RepoPackage>, MirrorError> {
            let text = fetch::decompress(name, bytes)?;
            Ok(deb::parse_packages(&String::from_utf8_lossy(&text)))
        };
        let mut entries = Vec::new();
        match self {
            DebSource::File(loc) => {
                let bytes = fetcher.read(loc)?.ok_or_else(|| {
                    MirrorError::Invalid(format!("{}: not found", fetch::redact(loc)))
                })?;
                entries = parse(loc, bytes)?;
            }
            DebSource::Folder(files) => {
                for f in files {
                    let bytes = std::fs::read(f).map_err(|source| MirrorError::Io {
                        path: f.clone(),
                        source,
                    })?;
                    entries.extend(parse(&f.display().to_string(), bytes)?);
                    notes.push(format!("read {}", f.display()));
                }
            }
            DebSource::Release(location, rel) => {
                let indexes: Vec<(String, Vec<(String, String)>)> = deb::packages_indexes(rel)
                    .into_iter()
                    .filter(|(dir, _)| {
                        dir.rsplit('/')
                            .next()
                            .and_then(|b| b.strip_prefix("binary-"))
                            .is_none_or(|a| {
                                (a == "all" && rel.reads_binary_all()) || arches.contains(a)
                            })
                    })
                    .collect();
                if indexes.is_empty() {
                    notes.push(format!(
                        "{}: the Release lists no Packages index for {}",
                        fetch::redact(location),
                        arches.iter().cloned().collect::<Vec<_>>().join(", ")
                    ));
                }
                for (dir, variants) in indexes {
                    let (path, bytes) =
                        fetch_listed(location, &dir, &variants, rel.by_hash, fetcher)?;
                    entries.extend(parse(&path, bytes)?);
                    notes.push(format!("read {}", fetch::redact(&sub(location, &path))));
                }
            }
        }
        Ok(entries)
    }
}

/// The first variant of an index that is there, checked against the Release's SHA-256
/// (by hash first when the Release offers it, as apt does: a mirror in the middle of an
/// update serves new files under old names).
fn fetch_listed(
    location: &str,
    dir: &str,
    variants: &[(String, String)],
    by_hash: bool,
    fetcher: &Fetcher,
) -> Result<(String, Vec<u8>), MirrorError> {
    for (path, sha) in variants {
        let mut loc = sub(location, path);
        let mut found = None;
        if by_hash {
            let hashed = sub(location, &format!("{dir}/by-hash/SHA256/{sha}"));
            found = fetcher.read(&hashed)?;
            if found.is_some() {
                loc = hashed;
            }
        }
        if found.is_none() {
            found = fetcher.read(&loc)?;
        }
        let Some(bytes) = found else {
            continue;
        };
        let got = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        if &got != sha {
            return Err(MirrorError::Invalid(format!(
                "{}: SHA-256 {got} does not match the Release's {sha}",
                fetch::redact(&loc)
            )));
        }
        return Ok((path.clone(), bytes));
    }
    Err(MirrorError::Invalid(format!(
        "{}: the Release lists Packages indexes of {dir}, but none is there",
        fetch::redact(location)
    )))
}

/// `location/rel` for a URL or a folder.
fn sub(location: &str, rel: &str) -> String {
    if fetch::is_url(location) {
        fetch::join(location, rel)
    } else {
        Path::new(location).join(rel).display().to_string()
    }
}

/// `Packages`, `Packages.gz`, `Packages.xz` files below `dir`, one per folder (plain first).
fn find_packages_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), MirrorError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| MirrorError::Io { path, source }
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    let mut best: Option<(u8, std::path::PathBuf)> = None;
    for e in entries {
        let path = e.path();
        let ft = e.file_type().map_err(io(&path))?;
        if ft.is_dir() {
            find_packages_files(&path, out)?;
            continue;
        }
        let rank = match e.file_name().to_str() {
            Some("Packages") => 0,
            Some("Packages.gz") => 1,
            Some("Packages.xz") => 2,
            _ => continue,
        };
        if best.as_ref().is_none_or(|(r, _)| rank < *r) {
            best = Some((rank, path));
        }
    }
    out.extend(best.map(|(_, p)| p));
    Ok(())
}

/// Needed OS pins by (name, arch): each with the groups that need it.
type OsNeeds<'a> = BTreeMap<(String, String), Vec<(&'a OsPin, BTreeSet<String>)>>;

/// Needed Python versions by name: (version, environments, images).
type PyNeeds = BTreeMap<String, Vec<(String, BTreeSet<String>, BTreeSet<String>)>>;

fn in_scope(g: &OsGroup, scope: Option<&str>, codenames: &[&str]) -> bool {
    if g.ecosystem != Ecosystem::Deb {
        return false;
    }
    match scope {
        Some(s) => g.path() == s || g.path().starts_with(&format!("{s}/")) || g.distro == s,
        // A Release names its codename (`bookworm`, `bookworm-security`): groups of
        // other releases are not this mirror's.
        None => match g.codename.as_deref() {
            Some(gc) if !codenames.is_empty() => codenames
                .iter()
                .any(|c| *c == gc || c.starts_with(&format!("{gc}-"))),
            _ => true,
        },
    }
}

fn check_deb(
    plan: &Plan,
    scope: Option<&str>,
    locations: &[String],
    fetcher: &Fetcher,
) -> Result<Section, MirrorError> {
    let sources = locations
        .iter()
        .map(|l| DebSource::open(l, fetcher))
        .collect::<Result<Vec<_>, _>>()?;
    let codenames: Vec<&str> = sources.iter().filter_map(DebSource::codename).collect();
    let groups: Vec<&OsGroup> = plan
        .os
        .keys()
        .filter(|g| in_scope(g, scope, &codenames))
        .collect();
    let mut notes = Vec::new();
    let skipped = plan.os_groups(Ecosystem::Deb).count() - groups.len();
    if skipped > 0 {
        notes.push(format!(
            "{skipped} deb group(s) of other releases or scopes not checked here"
        ));
    }
    let arches: BTreeSet<String> = groups.iter().map(|g| g.arch.clone()).collect();
    let mut entries = Vec::new();
    for src in &sources {
        entries.extend(src.read(&arches, fetcher, &mut notes)?);
    }
    let mut section = Section {
        kind: "deb".into(),
        location: locations
            .iter()
            .map(|l| fetch::redact(l))
            .collect::<Vec<_>>()
            .join(" + "),
        scope: scope.map(str::to_string),
        needed: 0,
        present: 0,
        missing: Vec::new(),
        superfluous: Vec::new(),
        notes,
    };
    compare_os(plan, Ecosystem::Deb, &groups, entries, &mut section);
    Ok(section)
}

/// The packages of rpm repositories (a base URL or folder holding `repodata/repomd.xml`),
/// the primary metadata checked against the SHA-256 `repomd.xml` gives.
fn check_rpm(
    plan: &Plan,
    scope: Option<&str>,
    locations: &[String],
    fetcher: &Fetcher,
) -> Result<Section, MirrorError> {
    let mut notes = Vec::new();
    let mut entries = Vec::new();
    for location in locations {
        let repomd_loc = sub(location, "repodata/repomd.xml");
        let repomd = fetcher.read(&repomd_loc)?.ok_or_else(|| {
            MirrorError::Invalid(format!(
                "{}: no repodata/repomd.xml: give an rpm repository's base URL or folder",
                fetch::redact(location)
            ))
        })?;
        let (href, sha) = crate::rpm::parse_repomd(&String::from_utf8_lossy(&repomd))
            .map_err(|e| MirrorError::Invalid(format!("{}: {e}", fetch::redact(&repomd_loc))))?;
        let loc = sub(location, &href);
        let bytes = fetcher.read(&loc)?.ok_or_else(|| {
            MirrorError::Invalid(format!(
                "{}: named by repomd.xml but not there",
                fetch::redact(&loc)
            ))
        })?;
        if let Some(sha) = sha {
            let got = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
            if got != sha {
                return Err(MirrorError::Invalid(format!(
                    "{}: SHA-256 {got} does not match repomd.xml's {sha}",
                    fetch::redact(&loc)
                )));
            }
        }
        let xml = fetch::decompress(&href, bytes)?;
        entries.extend(
            crate::rpm::parse_primary(&String::from_utf8_lossy(&xml))
                .map_err(|e| MirrorError::Invalid(format!("{}: {e}", fetch::redact(&loc))))?,
        );
        notes.push(format!("read {}", fetch::redact(&loc)));
    }
    let groups: Vec<&OsGroup> = plan
        .os_groups(Ecosystem::Rpm)
        .filter(|g| {
            scope.is_none_or(|s| {
                g.path() == s || g.path().starts_with(&format!("{s}/")) || g.distro == s
            })
        })
        .collect();
    let mut section = Section {
        kind: "rpm".into(),
        location: locations
            .iter()
            .map(|l| fetch::redact(l))
            .collect::<Vec<_>>()
            .join(" + "),
        scope: scope.map(str::to_string),
        needed: 0,
        present: 0,
        missing: Vec::new(),
        superfluous: Vec::new(),
        notes,
    };
    compare_os(plan, Ecosystem::Rpm, &groups, entries, &mut section);
    Ok(section)
}

/// Fills `section` with what the groups need against what a repository holds.
fn compare_os(
    plan: &Plan,
    eco: Ecosystem,
    groups: &[&OsGroup],
    entries: Vec<RepoPackage>,
    section: &mut Section,
) {
    let key = |name: &str| {
        if eco == Ecosystem::Deb {
            name.to_ascii_lowercase()
        } else {
            name.to_string()
        }
    };
    let mut have: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for e in &entries {
        let v = have.entry((key(&e.name), e.arch.clone())).or_default();
        if !v.contains(&e.version) {
            v.push(e.version.clone());
        }
    }
    // Needed pins, merged over groups: (name, arch) -> [(pin, groups)].
    let mut needed: OsNeeds<'_> = BTreeMap::new();
    for g in groups {
        for p in plan.os_pins(g) {
            let list = needed.entry((key(&p.name), p.arch.clone())).or_default();
            match list
                .iter_mut()
                .find(|(q, _)| version::compare(eco, &q.version, &p.version).is_eq())
            {
                Some((_, gs)) => {
                    gs.insert(g.path());
                }
                None => list.push((p, BTreeSet::from([g.path()]))),
            }
        }
    }
    section.needed = needed.values().map(Vec::len).sum();
    for ((name, arch), pins) in &needed {
        let versions = have
            .get(&(name.clone(), arch.clone()))
            .cloned()
            .unwrap_or_default();
        for (p, groups) in pins {
            if versions
                .iter()
                .any(|v| version::compare(eco, v, &p.version).is_eq())
            {
                section.present += 1;
            } else {
                section.missing.push(Missing {
                    name: p.name.clone(),
                    version: p.version.clone(),
                    arch: p.arch.clone(),
                    needed_in: groups.iter().map(|g| format!("{eco}/{g}")).collect(),
                    mirror_has: others(eco, &p.version, &versions),
                    needed_by: p.needed_by.iter().cloned().collect(),
                });
            }
        }
    }
    let mut extra = BTreeSet::new();
    for e in entries {
        let wanted = needed
            .get(&(key(&e.name), e.arch.clone()))
            .is_some_and(|pins| {
                pins.iter()
                    .any(|(p, _)| version::compare(eco, &p.version, &e.version).is_eq())
            });
        if !wanted {
            extra.insert(Superfluous {
                name: e.name,
                version: e.version,
                arch: e.arch,
            });
        }
    }
    section.superfluous = extra.into_iter().collect();
}

/// Versions per project of a PyPI location, and whether the list of projects is complete
/// (a find-links folder or an index root page) or only covers the projects asked for.
fn pypi_holdings(
    location: &str,
    wanted: &BTreeSet<String>,
    fetcher: &Fetcher,
    notes: &mut Vec<String>,
) -> Result<BTreeMap<String, BTreeSet<String>>, MirrorError> {
    const ACCEPT: &str = "application/vnd.pypi.simple.v1+json, text/html;q=0.5";
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let dir = Path::new(location);
    let local_index = !fetch::is_url(location) && dir.join("index.html").is_file();
    if !fetch::is_url(location) && !local_index {
        // A folder of distribution files.
        let rd = std::fs::read_dir(dir).map_err(|source| MirrorError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut ignored = 0;
        for e in rd.filter_map(Result::ok) {
            match e.file_name().to_str().and_then(pypi::dist_file) {
                Some((n, v)) => {
                    out.entry(n).or_default().insert(v);
                }
                None => ignored += 1,
            }
        }
        if ignored > 0 {
            notes.push(format!(
                "{ignored} file(s) that are neither wheels nor sdists ignored"
            ));
        }
        return Ok(out);
    }
    let read_page = |rel: &str| -> Result<Option<Vec<u8>>, MirrorError> {
        if local_index {
            let p = if rel.is_empty() {
                dir.join("index.html")
            } else {
                dir.join(rel).join("index.html")
            };
            match std::fs::read(&p) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(source) => Err(MirrorError::Io { path: p, source }),
            }
        } else {
            let url = if rel.is_empty() {
                format!("{}/", location.trim_end_matches('/'))
            } else {
                fetch::join(location, &format!("{rel}/"))
            };
            fetcher.get(&url, Some(ACCEPT))
        }
    };
    let root = read_page("")?.ok_or_else(|| {
        MirrorError::Invalid(format!(
            "{}: no simple index there",
            fetch::redact(location)
        ))
    })?;
    let projects = pypi::parse_root(&root).ok_or_else(|| {
        MirrorError::Invalid(format!(
            "{}: not a simple index page",
            fetch::redact(location)
        ))
    })?;
    for p in &projects {
        out.entry(p.clone()).or_default();
    }
    for name in wanted {
        if let Some(page) = read_page(name)? {
            out.entry(name.clone())
                .or_default()
                .extend(pypi::parse_project(name, &page));
        }
    }
    notes.push(format!(
        "{} projects in the index; file lists read for the {} projects the release needs",
        projects.len(),
        wanted.len()
    ));
    Ok(out)
}

fn check_pypi(plan: &Plan, location: &str, fetcher: &Fetcher) -> Result<Section, MirrorError> {
    // (name, version) -> (environments, images)
    let mut needed: PyNeeds = BTreeMap::new();
    for env in plan.python.values() {
        for (name, pin) in &env.pins {
            let list = needed.entry(name.clone()).or_default();
            let at = match list
                .iter()
                .position(|(v, _, _)| version::compare(Ecosystem::Pypi, v, &pin.version).is_eq())
            {
                Some(i) => i,
                None => {
                    list.push((pin.version.clone(), BTreeSet::new(), BTreeSet::new()));
                    list.len() - 1
                }
            };
            list[at].1.insert(format!("pypi/{}", env.id));
            list[at].2.insert(env.image.clone());
        }
    }
    let mut notes = Vec::new();
    let wanted: BTreeSet<String> = needed.keys().cloned().collect();
    let have = pypi_holdings(location, &wanted, fetcher, &mut notes)?;
    let mut section = Section {
        kind: "pypi".into(),
        location: fetch::redact(location),
        scope: None,
        needed: needed.values().map(Vec::len).sum(),
        present: 0,
        missing: Vec::new(),
        superfluous: Vec::new(),
        notes,
    };
    for (name, pins) in &needed {
        let versions: Vec<String> = have
            .get(name)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
        for (v, envs, images) in pins {
            if versions
                .iter()
                .any(|h| version::compare(Ecosystem::Pypi, h, v).is_eq())
            {
                section.present += 1;
            } else {
                section.missing.push(Missing {
                    name: name.clone(),
                    version: v.clone(),
                    arch: String::new(),
                    needed_in: envs.iter().cloned().collect(),
                    mirror_has: others(Ecosystem::Pypi, v, &versions),
                    needed_by: images.iter().cloned().collect(),
                });
            }
        }
    }
    for (name, versions) in have {
        let Some(pins) = needed.get(&name) else {
            if versions.is_empty() {
                section.superfluous.push(Superfluous {
                    name,
                    version: String::new(),
                    arch: String::new(),
                });
            } else {
                for v in versions {
                    section.superfluous.push(Superfluous {
                        name: name.clone(),
                        version: v,
                        arch: String::new(),
                    });
                }
            }
            continue;
        };
        for v in versions {
            if !pins
                .iter()
                .any(|(p, _, _)| version::compare(Ecosystem::Pypi, p, &v).is_eq())
            {
                section.superfluous.push(Superfluous {
                    name: name.clone(),
                    version: v,
                    arch: String::new(),
                });
            }
        }
    }
    Ok(section)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_kind_scope_and_location() {
        assert_eq!(
            Target::parse("deb=http://h/dists/bookworm").unwrap(),
            Target::Deb {
                scope: None,
                location: "http://h/dists/bookworm".into()
            }
        );
        assert_eq!(
            Target::parse("deb:debian-12/amd64=/srv/Packages.gz").unwrap(),
            Target::Deb {
                scope: Some("debian-12/amd64".into()),
                location: "/srv/Packages.gz".into()
            }
        );
        assert_eq!(
            Target::parse("registry=docker://127.0.0.1:5001/mirror/").unwrap(),
            Target::Registry {
                host: "127.0.0.1:5001".into(),
                prefix: "mirror".into()
            }
        );
        assert_eq!(
            Target::parse("pypi=https://h/simple/").unwrap(),
            Target::Pypi {
                location: "https://h/simple/".into()
            }
        );
        assert_eq!(
            Target::parse("rpm:rocky-9.3=https://h/9/BaseOS/x86_64/os/").unwrap(),
            Target::Rpm {
                scope: Some("rocky-9.3".into()),
                location: "https://h/9/BaseOS/x86_64/os/".into()
            }
        );
        for bad in ["deb", "deb=", "npm=x", "pypi:x=y"] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }
}
