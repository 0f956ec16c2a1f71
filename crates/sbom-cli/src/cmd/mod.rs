//! One module per subcommand.
pub mod ansible;
pub mod audit;
pub mod diff;
pub mod load;
pub mod report;
pub mod scan;
