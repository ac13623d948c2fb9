//! The player API over real HTTP, as players meet it: they queue, meet in a
//! duel, act exactly once behind idempotency keys, seal actions with
//! stamps that are spent once however they race, read their economy, their
//! history and the leaderboard page by page; trade on the market (list,
//! browse, buy, offer, craft); every bad request gets a clear
//! problem+json and changes nothing; and the OpenAPI document lists every
//! route the router serves, and promises every answer these stories get:
//! each reply is checked against the document's status codes and schemas
//! ([`assert_documented`]).
//!
//! The arena here is a 4x4 pit without resources: fighters spawn next to
//! each other, so attacks and whirlwinds land at once, and a collect is
//! always refused by the rules. The market runs the standard market
//! component's rules (gold only, a 5% fee).

#[macro_use]
mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{GAME, Served, load, runtime, serve};
use idempo_host::arena::{ArenaConfig, request_hash};
use idempo_host::config::Config;
use idempo_host::economy::items::{self, ItemState};
use idempo_host::gateway::GatewayConfig;
use idempo_host::runtime::bindings::types::ActionKind;
use idempo_host::runtime::{Runtime, World};
use idempo_host::saga::SagaConfig;
use idempo_host::store::{
    Begun, CommitBatch, Credit, EconomyWrites, IdempotencyBegin, ItemGrant, LeaderboardDelta,
    Notice, STAMP,
};
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const OPERATOR_TOKEN: &str = "test-operator-token";
const PASSWORD: &str = "correct horse battery";
const BODY_LIMIT_BYTES: usize = 4 * 1024;

/// Every route of the player API, relative to `/v1`, as the OpenAPI
/// document names them. The document must list each, and only these, and
/// the router must serve each.
const ROUTES: &[(&str, &str)] = &[
    ("post", "/players"),
    ("post", "/sessions"),
    ("get", "/players/me"),
    ("get", "/lobby"),
    ("post", "/lobby"),
    ("delete", "/lobby"),
    ("get", "/matches/{id}"),
    ("get", "/matches/{id}/feed"),
    ("post", "/matches/{id}/actions"),
    ("get", "/players/me/matches"),
    ("get", "/players/me/wallet"),
    ("get", "/players/me/wallet/{currency}/ledger"),
    ("get", "/players/me/inventory"),
    ("get", "/players/me/notices"),
    ("get", "/market/listings"),
    ("post", "/market/listings"),
    ("get", "/market/listings/{id}"),
    ("delete", "/market/listings/{id}"),
    ("get", "/trades"),
    ("post", "/trades"),
    ("get", "/trades/{id}"),
    ("get", "/offers"),
    ("post", "/offers"),
    ("delete", "/offers/{id}"),
    ("post", "/offers/{id}/accept"),
    ("post", "/offers/{id}/decline"),
    ("get", "/crafting/recipes"),
    ("post", "/crafts"),
    ("get", "/leaderboard"),
    ("get", "/leaderboard/players/{player_id}"),
    ("get", "/players/me/progress"),
    ("get", "/tournaments/current"),
    ("get", "/tournaments/{day}"),
    ("post", "/tournaments/{day}/entries"),
    ("get", "/tournaments/{day}/me"),
    ("get", "/tournaments/{day}/groups/{group}"),
    ("get", "/tournaments/{day}/leaderboard"),
    ("post", "/tournaments/{day}/claim"),
    ("get", "/openapi.json"),
    ("get", "/ws"),
];

// ------------------------------------------------------------------ fixtures

/// A host whose lobby starts a match as soon as `players` have joined
/// (and not before: the wait is long), in a 4x4 pit.
async fn host(players: usize) -> Served {
    serve(config(players), combat_runtime()).await
}

/// A host of duels, as [`host`], that also runs the standard market.
async fn market_host() -> Served {
    let rt = combat_runtime();
    load(&rt, World::Market, "standard", "1.0.0", "market_standard");
    serve(config(2), rt).await
}

/// A runtime with the classic combat rules and the standard tournament
/// (which gives the level curve).
fn combat_runtime() -> Runtime {
    let rt = runtime();
    load(&rt, World::Combat, "classic", "1.0.0", "combat_classic");
    load(
        &rt,
        World::Tournament,
        "standard",
        "1.0.0",
        "tournament_standard",
    );
    rt
}

/// The configuration of [`host`]: its lobby, its pit, and a trade's answer
/// that waits long enough for a trade to end.
fn config(players: usize) -> Config {
    Config {
        operator_token: OPERATOR_TOKEN.into(),
        gateway: GatewayConfig {
            jwt_secret: "a-test-secret-that-is-long-enough-0123".into(),
            rate_limit_burst: 10_000,
            rate_limit_per_second: 10_000.0,
            // Small, so an oversized body fits the socket's buffers whole
            // and the client reads the 413 instead of a broken pipe.
            body_limit_bytes: BODY_LIMIT_BYTES,
            ..GatewayConfig::default()
        },
        arena: ArenaConfig {
            min_players: 2,
            max_players: players,
            lobby_wait_ms: 600_000,
            arena_width: 4,
            arena_height: 4,
            initial_resources: 0,
            ..ArenaConfig::default()
        },
        saga: SagaConfig {
            answer_wait_ms: 5_000,
            ..SagaConfig::default()
        },
        ..Config::default()
    }
}

/// A signed-in player.
#[derive(Debug, Clone)]
struct Player {
    id: String,
    token: String,
}

/// An answer: status, headers, and the body as JSON (`Null` if none).
#[derive(Debug)]
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Reply {
    fn content_type(&self) -> &str {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn replayed(&self) -> bool {
        self.headers
            .get("idempotency-replayed")
            .is_some_and(|v| v == "true")
    }

    /// Asserts `status` and a JSON body.
    fn ok(self, status: StatusCode) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.content_type(), "application/json", "{}", self.body);
        self.body
    }

    /// Asserts a problem+json refusal with `status` and a `type` ending in
    /// `/kind`; the problem.
    fn problem(self, status: StatusCode, kind: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "{}",
            self.body
        );
        assert_eq!(self.body["status"], status.as_u16(), "{}", self.body);
        let got = self.body["type"].as_str().unwrap_or_default();
        assert!(got.ends_with(&format!("/{kind}")), "{kind}: {}", self.body);
        assert!(self.body["detail"].is_string(), "{}", self.body);
        self.body
    }
}

/// One request: what a client sends.
#[derive(Default)]
struct Ask<'a> {
    token: Option<&'a str>,
    key: Option<&'a str>,
    json: Option<Value>,
    raw: Option<(&'a str, Vec<u8>)>,
}

async fn send(client: &reqwest::Client, method: Method, url: &str, ask: Ask<'_>) -> Reply {
    let mut request = client.request(method, url);
    if let Some(token) = ask.token {
        request = request.bearer_auth(token);
    }
    if let Some(key) = ask.key {
        request = request.header("Idempotency-Key", key);
    }
    if let Some(json) = &ask.json {
        request = request.json(json);
    }
    if let Some((content_type, bytes)) = ask.raw {
        request = request.header(CONTENT_TYPE, content_type).body(bytes);
    }
    let response = request.send().await.expect("the host answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("a body");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
    }
}

/// The player API of a served host, as one client.
struct Api {
    base: String,
    client: reqwest::Client,
}

impl Api {
    fn of(served: &Served) -> Self {
        Self {
            base: format!("{}/v1", served.base),
            client: reqwest::Client::new(),
        }
    }

    /// Another connection to the same host.
    fn another(&self) -> Self {
        Self {
            base: self.base.clone(),
            client: reqwest::Client::new(),
        }
    }

    /// One request; its reply must be one the OpenAPI document promises.
    async fn call(&self, method: Method, path: &str, ask: Ask<'_>) -> Reply {
        let url = format!("{}{path}", self.base);
        let reply = send(&self.client, method.clone(), &url, ask).await;
        assert_documented(&method, path, &reply);
        reply
    }

    async fn get(&self, who: &Player, path: &str) -> Reply {
        let ask = Ask {
            token: Some(&who.token),
            ..Ask::default()
        };
        self.call(Method::GET, path, ask).await
    }

    /// Registers `name` and signs in.
    async fn player(&self, name: &str) -> Player {
        let credentials = json!({ "name": name, "password": PASSWORD });
        let ask = |json: &Value| Ask {
            json: Some(json.clone()),
            ..Ask::default()
        };
        let registered = self
            .call(Method::POST, "/players", ask(&credentials))
            .await
            .ok(StatusCode::CREATED);
        let session = self
            .call(Method::POST, "/sessions", ask(&credentials))
            .await
            .ok(StatusCode::OK);
        Player {
            id: registered["player_id"].as_str().expect("an id").to_owned(),
            token: session["token"].as_str().expect("a token").to_owned(),
        }
    }

