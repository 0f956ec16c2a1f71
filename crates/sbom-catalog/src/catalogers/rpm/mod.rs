//! rpm: packages from rpm's database, in any of the three formats images carry.
//!
//! | file | format | who writes it |
//! |---|---|---|
//! | `rpmdb.sqlite` | SQLite | rpm ≥ 4.16: RHEL/Rocky/Alma/CentOS Stream 9, Fedora ≥ 33, UBI 9 |
//! | `Packages.db` | NDB | SUSE, openSUSE |
//! | `Packages` | Berkeley DB hash | rpm ≤ 4.15: CentOS 7/8, RHEL 8, UBI 8 |
//!
//! each under `var/lib/rpm/` (rpm's default `%_dbpath`) or `usr/lib/sysimage/rpm/`
//! (Fedora ≥ 36, SUSE, RHEL 10: there `var/lib/rpm` is a symlink to it).
//!
//! **Which database, when several exist.** rpm reads the database of its configured
//! `%_dbpath` and `%_db_backend`; when that backend's file is missing it takes the
//! first file present in the order sqlite, ndb, bdb (`dbDetectBackend` in rpm's
//! `lib/backend/dbi.c`). The macros live in files this cataloger does not capture
//! (it asks only for the database files, to keep the layer walk cheap), and every
//! distribution configures the backend it writes, so the live database is the one
//! rpm's autodetection finds: folder `var/lib/rpm` first (the default `%_dbpath`),
//! then `usr/lib/sysimage/rpm`; inside a folder sqlite, then NDB, then BDB. Any other
//! database present is named in a warning, since a leftover from a conversion is not
//! what rpm reads.
//!
//! Every record is a header blob ([`header`]), read for name, epoch, version,
//! release, arch, source rpm, license, vendor (else packager) as supplier, size,
//! summary, URL, the file list (ownership) and Requires/Provides. Requires are
//! resolved here, against the Provides (sonames such as `libc.so.6()(64bit)`,
//! `config(x)`, `name(arch)`, plain names) and file lists (a Requires on `/bin/sh`)
//! of the other installed packages; [`Package::depends`] then lists the providers
//! as `name.arch` (rpm's own NA notation), which [`dependency_targets`] maps back for
//! `relate`. `rpmlib(...)` requires (features of rpm itself) are dropped, and so are
//! requires nothing installed provides; rich dependencies (`(a or b)`) count every
//! package they name.
//!
//! `gpg-pubkey` records (the signing keys `rpm --import` stores as pseudo-packages,
//! version = key id and date) are reported like `rpm -qa`, syft and trivy report
//! them: which keys an image trusts is worth seeing in a diff between releases.
use std::collections::{BTreeSet, HashMap};

use sbom_model::{Ecosystem, License, Package};

use super::{join_normalise, warning};
use crate::{CapturedFile, CatalogOutput, Cataloger, Context, FileView, Warning};

mod bdb;
mod header;
mod ndb;
mod sqlite;

use bdb::Record;
use header::Header;

/// Folders rpm keeps its database in, in the order rpm's default `%_dbpath` gives.
const DIRS: [&str; 2] = ["var/lib/rpm", "usr/lib/sysimage/rpm"];

/// SQLite's write-ahead log beside `rpmdb.sqlite`.
const WAL_SUFFIX: &str = "-wal";

/// `RPMSENSE_RPMLIB`: a requirement on a feature of rpm itself.
const SENSE_RPMLIB: u64 = 1 << 24;

/// Property holding a package's module stream (RHEL 8 modularity), when it has one.
pub const MODULARITY_PROPERTY: &str = "sbom:rpm:modularitylabel";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Ndb,
    Bdb,
}

impl Backend {
    /// rpm's autodetection order.
    const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Ndb, Backend::Bdb];

    fn file(self) -> &'static str {
        match self {
            Backend::Sqlite => "rpmdb.sqlite",
            Backend::Ndb => "Packages.db",
            Backend::Bdb => "Packages",
        }
    }

    /// The records of `file`; SQLite's write-ahead log beside it is read too.
    fn records(
        self,
        view: &FileView,
        file: &CapturedFile,
        warn: &mut dyn FnMut(String),
    ) -> Result<Vec<Record>, String> {
        let data = &file.data[..];
        match self {
            Backend::Sqlite => {
                let wal = view.get(&format!("{}{WAL_SUFFIX}", file.path));
                sqlite::records(data, wal.map(|w| &w.data[..]), warn)
            }
            Backend::Ndb => ndb::records(data, warn),
            Backend::Bdb => bdb::records(data, warn),
        }
    }
}

/// The rpm cataloger.
#[derive(Clone, Copy, Debug, Default)]
pub struct RpmCataloger;

