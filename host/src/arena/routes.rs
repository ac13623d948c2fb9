//! The arena's HTTP routes under `/v1`, each for a signed-in player
//! ([`Player`]); refusals are problem+json ([`super::problems`]).
//!
//! - `POST /lobby`: join the queue: 202 `{"status":"queued"}`, or 201
//!   `{"status":"matched","match_id"}` when the join filled a match;
//!   `DELETE /lobby`: leave it (204; 404 `not-queued`); `GET /lobby`:
//!   `{"queued", "match_id", "queue"}`, the queue as the player sees it
//!   ([`QueueView`]: its size, their place, when it forms, who is next);
//! - `GET /matches/{match_id}`: the match as it stands ([`super::MatchView`]), for
//!   any signed-in player (spectators too);
//! - `GET /matches/{match_id}/feed?after=&limit=`: its committed log entries after
//!   `after` ([`super::FeedItem`]), and the `next_after` to resume from;
//! - `POST /matches/{match_id}/actions`: one action, under the `Idempotency-Key`
//!   header ([`IdempotencyKey`]), body [`ActionRequest`]; the handler `act`
//!   lists the answers;
//! - `GET /players/me/matches?before=&limit=`: the player's finished
//!   matches, newest first ([`super::history`]), each with what it granted
//!   them ([`rewards_of`]).
//!
//! Answers that mention players carry their `names` ([`Named`]).
//!
//! The route templates name the match `{match_id}`: `/metrics` labels
//! requests by template, and the dashboards select the action route by it.
//! A handler of one match adds its id to the request's log span.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::actor::MatchView;
use super::feed::FeedItem;
use super::history::{self, HistoryCursor, PastMatch, RewardLine};
use super::lobby::QueueView;
use super::record::{ActionOutcome, Submission};
use super::service::Joined;
use crate::economy::{items, rewards, wallet};
use crate::gateway::idempotency_key::{IDEMPOTENCY_REPLAYED, IdempotencyKey};
use crate::gateway::names::Named;
use crate::gateway::{ApiJson, Player, correlation};
use crate::problem::{ApiPath, ApiQuery, Param, Problem, non_negative, page_limit};
use crate::runtime::bindings::types::{Ability, ActionKind, Direction};
use crate::server::AppState;
use crate::store::STAMP;

/// Feed entries one page holds at most, and by default.
pub const MAX_FEED_PAGE: u32 = 1_000;
pub const DEFAULT_FEED_PAGE: u32 = 100;
/// Matches one history page holds by default (at most
/// [`history::MAX_HISTORY_PAGE`]).
pub const DEFAULT_HISTORY_PAGE: u32 = 20;

/// The routes, relative to `/v1`.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/lobby", get(lobby).post(join).delete(leave))
        .route("/matches/{match_id}", get(view))
        .route("/matches/{match_id}/feed", get(feed))
        .route("/matches/{match_id}/actions", post(act))
        .route("/players/me/matches", get(my_matches))
}

// ---- lobby ----

/// What a join did.
#[derive(Debug, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
enum JoinAnswer {
    Queued,
    Matched { match_id: String },
}

/// Where the player stands.
#[derive(Debug, Serialize)]
struct LobbyView {
    queued: bool,
    /// The running match the player fights in, if any.
    match_id: Option<String>,
    /// The game's queue on the host that answers.
    queue: QueueView,
}

async fn join(State(state): State<Arc<AppState>>, player: Player) -> Result<Response, Problem> {
    Ok(match state.arena.join(&player.game, &player.id).await? {
        Joined::Queued => (StatusCode::ACCEPTED, Json(JoinAnswer::Queued)).into_response(),
        Joined::Matched { match_id } => {
            (StatusCode::CREATED, Json(JoinAnswer::Matched { match_id })).into_response()
        }
    })
}

