//! A read model's pipeline as its tests drive it, one step at a time: a
//! service's commit, the relay's rounds, the consumer group's rounds, on the
//! embedded bus with fast retries.

use std::sync::Arc;

use idempo_host::bus::{Bus, Consumer, EmbeddedBus, Envelope, Progress, Relay};
use idempo_host::config::BusConfig;
use idempo_host::store::{CommitBatch, OutboxEvent, Store};

use super::GAME;

/// Four partitions a topic, retries 1 to 10 ms apart.
pub fn bus_config() -> BusConfig {
    BusConfig {
        partitions_per_topic: 4,
        backoff_base_ms: 1,
        backoff_max_ms: 10,
        ..BusConfig::default()
    }
}

/// The outbox, the embedded bus and one group's runner.
pub struct Pipeline {
    pub store: Store,
    pub bus: Arc<dyn Bus>,
    pub consumer: Consumer,
}

impl Pipeline {
    /// `consumer` builds the group's runner on the pipeline's bus; its
    /// retries do not sleep.
    pub fn new(store: &Store, consumer: impl FnOnce(Arc<dyn Bus>, &BusConfig) -> Consumer) -> Self {
        let bus = EmbeddedBus::new(store.clone(), &bus_config());
        let consumer =
            consumer(bus.clone(), &bus_config()).with_sleeper(Arc::new(|_| Box::pin(async {})));
        Self {
            store: store.clone(),
            bus,
            consumer,
        }
    }

    /// Commits `events` as a service does, and relays the whole outbox.
    pub async fn commit(&self, events: Vec<OutboxEvent>) {
        self.store
            .commit(CommitBatch {
                events,
                ..CommitBatch::default()
            })
            .await
            .expect("the events commit");
        self.relay().await;
    }

    /// Relay rounds until the outbox holds nothing unsent.
    pub async fn relay(&self) {
        let relay = Relay::new(self.store.clone(), self.bus.clone(), &bus_config());
        while relay.relay_once(1_000).await.expect("a relay round") > 0 {}
    }

    /// Runs the group's rounds until a round reads nothing; what they did.
    pub async fn drain(&mut self) -> Progress {
        let mut total = Progress::default();
        for _ in 0..100 {
            let p = self.consumer.run_once().await.expect("a consumer round");
            total += p;
            if p.read == 0 {
                return total;
            }
        }
        panic!("the group never caught up");
    }

    /// Every record of `topic` on the bus, read by a probe group.
    pub async fn on_topic(&self, topic: &str) -> Vec<Envelope> {
        let mut all = Vec::new();
        for partition in 0..bus_config().partitions_per_topic as i32 {
            let records = self
                .bus
                .fetch(GAME, "probe", topic, partition, 1_000)
                .await
                .expect("the log reads");
            all.extend(records.into_iter().map(|r| r.envelope));
        }
        all
    }
}