impl Cataloger for RpmCataloger {
    fn name(&self) -> &'static str {
        "rpm"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        DIRS.iter().any(|d| {
            path.strip_prefix(d)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|f| {
                    Backend::ALL.iter().any(|b| b.file() == f)
                        || f.strip_suffix(WAL_SUFFIX) == Some(Backend::Sqlite.file())
                })
        })
    }
    fn catalog(&self, view: &FileView, ctx: &Context) -> CatalogOutput {
        let mut out = CatalogOutput::default();
        let Some((file, backend)) = choose(view, &mut out.warnings) else {
            return out;
        };
        let mut msgs = Vec::new();
        let records = match backend.records(view, file, &mut |m| msgs.push(m)) {
            Ok(r) => r,
            Err(m) => {
                msgs.push(format!("rpm database not read: {m}"));
                Vec::new()
            }
        };
        let mut installed = Vec::with_capacity(records.len());
        let mut ids = BTreeSet::new();
        for rec in &records {
            match read_record(rec, file, !ctx.identities_only, &mut msgs) {
                Ok(i) if ids.insert(i.pkg.id.clone()) => installed.push(i),
                Ok(i) => msgs.push(format!(
                    "package {} listed twice; the first record is kept",
                    i.pkg.id.trim_start_matches("rpm:")
                )),
                Err(m) => msgs.push(format!("package record {}: {m}; skipped", rec.instance)),
            }
        }
        drop(records);
        if !ctx.identities_only {
            resolve_requires(&mut installed);
        }
        out.warnings
            .extend(msgs.into_iter().map(|m| warning(file, m)));
        for i in installed {
            if !ctx.identities_only {
                out.owned_files.insert(i.pkg.id.clone(), i.files);
            }
            out.packages.push(i.pkg);
        }
        out
    }
}

/// Header blobs read as the cataloger reads database records (identity, descriptive
/// facts, file list, Requires and Provides, then Requires resolved among them): the
/// packages, and the messages that would become warnings. The entry point of the
/// `rpm_header` fuzz target, which gets past the database formats this way.
#[doc(hidden)]
pub fn read_header_blobs(blobs: &[&[u8]]) -> (Vec<Package>, Vec<String>) {
    let file = CapturedFile {
        path: format!("{}/{}", DIRS[0], Backend::Sqlite.file()),
        data: Default::default(),
        layer: None,
    };
    let mut msgs = Vec::new();
    let mut installed = Vec::new();
    for (n, blob) in (0u32..).zip(blobs) {
        let rec = Record {
            instance: n,
            blob: blob.to_vec(),
        };
        match read_record(&rec, &file, true, &mut msgs) {
            Ok(i) => installed.push(i),
            Err(m) => msgs.push(m),
        }
    }
    resolve_requires(&mut installed);
    (installed.into_iter().map(|i| i.pkg).collect(), msgs)
}

/// The database rpm would read (see the module documentation); the others present
/// are named in warnings.
fn choose<'a>(
    view: &'a FileView,
    warnings: &mut Vec<Warning>,
) -> Option<(&'a CapturedFile, Backend)> {
    let mut found = DIRS.iter().flat_map(|d| {
        Backend::ALL
            .iter()
            .filter_map(move |&b| view.get(&format!("{d}/{}", b.file())).map(|f| (f, b)))
    });
    let chosen = found.next()?;
    for (other, _) in found {
        warnings.push(warning(
            other,
            format!(
                "another rpm database; rpm reads {} first, so this one is not reported",
                chosen.0.path
            ),
        ));
    }
    Some(chosen)
}

/// A package read from the database, with what dependency resolution needs.
#[derive(Debug)]
struct Installed {
    pkg: Package,
    provides: Vec<String>,
    requires: Vec<String>,
    /// Normalised paths (no leading `/`).
    files: Vec<String>,
}

/// One record as a package. With `full`, also its
/// descriptive facts, file list, Requires and Provides (a broken optional tag is
/// reported in `msgs` and loses that fact, not the package); without, only what
/// identifies it.
fn read_record(
    rec: &Record,
    file: &CapturedFile,
    full: bool,
    msgs: &mut Vec<String>,
) -> Result<Installed, String> {
    let h = Header::parse(&rec.blob)?;
    let (mut pkg, epoch) = identity(&h, msgs)?;
    pkg.metadata_path = Some(file.path.clone());
    pkg.layer = file.layer.clone();
    let mut i = Installed {
        pkg,
        provides: Vec::new(),
        requires: Vec::new(),
        files: Vec::new(),
    };
    if full {
        describe(&h, &mut i.pkg, epoch, msgs);
        let name = i.pkg.name.clone();
        let mut soft = |r: Result<(), String>| {
            if let Err(e) = r {
                msgs.push(format!("package {name}: {e}"));
            }
        };
        soft(file_list(&h).map(|f| i.files = f));
        soft(requires(&h).map(|r| i.requires = r));
        soft(
            h.string_array(header::PROVIDENAME)
                .map(|v| i.provides = v.into_iter().map(|s| s.into_owned()).collect()),
        );
    }
    Ok(i)
}

