//! A commit batch: everything one operation writes, applied all or nothing.
//!
//! A batch holds a call's key-value writes and events ([`Effects`]) and the
//! records that make the operation idempotent: an [`IdempotencyDone`] for a
//! request, a [`ProcessedEvent`] for a consumed event, and a lease `fence`
//! for a single writer, an [`ItemSpend`] for a stamp. Its guards are checked before anything is written;
//! one that conflicts fails the batch with a conflict error and writes
//! nothing of it (DESIGN.md, "components decide, the host commits").

use serde::{Deserialize, Serialize};

use super::action_log::MatchActionRow;
use super::chain::Chain;
use super::economy::{EconomyWrites, ItemSpend};
use super::economy_ops::EconomyOp;
use super::error::StoreError;
use super::idempotency::{IdempotencyDone, IdempotencyReserve};
use super::leaderboard_delta::LeaderboardDelta;
use super::lease::Lease;
use super::outbox::{EventMeta, OutboxEvent};
use super::processed::ProcessedEvent;
use crate::runtime::{Effects, KvScope};

/// One key-value write: `None` deletes the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvWrite {
    pub scope: KvScope,
    pub key: String,
    pub value: Option<Vec<u8>>,
}

/// What one operation commits. Writes apply in order (a later write of a key
/// wins); events keep their order in the outbox.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitBatch {
    pub kv: Vec<KvWrite>,
    pub events: Vec<OutboxEvent>,
    /// Reserves a request's key for one attempt; conflicts if a live
    /// record holds it.
    #[serde(default)]
    pub reserve: Option<IdempotencyReserve>,
    /// Marks a request done; conflicts if its key is taken.
    pub idempotency: Option<IdempotencyDone>,
    /// Marks an event applied by a consumer group; conflicts if it was.
    pub processed: Option<ProcessedEvent>,
    /// Commit only if this lease is still held in this tenure.
    pub fence: Option<Lease>,
    /// Entries appended to matches' action logs (`crate::arena`); an entry
    /// that exists already fails the batch.
    #[serde(default)]
    pub match_actions: Vec<MatchActionRow>,
    /// Additions to players' leaderboard rows (`crate::leaderboard`), for
    /// the event the batch records as processed.
    #[serde(default)]
    pub leaderboard: Vec<LeaderboardDelta>,
    /// Spends an item (a stamp); conflicts if it is not the owner's to spend.
    #[serde(default)]
    pub spend: Option<ItemSpend>,
    /// Wallet credits, new items, notices.
    #[serde(default)]
    pub economy: EconomyWrites,
    /// Guarded economy operations (holds, locks, listings, saga steps), in
    /// order; any that does not apply fails the batch.
    #[serde(default)]
    pub ops: Vec<EconomyOp>,
    /// The chain the batch continues: it commits only if every earlier
    /// batch of the chain did (see [`super::chain`]). Not stored.
    #[serde(skip)]
    pub chain: Option<Chain>,
}

impl CommitBatch {
    /// A batch of one call's effects, its events under `meta`'s envelope.
    pub fn from_effects(effects: Effects, meta: &EventMeta) -> Result<Self, StoreError> {
        let mut batch = Self::default();
        batch.add_effects(effects, meta)?;
        Ok(batch)
    }

    /// Adds one call's effects (a batch may carry several calls').
    pub fn add_effects(&mut self, effects: Effects, meta: &EventMeta) -> Result<(), StoreError> {
        if !effects.kv_writes.is_empty() {
            let Some(scope) = effects.scope else {
                return Err(StoreError::invalid(
                    "effects",
                    "key-value writes without a scope",
                ));
            };
            self.kv
                .extend(effects.kv_writes.into_iter().map(|(key, value)| KvWrite {
                    scope: scope.clone(),
                    key,
                    value,
                }));
        }
        self.events.extend(
            effects
                .events
                .iter()
                .map(|e| OutboxEvent::from_emitted(e, meta)),
        );
        Ok(())
    }

    /// Gives each event that has no `traceparent` yet this one: an event
    /// carries the context of the span that wrote it (see
    /// [`crate::telemetry`]); one it came with (a replay's) is kept.
    pub fn trace_events(&mut self, traceparent: Option<&str>) {
        let Some(traceparent) = traceparent else {
            return;
        };
        for event in self.events.iter_mut().filter(|e| e.traceparent.is_none()) {
            event.traceparent = Some(traceparent.to_owned());
        }
    }

    /// Whether an event of the batch has no `traceparent` yet.
    pub fn has_untraced_events(&self) -> bool {
        self.events.iter().any(|e| e.traceparent.is_none())
    }

    /// Nothing to write and nothing to record.
    pub fn is_empty(&self) -> bool {
        self.kv.is_empty()
            && self.events.is_empty()
            && self.idempotency.is_none()
            && self.reserve.is_none()
            && self.processed.is_none()
            && self.match_actions.is_empty()
            && self.leaderboard.is_empty()
            && self.spend.is_none()
            && self.economy.is_empty()
            && self.ops.is_empty()
    }

