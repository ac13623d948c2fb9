//! The admin API over real HTTP: the operator token guards it, uploads are
//! validated (a mismatch is a 422 problem and changes nothing), activation
//! and rollback are one call each, breakers are visible.

mod common;

use common::*;
use idempo_host::config::Config;
use idempo_host::runtime::World;
use reqwest::StatusCode;
use serde_json::Value;

const TOKEN: &str = "test-operator-token";

async fn host() -> String {
    host_with(Config::default().upload_limit_bytes).await
}

async fn host_with(upload_limit_bytes: usize) -> String {
    let rt = runtime();
    load(&rt, World::Combat, "classic", "1.0.0", "combat_classic");
    let config = Config {
        operator_token: TOKEN.into(),
        upload_limit_bytes,
        ..Config::default()
    };
    serve(config, rt).await.base
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// An operator's call: method, path under the host, optional JSON body.
async fn operator(
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = client().request(method, url).bearer_auth(TOKEN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(url: String) -> Value {
    operator(reqwest::Method::GET, url, None).await.1
}

async fn post(url: String, body: Option<Value>) -> (StatusCode, Value) {
    operator(reqwest::Method::POST, url, body).await
}

async fn active_version(base: &str) -> Value {
    let list = get(format!("{base}/admin/v1/games/default/components")).await;
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "classic")
        .map(|c| c["active"].clone())
        .unwrap()
}

#[tokio::test]
async fn without_the_operator_token_nothing_is_served() {
    let base = host().await;
    for token in [None, Some("a-player-token")] {
        let mut request = client().get(format!("{base}/admin/v1/games/default/components"));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
}

#[tokio::test]
async fn an_operator_uploads_activates_and_rolls_back_a_combat_version() {
    let base = host().await;
    let upload = client()
        .put(format!(
            "{base}/admin/v1/games/default/components/combat/classic/versions/1.1.0"
        ))
        .bearer_auth(TOKEN)
        .header("content-type", "application/wasm")
        .body(wasm("combat_classic_v2"))
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::CREATED);
    let report: Value = upload.json().await.unwrap();
    assert_eq!(report["origin"], "compiled");
    assert_eq!(
        active_version(&base).await,
        "1.0.0",
        "uploading does not activate by itself"
    );

    let classic = format!("{base}/admin/v1/games/default/components/combat/classic");
    let (_, activated) = post(
        format!("{classic}/activate"),
        Some(serde_json::json!({ "version": "1.1.0" })),
    )
    .await;
    assert_eq!(
        (activated["from"].as_str(), activated["to"].as_str()),
        (Some("1.0.0"), Some("1.1.0"))
    );
    assert_eq!(activated["by"], "operator");
    assert_eq!(active_version(&base).await, "1.1.0");

    let (_, rolled) = post(format!("{classic}/rollback"), None).await;
    assert_eq!(rolled["kind"], "rollback");
    assert_eq!(active_version(&base).await, "1.0.0");

    let detail = get(classic).await;
    assert_eq!(detail["history"].as_array().unwrap().len(), 3);

    let breakers = get(format!("{base}/admin/v1/games/default/breakers")).await;
    assert!(
        breakers
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["state"] == "closed")
    );
}

#[tokio::test]
async fn a_mismatched_upload_is_a_422_problem_and_the_active_version_stays() {
    let base = host().await;
    let response = client()
        .put(format!(
            "{base}/admin/v1/games/default/components/combat/classic/versions/9.0.0?activate=true"
        ))
        .bearer_auth(TOKEN)
        .body(wasm("market_standard"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = response.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("idempo:game/combat"),
        "{problem}"
    );
    assert_eq!(active_version(&base).await, "1.0.0");
}

#[tokio::test]
async fn garbage_and_bad_versions_get_clear_errors() {
    let base = host().await;
    let garbage = client()
        .put(format!(
            "{base}/admin/v1/games/default/components/combat/classic/versions/2.0.0"
        ))
        .bearer_auth(TOKEN)
        .body("not wasm at all")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let activate = format!("{base}/admin/v1/games/default/components/combat/classic/activate");
    let (status, _) = post(
        activate.clone(),
        Some(serde_json::json!({ "version": "latest" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = post(activate, Some(serde_json::json!({ "version": "7.7.7" }))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(active_version(&base).await, "1.0.0");
}

#[tokio::test]
async fn an_oversized_upload_is_a_413_problem() {
    let base = host_with(1024).await;
    let response = client()
        .put(format!(
            "{base}/admin/v1/games/default/components/combat/classic/versions/3.0.0"
        ))
        .bearer_auth(TOKEN)
        .body(wasm("combat_classic_v2"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    assert_eq!(active_version(&base).await, "1.0.0");
}
