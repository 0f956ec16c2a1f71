//! A column-aligned table for people: name, version, type, layer index, and where a
//! Python package lives (its site-packages folder, and the OS package that owns it).
use std::collections::BTreeMap;

use sbom_model::{RelationshipKind, Sbom};

const HEADER: [&str; 5] = ["NAME", "VERSION", "TYPE", "LAYER", "LOCATION"];

/// One row per package, in the document's (sorted) order. Columns are padded to the
/// widest cell, counted in characters; the last column is not padded.
pub fn write(sbom: &Sbom) -> Vec<u8> {
    let names: BTreeMap<&str, &str> = sbom
        .packages
        .iter()
        .map(|p| (p.id.as_str(), p.name.as_str()))
        .collect();
    let owner: BTreeMap<&str, &str> = sbom
        .relationships
        .iter()
        .filter(|r| r.kind == RelationshipKind::Owns)
        .filter_map(|r| names.get(r.from.as_str()).map(|n| (r.to.as_str(), *n)))
        .collect();
    let rows: Vec<[String; 5]> = sbom
        .packages
        .iter()
        .map(|p| {
            [
                p.name.replace(['\n', '\r', '\t'], " "),
                p.version.replace(['\n', '\r', '\t'], " "),
                if p.is_declared() {
                    format!("{} (declared)", p.ecosystem)
                } else {
                    p.ecosystem.to_string()
                },
                p.layer
                    .as_ref()
                    .map(|l| l.index.to_string())
                    .unwrap_or_else(|| "-".into()),
                match (&p.site_root, owner.get(p.id.as_str())) {
                    (Some(root), Some(deb)) => format!("/{root} (owned by {deb})"),
                    (Some(root), None) => format!("/{root}"),
                    // A module, crate or program found in a file: the file.
                    (None, deb) if found_in_file(p) => {
                        let at = p.metadata_path.as_deref().unwrap_or_default();
                        match deb {
                            Some(deb) => format!("/{at} (owned by {deb})"),
                            None => format!("/{at}"),
                        }
                    }
                    (None, _) => "-".into(),
                }
                .replace(['\n', '\r', '\t'], " "),
            ]
        })
        .collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: [&str; 5]| {
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < cells.len() {
                let pad = widths[i] - cell.chars().count() + 2;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    };
    line(HEADER);
    for r in &rows {
        line([&r[0], &r[1], &r[2], &r[3], &r[4]]);
    }
    out.into_bytes()
}

/// Go modules, Rust crates and programs recognised by content: their location is the
/// binary they were found in.
fn found_in_file(p: &sbom_model::Package) -> bool {
    matches!(
        p.ecosystem,
        sbom_model::Ecosystem::Golang
            | sbom_model::Ecosystem::Cargo
            | sbom_model::Ecosystem::Binary
    ) && p.metadata_path.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sbom_model::{Ecosystem, LayerRef, Package};

    #[test]
    fn columns_align_on_the_widest_cell() {
        let mut a = Package::new(Ecosystem::Deb, "libc6", "2.36-9");
        a.layer = Some(LayerRef {
            index: 0,
            diff_id: "sha256:aa".into(),
            digest: None,
        });
        let b = Package::new(Ecosystem::Pypi, "keystone-long-name", "25.0.0");
        let sbom = Sbom {
            packages: vec![a, b],
            ..Sbom::default()
        };
        let text = String::from_utf8(write(&sbom)).expect("utf-8");
        assert_eq!(
            text,
            "NAME                VERSION  TYPE  LAYER  LOCATION\n\
             libc6               2.36-9   deb   0      -\n\
             keystone-long-name  25.0.0   pypi  -      -\n"
        );
    }
}
