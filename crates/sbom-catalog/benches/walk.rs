//! Inflate + tar walk of one gzip layer through the real layer stream (digest checked)
//! and the real walker with every cataloger's path selection: `cargo bench -p sbom-catalog --bench walk`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Cursor;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sbom_catalog::catalogers;
use sbom_catalog::walker::{index_tar, WalkConfig, DEFAULT_MAX_FILE_SIZE};
use sbom_image::{LayerDescriptor, ResolvedImage};
use sbom_testkit::{Compression, Layer};

/// A venv-like layer: many small unwanted files (pseudo-random text, so it compresses
/// like code does), dist-info folders with METADATA and RECORD, and a dpkg status.
fn layer() -> (Vec<u8>, u64) {
    let mut l = Layer::new(Compression::Gzip);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut text = |n: usize| -> String {
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let words = [
                    "def ", "self", ".x", " = ", "return ", "\n    ", "import ", "os",
                ];
                words[(x % words.len() as u64) as usize]
            })
            .collect()
    };
    let mut status = String::new();
    for i in 0..200 {
        status.push_str(&format!(
            "Package: pkg{i}\nStatus: install ok installed\nVersion: 1.{i}-1\nArchitecture: amd64\nDescription: package {i}\n\n"
        ));
    }
    l = l.file("var/lib/dpkg/status", status);
    let site = "var/lib/kolla/venv/lib/python3.11/site-packages";
    for p in 0..100 {
        let di = format!("{site}/proj{p}-1.0.dist-info");
        l = l
            .file(
                &format!("{di}/METADATA"),
                format!(
                    "Metadata-Version: 2.1\nName: proj{p}\nVersion: 1.0\nLicense: MIT\n\n{}",
                    text(200)
                ),
            )
            .file(&format!("{di}/RECORD"), text(100));
        for f in 0..60 {
            l = l.file(&format!("{site}/proj{p}/mod{f}.py"), text(400));
        }
    }
    let blob = l.blob();
    let uncompressed = l.tar_bytes().len() as u64;
    (blob.bytes, uncompressed)
}

fn bench(c: &mut Criterion) {
    let (blob, uncompressed) = layer();
    let digest = sbom_testkit::digest(&blob);
    let image = ResolvedImage {
        reference: "bench".into(),
        ..ResolvedImage::default()
    };
    let desc = LayerDescriptor {
        index: 0,
        digest,
        diff_id: String::new(),
        media_type: String::new(),
        size: Some(blob.len() as u64),
        created_by: None,
    };
    let cats = catalogers::all();
    let wants = |p: &str| cats.iter().any(|c| c.wants(p));
    let cfg = WalkConfig::paths(&wants, DEFAULT_MAX_FILE_SIZE);
    let mut g = c.benchmark_group("layer");
    g.throughput(Throughput::Bytes(uncompressed));
    g.sample_size(20);
    g.bench_function("inflate_walk_verify", |b| {
        b.iter(|| {
            let raw = Box::new(Cursor::new(blob.clone()));
            let mut layer = sbom_image::verify_blob(&image, &desc, raw).expect("opens");
            let idx = index_tar(&mut layer, &cfg).expect("walks");
            let stats = layer.finish().expect("verifies");
            (idx, stats)
        })
    });
    g.finish();
}

/// The path selection alone, run for every tar entry: the four catalogers that came
/// first (os-release, dpkg, python, apk) against all of them, over the paths of a venv
/// layer and of Debian/rpm/node/ruby trees: what the newer catalogers' `wants` add.
fn wants(c: &mut Criterion) {
    let mut paths: Vec<String> = Vec::new();
    let site = "var/lib/kolla/venv/lib/python3.11/site-packages";
    for p in 0..100 {
        paths.push(format!("{site}/proj{p}-1.0.dist-info/METADATA"));
        for f in 0..60 {
            paths.push(format!("{site}/proj{p}/mod{f}.py"));
        }
    }
    for i in 0..2000 {
        paths.push(format!("usr/share/doc/pkg{i}/changelog.Debian.gz"));
        paths.push(format!("usr/lib/x86_64-linux-gnu/libpkg{i}.so.1"));
        paths.push(format!("srv/app/node_modules/pkg{i}/lib/index.js"));
        paths.push(format!("srv/app/node_modules/pkg{i}/package.json"));
        paths.push(format!(
            "usr/lib/ruby/gems/3.1.0/gems/gem{i}-1.0/lib/gem{i}.rb"
        ));
        paths.push(format!("var/lib/rpm/__db.00{}", i % 4));
        paths.push(format!("usr/lib/sysimage/rpm/Index{i}.db"));
        paths.push(format!("etc/ssl/certs/cert{i}.pem"));
        paths.push(format!("usr/bin/tool{i}"));
    }
    let all = catalogers::all();
    let mut g = c.benchmark_group("wants");
    g.throughput(Throughput::Elements(paths.len() as u64));
    for (name, n) in [("os_dpkg_python_apk", 4), ("all", all.len())] {
        let cats = &all[..n];
        g.bench_function(name, |b| {
            b.iter(|| {
                paths
                    .iter()
                    .filter(|p| cats.iter().any(|c| c.wants(p)))
                    .count()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench, wants);
criterion_main!(benches);
