//! YAML loading (serde_norway) and the line finder that gives tasks their line numbers.
//!
//! serde_norway's `Value` carries no spans, so after parsing, a task's line is found by
//! scanning the file text for the sequence item that starts with the task's first key
//! (mappings keep their key order). Tasks are visited in document order, so the search
//! continues from the previous hit, which keeps identical tasks apart.
use std::path::Path;

use serde_json::{Map, Number, Value};

use crate::AnsibleError;

/// Reads and parses a YAML file into a JSON-like tree (tags dropped, merge keys applied).
pub(crate) fn read_yaml(path: &Path) -> Result<(String, Value), AnsibleError> {
    let text = std::fs::read_to_string(path).map_err(|e| AnsibleError::io(path, e))?;
    let value = parse_yaml(path, &text)?;
    Ok((text, value))
}

/// Parses YAML text; syntax errors name the file, line and column.
pub(crate) fn parse_yaml(path: &Path, text: &str) -> Result<Value, AnsibleError> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    let Loose(mut v) = serde_norway::from_str(text).map_err(|e| yaml_error(path, &e))?;
    v.apply_merge().map_err(|e| yaml_error(path, &e))?;
    Ok(to_json(v))
}

fn yaml_error(path: &Path, e: &serde_norway::Error) -> AnsibleError {
    let (line, column) = e
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or((0, 0));
    AnsibleError::Yaml {
        file: path.to_path_buf(),
        line,
        column,
        message: e.to_string(),
    }
}

/// A YAML value read as Ansible reads YAML: a duplicate key is not an error, the later
/// value wins; tags are dropped (`!unsafe 'x'` is `x`).
struct Loose(serde_norway::Value);

impl<'de> serde::Deserialize<'de> for Loose {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LooseVisitor).map(Loose)
    }
}

struct LooseVisitor;

impl<'de> serde::de::Visitor<'de> for LooseVisitor {
    type Value = serde_norway::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok(serde_norway::Value::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Self::Value, E> {
        Ok(serde_norway::Value::Number(i.into()))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Self::Value, E> {
        Ok(serde_norway::Value::Number(u.into()))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Self::Value, E> {
        Ok(serde_norway::Value::Number(f.into()))
    }
    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(serde_norway::Value::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(serde_norway::Value::String(s))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_norway::Value::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_norway::Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(LooseVisitor)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Loose(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(serde_norway::Value::Sequence(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = serde_norway::Mapping::new();
        while let Some((Loose(k), Loose(v))) = map.next_entry()? {
            out.insert(k, v);
        }
        Ok(serde_norway::Value::Mapping(out))
    }
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        use serde::de::VariantAccess;
        let (_tag, contents): (String, _) = data.variant()?;
        let Loose(v) = contents.newtype_variant()?;
        Ok(v)
    }
}

/// Converts a YAML value into a JSON value: tags are dropped (`!unsafe 'x'` is `x`),
/// non-string keys become their text.
pub(crate) fn to_json(v: serde_norway::Value) -> Value {
    match v {
        serde_norway::Value::Null => Value::Null,
        serde_norway::Value::Bool(b) => Value::Bool(b),
        serde_norway::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Number(u.into())
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                Number::from_f64(f)
                    .map(Value::Number)
                    .unwrap_or_else(|| Value::String(n.to_string()))
            }
        }
        serde_norway::Value::String(s) => Value::String(s),
        serde_norway::Value::Sequence(seq) => Value::Array(seq.into_iter().map(to_json).collect()),
        serde_norway::Value::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                out.insert(key_text(k), to_json(v));
            }
            Value::Object(out)
        }
        serde_norway::Value::Tagged(t) => to_json(t.value),
    }
}

fn key_text(k: serde_norway::Value) -> String {
    match to_json(k) {
        Value::String(s) => s,
        Value::Null => "null".to_string(),
        other => scalar_text(&other).unwrap_or_else(|| other.to_string()),
    }
}

/// The text of a scalar (string, number, bool); `None` for null, lists and maps.
pub(crate) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Finds the 1-based line where a sequence item (a task, a play, a manifest entry) starts.
pub(crate) struct LineFinder {
    lines: Vec<String>,
    cursor: usize,
}

impl LineFinder {
    pub(crate) fn new(text: &str) -> Self {
        LineFinder {
            lines: text.lines().map(str::to_string).collect(),
            cursor: 0,
        }
    }

