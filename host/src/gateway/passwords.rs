//! Player passwords: Argon2id with the crate's default parameters (RFC 9106's
//! second recommendation: 19 MiB, 2 passes, 1 lane), stored as PHC strings.
//!
//! Hashing is slow on purpose, so it runs on blocking threads, at most
//! `max_concurrent_password_hashes` at once (each holds ~19 MiB). A sign-in
//! with an unknown name verifies against a dummy hash of the same cost, so
//! it takes as long as a wrong password and does not tell which names
//! exist.

use std::sync::{Arc, OnceLock};

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, Params};
use tokio::sync::Semaphore;

/// Fewest characters of a password.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Most bytes of a password.
pub const MAX_PASSWORD_BYTES: usize = 256;

/// Why a password could not be hashed or checked (never a wrong password:
/// that is `Ok(false)`).
#[derive(Debug, Clone, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("the password hashing pool is closed")]
    Closed,
}

/// Whether `password` is acceptable for a new account; why not otherwise.
pub fn check_rules(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "a password has at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!("a password has at most {MAX_PASSWORD_BYTES} bytes"));
    }
    Ok(())
}

/// Hashes and verifies passwords off the async threads, a bounded number
/// at once. Cheap to clone.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
}

impl Passwords {
    /// At most `max_concurrent` hashes at once (at least one).
    pub fn new(max_concurrent: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
        }
    }

    /// The PHC string of `password` with a fresh random salt.
    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        self.blocking(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| PasswordError::Hashing(e.to_string()))
        })
        .await?
    }

    /// Whether `password` matches `stored` (a PHC string). With no stored
    /// hash (an unknown name) it does the same work and answers false.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        self.blocking(move || {
            let known = stored.is_some();
            let hash = stored.unwrap_or_else(|| dummy_hash().to_owned());
            let matches = Argon2::default()
                .verify_password(password.as_bytes(), hash.as_str())
                .is_ok();
            known && matches
        })
        .await
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| PasswordError::Closed)?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| PasswordError::Hashing(e.to_string()))
    }
}

/// A well-formed Argon2id hash with the default parameters that no
/// password produces (its output is all zeros): verifying against it costs
/// what a real verification costs.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        format!(
            "$argon2id$v=19$m={},t={},p={}${}${}",
            Params::DEFAULT_M_COST,
            Params::DEFAULT_T_COST,
            Params::DEFAULT_P_COST,
            "A".repeat(22),
            "A".repeat(43),
        )
    })
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use argon2::password_hash::phc::PasswordHash;

    use super::*;

    #[tokio::test]
    async fn a_hashed_password_verifies_and_another_does_not() {
        let passwords = Passwords::new(2);
        let stored = passwords.hash("correct horse".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        let ok = passwords.verify("correct horse".into(), Some(stored.clone()));
        assert!(ok.await.unwrap());
        let wrong = passwords.verify("battery staple".into(), Some(stored));
        assert!(!wrong.await.unwrap());
    }

    #[tokio::test]
    async fn the_dummy_hash_has_the_cost_of_a_real_one() {
        let real = Passwords::new(1)
            .hash("correct horse".into())
            .await
            .unwrap();
        let params = |phc: &str| {
            let parsed = PasswordHash::new(phc).expect("the hash parses");
            assert_eq!(parsed.algorithm.as_str(), "argon2id");
            Params::try_from(&parsed).expect("its params parse")
        };
        assert_eq!(params(dummy_hash()), params(&real));
    }

    #[tokio::test]
    async fn an_unknown_name_takes_about_as_long_as_a_wrong_password() {
        let passwords = Passwords::new(1);
        let stored = passwords.hash("correct horse".into()).await.unwrap();
        let mut known = Vec::new();
        let mut unknown = Vec::new();
        for _ in 0..3 {
            let start = Instant::now();
            let wrong = passwords.verify("guess".into(), Some(stored.clone()));
            assert!(!wrong.await.unwrap());
            known.push(start.elapsed());
            let start = Instant::now();
            assert!(!passwords.verify("guess".into(), None).await.unwrap());
            unknown.push(start.elapsed());
        }
        let median = |v: &mut Vec<Duration>| {
            v.sort();
            v[1]
        };
        let (known, unknown) = (median(&mut known), median(&mut unknown));
        // Loose bounds: the point is that both run a full Argon2id.
        assert!(unknown * 3 > known, "unknown {unknown:?}, known {known:?}");
        assert!(known * 3 > unknown, "unknown {unknown:?}, known {known:?}");
    }

    #[test]
    fn short_and_huge_passwords_are_refused() {
        assert!(check_rules("short").is_err());
        assert!(check_rules(&"x".repeat(MAX_PASSWORD_BYTES + 1)).is_err());
        assert!(check_rules("long enough").is_ok());
    }
}
