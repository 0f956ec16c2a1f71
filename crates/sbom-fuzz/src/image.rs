//! Images: a layer's bytes through the whole scan, a sequence of layers built from
//! operations (the squash), and image layouts (index, manifests, configs).
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

use sbom_catalog::{scan, ScanOptions};
use sbom_format::{CdxVersion, Format};
use sbom_image::{
    verify_blob, Compression, ImageError, ImageSource, LayerContent, LayerDescriptor, Platform,
    ResolvedImage, Verify,
};
use sha2::{Digest, Sha256};

use crate::parts;

fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

/// An image made of the given layer blobs, each opened through the verifying,
/// decompressing stream every source uses.
struct Blobs(Vec<Vec<u8>>);

impl ImageSource for Blobs {
    fn resolve(&self, _platform: &Platform) -> Result<ResolvedImage, ImageError> {
        let layers = self
            .0
            .iter()
            .zip(0u32..)
            .map(|(b, index)| LayerDescriptor {
                index,
                digest: sha256(b),
                // Checked only for a plain tar (`Verify::Blobs`), where it is the
                // blob's digest; a compressed layer's diffID is taken as stated.
                diff_id: match Compression::sniff(b) {
                    Compression::None => sha256(b),
                    _ => sha256(&[b.as_slice(), b"tar"].concat()),
                },
                media_type: String::new(),
                size: Some(b.len() as u64),
                created_by: None,
            })
            .collect();
        Ok(ResolvedImage {
            reference: "fuzz".into(),
            name: "fuzz".into(),
            layers,
            ..ResolvedImage::default()
        })
    }

    fn open_layer(
        &self,
        image: &ResolvedImage,
        layer: &LayerDescriptor,
    ) -> Result<LayerContent, ImageError> {
        let blob = self
            .0
            .get(layer.index as usize)
            .cloned()
            .unwrap_or_default();
        verify_blob(image, layer, Box::new(Cursor::new(blob))).map(LayerContent::Tar)
    }
}

/// Scans the image as `sbom scan` does (every cataloger, sniffing included; no cache)
/// and writes the SBOM in every format.
fn scan_blobs(blobs: Vec<Vec<u8>>) {
    let opts = ScanOptions {
        layer_jobs: Some(1),
        verify: Verify::Blobs,
        ..ScanOptions::default()
    };
    if let Ok(out) = scan(&Blobs(blobs), &opts) {
        write_all(&out.sbom);
    }
}

