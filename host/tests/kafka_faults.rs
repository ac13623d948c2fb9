//! Faults of the Kafka bus that a real broker cannot be made to show on
//! demand, injected with librdkafka's mock cluster: a broker that goes down
//! for a while, produce requests that fail, slow round trips. And a record
//! from a foreign producer, on the pinned broker (`IDEMPO_TEST_KAFKA`).
//!
//! Effects are counted in the store: each event's `applied/<id>` counter must
//! end at exactly 1.

mod common;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use idempo_host::bus::{Bus, Consumer, Event, Handler, HandlerError, KafkaBus, Relay, Schemas};
use idempo_host::config::{BusConfig, KafkaConfig};
use idempo_host::runtime::KvScope;
use idempo_host::store::{CommitBatch, KvWrite, OutboxEvent, Store, new_event_id};
use rdkafka::mocking::MockCluster;
use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};

const GAME: &str = "default";
const TOPIC: &str = "match-events";

fn scope() -> KvScope {
    KvScope {
        game: GAME.into(),
        component: "counter".into(),
    }
}

/// Counts how many times each event was applied.
struct Counter {
    store: Store,
}

#[async_trait]
impl Handler for Counter {
    async fn handle(&self, event: &Event) -> Result<CommitBatch, HandlerError> {
        let key = format!("applied/{}", event.envelope.event_id);
        let before = self
            .store
            .kv_get(&scope(), &key)
            .await
            .map_err(|e| HandlerError(e.to_string()))?
            .map_or(0, |v| {
                String::from_utf8_lossy(&v).parse::<i64>().unwrap_or(0)
            });
        Ok(CommitBatch {
            kv: vec![KvWrite {
                scope: scope(),
                key,
                value: Some((before + 1).to_string().into_bytes()),
            }],
            ..CommitBatch::default()
        })
    }
}

fn event(n: u32) -> OutboxEvent {
    OutboxEvent {
        id: new_event_id(),
        game: GAME.into(),
        topic: TOPIC.into(),
        key: format!("m{}", n % 13),
        event_type: "MatchFinished".into(),
        schema_version: 1,
        payload: serde_json::json!({ "n": n }).to_string(),
        correlation_id: None,
        traceparent: None,
        created_at_ms: i64::from(n),
    }
}

async fn commit(store: &Store, events: &[OutboxEvent]) {
    store
        .commit(CommitBatch {
            events: events.to_vec(),
            ..CommitBatch::default()
        })
        .await
        .expect("events commit");
}

fn config(bootstrap: &str) -> BusConfig {
    let base = BusConfig {
        partitions_per_topic: 3,
        relay_poll_ms: 20,
        consumer_poll_ms: 20,
        ..BusConfig::default()
    };
    let mut config = common::kafka::on_kafka(base, bootstrap);
    config.kafka = KafkaConfig {
        delivery_timeout_ms: 1_500,
        admin_timeout_ms: 5_000,
        ..config.kafka
    };
    config
}

