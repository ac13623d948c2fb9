//! [`Arena`]: the arena as a host service, what the HTTP layer calls. It
//! keeps the lobby, starts matches (pinning the active combat version),
//! routes actions to their match's actor behind their idempotency key, and
//! recovers matches from their logs.
//!
//! The path of an action: [`Arena::submit`] checks the match and the
//! player, reserves the key on this host (in memory: the match's actions
//! run here only, so a reservation needs no write and no fsync; a second
//! request with the key meanwhile is in flight), answers a key seen before
//! (replay, another payload, reserved by another host) from its
//! idempotency record, else hands the action to the match's actor
//! (`super::actor`), which resolves it and commits it with the key's
//! record. Any refusal drops the reservation, so nothing of it remains; a
//! crash drops it too, so a retry after a restart runs at once.

mod submit;

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::{mpsc, oneshot};
use tokio::task::AbortHandle;

use super::actor::{Actor, ActorDeps, Command, MatchView};
use super::clock::Clock;
use super::combat::Combat;
use super::config::ArenaConfig;
use super::db;
use super::error::ArenaError;
use super::feed::{self, FeedItem, FeedSender};
use super::live::Live;
use super::lobby::{Lobby, QueueView};
use super::record::{MatchRecord, MatchStatus, lease_name};
use super::replay;
use crate::bus::ownership::SoleLease;
use crate::gateway::inflight::InFlightKeys;
use crate::runtime::bindings::types::MatchConfig;
use crate::runtime::{Runtime, World};
use crate::store::Store;
pub use submit::request_hash;

/// Longest idempotency key accepted, in bytes.
pub use crate::gateway::idempotency_key::MAX_KEY_BYTES;
/// Most running matches [`Arena::recover_all`] looks at per call.
pub const RECOVER_BATCH: u32 = 1_000;
/// How long the lobby loop sleeps when no queue is at its minimum (a join
/// wakes it sooner), in milliseconds.
pub const LOBBY_IDLE_MS: i64 = 1_000;

/// What a join did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Joined {
    /// The player waits in the queue.
    Queued,
    /// The join filled a match, which started.
    Matched { match_id: String },
}

/// A running match on this host, as the arena reaches it.
struct Running {
    record: Arc<MatchRecord>,
    tx: mpsc::Sender<Command>,
    feed: FeedSender,
    abort: AbortHandle,
}

/// Running matches by (game, match id).
type Matches = Arc<Mutex<HashMap<(String, String), Running>>>;

/// (game, player) of the players being seated in a starting match.
type Seating = Arc<Mutex<std::collections::HashSet<(String, String)>>>;

/// Players being seated; dropping it frees them (their match runs, or they
/// were put back in the queue).
struct Seated {
    seating: Seating,
    game: String,
    players: Vec<String>,
}

impl Drop for Seated {
    fn drop(&mut self) {
        let mut seating = self.seating.lock();
        for p in &self.players {
            seating.remove(&(self.game.clone(), p.clone()));
        }
    }
}

/// The arena of one host.
pub struct Arena {
    runtime: Arc<Runtime>,
    store: Store,
    clock: Arc<dyn Clock>,
    config: Arc<ArenaConfig>,
    host_id: String,
    lobby: Mutex<Lobby>,
    /// Wakes the lobby loop when a player joins.
    lobby_wake: Arc<tokio::sync::Notify>,
    matches: Matches,
    /// Idempotency keys whose action runs on this host now.
    inflight: InFlightKeys,
    /// Players the lobby took for a match that is starting.
    seating: Seating,
    /// Every match this host starts, as it starts.
    started: tokio::sync::broadcast::Sender<Arc<Started>>,
}

/// A match that just started on this host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub game: String,
    pub match_id: String,
    pub players: Vec<String>,
}

impl Arena {
    /// An arena of host `host_id` (the owner of its match leases).
    pub fn new(
        config: ArenaConfig,
        runtime: Arc<Runtime>,
        store: Store,
        clock: Arc<dyn Clock>,
        host_id: &str,
    ) -> Result<Self, ArenaError> {
        config.validate()?;
        if host_id.is_empty() {
            return Err(ArenaError::Config("host_id must not be empty".into()));
        }
        let lobby = Lobby::new(
            config.min_players,
            config.max_players,
            config.lobby_wait_ms,
            config.max_queued_players,
        );
        Ok(Self {
            runtime,
            store,
            clock,
            config: Arc::new(config),
            host_id: host_id.to_owned(),
            lobby: Mutex::new(lobby),
            lobby_wake: Arc::default(),
            matches: Arc::default(),
            inflight: InFlightKeys::default(),
            seating: Arc::default(),
            started: tokio::sync::broadcast::channel(feed::FEED_CAPACITY).0,
        })
    }

    pub fn config(&self) -> &ArenaConfig {
        &self.config
    }

