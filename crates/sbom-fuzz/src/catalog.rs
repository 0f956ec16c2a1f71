//! Catalogers: metadata files at the paths each one wants (captured whole, as the
//! walker hands them over), and bodies streamed through the visitors of those that
//! sniff (Go, Rust, well-known programs, Java archives).
use std::sync::Arc;

use sbom_catalog::catalogers::{self, detect_distro, relate};
use sbom_catalog::{CapturedFile, Cataloger, Context, EntryInfo, Feed, FileView, SNIFF_HEAD};
use sbom_model::Sbom;

use crate::parts;

fn captured(path: &str, data: &[u8]) -> CapturedFile {
    CapturedFile {
        path: path.to_string(),
        data: Arc::new(data.to_vec()),
        layer: None,
    }
}

/// Runs `cat` over the files it wants, as the scan would.
fn run(cat: &dyn Cataloger, files: &[(&str, &[u8])]) {
    let view = FileView::from_files(
        files
            .iter()
            .filter(|(p, _)| cat.wants(p))
            .map(|(p, d)| captured(p, d)),
    );
    run_view(cat, &view);
}

/// The cataloger in both modes the scan uses (everything; identities only, for the
/// layer each package came in with), then relationships and the finalized SBOM.
fn run_view(cat: &dyn Cataloger, view: &FileView) {
    let distro = detect_distro(view);
    let quick = Context {
        distro: distro.clone(),
        identities_only: true,
    };
    let _ = cat.catalog(view, &quick);
    let out = cat.catalog(
        view,
        &Context {
            distro: distro.clone(),
            identities_only: false,
        },
    );
    let relationships = relate(&out.packages, &out.owned_files);
    let mut sbom = Sbom {
        distro,
        packages: out.packages,
        relationships,
        ..Sbom::default()
    };
    sbom.finalize();
}

/// A package name for the per-package files: the first `Package:` of the status.
fn first_package(status: &[u8]) -> String {
    let text = String::from_utf8_lossy(status);
    text.lines()
        .find_map(|l| l.strip_prefix("Package:"))
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty() && !n.contains('/') && n != "..")
        .unwrap_or_else(|| "a".to_string())
}

/// `paths` paired with the parts of `data`.
fn files<'a>(paths: &[&'a str], data: &'a [u8]) -> Vec<(&'a str, &'a [u8])> {
    paths
        .iter()
        .copied()
        .zip(parts(data, paths.len()))
        .collect()
}

/// dpkg: parts are `status`, a `status.d` file (distroless), the first package's
/// `info/NAME.list` and `doc/NAME/copyright`.
pub fn dpkg(data: &[u8]) {
    let p = parts(data, 4);
    let name = first_package(p[0]);
    let list = format!("var/lib/dpkg/info/{name}.list");
    let copyright = format!("usr/share/doc/{name}/copyright");
    let paths = [
        "var/lib/dpkg/status",
        "var/lib/dpkg/status.d/base",
        &list,
        &copyright,
    ];
    let files: Vec<(&str, &[u8])> = paths.into_iter().zip(p).collect();
    run(&catalogers::dpkg::DpkgCataloger, &files);
}

/// Python: parts are a dist-info's METADATA, RECORD and direct_url.json, an egg-info
/// file (PKG-INFO form), and an egg's PKG-INFO and requires.txt.
pub fn python(data: &[u8]) {
    const PATHS: [&str; 6] = [
        "venv/lib/python3.11/site-packages/a-1.0.dist-info/METADATA",
        "venv/lib/python3.11/site-packages/a-1.0.dist-info/RECORD",
        "venv/lib/python3.11/site-packages/a-1.0.dist-info/direct_url.json",
        "usr/lib/python3/dist-packages/b-2.egg-info",
        "usr/lib/python3/dist-packages/c-3.egg/EGG-INFO/PKG-INFO",
        "usr/lib/python3/dist-packages/c-3.egg/EGG-INFO/requires.txt",
    ];
    run(&catalogers::python::PythonCataloger, &files(&PATHS, data));
}

/// apk: the installed database (`lib/apk/db/installed`).
pub fn apk(data: &[u8]) {
    run(
        &catalogers::apk::ApkCataloger,
        &[("lib/apk/db/installed", data)],
    );
}

