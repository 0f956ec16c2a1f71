//! The OSV schema (<https://ossf.github.io/osv-schema/>), loading, and the package index.
//!
//! Loading keeps only what matching and reporting need: per record its id, aliases,
//! summary, rating and references; per `affected` entry of a supported ecosystem its
//! ranges and explicit versions. Files are parsed in parallel (rayon); records that do
//! not parse become [`LoadWarning`]s and loading goes on.
use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sbom_model::Ecosystem;
use serde::{Deserialize, Serialize};

use crate::range::{Event, Range, RangeKind};
use crate::severity::{Rating, RatingMethod};
use crate::AuditError;

// ---------------------------------------------------------------- wire format

/// One OSV record as published.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OsvRecord {
    #[serde(deserialize_with = "null_default")]
    pub id: String,
    pub modified: Option<String>,
    pub published: Option<String>,
    pub withdrawn: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub aliases: Vec<String>,
    #[serde(deserialize_with = "null_default")]
    pub related: Vec<String>,
    /// The upstream vulnerabilities a downstream record derives from (OSV 1.7; Red Hat,
    /// Rocky Linux and SUSE name their CVEs here rather than in `aliases`).
    #[serde(deserialize_with = "null_default")]
    pub upstream: Vec<String>,
    pub summary: Option<String>,
    pub details: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub severity: Vec<OsvSeverity>,
    #[serde(deserialize_with = "null_default")]
    pub affected: Vec<OsvAffected>,
    #[serde(deserialize_with = "null_default")]
    pub references: Vec<OsvReference>,
    pub database_specific: Option<serde_json::Value>,
}

/// `severity[]`: a scoring type and its vector or word.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OsvSeverity {
    #[serde(rename = "type")]
    #[serde(deserialize_with = "null_default")]
    pub kind: String,
    #[serde(deserialize_with = "null_default")]
    pub score: String,
}

/// `affected[]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OsvAffected {
    pub package: Option<OsvPackage>,
    #[serde(deserialize_with = "null_default")]
    pub severity: Vec<OsvSeverity>,
    #[serde(deserialize_with = "null_default")]
    pub ranges: Vec<OsvRange>,
    #[serde(deserialize_with = "null_default")]
    pub versions: Vec<String>,
    pub ecosystem_specific: Option<serde_json::Value>,
    pub database_specific: Option<serde_json::Value>,
}

/// `affected[].package`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OsvPackage {
    #[serde(deserialize_with = "null_default")]
    pub ecosystem: String,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    pub purl: Option<String>,
}

/// `affected[].ranges[]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OsvRange {
    #[serde(rename = "type")]
    #[serde(deserialize_with = "null_default")]
    pub kind: String,
    pub repo: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub events: Vec<OsvEvent>,
}

/// One event; exactly one field is set in valid records.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OsvEvent {
    pub introduced: Option<String>,
    pub fixed: Option<String>,
    pub last_affected: Option<String>,
    pub limit: Option<String>,
}

/// `references[]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OsvReference {
    #[serde(rename = "type")]
    #[serde(deserialize_with = "null_default")]
    pub kind: String,
    #[serde(deserialize_with = "null_default")]
    pub url: String,
}

/// `null` where the schema has an array or a string reads as empty (some producers
/// write `"aliases": null`).
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

// ---------------------------------------------------------------- kept form

/// Ecosystem families we match, each with its own release scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Family {
    PyPI,
    Debian,
    Ubuntu,
    Alpine,
    /// `Go`: module paths, `stdlib` for the standard library.
    Go,
    /// `crates.io`.
    CratesIo,
    /// `Maven` (also `Maven:REPOSITORY`): `group:artifact`.
    Maven,
    /// `npm`: `name` or `@scope/name`.
    Npm,
    RubyGems,
    /// `Packagist` (also `Packagist:REPOSITORY`): `vendor/name`.
    Packagist,
    /// `Rocky Linux:9`.
    RockyLinux,
    /// `AlmaLinux:9`.
    AlmaLinux,
    /// `Red Hat:enterprise_linux:9::baseos` (and `::appstream`, `::crb`, ...).
    RedHat,
    /// `SUSE:<product> 15 SP5[-LTSS]`: SLE products and modules.
    Suse,
    /// `openSUSE:Leap 15.5`, `openSUSE:Tumbleweed`, `openSUSE:Leap Micro 5.5`.
    OpenSuse,
}

impl Family {
    /// The version ordering of this family.
    pub fn ecosystem(self) -> Ecosystem {
        match self {
            Family::PyPI => Ecosystem::Pypi,
            Family::Debian | Family::Ubuntu => Ecosystem::Deb,
            Family::Alpine => Ecosystem::Apk,
            Family::Go => Ecosystem::Golang,
            Family::CratesIo => Ecosystem::Cargo,
            Family::Maven => Ecosystem::Maven,
            Family::Npm => Ecosystem::Npm,
            Family::RubyGems => Ecosystem::Gem,
            Family::Packagist => Ecosystem::Composer,
            Family::RockyLinux
            | Family::AlmaLinux
            | Family::RedHat
            | Family::Suse
            | Family::OpenSuse => Ecosystem::Rpm,
        }
    }

