//! Alpine (apk-tools) version ordering:
//! `digits{.digits}[letter]{_suffix[digits]}[-rN]`.
//!
//! Tokens compare one by one; pre-release suffixes (`_alpha`, `_beta`, `_pre`, `_rc`)
//! sort before the bare version, post-release suffixes (`_cvs`, `_svn`, `_git`, `_hg`,
//! `_p`) after it. When all shared tokens are equal, the version with more tokens is
//! the greater one, unless its next token is a pre-release suffix.
use std::cmp::Ordering;

/// What the next token is. Declaration order matters: it is apk's token order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tok {
    Invalid,
    DigitOrZero,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    RevisionNo,
    End,
}

const PRE_SUFFIXES: [&str; 4] = ["alpha", "beta", "pre", "rc"];
const POST_SUFFIXES: [&str; 5] = ["cvs", "svn", "git", "hg", "p"];

#[derive(Clone)]
struct Lexer<'a> {
    tok: Tok,
    s: &'a [u8],
}

impl<'a> Lexer<'a> {
    fn new(v: &'a str) -> Self {
        Lexer {
            tok: Tok::Digit,
            s: v.trim().as_bytes(),
        }
    }

    fn bump(&mut self, n: usize) {
        self.s = self.s.get(n..).unwrap_or_default();
    }

    /// Decides the type of the next token from the upcoming character.
    fn next_type(&mut self) {
        let t = self.tok;
        let mut n = match self.s.first().copied() {
            None | Some(0) => Tok::End,
            Some(c) if matches!(t, Tok::Digit | Tok::DigitOrZero) && c.is_ascii_lowercase() => {
                Tok::Letter
            }
            Some(c) if t == Tok::Letter && c.is_ascii_digit() => Tok::Digit,
            Some(c) if t == Tok::Suffix && c.is_ascii_digit() => Tok::SuffixNo,
            Some(c) => {
                let n = match c {
                    b'.' => Tok::DigitOrZero,
                    b'_' => Tok::Suffix,
                    b'-' if self.s.get(1) == Some(&b'r') => {
                        self.bump(1);
                        Tok::RevisionNo
                    }
                    _ => Tok::Invalid,
                };
                self.bump(1);
                n
            }
        };
        let allowed_back = matches!(
            (n, t),
            (Tok::DigitOrZero, Tok::Digit)
                | (Tok::Suffix, Tok::SuffixNo)
                | (Tok::Digit, Tok::Letter)
        );
        if n < t && !allowed_back {
            n = Tok::Invalid;
        }
        self.tok = n;
    }

    /// Reads the current token's value and moves to the next token.
    fn value(&mut self) -> i64 {
        if self.s.is_empty() {
            self.tok = Tok::End;
            return 0;
        }
        let mut then = None;
        let (v, len) = match self.tok {
            Tok::DigitOrZero if self.s.first() == Some(&b'0') => {
                // Leading zeros: `1.01` sorts before `1.1` (a fraction, not a number).
                let zeros = self.s.iter().take_while(|c| **c == b'0').count();
                then = Some(Tok::Digit);
                (-i64::try_from(zeros).unwrap_or(i64::MAX), zeros)
            }
            Tok::DigitOrZero | Tok::Digit | Tok::SuffixNo | Tok::RevisionNo => {
                let n = self.s.iter().take_while(|c| c.is_ascii_digit()).count();
                let v = self.s[..n].iter().fold(0i64, |acc, d| {
                    acc.saturating_mul(10).saturating_add(i64::from(d - b'0'))
                });
                (v, n)
            }
            Tok::Letter => (self.s.first().map_or(0, |c| i64::from(*c)), 1),
            Tok::Suffix => {
                let pre = PRE_SUFFIXES
                    .iter()
                    .position(|w| self.s.starts_with(w.as_bytes()));
                if let Some(i) = pre {
                    (i as i64 - PRE_SUFFIXES.len() as i64, PRE_SUFFIXES[i].len())
                } else if let Some(i) = POST_SUFFIXES
                    .iter()
                    .position(|w| self.s.starts_with(w.as_bytes()))
                {
                    (i as i64, POST_SUFFIXES[i].len())
                } else {
                    self.tok = Tok::Invalid;
                    return -1;
                }
            }
            Tok::Invalid | Tok::End => {
                self.tok = Tok::Invalid;
                return -1;
            }
        };
        self.bump(len);
        if self.s.is_empty() {
            self.tok = Tok::End;
        } else if let Some(t) = then {
            self.tok = t;
        } else {
            self.next_type();
        }
        v
    }
}

