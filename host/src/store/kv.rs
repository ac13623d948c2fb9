//! The `kv` import over the store: what a component call reads is committed
//! state.
//!
//! Component calls run on blocking threads (`spawn_blocking` or plain
//! threads); [`StoreKv::get`] runs the async read on the store's runtime
//! and waits for it there. It must not be called on an async worker thread
//! (it would block that worker); it never panics.
//!
//! Reads see what is committed when they run. A call whose component is
//! written only by its one writer (a match actor under a lease) therefore
//! sees the state as of its start plus its own buffered writes.
//!
//! A failed read is an error ([`HostFailure`]), which ends the component
//! call: nothing of it commits.

use std::sync::mpsc;

use tokio::runtime::Handle;

use super::Store;
use super::error::StoreError;
use crate::runtime::{HostFailure, KvRead, KvScope};

/// Committed key-value state, readable from a blocking thread.
pub struct StoreKv {
    store: Store,
    runtime: Handle,
}

impl StoreKv {
    pub fn new(store: Store, runtime: Handle) -> Self {
        Self { store, runtime }
    }

    fn read(&self, scope: &KvScope, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let (tx, rx) = mpsc::sync_channel(1);
        let store = self.store.clone();
        let (scope, key) = (scope.clone(), key.to_owned());
        self.runtime.spawn(async move {
            let _ = tx.send(store.kv_get(&scope, &key).await);
        });
        rx.recv().map_err(|_| StoreError::Closed)?
    }
}

impl KvRead for StoreKv {
    fn get(&self, scope: &KvScope, key: &str) -> Result<Option<Vec<u8>>, HostFailure> {
        self.read(scope, key).map_err(|e| {
            tracing::error!(game = %scope.game, component = %scope.component, error = %e,
                "kv read failed; the component call fails and commits nothing");
            HostFailure(format!("kv read failed: {e}"))
        })
    }
}
