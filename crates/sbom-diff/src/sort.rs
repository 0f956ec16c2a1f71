//! A sort that cannot panic.
//!
//! Version orderings fall back to a natural order for versions that do not parse, so a
//! mix of parseable and unparseable versions need not be a total order; the standard
//! library's sorts may panic on such comparators (Rust 1.81+). This bottom-up merge sort
//! is stable, O(n log n), and returns some permutation whatever the comparator does.
use std::cmp::Ordering;

/// Sorts `v` stably by `cmp`; never panics, even when `cmp` is inconsistent.
pub(crate) fn sort_safe<T>(v: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    let n = v.len();
    if n < 2 {
        return;
    }
    let mut src: Vec<usize> = (0..n).collect();
    let mut dst: Vec<usize> = Vec::with_capacity(n);
    let mut width = 1;
    while width < n {
        dst.clear();
        let mut start = 0;
        while start < n {
            let mid = start.saturating_add(width).min(n);
            let end = start.saturating_add(width.saturating_mul(2)).min(n);
            let (mut a, mut b) = (start, mid);
            while a < mid && b < end {
                let (ia, ib) = (src[a], src[b]);
                if cmp(&v[ib], &v[ia]) == Ordering::Less {
                    dst.push(ib);
                    b += 1;
                } else {
                    dst.push(ia);
                    a += 1;
                }
            }
            dst.extend_from_slice(&src[a..mid]);
            dst.extend_from_slice(&src[b..end]);
            start = end;
        }
        std::mem::swap(&mut src, &mut dst);
        width = width.saturating_mul(2);
    }
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(
        src.into_iter()
            .filter_map(|i| slots.get_mut(i).and_then(Option::take)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_stably() {
        let mut v = vec![
            (3, 'a'),
            (1, 'b'),
            (2, 'c'),
            (1, 'd'),
            (3, 'e'),
            (0, 'f'),
            (2, 'g'),
        ];
        let mut want = v.clone();
        want.sort_by_key(|x| x.0);
        sort_safe(&mut v, |a, b| a.0.cmp(&b.0));
        assert_eq!(v, want);
        for n in 0..40usize {
            let mut v: Vec<usize> = (0..n).map(|i| (i * 7919) % 13).collect();
            let mut want = v.clone();
            want.sort();
            sort_safe(&mut v, |a, b| a.cmp(b));
            assert_eq!(v, want, "n={n}");
        }
    }

    #[test]
    fn inconsistent_comparator_keeps_every_element_and_does_not_panic() {
        let mut v: Vec<u32> = (0..500).collect();
        // Rock-paper-scissors: no total order exists.
        sort_safe(&mut v, |a, b| match (a % 3, b % 3) {
            (x, y) if x == y => Ordering::Equal,
            (0, 1) | (1, 2) | (2, 0) => Ordering::Less,
            _ => Ordering::Greater,
        });
        let mut seen = v.clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..500).collect::<Vec<_>>());
    }
}
