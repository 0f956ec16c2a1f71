//! Ruby gems, found by their path alone.
//!
//! - **Installed** gems: `<home>/specifications/NAME-VERSION.gemspec` and the default
//!   gems of a Ruby in `<home>/specifications/default/`, under any gem home: Debian's
//!   `usr/lib/ruby/gems/3.1.0`, `usr/share/rubygems-integration/{all,3.1.0}` and
//!   `usr/lib/<triplet>/rubygems-integration/3.1.0`, `var/lib/gems/3.1.0`, the official
//!   Ruby image's `usr/local/bundle`, bundler's `vendor/bundle/ruby/3.1.0`, td-agent's
//!   `opt/td-agent/lib/ruby/gems/3.2.0`. `<home>` becomes [`Package::site_root`].
//!   Source gemspecs inside a gem's own folder are not read.
//! - **Applications**: `Gemfile.lock` outside any `gems` folder (a gem's own
//!   development lock inside `gems/NAME-VERSION/` is not an application). A locked gem
//!   that is installed (a gemspec of the same name and version anywhere in the image)
//!   is that installed gem and is not reported twice; the others are reported from the
//!   lock, with the application folder as site root.
//!
//! Installed gemspecs are Ruby source written by `Gem::Specification#to_ruby`
//! (`s.name = "rake".freeze`, `s.licenses = ["MIT".freeze]`,
//! `s.add_runtime_dependency(%q<x>.freeze, [">= 0"])`). They are never evaluated: the
//! literal forms rubygems writes (double- and single-quoted strings, `%q<…>`, arrays,
//! `.freeze`) are read, anything else is ignored, and the `# stub: NAME VERSION
//! PLATFORM` line rubygems writes first stands in when `name`/`version` are not
//! literals.
use std::collections::BTreeSet;

use sbom_model::{Ecosystem, License, Package};

use super::{decode, file_name, parent, warning};
use crate::{CapturedFile, CatalogOutput, Cataloger, Context, FileView, Warning};

/// Property set to `true` on a Ruby's default gems (`specifications/default/`).
pub const DEFAULT_GEM_PROPERTY: &str = "sbom:gem:default";

const GEMSPEC: &str = ".gemspec";
const GEMFILE_LOCK: &str = "Gemfile.lock";

/// The Ruby gems cataloger.
#[derive(Clone, Copy, Debug, Default)]
pub struct GemCataloger;

/// The gem home of an installed gemspec path, and whether it is a default gem.
fn spec_home(path: &str) -> Option<(&str, bool)> {
    let name = file_name(path);
    if name.len() <= GEMSPEC.len() || !name.ends_with(GEMSPEC) {
        return None;
    }
    let dir = parent(path);
    match file_name(dir) {
        "specifications" => Some((parent(dir), false)),
        "default" if file_name(parent(dir)) == "specifications" => {
            Some((parent(parent(dir)), true))
        }
        _ => None,
    }
}

/// Whether a `Gemfile.lock` lies inside a `gems` folder (an installed gem's sources).
fn in_gems_folder(path: &str) -> bool {
    parent(path).split('/').any(|c| c == "gems")
}

impl Cataloger for GemCataloger {
    fn name(&self) -> &'static str {
        "gem"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        if path.ends_with(GEMSPEC) {
            return spec_home(path).is_some();
        }
        path.ends_with(GEMFILE_LOCK) && file_name(path) == GEMFILE_LOCK && !in_gems_folder(path)
    }
    fn catalog(&self, view: &FileView, ctx: &Context) -> CatalogOutput {
        let full = !ctx.identities_only;
        let mut out = CatalogOutput::default();
        let mut locks = Vec::new();
        for file in view.iter() {
            if let Some((home, default)) = spec_home(&file.path) {
                if let Some(p) = installed_gem(file, home, default, full, &mut out.warnings) {
                    out.packages.push(p);
                }
            } else if self.wants(&file.path) {
                locks.push(file);
            }
        }
        let installed: BTreeSet<(String, String)> = out
            .packages
            .iter()
            .map(|p| (p.name.clone(), p.version.clone()))
            .collect();
        for file in locks {
            for p in lock_gems(file, full, &mut out.warnings) {
                if !installed.contains(&(p.name.clone(), p.version.clone())) {
                    out.packages.push(p);
                }
            }
        }
        out
    }
}

