//! Players over real HTTP: sign-up and sign-in.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

/// The password every test player gets.
pub const PASSWORD: &str = "correct horse battery staple";

/// Registers `name` on the host at `base` and signs in: (session token,
/// player id).
pub async fn signed_in(client: &Client, base: &str, name: &str) -> (String, String) {
    let credentials = json!({ "name": name, "password": PASSWORD });
    let registered = client
        .post(format!("{base}/v1/players"))
        .json(&credentials)
        .send()
        .await
        .expect("registers");
    let status = registered.status();
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{}",
        registered.text().await.unwrap_or_default()
    );
    let session: Value = client
        .post(format!("{base}/v1/sessions"))
        .json(&credentials)
        .send()
        .await
        .expect("signs in")
        .json()
        .await
        .expect("a session");
    (
        session["token"].as_str().expect("a token").to_owned(),
        session["player_id"].as_str().expect("an id").to_owned(),
    )
}
