//! How the arena's refusals read over HTTP: [`ArenaError`] -> [`Problem`],
//! in one place, for the routes ([`super::routes`]) and anything else that
//! answers a player (the WebSocket's `error` messages).
//!
//! | error | status | `type` |
//! |---|---|---|
//! | `Invalid` | 400 | `invalid-request` |
//! | `UnknownMatch` | 404 | `unknown-match` |
//! | `NotQueued` | 404 | `not-queued` |
//! | `NotAMember` | 403 | `not-a-member` |
//! | `DeadFighter` | 409 | `dead-fighter` |
//! | `MatchOver` | 409 | `match-over` |
//! | `StampUnavailable` | 409 | `stamp-unavailable` |
//! | `AlreadyQueued` | 409 | `already-queued` |
//! | `AlreadyInMatch` | 409 | `already-in-match`, extension `match_id` |
//! | `InFlight` | 409 | `idempotency-key-in-flight` |
//! | `KeyReused` | 422 | `idempotency-key-reused` |
//! | `QueueFull`, `Busy`, `Stopped`, `NotOwnedHere`, `PinnedVersionMissing`, `Registry`, `Component` | 503 + `Retry-After: 1` | `queue-full`, `match-busy`, `match-stopped`, `match-elsewhere`, `pinned-version-missing`, `component-unavailable` (both of the last) |
//! | `Store`, `CorruptLog`, `Config` | 500 | `internal` (cause logged, not shown) |
//!
//! A 503 is back-pressure or a match between owners: retrying the same
//! request with the same idempotency key is always safe.

use axum::http::StatusCode;

use super::error::ArenaError;
use crate::problem::Problem;

/// Seconds a client waits before retrying a 503 of the arena.
pub const RETRY_AFTER_SECS: u64 = 1;

impl From<ArenaError> for Problem {
    fn from(e: ArenaError) -> Self {
        use ArenaError as E;
        let detail = e.to_string();
        let problem = |status, kind, title| Problem::new(status, kind, title, detail.clone());
        let unavailable = |kind, title| {
            problem(StatusCode::SERVICE_UNAVAILABLE, kind, title).retry_after(RETRY_AFTER_SECS)
        };
        match &e {
            E::Invalid { .. } => problem(
                StatusCode::BAD_REQUEST,
                "invalid-request",
                "Invalid request",
            ),
            E::UnknownMatch { .. } => {
                problem(StatusCode::NOT_FOUND, "unknown-match", "No such match")
            }
            E::NotQueued { .. } => problem(
                StatusCode::NOT_FOUND,
                "not-queued",
                "Not waiting in the queue",
            ),
            E::NotAMember { .. } => problem(
                StatusCode::FORBIDDEN,
                "not-a-member",
                "Not a fighter of this match",
            ),
            E::DeadFighter { .. } => {
                problem(StatusCode::CONFLICT, "dead-fighter", "Your fighter is dead")
            }
            E::MatchOver { .. } => problem(StatusCode::CONFLICT, "match-over", "The match is over"),
            E::StampUnavailable { .. } => problem(
                StatusCode::CONFLICT,
                "stamp-unavailable",
                "Stamp cannot be spent",
            ),
            E::AlreadyQueued { .. } => problem(
                StatusCode::CONFLICT,
                "already-queued",
                "Already waiting in the queue",
            ),
            E::AlreadyInMatch { match_id, .. } => problem(
                StatusCode::CONFLICT,
                "already-in-match",
                "Already fighting in a match",
            )
            .with("match_id", match_id),
            E::InFlight { .. } => problem(
                StatusCode::CONFLICT,
                "idempotency-key-in-flight",
                "A request with this idempotency key is in progress",
            ),
            E::KeyReused { .. } => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "Idempotency key already used for another request",
            ),
            E::QueueFull { .. } => unavailable("queue-full", "The queue is full"),
            E::Busy { .. } => unavailable("match-busy", "The match is busy"),
            E::Stopped { .. } => unavailable("match-stopped", "The match is restarting"),
            E::NotOwnedHere { .. } => {
                unavailable("match-elsewhere", "The match is run by another host")
            }
            E::PinnedVersionMissing { .. } => unavailable(
                "pinned-version-missing",
                "The match's combat version is not loaded",
            ),
            E::Registry(_) | E::Component(_) => {
                // The component's own words may name host internals: logged.
                tracing::warn!(error = %e, "the combat component is unavailable");
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "component-unavailable",
                    "The combat component is unavailable",
                    "the combat component could not serve this request; retry shortly",
                )
                .retry_after(RETRY_AFTER_SECS)
            }
            E::Store(_) | E::CorruptLog { .. } | E::Config(_) => Problem::internal("the arena", &e),
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::header;
    use axum::response::IntoResponse as _;

    use super::*;
    use crate::store::StoreError;

    fn status_and_type(e: ArenaError) -> (u16, String) {
        let p = Problem::from(e);
        let kind = p.kind.rsplit('/').next().unwrap_or_default().to_owned();
        (p.status, kind)
    }

    #[test]
    fn each_refusal_has_its_status_and_type() {
        let m = || "m1".to_string();
        let cases = [
            (
                ArenaError::invalid("limit", "too big"),
                400,
                "invalid-request",
            ),
            (
                ArenaError::UnknownMatch {
                    game: "g".into(),
                    match_id: m(),
                },
                404,
                "unknown-match",
            ),
            (
                ArenaError::NotAMember {
                    player: "p".into(),
                    match_id: m(),
                },
                403,
                "not-a-member",
            ),
            (
                ArenaError::DeadFighter {
                    player: "p".into(),
                    match_id: m(),
                },
                409,
                "dead-fighter",
            ),
            (ArenaError::MatchOver { match_id: m() }, 409, "match-over"),
            (
                ArenaError::StampUnavailable { stamp: "s".into() },
                409,
                "stamp-unavailable",
            ),
            (
                ArenaError::KeyReused { key: "k".into() },
                422,
                "idempotency-key-reused",
            ),
            (
                ArenaError::InFlight { key: "k".into() },
                409,
                "idempotency-key-in-flight",
            ),
            (
                ArenaError::NotQueued {
                    game: "g".into(),
                    player: "p".into(),
                },
                404,
                "not-queued",
            ),
            (ArenaError::Busy { match_id: m() }, 503, "match-busy"),
            (
                ArenaError::Component("trap".into()),
                503,
                "component-unavailable",
            ),
        ];
        for (e, status, kind) in cases {
            assert_eq!(status_and_type(e), (status, kind.to_owned()));
        }
    }

    #[test]
    fn a_match_already_fought_in_is_named_and_a_busy_match_says_when_to_retry() {
        let p = Problem::from(ArenaError::AlreadyInMatch {
            player: "p".into(),
            match_id: "m7".into(),
        });
        assert_eq!(p.status, 409);
        let body = serde_json::to_value(&p).unwrap();
        assert_eq!(body["match_id"], "m7");

        let response = Problem::from(ArenaError::Stopped {
            match_id: "m1".into(),
        })
        .into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }

    #[test]
    fn a_storage_failure_shows_no_sql() {
        let e = ArenaError::Store(StoreError::invalid("query", "SELECT secret FROM players"));
        let p = Problem::from(e);
        assert_eq!((p.status, p.kind.ends_with("/internal")), (500, true));
        assert!(!p.detail.contains("SELECT"), "{}", p.detail);
    }
}
