//! The player API's gateway over real HTTP: players register and sign in,
//! sessions are bearer tokens that expire and cannot be forged, operator
//! and player tokens never stand in for each other, every request carries a
//! correlation id, and rates and bodies are bounded, each refusal a
//! problem+json. The accounts table itself runs on SQLite and PostgreSQL.

#[macro_use]
mod common;

use std::time::Duration;

use common::db::{postgres, sqlite};
use common::*;
use idempo_host::config::Config;
use idempo_host::gateway::GatewayConfig;
use idempo_host::gateway::accounts::{self, AccountError, PlayerName, PlayerRecord};
use idempo_host::store::Store;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const OPERATOR_TOKEN: &str = "test-operator-token";
const PASSWORD: &str = "correct horse battery";

/// A host with `gateway` settings (and room for any test's requests
/// unless the test says otherwise).
async fn host_with(gateway: GatewayConfig) -> String {
    let config = Config {
        operator_token: OPERATOR_TOKEN.into(),
        gateway,
        ..Config::default()
    };
    serve(config, runtime()).await.base
}

fn roomy() -> GatewayConfig {
    GatewayConfig {
        jwt_secret: "a-test-secret-that-is-long-enough-0123".into(),
        rate_limit_burst: 1_000,
        ..GatewayConfig::default()
    }
}

async fn host() -> String {
    host_with(roomy()).await
}

/// Status, content type and JSON body of a response.
async fn read(response: reqwest::Response) -> (StatusCode, String, Value) {
    let status = response.status();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, content_type, body)
}

