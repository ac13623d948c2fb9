//! Guarded economy operations of a [`super::CommitBatch`] (migration
//! `0007_market.sql`): fund holds and their release or capture, transfers,
//! item locks and moves, listings, offers and the saga log.
//!
//! Each operation is one conditional statement (plus the rows it implies:
//! a ledger entry, a hold row, a log row) that either applies or reports a
//! conflict ([`EconomyConflict`]) without an error; the batch then commits
//! nothing of itself (its guards run under a savepoint). They apply in the
//! batch's order, after the batch's other guards, inside the group's
//! transaction, so a batch sees every earlier batch of its group.
//!
//! Keeps DESIGN.md invariants 2 to 4: money only moves between ledgers
//! (a hold moves `available` to `held` with a ledger entry; a capture pays
//! `held` out as credits; no statement creates or destroys money except
//! [`super::Credit`]); an item changes owner only from a lock its saga holds;
//! a saga advances only from the version it read, so two runners of one
//! saga cannot both apply a step. Breaking it: writing these tables outside
//! a batch, or computing a balance and writing it back.

use serde::{Deserialize, Serialize};

use super::batch::{name, text};
use super::economy::ItemSpend;
use super::error::StoreError;

/// The wallet of the house: market fees, crafting costs and tournament
/// entry fees are paid to it.
pub const HOUSE: &str = "@house";

/// The ledger reasons of money moving between wallets (holds, their
/// release and payouts, transfers): every other reason mints. An audit of
/// conservation sums the rest.
pub const MOVE_REASONS: &[&str] = &[
    "hold",
    "release",
    "sale",
    "market-fee",
    "trade",
    "craft",
    "craft-fee",
    "tournament-fee",
];

/// Credit to a player out of a hold or a transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payout {
    pub player: String,
    /// More than 0.
    pub amount: i64,
    /// Why, e.g. `sale` or `market-fee`.
    pub reason: String,
}

/// Moves `amount` from `available` to `held` if the wallet is still at
/// `version` and has it (optimistic locking), and records the hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    pub game: String,
    pub hold_id: String,
    pub player: String,
    pub currency: String,
    pub amount: i64,
    /// The wallet version the caller read.
    pub version: i64,
    pub reference: String,
}

/// Gives a `held` hold back to `available`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    pub game: String,
    pub hold_id: String,
}

/// Pays a `held` hold of exactly `amount` out to `payouts` (which sum to it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capture {
    pub game: String,
    pub hold_id: String,
    pub amount: i64,
    pub payouts: Vec<Payout>,
    pub reference: String,
}

/// Takes `amount` from `from`'s `available` at `version` and pays it to
/// `payouts` (which sum to it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    pub game: String,
    pub from: String,
    pub currency: String,
    pub amount: i64,
    pub version: i64,
    pub reason: String,
    pub reference: String,
    pub payouts: Vec<Payout>,
}

/// Locks `owner`'s item to `lock_ref`: from `owned` when `from_ref` is
/// `None`, else from a lock held by `from_ref` (a listing handing its item
/// to a trade).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemLock {
    pub game: String,
    pub item_id: String,
    pub owner: String,
    pub lock_ref: String,
    pub from_ref: Option<String>,
}

/// Undoes an [`ItemLock`]: the item locked by `lock_ref` goes back to
/// `owned` (`to_ref` `None`) or to the lock of `to_ref`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemUnlock {
    pub game: String,
    pub item_id: String,
    pub lock_ref: String,
    pub to_ref: Option<String>,
}

/// Gives an item locked by `lock_ref` from `from` to `to`, unlocked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemMove {
    pub game: String,
    pub item_id: String,
    pub from: String,
    pub to: String,
    pub lock_ref: String,
}

/// A listing's row (`0007_market.sql`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingRow {
    pub game: String,
    pub listing_id: String,
    pub seller: String,
    pub item_id: String,
    pub item_type: String,
    pub currency: String,
    pub price: i64,
}

