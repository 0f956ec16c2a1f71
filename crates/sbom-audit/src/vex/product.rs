//! What a VEX statement is about, and whether a finding's package and images match it.
use std::collections::BTreeMap;

use sbom_model::purl::{decode, parse, pep503_name};
use sbom_model::Sbom;

use crate::matcher::AffectedPackage;

/// A product of a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Product {
    /// A package purl (type `pkg:oci` excepted): every copy of the package.
    Package(String),
    /// An image (`pkg:oci/...` purl, `sha256:` digest, `NAME@sha256:...`): every
    /// finding in it.
    Image(String),
    /// A package inside an image.
    InImage { image: String, package: String },
}

impl Product {
    /// A product identifier as the document gives it: an image when it names one.
    pub fn from_id(id: &str) -> Option<Product> {
        let id = id.trim();
        if is_image(id) {
            Some(Product::Image(id.to_string()))
        } else if id.starts_with("pkg:") {
            Some(Product::Package(id.to_string()))
        } else {
            None
        }
    }

    /// `package` inside `product` (an image), or the package alone when the product is
    /// not an image (a package inside another package: the outer one is not checked).
    pub fn within(product: &str, package: &str) -> Option<Product> {
        let package = package.trim();
        if !package.starts_with("pkg:") {
            return None;
        }
        Some(if is_image(product) {
            Product::InImage {
                image: product.trim().to_string(),
                package: package.to_string(),
            }
        } else {
            Product::Package(package.to_string())
        })
    }

    /// Whether a finding's package, present in `images`, is this product.
    pub fn matches(&self, pkg: &AffectedPackage, images: &[&Sbom]) -> bool {
        match self {
            Product::Package(p) => purl_matches(p, pkg),
            Product::Image(i) => !images.is_empty() && images.iter().all(|s| image_matches(i, s)),
            Product::InImage { image, package } => {
                purl_matches(package, pkg)
                    && !images.is_empty()
                    && images.iter().all(|s| image_matches(image, s))
            }
        }
    }
}

fn is_image(id: &str) -> bool {
    let id = id.trim();
    let lower = id.to_ascii_lowercase();
    lower.starts_with("pkg:oci/")
        || lower.starts_with("pkg:docker/")
        || lower.starts_with("sha256:")
        || (!lower.starts_with("pkg:") && lower.contains("@sha256:"))
}

fn qualifiers(purl: &str) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let main = purl.split('#').next().unwrap_or("");
    if let Some((_, q)) = main.split_once('?') {
        for kv in q.split('&') {
            if let Some((k, v)) = kv.split_once('=') {
                m.insert(k.to_ascii_lowercase(), decode(v));
            }
        }
    }
    m
}

fn norm_name(ty: &str, n: &str) -> String {
    if ty == "pypi" {
        pep503_name(n)
    } else {
        n.to_ascii_lowercase()
    }
}

/// A statement purl against a package: type, namespace and name equal; the version
/// when the statement has one; each qualifier the statement has.
pub(crate) fn purl_matches(given: &str, pkg: &AffectedPackage) -> bool {
    let have = pkg.purl.as_deref().unwrap_or(&pkg.bom_ref);
    let (Some(g), Some(h)) = (parse(given), parse(have)) else {
        return false;
    };
    if g.ty != h.ty
        || norm_name(&g.ty, &g.name) != norm_name(&h.ty, &h.name)
        || g.namespace.as_deref().map(str::to_ascii_lowercase)
            != h.namespace.as_deref().map(str::to_ascii_lowercase)
    {
        return false;
    }
    if let Some(v) = &g.version {
        let installed = h.version.as_deref().unwrap_or(&pkg.version);
        if v != installed {
            return false;
        }
    }
    let hq = qualifiers(have);
    qualifiers(given)
        .iter()
        .all(|(k, v)| hq.get(k).is_some_and(|x| x == v))
}

fn image_matches(id: &str, s: &Sbom) -> bool {
    let id = id.trim();
    let digests = [
        s.subject.manifest_digest.as_deref(),
        s.subject.config_digest.as_deref(),
    ];
    let digest_is = |d: &str| digests.iter().flatten().any(|x| x.eq_ignore_ascii_case(d));
    if id.to_ascii_lowercase().starts_with("sha256:") {
        return digest_is(id);
    }
    if !id.starts_with("pkg:") {
        return id.rsplit_once('@').is_some_and(|(_, d)| digest_is(d));
    }
    let Some(p) = parse(id) else { return false };
    if let Some(v) = p.version.as_deref().filter(|v| !v.is_empty()) {
        return digest_is(v);
    }
    // No digest: the image's name (last path segment) and the tag, when given.
    let last = |n: &str| n.rsplit('/').next().unwrap_or(n).to_ascii_lowercase();
    if last(&s.subject.name) != p.name.to_ascii_lowercase() {
        return false;
    }
    match qualifiers(id).get("tag") {
        Some(t) => s.subject.tag.as_deref() == Some(t.as_str()),
        None => true,
    }
}
