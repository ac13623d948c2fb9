//! The storage conformance suite: every story runs against both backends,
//! SQLite (a temp file) and PostgreSQL (a fresh database per test on
//! `IDEMPO_TEST_POSTGRES_URL`, by default the server on 127.0.0.1:5432 as
//! user postgres, dropped at the end). If PostgreSQL is unreachable the
//! PostgreSQL half fails, saying so: it is not skipped.

#[macro_use]
mod common;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use common::db::{postgres, sqlite, test_config};
use idempo_host::config::{GroupCommitConfig, StorageConfig};
use idempo_host::runtime::bindings::host::idempo::game::kv::Host as _;
use idempo_host::runtime::{CallContext, KvScope, StateView, World};
use idempo_host::store::{
    Backend, BackendKind, Begun, Chain, CommitBatch, EventMeta, IdempotencyBegin, IdempotencyDone,
    IdempotencyRecord, KvWrite, Lease, LeaseAcquire, OutboxEvent, OutboxRow, ProcessedEvent, Store,
    StoreError, new_event_id,
};
use tokio::sync::Semaphore;

const GAME: &str = "default";

// ---------------------------------------------------------------- fixtures

conformance!(
    a_batch_is_all_or_nothing,
    a_replayed_idempotency_key_returns_the_stored_response,
    the_same_key_with_another_payload_is_a_mismatch,
    an_abandoned_reservation_expires_and_its_late_commit_is_refused,
    a_second_consumer_of_the_same_event_finds_it_processed,
    the_outbox_hands_events_out_in_order_per_key_and_forgets_nothing_until_marked_sent,
    a_lease_has_one_owner_at_a_time_and_moves_after_it_expires,
    a_writer_that_lost_its_lease_cannot_commit,
    hosts_racing_for_a_lease_get_one_owner,
    group_commit_acknowledges_nothing_before_its_commit_and_a_conflicting_batch_fails_alone,
    a_batch_the_database_refuses_fails_alone_in_its_group,
    a_chained_batch_commits_only_if_the_one_before_it_did,
    committed_kv_is_what_the_next_component_call_reads,
    a_prefix_scan_reads_one_components_keys_in_order,
    migrations_run_twice_are_a_no_op,
);

// ----------------------------------------------------------------- helpers

fn scope(component: &str) -> KvScope {
    KvScope {
        game: GAME.into(),
        component: component.into(),
    }
}

fn set(component: &str, key: &str, value: &[u8]) -> KvWrite {
    KvWrite {
        scope: scope(component),
        key: key.into(),
        value: Some(value.to_vec()),
    }
}

fn event(topic: &str, key: &str, event_type: &str) -> OutboxEvent {
    OutboxEvent {
        id: new_event_id(),
        game: GAME.into(),
        topic: topic.into(),
        key: key.into(),
        event_type: event_type.into(),
        schema_version: 1,
        payload: format!(r#"{{"type":"{event_type}"}}"#),
        correlation_id: Some("corr-1".into()),
        traceparent: Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into()),
        created_at_ms: 1_000,
    }
}

fn done(player: &str, key: &str, hash: &str, response: &str) -> IdempotencyDone {
    IdempotencyDone {
        game: GAME.into(),
        scope: player.into(),
        key: key.into(),
        request_hash: hash.into(),
        response: response.into(),
        attempt: None,
        now_ms: 1_000,
        expires_at_ms: 1_000 + 86_400_000,
    }
}

fn begin(player: &str, key: &str, hash: &str, now_ms: i64) -> IdempotencyBegin {
    IdempotencyBegin {
        game: GAME.into(),
        scope: player.into(),
        key: key.into(),
        request_hash: hash.into(),
        now_ms,
        in_flight_ttl_ms: 30_000,
    }
}

fn processed(group: &str, event_id: &str) -> ProcessedEvent {
    ProcessedEvent {
        consumer_group: group.into(),
        event_id: event_id.into(),
        game: GAME.into(),
        processed_at_ms: 1_000,
    }
}

async fn get(store: &Store, component: &str, key: &str) -> Option<Vec<u8>> {
    store.kv_get(&scope(component), key).await.expect("kv get")
}

async fn unsent(store: &Store) -> Vec<OutboxRow> {
    store.outbox_unsent(1_000).await.expect("outbox read")
}

fn event_ids(rows: &[OutboxRow]) -> Vec<&str> {
    rows.iter().map(|r| r.event.id.as_str()).collect()
}

/// An event already in the outbox: a batch that carries it again is
/// refused by the database alone.
async fn a_committed_event(store: &Store) -> OutboxEvent {
    let taken = event("match-events", "m1", "Started");
    store
        .commit(CommitBatch {
            events: vec![taken.clone()],
            ..CommitBatch::default()
        })
        .await
        .expect("commits");
    taken
}

// ----------------------------------------------------------------- stories

