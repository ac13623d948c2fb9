//! The economy as the arena meets it today: wallets with their ledger,
//! items (stamps included) and player notices, written only through
//! [`crate::store::CommitBatch`] (`crate::store::economy`), read here.
//!
//! - [`wallet`]: balances and the ledger's pages;
//! - [`items`]: one item, a player's inventory;
//! - [`notices`]: a player's notices after a sequence number;
//! - [`rewards`]: the `rewards` consumer group: `MatchFinished` -> the
//!   rewards component's grants -> credits, items, stamps and a notice, in
//!   one batch with the processed-event record;
//! - [`routes`]: wallet, ledger, inventory and notices under `/v1`;
//! - [`db`]: the SQL of the reads, once for each database.

pub mod db;
pub mod items;
pub mod notices;
pub mod rewards;
pub mod routes;
pub mod wallet;

use crate::store::StoreError;

/// The error of a backend without a SQL database.
fn no_pool() -> StoreError {
    crate::store::no_pool("economy store")
}

/// Most rows one page of a listing returns.
pub const MAX_PAGE: u32 = 100;
