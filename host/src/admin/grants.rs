//! Operator grants: currency, items and stamps given to a player, under
//! `/admin/v1/games/{game}/players/{player}/grants`.
//!
//! - `POST` [`GrantRequest`]: `{"key", "currency": [{"code", "amount"}],
//!   "items": [{"item_type", "count"}], "stamps", "reason"}` pays the
//!   player and answers 201 [`Granted`] (the credits and every new item's
//!   id). 404 for a player the game does not have; 400 for a body that is
//!   not JSON, 422 for one of the wrong shape or over a bound.
//!
//! A grant is one [`CommitBatch`]: a wallet credit per currency, one item
//! per granted item and stamp, a `grant` notice, a `GrantedByOperator`
//! event on `economy-events` (keyed by the player), a watch of the xp it
//! gives (`UserLeveledUp` for a level it reaches, dated by the host's
//! clock: `crate::progression`; none without a tournament component to
//! give the level curve), and the idempotency record of its `key`
//! (scope [`OPERATOR`], replayed for
//! [`REPLAY_TTL_MS`]). So a retry with the same key and body answers the
//! stored body again (200, `Idempotency-Replayed: true`) and pays nothing;
//! the same key with another body is 422 (DESIGN.md invariant 1). Every
//! credit's ledger key and every item's id derive from the key
//! (`credit_key` and `item_id` of [`crate::economy::rewards`], shared with
//! match rewards), so even after the record expired a reused key fails
//! (409 `grant-key-spent`) rather than paying twice.
//!
//! Bounds: [`MAX_GRANTED_ITEMS`] items and stamps, [`MAX_LINES`] currency
//! lines and item lines, amounts `1..=`[`MAX_AMOUNT`], keys
//! [`MAX_KEY_BYTES`], codes and item types [`MAX_CODE_BYTES`], reasons
//! [`MAX_REASON_BYTES`]. The event and the notice carry the lines, not the
//! item ids (bounded by [`MAX_LINES`], not by the item count); the ids are
//! the items of source `grant:<key>` ([`crate::economy::items::by_source`]).
//!
//! The wire types are public: `idempo-load` grants stamps with them.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::OPERATOR;
use crate::economy::rewards::{ECONOMY_EVENTS, credit_key, item_id};
use crate::gateway::accounts;
use crate::gateway::idempotency_key::IDEMPOTENCY_REPLAYED;
use crate::gateway::{ApiJson, CorrelationId};
use crate::problem::{ApiPath, Problem};
use crate::runtime::EmittedEvent;
use crate::server::AppState;
use crate::store::{
    Begun, CommitBatch, Credit, EconomyWrites, EventMeta, IdempotencyDone, ItemGrant, Notice,
    OutboxEvent, STAMP, StoreError,
};

/// Most items and stamps one grant creates.
pub const MAX_GRANTED_ITEMS: u64 = 10_000;
/// Largest amount of one currency in one grant.
pub const MAX_AMOUNT: u64 = 1_000_000_000_000;
/// Most currency lines, and most item lines, of one grant.
pub const MAX_LINES: usize = 64;
/// Longest idempotency key, in bytes.
pub const MAX_KEY_BYTES: usize = 255;
/// Longest currency code or item type, in bytes.
pub const MAX_CODE_BYTES: usize = 64;
/// Longest reason, in bytes.
pub const MAX_REASON_BYTES: usize = 255;
/// How long a grant's response is replayed for its key: 30 days, in
/// milliseconds.
pub const REPLAY_TTL_MS: i64 = 30 * 86_400_000;
/// The ledger reason of every operator grant (the operator's own reason is
/// in the notice and the event).
pub const LEDGER_REASON: &str = "operator-grant";
/// The reason of a grant whose request gives none.
pub const DEFAULT_REASON: &str = "operator";

/// The routes, relative to the admin root.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route(
        "/admin/v1/games/{game}/players/{player}/grants",
        post(grant),
    )
}

/// An amount of one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurrencyLine {
    pub code: String,
    /// `1..=`[`MAX_AMOUNT`].
    pub amount: u64,
}

/// A number of items of one type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemLine {
    pub item_type: String,
    /// At least 1.
    pub count: u64,
}

/// The body of a grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    /// The idempotency key, 1 to [`MAX_KEY_BYTES`] bytes.
    pub key: String,
    #[serde(default)]
    pub currency: Vec<CurrencyLine>,
    #[serde(default)]
    pub items: Vec<ItemLine>,
    /// Stamps, granted after the items.
    #[serde(default)]
    pub stamps: u64,
    /// Why (for the player's notice and the event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A credit as the answer shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantedCredit {
    pub currency: String,
    pub amount: u64,
}

/// A new item as the answer shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantedItem {
    pub item_id: String,
    pub item_type: String,
}

