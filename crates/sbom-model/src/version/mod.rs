//! Version ordering per ecosystem: dpkg for deb, PEP 440 for pypi, apk, rpm, Go
//! modules, Cargo, npm, Maven, RubyGems and Composer, each checked against its real
//! tool's answers (testdata/, made by scripts/version-tables/ and the older tables'
//! tools). Never compare versions as strings.
use std::cmp::Ordering;

use crate::Ecosystem;

pub mod apk;
pub mod cargo;
pub mod composer;
pub mod deb;
pub mod gem;
pub mod go;
pub mod maven;
pub mod npm;
pub mod pep440;
pub mod rpm;
mod semver;

/// Compares two versions by the rules of `ecosystem`.
/// Falls back to a natural (digit-aware) comparison for ecosystems without rules and for
/// versions that do not parse.
///
/// dpkg, PEP 440 and the SemVer family (Go, Cargo, npm) are total on versions that
/// parse; apk, rpm, Maven, RubyGems and Composer follow their tools' algorithms, which
/// are not proven total (Composer's branches `dev-a` and `dev-b` are not comparable at
/// all and fall back to natural order); a mix of parseable and unparseable
/// versions need not be total either (the fallback order differs). So do not hand this
/// to `slice::sort_by` on untrusted input: the standard sorts may panic on inconsistent
/// orders (sbom-diff uses its own panic-free merge sort).
pub fn compare(ecosystem: Ecosystem, a: &str, b: &str) -> Ordering {
    let ruled = match ecosystem {
        Ecosystem::Deb => deb::compare(a, b),
        Ecosystem::Pypi => pep440::compare(a, b),
        Ecosystem::Apk => apk::compare(a, b),
        Ecosystem::Rpm => rpm::compare(a, b),
        Ecosystem::Golang => go::compare(a, b),
        Ecosystem::Cargo => cargo::compare(a, b),
        Ecosystem::Maven => Some(maven::compare(a, b)),
        Ecosystem::Npm => npm::compare(a, b),
        Ecosystem::Gem => gem::compare(a, b),
        Ecosystem::Composer => composer::compare(a, b),
        Ecosystem::Oci | Ecosystem::Binary | Ecosystem::Archive | Ecosystem::Generic => None,
    };
    ruled.unwrap_or_else(|| natural(a, b))
}

/// Whether `v` is a valid version by the rules of `ecosystem` (always true for
/// ecosystems without rules, as long as it is not blank).
pub fn parse_ok(ecosystem: Ecosystem, v: &str) -> bool {
    match ecosystem {
        Ecosystem::Deb => deb::parse_ok(v),
        Ecosystem::Pypi => pep440::parse(v).is_some(),
        Ecosystem::Apk => apk::parse_ok(v),
        Ecosystem::Rpm => rpm::parse(v).is_some(),
        Ecosystem::Golang => go::parse_ok(v),
        Ecosystem::Cargo => cargo::parse_ok(v),
        Ecosystem::Maven => maven::parse_ok(v),
        Ecosystem::Npm => npm::parse_ok(v),
        Ecosystem::Gem => gem::parse_ok(v),
        Ecosystem::Composer => composer::parse_ok(v),
        Ecosystem::Oci | Ecosystem::Binary | Ecosystem::Archive | Ecosystem::Generic => {
            !v.trim().is_empty()
        }
    }
}

/// Splits an optional numeric `epoch:` prefix (dpkg and rpm write it the same way).
/// `None` when there is a colon but what stands before it is not a number.
pub(crate) fn split_epoch(v: &str) -> Option<(u64, &str)> {
    match v.split_once(':') {
        Some((e, rest)) => {
            if e.is_empty() || !e.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            Some((e.parse::<u64>().ok()?, rest))
        }
        None => Some((0, v)),
    }
}