    /// Whether records of this family are per OS release (and so need the image's).
    pub fn has_releases(self) -> bool {
        self.ecosystem().is_os()
    }

    /// The name as used for index keys: PEP 503 for PyPI, crates.io's `-`/`_`
    /// equivalence for crates, lower-case otherwise.
    pub fn normalise(self, name: &str) -> String {
        match self {
            Family::PyPI => sbom_model::purl::pep503_name(name),
            Family::CratesIo => name.trim().to_ascii_lowercase().replace('_', "-"),
            _ => name.trim().to_ascii_lowercase(),
        }
    }

    /// Whether an entry of release `entry` (as [`OsvEcosystem::parse`] keeps it) applies
    /// to an image of release `image` (as the matcher derives it from os-release).
    /// SUSE files one update under every product and module that ships it
    /// (`Linux Enterprise Module for Basesystem 15 SP5`, `Linux Enterprise Server
    /// 15 SP5-LTSS`, ...), so an SLE image of `15 SP5` takes any SLE product of that
    /// service pack; the others compare exactly.
    pub fn release_matches(self, entry: &str, image: &str) -> bool {
        match self {
            Family::Suse => {
                let Some(product) = entry.strip_prefix("Linux Enterprise ") else {
                    return false;
                };
                // A support-phase suffix (`-LTSS`, `-ESPOS`) is not part of the release.
                let product = match product.rsplit_once('-') {
                    Some((p, tail)) if tail.bytes().all(|c| c.is_ascii_alphabetic()) => p,
                    _ => product,
                };
                product
                    .strip_suffix(image)
                    .is_some_and(|head| head.ends_with(' '))
            }
            _ => entry == image,
        }
    }
}

/// A parsed OSV `ecosystem` string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OsvEcosystem {
    pub family: Family,
    /// `12` of `Debian:12`, `22.04` of `Ubuntu:22.04:LTS`, `3.20` of `Alpine:v3.20`.
    pub release: Option<String>,
}

impl OsvEcosystem {
    /// Parses an OSV ecosystem; `None` for ecosystems we do not match (Ubuntu Pro, Red
    /// Hat's EUS streams, Hex, ...).
    pub fn parse(s: &str) -> Option<OsvEcosystem> {
        let mut parts = s.split(':');
        let head = parts.next()?.trim();
        let rest: Vec<&str> = parts.map(str::trim).collect();
        let release = |v: Option<&&str>| v.map(|r| r.to_string()).filter(|r| !r.is_empty());
        let plain = |family| {
            Some(OsvEcosystem {
                family,
                release: None,
            })
        };
        // The major release of `9`, `9.4`, `10.0`.
        let major = |v: Option<&&str>| {
            v.and_then(|r| r.split('.').next())
                .filter(|r| !r.is_empty() && r.bytes().all(|c| c.is_ascii_digit()))
                .map(str::to_string)
        };
        match head {
            "PyPI" => plain(Family::PyPI),
            // `Maven:https://maven.google.com/` and `Packagist:https://packages.drupal.org/8`
            // name other repositories of the same ecosystem; the coordinates still apply.
            "Go" if rest.is_empty() => plain(Family::Go),
            "crates.io" if rest.is_empty() => plain(Family::CratesIo),
            "Maven" => plain(Family::Maven),
            "npm" if rest.is_empty() => plain(Family::Npm),
            "RubyGems" if rest.is_empty() => plain(Family::RubyGems),
            "Packagist" => plain(Family::Packagist),
            "Rocky Linux" => Some(OsvEcosystem {
                family: Family::RockyLinux,
                release: major(rest.first()),
            }),
            "AlmaLinux" => Some(OsvEcosystem {
                family: Family::AlmaLinux,
                release: major(rest.first()),
            }),
            // `Red Hat:enterprise_linux:9::baseos`, `Red Hat:enterprise_linux:10.0`; other
            // products and streams (`rhel_eus:9.2`, `openshift:4.15`) are not what a RHEL
            // or UBI image runs.
            "Red Hat" => {
                if rest.first() != Some(&"enterprise_linux") {
                    return None;
                }
                Some(OsvEcosystem {
                    family: Family::RedHat,
                    release: Some(major(rest.get(1))?),
                })
            }
            "SUSE" => Some(OsvEcosystem {
                family: Family::Suse,
                release: release(rest.first()),
            }),
            "openSUSE" => Some(OsvEcosystem {
                family: Family::OpenSuse,
                release: release(rest.first()),
            }),
            "Debian" => Some(OsvEcosystem {
                family: Family::Debian,
                release: release(rest.first()),
            }),
            "Ubuntu" => {
                // `Ubuntu:22.04`, `Ubuntu:22.04:LTS`; `Ubuntu:Pro:...` needs a subscription
                // the image does not have, so those records are not matched.
                let first = rest.first()?;
                if !first.starts_with(|c: char| c.is_ascii_digit()) {
                    return None;
                }
                Some(OsvEcosystem {
                    family: Family::Ubuntu,
                    release: release(rest.first()),
                })
            }
            "Alpine" => Some(OsvEcosystem {
                family: Family::Alpine,
                release: rest
                    .first()
                    .map(|r| r.trim_start_matches('v').to_string())
                    .filter(|r| !r.is_empty()),
            }),
            _ => None,
        }
    }
}

