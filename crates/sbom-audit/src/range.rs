//! OSV range semantics, exactly as the OSV schema's evaluation rules describe them.
//!
//! A version is affected by an `affected` entry when it is listed in `versions`, or when
//! any ECOSYSTEM/SEMVER range contains it (GIT ranges are dropped at load: they name
//! commits, not package versions). For one range, events are sorted by version
//! (`introduced: "0"` first) and walked in order: `introduced <= v` makes it vulnerable,
//! `fixed <= v` makes it not vulnerable, `last_affected < v` makes it not vulnerable.
//! `limit` events bound the range from above: when present, `v` must be below one of them.
use std::cmp::Ordering;

use sbom_model::version::compare;
use sbom_model::Ecosystem;

/// The type of a range that carries package versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeKind {
    Ecosystem,
    Semver,
}

/// One event of a range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

impl Event {
    fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
}

/// One range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Range {
    pub kind: RangeKind,
    pub events: Vec<Event>,
}

/// The outcome for an affected version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// The lowest `fixed` version above the installed one, if any.
    pub fixed: Option<String>,
}

fn cmp(eco: Ecosystem, kind: RangeKind, a: &str, b: &str) -> Ordering {
    match kind {
        RangeKind::Ecosystem => compare(eco, a, b),
        RangeKind::Semver => compare(
            eco,
            a.strip_prefix('v').unwrap_or(a),
            b.strip_prefix('v').unwrap_or(b),
        ),
    }
}

fn is_zero(v: &str) -> bool {
    v.trim() == "0"
}

/// Whether `version` lies inside `range`.
pub fn in_range(eco: Ecosystem, version: &str, range: &Range) -> bool {
    let mut events: Vec<&Event> = range.events.iter().collect();
    events.sort_by(|a, b| {
        let (x, y) = (a.version(), b.version());
        match (
            is_zero(x) && matches!(a, Event::Introduced(_)),
            is_zero(y) && matches!(b, Event::Introduced(_)),
        ) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => cmp(eco, range.kind, x, y),
        }
    });
    let mut vulnerable = false;
    let mut limits = Vec::new();
    for e in events {
        match e {
            Event::Introduced(i) => {
                if is_zero(i) || cmp(eco, range.kind, version, i) != Ordering::Less {
                    vulnerable = true;
                }
            }
            Event::Fixed(f) => {
                if cmp(eco, range.kind, version, f) != Ordering::Less {
                    vulnerable = false;
                }
            }
            Event::LastAffected(l) => {
                if cmp(eco, range.kind, version, l) == Ordering::Greater {
                    vulnerable = false;
                }
            }
            Event::Limit(l) => limits.push(l.as_str()),
        }
    }
    if !vulnerable {
        return false;
    }
    limits.is_empty()
        || limits
            .iter()
            .any(|l| l.trim() == "*" || cmp(eco, range.kind, version, l) == Ordering::Less)
}

/// The first number of a PEP 440 release segment (leading zeros dropped), or `None` when
/// the version has an epoch or does not start with a digit (then only a full comparison
/// can tell).
fn pep440_major(v: &str) -> Option<&str> {
    let v = v.trim();
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    if v.contains('!') {
        return None;
    }
    let digits = v.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let d = &v[..digits];
    let t = d.trim_start_matches('0');
    Some(if t.is_empty() { "0" } else { t })
}

