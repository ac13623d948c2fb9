//! The host's background work, started together and stopped together: the
//! outbox relay, housekeeping, the consumer groups of the default game
//! (`rewards`, `leaderboard`, `tournament`), the tournament's scheduler,
//! the arena's lobby, and the takeover of matches and sagas whose host
//! died.
//!
//! Every loop shares this host's id as the owner of its leases, so several
//! hosts on one database split the work and a dead host's share is taken
//! over once its leases expire.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::bus::Relay;
use crate::housekeeping::Housekeeping;
use crate::server::AppState;

/// How often a host looks for matches whose lease expired, in milliseconds.
pub const TAKEOVER_EVERY_MS: u64 = 2_000;

/// The running background work of a host.
pub struct Services {
    stop: watch::Sender<bool>,
    tasks: Vec<(&'static str, JoinHandle<()>)>,
    /// The arena's lobby loop (it ends when aborted, or with the arena).
    lobby: JoinHandle<()>,
}

impl Services {
    /// Starts everything for `state`'s default game, on the current runtime.
    pub async fn start(state: &Arc<AppState>) -> Self {
        let (stop, stopped) = watch::channel(false);
        let config = &state.config;
        let (store, bus, host) = (&state.store, &state.bus, state.host_id.as_str());
        let game = config.default_game.as_str();
        let ownership = config.bus.ownership;
        let mut tasks = Vec::new();
        let relay = Relay::new(store.clone(), bus.clone(), &config.bus).owned_by(host, ownership);
        tasks.push(("outbox relay", tokio::spawn(relay.run(stopped.clone()))));
        let housekeeping = Housekeeping::new(
            store.clone(),
            bus.clone(),
            &config.housekeeping,
            config.bus.retention_ms,
        );
        tasks.push((
            "housekeeping",
            tokio::spawn(housekeeping.run(stopped.clone())),
        ));
        let rewards = crate::economy::rewards::consumer(
            state.runtime.clone(),
            bus.clone(),
            store.clone(),
            game,
            config,
        )
        .owned_by(host, ownership);
        tasks.push((
            "rewards consumer",
            tokio::spawn(rewards.run(stopped.clone())),
        ));
        let leaderboard =
            crate::leaderboard::consumer(bus.clone(), store.clone(), game, &config.bus)
                .owned_by(host, ownership);
        tasks.push((
            "leaderboard consumer",
            tokio::spawn(leaderboard.run(stopped.clone())),
        ));
        let scores = crate::tournament::scores::consumer(
            state.tournaments.clone(),
            bus.clone(),
            store.clone(),
            game,
            &config.bus,
        )
        .owned_by(host, ownership);
        tasks.push((
            "tournament consumer",
            tokio::spawn(scores.run(stopped.clone())),
        ));
        tasks.push((
            "tournament scheduler",
            tokio::spawn(crate::tournament::schedule::schedule_until(
                state.tournaments.clone(),
                game.to_owned(),
                stopped.clone(),
            )),
        ));
        tasks.push((
            "saga recovery",
            tokio::spawn(crate::saga::recover_until(
                state.sagas.clone(),
                stopped.clone(),
            )),
        ));
        tasks.push((
            "match takeover",
            tokio::spawn(takeover(state.clone(), stopped)),
        ));
        Self {
            stop,
            tasks,
            lobby: state.arena.spawn_lobby(),
        }
    }

    /// Stops every loop and waits for each to end its round.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        // The lobby loop has no round to end.
        self.lobby.abort();
        for (name, task) in self.tasks {
            if let Err(e) = task.await {
                tracing::error!(task = name, error = %e, "a background task ended abnormally");
            }
        }
    }
}

/// Recovers the default game's running matches that no live host holds:
/// at start (this host's own, after a crash) and then every
/// [`TAKEOVER_EVERY_MS`].
async fn takeover(state: Arc<AppState>, mut stopped: watch::Receiver<bool>) {
    let game = state.config.default_game.clone();
    loop {
        match state.arena.recover_all(&game).await {
            Ok(taken) if !taken.is_empty() => {
                tracing::info!(%game, matches = taken.len(), "matches taken over from their logs");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(%game, error = %e, "could not look for matches to take over"),
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(TAKEOVER_EVERY_MS)) => {}
            _ = stopped.changed() => return,
        }
    }
}
