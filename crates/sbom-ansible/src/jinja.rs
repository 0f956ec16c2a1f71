//! Jinja evaluation of Ansible values with minijinja, undefined variables reported.
//!
//! Strings are split into literal text and `{{ ... }}` expressions; each expression is
//! evaluated on its own, so one that cannot be resolved is kept verbatim in the output
//! and named in `unresolved` while the rest of the string is still rendered. A string
//! that is one expression keeps its native type (a list stays a list), as in Ansible.
//! Results that are themselves templates are rendered again, up to [`MAX_DEPTH`].
use std::collections::{BTreeMap, BTreeSet};

use minijinja::value::{Value as MjValue, ValueKind};
use minijinja::{Environment, UndefinedBehavior};
use serde_json::{Map, Value};

/// The value of Ansible's `omit` placeholder.
pub(crate) const OMIT: &str = "__omit_place_holder__";

/// How deep templates that produce templates are followed.
pub(crate) const MAX_DEPTH: usize = 8;

/// The result of evaluating a value.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Outcome {
    /// The value, with unresolved expressions kept verbatim inside strings.
    pub value: Value,
    /// Expressions that could not be resolved (`{{ keystone_version }}`), in order, unique.
    pub unresolved: Vec<String>,
    /// Names of variables the value depends on, directly or through other variables.
    pub refs: BTreeSet<String>,
}

impl Outcome {
    fn add_unresolved(&mut self, expr: String) {
        if !self.unresolved.contains(&expr) {
            self.unresolved.push(expr);
        }
    }

    /// The value as text (scalars), `None` for null, lists and maps.
    pub(crate) fn text(&self) -> Option<String> {
        crate::yaml::scalar_text(&self.value)
    }
}

/// `text` with each unresolved expression replaced by `*` (a file-name pattern).
pub(crate) fn wildcard(text: &str, unresolved: &[String]) -> String {
    let mut out = text.to_string();
    for u in unresolved {
        out = out.replace(u.as_str(), "*");
    }
    out
}

/// Whether a string contains Jinja syntax.
pub(crate) fn has_template(s: &str) -> bool {
    s.contains("{{") || s.contains("{%")
}

/// The minijinja environment configured like Ansible's templar as far as it matters here.
pub(crate) struct Jinja {
    env: Environment<'static>,
}

impl Default for Jinja {
    fn default() -> Self {
        Self::new()
    }
}

