//! Guarded operations on the tournament tables (migration
//! `0008_tournaments.sql`), carried by a [`super::CommitBatch`] as
//! [`super::EconomyOp::Tournament`]: a day's tournament made once, a
//! participant put in a group (the entry saga's step, in the step's
//! commit) or taken out of it (its compensation), points added, the day
//! ended with its ranks, a reward claimed once.
//!
//! Each either applies or reports an [`EconomyConflict`] before it writes
//! anything it would have to undo, except [`GroupJoin`], which counts as
//! two writing guards so its batch always runs under a savepoint.
//!
//! Keeps the tournament's invariants: one tournament per game and day (its
//! key); no group over its size, also under concurrent entries (a join
//! first updates the tournament's row, which serializes joins of one
//! tournament across transactions and hosts, then fills the first group
//! with room or opens the next); a player in at most one group of a
//! tournament (the participant's key); no points after the ranks are final;
//! a reward claimed once. Breaking it: writing these tables outside a
//! batch.

use serde::{Deserialize, Serialize};

use super::batch::{name, text};
use super::economy_ops::EconomyConflict;
use super::error::StoreError;

/// A day's tournament, made unless it exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TournamentRow {
    pub game: String,
    /// The date, `YYYY-MM-DD`.
    pub tournament: String,
    pub component: String,
    pub version: String,
    /// The checked rules, JSON.
    pub rules: String,
    pub opens_at_ms: i64,
    pub entry_closes_at_ms: i64,
    pub ends_at_ms: i64,
    pub created_at_ms: i64,
}

/// Puts `player` in the first group with room (or a new one) of an open
/// tournament, as entry saga `saga_id`'s step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupJoin {
    pub game: String,
    pub tournament: String,
    pub player: String,
    /// Most players a group holds; at least 1.
    pub group_size: i64,
    pub saga_id: String,
    pub entered_at_ms: i64,
}

/// Takes `player` out of their group, if saga `saga_id` put them there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupLeave {
    pub game: String,
    pub tournament: String,
    pub player: String,
    pub saga_id: String,
}

/// Adds `points` to `player`'s score if they entered at or before `at_ms`
/// and the ranks are not final yet (otherwise nothing; never a conflict).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreAdd {
    pub game: String,
    pub tournament: String,
    pub player: String,
    pub points: i64,
    pub at_ms: i64,
}

/// Ends an open tournament: every participant's rank within the group
/// becomes final.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finalize {
    pub game: String,
    pub tournament: String,
    pub at_ms: i64,
}

/// Marks `player`'s reward (`reward`, maybe 0) claimed, once, after the
/// ranks are final. The credit itself is the batch's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardClaim {
    pub game: String,
    pub tournament: String,
    pub player: String,
    pub reward: i64,
    pub at_ms: i64,
}

/// One guarded tournament operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TournamentOp {
    Create(TournamentRow),
    Join(GroupJoin),
    Leave(GroupLeave),
    Score(ScoreAdd),
    Finalize(Finalize),
    Claim(RewardClaim),
}

impl TournamentOp {
    pub(crate) fn validate(&self) -> Result<(), StoreError> {
        let names = |values: &[&str]| {
            values
                .iter()
                .try_for_each(|v| name("tournament operation field", v))
        };
        match self {
            Self::Create(t) => {
                names(&[&t.game, &t.tournament, &t.component, &t.version])?;
                text("tournament rules", &t.rules)?;
                let ordered =
                    t.opens_at_ms < t.entry_closes_at_ms && t.entry_closes_at_ms <= t.ends_at_ms;
                if !ordered {
                    return Err(StoreError::invalid(
                        "tournament schedule",
                        "opens < entry closes <= ends",
                    ));
                }
                Ok(())
            }
            Self::Join(j) => {
                names(&[&j.game, &j.tournament, &j.player, &j.saga_id])?;
                if j.group_size < 1 {
                    return Err(StoreError::invalid("group size", "must be at least 1"));
                }
                Ok(())
            }
            Self::Leave(l) => names(&[&l.game, &l.tournament, &l.player, &l.saga_id]),
            Self::Score(s) => {
                names(&[&s.game, &s.tournament, &s.player])?;
                if s.points < 0 {
                    return Err(StoreError::invalid("points", "must be at least 0"));
                }
                Ok(())
            }
            Self::Finalize(f) => names(&[&f.game, &f.tournament]),
            Self::Claim(c) => {
                names(&[&c.game, &c.tournament, &c.player])?;
                if c.reward < 0 {
                    return Err(StoreError::invalid("reward", "must be at least 0"));
                }
                Ok(())
            }
        }
    }

    /// Writing guards it counts as (see the module's doc).
    pub(crate) fn writing_guards(&self) -> usize {
        match self {
            Self::Join(_) => 2,
            _ => 1,
        }
    }
}