/// A reference URL of an advisory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub kind: String,
    pub url: String,
}

/// What is kept of one record.
#[derive(Clone, Debug, Serialize)]
pub struct Advisory {
    pub id: String,
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// From a CVSS vector (v4 preferred over v3 over v2), else the record's own rating.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
    pub references: Vec<Reference>,
}

/// One `affected` entry of a supported ecosystem.
#[derive(Clone, Debug)]
pub struct AffectedEntry {
    /// Index into [`OsvDatabase::advisories`].
    pub advisory: usize,
    pub ecosystem: OsvEcosystem,
    /// Normalised package name (see [`Family::normalise`]).
    pub name: String,
    pub ranges: Vec<Range>,
    /// The explicit `versions` list, stored as one string (`\n`-separated) because
    /// PyPI records list hundreds of versions each; see [`AffectedEntry::versions`].
    versions: Box<str>,
    /// A rating given by this entry (`ecosystem_specific.severity`, per-entry CVSS).
    pub rating: Option<Rating>,
}

impl AffectedEntry {
    /// The explicit `versions` of this entry.
    pub fn versions(&self) -> impl Iterator<Item = &str> + Clone {
        self.versions.split('\n').filter(|v| !v.is_empty())
    }
}

/// A problem with one record or file; loading goes on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LoadWarning {
    /// File (and zip entry) the record came from.
    pub source: String,
    pub message: String,
}

/// Counts of what was loaded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LoadStats {
    pub files: usize,
    pub records: usize,
    pub withdrawn: usize,
    pub duplicates: usize,
    /// Affected entries of ecosystems we do not match.
    pub unsupported_entries: usize,
}

/// The loaded database with its index.
#[derive(Debug, Default)]
pub struct OsvDatabase {
    pub advisories: Vec<Advisory>,
    pub entries: Vec<AffectedEntry>,
    index: HashMap<(Family, String), Vec<usize>>,
    by_id: HashMap<String, usize>,
    pub warnings: Vec<LoadWarning>,
    pub stats: LoadStats,
}

/// Where one record's bytes come from.
enum Input {
    File(PathBuf),
    Zip { archive: usize, entry: usize },
}

struct Parsed {
    advisory: Advisory,
    entries: Vec<AffectedEntry>,
    unsupported: usize,
}

enum Outcome {
    Record(Box<Parsed>),
    Withdrawn,
    Warning(LoadWarning),
}

impl OsvDatabase {
    /// Loads folders (recursively, `*.json`) and `.zip` exports. Unreadable roots are
    /// errors; bad records are warnings.
    pub fn load<P: AsRef<Path>>(sources: &[P]) -> Result<OsvDatabase, AuditError> {
        let mut inputs: Vec<Input> = Vec::new();
        let mut zips: Vec<(PathBuf, Vec<u8>)> = Vec::new();
        let mut queue: std::collections::VecDeque<PathBuf> =
            sources.iter().map(|s| s.as_ref().to_path_buf()).collect();
        while let Some(path) = queue.pop_front() {
            let path = path.as_path();
            let meta = fs_err::metadata(path).map_err(|e| AuditError::io(path, e))?;
            if meta.is_dir() {
                // JSON files if there are any; else the zip exports in it (a folder
                // holding `PyPI/all.zip`, `Debian/all.zip`, ...).
                let (mut files, mut found_zips) = (Vec::new(), Vec::new());
                walk(path, &mut files, &mut found_zips)?;
                if files.is_empty() {
                    found_zips.sort();
                    queue.extend(found_zips);
                } else {
                    files.sort();
                    inputs.extend(files.into_iter().map(Input::File));
                }
            } else if is_zip(path) {
                let bytes = fs_err::read(path).map_err(|e| AuditError::io(path, e))?;
                let archive =
                    zip::ZipArchive::new(Cursor::new(bytes.as_slice())).map_err(|source| {
                        AuditError::Zip {
                            path: path.to_path_buf(),
                            source,
                        }
                    })?;
                let n = archive.len();
                let idx = zips.len();
                let names: Vec<usize> = (0..n)
                    .filter(|i| {
                        archive
                            .name_for_index(*i)
                            .and_then(|name| name.ok())
                            .is_some_and(|name| name.to_ascii_lowercase().ends_with(".json"))
                    })
                    .collect();
                drop(archive);
                inputs.extend(names.into_iter().map(|entry| Input::Zip {
                    archive: idx,
                    entry,
                }));
                zips.push((path.to_path_buf(), bytes));
            } else if meta.is_file() && path.extension().is_some_and(|e| e == "json") {
                inputs.push(Input::File(path.to_path_buf()));
            } else {
                return Err(AuditError::NotOsvSource(path.to_path_buf()));
            }
        }
        let files = inputs.len();
        // The central directory of each zip is read once; tasks share clones of it.
        let mut archives: Vec<Option<zip::ZipArchive<Cursor<&[u8]>>>> = Vec::new();
        for (path, bytes) in &zips {
            let a = zip::ZipArchive::new(Cursor::new(bytes.as_slice())).map_err(|source| {
                AuditError::Zip {
                    path: path.clone(),
                    source,
                }
            })?;
            archives.push(Some(a));
        }
        // Parse in parallel, in chunks so that each task clones an archive handle once.
        let outcomes: Vec<Outcome> = inputs
            .par_chunks(512)
            .flat_map_iter(|chunk| {
                let mut local: Vec<Option<zip::ZipArchive<Cursor<&[u8]>>>> =
                    archives.iter().map(|_| None).collect();
                let mut scratch = Scratch::new();
                let mut out = Vec::with_capacity(chunk.len());
                for input in chunk {
                    out.push(read_one(input, &zips, &archives, &mut local, &mut scratch));
                }
                out
            })
            .collect();
        let mut db = OsvDatabase::default();
        db.stats.files = files;
        for o in outcomes {
            match o {
                Outcome::Record(p) => db.add(*p),
                Outcome::Withdrawn => db.stats.withdrawn += 1,
                Outcome::Warning(w) => db.warnings.push(w),
            }
        }
        Ok(db)
    }

