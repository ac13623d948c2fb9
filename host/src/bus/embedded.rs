//! The embedded bus: a durable, partitioned log in the store's own database
//! (SQLite or PostgreSQL, migration `0002_event_log.sql`), with in-process
//! fan-out.
//!
//! Tables: `event_log` (the records, by game, topic, partition and offset),
//! `log_heads` (the next offset of each partition: appenders serialize on
//! its row, so offsets are dense and never reused, also with several hosts
//! on one PostgreSQL), `consumer_offsets` (each group's next offset per
//! partition) and `dlq`. An append is one transaction (a statement per
//! partition it reaches, then its records a few hundred a statement); once
//! it committed, it wakes this process's consumers of its topics
//! (`appends.rs`).
//! Consumers of other processes find it at their next poll
//! (`consumer_poll_ms`).
//!
//! On SQLite the host's bus also takes the events of the store's group
//! commits in their own transactions (`in_commit.rs`,
//! [`EmbeddedBus::for_host`]).
//!
//! Bounds: a publish is one transaction of at most the relay's batch; a
//! fetch reads at most `max` records.

use std::sync::Arc;

use async_trait::async_trait;

mod in_commit;

use super::appends::{AppendWatch, Appends};
use super::envelope::Envelope;
use super::error::BusError;
use super::{Bus, Position, Record, known_topic, partition_of};
use crate::config::BusConfig;
use crate::store::{Store, on_db};

/// The embedded log over a [`Store`]'s database. Cheap to share (`Arc`).
pub struct EmbeddedBus {
    store: Store,
    partitions: u32,
    appended: Appends,
}

impl EmbeddedBus {
    /// A bus over `store` (migrated: the log's tables come with the store's
    /// migrations).
    pub fn new(store: Store, config: &BusConfig) -> Arc<Self> {
        Arc::new(Self {
            store,
            partitions: config.partitions_per_topic.max(1),
            appended: Appends::default(),
        })
    }

    /// The bus a host runs over `store`: [`EmbeddedBus::new`], taking the
    /// events of `store`'s commits ([`EmbeddedBus::append_in_commits`]) if
    /// `bus.append_in_commit` says so and the database is SQLite. There the
    /// writers take turns anyway, and a relay round is one more turn; on
    /// PostgreSQL the relay's transaction runs beside the commits instead
    /// (the pipeline bench was slower with the append in the commit there).
    pub fn for_host(store: Store, config: &BusConfig) -> Arc<Self> {
        let sqlite = store.backend().kind() == crate::store::BackendKind::Sqlite;
        let bus = Self::new(store, config);
        if config.append_in_commit && sqlite {
            bus.append_in_commits();
        }
        bus
    }

    /// Takes the events of every later commit to its store in the commit's
    /// own transaction instead of the outbox and the relay
    /// (`crate::store::in_commit`): false if the store has such a log
    /// already.
    pub fn append_in_commits(&self) -> bool {
        self.store.append_in_commits(Arc::new(in_commit::InCommit {
            partitions: self.partitions,
            appended: self.appended.clone(),
        }))
    }

    /// Appends `events`, marking the outbox rows `sent` sent in the same
    /// transaction, then wakes the consumers of their topics.
    async fn append(
        &self,
        events: &[Envelope],
        sent: &[String],
        now_ms: i64,
    ) -> Result<Vec<Position>, BusError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        for e in events {
            known_topic(&e.topic)?;
        }
        let parts = self.partitions;
        let _gate = self.store.write_gate().await;
        let positions = on_db!(write self.store, BusError::NoPool, |pool, m| m::append(
            pool, events, sent, parts, now_ms
        )
        .await)?;
        self.wake(events.iter().map(|e| e.topic.as_str()));
        Ok(positions)
    }

    /// Wakes this process's consumers of `topics`.
    fn wake<'a>(&self, topics: impl IntoIterator<Item = &'a str>) {
        self.appended.record(topics);
    }
}

#[async_trait]
impl Bus for EmbeddedBus {
    fn partitions(&self) -> u32 {
        self.partitions
    }

    fn catalog(&self) -> &Store {
        &self.store
    }