/// An optional string tag: a broken one is reported and read as absent.
fn soft_string(h: &Header<'_>, tag: i32, name: &str, msgs: &mut Vec<String>) -> Option<String> {
    match h.string(tag) {
        Ok(v) => v.filter(|s| !s.is_empty()).map(|s| s.into_owned()),
        Err(e) => {
            msgs.push(format!("package {name}: {e}"));
            None
        }
    }
}

/// Name, `[E:]V-R`, arch and temporary id (`rpm:NAME-EVR.ARCH`), and the epoch.
fn identity(h: &Header<'_>, msgs: &mut Vec<String>) -> Result<(Package, Option<u64>), String> {
    let required = |tag, what| match h.string(tag) {
        Ok(Some(v)) if !v.is_empty() => Ok(v),
        Ok(_) => Err(format!("no {what}")),
        Err(e) => Err(e),
    };
    let name = required(header::NAME, "name")?;
    let version = required(header::VERSION, "version")?;
    let release = required(header::RELEASE, "release")?;
    let epoch = h.int(header::EPOCH)?;
    let evr = match epoch {
        Some(e) => format!("{e}:{version}-{release}"),
        None => format!("{version}-{release}"),
    };
    let mut p = Package::new(Ecosystem::Rpm, name.as_ref(), evr);
    p.arch = soft_string(h, header::ARCH, &name, msgs);
    p.id = match &p.arch {
        Some(a) => format!("rpm:{}-{}.{a}", p.name, p.version),
        None => format!("rpm:{}-{}", p.name, p.version),
    };
    Ok((p, epoch))
}

/// Source package, supplier (Vendor, else Packager), license, summary, URL, size and
/// module stream.
fn describe(h: &Header<'_>, p: &mut Package, epoch: Option<u64>, msgs: &mut Vec<String>) {
    let name = p.name.clone();
    let mut soft = |tag| soft_string(h, tag, &name, msgs);
    if let Some((sname, sver)) = soft(header::SOURCERPM).as_deref().and_then(source_of) {
        p.source_name = Some(sname.to_string());
        // One spec builds the source rpm and its binaries: they share the epoch.
        p.source_version = Some(match epoch {
            Some(e) => format!("{e}:{sver}"),
            None => sver.to_string(),
        });
    }
    let vendor = soft(header::VENDOR);
    let packager = soft(header::PACKAGER);
    p.supplier = vendor.or(packager);
    p.licenses = soft(header::LICENSE)
        .and_then(|l| License::from_declared(&l))
        .into_iter()
        .collect();
    p.description = soft(header::SUMMARY);
    p.homepage = soft(header::URL);
    if let Some(m) = soft(header::MODULARITYLABEL) {
        p.properties.insert(MODULARITY_PROPERTY.into(), m);
    }
    p.installed_size = match h.int(header::LONGSIZE) {
        Ok(Some(s)) => Some(s),
        _ => h.int(header::SIZE).ok().flatten(),
    };
}

/// `name-version-release.src.rpm` → (name, `version-release`).
fn source_of(srpm: &str) -> Option<(&str, &str)> {
    let base = srpm.strip_suffix(".rpm")?;
    let (base, _arch) = base.rsplit_once('.')?;
    let (rest, release) = base.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || release.is_empty() {
        return None;
    }
    Some((name, &base[name.len() + 1..]))
}

/// The paths a package owns: `dirnames[dirindexes[i]] + basenames[i]` (or the
/// `oldfilenames` of headers older than rpm 4), normalised.
fn file_list(h: &Header<'_>) -> Result<Vec<String>, String> {
    let base = h.string_array(header::BASENAMES)?;
    if base.is_empty() {
        let old = h.string_array(header::OLDFILENAMES)?;
        return Ok(old.iter().filter_map(|p| join_normalise("", p)).collect());
    }
    let dirs = h.string_array(header::DIRNAMES)?;
    let idx = h.ints(header::DIRINDEXES)?;
    if idx.len() != base.len() {
        return Err(format!(
            "file list has {} names but {} folder indexes",
            base.len(),
            idx.len()
        ));
    }
    let mut out = Vec::with_capacity(base.len());
    for (b, &d) in base.iter().zip(&idx) {
        let dir = usize::try_from(d)
            .ok()
            .and_then(|d| dirs.get(d))
            .ok_or_else(|| format!("file {b} names folder {d} of {}", dirs.len()))?;
        if let Some(p) = join_normalise(dir, b) {
            out.push(p);
        }
    }
    Ok(out)
}

