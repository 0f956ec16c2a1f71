//! A package: one installed (or declared) piece of software.
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::License;

/// The packaging ecosystem a package belongs to; decides purl type and version ordering.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Ecosystem {
    /// Debian/Ubuntu dpkg packages.
    Deb,
    /// Alpine apk packages.
    Apk,
    /// RPM packages.
    Rpm,
    /// Python distributions (PyPI).
    Pypi,
    /// Go modules (from the build info Go embeds in binaries).
    Golang,
    /// Rust crates (from `cargo auditable` data in binaries).
    Cargo,
    /// Java archives (Maven coordinates).
    Maven,
    /// npm packages (node_modules, lock files).
    Npm,
    /// Ruby gems.
    Gem,
    /// PHP Composer packages.
    Composer,
    /// A container image (OCI).
    Oci,
    /// A binary fetched outside any package manager.
    Binary,
    /// An archive fetched and unpacked outside any package manager.
    Archive,
    /// Anything else.
    #[default]
    Generic,
}

impl Ecosystem {
    /// All ecosystems, in display order.
    pub const ALL: [Ecosystem; 14] = [
        Ecosystem::Deb,
        Ecosystem::Apk,
        Ecosystem::Rpm,
        Ecosystem::Pypi,
        Ecosystem::Golang,
        Ecosystem::Cargo,
        Ecosystem::Maven,
        Ecosystem::Npm,
        Ecosystem::Gem,
        Ecosystem::Composer,
        Ecosystem::Oci,
        Ecosystem::Binary,
        Ecosystem::Archive,
        Ecosystem::Generic,
    ];

    /// The short lower-case name (`deb`, `pypi`, ...), also the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Deb => "deb",
            Ecosystem::Apk => "apk",
            Ecosystem::Rpm => "rpm",
            Ecosystem::Pypi => "pypi",
            Ecosystem::Golang => "golang",
            Ecosystem::Cargo => "cargo",
            Ecosystem::Maven => "maven",
            Ecosystem::Npm => "npm",
            Ecosystem::Gem => "gem",
            Ecosystem::Composer => "composer",
            Ecosystem::Oci => "oci",
            Ecosystem::Binary => "binary",
            Ecosystem::Archive => "archive",
            Ecosystem::Generic => "generic",
        }
    }

    /// Whether packages of this ecosystem are operating-system packages.
    pub fn is_os(self) -> bool {
        matches!(self, Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm)
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for an unknown ecosystem name.
#[derive(Debug, thiserror::Error)]
#[error("unknown ecosystem `{0}`")]
pub struct UnknownEcosystem(pub String);

impl FromStr for Ecosystem {
    type Err = UnknownEcosystem;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "deb" | "dpkg" | "debian" => Ecosystem::Deb,
            "apk" | "alpine" => Ecosystem::Apk,
            "rpm" => Ecosystem::Rpm,
            "pypi" | "python" | "pip" => Ecosystem::Pypi,
            "golang" | "go" => Ecosystem::Golang,
            "cargo" | "crates.io" | "rust" => Ecosystem::Cargo,
            "maven" | "java" => Ecosystem::Maven,
            "npm" | "node" => Ecosystem::Npm,
            "gem" | "rubygems" | "ruby" => Ecosystem::Gem,
            "composer" | "packagist" | "php" => Ecosystem::Composer,
            "oci" | "container-image" | "docker" => Ecosystem::Oci,
            "binary" => Ecosystem::Binary,
            "archive" => Ecosystem::Archive,
            "generic" => Ecosystem::Generic,
            _ => return Err(UnknownEcosystem(s.to_string())),
        })
    }
}

/// A layer of an image, as referenced from a package.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LayerRef {
    /// 0-based position in the image's layer list (bottom first).
    pub index: u32,
    /// The uncompressed digest (`sha256:...`) from the config's `rootfs.diff_ids`.
    pub diff_id: String,
    /// The blob digest from the manifest (compressed), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// Where a package's data came from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Origin {
    /// Seen in the scanned filesystem.
    #[default]
    Observed,
    /// Declared (a manifest or Ansible task), not seen.
    Declared {
        /// File that declared it.
        file: String,
        /// 1-based line, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        line: Option<u32>,
        /// Host group or role where it is installed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
    },
}

