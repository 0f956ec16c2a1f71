//! How packages of the rpm distributions and of the language ecosystems are looked up in
//! OSV: which family, which release, which names and which version.
//!
//! - rpm: the family and release come from the image's os-release (`ID`, `VERSION_ID`),
//!   else from the purl's `distro=` qualifier: `rocky` → `Rocky Linux:9`, `almalinux` →
//!   `AlmaLinux:9`, `rhel` (also UBI) → `Red Hat:enterprise_linux:9::*`, `sles` `15.5`
//!   → any `SUSE:Linux Enterprise … 15 SP5[-LTSS]`, `opensuse-leap` → `openSUSE:Leap
//!   15.5`, `opensuse-tumbleweed` → `openSUSE:Tumbleweed`. These distributions publish
//!   one affected entry per binary rpm of an update (`openssl-libs`, `libopenssl3`), so
//!   the binary name is looked up, and the source rpm's name as well. The version is the
//!   binary's `[epoch:]version-release` (a source rpm's file name has no epoch).
//! - Language ecosystems: the name as sbom-model keeps it (Go module path, `group:artifact`,
//!   `@scope/name`, `vendor/name`), the installed version as is; Go's toolchain component
//!   (`stdlib`, version `go1.22.5`) is OSV's `stdlib` at `1.22.5`. A version that is no
//!   release (Go's `(devel)`, a Composer `dev-` branch, anything the ecosystem's
//!   ordering rejects) is not matched: no range can place it.
use sbom_model::version::{composer, go, parse_ok};
use sbom_model::{Distro, Ecosystem, Package};

use crate::osv::Family;

/// Why a package is not looked up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Skip {
    /// Its ecosystem has no OSV family we match.
    Unsupported,
    /// An OS package of a distribution without an OSV family we match (`centos`).
    UnknownOs(String),
    /// Its version is not a release of its ecosystem.
    NotARelease,
}

/// The OSV family and release of an rpm-based OS, from os-release's `ID` and
/// `VERSION_ID`; `None` for distributions OSV has no family of (CentOS, Fedora, Oracle
/// Linux, Amazon Linux, ...).
pub(crate) fn rpm_family(id: &str, version_id: Option<&str>) -> Option<(Family, Option<String>)> {
    let v = version_id.map(str::trim).filter(|v| !v.is_empty());
    let major = v.and_then(|v| v.split('.').next()).map(str::to_string);
    Some(match id {
        "rocky" | "rockylinux" => (Family::RockyLinux, major),
        "almalinux" | "alma" => (Family::AlmaLinux, major),
        "rhel" | "redhat" => (Family::RedHat, major),
        // SLE `15.5` is service pack 5 of 15: OSV's products say `15 SP5`.
        "sles" | "sled" | "sles_sap" | "sle_hpc" | "suse" => (
            Family::Suse,
            v.map(|v| match v.split_once('.') {
                Some((m, sp)) if sp != "0" => format!("{m} SP{sp}"),
                Some((m, _)) => m.to_string(),
                None => v.to_string(),
            }),
        ),
        "sle-micro" | "sle_micro" => (Family::Suse, v.map(str::to_string)),
        "opensuse-leap" | "opensuse" | "opensuse.leap" => {
            (Family::OpenSuse, v.map(|v| format!("Leap {v}")))
        }
        "opensuse-leap-micro" => (Family::OpenSuse, v.map(|v| format!("Leap Micro {v}"))),
        "opensuse-tumbleweed" | "opensuse.tumbleweed" => {
            (Family::OpenSuse, Some("Tumbleweed".to_string()))
        }
        _ => return None,
    })
}

/// A purl's qualifier value (percent-decoded), if present.
pub(crate) fn purl_qualifier(purl: &str, key: &str) -> Option<String> {
    let (_, q) = purl.split_once('?')?;
    let q = q.split('#').next().unwrap_or(q);
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| crate::proxy::percent_decode(v))
    })
}

