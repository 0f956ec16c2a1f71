//! Shared helpers for the CLI tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use sbom_testkit::{Compression, Image, Layer};

/// The `sbom` binary with a private cache folder and a fixed timestamp.
pub fn sbom(cache: &Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("sbom").expect("binary");
    c.env("SBOM_CACHE_DIR", cache)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env_remove("XDG_CACHE_HOME");
    c
}

/// The official validators (../shared/tools/validate-sbom), or $SBOM_VALIDATE.
pub fn validator() -> PathBuf {
    if let Some(p) = std::env::var_os("SBOM_VALIDATE") {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools/validate-sbom")
}

/// Runs validate-sbom over files and fails with its output when any is invalid.
pub fn validate(files: &[PathBuf], extra: &[&str]) {
    let v = validator();
    assert!(
        v.exists(),
        "validate-sbom not found at {} (set SBOM_VALIDATE)",
        v.display()
    );
    let out = Command::new(&v)
        .args(extra)
        .args(files)
        .output()
        .expect("run validate-sbom");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "validate-sbom failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("OK ")).count(),
        files.len(),
        "every file OK:\n{stdout}"
    );
}

pub const OS_RELEASE: &str = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n";

pub fn stanza(name: &str, version: &str, extra: &str) -> String {
    format!(
        "Package: {name}\nStatus: install ok installed\nPriority: optional\nSection: libs\nInstalled-Size: 120\nMaintainer: Debian Team <team@debian.org>\nArchitecture: amd64\nVersion: {version}\n{extra}Description: {name} package\n the long text\n\n"
    )
}

pub fn metadata(name: &str, version: &str, license: &str) -> String {
    format!(
        "Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {name} summary\nAuthor: Jane Dev\nAuthor-email: jane@example.org\nLicense: {license}\nRequires-Dist: six\n\n{name} long description\n"
    )
}

pub const VENV: &str = "var/lib/kolla/venv/lib/python3.11/site-packages";

/// A keystone-like image: a Debian base with dpkg packages, a layer of python3 debs with a
/// dist-info owned by python3-six, a venv, and a top layer that removes a deb and a pip package.
pub fn keystone_like(compressions: [Compression; 3]) -> Image {
    let status1 = format!(
        "{}{}",
        stanza("base-files", "12.4+deb12u5", ""),
        stanza("libc6", "2.36-9+deb12u4", "Source: glibc\n"),
    );
    let base = Layer::new(compressions[0])
        .file("etc/os-release", OS_RELEASE)
        .file("var/lib/dpkg/status", &status1)
        .file("var/lib/dpkg/info/libc6:amd64.list", "/lib/x86_64-linux-gnu/libc.so.6\n")
        .file(
            "usr/share/doc/libc6/copyright",
            "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: FSF\nLicense: LGPL-2.1+\n",
        );
    let status2 = format!(
        "{status1}{}{}{}",
        stanza("python3-six", "1.16.0-4", "Depends: python3:any\n"),
        stanza("curl", "7.88.1-10+deb12u5", "Depends: libc6 (>= 2.34)\n"),
        stanza("zlib1g", "1:1.2.13.dfsg-1", "Source: zlib\n"),
    );
    let apt = Layer::new(compressions[1])
        .file("var/lib/dpkg/status", &status2)
        .file(
            "var/lib/dpkg/info/python3-six.list",
            "/usr/lib/python3/dist-packages/six-1.16.0.dist-info\n/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA\n",
        )
        .file(
            "usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA",
            metadata("six", "1.16.0", "MIT"),
        );
    let venv = Layer::new(compressions[2])
        .file(
            &format!("{VENV}/keystone-25.0.0.dist-info/METADATA"),
            metadata("keystone", "25.0.0", "Apache-2.0"),
        )
        .file(
            &format!("{VENV}/keystone-25.0.0.dist-info/INSTALLER"),
            "pip\n",
        )
        .file(
            &format!("{VENV}/six-1.16.0.dist-info/METADATA"),
            metadata("six", "1.16.0", "MIT"),
        )
        .file(
            &format!("{VENV}/PyYAML-6.0.1.dist-info/METADATA"),
            metadata("PyYAML", "6.0.1", "MIT"),
        )
        .file(
            &format!("{VENV}/requests-2.31.0.dist-info/METADATA"),
            metadata("requests", "2.31.0", "Apache 2.0"),
        );
    let status3 = format!(
        "{status1}{}{}",
        stanza("python3-six", "1.16.0-4", "Depends: python3:any\n"),
        stanza("zlib1g", "1:1.2.13.dfsg-1", "Source: zlib\n"),
    );
    let cleanup = Layer::new(Compression::Gzip)
        .file("var/lib/dpkg/status", &status3)
        .whiteout(&format!("{VENV}/requests-2.31.0.dist-info"));
    Image::new(vec![base, apt, venv, cleanup])
}

/// Writes the keystone-like image as an OCI layout with tag `v1`.
pub fn keystone_layout(dir: &Path) -> PathBuf {
    let layout = dir.join("layout");
    sbom_testkit::write_oci_layout(
        &layout,
        &[(
            keystone_like([Compression::Gzip, Compression::Zstd, Compression::None]),
            Some("v1".into()),
        )],
    )
    .expect("layout");
    layout
}

/// (name, version) pairs of a CycloneDX document's components, sorted.
pub fn cdx_components(json: &serde_json::Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = json["components"]
        .as_array()
        .expect("components")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_string(),
                c["version"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Adds the tree under `root/sub` to `layer` at `prefix/sub` (files with their modes,
/// symbolic links, folders), in sorted order.
pub fn add_tree(mut layer: Layer, root: &Path, sub: &str, prefix: &str) -> Layer {
    use std::os::unix::fs::PermissionsExt;
    let mut stack = vec![sub.to_string()];
    while let Some(rel) = stack.pop() {
        let disk = root.join(&rel);
        let mut entries: Vec<_> = std::fs::read_dir(&disk)
            .unwrap_or_else(|e| panic!("{}: {e}", disk.display()))
            .map(|e| e.expect("entry"))
            .collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for e in entries {
            let name = format!("{rel}/{}", e.file_name().to_string_lossy());
            let at = format!("{prefix}{name}");
            let ft = e.file_type().expect("type");
            if ft.is_symlink() {
                let t = std::fs::read_link(e.path()).expect("link");
                layer = layer.symlink(&at, &t.to_string_lossy());
            } else if ft.is_dir() {
                layer = layer.dir(&at);
                stack.push(name);
            } else {
                let mode = e.metadata().expect("meta").permissions().mode() & 0o7777;
                layer = layer.file_mode(&at, std::fs::read(e.path()).expect("read"), mode);
            }
        }
    }
    layer
}