impl Jinja {
    pub(crate) fn new() -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.add_filter("basename", |s: String| -> String {
            s.rsplit('/').next().unwrap_or_default().to_string()
        });
        env.add_filter("dirname", |s: String| -> String {
            match s.rfind('/') {
                Some(0) => "/".to_string(),
                Some(i) => s[..i].to_string(),
                None => String::new(),
            }
        });
        env.add_filter(
            "ternary",
            |v: MjValue, yes: MjValue, no: MjValue| -> MjValue {
                if v.is_true() {
                    yes
                } else {
                    no
                }
            },
        );
        env.add_filter(
            "combine",
            |a: MjValue, b: MjValue| -> Result<MjValue, minijinja::Error> {
                let mut out: BTreeMap<String, MjValue> = BTreeMap::new();
                for side in [&a, &b] {
                    if side.kind() != ValueKind::Map {
                        return Err(minijinja::Error::new(
                            minijinja::ErrorKind::InvalidOperation,
                            "combine expects mappings",
                        ));
                    }
                    for k in side.try_iter()? {
                        let v = side.get_item(&k)?;
                        out.insert(k.to_string(), v);
                    }
                }
                Ok(MjValue::from(out))
            },
        );
        env.add_filter(
            "mandatory",
            |v: MjValue| -> Result<MjValue, minijinja::Error> {
                if v.is_undefined() {
                    Err(minijinja::Error::new(
                        minijinja::ErrorKind::UndefinedError,
                        "mandatory variable not defined",
                    ))
                } else {
                    Ok(v)
                }
            },
        );
        env.add_filter("regex_replace", regex_replace);
        Jinja { env }
    }

    /// Evaluates a value: strings are templated, lists and maps element by element.
    pub(crate) fn eval(&self, raw: &Value, ctx: &Ctx) -> Outcome {
        let mut out = Outcome::default();
        out.value = self.eval_into(raw, ctx, 0, &mut out);
        out
    }

    /// Evaluates a string.
    pub(crate) fn eval_str(&self, s: &str, ctx: &Ctx) -> Outcome {
        let mut out = Outcome::default();
        out.value = self.str_into(s, ctx, 0, &mut out);
        out
    }

    fn eval_into(&self, raw: &Value, ctx: &Ctx, depth: usize, out: &mut Outcome) -> Value {
        match raw {
            Value::String(s) => self.str_into(s, ctx, depth, out),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.eval_into(v, ctx, depth, out))
                    .collect(),
            ),
            Value::Object(m) => {
                let mut o = Map::new();
                for (k, v) in m {
                    o.insert(k.clone(), self.eval_into(v, ctx, depth, out));
                }
                Value::Object(o)
            }
            other => other.clone(),
        }
    }

    fn str_into(&self, s: &str, ctx: &Ctx, depth: usize, out: &mut Outcome) -> Value {
        if !has_template(s) {
            return Value::String(s.to_string());
        }
        if depth >= MAX_DEPTH {
            for c in chunks(s) {
                if let Chunk::Expr(text, _) = c {
                    out.add_unresolved(text.to_string());
                }
            }
            return Value::String(s.to_string());
        }
        if s.contains("{%") || s.contains("{#") {
            // Statements: render the whole string or report it whole.
            return match self.env.render_str(s, &ctx.mj) {
                Ok(r) => {
                    self.note_refs_template(s, ctx, out);
                    self.again(r, s, ctx, depth, out)
                }
                Err(_) => {
                    out.add_unresolved(s.trim().to_string());
                    Value::String(s.to_string())
                }
            };
        }
        let parts = chunks(s);
        if let [Chunk::Expr(text, expr)] = parts.as_slice() {
            if s.trim() == *text {
                return match self.expr(expr, ctx, out) {
                    Some(v) => {
                        let json = mj_to_json(&v);
                        match json {
                            Value::String(r) => self.again(r, s, ctx, depth, out),
                            other => self.eval_into(&other, ctx, depth + 1, out),
                        }
                    }
                    None => {
                        out.add_unresolved((*text).to_string());
                        Value::String(s.to_string())
                    }
                };
            }
        }
        let mut rendered = String::new();
        for part in &parts {
            match part {
                Chunk::Text(t) => rendered.push_str(t),
                Chunk::Expr(text, expr) => match self.expr(expr, ctx, out) {
                    Some(v) => rendered.push_str(&display(&v)),
                    None => {
                        out.add_unresolved((*text).to_string());
                        rendered.push_str(text);
                    }
                },
            }
        }
        self.again(rendered, s, ctx, depth, out)
    }

    /// Renders a result again when it still holds templates that did not come from `orig`.
    fn again(&self, r: String, orig: &str, ctx: &Ctx, depth: usize, out: &mut Outcome) -> Value {
        if r != orig && has_template(&r) {
            // Expressions left verbatim (unresolved) would be evaluated again: harmless,
            // they fail again and are recorded once.
            self.str_into(&r, ctx, depth + 1, out)
        } else {
            Value::String(r)
        }
    }

    fn expr(&self, expr: &str, ctx: &Ctx, out: &mut Outcome) -> Option<MjValue> {
        let compiled = self.env.compile_expression(expr).ok()?;
        for name in compiled.undeclared_variables(false) {
            ctx.note_ref(&name, out);
        }
        let v = compiled.eval(&ctx.mj).ok()?;
        if v.is_undefined() {
            return None;
        }
        // Printing nested undefined values fails in strict mode; treat as unresolved.
        if contains_undefined(&v, 0) {
            return None;
        }
        Some(v)
    }

    fn note_refs_template(&self, s: &str, ctx: &Ctx, out: &mut Outcome) {
        if let Ok(t) = self.env.template_from_str(s) {
            for name in t.undeclared_variables(false) {
                ctx.note_ref(&name, out);
            }
        }
    }
}

/// Ansible's `regex_replace(value, pattern, replacement='', ignorecase=False)`.
/// Python replacement syntax (`\1`, `\g<name>`) is translated; patterns Rust's regex
/// does not support (look-around, back-references) fail, which makes the expression
/// unresolved, never wrong.
fn regex_replace(
    value: String,
    pattern: String,
    replacement: Option<String>,
    ignorecase: Option<bool>,
) -> Result<String, minijinja::Error> {
    let re = regex::RegexBuilder::new(&pattern)
        .case_insensitive(ignorecase.unwrap_or(false))
        .size_limit(1 << 20)
        .build()
        .map_err(|e| {
            minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
        })?;
    let rep = py_replacement(replacement.as_deref().unwrap_or(""));
    Ok(re.replace_all(&value, rep.as_str()).into_owned())
}

