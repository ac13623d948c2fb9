//! Finding the first record of a partition appended at or after a time, for
//! a group reset to a time.
//!
//! A binary search over the partition's offsets that reads the timestamps of
//! the records themselves (each record's timestamp is its append time, see
//! [`super::wire`]), rather than the broker's time index: the answer is the
//! embedded log's, and does not depend on a broker's support of lookups by
//! time (the pinned test broker answers them with the partition's start).
//! It costs about log2(records) single-record reads per partition; an
//! operator's reset is rare.

use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, KafkaResult, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

/// The first offset of `topic`/`partition` whose record was appended at or
/// after `at_ms`; the end of the partition if none. `consumer` is a fresh
/// consumer of this search's own (its assignment is changed).
pub fn first_at(
    consumer: &BaseConsumer,
    topic: &str,
    partition: i32,
    at_ms: i64,
    timeout: Duration,
) -> KafkaResult<i64> {
    let (low, high) = consumer.fetch_watermarks(topic, partition, timeout)?;
    let (mut lo, mut hi) = (low.max(0), high.max(0));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let (offset, ts) = record_at(consumer, topic, partition, mid, timeout)?;
        if ts >= at_ms {
            hi = mid;
        } else {
            // Records before `offset` are gone (retention): skip them too.
            lo = offset.max(mid) + 1;
        }
    }
    Ok(lo)
}

/// The offset and timestamp of the first record at or after `offset`.
fn record_at(
    consumer: &BaseConsumer,
    topic: &str,
    partition: i32,
    offset: i64,
    timeout: Duration,
) -> KafkaResult<(i64, i64)> {
    let mut at = TopicPartitionList::new();
    at.add_partition_offset(topic, partition, Offset::Offset(offset))?;
    consumer.assign(&at)?;
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(KafkaError::MessageConsumption(
                RDKafkaErrorCode::RequestTimedOut,
            ));
        }
        match consumer.poll(left) {
            Some(Ok(m)) if m.partition() == partition && m.offset() >= offset => {
                return Ok((m.offset(), m.timestamp().to_millis().unwrap_or(0)));
            }
            // A record of the previous assignment, still queued.
            Some(Ok(_)) | None => {}
            Some(Err(e)) => return Err(e),
        }
    }
}