    /// `who` sends a mutating call under `key`, with `body` if any.
    async fn command(
        &self,
        who: &Player,
        method: Method,
        path: &str,
        key: &str,
        body: Option<Value>,
    ) -> Reply {
        let ask = Ask {
            token: Some(&who.token),
            key: Some(key),
            json: body,
            ..Ask::default()
        };
        self.call(method, path, ask).await
    }

    async fn lobby(&self, method: Method, who: &Player) -> Reply {
        let ask = Ask {
            token: Some(&who.token),
            ..Ask::default()
        };
        self.call(method, "/lobby", ask).await
    }

    /// `who` acts in `match_id` under `key`.
    async fn act(&self, who: &Player, match_id: &str, key: &str, body: Value) -> Reply {
        let ask = Ask {
            token: Some(&who.token),
            key: Some(key),
            json: Some(body),
            ..Ask::default()
        };
        let path = format!("/matches/{match_id}/actions");
        self.call(Method::POST, &path, ask).await
    }

    /// Every entry of a match's feed, read page by page.
    async fn whole_feed(&self, who: &Player, match_id: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut after = 0;
        loop {
            let page = self
                .get(
                    who,
                    &format!("/matches/{match_id}/feed?after={after}&limit=50"),
                )
                .await
                .ok(StatusCode::OK);
            let got = page["items"].as_array().expect("items").clone();
            if got.is_empty() {
                assert_eq!(page["next_after"], after, "an empty page keeps `after`");
                return items;
            }
            after = page["next_after"].as_i64().expect("next_after");
            assert_eq!(got.last().map(|i| &i["seq"]), Some(&json!(after)));
            items.extend(got);
        }
    }

    /// The ids of the actions a match's log holds, in order.
    async fn logged_actions(&self, who: &Player, match_id: &str) -> Vec<String> {
        self.whole_feed(who, match_id)
            .await
            .iter()
            .filter(|item| item["entry"]["kind"] == "action")
            .map(|item| item["entry"]["action"]["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Two new players, `a` and `b`, in a duel that starts as `b` joins.
    async fn duel(&self, a: &str, b: &str) -> (String, Player, Player) {
        let (a, b) = (self.player(a).await, self.player(b).await);
        let match_id = self.start(&[&a, &b]).await;
        (match_id, a, b)
    }

    /// `players` join in order; the last join fills the match.
    async fn start(&self, players: &[&Player]) -> String {
        let (last, first) = players.split_last().expect("players");
        for p in first {
            let queued = self.lobby(Method::POST, p).await.ok(StatusCode::ACCEPTED);
            assert_eq!(queued, json!({ "status": "queued" }));
        }
        let matched = self.lobby(Method::POST, last).await.ok(StatusCode::CREATED);
        assert_eq!(matched["status"], "matched", "{matched}");
        matched["match_id"].as_str().expect("a match id").to_owned()
    }

    /// `a` attacks `b` until `b` falls (a fresh key per blow); the last
    /// outcome.
    async fn beat(&self, a: &Player, b: &Player, match_id: &str) -> Value {
        for blow in 0..30 {
            let outcome = self
                .act(
                    a,
                    match_id,
                    &format!("blow-{}-{blow}", b.id),
                    json!({ "action": { "type": "attack", "target": b.id } }),
                )
                .await
                .ok(StatusCode::OK);
            let died = outcome["effects"]
                .as_array()
                .expect("effects")
                .iter()
                .any(|e| e["Died"] == b.id.as_str());
            if died {
                return outcome;
            }
        }
        panic!("30 blows of 12 or more kill a fighter of 100 hp");
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Waits (up to 10 s) for `check` to hold.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..500 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what} did not happen within 10 s");
}

fn stamp_grant(owner: &Player, item_id: &str) -> ItemGrant {
    ItemGrant {
        game: GAME.into(),
        item_id: item_id.into(),
        owner: owner.id.clone(),
        item_type: STAMP.into(),
        source: "test:grant".into(),
    }
}

/// Commits `economy` as the rewards consumer or an operator grant would.
async fn commit_economy(served: &Served, economy: EconomyWrites) {
    served
        .store
        .commit(CommitBatch {
            economy,
            ..CommitBatch::default()
        })
        .await
        .expect("the economy rows commit");
}

fn without_replayed(mut outcome: Value) -> Value {
    outcome["replayed"] = json!(false);
    outcome
}

// ------------------------------------------------------------------ the document as a contract

/// The OpenAPI document, as the host serves it.
fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        serde_json::from_str(idempo_host::api::openapi::DOCUMENT).expect("the document is JSON")
    })
}

/// Follows a local `$ref`, if `value` is one.
fn resolve(value: &Value) -> &Value {
    match value["$ref"].as_str() {
        Some(r) => document()
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{r} resolves")),
        None => value,
    }
}

/// Asserts that `reply` to `method path` (relative to `/v1`) is one the
/// document promises: a status it lists for the operation, with a body of
/// the schema it gives. A path the document does not know (the router's
/// own 404 and 405) is not checked here.
fn assert_documented(method: &Method, path: &str, reply: &Reply) {
    let path = path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').collect();
    let matches = |template: &str| {
        let t: Vec<&str> = template.split('/').collect();
        t.len() == segments.len()
            && t.iter()
                .zip(&segments)
                .all(|(t, s)| t == s || (t.starts_with('{') && t.ends_with('}')))
    };
    let paths = document()["paths"].as_object().expect("paths");
    let Some((template, item)) = paths.iter().find(|(t, _)| matches(t)) else {
        return;
    };
    let Some(operation) = item.get(method.as_str().to_lowercase()) else {
        return;
    };
    let what = format!("{method} {template} -> {}", reply.status.as_u16());
    let response = resolve(&operation["responses"][reply.status.as_str()]);
    assert!(
        response.is_object(),
        "{what} is not documented: {}",
        reply.body
    );
    let Some(content) = response.get("content") else {
        assert!(reply.body.is_null(), "{what} has no body: {}", reply.body);
        return;
    };
    let schema = &content[reply.content_type()]["schema"];
    assert!(
        schema.is_object(),
        "{what} is not documented as {}",
        reply.content_type()
    );
    if let Err(why) = conforms(schema, &reply.body, "$", true) {
        panic!(
            "{what}: the body breaks the document's schema: {why}\n{}",
            reply.body
        );
    }
}

