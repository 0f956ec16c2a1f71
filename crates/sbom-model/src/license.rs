//! Licenses as declared by packages, normalised to SPDX expressions where they parse.
use serde::{Deserialize, Serialize};

/// One declared license.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum License {
    /// A valid SPDX license expression (canonical ids, e.g. `MIT OR Apache-2.0`).
    Spdx(String),
    /// Free text that is not an SPDX expression (`BSD-like`, a full license text's title).
    Named(String),
}

impl License {
    /// Interprets a declared license string. Valid SPDX expressions (also common
    /// imprecise spellings such as `Apache 2.0` or `GPLv2+`) become [`License::Spdx`];
    /// anything else is kept verbatim as [`License::Named`]. Returns `None` for blank
    /// or placeholder values (`UNKNOWN`, `NOASSERTION`).
    pub fn from_declared(text: &str) -> Option<License> {
        let t = text.trim();
        if t.is_empty() {
            return None;
        }
        let upper = t.to_ascii_uppercase();
        if matches!(
            upper.as_str(),
            "UNKNOWN" | "NOASSERTION" | "NONE" | "N/A" | "-"
        ) {
            return None;
        }
        if let Some(expr) = normalise_spdx(t) {
            return Some(License::Spdx(expr));
        }
        Some(License::Named(t.to_string()))
    }

    /// The SPDX expression, if this is one.
    pub fn spdx(&self) -> Option<&str> {
        match self {
            License::Spdx(s) => Some(s),
            License::Named(_) => None,
        }
    }

    /// The text as it is shown to people.
    pub fn as_str(&self) -> &str {
        match self {
            License::Spdx(s) | License::Named(s) => s,
        }
    }
}

/// Parses `text` as an SPDX expression and returns its canonical form, or `None`
/// when it is not one.
///
/// Accepts strict SPDX (`MIT OR Apache-2.0`), lower-case operators, `/` as `OR`, ids
/// in any letter case (`apache-2.0`), deprecated GNU ids (`GPL-2.0+` becomes
/// `GPL-2.0-or-later`), DEP-5 short names (`GPL-2+`, `Expat`, `BSD-3-clause`) and a
/// small table of common imprecise names (`Apache 2.0`, `Apache License, Version 2.0`,
/// `MIT License`, `GPLv2+`, `LGPL v2.1 or later`). Names that do not say which license
/// they mean (`BSD`, `GPL`, `Apache` without a version) are not guessed: they stay
/// free text. The result always passes the `spdx` crate's strict parser.
pub fn normalise_spdx(text: &str) -> Option<String> {
    // Multi-line values are license texts or prose, not expressions.
    let text = text.trim();
    if text.is_empty() || text.contains('\n') || text.len() > 200 {
        return None;
    }
    if let Some(out) = rewrite(text) {
        if spdx::Expression::parse(&out).is_ok() {
            return Some(out);
        }
    }
    // Valid but outside what `rewrite` understands (DocumentRef-, AdditionRef-).
    spdx::Expression::parse(text).ok().map(|_| text.to_string())
}

#[derive(Debug, PartialEq)]
enum Tok {
    Open,
    Close,
    And,
    Or,
    With,
    Term(String),
}

