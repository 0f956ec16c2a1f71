//! The release page: totals, charts, one row per image, the images that failed.
use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::audit::{severity_counts, SEVERITIES};
use crate::chart::{bars, Bar};
use crate::html::{esc, filter_form, short_digest, Nav, Select};
use crate::{ChangeState, Ctx, ImageView};

use super::{base_os, digest, platform, sbom_links};

fn totals(ctx: &Ctx<'_>) -> String {
    let packages: usize = ctx.images.iter().map(|i| i.input.sbom.packages.len()).sum();
    let distinct: BTreeSet<(sbom_model::Ecosystem, String, &str)> = ctx
        .images
        .iter()
        .flat_map(|i| i.input.sbom.packages.iter())
        .map(|p| (p.ecosystem, p.normalized_name(), p.version.as_str()))
        .collect();
    let mut items = vec![
        ("Images", ctx.images.len().to_string()),
        (
            "Images that failed to scan",
            ctx.release.failed.len().to_string(),
        ),
        ("Packages (summed over images)", packages.to_string()),
        ("Distinct packages and versions", distinct.len().to_string()),
    ];
    if let Some(a) = ctx.audit {
        let active = a
            .vulnerabilities
            .iter()
            .flat_map(|v| v.findings.iter())
            .filter(|f| f.ignored.is_none())
            .count();
        items.push(("Vulnerability findings", active.to_string()));
        if let Some(l) = &a.licenses {
            items.push(("License violations", l.violations.len().to_string()));
        }
    }
    if let (Some(d), Some(p)) = (&ctx.diff, ctx.previous) {
        items.push((
            "Images changed since the previous release",
            format!(
                "{} (previous: {})",
                d.summary.images_changed.unwrap_or(0),
                p.name
            ),
        ));
    }
    let mut out = String::from("<dl class=\"totals\">\n");
    for (k, v) in items {
        let _ = writeln!(out, "<div><dt>{k}</dt><dd>{}</dd></div>", esc(&v));
    }
    out.push_str("</dl>\n");
    out
}

fn charts(ctx: &Ctx<'_>) -> String {
    let mut out = String::from("<div class=\"charts\">\n");
    let eco: Vec<Bar> = ctx
        .ecosystems
        .iter()
        .map(|e| Bar {
            label: e.to_string(),
            value: ctx
                .images
                .iter()
                .flat_map(|i| i.input.sbom.packages.iter())
                .filter(|p| p.ecosystem == *e)
                .count(),
            class: "bar-eco".into(),
        })
        .collect();
    out.push_str(&bars("chart-eco", "Packages per ecosystem", &eco));
    if let Some(a) = ctx.audit {
        let counts = severity_counts(a.vulnerabilities.iter().flat_map(|v| v.findings.iter()));
        let sev: Vec<Bar> = SEVERITIES
            .iter()
            .zip(counts)
            .map(|(s, n)| Bar {
                label: s.as_str().to_ascii_lowercase(),
                value: n,
                class: format!("bar-{}", s.as_str().to_ascii_lowercase()),
            })
            .collect();
        out.push_str(&bars(
            "chart-sev",
            "Vulnerability findings per severity",
            &sev,
        ));
    }
    if let Some(d) = &ctx.diff {
        let s = &d.summary;
        let changed = s.images_changed.unwrap_or(0);
        let rows = [
            ("changed", changed),
            ("unchanged", d.images.len().saturating_sub(changed)),
            ("added", s.images_added.unwrap_or(0)),
            ("removed", s.images_removed.unwrap_or(0)),
        ];
        let img: Vec<Bar> = rows
            .iter()
            .map(|(l, n)| Bar {
                label: (*l).to_string(),
                value: *n,
                class: format!("bar-{l}"),
            })
            .collect();
        out.push_str(&bars(
            "chart-changes",
            &format!("Images since {}", d.old),
            &img,
        ));
    }
    out.push_str("</div>\n");
    out
}

fn change_cell(c: &ChangeState) -> (&'static str, String) {
    match c {
        ChangeState::NoPrevious => ("", String::new()),
        ChangeState::New => ("new", "new image".into()),
        ChangeState::Unchanged => ("unchanged", "unchanged".into()),
        ChangeState::Changed(n) => (
            "changed",
            format!("{n} change{}", if *n == 1 { "" } else { "s" }),
        ),
    }
}

fn header(ctx: &Ctx<'_>) -> String {
    let mut out = String::from(
        "<thead><tr><th scope=\"col\">Image</th><th scope=\"col\">Tag</th>\
         <th scope=\"col\">Digest</th><th scope=\"col\">Platform</th>\
         <th scope=\"col\">Base OS</th>",
    );
    for e in &ctx.ecosystems {
        let _ = write!(out, "<th scope=\"col\" class=\"num\">{e}</th>");
    }
    out.push_str("<th scope=\"col\" class=\"num\">Packages</th>");
    if ctx.audit.is_some() {
        for s in SEVERITIES {
            let _ = write!(
                out,
                "<th scope=\"col\" class=\"num\"><abbr title=\"{} findings\">{}</abbr></th>",
                s.as_str().to_ascii_lowercase(),
                &s.as_str()[..1]
            );
        }
        out.push_str("<th scope=\"col\" class=\"num\">License violations</th>");
    }
    if ctx.diff.is_some() {
        out.push_str("<th scope=\"col\">Since previous</th>");
    }
    out.push_str("<th scope=\"col\">SBOM files</th></tr></thead>\n");
    out
}

