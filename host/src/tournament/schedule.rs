//! The scheduler: what happens to tournaments as the clock moves. Every
//! host runs it (at start, then every `scheduler_every_ms` of the clock, at
//! each 00:00 UTC and at each tournament's end), and each of its writes is
//! guarded, so hosts that run it together do each thing once:
//!
//! - **00:00 UTC**: the day's tournament is made with the rules the active
//!   tournament component gives for the day ([`Tournaments::ensure`]); its
//!   key is the date, so two hosts make one (the loser reads the winner's);
//! - **the end** (23:59 UTC by the standard rules): every open tournament
//!   whose end passed is made final and its ranks written, in one guarded
//!   operation ([`Tournaments::finalize_due`]);
//! - **reservations**: an entry saga still going forward once its
//!   reservation expired (`reservation_ttl_ms` after the entry, on the
//!   clock) is turned back through the saga log, which refunds the held fee
//!   and takes the player out of their group if they were put in one
//!   ([`Tournaments::expire_reservations`]). Whichever comes first, the
//!   saga's confirmation or its expiry, wins; the other finds it moved.

use std::sync::Arc;

use serde_json::json;
use tokio::sync::watch;

use super::day::Day;
use super::db::{self, TournamentRecord};
use super::{TournamentError, Tournaments};
use crate::economy::rewards::ECONOMY_EVENTS;
use crate::runtime::EmittedEvent;
use crate::saga::kinds::TOURNAMENT_ENTRY;
use crate::saga::record;
use crate::store::economy_ops::{EconomyConflict, EconomyOp};
use crate::store::tournament_ops::{Finalize, TournamentOp, TournamentRow};
use crate::store::{CommitBatch, EventMeta, OutboxEvent, StoreError};

/// Most tournaments one round finalizes.
const MAX_FINALIZED_PER_ROUND: u32 = 16;
/// Most entry sagas one round looks at for expiry.
const MAX_EXPIRY_SCAN: u32 = 500;

/// The terms field of an entry saga that holds when its reservation
/// expires (the clock's Unix milliseconds).
pub const EXPIRES_AT: &str = "expires_at_ms";

impl Tournaments {
    /// The tournament of `day` if it is made; `day` is made now if it is
    /// today and is not yet. `NoTournament` when there is none (a day in
    /// the future, a day the component gives no rules for, a past day
    /// nobody made).
    pub async fn ensure(&self, game: &str, day: Day) -> Result<TournamentRecord, TournamentError> {
        let id = day.to_string();
        if let Some(found) = db::tournament(&self.store, game, &id).await? {
            return Ok(found);
        }
        let today = Day::of(self.now_ms());
        if day != today {
            let why = if day > today {
                "it is made at 00:00 UTC of its day"
            } else {
                "none was made that day"
            };
            return Err(TournamentError::NoTournament {
                day: id,
                why: why.into(),
            });
        }
        let (component, rules) = self.rules.rules_for(game, day).await?;
        let rules = rules.map_err(|why| TournamentError::NoTournament {
            day: id.clone(),
            why,
        })?;
        let row = TournamentRow {
            game: game.to_owned(),
            tournament: id.clone(),
            component: component.name.clone(),
            version: component.version.to_string(),
            rules: serde_json::to_string(&rules)
                .map_err(|e| StoreError::invalid("tournament rules", e.to_string()))?,
            opens_at_ms: rules.opens_at_ms,
            entry_closes_at_ms: rules.entry_closes_at_ms,
            ends_at_ms: rules.ends_at_ms,
            created_at_ms: self.now_ms(),
        };
        let event = self.event(
            game,
            &id,
            "TournamentCreated",
            json!({ "tournament": id, "component": row.component, "version": row.version,
                    "rules": rules }),
        );
        let batch = CommitBatch {
            ops: vec![EconomyOp::Tournament(TournamentOp::Create(row))],
            events: vec![event],
            ..CommitBatch::default()
        };
        match self.store.commit(batch).await {
            Ok(_) => tracing::info!(%game, tournament = %id, "tournament made"),
            Err(StoreError::Economy(EconomyConflict::TournamentExists { .. })) => {}
            Err(e) => return Err(e.into()),
        }
        db::tournament(&self.store, game, &id)
            .await?
            .ok_or_else(|| TournamentError::NoTournament {
                day: id,
                why: "it was made and is gone".into(),
            })
    }