/// Python `re.sub` replacement text in Rust `regex` syntax.
fn py_replacement(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match chars.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    let mut num = String::new();
                    while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                        num.push(d);
                        chars.next();
                    }
                    out.push_str(&format!("${{{num}}}"));
                }
                Some('g') => {
                    chars.next();
                    if chars.peek() == Some(&'<') {
                        chars.next();
                        let name: String = chars.by_ref().take_while(|c| *c != '>').collect();
                        out.push_str(&format!("${{{name}}}"));
                    } else {
                        out.push_str("\\g");
                    }
                }
                Some('n') => {
                    chars.next();
                    out.push('\n');
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                _ => out.push('\\'),
            },
            other => out.push(other),
        }
    }
    out
}

fn contains_undefined(v: &MjValue, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    match v.kind() {
        ValueKind::Undefined => true,
        ValueKind::Seq => v
            .try_iter()
            .map(|mut it| it.any(|x| contains_undefined(&x, depth + 1)))
            .unwrap_or(false),
        ValueKind::Map => v
            .try_iter()
            .map(|it| {
                it.into_iter().any(|k| {
                    v.get_item(&k)
                        .map(|x| contains_undefined(&x, depth + 1))
                        .unwrap_or(false)
                })
            })
            .unwrap_or(false),
        _ => false,
    }
}

/// Text of a value as Jinja prints it (strings without quotes).
fn display(v: &MjValue) -> String {
    match v.as_str() {
        Some(s) => s.to_string(),
        None => v.to_string(),
    }
}

#[derive(Debug, PartialEq)]
enum Chunk<'a> {
    Text(&'a str),
    /// The whole `{{ ... }}` text and the expression inside.
    Expr(&'a str, &'a str),
}

/// Splits a string into text and `{{ ... }}` expressions (quotes inside respected).
fn chunks(s: &str) -> Vec<Chunk<'_>> {
    let mut out = Vec::new();
    let mut rest = s;
    let mut offset = 0;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = find_close(after) else {
            break;
        };
        if start > 0 {
            out.push(Chunk::Text(&s[offset..offset + start]));
        }
        let whole = &s[offset + start..offset + start + 2 + end + 2];
        let inner = &after[..end];
        out.push(Chunk::Expr(whole, inner.trim().trim_matches('-').trim()));
        let consumed = start + 2 + end + 2;
        rest = &rest[consumed..];
        offset += consumed;
    }
    if !rest.is_empty() {
        out.push(Chunk::Text(rest));
    }
    out
}

fn find_close(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == b'\\' => {
                let _ = q;
                i += 1;
            }
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'}' && bytes.get(i + 1) == Some(&b'}') => return Some(i),
            None => {}
        }
        i += 1;
    }
    None
}

/// Converts JSON into a minijinja value.
pub(crate) fn json_to_mj(v: &Value) -> MjValue {
    match v {
        Value::Null => MjValue::from(()),
        Value::Bool(b) => MjValue::from(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                MjValue::from(i)
            } else if let Some(u) = n.as_u64() {
                MjValue::from(u)
            } else {
                MjValue::from(n.as_f64().unwrap_or(0.0))
            }
        }
        Value::String(s) => MjValue::from(s.as_str()),
        Value::Array(a) => MjValue::from(a.iter().map(json_to_mj).collect::<Vec<_>>()),
        Value::Object(m) => MjValue::from(
            m.iter()
                .map(|(k, v)| (k.clone(), json_to_mj(v)))
                .collect::<BTreeMap<String, MjValue>>(),
        ),
    }
}

/// Converts a minijinja value into JSON.
pub(crate) fn mj_to_json(v: &MjValue) -> Value {
    mj_to_json_at(v, 0)
}

fn mj_to_json_at(v: &MjValue, depth: usize) -> Value {
    if depth > 32 {
        return Value::String(v.to_string());
    }
    match v.kind() {
        ValueKind::Undefined | ValueKind::None => Value::Null,
        ValueKind::Bool => Value::Bool(v.is_true()),
        ValueKind::Number => {
            if let Ok(i) = i64::try_from(v.clone()) {
                Value::Number(i.into())
            } else if let Some(n) = f64::try_from(v.clone())
                .ok()
                .and_then(serde_json::Number::from_f64)
            {
                Value::Number(n)
            } else {
                Value::String(v.to_string())
            }
        }
        ValueKind::String => Value::String(v.as_str().unwrap_or_default().to_string()),
        ValueKind::Seq | ValueKind::Iterable => match v.try_iter() {
            Ok(it) => Value::Array(it.map(|x| mj_to_json_at(&x, depth + 1)).collect()),
            Err(_) => Value::String(v.to_string()),
        },
        ValueKind::Map => {
            let mut m = Map::new();
            if let Ok(keys) = v.try_iter() {
                for k in keys {
                    let val = v.get_item(&k).unwrap_or_default();
                    m.insert(display(&k), mj_to_json_at(&val, depth + 1));
                }
            }
            Value::Object(m)
        }
        _ => Value::String(v.to_string()),
    }
}

