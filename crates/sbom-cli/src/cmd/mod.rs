//! One module per subcommand.
pub mod ansible;
pub mod attach;
pub mod audit;
pub mod cache_registry;
pub mod diff;
pub mod image;
pub mod load;
pub mod mirror;
pub mod report;
pub mod scan;
