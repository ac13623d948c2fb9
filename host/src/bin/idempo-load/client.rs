//! The host's HTTP API as the load generator calls it: sign-up and sign-in,
//! the operator's grants, the lobby, actions, listings and trades. Every call has a timeout
//! ([`REQUEST_TIMEOUT`]); every answer is typed, never a panic.

use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use idempo_host::admin::grants::{CurrencyLine, GrantRequest, Granted, ItemLine};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::Value;

/// The longest any one request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The password of every load player (the host's rules: 8+ characters).
const PASSWORD: &str = "load-generator-password";

/// A signed-in player.
#[derive(Debug, Clone)]
pub struct Session {
    pub player_id: String,
    pub token: String,
}

/// What a join or a look at the lobby found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seat {
    /// In this running match.
    Match(String),
    /// Waiting in the queue.
    Queued,
    /// Neither.
    Nowhere,
}

/// The answer to one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 200: the rules accepted it.
    Accepted { replayed: bool },
    /// Any other status, with the last segment of its problem `type`
    /// (`action-rejected`, `match-over`, ...; `-` if the body has none).
    Refused { status: u16, kind: String },
    /// No HTTP answer (connection refused or reset, timeout).
    Transport(String),
}

/// The host's API at one base URL.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    operator_token: String,
    game: String,
}

#[derive(Deserialize)]
struct SessionBody {
    token: String,
    player_id: String,
}

#[derive(Deserialize)]
struct LobbyBody {
    queued: bool,
    match_id: Option<String>,
}

