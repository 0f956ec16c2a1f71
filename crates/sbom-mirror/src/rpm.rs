//! rpm: the mirror inputs for `dnf download`, reposync (`includepkgs=`) and Pulp, from
//! pins whose versions are `[E:]V-R` (the model's rpm form).
use std::collections::BTreeSet;

use serde::Serialize;

use crate::plan::OsPin;
use crate::RepoPackage;

/// `(epoch, version, release)` of an `[E:]V-R` version (epoch 0 when absent).
fn evr(v: &str) -> (u64, &str, &str) {
    match sbom_model::version::rpm::parse(v) {
        Some(e) => (e.epoch, e.version, e.release),
        None => (0, v, ""),
    }
}

/// `name-[E:]V-R.arch`, the NEVRA form `dnf download` and `includepkgs` take (the epoch
/// only when it is not 0).
pub fn nevra(p: &OsPin) -> String {
    let (e, v, r) = evr(&p.version);
    let epoch = if e > 0 {
        format!("{e}:")
    } else {
        String::new()
    };
    let arch = if p.arch.is_empty() {
        String::new()
    } else {
        format!(".{}", p.arch)
    };
    format!("{}-{epoch}{v}-{r}{arch}", p.name)
}

/// One NEVRA a line: `xargs dnf download --destdir DIR < dnf-download.txt`.
pub fn dnf_list(pins: &[&OsPin]) -> String {
    pins.iter().map(|p| format!("{}\n", nevra(p))).collect()
}

/// A `.repo` option line that limits a repository (and so `dnf reposync`) to exactly
/// these packages.
pub fn includepkgs(pins: &[&OsPin]) -> String {
    let all: Vec<String> = pins.iter().map(|p| nevra(p)).collect();
    format!("includepkgs={}\n", all.join(" "))
}

/// One entry of `pulp.json`, named as pulp_rpm's package content names its fields.
#[derive(Serialize)]
struct PulpRpm<'a> {
    name: &'a str,
    epoch: String,
    version: &'a str,
    release: &'a str,
    arch: &'a str,
}

