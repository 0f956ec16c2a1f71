//! Test helper: writes real OCI image layouts and docker archives, with real tar layers
//! (uncompressed, gzip or zstd), from an in-memory description of each layer.
//!
//! ```no_run
//! use sbom_testkit::{Layer, Image, Compression};
//! let base = Layer::new(Compression::Gzip)
//!     .file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")
//!     .file("var/lib/dpkg/status", "Package: bash\nStatus: install ok installed\nVersion: 5.2\n");
//! let img = Image::new(vec![base]);
//! let dir = tempfile::tempdir().unwrap();
//! sbom_testkit::write_oci_layout(dir.path(), &[(img, Some("latest".into()))]).unwrap();
//! ```
#![allow(clippy::unwrap_used)]

pub mod browser;
pub mod hostile;
pub mod http;
pub mod oci_proxy;
pub mod registry;

use std::io::{self, Write};
use std::path::Path;

use serde_json::json;
use sha2::{Digest, Sha256};

/// Layer compression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// One tar entry.
#[derive(Clone, Debug)]
pub enum Entry {
    File {
        path: String,
        data: Vec<u8>,
        mode: u32,
    },
    Dir {
        path: String,
    },
    Symlink {
        path: String,
        target: String,
    },
    Hardlink {
        path: String,
        target: String,
    },
    /// A raw tar entry written with `path` set byte-for-byte (for hostile names such as `../x` or `/etc/x`).
    RawFile {
        path: Vec<u8>,
        data: Vec<u8>,
    },
}

/// One layer: entries in tar order.
#[derive(Clone, Debug)]
pub struct Layer {
    pub compression: Compression,
    pub entries: Vec<Entry>,
    /// The diffID the config states for this layer, when it should lie (default: the
    /// tar's real sha256).
    pub stated_diff_id: Option<String>,
    /// The config history's `created_by` for this layer (default: `sbom-testkit`).
    pub created_by: Option<String>,
}

impl Layer {
    pub fn new(compression: Compression) -> Self {
        Layer {
            compression,
            entries: Vec::new(),
            stated_diff_id: None,
            created_by: None,
        }
    }
    /// The command the config's history says made this layer.
    pub fn created_by(mut self, command: &str) -> Self {
        self.created_by = Some(command.to_string());
        self
    }
    /// Makes the config state `diff_id` for this layer instead of the tar's sha256 (an
    /// image that lies, to test verification).
    pub fn stating_diff_id(mut self, diff_id: &str) -> Self {
        self.stated_diff_id = Some(diff_id.to_string());
        self
    }
    /// Adds a regular file (parent folders are added automatically, once).
    pub fn file(mut self, path: &str, data: impl AsRef<[u8]>) -> Self {
        self.parents(path);
        self.entries.push(Entry::File {
            path: path.to_string(),
            data: data.as_ref().to_vec(),
            mode: 0o644,
        });
        self
    }
    /// Adds a regular file with the given permission bits (`0o755` for a program).
    pub fn file_mode(mut self, path: &str, data: impl AsRef<[u8]>, mode: u32) -> Self {
        self.parents(path);
        self.entries.push(Entry::File {
            path: path.to_string(),
            data: data.as_ref().to_vec(),
            mode,
        });
        self
    }
    pub fn dir(mut self, path: &str) -> Self {
        self.parents(path);
        self.push_dir(path.trim_end_matches('/'));
        self
    }
    pub fn symlink(mut self, path: &str, target: &str) -> Self {
        self.parents(path);
        self.entries.push(Entry::Symlink {
            path: path.to_string(),
            target: target.to_string(),
        });
        self
    }
    pub fn hardlink(mut self, path: &str, target: &str) -> Self {
        self.parents(path);
        self.entries.push(Entry::Hardlink {
            path: path.to_string(),
            target: target.to_string(),
        });
        self
    }
    /// A whiteout: deletes `path` from lower layers (writes `DIR/.wh.NAME`).
    pub fn whiteout(self, path: &str) -> Self {
        let (dir, name) = split(path);
        let wh = if dir.is_empty() {
            format!(".wh.{name}")
        } else {
            format!("{dir}/.wh.{name}")
        };
        self.file(&wh, b"")
    }
    /// An opaque folder: hides all lower content of `dir` (writes `DIR/.wh..wh..opq`).
    pub fn opaque(self, dir: &str) -> Self {
        let d = dir.trim_end_matches('/');
        self.file(&format!("{d}/.wh..wh..opq"), b"")
    }
    /// A raw entry with an arbitrary (possibly hostile) name, no parents added.
    pub fn raw_file(mut self, path: &[u8], data: impl AsRef<[u8]>) -> Self {
        self.entries.push(Entry::RawFile {
            path: path.to_vec(),
            data: data.as_ref().to_vec(),
        });
        self
    }

