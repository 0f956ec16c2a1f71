//! One page per image: facts, findings, license violations, layers, every package.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use sbom_model::{Package, RelationshipKind, Sbom};

use crate::audit::{Finding, SEVERITIES};
use crate::html::{bytes, esc, filter_form, severity, short_digest, Nav, Select};
use crate::{ChangeState, Ctx, ImageView};

use super::{base_os, digest, platform, sbom_links};

/// Which package row a finding is about: its bom-ref, else the same name, version and
/// ecosystem (an audit made from another format of the same SBOM).
fn package_index(s: &Sbom, f: &Finding) -> Option<usize> {
    s.packages
        .iter()
        .position(|p| p.id == f.package.bom_ref)
        .or_else(|| {
            s.packages.iter().position(|p| {
                p.ecosystem.as_str() == f.package.ecosystem
                    && p.name == f.package.name
                    && p.version == f.package.version
            })
        })
}

fn facts(ctx: &Ctx<'_>, i: &ImageView<'_>) -> String {
    let s = &i.input.sbom;
    let sub = &s.subject;
    let mut rows: Vec<(&str, String)> = vec![
        ("Reference", esc(&sub.reference)),
        ("Tag", esc(sub.tag.as_deref().unwrap_or(""))),
        (
            "Manifest digest",
            format!("<code>{}</code>", esc(&digest(i.input))),
        ),
        (
            "Config digest",
            format!(
                "<code>{}</code>",
                esc(sub.config_digest.as_deref().unwrap_or(""))
            ),
        ),
        ("Platform", esc(&platform(i.input))),
        ("Base OS", esc(&base_os(s))),
        ("Supplier", esc(sub.supplier.as_deref().unwrap_or(""))),
        (
            "Layer digests checked",
            esc(sub.verification.as_deref().unwrap_or("unknown")),
        ),
        ("Packages", s.packages.len().to_string()),
        ("SBOM files", sbom_links(i.input, "../")),
    ];
    match &i.change {
        ChangeState::NoPrevious => {}
        ChangeState::New => rows.push(("Since previous", "new image".into())),
        ChangeState::Unchanged => rows.push(("Since previous", "unchanged".into())),
        ChangeState::Changed(n) => rows.push((
            "Since previous",
            format!(
                "<a href=\"../changes.html#img-{}\">{n} package change{}</a>",
                i.slug,
                if *n == 1 { "" } else { "s" }
            ),
        )),
    }
    if ctx.audit.is_some() {
        let active = i.findings.iter().filter(|f| f.ignored.is_none()).count();
        rows.push((
            "Vulnerability findings",
            format!("<a href=\"#findings\">{active}</a>"),
        ));
    }
    let mut out = String::from("<dl class=\"facts\">\n");
    for (k, v) in rows {
        let _ = writeln!(out, "<div><dt>{k}</dt><dd>{v}</dd></div>");
    }
    out.push_str("</dl>\n");
    out
}

