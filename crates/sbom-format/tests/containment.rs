//! Components inside components (a jar in a Spring Boot fat jar, a war in an ear, a
//! library shaded into a jar): `Contains` between packages in every format, next to a
//! deb that `Owns` the outer archive. CycloneDX nests them (`components[].components`),
//! SPDX says `CONTAINS`; both read back to the same relationships and validate.
mod common;

use std::collections::BTreeSet;

use sbom_format::{read_any, write, Format};
use sbom_model::{Ecosystem, Package, Relationship, RelationshipKind, Sbom};

fn maven(id: &str, name: &str, version: &str, at: &str) -> Package {
    let mut p = Package::new(Ecosystem::Maven, name, version);
    p.id = id.into();
    p.metadata_path = Some(at.into());
    p.supplier = Some("The Apache Software Foundation".into());
    p.layer = Some(common::layer(1));
    p.introduced_in = Some(common::layer(1));
    p
}

fn fixture() -> Sbom {
    let mut deb = Package::new(Ecosystem::Deb, "libapp-java", "1.0-1");
    deb.id = "deb".into();
    deb.supplier = Some("Debian Java Maintainers".into());
    let app = "usr/share/java/app.ear";
    let packages = vec![
        deb,
        maven("ear", "com.example:app", "1.0", app),
        maven("war", "com.example:web", "1.0", &format!("{app}!/web.war")),
        maven(
            "lang3",
            "org.apache.commons:commons-lang3",
            "3.12.0",
            &format!("{app}!/web.war!/WEB-INF/lib/commons-lang3-3.12.0.jar"),
        ),
        maven(
            "shaded",
            "commons-codec:commons-codec",
            "1.15",
            &format!("{app}!/web.war!/WEB-INF/lib/commons-lang3-3.12.0.jar!/META-INF/maven/commons-codec/commons-codec/pom.properties"),
        ),
    ];
    let rel = |from: &str, kind, to: &str| Relationship {
        from: from.into(),
        kind,
        to: to.into(),
    };
    let mut sbom = Sbom {
        packages,
        relationships: vec![
            rel("ear", RelationshipKind::Contains, "war"),
            rel("war", RelationshipKind::Contains, "lang3"),
            rel("lang3", RelationshipKind::Contains, "shaded"),
            rel("deb", RelationshipKind::Owns, "ear"),
            rel("war", RelationshipKind::DependsOn, "lang3"),
        ],
        created: Some("2024-05-01T12:00:00Z".into()),
        ..Sbom::default()
    };
    sbom.subject.name = "app".into();
    sbom.subject.reference = "app".into();
    sbom.subject.supplier = Some("Example".into());
    sbom.finalize();
    sbom
}

/// Package-to-package relationships by package name.
fn edges(s: &Sbom) -> BTreeSet<(String, RelationshipKind, String)> {
    let name = |id: &str| s.package(id).map(|p| p.name.clone());
    s.relationships
        .iter()
        .filter_map(|r| Some((name(&r.from)?, r.kind, name(&r.to)?)))
        .collect()
}

fn out(sbom: &Sbom, name: &str) -> Vec<u8> {
    let f: Format = name.parse().expect("known format");
    write(sbom, &f).expect("writes")
}

#[test]
fn contains_between_packages_round_trips_through_every_format() {
    let sbom = fixture();
    let want = edges(&sbom);
    assert_eq!(want.len(), 5, "{want:?}");
    for name in [
        "json",
        "cyclonedx-json",
        "cyclonedx-json@1.5",
        "cyclonedx-xml",
        "spdx-json",
        "spdx-tag-value",
    ] {
        let back = read_any(&out(&sbom, name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(edges(&back), want, "{name}");
        assert_eq!(back.packages.len(), sbom.packages.len(), "{name}");
    }
}

#[test]
fn cyclonedx_nests_contained_components_and_keeps_them_out_of_dependencies() {
    let v: serde_json::Value =
        serde_json::from_slice(&out(&fixture(), "cyclonedx-json")).expect("json");
    let top: Vec<&str> = v["components"]
        .as_array()
        .expect("components")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    // Maven coordinates: CycloneDX `group` and `name`.
    assert_eq!(top, ["libapp-java", "app"]);
    let ear = &v["components"][1];
    assert_eq!(ear["group"], "com.example");
    let war = &ear["components"][0];
    assert_eq!(
        (&war["group"], &war["name"]),
        (&"com.example".into(), &"web".into())
    );
    let lang3 = &war["components"][0];
    assert_eq!(lang3["group"], "org.apache.commons");
    assert_eq!(lang3["name"], "commons-lang3");
    assert_eq!(
        lang3["components"][0]["purl"],
        "pkg:maven/commons-codec/commons-codec@1.15"
    );
    // Only the real dependency is a package's dependsOn; the subject lists everything.
    let deps = v["dependencies"].as_array().expect("dependencies");
    let of = |r: &str| {
        deps.iter()
            .find(|d| d["ref"] == r)
            .map(|d| d["dependsOn"].as_array().expect("list").len())
    };
    assert_eq!(of(war["bom-ref"].as_str().expect("ref")), Some(1));
    assert_eq!(of(ear["bom-ref"].as_str().expect("ref")), None);
    assert_eq!(
        of(v["metadata"]["component"]["bom-ref"].as_str().expect("ref")),
        Some(5)
    );
}

#[test]
fn spdx_says_contains_without_the_owns_comment() {
    let text = String::from_utf8(out(&fixture(), "spdx-tag-value")).expect("utf-8");
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("Relationship: SPDXRef-Package-maven"))
        .collect();
    assert_eq!(
        lines.iter().filter(|l| l.contains(" CONTAINS ")).count(),
        3,
        "{lines:?}"
    );
}

#[test]
fn nested_components_pass_the_validator() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::write_and_validate(&fixture(), dir.path(), &[]);
}