    /// The matches this host starts from now on (a player's WebSocket
    /// learns its match here; one that reconnects asks [`Arena::match_of`]).
    pub fn started(&self) -> tokio::sync::broadcast::Receiver<Arc<Started>> {
        self.started.subscribe()
    }

    // ---- lobby ----

    /// Queues `player` for a match of `game`; starts the match at once if
    /// the queue is full. Refused if the player waits or fights already.
    pub async fn join(&self, game: &str, player: &str) -> Result<Joined, ArenaError> {
        check_name("game", game)?;
        check_name("player", player)?;
        if let Some(match_id) = self.match_of(game, player) {
            return Err(ArenaError::AlreadyInMatch {
                player: player.into(),
                match_id,
            });
        }
        {
            // Held across both checks: a seat being taken is not free.
            let seating = self.seating.lock();
            if seating.contains(&(game.to_owned(), player.to_owned())) {
                return Err(ArenaError::AlreadyQueued {
                    game: game.into(),
                    player: player.into(),
                });
            }
            self.lobby.lock().join(game, player, self.clock.now_ms())?;
        }
        self.lobby_wake.notify_one();
        let started = self.form_due().await?;
        Ok(self
            .match_of(game, player)
            .filter(|id| started.contains(id))
            .map_or(Joined::Queued, |match_id| Joined::Matched { match_id }))
    }

    /// Takes `player` out of `game`'s queue.
    pub fn leave(&self, game: &str, player: &str) -> Result<(), ArenaError> {
        self.lobby.lock().leave(game, player)
    }

    /// True if `player` waits in `game`'s queue.
    pub fn is_queued(&self, game: &str, player: &str) -> bool {
        self.lobby.lock().is_queued(game, player)
    }

    /// `game`'s queue on this host as `player` sees it.
    pub fn queue(&self, game: &str, player: &str) -> QueueView {
        self.lobby.lock().view(game, player)
    }

