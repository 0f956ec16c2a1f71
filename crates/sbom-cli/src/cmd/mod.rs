//! One module per subcommand.
pub mod ansible;
pub mod audit;
pub mod diff;
pub mod image;
pub mod load;
pub mod mirror;
pub mod report;
pub mod scan;
