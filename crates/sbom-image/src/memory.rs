//! An image layout held in memory: its files by path. The fuzz targets of the index,
//! manifest and config parsers (crate `sbom-fuzz`) read layouts this way, through the
//! same sources as a folder or an archive.
use std::collections::BTreeMap;
use std::io::Cursor;

use crate::docker::DockerSource;
use crate::oci::OciSource;
use crate::store::{normalise, Store};
use crate::stream::RawBlob;
use crate::{ImageError, ImageSource};

struct MemStore(BTreeMap<String, Vec<u8>>);

impl Store for MemStore {
    fn open(&self, path: &str) -> Result<Option<(RawBlob, u64)>, ImageError> {
        let Some(bytes) = normalise(path).and_then(|p| self.0.get(&p)) else {
            return Ok(None);
        };
        Ok(Some((
            Box::new(Cursor::new(bytes.clone())),
            bytes.len() as u64,
        )))
    }
}

/// The image of a layout in memory: a docker archive when `files` has a
/// `manifest.json`, else an OCI layout (`index.json`, `blobs/sha256/HEX`), the choice
/// an archive source makes.
#[doc(hidden)]
pub fn open_in_memory(
    reference: &str,
    files: BTreeMap<String, Vec<u8>>,
    tag: Option<String>,
) -> Result<Box<dyn ImageSource>, ImageError> {
    let store = Box::new(MemStore(files));
    if store.0.contains_key("manifest.json") {
        let source = DockerSource::new(store, reference, reference.to_string(), None)?;
        return Ok(Box::new(source));
    }
    Ok(Box::new(OciSource {
        store,
        reference: reference.to_string(),
        name: reference.to_string(),
        tag,
    }))
}
