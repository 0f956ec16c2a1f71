//! PyPI: requirements files with `==` pins per environment, and what a package index
//! holds (a simple index as HTML or JSON, or a folder of wheels and sdists).
use std::collections::BTreeSet;
use std::sync::OnceLock;

use sbom_model::purl::pep503_name;
use sbom_model::version::pep440;

use crate::plan::PyEnv;

/// `requirements.txt` of one environment: a comment naming it, then `name==version`
/// lines (PEP 503 names, sorted), for `pip download --no-deps -r` and as an allowlist.
pub fn requirements(env: &PyEnv) -> String {
    let mut out = format!("# {} {}", env.image, env.site_root);
    let mut extra = Vec::new();
    if let Some(py) = &env.python {
        extra.push(format!("python {py}"));
    }
    if let Some(p) = &env.platform {
        extra.push(p.clone());
    }
    if !extra.is_empty() {
        out.push_str(&format!(" ({})", extra.join(", ")));
    }
    out.push('\n');
    for (name, pin) in &env.pins {
        out.push_str(&format!("{name}=={}\n", pin.version));
    }
    out
}

/// Every pin of every environment, once: `name==version` lines (a name may repeat with
/// other versions), for allowlists that take several versions of one project.
pub fn allowlist<'a>(envs: impl IntoIterator<Item = &'a PyEnv>) -> String {
    let set: BTreeSet<(String, String)> = envs
        .into_iter()
        .flat_map(|e| e.pins.iter().map(|(n, p)| (n.clone(), p.version.clone())))
        .collect();
    set.into_iter()
        .map(|(n, v)| format!("{n}=={v}\n"))
        .collect()
}

/// The (PEP 503 name, version) of a distribution file name: a wheel
/// (`six-1.16.0-py2.py3-none-any.whl`), an sdist (`python-dateutil-2.8.2.tar.gz`) or an
/// egg. `None` for other files.
pub fn dist_file(filename: &str) -> Option<(String, String)> {
    let f = filename.rsplit('/').next().unwrap_or(filename);
    let f = f.split(['#', '?']).next().unwrap_or(f);
    let lower = f.to_ascii_lowercase();
    if let Some(stem) = lower
        .strip_suffix(".whl")
        .or_else(|| lower.strip_suffix(".egg"))
    {
        let mut parts = stem.split('-');
        let (name, version) = (parts.next()?, parts.next()?);
        return (!name.is_empty() && pep440::parse(version).is_some())
            .then(|| (pep503_name(name), version.to_string()));
    }
    let stem = [".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip"]
        .iter()
        .find_map(|s| lower.strip_suffix(s))?;
    // The name may hold dashes: the version starts at the first dash after which a
    // PEP 440 version follows.
    stem.match_indices('-').find_map(|(i, _)| {
        let (name, version) = (&stem[..i], &stem[i + 1..]);
        (!name.is_empty() && pep440::parse(version).is_some())
            .then(|| (pep503_name(name), version.to_string()))
    })
}

fn anchor_re() -> &'static regex::Regex {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r"(?is)<a\s[^>]*>([^<]*)</a\s*>").expect("a literal pattern")
    })
}

/// Unescapes the few entities a simple index uses in link texts.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The link texts of an HTML page (a simple index lists projects or files as links).
fn link_texts(html: &str) -> Vec<String> {
    anchor_re()
        .captures_iter(html)
        .filter_map(|c| c.get(1))
        .map(|m| unescape(m.as_str().trim()))
        .filter(|t| !t.is_empty())
        .collect()
}

/// The projects (PEP 503 names) of a simple index's root page, HTML (PEP 503) or JSON
/// (PEP 691). `None` when the page is neither.
pub fn parse_root(body: &[u8]) -> Option<BTreeSet<String>> {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        let projects = v.get("projects")?.as_array()?;
        return Some(
            projects
                .iter()
                .filter_map(|p| p.get("name").and_then(serde_json::Value::as_str))
                .map(pep503_name)
                .collect(),
        );
    }
    let html = String::from_utf8_lossy(body);
    html.to_ascii_lowercase()
        .contains("<a")
        .then(|| link_texts(&html).iter().map(|t| pep503_name(t)).collect())
        .or_else(|| html.trim().is_empty().then(BTreeSet::new))
}

