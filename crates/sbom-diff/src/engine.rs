//! The package-level diff of two SBOMs.
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use sbom_model::{version, Ecosystem, License, Package, Sbom};

use crate::change::{Change, ChangeKind, DiffOptions, SbomDiff, SubjectInfo, Summary};

/// What makes two packages "the same package" across SBOMs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Identity {
    ecosystem: Ecosystem,
    name: String,
    arch: Option<String>,
    /// Python only: two venvs hold different packages.
    site_root: Option<String>,
}

impl Identity {
    fn of(p: &Package) -> Self {
        let site_root = match p.ecosystem {
            Ecosystem::Pypi => p
                .site_root
                .as_deref()
                .map(|s| s.trim_matches('/').to_string())
                .filter(|s| !s.is_empty()),
            _ => None,
        };
        Identity {
            ecosystem: p.ecosystem,
            name: p.normalized_name(),
            arch: p
                .arch
                .as_deref()
                .map(str::to_ascii_lowercase)
                .filter(|a| !a.is_empty()),
            site_root,
        }
    }
}

/// Above this many candidate pairs for one name, pair in sorted order instead of by
/// nearest distance (bounded work on hostile input).
const MAX_PAIR_CANDIDATES: usize = 250_000;

/// Compares `old` with `new`. Pure and deterministic: the same inputs give the same
/// changes in the same order.
pub fn diff(old: &Sbom, new: &Sbom, opts: &DiffOptions) -> SbomDiff {
    let mut groups: BTreeMap<Identity, (Vec<&Package>, Vec<&Package>)> = BTreeMap::new();
    for p in &old.packages {
        groups.entry(Identity::of(p)).or_default().0.push(p);
    }
    for p in &new.packages {
        groups.entry(Identity::of(p)).or_default().1.push(p);
    }
    let mut changes = Vec::new();
    let mut unchanged = 0;
    // Leftovers of the exact pass, by ecosystem and name, for the lenient pass.
    type Loose<'a> = BTreeMap<(Ecosystem, String), (Vec<&'a Package>, Vec<&'a Package>)>;
    let mut loose: Loose<'_> = BTreeMap::new();
    for (id, (olds, news)) in groups {
        let paired = pair(id.ecosystem, olds, news, None);
        for (o, n) in paired.pairs {
            if !emit_pair(&id, o, n, opts, &mut changes) {
                unchanged += 1;
            }
        }
        let slot = loose.entry((id.ecosystem, id.name.clone())).or_default();
        slot.0.extend(paired.removed);
        slot.1.extend(paired.added);
    }
    // Lenient pass: an unknown arch or site root (an SBOM from another tool) matches
    // any; two known, different values never match (two venvs stay two packages).
    for ((eco, _), (olds, news)) in loose {
        let paired = if olds.is_empty() || news.is_empty() {
            Paired {
                pairs: Vec::new(),
                removed: olds,
                added: news,
            }
        } else {
            pair(eco, olds, news, Some(&compatible))
        };
        for (o, n) in paired.pairs {
            let (a, b) = (Identity::of(o), Identity::of(n));
            let id = Identity {
                arch: b.arch.or(a.arch),
                site_root: b.site_root.or(a.site_root),
                ..b
            };
            if !emit_pair(&id, o, n, opts, &mut changes) {
                unchanged += 1;
            }
        }
        for p in paired.removed {
            changes.push(change(
                ChangeKind::Removed,
                &Identity::of(p),
                Some(p),
                None,
                opts,
            ));
        }
        for p in paired.added {
            changes.push(change(
                ChangeKind::Added,
                &Identity::of(p),
                None,
                Some(p),
                opts,
            ));
        }
    }
    crate::sort::sort_safe(&mut changes, change_order);
    SbomDiff {
        old: SubjectInfo::of(old),
        new: SubjectInfo::of(new),
        summary: Summary::of(&changes, opts.layers),
        unchanged,
        changes,
    }
}

/// A predicate: may these two packages be paired?
type Compatible<'f> = dyn Fn(&Package, &Package) -> bool + 'f;

/// Whether two packages of one ecosystem and name may be the same package when their
/// identities differ: each of arch and site root is equal or unknown on one side.
fn compatible(o: &Package, n: &Package) -> bool {
    let (a, b) = (Identity::of(o), Identity::of(n));
    let ok = |x: &Option<String>, y: &Option<String>| x == y || x.is_none() || y.is_none();
    ok(&a.arch, &b.arch) && ok(&a.site_root, &b.site_root)
}

