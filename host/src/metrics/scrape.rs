//! `GET /metrics`: the process's counted metrics ([`super::global`]), and
//! what is read from the host's state at each scrape, for every game it
//! runs ([`AppState::games`]: its default game and every game it has
//! components of):
//!
//! - `kafka_consumer_lag{topic, group, game}`: the `rewards` and
//!   `leaderboard` groups' lag per topic ([`crate::bus::lag`]), on either
//!   bus; what the bus does not answer within [`LAG_TIMEOUT`] is left out
//!   (and the scrape answers), and a game whose lag cannot be read leaves
//!   out its series only;
//! - `circuit_breaker_state{breaker[, game]}`: 0 closed, 1 half-open, 2
//!   open, as a call would find it (an open breaker whose cool-down has
//!   passed reads half-open: [`crate::runtime::breaker`]); the host's saga
//!   breakers (`saga:wallet`, ...) and each component version's
//!   (`component:<world>/<name>@<version>`, with its `game`);
//! - `idempo_component_*{world, component, version, game}`: each loaded
//!   version's calls, failures by kind, fuel, call durations since it was
//!   loaded, and whether it is the active one;
//! - `idempo_matches_active`: the matches this host runs.
//!
//! No authentication, like `/healthz`: it says how the host does, not what
//! players own.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::registry::{FamilySnapshot, Kind, Value};
use super::render::{CONTENT_TYPE, render};
use crate::runtime::ComponentSlot;
use crate::server::AppState;

/// Longest the lag reads of one scrape may take.
pub const LAG_TIMEOUT: Duration = Duration::from_secs(2);

pub const CONSUMER_LAG: &str = "kafka_consumer_lag";
pub const BREAKER_STATE: &str = "circuit_breaker_state";
pub const COMPONENT_CALLS: &str = "idempo_component_calls_total";
pub const COMPONENT_FAILURES: &str = "idempo_component_failures_total";
pub const COMPONENT_FUEL: &str = "idempo_component_fuel_used_total";
pub const COMPONENT_CALL_DURATION: &str = "idempo_component_call_duration_seconds";
pub const COMPONENT_ACTIVE: &str = "idempo_component_active_version";
pub const MATCHES_ACTIVE: &str = "idempo_matches_active";

/// The consumer groups whose lag is served, and their topics.
const GROUPS: [(&str, &[&str]); 3] = [
    (
        crate::economy::rewards::GROUP,
        &crate::economy::rewards::TOPICS,
    ),
    (crate::leaderboard::GROUP, &crate::leaderboard::TOPICS),
    (
        crate::tournament::scores::GROUP,
        &crate::tournament::scores::TOPICS,
    ),
];

/// The handler of `GET /metrics`.
pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let mut families = super::global().collect();
    families.extend(scrape(&state).await);
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], render(&families)).into_response()
}

/// What is read from `state` at a scrape.
pub async fn scrape(state: &AppState) -> Vec<FamilySnapshot> {
    let mut families = vec![consumer_lag(state).await, breakers(state)];
    families.extend(components(state));
    let mut matches =
        FamilySnapshot::new(MATCHES_ACTIVE, "Matches running on this host.", Kind::Gauge);
    matches.push(&[], Value::Gauge(state.arena.running().len() as f64));
    families.push(matches);
    families
}

async fn consumer_lag(state: &AppState) -> FamilySnapshot {
    let mut family = FamilySnapshot::new(
        CONSUMER_LAG,
        "Events appended to a topic that a consumer group has not read yet.",
        Kind::Gauge,
    );
    let bus = state.bus.as_ref();
    // What was read before the deadline is served.
    let mut lags = Vec::new();
    let read = async {
        for game in state.games() {
            match game_lags(bus, &game).await {
                Ok(read) => lags.extend(
                    read.into_iter()
                        .map(|(t, g, lag)| (t, g, game.clone(), lag)),
                ),
                Err(e) => {
                    tracing::warn!(%game, error = %e, "consumer lag unreadable for /metrics");
                }
            }
        }
    };
    if tokio::time::timeout(LAG_TIMEOUT, read).await.is_err() {
        tracing::warn!(
            timeout_ms = LAG_TIMEOUT.as_millis() as u64,
            "consumer lag not all read in time for /metrics"
        );
    }
    for (topic, group, game, lag) in lags {
        family.push(
            &[("topic", topic), ("group", group), ("game", &game)],
            Value::Gauge(lag as f64),
        );
    }
    family
}

