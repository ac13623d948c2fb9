//! The Kafka bus, through rdkafka (librdkafka, built from its bundled
//! sources).
//!
//! - [`KafkaBus`] (here): the [`Bus`] over a Kafka cluster;
//! - [`topics`]: topic names (`<prefix><game>.<topic>`, `.dlq`) and their
//!   creation;
//! - [`wire`]: an envelope as a Kafka record (key, value, timestamp,
//!   `traceparent` header), and back;
//! - [`reader`]: a group's reader of a topic's partitions;
//! - [`seek`]: the first record at or after a time (resets to a time).
//!
//! What Kafka keeps and what the database keeps:
//! - Kafka keeps the records. The producer is idempotent with `acks=all`,
//!   so a retried send neither duplicates nor reorders a partition; a
//!   record's partition is [`partition_of`] its key, as on the embedded log.
//! - The store's database keeps each group's offsets and the dead-letter
//!   catalog ([`crate::bus::catalog`]), beside the consumers' own writes and
//!   the partition leases. An offset is stored only after its record was
//!   processed. Dead letters also go to the topic's `.dlq` topic, with the
//!   reason, attempts and origin as headers, for Kafka's own tools.
//!
//! A publish waits for every record's delivery report; if one fails (the
//! cluster is down past `delivery_timeout_ms`), the publish fails and the
//! outbox keeps the events for the next round. Some of them may have landed:
//! consumers dedupe by event id.

pub mod reader;
pub mod seek;
pub mod topics;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rdkafka::ClientConfig;
use rdkafka::admin::AdminClient;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};

use self::reader::Readers;
use self::topics::{DLQ_SUFFIX, Topics, kafka_topic};
use super::appends::{AppendWatch, Appends};
use super::envelope::Envelope;
use super::error::BusError;
use super::{Bus, NewDeadLetter, Position, Record, catalog, known_topic, partition_of};
use crate::config::{BusConfig, KafkaConfig};
use crate::store::Store;

/// A broker failure as a [`BusError`].
pub(crate) fn broker_error(what: &'static str, e: impl std::fmt::Display) -> BusError {
    BusError::Broker {
        what,
        why: e.to_string(),
    }
}

/// The bus over a Kafka cluster, with offsets and dead letters in `store`.
pub struct KafkaBus {
    store: Store,
    config: KafkaConfig,
    partitions: u32,
    producer: FutureProducer,
    /// For watermarks (no assignment, no group).
    lookup: Arc<BaseConsumer>,
    /// The configuration of readers and seekers.
    reading: ClientConfig,
    topics: Topics,
    readers: Readers,
    appended: Appends,
}

impl KafkaBus {
    /// A bus on the cluster of `config.kafka`. Connects lazily: an
    /// unreachable cluster shows as failed publishes and fetches (the outbox
    /// keeps the events), not as a failure here.
    pub fn connect(store: Store, config: &BusConfig) -> Result<Arc<Self>, BusError> {
        let kafka = &config.kafka;
        let mut base = ClientConfig::new();
        base.set("bootstrap.servers", &kafka.bootstrap_servers)
            .set("client.id", "idempo")
            // Topics are created by `topics`, with the configured partitions.
            .set("allow.auto.create.topics", "false");
        let producer: FutureProducer = base
            .clone()
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("max.in.flight.requests.per.connection", "5")
            .set("linger.ms", kafka.linger_ms.to_string())
            .set("message.timeout.ms", kafka.delivery_timeout_ms.to_string())
            .create()
            .map_err(|e| broker_error("create producer", e))?;
        let mut reading = base.clone();
        reading
            .set("group.id", format!("{}readers", kafka.topic_prefix))
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set("fetch.wait.max.ms", kafka.fetch_wait_ms.to_string())
            .set("queued.max.messages.kbytes", kafka.prefetch_kib.to_string());
        let lookup: BaseConsumer = reading
            .create()
            .map_err(|e| broker_error("create consumer", e))?;
        let admin: AdminClient<_> = base
            .create()
            .map_err(|e| broker_error("create admin client", e))?;
        let appended = Appends::default();
        Ok(Arc::new(Self {
            store,
            config: kafka.clone(),
            partitions: config.partitions_per_topic.max(1),
            producer,
            lookup: Arc::new(lookup),
            topics: Topics::new(
                Arc::new(admin),
                config.partitions_per_topic,
                kafka.replication_factor,
                config.retention_ms,
                Duration::from_millis(kafka.admin_timeout_ms),
            ),
            readers: Readers::new(reading.clone(), appended.clone()),
            reading,
            appended,
        }))
    }