impl Api {
    /// A client of the host at `base` (`http://host:port`), keeping up to
    /// `connections` idle connections open.
    pub fn new(
        base: &str,
        operator_token: &str,
        game: &str,
        connections: usize,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .pool_max_idle_per_host(connections)
            .tcp_nodelay(true)
            .build()
            .context("building the HTTP client")?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            operator_token: operator_token.to_owned(),
            game: game.to_owned(),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Registers `name` and signs it in.
    pub async fn sign_up(&self, name: &str) -> anyhow::Result<Session> {
        let credentials = serde_json::json!({ "name": name, "password": PASSWORD });
        let registered = self
            .http
            .post(self.url("/v1/players"))
            .json(&credentials)
            .send()
            .await
            .with_context(|| format!("registering {name}"))?;
        expect(registered, StatusCode::CREATED, "POST /v1/players").await?;
        let signed_in = self
            .http
            .post(self.url("/v1/sessions"))
            .json(&credentials)
            .send()
            .await
            .with_context(|| format!("signing {name} in"))?;
        let body: SessionBody = expect(signed_in, StatusCode::OK, "POST /v1/sessions")
            .await?
            .json()
            .await
            .context("reading a session")?;
        Ok(Session {
            player_id: body.player_id,
            token: body.token,
        })
    }

    /// Grants `stamps` stamps to `player` under idempotency key `key`: the
    /// stamps' ids.
    pub async fn grant_stamps(
        &self,
        player: &str,
        key: &str,
        stamps: u64,
    ) -> anyhow::Result<Vec<String>> {
        self.grant(player, key, Vec::new(), Vec::new(), stamps)
            .await
    }

    /// Grants `player` currency, items and stamps under idempotency key
    /// `key`: the new items' ids.
    pub async fn grant(
        &self,
        player: &str,
        key: &str,
        currency: Vec<CurrencyLine>,
        items: Vec<ItemLine>,
        stamps: u64,
    ) -> anyhow::Result<Vec<String>> {
        let request = GrantRequest {
            key: key.to_owned(),
            currency,
            items,
            stamps,
            reason: Some("load test".into()),
        };
        let path = format!("/admin/v1/games/{}/players/{player}/grants", self.game);
        let response = self
            .http
            .post(self.url(&path))
            .bearer_auth(&self.operator_token)
            .json(&request)
            .send()
            .await
            .with_context(|| format!("granting to {player}"))?;
        let status = response.status();
        if status != StatusCode::CREATED && status != StatusCode::OK {
            bail!("POST {path}: {status}: {}", text(response).await);
        }
        let granted: Granted = response.json().await.context("reading a grant")?;
        Ok(granted.items.into_iter().map(|i| i.item_id).collect())
    }

    /// Lists `item_id` at `price` gold under `key`: the listing's id.
    pub async fn list(
        &self,
        session: &Session,
        key: &str,
        item_id: &str,
        price: u64,
    ) -> anyhow::Result<String> {
        let body = serde_json::json!({ "item_id": item_id, "currency": "gold", "price": price });
        let response = self
            .http
            .post(self.url("/v1/market/listings"))
            .bearer_auth(&session.token)
            .header("idempotency-key", key)
            .json(&body)
            .send()
            .await
            .context("listing an item")?;
        let listing: Value = expect(response, StatusCode::CREATED, "POST /v1/market/listings")
            .await?
            .json()
            .await
            .context("reading a listing")?;
        listing["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("a listing without an id: {listing}"))
    }

    /// Buys `listing_id` under `key`: accepted once the trade completed
    /// (200, `COMPLETED`); a trade still running (202) or failed is a
    /// refusal of kind `trade-<state>`.
    pub async fn buy(&self, session: &Session, key: &str, listing_id: &str) -> Answer {
        let sent = self
            .http
            .post(self.url("/v1/trades"))
            .bearer_auth(&session.token)
            .header("idempotency-key", key)
            .json(&serde_json::json!({ "listing_id": listing_id }))
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Answer::Transport(e.to_string()),
        };
        let status = response.status();
        let replayed = response.headers().contains_key("idempotency-replayed");
        let body: Value = response.json().await.unwrap_or(Value::Null);
        match (status.as_u16(), body["state"].as_str()) {
            (200, Some("COMPLETED")) => Answer::Accepted { replayed },
            (200 | 202, Some(state)) => Answer::Refused {
                status: status.as_u16(),
                kind: format!("trade-{}", state.to_ascii_lowercase()),
            },
            _ => Answer::Refused {
                status: status.as_u16(),
                kind: kind_of(&body),
            },
        }
    }

    /// Joins the lobby.
    pub async fn join(&self, session: &Session) -> anyhow::Result<Seat> {
        let response = self
            .http
            .post(self.url("/v1/lobby"))
            .bearer_auth(&session.token)
            .send()
            .await
            .context("joining the lobby")?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let match_id = || body["match_id"].as_str().map(str::to_owned);
        match (status.as_u16(), kind_of(&body).as_str()) {
            (201, _) => match_id()
                .map(Seat::Match)
                .ok_or_else(|| anyhow!("POST /v1/lobby: 201 without a match_id: {body}")),
            (202, _) | (409, "already-queued") => Ok(Seat::Queued),
            (409, "already-in-match") => Ok(match_id().map_or(Seat::Nowhere, Seat::Match)),
            _ => bail!("POST /v1/lobby: {status}: {body}"),
        }
    }

    /// Where the player stands.
    pub async fn seat(&self, session: &Session) -> anyhow::Result<Seat> {
        let response = self
            .http
            .get(self.url("/v1/lobby"))
            .bearer_auth(&session.token)
            .send()
            .await
            .context("reading the lobby")?;
        let body: LobbyBody = expect(response, StatusCode::OK, "GET /v1/lobby")
            .await?
            .json()
            .await
            .context("reading the lobby")?;
        Ok(match (body.match_id, body.queued) {
            (Some(id), _) => Seat::Match(id),
            (None, true) => Seat::Queued,
            (None, false) => Seat::Nowhere,
        })
    }

    /// Sends one action (a JSON `action` body) to `match_id` under `key`,
    /// sealed by `stamp` if given. Reads a body only when it is a refusal.
    pub async fn act(
        &self,
        session: &Session,
        match_id: &str,
        key: &str,
        action: &Value,
        stamp: Option<&str>,
    ) -> Answer {
        let mut body = serde_json::json!({ "action": action });
        if let Some(stamp) = stamp {
            body["stamp"] = Value::from(stamp);
        }
        let sent = self
            .http
            .post(self.url(&format!("/v1/matches/{match_id}/actions")))
            .bearer_auth(&session.token)
            .header("idempotency-key", key)
            .json(&body)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Answer::Transport(e.to_string()),
        };
        let status = response.status();
        let replayed = response.headers().contains_key("idempotency-replayed");
        if status == StatusCode::OK {
            // Read to the end so the connection is reused.
            return match response.bytes().await {
                Ok(_) => Answer::Accepted { replayed },
                Err(e) => Answer::Transport(e.to_string()),
            };
        }
        let body: Value = response.json().await.unwrap_or(Value::Null);
        Answer::Refused {
            status: status.as_u16(),
            kind: kind_of(&body),
        }
    }
}

/// The last segment of a problem's `type` URL, or `-`.
pub fn kind_of(body: &Value) -> String {
    body["type"]
        .as_str()
        .and_then(|t| t.rsplit('/').next())
        .unwrap_or("-")
        .to_owned()
}

async fn text(response: reqwest::Response) -> String {
    response.text().await.unwrap_or_default()
}

/// `response` if it has `status`, else an error that shows what came.
async fn expect(
    response: reqwest::Response,
    status: StatusCode,
    what: &str,
) -> anyhow::Result<reqwest::Response> {
    if response.status() == status {
        return Ok(response);
    }
    let got = response.status();
    bail!(
        "{what}: expected {status}, got {got}: {}",
        text(response).await
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problems_kind_is_the_last_segment_of_its_type() {
        let body = serde_json::json!({ "type": "https://idempo.dev/problems/match-over" });
        assert_eq!(kind_of(&body), "match-over");
        assert_eq!(kind_of(&Value::Null), "-");
    }
}