/// The answer to a grant (201; 200 when replayed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Granted {
    pub player: String,
    pub key: String,
    pub credits: Vec<GrantedCredit>,
    /// The items, then the stamps, in the order asked.
    pub items: Vec<GrantedItem>,
}

/// The scope of operator grants' idempotency keys.
const SCOPE: &str = OPERATOR;

/// What `ledger`, items and the event name as the grant's cause.
fn reference(key: &str) -> String {
    format!("grant:{key}")
}

fn unprocessable(kind: &str, detail: impl Into<String>) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        kind,
        "Invalid grant",
        detail,
    )
}

/// Text with no control characters, 1 to `max` bytes.
fn checked_text(what: &str, value: &str, max: usize) -> Result<(), Problem> {
    if value.is_empty() || value.len() > max || value.chars().any(char::is_control) {
        return Err(unprocessable(
            "invalid-grant",
            format!("{what} must be 1 to {max} bytes without control characters"),
        ));
    }
    Ok(())
}

/// A currency code or item type: 1 to [`MAX_CODE_BYTES`] ASCII letters,
/// digits, `_`, `-` or `.`.
fn checked_code(what: &str, value: &str) -> Result<(), Problem> {
    let plain = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if value.is_empty() || value.len() > MAX_CODE_BYTES || !plain {
        return Err(unprocessable(
            "invalid-grant",
            format!("a {what} is 1 to {MAX_CODE_BYTES} ASCII letters, digits, `_`, `-` or `.`"),
        ));
    }
    Ok(())
}

impl GrantRequest {
    /// Refuses a grant over a bound, with nothing to grant, or naming a
    /// currency twice; answers how many items and stamps it creates.
    fn check(&self) -> Result<u64, Problem> {
        checked_text("key", &self.key, MAX_KEY_BYTES)?;
        if let Some(reason) = &self.reason {
            checked_text("reason", reason, MAX_REASON_BYTES)?;
        }
        if self.currency.len() > MAX_LINES || self.items.len() > MAX_LINES {
            return Err(unprocessable(
                "too-many-lines",
                format!(
                    "a grant has at most {MAX_LINES} currency lines and {MAX_LINES} item lines"
                ),
            ));
        }
        for (i, line) in self.currency.iter().enumerate() {
            checked_code("currency code", &line.code)?;
            if !(1..=MAX_AMOUNT).contains(&line.amount) {
                return Err(unprocessable(
                    "invalid-amount",
                    format!("amount of {} must be 1 to {MAX_AMOUNT}", line.code),
                ));
            }
            if self.currency[..i].iter().any(|l| l.code == line.code) {
                return Err(unprocessable(
                    "invalid-grant",
                    format!("currency {} is named twice", line.code),
                ));
            }
        }
        let mut count = self.stamps;
        for line in &self.items {
            checked_code("item type", &line.item_type)?;
            if line.count == 0 {
                return Err(unprocessable(
                    "invalid-grant",
                    format!("count of {} must be at least 1", line.item_type),
                ));
            }
            count = count.saturating_add(line.count);
        }
        if count > MAX_GRANTED_ITEMS {
            return Err(unprocessable(
                "too-many-items",
                format!(
                    "a grant creates at most {MAX_GRANTED_ITEMS} items and stamps; asked {count}"
                ),
            ));
        }
        if count == 0 && self.currency.is_empty() {
            return Err(unprocessable(
                "empty-grant",
                "a grant gives some currency, items or stamps",
            ));
        }
        Ok(count)
    }

    /// The digest the idempotency record keeps: the same key for another
    /// player or another body is another request.
    fn hash(&self, game: &str, player: &str) -> String {
        let body = serde_json::json!({
            "game": game,
            "player": player,
            "currency": self.currency,
            "items": self.items,
            "stamps": self.stamps,
            "reason": self.reason(),
        });
        hex::encode(Sha256::digest(body.to_string().as_bytes()))
    }

    fn reason(&self) -> &str {
        self.reason.as_deref().unwrap_or(DEFAULT_REASON)
    }
}

