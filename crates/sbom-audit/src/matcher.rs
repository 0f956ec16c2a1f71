//! Matching SBOM packages against the OSV index.
//!
//! Each package costs one index lookup (by ecosystem family and normalised name), so
//! matching is linear in packages. Records that hit the same package and share an id or
//! alias (CVE, GHSA, PYSEC, DSA, ...) are merged into one [`Finding`] (union-find over
//! ids and aliases). The same package (same bom-ref) in several SBOMs gives one finding
//! naming all of them.
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use sbom_model::version::compare;
use sbom_model::{Distro, Ecosystem, Package, Sbom};
use serde::Serialize;

use crate::keys::{self, Skip};
use crate::osv::{Family, OsvDatabase, Reference};
use crate::range::evaluate;
use crate::severity::{Rating, Severity};

/// The package a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AffectedPackage {
    /// bom-ref of the package in its SBOM.
    pub bom_ref: String,
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// The name the records were looked up by (Debian/Alpine: the source package).
    pub matched_name: String,
    /// The version compared against the ranges (Debian: the source version when known).
    pub matched_version: String,
    /// Metadata file in the image, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Python: the site-packages folder (tells a venv copy from the system one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_root: Option<String>,
}

/// Why a finding is not counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suppression {
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// CycloneDX analysis state (`not_affected`, `false_positive`, ...).
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// Where the decision comes from: `ignore file` or the VEX document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// One vulnerability (a merged alias group) in one package.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Preferred id of the group: a CVE if there is one, else a GHSA, else the smallest id.
    pub id: String,
    /// The other ids of the group, sorted.
    pub aliases: Vec<String>,
    /// Ids of the OSV records that matched.
    pub records: Vec<String>,
    pub package: AffectedPackage,
    /// SBOMs (subject names) containing the package.
    pub sboms: Vec<String>,
    pub severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
    /// Lowest fixed version above the installed one (highest such across merged records).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub references: Vec<Reference>,
    /// Set when an ignore entry accepts this finding, or a VEX statement says it is
    /// not affected or fixed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignored: Option<Suppression>,
    /// The VEX statement that applies (`sbom audit --vex`), whatever its status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vex: Option<crate::vex::AppliedVex>,
}

impl Finding {
    /// The id and every alias.
    pub fn all_ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// Counts for the report's header.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MatchStats {
    pub sboms: usize,
    pub packages: usize,
    /// Packages whose ecosystem has an OSV family we match.
    pub matchable: usize,
    pub vulnerable_packages: usize,
}

/// The vulnerability part of an audit.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct VulnReport {
    pub findings: Vec<Finding>,
    /// Ignore entries whose expiry date has passed (they no longer ignore anything).
    pub expired_ignores: Vec<crate::IgnoreEntry>,
    /// Things the user should know (packages that could not be matched and why).
    pub notes: Vec<String>,
    pub stats: MatchStats,
}

impl VulnReport {
    /// Findings that are not ignored.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.ignored.is_none())
    }

    /// Whether any active finding is at or above `threshold`.
    pub fn fails(&self, threshold: Severity) -> bool {
        self.active().any(|f| f.severity >= threshold)
    }
}

/// What a package is looked up as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchKey {
    pub family: Family,
    pub name: String,
    /// The release the SBOM's OS is (`12`, `22.04`, `3.20`); `None` when unknown.
    pub release: Option<String>,
    pub version: String,
    /// A second name looked up as well (rpm: the source rpm's name, as the binary's is
    /// `name`).
    pub also: Option<String>,
}

const DEBIAN_CODENAMES: &[(&str, &str)] = &[
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
];
const UBUNTU_CODENAMES: &[(&str, &str)] = &[
    ("bionic", "18.04"),
    ("focal", "20.04"),
    ("jammy", "22.04"),
    ("noble", "24.04"),
];

