//! Rate limiting: a token bucket per client, where a client is the player a
//! valid session token names, or else the caller's IP address.
//!
//! A bucket holds at most `burst` tokens and refills at `per_second`; a
//! request takes one, and a request that finds none is refused with 429
//! and `Retry-After` (whole seconds until a token is back). Memory is
//! bounded: a bucket that has refilled is the same as no bucket, so idle
//! buckets are swept away, and the table never holds more than
//! `max_clients`; a new client that finds it full of busy ones is refused
//! until the next sweep frees room.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;

use super::Gateway;
use crate::problem::Problem;

/// Who a bucket belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Client {
    /// A signed-in player, by id.
    Player(String),
    /// An anonymous caller, by IP address.
    Address(IpAddr),
    /// A caller whose address the server does not know (served without
    /// connection info): all such callers share one bucket.
    Unknown,
}

/// One client's bucket.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// Refills to `now`.
    fn refill(&mut self, now: Instant, per_second: f64, burst: f64) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * per_second).min(burst);
        self.at = now;
    }
}

/// Token buckets per client, with a bounded table.
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    max_clients: usize,
    /// How often idle buckets are swept: the time an empty bucket takes to
    /// refill, within [1 s, 60 s].
    sweep_every: Duration,
    inner: Mutex<Inner>,
}

struct Inner {
    buckets: HashMap<Client, Bucket>,
    last_sweep: Instant,
}

impl RateLimiter {
    /// `per_second` tokens a second (not positive or not finite: no limit),
    /// `burst` tokens at most (at least 1), `max_clients` buckets at most
    /// (at least 1).
    pub fn new(per_second: f64, burst: u32, max_clients: usize) -> Self {
        let burst = f64::from(burst.max(1));
        let refill = if per_second.is_finite() && per_second > 0.0 {
            burst / per_second
        } else {
            0.0
        };
        Self {
            per_second,
            burst,
            max_clients: max_clients.max(1),
            sweep_every: Duration::from_secs_f64(refill.clamp(1.0, 60.0)),
            inner: Mutex::new(Inner {
                buckets: HashMap::new(),
                last_sweep: Instant::now(),
            }),
        }
    }

    fn enabled(&self) -> bool {
        self.per_second.is_finite() && self.per_second > 0.0
    }

    /// Takes a token of `client`'s bucket at `now`; if there is none, how
    /// long until there is one.
    pub fn check(&self, client: Client, now: Instant) -> Result<(), Duration> {
        if !self.enabled() {
            return Ok(());
        }
        let mut inner = self.inner.lock();
        if now.saturating_duration_since(inner.last_sweep) >= self.sweep_every {
            self.sweep(&mut inner, now);
        }
        let known = inner.buckets.contains_key(&client);
        if !known && inner.buckets.len() >= self.max_clients {
            return Err(self.sweep_every);
        }
        let bucket = inner.buckets.entry(client).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        bucket.refill(now, self.per_second, self.burst);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait = (1.0 - bucket.tokens) / self.per_second;
        Err(Duration::try_from_secs_f64(wait).unwrap_or(Duration::MAX))
    }

    /// Forgets the buckets that are full again.
    fn sweep(&self, inner: &mut Inner, now: Instant) {
        inner.buckets.retain(|_, bucket| {
            bucket.refill(now, self.per_second, self.burst);
            bucket.tokens < self.burst
        });
        inner.last_sweep = now;
    }

    /// Buckets held now.
    pub fn clients(&self) -> usize {
        self.inner.lock().buckets.len()
    }
}

/// Middleware: refuses a request over its client's rate with 429.
pub async fn limit(State(gateway): State<Arc<Gateway>>, request: Request, next: Next) -> Response {
    let client = client_of(&gateway, &request);
    match gateway.limiter.check(client, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => too_many_requests(wait),
    }
}

