//! The frames of the player's WebSocket, JSON text both ways: what the
//! server sends ([`ServerFrame`]) and what a client may send
//! ([`ClientFrame`], read by [`ClientFrame::parse`]).
//!
//! Server to client, each an object with a `type`:
//! - `hello {player_id, match_id}`: first; the match watched (`null`: none);
//! - `entry {match_id, seq, at_ms, entry, effects}`: a committed entry of
//!   the watched match, in `seq` order, without gaps or duplicates;
//! - `notice {seq, kind, body, created_at_ms}`: a notice of the player;
//! - `matched {match_id}`: a match of the player started; its entries
//!   follow from `seq` 1;
//! - `error {detail}`: a client frame was refused; the connection goes on.
//!
//! Client to server: `watch {match_id, after}` watches a match (any match:
//! watching is public) from after `after` (default 0); an id that names no
//! match is refused when it is looked up.

use serde::{Deserialize, Serialize};

use crate::arena::feed::FeedItem;
use crate::economy::notices::PlayerNotice;
use crate::problem::non_negative;

/// A frame the server sends.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame<'a> {
    Hello {
        player_id: &'a str,
        match_id: Option<&'a str>,
    },
    Entry(&'a FeedItem),
    Notice(&'a PlayerNotice),
    Matched {
        match_id: &'a str,
    },
    Error {
        detail: &'a str,
    },
}

impl ServerFrame<'_> {
    /// The frame's JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            tracing::error!(error = %e, "a WebSocket frame could not be encoded");
            r#"{"type":"error","detail":"the server could not encode a frame"}"#.to_owned()
        })
    }
}

/// A frame a client may send.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Watch `match_id` from the entry after `after`.
    Watch {
        match_id: String,
        #[serde(default)]
        after: i64,
    },
}

impl ClientFrame {
    /// The frame of `text`, or why it is refused.
    pub fn parse(text: &str) -> Result<Self, String> {
        let frame: Self = serde_json::from_str(text).map_err(|e| {
            format!(
                "not a client frame ({e}); send {{\"type\":\"watch\",\"match_id\":..,\"after\":..}}"
            )
        })?;
        match &frame {
            Self::Watch { after, .. } => {
                non_negative("after", Some(*after)).map_err(|problem| problem.detail)?;
            }
        }
        Ok(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arena::record::LogEntry;
    use serde_json::{Value, json};

    fn json_of(frame: &ServerFrame<'_>) -> Value {
        serde_json::from_str(&frame.to_json()).unwrap()
    }

    #[test]
    fn an_entry_frame_is_the_feed_item_with_its_type() {
        let item = FeedItem {
            match_id: "m1".into(),
            seq: 7,
            at_ms: 3_000,
            entry: LogEntry::Tick { at_ms: 3_000 },
            effects: Vec::new(),
        };
        assert_eq!(
            json_of(&ServerFrame::Entry(&item)),
            json!({"type": "entry", "match_id": "m1", "seq": 7, "at_ms": 3_000,
                   "entry": {"kind": "tick", "at_ms": 3_000}, "effects": []})
        );
        assert_eq!(
            json_of(&ServerFrame::Hello {
                player_id: "p1",
                match_id: None
            }),
            json!({"type": "hello", "player_id": "p1", "match_id": null})
        );
    }

    #[test]
    fn a_watch_frame_is_read_and_anything_else_is_refused_with_a_reason() {
        assert_eq!(
            ClientFrame::parse(r#"{"type":"watch","match_id":"m1","after":4}"#),
            Ok(ClientFrame::Watch {
                match_id: "m1".into(),
                after: 4
            })
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"watch","match_id":"m1"}"#),
            Ok(ClientFrame::Watch {
                match_id: "m1".into(),
                after: 0
            })
        );
        for bad in [
            "not json",
            "{}",
            r#"{"type":"attack"}"#,
            r#"{"type":"watch"}"#,
            r#"{"type":"watch","match_id":"m1","after":-1}"#,
            r#"{"type":"watch","match_id":"m1","after":"x"}"#,
        ] {
            assert!(ClientFrame::parse(bad).is_err(), "{bad}");
        }
    }
}
