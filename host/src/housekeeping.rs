//! Housekeeping: the periodic purges that keep the database the size its
//! retention says, on every host (each purge is idempotent and bounded, so
//! hosts sharing a database need no lease for it).
//!
//! Each round, at most `batch` rows of each kind:
//! - the embedded log's records older than `bus.retention_ms` (a broker
//!   keeps its own retention, set on the topics it was given);
//! - processed-event records older than the log's retention plus a day:
//!   an event is deduped for as long as it can be read again, so a replay
//!   or a reset never applies it twice;
//! - outbox rows sent longer ago than `outbox_sent_keep_ms`;
//! - idempotency records past their expiry.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::bus::Bus;
use crate::store::Store;

/// A day, in milliseconds: how much longer than the log dedupe records live.
const DEDUPE_MARGIN_MS: i64 = 86_400_000;

/// How often and how much housekeeping purges.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HousekeepingConfig {
    /// Period of the purges, in milliseconds.
    pub every_ms: u64,
    /// Most rows of each kind one round deletes.
    pub batch: u32,
    /// How long sent outbox rows are kept (for inspection), in milliseconds.
    pub outbox_sent_keep_ms: u64,
}

impl Default for HousekeepingConfig {
    fn default() -> Self {
        Self {
            every_ms: 60_000,
            batch: 10_000,
            outbox_sent_keep_ms: 86_400_000,
        }
    }
}

/// What one round deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub log_records: u64,
    pub processed: u64,
    pub outbox: u64,
    pub idempotency: u64,
}

/// The purges of one database and its bus.
pub struct Housekeeping {
    store: Store,
    bus: Arc<dyn Bus>,
    config: HousekeepingConfig,
    retention_ms: i64,
}

impl Housekeeping {
    pub fn new(
        store: Store,
        bus: Arc<dyn Bus>,
        config: &HousekeepingConfig,
        retention_ms: u64,
    ) -> Self {
        Self {
            store,
            bus,
            config: config.clone(),
            retention_ms: i64::try_from(retention_ms).unwrap_or(i64::MAX),
        }
    }

    /// One round at `now_ms`.
    pub async fn purge_once(&self, now_ms: i64) -> anyhow::Result<Purged> {
        let batch = self.config.batch.max(1);
        let log_before = now_ms.saturating_sub(self.retention_ms);
        let keep = i64::try_from(self.config.outbox_sent_keep_ms).unwrap_or(i64::MAX);
        Ok(Purged {
            log_records: self.bus.purge_before(log_before, batch).await?,
            processed: self
                .store
                .processed_purge(log_before.saturating_sub(DEDUPE_MARGIN_MS), batch)
                .await?,
            outbox: self
                .store
                .outbox_purge_sent(now_ms.saturating_sub(keep), batch)
                .await?,
            idempotency: self.store.idempotency_purge_expired(now_ms, batch).await?,
        })
    }

    /// Purges every `every_ms` until `stop` turns true.
    pub async fn run(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let period = Duration::from_millis(self.config.every_ms.max(1));
        while !*stop.borrow() {
            match self.purge_once(crate::bus::relay::now_ms()).await {
                Ok(purged) if purged != Purged::default() => {
                    tracing::info!(?purged, "housekeeping purged");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "housekeeping round failed; retrying"),
            }
            tokio::select! {
                _ = tokio::time::sleep(period) => {}
                _ = stop.changed() => {}
            }
        }
    }
}
