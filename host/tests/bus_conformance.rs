//! The bus conformance suite: every story runs against every bus: the
//! embedded log on SQLite (a temp file) and on PostgreSQL (a fresh database
//! per test on `IDEMPO_TEST_POSTGRES_URL`, by default the server on
//! 127.0.0.1:5432 as user postgres, dropped at the end), and Kafka (the
//! broker on `IDEMPO_TEST_KAFKA`, topics of the test's own prefix, offsets
//! and dead letters in a fresh PostgreSQL database). Effects are counted in
//! the store, not in logs.

#[macro_use]
mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use common::db::{Fixture, postgres, sqlite};
use idempo_host::bus::consumer::Consumer;
use idempo_host::bus::{
    Bus, EmbeddedBus, Envelope, Event, Handler, HandlerError, KafkaBus, Position, Progress, Relay,
    Schemas, Sleeper,
};
use idempo_host::config::BusConfig;
use idempo_host::runtime::KvScope;
use idempo_host::store::{
    CommitBatch, KvWrite, OutboxEvent, ProcessedEvent, Store, StoreError, new_event_id,
};
use parking_lot::Mutex;

const GAME: &str = "default";

// ---------------------------------------------------------------- fixtures

/// A store, and the bus each story runs on over it.
struct Rig {
    fixture: Fixture,
    /// The broker, for the Kafka bus; `None`: the embedded log.
    kafka: Option<String>,
}

impl Rig {
    fn store(&self) -> &Store {
        &self.fixture.store
    }

    /// The rig's bus with `config` (a Kafka bus gets topics of its own).
    fn bus(&self, config: &BusConfig) -> Arc<dyn Bus> {
        match &self.kafka {
            None => EmbeddedBus::new(self.store().clone(), config),
            Some(brokers) => {
                let config = common::kafka::on_kafka(config.clone(), brokers);
                KafkaBus::connect(self.store().clone(), &config).expect("a Kafka bus")
            }
        }
    }
}

/// Every story, once per bus: `sqlite::`, `postgres::`, `kafka::<story>`.
macro_rules! bus_conformance {
    ($($story:ident),* $(,)?) => {
        bus_conformance!(@bus sqlite, sqlite(), None; $($story),*);
        bus_conformance!(@bus postgres, postgres(), None; $($story),*);
        bus_conformance!(@bus kafka, postgres(), Some(common::kafka::brokers()); $($story),*);
    };
    (@bus $bus:ident, $fixture:expr, $kafka:expr; $($story:ident),*) => {
        mod $bus {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    let rig = Rig { kafka: $kafka, fixture: $fixture.await };
                    super::$story(&rig).await;
                }
            )*
        }
    };
}

bus_conformance!(
    events_of_one_key_are_consumed_in_the_order_they_were_committed,
    an_outbox_event_is_applied_exactly_once_by_each_group_even_when_relayed_twice,
    a_poison_message_reaches_the_dlq_after_three_attempts_and_a_replay_applies_it_once,
    a_malformed_or_newer_event_goes_to_the_dlq_with_a_reason_and_the_consumer_goes_on,
    a_group_reset_rereads_from_there_and_a_rebuilt_read_model_equals_the_live_one,
    a_running_consumer_wakes_on_append_not_on_its_slow_poll,
    a_reset_made_while_the_group_reads_is_not_undone_by_it,
    a_batchable_group_applies_each_event_once_in_order_and_dead_letters_only_the_poison,
);

// ----------------------------------------------------------------- helpers

fn bus_config() -> BusConfig {
    BusConfig {
        partitions_per_topic: 4,
        backoff_base_ms: 100,
        backoff_max_ms: 10_000,
        max_payload_bytes: 1024,
        ..BusConfig::default()
    }
}

fn scope(component: &str) -> KvScope {
    KvScope {
        game: GAME.into(),
        component: component.into(),
    }
}

