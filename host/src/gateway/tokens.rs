//! Player sessions as HS256 JWTs: issued at sign-in, verified on every
//! signed-in call, with no server-side session state.
//!
//! A token's claims: `sub` (the player id), `game`, `name`, `kind`
//! (always `"player"`), `iat` and `exp` (Unix seconds). Verification checks
//! the algorithm (HS256 only, so `alg: none` and key confusion are refused),
//! the signature, then `exp` with no leeway, then the kind. The operator
//! token is refused here by name, so it can never act as a player.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The `kind` claim of a player's session.
pub const PLAYER_KIND: &str = "player";

/// What a session token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The player's id.
    pub sub: String,
    /// The player's game.
    pub game: String,
    /// The player's name, as registered.
    pub name: String,
    /// Whose token: `"player"`.
    pub kind: String,
    /// Issued at, Unix seconds.
    pub iat: u64,
    /// Expires at, Unix seconds.
    pub exp: u64,
}

/// A freshly issued session.
#[derive(Debug, Clone)]
pub struct Issued {
    pub token: String,
    /// When it expires, Unix seconds.
    pub expires_at_secs: u64,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("send a session token as `Authorization: Bearer <token>`")]
    Missing,
    #[error("the operator token cannot act as a player; sign in as a player")]
    OperatorToken,
    #[error("the session token has expired; sign in again")]
    Expired,
    #[error("the session token's signature does not verify")]
    BadSignature,
    #[error("the session token is not a player's token")]
    WrongKind,
    #[error("the session token is malformed")]
    Malformed,
    #[error("the session token could not be signed: {0}")]
    Signing(String),
}

/// Issues and verifies session tokens with one secret.
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
    operator_token: String,
}

impl Tokens {
    /// Tokens signed with `secret`, valid `ttl` after issue; `operator_token`
    /// is refused wherever a player's token is expected.
    pub fn new(secret: &str, ttl: Duration, operator_token: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            ttl,
            operator_token: operator_token.to_owned(),
        }
    }

    /// A token for player `id` of `game` named `name`, issued at `now`.
    pub fn issue(
        &self,
        id: &str,
        game: &str,
        name: &str,
        now: SystemTime,
    ) -> Result<Issued, TokenError> {
        let iat = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let exp = iat.saturating_add(self.ttl.as_secs().max(1));
        let claims = Claims {
            sub: id.to_owned(),
            game: game.to_owned(),
            name: name.to_owned(),
            kind: PLAYER_KIND.to_owned(),
            iat,
            exp,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| TokenError::Signing(e.to_string()))?;
        Ok(Issued {
            token,
            expires_at_secs: exp,
        })
    }

    /// The claims of a valid player token, checked against the clock now.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        if crate::admin::constant_time_eq(token.as_bytes(), self.operator_token.as_bytes()) {
            return Err(TokenError::OperatorToken);
        }
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::InvalidSignature => TokenError::BadSignature,
                _ => TokenError::Malformed,
            })?;
        if data.claims.kind != PLAYER_KIND {
            return Err(TokenError::WrongKind);
        }
        Ok(data.claims)
    }
}

/// `unix_secs` as an RFC 3339 UTC timestamp (`2026-11-22T06:35:21Z`).
pub fn rfc3339(unix_secs: u64) -> String {
    let days = unix_secs / 86_400;
    let rest = unix_secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (H. Hinnant's
/// `civil_from_days`, for non-negative days).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPERATOR: &str = "the-operator-token";

    fn tokens(secret: &str) -> Tokens {
        Tokens::new(secret, Duration::from_secs(60), OPERATOR)
    }

    #[test]
    fn an_issued_token_verifies_to_its_player() {
        let t = tokens("a-secret-of-enough-bytes-0123456789");
        let issued = t.issue("p1", "default", "ann", SystemTime::now()).unwrap();
        let claims = t.verify(&issued.token).unwrap();
        assert_eq!((claims.sub.as_str(), claims.name.as_str()), ("p1", "ann"));
        assert_eq!(claims.kind, PLAYER_KIND);
        assert_eq!(claims.exp, claims.iat + 60);
        assert_eq!(issued.expires_at_secs, claims.exp);
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let issued = tokens("secret-one")
            .issue("p1", "default", "ann", SystemTime::now())
            .unwrap();
        assert_eq!(
            tokens("secret-two").verify(&issued.token),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn an_old_token_is_expired() {
        let t = tokens("s");
        let long_ago = SystemTime::now() - Duration::from_secs(3_600);
        let issued = t.issue("p1", "default", "ann", long_ago).unwrap();
        assert_eq!(t.verify(&issued.token), Err(TokenError::Expired));
    }

    #[test]
    fn the_operator_token_and_garbage_are_not_players() {
        let t = tokens("s");
        assert_eq!(t.verify(OPERATOR), Err(TokenError::OperatorToken));
        assert_eq!(t.verify("not.a.jwt"), Err(TokenError::Malformed));
        assert_eq!(t.verify(""), Err(TokenError::Malformed));
    }

    #[test]
    fn a_token_of_another_kind_is_refused() {
        let claims = Claims {
            sub: "p1".into(),
            game: "default".into(),
            name: "ann".into(),
            kind: "operator".into(),
            iat: 0,
            exp: u64::MAX / 2,
        };
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"s"),
        )
        .unwrap();
        assert_eq!(tokens("s").verify(&token), Err(TokenError::WrongKind));
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_329_321), "2026-11-22T06:35:21Z");
    }
}