/// The operations' SQL inside a backend's `sql_impl` module.
macro_rules! tournament_ops_sql {
    ($Db:ty) => {
        async fn apply_tournament_op(
            tx: &mut Tx,
            op: &$crate::store::tournament_ops::TournamentOp,
            now_ms: i64,
        ) -> Result<Option<$crate::store::economy_ops::EconomyConflict>, sqlx::Error> {
            use $crate::store::economy_ops::EconomyConflict as C;
            use $crate::store::tournament_ops::TournamentOp as Op;
            match op {
                Op::Create(t) => {
                    let done = sqlx::query::<$Db>(
                        "INSERT INTO tournaments (game, tournament, component, version, rules, \
                            opens_at_ms, entry_closes_at_ms, ends_at_ms, state, entries, \
                            group_count, created_at_ms, finalized_at_ms) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', 0, 0, $9, NULL) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(&t.game)
                    .bind(&t.tournament)
                    .bind(&t.component)
                    .bind(&t.version)
                    .bind(&t.rules)
                    .bind(t.opens_at_ms)
                    .bind(t.entry_closes_at_ms)
                    .bind(t.ends_at_ms)
                    .bind(t.created_at_ms)
                    .execute(&mut **tx)
                    .await?;
                    Ok((done.rows_affected() == 0).then(|| C::TournamentExists {
                        tournament: t.tournament.clone(),
                    }))
                }
                Op::Join(j) => join_group(tx, j, now_ms).await,
                Op::Leave(l) => leave_group(tx, l).await,
                Op::Score(s) => {
                    sqlx::query::<$Db>(
                        "UPDATE tournament_participants SET score = score + $4, updated_at_ms = $6 \
                         WHERE game = $1 AND tournament = $2 AND player = $3 \
                           AND entered_at_ms <= $5 AND final_rank IS NULL",
                    )
                    .bind(&s.game)
                    .bind(&s.tournament)
                    .bind(&s.player)
                    .bind(s.points)
                    .bind(s.at_ms)
                    .bind(now_ms)
                    .execute(&mut **tx)
                    .await?;
                    Ok(None)
                }
                Op::Finalize(f) => finalize(tx, f, now_ms).await,
                Op::Claim(c) => {
                    let done = sqlx::query::<$Db>(
                        "UPDATE tournament_participants \
                         SET reward = $4, claimed_at_ms = $5, updated_at_ms = $6 \
                         WHERE game = $1 AND tournament = $2 AND player = $3 \
                           AND final_rank IS NOT NULL AND claimed_at_ms IS NULL",
                    )
                    .bind(&c.game)
                    .bind(&c.tournament)
                    .bind(&c.player)
                    .bind(c.reward)
                    .bind(c.at_ms)
                    .bind(now_ms)
                    .execute(&mut **tx)
                    .await?;
                    Ok((done.rows_affected() == 0).then(|| C::AlreadyClaimed {
                        tournament: c.tournament.clone(),
                        player: c.player.clone(),
                    }))
                }
            }
        }

        /// The join: the tournament's row first (the lock that serializes
        /// joins), then the first group with room, then the participant.
        async fn join_group(
            tx: &mut Tx,
            j: &$crate::store::tournament_ops::GroupJoin,
            now_ms: i64,
        ) -> Result<Option<$crate::store::economy_ops::EconomyConflict>, sqlx::Error> {
            use $crate::store::economy_ops::EconomyConflict as C;
            let counted = sqlx::query::<$Db>(
                "UPDATE tournaments SET entries = entries + 1 \
                 WHERE game = $1 AND tournament = $2 AND state = 'open' RETURNING entries",
            )
            .bind(&j.game)
            .bind(&j.tournament)
            .fetch_optional(&mut **tx)
            .await?;
            if counted.is_none() {
                return Ok(Some($crate::store::tournament_ops::closed_conflict(&j.tournament)));
            }
            let entered = sqlx::query::<$Db>(
                "SELECT 1 FROM tournament_participants \
                 WHERE game = $1 AND tournament = $2 AND player = $3",
            )
            .bind(&j.game)
            .bind(&j.tournament)
            .bind(&j.player)
            .fetch_optional(&mut **tx)
            .await?;
            if entered.is_some() {
                return Ok(Some(C::AlreadyEntered {
                    tournament: j.tournament.clone(),
                    player: j.player.clone(),
                }));
            }
            let room = sqlx::query::<$Db>(
                "SELECT group_no FROM tournament_groups \
                 WHERE game = $1 AND tournament = $2 AND members < $3 \
                 ORDER BY group_no LIMIT 1",
            )
            .bind(&j.game)
            .bind(&j.tournament)
            .bind(j.group_size)
            .fetch_optional(&mut **tx)
            .await?;
            let group_no: i64 = match room {
                Some(row) => {
                    let group_no: i64 = row.try_get("group_no")?;
                    let filled = sqlx::query::<$Db>(
                        "UPDATE tournament_groups SET members = members + 1 \
                         WHERE game = $1 AND tournament = $2 AND group_no = $3 AND members < $4",
                    )
                    .bind(&j.game)
                    .bind(&j.tournament)
                    .bind(group_no)
                    .bind(j.group_size)
                    .execute(&mut **tx)
                    .await?;
                    if filled.rows_affected() != 1 {
                        // The tournament's row is held: nobody else fills it.
                        return Err(sqlx::Error::Protocol(format!(
                            "group {group_no} of {} filled under a held tournament row",
                            j.tournament
                        )));
                    }
                    group_no
                }
                None => {
                    let row = sqlx::query::<$Db>(
                        "UPDATE tournaments SET group_count = group_count + 1 \
                         WHERE game = $1 AND tournament = $2 RETURNING group_count",
                    )
                    .bind(&j.game)
                    .bind(&j.tournament)
                    .fetch_one(&mut **tx)
                    .await?;
                    let group_no: i64 = row.try_get("group_count")?;
                    sqlx::query::<$Db>(
                        "INSERT INTO tournament_groups (game, tournament, group_no, members) \
                         VALUES ($1, $2, $3, 1)",
                    )
                    .bind(&j.game)
                    .bind(&j.tournament)
                    .bind(group_no)
                    .execute(&mut **tx)
                    .await?;
                    group_no
                }
            };
            sqlx::query::<$Db>(
                "INSERT INTO tournament_participants (game, tournament, player, group_no, saga_id, \
                    score, entered_at_ms, final_rank, reward, claimed_at_ms, updated_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, 0, $6, NULL, NULL, NULL, $7)",
            )
            .bind(&j.game)
            .bind(&j.tournament)
            .bind(&j.player)
            .bind(group_no)
            .bind(&j.saga_id)
            .bind(j.entered_at_ms)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            Ok(None)
        }

        /// The undo of a join: the participant out, their group and the
        /// tournament counted down. Nothing to undo is no conflict.
        async fn leave_group(
            tx: &mut Tx,
            l: &$crate::store::tournament_ops::GroupLeave,
        ) -> Result<Option<$crate::store::economy_ops::EconomyConflict>, sqlx::Error> {
            let left = sqlx::query::<$Db>(
                "DELETE FROM tournament_participants \
                 WHERE game = $1 AND tournament = $2 AND player = $3 AND saga_id = $4 \
                 RETURNING group_no",
            )
            .bind(&l.game)
            .bind(&l.tournament)
            .bind(&l.player)
            .bind(&l.saga_id)
            .fetch_optional(&mut **tx)
            .await?;
            let Some(left) = left else {
                return Ok(None);
            };
            let group_no: i64 = left.try_get("group_no")?;
            sqlx::query::<$Db>(
                "UPDATE tournaments SET entries = entries - 1 WHERE game = $1 AND tournament = $2",
            )
            .bind(&l.game)
            .bind(&l.tournament)
            .execute(&mut **tx)
            .await?;
            sqlx::query::<$Db>(
                "UPDATE tournament_groups SET members = members - 1 \
                 WHERE game = $1 AND tournament = $2 AND group_no = $3",
            )
            .bind(&l.game)
            .bind(&l.tournament)
            .bind(group_no)
            .execute(&mut **tx)
            .await?;
            Ok(None)
        }

        /// The end of the day: the tournament `final`, then every rank.
        async fn finalize(
            tx: &mut Tx,
            f: &$crate::store::tournament_ops::Finalize,
            now_ms: i64,
        ) -> Result<Option<$crate::store::economy_ops::EconomyConflict>, sqlx::Error> {
            let ended = sqlx::query::<$Db>(
                "UPDATE tournaments SET state = 'final', finalized_at_ms = $3 \
                 WHERE game = $1 AND tournament = $2 AND state = 'open'",
            )
            .bind(&f.game)
            .bind(&f.tournament)
            .bind(f.at_ms)
            .execute(&mut **tx)
            .await?;
            if ended.rows_affected() == 0 {
                return Ok(Some($crate::store::tournament_ops::closed_conflict(&f.tournament)));
            }
            sqlx::query::<$Db>(
                "UPDATE tournament_participants SET final_rank = ranked.rank, updated_at_ms = $3 \
                 FROM (SELECT player, ROW_NUMBER() OVER ( \
                           PARTITION BY group_no ORDER BY score DESC, entered_at_ms, player \
                       ) AS rank \
                       FROM tournament_participants WHERE game = $1 AND tournament = $2) AS ranked \
                 WHERE tournament_participants.game = $1 \
                   AND tournament_participants.tournament = $2 \
                   AND tournament_participants.player = ranked.player",
            )
            .bind(&f.game)
            .bind(&f.tournament)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            Ok(None)
        }
    };
}
pub(crate) use tournament_ops_sql;

/// The conflict of an operation that needs tournament `tournament` open.
pub(crate) fn closed_conflict(tournament: &str) -> EconomyConflict {
    EconomyConflict::TournamentClosed {
        tournament: tournament.to_owned(),
    }
}
