//! Resolves an image and verifies every layer: `cargo run -p sbom-image --example inspect -- REF [os/arch[/variant]]`.
use std::io::Read;

use sbom_image::{default_platform, open, parse_platform, LayerContent};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let reference = args.next().ok_or("usage: inspect REF [PLATFORM]")?;
    let platform = match args.next() {
        Some(p) => parse_platform(&p)?,
        None => default_platform(),
    };
    let source = open(&reference)?;
    let image = source.resolve(&platform)?;
    println!(
        "{} tag={:?} manifest={:?} config={:?} platform={:?}",
        image.name, image.tag, image.manifest_digest, image.config_digest, image.platform
    );
    for layer in &image.layers {
        match source.open_layer(&image, layer)? {
            LayerContent::Tar(mut t) => {
                let mut entries = 0;
                {
                    let mut ar = tar::Archive::new(&mut t);
                    for e in ar.entries()? {
                        let mut e = e?;
                        std::io::copy(&mut e, &mut std::io::sink())?;
                        entries += 1;
                    }
                }
                let mut rest = Vec::new();
                t.read_to_end(&mut rest)?;
                let stats = t.finish()?;
                println!(
                    "  layer {} {} diff_id={} entries={entries} {stats:?}",
                    layer.index, layer.digest, layer.diff_id
                );
            }
            LayerContent::Directory(p) => println!("  folder {}", p.display()),
        }
    }
    Ok(())
}
