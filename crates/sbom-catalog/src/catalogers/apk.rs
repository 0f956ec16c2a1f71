//! apk: Alpine packages from `lib/apk/db/installed`, and Wolfi/Chainguard packages from
//! `usr/lib/apk/db/installed` (merged `/usr`). When both are present (one a link to the
//! other, or two copies), a package is reported once, from the first that lists it.
//!
//! The database is a list of `X:value` lines, packages separated by a blank line.
//! `D:` dependencies name packages, versioned names (`musl>=1.2`), or provides
//! (`so:libc.musl-x86_64.so.1`, `cmd:sh`, `pc:zlib`); they are resolved here to the
//! names of installed packages through `P:` and `p:`. Unresolvable entries and
//! conflicts (`!name`) are dropped.
use std::collections::{BTreeMap, BTreeSet};

use sbom_model::{Ecosystem, License, Package};

use super::{decode, join_normalise, warning};
use crate::{CapturedFile, CatalogOutput, Cataloger, Context, FileView};

/// Where apk keeps its database: Alpine, then merged-`/usr` distributions (Wolfi).
const INSTALLED: [&str; 2] = ["lib/apk/db/installed", "usr/lib/apk/db/installed"];

/// The apk cataloger.
#[derive(Clone, Copy, Debug, Default)]
pub struct ApkCataloger;

impl Cataloger for ApkCataloger {
    fn name(&self) -> &'static str {
        "apk"
    }
    fn version(&self) -> u32 {
        2
    }
    fn wants(&self, path: &str) -> bool {
        INSTALLED.contains(&path)
    }
    fn catalog(&self, view: &FileView, _ctx: &Context) -> CatalogOutput {
        let mut out = CatalogOutput::default();
        let mut read: Vec<&[u8]> = Vec::new();
        for file in INSTALLED.iter().filter_map(|p| view.get(p)) {
            // The same database seen twice (`lib` → `usr/lib`): read once.
            if read.contains(&file.data.as_slice()) {
                continue;
            }
            read.push(file.data.as_slice());
            catalog_db(file, &mut out);
        }
        out
    }
}

/// Packages of one database file; a package already found in another one is kept once.
fn catalog_db(file: &CapturedFile, out: &mut CatalogOutput) {
    {
        let text = decode(&file.data);
        let mut raw = Vec::new();
        for rec in records(&text) {
            match rec.finish() {
                Ok(r) => raw.push(r),
                Err(msg) => out.warnings.push(warning(file, msg)),
            }
        }
        // provided name (without version) → providing package
        let mut provider: BTreeMap<&str, &str> = BTreeMap::new();
        for r in &raw {
            for p in &r.provides {
                provider.entry(strip_constraint(p)).or_insert(r.name);
            }
        }
        for r in &raw {
            provider.insert(r.name, r.name);
        }
        let mut seen_ids = BTreeSet::new();
        for r in &raw {
            let mut p = Package::new(Ecosystem::Apk, r.name, r.version);
            p.arch = r.arch.map(str::to_string);
            p.id = format!("apk:{}", r.name);
            if out.packages.iter().any(|q| q.id == p.id) && !seen_ids.contains(&p.id) {
                // Listed by the other database already.
                continue;
            }
            if !seen_ids.insert(p.id.clone()) {
                out.warnings.push(warning(
                    file,
                    format!("package {} listed twice; the first entry is kept", r.name),
                ));
                continue;
            }
            p.source_name = r.origin.map(str::to_string);
            p.supplier = r.maintainer.map(str::to_string);
            p.homepage = r.url.map(str::to_string);
            p.description = r.description.map(str::to_string);
            p.installed_size = r.size.and_then(|s| s.parse().ok());
            p.licenses = r.license.map(licenses).unwrap_or_default();
            p.metadata_path = Some(file.path.clone());
            p.layer = file.layer.clone();
            let mut seen = BTreeSet::new();
            for d in &r.depends {
                if d.starts_with('!') {
                    continue;
                }
                if let Some(&name) = provider.get(strip_constraint(d)) {
                    if name != r.name && seen.insert(name) {
                        p.depends.push(name.to_string());
                    }
                }
            }
            out.owned_files.insert(p.id.clone(), r.files.clone());
            out.packages.push(p);
        }
    }
}

/// The licenses an `L:` field names: an SPDX expression (`MIT AND BSD-2-Clause`), or
/// older packages' space-separated list (`MIT BSD GPL2+`), one license each.
fn licenses(field: &str) -> Vec<License> {
    match License::from_declared(field) {
        Some(l @ License::Spdx(_)) => vec![l],
        Some(License::Named(_)) => field
            .split_whitespace()
            .filter_map(License::from_declared)
            .collect(),
        None => Vec::new(),
    }
}

/// `so:libc.so=1` → `so:libc.so`, `musl>=1.2` → `musl`.
fn strip_constraint(s: &str) -> &str {
    let end = s.find(['=', '<', '>', '~']).unwrap_or(s.len());
    &s[..end]
}