/// The OS family and release of a deb/apk package: from the SBOM's distro, else from the
/// purl (`pkg:deb/debian/x@v?distro=debian-12`).
fn os_of(p: &Package, distro: Option<&Distro>) -> Option<(String, Option<String>)> {
    if let Some(d) = distro {
        if !d.id.is_empty() {
            let release = d.version_id.clone().or_else(|| {
                d.version_codename
                    .as_deref()
                    .and_then(|c| codename_release(&d.id, c))
            });
            return Some((d.id.to_ascii_lowercase(), release));
        }
    }
    let purl = p.purl.as_deref()?;
    let rest = purl.strip_prefix("pkg:")?;
    let (ty, rest) = rest.split_once('/')?;
    if ty != "deb" && ty != "apk" {
        return None;
    }
    let (ns, _) = rest.split_once('/')?;
    let ns = ns.to_ascii_lowercase();
    let release = purl.split_once('?').and_then(|(_, q)| {
        q.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            if k != "distro" {
                return None;
            }
            let v = v.split('#').next().unwrap_or(v).replace("%2B", "+");
            let v = v.strip_prefix(&format!("{ns}-")).unwrap_or(&v).to_string();
            if v.starts_with(|c: char| c.is_ascii_digit()) {
                Some(v)
            } else {
                codename_release(&ns, &v)
            }
        })
    });
    Some((ns, release))
}

fn codename_release(id: &str, codename: &str) -> Option<String> {
    let table = match id {
        "debian" => DEBIAN_CODENAMES,
        "ubuntu" => UBUNTU_CODENAMES,
        _ => return None,
    };
    table
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(codename))
        .map(|(_, r)| r.to_string())
}

/// The source package name and version of an OS package: our own fields, else what other
/// tools record (trivy's `SrcName`/`SrcEpoch`/`SrcVersion`/`SrcRelease` properties, syft's
/// purl qualifier `upstream=NAME[@VERSION]`), else the binary name and version.
pub fn source_of(p: &Package) -> (String, String) {
    let nonempty = |s: Option<&String>| s.filter(|x| !x.trim().is_empty()).cloned();
    let prop = |k: &str| nonempty(p.properties.get(k));
    let upstream = p.purl.as_deref().and_then(|u| {
        let (_, q) = u.split_once('?')?;
        let q = q.split('#').next().unwrap_or(q);
        q.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == "upstream").then(|| crate::proxy::percent_decode(v))
        })
    });
    let (up_name, up_version) = match upstream.as_deref().map(|u| u.split_once('@')) {
        Some(Some((n, v))) => (Some(n.to_string()), Some(v.to_string())),
        Some(None) => (upstream.clone(), None),
        None => (None, None),
    };
    let trivy_version = prop("aquasecurity:trivy:SrcVersion").map(|v| {
        let mut full = v;
        if let Some(r) = prop("aquasecurity:trivy:SrcRelease") {
            full = format!("{full}-{r}");
        }
        match prop("aquasecurity:trivy:SrcEpoch") {
            Some(e) if e != "0" => format!("{e}:{full}"),
            _ => full,
        }
    });
    let name = nonempty(p.source_name.as_ref())
        .or_else(|| prop("aquasecurity:trivy:SrcName"))
        .or(up_name)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| p.name.clone());
    let version = nonempty(p.source_version.as_ref())
        .or(trivy_version)
        .or(up_version)
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| p.version.clone());
    (name, version)
}

/// How a package is looked up, or `None` for ecosystems without OSV data we match.
pub fn match_key(p: &Package, distro: Option<&Distro>) -> Option<MatchKey> {
    lookup_key(p, distro).ok()
}