async fn a_batch_is_all_or_nothing(store: &Store) {
    let attack = event("match-events", "m1", "Attacked");
    let first = CommitBatch {
        kv: vec![set("combat", "hp/bob", b"7"), set("combat", "turn", b"1")],
        events: vec![attack.clone()],
        idempotency: Some(done("ann", "stamp-1", "h1", r#"{"damage":3}"#)),
        ..CommitBatch::default()
    };
    store.commit(first).await.expect("the first attack commits");

    // The same stamp again, with effects of its own: none of them lands.
    let retried = CommitBatch {
        kv: vec![set("combat", "hp/bob", b"4"), set("combat", "turn", b"2")],
        events: vec![event("match-events", "m1", "Attacked")],
        idempotency: Some(done("ann", "stamp-1", "h1", r#"{"damage":3}"#)),
        ..CommitBatch::default()
    };
    let err = store.commit(retried).await.unwrap_err();
    assert!(
        matches!(err, StoreError::IdempotencyConflict { .. }),
        "{err}"
    );
    assert!(err.is_conflict());

    // A batch the database refuses halfway (its event id is taken) leaves
    // its key-value writes unwritten too.
    let refused = CommitBatch {
        kv: vec![set("combat", "hp/ann", b"1")],
        events: vec![attack.clone()],
        ..CommitBatch::default()
    };
    let err = store.commit(refused).await.unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err}");

    assert_eq!(
        get(store, "combat", "hp/bob").await.as_deref(),
        Some(&b"7"[..])
    );
    assert_eq!(
        get(store, "combat", "turn").await.as_deref(),
        Some(&b"1"[..])
    );
    assert_eq!(get(store, "combat", "hp/ann").await, None);
    assert_eq!(event_ids(&unsent(store).await), [attack.id.as_str()]);

    // A delete is a write like any other.
    let delete = CommitBatch {
        kv: vec![KvWrite {
            scope: scope("combat"),
            key: "turn".into(),
            value: None,
        }],
        ..CommitBatch::default()
    };
    store.commit(delete).await.expect("a delete commits");
    assert_eq!(get(store, "combat", "turn").await, None);
}

async fn a_replayed_idempotency_key_returns_the_stored_response(store: &Store) {
    let Begun::New { attempt } = store
        .idempotency_begin(&begin("ann", "k1", "h1", 1_000))
        .await
        .expect("begin")
    else {
        panic!("a fresh key is reserved");
    };
    // While it runs, a duplicate is told it is in flight.
    assert_eq!(
        store
            .idempotency_begin(&begin("ann", "k1", "h1", 1_001))
            .await
            .expect("begin"),
        Begun::InFlight
    );
    let mut record = done("ann", "k1", "h1", r#"{"ok":true}"#);
    record.attempt = Some(attempt.clone());
    let batch = CommitBatch {
        kv: vec![set("wallet", "ann/gold", b"120")],
        idempotency: Some(record),
        ..CommitBatch::default()
    };
    store.commit(batch).await.expect("the attempt commits");

    // Every retry gets the stored response and changes nothing.
    for now in [1_002, 50_000] {
        assert_eq!(
            store
                .idempotency_begin(&begin("ann", "k1", "h1", now))
                .await
                .expect("begin"),
            Begun::Replay {
                response: r#"{"ok":true}"#.into()
            }
        );
    }
    let stored: IdempotencyRecord = store
        .idempotency_get(GAME, "ann", "k1", 2_000)
        .await
        .expect("get")
        .expect("the record is live");
    assert_eq!(stored.response.as_deref(), Some(r#"{"ok":true}"#));
    // Another player's key of the same name is another key.
    assert!(matches!(
        store
            .idempotency_begin(&begin("bob", "k1", "h9", 2_000))
            .await
            .expect("begin"),
        Begun::New { .. }
    ));

    // An attempt that failed without effect gives its key back.
    let Begun::New { attempt } = store
        .idempotency_begin(&begin("ann", "k2", "h2", 3_000))
        .await
        .expect("begin")
    else {
        panic!("a fresh key is reserved");
    };
    assert!(
        !store
            .idempotency_release(GAME, "ann", "k2", "not-mine")
            .await
            .expect("release")
    );
    assert!(
        store
            .idempotency_release(GAME, "ann", "k2", &attempt)
            .await
            .expect("release")
    );
    assert!(matches!(
        store
            .idempotency_begin(&begin("ann", "k2", "h2", 3_001))
            .await
            .expect("begin"),
        Begun::New { .. }
    ));

    // Done records outlive their promise only until purged.
    let far = 1_000 + 86_400_000 + 1;
    assert_eq!(
        store
            .idempotency_get(GAME, "ann", "k1", far)
            .await
            .expect("get"),
        None
    );
    assert!(
        store
            .idempotency_purge_expired(far, 100)
            .await
            .expect("purge")
            >= 1
    );
}

async fn the_same_key_with_another_payload_is_a_mismatch(store: &Store) {
    let batch = CommitBatch {
        idempotency: Some(done("ann", "k1", "h1", "{}")),
        ..CommitBatch::default()
    };
    store.commit(batch).await.expect("commits");
    assert_eq!(
        store
            .idempotency_begin(&begin("ann", "k1", "other", 2_000))
            .await
            .expect("begin"),
        Begun::Mismatch
    );
    // In flight too.
    assert!(matches!(
        store
            .idempotency_begin(&begin("ann", "k2", "h2", 2_000))
            .await
            .expect("begin"),
        Begun::New { .. }
    ));
    assert_eq!(
        store
            .idempotency_begin(&begin("ann", "k2", "other", 2_001))
            .await
            .expect("begin"),
        Begun::Mismatch
    );
    // And a batch that tries it anyway is refused.
    let sneaky = CommitBatch {
        kv: vec![set("wallet", "ann/gold", b"999")],
        idempotency: Some(done("ann", "k1", "other", "{}")),
        ..CommitBatch::default()
    };
    let err = store.commit(sneaky).await.unwrap_err();
    assert!(
        matches!(err, StoreError::IdempotencyConflict { .. }),
        "{err}"
    );
    assert_eq!(get(store, "wallet", "ann/gold").await, None);
}

async fn an_abandoned_reservation_expires_and_its_late_commit_is_refused(store: &Store) {
    let Begun::New { attempt: first } = store
        .idempotency_begin(&begin("ann", "k1", "h1", 1_000))
        .await
        .expect("begin")
    else {
        panic!("reserved");
    };
    // The first attempt stalls past its reservation; a retry takes over.
    let Begun::New { attempt: second } = store
        .idempotency_begin(&begin("ann", "k1", "h1", 1_000 + 30_000))
        .await
        .expect("begin")
    else {
        panic!("an expired reservation frees its key");
    };
    assert_ne!(first, second);
    let late = |attempt: &str, gold: &[u8]| {
        let mut record = done("ann", "k1", "h1", "{}");
        record.attempt = Some(attempt.into());
        record.now_ms = 31_000;
        CommitBatch {
            kv: vec![set("wallet", "ann/gold", gold)],
            idempotency: Some(record),
            ..CommitBatch::default()
        }
    };
    let err = store.commit(late(&first, b"1")).await.unwrap_err();
    assert!(
        matches!(err, StoreError::IdempotencyConflict { .. }),
        "{err}"
    );
    store
        .commit(late(&second, b"2"))
        .await
        .expect("the live attempt commits");
    assert_eq!(
        get(store, "wallet", "ann/gold").await.as_deref(),
        Some(&b"2"[..])
    );
}

async fn a_second_consumer_of_the_same_event_finds_it_processed(store: &Store) {
    let id = new_event_id();
    let grant = |gold: &[u8]| CommitBatch {
        kv: vec![set("wallet", "ann/gold", gold)],
        processed: Some(processed("rewards", &id)),
        ..CommitBatch::default()
    };
    assert!(!store.is_processed("rewards", &id).await.expect("check"));
    store
        .commit(grant(b"100"))
        .await
        .expect("first delivery applies");
    assert!(store.is_processed("rewards", &id).await.expect("check"));

    let err = store.commit(grant(b"200")).await.unwrap_err();
    assert!(matches!(err, StoreError::AlreadyProcessed { .. }), "{err}");
    assert_eq!(
        get(store, "wallet", "ann/gold").await.as_deref(),
        Some(&b"100"[..])
    );

    // Another consumer group applies the same event once, on its own.
    let board = CommitBatch {
        kv: vec![set("leaderboard", "ann", b"1")],
        processed: Some(processed("leaderboard", &id)),
        ..CommitBatch::default()
    };
    store.commit(board).await.expect("another group applies it");

    // A batch with both records whose idempotency conflicts leaves its
    // processed record unwritten, so the event can still be applied.
    store
        .commit(CommitBatch {
            idempotency: Some(done("ann", "k1", "h1", "{}")),
            ..CommitBatch::default()
        })
        .await
        .expect("commits");
    let other = new_event_id();
    let both = CommitBatch {
        processed: Some(processed("rewards", &other)),
        idempotency: Some(done("ann", "k1", "h1", "{}")),
        ..CommitBatch::default()
    };
    let err = store.commit(both).await.unwrap_err();
    assert!(
        matches!(err, StoreError::IdempotencyConflict { .. }),
        "{err}"
    );
    assert!(!store.is_processed("rewards", &other).await.expect("check"));

    // The dedupe window ends where records are purged.
    assert_eq!(store.processed_purge(1_001, 100).await.expect("purge"), 2);
    assert!(!store.is_processed("rewards", &id).await.expect("check"));
}

async fn the_outbox_hands_events_out_in_order_per_key_and_forgets_nothing_until_marked_sent(
    store: &Store,
) {
    let mut committed = Vec::new();
    for turn in 0..6 {
        let key = if turn % 2 == 0 { "m1" } else { "m2" };
        let events = vec![
            event("match-events", key, &format!("Turn{turn}a")),
            event("match-events", key, &format!("Turn{turn}b")),
        ];
        committed.extend(events.iter().map(|e| e.id.clone()));
        store
            .commit(CommitBatch {
                events,
                ..CommitBatch::default()
            })
            .await
            .expect("commits");
    }
    let rows = unsent(store).await;
    assert_eq!(event_ids(&rows), committed, "in commit order");
    assert!(rows.windows(2).all(|w| w[0].seq < w[1].seq));
    let first = &rows[0].event;
    assert_eq!(first.correlation_id.as_deref(), Some("corr-1"));
    assert!(
        first
            .traceparent
            .as_deref()
            .is_some_and(|t| t.starts_with("00-"))
    );
    assert_eq!(first.payload, r#"{"type":"Turn0a"}"#);
    for key in ["m1", "m2"] {
        let types: Vec<_> = rows
            .iter()
            .filter(|r| r.event.key == key)
            .map(|r| r.event.event_type.as_str())
            .collect();
        let mut sorted = types.clone();
        sorted.sort();
        assert_eq!(types, sorted, "events of {key} in order");
    }

    // A page at a time; what is not marked sent is handed out again.
    let page = store.outbox_unsent(5).await.expect("page");
    assert_eq!(event_ids(&page), &committed[..5]);
    let sent: Vec<String> = page[..3].iter().map(|r| r.event.id.clone()).collect();
    assert_eq!(store.outbox_mark_sent(&sent, 2_000).await.expect("mark"), 3);
    assert_eq!(store.outbox_mark_sent(&sent, 2_001).await.expect("mark"), 0);
    assert_eq!(event_ids(&unsent(store).await), &committed[3..]);

    // Purging forgets only what was sent.
    assert_eq!(store.outbox_purge_sent(2_001, 100).await.expect("purge"), 3);
    assert_eq!(event_ids(&unsent(store).await), &committed[3..]);
    assert_eq!(store.outbox_purge_sent(9_999, 100).await.expect("purge"), 0);

    // Events from a component call keep its envelope.
    let mut effects = idempo_host::runtime::Effects::default();
    effects.events.push(idempo_host::runtime::EmittedEvent {
        topic: "economy-events".into(),
        key: "ann".into(),
        event_type: "Granted".into(),
        payload: serde_json::json!({ "gold": 5 }),
    });
    let meta = EventMeta {
        game: GAME.into(),
        correlation_id: Some("req-9".into()),
        traceparent: None,
        created_at_ms: 3_000,
    };
    let batch = CommitBatch::from_effects(effects, &meta).expect("batch");
    store.commit(batch).await.expect("commits");
    let last = unsent(store).await.pop().expect("an event").event;
    assert_eq!(
        (last.topic.as_str(), last.key.as_str()),
        ("economy-events", "ann")
    );
    assert_eq!(last.correlation_id.as_deref(), Some("req-9"));
    assert_eq!(last.payload, r#"{"gold":5}"#);
}

async fn a_lease_has_one_owner_at_a_time_and_moves_after_it_expires(store: &Store) {
    let take =
        |owner: &'static str, now: i64| store.lease_acquire(GAME, "match/m1", owner, now, 100);
    let a = take("host-a", 1_000)
        .await
        .expect("acquire")
        .acquired()
        .expect("free: a takes it");
    assert_eq!((a.fence, a.expires_at_ms), (1, 1_100));

    match take("host-b", 1_050).await.expect("acquire") {
        LeaseAcquire::Held(holder) => assert_eq!(holder.owner, "host-a"),
        LeaseAcquire::Acquired(_) => panic!("b took a live lease"),
    }
    let a = store
        .lease_renew(&a, 1_080, 100)
        .await
        .expect("renew")
        .expect("a still holds it");
    assert_eq!(
        (a.fence, a.expires_at_ms),
        (1, 1_180),
        "renewal keeps the tenure"
    );
    assert!(
        take("host-b", 1_150)
            .await
            .expect("acquire")
            .acquired()
            .is_none()
    );
    // a's own acquire while it holds it only extends it.
    let a = take("host-a", 1_160)
        .await
        .expect("acquire")
        .acquired()
        .expect("a extends");
    assert_eq!(a.fence, 1);

    // a stops renewing: once expired, b takes it in a new tenure.
    let b = take("host-b", 1_260)
        .await
        .expect("acquire")
        .acquired()
        .expect("expired: b takes it");
    assert_eq!(b.fence, 2);
    assert_eq!(
        store.lease_renew(&a, 1_270, 100).await.expect("renew"),
        None,
        "a lost it"
    );
    assert!(
        !store.lease_release(&a).await.expect("release"),
        "a cannot release b's lease"
    );
    assert_eq!(
        store.lease_get(GAME, "match/m1").await.expect("get"),
        Some(b.clone())
    );

    // Released, it is free at once; the next tenure has a higher fence.
    assert!(store.lease_release(&b).await.expect("release"));
    let a = take("host-a", 1_280)
        .await
        .expect("acquire")
        .acquired()
        .expect("released: free");
    assert_eq!(a.fence, 3);
}

async fn a_writer_that_lost_its_lease_cannot_commit(store: &Store) {
    let a: Lease = store
        .lease_acquire(GAME, "match/m1", "host-a", 1_000, 100)
        .await
        .expect("acquire")
        .acquired()
        .expect("a holds it");
    let write = |lease: &Lease, hp: &[u8]| CommitBatch {
        kv: vec![set("combat", "m1/hp/bob", hp)],
        events: vec![event("match-events", "m1", "Attacked")],
        fence: Some(lease.clone()),
        ..CommitBatch::default()
    };
    store
        .commit(write(&a, b"9"))
        .await
        .expect("the holder writes");
    let b = store
        .lease_acquire(GAME, "match/m1", "host-b", 2_000, 100)
        .await
        .expect("acquire")
        .acquired()
        .expect("b takes the expired lease");
    let err = store.commit(write(&a, b"1")).await.unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err}");
    store
        .commit(write(&b, b"5"))
        .await
        .expect("the new holder writes");
    assert_eq!(
        get(store, "combat", "m1/hp/bob").await.as_deref(),
        Some(&b"5"[..])
    );
    assert_eq!(
        unsent(store).await.len(),
        2,
        "the stale writer's event is not there"
    );
}

async fn hosts_racing_for_a_lease_get_one_owner(store: &Store) {
    let mut racers = Vec::new();
    for host in 0..8 {
        let store = store.clone();
        racers.push(tokio::spawn(async move {
            store
                .lease_acquire(GAME, "outbox-relay", &format!("host-{host}"), 1_000, 10_000)
                .await
        }));
    }
    let mut owners = Vec::new();
    for racer in racers {
        if let LeaseAcquire::Acquired(lease) = racer.await.expect("joins").expect("acquire") {
            owners.push(lease.owner);
        }
    }
    assert_eq!(owners.len(), 1, "exactly one winner: {owners:?}");
}

/// A backend whose group commits wait for a gate, to watch callers while a
/// commit is under way.
struct Gated {
    inner: Arc<dyn Backend>,
    gate: Semaphore,
    entered: Semaphore,
}

#[async_trait]
impl Backend for Gated {
    fn kind(&self) -> BackendKind {
        self.inner.kind()
    }
    async fn migrate(&self) -> Result<(), StoreError> {
        self.inner.migrate().await
    }
    async fn kv_get(&self, scope: &KvScope, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.kv_get(scope, key).await
    }
    async fn kv_scan(
        &self,
        scope: &KvScope,
        prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.inner.kv_scan(scope, prefix, after, limit).await
    }
    async fn commit_group(&self, batches: &[CommitBatch]) -> Vec<Result<(), StoreError>> {
        self.entered.add_permits(1);
        match self.gate.acquire().await {
            Ok(permit) => permit.forget(),
            Err(_) => return vec![Err(StoreError::Closed); batches.len()],
        }
        self.inner.commit_group(batches).await
    }
    async fn outbox_unsent(&self, limit: u32) -> Result<Vec<OutboxRow>, StoreError> {
        self.inner.outbox_unsent(limit).await
    }
    async fn outbox_mark_sent(&self, ids: &[String], at: i64) -> Result<u64, StoreError> {
        self.inner.outbox_mark_sent(ids, at).await
    }
    async fn outbox_purge_sent(&self, before: i64, limit: u32) -> Result<u64, StoreError> {
        self.inner.outbox_purge_sent(before, limit).await
    }
    async fn idempotency_begin(&self, begin: &IdempotencyBegin) -> Result<Begun, StoreError> {
        self.inner.idempotency_begin(begin).await
    }
    async fn idempotency_get(
        &self,
        game: &str,
        scope: &str,
        key: &str,
        now_ms: i64,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.inner.idempotency_get(game, scope, key, now_ms).await
    }
    async fn idempotency_release(
        &self,
        game: &str,
        scope: &str,
        key: &str,
        attempt: &str,
    ) -> Result<bool, StoreError> {
        self.inner
            .idempotency_release(game, scope, key, attempt)
            .await
    }
    async fn idempotency_purge_expired(&self, now_ms: i64, limit: u32) -> Result<u64, StoreError> {
        self.inner.idempotency_purge_expired(now_ms, limit).await
    }
    async fn is_processed(&self, group: &str, event_id: &str) -> Result<bool, StoreError> {
        self.inner.is_processed(group, event_id).await
    }
    async fn processed_purge(&self, before_ms: i64, limit: u32) -> Result<u64, StoreError> {
        self.inner.processed_purge(before_ms, limit).await
    }
    async fn lease_acquire(
        &self,
        game: &str,
        name: &str,
        owner: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<LeaseAcquire, StoreError> {
        self.inner
            .lease_acquire(game, name, owner, now_ms, ttl_ms)
            .await
    }
    async fn lease_renew(
        &self,
        lease: &Lease,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<Option<Lease>, StoreError> {
        self.inner.lease_renew(lease, now_ms, ttl_ms).await
    }
    async fn lease_release(&self, lease: &Lease) -> Result<bool, StoreError> {
        self.inner.lease_release(lease).await
    }
    async fn lease_get(&self, game: &str, name: &str) -> Result<Option<Lease>, StoreError> {
        self.inner.lease_get(game, name).await
    }
    async fn close(&self) {
        self.inner.close().await
    }
}

async fn group_commit_acknowledges_nothing_before_its_commit_and_a_conflicting_batch_fails_alone(
    store: &Store,
) {
    store
        .commit(CommitBatch {
            idempotency: Some(done("ann", "stamp-1", "h1", "{}")),
            ..CommitBatch::default()
        })
        .await
        .expect("a stamp is spent");
    let gated = Arc::new(Gated {
        inner: store.backend().clone(),
        gate: Semaphore::new(0),
        entered: Semaphore::new(0),
    });
    let grouped = Store::with_backend(
        gated.clone(),
        &GroupCommitConfig {
            max_batch: 64,
            max_wait_ms: 0,
            queue_capacity: 64,
        },
    );
    let submit = |batch: CommitBatch| {
        let grouped = grouped.clone();
        tokio::spawn(async move { grouped.commit(batch).await })
    };
    let write = |player: &str, stamp: &str| CommitBatch {
        kv: vec![set("wallet", &format!("{player}/gold"), b"10")],
        events: vec![event("economy-events", player, "Granted")],
        idempotency: Some(done(player, stamp, "h1", "{}")),
        ..CommitBatch::default()
    };

    // The first batch enters a commit and is held there; the rest queue.
    let first = submit(write("p0", "s0"));
    gated
        .entered
        .acquire()
        .await
        .expect("a commit starts")
        .forget();
    let mut rest = Vec::new();
    for player in ["p1", "p2", "p3"] {
        rest.push(submit(write(player, "s1")));
    }
    let replay = submit(write("ann", "stamp-1")); // the spent stamp again
    rest.push(submit(write("p4", "s1")));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!first.is_finished(), "no acknowledgement before the commit");
    assert!(rest.iter().all(|h| !h.is_finished()) && !replay.is_finished());
    for player in ["p0", "p1", "p2", "p3", "p4"] {
        assert_eq!(get(store, "wallet", &format!("{player}/gold")).await, None);
    }

    gated.gate.add_permits(100);
    let first = first
        .await
        .expect("joins")
        .expect("the first group commits");
    assert_eq!(first.group_size, 1);
    assert_eq!(
        get(store, "wallet", "p0/gold").await.as_deref(),
        Some(&b"10"[..])
    );

    let err = replay.await.expect("joins").unwrap_err();
    assert!(
        matches!(err, StoreError::IdempotencyConflict { .. }),
        "{err}"
    );
    let mut groups = Vec::new();
    for (handle, player) in rest.into_iter().zip(["p1", "p2", "p3", "p4"]) {
        let committed = handle.await.expect("joins").expect("the others commit");
        // Acknowledged means readable, at once.
        assert_eq!(
            get(store, "wallet", &format!("{player}/gold"))
                .await
                .as_deref(),
            Some(&b"10"[..])
        );
        groups.push((committed.group, committed.group_size));
    }
    assert!(
        groups.iter().all(|g| *g == (first.group + 1, 5)),
        "the queued batches and the replay shared one transaction: {groups:?}"
    );
    assert_eq!(get(store, "wallet", "ann/gold").await, None);
    assert_eq!(
        unsent(store).await.len(),
        5,
        "one event per committed batch"
    );
}

async fn a_batch_the_database_refuses_fails_alone_in_its_group(store: &Store) {
    let taken = a_committed_event(store).await;
    // Straight to the backend, as one group: the middle batch's event id is
    // taken, which only the database notices.
    let batches = vec![
        CommitBatch {
            kv: vec![set("combat", "a", b"1")],
            ..CommitBatch::default()
        },
        CommitBatch {
            kv: vec![set("combat", "b", b"1")],
            events: vec![taken],
            ..CommitBatch::default()
        },
        CommitBatch {
            kv: vec![set("combat", "c", b"1")],
            events: vec![event("match-events", "m1", "Moved")],
            ..CommitBatch::default()
        },
        CommitBatch {
            kv: vec![set("combat", "d\0", b"1")],
            ..CommitBatch::default()
        },
    ];
    let results = store.commit_group(&batches).await;
    assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
    assert!(
        matches!(results[1], Err(StoreError::Database(_))),
        "{results:?}"
    );
    assert!(
        matches!(results[3], Err(StoreError::Invalid { .. })),
        "{results:?}"
    );
    assert!(get(store, "combat", "a").await.is_some());
    assert!(get(store, "combat", "b").await.is_none());
    assert!(get(store, "combat", "c").await.is_some());
    assert_eq!(unsent(store).await.len(), 2);

    // Within a group, later writes of a key win, as if committed one by one.
    let results = store
        .commit_group(&[
            CommitBatch {
                kv: vec![set("combat", "a", b"2"), set("combat", "a", b"3")],
                ..CommitBatch::default()
            },
            CommitBatch {
                kv: vec![set("combat", "a", b"4")],
                ..CommitBatch::default()
            },
        ])
        .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(get(store, "combat", "a").await.as_deref(), Some(&b"4"[..]));
}

async fn a_chained_batch_commits_only_if_the_one_before_it_did(store: &Store) {
    store
        .commit(CommitBatch {
            idempotency: Some(done("ann", "taken", "h1", "{}")),
            ..CommitBatch::default()
        })
        .await
        .expect("a key is taken");
    let link = |chain: &Chain, key: &str, player: &str, stamp: &str| CommitBatch {
        kv: vec![set("combat", key, b"1")],
        idempotency: Some(done(player, stamp, "h1", "{}")),
        chain: Some(chain.clone()),
        ..CommitBatch::default()
    };

    // Independent links of two chains share the group's guards.
    let (a, b) = (Chain::new(), Chain::new());
    let results = store
        .commit_group(&[
            link(&a, "a1", "p1", "s1"),
            link(&b, "b1", "p2", "s1"),
            link(&a, "a2", "p1", "s2"),
        ])
        .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");

    // A link that conflicts fails with its conflict; the links after it
    // in its chain are not tried, in its group or in a later one; the
    // other chain goes on.
    let results = store
        .commit_group(&[
            link(&a, "a3", "ann", "taken"),
            link(&b, "b2", "p2", "s2"),
            link(&a, "a4", "p1", "s4"),
        ])
        .await;
    assert!(
        matches!(results[0], Err(StoreError::IdempotencyConflict { .. })),
        "{results:?}"
    );
    assert!(results[1].is_ok(), "{results:?}");
    assert!(
        matches!(results[2], Err(StoreError::ChainBroken)),
        "{results:?}"
    );
    assert!(a.is_broken() && !b.is_broken());
    let later = store.commit(link(&a, "a5", "p1", "s5")).await;
    assert!(matches!(later, Err(StoreError::ChainBroken)), "{later:?}");
    for (key, kept) in [("a1", true), ("a2", true), ("b1", true), ("b2", true)]
        .into_iter()
        .chain([("a3", false), ("a4", false), ("a5", false)])
    {
        assert_eq!(get(store, "combat", key).await.is_some(), kept, "{key}");
    }
    let record = store
        .idempotency_get(GAME, "p1", "s4", 2_000)
        .await
        .unwrap();
    assert!(record.is_none(), "a link not tried records nothing");

    // A link the database refuses, or that is refused before queueing,
    // breaks its chain the same way.
    let taken = a_committed_event(store).await;
    let c = Chain::new();
    let mut refused = link(&c, "c1", "p3", "s1");
    refused.events.push(taken);
    let results = store
        .commit_group(&[
            refused,
            link(&b, "b3", "p2", "s3"),
            link(&c, "c2", "p3", "s2"),
        ])
        .await;
    assert!(
        matches!(results[0], Err(StoreError::Database(_))),
        "{results:?}"
    );
    assert!(results[1].is_ok(), "{results:?}");
    assert!(
        matches!(results[2], Err(StoreError::ChainBroken)),
        "{results:?}"
    );
    let d = Chain::new();
    let invalid = link(&d, "", "p4", "s1");
    let span = tracing::Span::current();
    let results = store
        .commit_each(vec![
            (invalid, span.clone()),
            (link(&d, "d2", "p4", "s2"), span),
        ])
        .await;
    assert!(
        matches!(results[0], Err(StoreError::Invalid { .. })),
        "{results:?}"
    );
    assert!(
        matches!(results[1], Err(StoreError::ChainBroken)),
        "{results:?}"
    );
    for key in ["c1", "c2", "d2"] {
        assert_eq!(get(store, "combat", key).await, None, "{key}");
    }
}

async fn committed_kv_is_what_the_next_component_call_reads(store: &Store) {
    let rt = Arc::new(common::runtime());
    common::load(&rt, World::Combat, "classic", "1.0.0", "combat_classic");
    let combat = rt.active(GAME, World::Combat, "classic").expect("active");
    let call = |rt: Arc<idempo_host::runtime::Runtime>,
                ops: fn(&mut idempo_host::runtime::CallState) -> Option<Vec<u8>>| {
        let store = store.clone();
        let combat = combat.clone();
        let runtime = tokio::runtime::Handle::current();
        // Component calls run on blocking threads, never on a worker.
        tokio::task::spawn_blocking(move || {
            let reader = Arc::new(store.kv_reader(runtime));
            let ctx = CallContext {
                now_ms: 0,
                seed: 1,
                state: StateView {
                    reader: reader.clone(),
                    scope: scope("classic"),
                },
            };
            rt.invoke(&combat, ctx, |_pre, s| Ok(ops(s.data_mut())))
                .expect("the call runs")
        })
    };
    // The `kv` import as a component reaches it: read, then write.
    let first = call(rt.clone(), |s| {
        let seen = s.get("visits".into()).expect("the read succeeds");
        s.set("visits".into(), b"1".to_vec()).expect("write fits");
        seen
    })
    .await
    .expect("joins");
    assert_eq!(first.value, None, "nothing committed yet");

    // Before its effects commit, the next call does not see them.
    let uncommitted = call(rt.clone(), |s| {
        s.get("visits".into()).expect("the read succeeds")
    })
    .await
    .expect("joins");
    assert_eq!(uncommitted.value, None);

    let meta = EventMeta {
        game: GAME.into(),
        ..EventMeta::default()
    };
    let batch = CommitBatch::from_effects(first.effects, &meta).expect("batch");
    store.commit(batch).await.expect("commits");

    let next = call(rt.clone(), |s| {
        s.get("visits".into()).expect("the read succeeds")
    })
    .await
    .expect("joins");
    assert_eq!(
        next.value.as_deref(),
        Some(&b"1"[..]),
        "the next call reads it"
    );
}

async fn a_prefix_scan_reads_one_components_keys_in_order(store: &Store) {
    let batch = CommitBatch {
        kv: vec![
            set("combat", "hp/bob", b"2"),
            set("combat", "hp/ann", b"1"),
            set("combat", "hp/\u{e9}ve", b"3"),
            set("combat", "hp0", b"x"),
            set("combat", "hp", b"x"),
            set("combat", "ho/zed", b"x"),
            set("rewards", "hp/ann", b"other component"),
        ],
        ..CommitBatch::default()
    };
    store.commit(batch).await.expect("commits");
    let keys =
        |pairs: Vec<(String, Vec<u8>)>| pairs.into_iter().map(|(k, _)| k).collect::<Vec<_>>();
    let all = store
        .kv_scan(&scope("combat"), "hp/", None, 10)
        .await
        .expect("scan");
    assert_eq!(all[0].1, b"1");
    assert_eq!(keys(all), ["hp/ann", "hp/bob", "hp/\u{e9}ve"]);
    let page = store
        .kv_scan(&scope("combat"), "hp/", None, 2)
        .await
        .expect("scan");
    assert_eq!(keys(page), ["hp/ann", "hp/bob"]);
    let next = store
        .kv_scan(&scope("combat"), "hp/", Some("hp/bob"), 2)
        .await
        .expect("scan");
    assert_eq!(keys(next), ["hp/\u{e9}ve"]);
    let everything = store
        .kv_scan(&scope("combat"), "", None, 100)
        .await
        .expect("scan");
    assert_eq!(everything.len(), 6, "an empty prefix is the whole scope");
}

async fn migrations_run_twice_are_a_no_op(store: &Store) {
    store
        .commit(CommitBatch {
            kv: vec![set("combat", "kept", b"1")],
            ..CommitBatch::default()
        })
        .await
        .expect("commits");
    store.migrate().await.expect("migrating again is a no-op");
    store.migrate().await.expect("and again");
    assert_eq!(
        get(store, "combat", "kept").await.as_deref(),
        Some(&b"1"[..])
    );
}

// ------------------------------------------------------- opening, one-offs

#[tokio::test]
async fn an_unknown_database_url_is_refused_clearly() {
    let config = StorageConfig {
        database_url: "mysql://app:secret@db/idempo".into(),
        ..StorageConfig::default()
    };
    let err = Store::open(&config, std::path::Path::new("unused"))
        .await
        .err()
        .expect("refused");
    let text = err.to_string();
    assert!(matches!(err, StoreError::BadUrl { .. }), "{text}");
    assert!(!text.contains("secret"), "the password stays out: {text}");
}

#[tokio::test]
async fn an_unreachable_postgres_fails_at_start_with_its_address() {
    let config = StorageConfig {
        database_url: "postgres://postgres:pw@127.0.0.1:1/idempo".into(),
        acquire_timeout_ms: 2_000,
        ..StorageConfig::default()
    };
    let err = Store::open(&config, std::path::Path::new("unused"))
        .await
        .err()
        .expect("refused");
    let text = err.to_string();
    assert!(
        text.contains("127.0.0.1:1") && !text.contains("pw"),
        "{text}"
    );
}

#[tokio::test]
async fn the_embedded_store_reopens_with_its_state() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = test_config();
    {
        let store = Store::open(&config, dir.path()).await.expect("opens");
        store
            .commit(CommitBatch {
                kv: vec![set("combat", "kept", b"1")],
                ..CommitBatch::default()
            })
            .await
            .expect("commits");
        store.close().await;
    }
    assert!(dir.path().join(idempo_host::store::SQLITE_FILE).exists());
    let store = Store::open(&config, dir.path())
        .await
        .expect("reopens, migrations a no-op");
    assert_eq!(
        get(&store, "combat", "kept").await.as_deref(),
        Some(&b"1"[..])
    );
}
