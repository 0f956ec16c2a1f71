//! The Semantic Versioning 2.0.0 grammar and precedence, shared by the Cargo, npm and Go
//! orderings (each adds its own spelling rules and limits on top: see cargo.rs, npm.rs,
//! go.rs).
//!
//! `MAJOR.MINOR.PATCH[-PRE][+BUILD]`: numbers without leading zeros; identifiers of
//! `[0-9A-Za-z-]`, dot-separated, never empty; numeric pre-release identifiers without
//! leading zeros. Precedence: the three numbers, then a release above any of its
//! pre-releases, pre-release identifiers left to right (numeric below alphanumeric,
//! numbers by value, the rest by ASCII), a longer list above its prefix. Build metadata
//! does not take part (Cargo's ordering is the exception, see cargo.rs).
use std::cmp::Ordering;

/// A version split into its parts (slices of the input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Semver<'a> {
    pub major: &'a str,
    pub minor: &'a str,
    pub patch: &'a str,
    /// Without the `-`; empty for a release.
    pub pre: &'a str,
    /// Without the `+`; empty when absent.
    pub build: &'a str,
}

/// Parses the strict grammar; `None` for anything else (a `v` prefix, missing parts,
/// leading zeros, empty identifiers).
pub(crate) fn parse(v: &str) -> Option<Semver<'_>> {
    let (rest, build) = match v.split_once('+') {
        Some((r, b)) => {
            if !idents_ok(b, false) {
                return None;
            }
            (r, b)
        }
        None => (v, ""),
    };
    let (main, pre) = match rest.split_once('-') {
        Some((m, p)) => {
            if !idents_ok(p, true) {
                return None;
            }
            (m, p)
        }
        None => (rest, ""),
    };
    let mut nums = main.split('.');
    let (major, minor, patch) = (nums.next()?, nums.next()?, nums.next()?);
    if nums.next().is_some() || ![major, minor, patch].into_iter().all(number_ok) {
        return None;
    }
    Some(Semver {
        major,
        minor,
        patch,
        pre,
        build,
    })
}

/// `0` or a digit run without a leading zero.
pub(crate) fn number_ok(n: &str) -> bool {
    !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()) && (n == "0" || !n.starts_with('0'))
}

/// Dot-separated non-empty identifiers of `[0-9A-Za-z-]`; with `numeric_strict`, an
/// all-digit identifier must not have a leading zero (pre-release rule).
fn idents_ok(s: &str, numeric_strict: bool) -> bool {
    s.split('.').all(|id| {
        !id.is_empty()
            && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
            && (!numeric_strict || !is_numeric(id) || number_ok(id))
    })
}

pub(crate) fn is_numeric(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|c| c.is_ascii_digit())
}

/// Digit strings by value (leading zeros ignored), whatever their length.
pub(crate) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// MAJOR, MINOR, PATCH by value.
pub(crate) fn cmp_main(a: &Semver<'_>, b: &Semver<'_>) -> Ordering {
    cmp_digits(a.major, b.major)
        .then_with(|| cmp_digits(a.minor, b.minor))
        .then_with(|| cmp_digits(a.patch, b.patch))
}

/// Pre-release precedence (an empty one is a release, above any pre-release);
/// `numbers` orders two all-digit identifiers.
pub(crate) fn cmp_pre(a: &str, b: &str, numbers: fn(&str, &str) -> Ordering) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    let mut right = b.split('.');
    for l in a.split('.') {
        let Some(r) = right.next() else {
            return Ordering::Greater;
        };
        let o = match (is_numeric(l), is_numeric(r)) {
            (true, true) => numbers(l, r),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
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

/// Semantic Versioning precedence: build metadata ignored.
#[cfg(test)]
fn precedence(a: &Semver<'_>, b: &Semver<'_>) -> Ordering {
    cmp_main(a, b).then_with(|| cmp_pre(a.pre, b.pre, cmp_digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ordering example of the Semantic Versioning 2.0.0 specification, section 11.
    #[test]
    fn spec_example_is_ascending() {
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "2.0.0",
            "2.1.0",
            "2.1.1",
        ];
        for w in chain.windows(2) {
            let (a, b) = (parse(w[0]).expect("valid"), parse(w[1]).expect("valid"));
            assert_eq!(precedence(&a, &b), Ordering::Less, "{} < {}", w[0], w[1]);
            assert_eq!(precedence(&b, &a), Ordering::Greater);
        }
    }

    #[test]
    fn grammar() {
        for ok in [
            "0.0.0",
            "1.2.3-0",
            "1.2.3-a-b.0a.--",
            "1.2.3+001.x",
            "1.2.3-rc.1+b",
        ] {
            assert!(parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "",
            "1",
            "1.2",
            "01.2.3",
            "1.02.3",
            "1.2.3-",
            "1.2.3+",
            "1.2.3-01",
            "1.2.3-a..b",
            "1.2.3-é",
            "1.2.3.4",
            "v1.2.3",
            " 1.2.3",
            "1.2.3 ",
        ] {
            assert!(parse(bad).is_none(), "{bad:?}");
        }
    }
}
