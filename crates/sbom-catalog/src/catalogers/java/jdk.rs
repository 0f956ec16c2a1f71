//! A JDK or JRE installation, from the `release` file at its root (`JAVA_VERSION`,
//! `IMPLEMENTOR`, ...): one component for the whole installation, instead of the
//! archives inside it (`lib/jrt-fs.jar`, `lib/src.zip`, `lib/ct.sym`; `jmods/*.jmod`
//! are no zip files from their first byte and never sniffed), which the cataloger
//! leaves out.
use sbom_model::{Ecosystem, Package};

use crate::catalogers::decode;
use crate::CapturedFile;

pub const RUNTIME_VERSION_PROPERTY: &str = "sbom:java:runtime_version";
pub const IMPLEMENTOR_VERSION_PROPERTY: &str = "sbom:java:implementor_version";
pub const IMAGE_TYPE_PROPERTY: &str = "sbom:java:image_type";

/// Whether the path names a `release` file (any folder: JDKs live anywhere).
pub(crate) fn is_release(path: &str) -> bool {
    path == "release" || path.ends_with("/release")
}

/// `KEY="value"` lines of a `release` file.
fn fields(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim().trim_matches('"').trim()))
        .collect()
}

/// The installation a `release` file describes; `None` when it is no JVM's (no
/// `JAVA_VERSION` nor `JAVA_RUNTIME_VERSION`).
pub(crate) fn package(file: &CapturedFile) -> Option<Package> {
    let text = decode(&file.data);
    let f = fields(&text);
    let get = |k: &str| {
        f.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| *v)
            .filter(|v| !v.is_empty())
    };
    let version = get("JAVA_VERSION").or(get("JAVA_RUNTIME_VERSION"))?;
    let implementor = get("IMPLEMENTOR");
    let lower = implementor.unwrap_or("").to_ascii_lowercase();
    // The product, as syft names it (its CPE and purl name).
    let name = if lower.contains("azul") || file.path.contains("zulu") {
        "zulu"
    } else if lower.contains("graalvm") || get("GRAALVM_VERSION").is_some() {
        "graalvm"
    } else {
        "openjdk"
    };
    let mut p = Package::new(Ecosystem::Generic, name, version);
    p.id = format!("java-runtime:{}", file.path);
    p.metadata_path = Some(file.path.clone());
    p.supplier = implementor.map(str::to_string);
    for (key, prop) in [
        ("JAVA_RUNTIME_VERSION", RUNTIME_VERSION_PROPERTY),
        ("IMPLEMENTOR_VERSION", IMPLEMENTOR_VERSION_PROPERTY),
        ("IMAGE_TYPE", IMAGE_TYPE_PROPERTY),
    ] {
        if let Some(v) = get(key) {
            p.properties.insert(prop.to_string(), v.to_string());
        }
    }
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn file(path: &str, body: &str) -> CapturedFile {
        CapturedFile {
            path: path.into(),
            data: Arc::new(body.as_bytes().to_vec()),
            layer: None,
        }
    }

    #[test]
    fn debian_and_temurin_release_files() {
        let deb = package(&file(
            "usr/lib/jvm/java-17-openjdk-amd64/release",
            "IMPLEMENTOR=\"Debian\"\nJAVA_RUNTIME_VERSION=\"17.0.15+6-Debian-1deb12u1\"\nJAVA_VERSION=\"17.0.15\"\nJAVA_VERSION_DATE=\"2025-04-15\"\n",
        ))
        .unwrap();
        assert_eq!(
            (deb.name.as_str(), deb.version.as_str()),
            ("openjdk", "17.0.15")
        );
        assert_eq!(deb.supplier.as_deref(), Some("Debian"));
        assert_eq!(
            deb.properties[RUNTIME_VERSION_PROPERTY],
            "17.0.15+6-Debian-1deb12u1"
        );
        let zulu = package(&file(
            "opt/zulu/release",
            "IMPLEMENTOR=\"Azul Systems, Inc.\"\nJAVA_VERSION=\"21.0.1\"\nIMAGE_TYPE=\"JRE\"\n",
        ))
        .unwrap();
        assert_eq!(zulu.name, "zulu");
        assert_eq!(zulu.properties[IMAGE_TYPE_PROPERTY], "JRE");
        assert!(package(&file("etc/release", "NAME=Something\n")).is_none());
        assert!(is_release("opt/java/openjdk/release") && !is_release("opt/prerelease"));
    }
}
