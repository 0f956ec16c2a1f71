//! The registry of catalogers.
use crate::Cataloger;

/// Every cataloger, in a fixed order.
pub fn all() -> Vec<Box<dyn Cataloger>> {
    Vec::new()
}
