//! The dpkg status and Python METADATA parsers, through their catalogers' public entry
//! point over a file view: `cargo bench -p sbom-catalog --bench parsers`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sbom_catalog::catalogers::{dpkg::DpkgCataloger, python::PythonCataloger};
use sbom_catalog::{CapturedFile, Cataloger, Context, FileView};

fn file(path: &str, data: String) -> CapturedFile {
    CapturedFile {
        path: path.to_string(),
        data: Arc::new(data.into_bytes()),
        layer: None,
    }
}

/// A status file like a Debian image's: 1000 installed packages with the usual fields.
fn status() -> String {
    let mut s = String::new();
    for i in 0..1000 {
        s.push_str(&format!(
            "Package: libexample{i}\nStatus: install ok installed\nPriority: optional\nSection: libs\n\
             Installed-Size: {}\nMaintainer: Debian Example Maintainers <example@lists.debian.org>\n\
             Architecture: amd64\nMulti-Arch: same\nSource: example{} (1.{i}-2)\nVersion: 1.{i}-2+deb12u1\n\
             Depends: libc6 (>= 2.34), libgcc-s1 (>= 3.0), zlib1g (>= 1:1.2.0)\n\
             Description: example library {i}\n This is the long description of the\n example library.\n .\n It spans lines.\n\
             Homepage: https://example.org/{i}\n\n",
            100 + i,
            i / 3
        ));
    }
    s
}

/// One METADATA per package, with the fields a wheel carries and a long description.
fn metadata(i: usize) -> String {
    let mut s = format!(
        "Metadata-Version: 2.1\nName: oslo.example{i}\nVersion: {i}.2.0\nSummary: An example library\n\
         Home-page: https://example.org/{i}\nAuthor: OpenStack\nAuthor-email: openstack-discuss@lists.openstack.org\n\
         License: Apache-2.0\nClassifier: License :: OSI Approved :: Apache Software License\n\
         Classifier: Programming Language :: Python :: 3\nRequires-Python: >=3.8\n"
    );
    for d in [
        "pbr>=2.0.0",
        "requests (>=2.14.2)",
        "oslo.config>=5.2.0",
        "PyYAML>=5.1; python_version>'3'",
    ] {
        s.push_str(&format!("Requires-Dist: {d}\n"));
    }
    s.push('\n');
    for _ in 0..40 {
        s.push_str(
            "A long description line of the package, as README files are copied into METADATA.\n",
        );
    }
    s
}

fn bench(c: &mut Criterion) {
    let ctx = Context::default();
    let status = status();
    let bytes = status.len() as u64;
    let view = FileView::from_files([file("var/lib/dpkg/status", status)]);
    let mut g = c.benchmark_group("parsers");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("dpkg_status_1000", |b| {
        b.iter(|| DpkgCataloger.catalog(&view, &ctx))
    });
    let site = "var/lib/kolla/venv/lib/python3.11/site-packages";
    let files: Vec<CapturedFile> = (0..100)
        .map(|i| {
            file(
                &format!("{site}/oslo.example{i}-{i}.2.0.dist-info/METADATA"),
                metadata(i),
            )
        })
        .collect();
    let bytes: u64 = files.iter().map(|f| f.data.len() as u64).sum();
    let view = FileView::from_files(files);
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("python_metadata_100", |b| {
        b.iter(|| PythonCataloger.catalog(&view, &ctx))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
