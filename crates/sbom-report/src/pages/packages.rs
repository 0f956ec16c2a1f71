//! The package index: every package of the release with the images that hold each of
//! its versions ("which images contain openssl, at which versions?").
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use sbom_model::Ecosystem;

use crate::html::{esc, filter_form, Nav, Select};
use crate::Ctx;

/// Versions in the ecosystem's order. An insertion sort: the version orderings need
/// not be total on odd input, and it never panics (the standard sorts may).
fn sort_versions(eco: Ecosystem, v: &mut [String]) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 {
            let ord = sbom_model::version::compare(eco, &v[j - 1], &v[j])
                .then_with(|| v[j - 1].cmp(&v[j]));
            if ord != Ordering::Greater {
                break;
            }
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// (ecosystem, normalised name) to (shown name, version to image indexes).
type Index = BTreeMap<(Ecosystem, String), (String, BTreeMap<String, BTreeSet<usize>>)>;

fn index(ctx: &Ctx<'_>) -> Index {
    let mut idx: Index = BTreeMap::new();
    for (n, img) in ctx.images.iter().enumerate() {
        for p in &img.input.sbom.packages {
            let e = idx
                .entry((p.ecosystem, p.normalized_name()))
                .or_insert_with(|| (p.name.clone(), BTreeMap::new()));
            e.1.entry(p.version.clone()).or_default().insert(n);
        }
    }
    idx
}

fn link(ctx: &Ctx<'_>, i: usize) -> Option<String> {
    let img = ctx.images.get(i)?;
    Some(format!(
        "<a href=\"images/{}.html\">{}</a>",
        img.slug,
        esc(&img.key)
    ))
}

/// Where a version is: the images holding it, or, when that is more than half of the
/// release, the images that do not (a base package of 150 images is one short cell,
/// not 150 links: the page stays small enough to open at once).
fn where_cell(total: usize, holding: &[usize], link: impl Fn(usize) -> Option<String>) -> String {
    if holding.len() == total && total > 1 {
        return format!("all {total} images");
    }
    if holding.len() * 2 > total && total > 4 {
        let missing: Vec<String> = (0..total)
            .filter(|i| holding.binary_search(i).is_err())
            .filter_map(&link)
            .collect();
        return format!("all but {}: {}", missing.len(), missing.join(", "));
    }
    let links: Vec<String> = holding.iter().filter_map(|i| link(*i)).collect();
    links.join(", ")
}

/// The package index (`packages.html`).
pub fn page(ctx: &Ctx<'_>) -> String {
    let idx = index(ctx);
    let rows: usize = idx.values().map(|(_, v)| v.len()).sum();
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>Package index</h1>\n<p>{} packages in {} versions over {} images. Each row is one \
         version with the images that hold it (or, when that is most of them, the images that \
         do not); a package with several versions has one row each.</p>\n",
        idx.len(),
        rows,
        ctx.images.len()
    );
    body.push_str(&filter_form(
        "index",
        "packages",
        "package name or version",
        &[Select {
            name: "eco",
            label: "Ecosystem",
            options: ctx
                .ecosystems
                .iter()
                .map(|e| (e.to_string(), e.to_string()))
                .collect(),
        }],
    ));
    body.push_str(
        "<div class=\"scroll\"><table data-filter=\"index\" class=\"index\">\n<caption>Packages \
         by ecosystem and name, versions in the ecosystem's order</caption>\n<thead><tr>\
         <th scope=\"col\">Package</th><th scope=\"col\">Ecosystem</th>\
         <th scope=\"col\">Version</th><th scope=\"col\" class=\"num\">Images</th>\
         <th scope=\"col\">In</th></tr></thead>\n<tbody>\n",
    );
    // Ecosystems in display order, then names.
    let mut keys: Vec<&(Ecosystem, String)> = idx.keys().collect();
    keys.sort_by_key(|(e, n)| (Ecosystem::ALL.iter().position(|x| x == e), n.clone()));
    for key in keys {
        let Some((name, versions)) = idx.get(key) else {
            continue;
        };
        let mut vs: Vec<String> = versions.keys().cloned().collect();
        sort_versions(key.0, &mut vs);
        for v in vs {
            let imgs = versions
                .get(&v)
                .map(|s| s.iter().copied().collect::<Vec<_>>());
            let imgs = imgs.unwrap_or_default();
            let cell = where_cell(ctx.images.len(), &imgs, |i| link(ctx, i));
            let _ = writeln!(
                body,
                "<tr data-eco=\"{}\"><th scope=\"row\">{}</th><td>{}</td><td>{}</td>\
                 <td class=\"num\">{}</td><td class=\"where\">{cell}</td></tr>",
                key.0,
                esc(name),
                key.0,
                esc(&v),
                imgs.len(),
            );
        }
    }
    body.push_str("</tbody>\n</table></div>\n");
    ctx.frame().page("Package index", "", Nav::Packages, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn where_names_the_shorter_list() {
        let name = |i: usize| Some(format!("i{i}"));
        assert_eq!(where_cell(6, &[0, 1, 2, 3, 4, 5], name), "all 6 images");
        assert_eq!(where_cell(6, &[0, 2, 3, 5], name), "all but 2: i1, i4");
        assert_eq!(where_cell(6, &[1, 4], name), "i1, i4");
        assert_eq!(where_cell(3, &[0, 2], name), "i0, i2");
        assert_eq!(where_cell(1, &[0], name), "i0");
    }

    #[test]
    fn versions_follow_the_ecosystem_order() {
        let mut v: Vec<String> = ["3.0.11-1~deb12u2", "3.0.9-1", "3.0.11-1"]
            .iter()
            .map(ToString::to_string)
            .collect();
        sort_versions(Ecosystem::Deb, &mut v);
        assert_eq!(v, ["3.0.9-1", "3.0.11-1~deb12u2", "3.0.11-1"]);
    }
}
