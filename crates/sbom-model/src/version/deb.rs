//! Debian (dpkg) version ordering: `[epoch:]upstream[-revision]`.
//!
//! Follows dpkg's algorithm: epochs compare numerically; upstream and revision compare
//! by alternating non-digit and digit runs; in non-digit runs `~` sorts before
//! everything (even the end of the string), letters sort before non-letters, and the
//! end of a part sorts before any other character.
use std::cmp::Ordering;

/// A parsed dpkg version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebVersion<'a> {
    pub epoch: u64,
    pub upstream: &'a str,
    pub revision: &'a str,
}

/// Splits a version into epoch, upstream and revision; `None` when the epoch is not a
/// number or the upstream part is empty.
pub fn parse(v: &str) -> Option<DebVersion<'_>> {
    let v = v.trim();
    let (epoch, rest) = super::split_epoch(v)?;
    let (upstream, revision) = match rest.rsplit_once('-') {
        Some((u, r)) => (u, r),
        None => (rest, ""),
    };
    if upstream.is_empty() {
        return None;
    }
    Some(DebVersion {
        epoch,
        upstream,
        revision,
    })
}

/// Whether `v` is a well-formed dpkg version (what `dpkg --compare-versions` accepts
/// without complaint): numeric epoch, upstream starting with a digit, only the
/// characters dpkg allows, non-empty revision when a `-` is present.
pub fn parse_ok(v: &str) -> bool {
    let Some(p) = parse(v) else {
        return false;
    };
    let t = v.trim();
    if t.contains(char::is_whitespace) {
        return false;
    }
    let up_ok = p.upstream.starts_with(|c: char| c.is_ascii_digit())
        && p.upstream
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b".+-~:".contains(&c));
    let has_rev = t.rsplit_once(':').map_or(t, |(_, r)| r).contains('-');
    let rev_ok = (!has_rev || !p.revision.is_empty())
        && p.revision
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b".+~".contains(&c));
    up_ok && rev_ok
}

/// Compares two dpkg versions; `None` when either does not parse.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    let (a, b) = (parse(a)?, parse(b)?);
    Some(
        a.epoch
            .cmp(&b.epoch)
            .then_with(|| compare_part(a.upstream, b.upstream))
            .then_with(|| compare_part(a.revision, b.revision)),
    )
}

/// Weight of a character in a non-digit run; `None` is the end of the part.
fn weight(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's comparison of one part (upstream or revision).
fn compare_part(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    while !a.is_empty() || !b.is_empty() {
        // Non-digit run, character by character.
        while a.first().is_some_and(|c| !c.is_ascii_digit())
            || b.first().is_some_and(|c| !c.is_ascii_digit())
        {
            let (wa, wb) = (weight(a.first().copied()), weight(b.first().copied()));
            if wa != wb {
                return wa.cmp(&wb);
            }
            a = a.get(1..).unwrap_or_default();
            b = b.get(1..).unwrap_or_default();
        }
        // Digit run, numerically (leading zeros ignored, any length).
        while a.first() == Some(&b'0') {
            a = &a[1..];
        }
        while b.first() == Some(&b'0') {
            b = &b[1..];
        }
        let na = a.iter().take_while(|c| c.is_ascii_digit()).count();
        let nb = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let o = na.cmp(&nb).then_with(|| a[..na].cmp(&b[..nb]));
        if o != Ordering::Equal {
            return o;
        }
        a = &a[na..];
        b = &b[nb..];
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        compare(a, b).expect("both parse")
    }

    #[test]
    fn equal_forms() {
        for (a, b) in [
            ("1.0", "1.0"),
            ("0:1.0", "1.0"),
            ("1.0-0", "1.0"),
            ("1.0", "1.0-"),
            ("1.00", "1.0"),
            ("0001.0", "1.0"),
            ("1:1.0-1", "1:1.0-1"),
            ("2:1.0", "2:1.0-0"),
        ] {
            assert_eq!(cmp(a, b), Ordering::Equal, "{a} == {b}");
        }
    }

    #[test]
    fn orderings_from_dpkg_semantics() {
        // Each pair: a < b.
        for (a, b) in [
            ("1.0~rc1", "1.0"),
            ("1.0~rc1", "1.0~rc2"),
            ("1.0~~", "1.0~~a"),
            ("1.0~~a", "1.0~"),
            ("1.0~", "1.0"),
            ("1.0", "1.0a"),
            ("1.0a", "1.0+"),
            ("1.0a", "1.0."),
            ("2.0", "1:1.0"),
            ("1.0-1", "1.0-1+b1"),
            ("1.0+dfsg", "1.0.1"),
            ("1.0-1", "1.0-2"),
            ("1.0-9", "1.0-10"),
            ("1.0", "1.0-1"),
            ("1.2.3", "1.10"),
            ("1:1.0", "2:0.1"),
            ("3.0.11-1~deb12u2", "3.0.11-1"),
            ("3.0.11-1~deb12u1", "3.0.11-1~deb12u2"),
            ("2.36.1-8+deb11u1", "2.36.1-8+deb11u2"),
            ("7.88.1-10+deb12u5", "7.88.1-10+deb12u12"),
            ("1.0-1", "1.0.1-1"),
            ("0.9", "1.0~alpha"),
            ("1a", "1b"),
            ("1-a", "1-b"),
            ("1.0~beta", "1.0~rc"),
            ("a", "b"),
            ("1.0", "1.0.0"),
            ("99999999999999999999999", "100000000000000000000000"),
        ] {
            assert_eq!(cmp(a, b), Ordering::Less, "{a} < {b}");
            assert_eq!(cmp(b, a), Ordering::Greater, "{b} > {a}");
        }
    }

    /// Every pair of a set of tricky versions, compared by the real dpkg.
    #[test]
    fn agrees_with_dpkg_compare_versions() {
        let pairs = super::super::reference_pairs(include_str!("testdata/dpkg-compare.txt"));
        for &(a, b, want) in &pairs {
            assert_eq!(Some(cmp(a, b)), want, "{a} vs {b}");
        }
        assert_eq!(pairs.len(), 676);
    }

    #[test]
    fn epoch_wins_over_upstream() {
        assert_eq!(cmp("1:1.0", "2.0"), Ordering::Greater);
        assert_eq!(cmp("1:0", "0:99999"), Ordering::Greater);
    }

    #[test]
    fn upstream_may_contain_hyphens_and_colons() {
        // Revision is after the last hyphen; the rest is upstream.
        let p = parse("1:2.0-rc-3").expect("parses");
        assert_eq!((p.epoch, p.upstream, p.revision), (1, "2.0-rc", "3"));
        let p = parse("1:2:3-4").expect("parses");
        assert_eq!((p.epoch, p.upstream, p.revision), (1, "2:3", "4"));
    }

    #[test]
    fn unparseable() {
        assert!(compare("a:1.0", "1.0").is_none());
        assert!(compare(":1.0", "1.0").is_none());
        assert!(compare("1:", "1.0").is_none());
        assert!(compare("", "1.0").is_none());
        assert!(compare("99999999999999999999999:1", "1").is_none());
    }

    #[test]
    fn parse_ok_matches_dpkg_rules() {
        for ok in ["1.0", "1:1.0-1", "1.0~rc1+dfsg-2~bpo1", "1.0-1-2", "1:2:3"] {
            assert!(parse_ok(ok), "{ok}");
        }
        for bad in ["", "abc", "1.0-", "1.0 1", "1.0_1", "x:1", "1.0-a_b"] {
            assert!(!parse_ok(bad), "{bad}");
        }
    }
}
