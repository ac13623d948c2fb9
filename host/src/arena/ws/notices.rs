//! The player's notices after a `seq`, for one client ([`NoticeFeed`]).
//! Notices are durable and numbered 1, 2, ... without gaps
//! ([`crate::economy::notices`]), so polling after the last `seq` sent
//! misses none and repeats none, across reconnects too.

use crate::economy::MAX_PAGE;
use crate::economy::notices::{self, PlayerNotice};
use crate::store::{Store, StoreError};

/// The notices of one player after the last `seq` handed out.
pub struct NoticeFeed {
    game: String,
    player: String,
    last: i64,
}

impl NoticeFeed {
    pub fn new(game: &str, player: &str, after: i64) -> Self {
        Self {
            game: game.to_owned(),
            player: player.to_owned(),
            last: after.max(0),
        }
    }

    /// The next page of notices (at most [`MAX_PAGE`]), in order, and
    /// whether it was full (more may wait).
    pub async fn next_page(
        &mut self,
        store: &Store,
    ) -> Result<(Vec<PlayerNotice>, bool), StoreError> {
        let page = notices::since(store, &self.game, &self.player, self.last, MAX_PAGE).await?;
        if let Some(notice) = page.last() {
            self.last = notice.seq;
        }
        let full = page.len() >= MAX_PAGE as usize;
        Ok((page, full))
    }
}
