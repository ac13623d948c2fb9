//! The idempotency keys of the requests running on this host, held in
//! memory while each runs: a second request with a running key is told so
//! at once (409 in flight, or 422 if its payload differs), with no write on
//! the way in. The record a command commits with its effects is what makes
//! it done, on every host (`store::idempotency`, "without a reservation"):
//! a duplicate that runs on another host meanwhile fails its commit.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

/// (game, scope, key): whose key it is.
type Key = (String, String, String);

/// This host's running keys and their request hashes. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct InFlightKeys {
    running: Arc<Mutex<HashMap<Key, String>>>,
}

/// Why a key could not be reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clash {
    /// The same request runs with the key.
    InFlight,
    /// Another request runs with the key.
    Reused,
}

/// A key reserved on this host; dropping it frees the key.
#[derive(Debug)]
pub struct Reserved {
    running: Arc<Mutex<HashMap<Key, String>>>,
    key: Key,
}

impl Drop for Reserved {
    fn drop(&mut self) {
        self.running.lock().remove(&self.key);
    }
}

impl InFlightKeys {
    /// Reserves `key` of `scope` in `game` for the request `request_hash`
    /// until the guard drops.
    pub fn reserve(
        &self,
        game: &str,
        scope: &str,
        key: &str,
        request_hash: &str,
    ) -> Result<Reserved, Clash> {
        let key = (game.to_owned(), scope.to_owned(), key.to_owned());
        let mut running = self.running.lock();
        if let Some(hash) = running.get(&key) {
            return Err(if hash == request_hash {
                Clash::InFlight
            } else {
                Clash::Reused
            });
        }
        running.insert(key.clone(), request_hash.to_owned());
        Ok(Reserved {
            running: self.running.clone(),
            key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_key_clashes_until_its_guard_drops() {
        let keys = InFlightKeys::default();
        let held = keys.reserve("g", "p1", "k", "h1").expect("a free key");
        assert_eq!(
            keys.reserve("g", "p1", "k", "h1").unwrap_err(),
            Clash::InFlight
        );
        assert_eq!(
            keys.reserve("g", "p1", "k", "h2").unwrap_err(),
            Clash::Reused
        );
        // Another player's key of the same name is another key.
        let other = keys.reserve("g", "p2", "k", "h1").expect("another scope");
        drop(held);
        keys.reserve("g", "p1", "k", "h2")
            .expect("freed by the drop");
        drop(other);
    }
}