/// Splits a license text into parentheses, operators and terms (runs of words).
fn tokenize(text: &str) -> Vec<Tok> {
    // "or later" is part of a term, not an operator: turn it into `+` first.
    let mut t = text.to_string();
    for phrase in [
        " or any later version",
        " or later",
        " or-later",
        " or newer",
    ] {
        while let Some(i) = t.to_ascii_lowercase().find(phrase) {
            t.replace_range(i..i + phrase.len(), "+");
        }
    }
    let mut toks = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let flush = |words: &mut Vec<String>, toks: &mut Vec<Tok>| {
        if !words.is_empty() {
            toks.push(Tok::Term(words.join(" ")));
            words.clear();
        }
    };
    let mut word = String::new();
    let push_word = |word: &mut String, words: &mut Vec<String>, toks: &mut Vec<Tok>| {
        if word.is_empty() {
            return;
        }
        let op = match word.to_ascii_lowercase().as_str() {
            "and" | "&" => Some(Tok::And),
            "or" => Some(Tok::Or),
            "with" => Some(Tok::With),
            _ => None,
        };
        match op {
            Some(op) => {
                flush(words, toks);
                toks.push(op);
            }
            None => words.push(std::mem::take(word)),
        }
        word.clear();
    };
    for c in t.chars() {
        match c {
            '(' | ')' | '/' => {
                push_word(&mut word, &mut words, &mut toks);
                flush(&mut words, &mut toks);
                toks.push(match c {
                    '(' => Tok::Open,
                    ')' => Tok::Close,
                    _ => Tok::Or,
                });
            }
            c if c.is_whitespace() => push_word(&mut word, &mut words, &mut toks),
            c => word.push(c),
        }
    }
    push_word(&mut word, &mut words, &mut toks);
    flush(&mut words, &mut toks);
    toks
}

/// Rewrites every term into an SPDX id; `None` when one of them is not a license we know.
fn rewrite(text: &str) -> Option<String> {
    let toks = tokenize(text);
    let mut out = String::new();
    let mut after_with = false;
    for tok in toks {
        match tok {
            Tok::Open => out.push('('),
            Tok::Close => out.push(')'),
            Tok::And => out.push_str(" AND "),
            Tok::Or => out.push_str(" OR "),
            Tok::With => {
                out.push_str(" WITH ");
                after_with = true;
                continue;
            }
            Tok::Term(term) => {
                if after_with {
                    out.push_str(&resolve_exception(&term)?);
                } else {
                    out.push_str(&resolve_term(&term)?);
                }
            }
        }
        after_with = false;
    }
    Some(out)
}

fn resolve_exception(term: &str) -> Option<String> {
    let term = term.trim();
    if let Some(e) = spdx::exception_id(term) {
        return Some(e.name.to_string());
    }
    spdx::identifiers::EXCEPTIONS
        .iter()
        .find(|e| e.name.eq_ignore_ascii_case(term))
        .map(|e| e.name.to_string())
}

/// One license term (may end in `+`) to an SPDX id.
fn resolve_term(term: &str) -> Option<String> {
    let term = term.trim();
    if term.starts_with("LicenseRef-") || term.starts_with("DocumentRef-") {
        return Some(term.to_string());
    }
    let (base, plus) = match term.strip_suffix('+') {
        Some(b) => (b.trim(), true),
        None => (term, false),
    };
    let id = resolve_base(base)?;
    if !plus {
        return Some(id);
    }
    if let Some(stem) = id.strip_suffix("-only") {
        return Some(format!("{stem}-or-later"));
    }
    if id.ends_with("-or-later") || id.ends_with('+') {
        return Some(id);
    }
    Some(format!("{id}+"))
}

/// A license name without `+` to a current (non-deprecated) SPDX id.
fn resolve_base(base: &str) -> Option<String> {
    let exact = spdx::license_id(base).or_else(|| {
        spdx::identifiers::LICENSES
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(base))
            .and_then(|l| spdx::license_id(l.name))
    });
    if let Some(id) = exact {
        if id.is_gnu() && !id.name.ends_with("-only") && !id.name.ends_with("-or-later") {
            // Deprecated bare GNU id (`GPL-2.0`): the `-only` form is meant.
            return spdx::gnu_license_id(id.name, false).map(|l| l.name.to_string());
        }
        if !id.is_deprecated() {
            return Some(id.name.to_string());
        }
    }
    let key = compact_key(base);
    IMPRECISE
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, id)| (*id).to_string())
}