async fn grant(
    State(state): State<Arc<AppState>>,
    correlation: CorrelationId,
    ApiPath((game, player)): ApiPath<(String, String)>,
    ApiJson(request): ApiJson<GrantRequest>,
) -> Result<Response, Problem> {
    for (what, value) in [("game", &game), ("player", &player)] {
        if value.is_empty() || value.len() > MAX_KEY_BYTES || value.contains('\0') {
            return Err(Problem::bad_request(format!(
                "a {what} id is 1 to {MAX_KEY_BYTES} bytes"
            )));
        }
    }
    let count = request.check()?;
    let request_hash = request.hash(&game, &player);
    let store = &state.store;
    let now_ms = crate::store::now_ms();
    if let Some(record) = store
        .idempotency_get(&game, SCOPE, &request.key, now_ms)
        .await?
    {
        return answer_stored(&record.answer(&request_hash), &request.key);
    }
    match accounts::by_id(store, &game, &player).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return Err(Problem::new(
                StatusCode::NOT_FOUND,
                "unknown-player",
                "No such player",
                format!("game {game} has no player {player}"),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let (batch, granted) = batch_of(
        &game,
        &player,
        &request,
        count,
        request_hash.clone(),
        EventMeta {
            game: game.clone(),
            correlation_id: Some(correlation.0),
            traceparent: None,
            created_at_ms: now_ms,
        },
    )?;
    let mut batch = batch;
    if batch
        .economy
        .credits
        .iter()
        .any(|c| c.currency == crate::progression::XP)
    {
        match state.tournaments.rules().curve(&game).await {
            Ok(curve) => {
                let meta = EventMeta {
                    game: game.clone(),
                    correlation_id: batch.events.first().and_then(|e| e.correlation_id.clone()),
                    traceparent: None,
                    created_at_ms: state.clock.now_ms(),
                };
                let watches = crate::progression::watches(&curve, &batch.economy.credits, &meta);
                batch.ops.extend(watches);
            }
            Err(e) => tracing::warn!(%game, error = %e, "no level curve: level-ups unannounced"),
        }
    }
    let body = batch
        .idempotency
        .as_ref()
        .map(|i| i.response.clone())
        .unwrap_or_default();
    match store.commit(batch).await {
        Ok(_) => {
            tracing::info!(%game, %player, key = %request.key, items = granted.items.len(),
                credits = granted.credits.len(), "operator grant");
            Ok(json_response(StatusCode::CREATED, body, false))
        }
        // Another attempt with this key committed first: answer its record.
        Err(StoreError::IdempotencyConflict { .. }) => {
            let record = store
                .idempotency_get(&game, SCOPE, &request.key, crate::store::now_ms())
                .await?;
            match record {
                Some(record) => answer_stored(&record.answer(&request_hash), &request.key),
                None => Err(in_flight(&request.key)),
            }
        }
        Err(StoreError::Database(e))
            if e.as_database_error()
                .is_some_and(|d| d.is_unique_violation()) =>
        {
            Err(Problem::new(
                StatusCode::CONFLICT,
                "grant-key-spent",
                "Key already granted",
                format!(
                    "key `{}` paid a grant whose replay record has expired; use a new key",
                    request.key
                ),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// The batch that pays `request` to `player`, and its answer (also stored
/// in the batch's idempotency record).
fn batch_of(
    game: &str,
    player: &str,
    request: &GrantRequest,
    count: u64,
    request_hash: String,
    meta: EventMeta,
) -> Result<(CommitBatch, Granted), Problem> {
    let reference = reference(&request.key);
    let mut economy = EconomyWrites::default();
    let mut granted = Granted {
        player: player.to_owned(),
        key: request.key.clone(),
        credits: Vec::with_capacity(request.currency.len()),
        items: Vec::with_capacity(usize::try_from(count).unwrap_or_default()),
    };
    for line in &request.currency {
        // Checked: at most MAX_AMOUNT, which fits.
        let amount = i64::try_from(line.amount).unwrap_or(i64::MAX);
        economy.credits.push(Credit {
            game: game.to_owned(),
            player: player.to_owned(),
            currency: line.code.clone(),
            amount,
            reason: LEDGER_REASON.into(),
            reference: reference.clone(),
            key: credit_key(&reference, player, &line.code),
        });
        granted.credits.push(GrantedCredit {
            currency: line.code.clone(),
            amount: line.amount,
        });
    }
    let lines = request
        .items
        .iter()
        .map(|l| (l.item_type.as_str(), l.count))
        .chain(std::iter::once((STAMP, request.stamps)));
    let types = lines.flat_map(|(item_type, n)| {
        std::iter::repeat_n(item_type, usize::try_from(n).unwrap_or_default())
    });
    for (i, item_type) in types.enumerate() {
        let item_id = item_id(&reference, player, i);
        economy.grants.push(ItemGrant {
            game: game.to_owned(),
            item_id: item_id.clone(),
            owner: player.to_owned(),
            item_type: item_type.to_owned(),
            source: reference.clone(),
        });
        granted.items.push(GrantedItem {
            item_id,
            item_type: item_type.to_owned(),
        });
    }
    let summary = serde_json::json!({
        "player": player,
        "reference": reference,
        "reason": request.reason(),
        "currency": request.currency,
        "items": request.items,
        "stamps": request.stamps,
    });
    economy.notices.push(Notice {
        game: game.to_owned(),
        player: player.to_owned(),
        kind: "grant".into(),
        body: summary.to_string(),
    });
    let event = OutboxEvent::from_emitted(
        &EmittedEvent {
            topic: ECONOMY_EVENTS.into(),
            key: player.to_owned(),
            event_type: "GrantedByOperator".into(),
            payload: summary,
        },
        &meta,
    );
    let response =
        serde_json::to_string(&granted).map_err(|e| Problem::internal("answering a grant", &e))?;
    let batch = CommitBatch {
        events: vec![event],
        economy,
        idempotency: Some(IdempotencyDone {
            game: game.to_owned(),
            scope: SCOPE.into(),
            key: request.key.clone(),
            request_hash,
            response,
            attempt: None,
            now_ms: meta.created_at_ms,
            expires_at_ms: meta.created_at_ms.saturating_add(REPLAY_TTL_MS),
        }),
        ..CommitBatch::default()
    };
    Ok((batch, granted))
}

/// What a stored record of the key answers a request.
fn answer_stored(begun: &Begun, key: &str) -> Result<Response, Problem> {
    match begun {
        Begun::Replay { response } => Ok(json_response(StatusCode::OK, response.clone(), true)),
        Begun::Mismatch => Err(unprocessable(
            "key-reused",
            format!("key `{key}` was used for another grant"),
        )),
        Begun::InFlight | Begun::New { .. } => Err(in_flight(key)),
    }
}

fn in_flight(key: &str) -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "in-flight",
        "Grant in flight",
        format!("a grant with key `{key}` is being committed; retry shortly"),
    )
}

fn json_response(status: StatusCode, body: String, replayed: bool) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if replayed {
        headers.insert(IDEMPOTENCY_REPLAYED, HeaderValue::from_static("true"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: &str) -> GrantRequest {
        serde_json::from_str(json).expect("a grant request")
    }

    fn kind(json: &str) -> String {
        request(json).check().unwrap_err().kind
    }

    #[test]
    fn a_grant_counts_its_items_and_stamps() {
        let r = request(
            r#"{"key":"k1","currency":[{"code":"gold","amount":100}],
                "items":[{"item_type":"potion","count":2}],"stamps":3,"reason":"support"}"#,
        );
        assert_eq!(r.check().unwrap(), 5);
    }

    #[test]
    fn a_grant_over_a_bound_or_of_nothing_is_refused() {
        assert!(kind(r#"{"key":""}"#).ends_with("invalid-grant"));
        assert!(kind(r#"{"key":"k"}"#).ends_with("empty-grant"));
        assert!(kind(r#"{"key":"k","stamps":10001}"#).ends_with("too-many-items"));
        assert!(
            kind(r#"{"key":"k","stamps":9999,"items":[{"item_type":"a","count":2}]}"#)
                .ends_with("too-many-items")
        );
        assert!(
            kind(r#"{"key":"k","currency":[{"code":"gold","amount":0}]}"#)
                .ends_with("invalid-amount")
        );
        assert!(
            kind(r#"{"key":"k","currency":[{"code":"gold","amount":1000000000001}]}"#)
                .ends_with("invalid-amount")
        );
        assert!(
            kind(
                r#"{"key":"k","currency":[{"code":"gold","amount":1},{"code":"gold","amount":2}]}"#
            )
            .ends_with("invalid-grant")
        );
        assert!(
            kind(r#"{"key":"k","items":[{"item_type":"a b","count":1}]}"#)
                .ends_with("invalid-grant")
        );
        assert!(
            kind(
                r#"{"key":"k","items":[{"item_type":"a","count":18446744073709551615}],"stamps":5}"#
            )
            .ends_with("too-many-items"),
            "counts do not overflow"
        );
    }

    #[test]
    fn the_same_key_pays_the_same_ids_and_another_body_hashes_apart() {
        let r = request(r#"{"key":"k1","items":[{"item_type":"potion","count":1}],"stamps":2}"#);
        let meta = EventMeta::default();
        let (_, first) = batch_of("g", "p", &r, 3, "h".into(), meta.clone()).unwrap();
        let (batch, again) = batch_of("g", "p", &r, 3, "h".into(), meta).unwrap();
        assert_eq!(first, again);
        let types: Vec<_> = first.items.iter().map(|i| i.item_type.as_str()).collect();
        assert_eq!(types, ["potion", STAMP, STAMP]);
        assert_eq!(batch.economy.grants.len(), 3);
        assert_eq!(batch.events.len(), 1);
        let mut other = r.clone();
        other.stamps = 3;
        assert_ne!(r.hash("g", "p"), other.hash("g", "p"));
        assert_ne!(r.hash("g", "p"), r.hash("g", "q"), "another player");
        let mut rekeyed = r.clone();
        rekeyed.key = "k2".into();
        assert_eq!(
            r.hash("g", "p"),
            rekeyed.hash("g", "p"),
            "the key is not hashed"
        );
    }
}
