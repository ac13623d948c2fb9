//! The economy's invariants, read straight from a database after a run
//! (DESIGN.md invariants 2 to 4, issue "Economy"): a list of violations,
//! empty when all hold.
//!
//! - every wallet's `available` is the sum of its ledger, and its `held`
//!   the sum of its `held` holds;
//! - money is conserved: per currency, the balances and holds of every
//!   wallet (the house's included) sum to what was minted (every ledger
//!   entry whose reason is not a move between wallets);
//! - every live listing's item is its seller's and locked to it (open) or
//!   to its trade (pending); every locked item is held by a live listing
//!   or a running saga; so no item is both sold and still listed;
//! - no hold is `held` for a saga that ended, and (if `quiet`) no saga is
//!   still running.

use idempo_host::store::economy_ops::MOVE_REASONS;
use idempo_host::store::{PoolRef, Store};

macro_rules! audit_sql {
    ($Db:ty) => {
        use sqlx::Row as _;

        pub async fn violations(pool: &sqlx::Pool<$Db>, moves: &str, quiet: bool) -> Vec<String> {
            let mut found = Vec::new();
            let q = |sql: String| sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql));
            let rows = q("SELECT w.player, w.currency, w.available, w.held, \
                    CAST(COALESCE((SELECT SUM(l.amount) FROM ledger l WHERE l.game = w.game \
                        AND l.player = w.player AND l.currency = w.currency), 0) AS BIGINT) AS ledger, \
                    CAST(COALESCE((SELECT SUM(h.amount) FROM holds h WHERE h.game = w.game \
                        AND h.player = w.player AND h.currency = w.currency \
                        AND h.state = 'held'), 0) AS BIGINT) AS holds \
                 FROM wallets w"
                .into())
            .fetch_all(pool)
            .await
            .expect("wallets read");
            for r in &rows {
                let (player, currency): (String, String) =
                    (r.get("player"), r.get("currency"));
                let (available, held, ledger, holds): (i64, i64, i64, i64) =
                    (r.get("available"), r.get("held"), r.get("ledger"), r.get("holds"));
                if available != ledger {
                    found.push(format!(
                        "{player}/{currency}: available {available} but the ledger sums to {ledger}"
                    ));
                }
                if held != holds {
                    found.push(format!(
                        "{player}/{currency}: held {held} but its held holds sum to {holds}"
                    ));
                }
            }
            let rows = q(format!(
                "SELECT c.currency, \
                    CAST(COALESCE((SELECT SUM(w.available + w.held) FROM wallets w \
                        WHERE w.currency = c.currency), 0) AS BIGINT) AS total, \
                    CAST(COALESCE((SELECT SUM(l.amount) FROM ledger l WHERE l.currency = c.currency \
                        AND l.reason NOT IN ({moves})), 0) AS BIGINT) AS minted \
                 FROM (SELECT DISTINCT currency FROM wallets) c"
            ))
            .fetch_all(pool)
            .await
            .expect("totals read");
            for r in &rows {
                let (currency, total, minted): (String, i64, i64) =
                    (r.get("currency"), r.get("total"), r.get("minted"));
                if total != minted {
                    found.push(format!(
                        "{currency}: wallets and holds hold {total} but {minted} was minted"
                    ));
                }
            }
            let rows = q("SELECT l.listing_id, l.state, l.seller, l.trade_id, i.owner, \
                    i.state AS item_state, i.lock_ref \
                 FROM listings l JOIN items i ON i.game = l.game AND i.item_id = l.item_id \
                 WHERE l.state IN ('open', 'pending')"
                .into())
            .fetch_all(pool)
            .await
            .expect("live listings read");
            for r in &rows {
                let (id, state, seller): (String, String, String) =
                    (r.get("listing_id"), r.get("state"), r.get("seller"));
                let trade: Option<String> = r.get("trade_id");
                let (owner, item_state): (String, String) = (r.get("owner"), r.get("item_state"));
                let lock_ref: Option<String> = r.get("lock_ref");
                let expected = match state.as_str() {
                    "open" => format!("listing:{id}"),
                    _ => format!("trade:{}", trade.unwrap_or_default()),
                };
                if owner != seller || item_state != "locked" || lock_ref.as_deref() != Some(&expected) {
                    found.push(format!(
                        "{state} listing {id}: its item is {owner}'s, {item_state}, locked by \
                         {lock_ref:?} (expected {seller}'s, locked by {expected})"
                    ));
                }
            }
            let rows = q("SELECT i.item_id, i.lock_ref FROM items i \
                 WHERE i.state = 'locked' AND NOT EXISTS ( \
                    SELECT 1 FROM listings l WHERE l.game = i.game AND l.state = 'open' \
                      AND i.lock_ref = 'listing:' || l.listing_id) \
                   AND NOT EXISTS ( \
                    SELECT 1 FROM sagas s WHERE s.game = i.game AND s.status = 'running' \
                      AND i.lock_ref = 'trade:' || s.saga_id)"
                .into())
            .fetch_all(pool)
            .await
            .expect("locked items read");
            for r in &rows {
                let (item, lock_ref): (String, Option<String>) = (r.get("item_id"), r.get("lock_ref"));
                found.push(format!(
                    "item {item} is locked by {lock_ref:?}, which is no live listing or running saga"
                ));
            }
            let rows = q("SELECT h.hold_id FROM holds h WHERE h.state = 'held' AND NOT EXISTS ( \
                    SELECT 1 FROM sagas s WHERE s.game = h.game AND s.status = 'running' \
                      AND h.hold_id LIKE s.saga_id || '/%')"
                .into())
            .fetch_all(pool)
            .await
            .expect("holds read");
            for r in &rows {
                let hold: String = r.get("hold_id");
                found.push(format!("hold {hold} is still held, but its saga ended"));
            }
            if quiet {
                let rows = q("SELECT saga_id, label FROM sagas WHERE status = 'running'".into())
                    .fetch_all(pool)
                    .await
                    .expect("sagas read");
                for r in &rows {
                    let (saga, label): (String, String) = (r.get("saga_id"), r.get("label"));
                    found.push(format!("saga {saga} is still running ({label})"));
                }
            }
            found
        }
    };
}

