//! From the kept summary of an archive to components: which `pom.properties` is the
//! archive itself (the others are embedded, "shaded", components it contains), else
//! what its manifest says, else its file name (marked as such).
use sbom_model::{Ecosystem, License, Package};

use super::summary::{ArchiveInfo, Pom};

/// How a component was identified: `pom.properties`, `manifest` or `file_name` (the
/// last resort: name and version read off the file name).
pub const IDENTIFIED_BY_PROPERTY: &str = "sbom:java:identified_by";

/// Where archive `a` of the file at `file` is: `file` or `file!/inner!/path`.
pub(crate) fn location(file: &str, a: &ArchiveInfo) -> String {
    if a.path.is_empty() {
        file.to_string()
    } else {
        format!("{file}!/{}", a.path)
    }
}

/// The components archive `a` (at `loc`) stands for: itself, then every embedded
/// `pom.properties` that is not its own. `full`: with licenses and supplier.
pub(crate) fn packages(loc: &str, a: &ArchiveInfo, full: bool) -> Vec<Package> {
    let file_name = loc.rsplit(['/', '\\']).next().unwrap_or(loc);
    let stem = file_name.rsplit_once('.').map_or(file_name, |(s, _)| s);
    let (fname, fver) = split_name_version(stem);
    let own = own_pom(a, fname, fver);
    let mut out = Vec::new();
    let mut me = match own.and_then(|i| a.poms.get(i)) {
        Some(p) => from_pom(p, a, full),
        None => from_manifest(a, fname, fver),
    };
    me.id = format!("java:{loc}");
    me.metadata_path = Some(loc.to_string());
    if full {
        if me.licenses.is_empty() {
            me.licenses = bundle_licenses(a);
        }
        me.supplier = [
            "Implementation-Vendor",
            "Bundle-Vendor",
            "Specification-Vendor",
        ]
        .iter()
        .find_map(|h| a.header(h))
        .map(|v| v.trim().to_string());
        me.homepage = ["Bundle-DocURL", "Implementation-URL", "Url"]
            .iter()
            .filter_map(|h| a.header(h))
            .map(str::trim)
            .find(|u| u.starts_with("https://") || u.starts_with("http://"))
            .map(str::to_string);
    }
    out.push(me);
    for (i, p) in a.poms.iter().enumerate() {
        if Some(i) == own {
            continue;
        }
        let mut q = from_pom(p, a, full);
        let at = format!("{loc}!/{}", p.path);
        q.id = format!("java:{at}");
        q.metadata_path = Some(at);
        out.push(q);
    }
    out
}

fn from_pom(p: &Pom, a: &ArchiveInfo, full: bool) -> Package {
    let mut pkg = Package::new(
        Ecosystem::Maven,
        format!("{}:{}", p.group.trim(), p.artifact.trim()),
        p.version.trim(),
    );
    pkg.properties
        .insert(IDENTIFIED_BY_PROPERTY.into(), "pom.properties".into());
    if full {
        let folder = p.folder();
        pkg.licenses = a
            .pom_licenses
            .iter()
            .filter(|(d, _)| d == folder)
            .flat_map(|(_, l)| l.iter())
            .filter_map(|l| license(l))
            .collect();
        pkg.licenses.dedup();
    }
    pkg
}