fn installed_gem(
    file: &CapturedFile,
    home: &str,
    default: bool,
    full: bool,
    warnings: &mut Vec<Warning>,
) -> Option<Package> {
    let text = decode(&file.data);
    let spec = Spec::parse(&text);
    let (Some(name), Some(version)) = (spec.name.as_deref(), spec.version.as_deref()) else {
        warnings.push(warning(
            file,
            "no literal name and version (nor a `# stub:` line) in this gemspec; skipped",
        ));
        return None;
    };
    if name.contains(char::is_whitespace) || version.contains(char::is_whitespace) {
        warnings.push(warning(
            file,
            format!("invalid gem name or version `{name} {version}`; skipped"),
        ));
        return None;
    }
    let mut p = Package::new(Ecosystem::Gem, name, version);
    p.id = format!("gem:{}", file.path);
    p.metadata_path = Some(file.path.clone());
    p.layer = file.layer.clone();
    p.site_root = (!home.is_empty()).then(|| home.to_string());
    p.arch = spec
        .platform
        .as_deref()
        .filter(|pl| !pl.is_empty() && *pl != "ruby")
        .map(str::to_string);
    if !full {
        return Some(p);
    }
    for l in &spec.licenses {
        if let Some(l) = License::from_declared(l) {
            if !p.licenses.contains(&l) {
                p.licenses.push(l);
            }
        }
    }
    if !spec.authors.is_empty() {
        p.author = Some(spec.authors.join(", "));
        p.supplier = p.author.clone();
    }
    p.homepage = spec.homepage;
    p.description = spec.summary.or(spec.description);
    p.depends = spec.depends;
    if default {
        p.properties
            .insert(DEFAULT_GEM_PROPERTY.to_string(), "true".to_string());
    }
    Some(p)
}

/// What an installed gemspec says, from its literals only.
#[derive(Debug, Default, PartialEq)]
struct Spec {
    name: Option<String>,
    version: Option<String>,
    platform: Option<String>,
    licenses: Vec<String>,
    authors: Vec<String>,
    homepage: Option<String>,
    summary: Option<String>,
    description: Option<String>,
    /// Runtime dependencies (development ones are left out), each once.
    depends: Vec<String>,
}

impl Spec {
    fn parse(text: &str) -> Spec {
        let mut spec = Spec::default();
        let mut stub: Option<Vec<&str>> = None;
        let mut offset = 0;
        // Older rubygems write `if s.respond_to? :add_runtime_dependency then <runtime
        // and development deps> else <all of them as add_dependency> end` (nested in
        // `if Gem::Version…` for the oldest): an `else` branch, for ancient rubygems,
        // mixes development deps in, so calls inside one are skipped. One entry per
        // open `if`/`do` block: whether it is in its `else` branch.
        let mut blocks: Vec<bool> = Vec::new();
        for line in text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let t = line.trim_start();
            if let Some(s) = t.strip_prefix("# stub:") {
                stub.get_or_insert_with(|| s.split_whitespace().collect());
                continue;
            }
            match t.trim_end() {
                l if l.starts_with("if ")
                    || l.starts_with("unless ")
                    || l.ends_with(" do")
                    || l.contains(" do |") =>
                {
                    blocks.push(false);
                }
                "else" => {
                    if let Some(b) = blocks.last_mut() {
                        *b = true;
                    }
                }
                "end" => {
                    blocks.pop();
                }
                _ => {}
            }
            let Some((field, rest_at)) = assignment_or_call(t) else {
                continue;
            };
            if blocks.contains(&true) {
                continue;
            }
            // The literal may run over several lines: parse from the file's text.
            let at = start + (line.len() - t.len()) + rest_at;
            let rest = window(text, at);
            spec.set(field, rest);
        }
        if let Some(stub) = stub {
            let get = |i: usize| stub.get(i).map(|s| (*s).to_string());
            if spec.name.is_none() {
                spec.name = get(0);
            }
            if spec.version.is_none() {
                spec.version = get(1);
            }
            if spec.platform.is_none() {
                spec.platform = get(2);
            }
        }
        spec
    }

    fn set(&mut self, field: &str, rest: &str) {
        let value = Lit::parse(rest, 0).0;
        match field {
            "name" => self.name = value.string(),
            "version" => self.version = value.string(),
            "platform" => self.platform = value.string(),
            "license" => self.licenses.extend(value.string()),
            "licenses" => self.licenses.extend(value.strings()),
            "author" => self.authors.extend(value.string()),
            "authors" => self.authors.extend(value.strings()),
            "homepage" => self.homepage = value.string(),
            "summary" => self.summary = value.string(),
            "description" => self.description = value.string(),
            "add_runtime_dependency(" | "add_dependency(" => {
                if let Some(first) = value.first_string() {
                    if !self.depends.contains(&first) {
                        self.depends.push(first);
                    }
                }
            }
            _ => {}
        }
    }
}