    /// The line of the next sequence item whose first key is the first key of `item`
    /// (and whose value starts like the first value, when that is a one-line scalar).
    /// `indent` is the column of the `-` of the item's siblings, once one was found;
    /// it keeps nested lists (loop items that look like tasks) out. Returns the line
    /// (1-based) and the indentation found.
    pub(crate) fn find(&mut self, item: &Value, indent: Option<usize>) -> Option<(u32, usize)> {
        let Value::Object(map) = item else {
            return None;
        };
        let (key, value) = map.iter().next()?;
        let want = scalar_text(value);
        let matches = |l: &String| {
            let ind = l.len() - l.trim_start().len();
            indent.is_none_or(|want_ind| want_ind == ind)
                && line_starts_item(l, key, want.as_deref())
        };
        let hit = (self.cursor..self.lines.len())
            .chain(0..self.cursor.min(self.lines.len()))
            .find(|&i| self.lines.get(i).is_some_and(matches))?;
        self.cursor = hit + 1;
        let line = self.lines.get(hit)?;
        let ind = line.len() - line.trim_start().len();
        Some((u32::try_from(hit + 1).ok()?, ind))
    }
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

fn line_starts_item(line: &str, key: &str, value: Option<&str>) -> bool {
    let Some(rest) = line.trim_start().strip_prefix('-') else {
        return false;
    };
    if !rest.starts_with([' ', '\t']) {
        return false;
    }
    let rest = rest.trim_start();
    let Some((k, v)) = split_key(rest) else {
        return false;
    };
    if unquote(k) != key {
        return false;
    }
    let v = v.trim();
    // Strip a trailing comment on plain scalars.
    let v = match v.find(" #") {
        Some(i) if !v.starts_with(['"', '\'']) => &v[..i],
        _ => v,
    };
    match value {
        None => true,
        Some(_) if v.is_empty() || v.starts_with(['>', '|', '&', '*', '!']) => true,
        Some(want) => {
            let got = unquote(v);
            let n = want
                .char_indices()
                .nth(16)
                .map(|(i, _)| i)
                .unwrap_or(want.len());
            let m = got
                .char_indices()
                .nth(16)
                .map(|(i, _)| i)
                .unwrap_or(got.len());
            // Escapes and folding make exact matches unreliable: compare prefixes.
            want.starts_with(&got[..m]) || got.starts_with(&want[..n])
        }
    }
}

/// Splits `key: value` at the first `:` followed by a blank or the end of the line.
fn split_key(s: &str) -> Option<(&str, &str)> {
    let bytes = s.as_bytes();
    let mut quote: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if (b == b'"' || b == b'\'') && i == 0 => quote = Some(b),
            None if b == b':' => {
                let next = bytes.get(i + 1);
                if next.is_none() || next.is_some_and(|c| *c == b' ' || *c == b'\t') {
                    return Some((&s[..i], &s[i + 1..]));
                }
            }
            None => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_error_names_file_and_line() {
        let err = parse_yaml(
            Path::new("roles/x/tasks/main.yml"),
            "- name: a\n  apt: [\n- b: c\n",
        )
        .expect_err("invalid yaml");
        match &err {
            AnsibleError::Yaml { file, line, .. } => {
                assert_eq!(file, Path::new("roles/x/tasks/main.yml"));
                assert!(*line >= 3, "line {line}");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().starts_with("roles/x/tasks/main.yml:"));
    }

    #[test]
    fn comment_only_and_empty_files_are_null() {
        assert_eq!(
            parse_yaml(Path::new("a.yml"), "").expect("empty"),
            Value::Null
        );
        assert_eq!(
            parse_yaml(Path::new("a.yml"), "---\n# nothing here\n").expect("comments"),
            Value::Null
        );
    }

    #[test]
    fn duplicate_keys_are_accepted_later_wins_as_in_ansible() {
        let v = parse_yaml(
            Path::new("t.yml"),
            "- apt:\n    name: curl\n    name: wget\n",
        )
        .expect("ansible accepts duplicate keys");
        assert_eq!(v[0]["apt"]["name"], "wget");
    }

    #[test]
    fn tags_are_dropped_and_merge_keys_applied() {
        let v = parse_yaml(
            Path::new("x.yml"),
            "base: &b {a: 1}\nx: !unsafe '{{ raw }}'\ny:\n  <<: *b\n  c: 2\n",
        )
        .expect("valid");
        assert_eq!(v["x"], "{{ raw }}");
        assert_eq!(v["y"]["a"], 1);
        assert_eq!(v["y"]["c"], 2);
    }

    #[test]
    fn line_finder_keeps_identical_first_keys_apart() {
        let text = "---\n- name: one\n  apt:\n    name: x\n\n- name: two\n  loop:\n    - name: two\n- name: two\n";
        let v = parse_yaml(Path::new("t.yml"), text).expect("valid");
        let mut f = LineFinder::new(text);
        let items = v.as_array().expect("list");
        assert_eq!(f.find(&items[0], None), Some((2, 0)));
        assert_eq!(f.find(&items[1], Some(0)), Some((6, 0)));
        // The loop item `- name: two` on line 8 looks like a task but is nested deeper.
        assert_eq!(f.find(&items[2], Some(0)), Some((9, 0)));
    }
}
