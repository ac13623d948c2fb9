//! Who is calling: the [`Player`] extractor, which any `/v1` handler takes to
//! require a signed-in player.
//!
//! It reads `Authorization: Bearer <token>` and verifies the token
//! ([`super::tokens::Tokens::verify`]). A refusal is 401 problem+json with
//! `WWW-Authenticate: Bearer` and a `type` that says why: `token-missing`,
//! `token-invalid` (bad signature, malformed, not a player's), `token-expired`,
//! `operator-token` (the operator token on a player route). [`authenticate`]
//! is the same check for a token read elsewhere (the WebSocket's query).
//! The player's id joins the request's log span
//! ([`super::correlation::note_player`]).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Gateway;
use super::tokens::TokenError;
use crate::problem::Problem;

/// A signed-in player, from a valid session token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Player {
    /// The player's id (a uuid v7).
    pub id: String,
    /// The player's game.
    pub game: String,
    /// The player's name, as registered.
    pub name: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Player {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        let Some(gateway) = parts.extensions.get::<Arc<Gateway>>() else {
            return Err(Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "no-gateway",
                "Route is outside the player API",
                "this route takes a player but is not served under the gateway's `/v1` router",
            )
            .into_response());
        };
        let player = authenticate(gateway, bearer(&parts.headers)).map_err(refusal)?;
        super::correlation::note_player(&player.id);
        Ok(player)
    }
}

/// The player whose session `token` is (`None`: no token was sent): the
/// [`Player`] extractor's check, for a handler that also reads the token
/// elsewhere (the WebSocket's `?token=`); [`refusal`] answers its error.
pub(crate) fn authenticate(gateway: &Gateway, token: Option<&str>) -> Result<Player, TokenError> {
    let claims = gateway.tokens.verify(token.ok_or(TokenError::Missing)?)?;
    Ok(Player {
        id: claims.sub,
        game: claims.game,
        name: claims.name,
    })
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in
/// any case).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// A refused token as 401 problem+json with `WWW-Authenticate: Bearer`
/// (500 for a token that could not be signed).
pub fn refusal(e: TokenError) -> Response {
    let kind = match e {
        TokenError::Missing => "token-missing",
        TokenError::OperatorToken => "operator-token",
        TokenError::Expired => "token-expired",
        TokenError::BadSignature | TokenError::WrongKind | TokenError::Malformed => "token-invalid",
        TokenError::Signing(_) => {
            return Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "token-signing",
                "Session could not be issued",
                e.to_string(),
            )
            .into_response();
        }
    };
    let mut response = Problem::new(
        StatusCode::UNAUTHORIZED,
        kind,
        "Unauthorized",
        e.to_string(),
    )
    .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"idempo\""),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(authorization: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, authorization.parse().unwrap());
        h
    }

    #[test]
    fn a_bearer_token_is_read_in_any_case_of_the_scheme() {
        assert_eq!(bearer(&headers("Bearer abc")), Some("abc"));
        assert_eq!(bearer(&headers("bearer abc")), Some("abc"));
        assert_eq!(bearer(&headers("Basic abc")), None);
        assert_eq!(bearer(&headers("Bearer ")), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
    }

    #[test]
    fn a_refusal_says_why_and_asks_for_a_bearer_token() {
        let response = refusal(TokenError::Expired);
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }
}