/// A cheap test that rules out equality before parsing: PEP 440 versions whose first
/// release numbers differ (and have no epoch) are never equal. PyPI records list
/// hundreds of versions, so this saves most comparisons.
fn may_equal(eco: Ecosystem, a: &str, b: &str) -> bool {
    if eco != Ecosystem::Pypi {
        return true;
    }
    match (pep440_major(a), pep440_major(b)) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// Evaluates an `affected` entry (its ranges and explicit versions) for `version`.
pub fn evaluate<'a>(
    eco: Ecosystem,
    version: &str,
    ranges: &[Range],
    versions: impl IntoIterator<Item = &'a str>,
) -> Option<Hit> {
    let in_ranges = ranges.iter().any(|r| in_range(eco, version, r));
    let listed = !in_ranges
        && versions.into_iter().any(|v| {
            v == version
                || (may_equal(eco, v, version) && compare(eco, v, version) == Ordering::Equal)
        });
    if !in_ranges && !listed {
        return None;
    }
    let mut fixed: Option<&str> = None;
    for r in ranges {
        for e in &r.events {
            if let Event::Fixed(f) = e {
                if cmp(eco, r.kind, f, version) == Ordering::Greater
                    && fixed.is_none_or(|cur| cmp(eco, r.kind, f, cur) == Ordering::Less)
                {
                    fixed = Some(f);
                }
            }
        }
    }
    Some(Hit {
        fixed: fixed.map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(events: &[(&str, &str)]) -> Range {
        Range {
            kind: RangeKind::Ecosystem,
            events: events
                .iter()
                .map(|(k, v)| match *k {
                    "introduced" => Event::Introduced(v.to_string()),
                    "fixed" => Event::Fixed(v.to_string()),
                    "last_affected" => Event::LastAffected(v.to_string()),
                    _ => Event::Limit(v.to_string()),
                })
                .collect(),
        }
    }

    const P: Ecosystem = Ecosystem::Pypi;

    #[test]
    fn introduced_zero_without_fix_affects_everything() {
        let rg = r(&[("introduced", "0")]);
        assert!(in_range(P, "0.0.1", &rg));
        assert!(in_range(P, "99.0", &rg));
        assert_eq!(evaluate(P, "25.0.0", &[rg], []), Some(Hit { fixed: None }));
    }

    #[test]
    fn introduced_is_inclusive_fixed_is_exclusive() {
        let rg = r(&[("introduced", "1.2"), ("fixed", "1.5")]);
        assert!(!in_range(P, "1.1", &rg));
        assert!(in_range(P, "1.2", &rg));
        assert!(in_range(P, "1.4.9", &rg));
        assert!(!in_range(P, "1.5", &rg));
        assert!(!in_range(P, "2.0", &rg));
    }

    #[test]
    fn last_affected_is_inclusive() {
        let rg = r(&[("introduced", "1.0"), ("last_affected", "1.4")]);
        assert!(in_range(P, "1.4", &rg));
        assert!(!in_range(P, "1.4.1", &rg));
        assert!(!in_range(P, "0.9", &rg));
        // No fixed event: nothing to recommend.
        assert_eq!(evaluate(P, "1.3", &[rg], []), Some(Hit { fixed: None }));
    }

    #[test]
    fn limit_bounds_the_range_from_above() {
        let rg = r(&[("introduced", "0"), ("limit", "2.0")]);
        assert!(in_range(P, "1.9", &rg));
        assert!(!in_range(P, "2.0", &rg));
        assert!(!in_range(P, "3.0", &rg));
        let star = r(&[("introduced", "1.0"), ("limit", "*")]);
        assert!(in_range(P, "5.0", &star));
    }

    #[test]
    fn unsorted_events_with_several_intervals_in_one_range() {
        // The shape of urllib3 PYSEC-2023-192: 2.0.0..2.0.6 listed before 0..1.26.17.
        let rg = r(&[
            ("introduced", "2.0.0"),
            ("fixed", "2.0.6"),
            ("introduced", "0"),
            ("fixed", "1.26.17"),
        ]);
        assert!(in_range(P, "1.26.16", &rg));
        assert!(!in_range(P, "1.26.17", &rg));
        assert!(!in_range(P, "1.26.18", &rg));
        assert!(in_range(P, "2.0.5", &rg));
        assert!(!in_range(P, "2.0.6", &rg));
        let rgs = [rg];
        assert_eq!(
            evaluate(P, "1.26.5", &rgs, []).and_then(|h| h.fixed),
            Some("1.26.17".into())
        );
        assert_eq!(
            evaluate(P, "2.0.3", &rgs, []).and_then(|h| h.fixed),
            Some("2.0.6".into())
        );
    }

    #[test]
    fn several_ranges_any_one_suffices() {
        let rgs = [
            r(&[("introduced", "1.0"), ("fixed", "1.1")]),
            r(&[("introduced", "3.0"), ("fixed", "3.2")]),
        ];
        assert!(evaluate(P, "1.0.5", &rgs, []).is_some());
        assert!(evaluate(P, "3.1", &rgs, []).is_some());
        assert!(evaluate(P, "2.0", &rgs, []).is_none());
        assert_eq!(
            evaluate(P, "3.1", &rgs, []).and_then(|h| h.fixed),
            Some("3.2".into())
        );
    }

    #[test]
    fn explicit_versions_list_alone_affects() {
        let versions = ["1.0", "1.1"];
        assert!(evaluate(P, "1.1", &[], versions).is_some());
        assert!(evaluate(P, "1.2", &[], versions).is_none());
    }

    #[test]
    fn version_outside_ranges_but_listed_is_affected() {
        let rgs = [r(&[("introduced", "2.0"), ("fixed", "2.1")])];
        let versions = ["1.7"];
        assert!(evaluate(P, "1.7", &rgs, versions).is_some());
        assert!(evaluate(P, "1.8", &rgs, versions).is_none());
    }

    #[test]
    fn listed_versions_compare_by_pep440_equality() {
        let versions = ["1.0", "2!3.0", "07.1"];
        assert!(evaluate(P, "1.0.0", &[], versions).is_some());
        assert!(evaluate(P, "v1.0", &[], versions).is_some());
        assert!(evaluate(P, "2!3.0.0", &[], versions).is_some());
        assert!(evaluate(P, "7.1", &[], versions).is_some());
        assert!(evaluate(P, "1.1", &[], versions).is_none());
        assert!(!may_equal(P, "1.0", "10.0"));
        assert!(may_equal(P, "0!1.0", "1.0"));
        assert!(may_equal(Ecosystem::Deb, "1.0", "2.0"));
    }

    #[test]
    fn semver_ranges_accept_a_v_prefix() {
        let rg = Range {
            kind: RangeKind::Semver,
            events: vec![
                Event::Introduced("v1.0.0".into()),
                Event::Fixed("v1.2.0".into()),
            ],
        };
        assert!(in_range(Ecosystem::Generic, "1.1.0", &rg));
        assert!(!in_range(Ecosystem::Generic, "1.2.0", &rg));
    }

    #[test]
    fn empty_range_affects_nothing() {
        assert!(!in_range(P, "1.0", &r(&[])));
        assert!(!in_range(P, "1.0", &r(&[("fixed", "2.0")])));
    }

    // These depend on the ecosystem orderings (dpkg epochs and tildes, PEP 440
    // pre-releases) in sbom_model::version::compare.
    #[test]
    fn dpkg_epoch_orders_above_any_plain_version() {
        let rg = r(&[("introduced", "0"), ("fixed", "1:1.3.dfsg-2")]);
        assert!(in_range(Ecosystem::Deb, "1:1.2.13.dfsg-1", &rg));
        assert!(!in_range(Ecosystem::Deb, "1:1.3.dfsg-3", &rg));
    }

    #[test]
    fn dpkg_tilde_orders_before_release() {
        let rg = r(&[("introduced", "0"), ("fixed", "3.0.22-1~deb12u1")]);
        assert!(in_range(Ecosystem::Deb, "3.0.20-1~deb12u2", &rg));
        assert!(!in_range(Ecosystem::Deb, "3.0.22-1", &rg));
        let rg = r(&[("introduced", "0"), ("fixed", "1.0-1")]);
        assert!(in_range(Ecosystem::Deb, "1.0-1~bpo1", &rg));
    }

    #[test]
    fn pep440_prerelease_orders_before_release() {
        let rg = r(&[("introduced", "0"), ("fixed", "2.0.0")]);
        assert!(in_range(P, "2.0.0rc1", &rg));
        assert!(!in_range(P, "2.0.0.post1", &rg));
    }
}