/// Writes `sbom` in every output format.
pub(crate) fn write_all(sbom: &sbom_model::Sbom) {
    for f in [
        Format::CycloneDxJson {
            version: CdxVersion::V1_5,
        },
        Format::CycloneDxJson {
            version: CdxVersion::V1_7,
        },
        Format::CycloneDxXml {
            version: CdxVersion::V1_6,
        },
        Format::SpdxJson,
        Format::SpdxTagValue,
        Format::Spdx3Json,
        Format::Json,
        Format::Table,
    ] {
        let _ = sbom_format::write(sbom, &f);
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

/// One layer: the first byte says how the rest becomes the blob (0: as it is, so a
/// mutated gzip or zstd stream reaches its decoder; 1: gzip; 2: zstd; 3: two gzip
/// members), then the whole scan runs over it.
pub fn layer(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let blob = match mode % 4 {
        1 => gzip(rest),
        2 => zstd::encode_all(rest, 1).unwrap_or_default(),
        3 => {
            let (a, b) = rest.split_at(rest.len() / 2);
            [gzip(a), gzip(b)].concat()
        }
        _ => rest.to_vec(),
    };
    scan_blobs(vec![blob]);
}

/// Paths the layer operations name: metadata files every cataloger wants, the folders
/// above them, merged-/usr links, and names that need normalising or escape.
const PATHS: &[&str] = &[
    "etc",
    "etc/os-release",
    "usr/lib/os-release",
    "usr",
    "usr/lib",
    "lib",
    "bin",
    "var",
    "var/lib",
    "var/lib/dpkg",
    "var/lib/dpkg/status",
    "var/lib/dpkg/status.d",
    "var/lib/dpkg/status.d/a",
    "var/lib/dpkg/info/a.list",
    "usr/share/doc/a/copyright",
    "lib/apk/db/installed",
    "usr/lib/apk/db/installed",
    "s",
    "s/a-1.dist-info",
    "s/a-1.dist-info/METADATA",
    "s/a-1.dist-info/RECORD",
    "app/node_modules/x/package.json",
    "app/package-lock.json",
    "g/specifications/x-1.gemspec",
    "w/vendor/composer/installed.json",
    "var/lib/rpm",
    "var/lib/rpm/Packages",
    "usr/lib/sysimage/rpm",
    "x",
    "x/y",
    "x/y/z",
    "opt/a.jar",
    "usr/bin/x",
    "usr/lib/jvm/j/release",
    "./etc//os-release",
    "etc/../etc/os-release",
    "../x",
    "/etc/os-release",
    "",
    ".",
];

/// Bodies the operations put in files: small valid metadata of each kind.
const BODIES: &[&[u8]] = &[
    b"ID=debian\nVERSION_ID=\"12\"\n",
    b"Package: a\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\nDepends: b\n\n\
      Package: b\nStatus: install ok installed\nVersion: 2\nArchitecture: all\n",
    b"/.\n/s/a-1.dist-info/METADATA\n/usr/bin/x\n",
    b"P:a\nV:1-r0\nA:x86_64\nL:MIT\nF:usr/bin\nR:x\n\n",
    b"Metadata-Version: 2.1\nName: a\nVersion: 1\n",
    b"{\"name\":\"x\",\"version\":\"1.0.0\"}",
    b"JAVA_VERSION=\"17.0.2\"\nIMPLEMENTOR=\"Eclipse Adoptium\"\n",
    b"",
];

/// Reads the operation stream.
struct Ops<'a>(&'a [u8]);

impl Ops<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn path(&mut self) -> String {
        let b = usize::from(self.byte().unwrap_or(0));
        PATHS[b % PATHS.len()].to_string()
    }
    /// A link target: a path as it is, absolute, or climbing up first.
    fn target(&mut self) -> String {
        let style = self.byte().unwrap_or(0);
        let p = self.path();
        match style % 4 {
            0 => p,
            1 => format!("/{p}"),
            2 => format!("{}{p}", "../".repeat(usize::from(style / 4 % 4))),
            _ => p.rsplit('/').next().unwrap_or_default().to_string(),
        }
    }
    fn take(&mut self, n: usize) -> &[u8] {
        let (a, b) = self.0.split_at(n.min(self.0.len()));
        self.0 = b;
        a
    }
}

/// Appends one tar entry with the name and link name exactly as given (the tar crate's
/// setters refuse the `..` and absolute names hostile layers carry).
fn entry(out: &mut Vec<u8>, kind: tar::EntryType, name: &str, link: &str, body: &[u8]) {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(if kind.is_dir() { 0o755 } else { 0o644 });
    h.set_size(body.len() as u64);
    h.set_mtime(0);
    let old = h.as_old_mut();
    let n = name.len().min(old.name.len());
    old.name[..n].copy_from_slice(&name.as_bytes()[..n]);
    let n = link.len().min(old.linkname.len());
    old.linkname[..n].copy_from_slice(&link.as_bytes()[..n]);
    h.set_cksum();
    out.extend_from_slice(h.as_bytes());
    out.extend_from_slice(body);
    out.resize(out.len().next_multiple_of(512), 0);
}

/// Layers built from a stream of operations (new layer, folder, file, raw file,
/// symbolic and hard link, whiteout, opaque folder, fifo) over [`PATHS`], then the
/// whole scan: walker, squash, catalogers, the layer each package came in with.
pub fn layers(data: &[u8]) {
    use tar::EntryType as T;
    let mut ops = Ops(data);
    let mut layers: Vec<Vec<u8>> = vec![Vec::new()];
    while let Some(op) = ops.byte() {
        if op % 10 == 0 && layers.len() < 8 {
            layers.push(Vec::new());
            continue;
        }
        let Some(tar) = layers.last_mut() else { break };
        match op % 10 {
            1 => entry(tar, T::Directory, &ops.path(), "", b""),
            2 => {
                let p = ops.path();
                let body = BODIES[usize::from(ops.byte().unwrap_or(0)) % BODIES.len()];
                entry(tar, T::Regular, &p, "", body);
            }
            3 => {
                let p = ops.path();
                let n = usize::from(ops.byte().unwrap_or(0));
                let body = ops.take(n).to_vec();
                entry(tar, T::Regular, &p, "", &body);
            }
            4 => {
                let p = ops.path();
                let t = ops.target();
                entry(tar, T::Symlink, &p, &t, b"");
            }
            5 => {
                let p = ops.path();
                let t = ops.path();
                entry(tar, T::Link, &p, &t, b"");
            }
            6 => {
                let p = ops.path();
                let wh = match p.rsplit_once('/') {
                    Some((dir, name)) => format!("{dir}/.wh.{name}"),
                    None => format!(".wh.{p}"),
                };
                entry(tar, T::Regular, &wh, "", b"");
            }
            7 => {
                let p = ops.path();
                entry(tar, T::Regular, &format!("{p}/.wh..wh..opq"), "", b"");
            }
            8 => entry(tar, T::Fifo, &ops.path(), "", b""),
            _ => {}
        }
    }
    for l in &mut layers {
        l.resize(l.len() + 1024, 0);
    }
    scan_blobs(layers);
}