/// Moves a listing from state `from` to `to`, setting its trade; with
/// `trade` from `pending`, only if it is that trade's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingMove {
    pub game: String,
    pub listing_id: String,
    pub from: String,
    pub to: String,
    /// The trade it is pending on or sold to (`None` clears it).
    pub trade: Option<String>,
    /// Applies only if the listing's trade is this one.
    pub expect_trade: Option<String>,
}

/// An offer's row; `give` and `want` are JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferRow {
    pub game: String,
    pub offer_id: String,
    pub from: String,
    pub to: String,
    pub give: String,
    pub want: String,
}

/// Moves an offer from state `from` to `to`, setting its trade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferMove {
    pub game: String,
    pub offer_id: String,
    pub from: String,
    pub to: String,
    pub trade: Option<String>,
    /// Applies only if the offer is this player's to move (its sender or
    /// receiver, as the move requires).
    pub by: Option<OfferParty>,
}

/// Who may move an offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OfferParty {
    From(String),
    To(String),
}

/// A new saga's row, at version 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SagaRow {
    pub game: String,
    pub saga_id: String,
    pub kind: String,
    pub label: String,
    /// JSON.
    pub plan: String,
    pub initiator: String,
    pub counterparty: String,
    pub owner: String,
    pub lease_until_ms: i64,
}

/// Where a saga goes: its columns after the step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SagaPosition {
    /// `running`, `completed` or `failed`.
    pub status: String,
    /// `forward` or `backward`.
    pub phase: String,
    pub cursor: i64,
    pub label: String,
    pub failure: Option<String>,
    pub owner: String,
    pub lease_until_ms: i64,
}

/// One saga step: from `version` to `version + 1`, with its log row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SagaStep {
    pub game: String,
    pub saga_id: String,
    pub version: i64,
    pub to: SagaPosition,
    pub step: String,
    /// `forward`, `backward` or `claim`.
    pub phase: String,
    /// e.g. `done`, `failed`, `undone`, `claimed`.
    pub outcome: String,
    pub error: Option<String>,
}

/// One guarded operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EconomyOp {
    Hold(Hold),
    Release(Release),
    Capture(Capture),
    Transfer(Transfer),
    Lock(ItemLock),
    Unlock(ItemUnlock),
    MoveItem(ItemMove),
    /// Spends an owned item of its type (a crafting input).
    Consume(ItemSpend),
    ListingOpen(ListingRow),
    ListingMove(ListingMove),
    OfferOpen(OfferRow),
    OfferMove(OfferMove),
    SagaStart(SagaRow),
    SagaStep(SagaStep),
    /// Announces the level-ups the batch's xp credits cause (never a
    /// conflict; `super::level_watch`).
    LevelWatch(super::level_watch::LevelWatch),
    /// A tournament's rows (`super::tournament_ops`).
    Tournament(super::tournament_ops::TournamentOp),
}

/// Why a guarded operation did not apply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EconomyConflict {
    /// The wallet moved since the caller read it, or lacks the funds.
    #[error("the {currency} wallet of {player} changed or lacks the funds")]
    WalletMoved { player: String, currency: String },
    #[error("hold {hold_id} is not held (released, captured or unknown)")]
    HoldUnavailable { hold_id: String },
    #[error("item {item_id} is not available to this step (owner, lock or state)")]
    ItemUnavailable { item_id: String },
    #[error("listing {listing_id} is not in the state this step needs")]
    ListingUnavailable { listing_id: String },
    #[error("offer {offer_id} is not in the state this step needs")]
    OfferUnavailable { offer_id: String },
    #[error("saga {saga_id} moved past version {version}")]
    SagaMoved { saga_id: String, version: i64 },
    #[error("the tournament of {tournament} exists already")]
    TournamentExists { tournament: String },
    #[error("the tournament of {tournament} is not open")]
    TournamentClosed { tournament: String },
    #[error("{player} has already entered the tournament of {tournament}")]
    AlreadyEntered { tournament: String, player: String },
    #[error("{player} has already claimed their reward of the tournament of {tournament}")]
    AlreadyClaimed { tournament: String, player: String },
}