/// How a package is looked up, or why it is not.
fn lookup_key(p: &Package, distro: Option<&Distro>) -> Result<MatchKey, Skip> {
    let unknown_os = |os: &str| Skip::UnknownOs(os.to_string());
    match p.ecosystem {
        Ecosystem::Pypi => Ok(MatchKey {
            family: Family::PyPI,
            name: Family::PyPI.normalise(&p.name),
            release: None,
            version: p.version.clone(),
            also: None,
        }),
        Ecosystem::Rpm => {
            let (os, version_id) = keys::rpm_os(p, distro).ok_or(Skip::UnknownOs(String::new()))?;
            let (family, release) =
                keys::rpm_family(&os, version_id.as_deref()).ok_or_else(|| unknown_os(&os))?;
            let name = family.normalise(&p.name);
            let (source, _) = source_of(p);
            let source = family.normalise(keys::srpm_name(&source));
            Ok(MatchKey {
                family,
                also: (source != name).then_some(source),
                name,
                release,
                version: keys::rpm_version(p),
            })
        }
        Ecosystem::Golang
        | Ecosystem::Cargo
        | Ecosystem::Maven
        | Ecosystem::Npm
        | Ecosystem::Gem
        | Ecosystem::Composer => {
            let (family, name, version) = keys::language_key(p)?;
            Ok(MatchKey {
                family,
                name,
                release: None,
                version,
                also: None,
            })
        }
        Ecosystem::Deb => {
            let (os, release) = os_of(p, distro).ok_or(Skip::UnknownOs(String::new()))?;
            let family = match os.as_str() {
                "debian" => Family::Debian,
                "ubuntu" => Family::Ubuntu,
                _ => return Err(unknown_os(&os)),
            };
            let release = release.map(|r| match family {
                // OSV uses the major release for Debian (`Debian:12`), VERSION_ID is `12`
                // (or `12.5` in some images).
                Family::Debian => r.split('.').next().unwrap_or(&r).to_string(),
                _ => r,
            });
            let (name, version) = source_of(p);
            Ok(MatchKey {
                family,
                name: family.normalise(&name),
                release,
                version,
                also: None,
            })
        }
        Ecosystem::Apk => {
            let (os, release) = os_of(p, distro).ok_or(Skip::UnknownOs(String::new()))?;
            if os != "alpine" {
                return Err(unknown_os(&os));
            }
            let release = release.map(|r| {
                let r = r.trim_start_matches('v');
                let mut it = r.split('.');
                match (it.next(), it.next()) {
                    (Some(a), Some(b)) => format!("{a}.{b}"),
                    _ => r.to_string(),
                }
            });
            let (name, _) = source_of(p);
            Ok(MatchKey {
                family: Family::Alpine,
                name: Family::Alpine.normalise(&name),
                release,
                version: p.version.clone(),
                also: None,
            })
        }
        Ecosystem::Oci | Ecosystem::Binary | Ecosystem::Archive | Ecosystem::Generic => {
            Err(Skip::Unsupported)
        }
    }
}

fn release_matches(family: Family, entry: Option<&str>, sbom: Option<&str>) -> bool {
    match (entry, sbom) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(e), Some(s)) => family.release_matches(e, s),
    }
}

/// The affected entries that hit a package: looked up by its name (and its second
/// name), of its release, with the version inside a range or listed.
fn lookup_hits(db: &OsvDatabase, key: &MatchKey) -> Vec<Hit> {
    let eco = key.family.ecosystem();
    // A record may hit twice (SUSE lists a package under several products, Red Hat
    // under baseos and appstream, the binary and the source name may both hit): the
    // grouping by id merges those.
    std::iter::once(key.name.as_str())
        .chain(key.also.as_deref())
        .flat_map(|name| db.lookup(key.family, name))
        .filter(|e| {
            release_matches(
                key.family,
                e.ecosystem.release.as_deref(),
                key.release.as_deref(),
            )
        })
        .filter_map(|e| {
            evaluate(eco, &key.version, &e.ranges, e.versions()).map(|h| Hit {
                advisory: e.advisory,
                fixed: h.fixed,
                entry_rating: e.rating.clone(),
            })
        })
        .collect()
}