/// An image layout: the parts are `index.json` (or a docker archive's
/// `manifest.json` when it is a JSON array) and blobs. `sha256:@N` (or `sha256/@N`)
/// in a part names part N (N > the part's own number) by its digest, so the fuzzer
/// can make an index, manifests and configs that point at each other. Then every
/// step a scan takes: platforms, resolve (default and arm64), open and read each layer.
pub fn manifest(data: &[u8]) {
    let mut docs: Vec<Vec<u8>> = parts(data, 10).into_iter().map(<[u8]>::to_vec).collect();
    let mut digests: Vec<String> = vec![String::new(); docs.len()];
    for i in (0..docs.len()).rev() {
        let mut doc = std::mem::take(&mut docs[i]);
        for (n, d) in digests.iter().enumerate().skip(i + 1) {
            let hex = d.trim_start_matches("sha256:");
            for sep in [":", "/"] {
                let needle = format!("sha256{sep}@{n}");
                doc = replace(
                    &doc,
                    needle.as_bytes(),
                    format!("sha256{sep}{hex}").as_bytes(),
                );
            }
        }
        digests[i] = sha256(&doc);
        docs[i] = doc;
    }
    let mut files = BTreeMap::new();
    let mut docs = docs.into_iter();
    let first = docs.next().unwrap_or_default();
    let top = if first.trim_ascii_start().starts_with(b"[") {
        "manifest.json"
    } else {
        "index.json"
    };
    files.insert(top.to_string(), first);
    for (doc, d) in docs.zip(digests.iter().skip(1)) {
        files.insert(
            format!("blobs/sha256/{}", d.trim_start_matches("sha256:")),
            doc,
        );
    }
    let Ok(source) = sbom_image::open_in_memory("fuzz", files, None) else {
        return;
    };
    let _ = source.platforms();
    let arm = Platform {
        os: "linux".into(),
        architecture: "arm64".into(),
        variant: Some("v8".into()),
    };
    for image in [
        sbom_image::resolve_platform(source.as_ref(), None).map(|(i, _)| i),
        source.resolve(&arm),
    ]
    .into_iter()
    .flatten()
    {
        for l in &image.layers {
            if let Ok(LayerContent::Tar(mut t)) = source.open_layer(&image, l) {
                let _ = std::io::copy(&mut (&mut t).take(1 << 20), &mut std::io::sink());
                let _ = t.finish();
            }
        }
    }
}

/// `data` with every `from` replaced by `to`.
fn replace(data: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut rest = data;
    while let Some(i) = rest.windows(from.len()).position(|w| w == from) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(to);
        rest = &rest[i + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_the_digests_of_later_parts() {
        assert_eq!(replace(b"a@1b@1", b"@1", b"XY"), b"aXYbXY");
        // Runs without a layout problem reaching a panic; the real check is that the
        // seeds in fuzz/corpus/image_manifest resolve (see tests/replay.rs).
        manifest(b"{\"manifests\":[{\"digest\":\"sha256:@1\"}]}\n\x00\n{}");
    }

    #[test]
    fn the_op_layers_are_tars_the_walker_reads() {
        // A file, a new layer, a whiteout of it: nothing panics, and the tar parses.
        let mut tar = Vec::new();
        entry(&mut tar, tar::EntryType::Regular, "../x", "", b"abc");
        tar.resize(tar.len() + 1024, 0);
        let mut a = tar::Archive::new(tar.as_slice());
        let names: Vec<Vec<u8>> = a
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path_bytes().into_owned())
            .collect();
        assert_eq!(names, [b"../x".to_vec()]);
        layers(&[2, 1, 0, 0, 6, 1]);
    }
}