impl EconomyOp {
    pub(crate) fn validate(&self) -> Result<(), StoreError> {
        match self {
            Self::Hold(h) => {
                names(&[&h.game, &h.hold_id, &h.player, &h.currency, &h.reference])?;
                positive(h.amount)
            }
            Self::Release(r) => names(&[&r.game, &r.hold_id]),
            Self::Capture(c) => {
                names(&[&c.game, &c.hold_id, &c.reference])?;
                payouts(c.amount, &c.payouts)
            }
            Self::Transfer(t) => {
                names(&[&t.game, &t.from, &t.currency, &t.reason, &t.reference])?;
                payouts(t.amount, &t.payouts)
            }
            Self::Lock(l) => {
                names(&[&l.game, &l.item_id, &l.owner, &l.lock_ref])?;
                opt_name(&l.from_ref)
            }
            Self::Unlock(u) => {
                names(&[&u.game, &u.item_id, &u.lock_ref])?;
                opt_name(&u.to_ref)
            }
            Self::MoveItem(m) => names(&[&m.game, &m.item_id, &m.from, &m.to, &m.lock_ref]),
            Self::Consume(s) => s.validate(),
            Self::ListingOpen(l) => {
                names(&[
                    &l.game,
                    &l.listing_id,
                    &l.seller,
                    &l.item_id,
                    &l.item_type,
                    &l.currency,
                ])?;
                positive(l.price)
            }
            Self::ListingMove(m) => {
                names(&[&m.game, &m.listing_id, &m.from, &m.to])?;
                opt_name(&m.trade)?;
                opt_name(&m.expect_trade)
            }
            Self::OfferOpen(o) => {
                names(&[&o.game, &o.offer_id, &o.from, &o.to])?;
                text("offer give", &o.give)?;
                text("offer want", &o.want)
            }
            Self::OfferMove(m) => {
                names(&[&m.game, &m.offer_id, &m.from, &m.to])?;
                opt_name(&m.trade)
            }
            Self::SagaStart(s) => {
                names(&[
                    &s.game,
                    &s.saga_id,
                    &s.kind,
                    &s.label,
                    &s.initiator,
                    &s.counterparty,
                    &s.owner,
                ])?;
                text("saga plan", &s.plan)
            }
            Self::SagaStep(s) => {
                names(&[
                    &s.game,
                    &s.saga_id,
                    &s.step,
                    &s.phase,
                    &s.outcome,
                    &s.to.status,
                    &s.to.phase,
                    &s.to.label,
                    &s.to.owner,
                ])?;
                text("saga error", s.error.as_deref().unwrap_or(""))?;
                text("saga failure", s.to.failure.as_deref().unwrap_or(""))
            }
            Self::LevelWatch(w) => w.validate(),
            Self::Tournament(t) => t.validate(),
        }
    }

    /// How many writing guards it counts as: one, or more for an operation
    /// that may conflict after it wrote (its batch then runs under a
    /// savepoint).
    pub(crate) fn writing_guards(&self) -> usize {
        match self {
            Self::Tournament(t) => t.writing_guards(),
            _ => 1,
        }
    }
}

fn names(values: &[&str]) -> Result<(), StoreError> {
    values
        .iter()
        .try_for_each(|v| name("economy operation field", v))
}

fn opt_name(value: &Option<String>) -> Result<(), StoreError> {
    value
        .as_deref()
        .map_or(Ok(()), |v| name("economy operation field", v))
}

fn positive(amount: i64) -> Result<(), StoreError> {
    if amount <= 0 {
        return Err(StoreError::invalid("amount", "must be more than 0"));
    }
    Ok(())
}

