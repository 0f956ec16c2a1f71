//! No panic on any input: readers on truncated and type-confused documents, writers
//! on hostile package data (and what they write still validates).
mod common;

use std::path::PathBuf;

use sbom_format::{read_any, write, Format};
use sbom_model::{
    Checksum, Ecosystem, HashAlgorithm, License, Origin, Package, Relationship, RelationshipKind,
    Sbom,
};
use serde_json::Value;

fn documents() -> Vec<(String, Vec<u8>)> {
    let sbom = common::fixture();
    let mut docs: Vec<(String, Vec<u8>)> = ["cyclonedx-json", "spdx-json", "spdx3-json", "json"]
        .iter()
        .map(|f| {
            let format: Format = f.parse().expect("format");
            (f.to_string(), write(&sbom, &format).expect("writes"))
        })
        .collect();
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    for name in [
        "syft.cdx.json",
        "syft.cdx-1.4.json",
        "syft.spdx.json",
        "trivy.cdx.json",
        "trivy.spdx.json",
        "cdxgen.cdx-1.7.json",
        "cdxgen.spdx3.json",
    ] {
        docs.push((
            name.into(),
            std::fs::read(data.join(name)).expect("data file"),
        ));
    }
    docs
}

#[test]
fn truncated_and_garbled_xml_gives_errors_not_panics() {
    let xml = write(
        &common::fixture(),
        &Format::CycloneDxXml {
            version: sbom_format::CdxVersion::V1_6,
        },
    )
    .expect("xml");
    let step = (xml.len() / 300).max(1);
    for cut in (0..xml.len()).step_by(step) {
        assert!(
            read_any(&xml[..cut]).is_err(),
            "cut at {cut} read as a whole document"
        );
    }
    // Flip bytes here and there: any outcome but a panic.
    for i in (0..xml.len()).step_by(step) {
        let mut b = xml.clone();
        b[i] = b"<>&\"\x00\xff/"[i % 7];
        let _ = read_any(&b);
    }
    assert!(read_any(&xml).is_ok());
}

#[test]
fn truncated_and_garbled_tag_value_never_panics() {
    let tv = write(&common::fixture(), &Format::SpdxTagValue).expect("tv");
    let step = (tv.len() / 300).max(1);
    for cut in (0..tv.len()).step_by(step) {
        // A cut at a line end can be a valid, shorter document: any outcome but a panic.
        let _ = read_any(&tv[..cut]);
    }
    for i in (0..tv.len()).step_by(step) {
        let mut b = tv.clone();
        b[i] = b"<>:\n\x00\xff "[i % 7];
        let _ = read_any(&b);
    }
    assert!(read_any(&tv).is_ok());
}

#[test]
fn truncated_documents_give_errors_not_panics() {
    for (name, bytes) in documents() {
        let step = (bytes.len() / 300).max(1);
        let mut errors = 0;
        for cut in (0..bytes.len()).step_by(step) {
            if read_any(&bytes[..cut]).is_err() {
                errors += 1;
            }
        }
        assert!(errors > 0, "{name}: truncation never failed?");
        assert!(read_any(&bytes).is_ok(), "{name}: whole document reads");
    }
}

/// Every node of the document, one at a time, replaced by a value of another type.
fn mutations(v: &Value) -> Vec<Value> {
    fn paths(v: &Value, here: &mut Vec<PathSeg>, out: &mut Vec<Vec<PathSeg>>) {
        out.push(here.clone());
        match v {
            Value::Object(m) => {
                for (k, c) in m {
                    here.push(PathSeg::Key(k.clone()));
                    paths(c, here, out);
                    here.pop();
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate().take(3) {
                    here.push(PathSeg::Index(i));
                    paths(c, here, out);
                    here.pop();
                }
            }
            _ => {}
        }
    }
    let mut all = Vec::new();
    paths(v, &mut Vec::new(), &mut all);
    let replacements = [
        Value::Null,
        Value::from(-1),
        Value::from("\u{0}\u{1}é</text>"),
        Value::Array(vec![Value::Null]),
        Value::Object(serde_json::Map::new()),
    ];
    let mut out = Vec::new();
    for (n, p) in all.iter().enumerate() {
        let mut copy = v.clone();
        if let Some(slot) = get_mut(&mut copy, p) {
            *slot = replacements[n % replacements.len()].clone();
            out.push(copy);
        }
    }
    out
}

#[derive(Clone)]
enum PathSeg {
    Key(String),
    Index(usize),
}

fn get_mut<'a>(v: &'a mut Value, path: &[PathSeg]) -> Option<&'a mut Value> {
    let mut cur = v;
    for seg in path {
        cur = match seg {
            PathSeg::Key(k) => cur.get_mut(k.as_str())?,
            PathSeg::Index(i) => cur.get_mut(*i)?,
        };
    }
    Some(cur)
}