/// A variable context: resolved values, what each depends on, and the minijinja form.
#[derive(Clone, Debug)]
pub(crate) struct Ctx {
    vars: Map<String, Value>,
    refs: BTreeMap<String, BTreeSet<String>>,
    /// Names that extra vars set: nothing below them may override them.
    extra_keys: BTreeSet<String>,
    mj: MjValue,
}

impl Ctx {
    /// Builds a context from layers, lowest precedence first; `extra` wins over all.
    /// Every variable is rendered once against the raw merged layers, so values that
    /// are templates are resolved before use (filters then see final values).
    pub(crate) fn build(
        jinja: &Jinja,
        layers: &[&Map<String, Value>],
        extra: &Map<String, Value>,
    ) -> Ctx {
        let mut raw = Map::new();
        // Ansible's `omit`: a field set to it counts as not given.
        raw.insert("omit".to_string(), Value::String(OMIT.to_string()));
        for layer in layers.iter().copied().chain(std::iter::once(extra)) {
            for (k, v) in layer {
                raw.insert(k.clone(), v.clone());
            }
        }
        let raw_ctx = Ctx {
            mj: json_to_mj(&Value::Object(raw.clone())),
            vars: raw.clone(),
            refs: BTreeMap::new(),
            extra_keys: BTreeSet::new(),
        };
        let mut vars = Map::new();
        let mut refs = BTreeMap::new();
        for (k, v) in &raw {
            let o = jinja.eval(v, &raw_ctx);
            vars.insert(k.clone(), o.value);
            refs.insert(k.clone(), o.refs);
        }
        Ctx {
            mj: json_to_mj(&Value::Object(vars.clone())),
            vars,
            refs,
            extra_keys: extra.keys().cloned().collect(),
        }
    }

    /// A context with more variables on top (task vars, set_fact, loop item); names set
    /// by extra vars keep their extra value. Values are rendered against `self`.
    pub(crate) fn with(&self, jinja: &Jinja, more: &Map<String, Value>) -> Ctx {
        let mut c = self.clone();
        for (k, v) in more {
            if c.extra_keys.contains(k) {
                continue;
            }
            let o = jinja.eval(v, self);
            c.vars.insert(k.clone(), o.value);
            c.refs.insert(k.clone(), o.refs);
        }
        c.mj = json_to_mj(&Value::Object(c.vars.clone()));
        c
    }

    /// A context with values that are already final (loop items): not rendered again.
    pub(crate) fn with_values(&self, more: Map<String, Value>) -> Ctx {
        let mut c = self.clone();
        for (k, v) in more {
            c.refs.remove(&k);
            c.vars.insert(k, v);
        }
        c.mj = json_to_mj(&Value::Object(c.vars.clone()));
        c
    }

