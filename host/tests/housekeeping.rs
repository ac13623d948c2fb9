//! Housekeeping on both databases: the embedded log keeps its retention,
//! the dedupe window outlives it, offsets are never reused after a purge.

#[macro_use]
mod common;

use std::sync::Arc;

use async_trait::async_trait;
use common::db::{postgres, sqlite};
use idempo_host::bus::{Bus, Consumer, EmbeddedBus, Event, Handler, HandlerError, Relay, Schemas};
use idempo_host::config::BusConfig;
use idempo_host::housekeeping::{Housekeeping, HousekeepingConfig, Purged};
use idempo_host::store::{CommitBatch, OutboxEvent, Store, new_event_id};

const GAME: &str = "default";
const TOPIC: &str = "match-events";

conformance!(retention_purges_the_log_then_the_dedupe_window_and_offsets_are_never_reused);

struct Nothing;

#[async_trait]
impl Handler for Nothing {
    async fn handle(&self, _event: &Event) -> Result<CommitBatch, HandlerError> {
        Ok(CommitBatch::default())
    }
}

fn event(n: i64) -> OutboxEvent {
    OutboxEvent {
        id: new_event_id(),
        game: GAME.into(),
        topic: TOPIC.into(),
        key: "m1".into(),
        event_type: "MatchFinished".into(),
        schema_version: 1,
        payload: "{}".into(),
        correlation_id: None,
        traceparent: None,
        created_at_ms: n,
    }
}

async fn retention_purges_the_log_then_the_dedupe_window_and_offsets_are_never_reused(
    store: &Store,
) {
    let config = BusConfig {
        retention_ms: 10_000,
        ..BusConfig::default()
    };
    let bus: Arc<dyn Bus> = EmbeddedBus::new(store.clone(), &config);
    let events: Vec<OutboxEvent> = (0..5).map(event).collect();
    store
        .commit(CommitBatch {
            events,
            ..CommitBatch::default()
        })
        .await
        .expect("commits");
    let relay = Relay::new(store.clone(), bus.clone(), &config);
    assert_eq!(relay.relay_once(1_000).await.expect("relays"), 5);
    let mut consumer = Consumer::new(
        bus.clone(),
        store.clone(),
        GAME,
        "g",
        &[TOPIC],
        Schemas::new(1024).knows("MatchFinished", 1),
        Arc::new(Nothing),
        &config,
    )
    .with_clock(Arc::new(|| 2_000));
    assert_eq!(consumer.run_once().await.expect("consumes").applied, 5);
    let partition = idempo_host::bus::partition_of("m1", bus.partitions());
    let housekeeping = Housekeeping::new(
        store.clone(),
        bus.clone(),
        &HousekeepingConfig::default(),
        config.retention_ms,
    );

    // Within retention: nothing goes.
    let purged = housekeeping.purge_once(5_000).await.expect("purges");
    assert_eq!(purged, Purged::default());

    // Past the log's retention: the records go, the dedupe records stay.
    let purged = housekeeping.purge_once(20_000).await.expect("purges");
    assert_eq!((purged.log_records, purged.processed), (5, 0));
    let fresh = bus.fetch(GAME, "fresh", TOPIC, partition, 100).await;
    assert!(
        fresh.expect("fetches").is_empty(),
        "purged records are gone"
    );
    assert_eq!(
        bus.end_offset(GAME, TOPIC, partition).await.expect("end"),
        5
    );

    // A day later the dedupe records go too, and the sent outbox rows.
    let purged = housekeeping.purge_once(100_000_000).await.expect("purges");
    assert_eq!((purged.processed, purged.outbox), (5, 5));

    // Offsets go on from where they were.
    store
        .commit(CommitBatch {
            events: vec![event(9)],
            ..CommitBatch::default()
        })
        .await
        .expect("commits");
    assert_eq!(relay.relay_once(100_000_001).await.expect("relays"), 1);
    let next = bus.fetch(GAME, "fresh", TOPIC, partition, 100).await;
    let next = next.expect("fetches");
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].position.offset, 5, "offsets are never reused");
}
