//! The action path of [`Arena`]: [`Arena::submit`] and the key's
//! reservation on this host (see the parent module's doc for the path).

use std::sync::Arc;

use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot};

use super::{Arena, MAX_KEY_BYTES, check_name};
use crate::arena::actor::Command;
use crate::arena::error::ArenaError;
use crate::arena::record::{ActionOutcome, MatchRecord, MatchStatus, Submission};
use crate::gateway::inflight::{Clash, Reserved};
use crate::runtime::bindings::types::ActionKind;
use crate::store::Begun;

impl Arena {
    /// Submits one action; see the module doc for the path. A retry with
    /// the same key answers the stored outcome, marked `replayed`. Each
    /// outcome is counted in `idempo_actions_total` (accepted, rejected by
    /// the rules, replayed); a refused request (not a member, key in use,
    /// ...) is not an action and is not.
    pub async fn submit(&self, submission: Submission) -> Result<ActionOutcome, ArenaError> {
        let answer = self.submit_once(submission).await;
        if let Ok(outcome) = &answer {
            let label = if outcome.replayed {
                crate::metrics::REPLAYED
            } else if outcome.accepted() {
                crate::metrics::ACCEPTED
            } else {
                crate::metrics::REJECTED
            };
            crate::metrics::global().actions.with(&[label]).inc();
        }
        answer
    }

    async fn submit_once(&self, submission: Submission) -> Result<ActionOutcome, ArenaError> {
        let s = &submission;
        check_name("game", &s.game)?;
        check_name("player", &s.player)?;
        check_name("match id", &s.match_id)?;
        check_name("idempotency key", &s.idempotency_key)?;
        if let Some(stamp) = &s.stamp {
            check_name("stamp", stamp)?;
        }
        if s.idempotency_key.len() > MAX_KEY_BYTES {
            return Err(ArenaError::invalid(
                "idempotency key",
                format!("longer than {MAX_KEY_BYTES} bytes"),
            ));
        }
        let record = match self.running_record(&s.game, &s.match_id) {
            Some(record) => record,
            None => Arc::new(self.record(&s.game, &s.match_id).await?),
        };
        if !record.is_member(&s.player) {
            return Err(ArenaError::NotAMember {
                player: s.player.clone(),
                match_id: s.match_id.clone(),
            });
        }
        let request_hash = request_hash(&s.match_id, &s.kind, s.stamp.as_deref());
        // The key is reserved on this host, which alone runs the match,
        // while its action runs (in memory: no write on the way in); the
        // actor's commit records it done.
        let _reserved = self.reserve(s, &request_hash)?;
        // A key seen before answers from its record.
        let now_ms = self.clock.now_ms();
        if let Some(record) = self
            .store
            .idempotency_get(&s.game, &s.player, &s.idempotency_key, now_ms)
            .await?
        {
            return self.answer_of(&record.answer(&request_hash), s);
        }
        match self
            .to_actor(&record, submission.clone(), request_hash.clone())
            .await
        {
            // Another request recorded the key between the read and the
            // commit: its answer stands.
            Err(ArenaError::InFlight { .. }) => {
                let now_ms = self.clock.now_ms();
                match self
                    .store
                    .idempotency_get(&s.game, &s.player, &s.idempotency_key, now_ms)
                    .await?
                {
                    Some(record) => self.answer_of(&record.answer(&request_hash), s),
                    None => Err(ArenaError::InFlight {
                        key: s.idempotency_key.clone(),
                    }),
                }
            }
            answer => answer,
        }
    }

    /// The answer a key's record gives.
    fn answer_of(&self, begun: &Begun, s: &Submission) -> Result<ActionOutcome, ArenaError> {
        let key = s.idempotency_key.clone();
        match begun {
            Begun::Replay { response } => replayed(response, &s.match_id),
            Begun::Mismatch => Err(ArenaError::KeyReused { key }),
            Begun::InFlight | Begun::New { .. } => Err(ArenaError::InFlight { key }),
        }
    }

    /// Reserves `s`'s key on this host until the guard drops: a second
    /// request with it meanwhile is in flight (409), or another payload (422).
    fn reserve(&self, s: &Submission, request_hash: &str) -> Result<Reserved, ArenaError> {
        let key = || s.idempotency_key.clone();
        self.inflight
            .reserve(&s.game, &s.player, &s.idempotency_key, request_hash)
            .map_err(|clash| match clash {
                Clash::InFlight => ArenaError::InFlight { key: key() },
                Clash::Reused => ArenaError::KeyReused { key: key() },
            })
    }

    async fn to_actor(
        &self,
        record: &MatchRecord,
        submission: Submission,
        request_hash: String,
    ) -> Result<ActionOutcome, ArenaError> {
        let match_id = record.match_id.clone();
        let Some(tx) = self.handle(&record.game, &match_id) else {
            return Err(self.not_running(record, false).await);
        };
        let (reply, answer) = oneshot::channel();
        let command = Command::Submit {
            submission,
            request_hash,
            reply,
            span: tracing::Span::current(),
        };
        match tx.try_send(command) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => return Err(ArenaError::Busy { match_id }),
            Err(mpsc::error::TrySendError::Closed(_)) => {
                return Err(self.not_running(record, true).await);
            }
        }
        match answer.await {
            Ok(answer) => answer,
            // The actor ended without answering: the match just finished,
            // or the actor stopped.
            Err(_) => Err(self.not_running(record, true).await),
        }
    }

    /// Why a match has no actor here: over, stopped here, or run elsewhere.
    async fn not_running(&self, record: &MatchRecord, was_here: bool) -> ArenaError {
        let match_id = record.match_id.clone();
        match self.record(&record.game, &match_id).await {
            Ok(now) if now.status == MatchStatus::Finished => ArenaError::MatchOver { match_id },
            Ok(_) if was_here => ArenaError::Stopped { match_id },
            Ok(_) => ArenaError::NotOwnedHere { match_id },
            Err(e) => e,
        }
    }
}

/// The digest an idempotency record keeps of an action request: the same
/// key with another match, action or stamp is another payload.
pub fn request_hash(match_id: &str, kind: &ActionKind, stamp: Option<&str>) -> String {
    let body = serde_json::json!({ "match_id": match_id, "action": kind, "stamp": stamp });
    hex::encode(Sha256::digest(body.to_string().as_bytes()))
}

/// The stored outcome of a completed request, marked as a replay.
fn replayed(response: &str, match_id: &str) -> Result<ActionOutcome, ArenaError> {
    let mut outcome: ActionOutcome =
        serde_json::from_str(response).map_err(|e| ArenaError::CorruptLog {
            match_id: match_id.into(),
            why: format!("stored response: {e}"),
        })?;
    outcome.replayed = true;
    Ok(outcome)
}