/// A `PointsScored` event of `player`, the `seq`th of the story.
fn scored(player: &str, points: i64, seq: u32) -> OutboxEvent {
    OutboxEvent {
        id: new_event_id(),
        game: GAME.into(),
        topic: "leaderboard-events".into(),
        key: player.into(),
        event_type: "PointsScored".into(),
        schema_version: 1,
        payload: serde_json::json!({ "player": player, "points": points, "seq": seq }).to_string(),
        correlation_id: Some(format!("corr-{seq}")),
        traceparent: Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into()),
        created_at_ms: i64::from(seq),
    }
}

async fn commit_events(store: &Store, events: Vec<OutboxEvent>) {
    store
        .commit(CommitBatch {
            events,
            ..CommitBatch::default()
        })
        .await
        .expect("the service's events commit");
}

/// A leaderboard read model kept in the component scope `board`: the
/// score of each player, the order of each player's events, and how many
/// times each event was applied. A poisoned event fails while `broken`.
struct Scoreboard {
    store: Store,
    board: String,
    broken: AtomicBool,
    attempts: AtomicU32,
}

impl Scoreboard {
    fn new(store: &Store, board: &str) -> Arc<Self> {
        Arc::new(Self {
            store: store.clone(),
            board: board.into(),
            broken: AtomicBool::new(false),
            attempts: AtomicU32::new(0),
        })
    }

    async fn read(&self, key: &str) -> String {
        let value = self
            .store
            .kv_get(&scope(&self.board), key)
            .await
            .expect("read model reads");
        String::from_utf8(value.unwrap_or_default()).expect("text")
    }

    async fn number(&self, key: &str) -> i64 {
        self.read(key).await.parse().unwrap_or(0)
    }

    fn set(&self, key: String, value: String) -> KvWrite {
        KvWrite {
            scope: scope(&self.board),
            key,
            value: Some(value.into_bytes()),
        }
    }

    /// Every pair of the board under `prefix`.
    async fn scan(&self, prefix: &str) -> BTreeMap<String, Vec<u8>> {
        self.store
            .kv_scan(&scope(&self.board), prefix, None, 10_000)
            .await
            .expect("read model scans")
            .into_iter()
            .collect()
    }
}

#[async_trait]
impl Handler for Scoreboard {
    async fn handle(&self, event: &Event) -> Result<CommitBatch, HandlerError> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        if event.payload["poison"] == true && self.broken.load(Ordering::SeqCst) {
            return Err(HandlerError("the rewards table has no row for this".into()));
        }
        let player = event.payload["player"].as_str().unwrap_or("?");
        let points = event.payload["points"].as_i64().unwrap_or(0);
        let seq = event.payload["seq"].as_u64().unwrap_or(0);
        let score = self.number(&format!("score/{player}")).await + points;
        let mut order = self.read(&format!("order/{player}")).await;
        order.push_str(&format!("{seq},"));
        let applied = self
            .number(&format!("applied/{}", event.envelope.event_id))
            .await
            + 1;
        Ok(CommitBatch {
            kv: vec![
                self.set(format!("score/{player}"), score.to_string()),
                self.set(format!("order/{player}"), order),
                self.set(
                    format!("applied/{}", event.envelope.event_id),
                    applied.to_string(),
                ),
            ],
            ..CommitBatch::default()
        })
    }
}

fn schemas() -> Schemas {
    Schemas::new(bus_config().max_payload_bytes).knows("PointsScored", 2)
}

/// A group's consumer of `leaderboard-events`, and what tells it caught up.
struct TestConsumer {
    consumer: Consumer,
    bus: Arc<dyn Bus>,
    group: String,
}

impl TestConsumer {
    fn with_sleeper(mut self, sleeper: Sleeper) -> Self {
        self.consumer = self.consumer.with_sleeper(sleeper);
        self
    }

    fn with_jitter(mut self, jitter: idempo_host::bus::Jitter) -> Self {
        self.consumer = self.consumer.with_jitter(jitter);
        self
    }

    /// The group's offset reached the end of every partition.
    async fn caught_up(&self) -> bool {
        for p in 0..i32::try_from(self.bus.partitions()).expect("few partitions") {
            let topic = "leaderboard-events";
            let next = self.bus.next_offset(GAME, &self.group, topic, p).await;
            let end = self.bus.end_offset(GAME, topic, p).await;
            if next.expect("offset") < end.expect("end offset") {
                return false;
            }
        }
        true
    }
}