    async fn publish(&self, events: &[Envelope], now_ms: i64) -> Result<Vec<Position>, BusError> {
        self.append(events, &[], now_ms).await
    }

    /// Appends and marks sent in one transaction when the outbox is in the
    /// log's own database: sent iff appended, with one commit instead of two.
    async fn relay(
        &self,
        outbox: &Store,
        events: &[Envelope],
        ids: &[String],
        now_ms: i64,
    ) -> Result<Vec<Position>, BusError> {
        if outbox.same_database(&self.store) {
            self.append(events, ids, now_ms).await
        } else {
            super::relay::publish_then_mark(self, outbox, events, ids, now_ms).await
        }
    }

    async fn fetch(
        &self,
        game: &str,
        group: &str,
        topic: &str,
        partition: i32,
        max: u32,
    ) -> Result<Vec<Record>, BusError> {
        on_db!(self.store, BusError::NoPool, |pool, m| m::fetch(
            pool, game, group, topic, partition, max
        )
        .await)
    }

    async fn end_offset(&self, game: &str, topic: &str, partition: i32) -> Result<i64, BusError> {
        on_db!(self.store, BusError::NoPool, |pool, m| m::end_offset(
            pool, game, topic, partition
        )
        .await)
    }

    async fn reset_to_time(
        &self,
        game: &str,
        group: &str,
        topic: &str,
        at_ms: i64,
        now_ms: i64,
    ) -> Result<(), BusError> {
        known_topic(topic)?;
        for partition in 0..i32::try_from(self.partitions).unwrap_or(i32::MAX) {
            let offset = on_db!(self.store, BusError::NoPool, |pool, m| {
                m::offset_at(pool, game, topic, partition, at_ms).await
            })?;
            let position = Position {
                topic: topic.to_owned(),
                partition,
                offset,
            };
            self.commit_offset(game, group, &position, now_ms).await?;
        }
        Ok(())
    }

    async fn purge_before(&self, before_ms: i64, limit: u32) -> Result<u64, BusError> {
        on_db!(self.store, BusError::NoPool, |pool, m| m::purge_before(
            pool, before_ms, limit
        )
        .await)
    }

    async fn dlq_replay(&self, id: i64, now_ms: i64) -> Result<Position, BusError> {
        let parts = self.partitions;
        let position = on_db!(self.store, BusError::NoPool, |pool, m| m::dlq_replay(
            pool, id, parts, now_ms
        )
        .await)?;
        self.wake([position.topic.as_str()]);
        Ok(position)
    }

    fn appended(&self) -> AppendWatch {
        self.appended.watch()
    }
}