/// `rocky-9.4` → (`rocky`, `9.4`), `opensuse-leap-15.5` → (`opensuse-leap`, `15.5`),
/// `opensuse-tumbleweed` → (`opensuse-tumbleweed`, none): the release is what follows
/// the last `-` that is followed by a digit.
pub(crate) fn split_distro(q: &str) -> (String, Option<String>) {
    let at = q
        .char_indices()
        .filter(|(i, c)| *c == '-' && q[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
        .map(|(i, _)| i)
        .next_back();
    match at {
        Some(i) => (q[..i].to_ascii_lowercase(), Some(q[i + 1..].to_string())),
        None => (q.to_ascii_lowercase(), None),
    }
}

/// The name of a source rpm: `openssl-3.0.7-27.el9.src.rpm` → `openssl`; a bare name
/// stays as it is.
pub(crate) fn srpm_name(s: &str) -> &str {
    let Some(stem) = s
        .strip_suffix(".src.rpm")
        .or_else(|| s.strip_suffix(".nosrc.rpm"))
    else {
        return s;
    };
    let mut parts = stem.rsplitn(3, '-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(_release), Some(_version), Some(name)) if !name.is_empty() => name,
        _ => stem,
    }
}

/// An rpm's `[epoch:]version-release`: the version field, with the epoch from the purl's
/// `epoch=` qualifier when the version has none (syft and trivy keep it there).
pub(crate) fn rpm_version(p: &Package) -> String {
    if p.version.contains(':') {
        return p.version.clone();
    }
    match p.purl.as_deref().and_then(|u| purl_qualifier(u, "epoch")) {
        Some(e) if !e.is_empty() && e != "0" && e.bytes().all(|c| c.is_ascii_digit()) => {
            format!("{e}:{}", p.version)
        }
        _ => p.version.clone(),
    }
}

/// The OS of an rpm package: the SBOM's distro, else the purl's `distro=` qualifier.
pub(crate) fn rpm_os(p: &Package, distro: Option<&Distro>) -> Option<(String, Option<String>)> {
    if let Some(d) = distro.filter(|d| !d.id.is_empty()) {
        return Some((d.id.to_ascii_lowercase(), d.version_id.clone()));
    }
    let q = purl_qualifier(p.purl.as_deref()?, "distro")?;
    Some(split_distro(&q))
}

/// Whether a Go package is the standard library (the toolchain's component): OSV's
/// `stdlib`, as syft and trivy name it, or a toolchain-named component with a `go1.x`
/// version.
fn is_go_stdlib(p: &Package) -> bool {
    // Our Go cataloger names it `golang.org/toolchain` with a semver version (`v1.22.5`).
    matches!(p.name.as_str(), "stdlib" | "golang.org/toolchain")
        || (matches!(p.name.as_str(), "go" | "golang") && p.version.starts_with("go"))
}

/// The family, name and version of a language package.
pub(crate) fn language_key(p: &Package) -> Result<(Family, String, String), Skip> {
    let family = match p.ecosystem {
        Ecosystem::Golang => Family::Go,
        Ecosystem::Cargo => Family::CratesIo,
        Ecosystem::Maven => Family::Maven,
        Ecosystem::Npm => Family::Npm,
        Ecosystem::Gem => Family::RubyGems,
        Ecosystem::Composer => Family::Packagist,
        _ => return Err(Skip::Unsupported),
    };
    if !parse_ok(p.ecosystem, &p.version) {
        return Err(Skip::NotARelease);
    }
    if family == Family::Go && is_go_stdlib(p) {
        let v = go::osv_form(&p.version).ok_or(Skip::NotARelease)?;
        return Ok((family, "stdlib".to_string(), v));
    }
    // A Composer branch (`dev-main`, `2.1.x-dev`) names no release.
    if family == Family::Packagist
        && composer::normalize(&p.version)
            .is_some_and(|n| n.starts_with("dev-") || n.ends_with("-dev"))
    {
        return Err(Skip::NotARelease);
    }
    Ok((family, family.normalise(&p.name), p.version.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpm_families_from_os_release() {
        let f = |id: &str, v: &str| rpm_family(id, Some(v));
        let r = |s: &str| Some(s.to_string());
        assert_eq!(f("rocky", "9.4"), Some((Family::RockyLinux, r("9"))));
        assert_eq!(f("almalinux", "8.10"), Some((Family::AlmaLinux, r("8"))));
        assert_eq!(f("rhel", "9.5"), Some((Family::RedHat, r("9"))));
        assert_eq!(f("sles", "15.5"), Some((Family::Suse, r("15 SP5"))));
        assert_eq!(f("sles", "15"), Some((Family::Suse, r("15"))));
        assert_eq!(
            f("opensuse-leap", "15.5"),
            Some((Family::OpenSuse, r("Leap 15.5")))
        );
        assert_eq!(
            f("opensuse-tumbleweed", "20240801"),
            Some((Family::OpenSuse, r("Tumbleweed")))
        );
        assert_eq!(f("centos", "9"), None);
        assert_eq!(f("fedora", "40"), None);
    }

    #[test]
    fn distro_qualifiers_and_source_rpms() {
        assert_eq!(
            split_distro("rocky-9.4"),
            ("rocky".into(), Some("9.4".into()))
        );
        assert_eq!(
            split_distro("opensuse-leap-15.5"),
            ("opensuse-leap".into(), Some("15.5".into()))
        );
        assert_eq!(
            split_distro("opensuse-tumbleweed"),
            ("opensuse-tumbleweed".into(), None)
        );
        assert_eq!(srpm_name("openssl-3.0.7-27.el9.src.rpm"), "openssl");
        assert_eq!(
            srpm_name("python3.12-lxml-4.9.3-2.el9_8.1.src.rpm"),
            "python3.12-lxml"
        );
        assert_eq!(srpm_name("openssl"), "openssl");
        let mut p = Package::new(Ecosystem::Rpm, "openssl-libs", "3.0.7-27.el9");
        p.purl = Some("pkg:rpm/rocky/openssl-libs@3.0.7-27.el9?arch=x86_64&epoch=1".into());
        assert_eq!(rpm_version(&p), "1:3.0.7-27.el9");
        p.version = "2:3.0.7-27.el9".into();
        assert_eq!(rpm_version(&p), "2:3.0.7-27.el9");
    }

    #[test]
    fn language_keys() {
        let k = |eco, name: &str, v: &str| language_key(&Package::new(eco, name, v));
        assert_eq!(
            k(Ecosystem::Golang, "stdlib", "go1.22.5"),
            Ok((Family::Go, "stdlib".into(), "1.22.5".into()))
        );
        assert_eq!(
            k(Ecosystem::Golang, "golang.org/toolchain", "go1.21rc2"),
            Ok((Family::Go, "stdlib".into(), "1.21.0-rc.2".into()))
        );
        // As our Go cataloger writes the toolchain a binary was built with.
        assert_eq!(
            k(Ecosystem::Golang, "golang.org/toolchain", "v1.22.4"),
            Ok((Family::Go, "stdlib".into(), "1.22.4".into()))
        );
        assert_eq!(
            k(Ecosystem::Golang, "example.com/cmd", "(devel)"),
            Err(Skip::NotARelease)
        );
        assert_eq!(
            k(Ecosystem::Cargo, "Serde_Json", "1.0.100"),
            Ok((Family::CratesIo, "serde-json".into(), "1.0.100".into()))
        );
        assert_eq!(
            k(Ecosystem::Composer, "symfony/console", "dev-main"),
            Err(Skip::NotARelease)
        );
        assert_eq!(
            k(Ecosystem::Composer, "symfony/console", "6.4.x-dev"),
            Err(Skip::NotARelease)
        );
        assert_eq!(
            k(Ecosystem::Npm, "lodash", "latest"),
            Err(Skip::NotARelease)
        );
        assert_eq!(k(Ecosystem::Generic, "x", "1"), Err(Skip::Unsupported));
    }
}