/// Pushes the changes of a matched pair; returns whether there was any.
fn emit_pair(
    id: &Identity,
    o: &Package,
    n: &Package,
    opts: &DiffOptions,
    changes: &mut Vec<Change>,
) -> bool {
    let before = changes.len();
    match version::compare(id.ecosystem, &o.version, &n.version) {
        Ordering::Less => changes.push(change(ChangeKind::Upgraded, id, Some(o), Some(n), opts)),
        Ordering::Greater => {
            changes.push(change(ChangeKind::Downgraded, id, Some(o), Some(n), opts));
        }
        Ordering::Equal => {}
    }
    if license_set(o) != license_set(n) {
        changes.push(change(
            ChangeKind::LicenseChanged,
            id,
            Some(o),
            Some(n),
            opts,
        ));
    }
    if opts.layers && layer_moved(o, n) {
        changes.push(change(ChangeKind::MovedLayer, id, Some(o), Some(n), opts));
    }
    changes.len() != before
}

fn license_set(p: &Package) -> BTreeSet<&License> {
    p.licenses.iter().collect()
}

fn layer_moved(o: &Package, n: &Package) -> bool {
    match (&o.layer, &n.layer) {
        (Some(a), Some(b)) => a.diff_id != b.diff_id || a.index != b.index,
        _ => false,
    }
}

fn sorted_licenses(p: Option<&Package>) -> Vec<String> {
    let mut v: Vec<String> = p
        .map(|p| p.licenses.iter().map(|l| l.as_str().to_string()).collect())
        .unwrap_or_default();
    v.sort();
    v.dedup();
    v
}

fn change(
    kind: ChangeKind,
    id: &Identity,
    old: Option<&Package>,
    new: Option<&Package>,
    opts: &DiffOptions,
) -> Change {
    let shown = new.or(old);
    Change {
        kind,
        ecosystem: id.ecosystem,
        name: shown.map_or_else(|| id.name.clone(), |p| p.name.clone()),
        arch: shown
            .and_then(|p| p.arch.clone())
            .or_else(|| id.arch.clone()),
        site_root: id.site_root.clone(),
        old_version: old.map(|p| p.version.clone()),
        new_version: new.map(|p| p.version.clone()),
        old_licenses: sorted_licenses(old),
        new_licenses: sorted_licenses(new),
        old_layer: old.and_then(|p| p.layer.clone()).filter(|_| opts.layers),
        new_layer: new.and_then(|p| p.layer.clone()).filter(|_| opts.layers),
        purl: shown.and_then(|p| p.purl.clone()),
    }
}

/// The order of changes in every output.
pub(crate) fn change_order(a: &Change, b: &Change) -> Ordering {
    let key = |c: &Change| {
        (
            c.ecosystem,
            c.name.to_ascii_lowercase(),
            c.arch.clone(),
            c.site_root.clone(),
            c.kind,
        )
    };
    key(a)
        .cmp(&key(b))
        .then_with(|| cmp_opt_version(a.ecosystem, &a.old_version, &b.old_version))
        .then_with(|| cmp_opt_version(a.ecosystem, &a.new_version, &b.new_version))
        .then_with(|| a.old_version.cmp(&b.old_version))
        .then_with(|| a.new_version.cmp(&b.new_version))
        .then_with(|| a.name.cmp(&b.name))
        .then_with(|| a.purl.cmp(&b.purl))
}

fn cmp_opt_version(e: Ecosystem, a: &Option<String>, b: &Option<String>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => version::compare(e, a, b),
        _ => a.is_some().cmp(&b.is_some()),
    }
}

/// Result of pairing the old and new packages of one identity.
struct Paired<'a> {
    pairs: Vec<(&'a Package, &'a Package)>,
    removed: Vec<&'a Package>,
    added: Vec<&'a Package>,
}

