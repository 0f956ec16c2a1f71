//! Image references as users write them, normalised the way docker does.
//!
//! `quay.io/osism/keystone:yoga`, `keystone@sha256:...`, `debian:bookworm`
//! (Docker Hub, `library/`), `registry:5000/x/y:tag`, and an explicit `registry:` prefix.
use std::fmt;

use crate::RegistryError;

/// The Docker Hub registry as references name it.
pub const DOCKER_HUB: &str = "docker.io";

/// A parsed image reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host[:port] as written (`docker.io` for Docker Hub).
    pub registry: String,
    /// Repository path (`osism/keystone`, `library/debian`).
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses a reference. An explicit `registry:` or `docker://` prefix is accepted.
    pub fn parse(input: &str) -> Result<ImageRef, RegistryError> {
        let bad = |why: &str| RegistryError::Reference {
            reference: input.to_string(),
            message: why.to_string(),
        };
        let s = input
            .strip_prefix("registry:")
            .or_else(|| input.strip_prefix("docker://"))
            .unwrap_or(input)
            .trim();
        if s.is_empty() {
            return Err(bad("empty reference"));
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                let (algo, hexpart) = d
                    .split_once(':')
                    .ok_or_else(|| bad("digest must look like sha256:<64 hex>"))?;
                if algo != "sha256"
                    || hexpart.len() != 64
                    || !hexpart.bytes().all(|b| b.is_ascii_hexdigit())
                {
                    return Err(bad("digest must look like sha256:<64 hex>"));
                }
                (r, Some(d.to_ascii_lowercase()))
            }
            None => (s, None),
        };
        // A tag is after the last ':' that comes after the last '/'.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let t = &rest[last_slash + i + 1..];
                (&rest[..last_slash + i], Some(t.to_string()))
            }
            None => (rest, None),
        };
        if let Some(t) = &tag {
            let ok = !t.is_empty()
                && t.len() <= 128
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-');
            if !ok {
                return Err(bad("invalid tag"));
            }
        }
        let (registry, repository) = match name.split_once('/') {
            Some((first, path))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_string(), path.to_string())
            }
            _ => (DOCKER_HUB.to_string(), name.to_string()),
        };
        let registry = if registry == "index.docker.io" || registry == "registry-1.docker.io" {
            DOCKER_HUB.to_string()
        } else {
            registry
        };
        let repository = if registry == DOCKER_HUB && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        if repository.is_empty()
            || repository.split('/').any(|c| {
                c.is_empty()
                    || !c.bytes().all(|b| {
                        b.is_ascii_lowercase()
                            || b.is_ascii_digit()
                            || b == b'.'
                            || b == b'_'
                            || b == b'-'
                    })
            })
        {
            return Err(bad(
                "invalid repository name (lower-case letters, digits, `._-` and `/`)",
            ));
        }
        let tag = if tag.is_none() && digest.is_none() {
            Some("latest".to_string())
        } else {
            tag
        };
        Ok(ImageRef {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The host to talk to (Docker Hub's API lives at `registry-1.docker.io`).
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            "registry-1.docker.io"
        } else {
            &self.registry
        }
    }

    /// What to ask the manifests endpoint for: the digest when given, else the tag.
    pub fn manifest_ref(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// `registry/repository` (`quay.io/osism/keystone`).
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// Whether `host[:port]` is a loopback address that docker talks plain HTTP to by default.
pub fn is_loopback(registry: &str) -> bool {
    let host = if let Some(rest) = registry.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        registry.rsplit_once(':').map_or(registry, |(h, _)| h)
    };
    if host == "localhost" || host == "::1" {
        return true;
    }
    host.parse::<std::net::Ipv4Addr>()
        .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> ImageRef {
        ImageRef::parse(s).unwrap()
    }

    #[test]
    fn quay_reference() {
        let r = p("quay.io/osism/keystone:yoga");
        assert_eq!(r.registry, "quay.io");
        assert_eq!(r.repository, "osism/keystone");
        assert_eq!(r.tag.as_deref(), Some("yoga"));
        assert_eq!(r.name(), "quay.io/osism/keystone");
    }

    #[test]
    fn docker_hub_shorthand_gets_library() {
        let r = p("debian:bookworm");
        assert_eq!(r.registry, "docker.io");
        assert_eq!(r.repository, "library/debian");
        assert_eq!(r.api_host(), "registry-1.docker.io");
        let r = p("osism/keystone");
        assert_eq!(r.repository, "osism/keystone");
        assert_eq!(r.tag.as_deref(), Some("latest"));
    }

    #[test]
    fn digest_reference() {
        let d = format!("sha256:{}", "a".repeat(64));
        let r = p(&format!("keystone@{d}"));
        assert_eq!(r.repository, "library/keystone");
        assert_eq!(r.tag, None);
        assert_eq!(r.manifest_ref(), d);
        assert!(ImageRef::parse("keystone@sha256:abc").is_err());
    }

    #[test]
    fn registry_with_port_and_prefix() {
        let r = p("registry:127.0.0.1:5000/x/y:tag");
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "x/y");
        assert_eq!(r.tag.as_deref(), Some("tag"));
        let r = p("localhost:5000/y");
        assert_eq!(r.registry, "localhost:5000");
        assert_eq!(r.tag.as_deref(), Some("latest"));
    }

    #[test]
    fn bad_references_are_errors() {
        assert!(ImageRef::parse("").is_err());
        assert!(ImageRef::parse("Quay.io/UPPER/x").is_err());
        assert!(ImageRef::parse("x:bad tag").is_err());
    }

    #[test]
    fn loopback_detection() {
        assert!(is_loopback("127.0.0.1:5000"));
        assert!(is_loopback("127.1.2.3"));
        assert!(is_loopback("localhost:5000"));
        assert!(is_loopback("[::1]:5000"));
        assert!(!is_loopback("quay.io"));
        assert!(!is_loopback("10.0.0.1:5000"));
    }
}
