//! Kafka topic names and their creation.
//!
//! A bus topic of a game is the Kafka topic `<prefix><game>.<topic>`, and
//! its dead letters go to `<prefix><game>.<topic>.dlq`, so games (studios,
//! later) never share a topic and an environment prefix keeps deployments
//! apart on one cluster. Topics are created at first use with the
//! configured partitions, replication and retention (`retention.ms`); an existing topic with another
//! partition count is refused, since it would move keys between partitions
//! and break their order.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;

use super::broker_error;
use crate::bus::error::BusError;

/// The suffix of a topic's dead-letter topic.
pub const DLQ_SUFFIX: &str = ".dlq";

/// The Kafka topic of `game`'s bus topic `topic`.
pub fn kafka_topic(prefix: &str, game: &str, topic: &str) -> Result<String, BusError> {
    let name = format!("{prefix}{game}.{topic}");
    // Kafka's rule: ASCII letters, digits, '.', '_', '-'; at most 249 bytes,
    // and room for the DLQ suffix.
    let legal = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !legal || name.len() + DLQ_SUFFIX.len() > 249 {
        return Err(BusError::Broker {
            what: "topic name",
            why: format!(
                "`{name}` is not a legal Kafka topic name (letters, digits, '.', '_', '-'; \
                 at most {} bytes)",
                249 - DLQ_SUFFIX.len()
            ),
        });
    }
    Ok(name)
}

/// Creates topics at first use, once per process.
pub struct Topics {
    admin: Arc<AdminClient<DefaultClientContext>>,
    partitions: i32,
    replication: i32,
    retention_ms: u64,
    timeout: Duration,
    ready: Mutex<HashSet<String>>,
}

impl Topics {
    pub fn new(
        admin: Arc<AdminClient<DefaultClientContext>>,
        partitions: u32,
        replication: i32,
        retention_ms: u64,
        timeout: Duration,
    ) -> Self {
        Self {
            admin,
            partitions: i32::try_from(partitions.max(1)).unwrap_or(i32::MAX),
            replication: replication.max(1),
            retention_ms,
            timeout,
            ready: Mutex::new(HashSet::new()),
        }
    }

    /// Makes sure `name` exists with the configured partitions: an existing
    /// topic (provisioned by operators, say) is checked, a missing one is
    /// created.
    pub async fn ensure(&self, name: &str) -> Result<(), BusError> {
        if self.ready.lock().contains(name) {
            return Ok(());
        }
        if self.partitions_of(name).await?.is_none() {
            self.create(name).await?;
        }
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            match self.partitions_of(name).await? {
                Some(n) if n == self.partitions => break,
                Some(n) => {
                    return Err(BusError::Broker {
                        what: "topic partitions",
                        why: format!(
                            "topic `{name}` has {n} partitions; this host is configured for {} \
                             (bus.partitions_per_topic): a key would change partition",
                            self.partitions
                        ),
                    });
                }
                None if tokio::time::Instant::now() >= deadline => {
                    return Err(BusError::Broker {
                        what: "create topic",
                        why: format!("topic `{name}` did not appear in the cluster's metadata"),
                    });
                }
                None => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        self.ready.lock().insert(name.to_owned());
        Ok(())
    }

    async fn create(&self, name: &str) -> Result<(), BusError> {
        let retention = self.retention_ms.to_string();
        let topic = NewTopic::new(
            name,
            self.partitions,
            TopicReplication::Fixed(self.replication),
        )
        .set("retention.ms", &retention);
        let options = AdminOptions::new().operation_timeout(Some(self.timeout));
        let results = self
            .admin
            .create_topics([&topic], &options)
            .await
            .map_err(|e| broker_error("create topic", e))?;
        for result in results {
            match result {
                Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((topic, code)) => {
                    return Err(BusError::Broker {
                        what: "create topic",
                        why: format!("{topic}: {code}"),
                    });
                }
            }
        }
        Ok(())
    }

    /// The partition count of `name`, `None` if the cluster has no such topic.
    async fn partitions_of(&self, name: &str) -> Result<Option<i32>, BusError> {
        let (admin, timeout, topic) = (self.admin.clone(), self.timeout, name.to_owned());
        let found = tokio::task::spawn_blocking(move || {
            // All topics: a request for one topic can create it on brokers
            // that auto-create, with their default partitions.
            let metadata = admin.inner().fetch_metadata(None, timeout)?;
            Ok::<_, rdkafka::error::KafkaError>(
                metadata
                    .topics()
                    .iter()
                    .find(|t| {
                        t.name() == topic && t.error().is_none() && !t.partitions().is_empty()
                    })
                    .map(|t| t.partitions().len()),
            )
        })
        .await
        .map_err(|e| broker_error("topic metadata", e))?
        .map_err(|e| broker_error("topic metadata", e))?;
        Ok(found.map(|n| i32::try_from(n).unwrap_or(i32::MAX)))
    }
}

#[cfg(test)]
mod tests {
    use super::kafka_topic;

    #[test]
    fn topic_names_are_per_game_and_legal() {
        assert_eq!(
            kafka_topic("idempo.", "default", "match-events").unwrap(),
            "idempo.default.match-events"
        );
        assert!(kafka_topic("idempo.", "a game", "match-events").is_err());
        assert!(kafka_topic("", &"g".repeat(250), "t").is_err());
    }
}