/// The player a valid token names, else the caller's address.
fn client_of(gateway: &Gateway, request: &Request) -> Client {
    if let Some(claims) =
        super::auth::bearer(request.headers()).and_then(|token| gateway.tokens.verify(token).ok())
    {
        return Client::Player(claims.sub);
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(Client::Unknown, |ConnectInfo(addr)| {
            Client::Address(addr.ip())
        })
}

/// 429 problem+json with `Retry-After` in whole seconds (at least 1).
fn too_many_requests(wait: Duration) -> Response {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    let mut response = Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
        "Too many requests",
        format!("this client is over its request rate; retry in {secs} s"),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ann() -> Client {
        Client::Player("ann".into())
    }

    #[test]
    fn a_burst_passes_then_the_next_waits_for_a_token() {
        let limiter = RateLimiter::new(2.0, 3, 10);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check(ann(), t0), Ok(()));
        }
        let wait = limiter.check(ann(), t0).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500), "one token at 2/s");
    }

    #[test]
    fn tokens_come_back_with_time_up_to_the_burst() {
        let limiter = RateLimiter::new(2.0, 3, 10);
        let t0 = Instant::now();
        for _ in 0..3 {
            limiter.check(ann(), t0).unwrap();
        }
        let later = t0 + Duration::from_millis(500);
        assert_eq!(limiter.check(ann(), later), Ok(()));
        assert!(limiter.check(ann(), later).is_err());
        // A long idle time refills to the burst, not beyond.
        let much_later = later + Duration::from_secs(3_600);
        for _ in 0..3 {
            assert_eq!(limiter.check(ann(), much_later), Ok(()));
        }
        assert!(limiter.check(ann(), much_later).is_err());
    }

    #[test]
    fn each_client_has_its_own_bucket() {
        let limiter = RateLimiter::new(1.0, 1, 10);
        let t0 = Instant::now();
        let bob = Client::Player("bob".into());
        let somewhere = Client::Address(IpAddr::from([127, 0, 0, 1]));
        assert!(limiter.check(ann(), t0).is_ok());
        assert!(limiter.check(ann(), t0).is_err());
        assert!(limiter.check(bob, t0).is_ok());
        assert!(limiter.check(somewhere, t0).is_ok());
    }

    #[test]
    fn idle_buckets_are_forgotten() {
        let limiter = RateLimiter::new(10.0, 5, 100);
        let t0 = Instant::now();
        for i in 0..50 {
            limiter.check(Client::Player(i.to_string()), t0).unwrap();
        }
        assert_eq!(limiter.clients(), 50);
        // After a sweep period, every bucket has refilled: only the caller's
        // new one is left.
        limiter.check(ann(), t0 + Duration::from_secs(2)).unwrap();
        assert_eq!(limiter.clients(), 1);
    }

    #[test]
    fn a_full_table_refuses_new_clients_but_serves_known_ones() {
        let limiter = RateLimiter::new(1.0, 10, 2);
        let t0 = Instant::now();
        limiter.check(ann(), t0).unwrap();
        limiter.check(Client::Player("bob".into()), t0).unwrap();
        let wait = limiter.check(Client::Player("cy".into()), t0).unwrap_err();
        assert!(wait >= Duration::from_secs(1));
        assert_eq!(limiter.check(ann(), t0), Ok(()));
        assert_eq!(limiter.clients(), 2);
    }

    #[test]
    fn a_rate_of_zero_turns_limiting_off() {
        let limiter = RateLimiter::new(0.0, 1, 1);
        let t0 = Instant::now();
        for i in 0..100 {
            assert_eq!(limiter.check(Client::Player(i.to_string()), t0), Ok(()));
        }
        assert_eq!(limiter.clients(), 0);
    }

    #[test]
    fn retry_after_is_whole_seconds_and_at_least_one() {
        let response = too_many_requests(Duration::from_millis(1_200));
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        let response = too_many_requests(Duration::from_millis(10));
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }
}
