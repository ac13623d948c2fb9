//! Entering the day's tournament: a command behind an `Idempotency-Key`,
//! run as a reservation saga on the host's saga machinery
//! (`crate::saga`, kind [`TOURNAMENT_ENTRY`]):
//!
//! INITIATED -> reserve the fee (a hold: `available` -> `held`) ->
//! FUNDS_RESERVED -> put the player in the first group with room
//! (a guarded operation in the step's own commit) -> GROUPED -> confirm:
//! the hold captured into the house wallet -> COMPLETED. A step that fails
//! turns the saga back: the player leaves their group and the hold is
//! released (the refund), to FAILED. A saga still short of COMPLETED when
//! its reservation expires (`reservation_ttl_ms` after the entry, on the
//! clock) is turned back by the scheduler (`super::schedule`).
//!
//! Before any saga starts, an entry is refused, each with its own error,
//! when the tournament is not taking entries (before it opens, at or after
//! its cut-off: [`TournamentError::EntryClosed`]), the player is in it
//! already ([`TournamentError::AlreadyEntered`]), their level is below the
//! rules' ([`TournamentError::LevelTooLow`]) or they have less than the fee
//! available ([`TournamentError::InsufficientFunds`]). A race past these
//! checks (two entries of one player at once, coins spent meanwhile) ends
//! in the saga: the loser is refunded and told why.
//!
//! The answer: 201 with the entry once the saga completed, 202 with it as
//! it stands after `saga.answer_wait_ms`; a retry with the same key shows
//! the entry as it stands then (the same group).

use axum::http::StatusCode;
use serde::Serialize;
use serde_json::json;

use super::Tournaments;
use super::day::{Day, instant};
use super::db::{self, Participant, TournamentRecord};
use super::error::TournamentError;
use super::schedule::EXPIRES_AT;
use crate::economy::wallet;
use crate::gateway::command::{Command, Stored};
use crate::market::Caller;
use crate::problem::Problem;
use crate::saga::kinds::TOURNAMENT_ENTRY;
use crate::saga::plan::{Capture, Plan, Settlement, Step};
use crate::saga::{SagaRecord, Status, record};
use crate::store::economy_ops::{EconomyOp, HOUSE, Payout};
use crate::store::{CommitBatch, StoreError};

/// The ledger reason of an entry fee paid to the house.
pub const FEE_REASON: &str = "tournament-fee";

/// An entry, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryView {
    pub tournament: String,
    pub player: String,
    /// The entry's saga.
    pub entry_id: String,
    /// `pending` (its saga runs), `entered` or `refunded`.
    pub status: String,
    /// The player's group once they are in one.
    pub group: Option<i64>,
    pub fee: i64,
    pub currency: String,
    /// The saga's state: INITIATED, FUNDS_RESERVED, GROUPED, COMPLETED,
    /// COMPENSATING or FAILED.
    pub state: String,
    pub failure: Option<String>,
}

impl Tournaments {
    /// Enters `caller` into the tournament `id` (a date) under `cmd`'s key.
    pub async fn enter(
        &self,
        caller: &Caller,
        cmd: &Command,
        id: &str,
    ) -> Result<Stored, TournamentError> {
        let day: Day = id.parse().map_err(TournamentError::Invalid)?;
        let game = &caller.game;
        let now = self.now_ms();
        let t = self.ensure(game, day).await?;
        let rules = &t.rules;
        if t.is_final() || !rules.entry_open(now) {
            return Err(TournamentError::EntryClosed {
                day: t.tournament.clone(),
                opens_at: instant(rules.opens_at_ms),
                closes_at: instant(rules.entry_closes_at_ms),
            });
        }
        if db::participant(&self.store, game, &t.tournament, &caller.player)
            .await?
            .is_some()
        {
            return Err(TournamentError::AlreadyEntered {
                day: t.tournament.clone(),
            });
        }
        let curve = self.rules.curve(game).await?;
        let xp = wallet::balance(&self.store, game, &caller.player, crate::progression::XP).await?;
        let level = curve.level_of(xp.available.saturating_add(xp.held));
        if level < rules.min_level {
            return Err(TournamentError::LevelTooLow {
                level,
                min: rules.min_level,
            });
        }
        let coins = wallet::balance(&self.store, game, &caller.player, &rules.currency).await?;
        if coins.available < rules.entry_fee {
            return Err(TournamentError::InsufficientFunds {
                fee: rules.entry_fee,
                available: coins.available,
                currency: rules.currency.clone(),
            });
        }
        let saga_id = crate::store::new_event_id();
        let plan = self.entry_plan(caller, &t, now);
        let row = self
            .sagas
            .row(
                game,
                &saga_id,
                TOURNAMENT_ENTRY,
                &plan,
                (&caller.player, &caller.player),
            )
            .map_err(|e| TournamentError::Component(e.to_string()))?;
        // What a retry replays: the entry's id (shown as it stands then).
        let answer = Stored::ok(StatusCode::ACCEPTED, &json!({ "entry_id": saga_id }));
        let event = caller.event(
            &caller.player,
            "TournamentEntryStarted",
            json!({ "saga_id": saga_id, "terms": plan.terms }),
        );
        let batch = CommitBatch {
            idempotency: Some(cmd.done(&answer)),
            ops: vec![EconomyOp::SagaStart(row)],
            events: vec![event],
            ..CommitBatch::default()
        };
        let watch = match self.sagas.begin(batch).await {
            Ok(watch) => watch,
            Err(StoreError::IdempotencyConflict { .. }) => return Err(TournamentError::InFlight),
            Err(e) => return Err(e.into()),
        };
        let saga = self.sagas.settle(watch).await;
        self.entry_answer(game, &saga_id, saga).await
    }