/// Pairs the versions of one identity as a multiset: equal strings first, then versions
/// equal by the ecosystem's ordering (`1.0` and `1.0.0` for Python), then the remaining
/// ones by nearest position in the merged ordering. Leftovers are added or removed.
/// With `compatible`, only packages it accepts are paired (the lenient pass).
fn pair<'a>(
    eco: Ecosystem,
    mut olds: Vec<&'a Package>,
    mut news: Vec<&'a Package>,
    compatible: Option<&Compatible<'_>>,
) -> Paired<'a> {
    let may = |a: &Package, b: &Package| compatible.is_none_or(|f| f(a, b));
    let order = |a: &&Package, b: &&Package| {
        version::compare(eco, &a.version, &b.version)
            .then_with(|| a.version.cmp(&b.version))
            .then_with(|| a.sort_key().cmp(&b.sort_key()))
    };
    crate::sort::sort_safe(&mut olds, order);
    crate::sort::sort_safe(&mut news, order);
    let mut pairs = Vec::new();
    let mut old_left: Vec<Option<&Package>> = olds.into_iter().map(Some).collect();
    let mut new_left: Vec<Option<&Package>> = news.into_iter().map(Some).collect();
    let big = old_left.len().saturating_mul(new_left.len()) > MAX_PAIR_CANDIDATES;
    // Equal strings first, through an index so that large groups stay near-linear.
    let mut by_version: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (j, n) in new_left.iter().enumerate().rev() {
        if let Some(np) = n {
            by_version.entry(np.version.as_str()).or_default().push(j);
        }
    }
    for o in old_left.iter_mut() {
        let Some(op) = *o else { continue };
        let Some(list) = by_version.get_mut(op.version.as_str()) else {
            continue;
        };
        // Candidates are in file order (the list is reversed; take from the end).
        let pick = list.iter().rposition(|j| {
            new_left
                .get(*j)
                .copied()
                .flatten()
                .is_some_and(|np| may(op, np))
        });
        if let Some(k) = pick {
            let j = list.remove(k);
            if let Some(np) = new_left.get_mut(j).and_then(Option::take) {
                pairs.push((op, np));
                *o = None;
            }
        }
    }
    // Then versions equal by the ecosystem's ordering (`1.0` and `1.0.0`).
    if !big {
        for o in old_left.iter_mut() {
            let Some(op) = *o else { continue };
            let found = new_left.iter_mut().find(|n| {
                n.is_some_and(|np| {
                    may(op, np)
                        && version::compare(eco, &op.version, &np.version) == Ordering::Equal
                })
            });
            if let Some(np) = found.and_then(Option::take) {
                pairs.push((op, np));
                *o = None;
            }
        }
    }
    let olds: Vec<&Package> = old_left.into_iter().flatten().collect();
    let news: Vec<&Package> = new_left.into_iter().flatten().collect();
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    if olds.is_empty() || news.is_empty() {
        removed.extend(olds);
        added.extend(news);
    } else if olds.len().saturating_mul(news.len()) > MAX_PAIR_CANDIDATES {
        if compatible.is_some() {
            // Lenient pass on a huge group: no guessing.
            removed.extend(olds);
            added.extend(news);
        } else {
            let n = olds.len().min(news.len());
            pairs.extend(olds.iter().copied().zip(news.iter().copied()));
            removed.extend(olds.into_iter().skip(n));
            added.extend(news.into_iter().skip(n));
        }
    } else {
        nearest(
            eco,
            &olds,
            &news,
            &may,
            &mut pairs,
            &mut removed,
            &mut added,
        );
    }
    Paired {
        pairs,
        removed,
        added,
    }
}