/// The relay and a consumer group running, until dropped.
struct Pipeline {
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Pipeline {
    fn start(store: &Store, bus: &Arc<dyn Bus>, config: &BusConfig) -> Self {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let relay = Relay::new(store.clone(), bus.clone(), config);
        let consumer = Consumer::new(
            bus.clone(),
            store.clone(),
            GAME,
            "counter",
            &[TOPIC],
            Schemas::new(config.max_payload_bytes).knows("MatchFinished", 1),
            Arc::new(Counter {
                store: store.clone(),
            }),
            config,
        );
        let tasks = vec![
            tokio::spawn(relay.run(stopped.clone())),
            tokio::spawn(consumer.run(stopped)),
        ];
        Self { stop, tasks }
    }

    async fn stop(self) {
        self.stop.send(true).expect("runners listen");
        for task in self.tasks {
            task.await.expect("runner stops");
        }
    }
}

/// How many times each of `events` was applied.
async fn applied(store: &Store, events: &[OutboxEvent]) -> Vec<i64> {
    let mut counts = Vec::with_capacity(events.len());
    for e in events {
        let v = store
            .kv_get(&scope(), &format!("applied/{}", e.id))
            .await
            .expect("reads");
        counts.push(v.map_or(0, |v| String::from_utf8_lossy(&v).parse().unwrap_or(0)));
    }
    counts
}

/// Waits (bounded) until every event was applied; then each exactly once.
async fn all_applied_exactly_once(store: &Store, events: &[OutboxEvent]) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let counts = applied(store, events).await;
        if counts.iter().all(|&c| c >= 1) {
            assert!(
                counts.iter().all(|&c| c == 1),
                "an event was applied twice: {counts:?}"
            );
            return;
        }
        let missing = counts.iter().filter(|&&c| c == 0).count();
        assert!(
            tokio::time::Instant::now() < deadline,
            "{missing} of {} events were never applied",
            events.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Records in the topic, over all partitions.
async fn records_in_log(bus: &Arc<dyn Bus>) -> i64 {
    let mut total = 0;
    for p in 0..i32::try_from(bus.partitions()).expect("few") {
        total += bus.end_offset(GAME, TOPIC, p).await.expect("end offset");
    }
    total
}

/// A Kafka bus on a mock cluster of one broker, its topic provisioned (the
/// mock cluster takes no CreateTopics, so as an operator would).
struct Mocked {
    cluster: MockCluster<'static, rdkafka::producer::DefaultProducerContext>,
    db: common::db::Fixture,
    config: BusConfig,
    bus: Arc<dyn Bus>,
}

async fn mocked() -> Mocked {
    let cluster = MockCluster::new(1).expect("a mock cluster");
    let db = common::db::sqlite().await;
    let config = config(&cluster.bootstrap_servers());
    let name = format!("{}{GAME}.{TOPIC}", config.kafka.topic_prefix);
    cluster.create_topic(&name, 3, 1).expect("topic");
    let bus: Arc<dyn Bus> = KafkaBus::connect(db.store.clone(), &config).expect("bus");
    Mocked {
        cluster,
        db,
        config,
        bus,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_down_for_a_while_loses_nothing_and_delivery_catches_up() {
    let Mocked {
        cluster,
        db,
        config,
        bus,
    } = mocked().await;
    let store = &db.store;
    let pipeline = Pipeline::start(store, &bus, &config);

    let before: Vec<OutboxEvent> = (0..100).map(event).collect();
    commit(store, &before).await;
    all_applied_exactly_once(store, &before).await;

    // The broker goes down; the game goes on committing.
    cluster.broker_down(1).expect("broker down");
    let during: Vec<OutboxEvent> = (100..300).map(event).collect();
    for chunk in during.chunks(20) {
        commit(store, chunk).await;
    }
    // Past the delivery timeout: the publishes failed, the outbox holds them.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let held = store.outbox_unsent(1_000).await.expect("outbox reads");
    assert!(
        !held.is_empty(),
        "with the broker down, the outbox holds the events"
    );
    assert!(
        applied(store, &during).await.iter().all(|&c| c == 0),
        "nothing was applied while the broker was down"
    );

    cluster.broker_up(1).expect("broker up");
    all_applied_exactly_once(store, &during).await;
    assert!(store.outbox_unsent(10).await.expect("reads").is_empty());
    assert_eq!(
        applied(store, &before).await,
        vec![1; before.len()],
        "and the first ones still once"
    );
    pipeline.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_produce_requests_are_retried_without_duplicates_or_loss() {
    let Mocked {
        cluster,
        db,
        config,
        bus,
    } = mocked().await;
    let store = &db.store;
    // Retriable errors, and a slow broker.
    cluster.request_errors(
        RDKafkaApiKey::Produce,
        &[
            RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
            RDKafkaRespErr::RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
            RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
            RDKafkaRespErr::RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
        ],
    );
    cluster
        .broker_round_trip_time(1, Duration::from_millis(50))
        .expect("slow broker");
    let events: Vec<OutboxEvent> = (0..150).map(event).collect();
    commit(store, &events).await;
    let pipeline = Pipeline::start(store, &bus, &config);
    all_applied_exactly_once(store, &events).await;
    pipeline.stop().await;
    assert_eq!(
        records_in_log(&bus).await,
        150,
        "the idempotent producer wrote each record once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_record_goes_to_the_dlq_with_a_reason_and_the_consumer_goes_on() {
    use rdkafka::ClientConfig;
    use rdkafka::producer::{FutureProducer, FutureRecord};

    let brokers = common::kafka::brokers();
    let db = common::db::sqlite().await;
    let store = &db.store;
    let config = config(&brokers);
    let bus: Arc<dyn Bus> = KafkaBus::connect(store.clone(), &config).expect("bus");
    let first = event(1);
    commit(store, std::slice::from_ref(&first)).await;
    let pipeline = Pipeline::start(store, &bus, &config);
    all_applied_exactly_once(store, std::slice::from_ref(&first)).await;

    // Another client writes what is not an envelope, in the same partition.
    let name = format!("{}{GAME}.{TOPIC}", config.kafka.topic_prefix);
    let partition = idempo_host::bus::partition_of(&first.key, config.partitions_per_topic);
    let foreign: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .create()
        .expect("a producer");
    foreign
        .send(
            FutureRecord::to(&name)
                .partition(partition)
                .key(first.key.as_str())
                .payload("this is not an envelope"),
            Duration::from_secs(10),
        )
        .await
        .expect("foreign record written");
    let mut after = event(2);
    after.key.clone_from(&first.key);
    commit(store, std::slice::from_ref(&after)).await;
    all_applied_exactly_once(store, std::slice::from_ref(&after)).await;
    pipeline.stop().await;

    let dead = bus.dlq_list(GAME, 0, 10).await.expect("DLQ lists");
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert!(
        dead[0].error.contains("unreadable record"),
        "{}",
        dead[0].error
    );
    assert_eq!(dead[0].position.partition, partition);
    assert_eq!(dead[0].position.offset, 1);
    assert_eq!(dead[0].envelope.payload, "this is not an envelope");
    // And on the topic's dead-letter topic, for Kafka's own tools.
    let lookup: rdkafka::consumer::BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .create()
        .expect("a consumer");
    let dlq = format!("{name}.dlq");
    let (_, high) = tokio::task::spawn_blocking(move || {
        use rdkafka::consumer::Consumer as _;
        lookup.fetch_watermarks(&dlq, partition, Duration::from_secs(10))
    })
    .await
    .expect("joins")
    .expect("the .dlq topic exists");
    assert_eq!(high, 1, "one dead letter on the .dlq topic");
}
