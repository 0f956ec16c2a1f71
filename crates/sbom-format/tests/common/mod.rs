//! A realistic SBOM built in code: Debian packages (epoch versions, source packages,
//! a distro), Python packages in the system dist-packages and in two venvs (the same
//! project twice), a declared package, owns and depends relationships, SPDX and
//! free-text licenses.
#![allow(dead_code)]

use std::path::PathBuf;

use sbom_model::{
    Checksum, Distro, Ecosystem, HashAlgorithm, LayerRef, License, Origin, Package, Platform,
    Relationship, RelationshipKind, Sbom, Subject, SubjectKind, Tool,
};

pub fn layer(index: u32) -> LayerRef {
    LayerRef {
        index,
        diff_id: format!("sha256:{}", format!("{index}d").repeat(32)),
        digest: Some(format!("sha256:{}", format!("{index}c").repeat(32))),
    }
}

fn deb(id: &str, name: &str, version: &str, supplier: &str, layer_index: u32) -> Package {
    let mut p = Package::new(Ecosystem::Deb, name, version);
    p.id = id.into();
    p.arch = Some("amd64".into());
    p.supplier = Some(supplier.into());
    p.metadata_path = Some("var/lib/dpkg/status".into());
    p.layer = Some(layer(layer_index));
    p.introduced_in = Some(layer(0));
    p
}

fn py(
    id: &str,
    name: &str,
    version: &str,
    site: &str,
    supplier: &str,
    layer_index: u32,
) -> Package {
    let mut p = Package::new(Ecosystem::Pypi, name, version);
    p.id = id.into();
    p.supplier = Some(supplier.into());
    p.site_root = Some(site.into());
    p.metadata_path = Some(format!(
        "{site}/{}-{version}.dist-info/METADATA",
        name.replace('-', "_")
    ));
    p.layer = Some(layer(layer_index));
    p.introduced_in = Some(layer(layer_index));
    p
}