    /// How many of the batch's guards write (each may need undoing if a
    /// later one conflicts).
    pub(crate) fn writing_guards(&self) -> usize {
        usize::from(self.processed.is_some())
            + usize::from(self.reserve.is_some())
            + usize::from(self.idempotency.is_some())
            + usize::from(self.spend.is_some())
            + self
                .ops
                .iter()
                .map(EconomyOp::writing_guards)
                .sum::<usize>()
    }

    /// Refuses what the databases cannot store alike: empty names and ids,
    /// and text with NUL characters (PostgreSQL text cannot hold them).
    pub fn validate(&self) -> Result<(), StoreError> {
        for w in &self.kv {
            name("kv game", &w.scope.game)?;
            name("kv component", &w.scope.component)?;
            name("kv key", &w.key)?;
        }
        for e in &self.events {
            name("event id", &e.id)?;
            name("event game", &e.game)?;
            name("event topic", &e.topic)?;
            name("event key", &e.key)?;
            name("event type", &e.event_type)?;
            text("event payload", &e.payload)?;
            opt_text("event correlation id", &e.correlation_id)?;
            opt_text("event traceparent", &e.traceparent)?;
        }
        if let Some(i) = &self.idempotency {
            name("idempotency game", &i.game)?;
            name("idempotency scope", &i.scope)?;
            name("idempotency key", &i.key)?;
            text("idempotency request hash", &i.request_hash)?;
            text("idempotency response", &i.response)?;
            opt_text("idempotency attempt", &i.attempt)?;
        }
        if let Some(r) = &self.reserve {
            name("reserved idempotency game", &r.begin.game)?;
            name("reserved idempotency scope", &r.begin.scope)?;
            name("reserved idempotency key", &r.begin.key)?;
            name("reserved idempotency attempt", &r.attempt)?;
            text("reserved idempotency request hash", &r.begin.request_hash)?;
        }
        if let Some(p) = &self.processed {
            name("consumer group", &p.consumer_group)?;
            name("processed event id", &p.event_id)?;
            name("processed event game", &p.game)?;
        }
        for a in &self.match_actions {
            name("match action game", &a.game)?;
            name("match action match id", &a.match_id)?;
            name("match action kind", &a.kind)?;
            opt_text("match action player", &a.player)?;
            opt_text("match action id", &a.action_id)?;
            text("match action body", &a.body)?;
            opt_text("match action effects", &a.effects)?;
        }
        if let Some(s) = &self.spend {
            s.validate()?;
        }
        self.economy.validate()?;
        for op in &self.ops {
            op.validate()?;
        }
        for d in &self.leaderboard {
            d.validate()?;
        }
        if let Some(l) = &self.fence {
            name("lease game", &l.game)?;
            name("lease name", &l.name)?;
            name("lease owner", &l.owner)?;
        }
        Ok(())
    }
}

/// A name or id: not empty, no NUL.
pub(crate) fn name(what: &'static str, value: &str) -> Result<(), StoreError> {
    if value.is_empty() {
        return Err(StoreError::invalid(what, "must not be empty"));
    }
    text(what, value)
}

/// Any stored text: no NUL.
pub(crate) fn text(what: &'static str, value: &str) -> Result<(), StoreError> {
    if value.contains('\0') {
        return Err(StoreError::invalid(what, "contains a NUL character"));
    }
    Ok(())
}

fn opt_text(what: &'static str, value: &Option<String>) -> Result<(), StoreError> {
    value.as_deref().map_or(Ok(()), |v| text(what, v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::EmittedEvent;

    fn scope() -> KvScope {
        KvScope {
            game: "default".into(),
            component: "combat".into(),
        }
    }

    #[test]
    fn a_calls_effects_become_one_batch() {
        let mut effects = Effects {
            scope: Some(scope()),
            ..Effects::default()
        };
        effects
            .kv_writes
            .insert("hp/ann".into(), Some(b"9".to_vec()));
        effects.kv_writes.insert("gone".into(), None);
        effects.events.push(EmittedEvent {
            topic: "match-events".into(),
            key: "m1".into(),
            event_type: "Hit".into(),
            payload: serde_json::json!({}),
        });
        let meta = EventMeta {
            game: "default".into(),
            ..EventMeta::default()
        };
        let batch = CommitBatch::from_effects(effects, &meta).expect("effects fit a batch");
        assert_eq!(batch.kv.len(), 2);
        assert_eq!(batch.kv[0].key, "gone", "in key order");
        assert_eq!(batch.kv[0].value, None, "a delete stays a delete");
        assert_eq!(batch.events.len(), 1);
        batch.validate().expect("valid");
    }

    #[test]
    fn writes_without_a_scope_are_refused() {
        let mut effects = Effects::default();
        effects.kv_writes.insert("k".into(), Some(vec![1]));
        let err = CommitBatch::from_effects(effects, &EventMeta::default()).unwrap_err();
        assert!(matches!(err, StoreError::Invalid { .. }), "{err}");
    }

    #[test]
    fn a_key_with_a_nul_is_refused_before_it_reaches_a_database() {
        let batch = CommitBatch {
            kv: vec![KvWrite {
                scope: scope(),
                key: "a\0b".into(),
                value: Some(vec![]),
            }],
            ..CommitBatch::default()
        };
        let err = batch.validate().unwrap_err().to_string();
        assert!(err.contains("kv key") && err.contains("NUL"), "{err}");
    }
}