fn consumer(
    store: &Store,
    bus: &Arc<dyn Bus>,
    group: &str,
    handler: Arc<Scoreboard>,
) -> TestConsumer {
    let consumer = Consumer::new(
        bus.clone(),
        store.clone(),
        GAME,
        group,
        &["leaderboard-events"],
        schemas(),
        handler,
        &bus_config(),
    )
    .with_sleeper(Arc::new(|_| Box::pin(async {})));
    TestConsumer {
        consumer,
        bus: bus.clone(),
        group: group.to_owned(),
    }
}

/// Runs rounds until the group caught up with the log (a broker may hand
/// over fetched records a little later than they were appended); the sum of
/// what they did.
async fn drain(c: &mut TestConsumer) -> Progress {
    let mut total = Progress::default();
    for _ in 0..3_000 {
        let p = c.consumer.run_once().await.expect("a consumer round");
        total += p;
        if p.read == 0 {
            if c.caught_up().await {
                return total;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    panic!("the consumer never caught up");
}

async fn relay_all(store: &Store, bus: &Arc<dyn Bus>, now_ms: i64) -> usize {
    let relay = Relay::new(store.clone(), bus.clone(), &bus_config());
    let mut total = 0;
    loop {
        let n = relay.relay_once(now_ms).await.expect("relay round");
        if n == 0 {
            return total;
        }
        total += n;
    }
}

// ----------------------------------------------------------------- stories

async fn events_of_one_key_are_consumed_in_the_order_they_were_committed(rig: &Rig) {
    let (store, bus) = (rig.store(), rig.bus(&bus_config()));
    let players = ["ann", "bob", "cy", "dee", "eve"];
    for seq in 0..40u32 {
        let player = players[seq as usize % players.len()];
        commit_events(store, vec![scored(player, 1, seq)]).await;
    }
    assert_eq!(relay_all(store, &bus, 1_000).await, 40);
    let board = Scoreboard::new(store, "board");
    let mut c = consumer(store, &bus, "leaderboard", board.clone());
    let p = drain(&mut c).await;
    assert_eq!((p.read, p.applied, p.dead), (40, 40, 0));
    for (i, player) in players.iter().enumerate() {
        let expected: String = (0..40u32)
            .filter(|seq| *seq as usize % players.len() == i)
            .map(|seq| format!("{seq},"))
            .collect();
        assert_eq!(
            board.read(&format!("order/{player}")).await,
            expected,
            "{player}"
        );
        assert_eq!(board.number(&format!("score/{player}")).await, 8);
    }
}

async fn an_outbox_event_is_applied_exactly_once_by_each_group_even_when_relayed_twice(rig: &Rig) {
    let (store, bus) = (rig.store(), rig.bus(&bus_config()));
    let events: Vec<OutboxEvent> = (0..5).map(|seq| scored("ann", 10, seq)).collect();
    commit_events(store, events.clone()).await;
    // The relay publishes, then dies before marking the rows sent: the next
    // relay publishes them again.
    let unsent = store.outbox_unsent(100).await.expect("outbox reads");
    assert_eq!(unsent.len(), 5);
    let envelopes: Vec<Envelope> = unsent.into_iter().map(|r| r.event.into()).collect();
    bus.publish(&envelopes, 1_000)
        .await
        .expect("first delivery");
    assert_eq!(relay_all(store, &bus, 1_001).await, 5);
    assert_eq!(
        relay_all(store, &bus, 1_002).await,
        0,
        "marked sent at last"
    );

    for group in ["rewards", "leaderboard"] {
        let board = Scoreboard::new(store, group);
        let mut c = consumer(store, &bus, group, board.clone());
        let p = drain(&mut c).await;
        assert_eq!((p.read, p.applied, p.skipped), (10, 5, 5), "{group}");
        for e in &events {
            assert_eq!(
                board.number(&format!("applied/{}", e.id)).await,
                1,
                "{group}"
            );
        }
        assert_eq!(board.number("score/ann").await, 50, "{group}");
        assert_eq!(drain(&mut c).await, Progress::default(), "nothing left");
    }
}

async fn a_poison_message_reaches_the_dlq_after_three_attempts_and_a_replay_applies_it_once(
    rig: &Rig,
) {
    let (store, bus) = (rig.store(), rig.bus(&bus_config()));
    let mut poison = scored("bob", 7, 1);
    poison.payload =
        serde_json::json!({ "player": "bob", "points": 7, "seq": 1, "poison": true }).to_string();
    let after = scored("bob", 1, 2);
    commit_events(store, vec![poison.clone(), after.clone()]).await;
    relay_all(store, &bus, 1_000).await;

    let board = Scoreboard::new(store, "board");
    board.broken.store(true, Ordering::SeqCst);
    let slept = Arc::new(Mutex::new(Vec::new()));
    let recorder = slept.clone();
    let sleeper: Sleeper = Arc::new(move |d: Duration| {
        recorder.lock().push(d);
        Box::pin(async {})
    });
    let mut c = consumer(store, &bus, "rewards", board.clone())
        .with_sleeper(sleeper)
        // The jitter draws its ceiling: the sleeps show the ceilings.
        .with_jitter(Box::new(|ceiling| ceiling));
    let p = drain(&mut c).await;
    assert_eq!(
        (p.read, p.applied, p.dead),
        (2, 1, 1),
        "the consumer went on"
    );
    assert_eq!(
        board.attempts.load(Ordering::SeqCst),
        3 + 1,
        "3 attempts, then the next event"
    );
    assert_eq!(
        *slept.lock(),
        [Duration::from_millis(100), Duration::from_millis(200)],
        "growing backoff between the 3 attempts"
    );
    assert_eq!(
        board.number("score/bob").await,
        1,
        "the poison changed nothing"
    );

    let dead = bus.dlq_list(GAME, 0, 10).await.expect("DLQ lists");
    assert_eq!(dead.len(), 1);
    let letter = &dead[0];
    assert_eq!(letter.envelope.event_id, poison.id);
    assert_eq!(letter.attempts, 3);
    assert_eq!(letter.consumer_group, "rewards");
    assert!(letter.error.contains("no row"), "{}", letter.error);
    let read_at = Position {
        topic: "leaderboard-events".into(),
        partition: letter.position.partition,
        offset: 0,
    };
    assert_eq!(letter.position, read_at, "where it was read");
    assert_eq!(
        bus.dlq_get(letter.id).await.expect("inspect").as_ref(),
        Some(letter)
    );

    // The fix ships; the operator replays the letter, twice by mistake.
    board.broken.store(false, Ordering::SeqCst);
    bus.dlq_replay(letter.id, 2_000).await.expect("replay");
    let again = bus.dlq_replay(letter.id, 2_001).await.unwrap_err();
    assert!(again.to_string().contains("already replayed"), "{again}");
    // Another group had applied it already: the replay reaches it too.
    let p = drain(&mut c).await;
    assert_eq!((p.read, p.applied), (1, 1));
    assert_eq!(board.number(&format!("applied/{}", poison.id)).await, 1);
    assert_eq!(board.number("score/bob").await, 8);
    let replayed = bus
        .dlq_get(letter.id)
        .await
        .expect("inspect")
        .expect("kept");
    assert_eq!(replayed.replayed_at_ms, Some(2_000));

    // A group that applied the event before it was replayed skips it.
    let other = Scoreboard::new(store, "other");
    let mut o = consumer(store, &bus, "other", other.clone());
    let p = drain(&mut o).await;
    assert_eq!((p.read, p.applied, p.skipped), (3, 2, 1));
    assert_eq!(other.number(&format!("applied/{}", poison.id)).await, 1);
}

async fn a_malformed_or_newer_event_goes_to_the_dlq_with_a_reason_and_the_consumer_goes_on(
    rig: &Rig,
) {
    let (store, bus) = (rig.store(), rig.bus(&bus_config()));
    let good = |seq| -> Envelope { scored("cy", 1, seq).into() };
    let mut malformed = good(1);
    malformed.payload = "{not json".into();
    let mut newer = good(2);
    newer.schema_version = 3;
    let mut unknown = good(3);
    unknown.event_type = "PointsStolen".into();
    let mut oversized = good(4);
    oversized.payload = serde_json::json!({ "player": "cy", "pad": "x".repeat(4096) }).to_string();
    let mut no_id = good(5);
    no_id.event_id = String::new();
    let mut older = good(6);
    older.schema_version = 1;
    let last = good(7);
    let all = [malformed, newer, unknown, oversized, no_id, older, last];
    bus.publish(&all, 1_000).await.expect("published");

    let board = Scoreboard::new(store, "board");
    let mut c = consumer(store, &bus, "leaderboard", board.clone());
    let p = drain(&mut c).await;
    assert_eq!((p.read, p.applied, p.dead), (7, 2, 5), "never stops");
    assert_eq!(board.read("order/cy").await, "6,7,");
    let dead = bus.dlq_list(GAME, 0, 10).await.expect("DLQ lists");
    let reasons: Vec<&str> = dead.iter().map(|d| d.error.as_str()).collect();
    assert_eq!(reasons.len(), 5, "{reasons:?}");
    assert!(reasons[0].contains("malformed payload"), "{}", reasons[0]);
    assert!(
        reasons[1].contains("newer than the newest this reader knows (2)"),
        "{}",
        reasons[1]
    );
    assert!(
        reasons[2].contains("unknown event type `PointsStolen`"),
        "{}",
        reasons[2]
    );
    assert!(reasons[3].contains("over the limit"), "{}", reasons[3]);
    assert!(reasons[4].contains("empty event id"), "{}", reasons[4]);
    assert!(
        dead.iter().all(|d| d.attempts == 0),
        "refused before any attempt"
    );
}

async fn a_group_reset_rereads_from_there_and_a_rebuilt_read_model_equals_the_live_one(rig: &Rig) {
    let (store, bus) = (rig.store(), rig.bus(&bus_config()));
    let players = ["ann", "bob", "cy"];
    for seq in 0..12u32 {
        let player = players[seq as usize % players.len()];
        commit_events(store, vec![scored(player, i64::from(seq), seq)]).await;
        relay_all(store, &bus, 1_000 + i64::from(seq)).await;
    }
    let live = Scoreboard::new(store, "live");
    let mut c = consumer(store, &bus, "live", live.clone());
    assert_eq!(drain(&mut c).await.applied, 12);

    // Reset one partition to offset 1: it is read again, and applied never twice.
    let partition = idempo_host::bus::partition_of("ann", bus.partitions());
    let in_partition = bus
        .end_offset(GAME, "leaderboard-events", partition)
        .await
        .expect("end offset");
    let in_partition = usize::try_from(in_partition).expect("a count");
    let at = Position {
        topic: "leaderboard-events".into(),
        partition,
        offset: 1,
    };
    bus.commit_offset(GAME, "live", &at, 3_000)
        .await
        .expect("reset");
    assert_eq!(
        bus.next_offset(GAME, "live", "leaderboard-events", partition)
            .await
            .expect("offset"),
        1
    );
    let p = drain(&mut c).await;
    assert_eq!(
        (p.read, p.applied, p.skipped),
        (in_partition - 1, 0, in_partition - 1)
    );

    // Reset to a time: events appended at or after 1_009 (seq 9, 10, 11).
    bus.reset_to_time(GAME, "live", "leaderboard-events", 1_009, 3_001)
        .await
        .expect("reset to a time");
    let p = drain(&mut c).await;
    assert_eq!((p.read, p.applied, p.skipped), (3, 0, 3));

    // A new group rebuilds the read model from the log: it equals the live one.
    let rebuilt = Scoreboard::new(store, "rebuilt");
    let mut r = consumer(store, &bus, "rebuild", rebuilt.clone());
    assert_eq!(drain(&mut r).await.applied, 12);
    for prefix in ["score/", "order/"] {
        let (a, b) = (live.scan(prefix).await, rebuilt.scan(prefix).await);
        assert_eq!(a.len(), 3, "{prefix}");
        assert_eq!(a, b, "{prefix}");
    }
}

async fn a_running_consumer_wakes_on_append_not_on_its_slow_poll(rig: &Rig) {
    let store = rig.store();
    let config = BusConfig {
        consumer_poll_ms: 600_000,
        relay_poll_ms: 5,
        ..bus_config()
    };
    let bus = rig.bus(&config);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let relay = tokio::spawn(Relay::new(store.clone(), bus.clone(), &config).run(stopped.clone()));
    let board = Scoreboard::new(store, "board");
    let runner = Consumer::new(
        bus.clone(),
        store.clone(),
        GAME,
        "leaderboard",
        &["leaderboard-events"],
        schemas(),
        board.clone(),
        &config,
    );
    let consumer = tokio::spawn(runner.run(stopped));
    // Let the consumer go idle on an empty log, then commit.
    tokio::time::sleep(Duration::from_millis(200)).await;
    commit_events(store, vec![scored("ann", 5, 1)]).await;
    let woke = tokio::time::timeout(Duration::from_secs(10), async {
        while board.number("score/ann").await != 5 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    stop.send(true).expect("runners listen");
    relay.await.expect("relay stops");
    consumer.await.expect("consumer stops");
    assert!(
        woke.is_ok(),
        "the append woke the consumer long before its poll"
    );
}

/// Resets its group to offset 0 while it handles the event of `seq`, the
/// way an operator's reset lands in the middle of a running round.
struct ResetsMidway {
    board: Arc<Scoreboard>,
    bus: Arc<dyn Bus>,
    seq: u64,
    done: AtomicBool,
}

#[async_trait]
impl Handler for ResetsMidway {
    async fn handle(&self, event: &Event) -> Result<CommitBatch, HandlerError> {
        if event.payload["seq"].as_u64() == Some(self.seq)
            && !self.done.swap(true, Ordering::SeqCst)
        {
            let start = Position {
                offset: 0,
                ..event.position.clone()
            };
            self.bus
                .commit_offset(GAME, "live", &start, 2_000)
                .await
                .expect("reset");
        }
        self.board.handle(event).await
    }
}

async fn a_reset_made_while_the_group_reads_is_not_undone_by_it(rig: &Rig) {
    let (store, bus) = (rig.store(), rig.bus(&bus_config()));
    let events: Vec<OutboxEvent> = (0..6).map(|seq| scored("ann", 1, seq)).collect();
    commit_events(store, events).await;
    relay_all(store, &bus, 1_000).await;
    let board = Scoreboard::new(store, "live");
    let handler = Arc::new(ResetsMidway {
        board: board.clone(),
        bus: bus.clone(),
        seq: 2,
        done: AtomicBool::new(false),
    });
    let mut c = TestConsumer {
        consumer: Consumer::new(
            bus.clone(),
            store.clone(),
            GAME,
            "live",
            &["leaderboard-events"],
            schemas(),
            handler,
            &bus_config(),
        ),
        bus: bus.clone(),
        group: "live".into(),
    };
    let p = drain(&mut c).await;
    // 0, 1, 2 applied; the reset to 0 stands, so 0, 1, 2 are read again and
    // skipped; then 3, 4, 5.
    assert_eq!((p.read, p.applied, p.skipped), (9, 6, 3));
    assert_eq!(board.read("order/ann").await, "0,1,2,3,4,5,");
    assert_eq!(board.number("score/ann").await, 6);
}

/// A handler that reads nothing it wrote: per event one `applied/` mark and
/// the player's `last/` seq (last writer wins, so order shows); poison fails.
struct Marks {
    board: Scoreboard,
    poison_attempts: AtomicU32,
}

#[async_trait]
impl Handler for Marks {
    async fn handle(&self, event: &Event) -> Result<CommitBatch, HandlerError> {
        if event.payload["poison"] == true {
            self.poison_attempts.fetch_add(1, Ordering::SeqCst);
            return Err(HandlerError("poisoned".into()));
        }
        let player = event.payload["player"].as_str().unwrap_or("?");
        let seq = event.payload["seq"].as_u64().unwrap_or(0);
        Ok(CommitBatch {
            kv: vec![
                self.board
                    .set(format!("applied/{}", event.envelope.event_id), "1".into()),
                self.board.set(format!("last/{player}"), seq.to_string()),
            ],
            ..CommitBatch::default()
        })
    }

    fn batchable(&self) -> bool {
        true
    }
}

async fn a_batchable_group_applies_each_event_once_in_order_and_dead_letters_only_the_poison(
    rig: &Rig,
) {
    let (store, bus) = (rig.store(), rig.bus(&bus_config()));
    let players = ["ann", "bob", "cat", "dan", "eve"];
    let mut events: Vec<OutboxEvent> = (1..=300)
        .map(|seq| scored(players[seq as usize % players.len()], 1, seq))
        .collect();
    let poison = &mut events[149];
    poison.payload =
        serde_json::json!({ "player": "ann", "points": 1, "seq": 150, "poison": true }).to_string();
    let poison_id = poison.id.clone();
    commit_events(store, events.clone()).await;
    relay_all(store, &bus, 1_000).await;
    // Delivered twice (all but the poison): the second copies are skipped
    // by their event ids.
    let envelopes: Vec<Envelope> = events
        .iter()
        .filter(|e| e.id != poison_id)
        .cloned()
        .map(Envelope::from)
        .collect();
    bus.publish(&envelopes, 1_001)
        .await
        .expect("second delivery");

    let marks = Arc::new(Marks {
        board: Scoreboard {
            store: store.clone(),
            board: "marks".into(),
            broken: AtomicBool::new(false),
            attempts: AtomicU32::new(0),
        },
        poison_attempts: AtomicU32::new(0),
    });
    let mut c = TestConsumer {
        consumer: Consumer::new(
            bus.clone(),
            store.clone(),
            GAME,
            "marks",
            &["leaderboard-events"],
            schemas(),
            marks.clone(),
            &bus_config(),
        )
        .with_sleeper(Arc::new(|_| Box::pin(async {}))),
        bus: bus.clone(),
        group: "marks".into(),
    };
    let p = drain(&mut c).await;
    assert_eq!((p.read, p.applied, p.dead), (599, 299, 1), "{p:?}");
    assert_eq!(p.skipped, 299, "the second copies");
    assert_eq!(
        marks.poison_attempts.load(Ordering::SeqCst),
        3,
        "3 attempts, not more"
    );
    let applied = marks.board.scan("applied/").await;
    assert_eq!(applied.len(), 299);
    assert!(!applied.contains_key(&format!("applied/{poison_id}")));
    for (i, player) in players.iter().enumerate() {
        // The player's last event: the highest seq with seq % 5 == i.
        let last = (1..=300u32)
            .rev()
            .find(|s| *s as usize % players.len() == i)
            .unwrap();
        assert_eq!(
            marks.board.read(&format!("last/{player}")).await,
            last.to_string(),
            "{player}"
        );
    }
    let dead = bus.dlq_list(GAME, 0, 10).await.expect("DLQ lists");
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (dead[0].envelope.event_id.as_str(), dead[0].attempts),
        (poison_id.as_str(), 3)
    );
}

// ------------------------------------------------ the relay's two paths

/// Commits `n` events into `outbox`'s outbox and relays them all onto an
/// embedded log in `log`'s database: how many the relay published, how
/// many records the log then holds, how many outbox rows are still unsent.
async fn relay_into(outbox: &Store, log: &Store, n: u32) -> (usize, i64, usize) {
    let bus = EmbeddedBus::new(log.clone(), &bus_config()) as Arc<dyn Bus>;
    commit_events(outbox, (0..n).map(|seq| scored("ann", 1, seq)).collect()).await;
    let relayed = relay_all(outbox, &bus, 1_000).await;
    let unsent = outbox.outbox_unsent(100).await.expect("outbox reads");
    (relayed, logged(&bus).await, unsent.len())
}

/// How many records the log's `leaderboard-events` holds.
async fn logged(bus: &Arc<dyn Bus>) -> i64 {
    let mut logged = 0;
    for partition in 0..4 {
        logged += bus
            .end_offset(GAME, "leaderboard-events", partition)
            .await
            .expect("end offset");
    }
    logged
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_marks_sent_what_the_log_holds_whether_or_not_the_log_shares_its_database() {
    // The log in the outbox's own database: appended and marked at once.
    let own = sqlite().await;
    assert_eq!(relay_into(&own.store, &own.store, 7).await, (7, 7, 0));
    // A log in another database: published there, then marked here.
    let (outbox, apart) = (sqlite().await, sqlite().await);
    assert_eq!(
        relay_into(&outbox.store, &apart.store, 5).await,
        (5, 5, 0),
        "appended to the other database's log, marked sent in the outbox's"
    );
}

// ------------------------------------------ appended in the commit itself

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_commits_append_to_the_log_in_order_behind_what_the_outbox_holds() {
    commits_append_in_order_behind_what_the_outbox_holds(&sqlite().await.store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_commits_append_to_the_log_in_order_behind_what_the_outbox_holds() {
    commits_append_in_order_behind_what_the_outbox_holds(&postgres().await.store).await;
}

/// `bus.append_in_commit`: the embedded log takes each commit's events in
/// the commit's transaction, never ahead of events still in the outbox.
async fn commits_append_in_order_behind_what_the_outbox_holds(store: &Store) {
    let unsent = || async { store.outbox_unsent(100).await.expect("outbox reads").len() };
    // An event committed before the log took commits waits in the outbox.
    commit_events(store, vec![scored("ann", 1, 0)]).await;
    let embedded = EmbeddedBus::new(store.clone(), &bus_config());
    assert!(embedded.append_in_commits(), "the first log is taken");
    let second = EmbeddedBus::new(store.clone(), &bus_config());
    assert!(!second.append_in_commits(), "one log per store");
    let bus = embedded as Arc<dyn Bus>;
    // While it waits, later commits queue behind it in the outbox.
    commit_events(store, vec![scored("ann", 1, 1), scored("bob", 1, 2)]).await;
    assert_eq!((unsent().await, logged(&bus).await), (3, 0));
    assert_eq!(relay_all(store, &bus, 1_000).await, 3);
    // Drained: each commit appends in its own transaction, no outbox row.
    for seq in 3..10u32 {
        let player = if seq % 2 == 0 { "ann" } else { "bob" };
        commit_events(store, vec![scored(player, 1, seq)]).await;
    }
    assert_eq!((unsent().await, logged(&bus).await), (0, 10));
    // A batch that conflicts appends nothing of its events.
    let processed = ProcessedEvent {
        consumer_group: "service".into(),
        event_id: "request-1".into(),
        game: GAME.into(),
        processed_at_ms: 1_000,
    };
    let once = |seq| CommitBatch {
        events: vec![scored("cy", 1, seq)],
        processed: Some(processed.clone()),
        ..CommitBatch::default()
    };
    store.commit(once(10)).await.expect("the first commits");
    let again = store.commit(once(11)).await;
    assert!(
        matches!(again, Err(StoreError::AlreadyProcessed { .. })),
        "{again:?}"
    );
    assert_eq!((unsent().await, logged(&bus).await), (0, 11));
    assert_eq!(
        store.outbox_purge_sent(i64::MAX, 100).await.expect("purge"),
        11,
        "every event has its outbox row, sent"
    );
    // Each applied once, in commit order per key.
    let board = Scoreboard::new(store, "board");
    let mut c = consumer(store, &bus, "leaderboard", board.clone());
    let p = drain(&mut c).await;
    assert_eq!((p.read, p.applied, p.dead), (11, 11, 0));
    assert_eq!(board.read("order/ann").await, "0,1,4,6,8,");
    assert_eq!(board.read("order/bob").await, "2,3,5,7,9,");
    assert_eq!(board.read("order/cy").await, "10,");
}