async fn leave(State(state): State<Arc<AppState>>, player: Player) -> Result<StatusCode, Problem> {
    state.arena.leave(&player.game, &player.id)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn lobby(
    State(state): State<Arc<AppState>>,
    player: Player,
) -> Result<Json<Named<LobbyView>>, Problem> {
    let queue = state.arena.queue(&player.game, &player.id);
    let names = state
        .names
        .of(
            &state.store,
            &player.game,
            queue.next.iter().map(String::as_str),
        )
        .await?;
    let body = LobbyView {
        queued: queue.position.is_some(),
        match_id: state.arena.match_of(&player.game, &player.id),
        queue,
    };
    Ok(Json(Named { body, names }))
}

// ---- matches ----

async fn view(
    State(state): State<Arc<AppState>>,
    player: Player,
    ApiPath(match_id): ApiPath<Param>,
) -> Result<Json<Named<MatchView>>, Problem> {
    correlation::note_match(match_id.as_str());
    let view = state.arena.view(&player.game, &match_id).await?;
    let names = state
        .names
        .of(&state.store, &player.game, view.players())
        .await?;
    Ok(Json(Named { body: view, names }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedQuery {
    /// The last `seq` the client has; 0 (the default) reads from the start.
    after: Option<i64>,
    limit: Option<u32>,
}

/// A page of a match's feed.
#[derive(Debug, Serialize)]
struct FeedPage {
    items: Vec<FeedItem>,
    /// The `seq` to pass as `after` next: the page's last, or the `after`
    /// given if the page is empty.
    next_after: i64,
}

async fn feed(
    State(state): State<Arc<AppState>>,
    player: Player,
    ApiPath(match_id): ApiPath<Param>,
    ApiQuery(query): ApiQuery<FeedQuery>,
) -> Result<Json<FeedPage>, Problem> {
    correlation::note_match(match_id.as_str());
    let after = non_negative("after", query.after)?;
    let limit = page_limit(query.limit, DEFAULT_FEED_PAGE, MAX_FEED_PAGE)?;
    // An unknown match is 404, not an empty page.
    state.arena.record(&player.game, &match_id).await?;
    let items = state
        .arena
        .feed_since(&player.game, &match_id, after, limit)
        .await?;
    let next_after = items.last().map_or(after, |item| item.seq);
    Ok(Json(FeedPage { items, next_after }))
}

// ---- actions ----

/// The body of `POST /matches/{id}/actions`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    pub action: ActionBody,
    /// A stamp (an item id of the player's) that seals the action: its id
    /// becomes the action's id and it is spent if the action is accepted.
    #[serde(default)]
    pub stamp: Option<String>,
}

/// An action as the API spells it (`{"type": "move", "direction":
/// "north"}`, ...), apart from the WIT enum's shape.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ActionBody {
    Move { direction: DirectionBody },
    Attack { target: String },
    // Empty struct variants, not unit ones: serde ignores the unknown
    // fields of an internally tagged unit variant.
    Defend {},
    Collect {},
    Special { ability: AbilityBody },
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectionBody {
    North,
    South,
    East,
    West,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbilityBody {
    Whirlwind,
    Dash,
    Heal,
}

impl From<ActionBody> for ActionKind {
    fn from(body: ActionBody) -> Self {
        match body {
            ActionBody::Move { direction } => ActionKind::Move(match direction {
                DirectionBody::North => Direction::North,
                DirectionBody::South => Direction::South,
                DirectionBody::East => Direction::East,
                DirectionBody::West => Direction::West,
            }),
            ActionBody::Attack { target } => ActionKind::Attack(target),
            ActionBody::Defend {} => ActionKind::Defend,
            ActionBody::Collect {} => ActionKind::Collect,
            ActionBody::Special { ability } => ActionKind::Special(match ability {
                AbilityBody::Whirlwind => Ability::Whirlwind,
                AbilityBody::Dash => Ability::Dash,
                AbilityBody::Heal => Ability::Heal,
            }),
        }
    }
}

/// One action. Answers: 200 and the [`ActionOutcome`] if the rules accepted
/// it; 422 `action-rejected` with the outcome as extension member
/// `outcome` if they refused it (nothing changed, and the key keeps that
/// answer); a retry with the same key and body gets the first answer again,
/// with `Idempotency-Replayed: true` (and `replayed` set in the outcome);
/// the same key with another body 422 `idempotency-key-reused`, while the
/// first is still running 409 `idempotency-key-in-flight`; every other
/// refusal as [`super::problems`] maps it, with nothing changed.
async fn act(
    State(state): State<Arc<AppState>>,
    player: Player,
    Extension(corr): Extension<correlation::CorrelationId>,
    ApiPath(match_id): ApiPath<Param>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(request): ApiJson<ActionRequest>,
) -> Result<Response, Problem> {
    correlation::note_match(match_id.as_str());
    let outcome = state
        .arena
        .submit(Submission {
            game: player.game,
            player: player.id,
            match_id: match_id.to_string(),
            idempotency_key: key,
            kind: request.action.into(),
            stamp: request.stamp,
            correlation_id: Some(corr.as_str().to_owned()),
        })
        .await?;
    Ok(answer(outcome))
}

/// The response of an outcome, first or replayed.
fn answer(outcome: ActionOutcome) -> Response {
    let replayed = outcome.replayed;
    let mut response = match outcome.rejected.clone() {
        None => Json(outcome).into_response(),
        Some(why) => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "action-rejected",
            "The rules refused the action",
            why,
        )
        .with("outcome", &outcome)
        .into_response(),
    };
    if replayed {
        response
            .headers_mut()
            .insert(IDEMPOTENCY_REPLAYED, HeaderValue::from_static("true"));
    }
    response
}

// ---- history ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryQuery {
    /// A page's `next_before`.
    before: Option<String>,
    limit: Option<u32>,
}

/// A page of the player's history.
#[derive(Debug, Serialize)]
struct HistoryAnswer {
    matches: Vec<PastMatch>,
    /// Pass as `before` for the next page; `null` on the last one.
    next_before: Option<String>,
}

async fn my_matches(
    State(state): State<Arc<AppState>>,
    player: Player,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> Result<Json<Named<HistoryAnswer>>, Problem> {
    let limit = page_limit(query.limit, DEFAULT_HISTORY_PAGE, history::MAX_HISTORY_PAGE)?;
    let before = query.before.as_deref().map(parse_cursor).transpose()?;
    let page = history::history(
        &state.store,
        &player.game,
        &player.id,
        before.as_ref(),
        limit,
    )
    .await?;
    let mut matches = page.matches;
    for m in &mut matches {
        m.rewards = rewards_of(&state, &player, &m.match_id).await?;
    }
    let names = state
        .names
        .of(
            &state.store,
            &player.game,
            matches
                .iter()
                .flat_map(|m| m.players.iter().map(String::as_str)),
        )
        .await?;
    let body = HistoryAnswer {
        matches,
        next_before: page.next.as_ref().map(format_cursor),
    };
    Ok(Json(Named { body, names }))
}

/// A history cursor as the API passes it: `<finished_at_ms>:<match_id>`
/// (opaque to clients).
fn format_cursor(cursor: &HistoryCursor) -> String {
    format!("{}:{}", cursor.finished_at_ms, cursor.match_id)
}

fn parse_cursor(text: &str) -> Result<HistoryCursor, Problem> {
    text.split_once(':')
        .and_then(|(ms, id)| {
            let finished_at_ms = ms.parse().ok()?;
            let match_id = Param::try_from(id.to_owned()).ok()?;
            Some(HistoryCursor {
                finished_at_ms,
                match_id: match_id.to_string(),
            })
        })
        .ok_or_else(|| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid-cursor",
                "Page cursor malformed",
                "`before` must be a `next_before` this API returned",
            )
        })
}

/// What match `match_id` granted `player`, as the rewards consumer booked
/// it (`crate::economy::rewards`): a line per currency (summed) and per
/// item type (counted; stamps as kind `stamp`). Empty until the rewards
/// are paid.
async fn rewards_of(
    state: &AppState,
    player: &Player,
    match_id: &str,
) -> Result<Vec<RewardLine>, Problem> {
    let reference = rewards::reference(match_id);
    let (game, id) = (&player.game, &player.id);
    let mut currencies = BTreeMap::<String, i64>::new();
    for entry in wallet::by_reference(&state.store, game, id, &reference).await? {
        *currencies.entry(entry.currency).or_default() += entry.amount;
    }
    let mut item_types = BTreeMap::<String, i64>::new();
    for item in items::by_source(&state.store, game, id, &reference).await? {
        *item_types.entry(item.item_type).or_default() += 1;
    }
    let line = |kind: &str, (code, amount): (String, i64)| RewardLine {
        kind: kind.to_owned(),
        code,
        amount,
    };
    let (stamps, others): (Vec<_>, Vec<_>) = item_types.into_iter().partition(|(t, _)| t == STAMP);
    Ok(currencies
        .into_iter()
        .map(|c| line("currency", c))
        .chain(others.into_iter().map(|i| line("item", i)))
        .chain(stamps.into_iter().map(|s| line("stamp", s)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_body_maps_to_its_kind_and_unknown_shapes_are_refused() {
        let parse = |json: &str| serde_json::from_str::<ActionRequest>(json);
        let r = parse(r#"{"action":{"type":"move","direction":"north"}}"#).unwrap();
        assert_eq!(
            ActionKind::from(r.action),
            ActionKind::Move(Direction::North)
        );
        let r = parse(r#"{"action":{"type":"special","ability":"dash"},"stamp":"s1"}"#).unwrap();
        assert_eq!(
            ActionKind::from(r.action),
            ActionKind::Special(Ability::Dash)
        );
        assert_eq!(r.stamp.as_deref(), Some("s1"));
        let r = parse(r#"{"action":{"type":"defend"}}"#).unwrap();
        assert_eq!(ActionKind::from(r.action), ActionKind::Defend);
        let r = parse(r#"{"action":{"type":"attack","target":"bob"}}"#).unwrap();
        assert_eq!(ActionKind::from(r.action), ActionKind::Attack("bob".into()));
        for bad in [
            r#"{"action":{"type":"fly"}}"#,
            r#"{"action":{"type":"move","direction":"up"}}"#,
            r#"{"action":{"type":"defend","power":9}}"#,
            r#"{"action":{"type":"move","direction":"north","far":true}}"#,
            r#"{"action":{"type":"collect"},"stamp":7}"#,
            r#"{"action":{"type":"defend"},"extra":1}"#,
            r#"{"action":{"Move":"North"}}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_history_cursor_reads_back_what_it_wrote() {
        let cursor = HistoryCursor {
            finished_at_ms: 1_700_000_000_123,
            match_id: "0190:odd".into(),
        };
        assert_eq!(parse_cursor(&format_cursor(&cursor)).unwrap(), cursor);
        for bad in ["", "123", "abc:m1", "123:"] {
            assert!(parse_cursor(bad).is_err(), "{bad}");
        }
    }
}
