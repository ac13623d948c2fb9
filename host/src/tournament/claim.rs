//! Claiming a reward: a command behind an `Idempotency-Key`, once the
//! tournament is final. The reward is what the rules pay the player's final
//! rank within their group (0 below the paid ranks), credited in the
//! rules' currency (minted, reason [`REWARD_REASON`]) in the batch that
//! marks it claimed, with the key's record, a `TournamentRewardClaimed`
//! event and a `tournament` notice.
//!
//! A reward is claimed once: the claim is a guarded operation on the
//! participant's row and its credit's ledger key derives from the
//! tournament and the player. A retried claim, with the same key or
//! another, answers the claim as it was made (200, the same body).

use axum::http::StatusCode;
use serde::Serialize;
use serde_json::json;

use super::Tournaments;
use super::day::instant;
use super::db::{self, Participant, TournamentRecord};
use super::error::TournamentError;
use crate::economy::rewards::credit_key;
use crate::gateway::command::{Command, Stored};
use crate::market::Caller;
use crate::store::economy_ops::{EconomyConflict, EconomyOp};
use crate::store::tournament_ops::{RewardClaim, TournamentOp};
use crate::store::{CommitBatch, Credit, Notice, StoreError};

/// The ledger reason of a tournament reward (it mints).
pub const REWARD_REASON: &str = "tournament-reward";

/// A claimed reward, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimView {
    pub tournament: String,
    pub player: String,
    pub group: i64,
    /// The final rank within the group; 1 is first.
    pub rank: i64,
    /// What it paid (0 below the paid ranks).
    pub reward: i64,
    pub currency: String,
    pub claimed_at_ms: i64,
}

/// The ledger reference of tournament `id`'s rewards.
pub fn reference(id: &str) -> String {
    format!("tournament:{id}")
}

impl Tournaments {
    /// Claims `caller`'s reward of tournament `id` under `cmd`'s key.
    pub async fn claim(
        &self,
        caller: &Caller,
        cmd: &Command,
        id: &str,
    ) -> Result<Stored, TournamentError> {
        let game = &caller.game;
        let t = self.read(game, id).await?;
        if !t.is_final() {
            return Err(TournamentError::NotFinal {
                day: t.tournament.clone(),
                ends_at: instant(t.rules.ends_at_ms),
            });
        }
        let p = self.participant(game, &t, &caller.player).await?;
        if p.claimed_at_ms.is_some() {
            return Ok(self.claimed(cmd, &t, &p).await);
        }
        let rank = p.final_rank.unwrap_or_default();
        let reward = t.rules.reward_for(rank);
        let now = self.now_ms();
        let view = ClaimView {
            tournament: t.tournament.clone(),
            player: p.player.clone(),
            group: p.group_no,
            rank,
            reward,
            currency: t.rules.currency.clone(),
            claimed_at_ms: now,
        };
        let answer = Stored::ok(StatusCode::OK, &view);
        let mut batch = CommitBatch {
            idempotency: Some(cmd.done(&answer)),
            ops: vec![EconomyOp::Tournament(TournamentOp::Claim(RewardClaim {
                game: game.clone(),
                tournament: t.tournament.clone(),
                player: p.player.clone(),
                reward,
                at_ms: now,
            }))],
            events: vec![caller.event(
                &p.player,
                "TournamentRewardClaimed",
                json!({ "tournament": t.tournament, "player": p.player, "group": p.group_no,
                        "rank": rank, "reward": reward, "currency": t.rules.currency }),
            )],
            ..CommitBatch::default()
        };
        if reward > 0 {
            let reference = reference(&t.tournament);
            batch.economy.credits.push(Credit {
                game: game.clone(),
                player: p.player.clone(),
                currency: t.rules.currency.clone(),
                amount: reward,
                reason: REWARD_REASON.into(),
                key: credit_key(&reference, &p.player, &t.rules.currency),
                reference,
            });
        }
        batch.economy.notices.push(Notice {
            game: game.clone(),
            player: p.player.clone(),
            kind: "tournament".into(),
            body: json!({ "tournament": t.tournament, "claimed": view }).to_string(),
        });
        match self.store.commit(batch).await {
            Ok(_) => Ok(answer),
            // Claimed meanwhile under another key: that claim is the answer.
            Err(StoreError::Economy(EconomyConflict::AlreadyClaimed { .. })) => {
                let p = self.participant(game, &t, &caller.player).await?;
                Ok(self.claimed(cmd, &t, &p).await)
            }
            Err(StoreError::IdempotencyConflict { .. }) => Err(TournamentError::InFlight),
            Err(e) => Err(e.into()),
        }
    }

    /// The answer of a reward claimed before, stored under `cmd`'s key too
    /// (so the key replays it).
    async fn claimed(&self, cmd: &Command, t: &TournamentRecord, p: &Participant) -> Stored {
        let view = ClaimView {
            tournament: t.tournament.clone(),
            player: p.player.clone(),
            group: p.group_no,
            rank: p.final_rank.unwrap_or_default(),
            reward: p.reward.unwrap_or_default(),
            currency: t.rules.currency.clone(),
            claimed_at_ms: p.claimed_at_ms.unwrap_or_default(),
        };
        let answer = Stored::ok(StatusCode::OK, &view);
        let record = CommitBatch {
            idempotency: Some(cmd.done(&answer)),
            ..CommitBatch::default()
        };
        if let Err(e) = self.store.commit(record).await {
            tracing::warn!(error = %e, "recording a repeated claim's answer failed");
        }
        answer
    }

    /// `player`'s participation in `t`, or `NotEntered`.
    pub(crate) async fn participant(
        &self,
        game: &str,
        t: &TournamentRecord,
        player: &str,
    ) -> Result<Participant, TournamentError> {
        db::participant(&self.store, game, &t.tournament, player)
            .await?
            .ok_or_else(|| TournamentError::NotEntered {
                day: t.tournament.clone(),
            })
    }
}