    /// Builds a database from records already in memory (tests, other loaders).
    pub fn from_records(records: Vec<OsvRecord>) -> OsvDatabase {
        let mut db = OsvDatabase::default();
        for r in records {
            match compact(r, "memory") {
                Outcome::Record(p) => db.add(*p),
                Outcome::Withdrawn => db.stats.withdrawn += 1,
                Outcome::Warning(w) => db.warnings.push(w),
            }
        }
        db
    }

    fn add(&mut self, parsed: Parsed) {
        let Parsed {
            advisory,
            entries,
            unsupported,
        } = parsed;
        if let Some(&existing) = self.by_id.get(&advisory.id) {
            // Same id from two sources: keep the newer one (RFC 3339 strings sort by time).
            self.stats.duplicates += 1;
            let newer = advisory.modified > self.advisories[existing].modified;
            if !newer {
                return;
            }
            // Retire the old entries from the index.
            for list in self.index.values_mut() {
                list.retain(|e| self.entries[*e].advisory != existing);
            }
            self.advisories[existing] = advisory;
            self.push_entries(existing, entries);
            return;
        }
        self.stats.records += 1;
        self.stats.unsupported_entries += unsupported;
        let idx = self.advisories.len();
        self.by_id.insert(advisory.id.clone(), idx);
        self.advisories.push(advisory);
        self.push_entries(idx, entries);
    }

    fn push_entries(&mut self, advisory: usize, entries: Vec<AffectedEntry>) {
        for mut e in entries {
            e.advisory = advisory;
            let key = (e.ecosystem.family, e.name.clone());
            let i = self.entries.len();
            self.entries.push(e);
            self.index.entry(key).or_default().push(i);
        }
    }

    /// The affected entries for a (family, already normalised name).
    pub fn lookup(&self, family: Family, name: &str) -> impl Iterator<Item = &AffectedEntry> {
        self.index
            .get(&(family, name.to_string()))
            .into_iter()
            .flatten()
            .filter_map(|i| self.entries.get(*i))
    }

    /// An advisory by its index.
    pub fn advisory(&self, idx: usize) -> Option<&Advisory> {
        self.advisories.get(idx)
    }

    /// Number of (family, name) keys in the index.
    pub fn indexed_packages(&self) -> usize {
        self.index.len()
    }
}

fn is_zip(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// Collects `*.json` and `*.zip` files under `dir`.
fn walk(dir: &Path, json: &mut Vec<PathBuf>, zips: &mut Vec<PathBuf>) -> Result<(), AuditError> {
    for entry in fs_err::read_dir(dir).map_err(|e| AuditError::io(dir, e))? {
        let entry = entry.map_err(|e| AuditError::io(dir, e))?;
        let path = entry.path();
        let ft = entry.file_type().map_err(|e| AuditError::io(&path, e))?;
        if ft.is_dir() {
            walk(&path, json, zips)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            json.push(path);
        } else if is_zip(&path) {
            zips.push(path);
        }
    }
    Ok(())
}

/// Buffers and an inflater reused across the entries a task reads, so that reading a
/// zip export does not allocate (and fragment the heap) per entry.
struct Scratch {
    raw: Vec<u8>,
    data: Vec<u8>,
    inflate: flate2::Decompress,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            raw: Vec::new(),
            data: Vec::new(),
            inflate: flate2::Decompress::new(false),
        }
    }
}

/// Largest single record we accept (the biggest real OSV records are a few MB).
const MAX_RECORD: u64 = 64 << 20;