    fn timeout(&self) -> Duration {
        Duration::from_millis(self.config.admin_timeout_ms)
    }

    /// The Kafka topic of `game`'s `topic`, created if new.
    async fn topic(&self, game: &str, topic: &str) -> Result<String, BusError> {
        known_topic(topic)?;
        let name = kafka_topic(&self.config.topic_prefix, game, topic)?;
        self.topics.ensure(&name).await?;
        Ok(name)
    }

    /// Sends records and waits for every delivery report, in order.
    async fn send_all(
        &self,
        records: Vec<(String, i32, &str, String, OwnedHeaders)>,
        now_ms: i64,
    ) -> Result<Vec<(i32, i64)>, BusError> {
        let mut pending = Vec::with_capacity(records.len());
        for (name, partition, key, value, headers) in &records {
            let mut record = FutureRecord::to(name)
                .partition(*partition)
                .key(*key)
                .payload(value.as_str())
                .timestamp(now_ms)
                .headers(headers.clone());
            loop {
                match self.producer.send_result(record) {
                    Ok(delivery) => {
                        pending.push(delivery);
                        break;
                    }
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                        record = back;
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                    Err((e, _)) => return Err(broker_error("publish", e)),
                }
            }
        }
        let mut landed = Vec::with_capacity(pending.len());
        for delivery in pending {
            match delivery.await {
                Ok(Ok(d)) => landed.push((d.partition, d.offset)),
                Ok(Err((e, _))) => return Err(broker_error("publish", e)),
                Err(_) => {
                    return Err(BusError::Broker {
                        what: "publish",
                        why: "the producer shut down before the delivery report".into(),
                    });
                }
            }
        }
        Ok(landed)
    }

    /// Runs `f` with the lookup consumer on a blocking thread.
    async fn lookup<T: Send + 'static>(
        &self,
        what: &'static str,
        f: impl FnOnce(&BaseConsumer, Duration) -> Result<T, KafkaError> + Send + 'static,
    ) -> Result<T, BusError> {
        let (lookup, timeout) = (self.lookup.clone(), self.timeout());
        tokio::task::spawn_blocking(move || f(&lookup, timeout))
            .await
            .map_err(|e| broker_error(what, e))?
            .map_err(|e| broker_error(what, e))
    }

    fn partition_count(&self) -> i32 {
        i32::try_from(self.partitions).unwrap_or(i32::MAX)
    }
}

#[async_trait]
impl Bus for KafkaBus {
    fn partitions(&self) -> u32 {
        self.partitions
    }

    fn catalog(&self) -> &Store {
        &self.store
    }

    async fn publish(&self, events: &[Envelope], now_ms: i64) -> Result<Vec<Position>, BusError> {
        let mut records = Vec::with_capacity(events.len());
        for e in events {
            let name = self.topic(&e.game, &e.topic).await?;
            let partition = partition_of(&e.key, self.partitions);
            records.push((
                name,
                partition,
                e.key.as_str(),
                e.encode(),
                wire::headers(e),
            ));
        }
        let landed = self.send_all(records, now_ms).await?;
        Ok(events
            .iter()
            .zip(landed)
            .map(|(e, (partition, offset))| Position {
                topic: e.topic.clone(),
                partition,
                offset,
            })
            .collect())
    }

