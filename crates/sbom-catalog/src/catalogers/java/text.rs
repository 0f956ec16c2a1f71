//! The small text files read out of archives: `META-INF/MANIFEST.MF` (its main
//! section), `pom.properties` and the licenses of a `pom.xml`.
use super::summary::Pom;
use crate::catalogers::decode;

/// Manifest headers kept in the summary: the ones that identify an archive, its
/// supplier, license and home page (OSGi `Bundle-*`, `Implementation-*`,
/// `Specification-*`, Jenkins plugins' `Group-Id`/`Short-Name`/`Plugin-Version`,
/// Spring Boot's version).
const KEPT_HEADERS: &[&str] = &[
    "Automatic-Module-Name",
    "Bundle-DocURL",
    "Bundle-License",
    "Bundle-Name",
    "Bundle-SymbolicName",
    "Bundle-Vendor",
    "Bundle-Version",
    "Extension-Name",
    "Group-Id",
    "Implementation-Title",
    "Implementation-URL",
    "Implementation-Vendor",
    "Implementation-Vendor-Id",
    "Implementation-Version",
    "Long-Name",
    "Plugin-Version",
    "Short-Name",
    "Specification-Title",
    "Specification-Vendor",
    "Specification-Version",
    "Spring-Boot-Version",
    "Url",
];

/// Longest header value kept (a `Bundle-License` list can be long; more is noise).
const MAX_VALUE: usize = 1024;

/// Whether the bytes appended to `buf` from offset `new` on end the main section. Only
/// they and the 3 bytes before them (a `\r\n\r\n` across the seam) are searched: the
/// caller stops at the first end, so nothing before can hold one, and searching the
/// whole buffer on every piece made a manifest fed in small pieces quadratic.
pub(crate) fn main_section_ends(buf: &[u8], new: usize) -> bool {
    let tail = buf.get(new.saturating_sub(3)..).unwrap_or_default();
    main_section(tail).len() < tail.len()
}

