//! The operator's view of the event bus, under
//! `/admin/v1/games/{game}/events`: the dead-letter queue (list, inspect,
//! replay) and consumer groups (offsets and lag, reset).
//!
//! - `GET  .../dlq?after=<id>&limit=<n>`: dead letters oldest first, without
//!   payloads, and the `next_after` cursor (null on the last page);
//! - `GET  .../dlq/{id}`: one dead letter with its whole envelope;
//! - `POST .../dlq/{id}/replay`: appends its event to its original topic
//!   again ([`Bus::dlq_replay`]); a second replay is a 409. Every group of
//!   the topic reads it again; those that applied it skip it by event id;
//! - `GET  .../groups/{group}[?topic=<t>]`: per topic and partition, the
//!   group's next offset, the end of the partition and the lag;
//! - `POST .../groups/{group}/reset`: `{"topic", "to_time_ms"}`,
//!   `{"topic", "partition", "to_offset"}` or `{"topic", "to": "earliest" |
//!   "latest"}`; answers the group's new offsets in that topic.
//!
//! A reset moves the stored offset; a consumer of the group in the middle of
//! a batch sees its next offset move fail ([`crate::bus::Bus::advance_offset`])
//! and reads from the reset on, so a group can be reset while it runs. Every
//! error is
//! problem+json; bounds: [`MAX_PAGE`] dead letters per page,
//! [`MAX_GROUP_NAME_BYTES`] per group name.
//!
//! The wire types ([`LetterPage`], [`LetterDetail`], [`Replayed`],
//! [`GroupView`], [`ResetRequest`]) are public: `idempo-sdk events` reads
//! and writes these very types.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

pub use crate::bus::lag::{PartitionLag, TopicLag};
use crate::bus::lag::{partitions, topic_lag};
use crate::bus::relay::now_ms;
use crate::bus::{Bus, BusError, DeadLetter, Envelope, Position, known_topic};
use crate::problem::Problem;
use crate::runtime::effects::TOPICS;
use crate::server::AppState;

/// Dead letters per page when the caller does not say.
pub const DEFAULT_PAGE: u32 = 50;
/// Most dead letters one page may hold.
pub const MAX_PAGE: u32 = 500;
/// Longest consumer group name the API accepts, in bytes.
pub const MAX_GROUP_NAME_BYTES: usize = 255;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/v1/games/{game}/events/dlq", get(dlq_list))
        .route("/admin/v1/games/{game}/events/dlq/{id}", get(dlq_show))
        .route(
            "/admin/v1/games/{game}/events/dlq/{id}/replay",
            post(dlq_replay),
        )
        .route("/admin/v1/games/{game}/events/groups/{group}", get(group))
        .route(
            "/admin/v1/games/{game}/events/groups/{group}/reset",
            post(reset),
        )
}

impl From<BusError> for Problem {
    fn from(e: BusError) -> Self {
        let (status, kind, title) = match &e {
            BusError::UnknownTopic(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown-topic",
                "Unknown topic",
            ),
            BusError::NoDeadLetter(_) => {
                (StatusCode::NOT_FOUND, "not-found", "No such dead letter")
            }
            BusError::AlreadyReplayed(_) => (
                StatusCode::CONFLICT,
                "already-replayed",
                "Dead letter already replayed",
            ),
            BusError::Store(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "storage",
                "The bus's storage failed",
            ),
            BusError::Broker { .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "broker",
                "The bus's broker failed",
            ),
            BusError::NoPool | BusError::Corrupt { .. } => {
                (StatusCode::INTERNAL_SERVER_ERROR, "bus", "The bus failed")
            }
        };
        Self::new(status, kind, title, e.to_string())
    }
}

fn unprocessable(detail: impl Into<String>) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-request",
        "Invalid request",
        detail,
    )
}

/// Path parameters, or a problem+json 400 (axum's own rejection is text).
fn path<T>(extracted: Result<Path<T>, PathRejection>) -> Result<T, Problem> {
    extracted
        .map(|Path(p)| p)
        .map_err(|e| Problem::bad_request(e.body_text()))
}

/// A dead letter's id from the path.
fn letter_id(text: &str) -> Result<i64, Problem> {
    text.parse().map_err(|_| {
        Problem::bad_request(format!(
            "a dead letter id is a whole number, such as 17; got `{text}`"
        ))
    })
}

