//! The four kinds of page: the release, one per image, the changes, the package index.
use std::fmt::Write as _;

use sbom_model::Sbom;

use crate::html::{esc, href};
use crate::input::ImageInput;

pub mod changes;
pub mod image;
pub mod packages;
pub mod release;

/// The operating system found in the image (`Debian GNU/Linux 12 (bookworm)`), or `""`.
pub fn base_os(s: &Sbom) -> String {
    match &s.distro {
        Some(d) => d.pretty_name.clone().unwrap_or_else(|| {
            format!("{} {}", d.id, d.version_id.as_deref().unwrap_or(""))
                .trim()
                .to_string()
        }),
        None => String::new(),
    }
}

/// `linux/amd64`, from the SBOM or else the index entry.
pub fn platform(i: &ImageInput) -> String {
    i.sbom
        .subject
        .platform
        .as_ref()
        .map(ToString::to_string)
        .or_else(|| i.index.as_ref().and_then(|e| e.platform.clone()))
        .unwrap_or_default()
}

/// The manifest digest, from the SBOM or else the index entry.
pub fn digest(i: &ImageInput) -> String {
    i.sbom
        .subject
        .manifest_digest
        .clone()
        .or_else(|| i.index.as_ref().and_then(|e| e.manifest_digest.clone()))
        .unwrap_or_default()
}

/// Links to every SBOM file of an image (`root` leads from the page to the site root).
pub fn sbom_links(i: &ImageInput, root: &str) -> String {
    let mut out = String::new();
    for (n, f) in i.files.iter().enumerate() {
        if n > 0 {
            out.push_str(", ");
        }
        let _ = write!(
            out,
            "<a href=\"{root}sboms/{}\" type=\"{}\">{}</a>",
            href(&f.rel),
            if f.rel.ends_with(".xml") {
                "application/xml"
            } else if f.rel.ends_with(".json") {
                "application/json"
            } else {
                "text/plain"
            },
            esc(f.format)
        );
    }
    out
}