fn read_one<'a>(
    input: &Input,
    zips: &'a [(PathBuf, Vec<u8>)],
    shared: &[Option<zip::ZipArchive<Cursor<&'a [u8]>>>],
    local: &mut [Option<zip::ZipArchive<Cursor<&'a [u8]>>>],
    scratch: &mut Scratch,
) -> Outcome {
    let warn = |source: String, message: String| Outcome::Warning(LoadWarning { source, message });
    let source = match input {
        Input::File(path) => {
            scratch.data.clear();
            let read = fs_err::File::open(path).and_then(|mut f| f.read_to_end(&mut scratch.data));
            if let Err(e) = read {
                return warn(path.display().to_string(), e.to_string());
            }
            path.display().to_string()
        }
        Input::Zip { archive, entry } => {
            let source_base = zips
                .get(*archive)
                .map(|(p, _)| p.display().to_string())
                .unwrap_or_default();
            let Some(slot) = local.get_mut(*archive) else {
                return warn(source_base, "internal: missing archive handle".into());
            };
            if slot.is_none() {
                *slot = shared.get(*archive).and_then(Clone::clone);
            }
            let Some(ar) = slot.as_mut() else {
                return warn(source_base, "internal: missing archive handle".into());
            };
            match read_zip_entry(ar, *entry, scratch) {
                Ok(name) => format!("{source_base}!{name}"),
                Err((name, message)) => return warn(format!("{source_base}!{name}"), message),
            }
        }
    };
    match serde_json::from_slice::<OsvRecord>(&scratch.data) {
        Ok(r) => compact(r, &source),
        Err(e) => warn(source, format!("not an OSV record: {e}")),
    }
}

/// Reads entry `index` into `scratch.data` (stored or deflated, CRC checked); returns
/// its name, or its name and what went wrong.
fn read_zip_entry(
    ar: &mut zip::ZipArchive<Cursor<&[u8]>>,
    index: usize,
    scratch: &mut Scratch,
) -> Result<String, (String, String)> {
    let mut file = ar
        .by_index_raw(index)
        .map_err(|e| (format!("#{index}"), e.to_string()))?;
    let name = file
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| format!("#{index}"));
    let size = file.size();
    if size > MAX_RECORD {
        return Err((
            name,
            format!("entry of {size} bytes is too large for an OSV record"),
        ));
    }
    let (method, crc) = (file.compression(), file.crc32());
    scratch.raw.clear();
    file.read_to_end(&mut scratch.raw)
        .map_err(|e| (name.clone(), e.to_string()))?;
    scratch.data.clear();
    match method {
        zip::CompressionMethod::Stored => scratch.data.extend_from_slice(&scratch.raw),
        zip::CompressionMethod::Deflated => {
            scratch.inflate.reset(false);
            let want = usize::try_from(size).unwrap_or(0);
            scratch.data.reserve(want.max(1024));
            loop {
                let before_in = scratch.inflate.total_in();
                let consumed = usize::try_from(before_in).unwrap_or(usize::MAX);
                let input = scratch.raw.get(consumed..).unwrap_or(&[]);
                let status = scratch
                    .inflate
                    .decompress_vec(input, &mut scratch.data, flate2::FlushDecompress::Finish)
                    .map_err(|e| (name.clone(), format!("bad deflate data: {e}")))?;
                if status == flate2::Status::StreamEnd {
                    break;
                }
                if scratch.data.len() as u64 > MAX_RECORD {
                    return Err((name, "entry inflates beyond the record size limit".into()));
                }
                if scratch.data.len() < scratch.data.capacity()
                    && scratch.inflate.total_in() == before_in
                {
                    return Err((name, "truncated deflate data".into()));
                }
                scratch.data.reserve(scratch.data.capacity().max(1024));
            }
        }
        other => return Err((name, format!("unsupported compression {other:?}"))),
    }
    if scratch.data.len() as u64 != size {
        return Err((
            name,
            format!(
                "size {} does not match the header's {size}",
                scratch.data.len()
            ),
        ));
    }
    let mut c = flate2::Crc::new();
    c.update(&scratch.data);
    if c.sum() != crc {
        return Err((name, "CRC mismatch".into()));
    }
    Ok(name)
}

/// Reduces a record to what matching needs.
fn compact(mut r: OsvRecord, source: &str) -> Outcome {
    if r.id.trim().is_empty() {
        return Outcome::Warning(LoadWarning {
            source: source.to_string(),
            message: "record without id".into(),
        });
    }
    if r.withdrawn.as_deref().is_some_and(|w| !w.trim().is_empty()) {
        return Outcome::Withdrawn;
    }
    let rating = record_rating(&r);
    let mut entries = Vec::new();
    let mut unsupported = 0;
    let affected = std::mem::take(&mut r.affected);
    for a in affected {
        let Some(pkg) = a.package.as_ref() else {
            unsupported += 1;
            continue;
        };
        let Some(eco) = OsvEcosystem::parse(&pkg.ecosystem) else {
            unsupported += 1;
            continue;
        };
        if pkg.name.trim().is_empty() {
            continue;
        }
        let ranges = a
            .ranges
            .iter()
            .filter_map(|rg| {
                let kind = match rg.kind.as_str() {
                    "ECOSYSTEM" => RangeKind::Ecosystem,
                    "SEMVER" => RangeKind::Semver,
                    _ => return None, // GIT and unknown types carry no package versions
                };
                let events = rg
                    .events
                    .iter()
                    .filter_map(|e| {
                        if let Some(v) = &e.introduced {
                            Some(Event::Introduced(v.clone()))
                        } else if let Some(v) = &e.fixed {
                            Some(Event::Fixed(v.clone()))
                        } else if let Some(v) = &e.last_affected {
                            Some(Event::LastAffected(v.clone()))
                        } else {
                            e.limit.as_ref().map(|v| Event::Limit(v.clone()))
                        }
                    })
                    .collect();
                Some(Range { kind, events })
            })
            .collect();
        let rating = entry_rating(&a);
        entries.push(AffectedEntry {
            advisory: 0,
            name: eco.family.normalise(&pkg.name),
            ecosystem: eco,
            ranges,
            versions: a
                .versions
                .iter()
                .map(|v| v.trim())
                .filter(|v| !v.is_empty() && !v.contains('\n'))
                .collect::<Vec<_>>()
                .join("\n")
                .into_boxed_str(),
            rating,
        });
    }
    let mut aliases: Vec<String> = r
        .aliases
        .iter()
        .chain(&r.upstream)
        .filter(|a| **a != r.id)
        .cloned()
        .collect();
    aliases.sort();
    aliases.dedup();
    Outcome::Record(Box::new(Parsed {
        advisory: Advisory {
            id: r.id,
            aliases,
            summary: r.summary.filter(|s| !s.trim().is_empty()),
            modified: r.modified,
            rating,
            references: r
                .references
                .into_iter()
                .filter(|x| !x.url.is_empty())
                .map(|x| Reference {
                    kind: x.kind,
                    url: x.url,
                })
                .collect(),
        },
        entries,
        unsupported,
    }))
}

