//! What the build proxy saw: squid's native access log and the common/combined log
//! format, artifact names from URLs, and reconciliation with SBOMs.
//!
//! Only successful downloads count: `GET` with status 2xx or 304. `CONNECT` tunnels are
//! counted separately (their content is not visible to the proxy).
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use sbom_model::version::compare;
use sbom_model::{Ecosystem, Sbom};
use serde::Serialize;

use crate::matcher::{package_ref, sbom_label};

/// One request line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProxyRequest {
    /// 1-based line in the log.
    pub line: usize,
    pub method: String,
    pub url: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
}

impl ProxyRequest {
    /// A successful GET (2xx or 304).
    pub fn is_download(&self) -> bool {
        self.method.eq_ignore_ascii_case("GET")
            && ((200..300).contains(&self.status) || self.status == 304)
    }
}

/// A line that is not a request of a known format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogWarning {
    pub line: usize,
    pub message: String,
}

/// Parses one line of squid native or common/combined format; `Err` says why not.
pub fn parse_line(line: &str, number: usize) -> Result<ProxyRequest, String> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    // squid native: time elapsed client action/status bytes method URL ident hierarchy type
    if fields.len() >= 7
        && fields[0].contains('.')
        && fields[0].parse::<f64>().is_ok()
        && fields[3].contains('/')
    {
        let status = fields[3]
            .rsplit('/')
            .next()
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| format!("squid result code `{}` has no status", fields[3]))?;
        return Ok(ProxyRequest {
            line: number,
            method: fields[5].to_string(),
            url: fields[6].to_string(),
            status,
            bytes: fields[4].parse().ok(),
        });
    }
    // common/combined: host ident user [date] "METHOD URL PROTO" status bytes ["ref" "ua"]
    let close = line
        .find("] \"")
        .ok_or_else(|| "neither squid native nor common log format".to_string())?;
    let rest = &line[close + 3..];
    let end = rest
        .find('"')
        .ok_or_else(|| "unterminated request string".to_string())?;
    let request = &rest[..end];
    let mut req = request.split_whitespace();
    let method = req.next().ok_or("empty request string")?;
    let url = req.next().ok_or("request string without URL")?;
    let mut tail = rest[end + 1..].split_whitespace();
    let status = tail
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| "no status after the request string".to_string())?;
    let bytes = tail.next().and_then(|s| s.parse().ok());
    Ok(ProxyRequest {
        line: number,
        method: method.to_string(),
        url: url.to_string(),
        status,
        bytes,
    })
}

/// Parses a whole log; blank lines and `#` comments are skipped, others become warnings.
pub fn parse_log(text: &str) -> (Vec<ProxyRequest>, Vec<LogWarning>) {
    let mut reqs = Vec::new();
    let mut warns = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        match parse_line(t, i + 1) {
            Ok(r) => reqs.push(r),
            Err(message) => warns.push(LogWarning {
                line: i + 1,
                message,
            }),
        }
    }
    (reqs, warns)
}

/// What a downloaded URL is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Artifact {
    Deb {
        name: String,
        version: String,
        arch: String,
    },
    Wheel {
        /// PEP 503 normalised.
        name: String,
        version: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        build: Option<String>,
        python: String,
        abi: String,
        platform: String,
    },
    Sdist {
        /// PEP 503 normalised.
        name: String,
        version: String,
        extension: String,
    },
    Other {
        url: String,
    },
}

impl Artifact {
    /// (ecosystem, name, version) for package artifacts.
    pub fn package(&self) -> Option<(Ecosystem, &str, &str)> {
        match self {
            Artifact::Deb { name, version, .. } => Some((Ecosystem::Deb, name, version)),
            Artifact::Wheel { name, version, .. } | Artifact::Sdist { name, version, .. } => {
                Some((Ecosystem::Pypi, name, version))
            }
            Artifact::Other { .. } => None,
        }
    }
}

/// Percent-decodes a URL component (invalid escapes stay as they are).
pub fn percent_decode(s: &str) -> String {
    sbom_model::purl::decode(s)
}