/// Whether `value` conforms to `schema` (the subset of JSON Schema the
/// document uses). `strict`: an object may not hold properties the schema
/// does not name, unless it says `additionalProperties: true`.
fn conforms(schema: &Value, value: &Value, at: &str, strict: bool) -> Result<(), String> {
    let schema = resolve(schema);
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            conforms(s, value, at, false)?;
        }
        let members: Vec<&Value> = all.iter().map(resolve).collect();
        let open = members.iter().any(|m| m["additionalProperties"] == true);
        if strict
            && !open
            && let Some(object) = value.as_object()
        {
            for key in object.keys() {
                let named = members.iter().any(|m| m["properties"].get(key).is_some());
                if !named {
                    return Err(format!("{at}.{key} is not in the schema"));
                }
            }
        }
        return Ok(());
    }
    if let Some(one_of) = schema["oneOf"].as_array() {
        let why: Vec<String> = one_of
            .iter()
            .filter_map(|s| conforms(s, value, at, strict).err())
            .collect();
        return match why.len() < one_of.len() {
            true => Ok(()),
            false => Err(format!("{at} matches no alternative: {}", why.join("; "))),
        };
    }
    if let Some(expected) = schema.get("const")
        && value != expected
    {
        return Err(format!("{at} is {value}, not {expected}"));
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        return Err(format!("{at} is {value}, not one of {allowed:?}"));
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            other => other.as_str().into_iter().collect(),
        };
        let is = |t: &str| match t {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "string" => value.is_string(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => false,
        };
        if !types.iter().any(|t| is(t)) {
            return Err(format!("{at} is {value}, not of type {types:?}"));
        }
    }
    if let (Some(properties), Some(object)) = (schema["properties"].as_object(), value.as_object())
    {
        for required in schema["required"].as_array().into_iter().flatten() {
            let key = required.as_str().unwrap_or_default();
            if !object.contains_key(key) {
                return Err(format!("{at}.{key} is missing"));
            }
        }
        for (key, v) in object {
            match properties.get(key) {
                Some(s) => conforms(s, v, &format!("{at}.{key}"), true)?,
                None if strict && schema["additionalProperties"] != true => {
                    return Err(format!("{at}.{key} is not in the schema"));
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
        for (i, v) in list.iter().enumerate() {
            conforms(items, v, &format!("{at}[{i}]"), true)?;
        }
    }
    Ok(())
}

#[test]
fn the_contract_check_refuses_a_body_the_document_does_not_promise() {
    let schema = |name: &str| json!({ "$ref": format!("#/components/schemas/{name}") });
    let outcome = json!({
        "match_id": "m1", "action_id": "k1", "seq": 3, "at_ms": 1200, "rejected": null,
        "effects": [{ "Moved": { "player": "ann", "from": { "x": 1, "y": 1 }, "to": { "x": 1, "y": 0 } } }],
        "finished": null, "replayed": false,
    });
    conforms(&schema("ActionOutcome"), &outcome, "$", true).expect("a true outcome conforms");
    let mut missing = outcome.clone();
    missing.as_object_mut().unwrap().remove("seq");
    let mut extra = outcome.clone();
    extra["mood"] = json!("happy");
    let mut bad_effect = outcome.clone();
    bad_effect["effects"] = json!([{ "Flew": { "player": "ann" } }]);
    let mut bad_type = outcome;
    bad_type["at_ms"] = json!("soon");
    for broken in [missing, extra, bad_effect, bad_type] {
        assert!(
            conforms(&schema("ActionOutcome"), &broken, "$", true).is_err(),
            "{broken}"
        );
    }
}

// ------------------------------------------------------------------ lobby

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_player_queues_leaves_and_queues_again_until_a_rival_fills_the_duel() {
    let served = host(2).await;
    let api = Api::of(&served);
    let (ann, bob) = (api.player("ann").await, api.player("bob").await);

    let idle = api.lobby(Method::GET, &ann).await.ok(StatusCode::OK);
    let empty_queue = json!({
        "size": 0, "position": null, "min_players": 2, "max_players": 2,
        "forms_at_ms": null, "next": [],
    });
    assert_eq!(
        idle,
        json!({ "queued": false, "match_id": null, "queue": empty_queue, "names": {} })
    );
    api.lobby(Method::POST, &ann).await.ok(StatusCode::ACCEPTED);
    let waiting = api.lobby(Method::GET, &ann).await.ok(StatusCode::OK);
    let queue = json!({
        "size": 1, "position": 1, "min_players": 2, "max_players": 2,
        "forms_at_ms": null, "next": [ann.id],
    });
    assert_eq!(
        waiting,
        json!({ "queued": true, "match_id": null, "queue": queue, "names": { (ann.id.as_str()): "ann" } })
    );
    api.lobby(Method::POST, &ann)
        .await
        .problem(StatusCode::CONFLICT, "already-queued");

    let left = api.lobby(Method::DELETE, &ann).await;
    assert_eq!(left.status, StatusCode::NO_CONTENT);
    api.lobby(Method::DELETE, &ann)
        .await
        .problem(StatusCode::NOT_FOUND, "not-queued");

    let match_id = api.start(&[&ann, &bob]).await;
    let fighting = api.lobby(Method::GET, &ann).await.ok(StatusCode::OK);
    assert_eq!(
        fighting,
        json!({ "queued": false, "match_id": match_id, "queue": empty_queue, "names": {} })
    );
    let refused = api
        .lobby(Method::POST, &bob)
        .await
        .problem(StatusCode::CONFLICT, "already-in-match");
    assert_eq!(refused["match_id"], match_id.as_str());

    // Anyone signed in may watch the match.
    let cid = api.player("cid").await;
    let view = api
        .get(&cid, &format!("/matches/{match_id}"))
        .await
        .ok(StatusCode::OK);
    assert_eq!(view["match_id"], match_id.as_str());
    assert_eq!(view["version"], "1.0.0");
    let fighters: BTreeSet<_> = view["state"]["fighters"]
        .as_array()
        .expect("fighters")
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fighters, BTreeSet::from([ann.id.clone(), bob.id.clone()]));
    assert_eq!(
        view["names"],
        json!({ (ann.id.as_str()): "ann", (bob.id.as_str()): "bob" })
    );
    assert!(view["finished"].is_null());
}

// ------------------------------------------------------------------ idempotency

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_of_an_idempotency_key_over_http() {
    let served = host(2).await;
    let api = Api::of(&served);
    let (match_id, ann, bob) = api.duel("ann", "bob").await;
    let defend = json!({ "action": { "type": "defend" } });

    // The first request runs once.
    let first = api.act(&ann, &match_id, "k1", defend.clone()).await;
    assert!(!first.replayed());
    let first = first.ok(StatusCode::OK);
    assert_eq!(first["action_id"], "k1");
    assert!(
        first["rejected"].is_null() && first["seq"].is_i64(),
        "{first}"
    );
    assert_eq!(first["replayed"], false);

    // A retry with the same key and body: the stored answer, marked.
    let again = api.act(&ann, &match_id, "k1", defend.clone()).await;
    assert!(again.replayed(), "Idempotency-Replayed: true");
    let again = again.ok(StatusCode::OK);
    assert_eq!(again["replayed"], true);
    assert_eq!(without_replayed(again), first, "the same answer");

    // The same key with another payload.
    let collect = json!({ "action": { "type": "collect" } });
    api.act(&ann, &match_id, "k1", collect.clone())
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused");

    // The same key while another attempt holds it.
    let held = served
        .store
        .idempotency_begin(&IdempotencyBegin {
            game: GAME.into(),
            scope: ann.id.clone(),
            key: "k2".into(),
            request_hash: request_hash(&match_id, &ActionKind::Defend, None),
            now_ms: now_ms(),
            in_flight_ttl_ms: 60_000,
        })
        .await
        .expect("another attempt reserves k2");
    assert!(matches!(held, Begun::New { .. }));
    api.act(&ann, &match_id, "k2", defend.clone())
        .await
        .problem(StatusCode::CONFLICT, "idempotency-key-in-flight");

    // Keys are the player's own: bob's k1 is another key.
    let bobs = api
        .act(&bob, &match_id, "k1", defend.clone())
        .await
        .ok(StatusCode::OK);
    assert_eq!(bobs["replayed"], false);

    // A refusal of the rules is an answer too: 422, stored, replayed.
    let refused = api
        .act(&bob, &match_id, "k3", collect.clone())
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "action-rejected");
    let outcome = &refused["outcome"];
    assert!(
        outcome["rejected"].is_string() && outcome["seq"].is_null(),
        "{refused}"
    );
    assert_eq!(refused["detail"], outcome["rejected"]);
    let replay = api.act(&bob, &match_id, "k3", collect.clone()).await;
    assert!(replay.replayed());
    let replay = replay.problem(StatusCode::UNPROCESSABLE_ENTITY, "action-rejected");
    assert_eq!(replay["outcome"]["replayed"], true);
    assert_eq!(
        without_replayed(replay["outcome"].clone()),
        refused["outcome"]
    );

    // An action without a key, or with a malformed one.
    let no_key = Ask {
        token: Some(&ann.token),
        json: Some(defend.clone()),
        ..Ask::default()
    };
    let path = format!("/matches/{match_id}/actions");
    api.call(Method::POST, &path, no_key)
        .await
        .problem(StatusCode::BAD_REQUEST, "idempotency-key-missing");
    for bad in ["", "two words", &"k".repeat(256), "naïve"] {
        let ask = Ask {
            token: Some(&ann.token),
            key: Some(bad),
            json: Some(defend.clone()),
            ..Ask::default()
        };
        api.call(Method::POST, &path, ask)
            .await
            .problem(StatusCode::BAD_REQUEST, "idempotency-key-invalid");
    }

    // Each acknowledged action is in the log once; nothing else is.
    assert_eq!(
        api.logged_actions(&ann, &match_id).await,
        ["k1", "k1"],
        "ann's k1 and bob's k1"
    );
}

