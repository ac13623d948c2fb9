//! The market's reads (migration `0007_market.sql`), written once and
//! compiled for each database's concrete types; `store::on_db!` picks the
//! module of the store's backend. Writes go through `CommitBatch` only
//! (`store::economy_ops`).

macro_rules! market_reads {
    ($Db:ty) => {
        use sqlx::Row as _;

        use crate::market::listings::{Browse, Listing, Sort};
        use crate::market::offers::Offer;
        use crate::store::StoreError;

        type DbRow = <$Db as sqlx::Database>::Row;

        const LISTING_COLUMNS: &str = "listing_id, seller, item_id, item_type, currency, price, \
                                       state, trade_id, created_at_ms, updated_at_ms";
        const OFFER_COLUMNS: &str = "offer_id, from_player, to_player, give, want, state, \
                                     trade_id, created_at_ms, updated_at_ms";

        pub(crate) async fn listing(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            listing_id: &str,
        ) -> Result<Option<Listing>, StoreError> {
            let sql = format!(
                "SELECT {LISTING_COLUMNS} FROM listings WHERE game = $1 AND listing_id = $2"
            );
            let row = sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql))
                .bind(game)
                .bind(listing_id)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(listing_row).transpose()
        }

        pub(crate) async fn browse(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            b: &Browse,
        ) -> Result<Vec<Listing>, StoreError> {
            // The order's column and direction come from `Sort`, never from
            // the client's text.
            let (column, cmp, dir) = match b.sort {
                Sort::PriceAsc => ("price", ">", "ASC"),
                Sort::PriceDesc => ("price", "<", "DESC"),
                Sort::CreatedAsc => ("created_at_ms", ">", "ASC"),
                Sort::CreatedDesc => ("created_at_ms", "<", "DESC"),
            };
            let sql = format!(
                "SELECT {LISTING_COLUMNS} FROM listings \
                 WHERE game = $1 AND state = $2 \
                   AND ($3 = '' OR item_type = $3) AND ($4 = '' OR seller = $4) \
                   AND ($5 = '' OR currency = $5) AND price >= $6 AND price <= $7 \
                   AND ($8 = '' OR {column} {cmp} $9 OR ({column} = $9 AND listing_id {cmp} $8)) \
                 ORDER BY {column} {dir}, listing_id {dir} LIMIT $10"
            );
            let (after_id, after_value) = match &b.after {
                Some((value, id)) => (id.as_str(), *value),
                None => ("", 0),
            };
            let rows = sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql))
                .bind(game)
                .bind(b.state.as_str())
                .bind(b.item_type.as_deref().unwrap_or(""))
                .bind(b.seller.as_deref().unwrap_or(""))
                .bind(b.currency.as_deref().unwrap_or(""))
                .bind(b.min_price)
                .bind(b.max_price)
                .bind(after_id)
                .bind(after_value)
                .bind(i64::from(b.limit))
                .fetch_all(pool)
                .await?;
            rows.iter().map(listing_row).collect()
        }

        pub(crate) async fn offer(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            offer_id: &str,
        ) -> Result<Option<Offer>, StoreError> {
            let sql = format!("SELECT {OFFER_COLUMNS} FROM offers WHERE game = $1 AND offer_id = $2");
            let row = sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql))
                .bind(game)
                .bind(offer_id)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(offer_row).transpose()
        }

        pub(crate) async fn offers_of(
            pool: &sqlx::Pool<$Db>,
            game: &str,
            player: &str,
            limit: u32,
        ) -> Result<Vec<Offer>, StoreError> {
            let sql = format!(
                "SELECT {OFFER_COLUMNS} FROM offers \
                 WHERE game = $1 AND (from_player = $2 OR to_player = $2) \
                 ORDER BY created_at_ms DESC, offer_id DESC LIMIT $3"
            );
            let rows = sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql))
                .bind(game)
                .bind(player)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?;
            rows.iter().map(offer_row).collect()
        }

        fn listing_row(r: &DbRow) -> Result<Listing, StoreError> {
            Ok(Listing {
                id: r.try_get("listing_id")?,
                seller: r.try_get("seller")?,
                item_id: r.try_get("item_id")?,
                item_type: r.try_get("item_type")?,
                currency: r.try_get("currency")?,
                price: r.try_get("price")?,
                state: r.try_get("state")?,
                trade_id: r.try_get("trade_id")?,
                created_at_ms: r.try_get("created_at_ms")?,
                updated_at_ms: r.try_get("updated_at_ms")?,
            })
        }

        fn offer_row(r: &DbRow) -> Result<Offer, StoreError> {
            let give: String = r.try_get("give")?;
            let want: String = r.try_get("want")?;
            let side = |text: &str| {
                serde_json::from_str(text)
                    .map_err(|e| StoreError::invalid("stored offer", e.to_string()))
            };
            Ok(Offer {
                id: r.try_get("offer_id")?,
                from: r.try_get("from_player")?,
                to: r.try_get("to_player")?,
                give: side(&give)?,
                want: side(&want)?,
                state: r.try_get("state")?,
                trade_id: r.try_get("trade_id")?,
                created_at_ms: r.try_get("created_at_ms")?,
                updated_at_ms: r.try_get("updated_at_ms")?,
            })
        }
    };
}

pub(crate) mod sqlite_sql {
    market_reads!(sqlx::Sqlite);
}

pub(crate) mod postgres_sql {
    market_reads!(sqlx::Postgres);
}