#[derive(Clone)]
struct Hit {
    advisory: usize,
    fixed: Option<String>,
    entry_rating: Option<Rating>,
}

/// Matches every package of every SBOM against `db`.
pub fn audit(sboms: &[Sbom], db: &OsvDatabase) -> VulnReport {
    let mut stats = MatchStats {
        sboms: sboms.len(),
        ..MatchStats::default()
    };
    let mut no_release: BTreeSet<String> = BTreeSet::new();
    // Per SBOM: OS packages of distributions we have no OSV family for, and packages
    // whose version is no release, by (SBOM, what) -> count.
    let mut skipped: BTreeMap<(String, String), usize> = BTreeMap::new();
    // bom-ref -> finding index list, to merge the same package across SBOMs.
    let mut by_key: BTreeMap<(String, String), Finding> = BTreeMap::new();
    let mut vulnerable: BTreeSet<String> = BTreeSet::new();
    // The same package version in many images of a release is evaluated once.
    type MemoKey = (Family, String, Option<String>, String);
    let mut memo: HashMap<MemoKey, Vec<Hit>> = HashMap::new();
    for sbom in sboms {
        let sbom_name = sbom_label(sbom);
        for p in &sbom.packages {
            stats.packages += 1;
            let key = match lookup_key(p, sbom.distro.as_ref()) {
                Ok(key) => key,
                Err(why) => {
                    let what = match why {
                        Skip::Unsupported => continue,
                        Skip::UnknownOs(os) if os.is_empty() => continue,
                        Skip::UnknownOs(os) => format!(
                            "{} packages of {os}, a distribution without OSV data we match",
                            p.ecosystem
                        ),
                        Skip::NotARelease => format!(
                            "{} packages whose version is no release ((devel), a dev branch, \
                             or not valid in the ecosystem)",
                            p.ecosystem
                        ),
                    };
                    *skipped.entry((sbom_name.clone(), what)).or_default() += 1;
                    continue;
                }
            };
            stats.matchable += 1;
            if key.release.is_none() && key.family.has_releases() {
                no_release.insert(sbom_name.clone());
            }
            let memo_key = (
                key.family,
                key.name.clone(),
                key.release.clone(),
                key.version.clone(),
            );
            let hits: Vec<Hit> = memo
                .entry(memo_key)
                .or_insert_with(|| lookup_hits(db, &key))
                .clone();
            if hits.is_empty() {
                continue;
            }
            let bom_ref = package_ref(p);
            vulnerable.insert(bom_ref.clone());
            let pkg = AffectedPackage {
                bom_ref: bom_ref.clone(),
                ecosystem: p.ecosystem,
                name: p.name.clone(),
                version: p.version.clone(),
                purl: p.purl.clone(),
                matched_name: key.name.clone(),
                matched_version: key.version.clone(),
                location: p.metadata_path.clone(),
                site_root: p.site_root.clone(),
            };
            for f in group(db, key.family.ecosystem(), pkg, hits) {
                let k = (bom_ref.clone(), f.id.clone());
                by_key
                    .entry(k)
                    .and_modify(|existing| {
                        if !existing.sboms.contains(&sbom_name) {
                            existing.sboms.push(sbom_name.clone());
                        }
                    })
                    .or_insert_with(|| Finding {
                        sboms: vec![sbom_name.clone()],
                        ..f
                    });
            }
        }
    }
    stats.vulnerable_packages = vulnerable.len();
    let mut findings: Vec<Finding> = by_key.into_values().collect();
    for f in &mut findings {
        f.sboms.sort();
    }
    sort_findings(&mut findings);
    let notes = no_release
        .into_iter()
        .map(|s| {
            format!("{s}: OS release unknown, release-specific OS advisories were not matched")
        })
        .chain(
            skipped
                .into_iter()
                .map(|((s, what), n)| format!("{s}: {n} {what} were not matched")),
        )
        .collect();
    VulnReport {
        findings,
        expired_ignores: Vec::new(),
        notes,
        stats,
    }
}

