//! The player's WebSocket, `GET /v1/ws`: a match's committed entries, the
//! player's notices and the matches they are put in, pushed as JSON text
//! frames, and resumable by sequence number after a reconnect.
//!
//! - [`open`]: the handshake: the player's token (header or `?token=`), the
//!   query (`match_id`, `after`, `notices_after`), the match; every refusal
//!   is problem+json before the upgrade;
//! - [`session`]: one connection: the loop that writes what is due and
//!   reads the client's frames, within its limits;
//! - [`entries`]: one match's entries after a `seq`, in order, without a
//!   gap or a duplicate, from the live feed and the durable log;
//! - [`notices`]: the player's notices after a `seq`, polled from the
//!   store;
//! - [`frames`]: the frames, both ways.
//!
//! A connection: [`open::connect`] checks the token, the query and the
//! match, then upgrades; [`session::Session::run`] sends `hello`, then
//! `entry` frames of the watched match ([`entries::MatchEntries`]),
//! `notice` frames ([`notices::NoticeFeed`]) and `matched` when the arena
//! starts a match of the player, and answers the client's `watch`.
//!
//! Bounds: a client frame is at most [`MAX_CLIENT_FRAME_BYTES`]; a client
//! sends at most [`CLIENT_FRAMES_PER_WINDOW`] frames per
//! [`CLIENT_WINDOW_MS`] and at most [`MAX_BAD_FRAMES`] bad ones, else it
//! is closed (policy). Nothing queues for a client: each frame is written
//! out before the next is read from its source, and a client that takes
//! none for [`SEND_TIMEOUT_MS`] is dropped; a live feed it falls behind is
//! read back from the log.

pub mod entries;
pub mod frames;
pub mod notices;
pub mod open;
pub mod session;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

use crate::server::AppState;

/// Largest frame (and message) a client may send, in bytes.
pub const MAX_CLIENT_FRAME_BYTES: usize = 4 * 1024;
/// Most bytes waiting in a connection's write buffer; a frame beyond
/// fails the connection.
pub const MAX_WRITE_BUFFER_BYTES: usize = 1024 * 1024;
/// How long one frame may wait for the client's socket to take it, in
/// milliseconds; a client that reads nothing that long is dropped.
pub const SEND_TIMEOUT_MS: u64 = 10_000;
/// Most frames a client may send per window of [`CLIENT_WINDOW_MS`].
pub const CLIENT_FRAMES_PER_WINDOW: u32 = 50;
/// The window of [`CLIENT_FRAMES_PER_WINDOW`], in milliseconds.
pub const CLIENT_WINDOW_MS: u64 = 10_000;
/// Bad client frames (malformed, unknown, refused) answered with an
/// `error` frame before the connection is closed.
pub const MAX_BAD_FRAMES: u32 = 16;
/// How often the player's notices are polled, in milliseconds.
pub const NOTICE_POLL_MS: u64 = 500;
/// How often the log of a match that runs on no feed here is read again,
/// in milliseconds (a match run by another host, or between hosts).
pub const LOG_POLL_MS: u64 = 1_000;
/// Entries read from the log at once.
pub const LOG_PAGE: u32 = 100;

/// The routes, relative to `/v1`.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/ws", get(open::connect))
}