    /// A resolved variable.
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.vars.get(name)
    }

    fn note_ref(&self, name: &str, out: &mut Outcome) {
        out.refs.insert(name.to_string());
        if let Some(more) = self.refs.get(name) {
            out.refs.extend(more.iter().cloned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn ctx(j: &Jinja, defaults: Value, extra: Value) -> Ctx {
        Ctx::build(j, &[&map(defaults)], &map(extra))
    }

    #[test]
    fn nested_variables_resolve_and_keep_refs() {
        let j = Jinja::new();
        let c = ctx(
            &j,
            json!({"reg": "quay.io", "tag": "1.2.3", "image": "{{ reg }}/osism/cgit:{{ tag }}"}),
            json!({}),
        );
        let o = j.eval_str("{{ image }}", &c);
        assert_eq!(o.value, json!("quay.io/osism/cgit:1.2.3"));
        assert!(o.unresolved.is_empty());
        assert!(o.refs.contains("tag") && o.refs.contains("image"));
    }

    #[test]
    fn unresolved_expression_is_named_and_kept() {
        let j = Jinja::new();
        let c = ctx(
            &j,
            json!({"url": "https://x/{{ keystone_version }}/k.tgz"}),
            json!({}),
        );
        let o = j.eval_str("{{ url }}", &c);
        assert_eq!(o.value, json!("https://x/{{ keystone_version }}/k.tgz"));
        assert_eq!(o.unresolved, vec!["{{ keystone_version }}".to_string()]);
    }

    #[test]
    fn common_filters_and_concatenation() {
        let j = Jinja::new();
        let c = ctx(&j, json!({"name": "Foo_Bar", "v": "1.0"}), json!({}));
        let o = j.eval_str(
            "{{ name | lower | replace('_', '-') ~ '-' ~ v }} {{ missing | default('d') }} {{ missing | d('e') }}",
            &c,
        );
        assert_eq!(o.value, json!("foo-bar-1.0 d e"));
        assert!(o.unresolved.is_empty());
    }

    #[test]
    fn single_expression_keeps_native_type() {
        let j = Jinja::new();
        let c = ctx(&j, json!({"v": "2", "pkgs": ["a", "b={{ v }}"]}), json!({}));
        assert_eq!(j.eval_str("{{ pkgs }}", &c).value, json!(["a", "b=2"]));
    }

    #[test]
    fn extra_vars_win_over_task_vars() {
        let j = Jinja::new();
        let c = ctx(&j, json!({"v": "1"}), json!({"v": "3"}));
        let c2 = c.with(&j, &map(json!({"v": "2", "w": "{{ v }}"})));
        assert_eq!(c2.get("v"), Some(&json!("3")));
        assert_eq!(c2.get("w"), Some(&json!("3")));
    }

    #[test]
    fn self_reference_is_bounded() {
        let j = Jinja::new();
        let c = ctx(&j, json!({"a": "{{ a }}x"}), json!({})); // must not loop forever
        let o = j.eval_str("{{ a }}", &c);
        assert!(!o.unresolved.is_empty());
    }

    #[test]
    fn unknown_filters_and_lookups_are_unresolved_not_errors() {
        let j = Jinja::new();
        let c = ctx(&j, json!({"a": "1"}), json!({}));
        let o = j.eval_str("x{{ a | ipaddr }}y{{ lookup('env', 'HOME') }}", &c);
        assert_eq!(o.unresolved.len(), 2);
        assert_eq!(
            o.value,
            json!("x{{ a | ipaddr }}y{{ lookup('env', 'HOME') }}")
        );
    }

    #[test]
    fn regex_replace_like_ansible() {
        let j = Jinja::new();
        let c = ctx(
            &j,
            json!({"v": "v1.8.2", "img": "quay.io/osism/x:1.0"}),
            json!({}),
        );
        assert_eq!(
            j.eval_str("{{ v | regex_replace('^v', '') }}", &c).value,
            json!("1.8.2")
        );
        assert_eq!(
            j.eval_str(
                r"{{ img | regex_replace('^(.*):(.*)$', '\\2-\\g<1>') }}",
                &c
            )
            .value,
            json!("1.0-quay.io/osism/x")
        );
        // Look-around is not supported: unresolved, not wrong.
        let o = j.eval_str("{{ v | regex_replace('(?<=v)1', 'x') }}", &c);
        assert_eq!(o.unresolved.len(), 1);
    }

    #[test]
    fn malformed_templates_never_panic() {
        let j = Jinja::new();
        let c = ctx(&j, json!({"a": "1", "ü": "x"}), json!({}));
        for s in [
            "{{",
            "}}",
            "{{}}",
            "{{ '}}' }}",
            "{% %}",
            "{%",
            "{{ a }",
            "{{ a }}}}",
            "ü{{ a }}ü",
            "{{ \"\\\" }}",
            "{# c #}",
            "{{ a.b.c.d }}",
            "{{ [1,2][9] }}",
            "{{ 1/0 }}",
            "{{ range(100000000) | list }}",
            "{{ a ~ }}",
            "{{- a -}}x",
        ] {
            let o = j.eval_str(s, &c);
            // Either rendered or reported, never both silently dropped.
            assert!(o.text().is_some() || !o.unresolved.is_empty(), "{s}");
        }
        assert_eq!(j.eval_str("{{ '}}' }}", &c).value, json!("}}"));
        assert_eq!(j.eval_str("{{- a -}}x", &c).value, json!("1x"));
    }

    #[test]
    fn statements_render_whole() {
        let j = Jinja::new();
        let c = ctx(&j, json!({"on": true}), json!({}));
        assert_eq!(
            j.eval_str("{% if on %}yes{% endif %}", &c).value,
            json!("yes")
        );
        let o = j.eval_str("{% if nope %}yes{% endif %}", &c);
        assert_eq!(
            o.unresolved,
            vec!["{% if nope %}yes{% endif %}".to_string()]
        );
    }
}
