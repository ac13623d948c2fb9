//! Operator grants over real HTTP: support gives a player gold, potions and
//! stamps; the wallet and the inventory show them once; a retry with the
//! same key replays the answer and pays nothing twice; the same key with
//! another body, a player's token, an unknown player and a bad body are
//! refused as problem+json and change nothing.

mod common;

use common::{GAME, Served, runtime, serve};
use idempo_host::config::Config;
use idempo_host::economy::{items, wallet};
use idempo_host::gateway::GatewayConfig;
use idempo_host::store::Store;
use reqwest::StatusCode;
use serde_json::{Value, json};

const TOKEN: &str = "grants-operator-token";
const PASSWORD: &str = "correct horse battery";

async fn host() -> Served {
    let config = Config {
        operator_token: TOKEN.into(),
        gateway: GatewayConfig {
            jwt_secret: "a-test-secret-that-is-long-enough-0123".into(),
            rate_limit_burst: 1_000,
            ..GatewayConfig::default()
        },
        ..Config::default()
    };
    serve(config, runtime()).await
}

/// Status, content type, the `Idempotency-Replayed` header and the JSON body.
struct Answer {
    status: StatusCode,
    content_type: String,
    replayed: Option<String>,
    body: Value,
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("the host answers");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type").unwrap_or_default();
    let replayed = header("idempotency-replayed");
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        content_type,
        replayed,
        body,
    }
}

fn grants_url(base: &str, player: &str) -> String {
    format!("{base}/admin/v1/games/{GAME}/players/{player}/grants")
}

/// A grant with the operator token (or `token`), of a raw body.
async fn grant_raw(base: &str, player: &str, token: &str, body: &str) -> Answer {
    send(
        reqwest::Client::new()
            .post(grants_url(base, player))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_owned()),
    )
    .await
}

async fn grant(base: &str, player: &str, body: &Value) -> Answer {
    grant_raw(base, player, TOKEN, &body.to_string()).await
}

/// Registers `name` and signs in: the player's id and session token.
async fn player(base: &str, name: &str) -> (String, String) {
    let client = reqwest::Client::new();
    let credentials = json!({ "name": name, "password": PASSWORD });
    let registered = send(client.post(format!("{base}/v1/players")).json(&credentials)).await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.body
    );
    let session = send(
        client
            .post(format!("{base}/v1/sessions"))
            .json(&credentials),
    )
    .await;
    assert_eq!(session.status, StatusCode::OK, "{}", session.body);
    let id = session.body["player_id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let token = session.body["token"].as_str().expect("a token").to_owned();
    (id, token)
}

fn support_grant(key: &str) -> Value {
    json!({
        "key": key,
        "currency": [{ "code": "gold", "amount": 100 }],
        "items": [{ "item_type": "potion", "count": 2 }],
        "stamps": 3,
        "reason": "support",
    })
}

async fn gold(store: &Store, player: &str) -> i64 {
    let balances = wallet::balances(store, GAME, player)
        .await
        .expect("balances");
    balances
        .iter()
        .find(|b| b.currency == "gold")
        .map_or(0, |b| b.available)
}

/// The player's unspent items: (potions, stamps).
async fn holdings(store: &Store, player: &str) -> (usize, usize) {
    let all = items::inventory(store, GAME, player, None, None, 100)
        .await
        .expect("inventory");
    let of = |t: &str| all.iter().filter(|i| i.item_type == t).count();
    (of("potion"), of("stamp"))
}

fn assert_problem(got: &Answer, status: StatusCode, kind: &str) {
    assert_eq!(got.status, status, "{}", got.body);
    assert_eq!(got.content_type, "application/problem+json", "{}", got.body);
    let got_kind = got.body["type"].as_str().unwrap_or_default();
    assert!(got_kind.ends_with(&format!("/{kind}")), "{}", got.body);
}

#[tokio::test]
async fn support_grants_gold_potions_and_stamps_once() {
    let served = host().await;
    let (ann, _) = player(&served.base, "ann").await;

    let first = grant(&served.base, &ann, &support_grant("ticket-17")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.replayed, None);
    assert_eq!(first.body["player"], ann.as_str());
    assert_eq!(
        first.body["credits"],
        json!([{ "currency": "gold", "amount": 100 }])
    );
    let granted = first.body["items"].as_array().expect("items");
    let types: Vec<_> = granted.iter().map(|i| i["item_type"].clone()).collect();
    assert_eq!(types, ["potion", "potion", "stamp", "stamp", "stamp"]);
    assert_eq!(gold(&served.store, &ann).await, 100);
    assert_eq!(holdings(&served.store, &ann).await, (2, 3));
    // The stamps are the player's to spend.
    let stamp = granted[2]["item_id"].as_str().expect("an item id");
    let item = items::get(&served.store, GAME, stamp)
        .await
        .expect("read")
        .expect("the stamp exists");
    assert_eq!(item.owner, ann);
    assert_eq!(item.state, items::ItemState::Owned);

    // The support tool retries: the same answer, nothing paid twice.
    let again = grant(&served.base, &ann, &support_grant("ticket-17")).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.replayed.as_deref(), Some("true"));
    assert_eq!(again.body, first.body, "the stored answer, same item ids");
    assert_eq!(gold(&served.store, &ann).await, 100);
    assert_eq!(holdings(&served.store, &ann).await, (2, 3));

    // A new key is a new grant.
    let second = grant(&served.base, &ann, &support_grant("ticket-18")).await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
    assert_eq!(gold(&served.store, &ann).await, 200);
    assert_eq!(holdings(&served.store, &ann).await, (4, 6));
}

