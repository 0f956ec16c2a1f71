//! Debian/Ubuntu: the mirror inputs (aptly filter, `apt-get download` list, Pulp list,
//! source packages) and a repository's indexes (`Release`, `Packages`).
use std::collections::BTreeSet;

use sbom_catalog::catalogers::deb822;
use serde::Serialize;

use crate::plan::OsPin;
use crate::RepoPackage;

/// The aptly package query that matches exactly these packages:
/// `name (= version) {arch} | ...`, for
/// `aptly mirror create -filter="$(cat aptly-filter.txt)" -filter-with-deps=false`.
pub fn aptly_filter(pins: &[&OsPin]) -> String {
    let parts: Vec<String> = pins
        .iter()
        .map(|p| {
            let mut s = format!("{} (= {})", p.name, p.version);
            if !p.arch.is_empty() {
                s.push_str(&format!(" {{{}}}", p.arch));
            }
            s
        })
        .collect();
    let mut out = parts.join(" | ");
    out.push('\n');
    out
}

/// `name=version` lines for `apt-get download`; packages of another architecture than
/// the group's (and not `all`) are written `name:arch=version`.
pub fn apt_get_list(pins: &[&OsPin], group_arch: &str) -> String {
    let mut out = String::new();
    for p in pins {
        if p.arch.is_empty() || p.arch == "all" || p.arch == group_arch {
            out.push_str(&format!("{}={}\n", p.name, p.version));
        } else {
            out.push_str(&format!("{}:{}={}\n", p.name, p.arch, p.version));
        }
    }
    out
}

/// One entry of `pulp.json`, named as pulp_deb's package content names its fields.
#[derive(Serialize)]
struct PulpDeb<'a> {
    package: &'a str,
    version: &'a str,
    architecture: &'a str,
}

/// A JSON list of `{package, version, architecture}` (pulp_deb's field names, usable as
/// filters of `/pulp/api/v3/content/deb/packages/`).
pub fn pulp_json(pins: &[&OsPin]) -> String {
    let list: Vec<PulpDeb<'_>> = pins
        .iter()
        .map(|p| PulpDeb {
            package: &p.name,
            version: &p.version,
            architecture: &p.arch,
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&list).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}

/// The source packages (`source=version` lines, for `apt-get source --download-only`):
/// dpkg's `Source:` field, else the binary's own name; its version, else the binary's.
pub fn sources(pins: &[&OsPin]) -> String {
    let set: BTreeSet<String> = pins
        .iter()
        .map(|p| {
            let name = p.source_name.as_deref().unwrap_or(&p.name);
            let version = p.source_version.as_deref().unwrap_or(&p.version);
            format!("{name}={version}\n")
        })
        .collect();
    set.into_iter().collect()
}

/// The packages of a `Packages` file (stanzas without Package or Version are skipped).
pub fn parse_packages(text: &str) -> Vec<RepoPackage> {
    deb822::parse(text)
        .iter()
        .filter_map(|st| {
            Some(RepoPackage {
                name: st.value("Package")?.to_ascii_lowercase(),
                version: st.value("Version")?.to_string(),
                arch: st.value("Architecture").unwrap_or("").to_string(),
            })
        })
        .collect()
}

/// What a `Release` (or `InRelease`) file says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReleaseFile {
    pub suite: Option<String>,
    pub codename: Option<String>,
    /// `Acquire-By-Hash: yes`: indexes are served under `DIR/by-hash/SHA256/HASH` too,
    /// which stays consistent while a mirror updates (apt fetches them so).
    pub by_hash: bool,
    /// `No-Support-for-Architecture-all: Packages`: the per-architecture indexes list the
    /// `all` packages too, so `binary-all` adds nothing (apt does not fetch it either).
    pub all_in_arch_indexes: bool,
    /// The `Architectures` field (empty when absent).
    pub architectures: Vec<String>,
    /// `(sha256, size, path)` of every index the release lists.
    pub sha256: Vec<(String, u64, String)>,
}

impl ReleaseFile {
    /// Whether `binary-all` indexes are worth reading, by apt's rule: only when the
    /// release lists `all` among its architectures (or lists none) and does not say its
    /// per-architecture indexes hold the `all` packages.
    pub fn reads_binary_all(&self) -> bool {
        !self.all_in_arch_indexes
            && (self.architectures.is_empty() || self.architectures.iter().any(|a| a == "all"))
    }
}