fn checked_group(group: &str) -> Result<(), Problem> {
    if group.len() > MAX_GROUP_NAME_BYTES {
        return Err(Problem::bad_request(format!(
            "a consumer group name may be at most {MAX_GROUP_NAME_BYTES} bytes"
        )));
    }
    Ok(())
}

fn checked_topic(topic: &str) -> Result<(), Problem> {
    Ok(known_topic(topic)?)
}

// ------------------------------------------------------------------- DLQ

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    #[serde(default)]
    after: i64,
    limit: Option<u32>,
}

/// A dead letter without its payload, as `GET .../dlq` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterSummary {
    pub id: i64,
    pub consumer_group: String,
    /// Where the group read it.
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub event_id: String,
    pub event_type: String,
    pub schema_version: i32,
    pub key: String,
    /// Why the group gave up on it.
    pub error: String,
    /// Attempts at applying it (0: refused before any).
    pub attempts: i32,
    pub dead_at_ms: i64,
    pub replayed_at_ms: Option<i64>,
}

impl From<&DeadLetter> for LetterSummary {
    fn from(d: &DeadLetter) -> Self {
        Self {
            id: d.id,
            consumer_group: d.consumer_group.clone(),
            topic: d.position.topic.clone(),
            partition: d.position.partition,
            offset: d.position.offset,
            event_id: d.envelope.event_id.clone(),
            event_type: d.envelope.event_type.clone(),
            schema_version: d.envelope.schema_version,
            key: d.envelope.key.clone(),
            error: d.error.clone(),
            attempts: d.attempts,
            dead_at_ms: d.dead_at_ms,
            replayed_at_ms: d.replayed_at_ms,
        }
    }
}

/// One page of a game's dead letters, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterPage {
    pub game: String,
    pub dead_letters: Vec<LetterSummary>,
    /// Pass as `after` for the next page; null when this is the last one.
    pub next_after: Option<i64>,
}

async fn dlq_list(
    State(state): State<Arc<AppState>>,
    game: Result<Path<String>, PathRejection>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<LetterPage>, Problem> {
    let game = path(game)?;
    let Query(query) = query.map_err(|e| {
        Problem::bad_request(format!(
            "the query is `after=<id>&limit=<1..={MAX_PAGE}>`: {}",
            e.body_text()
        ))
    })?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Problem::bad_request(format!(
            "limit must be between 1 and {MAX_PAGE}; got {limit}"
        )));
    }
    // One more than asked tells whether another page follows.
    let mut letters = state.bus.dlq_list(&game, query.after, limit + 1).await?;
    let more = letters.len() > limit as usize;
    letters.truncate(limit as usize);
    let next_after = more.then(|| letters.last().map(|d| d.id)).flatten();
    Ok(Json(LetterPage {
        game,
        dead_letters: letters.iter().map(LetterSummary::from).collect(),
        next_after,
    }))
}

/// One dead letter with its event, as `GET .../dlq/{id}` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterDetail {
    #[serde(flatten)]
    pub summary: LetterSummary,
    /// The event as it was read, payload included (as text: it may be the
    /// very reason it was refused).
    pub envelope: Envelope,
}

/// The dead letter `id` of `game`; one of another game is not found.
async fn letter_of(state: &AppState, game: &str, id: &str) -> Result<DeadLetter, Problem> {
    let id = letter_id(id)?;
    match state.bus.dlq_get(id).await? {
        Some(letter) if letter.game == game => Ok(letter),
        _ => Err(BusError::NoDeadLetter(id).into()),
    }
}

async fn dlq_show(
    State(state): State<Arc<AppState>>,
    params: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<LetterDetail>, Problem> {
    let (game, id) = path(params)?;
    let letter = letter_of(&state, &game, &id).await?;
    Ok(Json(LetterDetail {
        summary: LetterSummary::from(&letter),
        envelope: letter.envelope,
    }))
}

/// The answer to a replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replayed {
    pub id: i64,
    pub event_id: String,
    pub replayed_at_ms: i64,
    /// Where the event was appended again.
    pub position: Position,
}

