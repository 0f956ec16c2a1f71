//! HTML building blocks: escaping, the page frame, filter forms, small formatters.
use std::fmt::Write as _;

/// Escapes text for element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in HTML text.
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a path component list for an `href` (percent-encoding what a URL may not hold).
pub fn href(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char);
            }
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// `sha256:0123456789ab` (the algorithm and the first 12 hex digits).
pub fn short_digest(d: &str) -> String {
    match d.split_once(':') {
        Some((alg, hex)) => format!("{alg}:{}", hex.chars().take(12).collect::<String>()),
        None => d.chars().take(19).collect(),
    }
}

/// A byte count for people (`12.3 MB`, decimal units as registries show them).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    // Integer arithmetic in tenths keeps the output identical on every machine.
    let mut v = n;
    let mut unit = 0;
    while v >= 1_000_000 && unit + 1 < UNITS.len() {
        v /= 1000;
        unit += 1;
    }
    let tenths = (v + 50) / 100;
    format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
}

/// Links of the navigation bar: (target relative to the site root, label, page kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nav {
    Release,
    Packages,
    Changes,
    Image,
}

/// What the frame needs to know about the site.
pub struct Frame<'a> {
    /// The release's name.
    pub release: &'a str,
    /// Whether a change page exists.
    pub has_changes: bool,
}

impl Frame<'_> {
    /// A whole page: `root` is the way from the page to the site root (`""` or `"../"`).
    pub fn page(&self, title: &str, root: &str, current: Nav, body: &str) -> String {
        let mut out = String::with_capacity(body.len() + 2048);
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{} · {}</title>\n\
             <link rel=\"stylesheet\" href=\"{root}assets/report.css\">\n\
             <script src=\"{root}assets/report.js\" defer></script>\n</head>\n<body>\n\
             <a class=\"skip\" href=\"#main\">Skip to content</a>\n<header>\n\
             <p class=\"brand\">Release <strong>{}</strong></p>\n\
             <nav aria-label=\"Report pages\">\n<ul>\n",
            esc(title),
            esc(self.release),
            esc(self.release),
        );
        let mut links = vec![
            (Nav::Release, "index.html", "Images"),
            (Nav::Packages, "packages.html", "Package index"),
        ];
        if self.has_changes {
            links.push((Nav::Changes, "changes.html", "Changes"));
        }
        for (kind, target, label) in links {
            let current = if kind == current {
                " aria-current=\"page\""
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "<li><a href=\"{root}{target}\"{current}>{label}</a></li>"
            );
        }
        let _ = write!(
            out,
            "</ul>\n</nav>\n</header>\n<main id=\"main\">\n{body}</main>\n<footer>\n\
             <p>Made by {} {} from the SBOMs of release {}.</p>\n</footer>\n</body>\n</html>\n",
            sbom_model::TOOL_NAME,
            sbom_model::TOOL_VERSION,
            esc(self.release),
        );
        out
    }
}

/// A select of a filter form: the row attribute it matches (`data-NAME`), its label and
/// the values to offer (value, label).
pub struct Select<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub options: Vec<(String, String)>,
}

/// The filter form for the tables marked `data-filter="{name}"`. Hidden until the
/// script runs (without JavaScript every row is shown and nothing pretends to filter).
pub fn filter_form(name: &str, noun: &str, placeholder: &str, selects: &[Select<'_>]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<form class=\"filter\" data-filter=\"{name}\" data-noun=\"{noun}\" hidden>\n\
         <label>Search {noun} <input type=\"search\" name=\"q\" placeholder=\"{}\" \
         autocomplete=\"off\" spellcheck=\"false\"></label>\n",
        esc(placeholder)
    );
    for s in selects {
        let _ = write!(
            out,
            "<label>{} <select name=\"{}\">\n<option value=\"\">all</option>\n",
            esc(s.label),
            s.name
        );
        for (v, l) in &s.options {
            let _ = writeln!(out, "<option value=\"{}\">{}</option>", esc(v), esc(l));
        }
        out.push_str("</select></label>\n");
    }
    out.push_str("<p class=\"count\" role=\"status\"></p>\n</form>\n");
    out
}

/// A severity badge (`<span class="sev sev-high">HIGH</span>`).
pub fn severity(s: sbom_audit::Severity) -> String {
    let name = s.as_str();
    format!(
        "<span class=\"sev sev-{}\">{name}</span>",
        name.to_ascii_lowercase()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_attribute_quotes() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>\u{7}"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt; "
        );
        assert_eq!(href("quay.io/a b/c?d#e"), "quay.io/a%20b/c%3Fd%23e");
    }

    #[test]
    fn byte_counts_and_digests_for_people() {
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(19_674), "19.7 kB");
        assert_eq!(bytes(185_000_000), "185.0 MB");
        assert_eq!(bytes(1_950_000_000), "2.0 GB");
        assert_eq!(
            short_digest("sha256:0123456789abcdef"),
            "sha256:0123456789ab"
        );
    }
}
