//! Errors of the Ansible reader and the declared-packages manifest.
use std::path::PathBuf;

/// Everything that can go wrong while reading a manifest or Ansible content.
#[derive(Debug, thiserror::Error)]
pub enum AnsibleError {
    /// A file or folder could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A YAML file is not valid YAML.
    #[error("{file}:{line}:{column}: YAML syntax error: {message}")]
    Yaml {
        file: PathBuf,
        /// 1-based line (0 when the parser gave no location).
        line: usize,
        /// 1-based column (0 when the parser gave no location).
        column: usize,
        message: String,
    },
    /// A declared-packages manifest entry is invalid.
    #[error("{file}:{line}: {message}")]
    Manifest {
        file: PathBuf,
        /// 1-based line of the entry (0 when unknown).
        line: usize,
        message: String,
    },
    /// The path is neither a role, a collection, a playbook folder nor a playbook.
    #[error("{path}: not an Ansible role, collection, playbook folder or playbook ({reason})")]
    NotAnsible { path: PathBuf, reason: String },
    /// An `--extra-vars` argument could not be used.
    #[error("extra vars `{arg}`: {message}")]
    ExtraVars { arg: String, message: String },
}

impl AnsibleError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        AnsibleError::Io {
            path: path.into(),
            source,
        }
    }
}