/// Identity from the manifest (Jenkins plugins' own headers first), the file name
/// filling what it does not say. Without a group the component is `generic`.
fn from_manifest(a: &ArchiveInfo, fname: &str, fver: Option<&str>) -> Package {
    let h = |n: &str| a.header(n).map(str::trim);
    let plain = |v: &&str| !v.is_empty() && !v.contains(char::is_whitespace);
    let bsn = h("Bundle-SymbolicName").map(|b| b.split(';').next().unwrap_or(b).trim());
    let artifact = h("Short-Name")
        .filter(plain)
        .or(Some(fname).filter(plain))
        .or(h("Implementation-Title").filter(plain))
        .or(bsn.and_then(|b| b.rsplit('.').next()).filter(plain))
        .unwrap_or(fname)
        .to_string();
    let dotted = |v: &&str| plain(v) && v.contains('.');
    let group = h("Group-Id")
        .filter(plain)
        .or(h("Implementation-Vendor-Id").filter(dotted))
        .or(h("Extension-Name").filter(dotted))
        .map(str::to_string)
        .or_else(|| group_from_symbolic_name(bsn?, &artifact));
    // `4.10.4 ${svnversion} - buildd - ...` (Lucene as Debian builds it) is 4.10.4.
    let first = |v: &str| -> Option<String> {
        let t = v.split_whitespace().next()?;
        (plain(&t) && (t == v || t.starts_with(|c: char| c.is_ascii_digit())))
            .then(|| t.to_string())
    };
    let version = ["Plugin-Version", "Implementation-Version", "Bundle-Version"]
        .iter()
        .find_map(|k| h(k).and_then(first));
    let by = if group.is_some() || version.is_some() {
        "manifest"
    } else {
        "file_name"
    };
    let version = version
        .or_else(|| fver.map(str::to_string))
        .or_else(|| h("Specification-Version").filter(plain).map(str::to_string))
        .unwrap_or_default();
    // Maven coordinates need a group; without one (nothing names it) the archive is
    // reported under its own name with a generic purl, not under a guessed group.
    let mut pkg = match group {
        Some(g) => Package::new(Ecosystem::Maven, format!("{g}:{artifact}"), version),
        None => Package::new(Ecosystem::Generic, artifact, version),
    };
    pkg.properties
        .insert(IDENTIFIED_BY_PROPERTY.into(), by.into());
    pkg
}

/// `org.apache.commons.lang3` for `commons-lang3` gives `org.apache.commons` (the
/// last segment repeats the artifact); `com.google.inject` for `guice` stays whole.
fn group_from_symbolic_name(bsn: &str, artifact: &str) -> Option<String> {
    if !bsn.contains('.') {
        return None;
    }
    let (head, last) = bsn.rsplit_once('.')?;
    let (a, l) = (without_digits(&norm(artifact)), without_digits(&norm(last)));
    if !l.is_empty() && a.ends_with(&l) {
        Some(head.to_string())
    } else {
        Some(bsn.to_string())
    }
}