    /// Starts every match due now (a full queue, or a wait that ran out);
    /// returns their ids. A match that fails to start puts its players
    /// back in the queue.
    pub async fn form_due(&self) -> Result<Vec<String>, ArenaError> {
        let now_ms = self.clock.now_ms();
        let formed = {
            // Out of the queue and into `seating` at once, until their match
            // runs (or they wait again): a join meanwhile is refused.
            let mut seating = self.seating.lock();
            let formed = self.lobby.lock().form(now_ms);
            for (game, players) in &formed {
                seating.extend(players.iter().map(|p| (game.clone(), p.clone())));
            }
            formed
        };
        let mut started = Vec::with_capacity(formed.len());
        let mut first_error = None;
        for (game, players) in formed {
            let seated = Seated {
                seating: self.seating.clone(),
                game: game.clone(),
                players: players.clone(),
            };
            let result = self.start_match(&game, players.clone()).await;
            drop(seated);
            match result {
                Ok(id) => started.push(id),
                Err(e) => {
                    tracing::error!(%game, error = %e, "a match could not start; its players wait again");
                    let mut lobby = self.lobby.lock();
                    for p in &players {
                        let _ = lobby.join(&game, p, now_ms);
                    }
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) if started.is_empty() => Err(e),
            _ => Ok(started),
        }
    }

    /// Starts the lobby loop: matches form as their wait runs out, on the
    /// arena's clock. It ends once the arena is dropped.
    pub fn spawn_lobby(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let arena = Arc::downgrade(self);
        let (clock, wake) = (self.clock.clone(), self.lobby_wake.clone());
        tokio::spawn(async move {
            loop {
                let Some(this) = arena.upgrade() else {
                    return;
                };
                if let Err(e) = this.form_due().await {
                    tracing::warn!(error = %e, "the lobby could not start a match");
                }
                let due = this
                    .next_lobby_due_ms()
                    .unwrap_or_else(|| clock.now_ms().saturating_add(LOBBY_IDLE_MS));
                drop(this);
                tokio::select! {
                    () = clock.sleep_until(due) => {}
                    () = wake.notified() => {}
                }
            }
        })
    }

    /// When the lobby next forms a match by waiting, Unix ms.
    pub fn next_lobby_due_ms(&self) -> Option<i64> {
        self.lobby.lock().next_due_ms()
    }

    /// The running match `player` fights in on this host.
    pub fn match_of(&self, game: &str, player: &str) -> Option<String> {
        let matches = self.matches.lock();
        matches
            .iter()
            .find(|((g, _), r)| g == game && !r.tx.is_closed() && r.record.is_member(player))
            .map(|((_, id), _)| id.clone())
    }

    /// Ids of the matches running on this host.
    pub fn running(&self) -> Vec<String> {
        let matches = self.matches.lock();
        matches
            .iter()
            .filter(|(_, r)| !r.tx.is_closed())
            .map(|((_, id), _)| id.clone())
            .collect()
    }

    // ---- matches ----

    /// Starts a match of `players` on the active version of the combat
    /// component, which it keeps: takes its lease, runs `setup`, records
    /// it, and starts its actor.
    pub async fn start_match(
        &self,
        game: &str,
        players: Vec<String>,
    ) -> Result<String, ArenaError> {
        let component = self
            .runtime
            .active(game, World::Combat, &self.config.combat_component)?;
        let id = uuid::Uuid::now_v7();
        let record = MatchRecord {
            game: game.to_owned(),
            match_id: id.to_string(),
            component: self.config.combat_component.clone(),
            version: component.version.clone(),
            // The low 64 bits of a UUIDv7: random but for its variant bits.
            seed: super::combat::step_seed(id.as_u64_pair().1, 0),
            config: self.match_config(),
            players,
            status: MatchStatus::Running,
            started_at_ms: self.clock.now_ms(),
            finished_at_ms: None,
            result: None,
        };
        let mut lease = self.lease(&record);
        if lease
            .hold(&self.store, self.clock.now_ms())
            .await?
            .is_none()
        {
            return Err(ArenaError::NotOwnedHere {
                match_id: record.match_id,
            });
        }
        let combat = Combat::pinned(self.runtime.clone(), &record)?;
        let setup = record.clone();
        let live = combat
            .blocking(move |combat| Live::start(setup, combat.clone()))
            .await;
        let live = match live {
            Ok(live) => live,
            Err(e) => {
                let _ = lease.release(&self.store).await;
                return Err(e);
            }
        };
        if let Err(e) = db::insert_match(&self.store, &record).await {
            let _ = lease.release(&self.store).await;
            return Err(e);
        }
        tracing::info!(%game, match_id = %record.match_id, version = %record.version,
            players = record.players.len(), "match started");
        let match_id = record.match_id.clone();
        let started = Started {
            game: record.game.clone(),
            match_id: match_id.clone(),
            players: record.players.clone(),
        };
        self.spawn(live, lease);
        let _ = self.started.send(Arc::new(started));
        Ok(match_id)
    }

    /// Takes over match `match_id` of `game` (at start, or when its lease
    /// expired): its lease, then its state rebuilt from its log on its
    /// pinned version, then its actor. Already running here: nothing to do.
    pub async fn recover(&self, game: &str, match_id: &str) -> Result<(), ArenaError> {
        if self.handle(game, match_id).is_some() {
            return Ok(());
        }
        let record = self.record(game, match_id).await?;
        if record.status == MatchStatus::Finished {
            return Err(ArenaError::MatchOver {
                match_id: match_id.into(),
            });
        }
        let mut lease = self.lease(&record);
        if lease
            .hold(&self.store, self.clock.now_ms())
            .await?
            .is_none()
        {
            return Err(ArenaError::NotOwnedHere {
                match_id: match_id.into(),
            });
        }
        match replay::rebuild(self.runtime.clone(), &self.store, record).await {
            Ok(live) => {
                tracing::info!(%game, %match_id, logged = live.next_seq - 1, "match recovered from its log");
                self.spawn(live, lease);
                Ok(())
            }
            Err(e) => {
                let _ = lease.release(&self.store).await;
                Err(e)
            }
        }
    }

    /// Recovers every running match of `game` whose lease is free or
    /// expired; returns the ids taken over. Matches held by live hosts are
    /// left to them.
    pub async fn recover_all(&self, game: &str) -> Result<Vec<String>, ArenaError> {
        let mut taken = Vec::new();
        let now_ms = self.clock.now_ms();
        for match_id in db::running_matches(&self.store, game, RECOVER_BATCH).await? {
            if self.handle(game, &match_id).is_some() {
                continue;
            }
            // A live host's match is left to it after one read (a takeover
            // attempt would be a write, every round, per match).
            let lease = self.store.lease_get(game, &lease_name(&match_id)).await?;
            if lease.is_some_and(|l| l.owner != self.host_id && l.expires_at_ms > now_ms) {
                continue;
            }
            match self.recover(game, &match_id).await {
                Ok(()) => taken.push(match_id),
                Err(ArenaError::NotOwnedHere { .. } | ArenaError::MatchOver { .. }) => {}
                Err(e) => {
                    tracing::error!(%game, %match_id, error = %e, "match could not be recovered")
                }
            }
        }
        Ok(taken)
    }

    /// The match as it stands: from its actor if it runs here, else rebuilt
    /// from its log (an audit; nothing is taken over).
    pub async fn view(&self, game: &str, match_id: &str) -> Result<MatchView, ArenaError> {
        if let Some(tx) = self.handle(game, match_id) {
            let (reply, answer) = oneshot::channel();
            if tx.send(Command::Snapshot { reply }).await.is_ok()
                && let Ok(view) = answer.await
            {
                return view;
            }
        }
        self.replay(game, match_id).await
    }

    /// The match rebuilt from its log on its pinned version.
    pub async fn replay(&self, game: &str, match_id: &str) -> Result<MatchView, ArenaError> {
        let record = self.record(game, match_id).await?;
        let live = replay::rebuild(self.runtime.clone(), &self.store, record).await?;
        Ok(MatchView::of(&live))
    }

    /// The live feed of a match running on this host (`None` elsewhere).
    /// Subscribe first, then read the log ([`Arena::feed_since`]), then
    /// take live items past the log's last `seq`: nothing is missed.
    pub fn subscribe(
        &self,
        game: &str,
        match_id: &str,
    ) -> Option<tokio::sync::broadcast::Receiver<Arc<FeedItem>>> {
        let matches = self.matches.lock();
        matches
            .get(&(game.to_owned(), match_id.to_owned()))
            .filter(|r| !r.tx.is_closed())
            .map(|r| r.feed.subscribe())
    }

    /// Up to `limit` committed entries of a match after `after_seq`, from
    /// its durable log.
    pub async fn feed_since(
        &self,
        game: &str,
        match_id: &str,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<FeedItem>, ArenaError> {
        feed::read(&self.store, game, match_id, after_seq, limit).await
    }

    /// The match's row.
    pub async fn record(&self, game: &str, match_id: &str) -> Result<MatchRecord, ArenaError> {
        db::get_match(&self.store, game, match_id)
            .await?
            .ok_or_else(|| ArenaError::UnknownMatch {
                game: game.into(),
                match_id: match_id.into(),
            })
    }

    /// Stops a match's actor cleanly (its lease released at once).
    pub async fn stop(&self, game: &str, match_id: &str) {
        if let Some(tx) = self.handle(game, match_id) {
            let (reply, done) = oneshot::channel();
            if tx.send(Command::Stop { reply }).await.is_ok() {
                let _ = done.await;
            }
        }
    }

    // ---- internals ----

    fn match_config(&self) -> MatchConfig {
        MatchConfig {
            width: self.config.arena_width,
            height: self.config.arena_height,
            duration_ms: self.config.match_duration_ms,
            tick_ms: self.config.tick_ms,
            initial_resources: self.config.initial_resources,
        }
    }

    fn lease(&self, record: &MatchRecord) -> SoleLease {
        SoleLease::new(
            &record.game,
            &lease_name(&record.match_id),
            &self.host_id,
            self.config.lease,
        )
    }

    /// The actor's mailbox of a match running here.
    fn handle(&self, game: &str, match_id: &str) -> Option<mpsc::Sender<Command>> {
        let matches = self.matches.lock();
        matches
            .get(&(game.to_owned(), match_id.to_owned()))
            .filter(|r| !r.tx.is_closed())
            .map(|r| r.tx.clone())
    }

    fn running_record(&self, game: &str, match_id: &str) -> Option<Arc<MatchRecord>> {
        let matches = self.matches.lock();
        matches
            .get(&(game.to_owned(), match_id.to_owned()))
            .map(|r| r.record.clone())
    }

    /// Starts the actor of `live`, which holds `lease`.
    fn spawn(&self, live: Live, lease: SoleLease) {
        let key = (live.record.game.clone(), live.record.match_id.clone());
        let record = Arc::new(live.record.clone());
        let (tx, rx) = mpsc::channel(self.config.mailbox_capacity);
        let feed = feed::channel();
        let matches = self.matches.clone();
        let exit_key = key.clone();
        let deps = ActorDeps {
            store: self.store.clone(),
            clock: self.clock.clone(),
            config: self.config.clone(),
            lease,
            feed: feed.clone(),
            on_exit: Box::new(move || {
                matches.lock().remove(&exit_key);
            }),
        };
        // Registered before it runs, so its exit always finds its entry.
        let mut matches = self.matches.lock();
        let task = tokio::spawn(Actor::new(live, deps, rx).run());
        matches.insert(
            key,
            Running {
                record,
                tx,
                feed,
                abort: task.abort_handle(),
            },
        );
    }
}

impl Drop for Arena {
    /// The host is gone: its actors stop where they are, without releasing
    /// their leases (as in a crash); their matches wait for a takeover.
    fn drop(&mut self) {
        for running in self.matches.lock().values() {
            running.abort.abort();
        }
    }
}

/// A name or id from a client: not empty, at most 255 bytes, no NUL.
pub(super) fn check_name(what: &'static str, value: &str) -> Result<(), ArenaError> {
    if value.is_empty() || value.len() > MAX_KEY_BYTES || value.contains('\0') {
        return Err(ArenaError::invalid(
            what,
            format!("must be 1..={MAX_KEY_BYTES} bytes without NUL"),
        ));
    }
    Ok(())
}
