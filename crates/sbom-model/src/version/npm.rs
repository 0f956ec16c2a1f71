//! npm version ordering: node-semver's `compare` with strict parsing, as npm itself
//! uses it. On top of SemVer 2.0.0: surrounding whitespace is ignored, one leading `v` is
//! allowed (`=1.0.0` is not), a version is at most 256 characters, MAJOR/MINOR/PATCH are
//! at most 2^53-1 (JavaScript's safe integers), build metadata is ignored, and numeric
//! pre-release identifiers compare as JavaScript numbers.
use std::cmp::Ordering;

use super::semver::{self, Semver};

const MAX_LENGTH: usize = 256;
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

fn parse(v: &str) -> Option<Semver<'_>> {
    if v.len() > MAX_LENGTH {
        return None;
    }
    // JavaScript's String.prototype.trim.
    let t = v.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let t = t.strip_prefix('v').unwrap_or(t);
    let s = semver::parse(t)?;
    [s.major, s.minor, s.patch]
        .into_iter()
        .all(|n| n.parse::<u64>().is_ok_and(|n| n <= MAX_SAFE_INTEGER))
        .then_some(s)
}

/// Whether `v` is a valid npm version (`semver.valid(v) !== null`).
pub fn parse_ok(v: &str) -> bool {
    parse(v).is_some()
}

/// Compares two npm versions (`semver.compare`); `None` when either does not parse.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    let (x, y) = (parse(a)?, parse(b)?);
    Some(semver::cmp_main(&x, &y).then_with(|| semver::cmp_pre(x.pre, y.pre, js_numbers)))
}

/// Two all-digit identifiers as node-semver compares them: converted to JavaScript
/// numbers (doubles), so beyond 2^53 neighbours can compare equal.
fn js_numbers(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => semver::cmp_digits(a, b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair of a set of tricky versions, compared by npm's semver package
    /// (scripts/version-tables/gen-npm.js).
    #[test]
    fn agrees_with_node_semver() {
        let pairs = super::super::reference_pairs(include_str!("testdata/npm-compare.txt"));
        for &(a, b, want) in &pairs {
            assert_eq!(compare(a, b), want, "{a} vs {b}");
            if want.is_some() {
                assert!(parse_ok(a) && parse_ok(b), "{a} {b}");
            }
        }
        assert_eq!(pairs.len(), 41 * 41);
    }

    #[test]
    fn spelling_and_limits() {
        assert_eq!(compare(" v1.2.3 ", "1.2.3"), Some(Ordering::Equal));
        assert_eq!(compare("1.2.3+a", "1.2.3+b"), Some(Ordering::Equal));
        assert!(!parse_ok("=1.2.3"));
        assert!(!parse_ok(&format!("1.0.0-{}", "a".repeat(251))));
        // Beyond 2^53 node-semver's numbers round: these two are equal to it.
        assert_eq!(
            compare("1.0.0-12345678901234567890", "1.0.0-12345678901234567891"),
            Some(Ordering::Equal)
        );
    }
}