    fn push_dir(&mut self, p: &str) {
        let exists = self
            .entries
            .iter()
            .any(|e| matches!(e, Entry::Dir { path } if path == p));
        if !exists && !p.is_empty() {
            self.entries.push(Entry::Dir {
                path: p.to_string(),
            });
        }
    }
    fn parents(&mut self, path: &str) {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        for i in 1..parts.len() {
            let p = parts[..i].join("/");
            self.push_dir(&p);
        }
    }

    /// The uncompressed tar bytes.
    pub fn tar_bytes(&self) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for e in &self.entries {
            let mut h = tar::Header::new_gnu();
            h.set_mtime(1_700_000_000);
            h.set_uid(0);
            h.set_gid(0);
            match e {
                Entry::File { path, data, mode } => {
                    h.set_entry_type(tar::EntryType::Regular);
                    h.set_mode(*mode);
                    h.set_size(data.len() as u64);
                    b.append_data(&mut h, path, data.as_slice()).unwrap();
                }
                Entry::Dir { path } => {
                    h.set_entry_type(tar::EntryType::Directory);
                    h.set_mode(0o755);
                    h.set_size(0);
                    b.append_data(&mut h, format!("{path}/"), io::empty())
                        .unwrap();
                }
                Entry::Symlink { path, target } => {
                    h.set_entry_type(tar::EntryType::Symlink);
                    h.set_mode(0o777);
                    h.set_size(0);
                    b.append_link(&mut h, path, target).unwrap();
                }
                Entry::Hardlink { path, target } => {
                    h.set_entry_type(tar::EntryType::Link);
                    h.set_mode(0o644);
                    h.set_size(0);
                    b.append_link(&mut h, path, target).unwrap();
                }
                Entry::RawFile { path, data } => {
                    h.set_entry_type(tar::EntryType::Regular);
                    h.set_mode(0o644);
                    h.set_size(data.len() as u64);
                    // Bypass the tar crate's path checks: write the name bytes directly.
                    let name = &mut h.as_old_mut().name;
                    name.iter_mut().for_each(|c| *c = 0);
                    let n = path.len().min(name.len());
                    name[..n].copy_from_slice(&path[..n]);
                    h.set_cksum();
                    b.append(&h, data.as_slice()).unwrap();
                }
            }
        }
        b.into_inner().unwrap()
    }

    /// (blob bytes as stored, media type, blob digest, diff_id).
    pub fn blob(&self) -> LayerBlob {
        let tar = self.tar_bytes();
        let diff_id = self.stated_diff_id.clone().unwrap_or_else(|| digest(&tar));
        let (bytes, media_type) = match self.compression {
            Compression::None => (tar, "application/vnd.oci.image.layer.v1.tar"),
            Compression::Gzip => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(&tar).unwrap();
                (
                    e.finish().unwrap(),
                    "application/vnd.oci.image.layer.v1.tar+gzip",
                )
            }
            Compression::Zstd => (
                zstd::encode_all(tar.as_slice(), 3).unwrap(),
                "application/vnd.oci.image.layer.v1.tar+zstd",
            ),
        };
        LayerBlob {
            digest: digest(&bytes),
            bytes,
            media_type,
            diff_id,
        }
    }
}

/// A layer as stored in an image.
#[derive(Clone, Debug)]
pub struct LayerBlob {
    pub bytes: Vec<u8>,
    pub media_type: &'static str,
    pub digest: String,
    pub diff_id: String,
}

/// An image: layers bottom first, platform.
#[derive(Clone, Debug)]
pub struct Image {
    pub layers: Vec<Layer>,
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
    /// Config labels (`org.opencontainers.image.vendor`, ...).
    pub labels: Vec<(String, String)>,
}

impl Image {
    pub fn new(layers: Vec<Layer>) -> Self {
        Image {
            layers,
            os: "linux".into(),
            architecture: "amd64".into(),
            variant: None,
            labels: Vec::new(),
        }
    }
    /// Adds a config label.
    pub fn label(mut self, key: &str, value: &str) -> Self {
        self.labels.push((key.to_string(), value.to_string()));
        self
    }
    pub fn platform(mut self, os: &str, arch: &str, variant: Option<&str>) -> Self {
        self.os = os.into();
        self.architecture = arch.into();
        self.variant = variant.map(str::to_string);
        self
    }

