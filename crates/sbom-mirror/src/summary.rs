//! The human summary of a plan: counts per ecosystem, what was declared rather than
//! observed, and what could not be pinned.
use sbom_model::Ecosystem;

use crate::plan::Plan;

/// One line per ecosystem with pins, for stderr.
pub fn lines(plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    for eco in [Ecosystem::Deb, Ecosystem::Rpm] {
        let groups: Vec<String> = plan.os_groups(eco).map(|g| g.path()).collect();
        if !groups.is_empty() {
            out.push(format!(
                "{eco}: {} packages in {} ({})",
                plan.os_pin_count(eco),
                plural(groups.len(), "group"),
                groups.join(", ")
            ));
        }
    }
    if !plan.python.is_empty() {
        let pins: usize = plan.python.values().map(|e| e.pins.len()).sum();
        out.push(format!(
            "pypi: {pins} pins in {}",
            plural(plan.python.len(), "environment")
        ));
    }
    if !plan.images.is_empty() {
        out.push(format!("oci: {}", plural(plan.images.len(), "image")));
    }
    let declared: usize = plan.counts.declared.values().sum();
    if declared > 0 {
        out.push(format!(
            "declared, not observed: {}",
            plural(declared, "package")
        ));
    }
    out.extend(notes(plan));
    if !plan.unpinned.is_empty() {
        out.push(format!(
            "could not be pinned: {}",
            plural(plan.unpinned.len(), "entry")
        ));
    }
    out
}

/// What the summary says besides the pins: what was left out, and why.
fn notes(plan: &Plan) -> Vec<String> {
    let c = &plan.counts;
    let mut out = Vec::new();
    if c.python_owned_by_os_packages > 0 {
        out.push(format!(
            "python packages that OS packages own (served by the OS mirror): {}",
            c.python_owned_by_os_packages
        ));
    }
    if !c.owned_by_os_packages.is_empty() {
        let list: Vec<String> = c
            .owned_by_os_packages
            .iter()
            .map(|(e, n)| format!("{e} {n}"))
            .collect();
        out.push(format!(
            "other packages that OS packages own (served by the OS mirror): {}",
            list.join(", ")
        ));
    }
    if c.python_vendored > 0 {
        out.push(format!(
            "python packages vendored inside another (brought by it): {}",
            c.python_vendored
        ));
    }
    if !c.not_mirrored.is_empty() {
        let list: Vec<String> = c
            .not_mirrored
            .iter()
            .map(|(e, n)| format!("{e} {n}"))
            .collect();
        out.push(format!("no mirror input for: {}", list.join(", ")));
    }
    out
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else if let Some(stem) = what.strip_suffix('y') {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {what}s")
    }
}

/// `summary.md`.
pub fn markdown(plan: &Plan) -> String {
    let mut s = String::from("# Mirror inputs\n\n");
    s.push_str(&format!("Read {} SBOMs.\n\n", plan.counts.sboms));
    s.push_str("| ecosystem | packages read | declared | pinned |\n|---|---|---|---|\n");
    for (eco, n) in &plan.counts.packages {
        let pinned = match eco {
            Ecosystem::Deb | Ecosystem::Rpm => plan.os_pin_count(*eco).to_string(),
            Ecosystem::Pypi => plan
                .python
                .values()
                .map(|e| e.pins.len())
                .sum::<usize>()
                .to_string(),
            Ecosystem::Oci => "see images".into(),
            _ => "no mirror input".into(),
        };
        let declared = plan.counts.declared.get(eco).copied().unwrap_or(0);
        s.push_str(&format!("| {eco} | {n} | {declared} | {pinned} |\n"));
    }
    s.push_str(&format!(
        "| images (by digest) |  | {} | {} |\n\n",
        plan.images.values().filter(|i| i.declared).count(),
        plan.images.len()
    ));
    for n in notes(plan) {
        s.push_str(&format!("{n}.\n\n"));
    }
    for eco in [Ecosystem::Deb, Ecosystem::Rpm] {
        let groups: Vec<_> = plan.os_groups(eco).collect();
        if groups.is_empty() {
            continue;
        }
        s.push_str(&format!(
            "## {eco}\n\n| group | codename | packages | declared only |\n|---|---|---|---|\n"
        ));
        for g in groups {
            let pins = plan.os_pins(g);
            s.push_str(&format!(
                "| `{eco}/{}` | {} | {} | {} |\n",
                g.path(),
                g.codename.as_deref().unwrap_or(""),
                pins.len(),
                pins.iter().filter(|p| !p.observed).count()
            ));
        }
        s.push('\n');
    }
    if !plan.python.is_empty() {
        s.push_str("## pypi\n\n| requirements | image | site root | pins |\n|---|---|---|---|\n");
        for e in plan.python.values() {
            s.push_str(&format!(
                "| `pypi/{}/requirements.txt` | {}{} | `{}` | {} |\n",
                e.id,
                e.image,
                if e.declared { " (declared)" } else { "" },
                e.site_root,
                e.pins.len()
            ));
        }
        s.push('\n');
    }
    if !plan.images.is_empty() {
        s.push_str("## images\n\n| image | tags | note |\n|---|---|---|\n");
        for i in plan.images.values() {
            let tags: Vec<&str> = i.tags.iter().map(String::as_str).collect();
            let mut note = i.note.clone().unwrap_or_default();
            if i.declared {
                note = format!("declared {note}").trim().to_string();
            }
            s.push_str(&format!(
                "| `{}` | {} | {note} |\n",
                i.reference(),
                tags.join(", ")
            ));
        }
        s.push('\n');
    }
    let declared = plan.declared_only();
    if !declared.is_empty() {
        s.push_str("## Declared, not observed\n\n| ecosystem | name | version | written to | declared at |\n|---|---|---|---|---|\n");
        for d in &declared {
            s.push_str(&format!(
                "| {} | {} | {} | `{}` | {} |\n",
                d.ecosystem,
                d.name,
                d.version,
                d.pinned_in,
                d.declared_by.join(", ")
            ));
        }
        s.push('\n');
    }
    if !plan.unpinned.is_empty() {
        s.push_str("## Could not be pinned\n\n| ecosystem | name | version | why | needed by |\n|---|---|---|---|---|\n");
        for u in &plan.unpinned {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                u.ecosystem, u.name, u.version, u.reason, u.needed_by
            ));
        }
        s.push('\n');
    }
    s
}
