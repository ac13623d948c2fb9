//! The gateway's knobs: the `[gateway]` section of [`crate::config::Config`].

use serde::{Deserialize, Serialize};

/// The signing secret of a default install. Anyone who reads this source
/// can forge a session with it: the host warns at start while it is in use.
pub const DEVELOPMENT_JWT_SECRET: &str = "dev-jwt-secret-change-me-in-production";

/// The shortest secret the host accepts without a warning, in bytes (the
/// output size of HS256: a shorter secret weakens the signature).
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// Sessions, rate limits and body limits of the player API (`/v1`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewayConfig {
    /// The HS256 secret that signs player sessions. Every host of a game
    /// shares it; changing it signs every player out.
    pub jwt_secret: String,
    /// How long a session token is valid after sign-in, in seconds.
    pub token_ttl_secs: u64,
    /// Requests a client may make per second in the long run: per player
    /// for signed-in calls, per IP address for the others. 0 turns rate
    /// limiting off.
    pub rate_limit_per_second: f64,
    /// Requests a client may make at once after being idle (the bucket's
    /// size); at least 1.
    pub rate_limit_burst: u32,
    /// Clients the rate limiter tracks at once. Idle clients (bucket full
    /// again) are forgotten; a new client that finds the table full of
    /// busy ones is refused with 429 until room frees.
    pub rate_limit_max_clients: usize,
    /// Largest request body of the player API, in bytes; a larger one is
    /// refused with 413.
    pub body_limit_bytes: usize,
    /// Password hashes (Argon2id, ~19 MiB of memory each) computed at once;
    /// more sign-ups and sign-ins wait for a turn.
    pub max_concurrent_password_hashes: usize,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            jwt_secret: String::from(DEVELOPMENT_JWT_SECRET),
            token_ttl_secs: 24 * 3_600,
            rate_limit_per_second: 10.0,
            rate_limit_burst: 20,
            rate_limit_max_clients: 100_000,
            body_limit_bytes: 64 * 1024,
            max_concurrent_password_hashes: 4,
        }
    }
}

impl GatewayConfig {
    /// Warns (through tracing) about a secret anyone could know or guess.
    pub fn warn_if_weak(&self) {
        if self.jwt_secret == DEVELOPMENT_JWT_SECRET {
            tracing::warn!(
                "using the development JWT secret; set `gateway.jwt_secret` in production"
            );
        } else if self.jwt_secret.len() < MIN_JWT_SECRET_BYTES {
            tracing::warn!(
                min_bytes = MIN_JWT_SECRET_BYTES,
                "the JWT secret is short; use at least 32 random bytes"
            );
        }
    }
}

/// Never prints the secret.
impl std::fmt::Debug for GatewayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayConfig")
            .field("jwt_secret", &"<redacted>")
            .field("token_ttl_secs", &self.token_ttl_secs)
            .field("rate_limit_per_second", &self.rate_limit_per_second)
            .field("rate_limit_burst", &self.rate_limit_burst)
            .field("rate_limit_max_clients", &self.rate_limit_max_clients)
            .field("body_limit_bytes", &self.body_limit_bytes)
            .field(
                "max_concurrent_password_hashes",
                &self.max_concurrent_password_hashes,
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_reads_from_toml_and_defaults_to_a_day_and_64_kib() {
        let config: crate::config::Config = toml::from_str(
            "[gateway]\njwt_secret = \"s3cret\"\nrate_limit_burst = 5\n\
                 rate_limit_per_second = 2",
        )
        .expect("gateway config parses");
        assert_eq!(config.gateway.jwt_secret, "s3cret");
        assert_eq!(config.gateway.rate_limit_burst, 5);
        assert_eq!(config.gateway.rate_limit_per_second, 2.0);
        assert_eq!(config.gateway.token_ttl_secs, 86_400);
        assert_eq!(config.gateway.body_limit_bytes, 65_536);
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let shown = format!("{:?}", GatewayConfig::default());
        assert!(!shown.contains(DEVELOPMENT_JWT_SECRET), "{shown}");
    }
}