async fn post(url: String, body: Value) -> (StatusCode, String, Value) {
    read(
        reqwest::Client::new()
            .post(url)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn get_as(url: String, token: &str) -> (StatusCode, String, Value) {
    read(
        reqwest::Client::new()
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn register(base: &str, name: &str) -> (StatusCode, String, Value) {
    post(
        format!("{base}/v1/players"),
        json!({ "name": name, "password": PASSWORD }),
    )
    .await
}

async fn sign_in(base: &str, name: &str, password: &str) -> (StatusCode, String, Value) {
    post(
        format!("{base}/v1/sessions"),
        json!({ "name": name, "password": password }),
    )
    .await
}

/// Registers `name` and signs in; the session token.
async fn session(base: &str, name: &str) -> String {
    let (status, _, body) = register(base, name).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _, body) = sign_in(base, name, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["token"].as_str().expect("a token").to_owned()
}

/// Asserts a problem+json refusal with `status` and `type` ending in `kind`.
fn assert_problem(got: &(StatusCode, String, Value), status: StatusCode, kind: &str) {
    let (got_status, content_type, body) = got;
    assert_eq!(*got_status, status, "{body}");
    assert_eq!(content_type, "application/problem+json", "{body}");
    assert_eq!(body["status"], status.as_u16(), "{body}");
    let got_kind = body["type"].as_str().unwrap_or_default();
    assert!(got_kind.ends_with(&format!("/{kind}")), "{body}");
}

#[tokio::test]
async fn a_player_registers_signs_in_and_sees_themself() {
    let base = host().await;
    let (status, _, registered) = register(&base, "Ann").await;
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    assert_eq!(registered["name"], "Ann");
    assert_eq!(registered["game"], GAME);
    let id = registered["player_id"].as_str().unwrap().to_owned();
    assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 7);

    // The name signs in in any case.
    let (status, _, signed_in) = sign_in(&base, "ann", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{signed_in}");
    assert_eq!(signed_in["player_id"], id.as_str());
    let expires_at = signed_in["expires_at"].as_str().unwrap();
    assert!(
        expires_at.ends_with('Z') && expires_at.len() == 20,
        "{expires_at}"
    );

    let (status, _, me) = get_as(
        format!("{base}/v1/players/me"),
        signed_in["token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["player_id"], id.as_str());
    assert_eq!(me["name"], "Ann");
}

#[tokio::test]
async fn a_taken_name_is_a_conflict_in_any_case() {
    let base = host().await;
    assert_eq!(register(&base, "bob").await.0, StatusCode::CREATED);
    assert_problem(
        &register(&base, "bob").await,
        StatusCode::CONFLICT,
        "name-taken",
    );
    assert_problem(
        &register(&base, "BOB").await,
        StatusCode::CONFLICT,
        "name-taken",
    );
}

#[tokio::test]
async fn names_and_passwords_that_break_the_rules_are_422() {
    let base = host().await;
    let bad_name = post(
        format!("{base}/v1/players"),
        json!({ "name": "a b", "password": PASSWORD }),
    )
    .await;
    assert_problem(&bad_name, StatusCode::UNPROCESSABLE_ENTITY, "invalid-name");
    let short = post(
        format!("{base}/v1/players"),
        json!({ "name": "cyd", "password": "short" }),
    )
    .await;
    assert_problem(&short, StatusCode::UNPROCESSABLE_ENTITY, "invalid-password");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_name_get_the_same_401() {
    let base = host().await;
    assert_eq!(register(&base, "dee").await.0, StatusCode::CREATED);
    let wrong = sign_in(&base, "dee", "not the password").await;
    assert_problem(&wrong, StatusCode::UNAUTHORIZED, "invalid-credentials");
    let unknown = sign_in(&base, "nobody", PASSWORD).await;
    assert_eq!(wrong, unknown, "nothing tells which names exist");
}

#[tokio::test]
async fn a_call_without_a_token_is_401() {
    let base = host().await;
    let response = reqwest::get(format!("{base}/v1/players/me")).await.unwrap();
    assert!(response.headers().contains_key("www-authenticate"));
    assert_problem(
        &read(response).await,
        StatusCode::UNAUTHORIZED,
        "token-missing",
    );
}

#[tokio::test]
async fn an_expired_session_is_refused() {
    let base = host_with(GatewayConfig {
        token_ttl_secs: 1,
        ..roomy()
    })
    .await;
    let token = session(&base, "eve").await;
    // Expiry is checked in whole seconds, with no leeway.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let got = get_as(format!("{base}/v1/players/me"), &token).await;
    assert_problem(&got, StatusCode::UNAUTHORIZED, "token-expired");
}

#[tokio::test]
async fn a_tampered_token_is_refused() {
    let base = host().await;
    let token = session(&base, "fay").await;
    // Another player's id in the claims, the signature left as it was.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let claims = String::from_utf8(b64_decode(&parts[1])).unwrap();
    let forged = claims.replacen("\"sub\":\"", "\"sub\":\"0", 1);
    assert_ne!(claims, forged);
    parts[1] = b64_encode(forged.as_bytes());
    let got = get_as(format!("{base}/v1/players/me"), &parts.join(".")).await;
    assert_problem(&got, StatusCode::UNAUTHORIZED, "token-invalid");
    // A token signed with another secret is no better.
    let other = host_with(GatewayConfig {
        jwt_secret: "another-secret-another-secret-0123".into(),
        ..roomy()
    })
    .await;
    let foreign = session(&other, "fay").await;
    let got = get_as(format!("{base}/v1/players/me"), &foreign).await;
    assert_problem(&got, StatusCode::UNAUTHORIZED, "token-invalid");
}

#[tokio::test]
async fn the_operator_token_cannot_act_as_a_player() {
    let base = host().await;
    let got = get_as(format!("{base}/v1/players/me"), OPERATOR_TOKEN).await;
    assert_problem(&got, StatusCode::UNAUTHORIZED, "operator-token");
}

#[tokio::test]
async fn a_player_token_does_not_open_the_admin_api() {
    let base = host().await;
    let token = session(&base, "gus").await;
    let url = format!("{base}/admin/v1/games/default/components");
    let (status, content_type, body) = get_as(url.clone(), &token).await;
    assert!(
        status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN,
        "{status} {body}"
    );
    assert_eq!(content_type, "application/problem+json");
    // The operator token does.
    assert_eq!(get_as(url, OPERATOR_TOKEN).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_correlation_id_is_echoed_when_given_and_made_when_not() {
    let base = host().await;
    let client = reqwest::Client::new();
    for path in [
        "/v1/players/me",
        "/healthz",
        "/admin/v1/games/default/components",
    ] {
        let given = client
            .get(format!("{base}{path}"))
            .header("x-correlation-id", "match-42 attack/7")
            .send()
            .await
            .unwrap();
        assert_eq!(
            given.headers()["x-correlation-id"],
            "match-42 attack/7",
            "{path}"
        );

        let made = client.get(format!("{base}{path}")).send().await.unwrap();
        let id = made.headers()["x-correlation-id"].to_str().unwrap();
        let uuid = uuid::Uuid::parse_str(id).expect("a generated id is a uuid");
        assert_eq!(uuid.get_version_num(), 7, "{path}");
    }
    // An id too long (or not printable) is replaced, not echoed.
    let too_long = "x".repeat(129);
    let replaced = client
        .get(format!("{base}/healthz"))
        .header("x-correlation-id", &too_long)
        .send()
        .await
        .unwrap();
    let id = replaced.headers()["x-correlation-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
}

#[tokio::test]
async fn over_the_burst_a_client_waits_and_players_have_their_own_buckets() {
    let base = host_with(GatewayConfig {
        rate_limit_per_second: 0.01,
        rate_limit_burst: 2,
        ..roomy()
    })
    .await;
    // Sign-up and sign-in spend this address's two tokens.
    let token = session(&base, "hal").await;
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/sessions"))
        .json(&json!({ "name": "hal", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let retry_after: u64 = response.headers()[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After is whole seconds");
    assert!((1..=100).contains(&retry_after), "{retry_after}");
    assert_problem(
        &read(response).await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
    );
    // The signed-in player has a bucket of their own.
    let me = format!("{base}/v1/players/me");
    assert_eq!(get_as(me.clone(), &token).await.0, StatusCode::OK);
    assert_eq!(get_as(me.clone(), &token).await.0, StatusCode::OK);
    assert_problem(
        &get_as(me, &token).await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
    );
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let base = host_with(GatewayConfig {
        body_limit_bytes: 1_024,
        ..roomy()
    })
    .await;
    let big = json!({ "name": "ivy", "password": "p".repeat(2_000) });
    let got = post(format!("{base}/v1/players"), big).await;
    assert_problem(&got, StatusCode::PAYLOAD_TOO_LARGE, "body-too-large");

    // Without a Content-Length (chunked), the body is cut while read.
    let chunk = format!(
        "{{\"name\":\"ivy\",\"password\":\"{}\"}}",
        "p".repeat(2_000)
    );
    let (status, head, body) = raw_chunked_post(&base, "/v1/players", &chunk).await;
    assert_eq!(status, 413, "{head}\n{body}");
    assert!(head.contains("application/problem+json"), "{head}");
    assert!(body.contains("body-too-large"), "{body}");
}

#[tokio::test]
async fn a_body_that_is_not_json_or_not_credentials_is_a_problem() {
    let base = host().await;
    let malformed = read(
        reqwest::Client::new()
            .post(format!("{base}/v1/players"))
            .header(CONTENT_TYPE, "application/json")
            .body("{\"name\": ")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_problem(&malformed, StatusCode::BAD_REQUEST, "malformed-body");
    let wrong_shape = post(format!("{base}/v1/players"), json!({ "name": 7 })).await;
    assert_problem(
        &wrong_shape,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-body",
    );
    let not_json = read(
        reqwest::Client::new()
            .post(format!("{base}/v1/sessions"))
            .body("name=ann")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_problem(
        &not_json,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    );
}

#[tokio::test]
async fn an_unknown_route_or_method_of_the_player_api_is_a_problem() {
    let base = host().await;
    let missing = read(reqwest::get(format!("{base}/v1/nowhere")).await.unwrap()).await;
    assert_problem(&missing, StatusCode::NOT_FOUND, "not-found");
    let wrong_method = read(
        reqwest::Client::new()
            .delete(format!("{base}/v1/sessions"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_problem(
        &wrong_method,
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
    );
    // The rest of the host is as it was.
    let health = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

/// A chunked POST of `body` over a plain TCP connection (no
/// Content-Length): status, head and body of the answer.
async fn raw_chunked_post(base: &str, path: &str, body: &str) -> (u16, String, String) {
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded base64url, as JWTs use.
fn b64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

fn b64_decode(text: &str) -> Vec<u8> {
    let sextets: Vec<u32> = text
        .bytes()
        .map(|c| B64.iter().position(|&b| b == c).expect("base64url") as u32)
        .collect();
    let mut out = Vec::new();
    for chunk in sextets.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, s)| n | s << (18 - 6 * i));
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

// The accounts table, on both databases.

fn player(game: &str, name: &str) -> PlayerRecord {
    PlayerRecord {
        id: idempo_host::store::new_event_id(),
        game: game.into(),
        name: name.into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        created_at_ms: 1_700_000_000_000,
    }
}

async fn a_name_is_taken_once_per_game_in_any_case(store: &Store) {
    accounts::insert(store, &player(GAME, "Ann")).await.unwrap();
    let again = accounts::insert(store, &player(GAME, "ANN")).await;
    assert!(
        matches!(again, Err(AccountError::NameTaken(_))),
        "{again:?}"
    );
    // Another game has names of its own.
    accounts::insert(store, &player("other-game", "ann"))
        .await
        .unwrap();
}

async fn a_player_is_found_by_name_and_by_id_within_its_game(store: &Store) {
    let ann = player(GAME, "Ann");
    accounts::insert(store, &ann).await.unwrap();
    let name = PlayerName::parse("aNN").unwrap();
    let found = accounts::by_name(store, GAME, &name).await.unwrap();
    assert_eq!(found.as_ref(), Some(&ann));
    assert_eq!(
        accounts::by_id(store, GAME, &ann.id).await.unwrap(),
        Some(ann.clone())
    );
    assert_eq!(
        accounts::by_id(store, "other-game", &ann.id).await.unwrap(),
        None
    );
    let nobody = PlayerName::parse("nobody").unwrap();
    assert_eq!(accounts::by_name(store, GAME, &nobody).await.unwrap(), None);
}

conformance!(
    a_name_is_taken_once_per_game_in_any_case,
    a_player_is_found_by_name_and_by_id_within_its_game,
);
