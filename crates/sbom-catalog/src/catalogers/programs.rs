//! Well-known programs that no package manager recorded (built from source in the
//! image, copied in from a release tarball), recognised by their own bytes.
//!
//! Each classifier is data, one row of [`CLASSES`]: which file names it looks at, the
//! byte patterns that carry the version (tried in order, the first match in the file
//! wins), and the package it reports. A `{v}` in a pattern is replaced by what the file
//! name's `v` group captured (`python3.11` → only `3.11.x` is accepted), as the same
//! interpreter binary holds other version-like strings. Only ELF files whose name
//! matches some row are read, so the cost for every other file is one comparison of
//! the head and one match of the name.
//!
//! The JDK/JRE is not here: the java cataloger reports it from its `release` file.
//!
//! Packages: ecosystem `binary` (purl `pkg:generic/NAME@VERSION`), version the
//! upstream version the program reports about itself, `metadata_path` the file (so
//! an OS package listing it owns it), marked `sbom:identified_by` = `content`, with
//! the classifier and the bytes that matched as evidence.
use std::sync::LazyLock;

use regex::bytes::Regex;
use sbom_model::{Ecosystem, Package};
use serde::{Deserialize, Serialize};

use super::{exe, file_name, warning};
use crate::{CatalogOutput, Cataloger, Context, EntryInfo, Feed, FileView, Visited, Visitor};

/// `content` on every package this cataloger reports.
pub const IDENTIFIED_BY_PROPERTY: &str = "sbom:identified_by";
/// The row of [`CLASSES`] that recognised it.
pub const CLASSIFIER_PROPERTY: &str = "sbom:classifier";
/// The bytes that matched (printable text, at most 200 characters).
pub const EVIDENCE_PROPERTY: &str = "sbom:classifier:evidence";

/// One classifier.
pub struct Class {
    /// Its id (`redis`), also the [`CLASSIFIER_PROPERTY`].
    pub id: &'static str,
    /// The package name reported (`pkg:generic/NAME`).
    pub package: &'static str,
    /// Anchored regex over the file name; a `v` group feeds `{v}` in the patterns.
    pub file: &'static str,
    /// Byte regexes; group `version` is the version.
    pub patterns: &'static [&'static str],
}

/// Every classifier. Versions are checked against each program's own `--version`
/// (Debian's binaries: testdata/programs/expected.tsv, made by
/// scripts/programs-fixture.sh).
pub const CLASSES: &[Class] = &[
    Class {
        id: "redis",
        package: "redis",
        // redis-server is a multi-call binary: Debian ships it as redis-check-rdb with
        // redis-server a symbolic link to it.
        file: r"redis-(server|sentinel|check-rdb|check-aof)",
        patterns: &[
            // REDIS_VERSION followed by the build id (`buildkitsandbox-1709…`, or just
            // the 19-digit build time), as `redis-server --version` prints them.
            r"\x00(?P<version>\d+\.\d+\.\d+)(?:[A-Za-z0-9_.]{1,64}-)?[0-9]{19}\x00",
            // The INFO section's literals: REDIS_VERSION next to REDIS_ATOMIC_API.
            r"\x00(?P<version>\d+\.\d+\.\d+)\x00(?:c11-builtin|sync-builtin|pthread-mutex)\x00",
        ],
    },
    Class {
        id: "memcached",
        package: "memcached",
        file: r"memcached",
        patterns: &[r"memcached (?P<version>\d+\.\d+\.\d+)\x00"],
    },
    Class {
        id: "nginx",
        package: "nginx",
        file: r"nginx",
        patterns: &[
            r"nginx version: nginx/(?P<version>\d+\.\d+\.\d+)",
            r"\x00nginx/(?P<version>\d+\.\d+\.\d+)\x00",
        ],
    },
    Class {
        id: "postgres",
        package: "postgresql",
        file: r"postgres",
        patterns: &[r"\(PostgreSQL\) (?P<version>\d+(?:\.\d+)+(?:(?:alpha|beta|rc)\d+)?)"],
    },
    Class {
        id: "haproxy",
        package: "haproxy",
        file: r"haproxy",
        patterns: &[
            // `version 2.6.12-1+deb12u4, released 2026/10/17`: upstream 2.6.12.
            r"\x00 ?version (?P<version>\d+\.\d+(?:\.\d+|-dev\d+)?)(?:[-+~][^,\x00]{0,40})?, released \d{4}/",
            r"HA-Proxy version (?P<version>\d+\.\d+(?:\.\d+)?)",
        ],
    },
    Class {
        id: "python",
        package: "python",
        // The interpreter, or the shared libpython it is linked to (official python
        // images build with --enable-shared: the version lives in the library).
        file: r"(?:python(?P<v>\d\.\d+)|libpython(?P<v2>\d\.\d+)\.so(?:\.[0-9.]+)?)",
        patterns: &[r"\x00(?P<version>{v}\.\d+(?:(?:a|b|rc)\d+)?\+?)\x00"],
    },
    Class {
        id: "node",
        package: "node",
        file: r"(?:node|nodejs|libnode\.so(?:\.\d+)*)",
        patterns: &[r"node\.js/v(?P<version>\d+\.\d+\.\d+)"],
    },
    Class {
        id: "busybox",
        package: "busybox",
        file: r"busybox",
        patterns: &[r"BusyBox v(?P<version>\d+\.\d+\.\d+)"],
    },
];