fn best_cvss(sev: &[OsvSeverity]) -> Option<Rating> {
    let mut best: Option<Rating> = None;
    for s in sev {
        if !s.kind.starts_with("CVSS_") {
            continue;
        }
        if let Some(r) = Rating::from_cvss(&s.score) {
            let rank = |m: RatingMethod| match m {
                RatingMethod::CvssV4 => 3,
                RatingMethod::CvssV31 | RatingMethod::CvssV3 => 2,
                RatingMethod::CvssV2 => 1,
                RatingMethod::Other => 0,
            };
            if best
                .as_ref()
                .is_none_or(|b| rank(r.method) > rank(b.method))
            {
                best = Some(r);
            }
        }
    }
    best
}

fn word_in(v: Option<&serde_json::Value>) -> Option<Rating> {
    let v = v?;
    for key in ["severity", "urgency", "cvss_severity"] {
        if let Some(w) = v.get(key).and_then(|s| s.as_str()) {
            if let Some(r) = Rating::from_word(w) {
                return Some(r);
            }
        }
    }
    None
}

fn record_rating(r: &OsvRecord) -> Option<Rating> {
    best_cvss(&r.severity).or_else(|| {
        // Ubuntu writes its priority as a severity of type `Ubuntu`.
        r.severity
            .iter()
            .find_map(|s| Rating::from_word(&s.score))
            .or_else(|| word_in(r.database_specific.as_ref()))
    })
}

