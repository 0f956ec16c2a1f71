//! Markdown for release notes: summary first, then detail in `<details>` blocks.
use std::fmt::Write as _;

use super::{detail, label, versions};
use crate::change::{Change, SbomDiff};
use crate::release::ReleaseDiff;

/// Input-derived text as an inline code span that is safe inside a table cell.
fn code(s: &str) -> String {
    if s.is_empty() {
        return String::new();
    }
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .replace('|', "\\|");
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

/// Input-derived text as plain Markdown text (inline HTML and emphasis neutralised).
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '&' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn change_table(out: &mut String, changes: &[Change]) {
    out.push_str("| Change | Ecosystem | Package | Old | New | Detail |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for c in changes {
        let (o, n) = versions(c);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            label(c.kind),
            c.ecosystem,
            code(&c.name),
            code(&o),
            code(&n),
            text(&detail(c)),
        );
    }
}

fn details(out: &mut String, title: &str, body: impl FnOnce(&mut String)) {
    let _ = writeln!(out, "<details><summary>{title}</summary>\n");
    body(out);
    out.push_str("\n</details>\n");
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Markdown form of an SBOM diff.
pub(super) fn sbom(d: &SbomDiff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "**Summary:** {}\n", d.summary);
    let _ = writeln!(
        out,
        "## {} → {}\n",
        code(&d.old.label()),
        code(&d.new.label())
    );
    if d.changes.is_empty() {
        let _ = writeln!(out, "No changes ({} packages unchanged).", d.unchanged);
        return out;
    }
    details(
        &mut out,
        &plural(d.changes.len(), "change", "changes"),
        |o| change_table(o, &d.changes),
    );
    out
}

/// Markdown form of a release diff.
pub(super) fn release(d: &ReleaseDiff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "**Summary:** {}\n", d.summary);
    let _ = writeln!(out, "# Release {} → {}\n", text(&d.old), text(&d.new));
    if !d.images_added.is_empty() || !d.images_removed.is_empty() {
        out.push_str("## Images\n\n");
        for (title, list) in [("Added", &d.images_added), ("Removed", &d.images_removed)] {
            for i in list {
                let tag = i
                    .tag
                    .as_deref()
                    .map(|t| format!(" {}", code(t)))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "- {title}: {}{tag} ({})",
                    code(&i.key),
                    plural(i.packages, "package", "packages")
                );
            }
        }
        out.push('\n');
    }
    if !d.rollup.is_empty() {
        out.push_str("## Package changes across images\n\n");
        let title = plural(d.rollup.len(), "distinct change", "distinct changes");
        details(&mut out, &title, |o| {
            o.push_str("| Change | Ecosystem | Package | Old | New | Images |\n");
            o.push_str("|---|---|---|---|---|---|\n");
            for r in &d.rollup {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} | {} | {} |",
                    label(r.kind),
                    r.ecosystem,
                    code(&r.name),
                    code(r.old_version.as_deref().unwrap_or("")),
                    code(r.new_version.as_deref().unwrap_or("")),
                    r.count,
                );
            }
        });
        out.push('\n');
    }
    let changed: Vec<_> = d.images.iter().filter(|i| !i.diff.is_empty()).collect();
    if !changed.is_empty() {
        out.push_str("## Per image\n\n");
        for i in changed {
            let tags = match (&i.diff.old.tag, &i.diff.new.tag) {
                (Some(a), Some(b)) => format!(" ({} → {})", code(a), code(b)),
                _ => String::new(),
            };
            let _ = writeln!(out, "### {}{tags}\n", code(&i.key));
            let _ = writeln!(out, "{}\n", i.diff.summary);
            details(
                &mut out,
                &plural(i.diff.changes.len(), "change", "changes"),
                |o| change_table(o, &i.diff.changes),
            );
            out.push('\n');
        }
    }
    let unchanged: Vec<String> = d
        .images
        .iter()
        .filter(|i| i.diff.is_empty())
        .map(|i| code(&i.key))
        .collect();
    if !unchanged.is_empty() {
        let _ = writeln!(out, "Unchanged images: {}.", unchanged.join(", "));
    }
    out
}