    /// Makes final every open tournament of `game` whose end passed; how
    /// many this call did.
    pub async fn finalize_due(&self, game: &str) -> Result<usize, TournamentError> {
        let now = self.now_ms();
        let mut done = 0;
        for id in db::due(&self.store, game, now, MAX_FINALIZED_PER_ROUND).await? {
            let event = self.event(
                game,
                &id,
                "TournamentFinalized",
                json!({ "tournament": id }),
            );
            let batch = CommitBatch {
                ops: vec![EconomyOp::Tournament(TournamentOp::Finalize(Finalize {
                    game: game.to_owned(),
                    tournament: id.clone(),
                    at_ms: now,
                }))],
                events: vec![event],
                ..CommitBatch::default()
            };
            match self.store.commit(batch).await {
                Ok(_) => {
                    tracing::info!(%game, tournament = %id, "tournament final: ranks written");
                    self.boards.forget(game, &id);
                    done += 1;
                }
                Err(StoreError::Economy(EconomyConflict::TournamentClosed { .. })) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(done)
    }

    /// Turns back every entry saga of `game` whose reservation expired
    /// unconfirmed; how many this call turned.
    pub async fn expire_reservations(&self, game: &str) -> Result<usize, TournamentError> {
        let now = self.now_ms();
        let sagas =
            record::forward_of_kind(&self.store, game, TOURNAMENT_ENTRY, MAX_EXPIRY_SCAN).await?;
        let mut turned = 0;
        for saga in sagas {
            let expires = saga.plan.terms[EXPIRES_AT].as_i64().unwrap_or(i64::MAX);
            if expires > now {
                continue;
            }
            let why = format!(
                "the reservation expired unconfirmed after {} ms",
                self.config.reservation_ttl_ms
            );
            if self.sagas.abort(game, &saga.saga_id, &why).await? {
                tracing::info!(%game, saga_id = %saga.saga_id, "an entry's reservation expired");
                turned += 1;
            }
        }
        Ok(turned)
    }

    /// One round of the scheduler at the clock's now; the instant of the
    /// next.
    pub async fn tick(&self, game: &str) -> i64 {
        let now = self.now_ms();
        let today = Day::of(now);
        let mut next = now
            .saturating_add(self.config.scheduler_every_ms.max(1) as i64)
            .min(today.next().start_ms());
        match self.ensure(game, today).await {
            Ok(t) if t.rules.ends_at_ms > now => next = next.min(t.rules.ends_at_ms),
            Ok(_) => {}
            Err(TournamentError::NoTournament { why, .. }) => {
                tracing::debug!(%game, day = %today, %why, "no tournament today");
            }
            // `/readyz` names a missing component; no line a second here.
            Err(TournamentError::Component(why)) => {
                tracing::debug!(%game, %why, "no tournament component to make today's tournament");
            }
            Err(e) => tracing::warn!(%game, error = %e, "could not make today's tournament"),
        }
        if let Err(e) = self.finalize_due(game).await {
            tracing::warn!(%game, error = %e, "could not end the tournaments due");
        }
        if let Err(e) = self.expire_reservations(game).await {
            tracing::warn!(%game, error = %e, "could not expire reservations");
        }
        next
    }

    /// An `economy-events` event of the tournament `id`, keyed by it.
    fn event(
        &self,
        game: &str,
        id: &str,
        event_type: &str,
        payload: serde_json::Value,
    ) -> OutboxEvent {
        let meta = EventMeta {
            game: game.to_owned(),
            correlation_id: None,
            traceparent: None,
            created_at_ms: self.now_ms(),
        };
        let emitted = EmittedEvent {
            topic: ECONOMY_EVENTS.into(),
            key: id.to_owned(),
            event_type: event_type.into(),
            payload,
        };
        OutboxEvent::from_emitted(&emitted, &meta)
    }
}

/// Runs the scheduler of `game` until `stopped`: a round, then a sleep on
/// the tournament's clock until the next round is due.
pub async fn schedule_until(
    tournaments: Arc<Tournaments>,
    game: String,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let next = tournaments.tick(&game).await;
        tokio::select! {
            () = tournaments.clock.sleep_until(next) => {}
            _ = stopped.changed() => return,
        }
    }
}
