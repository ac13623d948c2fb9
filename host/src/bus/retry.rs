//! Retries: exponential backoff with full jitter, with the clock and the
//! randomness injected so tests neither sleep nor guess.
//!
//! Before attempt `n + 1` (n >= 1) the ceiling is
//! `min(backoff_max_ms, backoff_base_ms * 2^(n-1))` and the sleep is uniform
//! in `[0, ceiling]` ("full jitter"): retries of many consumers spread out
//! instead of hammering together.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::config::BusConfig;

/// How a caller waits: tokio's sleep in production, a recorder in tests.
pub type Sleeper = Arc<dyn Fn(Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// A uniform draw in `[0, ceiling]`.
pub type Jitter = Box<dyn FnMut(u64) -> u64 + Send + Sync>;

/// The backoff bounds of [`BusConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub attempts: u32,
    pub base_ms: u64,
    pub max_ms: u64,
}

impl Backoff {
    pub fn from_config(config: &BusConfig) -> Self {
        Self {
            attempts: config.dlq_after_attempts.max(1),
            base_ms: config.backoff_base_ms,
            max_ms: config.backoff_max_ms,
        }
    }

    /// The ceiling of the sleep after failed attempt `failed` (from 1).
    pub fn ceiling_ms(&self, failed: u32) -> u64 {
        let doublings = failed.saturating_sub(1).min(63);
        self.base_ms
            .saturating_mul(1u64 << doublings)
            .min(self.max_ms)
    }
}

/// tokio's sleep.
pub fn tokio_sleeper() -> Sleeper {
    Arc::new(|d| Box::pin(tokio::time::sleep(d)))
}

/// Full jitter from a SplitMix64 generator seeded from the random bits of a
/// fresh UUIDv7 (jitter needs spread, not secrecy).
pub fn random_jitter() -> Jitter {
    // The low 64 bits of a UUIDv7 are 62 random bits and the variant.
    let mut state = uuid::Uuid::now_v7().as_u128() as u64;
    Box::new(move |ceiling| {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        match ceiling.checked_add(1) {
            Some(span) => z % span,
            None => z,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ceiling_doubles_up_to_its_bound() {
        let b = Backoff {
            attempts: 3,
            base_ms: 100,
            max_ms: 350,
        };
        assert_eq!(
            [1, 2, 3, 4, 80].map(|n| b.ceiling_ms(n)),
            [100, 200, 350, 350, 350]
        );
    }

    #[test]
    fn jitter_stays_under_its_ceiling() {
        let mut jitter = random_jitter();
        for _ in 0..1000 {
            assert!(jitter(10) <= 10);
        }
        assert_eq!(jitter(0), 0);
    }
}