/// Lower-case, long names shortened, filler words, spaces, `-`, `v` before the version
/// number and a trailing `.0` removed: `GNU General Public License v2.0` -> `gpl2`.
fn compact_key(name: &str) -> String {
    let mut s = name.to_ascii_lowercase().replace("licence", "license");
    for (long, short) in [
        ("gnu lesser general public license", "lgpl"),
        ("gnu library general public license", "lgpl"),
        ("lesser general public license", "lgpl"),
        ("gnu affero general public license", "agpl"),
        ("affero general public license", "agpl"),
        ("gnu general public license", "gpl"),
        ("general public license", "gpl"),
        ("mozilla public license", "mpl"),
        ("eclipse public license", "epl"),
        ("python software foundation", "psf"),
        ("apache software", "apache"),
    ] {
        s = s.replace(long, short);
    }
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == ',' || c == '-' || c == '_')
        .filter(|w| !w.is_empty() && !matches!(*w, "the" | "license" | "version" | "gnu" | "(asl)"))
        .collect();
    let joined = words.concat();
    // `gplv2` -> `gpl2`: drop a `v` that sits between letters and a digit.
    let bytes = joined.as_bytes();
    let mut out = String::with_capacity(joined.len());
    for (i, &b) in bytes.iter().enumerate() {
        let prev_alpha = i > 0 && bytes[i - 1].is_ascii_alphabetic();
        let next_digit = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        if b == b'v' && prev_alpha && next_digit {
            continue;
        }
        out.push(b as char);
    }
    while let Some(stripped) = out.strip_suffix(".0") {
        out = stripped.to_string();
    }
    out
}