/// Reads a `Release` file; an `InRelease` file's signature lines are skipped.
pub fn parse_release(text: &str) -> ReleaseFile {
    // InRelease: the signed text sits between the armor header and the signature.
    let body = match text.find("-----BEGIN PGP SIGNED MESSAGE-----") {
        Some(_) => {
            let after = text.split_once("\n\n").map_or(text, |(_, b)| b);
            after
                .split("-----BEGIN PGP SIGNATURE-----")
                .next()
                .unwrap_or(after)
        }
        None => text,
    };
    let mut out = ReleaseFile::default();
    if let Some(st) = deb822::parse(body).first() {
        out.suite = st.value("Suite").map(str::to_string);
        out.codename = st.value("Codename").map(str::to_string);
        out.architectures = st
            .value("Architectures")
            .map(|v| v.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        out.all_in_arch_indexes = st
            .value("No-Support-for-Architecture-all")
            .is_some_and(|v| v == "Packages");
        out.by_hash = st
            .value("Acquire-By-Hash")
            .is_some_and(|v| v.eq_ignore_ascii_case("yes"));
        if let Some(f) = st.get("SHA256") {
            for line in &f.rest {
                let mut it = line.split_whitespace();
                if let (Some(h), Some(size), Some(path)) = (it.next(), it.next(), it.next()) {
                    if let Ok(size) = size.parse() {
                        out.sha256
                            .push((h.to_ascii_lowercase(), size, path.to_string()));
                    }
                }
            }
        }
    }
    out
}

/// The `Packages` indexes a release lists, per component and architecture (folder): the
/// variants listed, best first (`.gz`, then `.xz`, then plain: Debian's mirrors list the
/// plain file in the Release without serving it). Returns `(folder, [(path, sha256)])`,
/// sorted by folder.
pub fn packages_indexes(rel: &ReleaseFile) -> Vec<(String, Vec<(String, String)>)> {
    let mut by_dir: std::collections::BTreeMap<&str, Vec<(u8, String, String)>> =
        Default::default();
    for (hash, _, path) in &rel.sha256 {
        let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
        let rank = match file {
            "Packages.gz" => 0,
            "Packages.xz" => 1,
            "Packages" => 2,
            _ => continue,
        };
        // Installer indexes (`debian-installer/binary-*`) are udebs, not what images use.
        if dir.contains("debian-installer") {
            continue;
        }
        by_dir
            .entry(dir)
            .or_default()
            .push((rank, path.clone(), hash.clone()));
    }
    by_dir
        .into_iter()
        .map(|(dir, mut v)| {
            v.sort();
            (
                dir.to_string(),
                v.into_iter().map(|(_, p, h)| (p, h)).collect(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(name: &str, version: &str, arch: &str) -> OsPin {
        OsPin::new(name, version, arch)
    }

    #[test]
    fn filter_list_and_pulp_name_each_package_with_its_arch() {
        let mut libc = pin("libc6", "2.36-9+deb12u4", "amd64");
        libc.source_name = Some("glibc".into());
        let mut cap = pin("libcap-ng0", "0.8.3-1+b3", "amd64");
        cap.source_name = Some("libcap-ng".into());
        cap.source_version = Some("0.8.3-1".into());
        let tz = pin("tzdata", "2024a-0+deb12u1", "all");
        let mut i386 = pin("libc6", "2.36-9+deb12u4", "i386");
        i386.source_name = Some("glibc".into());
        let pins = [&libc, &cap, &tz, &i386];
        assert_eq!(
            aptly_filter(&pins),
            "libc6 (= 2.36-9+deb12u4) {amd64} | libcap-ng0 (= 0.8.3-1+b3) {amd64} | tzdata (= 2024a-0+deb12u1) {all} | libc6 (= 2.36-9+deb12u4) {i386}\n"
        );
        assert_eq!(
            apt_get_list(&pins, "amd64"),
            "libc6=2.36-9+deb12u4\nlibcap-ng0=0.8.3-1+b3\ntzdata=2024a-0+deb12u1\nlibc6:i386=2.36-9+deb12u4\n"
        );
        assert_eq!(
            sources(&pins),
            "glibc=2.36-9+deb12u4\nlibcap-ng=0.8.3-1\ntzdata=2024a-0+deb12u1\n"
        );
        let v: serde_json::Value = serde_json::from_str(&pulp_json(&pins)).unwrap();
        assert_eq!(v[2]["package"], "tzdata");
        assert_eq!(v[2]["architecture"], "all");
    }

    #[test]
    fn release_lists_one_packages_index_per_component_and_arch() {
        let text = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nOrigin: Debian\nSuite: stable\nCodename: bookworm\nAcquire-By-Hash: yes\nSHA256:\n aaa 10 main/binary-amd64/Packages.xz\n bbb 20 main/binary-amd64/Packages.gz\n ccc 5 main/binary-arm64/Packages.xz\n ddd 7 main/debian-installer/binary-amd64/Packages.gz\n eee 9 contrib/binary-amd64/Packages\n fff 1 main/i18n/Translation-en.bz2\n-----BEGIN PGP SIGNATURE-----\nxyz\n-----END PGP SIGNATURE-----\n";
        let rel = parse_release(text);
        assert_eq!(rel.codename.as_deref(), Some("bookworm"));
        assert!(rel.by_hash);
        let pair = |p: &str, h: &str| (p.to_string(), h.to_string());
        assert_eq!(
            packages_indexes(&rel),
            vec![
                (
                    "contrib/binary-amd64".to_string(),
                    vec![pair("contrib/binary-amd64/Packages", "eee")]
                ),
                (
                    "main/binary-amd64".to_string(),
                    vec![
                        pair("main/binary-amd64/Packages.gz", "bbb"),
                        pair("main/binary-amd64/Packages.xz", "aaa")
                    ]
                ),
                (
                    "main/binary-arm64".to_string(),
                    vec![pair("main/binary-arm64/Packages.xz", "ccc")]
                ),
            ]
        );
    }

    #[test]
    fn packages_entries_are_lower_cased_names_with_version_and_arch() {
        let text = "Package: Foo\nVersion: 1.0-1\nArchitecture: all\nFilename: pool/f/foo.deb\n\nPackage: broken\n\nPackage: bar\nVersion: 2:3\nArchitecture: amd64\n";
        assert_eq!(
            parse_packages(text),
            vec![
                RepoPackage {
                    name: "foo".into(),
                    version: "1.0-1".into(),
                    arch: "all".into()
                },
                RepoPackage {
                    name: "bar".into(),
                    version: "2:3".into(),
                    arch: "amd64".into()
                },
            ]
        );
    }
}