fn entry_rating(a: &OsvAffected) -> Option<Rating> {
    best_cvss(&a.severity)
        .or_else(|| word_in(a.ecosystem_specific.as_ref()))
        .or_else(|| word_in(a.database_specific.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn rec(json: &str) -> OsvRecord {
        serde_json::from_str(json).expect("test record parses")
    }

    #[test]
    fn ecosystems_parse_with_releases() {
        let d = OsvEcosystem::parse("Debian:12").expect("debian");
        assert_eq!(
            (d.family, d.release.as_deref()),
            (Family::Debian, Some("12"))
        );
        let u = OsvEcosystem::parse("Ubuntu:22.04:LTS").expect("ubuntu");
        assert_eq!(
            (u.family, u.release.as_deref()),
            (Family::Ubuntu, Some("22.04"))
        );
        assert!(OsvEcosystem::parse("Ubuntu:Pro:18.04:LTS").is_none());
        let a = OsvEcosystem::parse("Alpine:v3.20").expect("alpine");
        assert_eq!(
            (a.family, a.release.as_deref()),
            (Family::Alpine, Some("3.20"))
        );
        assert_eq!(
            OsvEcosystem::parse("PyPI").map(|e| e.family),
            Some(Family::PyPI)
        );
        assert!(OsvEcosystem::parse("Hex").is_none());
    }

    /// The ecosystem strings of real OSV records of each family we match.
    #[test]
    fn new_ecosystems_parse_with_releases() {
        let p = |s: &str| OsvEcosystem::parse(s).map(|e| (e.family, e.release));
        let r = |s: &str| Some(s.to_string());
        assert_eq!(p("Go"), Some((Family::Go, None)));
        assert_eq!(p("crates.io"), Some((Family::CratesIo, None)));
        assert_eq!(p("Maven"), Some((Family::Maven, None)));
        assert_eq!(
            p("Maven:https://maven.google.com/"),
            Some((Family::Maven, None))
        );
        assert_eq!(p("npm"), Some((Family::Npm, None)));
        assert_eq!(p("RubyGems"), Some((Family::RubyGems, None)));
        assert_eq!(p("Packagist"), Some((Family::Packagist, None)));
        assert_eq!(p("Rocky Linux:9"), Some((Family::RockyLinux, r("9"))));
        assert_eq!(p("AlmaLinux:8"), Some((Family::AlmaLinux, r("8"))));
        assert_eq!(
            p("Red Hat:enterprise_linux:9::appstream"),
            Some((Family::RedHat, r("9")))
        );
        assert_eq!(
            p("Red Hat:enterprise_linux:10.0"),
            Some((Family::RedHat, r("10")))
        );
        assert_eq!(p("Red Hat:rhel_eus:9.2::baseos"), None);
        assert_eq!(
            p("SUSE:Linux Enterprise Module for Basesystem 15 SP5"),
            Some((
                Family::Suse,
                r("Linux Enterprise Module for Basesystem 15 SP5")
            ))
        );
        assert_eq!(
            p("openSUSE:Leap 15.5"),
            Some((Family::OpenSuse, r("Leap 15.5")))
        );
        assert_eq!(
            p("openSUSE:Tumbleweed"),
            Some((Family::OpenSuse, r("Tumbleweed")))
        );
    }

    #[test]
    fn suse_products_of_one_service_pack_match_its_image() {
        let m = |entry: &str, image: &str| Family::Suse.release_matches(entry, image);
        assert!(m("Linux Enterprise Server 15 SP5", "15 SP5"));
        assert!(m("Linux Enterprise Module for Basesystem 15 SP5", "15 SP5"));
        assert!(m("Linux Enterprise Server 15 SP5-LTSS", "15 SP5"));
        assert!(m(
            "Linux Enterprise Server for SAP Applications 15 SP5",
            "15 SP5"
        ));
        assert!(!m("Linux Enterprise Server 15 SP4", "15 SP5"));
        assert!(!m("Linux Enterprise Server 15 SP5", "5 SP5"));
        assert!(!m("Linux Enterprise Micro 5.5", "15 SP5"));
        assert!(!m("Manager Server 4.3", "15 SP5"));
        assert!(m("Linux Enterprise Server 15", "15"));
        assert!(!m("Linux Enterprise Server 15 SP5", "15"));
        assert!(Family::OpenSuse.release_matches("Leap 15.5", "Leap 15.5"));
        assert!(!Family::OpenSuse.release_matches("Leap 15.5", "Leap 15.6"));
    }

    #[test]
    fn withdrawn_records_are_skipped() {
        let db = OsvDatabase::from_records(vec![
            rec(
                r#"{"id":"PYSEC-1","withdrawn":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"foo"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}"#,
            ),
            rec(
                r#"{"id":"PYSEC-2","affected":[{"package":{"ecosystem":"PyPI","name":"Foo_Bar"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}"#,
            ),
        ]);
        assert_eq!(db.stats.withdrawn, 1);
        assert_eq!(db.advisories.len(), 1);
        assert_eq!(db.lookup(Family::PyPI, "foo").count(), 0);
        assert_eq!(db.lookup(Family::PyPI, "foo-bar").count(), 1);
    }

    #[test]
    fn git_ranges_are_dropped_and_unsupported_ecosystems_counted() {
        let db = OsvDatabase::from_records(vec![rec(r#"{"id":"X-1","affected":[
              {"package":{"ecosystem":"Hex","name":"plug"}},
              {"package":{"ecosystem":"PyPI","name":"a"},"ranges":[
                {"type":"GIT","repo":"r","events":[{"introduced":"0"},{"fixed":"abc"}]},
                {"type":"ECOSYSTEM","events":[{"introduced":"1.0"},{"fixed":"2.0"}]}]}]}"#)]);
        assert_eq!(db.stats.unsupported_entries, 1);
        let e: Vec<_> = db.lookup(Family::PyPI, "a").collect();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].ranges.len(), 1);
        assert_eq!(e[0].ranges[0].kind, RangeKind::Ecosystem);
    }

    #[test]
    fn ratings_prefer_cvss_then_database_words() {
        let db = OsvDatabase::from_records(vec![
            rec(
                r#"{"id":"A","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],"database_specific":{"severity":"LOW"}}"#,
            ),
            rec(r#"{"id":"B","database_specific":{"severity":"MODERATE"}}"#),
            rec(
                r#"{"id":"C","affected":[{"package":{"ecosystem":"Debian:12","name":"x"},"ecosystem_specific":{"urgency":"high"}}]}"#,
            ),
        ]);
        let sev = |i: usize| db.advisories[i].rating.as_ref().map(|r| r.severity);
        assert_eq!(sev(0), Some(crate::Severity::Critical));
        assert_eq!(sev(1), Some(crate::Severity::Medium));
        assert_eq!(sev(2), None);
        let e: Vec<_> = db.lookup(Family::Debian, "x").collect();
        assert_eq!(
            e[0].rating.as_ref().map(|r| r.severity),
            Some(crate::Severity::High)
        );
    }

    #[test]
    fn loads_folders_recursively_and_zips_with_warnings_for_bad_records() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sub = dir.path().join("PyPI/nested");
        fs_err::create_dir_all(&sub).expect("mkdir");
        fs_err::write(
            sub.join("PYSEC-1.json"),
            r#"{"id":"PYSEC-1","affected":[{"package":{"ecosystem":"PyPI","name":"foo"},"versions":["1.0"]}]}"#,
        )
        .expect("write");
        fs_err::write(dir.path().join("broken.json"), "{not json").expect("write");
        fs_err::write(dir.path().join("README.md"), "ignored").expect("write");
        let zpath = dir.path().join("all.zip");
        {
            let f = fs_err::File::create(&zpath).expect("create zip");
            let mut w = zip::ZipWriter::new(f);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            w.start_file("DEBIAN-CVE-1.json", opts).expect("start");
            w.write_all(br#"{"id":"DEBIAN-CVE-1","aliases":["CVE-1"],"affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}"#).expect("write");
            w.start_file("bad.json", opts).expect("start");
            w.write_all(b"[]").expect("write");
            w.finish().expect("finish");
        }
        let db =
            OsvDatabase::load(&[dir.path().join("PyPI"), dir.path().to_path_buf()]).expect("loads");
        // PyPI folder twice (once directly, once inside the root): one record, one duplicate.
        assert_eq!(
            db.stats.records, 1,
            "zip is not inside a folder walk: {:?}",
            db.stats
        );
        assert_eq!(db.stats.duplicates, 1);
        assert_eq!(db.warnings.len(), 1, "{:?}", db.warnings);
        let db = OsvDatabase::load(std::slice::from_ref(&zpath)).expect("zip loads");
        assert_eq!(db.stats.records, 1);
        assert_eq!(db.warnings.len(), 1);
        assert!(db.warnings[0].source.ends_with("!bad.json"));
        assert_eq!(db.lookup(Family::Debian, "openssl").count(), 1);
    }

    #[test]
    fn corrupt_and_stored_zip_entries() {
        let dir = tempfile::tempdir().expect("tempdir");
        let zpath = dir.path().join("all.zip");
        let good = br#"{"id":"PYSEC-7","affected":[{"package":{"ecosystem":"PyPI","name":"x"},"versions":["1"]}]}"#;
        let bad = br#"{"id":"PYSEC-8","affected":[{"package":{"ecosystem":"PyPI","name":"y"},"versions":["1"]}]}"#;
        {
            let f = fs_err::File::create(&zpath).expect("create zip");
            let mut w = zip::ZipWriter::new(f);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            w.start_file("PYSEC-7.json", opts).expect("start");
            w.write_all(good).expect("write");
            w.start_file("PYSEC-8.json", opts).expect("start");
            w.write_all(bad).expect("write");
            w.finish().expect("finish");
        }
        // Flip one byte of the second (stored) record's content: its CRC no longer matches.
        let mut bytes = fs_err::read(&zpath).expect("read");
        let at = bytes
            .windows(7)
            .position(|w| w == b"PYSEC-8")
            .and_then(|first| {
                bytes[first + 1..]
                    .windows(7)
                    .position(|w| w == b"PYSEC-8")
                    .map(|p| first + 1 + p)
            })
            .expect("record content in the zip");
        bytes[at] = b'Q';
        fs_err::write(&zpath, &bytes).expect("write");
        let db = OsvDatabase::load(&[zpath]).expect("loads");
        assert_eq!(db.stats.records, 1);
        assert_eq!(db.lookup(Family::PyPI, "x").count(), 1);
        assert_eq!(db.warnings.len(), 1, "{:?}", db.warnings);
        assert!(db.warnings[0].message.contains("CRC"), "{:?}", db.warnings);
    }

    #[test]
    fn nulls_and_odd_shapes_are_tolerated_or_warned() {
        let r = rec(
            r#"{"id":"A","aliases":null,"severity":null,"affected":[{"package":{"ecosystem":"PyPI","name":"x","purl":null},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{}]}],"versions":null}]}"#,
        );
        let db = OsvDatabase::from_records(vec![r]);
        assert_eq!(db.lookup(Family::PyPI, "x").count(), 1);
        for bad in [
            r#"{"id":5}"#,
            r#"{"id":"B","affected":"x"}"#,
            "[]",
            "null",
            "",
        ] {
            // Either it does not parse, or it parses to a record without id (a warning).
            let unusable = serde_json::from_str::<OsvRecord>(bad)
                .map(|r| r.id.is_empty())
                .unwrap_or(true);
            assert!(unusable, "{bad}");
        }
        let db = OsvDatabase::from_records(vec![OsvRecord::default()]);
        assert_eq!(db.warnings.len(), 1, "a record without id is a warning");
    }

    #[test]
    fn a_folder_of_zip_exports_loads_its_zips() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (eco, id, name) in [("PyPI", "PYSEC-1", "a"), ("Debian", "DSA-1", "b")] {
            let sub = dir.path().join(eco);
            fs_err::create_dir_all(&sub).expect("mkdir");
            let f = fs_err::File::create(sub.join("all.zip")).expect("create zip");
            let mut w = zip::ZipWriter::new(f);
            w.start_file(
                format!("{id}.json"),
                zip::write::SimpleFileOptions::default(),
            )
            .expect("start");
            let eco_name = if eco == "PyPI" { "PyPI" } else { "Debian:12" };
            write!(w, r#"{{"id":"{id}","affected":[{{"package":{{"ecosystem":"{eco_name}","name":"{name}"}},"versions":["1"]}}]}}"#).expect("write");
            w.finish().expect("finish");
        }
        let db = OsvDatabase::load(&[dir.path()]).expect("loads");
        assert_eq!(db.stats.records, 2, "{:?}", db.warnings);
        assert_eq!(db.lookup(Family::Debian, "b").count(), 1);
    }

    #[test]
    fn missing_source_is_an_error() {
        let err = OsvDatabase::load(&[PathBuf::from("/nonexistent/osv")]).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/osv"));
    }
}
