//! The saga reads (migration `0007_market.sql`), written once and compiled
//! for each database's concrete types; `store::on_db!` picks the module of
//! the store's backend. Writes go through `CommitBatch` only
//! (`store::economy_ops`).

macro_rules! saga_reads {
    ($Db:ty) => {
        use sqlx::Row as _;

        use crate::saga::record::{LogEntry, Phase, SagaRecord, Status};
        use crate::store::StoreError;

        type DbRow = <$Db as sqlx::Database>::Row;

        const COLUMNS: &str = "game, saga_id, kind, status, phase, cursor, label, plan, \
                               initiator, counterparty, failure, owner, lease_until_ms, version, \
                               created_at_ms, updated_at_ms";

        pub(crate) async fn saga(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            saga_id: &str,
        ) -> Result<Option<SagaRecord>, StoreError> {
            let sql = format!("SELECT {COLUMNS} FROM sagas WHERE game = $1 AND saga_id = $2");
            let row = sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql))
                .bind(game)
                .bind(saga_id)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(saga_row).transpose()
        }

        pub(crate) async fn saga_log(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            saga_id: &str,
        ) -> Result<Vec<LogEntry>, StoreError> {
            let rows = sqlx::query::<$Db>(
                "SELECT seq, step, phase, outcome, error, at_ms FROM saga_log \
                 WHERE game = $1 AND saga_id = $2 ORDER BY seq",
            )
            .bind(game)
            .bind(saga_id)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(LogEntry {
                        seq: r.try_get("seq")?,
                        step: r.try_get("step")?,
                        phase: r.try_get("phase")?,
                        outcome: r.try_get("outcome")?,
                        error: r.try_get("error")?,
                        at_ms: r.try_get("at_ms")?,
                    })
                })
                .collect::<Result<_, sqlx::Error>>()
                .map_err(Into::into)
        }

        pub(crate) async fn sagas_of(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            player: &str,
            kinds: [&str; 2],
            before: Option<&(i64, String)>,
            limit: u32,
        ) -> Result<Vec<SagaRecord>, StoreError> {
            let sql = format!(
                "SELECT {COLUMNS} FROM sagas \
                 WHERE game = $1 AND (initiator = $2 OR counterparty = $2) \
                   AND kind IN ($6, $7) \
                   AND (created_at_ms < $3 OR (created_at_ms = $3 AND saga_id < $4)) \
                 ORDER BY created_at_ms DESC, saga_id DESC LIMIT $5"
            );
            let (ms, id) = before.map_or((i64::MAX, ""), |(ms, id)| (*ms, id.as_str()));
            let rows = sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql))
                .bind(game)
                .bind(player)
                .bind(ms)
                .bind(id)
                .bind(i64::from(limit))
                .bind(kinds[0])
                .bind(kinds[1])
                .fetch_all(pool)
                .await?;
            rows.iter().map(saga_row).collect()
        }

        pub(crate) async fn forward_of_kind(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            kind: &str,
            limit: u32,
        ) -> Result<Vec<SagaRecord>, StoreError> {
            let sql = format!(
                "SELECT {COLUMNS} FROM sagas \
                 WHERE status = 'running' AND phase = 'forward' AND game = $1 AND kind = $2 \
                 ORDER BY created_at_ms, saga_id LIMIT $3"
            );
            let rows = sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql))
                .bind(game)
                .bind(kind)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?;
            rows.iter().map(saga_row).collect()
        }

        pub(crate) async fn orphaned(
            pool: &sqlx::Pool<$Db>,
            now_ms: i64,
            limit: u32,
        ) -> Result<Vec<(String, String)>, StoreError> {
            let rows = sqlx::query::<$Db>(
                "SELECT game, saga_id FROM sagas \
                 WHERE status = 'running' AND lease_until_ms < $1 \
                 ORDER BY lease_until_ms LIMIT $2",
            )
            .bind(now_ms)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| Ok((r.try_get("game")?, r.try_get("saga_id")?)))
                .collect::<Result<_, sqlx::Error>>()
                .map_err(Into::into)
        }

        pub(crate) async fn counts(
            pool: &sqlx::Pool<$Db>,
        ) -> Result<Vec<(String, i64)>, StoreError> {
            let rows = sqlx::query::<$Db>(
                "SELECT status, COUNT(*) AS n FROM sagas GROUP BY status ORDER BY status",
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| Ok((r.try_get("status")?, r.try_get("n")?)))
                .collect::<Result<_, sqlx::Error>>()
                .map_err(Into::into)
        }

        fn saga_row(r: &DbRow) -> Result<SagaRecord, StoreError> {
            let status: String = r.try_get("status")?;
            let phase: String = r.try_get("phase")?;
            let plan: String = r.try_get("plan")?;
            let cursor: i64 = r.try_get("cursor")?;
            Ok(SagaRecord {
                game: r.try_get("game")?,
                saga_id: r.try_get("saga_id")?,
                kind: r.try_get("kind")?,
                status: Status::parse(&status)
                    .ok_or_else(|| StoreError::invalid("stored saga status", status.clone()))?,
                phase: Phase::parse(&phase)
                    .ok_or_else(|| StoreError::invalid("stored saga phase", phase.clone()))?,
                cursor: usize::try_from(cursor)
                    .map_err(|_| StoreError::invalid("stored saga cursor", cursor.to_string()))?,
                label: r.try_get("label")?,
                plan: serde_json::from_str(&plan)
                    .map_err(|e| StoreError::invalid("stored saga plan", e.to_string()))?,
                initiator: r.try_get("initiator")?,
                counterparty: r.try_get("counterparty")?,
                failure: r.try_get("failure")?,
                owner: r.try_get("owner")?,
                lease_until_ms: r.try_get("lease_until_ms")?,
                version: r.try_get("version")?,
                created_at_ms: r.try_get("created_at_ms")?,
                updated_at_ms: r.try_get("updated_at_ms")?,
            })
        }
    };
}

pub(crate) mod sqlite_sql {
    saga_reads!(sqlx::Sqlite);
}

pub(crate) mod postgres_sql {
    saga_reads!(sqlx::Postgres);
}
