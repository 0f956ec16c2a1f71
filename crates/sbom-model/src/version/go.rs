//! Go module version ordering, as golang.org/x/mod/semver (what the go command uses)
//! orders them: Semantic Versioning 2.0.0 with a `v` prefix.
//!
//! - `vMAJOR` and `vMAJOR.MINOR` are shorthands for `.0` (x/mod accepts them).
//! - Pseudo-versions need no rule of their own: `v0.0.0-20240101120000-abcdef123456`
//!   and `v1.2.4-0.20240101120000-abcdef123456` are pre-releases, so they sort by
//!   their timestamp below the release they precede and above the tag they follow.
//! - `+incompatible` is build metadata, which takes no part in the order
//!   (`v2.0.0+incompatible` = `v2.0.0`).
//! - `(devel)` (a main module built from a checkout) is not a version.
//!
//! Two spellings from elsewhere are accepted as well: no `v` (OSV writes Go versions
//! without it: `"fixed": "1.2.3"`), and Go toolchain versions (`go1.22.5`,
//! `go1.21rc2`, `go1.20`; the Go standard library's version), read as OSV's Go database
//! maps them to SemVer: `go1.21rc2` = `1.21.0-rc.2`, `go1.20` = `1.20.0`.
use std::cmp::Ordering;

use super::semver;

/// A Go version in SemVer form (shorthands expanded).
#[derive(Debug, Clone, PartialEq, Eq)]
struct GoVersion {
    major: String,
    minor: String,
    patch: String,
    pre: String,
}

fn parse(v: &str) -> Option<GoVersion> {
    if let Some(t) = v.strip_prefix("go") {
        return toolchain(t);
    }
    let v = v.strip_prefix('v').unwrap_or(v);
    // Build metadata (`+incompatible`) is dropped: it takes no part in the order.
    let (rest, build) = match v.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (v, None),
    };
    if build.is_some_and(|b| semver::parse(&format!("0.0.0+{b}")).is_none()) {
        return None;
    }
    let (main, pre) = match rest.split_once('-') {
        Some((m, p)) => (m, Some(p)),
        None => (rest, None),
    };
    let nums: Vec<&str> = main.split('.').collect();
    if nums.is_empty() || nums.len() > 3 || !nums.iter().all(|n| semver::number_ok(n)) {
        return None;
    }
    // x/mod: the shorthands `v1` and `v1.2` take neither pre-release nor build.
    if nums.len() < 3 && (pre.is_some() || build.is_some()) {
        return None;
    }
    let pre = pre.unwrap_or("");
    if !pre.is_empty() || rest.ends_with('-') {
        semver::parse(&format!("0.0.0-{pre}"))?;
    }
    Some(GoVersion {
        major: nums[0].to_string(),
        minor: nums.get(1).unwrap_or(&"0").to_string(),
        patch: nums.get(2).unwrap_or(&"0").to_string(),
        pre: pre.to_string(),
    })
}

/// `1.22.5`, `1.21rc2`, `1.21beta1`, `1.20` (after `go`); a suffix after a space
/// (`go1.22.5 X:boringcrypto`) is not part of the version.
fn toolchain(t: &str) -> Option<GoVersion> {
    let t = t.split(' ').next().unwrap_or(t);
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (nums, tail) = t.split_at(split);
    let nums: Vec<&str> = nums.split('.').collect();
    if nums.is_empty() || nums.len() > 3 || !nums.iter().all(|n| semver::number_ok(n)) {
        return None;
    }
    let pre = if tail.is_empty() {
        String::new()
    } else {
        let kind = ["rc", "beta", "alpha"]
            .into_iter()
            .find(|k| tail.starts_with(k))?;
        let n = &tail[kind.len()..];
        if !semver::number_ok(n) || nums.len() > 2 {
            return None;
        }
        format!("{kind}.{n}")
    };
    Some(GoVersion {
        major: nums[0].to_string(),
        minor: nums.get(1).unwrap_or(&"0").to_string(),
        patch: nums.get(2).unwrap_or(&"0").to_string(),
        pre,
    })
}

/// Whether `v` is a Go module (or toolchain) version.
pub fn parse_ok(v: &str) -> bool {
    parse(v).is_some()
}

/// Compares two Go versions; `None` when either does not parse.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    let (x, y) = (parse(a)?, parse(b)?);
    Some(
        semver::cmp_digits(&x.major, &y.major)
            .then_with(|| semver::cmp_digits(&x.minor, &y.minor))
            .then_with(|| semver::cmp_digits(&x.patch, &y.patch))
            .then_with(|| semver::cmp_pre(&x.pre, &y.pre, semver::cmp_digits)),
    )
}

/// The SemVer form OSV's Go database writes for a Go version, without the `v`
/// (`v1.2.3+incompatible` = `1.2.3`, `go1.21rc2` = `1.21.0-rc.2`); `None` when `v`
/// is not one.
pub fn osv_form(v: &str) -> Option<String> {
    let g = parse(v)?;
    let mut s = format!("{}.{}.{}", g.major, g.minor, g.patch);
    if !g.pre.is_empty() {
        s.push('-');
        s.push_str(&g.pre);
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair of a set of tricky module versions (pseudo-versions, `+incompatible`,
    /// shorthands, invalid ones), compared by golang.org/x/mod/semver itself
    /// (scripts/version-tables/gen-go.go).
    #[test]
    fn agrees_with_x_mod_semver() {
        let pairs = super::super::reference_pairs(include_str!("testdata/go-compare.txt"));
        for &(a, b, want) in &pairs {
            assert_eq!(compare(a, b), want, "{a} vs {b}");
            if want.is_some() {
                assert!(parse_ok(a) && parse_ok(b), "{a} {b}");
            }
        }
        assert_eq!(pairs.len(), 36 * 36);
    }

    #[test]
    fn osv_spellings() {
        // OSV's Go ranges: no `v`.
        assert_eq!(compare("v1.2.3", "1.2.3"), Some(Ordering::Equal));
        assert_eq!(
            compare("1.2.3", "v1.2.4-0.20240101120000-abcdef123456"),
            Some(Ordering::Less)
        );
        assert_eq!(osv_form("v2.1.0+incompatible").as_deref(), Some("2.1.0"));
        assert_eq!(osv_form("(devel)"), None);
    }

    /// Go toolchain versions as the stdlib component carries them, in the order Go
    /// releases them (go1.21rc2 before go1.21.0; go1.20 is the release 1.20.0).
    #[test]
    fn toolchain_versions() {
        let chain = [
            "go1.9.7",
            "go1.20",
            "go1.20.1",
            "go1.21beta1",
            "go1.21rc2",
            "go1.21rc3",
            "go1.21.0",
            "go1.21.13",
            "go1.22.5",
            "go1.23.0",
        ];
        for w in chain.windows(2) {
            assert_eq!(
                compare(w[0], w[1]),
                Some(Ordering::Less),
                "{} < {}",
                w[0],
                w[1]
            );
        }
        assert_eq!(compare("go1.20", "1.20.0"), Some(Ordering::Equal));
        assert_eq!(
            compare("go1.22.5 X:boringcrypto", "go1.22.5"),
            Some(Ordering::Equal)
        );
        assert_eq!(osv_form("go1.21rc2").as_deref(), Some("1.21.0-rc.2"));
        assert_eq!(osv_form("go1.22.5").as_deref(), Some("1.22.5"));
        for bad in [
            "go",
            "go1.x",
            "go1.21.0rc1",
            "go1.21pre1",
            "devel go1.23-abc",
        ] {
            assert!(!parse_ok(bad), "{bad}");
        }
    }
}