/// The kept headers of a manifest's main section, in file order, continuation lines
/// joined. Headers named twice keep their first value.
pub(crate) fn manifest_headers(data: &[u8]) -> Vec<(String, String)> {
    let text = decode(data);
    let mut out: Vec<(String, String)> = Vec::new();
    let mut current: Option<(String, String)> = None;
    let flush = |cur: &mut Option<(String, String)>, out: &mut Vec<(String, String)>| {
        if let Some((k, v)) = cur.take() {
            let kept = KEPT_HEADERS.iter().find(|h| h.eq_ignore_ascii_case(&k));
            if let Some(name) = kept {
                if !out.iter().any(|(n, _)| n == name) {
                    let v = v.trim();
                    let v: String = v.chars().take(MAX_VALUE).collect();
                    out.push(((*name).to_string(), v));
                }
            }
        }
    };
    // The caller cut the main section off: empty pieces here are `\r\n` halves.
    for line in text.split(['\n', '\r']) {
        if let Some(cont) = line.strip_prefix(' ') {
            if let Some((_, v)) = current.as_mut() {
                if v.len() < MAX_VALUE {
                    v.push_str(cont);
                }
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        flush(&mut current, &mut out);
        current = line
            .split_once(':')
            .map(|(k, v)| (k.trim().to_string(), v.trim_start().to_string()));
    }
    flush(&mut current, &mut out);
    out
}

/// Cuts a manifest at the end of its main section.
pub(crate) fn main_section(data: &[u8]) -> &[u8] {
    let mut i = 0;
    while i < data.len() {
        let rest = data.get(i..).unwrap_or_default();
        for sep in [&b"\r\n\r\n"[..], b"\n\n", b"\r\r"] {
            if rest.starts_with(sep) {
                return data.get(..i).unwrap_or_default();
            }
        }
        i += 1;
    }
    data
}

/// A `pom.properties` (Java properties: `key=value` or `key: value`, `#` and `!`
/// comments); `None` unless groupId, artifactId and version are all there.
pub(crate) fn pom_properties(path: &str, data: &[u8]) -> Option<Pom> {
    let text = decode(data);
    let mut pom = Pom {
        path: path.to_string(),
        ..Pom::default()
    };
    for line in text.lines() {
        let line = line.trim_start();
        if line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let Some(i) = line.find(['=', ':']) else {
            continue;
        };
        let (k, v) = (
            line.get(..i).unwrap_or("").trim(),
            line.get(i + 1..).unwrap_or(""),
        );
        let v = v.trim().to_string();
        match k {
            "groupId" => pom.group = v,
            "artifactId" => pom.artifact = v,
            "version" => pom.version = v,
            _ => {}
        }
    }
    (!pom.group.is_empty() && !pom.artifact.is_empty() && !pom.version.is_empty()).then_some(pom)
}

/// Most licenses kept of one `pom.xml`.
const MAX_LICENSES: usize = 8;

/// The licenses a `pom.xml` declares in `<licenses>`: each license's `<name>`, or its
/// `<url>` when it has no name. Malformed XML gives what was read before the error.
pub(crate) fn pom_licenses(data: &[u8]) -> Vec<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(data);
    let mut path: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let (mut name, mut url) = (None::<String>, None::<String>);
    // Text of the current `name` or `url` (entities arrive as events of their own).
    let mut text = String::new();
    let mut buf = Vec::new();
    while let Ok(ev) = reader.read_event_into(&mut buf) {
        let in_field = path.len() == 4 && is_license_path(&path);
        match ev {
            Event::Start(e) => {
                path.push(e.local_name().as_ref().to_string());
                text.clear();
            }
            Event::End(_) => {
                if in_field {
                    let t = text.trim().to_string();
                    match path.last().map(String::as_str) {
                        Some("name") if !t.is_empty() => name = Some(t),
                        Some("url") if !t.is_empty() => url = Some(t),
                        _ => {}
                    }
                } else if path.len() == 3 && is_license_path(&path) {
                    if let Some(l) = name.take().or(url.take()) {
                        if out.len() < MAX_LICENSES {
                            out.push(l);
                        }
                    }
                    url = None;
                }
                path.pop();
            }
            Event::Text(t) if in_field => text.push_str(&t.xml10_content()),
            Event::CData(t) if in_field => text.push_str(&t.into_inner()),
            Event::GeneralRef(r) if in_field => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => match r.as_ref() {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    },
                };
                text.extend(c);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

/// `project/licenses/license[/...]`.
fn is_license_path(path: &[String]) -> bool {
    matches!(path, [p, ls, l, ..] if p == "project" && ls == "licenses" && l == "license")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_main_section_with_continuations_and_crlf() {
        let m = b"Manifest-Version: 1.0\r\nBundle-SymbolicName: org.apache.geronimo.specs.geronimo-annotation_1.3\r\n _spec;singleton=true\r\nImplementation-Version: 1.3.0\r\nbundle-license: Apache-2.0\r\n\r\nName: org/x/\r\nImplementation-Version: 9.9\r\n";
        let section = main_section(m);
        assert!(main_section_ends(m, 0));
        let h = manifest_headers(section);
        assert_eq!(
            h,
            [
                (
                    "Bundle-SymbolicName".to_string(),
                    "org.apache.geronimo.specs.geronimo-annotation_1.3_spec;singleton=true"
                        .to_string()
                ),
                ("Implementation-Version".into(), "1.3.0".into()),
                ("Bundle-License".into(), "Apache-2.0".into()),
            ]
        );
    }

    #[test]
    fn pom_properties_needs_all_three() {
        let p = pom_properties(
            "META-INF/maven/g/a/pom.properties",
            b"#Generated by Maven\n#Tue Jan 01\nartifactId=commons-lang3\ngroupId=org.apache.commons\nversion=3.12.0\n",
        )
        .unwrap();
        assert_eq!(
            (p.group.as_str(), p.artifact.as_str(), p.version.as_str()),
            ("org.apache.commons", "commons-lang3", "3.12.0")
        );
        assert!(pom_properties("x", b"groupId=g\nartifactId=a\n").is_none());
        assert!(pom_properties("x", b"\xff\xfe garbage").is_none());
    }

    #[test]
    fn pom_xml_licenses_by_name_else_url() {
        let xml = br#"<?xml version="1.0"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <name>x</name>
  <licenses>
    <license><name>Apache License, Version 2.0 &amp; more</name><url>https://www.apache.org/licenses/LICENSE-2.0.txt</url></license>
    <license><url>https://opensource.org/licenses/MIT</url></license>
  </licenses>
  <dependencies><dependency><licenses><license><name>nope</name></license></licenses></dependency></dependencies>
</project>"#;
        assert_eq!(
            pom_licenses(xml),
            [
                "Apache License, Version 2.0 & more",
                "https://opensource.org/licenses/MIT"
            ]
        );
        assert!(pom_licenses(b"<project><licenses><license><name>A").is_empty());
    }

    /// Fuzzing (target `java`) found the whole manifest searched again for its end on
    /// every piece: quadratic, over 1 s for a 5 KB input. Only the new bytes and the
    /// seam before them are searched now.
    #[test]
    fn regression_the_end_of_a_manifest_section_was_searched_from_its_start_on_every_piece() {
        // An end before the seam is not looked at again (the caller stopped there).
        assert!(!main_section_ends(b"A: 1\n\nB: 2\nC: 3", 10));
        // An end across the seam is found, whichever of its bytes are new.
        let m = b"A: 1\r\n\r\nB";
        for new in 4..=7 {
            assert!(main_section_ends(m, new), "new bytes from {new}");
        }
        assert!(!main_section_ends(m, 8));
        assert!(main_section_ends(b"A: 1\n\n", 5));
        assert!(main_section_ends(b"A: 1\r\r", 5));
    }
}
