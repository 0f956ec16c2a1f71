//! Cargo version ordering: Semantic Versioning 2.0.0 as the `semver` crate (the one cargo
//! uses) parses and orders it. Strict grammar (no `v`, no whitespace, numbers that fit in
//! u64), and `Ord` looks at build metadata after everything else: `1.0.0+a` and
//! `1.0.0+b` differ (a release's build metadata is not part of its precedence, but two
//! such crates are still different versions to cargo).
use std::cmp::Ordering;

use super::semver::{self, Semver};

/// Parses a version as `semver::Version::parse` accepts it.
fn parse(v: &str) -> Option<Semver<'_>> {
    let s = semver::parse(v)?;
    [s.major, s.minor, s.patch]
        .into_iter()
        .all(|n| n.parse::<u64>().is_ok())
        .then_some(s)
}

/// Whether `v` is a valid Cargo (SemVer 2.0.0) version.
pub fn parse_ok(v: &str) -> bool {
    parse(v).is_some()
}

/// Compares two Cargo versions; `None` when either does not parse.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    let (x, y) = (parse(a)?, parse(b)?);
    Some(
        semver::cmp_main(&x, &y)
            .then_with(|| semver::cmp_pre(x.pre, y.pre, semver::cmp_digits))
            .then_with(|| cmp_build(x.build, y.build)),
    )
}

/// The `semver` crate's order of build metadata: no metadata first, then identifiers
/// left to right, numeric below alphanumeric, numbers by value and then by length
/// (`0 < 00 < 1 < 01`), the rest by ASCII, a longer list above its prefix.
fn cmp_build(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let mut right = b.split('.');
    for l in a.split('.') {
        let Some(r) = right.next() else {
            return Ordering::Greater;
        };
        let o = match (
            semver::is_numeric(l) || l.is_empty(),
            semver::is_numeric(r) || r.is_empty(),
        ) {
            (true, true) => semver::cmp_digits(l, r).then_with(|| l.len().cmp(&r.len())),
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => l.cmp(r),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    if right.next().is_some() {
        Ordering::Less
    } else {
        Ordering::Equal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair of a set of tricky versions, compared by the semver crate itself
    /// (scripts/version-tables/semver-crate).
    #[test]
    fn agrees_with_the_semver_crate() {
        let pairs = super::super::reference_pairs(include_str!("testdata/cargo-compare.txt"));
        for &(a, b, want) in &pairs {
            assert_eq!(compare(a, b), want, "{a} vs {b}");
            if want.is_some() {
                assert!(parse_ok(a) && parse_ok(b), "{a} {b}");
            }
        }
        assert_eq!(pairs.len(), 41 * 41);
    }

    #[test]
    fn build_metadata_orders_last() {
        assert_eq!(compare("1.0.0+build", "1.0.0"), Some(Ordering::Greater));
        assert_eq!(compare("1.0.0-rc.1+z", "1.0.0"), Some(Ordering::Less));
        assert_eq!(compare("1.0.0+0", "1.0.0+00"), Some(Ordering::Less));
        assert!(!parse_ok("v1.0.0"));
        assert!(!parse_ok("18446744073709551616.0.0"));
    }
}