#[derive(Debug, Default)]
struct Record<'a> {
    line: usize,
    name: Option<&'a str>,
    version: Option<&'a str>,
    arch: Option<&'a str>,
    origin: Option<&'a str>,
    license: Option<&'a str>,
    maintainer: Option<&'a str>,
    url: Option<&'a str>,
    description: Option<&'a str>,
    size: Option<&'a str>,
    depends: Vec<&'a str>,
    provides: Vec<&'a str>,
    files: Vec<String>,
    dir: Option<String>,
    seen_any: bool,
}

/// A record with the required fields present.
#[derive(Debug)]
struct Complete<'a> {
    name: &'a str,
    version: &'a str,
    arch: Option<&'a str>,
    origin: Option<&'a str>,
    license: Option<&'a str>,
    maintainer: Option<&'a str>,
    url: Option<&'a str>,
    description: Option<&'a str>,
    size: Option<&'a str>,
    depends: Vec<&'a str>,
    provides: Vec<&'a str>,
    files: Vec<String>,
}

impl<'a> Record<'a> {
    fn finish(self) -> Result<Complete<'a>, String> {
        let name = self
            .name
            .ok_or_else(|| format!("record at line {} has no P: (name); skipped", self.line))?;
        let version = self.version.ok_or_else(|| {
            format!(
                "package {name} (line {}) has no V: (version); skipped",
                self.line
            )
        })?;
        Ok(Complete {
            name,
            version,
            arch: self.arch,
            origin: self.origin,
            license: self.license,
            maintainer: self.maintainer,
            url: self.url,
            description: self.description,
            size: self.size,
            depends: self.depends,
            provides: self.provides,
            files: self.files,
        })
    }
}

fn nonempty(v: &str) -> Option<&str> {
    let v = v.trim();
    (!v.is_empty()).then_some(v)
}