/// The versions of `project` a project page offers (from its files' names), HTML or JSON.
pub fn parse_project(project: &str, body: &[u8]) -> BTreeSet<String> {
    let want = pep503_name(project);
    let files: Vec<String> = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => {
            let mut f: Vec<String> = v
                .get("files")
                .and_then(serde_json::Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.get("filename").and_then(serde_json::Value::as_str))
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            // PEP 700 lists versions too (also those without files: skip those).
            f.sort();
            f
        }
        Err(_) => link_texts(&String::from_utf8_lossy(body)),
    };
    files
        .iter()
        .filter_map(|f| dist_file(f))
        .filter(|(n, _)| *n == want)
        .map(|(_, v)| v)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PyPin;

    #[test]
    fn dist_files_give_name_and_version() {
        let cases = [
            ("six-1.16.0-py2.py3-none-any.whl", Some(("six", "1.16.0"))),
            (
                "typing_extensions-4.12.2-py3-none-any.whl",
                Some(("typing-extensions", "4.12.2")),
            ),
            (
                "python-dateutil-2.8.2.tar.gz",
                Some(("python-dateutil", "2.8.2")),
            ),
            (
                "backports.zoneinfo-0.2.1.tar.gz",
                Some(("backports-zoneinfo", "0.2.1")),
            ),
            ("oslo.config-9.4.0.zip", Some(("oslo-config", "9.4.0"))),
            (
                "../x/PyYAML-6.0.1-cp311-cp311-manylinux_2_17_x86_64.whl#sha256=ab",
                Some(("pyyaml", "6.0.1")),
            ),
            ("README.txt", None),
            ("noversion.tar.gz", None),
        ];
        for (f, want) in cases {
            assert_eq!(
                dist_file(f),
                want.map(|(n, v)| (n.to_string(), v.to_string())),
                "{f}"
            );
        }
    }

    #[test]
    fn simple_index_pages_in_html_and_json() {
        let root = b"<!DOCTYPE html><html><body><a href=\"/simple/six/\">six</a>\n<a href=\"/simple/oslo-config/\">Oslo.Config</a></body></html>";
        assert_eq!(
            parse_root(root).unwrap(),
            BTreeSet::from(["six".to_string(), "oslo-config".to_string()])
        );
        let root_json =
            br#"{"meta":{"api-version":"1.0"},"projects":[{"name":"Six"},{"name":"zipp"}]}"#;
        assert_eq!(
            parse_root(root_json).unwrap(),
            BTreeSet::from(["six".to_string(), "zipp".to_string()])
        );
        assert_eq!(parse_root(b"not an index"), None);
        let page = b"<a href=\"../../packages/six-1.16.0-py2.py3-none-any.whl#sha256=1\" data-requires-python=\"&gt;=2.7\">six-1.16.0-py2.py3-none-any.whl</a><br/><a href=\"x\">six-1.15.0.tar.gz</a><a href=\"y\">sixer-1.0.tar.gz</a>";
        assert_eq!(
            parse_project("six", page),
            BTreeSet::from(["1.16.0".to_string(), "1.15.0".to_string()])
        );
        let page_json = br#"{"name":"six","files":[{"filename":"six-1.16.0-py2.py3-none-any.whl","url":"u"}],"versions":["1.16.0","1.17.0"]}"#;
        assert_eq!(
            parse_project("Six", page_json),
            BTreeSet::from(["1.16.0".to_string()])
        );
    }

    #[test]
    fn requirements_pin_every_package_of_the_environment() {
        let mut env = PyEnv {
            id: "x".into(),
            image: "quay.io/osism/keystone".into(),
            site_root: "var/lib/kolla/venv/lib/python3.11/site-packages".into(),
            python: Some("3.11".into()),
            platform: Some("linux/amd64".into()),
            declared: false,
            pins: Default::default(),
        };
        for (n, v) in [("oslo-config", "9.4.0"), ("six", "1.16.0")] {
            env.pins.insert(
                n.into(),
                PyPin {
                    name: n.into(),
                    version: v.into(),
                    declared_at: None,
                },
            );
        }
        assert_eq!(
            requirements(&env),
            "# quay.io/osism/keystone var/lib/kolla/venv/lib/python3.11/site-packages (python 3.11, linux/amd64)\noslo-config==9.4.0\nsix==1.16.0\n"
        );
        let mut other = env.clone();
        other.pins.insert(
            "six".into(),
            PyPin {
                name: "six".into(),
                version: "1.15.0".into(),
                declared_at: None,
            },
        );
        assert_eq!(
            allowlist([&env, &other]),
            "oslo-config==9.4.0\nsix==1.15.0\nsix==1.16.0\n"
        );
    }
}