/// Whether `v` is a valid apk version.
pub fn parse_ok(v: &str) -> bool {
    let mut l = Lexer::new(v);
    if l.s.is_empty() {
        return false;
    }
    // Every step consumes input or moves to a later token type; the bound is a guard.
    for _ in 0..(2 * l.s.len() + 4) {
        match l.tok {
            Tok::End => return true,
            Tok::Invalid => return false,
            _ => {
                l.value();
            }
        }
    }
    false
}

/// Compares two apk versions; `None` when either is not a valid apk version.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    if !parse_ok(a) || !parse_ok(b) {
        return None;
    }
    let (mut a, mut b) = (Lexer::new(a), Lexer::new(b));
    let (mut av, mut bv) = (0, 0);
    while a.tok == b.tok && a.tok != Tok::End && a.tok != Tok::Invalid && av == bv {
        av = a.value();
        bv = b.value();
    }
    if av != bv {
        return Some(av.cmp(&bv));
    }
    if a.tok == b.tok {
        return Some(Ordering::Equal);
    }
    // Shared part equal: the longer one is greater unless it continues with a pre-release.
    if a.tok == Tok::Suffix && a.clone().value() < 0 {
        return Some(Ordering::Less);
    }
    if b.tok == Tok::Suffix && b.clone().value() < 0 {
        return Some(Ordering::Greater);
    }
    Some(b.tok.cmp(&a.tok))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        compare(a, b).unwrap_or_else(|| panic!("{a} or {b} invalid"))
    }

    #[test]
    fn ascending_chain() {
        let list = [
            "1.2.3_alpha",
            "1.2.3_alpha1",
            "1.2.3_beta",
            "1.2.3_pre2",
            "1.2.3_rc1",
            "1.2.3",
            "1.2.3-r0",
            "1.2.3-r1",
            "1.2.3-r10",
            "1.2.3_cvs",
            "1.2.3_svn",
            "1.2.3_git20240101",
            "1.2.3_hg",
            "1.2.3_p1",
            "1.2.3_p2",
            "1.2.3a",
            "1.2.3b",
            "1.2.4",
            "1.10",
        ];
        for (i, a) in list.iter().enumerate() {
            for (j, b) in list.iter().enumerate() {
                assert_eq!(cmp(a, b), i.cmp(&j), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn leading_zeros_are_fractions() {
        assert_eq!(cmp("1.01", "1.1"), Ordering::Less);
        assert_eq!(cmp("1.001", "1.01"), Ordering::Less);
        assert_eq!(cmp("1.0", "1.00"), Ordering::Greater);
    }

    #[test]
    fn revisions_and_letters() {
        assert_eq!(cmp("3.1.4-r5", "3.1.4-r4"), Ordering::Greater);
        assert_eq!(cmp("1.2a", "1.2"), Ordering::Greater);
        assert_eq!(cmp("1.2a-r1", "1.2a"), Ordering::Greater);
        assert_eq!(cmp("1.2_rc1-r1", "1.2"), Ordering::Less);
        assert_eq!(
            cmp("2.0", "1.99999999999999999999999999"),
            Ordering::Greater
        );
    }

    /// Behaviour of apk-tools on multi-suffix, letter and leading-zero versions
    /// (checked against apk-tools' own version test data).
    #[test]
    fn apk_tools_edge_cases() {
        use Ordering::{Greater as G, Less as L};
        for (a, b, want) in [
            ("0.1.0_alpha_pre2", "0.1.0_alpha", L),
            ("1.0_p10-r0", "1.0_p9-r0", G),
            ("1.3_pre1-r1", "1.3.2", L),
            ("2.12r-r4", "2.12r-r5", L),
            ("2.5.1-r8", "2.5.1a-r1", L),
            ("0.9.28.1", "087-r1", L),
            ("3.0.0-r2", "021109-r3", L),
            ("1.07.5", "1.07", G),
            ("4.5_p1", "4.5_p1-r1", L),
            (
                "1.0.0_pre20191002222144-r0",
                "1.0.0_pre20210530193627-r0",
                L,
            ),
        ] {
            assert_eq!(cmp(a, b), want, "{a} vs {b}");
            assert_eq!(cmp(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn invalid_versions() {
        for bad in ["", "abc", "1.2-x", "1.2_foo", "1.2ab", "1.2_rc1.3", "1.2 3"] {
            assert!(!parse_ok(bad), "{bad:?}");
            assert!(compare(bad, "1.0").is_none(), "{bad:?}");
        }
        for ok in ["1", "1.2.3-r0", "0.9.5_git20240101-r2", "1.2a_p3"] {
            assert!(parse_ok(ok), "{ok}");
        }
    }
}
