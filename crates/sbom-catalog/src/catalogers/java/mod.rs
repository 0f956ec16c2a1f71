//! Java: archives (`.jar`, `.war`, `.ear`, `.jpi`/`.hpi`, ... and any zip file) found
//! by name or by content (`PK\x03\x04`), with the archives nested in them at any depth
//! (Spring Boot's `BOOT-INF/lib`, `WEB-INF/lib`, an ear's wars) and the Maven
//! components shaded into them; and JDK/JRE installations, from their `release` file.
//!
//! Archives are read while the walker streams the layer ([`zip`]): only the manifest's
//! main section, `pom.properties`, `pom.xml` licenses and nested archives are inflated,
//! nothing is written anywhere, and the summary kept per file ([`summary`]) is a few
//! hundred bytes per archive. The cataloger turns summaries into components
//! ([`identity`]): identity from `pom.properties` first, then `MANIFEST.MF`, then the
//! file name (property [`IDENTIFIED_BY_PROPERTY`] says which), purl
//! `pkg:maven/GROUP/ARTIFACT@VERSION`, location `outer.jar!/BOOT-INF/lib/inner.jar`
//! (the `contains` relationships follow from these locations, see
//! [`relate`](super::relate)). Archives inside a JDK/JRE (the folder of a `release`
//! file with `JAVA_VERSION`) are left out: the installation is one component
//! ([`jdk`]).
use crate::{CatalogOutput, Cataloger, Context, EntryInfo, Feed, FileView, Visited, Visitor};

mod identity;
mod jdk;
mod summary;
mod text;
mod zip;

pub use identity::IDENTIFIED_BY_PROPERTY;
pub use jdk::{IMAGE_TYPE_PROPERTY, IMPLEMENTOR_VERSION_PROPERTY, RUNTIME_VERSION_PROPERTY};
pub use zip::{BOMB_RATIO, MAX_ARCHIVES, MAX_DEPTH, MAX_ENTRIES};

use super::{parent, warning};
use summary::Summary;

/// The cataloger's name (and the owner of its summaries).
pub const NAME: &str = "java";

/// Java archives and runtimes.
pub struct JavaCataloger;

impl Cataloger for JavaCataloger {
    fn name(&self) -> &'static str {
        NAME
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        jdk::is_release(path)
    }
    fn sniffs(&self) -> bool {
        true
    }
    fn sniff(&self, e: &EntryInfo<'_>) -> Option<Box<dyn Visitor>> {
        (zip::is_zip(e.head) || zip::is_java_archive_name(e.path))
            .then(|| Box::new(ArchiveVisitor::new(e.path, e.size)) as Box<dyn Visitor>)
    }
    fn catalog(&self, view: &FileView, ctx: &Context) -> CatalogOutput {
        let mut out = CatalogOutput::default();
        let mut homes: Vec<String> = Vec::new();
        for f in view.iter().filter(|f| jdk::is_release(&f.path)) {
            if let Some(p) = jdk::package(f) {
                let home = parent(&f.path);
                if !home.is_empty() {
                    homes.push(format!("{home}/"));
                }
                out.packages.push(p);
            }
        }
        for f in view.summaries(NAME) {
            if homes.iter().any(|h| f.path.starts_with(h.as_str())) {
                continue;
            }
            let Some(s) = Summary::decode(&f.data) else {
                out.warnings.push(warning(
                    f,
                    "java: unreadable archive summary (cache damaged?)",
                ));
                continue;
            };
            for a in &s.archives {
                let loc = identity::location(&f.path, a);
                out.packages
                    .extend(identity::packages(&loc, a, !ctx.identities_only));
            }
        }
        out
    }
}

/// Reads one file as a zip archive while the walker streams it.
struct ArchiveVisitor {
    root: Option<zip::ArchiveReader>,
    ctx: zip::Ctx,
}

impl ArchiveVisitor {
    fn new(path: &str, size: u64) -> Self {
        ArchiveVisitor {
            root: Some(zip::ArchiveReader::new(
                0,
                String::new(),
                zip::is_java_archive_name(path),
            )),
            ctx: zip::Ctx::new(path, size),
        }
    }
}

impl Visitor for ArchiveVisitor {
    fn feed(&mut self, chunk: &[u8]) -> Feed {
        let more = match self.root.as_mut() {
            Some(r) => r.feed(chunk, &mut self.ctx),
            None => false,
        };
        if more {
            Feed::More
        } else {
            Feed::Done
        }
    }
    fn finish(self: Box<Self>) -> Visited {
        let mut me = *self;
        if let Some(r) = me.root.take() {
            r.finish(&mut me.ctx, false);
        }
        let mut archives = std::mem::take(&mut me.ctx.archives);
        archives.sort_by(|a, b| a.path.cmp(&b.path));
        Visited {
            summary: (!archives.is_empty()).then(|| Summary { archives }.encode()),
            warnings: me.ctx.take_warnings(),
        }
    }
}

#[cfg(test)]
mod tests;