/// The lag of each served group in each of its topics, in `game`.
async fn game_lags(
    bus: &dyn crate::bus::Bus,
    game: &str,
) -> Result<Vec<(&'static str, &'static str, i64)>, crate::bus::BusError> {
    let mut lags = Vec::new();
    for (group, topics) in GROUPS {
        for topic in topics {
            let lag = crate::bus::lag::topic_lag(bus, game, group, topic).await?;
            lags.push((*topic, group, lag.lag));
        }
    }
    Ok(lags)
}

fn breakers(state: &AppState) -> FamilySnapshot {
    let mut family = FamilySnapshot::new(
        BREAKER_STATE,
        "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
        Kind::Gauge,
    );
    for view in state.sagas.breakers() {
        let value = f64::from(view.snapshot.state.as_gauge());
        family.push(&[("breaker", &view.breaker)], Value::Gauge(value));
    }
    for (game, slot) in slots(state) {
        for loaded in slot.versions() {
            let name = format!("component:{}/{}@{}", slot.world, slot.name, loaded.version);
            let value = f64::from(loaded.breaker.state().as_gauge());
            family.push(&[("breaker", &name), ("game", &game)], Value::Gauge(value));
        }
    }
    family
}

/// Every component of every game the host runs, with its game.
fn slots(state: &AppState) -> Vec<(String, Arc<ComponentSlot>)> {
    state
        .games()
        .into_iter()
        .flat_map(|game| {
            let slots = state.runtime.slots(&game);
            slots.into_iter().map(move |slot| (game.clone(), slot))
        })
        .collect()
}

fn components(state: &AppState) -> [FamilySnapshot; 5] {
    let mut calls = FamilySnapshot::new(
        COMPONENT_CALLS,
        "Calls into a component version since it was loaded.",
        Kind::Counter,
    );
    let mut failures = FamilySnapshot::new(
        COMPONENT_FAILURES,
        "Failed calls into a component version, by kind (trap, fuel, deadline, ...).",
        Kind::Counter,
    );
    let mut fuel = FamilySnapshot::new(
        COMPONENT_FUEL,
        "Fuel a component version's calls used.",
        Kind::Counter,
    );
    let mut durations = FamilySnapshot::new(
        COMPONENT_CALL_DURATION,
        "Time a call into a component version took, its instantiation included.",
        Kind::Histogram,
    );
    let mut active = FamilySnapshot::new(
        COMPONENT_ACTIVE,
        "1 for the active version of a component, 0 for its other loaded versions.",
        Kind::Gauge,
    );
    for (game, slot) in slots(state) {
        let active_version = slot.active().ok().map(|a| a.version.clone());
        for loaded in slot.versions() {
            let version = loaded.version.to_string();
            let labels = [
                ("world", slot.world.as_str()),
                ("component", slot.name.as_str()),
                ("version", version.as_str()),
                ("game", game.as_str()),
            ];
            let stats = &loaded.stats;
            calls.push(&labels, Value::Counter(stats.calls.load(Ordering::Relaxed)));
            for (kind, n) in stats.failures() {
                let mut with_kind = labels.to_vec();
                with_kind.push(("kind", kind));
                failures.push(&with_kind, Value::Counter(n));
            }
            fuel.push(
                &labels,
                Value::Counter(stats.fuel_used.load(Ordering::Relaxed)),
            );
            durations.push(&labels, Value::Histogram(stats.durations.snapshot()));
            let is_active = active_version.as_ref() == Some(&loaded.version);
            active.push(&labels, Value::Gauge(if is_active { 1.0 } else { 0.0 }));
        }
    }
    [calls, failures, fuel, durations, active]
}