/// `VAR.field = …` → (`field`, offset of the value); `VAR.add_dependency(…` →
/// (`add_dependency(`, offset of the arguments).
fn assignment_or_call(t: &str) -> Option<(&str, usize)> {
    let dot = t.find('.')?;
    let var = t.get(..dot)?;
    if var.is_empty() || !var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    let after = t.get(dot + 1..)?;
    let end = after
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(after.len());
    let field = after.get(..end)?;
    let rest = after.get(end..)?;
    let base = dot + 1 + end;
    if rest.starts_with('(') {
        return Some((after.get(..=end)?, base + 1));
    }
    // `s.add_dependency "x", ">= 1"` (hand-written specs call without parentheses)
    if matches!(field, "add_dependency" | "add_runtime_dependency") && rest.starts_with([' ', '\t'])
    {
        let call = match field {
            "add_dependency" => "add_dependency(",
            _ => "add_runtime_dependency(",
        };
        return Some((call, base));
    }
    let trimmed = rest.trim_start();
    let value = trimmed.strip_prefix('=')?;
    if value.starts_with('=') || value.starts_with('~') {
        return None; // `==`, `=~`
    }
    Some((field, base + (rest.len() - trimmed.len()) + 1))
}

/// Deepest array nesting read.
const MAX_DEPTH: usize = 8;
/// Most bytes one literal may span: an unclosed string must not make every later
/// assignment scan to the end of a large file again.
const MAX_LITERAL: usize = 64 * 1024;

/// `text` from `at`, at most [`MAX_LITERAL`] bytes (cut at a char boundary).
fn window(text: &str, at: usize) -> &str {
    let rest = text.get(at..).unwrap_or("");
    let mut end = rest.len().min(MAX_LITERAL);
    while !rest.is_char_boundary(end) {
        end -= 1;
    }
    &rest[..end]
}

/// A Ruby literal, as far as gemspecs written by rubygems use them.
#[derive(Debug, PartialEq)]
enum Lit {
    Str(String),
    List(Vec<Lit>),
    /// Anything that would need evaluation.
    Other,
}

impl Lit {
    fn string(self) -> Option<String> {
        match self {
            Lit::Str(s) => {
                let s = s.trim();
                (!s.is_empty()).then(|| s.to_string())
            }
            _ => None,
        }
    }
    fn strings(self) -> Vec<String> {
        match self {
            Lit::List(items) => items.into_iter().filter_map(Lit::string).collect(),
            one => one.string().into_iter().collect(),
        }
    }
    /// The first argument of a call's argument list (`%q<x>.freeze, [">= 0"]`).
    fn first_string(self) -> Option<String> {
        self.string()
    }

    /// The literal at the start of `s` (after blanks), and the bytes it took.
    /// `depth` counts nested arrays: past [`MAX_DEPTH`] the value is [`Lit::Other`]
    /// (a hostile `[[[[…` must not exhaust the stack).
    fn parse(s: &str, depth: usize) -> (Lit, usize) {
        if depth > MAX_DEPTH {
            return (Lit::Other, 0);
        }
        let skipped = s.len() - s.trim_start().len();
        let t = &s[skipped..];
        let (lit, used) =
            match t.as_bytes().first() {
                Some(b'"') => quoted(&t[1..], '"', true)
                    .map_or((Lit::Other, 0), |(v, n)| (Lit::Str(v), n + 1)),
                Some(b'\'') => quoted(&t[1..], '\'', false)
                    .map_or((Lit::Other, 0), |(v, n)| (Lit::Str(v), n + 1)),
                Some(b'%') => percent(t),
                Some(b'[') => list(t, depth + 1),
                _ => match t.strip_prefix("Gem::Version.new(") {
                    Some(inner) => {
                        let (lit, n) = Lit::parse(inner, depth + 1);
                        (lit, "Gem::Version.new(".len() + n)
                    }
                    None => (Lit::Other, 0),
                },
            };
        let mut used = skipped + used;
        if lit != Lit::Other {
            for suffix in [".freeze", ".dup"] {
                if s.get(used..).is_some_and(|r| r.starts_with(suffix)) {
                    used += suffix.len();
                }
            }
        }
        (lit, used)
    }
}

