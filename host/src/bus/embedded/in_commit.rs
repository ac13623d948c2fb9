//! The embedded log as the log of group commits (`crate::store::in_commit`):
//! a commit's events are appended in the commit's own transaction, each in
//! a `publish` span under the commit's, as the relay would publish them,
//! and this process's consumers of their topics are woken once it
//! committed.

use async_trait::async_trait;

use super::super::appends::Appends;
use super::super::envelope::Envelope;
use super::super::error::BusError;
use super::super::known_topic;
use super::super::relay::publish_spans;
use crate::store::{InCommitLog, OutboxEvent};

/// The embedded log's side of the store's group commits.
pub(super) struct InCommit {
    pub partitions: u32,
    pub appended: Appends,
}

/// `events` as the log keeps them, each carrying its `publish` span's
/// context; the spans end when dropped.
fn published(events: &[&OutboxEvent]) -> (Vec<Envelope>, Vec<tracing::Span>) {
    let mut envelopes: Vec<Envelope> = events
        .iter()
        .map(|e| Envelope::from((*e).clone()))
        .collect();
    let spans = publish_spans(&mut envelopes);
    (envelopes, spans)
}

/// A failed append, as the group commit's statements fail.
fn statement_error(e: BusError) -> sqlx::Error {
    sqlx::Error::Protocol(format!("appending to the embedded log: {e}"))
}

#[async_trait]
impl InCommitLog for InCommit {
    fn takes(&self, events: &[&OutboxEvent]) -> bool {
        events.iter().all(|e| known_topic(&e.topic).is_ok())
    }

    async fn append_sqlite(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
        events: &[&OutboxEvent],
        now_ms: i64,
    ) -> Result<(), sqlx::Error> {
        let (envelopes, _publishing) = published(events);
        super::sqlite_sql::append_all(tx, &envelopes, self.partitions, now_ms)
            .await
            .map(drop)
            .map_err(statement_error)
    }

    async fn append_postgres(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
        events: &[&OutboxEvent],
        now_ms: i64,
    ) -> Result<(), sqlx::Error> {
        let (envelopes, _publishing) = published(events);
        super::postgres_sql::append_all(tx, &envelopes, self.partitions, now_ms)
            .await
            .map(drop)
            .map_err(statement_error)
    }

    fn committed(&self, events: &[&OutboxEvent]) {
        self.appended
            .record(events.iter().map(|e| e.topic.as_str()));
    }
}
