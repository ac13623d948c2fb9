//! Events for the host's bus, buffered and committed with the call.
//!
//! An emitted event is published (through the host's outbox) only if the
//! whole call succeeds, exactly once. The host assigns the envelope (event
//! id, occurred-at, correlation id, trace parent); a component gives the
//! topic, the partition key, the type and a JSON payload.
//!
//! ```no_run
//! #[derive(serde::Serialize)]
//! struct Dropped<'a> { player: &'a str, item: &'a str }
//!
//! idempo_sdk::events::emit(
//!     idempo_sdk::events::topics::ECONOMY_EVENTS,
//!     "ann",
//!     "ItemDropped",
//!     &Dropped { player: "ann", item: "crystal" },
//! )?;
//! # Ok::<(), idempo_sdk::Error>(())
//! ```

use serde::Serialize;

use crate::bindings::base::idempo::game::events as raw;
use crate::{Error, Result};

pub use raw::Event;

/// The host's topics. Keys are player or match ids, so per-entity order holds.
pub mod topics {
    /// Actions players take.
    pub const PLAYER_ACTIONS: &str = "player-actions";
    /// What happens in matches.
    pub const MATCH_EVENTS: &str = "match-events";
    /// Currency, items and trades.
    pub const ECONOMY_EVENTS: &str = "economy-events";
    /// Score changes for the leaderboards.
    pub const LEADERBOARD_EVENTS: &str = "leaderboard-events";
    /// A player's progression (e.g. `UserLeveledUp`).
    pub const PLAYER_EVENTS: &str = "player-events";
}

/// Emits an event whose payload is `payload` encoded as JSON.
pub fn emit<T: Serialize + ?Sized>(
    topic: &str,
    key: &str,
    event_type: &str,
    payload: &T,
) -> Result<()> {
    let payload = serde_json::to_string(payload)?;
    emit_raw(&Event {
        topic: topic.to_owned(),
        key: key.to_owned(),
        event_type: event_type.to_owned(),
        payload,
    })
}

/// Emits a ready-made event; `payload` must already be JSON.
pub fn emit_raw(event: &Event) -> Result<()> {
    raw::emit(event).map_err(Error::Host)
}
