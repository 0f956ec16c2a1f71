//! Composer (Packagist) version ordering: Composer's `VersionParser::normalize`, then
//! its `Comparator`, which is PHP's `version_compare` on the normalised forms.
//!
//! Normalising: `v` prefix dropped, up to four numbers padded with `.0`
//! (`v2.1` → `2.1.0.0`), stability suffixes spelled out (`-a1` → `-alpha1`, `-b2` →
//! `-beta2`, `-rc1` → `-RC1`, `-p1`/`-pl1` → `-patch1`, `-stable` dropped), `-dev`
//! kept, build metadata (`+...`) dropped, dates (`20240101`) kept as dotted numbers,
//! branches: `1.0.x-dev` → `1.0.9999999.9999999-dev`, `dev-NAME` kept as is.
//!
//! Comparing: `dev < alpha < beta < RC < (number) < patch`, numbers by value; a
//! `dev-` branch is below every numbered version, and two different branches are not
//! comparable at all (Composer answers neither `<`, `==` nor `>`).
use std::cmp::Ordering;
use std::sync::OnceLock;

use regex::Regex;

const MODIFIER: &str =
    r"[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*)?)?([.-]?dev)?";

fn classical() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(&format!(
            r"(?i)^v?(\d{{1,5}})(\.\d+)?(\.\d+)?(\.\d+)?{MODIFIER}$"
        ))
        .expect("static regex")
    })
}

fn dated() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(&format!(
            r"(?i)^v?(\d{{4}}(?:[.:-]?\d{{2}}){{1,6}}(?:[.:-]?\d{{1,3}})?){MODIFIER}$"
        ))
        .expect("static regex")
    })
}

fn branch() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^v?(\d+)(\.(?:\d+|[x*]))?(\.(?:\d+|[x*]))?(\.(?:\d+|[x*]))?$")
            .expect("static regex")
    })
}

/// PHP's `trim`: space, tab, newline, carriage return, NUL, vertical tab.
fn php_trim(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\n', '\r', '\0', '\u{b}'])
}

/// `VersionParser::normalize`; `None` where Composer throws "Invalid version string".
pub fn normalize(version: &str) -> Option<String> {
    let mut v = php_trim(version).to_string();
    // An alias (`1.0.x-dev as 1.0.0`): the version is the first part.
    if let Some((l, r)) = v.split_once(" as ") {
        let (l, r) = (l.trim_end_matches(' '), r.trim_start_matches(' '));
        let word = |s: &str| !s.is_empty() && !s.contains(|c: char| c == ',' || c.is_whitespace());
        if word(l) && word(r) {
            v = l.to_string();
        }
    }
    // A stability flag (`@dev`).
    if let Some(at) = v.rfind('@') {
        let flag = v[at + 1..].to_ascii_lowercase();
        if ["stable", "rc", "beta", "alpha", "dev"].contains(&flag.as_str()) {
            v.truncate(at);
        }
    }
    if ["master", "trunk", "default"].contains(&v.as_str()) {
        v = format!("dev-{v}");
    }
    if let Some(rest) = v
        .get(..4)
        .filter(|h| h.eq_ignore_ascii_case("dev-"))
        .and(v.get(4..))
    {
        return Some(format!("dev-{rest}"));
    }
    // Build metadata.
    if let Some((l, r)) = v.split_once('+') {
        if !l.is_empty()
            && !l.contains(|c: char| c == ',' || c.is_whitespace())
            && !r.is_empty()
            && !r.contains(char::is_whitespace)
        {
            v = l.to_string();
        }
    }
    let stabilised = |mut out: String, caps: &regex::Captures<'_>, at: usize| {
        if let Some(stab) = caps.get(at).filter(|m| !m.is_empty()) {
            let s = stab.as_str().to_ascii_lowercase();
            if s == "stable" {
                return out;
            }
            out.push('-');
            out.push_str(match s.as_str() {
                "a" => "alpha",
                "b" => "beta",
                "p" | "pl" => "patch",
                "rc" => "RC",
                other => other,
            });
            if let Some(n) = caps.get(at + 1) {
                out.push_str(n.as_str().trim_start_matches(['.', '-']));
            }
        }
        if caps.get(at + 2).is_some_and(|m| !m.is_empty()) {
            out.push_str("-dev");
        }
        out
    };
    if let Some(c) = classical().captures(&v) {
        let mut out = c[1].to_string();
        for i in 2..=4 {
            out.push_str(c.get(i).map_or(".0", |m| m.as_str()));
        }
        return Some(stabilised(out, &c, 5));
    }
    if let Some(c) = dated().captures(&v) {
        let out: String = c[1]
            .chars()
            .map(|ch| if ch.is_ascii_digit() { ch } else { '.' })
            .collect();
        return Some(stabilised(out, &c, 2));
    }
    // A numbered branch (`2.1.x-dev`, `2.1-dev`).
    let lower = v.to_ascii_lowercase();
    if let Some(stem) = lower.strip_suffix("dev") {
        let stem = stem.strip_suffix(['.', '-']).unwrap_or(stem);
        let stem = php_trim(v.get(..stem.len()).unwrap_or(""));
        if let Some(c) = branch().captures(stem) {
            let mut out = String::new();
            for i in 1..=4 {
                let part = c.get(i).map_or(".x", |m| m.as_str());
                out.push_str(&part.replace(['*', 'X'], "x"));
            }
            return Some(format!("{}-dev", out.replace('x', "9999999")));
        }
    }
    None
}

