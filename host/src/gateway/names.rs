//! Player names in answers. Answers name players by id (ids are what the
//! API takes back); an answer that mentions players also carries `names`, a
//! map from each of their ids to the name the player signed up with, so a
//! client can show people rather than ids ([`Named`]).
//!
//! A name never changes once registered, so [`PlayerNames`] keeps the names
//! it has read in memory and asks the `players` table only for ids it has
//! not seen. The cache is bounded ([`CACHE_LIMIT`]): when full it starts
//! over. Ids of no player (the house wallet, a player of a seeded test) are
//! left out of the map.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use parking_lot::Mutex;
use serde::Serialize;

use super::accounts::{self, AccountError};
use crate::store::Store;

/// Names kept in memory at most.
pub const CACHE_LIMIT: usize = 100_000;
/// Ids asked of the database in one query at most.
const QUERY_IDS: usize = 500;

/// Player id to name, for the players an answer mentions.
pub type Names = BTreeMap<String, String>;

/// An answer and the names of the players it mentions: `body`'s fields,
/// plus `names`.
#[derive(Debug, Serialize)]
pub struct Named<T> {
    #[serde(flatten)]
    pub body: T,
    pub names: Names,
}

/// The names read so far, per game and player id.
#[derive(Debug, Default)]
pub struct PlayerNames {
    known: Mutex<HashMap<(String, String), Arc<str>>>,
}

impl PlayerNames {
    /// The names of those of `ids` that are players of `game`.
    pub async fn of<'a>(
        &self,
        store: &Store,
        game: &str,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<Names, AccountError> {
        let wanted: BTreeSet<&str> = ids.into_iter().collect();
        let mut names = Names::new();
        let mut missing: Vec<&str> = Vec::new();
        {
            let known = self.known.lock();
            for id in wanted {
                match known.get(&(game.to_owned(), id.to_owned())) {
                    Some(name) => {
                        names.insert(id.to_owned(), name.to_string());
                    }
                    None => missing.push(id),
                }
            }
        }
        for chunk in missing.chunks(QUERY_IDS) {
            let found = accounts::names_of(store, game, chunk).await?;
            let mut known = self.known.lock();
            if known.len() + found.len() > CACHE_LIMIT {
                known.clear();
            }
            for (id, name) in found {
                known.insert((game.to_owned(), id.clone()), Arc::from(name.as_str()));
                names.insert(id, name);
            }
        }
        Ok(names)
    }
}