#[test]
fn type_confused_documents_give_errors_or_sboms_not_panics() {
    for (name, bytes) in documents() {
        let v: Value = serde_json::from_slice(&bytes).expect("json");
        let muts = mutations(&v);
        assert!(muts.len() > 20, "{name}");
        for m in muts {
            let b = serde_json::to_vec(&m).expect("json");
            // Either outcome is fine; a panic fails the test.
            if let Ok(s) = read_any(&b) {
                // Whatever we read, we can write again.
                for f in [
                    "cyclonedx-json",
                    "cyclonedx-xml",
                    "spdx-json",
                    "spdx-tag-value",
                    "table",
                ] {
                    write(&s, &f.parse().expect("format")).expect("writes what it read");
                }
            }
        }
    }
}

fn hostile() -> Sbom {
    let mut s = common::fixture();
    let mut p = Package::new(
        Ecosystem::Pypi,
        "we<ird>\n\"name\" (x)&",
        "1.0\t</text>\u{1}",
    );
    p.id = "hostile-1".into();
    p.supplier = Some("Éva <not-an-email> (team) \u{7}".into());
    p.author = Some("</text>\nSPDXID: SPDXRef-DOCUMENT".into());
    p.description = Some("line1\nline2 </text> <text> \u{0}".into());
    p.homepage = Some("not a url".into());
    p.download_url = Some("javascript:alert(1)".into());
    p.licenses = vec![
        License::Named("\n".into()),
        License::Named("(((".into()),
        License::Spdx("LicenseRef-Own".into()),
    ];
    p.checksums = vec![Checksum {
        algorithm: HashAlgorithm::Md5,
        value: "zz".into(),
    }];
    p.origin = Origin::Declared {
        file: "a\nb".into(),
        line: None,
        scope: None,
    };
    p.properties.insert("x y=z".into(), "=\n".into());
    let mut empty = Package::new(Ecosystem::Generic, "", "");
    empty.id = "hostile-2".into();
    let mut binary = Package::new(Ecosystem::Binary, "kubectl", "v1.30.0");
    binary.id = "hostile-3".into();
    binary.download_url = Some("https://dl.k8s.io/release/v1.30.0/bin/linux/amd64/kubectl".into());
    s.packages.extend([p, empty, binary]);
    s.relationships.push(Relationship {
        from: "hostile-1".into(),
        kind: RelationshipKind::DependsOn,
        to: "nowhere".into(),
    });
    s.subject.name = "\u{1}".into();
    s.created = Some("not a time".into());
    s.finalize();
    s
}

#[test]
fn a_creation_time_that_is_not_rfc3339_is_a_typed_error_not_an_invalid_document() {
    let s = hostile();
    for f in [
        "cyclonedx-json",
        "cyclonedx-json@1.5",
        "cyclonedx-json@1.7",
        "cyclonedx-xml",
        "cyclonedx-xml@1.7",
        "spdx-json",
        "spdx-tag-value",
        "spdx3-json",
    ] {
        let format: Format = f.parse().expect("format");
        assert!(
            matches!(write(&s, &format), Err(sbom_format::FormatError::Timestamp(t)) if t == "not a time"),
            "{f}"
        );
    }
    // Formats without a timestamp field still write, and ours keeps the value as it is.
    write(&s, &Format::Table).expect("table");
    let back = read_any(&write(&s, &Format::Json).expect("json")).expect("reads");
    assert_eq!(back, s);
}

#[test]
fn hostile_package_data_with_a_valid_time_validates() {
    let mut s = hostile();
    s.created = Some("2024-05-01T12:00:00Z".into());
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    for f in [
        "cyclonedx-json",
        "cyclonedx-json@1.5",
        "cyclonedx-json@1.7",
        "cyclonedx-xml",
        "cyclonedx-xml@1.7",
        "spdx-json",
        "spdx-tag-value",
        "spdx3-json",
    ] {
        let format: Format = f.parse().expect("format");
        let path = dir.path().join(format!(
            "hostile-{}{}",
            f.replace('@', "-"),
            format.file_suffix()
        ));
        std::fs::write(&path, write(&s, &format).expect("writes")).expect("write");
        files.push(path);
    }
    let out = std::process::Command::new(common::validator())
        .arg("-v")
        .args(&files)
        .output()
        .expect("run validate-sbom");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
}
