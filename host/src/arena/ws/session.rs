//! One player's WebSocket connection ([`Session`]): a single task that
//! writes what is due and reads what the client sends, one thing at a time.
//!
//! Sources, in one `select!`: the client's frames, the watched match's
//! entries ([`MatchEntries`]), the player's notices every
//! [`NOTICE_POLL_MS`] ([`NoticeFeed`]), and the arena's match starts
//! ([`Arena::started`]). Each frame is written out (within
//! [`SEND_TIMEOUT_MS`]) before the next source is polled, so nothing
//! queues for a slow client; its live feed lags instead, and is read back
//! from the log. Pings are answered by the socket itself.
//!
//! A session ends when the client closes or is gone (dropped), when it
//! breaks the rules (closed with 1008, policy), or when the arena goes
//! away (1001).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::{Instant, MissedTickBehavior};

use super::entries::MatchEntries;
use super::frames::{ClientFrame, ServerFrame};
use super::notices::NoticeFeed;
use super::open::Opening;
use super::{
    CLIENT_FRAMES_PER_WINDOW, CLIENT_WINDOW_MS, MAX_BAD_FRAMES, MAX_CLIENT_FRAME_BYTES,
    NOTICE_POLL_MS, SEND_TIMEOUT_MS,
};
use crate::arena::feed::FeedItem;
use crate::arena::{Arena, ArenaError, Started};
use crate::gateway::Player;
use crate::problem::Problem;
use crate::server::AppState;
use crate::store::Store;

/// Close code: the client broke a rule (RFC 6455, 1008).
pub const CLOSE_POLICY: u16 = 1008;
/// Close code: the server is going away (RFC 6455, 1001).
pub const CLOSE_GOING_AWAY: u16 = 1001;

/// Why a session ends.
#[derive(Debug)]
enum End {
    /// Close the connection with this code and reason.
    Close(u16, String),
    /// The client is gone or stuck: drop the connection.
    Drop,
}

/// One connection.
pub struct Session {
    socket: WebSocket,
    arena: Arc<Arena>,
    store: Store,
    player: Player,
    watched: Option<MatchEntries>,
    notices: NoticeFeed,
    started: broadcast::Receiver<Arc<Started>>,
    budget: Budget,
    bad_frames: u32,
}

impl Session {
    /// The session of an upgraded connection; subscribes to the first
    /// match's live feed now.
    pub fn new(socket: WebSocket, state: &AppState, opening: Opening) -> Self {
        let Opening {
            player,
            match_id,
            after,
            notices_after,
            started,
        } = opening;
        let watched = match_id.map(|id| MatchEntries::new(&state.arena, &player.game, &id, after));
        Self {
            socket,
            arena: state.arena.clone(),
            store: state.store.clone(),
            notices: NoticeFeed::new(&player.game, &player.id, notices_after),
            player,
            watched,
            started,
            budget: Budget::new(),
            bad_frames: 0,
        }
    }