fn findings(i: &ImageView<'_>) -> String {
    let s = &i.input.sbom;
    let mut list: Vec<&&Finding> = i.findings.iter().collect();
    let rank = |f: &Finding| {
        SEVERITIES
            .iter()
            .position(|s| *s == f.severity)
            .unwrap_or(9)
    };
    list.sort_by(|a, b| {
        (a.ignored.is_some(), rank(a), &a.package.name, &a.id).cmp(&(
            b.ignored.is_some(),
            rank(b),
            &b.package.name,
            &b.id,
        ))
    });
    let active = list.iter().filter(|f| f.ignored.is_none()).count();
    let mut out = format!(
        "<section aria-labelledby=\"findings\">\n<h2 id=\"findings\">Vulnerabilities ({active})</h2>\n"
    );
    if list.is_empty() {
        out.push_str("<p>No known vulnerabilities in this image's packages.</p>\n</section>\n");
        return out;
    }
    out.push_str(
        "<div class=\"scroll\"><table>\n<caption>Findings of the audit, most severe first; \
         ignored ones last</caption>\n<thead><tr><th scope=\"col\">ID</th>\
         <th scope=\"col\">Severity</th><th scope=\"col\" class=\"num\">Score</th>\
         <th scope=\"col\">Package</th><th scope=\"col\">Installed</th>\
         <th scope=\"col\">Fixed in</th><th scope=\"col\">Summary</th></tr></thead>\n<tbody>\n",
    );
    for f in list {
        let pkg = match package_index(s, f) {
            Some(n) => format!("<a href=\"#p{n}\">{}</a>", esc(&f.package.name)),
            None => esc(&f.package.name),
        };
        let id = match f.references.first() {
            Some(r) if r.url.starts_with("https://") || r.url.starts_with("http://") => {
                format!("<a href=\"{}\">{}</a>", esc(&r.url), esc(&f.id))
            }
            _ => esc(&f.id),
        };
        let aliases = if f.aliases.is_empty() {
            String::new()
        } else {
            format!("<br><small>{}</small>", esc(&f.aliases.join(", ")))
        };
        let mut summary = esc(f.summary.as_deref().unwrap_or(""));
        if let Some(ig) = &f.ignored {
            let _ = write!(summary, " <em>(ignored: {})</em>", esc(&ig.reason));
        }
        let score = f
            .rating
            .as_ref()
            .and_then(|r| r.score)
            .map(|s| format!("{s:.1}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{id}{aliases}</th><td>{}</td><td class=\"num\">{score}</td>\
             <td>{pkg}</td><td>{}</td><td>{}</td><td>{summary}</td></tr>",
            severity(f.severity),
            esc(&f.package.version),
            esc(f.fixed.as_deref().unwrap_or("no fix known")),
        );
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    out
}

fn violations(ctx: &Ctx<'_>, i: &ImageView<'_>) -> String {
    if ctx.audit.is_none_or(|a| a.licenses.is_none()) {
        return String::new();
    }
    let mut out = format!(
        "<section aria-labelledby=\"licenses\">\n<h2 id=\"licenses\">License policy violations ({})</h2>\n",
        i.violations.len()
    );
    if i.violations.is_empty() {
        out.push_str("<p>None.</p>\n</section>\n");
        return out;
    }
    out.push_str(
        "<div class=\"scroll\"><table>\n<caption>Packages whose licenses the policy does not \
         allow</caption>\n<thead><tr><th scope=\"col\">Package</th><th scope=\"col\">Version</th>\
         <th scope=\"col\">Licenses</th><th scope=\"col\">Not allowed</th></tr></thead>\n<tbody>\n",
    );
    for v in &i.violations {
        let p = &v.package;
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&p.name),
            esc(&p.version),
            esc(&p.licenses.join(", ")),
            esc(&v.failing.join(", "))
        );
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    out
}

/// The layer a package came with: where it first appeared, else where its metadata is.
fn layer_of(p: &Package) -> Option<&sbom_model::LayerRef> {
    p.introduced_in.as_ref().or(p.layer.as_ref())
}

fn layers(i: &ImageView<'_>) -> String {
    let s = &i.input.sbom;
    let mut introduced: BTreeMap<u32, usize> = BTreeMap::new();
    for p in &s.packages {
        if let Some(l) = layer_of(p) {
            *introduced.entry(l.index).or_default() += 1;
        }
    }
    let details = i
        .input
        .index
        .as_ref()
        .map(|e| e.layer_details.as_slice())
        .unwrap_or_default();
    let mut out = format!(
        "<section aria-labelledby=\"layers\">\n<h2 id=\"layers\">Layers ({})</h2>\n",
        s.subject.layers.len().max(details.len())
    );
    out.push_str(
        "<div class=\"scroll\"><table>\n<caption>Layers bottom first, with the build step that \
         made each (from the image config's history) and the packages it brought</caption>\n\
         <thead><tr><th scope=\"col\" class=\"num\">#</th><th scope=\"col\">Digest</th>\
         <th scope=\"col\" class=\"num\">Size</th><th scope=\"col\">Created by</th>\
         <th scope=\"col\" class=\"num\">Packages introduced</th></tr></thead>\n<tbody>\n",
    );
    let n = s.subject.layers.len().max(details.len());
    for idx in 0..n {
        let from_sbom = s.subject.layers.get(idx);
        let detail = details.get(idx);
        let digest = from_sbom
            .and_then(|l| l.digest.clone())
            .or_else(|| detail.map(|d| d.digest.clone()))
            .unwrap_or_default();
        let diff_id = from_sbom
            .map(|l| l.diff_id.clone())
            .or_else(|| detail.map(|d| d.diff_id.clone()))
            .unwrap_or_default();
        let size = detail
            .and_then(|d| d.size)
            .map(|n| format!("<data value=\"{n}\">{}</data>", bytes(n)))
            .unwrap_or_default();
        let created = detail.and_then(|d| d.created_by.as_deref()).unwrap_or("");
        let count = u32::try_from(idx)
            .ok()
            .and_then(|k| introduced.get(&k))
            .copied()
            .unwrap_or(0);
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\" class=\"num\">{idx}</th><td><code title=\"diffID {}\">{}</code></td>\
             <td class=\"num\">{size}</td><td class=\"cmd\">{}</td><td class=\"num\">{count}</td></tr>",
            esc(&diff_id),
            esc(&short_digest(if digest.is_empty() { &diff_id } else { &digest })),
            esc(created),
        );
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    out
}

/// The OS package that owns each package (`owns` relationships), by package id.
fn owners(s: &Sbom) -> BTreeMap<&str, &str> {
    let names: BTreeMap<&str, &str> = s
        .packages
        .iter()
        .map(|p| (p.id.as_str(), p.name.as_str()))
        .collect();
    s.relationships
        .iter()
        .filter(|r| r.kind == RelationshipKind::Owns)
        .filter_map(|r| Some((r.to.as_str(), *names.get(r.from.as_str())?)))
        .collect()
}

fn package_rows(i: &ImageView<'_>, out: &mut String) {
    let s = &i.input.sbom;
    let owners = owners(s);
    let mut vulns: BTreeMap<usize, usize> = BTreeMap::new();
    for f in i.findings.iter().filter(|f| f.ignored.is_none()) {
        if let Some(n) = package_index(s, f) {
            *vulns.entry(n).or_default() += 1;
        }
    }
    for (n, p) in s.packages.iter().enumerate() {
        let licenses: Vec<&str> = p.licenses.iter().map(sbom_model::License::as_str).collect();
        let layer = layer_of(p);
        let layer_cell = layer
            .map(|l| {
                format!(
                    "#{} <code>{}</code>",
                    l.index,
                    esc(&short_digest(&l.diff_id))
                )
            })
            .unwrap_or_default();
        let location = p
            .metadata_path
            .as_deref()
            .or(p.site_root.as_deref())
            .unwrap_or("");
        let v = vulns.get(&n).copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "<tr id=\"p{n}\" data-eco=\"{}\" data-layer=\"{}\"><th scope=\"row\">{}</th><td>{}</td>\
             <td>{}</td><td>{}</td><td class=\"path\">{}</td><td>{layer_cell}</td><td>{}</td>\
             <td class=\"num\">{}</td></tr>",
            p.ecosystem,
            layer.map(|l| l.index.to_string()).unwrap_or_default(),
            esc(&p.name),
            esc(&p.version),
            p.ecosystem,
            esc(&licenses.join(", ")),
            esc(location),
            esc(owners.get(p.id.as_str()).copied().unwrap_or("")),
            if v > 0 { v.to_string() } else { String::new() },
        );
    }
}