/// `name_version_arch.deb` (also `.udeb`, `.ddeb`); the version's epoch may be `%3a`.
pub fn parse_deb_filename(file: &str) -> Option<(String, String, String)> {
    let file = percent_decode(file);
    let stem = [".deb", ".udeb", ".ddeb"]
        .iter()
        .find_map(|ext| file.strip_suffix(ext))?;
    let parts: Vec<&str> = stem.split('_').collect();
    let [name, version, arch] = parts.as_slice() else {
        return None;
    };
    if name.is_empty() || version.is_empty() || arch.is_empty() {
        return None;
    }
    if !version.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some((name.to_string(), version.to_string(), arch.to_string()))
}

/// PEP 427: `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`.
pub fn parse_wheel_filename(file: &str) -> Option<Artifact> {
    let file = percent_decode(file);
    let stem = file.strip_suffix(".whl")?;
    let parts: Vec<&str> = stem.split('-').collect();
    let (name, version, build, py, abi, plat) = match parts.as_slice() {
        [n, v, p, a, pl] => (*n, *v, None, *p, *a, *pl),
        [n, v, b, p, a, pl] => {
            if !b.starts_with(|c: char| c.is_ascii_digit()) {
                return None;
            }
            (*n, *v, Some(b.to_string()), *p, *a, *pl)
        }
        _ => return None,
    };
    if name.is_empty() || version.is_empty() || [py, abi, plat].iter().any(|s| s.is_empty()) {
        return None;
    }
    Some(Artifact::Wheel {
        name: sbom_model::purl::pep503_name(name),
        version: version.to_string(),
        build,
        python: py.to_string(),
        abi: abi.to_string(),
        platform: plat.to_string(),
    })
}

const SDIST_EXTENSIONS: &[&str] = &[".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip"];

/// PEP 625 `{name}-{version}.tar.gz`, and legacy sdists (`.zip`, `.tar.bz2`, names with
/// hyphens: the version starts at the first `-` followed by a digit).
pub fn parse_sdist_filename(file: &str) -> Option<Artifact> {
    let file = percent_decode(file);
    let (stem, ext) = SDIST_EXTENSIONS
        .iter()
        .find_map(|ext| file.strip_suffix(ext).map(|s| (s, *ext)))?;
    let split = if stem.matches('-').count() == 1 {
        stem.find('-')
    } else {
        stem.match_indices('-')
            .map(|(i, _)| i)
            .find(|i| stem[i + 1..].starts_with(|c: char| c.is_ascii_digit()))
    }?;
    let (name, version) = (&stem[..split], &stem[split + 1..]);
    if name.is_empty() || !version.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some(Artifact::Sdist {
        name: sbom_model::purl::pep503_name(name),
        version: version.to_string(),
        extension: ext.trim_start_matches('.').to_string(),
    })
}

/// Identifies the artifact a URL downloads.
pub fn identify(url: &str) -> Artifact {
    let no_query = url.split(['?', '#']).next().unwrap_or(url);
    let path_start = no_query
        .find("://")
        .map(|i| i + 3)
        .and_then(|i| no_query[i..].find('/').map(|j| i + j))
        .unwrap_or(0);
    let host = &no_query[..path_start].to_ascii_lowercase();
    let path = &no_query[path_start..];
    let file = path.rsplit('/').next().unwrap_or(path);
    if let Some((name, version, arch)) = parse_deb_filename(file) {
        return Artifact::Deb {
            name,
            version,
            arch,
        };
    }
    if let Some(w) = parse_wheel_filename(file) {
        return w;
    }
    let lower = path.to_ascii_lowercase();
    let pythonish = host.contains("pythonhosted")
        || host.contains("pypi")
        || lower.contains("/pypi")
        || lower.contains("/packages/")
        || lower.contains("/simple/");
    if pythonish {
        if let Some(s) = parse_sdist_filename(file) {
            return s;
        }
    }
    Artifact::Other {
        url: url.to_string(),
    }
}

/// A downloaded artifact with where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Download {
    pub artifact: Artifact,
    /// First URL it was fetched from.
    pub url: String,
    /// How many successful requests fetched it.
    pub requests: usize,
}

/// A package of an SBOM that the proxy never delivered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnseenPackage {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    pub bom_ref: String,
    pub sboms: Vec<String>,
}

