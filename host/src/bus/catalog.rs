//! What every bus keeps in the store's database, whichever log carries the
//! records: each consumer group's next offset per partition
//! (`consumer_offsets`) and the dead-letter catalog (`dlq`), both from
//! migration `0002_event_log.sql`.
//!
//! Keeping offsets beside the consumers' own writes is what lets a group
//! move between hosts with its partition leases ([`super::ownership`]) on
//! either bus, and lets an operator reset it the same way on both. An offset
//! is stored only after the record before it was processed
//! ([`super::Consumer`]).
//!
//! The SQL is written once and compiled for each database's concrete types
//! (like `store/sql.rs`); `store::on_db!` picks the module of the store's backend.

use super::error::BusError;
use super::{DeadLetter, NewDeadLetter, Position};
use crate::store::{Store, on_db};

/// The group's next offset in `topic`/`partition` (0 if it never read).
pub async fn next_offset(
    store: &Store,
    game: &str,
    group: &str,
    topic: &str,
    partition: i32,
) -> Result<i64, BusError> {
    on_db!(store, BusError::NoPool, |pool, m| m::next_offset(
        pool, game, group, topic, partition
    )
    .await)
}

/// Sets the group's next offset in `position`'s partition.
pub async fn set_offset(
    store: &Store,
    game: &str,
    group: &str,
    position: &Position,
    now_ms: i64,
) -> Result<(), BusError> {
    on_db!(store, BusError::NoPool, |pool, m| m::set_offset(
        pool, game, group, position, now_ms
    )
    .await)
}

/// Moves the group's offset in `from`'s partition from `from.offset` to
/// `next`, if no one moved it meanwhile (an operator's reset, another
/// host); false if someone did, and the offset stays theirs.
pub async fn advance_offset(
    store: &Store,
    game: &str,
    group: &str,
    from: &Position,
    next: i64,
    now_ms: i64,
) -> Result<bool, BusError> {
    let _gate = store.write_gate().await;
    on_db!(write store, BusError::NoPool, |pool, m| m::advance_offset(
        pool, game, group, from, next, now_ms
    )
    .await)
}

/// Records a dead letter; returns its id.
pub async fn dead_letter(store: &Store, letter: &NewDeadLetter) -> Result<i64, BusError> {
    let _gate = store.write_gate().await;
    on_db!(write store, BusError::NoPool, |pool, m| m::dead_letter(
        pool, letter
    )
    .await)
}

/// Up to `limit` dead letters of `game` after id `after`, oldest first.
pub async fn dlq_list(
    store: &Store,
    game: &str,
    after: i64,
    limit: u32,
) -> Result<Vec<DeadLetter>, BusError> {
    on_db!(store, BusError::NoPool, |pool, m| m::dlq_list(
        pool, game, after, limit
    )
    .await)
}

/// One dead letter.
pub async fn dlq_get(store: &Store, id: i64) -> Result<Option<DeadLetter>, BusError> {
    on_db!(store, BusError::NoPool, |pool, m| m::dlq_get(pool, id)
        .await)
}

/// Marks the dead letter replayed, if it was not; false if it was already
/// (a replay that raced another one).
pub async fn dlq_mark_replayed(store: &Store, id: i64, now_ms: i64) -> Result<bool, BusError> {
    on_db!(store, BusError::NoPool, |pool, m| m::mark_replayed(
        pool, id, now_ms
    )
    .await)
}