/// Payouts are positive, one per player, and sum to `amount`.
fn payouts(amount: i64, payouts: &[Payout]) -> Result<(), StoreError> {
    positive(amount)?;
    let mut sum = 0i64;
    for (i, p) in payouts.iter().enumerate() {
        names(&[&p.player, &p.reason])?;
        positive(p.amount)?;
        if payouts[..i].iter().any(|q| q.player == p.player) {
            return Err(StoreError::invalid("payouts", "one payout per player"));
        }
        sum = sum.saturating_add(p.amount);
    }
    if sum != amount {
        return Err(StoreError::invalid(
            "payouts",
            format!("they sum to {sum}, not to the amount {amount}"),
        ));
    }
    Ok(())
}

/// The operations' SQL inside a backend's `sql_impl` module, beside
/// `economy_sql!` (whose `credit` it uses).
macro_rules! economy_ops_sql {
    ($Db:ty) => {
        /// Applies `ops` in order up to the first conflict.
        async fn apply_ops(
            tx: &mut Tx,
            ops: &[$crate::store::economy_ops::EconomyOp],
            now_ms: i64,
        ) -> Result<Result<(), StoreError>, sqlx::Error> {
            use $crate::store::economy_ops::{EconomyConflict as C, EconomyOp as Op};
            for op in ops {
                let refused = match op {
                    Op::Hold(h) => hold(tx, h, now_ms).await?,
                    Op::Release(r) => release(tx, r, now_ms).await?,
                    Op::Capture(c) => capture(tx, c, now_ms).await?,
                    Op::Transfer(t) => transfer(tx, t, now_ms).await?,
                    Op::Lock(l) => lock_item(tx, l, now_ms).await?,
                    Op::Unlock(u) => unlock_item(tx, u, now_ms).await?,
                    Op::MoveItem(m) => move_item(tx, m, now_ms).await?,
                    Op::Consume(s) => match spend_item(tx, s, now_ms).await? {
                        Ok(()) => None,
                        Err(_) => Some(C::ItemUnavailable {
                            item_id: s.item_id.clone(),
                        }),
                    },
                    Op::ListingOpen(l) => open_listing(tx, l, now_ms).await?,
                    Op::ListingMove(m) => move_listing(tx, m, now_ms).await?,
                    Op::OfferOpen(o) => open_offer(tx, o, now_ms).await?,
                    Op::OfferMove(m) => move_offer(tx, m, now_ms).await?,
                    Op::SagaStart(s) => start_saga(tx, s, now_ms).await?,
                    Op::SagaStep(s) => step_saga(tx, s, now_ms).await?,
                    Op::LevelWatch(w) => watch_level(tx, w).await?,
                    Op::Tournament(t) => apply_tournament_op(tx, t, now_ms).await?,
                };
                if let Some(conflict) = refused {
                    return Ok(Err(StoreError::Economy(conflict)));
                }
            }
            Ok(Ok(()))
        }

        /// Shifts a wallet's `available` and `held` by the deltas, if it is
        /// at `version` (any version when negative) and neither goes below
        /// 0; appends a ledger entry when `available` changes. `None` if it
        /// did not apply.
        #[allow(clippy::too_many_arguments)]
        async fn shift(
            tx: &mut Tx,
            game: &str,
            player: &str,
            currency: &str,
            d_available: i64,
            d_held: i64,
            version: i64,
            entry: (&str, &str, &str),
            now_ms: i64,
        ) -> Result<bool, sqlx::Error> {
            let row = sqlx::query::<$Db>(
                "UPDATE wallets SET available = available + $4, held = held + $5, \
                    version = version + CASE WHEN $4 = 0 THEN 0 ELSE 1 END \
                 WHERE game = $1 AND player = $2 AND currency = $3 \
                   AND ($6 < 0 OR version = $6) \
                   AND available + $4 >= 0 AND held + $5 >= 0 \
                 RETURNING available, version",
            )
            .bind(game)
            .bind(player)
            .bind(currency)
            .bind(d_available)
            .bind(d_held)
            .bind(version)
            .fetch_optional(&mut **tx)
            .await?;
            let Some(row) = row else { return Ok(false) };
            if d_available != 0 {
                let (reason, reference, key) = entry;
                ledger_entry(
                    tx,
                    game,
                    player,
                    currency,
                    row.try_get("version")?,
                    d_available,
                    row.try_get("available")?,
                    (reason, reference, key),
                    now_ms,
                )
                .await?;
            }
            Ok(true)
        }

        async fn hold(
            tx: &mut Tx,
            h: &$crate::store::economy_ops::Hold,
            now_ms: i64,
        ) -> Result<Option<$crate::store::economy_ops::EconomyConflict>, sqlx::Error> {
            let key = format!("hold:{}", h.hold_id);
            let entry = ("hold", h.reference.as_str(), key.as_str());
            let (g, p, c) = (&h.game, &h.player, &h.currency);
            if !shift(tx, g, p, c, -h.amount, h.amount, h.version, entry, now_ms).await? {
                return Ok(Some(
                    $crate::store::economy_ops::EconomyConflict::WalletMoved {
                        player: h.player.clone(),
                        currency: h.currency.clone(),
                    },
                ));
            }
            sqlx::query::<$Db>(
                "INSERT INTO holds (game, hold_id, player, currency, amount, state, reference, \
                                    created_at_ms, updated_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, 'held', $6, $7, $7)",
            )
            .bind(&h.game)
            .bind(&h.hold_id)
            .bind(&h.player)
            .bind(&h.currency)
            .bind(h.amount)
            .bind(&h.reference)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            Ok(None)
        }

        /// Marks a `held` hold `to` (of exactly `amount` when given): its
        /// (player, currency, amount), or `None` if it is not held.
        async fn end_hold(
            tx: &mut Tx,
            game: &str,
            hold_id: &str,
            to: &str,
            amount: Option<i64>,
            now_ms: i64,
        ) -> Result<Option<(String, String, i64)>, sqlx::Error> {
            let row = sqlx::query::<$Db>(
                "UPDATE holds SET state = $3, updated_at_ms = $4 \
                 WHERE game = $1 AND hold_id = $2 AND state = 'held' AND ($5 < 0 OR amount = $5) \
                 RETURNING player, currency, amount",
            )
            .bind(game)
            .bind(hold_id)
            .bind(to)
            .bind(now_ms)
            .bind(amount.unwrap_or(-1))
            .fetch_optional(&mut **tx)
            .await?;
            row.map(|r| Ok((r.try_get("player")?, r.try_get("currency")?, r.try_get("amount")?)))
                .transpose()
        }

        async fn release(
            tx: &mut Tx,
            r: &$crate::store::economy_ops::Release,
            now_ms: i64,
        ) -> Result<Option<$crate::store::economy_ops::EconomyConflict>, sqlx::Error> {
            let Some((player, currency, amount)) =
                end_hold(tx, &r.game, &r.hold_id, "released", None, now_ms).await?
            else {
                return Ok(Some(
                    $crate::store::economy_ops::EconomyConflict::HoldUnavailable {
                        hold_id: r.hold_id.clone(),
                    },
                ));
            };
            let key = format!("release:{}", r.hold_id);
            let reference = format!("hold:{}", r.hold_id);
            let entry = ("release", reference.as_str(), key.as_str());
            if !shift(tx, &r.game, &player, &currency, amount, -amount, -1, entry, now_ms).await? {
                // The hold row says the wallet holds it: a wallet that does
                // not is corrupt, and the whole group must not commit.
                return Err(sqlx::Error::Protocol(format!(
                    "wallet {player}/{currency} does not hold the {amount} of hold {}",
                    r.hold_id
                )));
            }
            Ok(None)
        }

        async fn capture(
            tx: &mut Tx,
            c: &$crate::store::economy_ops::Capture,
            now_ms: i64,
        ) -> Result<Option<$crate::store::economy_ops::EconomyConflict>, sqlx::Error> {
            let Some((player, currency, amount)) =
                end_hold(tx, &c.game, &c.hold_id, "captured", Some(c.amount), now_ms).await?
            else {
                return Ok(Some(
                    $crate::store::economy_ops::EconomyConflict::HoldUnavailable {
                        hold_id: c.hold_id.clone(),
                    },
                ));
            };
            let entry = ("capture", c.reference.as_str(), "");
            if !shift(tx, &c.game, &player, &currency, 0, -amount, -1, entry, now_ms).await? {
                return Err(sqlx::Error::Protocol(format!(
                    "wallet {player}/{currency} does not hold the {amount} of hold {}",
                    c.hold_id
                )));
            }
            for p in &c.payouts {
                let key = format!("capture:{}/{}", c.hold_id, p.player);
                credit(
                    tx, &c.game, &p.player, &currency, p.amount, &p.reason, &c.reference, &key,
                    now_ms,
                )
                .await?;
            }
            Ok(None)
        }

        async fn transfer(
            tx: &mut Tx,
            t: &$crate::store::economy_ops::Transfer,
            now_ms: i64,
        ) -> Result<Option<$crate::store::economy_ops::EconomyConflict>, sqlx::Error> {
            let key = format!("{}/{}/debit", t.reference, t.from);
            let entry = (t.reason.as_str(), t.reference.as_str(), key.as_str());
            let (g, f, c) = (&t.game, &t.from, &t.currency);
            if !shift(tx, g, f, c, -t.amount, 0, t.version, entry, now_ms).await? {
                return Ok(Some(
                    $crate::store::economy_ops::EconomyConflict::WalletMoved {
                        player: t.from.clone(),
                        currency: t.currency.clone(),
                    },
                ));
            }
            for p in &t.payouts {
                let key = format!("{}/{}/credit", t.reference, p.player);
                credit(
                    tx, &t.game, &p.player, &t.currency, p.amount, &p.reason, &t.reference, &key,
                    now_ms,
                )
                .await?;
            }
            Ok(None)
        }

        /// `Some(conflict)` when an item statement touched no row.
        fn item_applied(
            done: <$Db as sqlx::Database>::QueryResult,
            item_id: &str,
        ) -> Option<$crate::store::economy_ops::EconomyConflict> {
            (done.rows_affected() == 0).then(|| {
                $crate::store::economy_ops::EconomyConflict::ItemUnavailable {
                    item_id: item_id.to_owned(),
                }
            })
        }

        async fn lock_item(
            tx: &mut Tx,
            l: &$crate::store::economy_ops::ItemLock,
            now_ms: i64,
        ) -> Result<Option<$crate::store::economy_ops::EconomyConflict>, sqlx::Error> {
            let done = sqlx::query::<$Db>(
                "UPDATE items SET state = 'locked', lock_ref = $4, updated_at_ms = $6 \
                 WHERE game = $1 AND item_id = $2 AND owner = $3 \
                   AND ((state = 'owned' AND $5 = '') OR (state = 'locked' AND lock_ref = $5))",
            )
            .bind(&l.game)
            .bind(&l.item_id)
            .bind(&l.owner)
            .bind(&l.lock_ref)
            .bind(l.from_ref.as_deref().unwrap_or(""))
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            Ok(item_applied(done, &l.item_id))
        }

        async fn unlock_item(
            tx: &mut Tx,
            u: &$crate::store::economy_ops::ItemUnlock,
            now_ms: i64,
        ) -> Result<Option<$crate::store::economy_ops::EconomyConflict>, sqlx::Error> {
            let done = sqlx::query::<$Db>(
                "UPDATE items SET state = CASE WHEN $4 = '' THEN 'owned' ELSE 'locked' END, \
                    lock_ref = NULLIF($4, ''), updated_at_ms = $5 \
                 WHERE game = $1 AND item_id = $2 AND state = 'locked' AND lock_ref = $3",
            )
            .bind(&u.game)
            .bind(&u.item_id)
            .bind(&u.lock_ref)
            .bind(u.to_ref.as_deref().unwrap_or(""))
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            Ok(item_applied(done, &u.item_id))
        }

        async fn move_item(
            tx: &mut Tx,
            m: &$crate::store::economy_ops::ItemMove,
            now_ms: i64,
        ) -> Result<Option<$crate::store::economy_ops::EconomyConflict>, sqlx::Error> {
            let done = sqlx::query::<$Db>(
                "UPDATE items SET owner = $4, state = 'owned', lock_ref = NULL, updated_at_ms = $6 \
                 WHERE game = $1 AND item_id = $2 AND owner = $3 AND state = 'locked' \
                   AND lock_ref = $5",
            )
            .bind(&m.game)
            .bind(&m.item_id)
            .bind(&m.from)
            .bind(&m.to)
            .bind(&m.lock_ref)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            Ok(item_applied(done, &m.item_id))
        }

        async fn open_listing(
            tx: &mut Tx,
            l: &$crate::store::economy_ops::ListingRow,
            now_ms: i64,
        ) -> Result<Option<$crate::store::economy_ops::EconomyConflict>, sqlx::Error> {
            // The partial unique index keeps an item in one live listing.
            let done = sqlx::query::<$Db>(
                "INSERT INTO listings (game, listing_id, seller, item_id, item_type, currency, \
                                       price, state, trade_id, created_at_ms, updated_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', NULL, $8, $8) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(&l.game)
            .bind(&l.listing_id)
            .bind(&l.seller)
            .bind(&l.item_id)
            .bind(&l.item_type)
            .bind(&l.currency)
            .bind(l.price)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            Ok((done.rows_affected() == 0).then(|| {
                $crate::store::economy_ops::EconomyConflict::ListingUnavailable {
                    listing_id: l.listing_id.clone(),
                }
            }))
        }

        async fn move_listing(
            tx: &mut Tx,
            m: &$crate::store::economy_ops::ListingMove,
            now_ms: i64,
        ) -> Result<Option<$crate::store::economy_ops::EconomyConflict>, sqlx::Error> {
            let done = sqlx::query::<$Db>(
                "UPDATE listings SET state = $4, trade_id = $5, updated_at_ms = $7 \
                 WHERE game = $1 AND listing_id = $2 AND state = $3 \
                   AND ($6 = '' OR trade_id = $6)",
            )
            .bind(&m.game)
            .bind(&m.listing_id)
            .bind(&m.from)
            .bind(&m.to)
            .bind(m.trade.as_deref())
            .bind(m.expect_trade.as_deref().unwrap_or(""))
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            Ok((done.rows_affected() == 0).then(|| {
                $crate::store::economy_ops::EconomyConflict::ListingUnavailable {
                    listing_id: m.listing_id.clone(),
                }
            }))
        }

        async fn open_offer(
            tx: &mut Tx,
            o: &$crate::store::economy_ops::OfferRow,
            now_ms: i64,
        ) -> Result<Option<$crate::store::economy_ops::EconomyConflict>, sqlx::Error> {
            let done = sqlx::query::<$Db>(
                "INSERT INTO offers (game, offer_id, from_player, to_player, give, want, state, \
                                     trade_id, created_at_ms, updated_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'open', NULL, $7, $7) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(&o.game)
            .bind(&o.offer_id)
            .bind(&o.from)
            .bind(&o.to)
            .bind(&o.give)
            .bind(&o.want)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            Ok((done.rows_affected() == 0).then(|| {
                $crate::store::economy_ops::EconomyConflict::OfferUnavailable {
                    offer_id: o.offer_id.clone(),
                }
            }))
        }

        async fn move_offer(
            tx: &mut Tx,
            m: &$crate::store::economy_ops::OfferMove,
            now_ms: i64,
        ) -> Result<Option<$crate::store::economy_ops::EconomyConflict>, sqlx::Error> {
            use $crate::store::economy_ops::OfferParty;
            let (from_player, to_player) = match &m.by {
                Some(OfferParty::From(p)) => (p.as_str(), ""),
                Some(OfferParty::To(p)) => ("", p.as_str()),
                None => ("", ""),
            };
            let done = sqlx::query::<$Db>(
                "UPDATE offers SET state = $4, trade_id = COALESCE($5, trade_id), \
                    updated_at_ms = $8 \
                 WHERE game = $1 AND offer_id = $2 AND state = $3 \
                   AND ($6 = '' OR from_player = $6) AND ($7 = '' OR to_player = $7)",
            )
            .bind(&m.game)
            .bind(&m.offer_id)
            .bind(&m.from)
            .bind(&m.to)
            .bind(m.trade.as_deref())
            .bind(from_player)
            .bind(to_player)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            Ok((done.rows_affected() == 0).then(|| {
                $crate::store::economy_ops::EconomyConflict::OfferUnavailable {
                    offer_id: m.offer_id.clone(),
                }
            }))
        }

        async fn start_saga(
            tx: &mut Tx,
            s: &$crate::store::economy_ops::SagaRow,
            now_ms: i64,
        ) -> Result<Option<$crate::store::economy_ops::EconomyConflict>, sqlx::Error> {
            let done = sqlx::query::<$Db>(
                "INSERT INTO sagas (game, saga_id, kind, status, phase, cursor, label, plan, \
                                    initiator, counterparty, failure, owner, lease_until_ms, \
                                    version, created_at_ms, updated_at_ms) \
                 VALUES ($1, $2, $3, 'running', 'forward', 0, $4, $5, $6, $7, NULL, $8, $9, 1, \
                         $10, $10) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(&s.game)
            .bind(&s.saga_id)
            .bind(&s.kind)
            .bind(&s.label)
            .bind(&s.plan)
            .bind(&s.initiator)
            .bind(&s.counterparty)
            .bind(&s.owner)
            .bind(s.lease_until_ms)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(Some(
                    $crate::store::economy_ops::EconomyConflict::SagaMoved {
                        saga_id: s.saga_id.clone(),
                        version: 0,
                    },
                ));
            }
            sqlx::query::<$Db>(
                "INSERT INTO saga_log (game, saga_id, seq, step, phase, outcome, error, at_ms) \
                 VALUES ($1, $2, 1, 'initiate', 'forward', 'done', NULL, $3)",
            )
            .bind(&s.game)
            .bind(&s.saga_id)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            Ok(None)
        }

        async fn step_saga(
            tx: &mut Tx,
            s: &$crate::store::economy_ops::SagaStep,
            now_ms: i64,
        ) -> Result<Option<$crate::store::economy_ops::EconomyConflict>, sqlx::Error> {
            let to = &s.to;
            let done = sqlx::query::<$Db>(
                "UPDATE sagas SET status = $4, phase = $5, cursor = $6, label = $7, failure = $8, \
                    owner = $9, lease_until_ms = $10, version = version + 1, updated_at_ms = $11 \
                 WHERE game = $1 AND saga_id = $2 AND version = $3",
            )
            .bind(&s.game)
            .bind(&s.saga_id)
            .bind(s.version)
            .bind(&to.status)
            .bind(&to.phase)
            .bind(to.cursor)
            .bind(&to.label)
            .bind(to.failure.as_deref())
            .bind(&to.owner)
            .bind(to.lease_until_ms)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(Some(
                    $crate::store::economy_ops::EconomyConflict::SagaMoved {
                        saga_id: s.saga_id.clone(),
                        version: s.version,
                    },
                ));
            }
            sqlx::query::<$Db>(
                "INSERT INTO saga_log (game, saga_id, seq, step, phase, outcome, error, at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&s.game)
            .bind(&s.saga_id)
            .bind(s.version + 1)
            .bind(&s.step)
            .bind(&s.phase)
            .bind(&s.outcome)
            .bind(s.error.as_deref())
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            Ok(None)
        }
    };
}
pub(crate) use economy_ops_sql;