/// A compiled row.
struct Compiled {
    class: &'static Class,
    file: Regex,
    /// Patterns without `{v}`; those with it are compiled per file.
    fixed: Vec<Option<Regex>>,
}

static COMPILED: LazyLock<Vec<Compiled>> = LazyLock::new(|| {
    CLASSES
        .iter()
        .map(|c| Compiled {
            class: c,
            file: Regex::new(&format!("^(?:{})$", c.file)).expect("valid classifier file regex"),
            fixed: c
                .patterns
                .iter()
                .map(|p| {
                    (!p.contains("{v}"))
                        .then(|| Regex::new(&format!("(?-u){p}")).expect("valid classifier regex"))
                })
                .collect(),
        })
        .collect()
});

pub struct ProgramsCataloger;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Summary {
    class: String,
    version: String,
    evidence: String,
}

impl Cataloger for ProgramsCataloger {
    fn name(&self) -> &'static str {
        "programs"
    }
    fn version(&self) -> u32 {
        2
    }
    /// Nothing by path: the JDK/JRE's `release` file belongs to the java cataloger,
    /// which reports the installation once (and drops the archives inside it).
    fn wants(&self, _path: &str) -> bool {
        false
    }
    fn sniffs(&self) -> bool {
        true
    }
    fn sniff(&self, e: &EntryInfo<'_>) -> Option<Box<dyn Visitor>> {
        if exe::exe_kind(e.head) != Some(exe::ExeKind::Elf) {
            return None;
        }
        let name = file_name(e.path).as_bytes();
        let row = COMPILED.iter().find(|c| c.file.is_match(name))?;
        let prefix = row.file.captures(name).and_then(|c| {
            c.name("v")
                .or_else(|| c.name("v2"))
                .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
        });
        let mut patterns = Vec::new();
        for (p, fixed) in row.class.patterns.iter().zip(&row.fixed) {
            match (fixed, &prefix) {
                (Some(r), _) => patterns.push(r.clone()),
                (None, Some(v)) => {
                    let p = p.replace("{v}", &regex::escape(v));
                    patterns.push(Regex::new(&format!("(?-u){p}")).ok()?);
                }
                (None, None) => {}
            }
        }
        Some(Box::new(ProgramVisitor {
            class: row.class.id,
            patterns,
            tail: Vec::new(),
            found: None,
        }))
    }
    fn catalog(&self, view: &FileView, _ctx: &Context) -> CatalogOutput {
        let mut out = CatalogOutput::default();
        for f in view.summaries(self.name()) {
            match serde_json::from_slice::<Summary>(&f.data) {
                Ok(s) => out.packages.push(package(&f.path, &s)),
                Err(e) => out
                    .warnings
                    .push(warning(f, format!("programs: unreadable summary: {e}"))),
            }
        }
        out
    }
}

/// Bytes kept from the end of one chunk for a match that straddles two (longer than
/// any match plus [`MARGIN`]).
const OVERLAP: usize = 512;
/// A match ending this close to the end of the bytes seen may still grow (a longer
/// version number): it is taken only once more bytes came, or at the end of the file.
const MARGIN: usize = 128;

struct ProgramVisitor {
    class: &'static str,
    patterns: Vec<Regex>,
    tail: Vec<u8>,
    found: Option<Summary>,
}

