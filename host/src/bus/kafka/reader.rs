//! Reading a group's partitions of one topic from Kafka.
//!
//! One [`TopicReader`] per (game, group, topic) in a process: a librdkafka
//! consumer with a manual assignment of every partition (no broker-side
//! group membership: the database holds the group's offsets and the
//! partition leases, [`crate::bus::catalog`]), each partition split into its
//! own queue so the consumer runner reads them independently. librdkafka
//! prefetches in the background (`prefetch_kib` per partition); a queue that
//! turns non-empty counts an append to its topic ([`crate::bus::appends`]),
//! so an idle consumer of the topic reacts to a record in the time of a
//! fetch, not of its poll period.
//!
//! A reader knows the offset its queue will deliver next. A fetch asked for
//! another offset (the group was reset, a round failed before its commit,
//! the partition came back from another host) rebuilds the reader at the
//! group's stored offsets: rare, and always right.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::util::Timeout;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use super::{broker_error, wire};
use crate::bus::Record;
use crate::bus::appends::Appends;
use crate::bus::error::BusError;

type Queue =
    rdkafka::consumer::base_consumer::PartitionQueue<rdkafka::consumer::DefaultConsumerContext>;

/// The readers of a process, by (game, group, topic).
pub struct Readers {
    config: ClientConfig,
    appended: Appends,
    open: Mutex<HashMap<(String, String, String), Arc<TopicReader>>>,
}

impl Readers {
    pub fn new(config: ClientConfig, appended: Appends) -> Self {
        Self {
            config,
            appended,
            open: Mutex::new(HashMap::new()),
        }
    }

    /// The open reader of (game, group, topic), if any.
    pub fn get(&self, game: &str, group: &str, topic: &str) -> Option<Arc<TopicReader>> {
        let key = (game.to_owned(), group.to_owned(), topic.to_owned());
        self.open.lock().get(&key).cloned()
    }

    /// Opens (or reopens) the reader of (game, group, topic) of Kafka topic
    /// `name`, at `offsets` (the group's next offset of each partition).
    pub fn open(
        &self,
        key: (&str, &str, &str),
        name: &str,
        offsets: &[i64],
    ) -> Result<Arc<TopicReader>, BusError> {
        let (game, group, topic) = key;
        let reader = Arc::new(TopicReader::open(
            &self.config,
            name,
            (game, topic),
            offsets,
            &self.appended,
        )?);
        let key = (game.to_owned(), group.to_owned(), topic.to_owned());
        // The old reader, if any, closes when its last user drops it.
        self.open.lock().insert(key, reader.clone());
        Ok(reader)
    }
}

/// One group's reader of one topic's partitions.
pub struct TopicReader {
    consumer: Arc<BaseConsumer>,
    game: String,
    topic: String,
    /// One queue per partition, by partition number.
    queues: Vec<Queue>,
    /// The offset each partition's queue delivers next, and records that
    /// reached the consumer's main queue before their partition was split.
    state: Mutex<Vec<PartitionState>>,
}

#[derive(Default)]
struct PartitionState {
    next: i64,
    stash: VecDeque<Record>,
}

impl TopicReader {
    fn open(
        config: &ClientConfig,
        name: &str,
        (game, topic): (&str, &str),
        offsets: &[i64],
        appended: &Appends,
    ) -> Result<Self, BusError> {
        let consumer: BaseConsumer = config
            .create()
            .map_err(|e| broker_error("create consumer", e))?;
        let consumer = Arc::new(consumer);
        let mut assignment = TopicPartitionList::new();
        for (partition, offset) in offsets.iter().enumerate() {
            let partition = i32::try_from(partition).unwrap_or(i32::MAX);
            assignment
                .add_partition_offset(name, partition, Offset::Offset(*offset))
                .map_err(|e| broker_error("assign", e))?;
        }
        consumer
            .assign(&assignment)
            .map_err(|e| broker_error("assign", e))?;
        let mut queues = Vec::with_capacity(offsets.len());
        for partition in 0..offsets.len() {
            let partition = i32::try_from(partition).unwrap_or(i32::MAX);
            let mut queue = consumer
                .split_partition_queue(name, partition)
                .ok_or_else(|| BusError::Broker {
                    what: "assign",
                    why: format!("no partition {partition} in topic `{name}`"),
                })?;
            let wake = appended.clone();
            let topic = topic.to_owned();
            queue.set_nonempty_callback(move || wake.record([topic.as_str()]));
            queues.push(queue);
        }
        let state = offsets
            .iter()
            .map(|&next| PartitionState {
                next,
                stash: VecDeque::new(),
            })
            .collect();
        Ok(Self {
            consumer,
            game: game.to_owned(),
            topic: topic.to_owned(),
            queues,
            state: Mutex::new(state),
        })
    }

    /// Up to `max` records of `partition` from offset `from` on, or `None`
    /// if this reader is not positioned at `from` (the caller reopens it).
    /// Never blocks: it takes what librdkafka has prefetched.
    pub fn read(
        &self,
        partition: i32,
        from: i64,
        max: u32,
    ) -> Result<Option<Vec<Record>>, BusError> {
        let index = usize::try_from(partition).map_err(|_| BusError::Broker {
            what: "fetch",
            why: format!("partition {partition}"),
        })?;
        let Some(queue) = self.queues.get(index) else {
            return Err(BusError::Broker {
                what: "fetch",
                why: format!("topic `{}` has no partition {partition}", self.topic),
            });
        };
        self.serve_main_queue();
        let mut state = self.state.lock();
        let Some(part) = state.get_mut(index) else {
            return Ok(None);
        };
        if part.next != from {
            return Ok(None);
        }
        let max = usize::try_from(max.max(1)).unwrap_or(usize::MAX);
        let mut out = Vec::new();
        while out.len() < max {
            if let Some(record) = part.stash.pop_front() {
                if record.position.offset >= part.next {
                    part.next = record.position.offset + 1;
                    out.push(record);
                }
                continue;
            }
            match queue.poll(Duration::ZERO) {
                Some(Ok(message)) => {
                    if message.offset() >= part.next {
                        part.next = message.offset() + 1;
                        out.push(wire::record(&message, &self.game, &self.topic));
                    }
                }
                Some(Err(e)) => {
                    // Fetch errors are reported and retried by librdkafka;
                    // what was read so far stands.
                    tracing::warn!(topic = %self.topic, partition, error = %e, "kafka fetch error");
                    break;
                }
                None => break,
            }
        }
        Ok(Some(out))
    }

    /// Serves the consumer's main queue (errors, and any record fetched
    /// before its partition's queue was split, which is stashed in order).
    fn serve_main_queue(&self) {
        while let Some(item) = self.consumer.poll(Timeout::After(Duration::ZERO)) {
            match item {
                Ok(message) => {
                    let record = wire::record(&message, &self.game, &self.topic);
                    let index = usize::try_from(message.partition()).ok();
                    let mut state = self.state.lock();
                    if let Some(part) = index.and_then(|i| state.get_mut(i)) {
                        part.stash.push_back(record);
                    }
                }
                Err(e) => {
                    tracing::warn!(topic = %self.topic, error = %e, "kafka consumer error");
                }
            }
        }
    }
}