    async fn fetch(
        &self,
        game: &str,
        group: &str,
        topic: &str,
        partition: i32,
        max: u32,
    ) -> Result<Vec<Record>, BusError> {
        let from = catalog::next_offset(&self.store, game, group, topic, partition).await?;
        if let Some(reader) = self.readers.get(game, group, topic)
            && let Some(records) = reader.read(partition, from, max)?
        {
            return Ok(records);
        }
        // No reader yet, or not at `from`: (re)open at the group's offsets.
        let name = self.topic(game, topic).await?;
        let mut offsets = Vec::with_capacity(self.partitions as usize);
        for p in 0..self.partition_count() {
            offsets.push(catalog::next_offset(&self.store, game, group, topic, p).await?);
        }
        let reader = self.readers.open((game, group, topic), &name, &offsets)?;
        Ok(reader.read(partition, from, max)?.unwrap_or_default())
    }

    async fn end_offset(&self, game: &str, topic: &str, partition: i32) -> Result<i64, BusError> {
        let name = self.topic(game, topic).await?;
        self.lookup("watermarks", move |c, timeout| {
            c.fetch_watermarks(&name, partition, timeout)
                .map(|(_, high)| high.max(0))
        })
        .await
    }

    async fn reset_to_time(
        &self,
        game: &str,
        group: &str,
        topic: &str,
        at_ms: i64,
        now_ms: i64,
    ) -> Result<(), BusError> {
        let name = self.topic(game, topic).await?;
        let partitions = self.partition_count();
        let seeker: BaseConsumer = self
            .reading
            .create()
            .map_err(|e| broker_error("create consumer", e))?;
        let timeout = self.timeout();
        let found = tokio::task::spawn_blocking(move || {
            (0..partitions)
                .map(|p| seek::first_at(&seeker, &name, p, at_ms, timeout))
                .collect::<Result<Vec<i64>, KafkaError>>()
        })
        .await
        .map_err(|e| broker_error("offsets for time", e))?
        .map_err(|e| broker_error("offsets for time", e))?;
        for (p, offset) in (0..partitions).zip(found) {
            let position = Position {
                topic: topic.to_owned(),
                partition: p,
                offset,
            };
            self.commit_offset(game, group, &position, now_ms).await?;
        }
        Ok(())
    }

    async fn dead_letter(&self, letter: &NewDeadLetter) -> Result<i64, BusError> {
        // The `.dlq` topic first: if the catalog's insert then fails, the
        // record is read again and dead-lettered again, and the topic holds
        // it twice, the catalog once.
        let origin = &letter.position;
        let name = format!(
            "{}{DLQ_SUFFIX}",
            self.topic(&letter.game, &origin.topic).await?
        );
        self.topics.ensure(&name).await?;
        let (attempts, partition, offset) = (
            letter.attempts.to_string(),
            origin.partition.to_string(),
            origin.offset.to_string(),
        );
        let headers = wire::headers(&letter.envelope)
            .insert(Header {
                key: "dlq-error",
                value: Some(letter.error.as_str()),
            })
            .insert(Header {
                key: "dlq-attempts",
                value: Some(attempts.as_str()),
            })
            .insert(Header {
                key: "dlq-group",
                value: Some(letter.consumer_group.as_str()),
            })
            .insert(Header {
                key: "dlq-origin",
                value: Some(format!("{}/{partition}/{offset}", origin.topic).as_str()),
            });
        self.send_all(
            vec![(
                name,
                origin.partition,
                letter.envelope.key.as_str(),
                letter.envelope.encode(),
                headers,
            )],
            letter.dead_at_ms,
        )
        .await?;
        catalog::dead_letter(&self.store, letter).await
    }

    async fn dlq_replay(&self, id: i64, now_ms: i64) -> Result<Position, BusError> {
        let letter = self.dlq_get(id).await?.ok_or(BusError::NoDeadLetter(id))?;
        if letter.replayed_at_ms.is_some() {
            return Err(BusError::AlreadyReplayed(id));
        }
        // Published before it is marked: a crash in between lets it be
        // replayed again, and consumers dedupe by event id; marking first
        // could lose it.
        let position = self
            .publish(std::slice::from_ref(&letter.envelope), now_ms)
            .await?
            .pop()
            .ok_or_else(|| broker_error("publish", "no delivery report"))?;
        catalog::dlq_mark_replayed(&self.store, id, now_ms).await?;
        Ok(position)
    }

    fn appended(&self) -> AppendWatch {
        self.appended.watch()
    }
}