/// Lower-case letters and digits only.
fn norm(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn without_digits(s: &str) -> String {
    s.chars().filter(|c| !c.is_ascii_digit()).collect()
}

/// `name-1.2.3` → (`name`, `1.2.3`): split at the last `-` followed by a digit.
pub(crate) fn split_name_version(stem: &str) -> (&str, Option<&str>) {
    let b = stem.as_bytes();
    let cut = (1..b.len())
        .rev()
        .find(|&i| b.get(i - 1) == Some(&b'-') && b.get(i).is_some_and(u8::is_ascii_digit));
    match cut {
        Some(i) if i >= 2 => (
            stem.get(..i - 1).unwrap_or(stem),
            stem.get(i..).filter(|v| !v.is_empty()),
        ),
        _ => (stem, None),
    }
}

/// How well `p` names the archive, by its file name and manifest: 0 when neither
/// names it; the version agreeing adds to a name match.
fn score(p: &Pom, a: &ArchiveInfo, fname: &str, fver: Option<&str>) -> u32 {
    let art = norm(&p.artifact);
    if art.is_empty() {
        return 0;
    }
    let mut name = 0;
    let f = norm(fname);
    if f == art {
        name = 4;
    } else if (f.len() >= 3 && (f.contains(&art) || art.contains(&f)))
        || (!f.is_empty() && without_digits(&f) == without_digits(&art))
    {
        name = 2;
    }
    let bsn = a
        .header("Bundle-SymbolicName")
        .map(|b| norm(b.split(';').next().unwrap_or(b)));
    if let Some(b) = bsn {
        if b == art || b == norm(&format!("{}{}", p.group, p.artifact)) || b.ends_with(&art) {
            name = name.max(3);
        }
    }
    for h in [
        "Implementation-Title",
        "Bundle-Name",
        "Automatic-Module-Name",
        "Short-Name",
    ] {
        if a.header(h).is_some_and(|v| {
            let v = norm(v);
            v == art || v.ends_with(&art)
        }) {
            name = name.max(2);
        }
    }
    if name == 0 {
        return 0;
    }
    let version = ["Implementation-Version", "Bundle-Version", "Plugin-Version"]
        .iter()
        .filter_map(|h| a.header(h))
        .map(str::trim)
        .chain(fver)
        .any(|v| v == p.version.trim());
    name + if version { 2 } else { 0 }
}

/// Whether the file name or manifest names something other than the lone `p` (which
/// matched neither by name): a file name with another version, or a naming header.
fn contradicted(p: &Pom, a: &ArchiveInfo, fver: Option<&str>) -> bool {
    if fver.is_some_and(|v| v != p.version.trim()) {
        return true;
    }
    [
        "Bundle-SymbolicName",
        "Implementation-Title",
        "Automatic-Module-Name",
        "Short-Name",
    ]
    .iter()
    .any(|h| a.header(h).is_some())
}

/// Which of the archive's `pom.properties` describes the archive itself: the best
/// match of its file name and manifest, else the only one when nothing contradicts it.
fn own_pom(a: &ArchiveInfo, fname: &str, fver: Option<&str>) -> Option<usize> {
    let best = a
        .poms
        .iter()
        .enumerate()
        .map(|(i, p)| (score(p, a, fname, fver), i))
        .filter(|(s, _)| *s > 0)
        .max_by(|(s1, i1), (s2, i2)| s1.cmp(s2).then(i2.cmp(i1)));
    if let Some((_, i)) = best {
        return Some(i);
    }
    match a.poms.as_slice() {
        [only] if !contradicted(only, a, fver) => Some(0),
        _ => None,
    }
}

/// OSGi `Bundle-License`: comma-separated clauses `name;link=...;description=...`;
/// `<<EXTERNAL>>` says nothing.
fn bundle_licenses(a: &ArchiveInfo) -> Vec<License> {
    let Some(v) = a.header("Bundle-License") else {
        return Vec::new();
    };
    let mut out: Vec<License> = Vec::new();
    let mut quoted = false;
    let mut clause = String::new();
    let mut clauses = Vec::new();
    for c in v.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => clauses.push(std::mem::take(&mut clause)),
            _ => clause.push(c),
        }
    }
    clauses.push(clause);
    for c in clauses {
        let name = c.split(';').next().unwrap_or("").trim();
        if name.is_empty() || name == "<<EXTERNAL>>" {
            continue;
        }
        if let Some(l) = license(name) {
            if !out.contains(&l) {
                out.push(l);
            }
        }
    }
    out
}

/// Well-known license URLs (scheme, `www.`, a trailing `/` and `.txt`/`.html`/`.php`
/// removed, lower case) and their SPDX ids.
const LICENSE_URLS: &[(&str, &str)] = &[
    ("apache.org/licenses/license-2.0", "Apache-2.0"),
    ("opensource.org/licenses/apache-2.0", "Apache-2.0"),
    ("opensource.org/licenses/mit", "MIT"),
    ("opensource.org/licenses/mit-license", "MIT"),
    ("opensource.org/licenses/bsd-3-clause", "BSD-3-Clause"),
    ("opensource.org/licenses/bsd-2-clause", "BSD-2-Clause"),
    ("eclipse.org/legal/epl-v10", "EPL-1.0"),
    ("eclipse.org/legal/epl-v20", "EPL-2.0"),
    ("eclipse.org/legal/epl-2.0", "EPL-2.0"),
    ("eclipse.org/org/documents/edl-v10", "BSD-3-Clause"),
    ("gnu.org/licenses/old-licenses/lgpl-2.1", "LGPL-2.1-only"),
    ("gnu.org/licenses/old-licenses/gpl-2.0", "GPL-2.0-only"),
    ("gnu.org/licenses/lgpl-2.1", "LGPL-2.1-only"),
    ("gnu.org/licenses/lgpl-3.0", "LGPL-3.0-only"),
    ("gnu.org/licenses/gpl-3.0", "GPL-3.0-only"),
    ("mozilla.org/mpl/2.0", "MPL-2.0"),
    ("creativecommons.org/publicdomain/zero/1.0", "CC0-1.0"),
];

