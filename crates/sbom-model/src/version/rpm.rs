//! RPM version ordering: `[epoch:]version[-release]`, each part compared with
//! rpmvercmp: alternating alphabetic and numeric segments, separators ignored, numeric
//! segments newer than alphabetic ones, `~` older than anything (even the end), `^`
//! newer than the end but older than any further segment.
use std::cmp::Ordering;

/// A parsed RPM EVR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evr<'a> {
    pub epoch: u64,
    pub version: &'a str,
    pub release: &'a str,
}

/// Splits `[epoch:]version[-release]`; `None` when the epoch is not a number or the
/// version is empty.
pub fn parse(v: &str) -> Option<Evr<'_>> {
    let v = v.trim();
    let (epoch, rest) = super::split_epoch(v)?;
    let (version, release) = rest.rsplit_once('-').unwrap_or((rest, ""));
    if version.is_empty() {
        return None;
    }
    Some(Evr {
        epoch,
        version,
        release,
    })
}

/// Compares two RPM EVRs; `None` when either does not parse.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    let (a, b) = (parse(a)?, parse(b)?);
    Some(
        a.epoch
            .cmp(&b.epoch)
            .then_with(|| rpmvercmp(a.version, b.version))
            .then_with(|| rpmvercmp(a.release, b.release)),
    )
}

fn is_separator(c: u8) -> bool {
    !c.is_ascii_alphanumeric() && c != b'~' && c != b'^'
}

/// rpm's segment comparison of one version or release string.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        while x.first().is_some_and(|c| is_separator(*c)) {
            x = &x[1..];
        }
        while y.first().is_some_and(|c| is_separator(*c)) {
            y = &y[1..];
        }
        let (cx, cy) = (x.first().copied(), y.first().copied());
        if cx == Some(b'~') || cy == Some(b'~') {
            if cx != Some(b'~') {
                return Ordering::Greater;
            }
            if cy != Some(b'~') {
                return Ordering::Less;
            }
            x = &x[1..];
            y = &y[1..];
            continue;
        }
        if cx == Some(b'^') || cy == Some(b'^') {
            match (cx, cy) {
                (None, _) => return Ordering::Less,
                (_, None) => return Ordering::Greater,
                (Some(b'^'), Some(b'^')) => {
                    x = &x[1..];
                    y = &y[1..];
                    continue;
                }
                (Some(b'^'), _) => return Ordering::Less,
                _ => return Ordering::Greater,
            }
        }
        let (Some(c0), Some(_)) = (cx, cy) else {
            break;
        };
        let numeric = c0.is_ascii_digit();
        let class = |c: &u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let nx = x.iter().take_while(|c| class(c)).count();
        let ny = y.iter().take_while(|c| class(c)).count();
        if ny == 0 {
            // Segments of different kinds: numbers are newer than letters.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (mut sx, mut sy) = (&x[..nx], &y[..ny]);
        let o = if numeric {
            while sx.first() == Some(&b'0') {
                sx = &sx[1..];
            }
            while sy.first() == Some(&b'0') {
                sy = &sy[1..];
            }
            sx.len().cmp(&sy.len()).then_with(|| sx.cmp(sy))
        } else {
            sx.cmp(sy)
        };
        if o != Ordering::Equal {
            return o;
        }
        x = &x[nx..];
        y = &y[ny..];
    }
    match (x.is_empty(), y.is_empty()) {
        (true, true) => Ordering::Equal,
        (false, _) => Ordering::Greater,
        (true, false) => Ordering::Less,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cases in the spirit of rpm's own rpmvercmp test table.
    #[test]
    fn rpmvercmp_table() {
        use Ordering::{Equal as E, Greater as G, Less as L};
        for (a, b, want) in [
            ("1.0", "1.0", E),
            ("1.0", "2.0", L),
            ("2.0", "1.0", G),
            ("2.0.1", "2.0.1", E),
            ("2.0", "2.0.1", L),
            ("2.0.1a", "2.0.1a", E),
            ("2.0.1a", "2.0.1", G),
            ("5.5p1", "5.5p1", E),
            ("5.5p1", "5.5p2", L),
            ("5.5p10", "5.5p1", G),
            ("10xyz", "10.1xyz", L),
            ("xyz10", "xyz10.1", L),
            ("xyz.4", "xyz.4", E),
            ("xyz.4", "8", L),
            ("8", "xyz.4", G),
            ("1.0aa", "1.0aaa", L),
            ("10b2", "10a1", G),
            ("1b.fc17", "1.fc17", L),
            ("1.0", "1.fc4", G),
            ("3.0.0_fc", "3.0.0.fc", E),
            ("1++", "1_", E),
            ("2a", "2.0", L),
            ("1.0~rc1", "1.0", L),
            ("1.0~rc1", "1.0~rc2", L),
            ("1.0~rc1~git123", "1.0~rc1", L),
            ("1.0~rc1", "1.0arc1", L),
            ("1.0^", "1.0", G),
            ("1.0^git1", "1.0", G),
            ("1.0^git1", "1.01", L),
            ("1.0^20160101", "1.0.1", L),
            ("1.0^20160101^git1", "1.0^20160101", G),
            ("1.0~rc1^git1", "1.0~rc1", G),
            ("1.0^git1~pre", "1.0^git1", L),
            ("1.0~rc1", "1.0^git1", L),
            ("0001", "01", E),
        ] {
            assert_eq!(rpmvercmp(a, b), want, "{a} vs {b}");
        }
    }

    /// Every pair of a set of tricky versions, compared by the real rpm.
    #[test]
    fn agrees_with_rpm_vercmp() {
        let pairs = super::super::reference_pairs(include_str!("testdata/rpm-compare.txt"));
        for &(a, b, want) in &pairs {
            assert_eq!(Some(rpmvercmp(a, b)), want, "{a} vs {b}");
            assert_eq!(compare(a, b), want, "{a} vs {b}");
        }
        assert_eq!(pairs.len(), 1764);
    }

    #[test]
    fn evr() {
        assert_eq!(compare("1:1.0-1", "2.0-1"), Some(Ordering::Greater));
        assert_eq!(compare("0:1.0-1.el9", "1.0-1.el9"), Some(Ordering::Equal));
        assert_eq!(compare("1.0-1.el9", "1.0-2.el9"), Some(Ordering::Less));
        assert_eq!(
            compare("3.0.7-27.el9", "3.0.7-25.el9_3"),
            Some(Ordering::Greater)
        );
        assert_eq!(compare("x:1.0", "1.0"), None);
        assert_eq!(compare("", "1.0"), None);
    }
}
