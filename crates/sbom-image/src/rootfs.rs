//! `dir:PATH`: an unpacked root filesystem, presented as one pseudo-layer.

use std::path::{Path, PathBuf};

use crate::{ImageError, ImageSource, LayerContent, LayerDescriptor, Platform, ResolvedImage};

pub(crate) struct DirSource {
    reference: String,
    root: PathBuf,
    name: String,
}

impl DirSource {
    pub(crate) fn new(reference: &str, root: &Path, name: String) -> DirSource {
        DirSource {
            reference: reference.to_string(),
            root: root.to_path_buf(),
            name,
        }
    }
}

impl ImageSource for DirSource {
    /// A folder has no platform: `platform` is ignored and the result names none.
    fn resolve(&self, _platform: &Platform) -> Result<ResolvedImage, ImageError> {
        Ok(ResolvedImage {
            reference: self.reference.clone(),
            name: self.name.clone(),
            tag: None,
            repository: None,
            manifest_digest: None,
            config_digest: None,
            platform: None,
            layers: vec![LayerDescriptor {
                index: 0,
                digest: String::new(),
                diff_id: String::new(),
                media_type: String::new(),
                size: None,
                created_by: None,
            }],
            labels: Default::default(),
            verify: Default::default(),
        })
    }

    fn open_layer(
        &self,
        image: &ResolvedImage,
        layer: &LayerDescriptor,
    ) -> Result<LayerContent, ImageError> {
        if layer.index != 0 {
            return Err(ImageError::Layer {
                image: image.reference.clone(),
                digest: format!("#{}", layer.index),
                message: "a rootfs folder has only layer 0".into(),
            });
        }
        Ok(LayerContent::Directory(self.root.clone()))
    }
}
