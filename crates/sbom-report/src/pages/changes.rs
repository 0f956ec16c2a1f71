//! The change page: what `sbom diff OLD NEW --format markdown` says, as filterable
//! tables. The diff is sbom-diff's ([`sbom_diff::diff_releases`]); the cells are its
//! renderers' (`render::label`, `render::detail`).
use std::collections::BTreeSet;
use std::fmt::Write as _;

use sbom_diff::render::{detail, label};
use sbom_diff::{Change, ChangeKind, ReleaseDiff};

use crate::html::{esc, filter_form, Nav, Select};
use crate::Ctx;

fn image_link(ctx: &Ctx<'_>, key: &str) -> String {
    match ctx.slug_of(key) {
        Some(slug) => format!("<a href=\"images/{slug}.html\">{}</a>", esc(key)),
        None => esc(key),
    }
}

const CHANGE_HEAD: &str =
    "<thead><tr><th scope=\"col\">Change</th><th scope=\"col\">Ecosystem</th>\
     <th scope=\"col\">Package</th><th scope=\"col\">Old</th><th scope=\"col\">New</th>";

/// A change row up to its last cell: kind, ecosystem, package, old and new version.
fn row_start(
    kind: ChangeKind,
    eco: sbom_model::Ecosystem,
    name: &str,
    old: Option<&str>,
    new: Option<&str>,
) -> String {
    format!(
        "<tr data-kind=\"{kind}\" data-eco=\"{eco}\"><td><span class=\"kind kind-{kind}\">{}</span></td>\
         <td>{eco}</td><th scope=\"row\">{}</th><td>{}</td><td>{}</td>",
        label(kind),
        esc(name),
        esc(old.unwrap_or("")),
        esc(new.unwrap_or("")),
    )
}

fn change_row(c: &Change) -> String {
    format!(
        "{}<td>{}</td></tr>\n",
        row_start(
            c.kind,
            c.ecosystem,
            &c.name,
            c.old_version.as_deref(),
            c.new_version.as_deref()
        ),
        esc(&detail(c)),
    )
}

fn images_added_removed(d: &ReleaseDiff, ctx: &Ctx<'_>) -> String {
    if d.images_added.is_empty() && d.images_removed.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<section aria-labelledby=\"images\">\n<h2 id=\"images\">Images</h2>\n\
         <div class=\"scroll\"><table data-filter=\"changes\">\n<caption>Images added or removed\
         </caption>\n<thead><tr><th scope=\"col\">Change</th><th scope=\"col\">Image</th>\
         <th scope=\"col\">Tag</th><th scope=\"col\" class=\"num\">Packages</th></tr></thead>\n<tbody>\n",
    );
    for (kind, list) in [
        (ChangeKind::Added, &d.images_added),
        (ChangeKind::Removed, &d.images_removed),
    ] {
        for i in list {
            let name = if kind == ChangeKind::Added {
                image_link(ctx, &i.key)
            } else {
                esc(&i.key)
            };
            let _ = writeln!(
                out,
                "<tr data-kind=\"{kind}\" data-eco=\"\"><td><span class=\"kind kind-{kind}\">{}</span></td>\
                 <th scope=\"row\">{name}</th><td>{}</td><td class=\"num\">{}</td></tr>",
                label(kind),
                esc(i.tag.as_deref().unwrap_or("")),
                i.packages
            );
        }
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    out
}

fn rollup(d: &ReleaseDiff, ctx: &Ctx<'_>) -> String {
    if d.rollup.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<section aria-labelledby=\"rollup\">\n<h2 id=\"rollup\">Package changes across images \
         ({} distinct)</h2>\n<div class=\"scroll\"><table data-filter=\"changes\">\n<caption>Each \
         change once, with the images it happened in; most widespread first</caption>\n\
         {CHANGE_HEAD}<th scope=\"col\">Images</th></tr></thead>\n<tbody>\n",
        d.rollup.len()
    );
    for r in &d.rollup {
        let images: Vec<String> = r.images.iter().map(|k| image_link(ctx, k)).collect();
        let _ = writeln!(
            out,
            "{}<td><span class=\"n\">{}</span> {}</td></tr>",
            row_start(
                r.kind,
                r.ecosystem,
                &r.name,
                r.old_version.as_deref(),
                r.new_version.as_deref()
            ),
            r.count,
            images.join(", ")
        );
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    out
}

