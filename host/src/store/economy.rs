//! What a [`super::CommitBatch`] changes in the economy's tables (migration
//! `0005_economy.sql`): wallet credits with their ledger entries, new items,
//! a spent item (a stamp), and player notices.
//!
//! Keeps, with the batch's idempotency or processed-event record, DESIGN.md
//! invariants 1 to 3 where they meet the arena: a reward is granted once
//! (the consumer's processed record and each credit's unique ledger `key`),
//! and a stamp is spent once ([`ItemSpend`] is a guard: the batch commits
//! only if the item was the owner's, unspent and unlocked, and it marks it
//! spent in the same statement). Breaking it: writing these tables outside
//! a batch, or spending an item by a read then a write.
//!
//! [`economy_sql!`] is the SQL, written once and compiled into each
//! backend's `sql_impl` module by `super::sql::sql_backend!`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::batch::{name, text};
use super::error::StoreError;

/// The item type of a stamp.
pub const STAMP: &str = "stamp";

/// Money into a wallet: `available += amount`, one ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    pub game: String,
    pub player: String,
    pub currency: String,
    /// More than 0.
    pub amount: i64,
    /// Why, e.g. `match-reward`.
    pub reason: String,
    /// What caused it, e.g. `match:<id>`.
    pub reference: String,
    /// Unique per game: a second entry with this key fails its batch.
    pub key: String,
}

/// A new item, owned by `owner`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemGrant {
    pub game: String,
    /// Unique per game; derive it from what caused the grant so a retry
    /// makes the same id.
    pub item_id: String,
    pub owner: String,
    pub item_type: String,
    /// What created it, e.g. `match:<id>`.
    pub source: String,
}

/// Spending an item (a guard): it must be `owner`'s, of `item_type`, and
/// neither locked nor spent; it is then marked spent by `reference`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemSpend {
    pub game: String,
    pub item_id: String,
    pub owner: String,
    pub item_type: String,
    /// What spent it, e.g. `match:<id>/action`.
    pub reference: String,
}

/// A notice for a player, numbered after their last one at commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub game: String,
    pub player: String,
    /// e.g. `rewards`.
    pub kind: String,
    /// JSON.
    pub body: String,
}

/// The economy's part of a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EconomyWrites {
    #[serde(default)]
    pub credits: Vec<Credit>,
    #[serde(default)]
    pub grants: Vec<ItemGrant>,
    #[serde(default)]
    pub notices: Vec<Notice>,
}

impl EconomyWrites {
    pub fn is_empty(&self) -> bool {
        self.credits.is_empty() && self.grants.is_empty() && self.notices.is_empty()
    }

    pub(crate) fn validate(&self) -> Result<(), StoreError> {
        for c in &self.credits {
            name("credit game", &c.game)?;
            name("credit player", &c.player)?;
            name("credit currency", &c.currency)?;
            name("credit reason", &c.reason)?;
            name("credit reference", &c.reference)?;
            name("credit key", &c.key)?;
            if c.amount <= 0 {
                return Err(StoreError::invalid("credit amount", "must be more than 0"));
            }
        }
        for g in &self.grants {
            name("item game", &g.game)?;
            name("item id", &g.item_id)?;
            name("item owner", &g.owner)?;
            name("item type", &g.item_type)?;
            name("item source", &g.source)?;
        }
        for n in &self.notices {
            name("notice game", &n.game)?;
            name("notice player", &n.player)?;
            name("notice kind", &n.kind)?;
            text("notice body", &n.body)?;
        }
        Ok(())
    }
}

/// Each notice's place among its player's notices in `notices`, from 1:
/// what it adds to the player's last stored `seq`.
pub(crate) fn ordinals(notices: &[&Notice]) -> Vec<i64> {
    let mut counts: HashMap<(&str, &str), i64> = HashMap::new();
    notices
        .iter()
        .map(|n| {
            let count = counts.entry((&n.game, &n.player)).or_insert(0);
            *count += 1;
            *count
        })
        .collect()
}

impl ItemSpend {
    pub(crate) fn validate(&self) -> Result<(), StoreError> {
        name("spent item game", &self.game)?;
        name("spent item id", &self.item_id)?;
        name("spent item owner", &self.owner)?;
        name("spent item type", &self.item_type)?;
        name("spent item reference", &self.reference)
    }
}

