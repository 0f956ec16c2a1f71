//! RubyGems version ordering: `Gem::Version#<=>`.
//!
//! A version is digits, then `.`-separated runs of letters and digits, optionally a
//! `-` part (`1.0-1` means `1.0.pre.1`). It is cut into numeric and alphabetic segments
//! (`1.0.0a1` → 1, 0, 0, "a", 1); trailing zeros are dropped from the numeric part and
//! from the part that starts at the first letters (`1.0.a.0` = `1.a`). Segments compare
//! left to right, a missing one counting as 0: numbers by value, letters
//! case-sensitively by byte, and letters below numbers, so any version with letters is
//! a pre-release of the numeric one it starts with (`1.0.a` < `1.0`).
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment<'a> {
    /// Digits without leading zeros (`""` is zero).
    Num(&'a str),
    Str(&'a str),
}

impl Segment<'_> {
    fn is_zero(&self) -> bool {
        matches!(self, Segment::Num(""))
    }
}

/// Ruby's `\s`: space, tab, newline, vertical tab, form feed, carriage return.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

/// `Gem::Version.correct?`: `\A\s*([0-9]+(?>\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?\s*\z`.
fn correct(v: &str) -> bool {
    let v = v.trim_matches(is_space);
    if v.is_empty() {
        return true;
    }
    let (main, pre) = match v.split_once('-') {
        Some((m, p)) => (m, Some(p)),
        None => (v, None),
    };
    let mut parts = main.split('.');
    let first = parts.next().unwrap_or("");
    if first.is_empty() || !first.bytes().all(|c| c.is_ascii_digit()) {
        return false;
    }
    if !parts.all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_alphanumeric())) {
        return false;
    }
    pre.is_none_or(|p| {
        p.split('.')
            .all(|s| !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'))
    })
}

/// The canonical segments (`Gem::Version#canonical_segments`).
fn segments(v: &str) -> Vec<Segment<'_>> {
    let v = v.trim_matches(is_space);
    let bytes = v.as_bytes();
    let mut all = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        if bytes[i].is_ascii_digit() {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            all.push(Segment::Num(v[start..i].trim_start_matches('0')));
        } else if bytes[i].is_ascii_alphabetic() {
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            all.push(Segment::Str(&v[start..i]));
        } else {
            // `-` becomes `.pre.`: a `pre` segment where the dash was.
            if bytes[i] == b'-' {
                all.push(Segment::Str("pre"));
            }
            i += 1;
        }
    }
    let split = all
        .iter()
        .position(|s| matches!(s, Segment::Str(_)))
        .unwrap_or(all.len());
    let mut strings = all.split_off(split);
    while all.last().is_some_and(Segment::is_zero) {
        all.pop();
    }
    while strings.last().is_some_and(Segment::is_zero) {
        strings.pop();
    }
    all.extend(strings);
    all
}

/// Whether `v` is a valid gem version (`Gem::Version.correct?`, blank excepted).
pub fn parse_ok(v: &str) -> bool {
    !v.trim().is_empty() && correct(v)
}

/// Compares two gem versions (`Gem::Version#<=>`); `None` when either is not valid.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    if !correct(a) || !correct(b) {
        return None;
    }
    let (x, y) = (segments(a), segments(b));
    let zero = Segment::Num("");
    for i in 0..x.len().max(y.len()) {
        let (l, r) = (x.get(i).unwrap_or(&zero), y.get(i).unwrap_or(&zero));
        let o = match (l, r) {
            (Segment::Num(p), Segment::Num(q)) => p.len().cmp(&q.len()).then_with(|| p.cmp(q)),
            (Segment::Str(_), Segment::Num(_)) => Ordering::Less,
            (Segment::Num(_), Segment::Str(_)) => Ordering::Greater,
            (Segment::Str(p), Segment::Str(q)) => p.cmp(q),
        };
        if o != Ordering::Equal {
            return Some(o);
        }
    }
    Some(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair of a set of tricky versions, compared by Ruby's Gem::Version
    /// (scripts/version-tables/gen-gem.rb).
    #[test]
    fn agrees_with_gem_version() {
        let pairs = super::super::reference_pairs(include_str!("testdata/gem-compare.txt"));
        for &(a, b, want) in &pairs {
            assert_eq!(compare(a, b), want, "{a} vs {b}");
        }
        assert_eq!(pairs.len(), 37 * 37);
    }

    #[test]
    fn prereleases_and_padding() {
        assert_eq!(compare("1.0.a", "1.0"), Some(Ordering::Less));
        assert_eq!(compare("1.0-1", "1.0.pre.1"), Some(Ordering::Equal));
        assert_eq!(compare("1.0.0", "1"), Some(Ordering::Equal));
        assert_eq!(compare("1.13.10", "1.13.9"), Some(Ordering::Greater));
        assert_eq!(compare("", "0"), Some(Ordering::Equal));
        assert!(!parse_ok(""));
        assert!(!parse_ok("1.0.0-x86_64-linux"));
    }
}