/// Most severe first, then by package and id.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.package.name.cmp(&b.package.name))
            .then_with(|| a.package.version.cmp(&b.package.version))
            .then_with(|| a.package.bom_ref.cmp(&b.package.bom_ref))
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// A label for an SBOM in reports.
pub fn sbom_label(s: &Sbom) -> String {
    let name = if s.subject.name.is_empty() {
        s.subject.reference.clone()
    } else {
        s.subject.name.clone()
    };
    match &s.subject.tag {
        Some(t) if !t.is_empty() && !name.ends_with(&format!(":{t}")) => format!("{name}:{t}"),
        _ => name,
    }
}

/// The bom-ref of a package (its id; purl or name@version when the SBOM has no ids).
pub fn package_ref(p: &Package) -> String {
    if !p.id.is_empty() {
        p.id.clone()
    } else if let Some(purl) = &p.purl {
        purl.clone()
    } else {
        format!("{}:{}@{}", p.ecosystem, p.name, p.version)
    }
}

fn id_rank(id: &str) -> u8 {
    if id.starts_with("CVE-") {
        0
    } else if id.starts_with("GHSA-") {
        1
    } else {
        2
    }
}

/// Union-find over ids and aliases of the hits of one package.
fn group(db: &OsvDatabase, eco: Ecosystem, pkg: AffectedPackage, hits: Vec<Hit>) -> Vec<Finding> {
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut parent: Vec<usize> = Vec::new();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut intern = |s: &str, parent: &mut Vec<usize>| -> usize {
        if let Some(&i) = ids.get(s) {
            return i;
        }
        let i = parent.len();
        parent.push(i);
        ids.insert(s.to_string(), i);
        i
    };
    let mut hit_node = Vec::with_capacity(hits.len());
    for h in &hits {
        let Some(a) = db.advisory(h.advisory) else {
            continue;
        };
        let root = intern(&a.id, &mut parent);
        for al in &a.aliases {
            let n = intern(al, &mut parent);
            let (x, y) = (find(&mut parent, root), find(&mut parent, n));
            if x != y {
                parent[y] = x;
            }
        }
        hit_node.push((root, h));
    }
    let mut groups: BTreeMap<usize, Vec<&Hit>> = BTreeMap::new();
    for (node, h) in hit_node {
        let r = find(&mut parent, node);
        groups.entry(r).or_default().push(h);
    }
    let mut out = Vec::new();
    for (_, hs) in groups {
        let mut all: BTreeSet<String> = BTreeSet::new();
        let mut records: BTreeSet<String> = BTreeSet::new();
        let mut rating: Option<Rating> = None;
        let mut fixed: Option<String> = None;
        let mut summary: Option<String> = None;
        let mut refs: Vec<Reference> = Vec::new();
        for h in &hs {
            let Some(a) = db.advisory(h.advisory) else {
                continue;
            };
            all.insert(a.id.clone());
            all.extend(a.aliases.iter().cloned());
            records.insert(a.id.clone());
            for r in [a.rating.as_ref(), h.entry_rating.as_ref()]
                .into_iter()
                .flatten()
            {
                if rating.as_ref().is_none_or(|cur| better(r, cur)) {
                    rating = Some(r.clone());
                }
            }
            if let Some(fx) = &h.fixed {
                if fixed
                    .as_deref()
                    .is_none_or(|cur| compare(eco, fx, cur) == Ordering::Greater)
                {
                    fixed = Some(fx.clone());
                }
            }
            if summary.is_none() {
                summary.clone_from(&a.summary);
            }
            for r in &a.references {
                if !refs.iter().any(|x| x.url == r.url) {
                    refs.push(r.clone());
                }
            }
        }
        let Some(id) = all
            .iter()
            .min_by(|a, b| id_rank(a).cmp(&id_rank(b)).then_with(|| a.cmp(b)))
            .cloned()
        else {
            continue;
        };
        let aliases = all.into_iter().filter(|x| *x != id).collect();
        refs.sort_by(|a, b| a.url.cmp(&b.url));
        out.push(Finding {
            id,
            aliases,
            records: records.into_iter().collect(),
            package: pkg.clone(),
            sboms: Vec::new(),
            severity: rating.as_ref().map(|r| r.severity).unwrap_or_default(),
            rating,
            fixed,
            summary,
            references: refs,
            ignored: None,
            vex: None,
        });
    }
    out
}