    /// The saga of an entry at `now`: hold the fee, join a group, pay the
    /// fee to the house.
    fn entry_plan(&self, caller: &Caller, t: &TournamentRecord, now: i64) -> Plan {
        let rules = &t.rules;
        let expires_at = now.saturating_add(self.config.reservation_ttl_ms as i64);
        Plan {
            steps: vec![
                Step::ReserveFunds {
                    player: caller.player.clone(),
                    currency: rules.currency.clone(),
                    amount: rules.entry_fee,
                },
                Step::JoinGroup {
                    tournament: t.tournament.clone(),
                    player: caller.player.clone(),
                    group_size: rules.group_size,
                    entered_at_ms: now,
                },
                Step::Settle(Settlement {
                    captures: vec![Capture {
                        step: 0,
                        payouts: vec![Payout {
                            player: HOUSE.into(),
                            amount: rules.entry_fee,
                            reason: FEE_REASON.into(),
                        }],
                    }],
                    items: Vec::new(),
                    listing: None,
                }),
            ],
            terms: json!({
                "tournament": t.tournament, "player": caller.player, "fee": rules.entry_fee,
                "currency": rules.currency, "entered_at_ms": now, EXPIRES_AT: expires_at,
            }),
            correlation_id: caller.correlation_id.clone(),
        }
    }

    /// The answer to an entry whose saga is `saga_id` (as `seen`, or read
    /// now): 201 entered, 202 pending, or the refusal that ended it.
    pub async fn entry_answer(
        &self,
        game: &str,
        saga_id: &str,
        seen: Option<SagaRecord>,
    ) -> Result<Stored, TournamentError> {
        let saga = match seen {
            Some(saga) => saga,
            None => record::get(&self.store, game, saga_id)
                .await?
                .ok_or_else(|| TournamentError::Invalid(format!("no entry `{saga_id}`")))?,
        };
        let terms = &saga.plan.terms;
        let text = |field: &str| terms[field].as_str().unwrap_or_default().to_owned();
        let tournament = text("tournament");
        let participant = db::participant(&self.store, game, &tournament, &saga.initiator)
            .await?
            .filter(|p: &Participant| p.saga_id == saga.saga_id);
        let status = match saga.status {
            Status::Completed => "entered",
            Status::Running => "pending",
            Status::Failed => {
                let log = record::log(&self.store, game, saga_id).await?;
                let problem: Problem = refusal(&saga, &log, &tournament).into();
                return Ok(Stored::of_problem(&problem));
            }
        };
        let view = EntryView {
            tournament,
            player: saga.initiator.clone(),
            entry_id: saga.saga_id.clone(),
            status: status.into(),
            group: participant.map(|p| p.group_no),
            fee: terms["fee"].as_i64().unwrap_or_default(),
            currency: text("currency"),
            state: saga.label.clone(),
            failure: saga.failure.clone(),
        };
        let code = if saga.status == Status::Completed {
            StatusCode::CREATED
        } else {
            StatusCode::ACCEPTED
        };
        Ok(Stored::ok(code, &view))
    }

    /// The entry a replayed answer names, as it stands now (`None` if the
    /// stored answer is not an entry's start).
    pub async fn replayed_entry(
        &self,
        game: &str,
        stored: &Stored,
    ) -> Option<Result<Stored, TournamentError>> {
        let id = stored.body.get("entry_id")?.as_str()?;
        if stored.problem || stored.body.as_object()?.len() != 1 {
            return None;
        }
        Some(self.entry_answer(game, id, None).await)
    }
}

/// Why a failed entry saga failed, as its refusal: a second entry of a
/// player already in (a race past the checks), or the failure it records
/// (refunded).
fn refusal(saga: &SagaRecord, log: &[crate::saga::LogEntry], tournament: &str) -> TournamentError {
    let failed = log
        .iter()
        .rev()
        .find(|e| e.phase == "forward" && e.outcome != "done");
    let already = failed.is_some_and(|e| {
        e.step == "join-group"
            && e.error
                .as_deref()
                .is_some_and(|why| why.contains("has already entered"))
    });
    if already {
        return TournamentError::AlreadyEntered {
            day: tournament.to_owned(),
        };
    }
    TournamentError::EntryFailed(
        saga.failure
            .clone()
            .unwrap_or_else(|| "the entry did not complete".into()),
    )
}