/// Whether Composer accepts `v` as a version.
pub fn parse_ok(v: &str) -> bool {
    normalize(v).is_some()
}

/// Compares two Composer versions as Composer orders them; `None` when either is not
/// a version, or both are different `dev-` branches (not comparable).
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    let (x, y) = (normalize(a)?, normalize(b)?);
    match (x.starts_with("dev-"), y.starts_with("dev-")) {
        (true, true) => (x == y).then_some(Ordering::Equal),
        _ => Some(php_version_compare(&x, &y)),
    }
}

/// PHP's `php_canonicalize_version`: `-`, `_`, `+` and other non-alphanumerics become
/// `.`, and a `.` goes between a digit and a non-digit.
fn canonicalize(v: &[u8]) -> Vec<u8> {
    let Some((&first, rest)) = v.split_first() else {
        return Vec::new();
    };
    let dig = |c: u8| c.is_ascii_digit();
    let ndig = |c: u8| !c.is_ascii_digit() && c != b'.';
    let mut out = vec![first];
    let mut lp = first;
    for &c in rest {
        let lq = *out.last().unwrap_or(&b'.');
        if matches!(c, b'-' | b'_' | b'+') {
            if lq != b'.' {
                out.push(b'.');
            }
        } else if (ndig(lp) && dig(c)) || (dig(lp) && ndig(c)) {
            if lq != b'.' {
                out.push(b'.');
            }
            out.push(c);
        } else if !c.is_ascii_alphanumeric() {
            if lq != b'.' {
                out.push(b'.');
            }
        } else {
            out.push(c);
        }
        lp = c;
    }
    out
}

/// PHP's `compare_special_version_forms`: the first of these prefixes a form starts
/// with gives its rank; anything else ranks below `dev`.
fn special_form(form: &[u8]) -> i32 {
    const FORMS: [(&[u8], i32); 10] = [
        (b"dev", 0),
        (b"alpha", 1),
        (b"a", 1),
        (b"beta", 2),
        (b"b", 2),
        (b"RC", 3),
        (b"rc", 3),
        (b"#", 4),
        (b"pl", 5),
        (b"p", 5),
    ];
    FORMS
        .iter()
        .find(|(p, _)| form.starts_with(p))
        .map_or(-1, |(_, o)| *o)
}

/// C's `strtol` on a run of digits, saturating like it.
fn strtol(s: &[u8]) -> i64 {
    let mut n: i64 = 0;
    for c in s.iter().take_while(|c| c.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add(i64::from(c - b'0'));
    }
    n
}