/// The economy's SQL inside a backend's `sql_impl` module (which has `Tx`,
/// `$Db` and the batch types in scope).
macro_rules! economy_sql {
    ($Db:ty) => {
        /// Marks `spend`'s item spent if it is spendable; `Ok(Err(_))` if not.
        async fn spend_item(
            tx: &mut Tx,
            spend: &$crate::store::economy::ItemSpend,
            now_ms: i64,
        ) -> Result<Result<(), StoreError>, sqlx::Error> {
            let spent = sqlx::query::<$Db>(
                "UPDATE items SET state = 'spent', spent_ref = $5, updated_at_ms = $6 \
                 WHERE game = $1 AND item_id = $2 AND owner = $3 AND item_type = $4 \
                   AND state = 'owned'",
            )
            .bind(&spend.game)
            .bind(&spend.item_id)
            .bind(&spend.owner)
            .bind(&spend.item_type)
            .bind(&spend.reference)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            if spent.rows_affected() == 0 {
                return Ok(Err(StoreError::ItemUnavailable {
                    game: spend.game.clone(),
                    item_id: spend.item_id.clone(),
                }));
            }
            Ok(Ok(()))
        }

        /// `available += amount` on a wallet (made if new), with its ledger
        /// entry. A taken ledger `key` fails the statement.
        #[allow(clippy::too_many_arguments)]
        async fn credit(
            tx: &mut Tx,
            game: &str,
            player: &str,
            currency: &str,
            amount: i64,
            reason: &str,
            reference: &str,
            key: &str,
            now_ms: i64,
        ) -> Result<(), sqlx::Error> {
            let row = sqlx::query::<$Db>(
                "INSERT INTO wallets (game, player, currency, available, held, version) \
                 VALUES ($1, $2, $3, $4, 0, 1) \
                 ON CONFLICT (game, player, currency) DO UPDATE SET \
                    available = wallets.available + excluded.available, \
                    version = wallets.version + 1 \
                 RETURNING available, version",
            )
            .bind(game)
            .bind(player)
            .bind(currency)
            .bind(amount)
            .fetch_one(&mut **tx)
            .await?;
            let entry = (reason, reference, key);
            let (version, available) = (row.try_get("version")?, row.try_get("available")?);
            ledger_entry(
                tx, game, player, currency, version, amount, available, entry, now_ms,
            )
            .await
        }

        /// One ledger row: the wallet's change to `version`, by `amount`,
        /// leaving `available`; `entry` is (reason, reference, key).
        #[allow(clippy::too_many_arguments)]
        async fn ledger_entry(
            tx: &mut Tx,
            game: &str,
            player: &str,
            currency: &str,
            version: i64,
            amount: i64,
            available: i64,
            entry: (&str, &str, &str),
            now_ms: i64,
        ) -> Result<(), sqlx::Error> {
            let (reason, reference, key) = entry;
            sqlx::query::<$Db>(
                "INSERT INTO ledger (game, player, currency, version, amount, available_after, \
                                     reason, reference, key, created_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(game)
            .bind(player)
            .bind(currency)
            .bind(version)
            .bind(amount)
            .bind(available)
            .bind(reason)
            .bind(reference)
            .bind(key)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        /// The credits and new items of `batches`, in order. A credit whose
        /// ledger key exists fails the statement (unique index), so the
        /// group is retried batch by batch and that batch fails alone.
        async fn write_economy(
            tx: &mut Tx,
            batches: &[&CommitBatch],
            now_ms: i64,
        ) -> Result<(), sqlx::Error> {
            for c in batches.iter().flat_map(|b| &b.economy.credits) {
                credit(
                    tx,
                    &c.game,
                    &c.player,
                    &c.currency,
                    c.amount,
                    &c.reason,
                    &c.reference,
                    &c.key,
                    now_ms,
                )
                .await?;
            }
            let grants: Vec<_> = batches.iter().flat_map(|b| &b.economy.grants).collect();
            for chunk in grants.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::QueryBuilder::<$Db>::new(
                    "INSERT INTO items (game, item_id, owner, item_type, state, lock_ref, \
                                        spent_ref, source, created_at_ms, updated_at_ms) ",
                );
                q.push_values(chunk, |mut row, g| {
                    row.push_bind(g.game.as_str())
                        .push_bind(g.item_id.as_str())
                        .push_bind(g.owner.as_str())
                        .push_bind(g.item_type.as_str())
                        .push_bind("owned")
                        .push_bind(None::<String>)
                        .push_bind(None::<String>)
                        .push_bind(g.source.as_str())
                        .push_bind(now_ms)
                        .push_bind(now_ms);
                });
                q.build().persistent(false).execute(&mut **tx).await?;
            }
            Ok(())
        }

        /// The notices of the admitted `batches`, in order: each player's
        /// numbered on from their last, a few hundred a statement (no
        /// guard reads them, so they wait for the group's end).
        async fn write_notices(
            tx: &mut Tx,
            batches: &[&CommitBatch],
            now_ms: i64,
        ) -> Result<(), sqlx::Error> {
            let notices: Vec<_> = batches.iter().flat_map(|b| &b.economy.notices).collect();
            for chunk in notices.chunks(ROWS_PER_STATEMENT) {
                let ords = $crate::store::economy::ordinals(chunk);
                let mut q =
                    sqlx::QueryBuilder::<$Db>::new("WITH v (game, player, ord, kind, body) AS (");
                q.push_values(chunk.iter().zip(ords), |mut row, (n, ord)| {
                    row.push_bind(n.game.as_str())
                        .push_bind(n.player.as_str())
                        .push_bind(ord)
                        .push_bind(n.kind.as_str())
                        .push_bind(n.body.as_str());
                });
                q.push(
                    ") INSERT INTO notices (game, player, seq, kind, body, created_at_ms) \
                     SELECT v.game, v.player, COALESCE((SELECT MAX(n.seq) FROM notices n \
                              WHERE n.game = v.game AND n.player = v.player), 0) + v.ord, \
                            v.kind, v.body, ",
                );
                q.push_bind(now_ms);
                q.push(" FROM v");
                q.build().persistent(false).execute(&mut **tx).await?;
            }
            Ok(())
        }
    };
}
pub(crate) use economy_sql;

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(player: &str) -> Notice {
        Notice {
            game: "default".into(),
            player: player.into(),
            kind: "trade".into(),
            body: "{}".into(),
        }
    }

    #[test]
    fn each_players_notices_count_on_from_one() {
        let (ann, bob) = (notice("ann"), notice("bob"));
        let other_game = Notice {
            game: "other".into(),
            ..notice("ann")
        };
        let order = [&ann, &bob, &ann, &other_game, &ann, &bob];
        assert_eq!(ordinals(&order), vec![1, 1, 2, 1, 3, 2]);
    }
}