/// The log's SQL, written once and compiled for each database's concrete
/// types (like `store/sql.rs`): both accept the same text.
macro_rules! log_sql {
    ($Db:ty, $begin:literal, $catalog:ident) => {
        use sqlx::Row as _;

        use crate::bus::catalog::$catalog as catalog;

        use super::{Envelope, Position, Record, partition_of};
        use crate::bus::error::BusError;

        type Pool = sqlx::Pool<$Db>;
        type DbRow = <$Db as sqlx::Database>::Row;

        const RECORD_COLUMNS: &str = "topic, partition_no, log_offset, appended_at_ms, event_id, \
             event_type, schema_version, occurred_at_ms, correlation_id, traceparent, key, game, payload";

        /// Appends `events` and marks the outbox rows `sent` (none, or the
        /// rows the events are) sent, in one transaction.
        pub(super) async fn append(
            pool: &Pool,
            events: &[Envelope],
            sent: &[String],
            partitions: u32,
            now_ms: i64,
        ) -> Result<Vec<Position>, BusError> {
            let mut tx = pool.begin_with($begin).await?;
            let positions = append_all(&mut tx, events, partitions, now_ms).await?;
            for chunk in sent.chunks(crate::store::sql::ROWS_PER_STATEMENT) {
                crate::store::outbox::mark_sent_statement::<$Db>(chunk, now_ms)
                    .build()
                    .persistent(false)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(positions)
        }

        /// Appends `events` in their order: each partition's offsets are
        /// taken from its head in one statement, then the records are
        /// written a few hundred a statement.
        pub(super) async fn append_all(
            tx: &mut sqlx::Transaction<'static, $Db>,
            events: &[Envelope],
            partitions: u32,
            now_ms: i64,
        ) -> Result<Vec<Position>, BusError> {
            let placed: Vec<i32> = events.iter().map(|e| partition_of(&e.key, partitions)).collect();
            // Each partition's run: (game, topic, partition) -> events in
            // it; and each event's run.
            let mut runs: Vec<((&str, &str, i32), i64)> = Vec::new();
            let mut run_of = Vec::with_capacity(events.len());
            for (e, &partition) in events.iter().zip(&placed) {
                let head = (e.game.as_str(), e.topic.as_str(), partition);
                let run = match runs.iter().position(|(h, _)| *h == head) {
                    Some(run) => run,
                    None => {
                        runs.push((head, 0));
                        runs.len() - 1
                    }
                };
                runs[run].1 += 1;
                run_of.push(run);
            }
            // The first offset each run takes.
            let mut next = Vec::with_capacity(runs.len());
            for ((game, topic, partition), n) in &runs {
                let head: i64 = sqlx::query::<$Db>(
                    "INSERT INTO log_heads (game, topic, partition_no, next_offset) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (game, topic, partition_no) \
                     DO UPDATE SET next_offset = log_heads.next_offset + excluded.next_offset \
                     RETURNING next_offset",
                )
                .bind(*game)
                .bind(*topic)
                .bind(*partition)
                .bind(*n)
                .fetch_one(&mut **tx)
                .await?
                .try_get(0)?;
                next.push(head - n);
            }
            let mut positions = Vec::with_capacity(events.len());
            for ((e, &partition), &run) in events.iter().zip(&placed).zip(&run_of) {
                positions.push(Position {
                    topic: e.topic.clone(),
                    partition,
                    offset: next[run],
                });
                next[run] += 1;
            }
            let rows: Vec<(&Envelope, &Position)> = events.iter().zip(&positions).collect();
            for chunk in rows.chunks(crate::store::sql::ROWS_PER_STATEMENT) {
                let mut q = sqlx::QueryBuilder::<$Db>::new(
                    "INSERT INTO event_log (game, topic, partition_no, log_offset, event_id, \
                        event_type, schema_version, occurred_at_ms, correlation_id, traceparent, \
                        key, payload, appended_at_ms) ",
                );
                q.push_values(chunk, |mut row, (e, at)| {
                    row.push_bind(e.game.as_str())
                        .push_bind(e.topic.as_str())
                        .push_bind(at.partition)
                        .push_bind(at.offset)
                        .push_bind(e.event_id.as_str())
                        .push_bind(e.event_type.as_str())
                        .push_bind(e.schema_version)
                        .push_bind(e.occurred_at_ms)
                        .push_bind(e.correlation_id.as_deref())
                        .push_bind(e.traceparent.as_deref())
                        .push_bind(e.key.as_str())
                        .push_bind(e.payload.as_str())
                        .push_bind(now_ms);
                });
                q.build().persistent(false).execute(&mut **tx).await?;
            }
            Ok(positions)
        }

        pub(super) async fn fetch(
            pool: &Pool,
            game: &str,
            group: &str,
            topic: &str,
            partition: i32,
            max: u32,
        ) -> Result<Vec<Record>, BusError> {
            let from = catalog::next_offset(pool, game, group, topic, partition).await?;
            let sql = format!(
                "SELECT {RECORD_COLUMNS} FROM event_log \
                 WHERE game = $1 AND topic = $2 AND partition_no = $3 AND log_offset >= $4 \
                 ORDER BY log_offset LIMIT $5"
            );
            let rows = sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql))
                .bind(game)
                .bind(topic)
                .bind(partition)
                .bind(from)
                .bind(i64::from(max))
                .fetch_all(pool)
                .await?;
            rows.iter().map(record).collect()
        }

        fn record(row: &DbRow) -> Result<Record, BusError> {
            Ok(Record {
                position: Position {
                    topic: row.try_get("topic")?,
                    partition: row.try_get("partition_no")?,
                    offset: row.try_get("log_offset")?,
                },
                appended_at_ms: row.try_get("appended_at_ms")?,
                envelope: Envelope {
                    event_id: row.try_get("event_id")?,
                    event_type: row.try_get("event_type")?,
                    schema_version: row.try_get("schema_version")?,
                    occurred_at_ms: row.try_get("occurred_at_ms")?,
                    correlation_id: row.try_get("correlation_id")?,
                    traceparent: row.try_get("traceparent")?,
                    key: row.try_get("key")?,
                    topic: row.try_get("topic")?,
                    game: row.try_get("game")?,
                    payload: row.try_get("payload")?,
                },
                unreadable: None,
            })
        }

        /// The first offset appended at or after `at_ms`, else the end.
        pub(super) async fn offset_at(
            pool: &Pool,
            game: &str,
            topic: &str,
            partition: i32,
            at_ms: i64,
        ) -> Result<i64, BusError> {
            let first: Option<i64> = sqlx::query::<$Db>(
                "SELECT MIN(log_offset) FROM event_log \
                 WHERE game = $1 AND topic = $2 AND partition_no = $3 AND appended_at_ms >= $4",
            )
            .bind(game)
            .bind(topic)
            .bind(partition)
            .bind(at_ms)
            .fetch_one(pool)
            .await?
            .try_get(0)?;
            match first {
                Some(first) => Ok(first),
                None => end_offset(pool, game, topic, partition).await,
            }
        }

        /// The partition's next offset to append (0 if never appended).
        pub(super) async fn end_offset(
            pool: &Pool,
            game: &str,
            topic: &str,
            partition: i32,
        ) -> Result<i64, BusError> {
            let head = sqlx::query::<$Db>(
                "SELECT next_offset FROM log_heads \
                 WHERE game = $1 AND topic = $2 AND partition_no = $3",
            )
            .bind(game)
            .bind(topic)
            .bind(partition)
            .fetch_optional(pool)
            .await?;
            Ok(head.map(|r| r.try_get::<i64, _>(0)).transpose()?.unwrap_or(0))
        }

        /// Deletes up to `limit` records appended before `before_ms`. The
        /// heads stay: offsets are never reused.
        pub(super) async fn purge_before(
            pool: &Pool,
            before_ms: i64,
            limit: u32,
        ) -> Result<u64, BusError> {
            let done = sqlx::query::<$Db>(
                "DELETE FROM event_log WHERE (game, topic, partition_no, log_offset) IN \
                    (SELECT game, topic, partition_no, log_offset FROM event_log \
                     WHERE appended_at_ms < $1 LIMIT $2)",
            )
            .bind(before_ms)
            .bind(i64::from(limit))
            .execute(pool)
            .await?;
            Ok(done.rows_affected())
        }

        /// Marks the dead letter replayed and appends its event, in one
        /// transaction.
        pub(super) async fn dlq_replay(
            pool: &Pool,
            id: i64,
            partitions: u32,
            now_ms: i64,
        ) -> Result<Position, BusError> {
            let mut tx = pool.begin_with($begin).await?;
            let Some(letter) = catalog::dlq_get(&mut *tx, id).await? else {
                return Err(BusError::NoDeadLetter(id));
            };
            if !catalog::mark_replayed(&mut *tx, id, now_ms).await? {
                return Err(BusError::AlreadyReplayed(id));
            }
            let envelope = letter.envelope;
            let position = append_all(&mut tx, std::slice::from_ref(&envelope), partitions, now_ms)
                .await?
                .pop()
                .ok_or_else(|| BusError::Corrupt {
                    what: "dead letter replay",
                    why: "its append placed no record".into(),
                })?;
            tx.commit().await?;
            Ok(position)
        }
    };
}

mod sqlite_sql {
    log_sql!(sqlx::Sqlite, "BEGIN IMMEDIATE", sqlite_sql);
}

mod postgres_sql {
    log_sql!(sqlx::Postgres, "BEGIN", postgres_sql);
}