    /// Builds blobs, config and manifest. Returns (manifest bytes, config bytes, layer blobs).
    pub fn build(&self) -> BuiltImage {
        let blobs: Vec<LayerBlob> = self.layers.iter().map(Layer::blob).collect();
        let mut config = json!({
            "architecture": self.architecture,
            "os": self.os,
            "created": "2024-01-01T00:00:00Z",
            "config": if self.labels.is_empty() { json!({}) } else { json!({"Labels": self.labels.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<String, serde_json::Value>>()}) },
            "rootfs": {"type": "layers", "diff_ids": blobs.iter().map(|b| b.diff_id.clone()).collect::<Vec<_>>()},
            "history": self.layers.iter().map(|l| json!({"created": "2024-01-01T00:00:00Z", "created_by": l.created_by.as_deref().unwrap_or("sbom-testkit")})).collect::<Vec<_>>(),
        });
        if let Some(v) = &self.variant {
            config["variant"] = json!(v);
        }
        let config = serde_json::to_vec(&config).unwrap();
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(&config), "size": config.len()},
            "layers": blobs.iter().map(|b| json!({"mediaType": b.media_type, "digest": b.digest, "size": b.bytes.len()})).collect::<Vec<_>>(),
        });
        let manifest = serde_json::to_vec(&manifest).unwrap();
        BuiltImage {
            manifest_digest: digest(&manifest),
            manifest,
            config_digest: digest(&config),
            config,
            blobs,
        }
    }
}

/// An image turned into bytes.
#[derive(Clone, Debug)]
pub struct BuiltImage {
    pub manifest: Vec<u8>,
    pub manifest_digest: String,
    pub config: Vec<u8>,
    pub config_digest: String,
    pub blobs: Vec<LayerBlob>,
}

/// `sha256:` + hex digest.
pub fn digest(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

fn split(path: &str) -> (&str, &str) {
    let p = path.trim_matches('/');
    match p.rfind('/') {
        Some(i) => (&p[..i], &p[i + 1..]),
        None => ("", p),
    }
}

fn write_blob(dir: &Path, data: &[u8]) -> io::Result<String> {
    let d = digest(data);
    let hexpart = d.trim_start_matches("sha256:");
    let p = dir.join("blobs/sha256");
    std::fs::create_dir_all(&p)?;
    std::fs::write(p.join(hexpart), data)?;
    Ok(d)
}

/// Writes an OCI image layout at `dir`. One image: the index lists its manifest (with
/// `org.opencontainers.image.ref.name` = tag when given). Several images: the index
/// lists each manifest with its platform (a multi-platform image).
pub fn write_oci_layout(
    dir: &Path,
    images: &[(Image, Option<String>)],
) -> io::Result<Vec<BuiltImage>> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    let mut manifests = Vec::new();
    let mut built = Vec::new();
    for (img, tag) in images {
        let b = img.build();
        for blob in &b.blobs {
            write_blob(dir, &blob.bytes)?;
        }
        write_blob(dir, &b.config)?;
        write_blob(dir, &b.manifest)?;
        let mut platform = json!({"os": img.os, "architecture": img.architecture});
        if let Some(v) = &img.variant {
            platform["variant"] = json!(v);
        }
        let mut m = json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": b.manifest_digest,
            "size": b.manifest.len(),
            "platform": platform,
        });
        if let Some(t) = tag {
            m["annotations"] = json!({"org.opencontainers.image.ref.name": t});
        }
        manifests.push(m);
        built.push(b);
    }
    let index = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests});
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec_pretty(&index).unwrap(),
    )?;
    Ok(built)
}

/// Writes a multi-platform OCI layout whose top `index.json` points to a nested image index
/// blob (as `skopeo copy --all` and buildx produce).
pub fn write_oci_layout_nested(
    dir: &Path,
    images: &[Image],
    tag: &str,
) -> io::Result<Vec<BuiltImage>> {
    let built = write_oci_layout(
        dir,
        &images
            .iter()
            .cloned()
            .map(|i| (i, None))
            .collect::<Vec<_>>(),
    )?;
    let index_bytes = std::fs::read(dir.join("index.json"))?;
    let nested = write_blob(dir, &index_bytes)?;
    let top = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [{
        "mediaType": "application/vnd.oci.image.index.v1+json", "digest": nested, "size": index_bytes.len(),
        "annotations": {"org.opencontainers.image.ref.name": tag}
    }]});
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec_pretty(&top).unwrap(),
    )?;
    Ok(built)
}

/// Writes a tar of an OCI layout (`oci-archive:`).
pub fn write_oci_archive(
    file: &Path,
    images: &[(Image, Option<String>)],
) -> io::Result<Vec<BuiltImage>> {
    let tmp = tempdir_near(file)?;
    let built = write_oci_layout(&tmp, images)?;
    let f = std::fs::File::create(file)?;
    let mut b = tar::Builder::new(f);
    b.append_dir_all(".", &tmp)?;
    b.finish()?;
    std::fs::remove_dir_all(&tmp)?;
    Ok(built)
}

fn tempdir_near(file: &Path) -> io::Result<std::path::PathBuf> {
    let parent = file.parent().unwrap_or(Path::new("."));
    let name = format!(
        ".{}.layout",
        file.file_name().and_then(|n| n.to_str()).unwrap_or("oci")
    );
    let p = parent.join(name);
    if p.exists() {
        std::fs::remove_dir_all(&p)?;
    }
    std::fs::create_dir_all(&p)?;
    Ok(p)
}