async fn dlq_replay(
    State(state): State<Arc<AppState>>,
    params: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<Replayed>, Problem> {
    let (game, id) = path(params)?;
    let letter = letter_of(&state, &game, &id).await?;
    let now = now_ms();
    // The bus refuses a second replay atomically, also under a race.
    let position = state.bus.dlq_replay(letter.id, now).await?;
    Ok(Json(Replayed {
        id: letter.id,
        event_id: letter.envelope.event_id,
        replayed_at_ms: now,
        position,
    }))
}

// ---------------------------------------------------------------- groups

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupQuery {
    topic: Option<String>,
}

/// A consumer group's offsets and lag, as `GET .../groups/{group}` and a
/// reset answer them. A group that never read shows offset 0 everywhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupView {
    pub game: String,
    pub group: String,
    pub lag: i64,
    pub topics: Vec<TopicLag>,
}

/// The group's offsets in `topics`.
async fn view(
    bus: &dyn Bus,
    game: String,
    group: String,
    topics: &[&str],
) -> Result<GroupView, Problem> {
    let mut lags = Vec::with_capacity(topics.len());
    for topic in topics {
        lags.push(topic_lag(bus, &game, &group, topic).await?);
    }
    Ok(GroupView {
        lag: lags.iter().map(|t| t.lag).sum(),
        topics: lags,
        game,
        group,
    })
}

async fn group(
    State(state): State<Arc<AppState>>,
    params: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<GroupQuery>, QueryRejection>,
) -> Result<Json<GroupView>, Problem> {
    let (game, group) = path(params)?;
    checked_group(&group)?;
    let Query(query) = query.map_err(|e| {
        Problem::bad_request(format!("the query is `topic=<topic>`: {}", e.body_text()))
    })?;
    let topics: Vec<&str> = match &query.topic {
        Some(topic) => {
            checked_topic(topic)?;
            vec![topic.as_str()]
        }
        None => TOPICS.to_vec(),
    };
    Ok(Json(view(state.bus.as_ref(), game, group, &topics).await?))
}

/// Where a reset moves a group.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ResetTarget {
    /// Every partition, to the first record appended at or after this time.
    Time(i64),
    /// One partition, to this offset.
    Offset { partition: i32, offset: i64 },
    /// Every partition, to its end.
    Latest,
}

/// An end of the log a group can be reset to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Edge {
    /// The first record still in the log: the group reads it all again.
    Earliest,
    /// The end: the group skips what it has not read.
    Latest,
}

/// The body of `POST .../groups/{group}/reset`: a topic and exactly one of
/// `to_time_ms`, `to_offset` (with `partition`) or `to`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub topic: String,
    /// Every partition, to the first record appended at or after this time
    /// (Unix milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_time_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<i32>,
    /// `partition`, to this offset (at most its end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_offset: Option<i64>,
    /// Every partition, to an end of the log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Edge>,
}

const RESET_SHAPES: &str = "the body is {\"topic\": \"<topic>\", \"to_time_ms\": <unix ms>}, \
     {\"topic\": \"<topic>\", \"partition\": <p>, \"to_offset\": <n>} or \
     {\"topic\": \"<topic>\", \"to\": \"earliest\" | \"latest\"}";

/// Reads a reset body: a malformed one is a 400, a well-formed one that
/// asks for something impossible a 422.
fn reset_body(bytes: &[u8]) -> Result<(String, ResetTarget), Problem> {
    let body: ResetRequest = serde_json::from_slice(bytes).map_err(|e| {
        let detail = format!("{RESET_SHAPES}: {e}");
        if e.is_data() {
            unprocessable(detail)
        } else {
            Problem::bad_request(detail)
        }
    })?;
    checked_topic(&body.topic)?;
    let target = match (body.to_time_ms, body.partition, body.to_offset, body.to) {
        (Some(at_ms), None, None, None) => ResetTarget::Time(at_ms),
        // The earliest record still in the log was appended at or after 0.
        (None, None, None, Some(Edge::Earliest)) => ResetTarget::Time(0),
        (None, None, None, Some(Edge::Latest)) => ResetTarget::Latest,
        (None, Some(partition), Some(offset), None) => {
            if partition < 0 || offset < 0 {
                return Err(unprocessable(format!(
                    "partition and to_offset are at least 0; got partition {partition}, to_offset {offset}"
                )));
            }
            ResetTarget::Offset { partition, offset }
        }
        (None, None, Some(_), None) => {
            return Err(unprocessable("to_offset needs the partition it is in"));
        }
        _ => {
            return Err(unprocessable(format!(
                "give exactly one of to_time_ms, to_offset (with partition) or to; {RESET_SHAPES}"
            )));
        }
    };
    Ok((body.topic, target))
}