// ------------------------------------------------------------------ bad input

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_a_clear_problem_and_change_nothing() {
    let served = host(2).await;
    let api = Api::of(&served);
    let (match_id, ann, _bob) = api.duel("ann", "bob").await;
    let cid = api.player("cid").await;
    api.act(
        &ann,
        &match_id,
        "first",
        json!({ "action": { "type": "defend" } }),
    )
    .await
    .ok(StatusCode::OK);
    let defend = json!({ "action": { "type": "defend" } });
    let actions = format!("/matches/{match_id}/actions");

    // Who and where.
    api.act(&ann, "no-such-match", "b1", defend.clone())
        .await
        .problem(StatusCode::NOT_FOUND, "unknown-match");
    api.act(&cid, &match_id, "b2", defend.clone())
        .await
        .problem(StatusCode::FORBIDDEN, "not-a-member");
    let operator = Ask {
        token: Some(OPERATOR_TOKEN),
        key: Some("b3"),
        json: Some(defend.clone()),
        ..Ask::default()
    };
    api.call(Method::POST, &actions, operator)
        .await
        .problem(StatusCode::UNAUTHORIZED, "operator-token");
    let anonymous = Ask {
        key: Some("b4"),
        json: Some(defend.clone()),
        ..Ask::default()
    };
    api.call(Method::POST, &actions, anonymous)
        .await
        .problem(StatusCode::UNAUTHORIZED, "token-missing");

    // What.
    let shapes = [
        (
            json!({ "action": { "type": "fly" } }),
            "unknown action type",
        ),
        (
            json!({ "action": { "type": "move", "direction": "up" } }),
            "bad direction",
        ),
        (json!({ "action": { "type": "attack" } }), "no target"),
        (
            json!({ "action": { "type": "defend", "power": 9 } }),
            "unknown field",
        ),
        (json!({ "action": { "Move": "North" } }), "the WIT shape"),
        (json!({ "act": { "type": "defend" } }), "no action"),
    ];
    for (i, (body, why)) in shapes.into_iter().enumerate() {
        let reply = api.act(&ann, &match_id, &format!("shape-{i}"), body).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        reply.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid-body");
    }
    let raw = |content_type: &'static str, bytes: Vec<u8>| Ask {
        token: Some(&ann.token),
        key: Some("raw"),
        raw: Some((content_type, bytes)),
        ..Ask::default()
    };
    api.call(
        Method::POST,
        &actions,
        raw("application/json", b"{".to_vec()),
    )
    .await
    .problem(StatusCode::BAD_REQUEST, "malformed-body");
    api.call(
        Method::POST,
        &actions,
        raw("text/plain", b"defend".to_vec()),
    )
    .await
    .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
    let mut huge = br#"{"action":{"type":"defend"},"stamp":""#.to_vec();
    huge.extend(std::iter::repeat_n(b'x', BODY_LIMIT_BYTES));
    huge.extend(br#""}"#);
    api.call(Method::POST, &actions, raw("application/json", huge))
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE, "body-too-large");
    let empty_stamp = json!({ "action": { "type": "defend" }, "stamp": "" });
    api.act(&ann, &match_id, "reused-after-refusal", empty_stamp)
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid-request");

    // Reads, with bad parameters.
    for (path, kind) in [
        (
            format!("/matches/{match_id}/feed?limit=abc"),
            "invalid-query",
        ),
        (
            format!("/matches/{match_id}/feed?limit=1001"),
            "invalid-limit",
        ),
        (format!("/matches/{match_id}/feed?limit=0"), "invalid-limit"),
        (
            format!("/matches/{match_id}/feed?after=-1"),
            "invalid-query",
        ),
        (format!("/matches/{match_id}/feed?since=3"), "invalid-query"),
        (
            "/players/me/matches?before=yesterday".into(),
            "invalid-cursor",
        ),
        ("/players/me/matches?limit=101".into(), "invalid-limit"),
        ("/players/me/inventory?limit=-2".into(), "invalid-query"),
        (
            "/players/me/wallet/gold/ledger?before=-1".into(),
            "invalid-query",
        ),
        ("/players/me/notices?after=x".into(), "invalid-query"),
        ("/leaderboard?limit=500".into(), "invalid-limit"),
        ("/matches/a%00b".into(), "invalid-path"),
        ("/players/me/wallet/gold%0A/ledger".into(), "invalid-path"),
        (
            format!("/leaderboard/players/{}", "p".repeat(256)),
            "invalid-path",
        ),
        ("/players/me/inventory?after=%01".into(), "invalid-query"),
        ("/players/me/inventory?type=".into(), "invalid-query"),
        (
            "/players/me/matches?before=12%3A%00".into(),
            "invalid-cursor",
        ),
    ] {
        api.get(&ann, &path)
            .await
            .problem(StatusCode::BAD_REQUEST, kind);
    }
    api.get(&ann, "/matches/no-such-match")
        .await
        .problem(StatusCode::NOT_FOUND, "unknown-match");
    api.get(&ann, "/matches/no-such-match/feed")
        .await
        .problem(StatusCode::NOT_FOUND, "unknown-match");
    api.get(&ann, "/matches/x/nonsense")
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
    api.call(Method::PUT, &actions, Ask::default())
        .await
        .problem(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed");

    // Nothing changed: the log holds no action of theirs (time passing adds
    // ticks, nothing else), and a refused request left no record of its
    // key, which now serves a valid request.
    assert_eq!(api.logged_actions(&ann, &match_id).await, ["first"]);
    let fresh = api
        .act(&ann, &match_id, "reused-after-refusal", defend.clone())
        .await;
    assert!(!fresh.replayed());
    fresh.ok(StatusCode::OK);
    assert_eq!(
        api.logged_actions(&ann, &match_id).await,
        ["first", "reused-after-refusal"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fallen_fighter_cannot_act_and_a_finished_match_takes_no_more() {
    let served = host(3).await;
    let api = Api::of(&served);
    let (ann, bob, cid) = (
        api.player("ann").await,
        api.player("bob").await,
        api.player("cid").await,
    );
    let match_id = api.start(&[&ann, &bob, &cid]).await;

    let blow = api.beat(&ann, &bob, &match_id).await;
    assert!(blow["finished"].is_null(), "two fighters still stand");
    let logged = api.logged_actions(&ann, &match_id).await;
    api.act(
        &bob,
        &match_id,
        "from-the-grave",
        json!({ "action": { "type": "defend" } }),
    )
    .await
    .problem(StatusCode::CONFLICT, "dead-fighter");
    assert_eq!(api.logged_actions(&ann, &match_id).await, logged);

    let last = api.beat(&ann, &cid, &match_id).await;
    assert!(last["finished"]["placings"].is_array(), "{last}");
    api.act(
        &ann,
        &match_id,
        "after-the-end",
        json!({ "action": { "type": "defend" } }),
    )
    .await
    .problem(StatusCode::CONFLICT, "match-over");
}

// ------------------------------------------------------------------ stamps

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stamp_seals_one_action_and_is_spent_exactly_once_even_when_raced() {
    let served = host(2).await;
    let api = Api::of(&served);
    let (match_id, ann, bob) = api.duel("ann", "bob").await;
    commit_economy(
        &served,
        EconomyWrites {
            grants: vec![stamp_grant(&ann, "stamp-a1"), stamp_grant(&ann, "stamp-a2")],
            ..EconomyWrites::default()
        },
    )
    .await;
    let stamps = api
        .get(&ann, "/players/me/inventory?type=stamp")
        .await
        .ok(StatusCode::OK);
    assert_eq!(
        stamps["items"].as_array().map(Vec::len),
        Some(2),
        "{stamps}"
    );

    // A stamped whirlwind needs no energy (ann has none): the stamp is its id.
    let whirlwind = |stamp: &str| json!({ "action": { "type": "special", "ability": "whirlwind" }, "stamp": stamp });
    let sealed = api
        .act(&ann, &match_id, "w1", whirlwind("stamp-a1"))
        .await
        .ok(StatusCode::OK);
    assert_eq!(sealed["action_id"], "stamp-a1");
    let unsealed = api
        .act(
            &ann,
            &match_id,
            "w-plain",
            json!({ "action": { "type": "special", "ability": "whirlwind" } }),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "action-rejected");
    assert!(
        unsealed["detail"].as_str().unwrap().contains("energy"),
        "{unsealed}"
    );

    // Spent: gone from the inventory, kept for audit.
    let left = api
        .get(&ann, "/players/me/inventory?type=stamp")
        .await
        .ok(StatusCode::OK);
    let ids: Vec<_> = left["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["stamp-a2"]);
    let spent = items::get(&served.store, GAME, "stamp-a1")
        .await
        .expect("reads")
        .expect("kept");
    assert_eq!(spent.state, ItemState::Spent);

    // Its retry replays; another key cannot spend it again; nor can bob.
    let retry = api.act(&ann, &match_id, "w1", whirlwind("stamp-a1")).await;
    assert!(retry.replayed());
    assert_eq!(without_replayed(retry.ok(StatusCode::OK)), sealed);
    api.act(&ann, &match_id, "w2", whirlwind("stamp-a1"))
        .await
        .problem(StatusCode::CONFLICT, "stamp-unavailable");
    api.act(&bob, &match_id, "w3", whirlwind("stamp-a2"))
        .await
        .problem(StatusCode::CONFLICT, "stamp-unavailable");
    api.act(&ann, &match_id, "w4", whirlwind("no-such-stamp"))
        .await
        .problem(StatusCode::CONFLICT, "stamp-unavailable");

    // One stamp, two connections, two keys, at once: exactly one wins.
    let other = api.another();
    let (a, b) = tokio::join!(
        api.act(&ann, &match_id, "race-a", whirlwind("stamp-a2")),
        other.act(&ann, &match_id, "race-b", whirlwind("stamp-a2")),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{a:?} {b:?}"
    );
    let loser = if a.status == StatusCode::CONFLICT {
        a
    } else {
        b
    };
    loser.problem(StatusCode::CONFLICT, "stamp-unavailable");

    let logged = api.logged_actions(&ann, &match_id).await;
    assert_eq!(
        logged,
        ["stamp-a1", "stamp-a2"],
        "each stamp sealed one action"
    );
    let empty = api
        .get(&ann, "/players/me/inventory?type=stamp")
        .await
        .ok(StatusCode::OK);
    assert_eq!(empty, json!({ "items": [], "next_after": null }));
}

// ------------------------------------------------------------------ reads

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_player_pages_through_their_wallet_ledger_inventory_and_notices() {
    let served = host(2).await;
    let api = Api::of(&served);
    let (ann, bob) = (api.player("ann").await, api.player("bob").await);

    // A newcomer has nothing, and is told so.
    assert_eq!(
        api.get(&bob, "/players/me/wallet").await.ok(StatusCode::OK),
        json!({ "balances": [] })
    );
    assert_eq!(
        api.get(&bob, "/players/me/wallet/gold/ledger")
            .await
            .ok(StatusCode::OK),
        json!({ "entries": [], "next_before": null })
    );
    assert_eq!(
        api.get(&bob, "/players/me/notices")
            .await
            .ok(StatusCode::OK),
        json!({ "notices": [], "next_after": 0 })
    );

    let credit = |currency: &str, amount: i64, n: u32| Credit {
        game: GAME.into(),
        player: ann.id.clone(),
        currency: currency.into(),
        amount,
        reason: "test".into(),
        reference: format!("test:{n}"),
        key: format!("test:{n}/{currency}"),
    };
    let item = |n: u32, item_type: &str| ItemGrant {
        game: GAME.into(),
        item_id: format!("itm-{n}"),
        owner: ann.id.clone(),
        item_type: item_type.into(),
        source: "test".into(),
    };
    let notice = |n: u32| Notice {
        game: GAME.into(),
        player: ann.id.clone(),
        kind: "test".into(),
        body: json!({ "n": n }).to_string(),
    };
    commit_economy(
        &served,
        EconomyWrites {
            credits: vec![
                credit("gold", 10, 1),
                credit("gold", 20, 2),
                credit("gold", 30, 3),
                credit("xp", 5, 4),
            ],
            grants: vec![
                item(1, "potion"),
                item(2, "potion"),
                item(3, STAMP),
                item(4, "potion"),
            ],
            notices: vec![notice(1), notice(2), notice(3)],
        },
    )
    .await;

    let wallet = api.get(&ann, "/players/me/wallet").await.ok(StatusCode::OK);
    let gold = wallet["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["currency"] == "gold")
        .cloned()
        .expect("gold");
    assert_eq!(
        (&gold["available"], &gold["version"]),
        (&json!(60), &json!(3))
    );

    // The ledger, newest first, two at a time.
    let page = api
        .get(&ann, "/players/me/wallet/gold/ledger?limit=2")
        .await
        .ok(StatusCode::OK);
    let versions = |page: &Value| -> Vec<i64> {
        page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["version"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(
        (versions(&page), &page["next_before"]),
        (vec![3, 2], &json!(2))
    );
    let page = api
        .get(&ann, "/players/me/wallet/gold/ledger?limit=2&before=2")
        .await
        .ok(StatusCode::OK);
    assert_eq!(
        (versions(&page), &page["next_before"]),
        (vec![1], &Value::Null)
    );

    // The inventory, by id, two at a time.
    let mut seen = Vec::new();
    let mut path = "/players/me/inventory?limit=2".to_owned();
    loop {
        let page = api.get(&ann, &path).await.ok(StatusCode::OK);
        for i in page["items"].as_array().unwrap() {
            seen.push(i["item_id"].as_str().unwrap().to_owned());
        }
        match page["next_after"].as_str() {
            Some(after) => path = format!("/players/me/inventory?limit=2&after={after}"),
            None => break,
        }
    }
    assert_eq!(seen, ["itm-1", "itm-2", "itm-3", "itm-4"]);
    let potions = api
        .get(&ann, "/players/me/inventory?type=potion")
        .await
        .ok(StatusCode::OK);
    assert_eq!(potions["items"].as_array().map(Vec::len), Some(3));

    // Notices, resumed after the last seen.
    let page = api
        .get(&ann, "/players/me/notices?limit=2")
        .await
        .ok(StatusCode::OK);
    assert_eq!(page["next_after"], 2);
    assert_eq!(page["notices"][1]["body"], json!({ "n": 2 }));
    let page = api
        .get(&ann, "/players/me/notices?after=2")
        .await
        .ok(StatusCode::OK);
    assert_eq!(page["notices"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        (&page["notices"][0]["seq"], &page["next_after"]),
        (&json!(3), &json!(3))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_players_finished_duels_show_in_their_history_with_their_rewards() {
    let served = host(2).await;
    let api = Api::of(&served);
    let (first, ann, bob) = api.duel("ann", "bob").await;
    assert_eq!(
        api.get(&ann, "/players/me/matches")
            .await
            .ok(StatusCode::OK),
        json!({ "matches": [], "next_before": null, "names": {} }),
        "a running match is not history yet"
    );
    api.beat(&ann, &bob, &first).await;
    // The actor wraps up: the match row says finished, the players are free.
    let api = &api;
    for p in [&ann, &bob] {
        eventually("the duel's end", || async move {
            let lobby = api.lobby(Method::GET, p).await.ok(StatusCode::OK);
            let history = api.get(p, "/players/me/matches").await.ok(StatusCode::OK);
            lobby["match_id"].is_null()
                && history["matches"].as_array().is_some_and(|m| m.len() == 1)
        })
        .await;
    }
    let second = api.start(&[&bob, &ann]).await;
    api.beat(&bob, &ann, &second).await;
    let loser = &ann;
    eventually("the second duel's end", || async move {
        let history = api
            .get(loser, "/players/me/matches")
            .await
            .ok(StatusCode::OK);
        history["matches"].as_array().is_some_and(|m| m.len() == 2)
    })
    .await;

    // The rewards of the first, as the rewards consumer books them.
    let reference = idempo_host::economy::rewards::reference(&first);
    commit_economy(
        &served,
        EconomyWrites {
            credits: vec![Credit {
                game: GAME.into(),
                player: ann.id.clone(),
                currency: "gold".into(),
                amount: 25,
                reason: "match-reward".into(),
                reference: reference.clone(),
                key: format!("{reference}/{}/gold", ann.id),
            }],
            grants: vec![
                ItemGrant {
                    source: reference.clone(),
                    ..stamp_grant(&ann, "reward-stamp")
                },
                ItemGrant {
                    item_type: "potion".into(),
                    source: reference.clone(),
                    ..stamp_grant(&ann, "reward-potion")
                },
            ],
            ..EconomyWrites::default()
        },
    )
    .await;

    // Newest first, one a page.
    let page = api
        .get(&ann, "/players/me/matches?limit=1")
        .await
        .ok(StatusCode::OK);
    assert_eq!(page["matches"][0]["match_id"], second.as_str());
    assert_eq!(page["matches"][0]["place"], 2, "ann fell in the second");
    assert_eq!(page["matches"][0]["rewards"], json!([]));
    let before = page["next_before"].as_str().expect("another page");
    let page = api
        .get(
            &ann,
            &format!("/players/me/matches?limit=1&before={before}"),
        )
        .await
        .ok(StatusCode::OK);
    let past = &page["matches"][0];
    assert_eq!(past["match_id"], first.as_str());
    assert_eq!(past["place"], 1, "ann won the first");
    assert_eq!(
        past["rewards"],
        json!([
            { "kind": "currency", "code": "gold", "amount": 25 },
            { "kind": "item", "code": "potion", "amount": 1 },
            { "kind": "stamp", "code": "stamp", "amount": 1 },
        ])
    );
    assert!(page["next_before"].is_null());
    // Bob's history shows the same matches, without ann's rewards.
    let bobs = api
        .get(&bob, "/players/me/matches")
        .await
        .ok(StatusCode::OK);
    assert_eq!(bobs["matches"][1]["rewards"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leaderboard_shows_its_top_and_each_ranked_players_standing() {
    let served = host(2).await;
    let api = Api::of(&served);
    let (ann, bob, cid) = (
        api.player("ann").await,
        api.player("bob").await,
        api.player("cid").await,
    );
    assert_eq!(
        api.get(&ann, "/leaderboard").await.ok(StatusCode::OK),
        json!({ "top": [], "names": {} })
    );
    // What the leaderboard consumer adds for one finished match.
    let add = |p: &Player, score: i64, wins: i64| LeaderboardDelta {
        game: GAME.into(),
        player: p.id.clone(),
        score,
        matches: 1,
        wins,
        kills: wins,
        match_id: "m1".into(),
        at_ms: 1_000,
    };
    served
        .store
        .commit(CommitBatch {
            leaderboard: vec![add(&ann, 120, 1), add(&bob, 40, 0)],
            ..CommitBatch::default()
        })
        .await
        .expect("the board's rows commit");

    let top = api.get(&cid, "/leaderboard").await.ok(StatusCode::OK);
    let order: Vec<_> = top["top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["player"].as_str().unwrap().to_owned(),
                s["rank"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(order, [(ann.id.clone(), 1), (bob.id.clone(), 2)]);
    let first = api
        .get(&cid, "/leaderboard?limit=1")
        .await
        .ok(StatusCode::OK);
    assert_eq!(first["top"].as_array().map(Vec::len), Some(1));

    let standing = api
        .get(&cid, &format!("/leaderboard/players/{}", bob.id))
        .await
        .ok(StatusCode::OK);
    assert_eq!(
        (&standing["rank"], &standing["score"]),
        (&json!(2), &json!(40))
    );
    api.get(&ann, &format!("/leaderboard/players/{}", cid.id))
        .await
        .problem(StatusCode::NOT_FOUND, "not-ranked");
}

// ------------------------------------------------------------------ market

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn players_list_browse_buy_swap_and_craft_on_the_market() {
    let served = market_host().await;
    let api = Api::of(&served);
    let (sella, bruno) = (api.player("sella").await, api.player("bruno").await);
    let item = |owner: &Player, item_id: &str, item_type: &str| ItemGrant {
        game: GAME.into(),
        item_id: item_id.into(),
        owner: owner.id.clone(),
        item_type: item_type.into(),
        source: "test".into(),
    };
    commit_economy(
        &served,
        EconomyWrites {
            credits: vec![Credit {
                game: GAME.into(),
                player: bruno.id.clone(),
                currency: "gold".into(),
                amount: 200,
                reason: "test".into(),
                reference: "test:bruno".into(),
                key: "test:bruno/gold".into(),
            }],
            grants: vec![
                item(&sella, "sword-1", "iron-sword"),
                item(&sella, "gem-1", "crystal"),
                item(&sella, "ring-1", "ring"),
                item(&bruno, "ore-1", "iron-ore"),
                item(&bruno, "ore-2", "iron-ore"),
                item(&bruno, "ore-3", "iron-ore"),
            ],
            ..EconomyWrites::default()
        },
    )
    .await;

    // Sella lists two items: each answer is the listing, open.
    let listing = |item_id: &str, price: i64| {
        Some(json!({ "item_id": item_id, "currency": "gold", "price": price }))
    };
    let sword = api
        .command(
            &sella,
            Method::POST,
            "/market/listings",
            "list-sword",
            listing("sword-1", 40),
        )
        .await
        .ok(StatusCode::CREATED);
    assert_eq!(
        (&sword["state"], &sword["seller"], &sword["item_type"]),
        (&json!("open"), &json!(sella.id), &json!("iron-sword"))
    );
    let gem = api
        .command(
            &sella,
            Method::POST,
            "/market/listings",
            "list-gem",
            listing("gem-1", 30),
        )
        .await
        .ok(StatusCode::CREATED);
    let sword_id = sword["id"].as_str().expect("an id").to_owned();
    let gem_id = gem["id"].as_str().expect("an id").to_owned();
    // A listed item is locked to its listing; the market trades gold only.
    api.command(
        &sella,
        Method::POST,
        "/market/listings",
        "list-sword-again",
        listing("sword-1", 45),
    )
    .await
    .problem(StatusCode::CONFLICT, "item-unavailable");
    api.command(
        &sella,
        Method::POST,
        "/market/listings",
        "list-in-silver",
        Some(json!({ "item_id": "ring-1", "currency": "silver", "price": 5 })),
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY, "market-refused");

    // Bruno browses: cheapest first, a page at a time, or filtered.
    let ids = |page: &Value| -> Vec<String> {
        page["listings"]
            .as_array()
            .expect("listings")
            .iter()
            .map(|l| l["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let page = api
        .get(&bruno, "/market/listings?limit=1")
        .await
        .ok(StatusCode::OK);
    assert_eq!(ids(&page), [gem_id.as_str()]);
    let next = page["next"].as_str().expect("another page");
    let page = api
        .get(&bruno, &format!("/market/listings?limit=1&cursor={next}"))
        .await
        .ok(StatusCode::OK);
    assert_eq!(ids(&page), [sword_id.as_str()]);
    let swords = api
        .get(
            &bruno,
            &format!(
                "/market/listings?item_type=iron-sword&seller={}&currency=gold\
                 &min_price=35&max_price=50&state=open&sort=-created",
                sella.id
            ),
        )
        .await
        .ok(StatusCode::OK);
    assert_eq!(
        (ids(&swords), &swords["next"]),
        (vec![sword_id.clone()], &Value::Null)
    );
    let one = api
        .get(&bruno, &format!("/market/listings/{sword_id}"))
        .await
        .ok(StatusCode::OK);
    assert_eq!(
        (&one["id"], &one["state"], &one["price"]),
        (&sword["id"], &sword["state"], &sword["price"])
    );
    api.get(&bruno, "/market/listings?sort=cheapest")
        .await
        .problem(StatusCode::BAD_REQUEST, "bad-request");
    api.get(&bruno, "/market/listings?limit=101")
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid-limit");
    api.get(&bruno, "/market/listings/no-such-listing")
        .await
        .problem(StatusCode::NOT_FOUND, "unknown-listing");

    // Refused purchases: one's own listing, no key, no such listing.
    let buy_sword = json!({ "listing_id": sword_id });
    api.command(
        &sella,
        Method::POST,
        "/trades",
        "own",
        Some(buy_sword.clone()),
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY, "market-refused");
    let no_key = Ask {
        token: Some(&bruno.token),
        json: Some(buy_sword.clone()),
        ..Ask::default()
    };
    api.call(Method::POST, "/trades", no_key)
        .await
        .problem(StatusCode::BAD_REQUEST, "idempotency-key-missing");
    api.command(
        &bruno,
        Method::POST,
        "/trades",
        "nothing",
        Some(json!({ "listing_id": "no-such-listing" })),
    )
    .await
    .problem(StatusCode::NOT_FOUND, "unknown-listing");

    // Bruno buys the sword: the trade ends within the answer, completed.
    let bought = api
        .command(
            &bruno,
            Method::POST,
            "/trades",
            "buy-sword",
            Some(buy_sword.clone()),
        )
        .await;
    assert!(!bought.replayed());
    let trade = bought.ok(StatusCode::OK);
    assert_eq!(
        (&trade["kind"], &trade["state"], &trade["status"]),
        (&json!("market"), &json!("COMPLETED"), &json!("completed")),
        "{trade}"
    );
    assert_eq!(
        (&trade["buyer"], &trade["seller"], &trade["listing_id"]),
        (&json!(bruno.id), &json!(sella.id), &json!(sword_id))
    );
    assert_eq!(
        (&trade["price"], &trade["fee"], &trade["seller_receives"]),
        (&json!(40), &json!(2), &json!(38)),
        "5% to the house"
    );
    let trade_id = trade["id"].as_str().expect("an id").to_owned();
    // A retry answers the trade as it stands, marked; nothing is paid twice.
    let again = api
        .command(
            &bruno,
            Method::POST,
            "/trades",
            "buy-sword",
            Some(buy_sword),
        )
        .await;
    assert!(again.replayed(), "Idempotency-Replayed: true");
    let again = again.ok(StatusCode::OK);
    assert_eq!(
        (&again["id"], &again["state"]),
        (&trade["id"], &trade["state"])
    );
    api.command(
        &bruno,
        Method::POST,
        "/trades",
        "buy-sword",
        Some(json!({ "listing_id": gem_id })),
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused");
    let wallet = api
        .get(&sella, "/players/me/wallet")
        .await
        .ok(StatusCode::OK);
    assert_eq!(wallet["balances"][0]["available"], 38);
    for who in [&bruno, &sella] {
        let seen = api
            .get(who, &format!("/trades/{trade_id}"))
            .await
            .ok(StatusCode::OK);
        assert_eq!(seen["state"], "COMPLETED");
    }
    api.get(&bruno, "/trades/no-such-trade")
        .await
        .problem(StatusCode::NOT_FOUND, "unknown-trade");
    let sold = api
        .get(&bruno, &format!("/market/listings/{sword_id}"))
        .await
        .ok(StatusCode::OK);
    assert_eq!(
        (&sold["state"], &sold["trade_id"]),
        (&json!("sold"), &json!(trade_id))
    );

    // Sella takes the gem off the market: only she may, and only once.
    let gem_path = format!("/market/listings/{gem_id}");
    api.command(&bruno, Method::DELETE, &gem_path, "pull-not-mine", None)
        .await
        .problem(StatusCode::FORBIDDEN, "not-yours");
    let pulled = api
        .command(&sella, Method::DELETE, &gem_path, "pull-gem", None)
        .await
        .ok(StatusCode::OK);
    assert_eq!(pulled["state"], "cancelled");
    api.command(&sella, Method::DELETE, &gem_path, "pull-gem-again", None)
        .await
        .problem(StatusCode::CONFLICT, "listing-not-open");

    // She offers it to bruno for gold: declined, then offered again and
    // accepted, a trade of its own.
    let gem_for_gold = json!({
        "to": bruno.id,
        "give": { "items": ["gem-1"] },
        "want": { "currency": [{ "currency": "gold", "amount": 10 }] },
    });
    let first = api
        .command(
            &sella,
            Method::POST,
            "/offers",
            "offer-1",
            Some(gem_for_gold.clone()),
        )
        .await
        .ok(StatusCode::CREATED);
    assert_eq!(
        (&first["state"], &first["give"]),
        (
            &json!("open"),
            &json!({ "items": ["gem-1"], "currency": [] })
        )
    );
    let first_id = first["id"].as_str().expect("an id").to_owned();
    let declined = api
        .command(
            &bruno,
            Method::POST,
            &format!("/offers/{first_id}/decline"),
            "decline-1",
            None,
        )
        .await
        .ok(StatusCode::OK);
    assert_eq!(declined["state"], "declined");
    api.command(
        &bruno,
        Method::POST,
        &format!("/offers/{first_id}/accept"),
        "accept-1",
        None,
    )
    .await
    .problem(StatusCode::CONFLICT, "offer-not-open");
    let second = api
        .command(
            &sella,
            Method::POST,
            "/offers",
            "offer-2",
            Some(gem_for_gold),
        )
        .await
        .ok(StatusCode::CREATED);
    let second_id = second["id"].as_str().expect("an id").to_owned();
    let accept = format!("/offers/{second_id}/accept");
    api.command(&sella, Method::POST, &accept, "accept-own", None)
        .await
        .problem(StatusCode::FORBIDDEN, "not-yours");
    let offers = api.get(&bruno, "/offers").await.ok(StatusCode::OK);
    let states: Vec<_> = offers["offers"]
        .as_array()
        .expect("offers")
        .iter()
        .map(|o| (o["id"].as_str().unwrap(), o["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            (second_id.as_str(), "open"),
            (first_id.as_str(), "declined")
        ]
    );
    let swap = api
        .command(&bruno, Method::POST, &accept, "accept-2", None)
        .await
        .ok(StatusCode::OK);
    assert_eq!(
        (&swap["kind"], &swap["state"], &swap["offer_id"]),
        (&json!("offer"), &json!("COMPLETED"), &json!(second_id)),
        "{swap}"
    );
    assert_eq!(
        (&swap["from"], &swap["to"]),
        (&json!(sella.id), &json!(bruno.id))
    );
    let swap_id = swap["id"].as_str().expect("an id").to_owned();

    // Bruno offers gold for nothing, and thinks better of it.
    let third = api
        .command(
            &bruno,
            Method::POST,
            "/offers",
            "offer-3",
            Some(json!({
                "to": sella.id,
                "give": { "currency": [{ "currency": "gold", "amount": 5 }] },
            })),
        )
        .await
        .ok(StatusCode::CREATED);
    let third_path = format!("/offers/{}", third["id"].as_str().expect("an id"));
    let withdrawn = api
        .command(&bruno, Method::DELETE, &third_path, "withdraw-3", None)
        .await
        .ok(StatusCode::OK);
    assert_eq!(withdrawn["state"], "cancelled");

    // His trades, newest first, a page at a time.
    let trade_ids = |page: &Value| -> Vec<String> {
        page["trades"]
            .as_array()
            .expect("trades")
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = api.get(&bruno, "/trades").await.ok(StatusCode::OK);
    assert_eq!(
        (trade_ids(&all), &all["next_before"]),
        (vec![swap_id.clone(), trade_id.clone()], &Value::Null)
    );
    let page = api.get(&bruno, "/trades?limit=1").await.ok(StatusCode::OK);
    assert_eq!(trade_ids(&page), [swap_id]);
    let before = page["next_before"]
        .as_str()
        .expect("another page")
        .to_owned();
    let page = api
        .get(&bruno, &format!("/trades?limit=1&before={before}"))
        .await
        .ok(StatusCode::OK);
    assert_eq!(trade_ids(&page), [trade_id]);

    // Crafting: three ores and 50 gold make a sword; then none are left.
    let recipes = api
        .get(&bruno, "/crafting/recipes")
        .await
        .ok(StatusCode::OK);
    let recipe = recipes["recipes"]
        .as_array()
        .expect("recipes")
        .iter()
        .find(|r| r["id"] == "iron-sword")
        .cloned()
        .expect("the iron sword's recipe");
    assert_eq!(
        (&recipe["inputs"], &recipe["cost"]),
        (
            &json!([{ "item_type": "iron-ore", "count": 3 }]),
            &json!(50)
        )
    );
    let craft = Some(json!({ "recipe": "iron-sword" }));
    let made = api
        .command(&bruno, Method::POST, "/crafts", "craft-1", craft.clone())
        .await
        .ok(StatusCode::CREATED);
    assert_eq!(made["consumed"], json!(["ore-1", "ore-2", "ore-3"]));
    assert_eq!(made["output"]["item_type"], "iron-sword");
    let short = api
        .command(&bruno, Method::POST, "/crafts", "craft-2", craft.clone())
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "missing-ingredients");
    let replay = api
        .command(&bruno, Method::POST, "/crafts", "craft-2", craft)
        .await;
    assert!(replay.replayed(), "a refusal is replayed too");
    assert_eq!(
        replay.problem(StatusCode::UNPROCESSABLE_ENTITY, "missing-ingredients"),
        short
    );
    api.command(
        &bruno,
        Method::POST,
        "/crafts",
        "craft-3",
        Some(json!({ "recipe": "philosophers-stone" })),
    )
    .await
    .problem(StatusCode::NOT_FOUND, "unknown-recipe");

    // What bruno ended with: 200 - 40 - 10 - 50 gold, two swords, a gem.
    let wallet = api
        .get(&bruno, "/players/me/wallet")
        .await
        .ok(StatusCode::OK);
    assert_eq!(wallet["balances"][0]["available"], 100);
    let inventory = api
        .get(&bruno, "/players/me/inventory")
        .await
        .ok(StatusCode::OK);
    let mut kinds: Vec<_> = inventory["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["item_type"].as_str().unwrap().to_owned())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["crystal", "iron-sword", "iron-sword"]);
}

// ------------------------------------------------------------------ progression

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_players_xp_makes_their_level_on_the_tournaments_curve() {
    let served = host(2).await;
    let api = Api::of(&served);
    let ann = api.player("ann").await;
    let ask = || Ask {
        token: Some(&ann.token),
        ..Ask::default()
    };
    let fresh = api
        .call(Method::GET, "/players/me/progress", ask())
        .await
        .ok(StatusCode::OK);
    assert_eq!(
        fresh,
        json!({ "xp": 0, "level": 1, "level_xp": 0, "next_level_xp": 50 })
    );
    commit_economy(
        &served,
        EconomyWrites {
            credits: vec![Credit {
                game: GAME.into(),
                player: ann.id.clone(),
                currency: "xp".into(),
                amount: 2_000,
                reason: "match-reward".into(),
                reference: "match:m1".into(),
                key: "match:m1/ann/xp".into(),
            }],
            ..EconomyWrites::default()
        },
    )
    .await;
    let grown = api
        .call(Method::GET, "/players/me/progress", ask())
        .await
        .ok(StatusCode::OK);
    assert_eq!(
        grown,
        json!({ "xp": 2_000, "level": 9, "level_xp": 1_800, "next_level_xp": 2_250 })
    );
}

// ------------------------------------------------------------------ the daily tournament

/// 2026-05-01 `hh:mm` UTC, in Unix milliseconds.
fn may_day(hh: i64, mm: i64) -> i64 {
    1_777_593_600_000 + (hh * 60 + mm) * 60_000
}

fn seed_credit(player: &Player, currency: &str, amount: i64) -> Credit {
    Credit {
        game: GAME.into(),
        player: player.id.clone(),
        currency: currency.into(),
        amount,
        reason: "test".into(),
        reference: format!("seed:{}", player.id),
        key: format!("seed:{}/{currency}", player.id),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_player_enters_the_days_tournament_follows_their_group_and_claims_at_the_end() {
    let clock = Arc::new(idempo_host::arena::ManualClock::new(may_day(8, 0)));
    let mut config = config(2);
    config.bus.relay_poll_ms = 10;
    config.bus.consumer_poll_ms = 10;
    let (served, _services) = common::serve_running(config, combat_runtime(), clock.clone()).await;
    let api = Api::of(&served);
    let ann = api.player("ann").await;
    let bob = api.player("bob").await;
    commit_economy(
        &served,
        EconomyWrites {
            credits: vec![
                seed_credit(&ann, "gold", 1_000),
                seed_credit(&ann, "xp", 2_250),
                seed_credit(&bob, "gold", 1_000),
            ],
            ..EconomyWrites::default()
        },
    )
    .await;
    let as_ann = |key: Option<&'static str>| Ask {
        token: Some(&ann.token),
        key,
        ..Ask::default()
    };

    let today = api
        .call(Method::GET, "/tournaments/current", as_ann(None))
        .await
        .ok(StatusCode::OK);
    assert_eq!(today["id"], "2026-05-01");
    assert_eq!(
        (
            &today["entry_fee"],
            &today["min_level"],
            &today["group_size"],
            &today["entry_open"]
        ),
        (&json!(500), &json!(10), &json!(35), &json!(true))
    );
    assert_eq!(
        today["rewards"][0],
        json!({ "first_rank": 1, "last_rank": 1, "amount": 5_000 })
    );

    api.call(Method::POST, "/tournaments/current/entries", as_ann(None))
        .await
        .problem(StatusCode::BAD_REQUEST, "idempotency-key-missing");
    let entry = api
        .call(
            Method::POST,
            "/tournaments/current/entries",
            as_ann(Some("enter-1")),
        )
        .await
        .ok(StatusCode::CREATED);
    assert_eq!(
        (&entry["status"], &entry["group"]),
        (&json!("entered"), &json!(1))
    );
    let replay = api
        .call(
            Method::POST,
            "/tournaments/2026-05-01/entries",
            as_ann(Some("enter-1")),
        )
        .await;
    assert!(replay.replayed(), "the same key replays");
    assert_eq!(replay.ok(StatusCode::CREATED)["group"], 1);
    api.call(
        Method::POST,
        "/tournaments/current/entries",
        as_ann(Some("enter-2")),
    )
    .await
    .problem(StatusCode::CONFLICT, "already-entered");
    let bob_ask = Ask {
        token: Some(&bob.token),
        key: Some("bob-1"),
        ..Ask::default()
    };
    api.call(Method::POST, "/tournaments/current/entries", bob_ask)
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "level-too-low");

    let me = api
        .call(Method::GET, "/tournaments/current/me", as_ann(None))
        .await
        .ok(StatusCode::OK);
    assert_eq!(
        (&me["group"], &me["rank"], &me["final"]),
        (&json!(1), &json!(1), &json!(false))
    );
    let group = api
        .call(Method::GET, "/tournaments/current/groups/1", as_ann(None))
        .await
        .ok(StatusCode::OK);
    assert_eq!(group["standings"][0]["name"], "ann");
    api.call(Method::GET, "/tournaments/current/groups/2", as_ann(None))
        .await
        .problem(StatusCode::NOT_FOUND, "unknown-group");
    api.call(Method::GET, "/tournaments/current/groups/two", as_ann(None))
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid-path");
    let top = api
        .call(
            Method::GET,
            "/tournaments/current/leaderboard?limit=10",
            as_ann(None),
        )
        .await
        .ok(StatusCode::OK);
    assert_eq!(
        (&top["group"], &top["standings"][0]["rank"]),
        (&Value::Null, &json!(1))
    );
    api.call(
        Method::GET,
        "/tournaments/current/leaderboard?limit=0",
        as_ann(None),
    )
    .await
    .problem(StatusCode::BAD_REQUEST, "invalid-limit");
    api.call(Method::GET, "/tournaments/2026-05-02", as_ann(None))
        .await
        .problem(StatusCode::NOT_FOUND, "no-tournament");
    api.call(Method::GET, "/tournaments/May-Day", as_ann(None))
        .await
        .problem(StatusCode::BAD_REQUEST, "invalid-request");
    api.call(
        Method::POST,
        "/tournaments/current/claim",
        as_ann(Some("claim-early")),
    )
    .await
    .problem(StatusCode::CONFLICT, "tournament-not-final");

    // 23:59: the scheduler makes the ranks final; ann, alone, is first.
    clock.set(may_day(23, 59));
    let mut finished = false;
    for _ in 0..500 {
        let me = api
            .call(Method::GET, "/tournaments/2026-05-01/me", as_ann(None))
            .await
            .ok(StatusCode::OK);
        if me["final"] == true {
            assert_eq!((&me["rank"], &me["reward"]), (&json!(1), &json!(5_000)));
            finished = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(finished, "the day ended");
    let claim = api
        .call(
            Method::POST,
            "/tournaments/2026-05-01/claim",
            as_ann(Some("claim-1")),
        )
        .await
        .ok(StatusCode::OK);
    assert_eq!(
        (&claim["rank"], &claim["reward"]),
        (&json!(1), &json!(5_000))
    );
    let again = api
        .call(
            Method::POST,
            "/tournaments/2026-05-01/claim",
            as_ann(Some("claim-1")),
        )
        .await;
    assert!(again.replayed());
    assert_eq!(
        again.ok(StatusCode::OK),
        claim,
        "a retried claim is the same claim"
    );
    let wallet = api
        .call(Method::GET, "/players/me/wallet", as_ann(None))
        .await
        .ok(StatusCode::OK);
    let gold = wallet["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["currency"] == "gold")
        .cloned()
        .unwrap();
    assert_eq!(
        gold["available"],
        500 + 5_000,
        "the fee paid, the reward paid once"
    );
}

// ------------------------------------------------------------------ the document

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_public_and_lists_every_route_the_router_serves() {
    let served = market_host().await;
    let api = Api::of(&served);
    let doc = api
        .call(Method::GET, "/openapi.json", Ask::default())
        .await
        .ok(StatusCode::OK);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "OpenAPI 3.1"
    );
    assert!(
        doc["info"]["description"]
            .as_str()
            .unwrap()
            .contains("/admin/v1"),
        "says the admin API is out of scope"
    );
    let listed: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("a path item")
                .keys()
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    let routes: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(listed, routes, "the document lists exactly the routes");

    // The action's contract is spelled out.
    let act = &doc["paths"]["/matches/{id}/actions"]["post"];
    let header = &doc["components"]["parameters"]["IdempotencyKey"];
    assert_eq!(
        (&header["name"], &header["in"]),
        (&json!("Idempotency-Key"), &json!("header"))
    );
    assert!(act["parameters"].to_string().contains("IdempotencyKey"));
    for status in ["200", "400", "403", "404", "409", "422", "503"] {
        assert!(act["responses"][status].is_object(), "{status}");
    }
    let ws = doc["paths"]["/ws"]["get"].to_string();
    for word in [
        "token",
        "match_id",
        "notices_after",
        "hello",
        "entry",
        "notice",
        "matched",
        "error",
    ] {
        assert!(ws.contains(word), "the WebSocket's {word}");
    }

    // Every route is served (none falls to the router's 404 or 405).
    let ann = api.player("ann").await;
    for (method, path) in ROUTES {
        let path = path
            .replace("{id}", "some-match")
            .replace("{currency}", "gold")
            .replace("{player_id}", &ann.id)
            .replace("{day}", "current")
            .replace("{group}", "1");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let ask = Ask {
            token: Some(&ann.token),
            ..Ask::default()
        };
        let reply = api.call(method.clone(), &path, ask).await;
        let kind = reply.body["type"].as_str().unwrap_or_default();
        assert!(
            !kind.ends_with("/not-found") && reply.status != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path} is served: {} {}",
            reply.status,
            reply.body
        );
        assert!(
            !reply.status.is_server_error(),
            "{method} {path}: {}",
            reply.body
        );
    }
}