/// The catalog's SQL for one database.
macro_rules! catalog_sql {
    ($Db:ty) => {
        use sqlx::Row as _;

        use crate::bus::envelope::Envelope;
        use crate::bus::error::BusError;
        use crate::bus::{DeadLetter, NewDeadLetter, Position};

        type DbRow = <$Db as sqlx::Database>::Row;

        pub(crate) async fn next_offset<'c, E>(
            db: E,
            game: &str,
            group: &str,
            topic: &str,
            partition: i32,
        ) -> Result<i64, BusError>
        where
            E: sqlx::Executor<'c, Database = $Db>,
        {
            let row = sqlx::query::<$Db>(
                "SELECT next_offset FROM consumer_offsets \
                 WHERE game = $1 AND consumer_group = $2 AND topic = $3 AND partition_no = $4",
            )
            .bind(game)
            .bind(group)
            .bind(topic)
            .bind(partition)
            .fetch_optional(db)
            .await?;
            Ok(row.map(|r| r.try_get::<i64, _>(0)).transpose()?.unwrap_or(0))
        }

        pub(crate) async fn set_offset<'c, E>(
            db: E,
            game: &str,
            group: &str,
            position: &Position,
            now_ms: i64,
        ) -> Result<(), BusError>
        where
            E: sqlx::Executor<'c, Database = $Db>,
        {
            sqlx::query::<$Db>(
                "INSERT INTO consumer_offsets \
                    (game, consumer_group, topic, partition_no, next_offset, updated_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (game, consumer_group, topic, partition_no) DO UPDATE SET \
                    next_offset = excluded.next_offset, updated_at_ms = excluded.updated_at_ms",
            )
            .bind(game)
            .bind(group)
            .bind(&position.topic)
            .bind(position.partition)
            .bind(position.offset.max(0))
            .bind(now_ms)
            .execute(db)
            .await?;
            Ok(())
        }

        pub(crate) async fn advance_offset(
            db: &sqlx::Pool<$Db>,
            game: &str,
            group: &str,
            from: &Position,
            next: i64,
            now_ms: i64,
        ) -> Result<bool, BusError> {
            // A group that never stored an offset reads from 0.
            let done = sqlx::query::<$Db>(
                "INSERT INTO consumer_offsets \
                    (game, consumer_group, topic, partition_no, next_offset, updated_at_ms) \
                 SELECT $1, $2, $3, $4, $6, $7 WHERE $5 = 0 \
                 ON CONFLICT (game, consumer_group, topic, partition_no) DO UPDATE SET \
                    next_offset = excluded.next_offset, updated_at_ms = excluded.updated_at_ms \
                 WHERE consumer_offsets.next_offset = $5",
            )
            .bind(game)
            .bind(group)
            .bind(&from.topic)
            .bind(from.partition)
            .bind(from.offset)
            .bind(next)
            .bind(now_ms)
            .execute(db)
            .await?;
            if done.rows_affected() == 1 {
                return Ok(true);
            }
            let moved = sqlx::query::<$Db>(
                "UPDATE consumer_offsets SET next_offset = $6, updated_at_ms = $7 \
                 WHERE game = $1 AND consumer_group = $2 AND topic = $3 AND partition_no = $4 \
                    AND next_offset = $5",
            )
            .bind(game)
            .bind(group)
            .bind(&from.topic)
            .bind(from.partition)
            .bind(from.offset)
            .bind(next)
            .bind(now_ms)
            .execute(db)
            .await?;
            Ok(moved.rows_affected() == 1)
        }

        pub(crate) async fn dead_letter<'c, E>(db: E, l: &NewDeadLetter) -> Result<i64, BusError>
        where
            E: sqlx::Executor<'c, Database = $Db>,
        {
            let id: i64 = sqlx::query::<$Db>(
                "INSERT INTO dlq (game, consumer_group, topic, partition_no, log_offset, event_id, \
                    envelope, error, attempts, dead_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(&l.game)
            .bind(&l.consumer_group)
            .bind(&l.position.topic)
            .bind(l.position.partition)
            .bind(l.position.offset)
            .bind(&l.envelope.event_id)
            .bind(l.envelope.encode())
            .bind(&l.error)
            .bind(l.attempts)
            .bind(l.dead_at_ms)
            .fetch_one(db)
            .await?
            .try_get(0)?;
            Ok(id)
        }

        const DLQ_COLUMNS: &str = "id, game, consumer_group, topic, partition_no, log_offset, \
             envelope, error, attempts, dead_at_ms, replayed_at_ms";

        fn dead(row: &DbRow) -> Result<DeadLetter, BusError> {
            let envelope: String = row.try_get("envelope")?;
            Ok(DeadLetter {
                id: row.try_get("id")?,
                game: row.try_get("game")?,
                consumer_group: row.try_get("consumer_group")?,
                position: Position {
                    topic: row.try_get("topic")?,
                    partition: row.try_get("partition_no")?,
                    offset: row.try_get("log_offset")?,
                },
                envelope: decode(&envelope)?,
                error: row.try_get("error")?,
                attempts: row.try_get("attempts")?,
                dead_at_ms: row.try_get("dead_at_ms")?,
                replayed_at_ms: row.try_get("replayed_at_ms")?,
            })
        }

        pub(crate) fn decode(envelope: &str) -> Result<Envelope, BusError> {
            Envelope::decode(envelope.as_bytes()).map_err(|e| BusError::Corrupt {
                what: "dead letter",
                why: e.to_string(),
            })
        }

        pub(crate) async fn dlq_list<'c, E>(
            db: E,
            game: &str,
            after: i64,
            limit: u32,
        ) -> Result<Vec<DeadLetter>, BusError>
        where
            E: sqlx::Executor<'c, Database = $Db>,
        {
            let sql = format!(
                "SELECT {DLQ_COLUMNS} FROM dlq WHERE game = $1 AND id > $2 ORDER BY id LIMIT $3"
            );
            let rows = sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql))
                .bind(game)
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(db)
                .await?;
            rows.iter().map(dead).collect()
        }

        pub(crate) async fn dlq_get<'c, E>(db: E, id: i64) -> Result<Option<DeadLetter>, BusError>
        where
            E: sqlx::Executor<'c, Database = $Db>,
        {
            let sql = format!("SELECT {DLQ_COLUMNS} FROM dlq WHERE id = $1");
            let row = sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(db)
                .await?;
            row.as_ref().map(dead).transpose()
        }

        /// Sets `replayed_at_ms` if unset; true if this call set it.
        pub(crate) async fn mark_replayed<'c, E>(
            db: E,
            id: i64,
            now_ms: i64,
        ) -> Result<bool, BusError>
        where
            E: sqlx::Executor<'c, Database = $Db>,
        {
            let done = sqlx::query::<$Db>(
                "UPDATE dlq SET replayed_at_ms = $2 WHERE id = $1 AND replayed_at_ms IS NULL",
            )
            .bind(id)
            .bind(now_ms)
            .execute(db)
            .await?;
            Ok(done.rows_affected() == 1)
        }
    };
}

pub(crate) mod sqlite_sql {
    catalog_sql!(sqlx::Sqlite);
}

pub(crate) mod postgres_sql {
    catalog_sql!(sqlx::Postgres);
}
