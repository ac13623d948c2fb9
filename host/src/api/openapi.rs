//! The OpenAPI 3.1 document of the player API, served at
//! `GET /v1/openapi.json` to anyone (it takes no [`crate::gateway::Player`],
//! so no token; the gateway's rate limit still applies).
//!
//! The document is `openapi.json` beside this file, compiled in: every
//! `/v1` route (the gateway's identity routes, the arena, the economy, the
//! market, the leaderboard, the WebSocket and its messages), with its parameters,
//! schemas, problem+json errors and the bearer scheme. The admin API is out
//! of its scope. When a route changes, change the document with it:
//! `host/tests/player_api.rs` checks that it lists exactly the routes the
//! router serves, and that every answer its stories get has a status and a
//! body the document promises.

use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::server::AppState;

/// The document, as served.
pub const DOCUMENT: &str = include_str!("openapi.json");

/// The routes, relative to `/v1`.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/openapi.json", get(document))
}

async fn document() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT).into_response()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::DOCUMENT;

    fn document() -> Value {
        serde_json::from_str(DOCUMENT).expect("openapi.json is JSON")
    }

    /// Every `$ref` in `value`.
    fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => found.push(r),
                        _ => refs(v, found),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }

    #[test]
    fn the_document_is_openapi_3_1_and_every_reference_resolves() {
        let doc = document();
        assert!(
            doc["openapi"]
                .as_str()
                .unwrap_or_default()
                .starts_with("3.1")
        );
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(!found.is_empty());
        for r in found {
            let pointer = r
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("{r} is local"));
            assert!(doc.pointer(pointer).is_some(), "{r} resolves");
        }
    }

    #[test]
    fn only_sign_up_sign_in_and_the_document_are_public() {
        let doc = document();
        let public = [
            ("post", "/players"),
            ("post", "/sessions"),
            ("get", "/openapi.json"),
        ];
        let paths = doc["paths"].as_object().expect("paths");
        for (path, item) in paths {
            for (method, op) in item.as_object().expect("path item") {
                assert!(op["operationId"].is_string(), "{method} {path}");
                assert!(op["responses"]["429"].is_object(), "{method} {path}");
                let open = op["security"].as_array().is_some_and(Vec::is_empty);
                let listed = public.contains(&(method.as_str(), path.as_str()));
                assert_eq!(open, listed, "{method} {path}");
                if !open {
                    assert!(op["responses"]["401"].is_object(), "{method} {path}");
                }
            }
        }
    }
}
