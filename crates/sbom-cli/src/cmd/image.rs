//! The options of every command that opens images (`scan`, `diff`, `audit`): one group,
//! documented once, so a CI job's cache, credentials and verification level apply to
//! all of them alike.
use std::path::PathBuf;

use anyhow::{bail, Result};
use sbom_model::Platform;

/// How to open, verify and cache images.
#[derive(clap::Args, Debug, Clone, Default)]
#[command(next_help_heading = "Image options (scan, diff, audit)")]
pub struct ImageOptions {
    /// Platform to pick: os/arch[/variant]. Default: linux/amd64 from a
    /// multi-platform index; a single-platform image is scanned as it is, whatever its
    /// platform. `all` (scan with --output-dir): one SBOM per platform.
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,

    /// Layer cache folder (default: $XDG_CACHE_HOME/sbom).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Do not read or write the layer cache.
    #[arg(long)]
    pub no_cache: bool,

    /// A second layer cache level in a registry repository that several machines (CI
    /// runners, shards) share: looked up after the local cache and before downloading a
    /// layer; every analysis is stored there too. Entries are checked on load; a bad one
    /// is a warning and the layer is analysed. Needs push rights to store.
    #[arg(long, value_name = "HOST/REPO")]
    pub cache_registry: Option<String>,

    /// Which layer digests to check: `all` (each blob against the manifest and each
    /// layer's uncompressed tar against the config's diffID), `blobs` (only the digest that
    /// names the stored bytes; diffIDs of compressed layers taken as stated, as docker
    /// pull does), `none` (nothing hashed; decoders still fail on broken streams).
    /// Layer cache entries are filed only under checked digests: `none` files none
    #[arg(long, value_enum, default_value_t = VerifyLevel::All, value_name = "LEVEL")]
    pub verify: VerifyLevel,

    /// Treat warnings (hostile tar entries, malformed package records) as errors.
    #[arg(long)]
    pub strict: bool,

    /// Concurrency over images, layers and downloads together (default for a batch: CPU
    /// count, at least 2; for one image: all its layers at once, at most 8 downloads).
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,

    /// Print what happened (layers cached or analysed, timings) to stderr.
    #[arg(short, long)]
    pub verbose: bool,

    /// Print no warnings.
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// How to reach registries.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RegistryArgs {
    /// Registry host[:port] to reach over plain HTTP / unverified TLS (repeatable).
    /// localhost and 127.0.0.0/8 always are, as with docker.
    #[arg(long = "insecure-registry", value_name = "HOST[:PORT]")]
    pub insecure_registries: Vec<String>,

    /// User name for the registry (the password is read from stdin with --password-stdin).
    #[arg(long, requires = "password_stdin")]
    pub username: Option<String>,

    /// Read the registry password from stdin (one line).
    #[arg(long, requires = "username")]
    pub password_stdin: bool,
}

/// What `--platform` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlatformChoice {
    /// Nothing: linux/amd64 from an index, a single image as it is.
    Default,
    One(Platform),
    /// Every platform of a multi-platform image.
    All,
}

impl ImageOptions {
    /// `--platform`, parsed.
    pub fn platform_choice(&self) -> Result<PlatformChoice> {
        match self.platform.as_deref() {
            None => Ok(PlatformChoice::Default),
            Some("all") => Ok(PlatformChoice::All),
            Some(s) => Ok(PlatformChoice::One(parse_platform(s)?)),
        }
    }

    /// The one platform asked for (`None`: the default), for commands that read one
    /// image; `--platform all` is a usage error there.
    pub fn single_platform(&self, command: &str) -> Result<Option<Platform>> {
        match self.platform_choice()? {
            PlatformChoice::Default => Ok(None),
            PlatformChoice::One(p) => Ok(Some(p)),
            PlatformChoice::All => Err(crate::UsageError(format!(
                "{command}: --platform all makes one SBOM per platform; give one platform here (or use sbom scan --platform all --output-dir DIR)"
            ))
            .into()),
        }
    }

    /// The cache folder to use, or none with --no-cache.
    pub fn cache_dir(&self) -> Option<PathBuf> {
        if self.no_cache {
            None
        } else {
            self.cache_dir.clone().or_else(default_cache_dir)
        }
    }