/// os-release: parts are `etc/os-release`, `usr/lib/os-release` and
/// `etc/debian_version`; the distro they give goes into the purls of a dpkg package.
pub fn os_release(data: &[u8]) {
    const PATHS: [&str; 3] = ["etc/os-release", "usr/lib/os-release", "etc/debian_version"];
    let mut all = files(&PATHS, data);
    run(&catalogers::os_release::OsReleaseCataloger, &all);
    all.push((
        "var/lib/dpkg/status",
        b"Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n",
    ));
    let view = FileView::from_files(all.iter().map(|(p, d)| captured(p, d)));
    run_view(&catalogers::dpkg::DpkgCataloger, &view);
}

/// One rpm header blob, or several (parts), read as database records are.
pub fn rpm_header(data: &[u8]) {
    let blobs = parts(data, 8);
    let (packages, _) = catalogers::rpm::read_header_blobs(&blobs);
    let mut sbom = Sbom {
        packages,
        ..Sbom::default()
    };
    sbom.finalize();
}

/// rpm's SQLite database (`rpmdb.sqlite`); the bytes from the last SQLite
/// write-ahead-log magic on (`37 7f 06 82/83`) are its `-wal` file.
pub fn rpm_sqlite(data: &[u8]) {
    let wal_at = data
        .windows(4)
        .rposition(|w| matches!(w, [0x37, 0x7f, 0x06, 0x82 | 0x83]));
    let (db, wal) = match wal_at {
        Some(i) => data.split_at(i),
        None => (data, &[][..]),
    };
    let mut files = vec![("var/lib/rpm/rpmdb.sqlite", db)];
    if wal_at.is_some() {
        files.push(("var/lib/rpm/rpmdb.sqlite-wal", wal));
    }
    run(&catalogers::rpm::RpmCataloger, &files);
}

/// rpm's Berkeley DB hash database (`Packages`).
pub fn rpm_bdb(data: &[u8]) {
    run(
        &catalogers::rpm::RpmCataloger,
        &[("var/lib/rpm/Packages", data)],
    );
}

/// rpm's NDB database (`Packages.db`).
pub fn rpm_ndb(data: &[u8]) {
    run(
        &catalogers::rpm::RpmCataloger,
        &[("usr/lib/sysimage/rpm/Packages.db", data)],
    );
}

/// Streams `body` through `cat`'s visitor as the walker does (the sniffed head first,
/// then chunks; the chunk size, and a size claim longer than the body as a truncated
/// layer gives, vary with the input's length), then catalogs the summary.
fn visit(cat: &dyn Cataloger, path: &str, body: &[u8]) {
    const CHUNKS: [usize; 6] = [1, 7, 64, 1000, 4096, 65536];
    let chunk = CHUNKS[body.len() % CHUNKS.len()];
    let size = body.len() as u64 + if body.len() % 7 == 3 { 4096 } else { 0 };
    let head = &body[..body.len().min(SNIFF_HEAD)];
    let info = EntryInfo {
        path,
        mode: 0o755,
        size,
        head,
    };
    let Some(mut v) = cat.sniff(&info) else {
        return;
    };
    if v.feed(head) == Feed::More {
        for c in body[head.len()..].chunks(chunk) {
            if v.feed(c) == Feed::Done {
                break;
            }
        }
    }
    let visited = v.finish();
    let mut view = FileView::default();
    if let Some(summary) = visited.summary {
        view.add_summary(cat.name(), captured(path, &summary));
    }
    run_view(cat, &view);
}

/// Go build info in an executable (ELF program headers, the build-info blob).
pub fn golang(data: &[u8]) {
    visit(&catalogers::golang::GoCataloger, "usr/bin/app", data);
}

/// The cargo-auditable stream of a Rust executable.
pub fn rust_audit(data: &[u8]) {
    visit(&catalogers::rust::RustCataloger, "usr/bin/app", data);
}

/// The programs classifier: the first byte picks the file name (one per classifier
/// row, and one that matches none), the rest is the executable.
pub fn programs(data: &[u8]) {
    const NAMES: [&str; 10] = [
        "usr/local/bin/redis-server",
        "usr/bin/memcached",
        "usr/sbin/nginx",
        "usr/lib/postgresql/16/bin/postgres",
        "usr/sbin/haproxy",
        "usr/local/bin/python3.12",
        "usr/local/lib/libpython3.11.so.1.0",
        "usr/local/bin/node",
        "bin/busybox",
        "usr/bin/other",
    ];
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(pick) % NAMES.len()];
    visit(&catalogers::programs::ProgramsCataloger, name, body);
}

