//! The arena's clock, injectable: [`SystemClock`] in production,
//! [`ManualClock`] in tests, which move time by hand and never sleep.
//!
//! Every time the arena reads (lobby waits, match time, lease expiry,
//! idempotency expiry) comes from one [`Clock`], in Unix milliseconds.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

/// A future that completes at a clock's instant.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Where the arena reads time.
pub trait Clock: Send + Sync + 'static {
    /// Now, in Unix milliseconds.
    fn now_ms(&self) -> i64;
    /// Completes once [`Clock::now_ms`] reached `at_ms` (at once if it has).
    fn sleep_until(&self, at_ms: i64) -> Sleep;
}

/// The system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        crate::store::now_ms()
    }

    fn sleep_until(&self, at_ms: i64) -> Sleep {
        let wait = u64::try_from(at_ms.saturating_sub(self.now_ms())).unwrap_or(0);
        Box::pin(tokio::time::sleep(Duration::from_millis(wait)))
    }
}

/// A clock that moves only when told to: [`ManualClock::advance`] and
/// [`ManualClock::set`] wake every sleeper whose instant came.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<watch::Sender<i64>>,
}

impl ManualClock {
    pub fn new(start_ms: i64) -> Self {
        Self {
            now: Arc::new(watch::Sender::new(start_ms)),
        }
    }

    /// Moves time forward by `ms`.
    pub fn advance(&self, ms: i64) {
        self.now
            .send_modify(|now| *now = now.saturating_add(ms.max(0)));
    }

    /// Sets the time (never backwards).
    pub fn set(&self, at_ms: i64) {
        self.now.send_modify(|now| *now = (*now).max(at_ms));
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        *self.now.borrow()
    }

    fn sleep_until(&self, at_ms: i64) -> Sleep {
        let mut rx = self.now.subscribe();
        Box::pin(async move {
            // An error means the clock is gone: time will never come.
            if rx.wait_for(|now| *now >= at_ms).await.is_err() {
                std::future::pending::<()>().await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_manual_sleeper_wakes_when_time_is_moved_past_its_instant() {
        let clock = ManualClock::new(1_000);
        let sleeper = tokio::spawn(clock.sleep_until(1_500));
        clock.advance(400);
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished(), "1 400 < 1 500");
        clock.advance(100);
        sleeper.await.expect("woken at 1 500");
        assert_eq!(clock.now_ms(), 1_500);
        clock.set(10);
        assert_eq!(clock.now_ms(), 1_500, "never backwards");
    }
}
