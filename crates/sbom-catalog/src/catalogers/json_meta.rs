//! Small readers for the JSON manifests of language ecosystems (npm's package.json and
//! lock files, Composer's installed.json and composer.lock): the shapes a license, a
//! person or a dependency map takes there, and npm/SRI integrity strings.
use sbom_model::{Checksum, HashAlgorithm, License};
use serde_json::{Map, Value};

/// A non-empty, trimmed string value.
pub(crate) fn str_of(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Licenses in every shape manifests use: `"MIT"`, `"(MIT OR Apache-2.0)"`,
/// `{"type": "MIT", "url": ...}`, `["MIT", "GPL-2.0"]`, `[{"type": ...}]`.
pub(crate) fn licenses(v: Option<&Value>, out: &mut Vec<License>) {
    match v {
        Some(Value::String(s)) => push_license(s, out),
        Some(Value::Object(o)) => {
            if let Some(t) = str_of(o.get("type")).or_else(|| str_of(o.get("name"))) {
                push_license(t, out);
            }
        }
        Some(Value::Array(a)) => {
            for item in a {
                licenses(Some(item), out);
            }
        }
        _ => {}
    }
}

fn push_license(text: &str, out: &mut Vec<License>) {
    if let Some(l) = License::from_declared(text) {
        if !out.contains(&l) {
            out.push(l);
        }
    }
}

/// `Name <email>` of a person given as a string (`"Name <email> (url)"`, kept as is)
/// or an object (`{"name", "email", "url"}`).
pub(crate) fn person(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_string())
        }
        Value::Object(o) => {
            let name = str_of(o.get("name"));
            let email = str_of(o.get("email"));
            match (name, email) {
                (Some(n), Some(e)) => Some(format!("{n} <{e}>")),
                (Some(n), None) => Some(n.to_string()),
                (None, Some(e)) => Some(e.to_string()),
                (None, None) => None,
            }
        }
        _ => None,
    }
}

/// All persons of a field that is one person or a list of them, joined by `, `.
pub(crate) fn persons(v: Option<&Value>) -> Option<String> {
    let list: Vec<String> = match v {
        Some(Value::Array(a)) => a.iter().filter_map(person).collect(),
        Some(other) => person(other).into_iter().collect(),
        None => Vec::new(),
    };
    (!list.is_empty()).then(|| list.join(", "))
}

/// The keys of the dependency maps `fields` of `obj`, in order, each once.
pub(crate) fn dependency_names(obj: &Map<String, Value>, fields: &[&str], out: &mut Vec<String>) {
    for f in fields {
        if let Some(Value::Object(deps)) = obj.get(*f) {
            for k in deps.keys() {
                let k = k.trim();
                if !k.is_empty() && !out.iter().any(|d| d == k) {
                    out.push(k.to_string());
                }
            }
        }
    }
}

/// Checksums of an SRI integrity string (`sha512-<base64> sha1-<base64>`), as npm
/// records them; unknown algorithms and broken base64 are skipped.
pub(crate) fn integrity(sri: &str) -> Vec<Checksum> {
    let mut out = Vec::new();
    for part in sri.split_whitespace() {
        let Some((alg, b64)) = part.split_once('-') else {
            continue;
        };
        let Some(algorithm) = HashAlgorithm::parse(alg) else {
            continue;
        };
        // `?opts` may follow the digest (SRI allows it).
        let b64 = b64.split('?').next().unwrap_or("");
        if let Some(bytes) = base64_decode(b64) {
            let c = Checksum {
                algorithm,
                value: hex::encode(bytes),
            };
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}

/// Standard base64 (padding optional); `None` on any other character.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lic(v: Value) -> Vec<String> {
        let mut out = Vec::new();
        licenses(Some(&v), &mut out);
        out.iter().map(|l| l.as_str().to_string()).collect()
    }

    #[test]
    fn license_shapes() {
        assert_eq!(lic(json!("MIT")), ["MIT"]);
        assert_eq!(lic(json!("(MIT OR Apache-2.0)")), ["(MIT OR Apache-2.0)"]);
        assert_eq!(
            lic(json!({"type": "BSD-3-Clause", "url": "x"})),
            ["BSD-3-Clause"]
        );
        assert_eq!(
            lic(json!([{"type": "MIT"}, {"type": "Apache-2.0"}, "MIT"])),
            ["MIT", "Apache-2.0"]
        );
        assert_eq!(
            lic(json!("SEE LICENSE IN LICENSE.md")),
            ["SEE LICENSE IN LICENSE.md"]
        );
        assert_eq!(lic(json!(42)), Vec::<String>::new());
    }

    #[test]
    fn person_shapes() {
        assert_eq!(
            person(&json!("Jane <j@x.org> (https://x.org)")).as_deref(),
            Some("Jane <j@x.org> (https://x.org)")
        );
        assert_eq!(
            person(&json!({"name": "Jane", "email": "j@x.org", "url": "u"})).as_deref(),
            Some("Jane <j@x.org>")
        );
        assert_eq!(
            persons(Some(&json!([{"name": "A"}, "B", 3]))).as_deref(),
            Some("A, B")
        );
        assert_eq!(persons(Some(&json!([]))), None);
    }

    #[test]
    fn integrity_to_hex() {
        // sha1 of "hello"
        let c = integrity("sha1-qvTGHdzF6KLavt4PO0gs2a6pQ00= md5-xx!");
        assert_eq!(
            c,
            [Checksum {
                algorithm: HashAlgorithm::Sha1,
                value: "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d".into()
            }]
        );
        assert!(integrity("nonsense").is_empty());
        assert!(integrity("sha512-***").is_empty());
    }
}
