//! A circuit breaker per component version: closed, open, half-open.
//!
//! Closed counts consecutive failures (traps, fuel, deadline, memory, stack);
//! at `failure_threshold` it opens. Open fails every call fast with
//! [`super::CallError::BreakerOpen`] for `open_ms`, then lets one probe
//! through (half-open). A probe that succeeds `half_open_successes` times
//! closes it; one that fails opens it again. Transitions are kept (the last
//! [`MAX_TRANSITIONS`]) for the admin API.
//!
//! The state a reader sees ([`Breaker::state`], [`Breaker::snapshot`]: the
//! admin API, `/metrics`) is the one a call would find: an open breaker
//! whose cool-down has passed reads half-open, since the next call probes
//! it, though no call has come yet.
//!
//! Time is passed in, so tests drive it without sleeping.

use std::collections::VecDeque;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use serde::Serialize;

use crate::config::BreakerConfig;

/// Transitions kept per breaker.
pub const MAX_TRANSITIONS: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    /// 0 closed, 1 half-open, 2 open: the gauge value metrics export.
    pub fn as_gauge(self) -> u8 {
        match self {
            BreakerState::Closed => 0,
            BreakerState::HalfOpen => 1,
            BreakerState::Open => 2,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Transition {
    pub from: BreakerState,
    pub to: BreakerState,
    pub at_unix_ms: u64,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BreakerSnapshot {
    pub state: BreakerState,
    pub consecutive_failures: u32,
    pub transitions: Vec<Transition>,
}

struct Inner {
    state: BreakerState,
    failures: u32,
    successes: u32,
    open_until: Option<Instant>,
    probe_in_flight: bool,
    transitions: VecDeque<Transition>,
}

pub struct Breaker {
    config: BreakerConfig,
    inner: Mutex<Inner>,
}

/// Permission to make one call; give it back through [`Breaker::record`].
#[derive(Debug)]
#[must_use]
pub struct Permit {
    probe: bool,
}

impl Breaker {
    pub fn new(config: BreakerConfig) -> Self {
        Self {
            config,
            inner: Mutex::new(Inner {
                state: BreakerState::Closed,
                failures: 0,
                successes: 0,
                open_until: None,
                probe_in_flight: false,
                transitions: VecDeque::new(),
            }),
        }
    }

    /// Lets a call through, or says how long until the next probe.
    pub fn admit(&self, now: Instant) -> Result<Permit, Duration> {
        let mut inner = self.inner.lock();
        match inner.state {
            BreakerState::Closed => Ok(Permit { probe: false }),
            BreakerState::Open => {
                let until = inner.open_until.unwrap_or(now);
                if now < until {
                    return Err(until - now);
                }
                inner.move_to(BreakerState::HalfOpen, "cool-down elapsed; probing");
                inner.probe_in_flight = true;
                Ok(Permit { probe: true })
            }
            BreakerState::HalfOpen if inner.probe_in_flight => Err(Duration::ZERO),
            BreakerState::HalfOpen => {
                inner.probe_in_flight = true;
                Ok(Permit { probe: true })
            }
        }
    }

    /// Records how a permitted call ended.
    pub fn record(&self, permit: Permit, now: Instant, failure: Option<&str>) {
        let mut inner = self.inner.lock();
        if permit.probe {
            inner.probe_in_flight = false;
        }
        match (failure, inner.state) {
            (None, BreakerState::Closed) => inner.failures = 0,
            (None, BreakerState::HalfOpen) => {
                inner.successes += 1;
                if inner.successes >= self.config.half_open_successes {
                    inner.failures = 0;
                    inner.move_to(BreakerState::Closed, "probe succeeded");
                }
            }
            (Some(kind), BreakerState::Closed) => {
                inner.failures += 1;
                if inner.failures >= self.config.failure_threshold {
                    let reason = format!("{} consecutive failures (last: {kind})", inner.failures);
                    self.open(&mut inner, now, &reason);
                }
            }
            (Some(kind), BreakerState::HalfOpen) => {
                inner.failures += 1;
                self.open(&mut inner, now, &format!("probe failed: {kind}"));
            }
            // A call admitted before the breaker opened, ending after.
            (_, BreakerState::Open) => {}
        }
    }

    fn open(&self, inner: &mut Inner, now: Instant, reason: &str) {
        inner.open_until = Some(now + Duration::from_millis(self.config.open_ms));
        inner.move_to(BreakerState::Open, reason);
    }

    /// The state now, as a call would find it (see the module doc).
    pub fn state(&self) -> BreakerState {
        self.state_at(Instant::now())
    }

    /// The state at `now`, as a call would find it.
    pub fn state_at(&self, now: Instant) -> BreakerState {
        self.inner.lock().state_at(now)
    }

    pub fn snapshot(&self) -> BreakerSnapshot {
        let inner = self.inner.lock();
        BreakerSnapshot {
            state: inner.state_at(Instant::now()),
            consecutive_failures: inner.failures,
            transitions: inner.transitions.iter().cloned().collect(),
        }
    }
}

impl Inner {
    /// An open breaker whose cool-down has passed lets the next call probe
    /// it: it reads half-open.
    fn state_at(&self, now: Instant) -> BreakerState {
        match (self.state, self.open_until) {
            (BreakerState::Open, Some(until)) if now >= until => BreakerState::HalfOpen,
            (state, _) => state,
        }
    }

    fn move_to(&mut self, to: BreakerState, reason: &str) {
        if self.transitions.len() == MAX_TRANSITIONS {
            self.transitions.pop_front();
        }
        self.transitions.push_back(Transition {
            from: self.state,
            to,
            at_unix_ms: unix_ms(),
            reason: reason.to_owned(),
        });
        self.state = to;
        self.successes = 0;
    }
}

/// Milliseconds since the Unix epoch, for records people read.
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> Breaker {
        Breaker::new(BreakerConfig {
            failure_threshold: 3,
            open_ms: 1_000,
            half_open_successes: 1,
        })
    }

    fn fail(b: &Breaker, now: Instant) {
        let permit = b.admit(now).expect("admitted");
        b.record(permit, now, Some("trap"));
    }

    #[test]
    fn a_component_that_keeps_trapping_is_cut_off_then_probed_then_restored() {
        let b = breaker();
        let t0 = Instant::now();
        fail(&b, t0);
        fail(&b, t0);
        assert_eq!(b.snapshot().state, BreakerState::Closed);
        fail(&b, t0);
        assert_eq!(b.snapshot().state, BreakerState::Open);

        let wait = b.admit(t0 + Duration::from_millis(400)).unwrap_err();
        assert_eq!(wait, Duration::from_millis(600));

        let probe = b.admit(t0 + Duration::from_millis(1_000)).expect("probe");
        assert_eq!(b.snapshot().state, BreakerState::HalfOpen);
        assert!(
            b.admit(t0 + Duration::from_millis(1_001)).is_err(),
            "one probe at a time"
        );
        b.record(probe, t0 + Duration::from_millis(1_002), None);
        assert_eq!(b.snapshot().state, BreakerState::Closed);

        let states: Vec<_> = b.snapshot().transitions.iter().map(|t| t.to).collect();
        assert_eq!(
            states,
            [
                BreakerState::Open,
                BreakerState::HalfOpen,
                BreakerState::Closed
            ]
        );
    }

    #[test]
    fn an_open_breaker_reads_half_open_once_its_cool_down_has_passed() {
        let b = breaker();
        let t0 = Instant::now();
        (0..3).for_each(|_| fail(&b, t0));
        assert_eq!(
            b.state_at(t0 + Duration::from_millis(999)),
            BreakerState::Open
        );
        let cooled = t0 + Duration::from_millis(1_000);
        assert_eq!(b.state_at(cooled), BreakerState::HalfOpen, "no call yet");
        let probe = b.admit(cooled).expect("the probe the reading promised");
        assert_eq!(b.state_at(cooled), BreakerState::HalfOpen);
        b.record(probe, cooled, Some("trap"));
        assert_eq!(
            b.state_at(cooled),
            BreakerState::Open,
            "the failed probe reopens it"
        );
    }

    #[test]
    fn a_failed_probe_opens_the_breaker_again() {
        let b = breaker();
        let t0 = Instant::now();
        (0..3).for_each(|_| fail(&b, t0));
        let t1 = t0 + Duration::from_millis(1_000);
        fail(&b, t1);
        assert_eq!(b.snapshot().state, BreakerState::Open);
        assert!(b.admit(t1 + Duration::from_millis(999)).is_err());
    }

    #[test]
    fn a_success_resets_the_failure_count() {
        let b = breaker();
        let t0 = Instant::now();
        fail(&b, t0);
        fail(&b, t0);
        let permit = b.admit(t0).unwrap();
        b.record(permit, t0, None);
        fail(&b, t0);
        fail(&b, t0);
        assert_eq!(b.snapshot().state, BreakerState::Closed);
    }
}
