//! Structured logging into the host's log, tagged with the component.
//!
//! ```no_run
//! idempo_sdk::log::info("match laid out");
//! idempo_sdk::log::write(idempo_sdk::log::Level::Warn, "odd input", &[("players", "1")]);
//! ```
//!
//! Logging is not an effect: lines are written even when the call is later
//! rolled back, and they never change a component's result.

use crate::bindings::base::idempo::game::log as raw;

pub use raw::Level;

/// Writes `message` with key-value `fields` at `level`.
pub fn write(level: Level, message: &str, fields: &[(&str, &str)]) {
    let fields: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    raw::write(level, message, &fields);
}

/// Writes `message` at trace level.
pub fn trace(message: &str) {
    raw::write(Level::Trace, message, &[]);
}

/// Writes `message` at debug level.
pub fn debug(message: &str) {
    raw::write(Level::Debug, message, &[]);
}

/// Writes `message` at info level.
pub fn info(message: &str) {
    raw::write(Level::Info, message, &[]);
}

/// Writes `message` at warn level.
pub fn warn(message: &str) {
    raw::write(Level::Warn, message, &[]);
}

/// Writes `message` at error level.
pub fn error(message: &str) {
    raw::write(Level::Error, message, &[]);
}