/// Writes a `docker save` style archive: `manifest.json`, `<config>.json`, `<id>/layer.tar`
/// (layers stored as given: uncompressed unless the layer says otherwise).
pub fn write_docker_archive(file: &Path, image: &Image, repo_tag: &str) -> io::Result<BuiltImage> {
    let b = image.build();
    let f = std::fs::File::create(file)?;
    let mut t = tar::Builder::new(f);
    let config_name = format!("{}.json", b.config_digest.trim_start_matches("sha256:"));
    append(&mut t, &config_name, &b.config)?;
    let mut layer_paths = Vec::new();
    for blob in &b.blobs {
        let p = format!("{}/layer.tar", blob.digest.trim_start_matches("sha256:"));
        append(&mut t, &p, &blob.bytes)?;
        layer_paths.push(p);
    }
    let manifest = json!([{"Config": config_name, "RepoTags": [repo_tag], "Layers": layer_paths}]);
    append(
        &mut t,
        "manifest.json",
        &serde_json::to_vec(&manifest).unwrap(),
    )?;
    t.finish()?;
    Ok(b)
}

fn append<W: Write>(t: &mut tar::Builder<W>, path: &str, data: &[u8]) -> io::Result<()> {
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_mtime(1_700_000_000);
    h.set_entry_type(tar::EntryType::Regular);
    t.append_data(&mut h, path, data)
}

/// Writes the layers applied in order into a plain folder (for `dir:` sources), honouring
/// whiteouts. Links are written as symlinks; hardlinks as copies.
pub fn write_rootfs(dir: &Path, image: &Image) -> io::Result<()> {
    for layer in &image.layers {
        for e in &layer.entries {
            match e {
                Entry::File { path, data, mode } => {
                    let (d, name) = split(path);
                    if name == ".wh..wh..opq" {
                        let target = dir.join(d);
                        if target.exists() {
                            std::fs::remove_dir_all(&target)?;
                        }
                        std::fs::create_dir_all(&target)?;
                    } else if let Some(n) = name.strip_prefix(".wh.") {
                        let target = dir.join(d).join(n);
                        if target.is_dir() {
                            std::fs::remove_dir_all(&target)?;
                        } else if target.symlink_metadata().is_ok() {
                            std::fs::remove_file(&target)?;
                        }
                    } else {
                        let p = dir.join(path);
                        if let Some(parent) = p.parent() {
                            std::fs::create_dir_all(parent)?;
                        }
                        if p.is_dir() {
                            std::fs::remove_dir_all(&p)?;
                        }
                        std::fs::write(&p, data)?;
                        use std::os::unix::fs::PermissionsExt;
                        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(*mode))?;
                    }
                }
                Entry::Dir { path } => std::fs::create_dir_all(dir.join(path))?,
                Entry::Symlink { path, target } => {
                    let p = dir.join(path);
                    if let Some(parent) = p.parent() {
                        std::fs::create_dir_all(parent)?;
                    }
                    let _ = std::fs::remove_file(&p);
                    std::os::unix::fs::symlink(target, p)?;
                }
                Entry::Hardlink { path, target } => {
                    std::fs::copy(dir.join(target), dir.join(path))?;
                }
                Entry::RawFile { .. } => {}
            }
        }
    }
    Ok(())
}

/// Writes a `docker save` archive in the newer format (Docker 25+): an OCI image layout
/// (`oci-layout`, `index.json`, `blobs/sha256/...`) plus a `manifest.json` whose `Config`
/// and `Layers` point into `blobs/sha256/` (layers stored as given, possibly compressed).
pub fn write_docker_archive_oci(
    file: &Path,
    image: &Image,
    repo_tag: &str,
) -> io::Result<BuiltImage> {
    let tmp = tempdir_near(file)?;
    let tag = repo_tag.rsplit(':').next().map(str::to_string);
    let mut built = write_oci_layout(&tmp, &[(image.clone(), tag)])?;
    let b = built.remove(0);
    let blob_path = |d: &str| format!("blobs/sha256/{}", d.trim_start_matches("sha256:"));
    let manifest = json!([{
        "Config": blob_path(&b.config_digest),
        "RepoTags": [repo_tag],
        "Layers": b.blobs.iter().map(|l| blob_path(&l.digest)).collect::<Vec<_>>(),
    }]);
    std::fs::write(
        tmp.join("manifest.json"),
        serde_json::to_vec(&manifest).unwrap(),
    )?;
    let f = std::fs::File::create(file)?;
    let mut t = tar::Builder::new(f);
    t.append_dir_all(".", &tmp)?;
    t.finish()?;
    std::fs::remove_dir_all(&tmp)?;
    Ok(b)
}
