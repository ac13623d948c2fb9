//! A key-value store scoped to this component within its game.
//!
//! Reads see committed values and this call's own writes. Writes are
//! buffered by the host and committed only if the whole call succeeds, so a
//! component never sees half of another call's writes. The host bounds key
//! size, value size and the number of writes per call; a write over a bound
//! is an [`Error::Host`].

use serde::{Serialize, de::DeserializeOwned};

use crate::bindings::base::idempo::game::kv as raw;
use crate::{Error, Result};

/// The bytes stored under `key`, if any.
pub fn get(key: &str) -> Option<Vec<u8>> {
    raw::get(key)
}

/// Stores `value` under `key`.
pub fn set(key: &str, value: &[u8]) -> Result<()> {
    raw::set(key, value).map_err(Error::Host)
}

/// Removes `key`; removing a missing key is not an error.
pub fn delete(key: &str) -> Result<()> {
    raw::delete(key).map_err(Error::Host)
}

/// The JSON value stored under `key`, decoded as `T`, if any.
pub fn get_json<T: DeserializeOwned>(key: &str) -> Result<Option<T>> {
    match raw::get(key) {
        Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        None => Ok(None),
    }
}

/// Stores `value` under `key`, encoded as JSON.
pub fn set_json<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<()> {
    let bytes = serde_json::to_vec(value)?;
    set(key, &bytes)
}
