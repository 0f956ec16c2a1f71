//! A column-aligned table for people: name, version, type, the layer that introduced the
//! package and the command that made that layer (as `docker history` shows it), and
//! where the package lives (a Python site, the file a binary or archive package was
//! found in) with the OS package that owns it. The layer whose metadata file won the
//! squash stays in `-o json` and the properties.
use std::collections::BTreeMap;

use sbom_model::{Package, RelationshipKind, Sbom};

const HEADER: [&str; 6] = ["NAME", "VERSION", "TYPE", "LAYER", "CREATED BY", "LOCATION"];

/// Longest `created_by` shown (docker history cuts at 45).
const CREATED_BY_WIDTH: usize = 40;

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
    let rows: Vec<[String; 6]> = sbom
        .packages
        .iter()
        .map(|p| {
            let layer = p.introduced_in.as_ref().or(p.layer.as_ref());
            [
                p.name.clone(),
                p.version.clone(),
                if p.is_declared() {
                    format!("{} (declared)", p.ecosystem)
                } else {
                    p.ecosystem.to_string()
                },
                layer.map_or_else(|| "-".into(), |l| l.index.to_string()),
                layer
                    .and_then(|l| sbom.subject.created_by.get(&l.index))
                    .map_or_else(|| "-".into(), |c| short_created_by(c)),
                location(p, owner.get(p.id.as_str()).copied()),
            ]
            .map(|cell| cell.replace(['\n', '\r', '\t'], " "))
        })
        .collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: [&str; 6]| {
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
        line([&r[0], &r[1], &r[2], &r[3], &r[4], &r[5]]);
    }
    out.into_bytes()
}

/// Where a package lives: a Python site, or the file a package found inside files came
/// from (binaries, archives, manifests); OS packages live in their database (`-`).
fn location(p: &Package, owner: Option<&str>) -> String {
    let place = match (&p.site_root, &p.metadata_path) {
        (Some(root), _) => Some(format!("/{root}")),
        (None, Some(m)) if !p.ecosystem.is_os() && !p.is_declared() => Some(format!("/{m}")),
        _ => None,
    };
    match (place, owner) {
        (Some(at), Some(os)) => format!("{at} (owned by {os})"),
        (Some(at), None) => at,
        (None, _) => "-".into(),
    }
}

/// A layer's `created_by` as people read it: the shell wrapper and BuildKit's marker
/// dropped, runs of spaces folded, cut to [`CREATED_BY_WIDTH`] characters.
pub fn short_created_by(c: &str) -> String {
    let mut s = c.trim();
    if let Some(rest) = s.strip_prefix("/bin/sh -c #(nop)") {
        s = rest.trim();
    } else if let Some(rest) = s
        .strip_prefix("RUN /bin/sh -c ")
        .or_else(|| s.strip_prefix("/bin/sh -c "))
    {
        s = rest.trim();
        let folded: String = format!("RUN {s}");
        return cut(&fold(folded.trim_end_matches("# buildkit").trim()));
    }
    cut(&fold(s.trim_end_matches("# buildkit").trim()))
}

fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn cut(s: &str) -> String {
    if s.chars().count() <= CREATED_BY_WIDTH {
        return s.to_string();
    }
    let mut out: String = s.chars().take(CREATED_BY_WIDTH - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sbom_model::{Ecosystem, LayerRef, Relationship};

    fn layer(i: u32) -> Option<LayerRef> {
        Some(LayerRef {
            index: i,
            diff_id: format!("sha256:{i}"),
            digest: None,
        })
    }

    #[test]
    fn columns_align_on_the_widest_cell() {
        let mut a = Package::new(Ecosystem::Deb, "libc6", "2.36-9");
        a.layer = layer(0);
        let b = Package::new(Ecosystem::Pypi, "keystone-long-name", "25.0.0");
        let sbom = Sbom {
            packages: vec![a, b],
            ..Sbom::default()
        };
        let text = String::from_utf8(write(&sbom)).expect("utf-8");
        assert_eq!(
            text,
            "NAME                VERSION  TYPE  LAYER  CREATED BY  LOCATION\n\
             libc6               2.36-9   deb   0      -           -\n\
             keystone-long-name  25.0.0   pypi  -      -           -\n"
        );
    }

    #[test]
    fn regression_the_layer_column_is_the_layer_that_introduced_the_package() {
        // dpkg's status file was last rewritten in layer 3; curl came in layer 1.
        let mut curl = Package::new(Ecosystem::Deb, "curl", "7.88");
        curl.layer = layer(3);
        curl.introduced_in = layer(1);
        let mut app = Package::new(Ecosystem::Golang, "github.com/x/app", "v1.0.0");
        app.id = "app".into();
        app.metadata_path = Some("usr/bin/app".into());
        app.introduced_in = layer(2);
        let mut deb = Package::new(Ecosystem::Deb, "app-bin", "1");
        deb.id = "deb".into();
        let mut sbom = Sbom {
            packages: vec![curl, app, deb],
            relationships: vec![Relationship {
                from: "deb".into(),
                kind: RelationshipKind::Owns,
                to: "app".into(),
            }],
            ..Sbom::default()
        };
        sbom.subject.created_by.insert(
            1,
            "RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends curl ca-certificates # buildkit".into(),
        );
        sbom.subject
            .created_by
            .insert(2, "/bin/sh -c #(nop) COPY file:abc in /usr/bin/app ".into());
        let text = String::from_utf8(write(&sbom)).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].starts_with("curl"), "{text}");
        assert!(
            lines[1].contains(" 1      RUN apt-get update && apt-get install -…"),
            "{text}"
        );
        assert!(lines[2].contains("COPY file:abc in /usr/bin/app"), "{text}");
        assert!(
            lines[2].ends_with("/usr/bin/app (owned by app-bin)"),
            "{text}"
        );
    }
}