/// Greedy nearest pairing by rank in the merged version ordering.
fn nearest<'a>(
    eco: Ecosystem,
    olds: &[&'a Package],
    news: &[&'a Package],
    may: &Compatible<'_>,
    pairs: &mut Vec<(&'a Package, &'a Package)>,
    removed: &mut Vec<&'a Package>,
    added: &mut Vec<&'a Package>,
) {
    // Rank every version in one merged ordering (old side first on ties).
    let mut all: Vec<(bool, usize, &Package)> = olds
        .iter()
        .enumerate()
        .map(|(i, p)| (false, i, *p))
        .chain(news.iter().enumerate().map(|(i, p)| (true, i, *p)))
        .collect();
    crate::sort::sort_safe(&mut all, |a, b| {
        version::compare(eco, &a.2.version, &b.2.version)
            .then_with(|| a.2.version.cmp(&b.2.version))
            .then_with(|| a.0.cmp(&b.0))
            .then_with(|| a.1.cmp(&b.1))
    });
    let mut old_rank = vec![0usize; olds.len()];
    let mut new_rank = vec![0usize; news.len()];
    for (rank, (is_new, i, _)) in all.iter().enumerate() {
        let slot = if *is_new {
            new_rank.get_mut(*i)
        } else {
            old_rank.get_mut(*i)
        };
        if let Some(s) = slot {
            *s = rank;
        }
    }
    let mut candidates: Vec<(usize, usize, usize)> = Vec::new();
    for (i, ro) in old_rank.iter().enumerate() {
        for (j, rn) in new_rank.iter().enumerate() {
            if may(olds[i], news[j]) {
                candidates.push((ro.abs_diff(*rn), i, j));
            }
        }
    }
    candidates.sort_unstable();
    let mut old_used = vec![false; olds.len()];
    let mut new_used = vec![false; news.len()];
    let mut chosen = Vec::new();
    for (_, i, j) in candidates {
        if old_used[i] || new_used[j] {
            continue;
        }
        old_used[i] = true;
        new_used[j] = true;
        chosen.push((i, j));
    }
    chosen.sort_unstable();
    pairs.extend(chosen.into_iter().map(|(i, j)| (olds[i], news[j])));
    removed.extend(
        olds.iter()
            .zip(&old_used)
            .filter(|(_, u)| !**u)
            .map(|(p, _)| *p),
    );
    added.extend(
        news.iter()
            .zip(&new_used)
            .filter(|(_, u)| !**u)
            .map(|(p, _)| *p),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use sbom_model::LayerRef;

    fn deb(name: &str, v: &str) -> Package {
        let mut p = Package::new(Ecosystem::Deb, name, v);
        p.arch = Some("amd64".into());
        p
    }

    fn py(name: &str, v: &str, root: &str) -> Package {
        let mut p = Package::new(Ecosystem::Pypi, name, v);
        p.site_root = Some(root.into());
        p
    }

    fn sbom(name: &str, packages: Vec<Package>) -> Sbom {
        let mut s = Sbom {
            packages,
            ..Sbom::default()
        };
        s.subject.name = name.into();
        s
    }

    fn kinds(d: &SbomDiff) -> Vec<(ChangeKind, String, Option<String>, Option<String>)> {
        d.changes
            .iter()
            .map(|c| {
                (
                    c.kind,
                    c.name.clone(),
                    c.old_version.clone(),
                    c.new_version.clone(),
                )
            })
            .collect()
    }

    fn s(x: &str) -> Option<String> {
        Some(x.to_string())
    }

    #[test]
    fn diff_with_itself_is_empty() {
        let a = sbom(
            "img",
            vec![
                deb("bash", "5.2-1"),
                py("six", "1.16", "venv/site-packages"),
                deb("bash", "5.1-1"),
            ],
        );
        let d = diff(&a, &a, &DiffOptions { layers: true });
        assert!(d.is_empty(), "{:?}", d.changes);
        assert!(d.summary.is_empty());
        assert_eq!(d.unchanged, 3);
    }

    #[test]
    fn epoch_makes_a_downgrade_that_a_string_compare_would_miss() {
        let a = sbom("a", vec![deb("vim", "1:1.0")]);
        let b = sbom("b", vec![deb("vim", "2.0")]);
        let d = diff(&a, &b, &DiffOptions::default());
        assert_eq!(
            kinds(&d),
            vec![(ChangeKind::Downgraded, "vim".into(), s("1:1.0"), s("2.0"))]
        );
    }

    #[test]
    fn pep440_release_candidate_to_release_is_an_upgrade() {
        let a = sbom("a", vec![py("nova", "30.0.0rc1", "v")]);
        let b = sbom("b", vec![py("nova", "30.0.0", "v")]);
        let d = diff(&a, &b, &DiffOptions::default());
        assert_eq!(d.summary.upgraded, 1);
        assert_eq!(d.summary.downgraded, 0);
    }

    /// Each language ecosystem's own ordering decides upgraded/downgraded; every case
    /// here is one where a natural (digit-aware string) order gets the direction wrong.
    #[test]
    fn language_ecosystems_use_their_own_version_ordering() {
        use ChangeKind::{Downgraded, Upgraded};
        let cases = [
            // A Go pseudo-version precedes the release it is based on.
            (
                Ecosystem::Golang,
                "golang.org/x/net",
                "v0.24.1-0.20240501120000-abcdef123456",
                "v0.24.1",
                Upgraded,
            ),
            (
                Ecosystem::Golang,
                "golang.org/x/net",
                "v1.3.0",
                "v1.3.0-pre.0.20240101120000-abcdef123456",
                Downgraded,
            ),
            (
                Ecosystem::Golang,
                "stdlib",
                "go1.22rc2",
                "go1.22.0",
                Upgraded,
            ),
            (Ecosystem::Cargo, "tokio", "1.38.0-rc.1", "1.38.0", Upgraded),
            (
                Ecosystem::Npm,
                "@babel/core",
                "8.0.0-beta.1",
                "8.0.0",
                Upgraded,
            ),
            (
                Ecosystem::Maven,
                "org.hibernate:hibernate-core",
                "6.0.0-SNAPSHOT",
                "6.0.0",
                Upgraded,
            ),
            (
                Ecosystem::Maven,
                "com.google.guava:guava",
                "33.0-M1",
                "33.0",
                Upgraded,
            ),
            (Ecosystem::Gem, "rails", "7.1.0.beta1", "7.1.0", Upgraded),
            (
                Ecosystem::Composer,
                "symfony/console",
                "v6.4.0",
                "6.4.1",
                Upgraded,
            ),
            (
                Ecosystem::Composer,
                "symfony/console",
                "6.4.1",
                "v6.4.0-RC1",
                Downgraded,
            ),
        ];
        for (eco, name, old, new, kind) in cases {
            let d = diff(
                &sbom("a", vec![Package::new(eco, name, old)]),
                &sbom("b", vec![Package::new(eco, name, new)]),
                &DiffOptions::default(),
            );
            assert_eq!(
                kinds(&d),
                vec![(kind, name.to_string(), s(old), s(new))],
                "{eco} {old} -> {new}"
            );
            assert_ne!(
                version::natural(old, new),
                sbom_model::version::compare(eco, old, new),
                "{eco}: {old} -> {new} is not a case natural order gets wrong"
            );
        }
        // Equal by the ecosystem's rules: no change (`+incompatible` is build metadata,
        // `.Final` is Maven's release, `1.0` is `1.0.0.0` to Composer).
        for (eco, old, new) in [
            (Ecosystem::Golang, "v2.0.0+incompatible", "v2.0.0"),
            (Ecosystem::Maven, "5.4.32.Final", "5.4.32"),
            (Ecosystem::Npm, "1.0.0+build.1", "1.0.0"),
            (Ecosystem::Gem, "1.0", "1.0.0"),
            (Ecosystem::Composer, "1.0", "v1.0.0.0"),
        ] {
            let d = diff(
                &sbom("a", vec![Package::new(eco, "p", old)]),
                &sbom("b", vec![Package::new(eco, "p", new)]),
                &DiffOptions::default(),
            );
            assert!(d.is_empty(), "{eco} {old} -> {new}: {:?}", d.changes);
        }
    }

    #[test]
    fn equal_by_ordering_is_no_change() {
        let a = sbom("a", vec![py("pbr", "6.0", "v")]);
        let b = sbom("b", vec![py("PBR", "6.0.0", "v")]);
        let d = diff(&a, &b, &DiffOptions::default());
        assert!(d.is_empty(), "{:?}", d.changes);
    }

    #[test]
    fn python_names_match_after_pep503_normalisation() {
        let a = sbom("a", vec![py("Oslo.Config", "9.0", "v")]);
        let b = sbom("b", vec![py("oslo_config", "9.1", "v")]);
        let d = diff(&a, &b, &DiffOptions::default());
        assert_eq!(
            kinds(&d),
            vec![(
                ChangeKind::Upgraded,
                "oslo_config".into(),
                s("9.0"),
                s("9.1")
            )]
        );
    }

    #[test]
    fn moved_between_venvs_is_remove_and_add_not_upgrade() {
        let a = sbom("a", vec![py("requests", "2.31.0", "venv1/site-packages")]);
        let b = sbom("b", vec![py("requests", "2.32.3", "venv2/site-packages")]);
        let d = diff(&a, &b, &DiffOptions::default());
        assert_eq!(
            kinds(&d),
            vec![
                (ChangeKind::Removed, "requests".into(), s("2.31.0"), None),
                (ChangeKind::Added, "requests".into(), None, s("2.32.3")),
            ]
        );
        assert_eq!(
            d.changes[0].site_root.as_deref(),
            Some("venv1/site-packages")
        );
        assert_eq!(
            d.changes[1].site_root.as_deref(),
            Some("venv2/site-packages")
        );
    }

    #[test]
    fn unknown_site_root_or_arch_from_another_tool_matches_any() {
        // Ours knows the venv and arch; the other tool's SBOM does not.
        let mut bare_py = Package::new(Ecosystem::Pypi, "requests", "2.32.3");
        bare_py.site_root = None;
        let bare_deb = Package::new(Ecosystem::Deb, "bash", "5.2-1");
        let a = sbom(
            "ours",
            vec![py("requests", "2.31.0", "venv1"), deb("bash", "5.2-1")],
        );
        let b = sbom("theirs", vec![bare_py, bare_deb]);
        let d = diff(&a, &b, &DiffOptions::default());
        assert_eq!(
            kinds(&d),
            vec![(
                ChangeKind::Upgraded,
                "requests".into(),
                s("2.31.0"),
                s("2.32.3")
            )]
        );
        assert_eq!(d.changes[0].site_root.as_deref(), Some("venv1"));
        assert_eq!(d.unchanged, 1);
    }

    #[test]
    fn unknown_site_root_pairs_with_the_equal_version_of_two_venvs() {
        let mut bare = Package::new(Ecosystem::Pypi, "requests", "2.32.3");
        bare.site_root = None;
        let a = sbom(
            "ours",
            vec![
                py("requests", "2.31.0", "venv1"),
                py("requests", "2.32.3", "venv2"),
            ],
        );
        let d = diff(&a, &sbom("theirs", vec![bare]), &DiffOptions::default());
        assert_eq!(
            kinds(&d),
            vec![(ChangeKind::Removed, "requests".into(), s("2.31.0"), None)]
        );
        assert_eq!(d.changes[0].site_root.as_deref(), Some("venv1"));
    }

    #[test]
    fn different_arch_is_a_different_package() {
        let mut i386 = deb("libc6", "2.36-9");
        i386.arch = Some("i386".into());
        let a = sbom("a", vec![deb("libc6", "2.36-9"), i386]);
        let b = sbom("b", vec![deb("libc6", "2.36-9+deb12u4")]);
        let d = diff(&a, &b, &DiffOptions::default());
        let got: Vec<_> = d.changes.iter().map(|c| (c.kind, c.arch.clone())).collect();
        assert_eq!(
            got,
            vec![
                (ChangeKind::Upgraded, s("amd64")),
                (ChangeKind::Removed, s("i386"))
            ]
        );
    }

    #[test]
    fn multiset_pairs_equal_versions_first_then_nearest() {
        // Old: 1.0, 2.0, 3.0. New: 2.0, 3.1. Expect 2.0 kept, 3.0 -> 3.1, 1.0 removed.
        let a = sbom(
            "a",
            vec![
                py("x", "1.0", "v"),
                py("x", "2.0", "v"),
                py("x", "3.0", "v"),
            ],
        );
        let b = sbom("b", vec![py("x", "3.1", "v"), py("x", "2.0", "v")]);
        let d = diff(&a, &b, &DiffOptions::default());
        assert_eq!(
            kinds(&d),
            vec![
                (ChangeKind::Removed, "x".into(), s("1.0"), None),
                (ChangeKind::Upgraded, "x".into(), s("3.0"), s("3.1")),
            ]
        );
        assert_eq!(d.unchanged, 1);
    }

    #[test]
    fn multiset_two_versions_both_upgraded() {
        let a = sbom("a", vec![deb("k", "5.10-1"), deb("k", "6.1-1")]);
        let b = sbom("b", vec![deb("k", "6.1-2"), deb("k", "5.10-2")]);
        let d = diff(&a, &b, &DiffOptions::default());
        assert_eq!(
            kinds(&d),
            vec![
                (ChangeKind::Upgraded, "k".into(), s("5.10-1"), s("5.10-2")),
                (ChangeKind::Upgraded, "k".into(), s("6.1-1"), s("6.1-2")),
            ]
        );
    }

    #[test]
    fn duplicate_identical_packages_pair_one_to_one() {
        let a = sbom("a", vec![deb("x", "1"), deb("x", "1")]);
        let b = sbom("b", vec![deb("x", "1")]);
        let d = diff(&a, &b, &DiffOptions::default());
        assert_eq!(
            kinds(&d),
            vec![(ChangeKind::Removed, "x".into(), s("1"), None)]
        );
    }

    #[test]
    fn license_set_change_is_reported_and_order_does_not_matter() {
        let mut o = deb("openssl", "3.0.11-1");
        o.licenses = vec![
            License::Spdx("Apache-2.0".into()),
            License::Named("OpenSSL".into()),
        ];
        let mut same = o.clone();
        same.licenses.reverse();
        let mut changed = o.clone();
        changed.version = "3.0.13-1".into();
        changed.licenses = vec![License::Spdx("Apache-2.0".into())];
        let d = diff(
            &sbom("a", vec![o.clone()]),
            &sbom("b", vec![same]),
            &DiffOptions::default(),
        );
        assert!(d.is_empty());
        let d = diff(
            &sbom("a", vec![o]),
            &sbom("b", vec![changed]),
            &DiffOptions::default(),
        );
        assert_eq!(
            d.changes.iter().map(|c| c.kind).collect::<Vec<_>>(),
            vec![ChangeKind::Upgraded, ChangeKind::LicenseChanged]
        );
        let lc = &d.changes[1];
        assert_eq!(lc.old_licenses, vec!["Apache-2.0", "OpenSSL"]);
        assert_eq!(lc.new_licenses, vec!["Apache-2.0"]);
    }

    #[test]
    fn layer_moves_only_with_the_option() {
        let mut o = deb("curl", "7.88.1-10");
        o.layer = Some(LayerRef {
            index: 1,
            diff_id: "sha256:aa".into(),
            digest: None,
        });
        let mut n = o.clone();
        n.layer = Some(LayerRef {
            index: 2,
            diff_id: "sha256:bb".into(),
            digest: None,
        });
        let (a, b) = (sbom("a", vec![o]), sbom("b", vec![n]));
        assert!(diff(&a, &b, &DiffOptions::default()).is_empty());
        let d = diff(&a, &b, &DiffOptions { layers: true });
        assert_eq!(d.changes.len(), 1);
        assert_eq!(d.changes[0].kind, ChangeKind::MovedLayer);
        assert_eq!(d.changes[0].old_layer.as_ref().map(|l| l.index), Some(1));
        assert_eq!(d.changes[0].new_layer.as_ref().map(|l| l.index), Some(2));
        assert_eq!(d.summary.moved_layer, 1);
    }

    /// Versions that do not parse fall back to natural order, so a mix is not a total
    /// order; std's sorts may panic on that. Every package must still be accounted for.
    #[test]
    fn regression_mixed_parseable_and_unparseable_versions_do_not_panic() {
        let odd = [
            "1.0", "x:1", "1:0", "a", "0.9~", "10", "2", ":", "1.0-", "~", "1.0~rc1", "01", "1:1",
            "9:", "1.a", "z", "1..0", "-1", "0", "1.0+b1", "1:1.0~", "x:2", "b:1",
        ];
        for eco in Ecosystem::ALL {
            let olds: Vec<Package> = odd.iter().map(|v| Package::new(eco, "p", *v)).collect();
            let news: Vec<Package> = odd
                .iter()
                .rev()
                .skip(3)
                .map(|v| Package::new(eco, "p", format!("{v}1")))
                .collect();
            let (a, b) = (sbom("a", olds), sbom("b", news));
            let d = diff(&a, &b, &DiffOptions::default());
            let s = &d.summary;
            // Every old package is removed or paired, every new one added or paired.
            let paired = s.upgraded + s.downgraded + d.unchanged;
            assert_eq!(s.removed + paired, a.packages.len(), "{eco}");
            assert_eq!(s.added + paired, b.packages.len(), "{eco}");
            assert_eq!(diff(&a, &b, &DiffOptions::default()), d, "deterministic");
        }
    }

    #[test]
    fn many_duplicates_stay_bounded_and_deterministic() {
        let olds: Vec<Package> = (0..600).map(|i| deb("x", &format!("1.{i}"))).collect();
        let news: Vec<Package> = (0..600).map(|i| deb("x", &format!("2.{i}"))).collect();
        let (a, b) = (sbom("a", olds), sbom("b", news));
        let d1 = diff(&a, &b, &DiffOptions::default());
        let d2 = diff(&a, &b, &DiffOptions::default());
        assert_eq!(d1, d2);
        assert_eq!(d1.summary.upgraded, 600);
    }
}
