//! The economy's reads (migration `0005_economy.sql`), written once and
//! compiled for each database's concrete types; `store::on_db!` picks the
//! module of the store's backend. Writes go through `CommitBatch` only.

macro_rules! economy_reads {
    ($Db:ty) => {
        use sqlx::Row as _;

        use crate::economy::items::{Item, ItemState};
        use crate::economy::notices::PlayerNotice;
        use crate::economy::wallet::{Balance, LedgerEntry};
        use crate::store::StoreError;

        type DbRow = <$Db as sqlx::Database>::Row;

        const LEDGER_COLUMNS: &str =
            "currency, version, amount, available_after, reason, reference, created_at_ms";
        const ITEM_COLUMNS: &str =
            "item_id, owner, item_type, state, spent_ref, source, created_at_ms";

        pub(crate) async fn balances(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            player: &str,
        ) -> Result<Vec<Balance>, StoreError> {
            let rows = sqlx::query::<$Db>(
                "SELECT currency, available, held, version FROM wallets \
                 WHERE game = $1 AND player = $2 ORDER BY currency",
            )
            .bind(game)
            .bind(player)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(Balance {
                        currency: r.try_get("currency")?,
                        available: r.try_get("available")?,
                        held: r.try_get("held")?,
                        version: r.try_get("version")?,
                    })
                })
                .collect::<Result<_, sqlx::Error>>()
                .map_err(Into::into)
        }

        pub(crate) async fn ledger(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            player: &str,
            currency: &str,
            before: Option<i64>,
            limit: u32,
        ) -> Result<Vec<LedgerEntry>, StoreError> {
            let sql = format!(
                "SELECT {LEDGER_COLUMNS} FROM ledger \
                 WHERE game = $1 AND player = $2 AND currency = $3 \
                   AND ($4 IS NULL OR version < $4) \
                 ORDER BY version DESC LIMIT $5"
            );
            let rows = sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql))
                .bind(game)
                .bind(player)
                .bind(currency)
                .bind(before)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?;
            rows.iter().map(ledger_row).collect()
        }

        pub(crate) async fn ledger_by_reference(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            player: &str,
            reference: &str,
        ) -> Result<Vec<LedgerEntry>, StoreError> {
            let sql = format!(
                "SELECT {LEDGER_COLUMNS} FROM ledger \
                 WHERE game = $1 AND reference = $2 AND player = $3 \
                 ORDER BY currency, version"
            );
            let rows = sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql))
                .bind(game)
                .bind(reference)
                .bind(player)
                .fetch_all(pool)
                .await?;
            rows.iter().map(ledger_row).collect()
        }

        pub(crate) async fn item(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            item_id: &str,
        ) -> Result<Option<Item>, StoreError> {
            let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE game = $1 AND item_id = $2");
            let row = sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql))
                .bind(game)
                .bind(item_id)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(item_row).transpose()
        }

        pub(crate) async fn inventory(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            owner: &str,
            item_type: Option<&str>,
            after: Option<&str>,
            limit: u32,
        ) -> Result<Vec<Item>, StoreError> {
            let sql = format!(
                "SELECT {ITEM_COLUMNS} FROM items \
                 WHERE game = $1 AND owner = $2 AND state <> 'spent' \
                   AND ($3 IS NULL OR item_type = $3) AND ($4 IS NULL OR item_id > $4) \
                 ORDER BY item_id LIMIT $5"
            );
            let rows = sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql))
                .bind(game)
                .bind(owner)
                .bind(item_type)
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?;
            rows.iter().map(item_row).collect()
        }

        pub(crate) async fn items_by_source(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            owner: &str,
            source: &str,
        ) -> Result<Vec<Item>, StoreError> {
            let sql = format!(
                "SELECT {ITEM_COLUMNS} FROM items \
                 WHERE game = $1 AND source = $2 AND owner = $3 ORDER BY item_id"
            );
            let rows = sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql))
                .bind(game)
                .bind(source)
                .bind(owner)
                .fetch_all(pool)
                .await?;
            rows.iter().map(item_row).collect()
        }

        pub(crate) async fn notices(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            player: &str,
            after_seq: i64,
            limit: u32,
        ) -> Result<Vec<PlayerNotice>, StoreError> {
            let rows = sqlx::query::<$Db>(
                "SELECT seq, kind, body, created_at_ms FROM notices \
                 WHERE game = $1 AND player = $2 AND seq > $3 ORDER BY seq LIMIT $4",
            )
            .bind(game)
            .bind(player)
            .bind(after_seq)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    let body: String = r.try_get("body")?;
                    Ok(PlayerNotice {
                        seq: r.try_get("seq")?,
                        kind: r.try_get("kind")?,
                        body: serde_json::from_str(&body)
                            .map_err(|e| StoreError::invalid("stored notice", e.to_string()))?,
                        created_at_ms: r.try_get("created_at_ms")?,
                    })
                })
                .collect()
        }

        fn ledger_row(r: &DbRow) -> Result<LedgerEntry, StoreError> {
            Ok(LedgerEntry {
                currency: r.try_get("currency")?,
                version: r.try_get("version")?,
                amount: r.try_get("amount")?,
                available_after: r.try_get("available_after")?,
                reason: r.try_get("reason")?,
                reference: r.try_get("reference")?,
                created_at_ms: r.try_get("created_at_ms")?,
            })
        }

        fn item_row(r: &DbRow) -> Result<Item, StoreError> {
            let state: String = r.try_get("state")?;
            Ok(Item {
                item_id: r.try_get("item_id")?,
                owner: r.try_get("owner")?,
                item_type: r.try_get("item_type")?,
                state: ItemState::parse(&state)
                    .ok_or_else(|| StoreError::invalid("stored item state", state.clone()))?,
                spent_ref: r.try_get("spent_ref")?,
                source: r.try_get("source")?,
                created_at_ms: r.try_get("created_at_ms")?,
            })
        }
    };
}

pub(crate) mod sqlite_sql {
    economy_reads!(sqlx::Sqlite);
}

pub(crate) mod postgres_sql {
    economy_reads!(sqlx::Postgres);
}
