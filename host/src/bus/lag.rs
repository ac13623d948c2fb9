//! How far a consumer group is behind: per partition, the end of the log
//! ([`Bus::end_offset`]) minus the group's next offset
//! ([`Bus::next_offset`]), never below 0. The admin API shows it per
//! partition (`GET .../events/groups/{group}`), `/metrics` per topic
//! (`kafka_consumer_lag`); both read it here.

use serde::{Deserialize, Serialize};

use super::{Bus, BusError};

/// A group's place in one partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionLag {
    pub partition: i32,
    /// The group's next offset (0 if it never read).
    pub next_offset: i64,
    /// The next offset to be appended.
    pub end_offset: i64,
    /// Records appended that the group has not read.
    pub lag: i64,
}

/// A group's place in every partition of one topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicLag {
    pub topic: String,
    pub lag: i64,
    pub partitions: Vec<PartitionLag>,
}

/// The bus's partitions, as the `i32` positions use.
pub fn partitions(bus: &dyn Bus) -> i32 {
    i32::try_from(bus.partitions()).unwrap_or(i32::MAX)
}

/// `group`'s lag in every partition of `topic` of `game`: two reads per
/// partition (on Kafka, the watermarks come from the broker).
pub async fn topic_lag(
    bus: &dyn Bus,
    game: &str,
    group: &str,
    topic: &str,
) -> Result<TopicLag, BusError> {
    let mut partitions_lag = Vec::new();
    for partition in 0..partitions(bus) {
        let next_offset = bus.next_offset(game, group, topic, partition).await?;
        let end_offset = bus.end_offset(game, topic, partition).await?;
        partitions_lag.push(PartitionLag {
            partition,
            next_offset,
            end_offset,
            lag: (end_offset - next_offset).max(0),
        });
    }
    Ok(TopicLag {
        topic: topic.to_owned(),
        lag: partitions_lag.iter().map(|p| p.lag).sum(),
        partitions: partitions_lag,
    })
}