/// The body of a quoted string up to the unescaped `close`, and the bytes taken
/// including `close`. `None` when it never closes or (double quotes) interpolates.
/// Double quotes understand the escapes `String#dump` writes (`\u00E9`, `\u{1F600}`,
/// `\xC3`, `\n`, `\e`, ...).
fn quoted(s: &str, close: char, double: bool) -> Option<(String, usize)> {
    let mut out: Vec<u8> = Vec::new();
    let mut chars = s.char_indices().peekable();
    let push = |out: &mut Vec<u8>, c: char| {
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    };
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                let (at, e) = chars.next()?;
                if !double {
                    if e != close && e != '\\' {
                        out.push(b'\\');
                    }
                    push(&mut out, e);
                    continue;
                }
                match e {
                    'n' => out.push(b'\n'),
                    't' => out.push(b'\t'),
                    'r' => out.push(b'\r'),
                    'e' => out.push(0x1b),
                    'u' => {
                        let rest = s.get(at + 1..)?;
                        let (hex, used) = match rest.strip_prefix('{') {
                            Some(r) => {
                                let end = r.find('}')?;
                                (r.get(..end)?, end + 2)
                            }
                            None => (rest.get(..4)?, 4),
                        };
                        let ch = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)?;
                        push(&mut out, ch);
                        for _ in 0..used {
                            chars.next();
                        }
                    }
                    'x' => {
                        let rest = s.get(at + 1..)?;
                        let len = rest
                            .bytes()
                            .take(2)
                            .take_while(u8::is_ascii_hexdigit)
                            .count();
                        let byte = u8::from_str_radix(rest.get(..len)?, 16).ok()?;
                        out.push(byte);
                        for _ in 0..len {
                            chars.next();
                        }
                    }
                    other => push(&mut out, other),
                }
            }
            '#' if double && s.get(i + 1..).is_some_and(|r| r.starts_with('{')) => return None,
            c if c == close => {
                return Some((String::from_utf8_lossy(&out).into_owned(), i + c.len_utf8()))
            }
            c => push(&mut out, c),
        }
    }
    None
}

/// `%q<…>`, `%Q{…}`, `%(…)`, `%w[a b]`: brackets nest, other delimiters close on their
/// next occurrence.
fn percent(t: &str) -> (Lit, usize) {
    let b = t.as_bytes();
    let (kind, open_at) = match b.get(1) {
        Some(k @ (b'q' | b'Q' | b'w' | b'W')) => (*k, 2),
        _ => (b'Q', 1),
    };
    let Some(&open) = b.get(open_at) else {
        return (Lit::Other, 0);
    };
    let close = match open {
        b'<' => b'>',
        b'(' => b')',
        b'[' => b']',
        b'{' => b'}',
        c if c.is_ascii_punctuation() => c,
        _ => return (Lit::Other, 0),
    };
    let mut depth = 0usize;
    let body_start = open_at + 1;
    let mut i = body_start;
    while let Some(&c) = b.get(i) {
        if c == b'\\' {
            i += 2;
            continue;
        }
        if c == close && depth == 0 {
            let body = t.get(body_start..i).unwrap_or("");
            let lit = if matches!(kind, b'w' | b'W') {
                Lit::List(
                    body.split_whitespace()
                        .map(|w| Lit::Str(w.to_string()))
                        .collect(),
                )
            } else if kind == b'Q' && body.contains("#{") {
                Lit::Other
            } else {
                Lit::Str(body.replace(
                    &format!("\\{}", close as char),
                    &(close as char).to_string(),
                ))
            };
            return (lit, i + 1);
        }
        if c == open && open != close {
            depth += 1;
        } else if c == close {
            depth -= 1;
        }
        i += 1;
    }
    (Lit::Other, 0)
}