fn row(ctx: &Ctx<'_>, i: &ImageView<'_>) -> String {
    let s = &i.input.sbom;
    let counts = s.counts();
    let os = base_os(s);
    let d = digest(i.input);
    let (state, change) = change_cell(&i.change);
    let mut out = String::new();
    let _ = write!(
        out,
        "<tr data-os=\"{}\" data-change=\"{state}\"><th scope=\"row\">\
         <a href=\"images/{}.html\">{}</a></th><td>{}</td>\
         <td><code title=\"{}\">{}</code></td><td>{}</td><td>{}</td>",
        esc(&os),
        i.slug,
        esc(&i.key),
        esc(s.subject.tag.as_deref().unwrap_or("")),
        esc(&d),
        esc(&short_digest(&d)),
        esc(&platform(i.input)),
        esc(&os),
    );
    for e in &ctx.ecosystems {
        let n = counts.get(e).copied().unwrap_or(0);
        let _ = write!(out, "<td class=\"num\">{n}</td>");
    }
    let _ = write!(out, "<td class=\"num\">{}</td>", s.packages.len());
    if ctx.audit.is_some() {
        let c = severity_counts(i.findings.iter().copied());
        for (sev, n) in SEVERITIES.iter().zip(c) {
            let class = if n > 0 {
                format!(" sev-{}", sev.as_str().to_ascii_lowercase())
            } else {
                String::new()
            };
            let _ = write!(out, "<td class=\"num{class}\">{n}</td>");
        }
        let _ = write!(out, "<td class=\"num\">{}</td>", i.violations.len());
    }
    if ctx.diff.is_some() {
        let cell = match &i.change {
            ChangeState::Changed(_) => {
                format!(
                    "<a href=\"changes.html#img-{}\">{}</a>",
                    i.slug,
                    esc(&change)
                )
            }
            _ => esc(&change),
        };
        let _ = write!(out, "<td>{cell}</td>");
    }
    let _ = writeln!(out, "<td>{}</td></tr>", sbom_links(i.input, ""));
    out
}

fn failed(ctx: &Ctx<'_>) -> String {
    if ctx.release.failed.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<section aria-labelledby=\"failed\">\n<h2 id=\"failed\">Images that failed to scan</h2>\n\
         <div class=\"scroll\"><table>\n<caption>Images the batch scan could not read \
         (from index.json)</caption>\n<thead><tr><th scope=\"col\">Image</th>\
         <th scope=\"col\">Error</th></tr></thead>\n<tbody>\n",
    );
    for f in &ctx.release.failed {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
            esc(&f.reference),
            esc(f.error.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    out
}

fn images(ctx: &Ctx<'_>) -> String {
    let mut out =
        String::from("<section aria-labelledby=\"images\">\n<h2 id=\"images\">Images</h2>\n");
    let oses: BTreeSet<String> = ctx
        .images
        .iter()
        .map(|i| base_os(&i.input.sbom))
        .filter(|o| !o.is_empty())
        .collect();
    let mut selects = vec![Select {
        name: "os",
        label: "Base OS",
        options: oses.into_iter().map(|o| (o.clone(), o)).collect(),
    }];
    if ctx.diff.is_some() {
        selects.push(Select {
            name: "change",
            label: "Since previous",
            options: ["changed", "unchanged", "new"]
                .iter()
                .map(|s| ((*s).to_string(), (*s).to_string()))
                .collect(),
        });
    }
    out.push_str(&filter_form(
        "images",
        "images",
        "name, tag, digest",
        &selects,
    ));
    let _ = write!(
        out,
        "<div class=\"scroll\"><table class=\"images\" data-filter=\"images\">\n\
         <caption>The {} images of release {}</caption>\n{}<tbody>\n",
        ctx.images.len(),
        esc(&ctx.release.name),
        header(ctx)
    );
    for i in &ctx.images {
        out.push_str(&row(ctx, i));
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    out
}

/// The release page (`index.html`).
pub fn page(ctx: &Ctx<'_>) -> String {
    let mut body = String::new();
    let _ = writeln!(body, "<h1>Release {}</h1>", esc(&ctx.release.name));
    body.push_str("<section aria-labelledby=\"totals\">\n<h2 id=\"totals\">Totals</h2>\n");
    body.push_str(&totals(ctx));
    body.push_str(&charts(ctx));
    body.push_str("</section>\n");
    body.push_str(&images(ctx));
    body.push_str(&failed(ctx));
    ctx.frame().page("Images", "", Nav::Release, &body)
}