mod sqlite_audit {
    audit_sql!(sqlx::Sqlite);
}

mod postgres_audit {
    audit_sql!(sqlx::Postgres);
}

/// What breaks the economy's invariants in `store`'s database (`quiet`: no
/// saga may still be running).
pub async fn violations(store: &Store, quiet: bool) -> Vec<String> {
    let moves = MOVE_REASONS
        .iter()
        .map(|r| format!("'{r}'"))
        .collect::<Vec<_>>()
        .join(", ");
    match store.pool_ref() {
        Some(PoolRef::Sqlite(pool)) => sqlite_audit::violations(pool, &moves, quiet).await,
        Some(PoolRef::Postgres(pool)) => postgres_audit::violations(pool, &moves, quiet).await,
        None => vec!["the store has no SQL database to audit".into()],
    }
}

/// Asserts every invariant holds.
pub async fn assert_sound(store: &Store, quiet: bool) {
    let found = violations(store, quiet).await;
    assert!(
        found.is_empty(),
        "economy invariants broken:\n{}",
        found.join("\n")
    );
}

/// How the sagas of a run ended, from their logs.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SagaTally {
    pub completed: i64,
    pub failed: i64,
    /// Failed sagas that undid at least one step.
    pub compensated: i64,
    /// Sagas resumed by a host after their owner's lease ran out.
    pub resumed: i64,
}

macro_rules! tally_sql {
    ($Db:ty) => {
        pub async fn tally(pool: &sqlx::Pool<$Db>) -> super::SagaTally {
            use sqlx::Row as _;
            let count = |sql: &'static str| async move {
                sqlx::query::<$Db>(sql)
                    .fetch_one(pool)
                    .await
                    .expect("counts read")
                    .get::<i64, _>(0)
            };
            super::SagaTally {
                completed: count("SELECT COUNT(*) FROM sagas WHERE status = 'completed'").await,
                failed: count("SELECT COUNT(*) FROM sagas WHERE status = 'failed'").await,
                compensated: count(
                    "SELECT COUNT(DISTINCT saga_id) FROM saga_log WHERE outcome = 'undone'",
                )
                .await,
                resumed: count(
                    "SELECT COUNT(DISTINCT saga_id) FROM saga_log WHERE outcome = 'claimed'",
                )
                .await,
            }
        }
    };
}

mod sqlite_tally {
    tally_sql!(sqlx::Sqlite);
}

mod postgres_tally {
    tally_sql!(sqlx::Postgres);
}

pub async fn tally(store: &Store) -> SagaTally {
    match store.pool_ref() {
        Some(PoolRef::Sqlite(pool)) => sqlite_tally::tally(pool).await,
        Some(PoolRef::Postgres(pool)) => postgres_tally::tally(pool).await,
        None => SagaTally::default(),
    }
}

/// Runs one raw statement on `store`'s database: how a story breaks the
/// books on purpose, to show the audit sees it.
pub async fn tamper(store: &Store, sql: &'static str) {
    match store.pool_ref() {
        Some(PoolRef::Sqlite(pool)) => {
            sqlx::query(sql).execute(pool).await.expect("tampers");
        }
        Some(PoolRef::Postgres(pool)) => {
            sqlx::query(sql).execute(pool).await.expect("tampers");
        }
        None => panic!("no SQL database to tamper with"),
    }
}
