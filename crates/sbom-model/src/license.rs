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

/// Parses `text` as an SPDX expression (strictly first, then leniently) and returns
/// its canonical form, or `None` when it is not an expression.
pub fn normalise_spdx(text: &str) -> Option<String> {
    // Multi-line values are license texts or prose, not expressions.
    if text.contains('\n') || text.len() > 200 {
        return None;
    }
    if let Ok(expr) = spdx::Expression::parse(text) {
        return Some(canonical(&expr, text));
    }
    let lax = spdx::ParseMode {
        allow_slash_as_or_operator: true,
        allow_imprecise_license_names: true,
        allow_postfix_plus_on_gpl: true,
        allow_deprecated: true,
        allow_unknown: false,
    };
    match spdx::Expression::parse_mode(text, lax) {
        Ok(expr) => Some(canonical(&expr, text)),
        Err(_) => None,
    }
}

fn canonical(expr: &spdx::Expression, original: &str) -> String {
    let s = expr.to_string();
    if s.is_empty() {
        original.to_string()
    } else {
        s
    }
}

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

    #[test]
    fn placeholders_are_none() {
        assert_eq!(License::from_declared("UNKNOWN"), None);
        assert_eq!(License::from_declared("  "), None);
    }
}
