//! The second level of the layer cache: a store many machines share (the registry,
//! `--cache-registry`), behind a trait so this crate does not depend on the registry
//! client. The local cache stays the first level: an entry fetched from the second is
//! checked ([`crate::cache::decode_entry`]: written for this layer, checksum) and filed
//! locally; an analysis is filed in both.
//!
//! Entries are the local cache's bytes ([`crate::cache::encode_entry`]), keyed by the
//! verified layer digest and the analysis version, like the local files.

/// What a claim on a layer's analysis gave.
pub enum RemoteClaim {
    /// Analyse it; the lease is dropped once the entry is stored (or the analysis
    /// failed), which releases the claim for the other machines.
    Analyse(Option<Box<dyn std::any::Any + Send>>),
    /// Another machine filed the entry while we waited: fetch it.
    LookAgain,
}

/// A layer cache shared between machines.
pub trait RemoteCache: Send + Sync {
    /// Where it is, for messages (`registry.example/team/sbom-cache`).
    fn name(&self) -> String;

    /// The entry filed under `key` for `analysis`; `Ok(None)` when there is none. An
    /// error (unreachable, a foreign or damaged artifact) is a warning: the layer is
    /// analysed.
    fn fetch(&self, key: &str, analysis: &str) -> Result<Option<Vec<u8>>, String>;

    /// Files `entry` under `key` for `analysis`.
    fn store(&self, key: &str, analysis: &str, entry: &[u8]) -> Result<(), String>;

    /// Claims the analysis of `key` among the machines sharing the store: while one
    /// machine analyses a layer, the others wait for its entry instead of repeating
    /// the work. Only an optimisation: any trouble means analysing anyway.
    fn claim(&self, key: &str, analysis: &str) -> RemoteClaim {
        let _ = (key, analysis);
        RemoteClaim::Analyse(None)
    }
}