/// PHP's `version_compare` (`php_version_compare`), step by step: canonicalise, then
/// compare `.`-separated parts until one side runs out, then judge the rest against a
/// number.
fn php_version_compare(a: &str, b: &str) -> Ordering {
    php_compare(a.as_bytes(), b.as_bytes())
}

fn php_compare(a: &[u8], b: &[u8]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        (false, false) => {}
    }
    let v1 = if a[0] == b'#' {
        a.to_vec()
    } else {
        canonicalize(a)
    };
    let v2 = if b[0] == b'#' {
        b.to_vec()
    } else {
        canonicalize(b)
    };
    let s1: Vec<&[u8]> = v1.split(|c| *c == b'.').collect();
    let s2: Vec<&[u8]> = v2.split(|c| *c == b'.').collect();
    let (mut k1, mut k2) = (0, 0);
    let (mut n1, mut n2) = (true, true);
    let mut compare = Ordering::Equal;
    let first = |s: &[u8]| s.first().copied();
    while !s1[k1].is_empty() && !s2[k2].is_empty() && n1 && n2 {
        n1 = k1 + 1 < s1.len();
        n2 = k2 + 1 < s2.len();
        let (p1, p2) = (s1[k1], s2[k2]);
        let (d1, d2) = (
            first(p1).is_some_and(|c| c.is_ascii_digit()),
            first(p2).is_some_and(|c| c.is_ascii_digit()),
        );
        compare = match (d1, d2) {
            (true, true) => strtol(p1).cmp(&strtol(p2)),
            (false, false) => special_form(p1).cmp(&special_form(p2)),
            (true, false) => special_form(b"#N#").cmp(&special_form(p2)),
            (false, true) => special_form(p1).cmp(&special_form(b"#N#")),
        };
        if compare != Ordering::Equal {
            break;
        }
        if n1 {
            k1 += 1;
        }
        if n2 {
            k2 += 1;
        }
    }
    if compare == Ordering::Equal {
        if n1 {
            let rest = s1[k1..].join(&b'.');
            compare = if first(&rest).is_some_and(|c| c.is_ascii_digit()) {
                Ordering::Greater
            } else {
                php_compare(&rest, b"#N#")
            };
        } else if n2 {
            let rest = s2[k2..].join(&b'.');
            compare = if first(&rest).is_some_and(|c| c.is_ascii_digit()) {
                Ordering::Less
            } else {
                php_compare(b"#N#", &rest)
            };
        }
    }
    compare
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair of a set of tricky versions, normalised and compared by Composer's own
    /// composer/semver (scripts/version-tables/gen-composer.php).
    #[test]
    fn agrees_with_composer_semver() {
        let pairs = super::super::reference_pairs(include_str!("testdata/composer-compare.txt"));
        for &(a, b, want) in &pairs {
            assert_eq!(compare(a, b), want, "{a} vs {b}");
        }
        assert_eq!(pairs.len(), 41 * 41);
    }

    #[test]
    fn normal_forms() {
        for (v, n) in [
            ("v2.1", "2.1.0.0"),
            ("1.0.0-a1", "1.0.0.0-alpha1"),
            ("1.0.0-rc.1", "1.0.0.0-RC1"),
            ("1.0.0-pl1", "1.0.0.0-patch1"),
            ("1.0.0-stable", "1.0.0.0"),
            ("1.0.0+build.1", "1.0.0.0"),
            ("1.0.x-dev", "1.0.9999999.9999999-dev"),
            ("dev-feature/foo", "dev-feature/foo"),
            ("master", "dev-master"),
            ("20240101", "20240101"),
            ("2024.01.01", "2024.01.01.0"),
            ("202401011200", "202401011200"),
        ] {
            assert_eq!(normalize(v).as_deref(), Some(n), "{v}");
        }
        assert_eq!(normalize("foo"), None);
        assert_eq!(compare("dev-main", "dev-master"), None);
        assert_eq!(compare("dev-main", "0.0.1"), Some(Ordering::Less));
    }
}