    /// Serves the connection to its end.
    pub async fn run(mut self) {
        let Err(end) = self.serve().await;
        tracing::debug!(player = %self.player.id, ?end, "WebSocket session ends");
        if let End::Close(code, reason) = end {
            let close = Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            }));
            let _ = tokio::time::timeout(send_timeout(), self.socket.send(close)).await;
        }
    }

    async fn serve(&mut self) -> Result<Infallible, End> {
        let hello = ServerFrame::Hello {
            player_id: &self.player.id,
            match_id: self.watched.as_ref().map(MatchEntries::match_id),
        }
        .to_json();
        self.send(hello).await?;
        let mut notice_poll = tokio::time::interval(Duration::from_millis(NOTICE_POLL_MS));
        notice_poll.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                incoming = self.socket.recv() => self.on_client(incoming).await?,
                entries = next_entries(&mut self.watched, &self.arena) => {
                    self.on_entries(entries).await?
                }
                _ = notice_poll.tick() => {
                    if self.poll_notices().await? {
                        notice_poll.reset_immediately();
                    }
                }
                started = self.started.recv() => self.on_started(started).await?,
            }
        }
    }

    /// A client frame (`None`: the connection is gone).
    async fn on_client(
        &mut self,
        incoming: Option<Result<Message, axum::Error>>,
    ) -> Result<(), End> {
        let message = match incoming {
            None => return Err(End::Drop),
            Some(Err(e)) => {
                tracing::debug!(player = %self.player.id, error = %e, "WebSocket read refused");
                return Err(End::Close(
                    CLOSE_POLICY,
                    format!("frame refused: at most {MAX_CLIENT_FRAME_BYTES} bytes of UTF-8 JSON"),
                ));
            }
            Some(Ok(message)) => message,
        };
        if !self.budget.spend(Instant::now()) {
            return Err(End::Close(CLOSE_POLICY, "too many frames".into()));
        }
        match message {
            Message::Text(text) => match ClientFrame::parse(text.as_str()) {
                Ok(ClientFrame::Watch { match_id, after }) => self.watch(match_id, after).await,
                Err(why) => self.refuse(&why).await,
            },
            Message::Binary(_) => self.refuse("frames are JSON text, not binary").await,
            // The socket answers pings itself, and a close too: its answer
            // goes out on the next read, which then ends the stream.
            Message::Ping(_) | Message::Pong(_) | Message::Close(_) => Ok(()),
        }
    }

    /// The client's `watch`: any match of the game, from after `after`.
    async fn watch(&mut self, match_id: String, after: i64) -> Result<(), End> {
        match self.arena.record(&self.player.game, &match_id).await {
            Ok(_) => {
                self.watched = Some(MatchEntries::new(
                    &self.arena,
                    &self.player.game,
                    &match_id,
                    after,
                ));
                Ok(())
            }
            Err(e) => {
                // Said as the HTTP routes say it (a store failure is logged,
                // not shown); only a bad id counts against the client.
                let unknown = matches!(e, ArenaError::UnknownMatch { .. });
                let detail = Problem::from(e).detail;
                if unknown {
                    self.refuse(&detail).await
                } else {
                    self.error(&detail).await
                }
            }
        }
    }

    /// Entries of the watched match, or why none could be read (the
    /// stream tries again by itself).
    async fn on_entries(
        &mut self,
        entries: Result<Vec<Arc<FeedItem>>, ArenaError>,
    ) -> Result<(), End> {
        match entries {
            Ok(entries) => {
                for item in entries {
                    self.send(ServerFrame::Entry(&item).to_json()).await?;
                }
            }
            Err(e) => {
                let match_id = self.watched.as_ref().map(MatchEntries::match_id);
                tracing::warn!(?match_id, error = %e, "a match's entries could not be read");
            }
        }
        Ok(())
    }

    /// Sends the notices due; true if more may wait.
    async fn poll_notices(&mut self) -> Result<bool, End> {
        match self.notices.next_page(&self.store).await {
            Ok((page, full)) => {
                for notice in &page {
                    self.send(ServerFrame::Notice(notice).to_json()).await?;
                }
                Ok(full)
            }
            Err(e) => {
                tracing::warn!(player = %self.player.id, error = %e, "notices could not be read");
                Ok(false)
            }
        }
    }

    /// A match start: the player's own is announced and watched from its
    /// first entry. A lagging receiver asks the arena instead.
    async fn on_started(&mut self, started: Result<Arc<Started>, RecvError>) -> Result<(), End> {
        let match_id = match started {
            Ok(s) if s.game == self.player.game && s.players.contains(&self.player.id) => {
                s.match_id.clone()
            }
            Ok(_) => return Ok(()),
            Err(RecvError::Lagged(_)) => {
                match self.arena.match_of(&self.player.game, &self.player.id) {
                    Some(match_id) => match_id,
                    None => return Ok(()),
                }
            }
            Err(RecvError::Closed) => {
                return Err(End::Close(
                    CLOSE_GOING_AWAY,
                    "the host is going away".into(),
                ));
            }
        };
        if self
            .watched
            .as_ref()
            .is_some_and(|w| w.match_id() == match_id)
        {
            return Ok(());
        }
        self.send(
            ServerFrame::Matched {
                match_id: &match_id,
            }
            .to_json(),
        )
        .await?;
        self.watched = Some(MatchEntries::new(
            &self.arena,
            &self.player.game,
            &match_id,
            0,
        ));
        Ok(())
    }

    /// A refused client frame: an `error` frame, or the end of the
    /// connection past [`MAX_BAD_FRAMES`].
    async fn refuse(&mut self, detail: &str) -> Result<(), End> {
        self.bad_frames = self.bad_frames.saturating_add(1);
        if self.bad_frames > MAX_BAD_FRAMES {
            return Err(End::Close(CLOSE_POLICY, "too many bad frames".into()));
        }
        self.error(detail).await
    }

    async fn error(&mut self, detail: &str) -> Result<(), End> {
        self.send(ServerFrame::Error { detail }.to_json()).await
    }

    /// Writes one frame out, or gives the client up.
    async fn send(&mut self, json: String) -> Result<(), End> {
        match tokio::time::timeout(send_timeout(), self.socket.send(Message::Text(json.into())))
            .await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(End::Drop),
            Err(_) => {
                tracing::info!(player = %self.player.id, "a WebSocket client that reads nothing is dropped");
                Err(End::Drop)
            }
        }
    }
}

/// The watched match's next entries; pending while none is watched.
async fn next_entries(
    watched: &mut Option<MatchEntries>,
    arena: &Arena,
) -> Result<Vec<Arc<FeedItem>>, ArenaError> {
    match watched {
        Some(entries) => entries.next(arena).await,
        None => std::future::pending().await,
    }
}

fn send_timeout() -> Duration {
    Duration::from_millis(SEND_TIMEOUT_MS)
}

/// The client's frames in the current window.
#[derive(Debug)]
struct Budget {
    window_start: Instant,
    used: u32,
}

impl Budget {
    fn new() -> Self {
        Self {
            window_start: Instant::now(),
            used: 0,
        }
    }

    /// Counts one frame at `now`; false once the window's are spent.
    fn spend(&mut self, now: Instant) -> bool {
        if now.duration_since(self.window_start) >= Duration::from_millis(CLIENT_WINDOW_MS) {
            self.window_start = now;
            self.used = 0;
        }
        self.used = self.used.saturating_add(1);
        self.used <= CLIENT_FRAMES_PER_WINDOW
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_sends_a_bounded_number_of_frames_per_window() {
        let start = Instant::now();
        let mut budget = Budget {
            window_start: start,
            used: 0,
        };
        for _ in 0..CLIENT_FRAMES_PER_WINDOW {
            assert!(budget.spend(start));
        }
        assert!(!budget.spend(start), "over the window's budget");
        let next_window = start + Duration::from_millis(CLIENT_WINDOW_MS);
        assert!(budget.spend(next_window), "a new window, a new budget");
    }
}