/// Hash algorithms we carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HashAlgorithm {
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlgorithm {
    /// Name as CycloneDX writes it (`SHA-256`).
    pub fn cyclonedx_name(self) -> &'static str {
        match self {
            HashAlgorithm::Md5 => "MD5",
            HashAlgorithm::Sha1 => "SHA-1",
            HashAlgorithm::Sha256 => "SHA-256",
            HashAlgorithm::Sha384 => "SHA-384",
            HashAlgorithm::Sha512 => "SHA-512",
        }
    }
    /// Name as SPDX writes it (`SHA256`).
    pub fn spdx_name(self) -> &'static str {
        match self {
            HashAlgorithm::Md5 => "MD5",
            HashAlgorithm::Sha1 => "SHA1",
            HashAlgorithm::Sha256 => "SHA256",
            HashAlgorithm::Sha384 => "SHA384",
            HashAlgorithm::Sha512 => "SHA512",
        }
    }
    /// Parses the names used by CycloneDX, SPDX, pip RECORD and checksum strings (`sha256`).
    pub fn parse(s: &str) -> Option<Self> {
        let k: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        Some(match k.as_str() {
            "md5" => HashAlgorithm::Md5,
            "sha1" => HashAlgorithm::Sha1,
            "sha256" => HashAlgorithm::Sha256,
            "sha384" => HashAlgorithm::Sha384,
            "sha512" => HashAlgorithm::Sha512,
            _ => return None,
        })
    }
}

/// A checksum: algorithm and lower-case hex value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Checksum {
    pub algorithm: HashAlgorithm,
    pub value: String,
}

/// One package. Fields not known stay `None`/empty; nothing is guessed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Stable identifier inside one SBOM (bom-ref); assigned by [`crate::Sbom::finalize`].
    #[serde(default)]
    pub id: String,
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// Package URL; computed by [`crate::Sbom::finalize`] when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Source package name (dpkg `Source:`, apk origin, rpm source rpm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    /// Who supplies it (dpkg Maintainer, apk maintainer, Python maintainer/author).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    /// Original author, when different from the supplier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download_url: Option<String>,
    /// Declared licenses, as found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<License>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checksums: Vec<Checksum>,
    /// Installed size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed_size: Option<u64>,
    /// Names of packages this one depends on, as declared (dpkg Depends/Pre-Depends
    /// names, Python Requires-Dist names, apk D:); resolved into relationships by the scanner.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends: Vec<String>,
    /// The metadata file this package was read from (path inside the image, no leading `/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_path: Option<String>,
    /// Python: the site-packages folder holding the dist-info/egg-info (`var/lib/kolla/venv/lib/python3.11/site-packages`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_root: Option<String>,
    /// Layer of the metadata file that won the squash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerRef>,
    /// First layer where this package appears with this version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced_in: Option<LayerRef>,
    #[serde(default, skip_serializing_if = "is_observed")]
    pub origin: Origin,
    /// Further facts, written as properties (`sbom:...` names).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, String>,
}

fn is_observed(o: &Origin) -> bool {
    *o == Origin::Observed
}

impl Package {
    /// A new package with the three identifying fields set.
    pub fn new(ecosystem: Ecosystem, name: impl Into<String>, version: impl Into<String>) -> Self {
        Package {
            ecosystem,
            name: name.into(),
            version: version.into(),
            ..Package::default()
        }
    }

    /// The name used to match this package across SBOMs: PEP 503 for Python, lower-case otherwise.
    pub fn normalized_name(&self) -> String {
        match self.ecosystem {
            Ecosystem::Pypi => crate::purl::pep503_name(&self.name),
            _ => self.name.to_ascii_lowercase(),
        }
    }

    /// Whether this package was declared rather than seen.
    pub fn is_declared(&self) -> bool {
        matches!(self.origin, Origin::Declared { .. })
    }

    /// The sort key that makes output deterministic.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            self.ecosystem,
            self.normalized_name(),
            self.version.as_str(),
            self.arch.as_deref(),
            self.site_root.as_deref(),
            self.metadata_path.as_deref(),
        )
    }
}