fn packages(ctx: &Ctx<'_>, i: &ImageView<'_>) -> String {
    let s = &i.input.sbom;
    let mut out = format!(
        "<section aria-labelledby=\"packages\">\n<h2 id=\"packages\">Packages ({})</h2>\n",
        s.packages.len()
    );
    let ecos: BTreeSet<sbom_model::Ecosystem> = s.packages.iter().map(|p| p.ecosystem).collect();
    let layer_ids: BTreeSet<u32> = s
        .packages
        .iter()
        .filter_map(layer_of)
        .map(|l| l.index)
        .collect();
    out.push_str(&filter_form(
        "packages",
        "packages",
        "name, version, license, path",
        &[
            Select {
                name: "eco",
                label: "Ecosystem",
                options: ctx
                    .ecosystems
                    .iter()
                    .filter(|e| ecos.contains(e))
                    .map(|e| (e.to_string(), e.to_string()))
                    .collect(),
            },
            Select {
                name: "layer",
                label: "Layer",
                options: layer_ids
                    .iter()
                    .map(|l| (l.to_string(), format!("#{l}")))
                    .collect(),
            },
        ],
    ));
    out.push_str(
        "<div class=\"scroll\"><table data-filter=\"packages\">\n<caption>Every package of the \
         image; the layer is the one that introduced it, the owner the OS package whose files \
         include it</caption>\n<thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Version</th>\
         <th scope=\"col\">Ecosystem</th><th scope=\"col\">License</th>\
         <th scope=\"col\">Location</th><th scope=\"col\">Layer</th><th scope=\"col\">Owner</th>\
         <th scope=\"col\" class=\"num\">Vulns</th></tr></thead>\n<tbody>\n",
    );
    package_rows(i, &mut out);
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    out
}

/// The page of one image (`images/SLUG.html`).
pub fn page(ctx: &Ctx<'_>, i: &ImageView<'_>) -> String {
    let mut body = String::new();
    let _ = writeln!(body, "<h1>Image {}</h1>", esc(&i.key));
    // Sections to jump to (a keyboard user need not Tab through every finding's link).
    body.push_str("<nav class=\"toc\" aria-label=\"On this page\">\n<ul>\n");
    if ctx.audit.is_some() {
        body.push_str("<li><a href=\"#findings\">Vulnerabilities</a></li>\n");
        if ctx.audit.is_some_and(|a| a.licenses.is_some()) {
            body.push_str("<li><a href=\"#licenses\">License violations</a></li>\n");
        }
    }
    body.push_str(
        "<li><a href=\"#layers\">Layers</a></li>\n<li><a href=\"#packages\">Packages</a></li>\n</ul>\n</nav>\n",
    );
    body.push_str(&facts(ctx, i));
    if ctx.audit.is_some() {
        body.push_str(&findings(i));
        body.push_str(&violations(ctx, i));
    }
    body.push_str(&layers(i));
    body.push_str(&packages(ctx, i));
    ctx.frame().page(&i.key, "../", Nav::Image, &body)
}