/// Whether rating `a` should replace `b`: more severe wins; at equal severity a scored one.
fn better(a: &Rating, b: &Rating) -> bool {
    match a.severity.cmp(&b.severity) {
        Ordering::Greater => true,
        Ordering::Less => false,
        Ordering::Equal => a.score.is_some() && b.score.is_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osv::OsvRecord;

    fn db(records: &[&str]) -> OsvDatabase {
        OsvDatabase::from_records(
            records
                .iter()
                .map(|r| serde_json::from_str::<OsvRecord>(r).expect("test record"))
                .collect(),
        )
    }

    fn debian(version_id: &str, pkgs: Vec<Package>) -> Sbom {
        let mut s = Sbom {
            distro: Some(Distro {
                id: "debian".into(),
                version_id: Some(version_id.into()),
                ..Distro::default()
            }),
            packages: pkgs,
            ..Sbom::default()
        };
        s.subject.name = "img".into();
        s.finalize();
        s
    }

    fn deb(name: &str, version: &str, source: Option<(&str, Option<&str>)>) -> Package {
        let mut p = Package::new(Ecosystem::Deb, name, version);
        if let Some((s, v)) = source {
            p.source_name = Some(s.into());
            p.source_version = v.map(Into::into);
        }
        p
    }

    const SHADOW12: &str = r#"{"id":"DEBIAN-CVE-2024-56433","aliases":["CVE-2024-56433"],"affected":[{"package":{"ecosystem":"Debian:12","name":"shadow"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}"#;

    #[test]
    fn debian_matches_by_source_package() {
        let d = db(&[SHADOW12]);
        let s = debian(
            "12",
            vec![
                deb(
                    "passwd",
                    "1:4.13+dfsg1-1+b1",
                    Some(("shadow", Some("1:4.13+dfsg1-1"))),
                ),
                deb("login", "1:4.13+dfsg1-1+b1", Some(("shadow", None))),
                deb("shadow", "1.0", None).clone(),
            ],
        );
        let r = audit(&[s], &d);
        let names: Vec<&str> = r.findings.iter().map(|f| f.package.name.as_str()).collect();
        assert_eq!(names, vec!["login", "passwd", "shadow"]);
        let passwd = &r.findings[1];
        assert_eq!(passwd.id, "CVE-2024-56433");
        assert_eq!(passwd.aliases, vec!["DEBIAN-CVE-2024-56433"]);
        assert_eq!(passwd.package.matched_name, "shadow");
        assert_eq!(passwd.package.matched_version, "1:4.13+dfsg1-1");
        assert_eq!(r.findings[0].package.matched_version, "1:4.13+dfsg1-1+b1");
        assert_eq!(passwd.fixed, None);
    }

    #[test]
    fn debian_11_record_does_not_hit_a_debian_12_image() {
        let rec11 = SHADOW12.replace("Debian:12", "Debian:11");
        let d = db(&[&rec11]);
        let s = debian("12", vec![deb("login", "1:4.13", Some(("shadow", None)))]);
        assert!(audit(&[s], &d).findings.is_empty());
        let s11 = debian("11", vec![deb("login", "1:4.13", Some(("shadow", None)))]);
        assert_eq!(audit(&[s11], &d).findings.len(), 1);
    }

    #[test]
    fn debian_release_comes_from_purl_when_distro_is_missing() {
        let d = db(&[SHADOW12]);
        let mut p = deb("login", "1:4.13", Some(("shadow", None)));
        p.purl = Some("pkg:deb/debian/login@1:4.13?arch=amd64&distro=debian-12".into());
        let s = Sbom {
            packages: vec![p.clone()],
            ..Sbom::default()
        };
        assert_eq!(audit(&[s], &d).findings.len(), 1);
        p.purl = Some("pkg:deb/debian/login@1:4.13?distro=bookworm".into());
        let s = Sbom {
            packages: vec![p.clone()],
            ..Sbom::default()
        };
        assert_eq!(audit(&[s], &d).findings.len(), 1);
        p.purl = Some("pkg:deb/debian/login@1:4.13".into());
        let s = Sbom {
            packages: vec![p],
            ..Sbom::default()
        };
        let r = audit(&[s], &d);
        assert!(r.findings.is_empty());
        assert_eq!(r.notes.len(), 1, "unknown release is reported");
    }

    #[test]
    fn ubuntu_lts_suffix_and_alpine_release_match() {
        let d = db(&[
            r#"{"id":"UBUNTU-CVE-1","aliases":["CVE-1"],"affected":[{"package":{"ecosystem":"Ubuntu:22.04:LTS","name":"openssl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.2-0ubuntu1.15"}]}]}]}"#,
            r#"{"id":"ALPINE-CVE-2","affected":[{"package":{"ecosystem":"Alpine:v3.20","name":"openssl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.3.2-r0"}]}]}]}"#,
        ]);
        let mut u = Sbom {
            distro: Some(Distro {
                id: "ubuntu".into(),
                version_id: Some("22.04".into()),
                ..Distro::default()
            }),
            packages: vec![deb("libssl3", "3.0.2-0ubuntu1.10", Some(("openssl", None)))],
            ..Sbom::default()
        };
        u.finalize();
        let r = audit(&[u], &d);
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.findings[0].fixed.as_deref(), Some("3.0.2-0ubuntu1.15"));
        let mut libssl = Package::new(Ecosystem::Apk, "libssl3", "3.3.1-r0");
        libssl.source_name = Some("openssl".into());
        let mut a = Sbom {
            distro: Some(Distro {
                id: "alpine".into(),
                version_id: Some("3.20.1".into()),
                ..Distro::default()
            }),
            packages: vec![libssl],
            ..Sbom::default()
        };
        a.finalize();
        let r = audit(&[a.clone()], &d);
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.findings[0].id, "ALPINE-CVE-2");
        a.distro = Some(Distro {
            id: "alpine".into(),
            version_id: Some("3.19.0".into()),
            ..Distro::default()
        });
        assert!(audit(&[a], &d).findings.is_empty());
    }

    #[test]
    fn aliases_merge_into_one_finding_transitively() {
        let d = db(&[
            r#"{"id":"PYSEC-2023-192","aliases":["CVE-2023-43804","GHSA-v845-jxx5-vc9f"],"affected":[{"package":{"ecosystem":"PyPI","name":"urllib3"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.26.17"}]}]}]}"#,
            r#"{"id":"GHSA-v845-jxx5-vc9f","aliases":["CVE-2023-43804"],"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N"}],"affected":[{"package":{"ecosystem":"PyPI","name":"urllib3"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.26.18"}]}]}]}"#,
            r#"{"id":"PYSEC-9","aliases":["GHSA-v845-jxx5-vc9f"],"affected":[{"package":{"ecosystem":"PyPI","name":"urllib3"},"versions":["1.26.5"]}]}"#,
            r#"{"id":"PYSEC-10","aliases":["CVE-2099-1"],"affected":[{"package":{"ecosystem":"PyPI","name":"urllib3"},"versions":["1.26.5"]}]}"#,
        ]);
        let mut s = Sbom {
            packages: vec![Package::new(Ecosystem::Pypi, "urllib3", "1.26.5")],
            ..Sbom::default()
        };
        s.finalize();
        let r = audit(&[s], &d);
        assert_eq!(r.findings.len(), 2, "{:#?}", r.findings);
        let f = r
            .findings
            .iter()
            .find(|f| f.id == "CVE-2023-43804")
            .expect("merged finding");
        assert_eq!(
            f.aliases,
            vec!["GHSA-v845-jxx5-vc9f", "PYSEC-2023-192", "PYSEC-9"]
        );
        assert_eq!(f.records.len(), 3);
        // The highest of the records' lowest fixes.
        assert_eq!(f.fixed.as_deref(), Some("1.26.18"));
        assert_eq!(f.severity, Severity::High);
        assert!(r.findings.iter().any(|f| f.id == "CVE-2099-1"));
    }

    #[test]
    fn pypi_names_match_by_pep503_and_same_package_in_two_sboms_is_one_finding() {
        let d = db(&[
            r#"{"id":"PYSEC-1","affected":[{"package":{"ecosystem":"PyPI","name":"PyYAML"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"5.4"}]}]}]}"#,
        ]);
        let mk = |name: &str| {
            let mut s = Sbom {
                packages: vec![Package::new(Ecosystem::Pypi, "pyyaml", "5.3.1")],
                ..Sbom::default()
            };
            s.subject.name = name.into();
            s.finalize();
            s
        };
        let r = audit(&[mk("b"), mk("a")], &d);
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.findings[0].sboms, vec!["a", "b"]);
        assert_eq!(r.findings[0].fixed.as_deref(), Some("5.4"));
        assert_eq!(r.stats.packages, 2);
    }

    #[test]
    fn source_package_from_syft_purl_or_trivy_properties() {
        let mut syft = Package::new(Ecosystem::Deb, "libssl3", "3.0.11-1~deb12u2");
        syft.purl = Some(
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&upstream=openssl&distro=debian-12"
                .into(),
        );
        assert_eq!(
            source_of(&syft),
            ("openssl".to_string(), "3.0.11-1~deb12u2".to_string())
        );
        syft.purl = Some("pkg:deb/debian/libc6@2.36-9?upstream=glibc%402.36-9%2Bdeb12u1".into());
        assert_eq!(
            source_of(&syft),
            ("glibc".to_string(), "2.36-9+deb12u1".to_string())
        );
        let mut trivy = Package::new(Ecosystem::Deb, "login", "1:4.13+dfsg1-1+b1");
        for (k, v) in [
            ("aquasecurity:trivy:SrcName", "shadow"),
            ("aquasecurity:trivy:SrcEpoch", "1"),
            ("aquasecurity:trivy:SrcVersion", "4.13+dfsg1"),
            ("aquasecurity:trivy:SrcRelease", "1"),
        ] {
            trivy.properties.insert(k.into(), v.into());
        }
        assert_eq!(
            source_of(&trivy),
            ("shadow".to_string(), "1:4.13+dfsg1-1".to_string())
        );
        let plain = Package::new(Ecosystem::Deb, "bash", "5.2");
        assert_eq!(source_of(&plain), ("bash".to_string(), "5.2".to_string()));
    }

    #[test]
    fn deb_packages_of_unknown_os_are_not_matched() {
        let d = db(&[SHADOW12]);
        let mut s = Sbom {
            distro: Some(Distro {
                id: "fedora".into(),
                version_id: Some("40".into()),
                ..Distro::default()
            }),
            packages: vec![deb("login", "1", Some(("shadow", None)))],
            ..Sbom::default()
        };
        s.finalize();
        let r = audit(&[s], &d);
        assert!(r.findings.is_empty());
        assert_eq!(r.stats.matchable, 0);
    }
}
