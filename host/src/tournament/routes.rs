//! The tournament's HTTP routes under `/v1`, each for a signed-in player.
//! A tournament is named by its date (`YYYY-MM-DD`, UTC) or `current`
//! (today's, on the tournament's clock). Mutating calls take an
//! `Idempotency-Key` (`crate::gateway::command`); refusals are problem+json
//! (`super::error`).
//!
//! - `GET /tournaments/current`, `GET /tournaments/{day}`: the tournament
//!   ([`TournamentView`]; today's is made if missing);
//! - `POST /tournaments/{day}/entries`: enter (the entry saga,
//!   `super::entry`): 201 entered with the group, 202 still running;
//! - `GET /tournaments/{day}/me`: the player's group, score, rank, reward;
//! - `GET /tournaments/{day}/groups/{group}`: a group's standings (5 s
//!   fresh); `GET /tournaments/{day}/leaderboard?limit=`: the top (30 s
//!   fresh, at most 1000);
//! - `POST /tournaments/{day}/claim`: the reward of the final rank, once.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::Tournaments;
use super::boards::Board;
use super::day::Day;
use super::error::TournamentError;
use super::views::{MyStanding, TournamentView};
use crate::gateway::Player;
use crate::gateway::command::{self, Started};
use crate::gateway::correlation::CorrelationId;
use crate::gateway::idempotency_key::IdempotencyKey;
use crate::market::Caller;
use crate::problem::{ApiPath, ApiQuery, Problem, page_limit};
use crate::server::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/tournaments/current", get(current))
        .route("/tournaments/{day}", get(tournament))
        .route("/tournaments/{day}/entries", post(enter))
        .route("/tournaments/{day}/me", get(me))
        .route("/tournaments/{day}/groups/{group}", get(group))
        .route("/tournaments/{day}/leaderboard", get(leaderboard))
        .route("/tournaments/{day}/claim", post(claim))
}

/// `current` or a date, as a date.
fn day_of(state: &AppState, text: &str) -> Result<String, TournamentError> {
    state.tournaments.day_named(text)
}

async fn current(
    State(state): State<Arc<AppState>>,
    player: Player,
) -> Result<Json<TournamentView>, Problem> {
    let day = day_of(&state, "current")?;
    Ok(Json(state.tournaments.view(&player.game, &day).await?))
}

async fn tournament(
    State(state): State<Arc<AppState>>,
    player: Player,
    ApiPath(day): ApiPath<String>,
) -> Result<Json<TournamentView>, Problem> {
    let day = day_of(&state, &day)?;
    Ok(Json(state.tournaments.view(&player.game, &day).await?))
}

async fn me(
    State(state): State<Arc<AppState>>,
    player: Player,
    ApiPath(day): ApiPath<String>,
) -> Result<Json<MyStanding>, Problem> {
    let day = day_of(&state, &day)?;
    let standing = state
        .tournaments
        .standing(&player.game, &day, &player.id)
        .await?;
    Ok(Json(standing))
}

async fn group(
    State(state): State<Arc<AppState>>,
    player: Player,
    ApiPath((day, group)): ApiPath<(String, i64)>,
) -> Result<Json<Board>, Problem> {
    let day = day_of(&state, &day)?;
    let board = state
        .tournaments
        .group_board(&player.game, &day, group)
        .await?;
    Ok(Json(Board::clone(&board)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TopQuery {
    limit: Option<u32>,
}

async fn leaderboard(
    State(state): State<Arc<AppState>>,
    player: Player,
    ApiPath(day): ApiPath<String>,
    ApiQuery(q): ApiQuery<TopQuery>,
) -> Result<Json<Board>, Problem> {
    let size = state.tournaments.config().global_board_size.max(1);
    let limit = page_limit(q.limit, size, size)?;
    let day = day_of(&state, &day)?;
    let top = state.tournaments.top(&player.game, &day).await?;
    let mut board = Board::clone(&top);
    board.standings.truncate(limit as usize);
    Ok(Json(board))
}

async fn enter(
    State(state): State<Arc<AppState>>,
    player: Player,
    correlation: CorrelationId,
    key: IdempotencyKey,
    ApiPath(day): ApiPath<String>,
) -> Response {
    let correlation_id = Some(correlation.as_str().to_owned());
    state
        .tournaments
        .command(&player, correlation_id, &key.0, &day, Order::Enter)
        .await
}

async fn claim(
    State(state): State<Arc<AppState>>,
    player: Player,
    correlation: CorrelationId,
    key: IdempotencyKey,
    ApiPath(day): ApiPath<String>,
) -> Response {
    let correlation_id = Some(correlation.as_str().to_owned());
    state
        .tournaments
        .command(&player, correlation_id, &key.0, &day, Order::Claim)
        .await
}

/// A tournament command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Enter,
    Claim,
}

impl Tournaments {
    /// `current` or a date, as a date.
    pub fn day_named(&self, text: &str) -> Result<String, TournamentError> {
        if text == "current" {
            return Ok(Day::of(self.now_ms()).to_string());
        }
        text.parse::<Day>()
            .map(|d| d.to_string())
            .map_err(TournamentError::Invalid)
    }

    /// Runs `order` on tournament `day` for `player` under `key` (its
    /// `Idempotency-Key`): the answer, a replay (an entry shown as it
    /// stands now), or the key's refusal; as HTTP answers it.
    pub async fn command(
        &self,
        player: &Player,
        correlation_id: Option<String>,
        key: &str,
        day: &str,
        order: Order,
    ) -> Response {
        // `current` is today's date: the same request as the date's.
        let day = match self.day_named(day) {
            Ok(day) => day,
            Err(e) => return Problem::from(e).into_response(),
        };
        let windows = command::KeyWindows {
            replay_ttl_ms: self.config.replay_ttl_ms,
        };
        let what = match order {
            Order::Enter => format!("POST /tournaments/{day}/entries"),
            Order::Claim => format!("POST /tournaments/{day}/claim"),
        };
        let begun = command::begin::<TournamentError>(
            &self.store,
            &self.running,
            windows,
            player,
            key,
            &what,
            &json!({}),
        )
        .await;
        let cmd = match begun {
            Ok(Started::New(cmd)) => cmd,
            Ok(Started::Replay(stored)) => {
                return match self.replayed_entry(&player.game, &stored).await {
                    Some(Ok(now)) => now.response(true),
                    Some(Err(e)) => Problem::from(e).into_response(),
                    None => stored.response(true),
                };
            }
            Err(e) => return Problem::from(e).into_response(),
        };
        let caller = Caller {
            game: player.game.clone(),
            player: player.id.clone(),
            correlation_id,
        };
        let outcome = match order {
            Order::Enter => self.enter(&caller, &cmd, &day).await,
            Order::Claim => self.claim(&caller, &cmd, &day).await,
        };
        cmd.conclude(outcome).await
    }
}
