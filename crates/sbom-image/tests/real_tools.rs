//! Images written by real tools (umoci, skopeo; see tests/fixtures/real/make.sh) read
//! through every local source: same config, same diffID, same file content.
#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::path::PathBuf;

use sbom_image::{default_platform, open, LayerContent, ResolvedImage};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/real")
        .join(name)
        .display()
        .to_string()
}

/// Resolves, walks every layer with the tar reader and returns the image and the dpkg status.
fn scan(reference: &str) -> (ResolvedImage, String) {
    let src = open(reference).unwrap();
    let img = src.resolve(&default_platform()).unwrap();
    let mut status = String::new();
    for layer in &img.layers {
        let LayerContent::Tar(mut t) = src.open_layer(&img, layer).unwrap() else {
            panic!("tar expected")
        };
        {
            let mut ar = tar::Archive::new(&mut t);
            for e in ar.entries().unwrap() {
                let mut e = e.unwrap();
                let path = e.path().unwrap().display().to_string();
                if path.trim_start_matches("./") == "var/lib/dpkg/status" {
                    status.clear();
                    e.read_to_string(&mut status).unwrap();
                }
            }
        }
        t.finish().unwrap();
    }
    (img, status)
}

#[test]
fn real_tool_images_read_alike_through_every_source() {
    let references = [
        format!("oci-dir:{}:base", fixture("oci")),
        fixture("oci"),
        format!("oci-archive:{}", fixture("oci-archive.tar")),
        fixture("oci-archive.tar"),
        format!("docker-archive:{}", fixture("docker-archive.tar")),
        format!(
            "docker-archive:{}:example.org/demo/base:1",
            fixture("docker-archive.tar")
        ),
        fixture("docker-archive.tar"),
        format!("oci:{}:base", fixture("oci-zstd")),
    ];
    let (first, first_status) = scan(&references[0]);
    assert!(first_status.contains("Package: bash"), "{first_status}");
    assert_eq!(first.layers.len(), 1);
    assert!(first.layers[0].media_type.ends_with("tar+gzip"));
    for r in &references[1..] {
        let (img, status) = scan(r);
        assert_eq!(status, first_status, "{r}");
        assert_eq!(img.config_digest, first.config_digest, "{r}");
        let diff_ids: Vec<_> = img.layers.iter().map(|l| &l.diff_id).collect();
        let want: Vec<_> = first.layers.iter().map(|l| &l.diff_id).collect();
        assert_eq!(diff_ids, want, "{r}");
        assert_eq!(img.platform, first.platform, "{r}");
    }
    let (docker, _) = scan(&references[4]);
    assert_eq!(docker.name, "example.org/demo/base");
    assert_eq!(docker.tag.as_deref(), Some("1"));
    let (zstd, _) = scan(&references[7]);
    assert!(zstd.layers[0].media_type.ends_with("tar+zstd"));
    assert_ne!(zstd.layers[0].digest, first.layers[0].digest);
}