/// A declared license: a known URL as its SPDX id, else as declared.
pub(crate) fn license(text: &str) -> Option<License> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    if let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    {
        let mut key = rest
            .strip_prefix("www.")
            .unwrap_or(rest)
            .trim_end_matches('/');
        for ext in [".txt", ".html", ".php"] {
            key = key.strip_suffix(ext).unwrap_or(key);
        }
        if let Some((_, id)) = LICENSE_URLS.iter().find(|(u, _)| *u == key) {
            return Some(License::Spdx((*id).to_string()));
        }
    }
    License::from_declared(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pom(g: &str, a: &str, v: &str) -> Pom {
        Pom {
            path: format!("META-INF/maven/{g}/{a}/pom.properties"),
            group: g.into(),
            artifact: a.into(),
            version: v.into(),
        }
    }

    fn archive(manifest: &[(&str, &str)], poms: Vec<Pom>) -> ArchiveInfo {
        ArchiveInfo {
            path: String::new(),
            manifest: manifest
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            poms,
            pom_licenses: Vec::new(),
        }
    }

    fn ids(pkgs: &[Package]) -> Vec<(String, String, String)> {
        pkgs.iter()
            .map(|p| {
                (
                    p.name.clone(),
                    p.version.clone(),
                    p.properties[IDENTIFIED_BY_PROPERTY].clone(),
                )
            })
            .collect()
    }

    #[test]
    fn file_names_split_at_the_last_dash_before_a_digit() {
        for (stem, name, version) in [
            ("commons-lang3-3.12.0", "commons-lang3", Some("3.12.0")),
            ("log4j-1.2-api-2.19.0", "log4j-1.2-api", Some("2.19.0")),
            ("guava-31.1-jre", "guava", Some("31.1-jre")),
            ("plexus-utils2", "plexus-utils2", None),
            ("jsr305-0.1~+svn49", "jsr305", Some("0.1~+svn49")),
            ("-1.0", "-1.0", None),
            ("x-", "x-", None),
        ] {
            assert_eq!(split_name_version(stem), (name, version), "{stem}");
        }
    }

    #[test]
    fn the_pom_matching_the_file_name_is_the_jar_the_others_are_embedded() {
        // Debian's wagon-http-shaded: its own pom and three shaded ones.
        let a = archive(
            &[],
            vec![
                pom("commons-codec", "commons-codec", "1.15"),
                pom("org.apache.httpcomponents", "httpclient", "4.5.14"),
                pom("org.apache.maven.wagon", "wagon-http", "3.5.3"),
            ],
        );
        let got = ids(&packages(
            "usr/share/java/wagon-http-shaded-3.5.3.jar",
            &a,
            true,
        ));
        assert_eq!(got[0].0, "org.apache.maven.wagon:wagon-http");
        assert_eq!(got.len(), 3);
        assert!(got.iter().all(|g| g.2 == "pom.properties"));
    }

    #[test]
    fn a_lone_shaded_pom_that_the_manifest_contradicts_is_not_the_jar() {
        // Debian's guice.jar: cglib shaded inside, guice itself only in the manifest.
        let a = archive(
            &[
                ("Bundle-SymbolicName", "com.google.inject"),
                ("Bundle-Name", "guice"),
                ("Bundle-Version", "4.2.3"),
                (
                    "Bundle-License",
                    "http://www.apache.org/licenses/LICENSE-2.0.txt",
                ),
            ],
            vec![pom("cglib", "cglib", "3.3.0")],
        );
        let pkgs = packages("usr/share/java/guice.jar", &a, true);
        assert_eq!(
            ids(&pkgs),
            [
                (
                    "com.google.inject:guice".to_string(),
                    "4.2.3".to_string(),
                    "manifest".to_string()
                ),
                (
                    "cglib:cglib".into(),
                    "3.3.0".into(),
                    "pom.properties".into()
                ),
            ]
        );
        assert_eq!(pkgs[0].licenses, [License::Spdx("Apache-2.0".into())]);
        assert_eq!(
            pkgs[1].metadata_path.as_deref(),
            Some("usr/share/java/guice.jar!/META-INF/maven/cglib/cglib/pom.properties")
        );
    }

    #[test]
    fn a_lone_pom_in_a_renamed_jar_is_the_jar() {
        let a = archive(&[], vec![pom("com.example", "shop", "1.0.0")]);
        assert_eq!(
            ids(&packages("app/app.jar", &a, false))[0].0,
            "com.example:shop"
        );
    }

    #[test]
    fn versions_break_ties_between_name_matches() {
        // Debian's maven3-slf4j-provider: its own pom and the shaded slf4j-simple.
        let a = archive(
            &[
                ("Implementation-Title", "Maven SLF4J Simple Provider"),
                ("Implementation-Version", "3.8.7"),
            ],
            vec![
                pom("org.apache.maven", "maven-slf4j-provider", "3.8.7"),
                pom("org.slf4j", "slf4j-simple", "1.7.32"),
            ],
        );
        let got = ids(&packages(
            "usr/share/java/maven3-slf4j-provider.jar",
            &a,
            false,
        ));
        assert_eq!(got[0].0, "org.apache.maven:maven-slf4j-provider");
        assert_eq!(got[1].0, "org.slf4j:slf4j-simple");
    }

    #[test]
    fn manifest_then_file_name_as_the_last_resort() {
        let a = archive(
            &[
                ("Bundle-SymbolicName", "org.apache.commons.lang3"),
                ("Implementation-Version", "3.12.0"),
                ("Implementation-Vendor", "The Apache Software Foundation"),
            ],
            vec![],
        );
        let p = packages("x/commons-lang3.jar", &a, true);
        assert_eq!(
            ids(&p),
            [(
                "org.apache.commons:commons-lang3".to_string(),
                "3.12.0".to_string(),
                "manifest".to_string()
            )]
        );
        assert_eq!(
            p[0].supplier.as_deref(),
            Some("The Apache Software Foundation")
        );
        let bare = archive(&[], vec![]);
        let jsr = packages("a.war!/WEB-INF/lib/jsr305-0.1~+svn49.jar", &bare, true);
        assert_eq!(jsr[0].ecosystem, Ecosystem::Generic);
        assert_eq!(
            ids(&packages(
                "a.war!/WEB-INF/lib/jsr305-0.1~+svn49.jar",
                &bare,
                true
            )),
            [(
                "jsr305".to_string(),
                "0.1~+svn49".to_string(),
                "file_name".to_string()
            )]
        );
        let lucene = archive(
            &[
                ("Extension-Name", "org.apache.lucene"),
                ("Implementation-Title", "org.apache.lucene"),
                (
                    "Implementation-Version",
                    "4.10.4 ${svnversion} - buildd - 1969-12-31",
                ),
            ],
            vec![],
        );
        assert_eq!(
            ids(&packages(
                "usr/share/java/lucene-queryparser-4.10.4.jar",
                &lucene,
                false
            )),
            [(
                "org.apache.lucene:lucene-queryparser".to_string(),
                "4.10.4".to_string(),
                "manifest".to_string()
            )]
        );
        let jenkins = archive(
            &[
                ("Group-Id", "org.jenkins-ci.plugins"),
                ("Short-Name", "git"),
                ("Plugin-Version", "5.2.1"),
            ],
            vec![],
        );
        assert_eq!(
            ids(&packages(
                "var/jenkins_home/plugins/git.jpi",
                &jenkins,
                false
            ))[0]
                .0,
            "org.jenkins-ci.plugins:git"
        );
    }

    #[test]
    fn license_urls_and_bundle_license_lists() {
        assert_eq!(
            license("https://www.eclipse.org/legal/epl-v20.html"),
            Some(License::Spdx("EPL-2.0".into()))
        );
        assert_eq!(
            license("Apache License, Version 2.0"),
            Some(License::Spdx("Apache-2.0".into()))
        );
        let a = archive(
            &[(
                "Bundle-License",
                "\"Apache-2.0\";link=\"https://www.apache.org/licenses/LICENSE-2.0\",MIT,<<EXTERNAL>>",
            )],
            vec![],
        );
        assert_eq!(
            bundle_licenses(&a),
            [
                License::Spdx("Apache-2.0".into()),
                License::Spdx("MIT".into())
            ]
        );
    }
}