/// Splits the database into records. Lines that are not `X:value` are ignored.
fn records(text: &str) -> Vec<Record<'_>> {
    let mut out = Vec::new();
    let mut cur = Record::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            if cur.seen_any {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let mut chars = line.chars();
        let (Some(key), Some(':')) = (chars.next(), chars.next()) else {
            continue;
        };
        let value = chars.as_str();
        if !cur.seen_any {
            cur.line = i + 1;
            cur.seen_any = true;
        }
        match key {
            'P' => cur.name = nonempty(value),
            'V' => cur.version = nonempty(value),
            'A' => cur.arch = nonempty(value),
            'o' => cur.origin = nonempty(value),
            'L' => cur.license = nonempty(value),
            'm' => cur.maintainer = nonempty(value),
            'U' => cur.url = nonempty(value),
            'T' => cur.description = nonempty(value),
            'I' => cur.size = nonempty(value),
            'D' => cur.depends.extend(value.split_whitespace()),
            'p' => cur.provides.extend(value.split_whitespace()),
            'F' => {
                cur.dir = join_normalise("", value.trim());
                if let Some(d) = &cur.dir {
                    cur.files.push(d.clone());
                }
            }
            'R' => {
                if let Some(f) = join_normalise(cur.dir.as_deref().unwrap_or(""), value.trim()) {
                    cur.files.push(f);
                }
            }
            _ => {}
        }
    }
    if cur.seen_any {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::CapturedFile;

    const DB: &str = "\
C:Q1SomeChecksum=
P:musl
V:1.2.5-r0
A:x86_64
S:411541
I:662528
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Natanael Copa <ncopa@alpinelinux.org>
t:1712129046
c:2a56bd1f8a6e0ca0fc1e2e7e1c8f3ebd1b9ad2e1
p:so:libc.musl-x86_64.so.1=1
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1abc=
R:libc.musl-x86_64.so.1

P:busybox
V:1.36.1-r28
A:x86_64
L:GPL-2.0-only
o:busybox
m:Sören Tempel <soeren+alpine@soeren-tempel.net>
D:so:libc.musl-x86_64.so.1 !busybox-extras musl>=1.2 so:libmissing.so.9
p:cmd:busybox=1.36.1-r28 /bin/sh
F:bin
R:busybox
R:sh

P:broken
A:x86_64

P:scanelf
V:1.3.7-r2
D:cmd:sh
";

    const ALPINE: &str = INSTALLED[0];

    fn out_of(db: &[u8]) -> CatalogOutput {
        view_of(&[(ALPINE, db)])
    }

    fn view_of(files: &[(&str, &[u8])]) -> CatalogOutput {
        let v = FileView::from_files(files.iter().map(|(path, db)| CapturedFile {
            path: (*path).into(),
            data: Arc::new(db.to_vec()),
            layer: None,
        }));
        ApkCataloger.catalog(&v, &Context::default())
    }

    #[test]
    fn regression_wolfi_database_under_usr_lib_is_read() {
        let out = view_of(&[("usr/lib/apk/db/installed", DB.as_bytes())]);
        let names: Vec<&str> = out.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["musl", "busybox", "scanelf"]);
        assert_eq!(
            out.packages[0].metadata_path.as_deref(),
            Some("usr/lib/apk/db/installed")
        );
    }

    #[test]
    fn regression_one_database_under_both_names_is_counted_once() {
        // `lib` → `usr/lib`: the same bytes seen at both paths.
        let both = view_of(&[(ALPINE, DB.as_bytes()), (INSTALLED[1], DB.as_bytes())]);
        assert_eq!(both.packages.len(), 3);
        assert_eq!(both.warnings.len(), 1, "{:?}", both.warnings);
        // Two different copies: each package once, from the first database.
        let extra = format!("{DB}\nP:zlib\nV:1.3.1-r0\nA:x86_64\n");
        let two = view_of(&[(ALPINE, DB.as_bytes()), (INSTALLED[1], extra.as_bytes())]);
        let names: Vec<&str> = two.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["musl", "busybox", "scanelf", "zlib"]);
        assert_eq!(two.packages[0].metadata_path.as_deref(), Some(ALPINE));
        assert_eq!(two.packages[3].metadata_path.as_deref(), Some(INSTALLED[1]));
    }

    #[test]
    fn regression_space_separated_licenses_are_split() {
        assert_eq!(
            licenses("MIT BSD GPL2+"),
            [
                License::Spdx("MIT".into()),
                License::Named("BSD".into()),
                License::Spdx("GPL-2.0-or-later".into()),
            ]
        );
        assert_eq!(
            licenses("MIT AND BSD-2-Clause"),
            [License::Spdx("MIT AND BSD-2-Clause".into())]
        );
        assert_eq!(licenses("GPL-2.0-only WITH Linux-syscall-note").len(), 1);
        assert!(licenses("  ").is_empty());
    }

    #[test]
    fn installed_db_packages_files_and_resolved_depends() {
        let out = out_of(DB.as_bytes());
        let names: Vec<&str> = out.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["musl", "busybox", "scanelf"]);
        assert_eq!(out.warnings.len(), 1);
        assert!(out.warnings[0].message.contains("broken"));
        assert_eq!(out.warnings[0].entry.as_deref(), Some(ALPINE));

        let musl = &out.packages[0];
        assert_eq!(musl.id, "apk:musl");
        assert_eq!(musl.version, "1.2.5-r0");
        assert_eq!(musl.arch.as_deref(), Some("x86_64"));
        assert_eq!(musl.source_name.as_deref(), Some("musl"));
        assert_eq!(musl.licenses, [License::Spdx("MIT".into())]);
        assert_eq!(
            musl.supplier.as_deref(),
            Some("Natanael Copa <ncopa@alpinelinux.org>")
        );
        assert_eq!(musl.homepage.as_deref(), Some("https://musl.libc.org/"));
        assert_eq!(musl.installed_size, Some(662528));
        assert_eq!(
            musl.description.as_deref(),
            Some("the musl c library (libc) implementation")
        );
        assert_eq!(musl.metadata_path.as_deref(), Some(ALPINE));
        assert_eq!(
            out.owned_files.get("apk:musl").cloned().unwrap_or_default(),
            [
                "lib",
                "lib/ld-musl-x86_64.so.1",
                "lib/libc.musl-x86_64.so.1"
            ]
        );

        let bb = &out.packages[1];
        assert_eq!(bb.depends, ["musl"]);
        assert_eq!(
            bb.supplier.as_deref(),
            Some("Sören Tempel <soeren+alpine@soeren-tempel.net>")
        );
        // cmd:sh is not provided by anyone here (busybox provides /bin/sh, cmd:busybox).
        assert!(out.packages[2].depends.is_empty());
    }

    #[test]
    fn cmd_provides_resolve() {
        let db = "P:a\nV:1\np:cmd:sh=1\n\nP:b\nV:2\nD:cmd:sh a>=0.5\n";
        let out = out_of(db.as_bytes());
        assert_eq!(out.packages[1].depends, ["a"]);
    }

    #[test]
    fn missing_db_and_garbage_are_harmless() {
        let out = ApkCataloger.catalog(&FileView::default(), &Context::default());
        assert!(out.packages.is_empty() && out.warnings.is_empty());
        let data: Vec<u8> = (0u8..=255).cycle().take(5000).collect();
        let out = out_of(&data);
        assert!(out.packages.is_empty());
        let out = out_of(b"F:../../..\nR:../../etc/x\nP:x\nV:1\n");
        assert_eq!(out.packages.len(), 1);
        assert!(out
            .owned_files
            .get("apk:x")
            .is_some_and(|f| f.iter().all(|p| !p.contains(".."))));
    }

    #[test]
    fn wants_only_the_installed_db() {
        assert!(ApkCataloger.wants("lib/apk/db/installed"));
        assert!(!ApkCataloger.wants("lib/apk/db/triggers"));
        assert!(ApkCataloger.wants("usr/lib/apk/db/installed"));
        assert!(!ApkCataloger.wants("usr/local/lib/apk/db/installed"));
    }
}