/// A Java archive (jar, war, ear; archives nested inside), or a JDK `release` file.
pub fn java(data: &[u8]) {
    let cat = catalogers::java::JavaCataloger;
    if data.starts_with(b"JAVA_") || data.starts_with(b"IMPLEMENTOR") {
        run(&cat, &[("usr/lib/jvm/jdk/release", data)]);
    } else {
        visit(&cat, "opt/app/lib/app.jar", data);
    }
}

/// npm: parts are an installed package.json, a nested one, the application's
/// package.json, its package-lock.json, and the hidden `.package-lock.json`.
pub fn npm(data: &[u8]) {
    const PATHS: [&str; 5] = [
        "srv/app/node_modules/x/package.json",
        "srv/app/node_modules/@s/y/node_modules/x/package.json",
        "srv/app/package.json",
        "srv/app/package-lock.json",
        "srv/app/node_modules/.package-lock.json",
    ];
    run(&catalogers::npm::NpmCataloger, &files(&PATHS, data));
}

/// Ruby: parts are an installed gemspec, a default gem's gemspec and a Gemfile.lock.
pub fn gem(data: &[u8]) {
    const PATHS: [&str; 3] = [
        "usr/lib/ruby/gems/3.1.0/specifications/x-1.0.gemspec",
        "usr/lib/ruby/gems/3.1.0/specifications/default/y-2.0.gemspec",
        "srv/blog/Gemfile.lock",
    ];
    run(&catalogers::gem::GemCataloger, &files(&PATHS, data));
}

/// Composer: parts are `vendor/composer/installed.json` and a `composer.lock`.
pub fn composer(data: &[u8]) {
    const PATHS: [&str; 2] = [
        "var/www/app/vendor/composer/installed.json",
        "srv/other/composer.lock",
    ];
    run(
        &catalogers::composer::ComposerCataloger,
        &files(&PATHS, data),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixed paths must be ones the catalogers want, or the targets test nothing.
    #[test]
    fn every_path_a_target_uses_is_wanted() {
        let wanted: &[(&dyn Cataloger, &[&str])] = &[
            (
                &catalogers::python::PythonCataloger,
                &[
                    "venv/lib/python3.11/site-packages/a-1.0.dist-info/METADATA",
                    "venv/lib/python3.11/site-packages/a-1.0.dist-info/direct_url.json",
                    "usr/lib/python3/dist-packages/b-2.egg-info",
                    "usr/lib/python3/dist-packages/c-3.egg/EGG-INFO/PKG-INFO",
                    "usr/lib/python3/dist-packages/c-3.egg/EGG-INFO/requires.txt",
                ],
            ),
            (
                &catalogers::dpkg::DpkgCataloger,
                &[
                    "var/lib/dpkg/status.d/base",
                    "var/lib/dpkg/info/a.list",
                    "usr/share/doc/a/copyright",
                ],
            ),
            (
                &catalogers::npm::NpmCataloger,
                &[
                    "srv/app/node_modules/@s/y/node_modules/x/package.json",
                    "srv/app/package-lock.json",
                    "srv/app/node_modules/.package-lock.json",
                ],
            ),
            (
                &catalogers::gem::GemCataloger,
                &[
                    "usr/lib/ruby/gems/3.1.0/specifications/default/y-2.0.gemspec",
                    "srv/blog/Gemfile.lock",
                ],
            ),
            (
                &catalogers::composer::ComposerCataloger,
                &[
                    "var/www/app/vendor/composer/installed.json",
                    "srv/other/composer.lock",
                ],
            ),
            (
                &catalogers::rpm::RpmCataloger,
                &[
                    "var/lib/rpm/rpmdb.sqlite-wal",
                    "usr/lib/sysimage/rpm/Packages.db",
                ],
            ),
            (
                &catalogers::java::JavaCataloger,
                &["usr/lib/jvm/jdk/release"],
            ),
        ];
        for (cat, paths) in wanted {
            for p in *paths {
                assert!(cat.wants(p), "{}: {p}", cat.name());
            }
        }
    }

    #[test]
    fn first_package_names_the_per_package_files() {
        assert_eq!(first_package(b"Package: libc6\nVersion: 1\n"), "libc6");
        assert_eq!(first_package(b"Package: ../x\n"), "a");
        assert_eq!(first_package(b""), "a");
    }
}
