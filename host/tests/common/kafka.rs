//! The Kafka-protocol broker of the suites: `IDEMPO_TEST_KAFKA`
//! (`host:port`), which the README's test command starts (tansu, pinned, see
//! `infra/kafka/broker`). An unset variable fails the test with what to do:
//! CI has a broker.
//!
//! Tests share the broker and keep apart by topic prefix: every bus gets a
//! prefix of its own.

use idempo_host::config::{BusBackend, BusConfig, KafkaConfig};
use idempo_host::store::new_event_id;

/// The broker's bootstrap address.
pub fn brokers() -> String {
    std::env::var("IDEMPO_TEST_KAFKA").unwrap_or_else(|_| {
        panic!(
            "IDEMPO_TEST_KAFKA is not set. The Kafka suites need a Kafka-protocol broker: \
             run the README's test command (./dev test), or start one with \
             `infra/kafka/broker start 19092` and set IDEMPO_TEST_KAFKA=127.0.0.1:19092"
        )
    })
}

/// `config` on Kafka at `bootstrap`, under a topic prefix of its own.
pub fn on_kafka(config: BusConfig, bootstrap: &str) -> BusConfig {
    BusConfig {
        backend: BusBackend::Kafka,
        kafka: KafkaConfig {
            bootstrap_servers: bootstrap.to_owned(),
            topic_prefix: format!("t{}.", new_event_id().replace('-', "")),
            delivery_timeout_ms: 10_000,
            ..config.kafka.clone()
        },
        ..config
    }
}