/// `[lit, lit, …]` over any number of lines; an element that is no literal makes the
/// whole list [`Lit::Other`] only when nothing else was read.
fn list(t: &str, depth: usize) -> (Lit, usize) {
    let mut items = Vec::new();
    let mut i = 1;
    loop {
        let rest = t.get(i..).unwrap_or("");
        let trimmed = rest.trim_start();
        i += rest.len() - trimmed.len();
        match trimmed.as_bytes().first() {
            None => return (Lit::Other, 0),
            Some(b']') => return (Lit::List(items), i + 1),
            Some(b',') => i += 1,
            Some(_) => {
                let (lit, used) = Lit::parse(trimmed, depth);
                if used == 0 {
                    return (Lit::Other, 0);
                }
                items.push(lit);
                i += used;
            }
        }
    }
}

/// The gems a `Gemfile.lock` names in its GEM, GIT and PATH sections.
fn lock_gems(file: &CapturedFile, full: bool, warnings: &mut Vec<Warning>) -> Vec<Package> {
    let text = decode(&file.data);
    let dir = parent(&file.path);
    let mut out: Vec<Package> = Vec::new();
    let mut in_specs = false;
    let mut bad_line = None;
    for (n, line) in text.lines().enumerate() {
        if !line.starts_with(' ') {
            in_specs = false;
            continue;
        }
        if line.trim_end() == "  specs:" {
            in_specs = true;
            continue;
        }
        if !in_specs {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        match indent {
            4 => match spec_line(line.trim()) {
                Some((name, version, platform)) => {
                    let mut p = Package::new(Ecosystem::Gem, name, version);
                    p.id = format!("gem:{}#{}", file.path, line.trim());
                    p.metadata_path = Some(file.path.clone());
                    p.layer = file.layer.clone();
                    p.site_root = (!dir.is_empty()).then(|| dir.to_string());
                    p.arch = platform.map(str::to_string);
                    out.push(p);
                }
                None => {
                    bad_line.get_or_insert(n + 1);
                }
            },
            6 if full => {
                if let (Some(p), Some(dep)) = (out.last_mut(), line.split_whitespace().next()) {
                    if !p.depends.iter().any(|d| d == dep) {
                        p.depends.push(dep.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(n) = bad_line {
        warnings.push(warning(
            file,
            format!("line {n}: not a `name (version)` spec line (ignored)"),
        ));
    }
    out
}

/// `rake (13.0.6)` or `nokogiri (1.15.4-x86_64-linux)` → name, version, platform.
fn spec_line(s: &str) -> Option<(&str, &str, Option<&str>)> {
    let (name, rest) = s.split_once(" (")?;
    let inner = rest.strip_suffix(')')?;
    if name.is_empty() || name.contains(char::is_whitespace) || inner.is_empty() {
        return None;
    }
    // RubyGems versions contain no `-`: what follows the first one is the platform.
    Some(match inner.split_once('-') {
        Some((v, pl)) if !v.is_empty() && !pl.is_empty() => (name, v, Some(pl)),
        _ => (name, inner, None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn file(path: &str, data: &str) -> CapturedFile {
        CapturedFile {
            path: path.to_string(),
            data: Arc::new(data.as_bytes().to_vec()),
            layer: None,
        }
    }

    const I18N: &str = r##"# -*- encoding: utf-8 -*-
# stub: i18n 1.10.0 ruby lib

Gem::Specification.new do |s|
  s.name = "i18n".freeze
  s.version = "1.10.0"

  s.required_rubygems_version = Gem::Requirement.new(">= 1.3.5".freeze) if s.respond_to? :required_rubygems_version=
  s.metadata = { "bug_tracker_uri" => "https://github.com/ruby-i18n/i18n/issues" } if s.respond_to? :metadata=
  s.require_paths = ["lib".freeze]
  s.authors = ["Sven Fuchs".freeze, "Joshua Harvey".freeze]
  s.date = "2023-01-05"
  s.description = "New wave Internationalization support for Ruby.".freeze
  s.email = "rails-i18n@googlegroups.com".freeze
  s.homepage = "https://github.com/ruby-i18n/i18n".freeze
  s.licenses = ["MIT".freeze]
  s.summary = "New wave Internationalization support for Ruby".freeze

  if s.respond_to? :add_runtime_dependency then
    s.add_runtime_dependency(%q<concurrent-ruby>.freeze, ["~> 1.0"])
    s.add_development_dependency(%q<rake>.freeze, ["~> 13.0"])
  else
    s.add_dependency(%q<concurrent-ruby>.freeze, ["~> 1.0"])
  end
end
"##;

    #[test]
    fn to_ruby_gemspec() {
        let s = Spec::parse(I18N);
        assert_eq!(s.name.as_deref(), Some("i18n"));
        assert_eq!(s.version.as_deref(), Some("1.10.0"));
        assert_eq!(s.platform.as_deref(), Some("ruby"));
        assert_eq!(s.authors, ["Sven Fuchs", "Joshua Harvey"]);
        assert_eq!(s.licenses, ["MIT"]);
        assert_eq!(
            s.homepage.as_deref(),
            Some("https://github.com/ruby-i18n/i18n")
        );
        assert_eq!(s.depends, ["concurrent-ruby"]);
    }

    #[test]
    fn odd_ruby_literals() {
        let s = Spec::parse(
            "Gem::Specification.new do |spec|\n  spec.name    = 'o\\'k'\n  spec.version = Gem::Version.new(\"2.0.pre\")\n  spec.license = %q{BSD-2-Clause}\n  spec.authors = [\n    \"A \\\"Q\\\" B\",\n    'C',\n  ]\n  spec.summary = \"has \\#{no} interpolation\"\n  spec.description = \"has #{real} interpolation\"\n  spec.platform = Gem::Platform::RUBY\n  spec.add_dependency 'not-a-call-form'\n  spec.add_dependency(%w[x y].first)\nend\n",
        );
        assert_eq!(s.name.as_deref(), Some("o'k"));
        assert_eq!(s.version.as_deref(), Some("2.0.pre"));
        assert_eq!(s.licenses, ["BSD-2-Clause"]);
        assert_eq!(s.authors, ["A \"Q\" B", "C"]);
        assert_eq!(s.summary.as_deref(), Some("has #{no} interpolation"));
        assert_eq!(s.description, None);
        assert_eq!(s.platform, None);
        assert_eq!(s.depends, ["not-a-call-form"]);
        let s2 =
            Spec::parse("s.authors = [\"Andr\\u00E9 Arko\".freeze, \"\\u{1F600}\\xC3\\xA9\\t\"]\n");
        assert_eq!(s2.authors, ["André Arko", "\u{1F600}é"]);
    }

    #[test]
    fn stub_line_stands_in_for_computed_name_and_version() {
        let s = Spec::parse(
            "# stub: nokogiri 1.15.4 x86_64-linux lib\nGem::Specification.new do |s|\n  s.name = NAME\n  s.version = Nokogiri::VERSION\nend\n",
        );
        assert_eq!(
            (
                s.name.as_deref(),
                s.version.as_deref(),
                s.platform.as_deref()
            ),
            (Some("nokogiri"), Some("1.15.4"), Some("x86_64-linux"))
        );
    }

    #[test]
    fn wants_sample_paths() {
        let c = GemCataloger;
        for yes in [
            "usr/share/rubygems-integration/all/specifications/i18n-1.10.0.gemspec",
            "usr/lib/x86_64-linux-gnu/rubygems-integration/3.1.0/specifications/ffi-1.15.5.gemspec",
            "usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec",
            "usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec",
            "var/lib/gems/3.1.0/specifications/fluentd-1.16.2.gemspec",
            "usr/local/bundle/specifications/rack-3.0.8.gemspec",
            "srv/app/vendor/bundle/ruby/3.1.0/specifications/x-1.gemspec",
            "srv/app/Gemfile.lock",
            "Gemfile.lock",
        ] {
            assert!(c.wants(yes), "should want {yes}");
        }
        for no in [
            "var/lib/gems/3.1.0/gems/fluentd-1.16.2/fluentd.gemspec",
            "var/lib/gems/3.1.0/gems/fluentd-1.16.2/Gemfile.lock",
            "srv/app/vendor/bundle/ruby/3.1.0/bundler/gems/x-abc/Gemfile.lock",
            "usr/lib/ruby/gems/3.1.0/specifications/.gemspec",
            "usr/lib/ruby/gems/3.1.0/specifications/other/x-1.gemspec",
            "usr/lib/ruby/gems/3.1.0/specifications/x-1.gemspec.bak",
            "usr/lib/ruby/gems/3.1.0/cache/x-1.gem",
            "srv/app/Gemfile",
        ] {
            assert!(!c.wants(no), "should not want {no}");
        }
    }

    #[test]
    fn installed_default_and_locked_gems() {
        let home = "usr/lib/ruby/gems/3.1.0";
        let lock = "GEM\n  remote: https://rubygems.org/\n  specs:\n    concurrent-ruby (1.1.6)\n    i18n (1.10.0)\n      concurrent-ruby (~> 1.0)\n    nokogiri (1.15.4-x86_64-linux)\n      racc (~> 1.4)\n    racc (1.6.0)\n\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  i18n\n  nokogiri\n\nBUNDLED WITH\n   2.3.7\n";
        let v = FileView::from_files([
            file(&format!("{home}/specifications/i18n-1.10.0.gemspec"), I18N),
            file(
                &format!("{home}/specifications/default/json-2.6.1.gemspec"),
                "# stub: json 2.6.1 ruby lib\nGem::Specification.new do |s|\n  s.name = \"json\".freeze\n  s.version = \"2.6.1\"\n  s.licenses = [\"Ruby\".freeze]\nend\n",
            ),
            file("srv/app/Gemfile.lock", lock),
        ]);
        let out = GemCataloger.catalog(&v, &Context::default());
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let got: Vec<(&str, &str, Option<&str>, Option<&str>)> = out
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.version.as_str(),
                    p.site_root.as_deref(),
                    p.arch.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("json", "2.6.1", Some(home), None),
                ("i18n", "1.10.0", Some(home), None),
                // i18n 1.10.0 is installed: not reported again from the lock
                ("concurrent-ruby", "1.1.6", Some("srv/app"), None),
                ("nokogiri", "1.15.4", Some("srv/app"), Some("x86_64-linux")),
                ("racc", "1.6.0", Some("srv/app"), None),
            ]
        );
        assert_eq!(
            out.packages[0]
                .properties
                .get(DEFAULT_GEM_PROPERTY)
                .map(String::as_str),
            Some("true")
        );
        assert_eq!(out.packages[0].licenses, [License::Spdx("Ruby".into())]);
        assert_eq!(out.packages[3].depends, ["racc"]);
        assert_eq!(
            out.packages[1].supplier.as_deref(),
            Some("Sven Fuchs, Joshua Harvey")
        );
    }

    #[test]
    fn odd_files_warn_and_never_panic() {
        let v = FileView::from_files([
            file(
                "h/specifications/a-1.gemspec",
                "Gem::Specification.new do |s|\n s.name = compute\nend\n",
            ),
            file("h/specifications/b-1.gemspec", "\u{0}\u{1}[\"%q<"),
            file(
                "h/specifications/c-1.gemspec",
                "s.name = \"c\"\ns.version = \"1 2\"\n",
            ),
            file(
                "app/Gemfile.lock",
                "GEM\n  specs:\n    broken line\n    ok (1.0)\n",
            ),
        ]);
        let out = GemCataloger.catalog(&v, &Context::default());
        assert_eq!(out.packages.len(), 1);
        assert_eq!(out.packages[0].name, "ok");
        let entries: Vec<&str> = out
            .warnings
            .iter()
            .filter_map(|w| w.entry.as_deref())
            .collect();
        assert_eq!(
            entries,
            [
                "h/specifications/a-1.gemspec",
                "h/specifications/b-1.gemspec",
                "h/specifications/c-1.gemspec",
                "app/Gemfile.lock",
            ]
        );
        // hostile sizes: deep nesting, many unclosed strings
        let deep = format!("s.licenses = {}\n", "[".repeat(200_000));
        assert_eq!(Spec::parse(&deep).licenses, Vec::<String>::new());
        let unclosed = "s.name = \"x\n".repeat(50_000);
        let start = std::time::Instant::now();
        assert_eq!(Spec::parse(&unclosed).name, None);
        assert!(start.elapsed().as_secs() < 20, "bounded work");
        // scrambled literals
        for junk in [
            "s.name = %q",
            "s.name = [",
            "s.name = \"\\",
            "s.authors = [\"a\", 'b",
            "s.name = %q<a<b>",
            "x.y(",
            "s.licenses = [[[\"MIT\"]]]",
        ] {
            let _ = Spec::parse(junk);
        }
    }
}