    /// The shared cache of `--cache-registry`, if given.
    pub fn remote_cache(
        &self,
        registry: &sbom_registry::RegistryOptions,
    ) -> Result<Option<std::sync::Arc<dyn sbom_catalog::RemoteCache>>> {
        self.cache_registry
            .as_deref()
            .map(|name| crate::cmd::cache_registry::RegistryCache::open(name, registry))
            .transpose()
    }

    /// `--jobs`, or the CPU count (at least 2).
    pub fn jobs(&self) -> usize {
        self.jobs.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(std::num::NonZeroUsize::get)
                .unwrap_or(2)
                .max(2)
        })
    }
}

impl RegistryArgs {
    /// Registry options; reads the password from stdin when asked to.
    pub fn options(&self, jobs: usize) -> Result<sbom_registry::RegistryOptions> {
        let credentials = match (&self.username, self.password_stdin) {
            (Some(u), true) => Some(sbom_registry::Credentials::Basic {
                username: u.clone(),
                password: stdin_password()?,
            }),
            _ => None,
        };
        Ok(sbom_registry::RegistryOptions {
            insecure_registries: self.insecure_registries.clone(),
            credentials,
            max_concurrent_downloads: jobs.max(1),
            ..sbom_registry::RegistryOptions::default()
        })
    }
}

/// The password given on stdin, read once per process: `diff` and `audit` open several
/// images with the same options.
fn stdin_password() -> Result<String> {
    static PASSWORD: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    let read = || -> Result<String, String> {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
        let password = line.trim_end_matches(['\n', '\r']).to_string();
        if password.is_empty() {
            return Err("--password-stdin: no password on stdin".into());
        }
        Ok(password)
    };
    match PASSWORD.get_or_init(read) {
        Ok(p) => Ok(p.clone()),
        Err(e) => bail!("{e}"),
    }
}

/// `--verify`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VerifyLevel {
    #[default]
    All,
    Blobs,
    None,
}

impl From<VerifyLevel> for sbom_image::Verify {
    fn from(v: VerifyLevel) -> Self {
        match v {
            VerifyLevel::All => sbom_image::Verify::All,
            VerifyLevel::Blobs => sbom_image::Verify::Blobs,
            VerifyLevel::None => sbom_image::Verify::Nothing,
        }
    }
}

/// Opens a local source, or the registry for anything that is not a local path.
pub fn open_source(
    reference: &str,
    registry: &sbom_registry::RegistryOptions,
) -> Result<Box<dyn sbom_image::ImageSource>> {
    match sbom_image::SourceRef::parse(reference) {
        sbom_image::SourceRef::Registry(r) => {
            Ok(Box::new(sbom_registry::RegistrySource::new(&r, registry)?))
        }
        local => Ok(sbom_image::open_ref(reference, local)?),
    }
}

/// Parses `os/arch[/variant]` (`x86_64`/`aarch64` are taken for amd64/arm64).
pub fn parse_platform(s: &str) -> Result<Platform> {
    sbom_image::parse_platform(s).map_err(|_| {
        crate::UsageError(format!(
            "invalid --platform `{s}`: expected os/arch[/variant] (e.g. linux/amd64) or all"
        ))
        .into()
    })
}

/// The default cache folder: `$XDG_CACHE_HOME/sbom`, else `~/.cache/sbom`.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x).join("sbom"));
    }
    std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .map(|h| PathBuf::from(h).join(".cache").join("sbom"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_parsing() {
        let p = parse_platform("linux/arm64/v8").unwrap();
        assert_eq!(p.variant.as_deref(), Some("v8"));
        assert_eq!(
            parse_platform("linux/aarch64").unwrap().architecture,
            "arm64"
        );
        assert!(parse_platform("linux").is_err());
        assert!(parse_platform("linux//").is_err());
        let all = ImageOptions {
            platform: Some("all".into()),
            ..ImageOptions::default()
        };
        assert_eq!(all.platform_choice().unwrap(), PlatformChoice::All);
        assert!(all.single_platform("diff").is_err());
        assert_eq!(
            ImageOptions::default().single_platform("diff").unwrap(),
            None
        );
    }
}