/// Compact keys (see [`compact_key`]) of names that say exactly which license they mean.
const IMPRECISE: &[(&str, &str)] = &[
    ("apache2", "Apache-2.0"),
    ("apache1.1", "Apache-1.1"),
    ("asl2", "Apache-2.0"),
    ("mit", "MIT"),
    ("expat", "MIT"),
    ("mitexpat", "MIT"),
    ("bsd3clause", "BSD-3-Clause"),
    ("bsd3", "BSD-3-Clause"),
    ("3clausebsd", "BSD-3-Clause"),
    ("newbsd", "BSD-3-Clause"),
    ("modifiedbsd", "BSD-3-Clause"),
    ("revisedbsd", "BSD-3-Clause"),
    ("bsd2clause", "BSD-2-Clause"),
    ("bsd2", "BSD-2-Clause"),
    ("2clausebsd", "BSD-2-Clause"),
    ("simplifiedbsd", "BSD-2-Clause"),
    ("freebsd", "BSD-2-Clause"),
    ("gpl1", "GPL-1.0-only"),
    ("gpl2", "GPL-2.0-only"),
    ("gpl3", "GPL-3.0-only"),
    ("lgpl2", "LGPL-2.0-only"),
    ("lgpl2.1", "LGPL-2.1-only"),
    ("lgpl3", "LGPL-3.0-only"),
    ("agpl3", "AGPL-3.0-only"),
    ("mpl1.1", "MPL-1.1"),
    ("mpl2", "MPL-2.0"),
    ("epl1", "EPL-1.0"),
    ("epl2", "EPL-2.0"),
    ("psf", "PSF-2.0"),
    ("psf2", "PSF-2.0"),
    ("psfl", "PSF-2.0"),
    ("isc", "ISC"),
    ("zlib", "Zlib"),
    ("unlicense", "Unlicense"),
    ("cc0", "CC0-1.0"),
    ("cc01", "CC0-1.0"),
    ("zpl2.1", "ZPL-2.1"),
    ("hpnd", "HPND"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spdx_ids_are_kept() {
        assert_eq!(
            License::from_declared("MIT OR Apache-2.0"),
            Some(License::Spdx("MIT OR Apache-2.0".into()))
        );
    }

    #[test]
    fn prose_stays_named() {
        assert_eq!(
            License::from_declared("BSD-like with a twist"),
            Some(License::Named("BSD-like with a twist".into()))
        );
    }

    fn spdx_of(text: &str) -> Option<String> {
        match License::from_declared(text) {
            Some(License::Spdx(s)) => Some(s),
            _ => None,
        }
    }

    #[test]
    fn imprecise_names_become_spdx_ids() {
        for (text, want) in [
            ("Apache 2.0", "Apache-2.0"),
            ("Apache License 2.0", "Apache-2.0"),
            ("Apache License, Version 2.0", "Apache-2.0"),
            ("Apache Software License 2.0", "Apache-2.0"),
            ("apache-2.0", "Apache-2.0"),
            ("MIT License", "MIT"),
            ("The MIT License", "MIT"),
            ("mit", "MIT"),
            ("Expat", "MIT"),
            ("GPLv2+", "GPL-2.0-or-later"),
            ("GPL-2+", "GPL-2.0-or-later"),
            ("GPL-2.0+", "GPL-2.0-or-later"),
            ("GPL-2", "GPL-2.0-only"),
            ("GPLv3", "GPL-3.0-only"),
            ("GNU General Public License v2 or later", "GPL-2.0-or-later"),
            ("LGPL v2.1 or later", "LGPL-2.1-or-later"),
            ("LGPL-2.1+", "LGPL-2.1-or-later"),
            ("BSD-3-clause", "BSD-3-Clause"),
            ("BSD 3-Clause License", "BSD-3-Clause"),
            ("New BSD License", "BSD-3-Clause"),
            ("PSF", "PSF-2.0"),
            ("Python Software Foundation License", "PSF-2.0"),
            ("MPL 2.0", "MPL-2.0"),
            ("Artistic-2.0", "Artistic-2.0"),
        ] {
            assert_eq!(spdx_of(text).as_deref(), Some(want), "{text}");
        }
    }

    #[test]
    fn expressions_with_imprecise_terms_are_rewritten() {
        assert_eq!(
            spdx_of("Apache 2.0 or MIT License").as_deref(),
            Some("Apache-2.0 OR MIT")
        );
        assert_eq!(
            spdx_of("GPL-2+ and BSD-3-clause").as_deref(),
            Some("GPL-2.0-or-later AND BSD-3-Clause")
        );
        assert_eq!(
            spdx_of("MIT/Apache-2.0").as_deref(),
            Some("MIT OR Apache-2.0")
        );
        assert_eq!(
            spdx_of("(mit or apache-2.0) and bsd-2-clause").as_deref(),
            Some("(MIT OR Apache-2.0) AND BSD-2-Clause")
        );
        assert_eq!(
            spdx_of("GPL-2.0-or-later WITH Classpath-exception-2.0").as_deref(),
            Some("GPL-2.0-or-later WITH Classpath-exception-2.0")
        );
    }

    #[test]
    fn versionless_family_names_are_not_guessed() {
        for text in [
            "BSD",
            "GPL",
            "LGPL",
            "Apache",
            "BSD License",
            "Public Domain",
        ] {
            assert_eq!(
                License::from_declared(text),
                Some(License::Named(text.into())),
                "{text}"
            );
        }
    }

    #[test]
    fn license_ref_is_kept() {
        assert_eq!(
            spdx_of("LicenseRef-Custom OR MIT").as_deref(),
            Some("LicenseRef-Custom OR MIT")
        );
    }

    #[test]
    fn partly_unknown_expression_stays_named() {
        assert_eq!(
            License::from_declared("MIT or Frobnicate License"),
            Some(License::Named("MIT or Frobnicate License".into()))
        );
    }

    /// The first version lax-parsed `Apache 2.0` and returned the spdx crate's
    /// `Display`, which is the original text: an invalid id went out as "SPDX".
    #[test]
    fn regression_lax_parse_returned_the_original_text_as_spdx() {
        for text in ["Apache 2.0", "GPLv2+", "mit"] {
            let Some(License::Spdx(s)) = License::from_declared(text) else {
                panic!("{text} should be SPDX");
            };
            assert!(spdx::Expression::parse(&s).is_ok(), "{text} -> {s}");
            assert_ne!(s, text);
        }
    }

    #[test]
    fn placeholders_are_none() {
        assert_eq!(License::from_declared("UNKNOWN"), None);
        assert_eq!(License::from_declared("  "), None);
    }
}
