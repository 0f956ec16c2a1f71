//! Helpers for the `sbom report` tests: reading tables out of the HTML, the Nu
//! validator, and driving the pages in chromium.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sbom_testkit::browser::{file_url, Browser};

fn decode(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let text = decode(&out);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The cells (text only) of each body row of the first table after `marker`.
pub fn table_rows(html: &str, marker: &str) -> Vec<Vec<String>> {
    let Some(at) = html.find(marker) else {
        panic!("no `{marker}` in the page");
    };
    let rest = &html[at..];
    let start = rest.find("<tbody>").expect("tbody") + "<tbody>".len();
    let end = rest.find("</tbody>").expect("/tbody");
    rest[start..end]
        .split("<tr")
        .skip(1)
        .map(|row| {
            let row = row.split("</tr>").next().unwrap_or("");
            let mut cells = Vec::new();
            let mut pos = 0;
            while let Some(i) = find_cell(&row[pos..]) {
                let open = pos + i;
                let close = row[open..].find("</t").map_or(row.len(), |j| open + j);
                let body_start = row[open..].find('>').map_or(open, |j| open + j + 1);
                cells.push(strip_tags(&row[body_start..close.max(body_start)]));
                pos = close + 1;
            }
            cells
        })
        .collect()
}

fn find_cell(s: &str) -> Option<usize> {
    ["<td", "<th"]
        .iter()
        .filter_map(|t| {
            s.match_indices(t)
                .find(|(i, _)| matches!(s.as_bytes().get(i + 3), Some(b' ' | b'>')))
                .map(|(i, _)| i)
        })
        .min()
}

/// Every file under `dir`, by relative path.
pub fn files_under(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p
                    .strip_prefix(base)
                    .expect("prefix")
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The Nu HTML checker: `$SBOM_VNU` (vnu.jar), else the one scripts/test.sh installs
/// from npm's vnu-jar under target/vnu.
pub fn vnu_jar() -> PathBuf {
    if let Some(p) = std::env::var_os("SBOM_VNU") {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/vnu/node_modules/vnu-jar/build/dist/vnu.jar")
}

/// Runs vnu over every HTML page and the stylesheet of a site; fails on any error.
pub fn vnu(site: &Path) {
    let jar = vnu_jar();
    assert!(
        jar.exists(),
        "vnu.jar not found at {} (set SBOM_VNU; scripts/test.sh installs it)",
        jar.display()
    );
    let files: Vec<PathBuf> = files_under(site)
        .keys()
        .filter(|k| k.ends_with(".html") || k.ends_with(".css"))
        .map(|k| site.join(k))
        .collect();
    assert!(files.len() >= 4, "{files:?}");
    let out = Command::new("java")
        .args(["-jar"])
        .arg(&jar)
        .args(["--also-check-css", "--errors-only"])
        .args(&files)
        .output()
        .expect("run java -jar vnu.jar");
    assert!(
        out.status.success(),
        "vnu found errors:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `sbom audit RELEASE --osv (shared Debian and PyPI records) EXTRA... --format json`:
/// its JSON and exit code.
pub fn audit_json(
    cache: &Path,
    release: &Path,
    extra: &[&std::ffi::OsStr],
) -> (Vec<u8>, Option<i32>) {
    let osv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/osv");
    let out = crate::common::sbom(cache)
        .arg("audit")
        .arg(release)
        .arg("--osv")
        .arg(osv.join("Debian"))
        .arg("--osv")
        .arg(osv.join("PyPI"))
        .args(extra)
        .args(["--format", "json"])
        .output()
        .expect("run sbom audit");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "audit failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.stdout, out.status.code())
}

pub fn open(b: &mut Browser, page: &Path) {
    b.open(&file_url(page)).expect("open page");
}

/// Rows of `table[data-filter=NAME]` the browser renders (hidden rows have no box).
pub fn visible_rows(b: &mut Browser, name: &str) -> u64 {
    b.eval(&format!(
        "Array.from(document.querySelectorAll('table[data-filter=\"{name}\"] tbody tr')).filter(r => r.offsetParent !== null).length"
    ))
    .expect("eval")
    .as_u64()
    .expect("a number")
}

/// The rendered text of the first element matching `selector` (hidden parts left out).
pub fn visible_text(b: &mut Browser, selector: &str) -> String {
    b.eval(&format!("document.querySelector('{selector}').innerText"))
        .expect("eval")
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Presses Tab until the search box has the focus: the filter is keyboard-reachable.
pub fn tab_to_search(b: &mut Browser) {
    assert!(
        tab_until(b, "type", "search", 40),
        "the search box is not reachable with Tab"
    );
}

/// Presses Tab (at most `limit` times) until `js` gives `want` for the focused element.
fn tab_until(b: &mut Browser, js: &str, want: &str, limit: usize) -> bool {
    for _ in 0..limit {
        b.press("Tab", 9).expect("tab");
        let v = b
            .eval(&format!(
                "document.activeElement && document.activeElement.{js}"
            ))
            .expect("eval");
        if v == want {
            return true;
        }
    }
    false
}

/// Tabs to the in-page link `label`, follows it with Enter, then Tabs on to the search
/// box right after the section heading (how a keyboard user skips long link lists).
pub fn jump_to_search(b: &mut Browser, label: &str) {
    assert!(
        tab_until(b, "textContent", label, 40),
        "no link `{label}` reachable with Tab"
    );
    b.press("Enter", 13).expect("enter");
    assert!(
        tab_until(b, "type", "search", 5),
        "the search box does not follow the `{label}` section's heading"
    );
}

/// Chooses `value` in the filter's select `name` with the keyboard (focus, then type
/// the option's label).
pub fn select(b: &mut Browser, name: &str, label: &str) {
    b.eval(&format!(
        "document.querySelector('form.filter select[name=\"{name}\"]').focus()"
    ))
    .expect("focus");
    b.type_text(label).expect("type");
    let v = b
        .eval(&format!("document.querySelector('form.filter select[name=\"{name}\"]').selectedOptions[0].textContent"))
        .expect("eval");
    assert_eq!(v, label, "select {name}");
}

/// The filter's status line (`3 of 10 images shown`).
pub fn count_text(b: &mut Browser) -> String {
    b.eval("document.querySelector('form.filter .count').textContent")
        .expect("eval")
        .as_str()
        .unwrap_or_default()
        .to_string()
}