#[tokio::test]
async fn racing_retries_of_one_grant_pay_once() {
    let served = host().await;
    let (bob, _) = player(&served.base, "bob").await;
    let body = support_grant("race-1");
    let mut tries = Vec::new();
    for _ in 0..8 {
        let (base, bob, body) = (served.base.clone(), bob.clone(), body.clone());
        tries.push(tokio::spawn(async move { grant(&base, &bob, &body).await }));
    }
    let mut answers = Vec::new();
    for t in tries {
        answers.push(t.await.expect("the request task ends"));
    }
    let created = answers
        .iter()
        .filter(|a| a.status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "one grant is created");
    for a in &answers {
        assert!(
            a.status == StatusCode::CREATED
                || (a.status == StatusCode::OK && a.replayed.as_deref() == Some("true")),
            "{} {}",
            a.status,
            a.body
        );
    }
    assert_eq!(gold(&served.store, &bob).await, 100);
    assert_eq!(holdings(&served.store, &bob).await, (2, 3));
}

#[tokio::test]
async fn the_same_key_with_another_grant_is_refused_and_pays_nothing() {
    let served = host().await;
    let (cat, _) = player(&served.base, "cat").await;
    let (dan, _) = player(&served.base, "dan").await;
    let first = grant(&served.base, &cat, &support_grant("ticket-9")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);

    let mut more = support_grant("ticket-9");
    more["stamps"] = json!(30);
    let got = grant(&served.base, &cat, &more).await;
    assert_problem(&got, StatusCode::UNPROCESSABLE_ENTITY, "key-reused");
    // The key is the operator's: another player with it is another request.
    let got = grant(&served.base, &dan, &support_grant("ticket-9")).await;
    assert_problem(&got, StatusCode::UNPROCESSABLE_ENTITY, "key-reused");

    assert_eq!(holdings(&served.store, &cat).await, (2, 3));
    assert_eq!(gold(&served.store, &dan).await, 0);
    assert_eq!(holdings(&served.store, &dan).await, (0, 0));
}

#[tokio::test]
async fn a_players_token_cannot_grant() {
    let served = host().await;
    let (eve, token) = player(&served.base, "eve").await;
    let got = grant_raw(
        &served.base,
        &eve,
        &token,
        &support_grant("self-service").to_string(),
    )
    .await;
    assert!(
        got.status == StatusCode::UNAUTHORIZED || got.status == StatusCode::FORBIDDEN,
        "{} {}",
        got.status,
        got.body
    );
    assert_eq!(got.content_type, "application/problem+json");
    let unsigned = send(
        reqwest::Client::new()
            .post(grants_url(&served.base, &eve))
            .json(&support_grant("anonymous")),
    )
    .await;
    assert_eq!(unsigned.status, StatusCode::UNAUTHORIZED);
    assert_eq!(gold(&served.store, &eve).await, 0);
    assert_eq!(holdings(&served.store, &eve).await, (0, 0));
}

#[tokio::test]
async fn an_unknown_player_is_not_found() {
    let served = host().await;
    let got = grant(&served.base, "no-such-player", &support_grant("ghost")).await;
    assert_problem(&got, StatusCode::NOT_FOUND, "unknown-player");
    assert_eq!(gold(&served.store, "no-such-player").await, 0);
}

#[tokio::test]
async fn a_bad_body_is_refused_and_changes_nothing() {
    let served = host().await;
    let (fay, _) = player(&served.base, "fay").await;
    let bad = |body: &str| {
        let (base, fay, body) = (served.base.clone(), fay.clone(), body.to_owned());
        async move { grant_raw(&base, &fay, TOKEN, &body).await }
    };

    assert_problem(
        &bad("{oops").await,
        StatusCode::BAD_REQUEST,
        "malformed-body",
    );
    let unknown_field = json!({ "key": "k", "stamps": 1, "gems": 5 }).to_string();
    assert_problem(
        &bad(&unknown_field).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-body",
    );
    let negative = json!({ "key": "k", "currency": [{ "code": "gold", "amount": -5 }] });
    assert_problem(
        &bad(&negative.to_string()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-body",
    );
    for (body, kind) in [
        (json!({ "key": "", "stamps": 1 }), "invalid-grant"),
        (
            json!({ "key": "x".repeat(256), "stamps": 1 }),
            "invalid-grant",
        ),
        (json!({ "key": "k" }), "empty-grant"),
        (json!({ "key": "k", "stamps": 10_001 }), "too-many-items"),
        (
            json!({ "key": "k", "currency": [{ "code": "gold", "amount": 0 }] }),
            "invalid-amount",
        ),
        (
            json!({ "key": "k", "currency": [{ "code": "gold", "amount": 1_000_000_000_001u64 }] }),
            "invalid-amount",
        ),
        (
            json!({ "key": "k", "items": [{ "item_type": "potion", "count": 0 }] }),
            "invalid-grant",
        ),
    ] {
        let got = bad(&body.to_string()).await;
        assert_problem(&got, StatusCode::UNPROCESSABLE_ENTITY, kind);
    }
    assert_eq!(gold(&served.store, &fay).await, 0);
    assert_eq!(holdings(&served.store, &fay).await, (0, 0));
    // The refused key is still free.
    let ok = grant(&served.base, &fay, &json!({ "key": "k", "stamps": 10_000 })).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    assert_eq!(ok.body["items"].as_array().map(Vec::len), Some(10_000));
}
