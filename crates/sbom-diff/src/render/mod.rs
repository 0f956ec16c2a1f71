//! Renderers: a text table, Markdown for release notes, JSON (schema in docs/diff-json.md).
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::change::{Change, ChangeKind, SbomDiff};
use crate::error::DiffError;
use crate::release::ReleaseDiff;

mod markdown;
mod text;

/// Output format of a diff.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// A readable table (the default).
    #[default]
    Text,
    /// Markdown for release notes: summary first, then per image, collapsible detail.
    Markdown,
    /// JSON, schema `sbom-diff/1` (docs/diff-json.md).
    Json,
}

/// Error for an unknown format name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown diff format `{0}` (expected text, markdown or json)")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" | "table" => Ok(Format::Text),
            "markdown" | "md" => Ok(Format::Markdown),
            "json" => Ok(Format::Json),
            _ => Err(UnknownFormat(s.to_string())),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Json => "json",
        })
    }
}

/// Rendering options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Colour the text table with ANSI escapes (the caller decides, e.g. on a TTY).
    pub color: bool,
}

/// The JSON schema identifier written as `schema`.
pub const JSON_SCHEMA: &str = "sbom-diff/1";

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum JsonBody<'a> {
    Sbom(&'a SbomDiff),
    Release(&'a ReleaseDiff),
}

#[derive(Serialize)]
struct JsonDoc<'a> {
    schema: &'static str,
    #[serde(flatten)]
    body: JsonBody<'a>,
}

fn json(body: JsonBody<'_>) -> Result<String, DiffError> {
    let mut s = serde_json::to_string_pretty(&JsonDoc {
        schema: JSON_SCHEMA,
        body,
    })?;
    s.push('\n');
    Ok(s)
}

/// Renders the diff of two SBOMs.
pub fn render_sbom(d: &SbomDiff, format: Format, opts: RenderOptions) -> Result<String, DiffError> {
    match format {
        Format::Text => Ok(text::sbom(d, opts)),
        Format::Markdown => Ok(markdown::sbom(d)),
        Format::Json => json(JsonBody::Sbom(d)),
    }
}

/// Renders the diff of two releases.
pub fn render_release(
    d: &ReleaseDiff,
    format: Format,
    opts: RenderOptions,
) -> Result<String, DiffError> {
    match format {
        Format::Text => Ok(text::release(d, opts)),
        Format::Markdown => Ok(markdown::release(d)),
        Format::Json => json(JsonBody::Release(d)),
    }
}

/// `old → new` for a version change, the one version otherwise.
fn versions(c: &Change) -> (String, String) {
    (
        c.old_version.clone().unwrap_or_default(),
        c.new_version.clone().unwrap_or_default(),
    )
}

/// The extra column of the Markdown and text tables: licenses, layers, where it lives
/// (public so that other renderers, e.g. `sbom report`'s HTML, show the same detail).
pub fn detail(c: &Change) -> String {
    let mut parts = Vec::new();
    match c.kind {
        ChangeKind::LicenseChanged => parts.push(format!(
            "license: {} → {}",
            licenses(&c.old_licenses),
            licenses(&c.new_licenses)
        )),
        ChangeKind::MovedLayer => parts.push(format!(
            "layer: {} → {}",
            layer(c.old_layer.as_ref()),
            layer(c.new_layer.as_ref())
        )),
        ChangeKind::Added if !c.new_licenses.is_empty() => {
            parts.push(format!("license: {}", licenses(&c.new_licenses)));
        }
        _ => {}
    }
    if let Some(a) = &c.arch {
        parts.push(format!("arch: {a}"));
    }
    if let Some(r) = &c.site_root {
        parts.push(format!("in: {r}"));
    }
    parts.join("; ")
}

fn licenses(l: &[String]) -> String {
    if l.is_empty() {
        "(none)".to_string()
    } else {
        l.join(", ")
    }
}

fn layer(l: Option<&sbom_model::LayerRef>) -> String {
    match l {
        Some(l) => {
            let short = l.diff_id.strip_prefix("sha256:").unwrap_or(&l.diff_id);
            let short: String = short.chars().take(12).collect();
            format!("#{} {short}", l.index)
        }
        None => "?".to_string(),
    }
}

/// Human label of a change kind, as the Markdown and text tables show it.
pub fn label(k: ChangeKind) -> &'static str {
    match k {
        ChangeKind::Added => "added",
        ChangeKind::Removed => "removed",
        ChangeKind::Upgraded => "upgraded",
        ChangeKind::Downgraded => "downgraded",
        ChangeKind::LicenseChanged => "license",
        ChangeKind::MovedLayer => "layer",
    }
}