impl ProgramVisitor {
    /// The first match (in file order) of any pattern in `data`, ending before `limit`.
    fn search(&self, data: &[u8], limit: usize) -> Option<Summary> {
        let mut best: Option<(usize, Summary)> = None;
        for r in &self.patterns {
            for c in r.captures_iter(data) {
                let (Some(all), Some(v)) = (c.get(0), c.name("version")) else {
                    continue;
                };
                if all.end() > limit {
                    break;
                }
                if best.as_ref().is_none_or(|(at, _)| all.start() < *at) {
                    best = Some((
                        all.start(),
                        Summary {
                            class: self.class.to_string(),
                            version: String::from_utf8_lossy(v.as_bytes()).into_owned(),
                            evidence: evidence(all.as_bytes()),
                        },
                    ));
                }
                break;
            }
        }
        best.map(|(_, s)| s)
    }
}

/// Printable text of the matched bytes.
fn evidence(b: &[u8]) -> String {
    let s: String = b
        .iter()
        .map(|&c| {
            if (0x20..0x7f).contains(&c) {
                c as char
            } else {
                ' '
            }
        })
        .collect();
    s.trim().chars().take(200).collect()
}

impl Visitor for ProgramVisitor {
    fn feed(&mut self, chunk: &[u8]) -> Feed {
        let mut joint = std::mem::take(&mut self.tail);
        joint.extend_from_slice(chunk);
        if let Some(s) = self.search(&joint, joint.len().saturating_sub(MARGIN)) {
            self.found = Some(s);
            return Feed::Done;
        }
        let keep = joint.len().saturating_sub(OVERLAP);
        self.tail = joint.get(keep..).unwrap_or_default().to_vec();
        Feed::More
    }
    fn finish(mut self: Box<Self>) -> Visited {
        if self.found.is_none() && !self.tail.is_empty() {
            let tail = std::mem::take(&mut self.tail);
            self.found = self.search(&tail, tail.len());
        }
        Visited {
            summary: self.found.and_then(|s| serde_json::to_vec(&s).ok()),
            warnings: Vec::new(),
        }
    }
}

fn marked(name: &str, version: &str, path: &str, class: &str, evidence: &str) -> Package {
    let mut p = Package::new(Ecosystem::Binary, name, version);
    p.id = format!("programs:{path}");
    p.metadata_path = Some(path.to_string());
    p.properties
        .insert(IDENTIFIED_BY_PROPERTY.into(), "content".into());
    p.properties
        .insert(CLASSIFIER_PROPERTY.into(), class.into());
    p.properties
        .insert(EVIDENCE_PROPERTY.into(), evidence.into());
    p
}

fn package(path: &str, s: &Summary) -> Package {
    let name = CLASSES
        .iter()
        .find(|c| c.id == s.class)
        .map_or(s.class.as_str(), |c| c.package);
    marked(name, &s.version, path, &s.class, &s.evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(path: &str, body: &[u8], chunk: usize) -> Option<Summary> {
        let mut head = b"\x7fELF".to_vec();
        head.extend_from_slice(body);
        let e = EntryInfo {
            path,
            mode: 0o755,
            size: head.len() as u64,
            head: &head[..head.len().min(512)],
        };
        let mut v = ProgramsCataloger.sniff(&e)?;
        for c in head.chunks(chunk) {
            if v.feed(c) == Feed::Done {
                break;
            }
        }
        let done = v.finish();
        done.summary.map(|s| serde_json::from_slice(&s).unwrap())
    }

    #[test]
    fn versions_are_found_across_chunks_and_names_select_the_row() {
        let mut body = vec![0u8; 3000];
        body.extend_from_slice(b"\x00err\x007.0.15\x00c11-builtin\x00shutdown");
        body.extend(vec![1u8; 3000]);
        for chunk in [5, 64, 700, 1 << 20] {
            let s = run("usr/bin/redis-check-rdb", &body, chunk).unwrap();
            assert_eq!((s.class.as_str(), s.version.as_str()), ("redis", "7.0.15"));
        }
        // The same bytes under another name are not looked at.
        assert!(run("usr/bin/other", &body, 64).is_none());
        let py = b"\x001.2.3\x00x\x003.11.2\x00strict\x00".to_vec();
        let s = run("usr/bin/python3.11", &py, 7).unwrap();
        assert_eq!(s.version, "3.11.2");
        assert!(run("usr/bin/python3.12", &py, 7).is_none());
        let hap = b"..\x00 version 2.6.12-1+deb12u4, released 2026/10/17\x00".to_vec();
        assert_eq!(run("usr/sbin/haproxy", &hap, 9).unwrap().version, "2.6.12");
    }

    #[test]
    fn every_row_compiles() {
        assert_eq!(COMPILED.len(), CLASSES.len());
    }
}