/// The capabilities a package requires: rpmlib() features dropped, rich
/// dependencies split into the names they mention.
fn requires(h: &Header<'_>) -> Result<Vec<String>, String> {
    let names = h.string_array(header::REQUIRENAME)?;
    let flags = h.ints(header::REQUIREFLAGS)?;
    let mut out = Vec::new();
    for (k, n) in names.iter().enumerate() {
        let f = flags.get(k).copied().unwrap_or(0);
        if f & SENSE_RPMLIB != 0 || n.starts_with("rpmlib(") {
            continue;
        }
        if n.starts_with('(') {
            out.extend(rich_names(n));
        } else {
            out.push(n.to_string());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The capability names of a rich dependency (`(a >= 1 or (b if c))` → a, b, c).
/// Names may hold balanced parentheses (`libc.so.6()(64bit)`).
fn rich_names(dep: &str) -> Vec<String> {
    let chars: Vec<char> = dep.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() || chars[i] == '(' || chars[i] == ')' {
            i += 1;
            continue;
        }
        let start = i;
        let mut depth = 0u32;
        while let Some(&c) = chars.get(i) {
            match c {
                c if c.is_whitespace() => break,
                '(' => depth += 1,
                ')' if depth == 0 => break,
                ')' => depth -= 1,
                _ => {}
            }
            i += 1;
        }
        tokens.push(chars[start..i].iter().collect::<String>());
    }
    let mut out = Vec::new();
    let mut version_next = false;
    for t in tokens {
        if std::mem::take(&mut version_next) {
            continue;
        }
        match t.as_str() {
            "and" | "or" | "if" | "else" | "with" | "without" | "unless" => {}
            "<" | ">" | "=" | "<=" | ">=" | "=<" | "=>" => version_next = true,
            _ => out.push(t),
        }
    }
    out
}

/// `name.arch` (rpm's NA notation), or the name of a package without arch.
fn label(p: &Package) -> String {
    match &p.arch {
        Some(a) => format!("{}.{a}", p.name),
        None => p.name.clone(),
    }
}

/// Fills each package's `depends` with the packages that provide what it requires:
/// by capability (Provides), and for a path by the file lists.
fn resolve_requires(installed: &mut [Installed]) {
    let mut by_cap: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, i) in installed.iter().enumerate() {
        for c in &i.provides {
            by_cap.entry(c.as_str()).or_default().push(k);
        }
    }
    // Only paths somebody requires are indexed.
    let wanted_paths: BTreeSet<String> = installed
        .iter()
        .flat_map(|i| &i.requires)
        .filter(|r| r.starts_with('/'))
        .filter_map(|r| join_normalise("", r))
        .collect();
    let mut by_path: HashMap<&str, Vec<usize>> = HashMap::new();
    if !wanted_paths.is_empty() {
        for (k, i) in installed.iter().enumerate() {
            for f in i.files.iter().filter(|f| wanted_paths.contains(*f)) {
                by_path.entry(f.as_str()).or_default().push(k);
            }
        }
    }
    let labels: Vec<String> = installed.iter().map(|i| label(&i.pkg)).collect();
    let mut depends: Vec<Vec<String>> = Vec::with_capacity(installed.len());
    for (k, i) in installed.iter().enumerate() {
        let mut targets = BTreeSet::new();
        for r in &i.requires {
            let by_file = if r.starts_with('/') {
                join_normalise("", r).and_then(|p| by_path.get(p.as_str()))
            } else {
                None
            };
            for &t in by_cap.get(r.as_str()).into_iter().chain(by_file).flatten() {
                if t != k {
                    targets.insert(t);
                }
            }
        }
        let mut names: Vec<String> = targets.into_iter().map(|t| labels[t].clone()).collect();
        names.dedup();
        depends.push(names);
    }
    for (i, d) in installed.iter_mut().zip(depends) {
        i.pkg.depends = d;
    }
}

/// The packages a `depends` entry of an rpm package names: `name.arch` picks that
/// arch of `name`; an entry that is no such pair is a plain name.
pub(crate) fn dependency_targets<'a>(
    dep: &str,
    by_name: impl Fn(&str) -> Vec<&'a Package>,
) -> Vec<&'a Package> {
    if let Some((name, arch)) = dep.rsplit_once('.') {
        let same: Vec<&Package> = by_name(name)
            .into_iter()
            .filter(|p| p.arch.as_deref() == Some(arch))
            .collect();
        if !same.is_empty() {
            return same;
        }
    }
    by_name(dep)
}

#[cfg(test)]
mod tests;