async fn reset(
    State(state): State<Arc<AppState>>,
    params: Result<Path<(String, String)>, PathRejection>,
    body: Bytes,
) -> Result<Json<GroupView>, Problem> {
    let (game, group) = path(params)?;
    checked_group(&group)?;
    let (topic, target) = reset_body(&body)?;
    let bus = state.bus.as_ref();
    move_group(bus, &game, &group, &topic, &target).await?;
    tracing::info!(%game, %group, %topic, ?target, "consumer group reset");
    Ok(Json(view(bus, game, group, &[&topic]).await?))
}

/// Moves `group`'s offsets in `topic` to `target`.
async fn move_group(
    bus: &dyn Bus,
    game: &str,
    group: &str,
    topic: &str,
    target: &ResetTarget,
) -> Result<(), Problem> {
    let now = now_ms();
    let at = |partition, offset| Position {
        topic: topic.to_owned(),
        partition,
        offset,
    };
    match *target {
        ResetTarget::Time(at_ms) => bus.reset_to_time(game, group, topic, at_ms, now).await?,
        ResetTarget::Latest => {
            for partition in 0..partitions(bus) {
                let end = bus.end_offset(game, topic, partition).await?;
                bus.commit_offset(game, group, &at(partition, end), now)
                    .await?;
            }
        }
        ResetTarget::Offset { partition, offset } => {
            let count = partitions(bus);
            if partition >= count {
                return Err(unprocessable(format!(
                    "topic {topic} has partitions 0 to {}; got partition {partition}",
                    count - 1
                )));
            }
            let end = bus.end_offset(game, topic, partition).await?;
            if offset > end {
                return Err(unprocessable(format!(
                    "offset {offset} is past the end of {topic}/{partition} ({end}): \
                     the group would skip events not yet written"
                )));
            }
            bus.commit_offset(game, group, &at(partition, offset), now)
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(body: &str) -> u16 {
        reset_body(body.as_bytes()).unwrap_err().status
    }

    #[test]
    fn a_reset_is_to_a_time_an_offset_or_an_edge() {
        let t = |body: &str| reset_body(body.as_bytes()).unwrap().1;
        assert_eq!(
            t(r#"{"topic":"match-events","to_time_ms":1700000000000}"#),
            ResetTarget::Time(1_700_000_000_000)
        );
        assert_eq!(
            t(r#"{"topic":"match-events","partition":2,"to_offset":0}"#),
            ResetTarget::Offset {
                partition: 2,
                offset: 0
            }
        );
        assert_eq!(
            t(r#"{"topic":"match-events","to":"earliest"}"#),
            ResetTarget::Time(0)
        );
        assert_eq!(
            t(r#"{"topic":"match-events","to":"latest"}"#),
            ResetTarget::Latest
        );
    }

    #[test]
    fn a_malformed_reset_is_400_and_an_impossible_one_422() {
        assert_eq!(status("{oops"), 400);
        assert_eq!(status(""), 400);
        assert_eq!(status(r#"{"to_time_ms":1}"#), 422, "no topic");
        assert_eq!(status(r#"{"topic":"nope","to_time_ms":1}"#), 422);
        assert_eq!(status(r#"{"topic":"match-events"}"#), 422, "no target");
        assert_eq!(
            status(r#"{"topic":"match-events","to_time_ms":1,"to":"latest"}"#),
            422
        );
        assert_eq!(status(r#"{"topic":"match-events","to_offset":3}"#), 422);
        assert_eq!(
            status(r#"{"topic":"match-events","partition":-1,"to_offset":3}"#),
            422
        );
        assert_eq!(status(r#"{"topic":"match-events","to":"middle"}"#), 422);
        assert_eq!(
            status(r#"{"topic":"match-events","to_time_ms":1,"extra":true}"#),
            422
        );
        let detail = reset_body(br#"{"topic":"match-events","to_offset":3}"#)
            .unwrap_err()
            .detail;
        assert!(detail.contains("needs the partition"), "{detail}");
    }

    #[test]
    fn a_dead_letter_id_is_a_number() {
        assert_eq!(letter_id("17").unwrap(), 17);
        let p = letter_id("seventeen").unwrap_err();
        assert_eq!(p.status, 400);
        assert!(p.detail.contains("whole number"), "{}", p.detail);
    }
}
