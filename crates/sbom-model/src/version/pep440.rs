//! Python version ordering per PEP 440: `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`,
//! with the spec's normalisations (case, alternative spellings, implicit numbers,
//! separators, a leading `v`).
use std::cmp::Ordering;

/// Pre-release phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    Alpha,
    Beta,
    Rc,
}

/// One segment of a local version label: numbers sort after strings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum LocalSegment {
    Text(String),
    Number(u64),
}

/// A parsed PEP 440 version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pep440Version {
    pub epoch: u64,
    pub release: Vec<u64>,
    pub pre: Option<(Phase, u64)>,
    pub post: Option<u64>,
    pub dev: Option<u64>,
    pub local: Vec<LocalSegment>,
}

/// A position in the ordering that may sit below or above every concrete value.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Bound<T> {
    Below,
    At(T),
    Above,
}

impl Pep440Version {
    /// The key whose natural ordering is PEP 440's ordering.
    #[allow(clippy::type_complexity)]
    fn key(
        &self,
    ) -> (
        u64,
        &[u64],
        Bound<(Phase, u64)>,
        Bound<u64>,
        Bound<u64>,
        Bound<&[LocalSegment]>,
    ) {
        let n = self
            .release
            .iter()
            .rposition(|x| *x != 0)
            .map_or(0, |i| i + 1);
        let pre = match (self.pre, self.post, self.dev) {
            // `1.0.dev1` sorts before `1.0a1`.
            (None, None, Some(_)) => Bound::Below,
            (None, _, _) => Bound::Above,
            (Some(p), _, _) => Bound::At(p),
        };
        let post = self.post.map_or(Bound::Below, Bound::At);
        let dev = self.dev.map_or(Bound::Above, Bound::At);
        let local = if self.local.is_empty() {
            Bound::Below
        } else {
            Bound::At(self.local.as_slice())
        };
        (self.epoch, &self.release[..n], pre, post, dev, local)
    }
}

impl Ord for Pep440Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for Pep440Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

struct Cursor<'a> {
    s: &'a [u8],
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.first().copied()
    }
    fn bump(&mut self, n: usize) {
        self.s = self.s.get(n..).unwrap_or_default();
    }
    fn number(&mut self) -> Option<Option<u64>> {
        let n = self.s.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return Some(None);
        }
        let text = std::str::from_utf8(&self.s[..n]).ok()?;
        let v = text.parse::<u64>().ok()?;
        self.bump(n);
        Some(Some(v))
    }
    fn separator(&self) -> usize {
        usize::from(matches!(self.peek(), Some(b'.' | b'-' | b'_')))
    }
    /// Consumes an optional separator followed by one of `words`; returns the word's index.
    fn word(&mut self, words: &[&str]) -> Option<usize> {
        let sep = self.separator();
        let rest = self.s.get(sep..)?;
        // Longest match first so `preview` is not read as `pre` + `view`.
        let mut best: Option<(usize, usize)> = None;
        for (i, w) in words.iter().enumerate() {
            if rest.starts_with(w.as_bytes()) && best.is_none_or(|(_, l)| w.len() > l) {
                best = Some((i, w.len()));
            }
        }
        let (i, l) = best?;
        self.bump(sep + l);
        Some(i)
    }
    /// An optional separator and an optional number (implicit 0).
    fn implicit_number(&mut self) -> Option<u64> {
        let sep = self.separator();
        if self.s.get(sep).is_some_and(u8::is_ascii_digit) {
            self.bump(sep);
            return self.number().flatten();
        }
        Some(0)
    }
}

/// Parses a PEP 440 version; `None` when it is not one.
pub fn parse(v: &str) -> Option<Pep440Version> {
    let lower = v.trim().to_ascii_lowercase();
    let mut c = Cursor {
        s: lower.as_bytes(),
    };
    if c.peek() == Some(b'v') {
        c.bump(1);
    }
    let first = c.number()??;
    let (epoch, mut release) = if c.peek() == Some(b'!') {
        c.bump(1);
        (first, vec![c.number()??])
    } else {
        (0, vec![first])
    };
    while c.peek() == Some(b'.') && c.s.get(1).is_some_and(u8::is_ascii_digit) {
        c.bump(1);
        release.push(c.number()??);
    }
    const PRE: [&str; 8] = ["a", "b", "c", "rc", "alpha", "beta", "pre", "preview"];
    let pre = match c.word(&PRE) {
        Some(i) => {
            let phase = match PRE.get(i).copied() {
                Some("a" | "alpha") => Phase::Alpha,
                Some("b" | "beta") => Phase::Beta,
                _ => Phase::Rc,
            };
            Some((phase, c.implicit_number()?))
        }
        None => None,
    };
    let post = if c.word(&["post", "rev", "r"]).is_some() {
        Some(c.implicit_number()?)
    } else if c.peek() == Some(b'-') && c.s.get(1).is_some_and(u8::is_ascii_digit) {
        c.bump(1);
        Some(c.number()??)
    } else {
        None
    };
    let dev = if c.word(&["dev"]).is_some() {
        Some(c.implicit_number()?)
    } else {
        None
    };
    let mut local = Vec::new();
    if c.peek() == Some(b'+') {
        c.bump(1);
        let text = std::str::from_utf8(c.s).ok()?;
        for seg in text.split(['.', '-', '_']) {
            if seg.is_empty() || !seg.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return None;
            }
            local.push(if seg.bytes().all(|b| b.is_ascii_digit()) {
                LocalSegment::Number(seg.parse().ok()?)
            } else {
                LocalSegment::Text(seg.to_string())
            });
        }
        c.bump(c.s.len());
    }
    if !c.s.is_empty() {
        return None;
    }
    Some(Pep440Version {
        epoch,
        release,
        pre,
        post,
        dev,
        local,
    })
}

