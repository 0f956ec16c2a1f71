//! Maven version ordering: the rules of Maven's `ComparableVersion` (maven-artifact
//! 3.8), which every string parses under.
//!
//! A version is lower-cased and split into items: numbers and words, separated by `.`
//! or `-` or by a change between digits and letters. A `-`, a digits/letters change and
//! a word after a `.` open a nested list, so `1-rc-1`, `1.0.rc1` and `1-rc1` are all
//! `[1, [rc, [1]]]`. Trailing "null" items (`0`,
//! the empty qualifier and its aliases `ga`, `final`, `release`, empty lists) are
//! dropped from each list, which makes `1`, `1.0`, `1.0.0`, `1-0` and `1.ga` equal.
//! Qualifiers order `alpha < beta < milestone < rc = cr < snapshot < "" < sp`, then
//! any other word (alphabetically); `a1`, `b1`, `m1` (a letter followed by a digit) mean
//! alpha, beta, milestone. A number is above any word and any list; a list is above a
//! word (`1-1 > 1-sp`) and below a number (`1-1 < 1.1`).
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    /// Digits without leading zeros (`""` is zero).
    Int(String),
    /// A qualifier after aliasing (`cr` → `rc`, `ga` → `""`, ...).
    Str(String),
    List(Vec<Item>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

impl Item {
    fn int(digits: &str) -> Item {
        Item::Int(digits.trim_start_matches('0').to_string())
    }

    fn word(w: &str, followed_by_digit: bool) -> Item {
        let w = match (followed_by_digit, w) {
            (true, "a") => "alpha",
            (true, "b") => "beta",
            (true, "m") => "milestone",
            (_, "ga" | "final" | "release") => "",
            (_, "cr") => "rc",
            (_, w) => w,
        };
        Item::Str(w.to_string())
    }

    fn is_null(&self) -> bool {
        match self {
            Item::Int(d) => d.is_empty(),
            Item::Str(s) => s.is_empty(),
            Item::List(l) => l.is_empty(),
        }
    }

    /// Compares with a missing item (the other list ended).
    fn cmp_none(&self) -> Ordering {
        match self {
            Item::Int(d) => {
                if d.is_empty() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            Item::Str(s) => qualifier_cmp(s, ""),
            Item::List(l) => l.first().map_or(Ordering::Equal, Item::cmp_none),
        }
    }

    fn cmp(&self, other: &Item) -> Ordering {
        match (self, other) {
            (Item::Int(a), Item::Int(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
            (Item::Int(_), _) => Ordering::Greater,
            (Item::Str(_), Item::Int(_) | Item::List(_)) => Ordering::Less,
            (Item::Str(a), Item::Str(b)) => qualifier_cmp(a, b),
            (Item::List(_), Item::Int(_)) => Ordering::Less,
            (Item::List(_), Item::Str(_)) => Ordering::Greater,
            (Item::List(a), Item::List(b)) => cmp_lists(a, b),
        }
    }
}

/// Maven compares qualifiers through a string key: the index in [`QUALIFIERS`] as a
/// decimal, else `"7-" + word`; so an unknown word is above `sp` and unknown words
/// order alphabetically.
fn qualifier_cmp(a: &str, b: &str) -> Ordering {
    fn key(q: &str) -> String {
        match QUALIFIERS.iter().position(|k| *k == q) {
            Some(i) => i.to_string(),
            None => format!("{}-{q}", QUALIFIERS.len()),
        }
    }
    if a == b {
        return Ordering::Equal;
    }
    // Java's String.compareTo: UTF-16 code units; same as bytes for these keys except
    // for characters outside the BMP, which qualifiers in practice never carry.
    key(a).encode_utf16().cmp(key(b).encode_utf16())
}

fn cmp_lists(a: &[Item], b: &[Item]) -> Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let o = match (a.get(i), b.get(i)) {
            (Some(l), Some(r)) => l.cmp(r),
            (Some(l), None) => l.cmp_none(),
            (None, Some(r)) => r.cmp_none().reverse(),
            (None, None) => Ordering::Equal,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// Drops trailing null items; lists are kept past (Maven's `ListItem.normalize`), so
/// `1.0-1` loses its `0` and becomes `1-1`.
fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if list[i].is_null() {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
}

/// Builds the item tree of a version, as `ComparableVersion.parseVersion` does.
fn parse(version: &str) -> Vec<Item> {
    let v = version.to_lowercase();
    let chars: Vec<char> = v.chars().collect();
    // The open lists, innermost last; each closes into its parent at the end.
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    let mut is_digit = false;
    let mut start = 0;
    let text = |s: usize, e: usize| chars[s..e].iter().collect::<String>();
    let item = |digit: bool, s: &str| {
        if digit {
            Item::int(s)
        } else {
            Item::word(s, false)
        }
    };
    for (i, &c) in chars.iter().enumerate() {
        let top = stack.len() - 1;
        if c == '.' || c == '-' {
            if i == start {
                stack[top].push(Item::Int(String::new()));
            } else {
                stack[top].push(item(is_digit, &text(start, i)));
            }
            start = i + 1;
            if c == '-' {
                stack.push(Vec::new());
            }
        } else if c.is_ascii_digit() {
            if !is_digit && i > start {
                // `1.0.0.X1` is read as `1.0.0-X1`: a word opens a list of its own
                // unless it starts one.
                if !stack[top].is_empty() {
                    stack.push(Vec::new());
                }
                let top = stack.len() - 1;
                stack[top].push(Item::word(&text(start, i), true));
                start = i;
                stack.push(Vec::new());
            }
            is_digit = true;
        } else {
            if is_digit && i > start {
                stack[top].push(Item::int(&text(start, i)));
                start = i;
                stack.push(Vec::new());
            }
            is_digit = false;
        }
    }
    if chars.len() > start {
        // The same for a final word (`1.x` is `1-x`).
        if !is_digit && stack.last().is_some_and(|l| !l.is_empty()) {
            stack.push(Vec::new());
        }
        let top = stack.len() - 1;
        stack[top].push(item(is_digit, &text(start, chars.len())));
    }
    // Close the lists innermost first, normalising each before its parent.
    while stack.len() > 1 {
        let mut inner = stack.pop().unwrap_or_default();
        normalize(&mut inner);
        if let Some(parent) = stack.last_mut() {
            parent.push(Item::List(inner));
        }
    }
    let mut root = stack.pop().unwrap_or_default();
    normalize(&mut root);
    root
}

/// Every string is a Maven version (as long as it is not blank).
pub fn parse_ok(v: &str) -> bool {
    !v.trim().is_empty()
}

/// Compares two Maven versions by `ComparableVersion`'s rules.
pub fn compare(a: &str, b: &str) -> Ordering {
    cmp_lists(&parse(a), &parse(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair of a set of tricky versions, compared by Maven's own ComparableVersion
    /// (scripts/version-tables/GenMaven.java).
    #[test]
    fn agrees_with_maven_comparable_version() {
        let pairs = super::super::reference_pairs(include_str!("testdata/maven-compare.txt"));
        for &(a, b, want) in &pairs {
            assert_eq!(Some(compare(a, b)), want, "{a} vs {b}");
        }
        assert_eq!(pairs.len(), 53 * 53);
    }

    /// The qualifier order Maven documents, and the aliases.
    #[test]
    fn qualifiers() {
        let chain = [
            "1-alpha1",
            "1-beta1",
            "1-milestone1",
            "1-rc1",
            "1-snapshot",
            "1",
            "1-sp1",
            "1-zzz",
            "1.0.1",
        ];
        for w in chain.windows(2) {
            assert_eq!(compare(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
        }
        for (a, b) in [
            ("1-cr1", "1-rc1"),
            ("1.ga", "1"),
            ("1-final", "1.0.0"),
            ("1a1", "1-alpha-1"),
        ] {
            assert_eq!(compare(a, b), Ordering::Equal, "{a} = {b}");
        }
    }
}
