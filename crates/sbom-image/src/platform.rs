//! Platform parsing and matching (`os/arch[/variant]`).

use crate::{ImageError, Platform};

/// The platform used when the user gives none: `linux/amd64`.
pub fn default_platform() -> Platform {
    Platform {
        os: "linux".into(),
        architecture: "amd64".into(),
        variant: None,
    }
}

/// Parses `os/arch[/variant]` (`linux/amd64`, `linux/arm64/v8`). Architecture aliases
/// (`x86_64`, `aarch64`) are mapped to their OCI names.
pub fn parse_platform(s: &str) -> Result<Platform, ImageError> {
    let bad = || ImageError::InvalidPlatform {
        value: s.to_string(),
    };
    let parts: Vec<&str> = s.trim().split('/').collect();
    let (os, arch, variant) = match parts.as_slice() {
        [os, arch] => (*os, *arch, None),
        [os, arch, v] => (*os, *arch, Some(*v)),
        _ => return Err(bad()),
    };
    if os.is_empty() || arch.is_empty() || variant.is_some_and(str::is_empty) {
        return Err(bad());
    }
    Ok(Platform {
        os: os.to_ascii_lowercase(),
        architecture: normalise_arch(&arch.to_ascii_lowercase()).to_string(),
        variant: variant.map(str::to_ascii_lowercase),
    })
}

pub(crate) fn normalise_arch(arch: &str) -> &str {
    match arch {
        "x86_64" | "x86-64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// The variant an image implies when it states none (arm64 is v8).
fn effective_variant(p: &Platform) -> Option<&str> {
    match (&p.variant, normalise_arch(&p.architecture)) {
        (Some(v), _) => Some(v.as_str()),
        (None, "arm64") => Some("v8"),
        (None, _) => None,
    }
}

/// Whether an image's platform `have` satisfies the wanted one. A wanted variant must
/// match; without a wanted variant any variant matches.
pub(crate) fn matches(want: &Platform, have: &Platform) -> bool {
    if want.os != have.os
        || normalise_arch(&want.architecture) != normalise_arch(&have.architecture)
    {
        return false;
    }
    match &want.variant {
        None => true,
        Some(_) => effective_variant(want) == effective_variant(have),
    }
}

/// Lower is better among matches: no variant (or arm64's implied v8) first.
pub(crate) fn preference(have: &Platform) -> u8 {
    match (&have.variant, normalise_arch(&have.architecture)) {
        (None, _) => 0,
        (Some(v), "arm64") if v == "v8" => 0,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Platform {
        parse_platform(s).expect("valid platform")
    }

    #[test]
    fn parses_os_arch_variant() {
        assert_eq!(p("linux/amd64"), default_platform());
        assert_eq!(p("linux/aarch64").architecture, "arm64");
        assert_eq!(p("linux/arm/v7").variant.as_deref(), Some("v7"));
        for bad in ["", "linux", "linux/", "/amd64", "a/b/c/d", "linux/arm/"] {
            assert!(
                matches!(parse_platform(bad), Err(ImageError::InvalidPlatform { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn variant_matching() {
        assert!(matches(&p("linux/arm64"), &p("linux/arm64/v8")));
        assert!(matches(&p("linux/arm64/v8"), &p("linux/arm64")));
        assert!(matches(&p("linux/arm"), &p("linux/arm/v6")));
        assert!(!matches(&p("linux/arm/v7"), &p("linux/arm/v6")));
        assert!(!matches(&p("linux/amd64"), &p("linux/arm64")));
        assert!(!matches(&p("windows/amd64"), &p("linux/amd64")));
        assert!(preference(&p("linux/arm64/v8")) < preference(&p("linux/arm/v7")));
    }
}
