//! The readable table.
use std::fmt::Write as _;

use super::{detail, label, versions, RenderOptions};
use crate::change::{Change, ChangeKind, SbomDiff};
use crate::release::ReleaseDiff;

/// Makes input-derived text safe for a terminal: control characters are escaped.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn color_of(k: ChangeKind) -> &'static str {
    match k {
        ChangeKind::Added => "32",
        ChangeKind::Removed => "31",
        ChangeKind::Upgraded => "36",
        ChangeKind::Downgraded => "33",
        ChangeKind::LicenseChanged => "35",
        ChangeKind::MovedLayer => "34",
    }
}

/// A table: header plus rows; the first column may be coloured by kind.
struct Table {
    header: Vec<&'static str>,
    rows: Vec<(Option<ChangeKind>, Vec<String>)>,
}

impl Table {
    fn render(&self, out: &mut String, opts: RenderOptions) {
        let cols = self.header.len();
        let mut width = vec![0usize; cols];
        for (i, h) in self.header.iter().enumerate() {
            width[i] = h.chars().count();
        }
        for (_, r) in &self.rows {
            for (i, cell) in r.iter().enumerate().take(cols) {
                width[i] = width[i].max(cell.chars().count());
            }
        }
        let line = |cells: Vec<String>, kind: Option<ChangeKind>| -> String {
            let mut l = String::new();
            for (i, cell) in cells.iter().enumerate().take(cols) {
                if i > 0 {
                    l.push_str("  ");
                }
                let pad = width[i].saturating_sub(cell.chars().count());
                match (i, kind) {
                    (0, Some(k)) if opts.color => {
                        let _ = write!(l, "\x1b[{}m{cell}\x1b[0m", color_of(k));
                    }
                    _ => l.push_str(cell),
                }
                l.push_str(&" ".repeat(pad));
            }
            l.trim_end().to_string()
        };
        let head: Vec<String> = self.header.iter().map(|h| (*h).to_string()).collect();
        let head = line(head, None);
        if opts.color {
            let _ = writeln!(out, "\x1b[1m{head}\x1b[0m");
        } else {
            let _ = writeln!(out, "{head}");
        }
        for (k, r) in &self.rows {
            let _ = writeln!(out, "{}", line(r.clone(), *k));
        }
    }
}

fn change_table(changes: &[Change]) -> Table {
    Table {
        header: vec!["CHANGE", "ECOSYSTEM", "NAME", "OLD", "NEW", "DETAIL"],
        rows: changes
            .iter()
            .map(|c| {
                let (o, n) = versions(c);
                (
                    Some(c.kind),
                    vec![
                        label(c.kind).to_string(),
                        c.ecosystem.to_string(),
                        clean(&c.name),
                        clean(&o),
                        clean(&n),
                        clean(&detail(c)),
                    ],
                )
            })
            .collect(),
    }
}

fn summary_line(out: &mut String, s: &str, opts: RenderOptions) {
    if opts.color {
        let _ = writeln!(out, "\x1b[1m{s}\x1b[0m");
    } else {
        let _ = writeln!(out, "{s}");
    }
}

/// Text form of an SBOM diff.
pub(super) fn sbom(d: &SbomDiff, opts: RenderOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} → {}", clean(&d.old.label()), clean(&d.new.label()));
    out.push('\n');
    if d.changes.is_empty() {
        let _ = writeln!(out, "no changes ({} packages unchanged)", d.unchanged);
    } else {
        change_table(&d.changes).render(&mut out, opts);
    }
    out.push('\n');
    summary_line(&mut out, &d.summary.to_string(), opts);
    out
}

/// Text form of a release diff.
pub(super) fn release(d: &ReleaseDiff, opts: RenderOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "release {} → {}", clean(&d.old), clean(&d.new));
    out.push('\n');
    for (title, list, sign) in [
        ("images added", &d.images_added, '+'),
        ("images removed", &d.images_removed, '-'),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title} ({}):", list.len());
        for i in list {
            let tag = i
                .tag
                .as_deref()
                .map(|t| format!(":{}", clean(t)))
                .unwrap_or_default();
            let n = if i.packages == 1 {
                "package"
            } else {
                "packages"
            };
            let _ = writeln!(out, "  {sign} {}{tag} ({} {n})", clean(&i.key), i.packages);
        }
        out.push('\n');
    }
    let unchanged: Vec<&str> = d
        .images
        .iter()
        .filter(|i| i.diff.is_empty())
        .map(|i| i.key.as_str())
        .collect();
    for i in d.images.iter().filter(|i| !i.diff.is_empty()) {
        let tags = match (&i.diff.old.tag, &i.diff.new.tag) {
            (Some(a), Some(b)) => format!(" ({} → {})", clean(a), clean(b)),
            _ => String::new(),
        };
        let _ = writeln!(out, "== {}{tags}: {}", clean(&i.key), i.diff.summary);
        change_table(&i.diff.changes).render(&mut out, opts);
        out.push('\n');
    }
    if !unchanged.is_empty() {
        let _ = writeln!(
            out,
            "unchanged images ({}): {}",
            unchanged.len(),
            clean(&unchanged.join(", "))
        );
        out.push('\n');
    }
    if !d.rollup.is_empty() {
        let _ = writeln!(out, "package changes across images:");
        let table = Table {
            header: vec!["CHANGE", "ECOSYSTEM", "NAME", "OLD", "NEW", "IMAGES"],
            rows: d
                .rollup
                .iter()
                .map(|r| {
                    (
                        Some(r.kind),
                        vec![
                            label(r.kind).to_string(),
                            r.ecosystem.to_string(),
                            clean(&r.name),
                            clean(r.old_version.as_deref().unwrap_or("")),
                            clean(r.new_version.as_deref().unwrap_or("")),
                            r.count.to_string(),
                        ],
                    )
                })
                .collect(),
        };
        table.render(&mut out, opts);
        out.push('\n');
    }
    summary_line(&mut out, &d.summary.to_string(), opts);
    out
}
