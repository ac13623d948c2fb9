//! Appends seen in this process, counted per topic, so an idle consumer
//! wakes when one of its own topics has something new, not at every
//! append: a busy topic's appends do not send the consumers of the other
//! topics to read partitions that have nothing for them.
//!
//! The embedded log counts its commits; the Kafka bus counts the partition
//! queues of its readers that turned non-empty. Appends by other processes
//! are not seen here: consumers find them at their next poll.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::watch;

/// The counts of a bus; cheap to clone, each clone counts into the same.
#[derive(Clone, Default)]
pub struct Appends(Arc<watch::Sender<HashMap<String, u64>>>);

impl Appends {
    /// Counts an append to each of `topics` (a topic met twice counts once).
    pub fn record<'a>(&self, topics: impl IntoIterator<Item = &'a str>) {
        let mut topics: Vec<&str> = topics.into_iter().collect();
        topics.sort_unstable();
        topics.dedup();
        if topics.is_empty() {
            return;
        }
        self.0.send_modify(|counts| {
            for topic in topics {
                match counts.get_mut(topic) {
                    Some(n) => *n = n.wrapping_add(1),
                    None => {
                        counts.insert(topic.to_owned(), 1);
                    }
                }
            }
        });
    }

    /// A watch over the counts, from now on.
    pub fn watch(&self) -> AppendWatch {
        AppendWatch(self.0.subscribe())
    }
}

/// What a consumer waits on: see [`AppendWatch::mark`] and
/// [`AppendWatch::past`].
pub struct AppendWatch(watch::Receiver<HashMap<String, u64>>);

impl AppendWatch {
    /// Where `topics` stand now: taken before a round reads, so an append
    /// during the round is not missed.
    pub fn mark(&self, topics: &[String]) -> u64 {
        let counts = self.0.borrow();
        topics
            .iter()
            .filter_map(|t| counts.get(t))
            .fold(0, |sum, n| sum.wrapping_add(*n))
    }

    /// Returns once one of `topics` saw an append after `mark` was taken;
    /// never, if the bus is gone.
    pub async fn past(&mut self, mark: u64, topics: &[String]) {
        while self.mark(topics) == mark {
            if self.0.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn topics(names: &[&str]) -> Vec<String> {
        names.iter().map(|t| (*t).to_owned()).collect()
    }

    #[tokio::test]
    async fn a_consumer_wakes_for_its_own_topics_only() {
        let appends = Appends::default();
        let mut watch = appends.watch();
        let mine = topics(&["match-events", "player-events"]);
        let mark = watch.mark(&mine);
        appends.record(["player-actions"]);
        let woke = tokio::time::timeout(Duration::from_millis(50), watch.past(mark, &mine)).await;
        assert!(woke.is_err(), "another topic's append does not wake it");
        appends.record(["player-actions", "player-events", "player-events"]);
        tokio::time::timeout(Duration::from_secs(5), watch.past(mark, &mine))
            .await
            .expect("its topic's append wakes it");
        assert_eq!(watch.mark(&mine), mark + 1, "a topic met twice counts once");
    }

    #[tokio::test]
    async fn an_append_during_a_round_is_not_missed() {
        let appends = Appends::default();
        let mut watch = appends.watch();
        let mine = topics(&["match-events"]);
        let mark = watch.mark(&mine);
        // The round runs; meanwhile its topic is appended to.
        appends.record(["match-events"]);
        tokio::time::timeout(Duration::from_secs(5), watch.past(mark, &mine))
            .await
            .expect("woken at once after the round");
    }
}
