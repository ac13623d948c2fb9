//! The call's logical clock.
//!
//! Never use `std::time` in a component: it breaks replay. This clock reads
//! the logical time of the match (or of the operation) the host is running,
//! so the same input always reads the same time.

use crate::bindings::base::idempo::game::clock as raw;

/// Logical milliseconds of the match (or of the operation) being run.
pub fn now_ms() -> u64 {
    raw::now_ms()
}
