//! The kinds of saga, and how each speaks to its players: the notice kind
//! and id field of its step notices, and the events that say it ended. A
//! saga's kind is stored with it; an unknown one speaks as a trade.

/// A market listing bought (`crate::market::trade`).
pub const MARKET: &str = "market";
/// A player-to-player offer accepted (`crate::market::offers`).
pub const OFFER: &str = "offer";
/// A tournament entry (`crate::tournament::entry`).
pub const TOURNAMENT_ENTRY: &str = "tournament-entry";

/// How a kind of saga is told to its players.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vocabulary {
    /// The kind of its notices.
    pub notice: &'static str,
    /// The field of a notice that holds the saga's id.
    pub id_field: &'static str,
    /// The `economy-events` event of its end, completed or failed.
    pub completed: &'static str,
    pub failed: &'static str,
}

const TRADE: Vocabulary = Vocabulary {
    notice: "trade",
    id_field: "trade_id",
    completed: "TradeCompleted",
    failed: "TradeFailed",
};

const ENTRY: Vocabulary = Vocabulary {
    notice: "tournament",
    id_field: "entry_id",
    completed: "TournamentEntryCompleted",
    failed: "TournamentEntryFailed",
};

/// The vocabulary of `kind`.
pub fn vocabulary(kind: &str) -> Vocabulary {
    match kind {
        TOURNAMENT_ENTRY => ENTRY,
        _ => TRADE,
    }
}