pub fn fixture() -> Sbom {
    let mut libc = deb(
        "t-libc",
        "libc6",
        "2.36-9+deb12u4",
        "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
        0,
    );
    libc.source_name = Some("glibc".into());
    libc.installed_size = Some(12_985_344);
    libc.homepage = Some("https://www.gnu.org/software/libc/libc.html".into());
    libc.description = Some("GNU C Library: Shared libraries".into());
    libc.licenses = vec![
        License::Spdx("LGPL-2.1-or-later".into()),
        License::Spdx("GPL-2.0-or-later WITH GCC-exception-2.0".into()),
    ];
    libc.depends = vec!["libgcc-s1".into()];

    let mut zlib = deb(
        "t-zlib",
        "zlib1g",
        "1:1.2.13.dfsg-1",
        "Mark Brown <broonie@debian.org>",
        0,
    );
    zlib.source_name = Some("zlib".into());
    zlib.source_version = Some("1:1.2.13.dfsg-1".into());
    zlib.licenses = vec![License::Spdx("Zlib".into())];

    let mut gcc = deb(
        "t-gcc",
        "libgcc-s1",
        "12.2.0-14",
        "Debian GCC Maintainers <debian-gcc@lists.debian.org>",
        0,
    );
    gcc.source_name = Some("gcc-12".into());
    gcc.licenses = vec![License::Named(
        "GCC Runtime Library Exception, see /usr/share/doc/libgcc-s1/copyright".into(),
    )];

    let mut yaml_deb = deb(
        "t-yaml-deb",
        "python3-yaml",
        "6.0-3+b2",
        "Debian Python Team <team+python@tracker.debian.org>",
        1,
    );
    yaml_deb.source_name = Some("pyyaml".into());
    yaml_deb.source_version = Some("6.0-3".into());
    yaml_deb.introduced_in = Some(layer(1));
    yaml_deb.licenses = vec![License::Spdx("MIT".into())];
    yaml_deb.depends = vec!["libc6".into()];

    let mut pyyaml = py(
        "t-pyyaml",
        "PyYAML",
        "6.0",
        "usr/lib/python3/dist-packages",
        "Kirill Simonov <xi@resolvent.net>",
        1,
    );
    pyyaml.author = Some("Kirill Simonov".into());
    pyyaml.licenses = vec![License::Spdx("MIT".into())];
    pyyaml.homepage = Some("https://pyyaml.org/".into());

    let kolla = "var/lib/kolla/venv/lib/python3.11/site-packages";
    let tool = "opt/tool/venv/lib/python3.11/site-packages";
    let mut keystone = py(
        "t-keystone",
        "keystone",
        "25.0.0",
        kolla,
        "OpenStack <openstack-discuss@lists.openstack.org>",
        2,
    );
    keystone.licenses = vec![License::Spdx("Apache-2.0".into())];
    keystone.homepage = Some("https://docs.openstack.org/keystone/latest/".into());
    keystone.description = Some("OpenStack Identity".into());
    keystone.checksums = vec![
        Checksum {
            algorithm: HashAlgorithm::Sha256,
            value: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        },
        // A pip RECORD hash left in its urlsafe-base64 form: not hex, must not break the output.
        Checksum {
            algorithm: HashAlgorithm::Sha256,
            value: "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg".into(),
        },
    ];
    keystone.depends = vec!["requests".into(), "oslo.config".into()];

    let mut oslo = py(
        "t-oslo",
        "oslo.config",
        "9.4.0",
        kolla,
        "OpenStack <openstack-discuss@lists.openstack.org>",
        2,
    );
    oslo.licenses = vec![
        License::Spdx("Apache-2.0".into()),
        License::Named("Custom Terms v1 (see LICENSE)".into()),
    ];

    let mut req_a = py(
        "t-req-a",
        "requests",
        "2.31.0",
        kolla,
        "Kenneth Reitz <me@kennethreitz.org>",
        2,
    );
    req_a.licenses = vec![License::Spdx("Apache-2.0".into())];
    let mut req_b = py(
        "t-req-b",
        "requests",
        "2.31.0",
        tool,
        "Kenneth Reitz <me@kennethreitz.org>",
        2,
    );
    req_b.licenses = vec![License::Spdx("Apache-2.0".into())];
    req_b
        .properties
        .insert("sbom:installer".into(), "pip".into());

    let mut ssh = Package::new(Ecosystem::Deb, "openssh-server", "1:9.2p1-2+deb12u3");
    ssh.id = "t-ssh".into();
    ssh.arch = Some("amd64".into());
    ssh.supplier = Some("Debian OpenSSH Maintainers <debian-ssh@lists.debian.org>".into());
    ssh.licenses = vec![
        License::Spdx("BSD-2-Clause AND ISC".into()),
        // A package that names its own LicenseRef (repoze.lru does).
        License::Spdx("LicenseRef-Repoze-BSD-derived".into()),
    ];
    ssh.origin = Origin::Declared {
        file: "playbooks/base.yml".into(),
        line: Some(12),
        scope: Some("control".into()),
    };

    let rel = |from: &str, kind, to: &str| Relationship {
        from: from.into(),
        kind,
        to: to.into(),
    };
    let mut sbom = Sbom {
        subject: Subject {
            kind: SubjectKind::Image,
            reference: "registry.example.org/osism/keystone:2024.2".into(),
            name: "registry.example.org/osism/keystone".into(),
            tag: Some("2024.2".into()),
            repository: Some("registry.example.org/osism/keystone".into()),
            manifest_digest: Some(format!("sha256:{}", "ab".repeat(32))),
            config_digest: Some(format!("sha256:{}", "cd".repeat(32))),
            platform: Some(Platform {
                os: "linux".into(),
                architecture: "amd64".into(),
                variant: None,
            }),
            layers: vec![layer(0), layer(1), layer(2)],
            supplier: Some("OSISM GmbH <info@osism.tech>".into()),
            verification: Some("all".into()),
            created_by: [
                (0, "/bin/sh -c #(nop) ADD file:1234 in /".to_string()),
                (
                    2,
                    "RUN /bin/sh -c pip install keystone==25.0.0 # buildkit".to_string(),
                ),
            ]
            .into(),
        },
        distro: Some(Distro {
            id: "debian".into(),
            version_id: Some("12".into()),
            version_codename: Some("bookworm".into()),
            pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
            id_like: Vec::new(),
        }),
        packages: vec![
            keystone, libc, req_b, zlib, ssh, pyyaml, gcc, oslo, yaml_deb, req_a,
        ],
        relationships: vec![
            rel("t-libc", RelationshipKind::DependsOn, "t-gcc"),
            rel("t-yaml-deb", RelationshipKind::DependsOn, "t-libc"),
            rel("t-yaml-deb", RelationshipKind::Owns, "t-pyyaml"),
            rel("t-keystone", RelationshipKind::DependsOn, "t-req-a"),
            rel("t-keystone", RelationshipKind::DependsOn, "t-oslo"),
        ],
        tools: vec![Tool {
            name: "sbom".into(),
            version: "0.0.0-test".into(),
        }],
        created: Some("2024-05-01T12:00:00Z".into()),
        authors: vec!["OSISM release team".into()],
        ..Sbom::default()
    };
    sbom.finalize();
    sbom
}

/// The validator: `$SBOM_VALIDATE`, else `../../../shared/tools/validate-sbom` from this
/// crate. Missing is a failure, not a skip: CI provides it.
pub fn validator() -> PathBuf {
    let tool = match std::env::var_os("SBOM_VALIDATE") {
        Some(p) => PathBuf::from(p),
        None => {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools/validate-sbom")
        }
    };
    assert!(
        tool.exists(),
        "validate-sbom not found at {} (set SBOM_VALIDATE)",
        tool.display()
    );
    tool
}

/// The formats the validator checks.
pub const VALIDATED: [&str; 5] = [
    "cyclonedx-json",
    "cyclonedx-json@1.5",
    "cyclonedx-xml",
    "spdx-json",
    "spdx-tag-value",
];

/// Writes `sbom` in every [`VALIDATED`] format into `dir`, runs the validator over the
/// files (with `extra` flags), checks that every file is OK and returns its output.
pub fn write_and_validate(sbom: &Sbom, dir: &std::path::Path, extra: &[&str]) -> String {
    let tool = validator();
    let mut files = Vec::new();
    for name in VALIDATED {
        let f: sbom_format::Format = name.parse().expect("format");
        let path = dir.join(format!("{}{}", name.replace('@', "-"), f.file_suffix()));
        std::fs::write(&path, sbom_format::write(sbom, &f).expect("writes")).expect("write file");
        files.push(path);
    }
    let output = std::process::Command::new(&tool)
        .args(extra)
        .args(&files)
        .output()
        .expect("run validate-sbom");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "validate-sbom failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("OK ")).count(),
        files.len(),
        "{stdout}"
    );
    stdout
}
