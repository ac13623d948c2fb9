//! The committed key-value state of a scenario, kept in memory.
//!
//! The host commits a successful call's `kv` writes in one transaction; the
//! harness does the same into a map, so a component that counts, caps or
//! remembers through `kv` behaves here as it does in the host. A failed call
//! commits nothing. Bounded by the host's per-call limits times the number
//! of steps.

use std::collections::BTreeMap;

use idempo_host::runtime::{Effects, HostFailure, KvRead, KvScope};
use parking_lot::RwLock;

/// An in-memory committed store, shared by every call of one scenario.
#[derive(Debug, Default)]
pub struct MemoryKv {
    entries: RwLock<BTreeMap<(KvScope, String), Vec<u8>>>,
}

impl MemoryKv {
    /// Commits a successful call's writes, in `effects.scope` (or `scope`
    /// when the effects carry none). `None` deletes.
    pub fn commit(&self, scope: &KvScope, effects: &Effects) {
        let scope = effects.scope.as_ref().unwrap_or(scope);
        let mut entries = self.entries.write();
        for (key, value) in &effects.kv_writes {
            let slot = (scope.clone(), key.clone());
            match value {
                Some(value) => entries.insert(slot, value.clone()),
                None => entries.remove(&slot),
            };
        }
    }

    /// Number of committed keys, over all scopes.
    pub fn len(&self) -> usize {
        self.entries.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.read().is_empty()
    }
}

impl KvRead for MemoryKv {
    fn get(&self, scope: &KvScope, key: &str) -> Result<Option<Vec<u8>>, HostFailure> {
        Ok(self
            .entries
            .read()
            .get(&(scope.clone(), key.to_owned()))
            .cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(component: &str) -> KvScope {
        KvScope {
            game: "default".into(),
            component: component.into(),
        }
    }

    fn writes(pairs: &[(&str, Option<&str>)]) -> Effects {
        Effects {
            scope: None,
            kv_writes: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.map(|v| v.as_bytes().to_vec())))
                .collect(),
            events: Vec::new(),
        }
    }

    #[test]
    fn a_committed_write_is_read_back_by_the_next_call() {
        let kv = MemoryKv::default();
        kv.commit(&scope("rewards"), &writes(&[("streak:ann", Some("3"))]));
        assert_eq!(
            kv.get(&scope("rewards"), "streak:ann"),
            Ok(Some(b"3".to_vec()))
        );
    }

    #[test]
    fn a_delete_removes_the_key() {
        let kv = MemoryKv::default();
        kv.commit(&scope("rewards"), &writes(&[("streak:ann", Some("3"))]));
        kv.commit(&scope("rewards"), &writes(&[("streak:ann", None)]));
        assert_eq!(kv.get(&scope("rewards"), "streak:ann"), Ok(None));
        assert!(kv.is_empty());
    }

    #[test]
    fn one_component_never_reads_another_components_keys() {
        let kv = MemoryKv::default();
        kv.commit(&scope("rewards"), &writes(&[("k", Some("v"))]));
        assert_eq!(kv.get(&scope("market"), "k"), Ok(None));
    }
}
