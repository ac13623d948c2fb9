//! A round of actions: the submits queued for a match's actor, stepped one
//! after another on the match as the round's earlier steps leave it, then
//! committed as one chain of batches ([`crate::store::Chain`]), so they
//! share a group commit instead of waiting for each other's.
//!
//! Only a committed step reaches the match in memory, in order. A step
//! whose batch fails is answered with its error; every later one of the
//! round was stepped on top of it, so its chain breaks and nothing of them
//! commits: they run again in the next round, on the match as it was
//! committed. A refusal (a dead fighter, a match over, a failed call)
//! answered in a round is as the round's committed steps left the match:
//! a refusal after a failed step runs again too. Each action's checks,
//! call and commit stay in the span of the request that asked.

use tokio::sync::oneshot;
use tracing::Instrument as _;

use super::actor::{Actor, Command, is_fatal};
use super::error::ArenaError;
use super::live::Step;
use super::record::{ActionOutcome, Submission};
use crate::store::{Chain, StoreError};

/// The most submits one round takes.
const MAX_ROUND: usize = 64;

/// A submit waiting for its answer.
pub struct Pending {
    pub submission: Submission,
    pub request_hash: String,
    pub reply: oneshot::Sender<Result<ActionOutcome, ArenaError>>,
    pub span: tracing::Span,
}

/// What a round made of one submit.
#[allow(
    clippy::large_enum_variant,
    reason = "nearly every submit is stepped; boxing it would cost each action an allocation"
)]
enum Made {
    /// Stepped: its batch is the next of the round's chain.
    Stepped { outcome: ActionOutcome, step: Step },
    /// Refused before any batch.
    Refused(ArenaError),
}

impl Actor {
    /// `first` and the submits queued behind it, up to [`MAX_ROUND`]; a
    /// command of another kind met on the way is held for next.
    pub(super) fn gather(&mut self, first: Pending) -> Vec<Pending> {
        let mut round = vec![first];
        while round.len() < MAX_ROUND && self.held.is_none() {
            match self.rx.try_recv() {
                Ok(Command::Submit {
                    submission,
                    request_hash,
                    reply,
                    span,
                }) => round.push(Pending {
                    submission,
                    request_hash,
                    reply,
                    span,
                }),
                Ok(other) => self.held = Some(other),
                Err(_) => break,
            }
        }
        round
    }

    /// Answers every submit of `round`, in rounds until none is left (each
    /// answers at least its first). An error stops the actor.
    pub(super) async fn submit_round(&mut self, mut round: Vec<Pending>) -> Result<(), ArenaError> {
        while !round.is_empty() {
            round = self.run_round(round).await?;
        }
        Ok(())
    }

    /// One round: the ticks due, then each submit's step and batch, one
    /// commit of the chain, and the answers. Returns the submits to run
    /// again (those after a failed step).
    async fn run_round(&mut self, round: Vec<Pending>) -> Result<Vec<Pending>, ArenaError> {
        let mut round = round.into_iter();
        let Some(first) = round.next() else {
            return Ok(Vec::new());
        };
        let span = first.span.clone();
        let lease = async {
            self.catch_up().await?;
            let now_ms = self.now_ms();
            Ok((self.lease(now_ms).await?, now_ms))
        }
        .instrument(span)
        .await;
        let (lease, now_ms) = match lease {
            Ok(held) => held,
            Err(e) => {
                // The first is answered; the rest try again on their own.
                self.answer(first, Err(e))?;
                return Ok(round.collect());
            }
        };
        let mut spec = self.live.clone();
        let chain = Chain::new();
        let mut made = Vec::new();
        let mut batches = Vec::new();
        for pending in std::iter::once(first).chain(round.by_ref()) {
            let prepared = self
                .prepare(
                    &spec,
                    &pending.submission,
                    pending.request_hash.clone(),
                    &lease,
                    now_ms,
                )
                .instrument(pending.span.clone())
                .await;
            match prepared {
                Ok((outcome, step, mut batch)) => {
                    batch.chain = Some(chain.clone());
                    spec.take(&step);
                    batches.push((batch, pending.span.clone()));
                    made.push((pending, Made::Stepped { outcome, step }));
                }
                Err(e) => {
                    // After a fatal refusal nothing more is stepped: the
                    // rest go unanswered when the actor stops.
                    let fatal = is_fatal(&e);
                    made.push((pending, Made::Refused(e)));
                    if fatal {
                        break;
                    }
                }
            }
        }
        let mut results = self.deps.store.commit_each(batches).await.into_iter();
        let mut again = Vec::new();
        let mut broken = false;
        for (pending, made) in made {
            if broken {
                again.push(pending);
                continue;
            }
            let answer = match made {
                Made::Refused(e) => Err(e),
                Made::Stepped { outcome, step } => {
                    match results.next().unwrap_or(Err(StoreError::Closed)) {
                        Ok(_) => {
                            // What the step logs is of the request's span.
                            pending.span.in_scope(|| self.committed(step));
                            Ok(outcome)
                        }
                        Err(StoreError::ChainBroken) => {
                            broken = true;
                            again.push(pending);
                            continue;
                        }
                        Err(e) => {
                            broken = true;
                            Err(refusal(e))
                        }
                    }
                }
            };
            self.answer(pending, answer)?;
        }
        Ok(again)
    }

    /// Sends `pending` its answer; a fatal error stops the actor.
    fn answer(
        &self,
        pending: Pending,
        answer: Result<ActionOutcome, ArenaError>,
    ) -> Result<(), ArenaError> {
        let fatal = answer.as_ref().err().is_some_and(is_fatal);
        if let Err(e) = &answer
            && fatal
        {
            tracing::error!(match_id = %self.live.record.match_id, error = %e,
                "an action's step failed");
        }
        let _ = pending.reply.send(answer);
        if fatal {
            return Err(ArenaError::Stopped {
                match_id: self.live.record.match_id.clone(),
            });
        }
        Ok(())
    }
}

/// The answer of an action whose batch failed: a conflict of its own is
/// the player's to see; anything else is the store's failure.
fn refusal(e: StoreError) -> ArenaError {
    match e {
        StoreError::IdempotencyConflict { key, .. } => ArenaError::InFlight { key },
        StoreError::ItemUnavailable { item_id, .. } => {
            ArenaError::StampUnavailable { stamp: item_id }
        }
        e => ArenaError::Store(e),
    }
}