/// A JSON list of `{name, epoch, version, release, arch}` (pulp_rpm's field names).
pub fn pulp_json(pins: &[&OsPin]) -> String {
    let list: Vec<PulpRpm<'_>> = pins
        .iter()
        .map(|p| {
            let (e, v, r) = evr(&p.version);
            PulpRpm {
                name: &p.name,
                epoch: e.to_string(),
                version: v,
                release: r,
                arch: &p.arch,
            }
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&list).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}

/// The source rpms (`bash-5.1.8-6.el9.src.rpm` as the header names them), one a line;
/// pins whose source is not known are left out.
pub fn sources(pins: &[&OsPin]) -> String {
    let set: BTreeSet<String> = pins
        .iter()
        .filter_map(|p| p.source_name.as_deref())
        .map(|s| format!("{s}\n"))
        .collect();
    set.into_iter().collect()
}

/// The last part of a (namespaced) XML name.
fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// The `href` and SHA-256 (when the checksum is one) of the primary metadata a
/// repository's `repodata/repomd.xml` names.
pub fn parse_repomd(xml: &str) -> Result<(String, Option<String>), String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut in_primary, mut in_checksum, mut sha256) = (false, false, false);
    let (mut href, mut checksum) = (None, None);
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("repomd.xml: {e}"))?
        {
            Event::Start(e) | Event::Empty(e) if local(e.name().as_ref()) == "data" => {
                in_primary = attr(&e, "type").as_deref() == Some("primary");
            }
            Event::Start(e) | Event::Empty(e) if in_primary => match local(e.name().as_ref()) {
                "location" => href = attr(&e, "href"),
                "checksum" => {
                    in_checksum = true;
                    sha256 = attr(&e, "type").as_deref() == Some("sha256");
                }
                _ => {}
            },
            Event::Text(t) if in_primary && in_checksum && sha256 => {
                checksum = Some(t.xml10_content().trim().to_ascii_lowercase());
            }
            Event::End(e) => match local(e.name().as_ref()) {
                "checksum" => in_checksum = false,
                "data" => in_primary = false,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    href.map(|h| (h, checksum))
        .ok_or_else(|| "repomd.xml names no primary metadata".into())
}

fn attr(e: &quick_xml::events::BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| local(a.key.as_ref()) == key)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// The packages of a repository's `primary.xml`: name, `[E:]V-R` (epoch only when not
/// 0), arch. Source rpms (`src`) are included with that arch.
pub fn parse_primary(xml: &str) -> Result<Vec<RepoPackage>, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    let mut cur: Option<RepoPackage> = None;
    let mut field: Option<&'static str> = None;
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("primary.xml: {e}"))?
        {
            Event::Start(e) if local(e.name().as_ref()) == "package" => {
                cur = Some(RepoPackage {
                    name: String::new(),
                    version: String::new(),
                    arch: String::new(),
                });
            }
            Event::Start(e) if cur.is_some() => {
                field = match local(e.name().as_ref()) {
                    "name" => Some("name"),
                    "arch" => Some("arch"),
                    _ => None,
                };
                version_attrs(&e, cur.as_mut());
            }
            Event::Empty(e) => version_attrs(&e, cur.as_mut()),
            Event::Text(t) => {
                if let (Some(f), Some(p)) = (field, cur.as_mut()) {
                    let text = t.xml10_content();
                    match f {
                        "name" => p.name.push_str(text.trim()),
                        _ => p.arch.push_str(text.trim()),
                    }
                }
            }
            Event::End(e) => {
                field = None;
                if local(e.name().as_ref()) == "package" {
                    if let Some(p) = cur
                        .take()
                        .filter(|p| !p.name.is_empty() && !p.version.is_empty())
                    {
                        out.push(p);
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// `<version epoch="2" ver="3.1" rel="4.el9"/>` directly in a package.
fn version_attrs(e: &quick_xml::events::BytesStart<'_>, cur: Option<&mut RepoPackage>) {
    let Some(p) = cur else { return };
    if local(e.name().as_ref()) != "version" || !p.version.is_empty() {
        return;
    }
    let (Some(v), Some(r)) = (attr(e, "ver"), attr(e, "rel")) else {
        return;
    };
    p.version = match attr(e, "epoch").filter(|x| !x.is_empty() && x != "0") {
        Some(epoch) => format!("{epoch}:{v}-{r}"),
        None => format!("{v}-{r}"),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(name: &str, version: &str, arch: &str) -> OsPin {
        OsPin::new(name, version, arch)
    }

    #[test]
    fn repodata_gives_the_primary_metadata_and_its_packages() {
        let repomd = r#"<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <data type="filelists"><checksum type="sha256">ff</checksum><location href="repodata/f-filelists.xml.gz"/></data>
  <data type="primary">
    <checksum type="sha256">74878D28</checksum>
    <open-checksum type="sha256">8b39</open-checksum>
    <location href="repodata/7487-primary.xml.gz"/>
  </data>
</repomd>"#;
        assert_eq!(
            parse_repomd(repomd).unwrap(),
            (
                "repodata/7487-primary.xml.gz".to_string(),
                Some("74878d28".to_string())
            )
        );
        assert!(parse_repomd("<repomd/>").is_err());
        let primary = r#"<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="2">
<package type="rpm">
  <name>sbom-mirror-bar</name>
  <arch>x86_64</arch>
  <version epoch="2" ver="3.1" rel="4.el9"/>
  <format><rpm:license>MIT</rpm:license><rpm:provides><rpm:entry name="sbom-mirror-bar" flags="EQ" epoch="2" ver="3.1" rel="4.el9"/></rpm:provides></format>
</package>
<package type="rpm">
  <name>tzdata</name><arch>noarch</arch><version epoch="0" ver="2024a" rel="1.el9"/>
</package>
</metadata>"#;
        let got = parse_primary(primary).unwrap();
        let want = [
            ("sbom-mirror-bar", "2:3.1-4.el9", "x86_64"),
            ("tzdata", "2024a-1.el9", "noarch"),
        ];
        assert_eq!(
            got.iter()
                .map(|p| (p.name.as_str(), p.version.as_str(), p.arch.as_str()))
                .collect::<Vec<_>>(),
            want
        );
        assert!(parse_primary("<metadata><package><name>x</package>").is_err());
    }

    #[test]
    fn nevra_writes_the_epoch_only_when_it_is_not_zero() {
        let mut bash = pin("bash", "5.1.8-6.el9", "x86_64");
        bash.source_name = Some("bash-5.1.8-6.el9.src.rpm".into());
        let openssl = pin("openssl-libs", "1:3.0.7-27.el9", "x86_64");
        let tz = pin("tzdata", "0:2024a-1.el9", "noarch");
        let pins = [&bash, &openssl, &tz];
        assert_eq!(
            dnf_list(&pins),
            "bash-5.1.8-6.el9.x86_64\nopenssl-libs-1:3.0.7-27.el9.x86_64\ntzdata-2024a-1.el9.noarch\n"
        );
        assert_eq!(
            includepkgs(&pins),
            "includepkgs=bash-5.1.8-6.el9.x86_64 openssl-libs-1:3.0.7-27.el9.x86_64 tzdata-2024a-1.el9.noarch\n"
        );
        assert_eq!(sources(&pins), "bash-5.1.8-6.el9.src.rpm\n");
        let v: serde_json::Value = serde_json::from_str(&pulp_json(&pins)).unwrap();
        assert_eq!(v[1]["epoch"], "1");
        assert_eq!(v[1]["version"], "3.0.7");
        assert_eq!(v[1]["release"], "27.el9");
        assert_eq!(v[2]["arch"], "noarch");
    }
}
