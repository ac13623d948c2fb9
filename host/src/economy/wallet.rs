//! A player's wallets: a balance per currency, and the ledger it sums.

use serde::Serialize;

use super::db::{postgres_sql, sqlite_sql};
use super::{MAX_PAGE, no_pool};
use crate::store::{Store, StoreError, on_db};

/// One currency of a player.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Balance {
    pub currency: String,
    /// What can be spent.
    pub available: i64,
    /// What sagas hold.
    pub held: i64,
    /// Ledger entries so far.
    pub version: i64,
}

/// One change of a wallet, as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerEntry {
    pub currency: String,
    /// The wallet's version after this entry (1, 2, ... per currency).
    pub version: i64,
    /// Signed.
    pub amount: i64,
    pub available_after: i64,
    pub reason: String,
    pub reference: String,
    pub created_at_ms: i64,
}

/// Every balance of `player`, by currency.
pub async fn balances(store: &Store, game: &str, player: &str) -> Result<Vec<Balance>, StoreError> {
    on_db!(store, no_pool(), |pool, m| m::balances(pool, game, player)
        .await)
}

/// Newest first: up to `limit` (at most [`MAX_PAGE`]) entries of
/// `player`'s `currency` older than version `before` (all if `None`).
pub async fn ledger(
    store: &Store,
    game: &str,
    player: &str,
    currency: &str,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<LedgerEntry>, StoreError> {
    let limit = limit.clamp(1, MAX_PAGE);
    on_db!(store, no_pool(), |pool, m| m::ledger(
        pool, game, player, currency, before, limit
    )
    .await)
}

/// The ledger entries that `reference` caused for `player`.
pub async fn by_reference(
    store: &Store,
    game: &str,
    player: &str,
    reference: &str,
) -> Result<Vec<LedgerEntry>, StoreError> {
    on_db!(store, no_pool(), |pool, m| m::ledger_by_reference(
        pool, game, player, reference
    )
    .await)
}

/// `player`'s balance in `currency`: zero at version 0 if they have none.
pub async fn balance(
    store: &Store,
    game: &str,
    player: &str,
    currency: &str,
) -> Result<Balance, StoreError> {
    let found = balances(store, game, player).await?;
    Ok(found
        .into_iter()
        .find(|b| b.currency == currency)
        .unwrap_or(Balance {
            currency: currency.to_owned(),
            available: 0,
            held: 0,
            version: 0,
        }))
}