fn per_image(d: &ReleaseDiff, ctx: &Ctx<'_>) -> String {
    let changed: Vec<_> = d.images.iter().filter(|i| !i.diff.is_empty()).collect();
    if changed.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<section aria-labelledby=\"per-image\">\n<h2 id=\"per-image\">Per image</h2>\n",
    );
    for i in changed {
        let slug = ctx.slug_of(&i.key).unwrap_or("");
        let tags = match (&i.diff.old.tag, &i.diff.new.tag) {
            (Some(a), Some(b)) => format!(" <small>({} → {})</small>", esc(a), esc(b)),
            _ => String::new(),
        };
        let _ = write!(
            out,
            "<section id=\"img-{slug}\" data-filter-section=\"changes\" aria-labelledby=\"h-{slug}\">\n\
             <h3 id=\"h-{slug}\">{}{tags}</h3>\n<p>{}</p>\n\
             <div class=\"scroll\"><table data-filter=\"changes\">\n<caption>{} change{} in {}</caption>\n\
             {CHANGE_HEAD}<th scope=\"col\">Detail</th></tr></thead>\n<tbody>\n",
            image_link(ctx, &i.key),
            esc(&i.diff.summary.to_string()),
            i.diff.changes.len(),
            if i.diff.changes.len() == 1 { "" } else { "s" },
            esc(&i.key),
        );
        for c in &i.diff.changes {
            out.push_str(&change_row(c));
        }
        out.push_str("</tbody>\n</table></div>\n</section>\n");
    }
    out.push_str("</section>\n");
    out
}

fn unchanged(d: &ReleaseDiff, ctx: &Ctx<'_>) -> String {
    let list: Vec<String> = d
        .images
        .iter()
        .filter(|i| i.diff.is_empty())
        .map(|i| image_link(ctx, &i.key))
        .collect();
    if list.is_empty() {
        return String::new();
    }
    format!(
        "<section aria-labelledby=\"unchanged\">\n<h2 id=\"unchanged\">Unchanged images ({})</h2>\n\
         <p>{}.</p>\n</section>\n",
        list.len(),
        list.join(", ")
    )
}

fn filters(d: &ReleaseDiff) -> String {
    let mut kinds: BTreeSet<ChangeKind> = d.rollup.iter().map(|r| r.kind).collect();
    if !d.images_added.is_empty() {
        kinds.insert(ChangeKind::Added);
    }
    if !d.images_removed.is_empty() {
        kinds.insert(ChangeKind::Removed);
    }
    let ecos: BTreeSet<sbom_model::Ecosystem> = d.rollup.iter().map(|r| r.ecosystem).collect();
    filter_form(
        "changes",
        "changes",
        "package, version, image",
        &[
            Select {
                name: "kind",
                label: "Change",
                options: kinds
                    .iter()
                    .map(|k| (k.to_string(), label(*k).to_string()))
                    .collect(),
            },
            Select {
                name: "eco",
                label: "Ecosystem",
                options: ecos
                    .iter()
                    .map(|e| (e.to_string(), e.to_string()))
                    .collect(),
            },
        ],
    )
}

/// The change page (`changes.html`).
pub fn page(ctx: &Ctx<'_>, d: &ReleaseDiff) -> String {
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>Release {} → {}</h1>\n<p class=\"summary\"><strong>Summary:</strong> {}</p>\n",
        esc(&d.old),
        esc(&d.new),
        esc(&d.summary.to_string())
    );
    body.push_str(&filters(d));
    body.push_str(&images_added_removed(d, ctx));
    body.push_str(&rollup(d, ctx));
    body.push_str(&per_image(d, ctx));
    body.push_str(&unchanged(d, ctx));
    ctx.frame().page("Changes", "", Nav::Changes, &body)
}