/// The proxy part of an audit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProxyReport {
    /// Package artifacts downloaded but in no SBOM: hidden or later-removed software.
    pub not_in_sbom: Vec<Download>,
    /// Packages in SBOMs (deb, pypi) never downloaded through the proxy (base images).
    pub not_downloaded: Vec<UnseenPackage>,
    /// Successful downloads that are not packages we identify, by URL.
    pub other_downloads: Vec<Download>,
    /// Package artifacts that match an SBOM package.
    pub matched: usize,
    /// Requests that were not successful GETs.
    pub skipped_requests: usize,
    /// `CONNECT` targets (TLS tunnels whose content the proxy cannot see).
    pub tunnels: Vec<String>,
    pub warnings: Vec<LogWarning>,
}

fn strip_epoch(v: &str) -> &str {
    match v.split_once(':') {
        Some((e, rest)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => rest,
        _ => v,
    }
}

fn same_version(eco: Ecosystem, downloaded: &str, installed: &str) -> bool {
    if downloaded == installed || compare(eco, downloaded, installed) == Ordering::Equal {
        return true;
    }
    // Debian pool file names usually omit the epoch.
    eco == Ecosystem::Deb
        && !downloaded.contains(':')
        && compare(eco, downloaded, strip_epoch(installed)) == Ordering::Equal
}

/// Reconciles a parsed log with the SBOMs.
pub fn reconcile(
    requests: &[ProxyRequest],
    warnings: Vec<LogWarning>,
    sboms: &[Sbom],
) -> ProxyReport {
    // (ecosystem, name) -> [(version, bom_ref, sboms, seen)]
    struct Known {
        version: String,
        bom_ref: String,
        name: String,
        sboms: BTreeSet<String>,
        seen: bool,
    }
    let mut known: BTreeMap<(Ecosystem, String), Vec<Known>> = BTreeMap::new();
    for s in sboms {
        let label = sbom_label(s);
        for p in &s.packages {
            if !matches!(p.ecosystem, Ecosystem::Deb | Ecosystem::Pypi) {
                continue;
            }
            let list = known.entry((p.ecosystem, p.normalized_name())).or_default();
            if let Some(k) = list.iter_mut().find(|k| k.version == p.version) {
                k.sboms.insert(label.clone());
            } else {
                list.push(Known {
                    version: p.version.clone(),
                    bom_ref: package_ref(p),
                    name: p.name.clone(),
                    sboms: BTreeSet::from([label.clone()]),
                    seen: false,
                });
            }
        }
    }
    let mut report = ProxyReport {
        warnings,
        ..ProxyReport::default()
    };
    let mut missing: BTreeMap<Artifact, Download> = BTreeMap::new();
    let mut other: BTreeMap<String, Download> = BTreeMap::new();
    let mut matched: BTreeSet<Artifact> = BTreeSet::new();
    let mut tunnels = BTreeSet::new();
    for r in requests {
        if r.method.eq_ignore_ascii_case("CONNECT") {
            tunnels.insert(r.url.clone());
            report.skipped_requests += 1;
            continue;
        }
        if !r.is_download() {
            report.skipped_requests += 1;
            continue;
        }
        let a = identify(&r.url);
        let Some((eco, name, version)) = a.package() else {
            other
                .entry(r.url.clone())
                .and_modify(|d| d.requests += 1)
                .or_insert_with(|| Download {
                    artifact: a.clone(),
                    url: r.url.clone(),
                    requests: 1,
                });
            continue;
        };
        let key = (eco, name.to_string());
        let mut hit = false;
        if let Some(list) = known.get_mut(&key) {
            for k in list.iter_mut() {
                if same_version(eco, version, &k.version) {
                    k.seen = true;
                    hit = true;
                }
            }
        }
        if hit {
            matched.insert(a);
        } else {
            missing
                .entry(a.clone())
                .and_modify(|d| d.requests += 1)
                .or_insert_with(|| Download {
                    artifact: a,
                    url: r.url.clone(),
                    requests: 1,
                });
        }
    }
    report.matched = matched.len();
    report.not_in_sbom = missing.into_values().collect();
    report.other_downloads = other.into_values().collect();
    report.tunnels = tunnels.into_iter().collect();
    for ((eco, _), list) in known {
        for k in list {
            if !k.seen {
                report.not_downloaded.push(UnseenPackage {
                    ecosystem: eco,
                    name: k.name,
                    version: k.version,
                    bom_ref: k.bom_ref,
                    sboms: k.sboms.into_iter().collect(),
                });
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use sbom_model::Package;

    #[test]
    fn squid_native_lines_parse() {
        let l = "1732870000.123    181 10.0.0.5 TCP_MISS/200 1466392 GET http://deb.debian.org/debian/pool/main/o/openssl/libssl3_3.0.11-1~deb12u2_amd64.deb - HIER_DIRECT/151.101.2.132 application/vnd.debian.binary-package";
        let r = parse_line(l, 1).expect("parses");
        assert_eq!(r.method, "GET");
        assert_eq!(r.status, 200);
        assert_eq!(r.bytes, Some(1466392));
        assert!(r.url.ends_with("_amd64.deb"));
        let hit = parse_line(
            "1732870001.5 0 10.0.0.5 TCP_REFRESH_UNMODIFIED/304 300 GET http://x/a.deb - HIER_NONE/- -",
            2,
        )
        .expect("parses");
        assert!(hit.is_download());
        let denied = parse_line(
            "1732870001.5 0 10.0.0.5 TCP_DENIED/403 300 GET http://x/a.deb - HIER_NONE/- text/html",
            3,
        )
        .expect("parses");
        assert!(!denied.is_download());
    }

    #[test]
    fn common_and_combined_lines_parse() {
        let common = r#"10.0.0.5 - - [29/Nov/2026:10:00:00 +0000] "GET http://files.pythonhosted.org/packages/aa/bb/requests-2.31.0-py3-none-any.whl HTTP/1.1" 200 62574"#;
        let r = parse_line(common, 1).expect("common");
        assert_eq!(r.status, 200);
        assert_eq!(r.bytes, Some(62574));
        assert!(r.url.starts_with("http://files.pythonhosted.org/"));
        let combined = r#"10.0.0.5 - bob [29/Nov/2026:10:00:01 +0000] "GET http://deb.debian.org/debian/dists/bookworm/InRelease HTTP/1.1" 304 - "-" "Debian APT-HTTP/1.3 (2.6.1)""#;
        let r = parse_line(combined, 2).expect("combined");
        assert_eq!(r.status, 304);
        assert_eq!(r.bytes, None);
        assert!(r.is_download());
        let post =
            r#"1.2.3.4 - - [29/Nov/2026:10:00:01 +0000] "POST http://x/upload HTTP/1.1" 200 5"#;
        assert!(!parse_line(post, 3).expect("post").is_download());
        assert!(parse_line("garbage here", 4).is_err());
    }

    #[test]
    fn deb_filenames_with_url_encoded_epoch() {
        assert_eq!(
            parse_deb_filename("libssl3_3.0.11-1~deb12u2_amd64.deb"),
            Some(("libssl3".into(), "3.0.11-1~deb12u2".into(), "amd64".into()))
        );
        assert_eq!(
            parse_deb_filename("zlib1g_1%3a1.2.13.dfsg-1_amd64.deb"),
            Some(("zlib1g".into(), "1:1.2.13.dfsg-1".into(), "amd64".into()))
        );
        assert_eq!(
            parse_deb_filename("zlib1g_1%3A1.2.13.dfsg-1_amd64.deb").map(|d| d.1),
            Some("1:1.2.13.dfsg-1".into())
        );
        assert_eq!(parse_deb_filename("openssl_3.0.11.orig.tar.gz"), None);
        assert_eq!(parse_deb_filename("not_a.deb"), None);
    }

    #[test]
    fn wheel_filenames_with_build_tags_and_local_versions() {
        assert_eq!(
            parse_wheel_filename(
                "PyYAML-6.0.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
            ),
            Some(Artifact::Wheel {
                name: "pyyaml".into(),
                version: "6.0.1".into(),
                build: None,
                python: "cp311".into(),
                abi: "cp311".into(),
                platform: "manylinux_2_17_x86_64.manylinux2014_x86_64".into(),
            })
        );
        match parse_wheel_filename("oslo_config-9.4.0-1local-py3-none-any.whl") {
            Some(Artifact::Wheel { name, build, .. }) => {
                assert_eq!(name, "oslo-config");
                assert_eq!(build.as_deref(), Some("1local"));
            }
            other => panic!("{other:?}"),
        }
        match parse_wheel_filename("torch-2.3.0%2Bcpu-cp311-cp311-linux_x86_64.whl") {
            Some(Artifact::Wheel { version, .. }) => assert_eq!(version, "2.3.0+cpu"),
            other => panic!("{other:?}"),
        }
        assert_eq!(parse_wheel_filename("too-few-parts.whl"), None);
        assert_eq!(
            parse_wheel_filename("a-1.0-notdigit-py3-none-any.whl"),
            None
        );
    }

    #[test]
    fn sdist_filenames_pep625_and_legacy() {
        assert_eq!(
            parse_sdist_filename("keystone-25.0.0.tar.gz"),
            Some(Artifact::Sdist {
                name: "keystone".into(),
                version: "25.0.0".into(),
                extension: "tar.gz".into()
            })
        );
        match parse_sdist_filename("oslo_messaging-14.7.0.tar.gz") {
            Some(Artifact::Sdist { name, version, .. }) => {
                assert_eq!(
                    (name.as_str(), version.as_str()),
                    ("oslo-messaging", "14.7.0")
                )
            }
            other => panic!("{other:?}"),
        }
        match parse_sdist_filename("python-dateutil-2.8.2.zip") {
            Some(Artifact::Sdist {
                name,
                version,
                extension,
            }) => {
                assert_eq!(
                    (name.as_str(), version.as_str()),
                    ("python-dateutil", "2.8.2")
                );
                assert_eq!(extension, "zip");
            }
            other => panic!("{other:?}"),
        }
        match parse_sdist_filename("Paste-3.10.1.tar.bz2") {
            Some(Artifact::Sdist { name, .. }) => assert_eq!(name, "paste"),
            other => panic!("{other:?}"),
        }
        assert_eq!(parse_sdist_filename("README.tar.gz"), None);
    }

    #[test]
    fn identify_only_calls_tarballs_sdists_on_python_indexes() {
        assert!(matches!(
            identify("https://files.pythonhosted.org/packages/x/y/keystone-25.0.0.tar.gz"),
            Artifact::Sdist { .. }
        ));
        assert!(matches!(
            identify("https://github.com/foo/bar/releases/download/v1/bar-1.0.tar.gz"),
            Artifact::Other { .. }
        ));
        assert!(matches!(
            identify("http://deb.debian.org/debian/pool/main/o/openssl/libssl3_3.0.11-1~deb12u2_amd64.deb?x=1"),
            Artifact::Deb { .. }
        ));
    }

    fn sbom() -> Sbom {
        let mut zlib = Package::new(Ecosystem::Deb, "zlib1g", "1:1.2.13.dfsg-1");
        zlib.arch = Some("amd64".into());
        let mut s = Sbom {
            distro: Some(sbom_model::Distro {
                id: "debian".into(),
                version_id: Some("12".into()),
                ..Default::default()
            }),
            packages: vec![
                zlib,
                Package::new(Ecosystem::Deb, "libssl3", "3.0.11-1~deb12u2"),
                Package::new(Ecosystem::Pypi, "PyYAML", "6.0.1"),
                Package::new(Ecosystem::Pypi, "keystone", "25.0.0"),
                Package::new(Ecosystem::Deb, "base-files", "12.4+deb12u5"),
            ],
            ..Sbom::default()
        };
        s.subject.name = "keystone".into();
        s.finalize();
        s
    }

    #[test]
    fn reconcile_finds_hidden_downloads_and_unseen_packages() {
        let log = "\
1732870000.1 10 10.0.0.5 TCP_MISS/200 100 GET http://deb.debian.org/debian/pool/main/z/zlib/zlib1g_1.2.13.dfsg-1_amd64.deb - HIER_DIRECT/1.1.1.1 application/octet-stream
1732870000.2 10 10.0.0.5 TCP_MISS/200 100 GET http://deb.debian.org/debian/pool/main/o/openssl/libssl3_3.0.11-1~deb12u2_amd64.deb - HIER_DIRECT/1.1.1.1 application/octet-stream
1732870000.3 10 10.0.0.5 TCP_MISS/200 100 GET http://deb.debian.org/debian/pool/main/n/netcat/netcat-openbsd_1.219-1_amd64.deb - HIER_DIRECT/1.1.1.1 application/octet-stream
1732870000.4 10 10.0.0.5 TCP_MISS/404 100 GET http://deb.debian.org/debian/pool/main/g/gcc/gcc_12_amd64.deb - HIER_DIRECT/1.1.1.1 text/html
1732870000.5 10 10.0.0.5 TCP_TUNNEL/200 100 CONNECT github.com:443 - HIER_DIRECT/1.1.1.1 -
this line is junk
10.0.0.5 - - [29/Nov/2026:10:00:00 +0000] \"GET http://files.pythonhosted.org/packages/a/b/PyYAML-6.0.1-cp311-cp311-manylinux_2_17_x86_64.whl HTTP/1.1\" 200 1000 \"-\" \"pip/24\"
10.0.0.5 - - [29/Nov/2026:10:00:01 +0000] \"GET http://files.pythonhosted.org/packages/a/b/keystone-25.0.0.tar.gz HTTP/1.1\" 200 1000
10.0.0.5 - - [29/Nov/2026:10:00:02 +0000] \"GET http://files.pythonhosted.org/packages/a/b/evil_pkg-1.0-py3-none-any.whl HTTP/1.1\" 200 1000
10.0.0.5 - - [29/Nov/2026:10:00:03 +0000] \"GET http://files.pythonhosted.org/packages/a/b/evil_pkg-1.0-py3-none-any.whl HTTP/1.1\" 304 0
10.0.0.5 - - [29/Nov/2026:10:00:04 +0000] \"GET http://example.com/tool.bin HTTP/1.1\" 200 1000
";
        let (reqs, warns) = parse_log(log);
        assert_eq!(warns.len(), 1);
        assert_eq!(warns[0].line, 6);
        let r = reconcile(&reqs, warns, &[sbom()]);
        let hidden: Vec<_> = r
            .not_in_sbom
            .iter()
            .filter_map(|d| d.artifact.package().map(|(_, n, v)| format!("{n}@{v}")))
            .collect();
        assert_eq!(hidden, vec!["netcat-openbsd@1.219-1", "evil-pkg@1.0"]);
        assert_eq!(r.not_in_sbom[1].requests, 2);
        assert_eq!(
            r.matched, 4,
            "zlib (epoch-less pool name), libssl3, pyyaml, keystone"
        );
        assert_eq!(r.not_downloaded.len(), 1);
        assert_eq!(r.not_downloaded[0].name, "base-files");
        assert_eq!(r.other_downloads.len(), 1);
        assert_eq!(r.tunnels, vec!["github.com:443"]);
        assert_eq!(r.skipped_requests, 2);
    }

    #[test]
    fn odd_input_never_panics() {
        let odd = [
            "",
            " ",
            "%",
            "%%",
            "%e9%",
            "é",
            "_",
            "__",
            "a_b_c_d.deb",
            "_1_.deb",
            "-",
            ".whl",
            "-.whl",
            "a-1-2-3-4-5-6-7.whl",
            "é-1.0-py3-none-any.whl",
            "-1.tar.gz",
            "a-.tar.gz",
            "http://",
            "http:///",
            "://x",
            "http://h/é/ü-1.0.tar.gz?x#y",
            "] \"",
            "x] \"GET",
            "x] \"GET /\" ",
            "1.5 0 c A/ 1 GET",
            "1.5 0 c TCP_MISS/é 1 GET u - - -",
        ];
        for a in odd {
            for b in odd {
                let s = format!("{a}{b}");
                let _ = parse_line(&s, 1);
                let _ = identify(&s);
                let _ = parse_deb_filename(&s);
                let _ = parse_wheel_filename(&s);
                let _ = parse_sdist_filename(&s);
                let _ = percent_decode(&s);
            }
        }
        let (reqs, warns) = parse_log(&odd.join("\n"));
        assert_eq!(
            reqs.len() + warns.len(),
            odd.iter().filter(|l| !l.trim().is_empty()).count()
        );
    }

    #[test]
    fn percent_decode_keeps_bad_escapes() {
        assert_eq!(percent_decode("a%3ab%2B%zz%"), "a:b+%zz%");
        assert_eq!(percent_decode("%4"), "%4");
    }
}