/// Digit-aware comparison: runs of digits compare numerically, the rest byte-wise.
pub fn natural(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let nx = x.iter().take_while(|c| c.is_ascii_digit()).count();
                let ny = y.iter().take_while(|c| c.is_ascii_digit()).count();
                let (dx, dy) = (&x[..nx], &y[..ny]);
                let tx = trim_zeros(dx);
                let ty = trim_zeros(dy);
                let o = tx.len().cmp(&ty.len()).then_with(|| tx.cmp(ty));
                if o != Ordering::Equal {
                    return o;
                }
                x = &x[nx..];
                y = &y[ny..];
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

fn trim_zeros(d: &[u8]) -> &[u8] {
    let n = d.iter().take_while(|c| **c == b'0').count();
    &d[n..]
}

/// The pairs of a comparison table written by a real tool (`A B R` a line, R one of
/// `<`, `=`, `>`, or `!` for "not comparable"; `#` starts a comment line).
#[cfg(test)]
pub(crate) fn reference_pairs(table: &str) -> Vec<(&str, &str, Option<std::cmp::Ordering>)> {
    use std::cmp::Ordering;
    table
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|line| {
            let f: Vec<&str> = line.split(' ').collect();
            let [a, b, r] = f[..] else {
                panic!("bad line {line:?}");
            };
            let want = match r {
                "<" => Some(Ordering::Less),
                "=" => Some(Ordering::Equal),
                ">" => Some(Ordering::Greater),
                "!" => None,
                _ => panic!("bad result in {line:?}"),
            };
            (a, b, want)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatches_by_ecosystem() {
        // dpkg: the epoch makes `1:1.0` newer; natural order would say older.
        assert_eq!(compare(Ecosystem::Deb, "1:1.0", "2.0"), Ordering::Greater);
        // PEP 440: a release candidate precedes the release.
        assert_eq!(compare(Ecosystem::Pypi, "1.0rc1", "1.0"), Ordering::Less);
        assert_eq!(compare(Ecosystem::Pypi, "1.0.0", "1.0"), Ordering::Equal);
        // apk: pre-release suffix precedes the release.
        assert_eq!(compare(Ecosystem::Apk, "1.2_rc1", "1.2"), Ordering::Less);
        // rpm: tilde precedes the release.
        assert_eq!(
            compare(Ecosystem::Rpm, "1.0~rc1-1", "1.0-1"),
            Ordering::Less
        );
        // dpkg tilde.
        assert_eq!(compare(Ecosystem::Deb, "1.0~rc1", "1.0"), Ordering::Less);
        // Go: a pseudo-version sorts below the release it precedes; natural order
        // would put it above.
        assert_eq!(
            compare(
                Ecosystem::Golang,
                "v1.2.4-0.20240101120000-abcdef123456",
                "v1.2.4"
            ),
            Ordering::Less
        );
        assert_eq!(
            compare(Ecosystem::Golang, "v2.0.0+incompatible", "v2.0.0"),
            Ordering::Equal
        );
        // Cargo and npm: a pre-release precedes the release.
        assert_eq!(
            compare(Ecosystem::Cargo, "1.0.0-rc.1", "1.0.0"),
            Ordering::Less
        );
        assert_eq!(
            compare(Ecosystem::Npm, "1.0.0-beta.11", "1.0.0-beta.2"),
            Ordering::Greater
        );
        // Maven: `1.0` = `1`, a milestone precedes the release, sp follows it.
        assert_eq!(compare(Ecosystem::Maven, "1.0", "1"), Ordering::Equal);
        assert_eq!(compare(Ecosystem::Maven, "2.0-M1", "2.0"), Ordering::Less);
        assert_eq!(
            compare(Ecosystem::Maven, "2.0-sp1", "2.0"),
            Ordering::Greater
        );
        // RubyGems: letters make a pre-release.
        assert_eq!(
            compare(Ecosystem::Gem, "2.0.0.beta2", "2.0.0"),
            Ordering::Less
        );
        // Composer: `v` prefix and padding; a patch release follows the release.
        assert_eq!(
            compare(Ecosystem::Composer, "v2.1", "2.1.0.0"),
            Ordering::Equal
        );
        assert_eq!(
            compare(Ecosystem::Composer, "1.0.0-p1", "1.0.0"),
            Ordering::Greater
        );
    }

    #[test]
    fn unparseable_falls_back_to_natural() {
        assert_eq!(
            compare(Ecosystem::Pypi, "not-a-version-2", "not-a-version-10"),
            Ordering::Less
        );
        assert_eq!(compare(Ecosystem::Deb, "x:1", "x:2"), Ordering::Less);
        assert_eq!(compare(Ecosystem::Generic, "1.9", "1.10"), Ordering::Less);
    }

    #[test]
    fn parse_ok_per_ecosystem() {
        assert!(parse_ok(Ecosystem::Deb, "1:2.3-4"));
        assert!(!parse_ok(Ecosystem::Deb, "x:2"));
        assert!(parse_ok(Ecosystem::Pypi, "1.0.post1"));
        assert!(!parse_ok(Ecosystem::Pypi, "1.0-beta-gamma"));
        assert!(parse_ok(Ecosystem::Apk, "1.2.3-r4"));
        assert!(!parse_ok(Ecosystem::Apk, "1.2.3-x"));
        assert!(parse_ok(Ecosystem::Rpm, "1:2.3-4.el9"));
        assert!(parse_ok(
            Ecosystem::Golang,
            "v0.0.0-20240101120000-abcdef123456"
        ));
        assert!(!parse_ok(Ecosystem::Golang, "(devel)"));
        assert!(parse_ok(Ecosystem::Cargo, "1.0.0-alpha+001"));
        assert!(!parse_ok(Ecosystem::Cargo, "1.0"));
        assert!(parse_ok(Ecosystem::Npm, "v1.2.3"));
        assert!(!parse_ok(Ecosystem::Npm, "latest"));
        assert!(parse_ok(Ecosystem::Maven, "anything-goes"));
        assert!(parse_ok(Ecosystem::Gem, "1.0.0.pre.1"));
        assert!(!parse_ok(Ecosystem::Gem, "a"));
        assert!(parse_ok(Ecosystem::Composer, "dev-main"));
        assert!(!parse_ok(Ecosystem::Composer, "1.0.0-foo"));
        assert!(parse_ok(Ecosystem::Generic, "whatever"));
        assert!(!parse_ok(Ecosystem::Generic, " "));
    }

    #[test]
    fn never_panics_on_odd_input() {
        let odd = [
            "",
            "~",
            "^",
            ":",
            "-",
            "1:",
            ":1",
            "+",
            "!",
            "1!",
            "_",
            "-r",
            "0",
            "\u{0}",
            "ü1.0",
            "1.0\u{301}",
            "99999999999999999999999999999",
            "1.0-r99999999999999999999",
            "...",
            "1..",
            "~~~",
            "^^",
            "1_p_p",
            "v",
            "1.0+",
            "1!1!1",
        ];
        for e in Ecosystem::ALL {
            for a in odd {
                for b in odd {
                    let x = compare(e, a, b);
                    let y = compare(e, b, a);
                    assert_eq!(x, y.reverse(), "{e}: {a:?} vs {b:?}");
                    let _ = parse_ok(e, a);
                }
            }
        }
    }
}
