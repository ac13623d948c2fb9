//! The SDK's one error type, for host imports that can fail.

/// Why a host import failed.
///
/// Returning it (or its message) from a component function is the usual way
/// to reject: the host then commits none of the call's buffered effects.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The host refused the call, e.g. a key or value over its limit, or too
    /// many buffered writes in this call. The text is the host's.
    #[error("host refused: {0}")]
    Host(String),
    /// A value could not be encoded to, or decoded from, JSON.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

/// `Result` with the SDK's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
