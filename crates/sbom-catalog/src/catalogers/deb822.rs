//! A small deb822 (RFC 822-like stanza) reader, shared by dpkg status files,
//! machine-readable `debian/copyright` files and (in sbom-mirror) a repository's
//! `Packages` and `Release` files. It borrows from the text: no copies.

/// One `Name: value` field; continuation lines are kept as slices (leading
/// whitespace included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<'a> {
    pub name: &'a str,
    /// The value on the field's own line, trimmed.
    pub first: &'a str,
    /// Continuation lines, as written.
    pub rest: Vec<&'a str>,
}

impl Field<'_> {
    /// The whole value with continuation lines joined by a space (for folded fields
    /// such as `Depends`).
    pub fn folded(&self) -> String {
        let mut s = self.first.to_string();
        for r in &self.rest {
            let r = r.trim();
            if !r.is_empty() {
                if !s.is_empty() {
                    s.push(' ');
                }
                s.push_str(r);
            }
        }
        s
    }
}

/// A paragraph of fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stanza<'a> {
    /// 1-based line where the stanza starts.
    pub line: usize,
    pub fields: Vec<Field<'a>>,
    /// 1-based lines that were neither a field nor a continuation.
    pub garbage: Vec<usize>,
}

impl<'a> Stanza<'a> {
    /// The first field with this name (case-insensitive, as deb822 says).
    pub fn get(&self, name: &str) -> Option<&Field<'a>> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
    /// The trimmed single-line value of a field, if present and non-empty.
    pub fn value(&self, name: &str) -> Option<&'a str> {
        self.get(name).map(|f| f.first).filter(|v| !v.is_empty())
    }
}

/// Splits `text` into stanzas separated by blank lines. Never fails: lines that are
/// neither fields nor continuations are recorded in [`Stanza::garbage`].
pub fn parse(text: &str) -> Vec<Stanza<'_>> {
    let mut out = Vec::new();
    let mut cur = Stanza::default();
    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        if line.trim().is_empty() {
            if !cur.fields.is_empty() || !cur.garbage.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if cur.fields.is_empty() && cur.garbage.is_empty() {
            cur.line = lineno;
        }
        if line.starts_with([' ', '\t']) {
            match cur.fields.last_mut() {
                Some(f) => f.rest.push(line),
                None => cur.garbage.push(lineno),
            }
            continue;
        }
        match line.split_once(':') {
            Some((name, value)) if !name.is_empty() && !name.contains(char::is_whitespace) => {
                cur.fields.push(Field {
                    name,
                    first: value.trim(),
                    rest: Vec::new(),
                });
            }
            _ => cur.garbage.push(lineno),
        }
    }
    if !cur.fields.is_empty() || !cur.garbage.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanzas_fields_and_continuations() {
        let text = "Package: a\nDescription: short\n long line\n .\n more\n\n\n\nPackage: b\r\nVersion: 1\r\n";
        let st = parse(text);
        assert_eq!(st.len(), 2);
        assert_eq!(st[0].line, 1);
        assert_eq!(st[0].value("package"), Some("a"));
        let d = st[0].get("Description").expect("description");
        assert_eq!(d.first, "short");
        assert_eq!(d.rest, [" long line", " .", " more"]);
        assert_eq!(st[1].line, 9);
        assert_eq!(st[1].value("Version"), Some("1"));
    }

    #[test]
    fn garbage_is_recorded_not_fatal() {
        let st = parse(" leading continuation\nno colon here\nPackage: x\n");
        assert_eq!(st.len(), 1);
        assert_eq!(st[0].garbage, [1, 2]);
        assert_eq!(st[0].value("Package"), Some("x"));
    }

    #[test]
    fn folded_joins_continuations() {
        let st = parse("Depends: a,\n b (>= 1),\n\tc\n");
        assert_eq!(
            st[0].get("Depends").expect("depends").folded(),
            "a, b (>= 1), c"
        );
    }
}