/// Compares two PEP 440 versions; `None` when either does not parse.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    Some(parse(a)?.cmp(&parse(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        compare(a, b).unwrap_or_else(|| panic!("{a} or {b} does not parse"))
    }

    /// The ordered example list from PEP 440's "Summary of permitted suffixes and
    /// relative ordering" section.
    #[test]
    fn pep440_ordering_example() {
        let list = [
            "1.dev0",
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
        ];
        for (i, a) in list.iter().enumerate() {
            for (j, b) in list.iter().enumerate() {
                assert_eq!(cmp(a, b), i.cmp(&j), "{a} vs {b}");
            }
        }
    }

    /// Every pair of a set of versions (valid and invalid), compared by Python's
    /// `packaging` library, the reference implementation of PEP 440.
    #[test]
    fn agrees_with_python_packaging() {
        let pairs = super::super::reference_pairs(include_str!("testdata/pep440-compare.txt"));
        for &(a, b, want) in &pairs {
            assert_eq!(compare(a, b), want, "{a} vs {b}");
        }
        assert_eq!(pairs.len(), 2916);
    }

    #[test]
    fn brief_orderings() {
        for (a, b) in [
            ("1.0a1", "1.0b1"),
            ("1.0b1", "1.0rc1"),
            ("1.0rc1", "1.0"),
            ("1.0", "1.0.post1"),
            ("1.0.dev1", "1.0a1"),
            ("1.0a1.dev1", "1.0a1"),
            ("1.0", "1!0.1"),
            ("2.31.0", "2.32.3"),
            ("25.0.0", "26.0.0.0rc1"),
            ("1.0+local", "1.0.post1"),
            ("1.0+abc", "1.0+abc.1"),
        ] {
            assert_eq!(cmp(a, b), Ordering::Less, "{a} < {b}");
            assert_eq!(cmp(b, a), Ordering::Greater, "{b} > {a}");
        }
    }

    #[test]
    fn normalisation_makes_spellings_equal() {
        for (a, b) in [
            ("1.0.0", "1.0"),
            ("1", "1.0.0.0"),
            ("0!1.0", "1.0"),
            ("v1.0", "1.0"),
            ("1.0ALPHA1", "1.0a1"),
            ("1.0-alpha.1", "1.0a1"),
            ("1.0beta2", "1.0b2"),
            ("1.0c1", "1.0rc1"),
            ("1.0pre1", "1.0rc1"),
            ("1.0preview1", "1.0rc1"),
            ("1.0a", "1.0a0"),
            ("1.0-1", "1.0.post1"),
            ("1.0rev1", "1.0.post1"),
            ("1.0r1", "1.0.post1"),
            ("1.0post", "1.0.post0"),
            ("1.0-dev", "1.0.dev0"),
            ("1.0_post_2", "1.0.post2"),
            ("1.0+ABC-1_2", "1.0+abc.1.2"),
            ("  1.0\n", "1.0"),
            ("1.0+01", "1.0+1"),
        ] {
            assert_eq!(cmp(a, b), Ordering::Equal, "{a} == {b}");
        }
    }

    #[test]
    fn invalid_versions_do_not_parse() {
        for bad in [
            "",
            "abc",
            "1.0x",
            "1.0+",
            "1.0+a..b",
            "1!",
            "!1",
            "1.0.",
            "1..0",
            "1.0a1b1",
            "1.0-",
            "1.0 1",
            "99999999999999999999999",
        ] {
            assert!(parse(bad).is_none(), "{bad:?} must not parse");
        }
    }

    #[test]
    fn parsed_fields() {
        let v = parse("2!1.2.3rc4.post5.dev6+ubuntu.7").expect("parses");
        assert_eq!(v.epoch, 2);
        assert_eq!(v.release, vec![1, 2, 3]);
        assert_eq!(v.pre, Some((Phase::Rc, 4)));
        assert_eq!(v.post, Some(5));
        assert_eq!(v.dev, Some(6));
        assert_eq!(
            v.local,
            vec![LocalSegment::Text("ubuntu".into()), LocalSegment::Number(7)]
        );
    }
}
