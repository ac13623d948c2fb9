//! Items: a unique id, a type, exactly one owner, and a state.

use serde::Serialize;

use super::db::{postgres_sql, sqlite_sql};
use super::{MAX_PAGE, no_pool};
use crate::store::{Store, StoreError, on_db};

/// Where an item is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// Its owner may use, list or trade it.
    Owned,
    /// Held by a trade or a listing.
    Locked,
    /// Consumed (a spent stamp), kept for audit.
    Spent,
}

impl ItemState {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "owned" => Some(Self::Owned),
            "locked" => Some(Self::Locked),
            "spent" => Some(Self::Spent),
            _ => None,
        }
    }
}

/// One item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub item_id: String,
    pub owner: String,
    pub item_type: String,
    pub state: ItemState,
    /// What spent it, if spent.
    pub spent_ref: Option<String>,
    /// What created it.
    pub source: String,
    pub created_at_ms: i64,
}

/// One item of `game`.
pub async fn get(store: &Store, game: &str, item_id: &str) -> Result<Option<Item>, StoreError> {
    on_db!(store, no_pool(), |pool, m| m::item(pool, game, item_id)
        .await)
}

/// `owner`'s items that are not spent, by id, after `after`, at most
/// `limit` (at most [`MAX_PAGE`]); of `item_type` only if given.
pub async fn inventory(
    store: &Store,
    game: &str,
    owner: &str,
    item_type: Option<&str>,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<Item>, StoreError> {
    let limit = limit.clamp(1, MAX_PAGE);
    on_db!(store, no_pool(), |pool, m| m::inventory(
        pool, game, owner, item_type, after, limit
    )
    .await)
}

/// The items `source` created for `owner`.
pub async fn by_source(
    store: &Store,
    game: &str,
    owner: &str,
    source: &str,
) -> Result<Vec<Item>, StoreError> {
    on_db!(store, no_pool(), |pool, m| m::items_by_source(
        pool, game, owner, source
    )
    .await)
}
