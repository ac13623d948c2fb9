//! Player accounts in the store's database: the `players` table of
//! migration `0003_players.sql`, one row per player of a game, with its
//! Argon2id password hash ([`super::passwords`]).
//!
//! Names are unique per game regardless of case (`Ann` and `ann` are one
//! name): the table keeps the name as registered and its lowercase key,
//! with a unique index on `(game, name_key)`, so two racing sign-ups of one
//! name get one account and one [`AccountError::NameTaken`].
//!
//! The SQL is written once and compiled for each database's concrete types,
//! like [`crate::bus::catalog`].

use crate::store::{Store, on_db};

/// Fewest characters of a player name.
pub const MIN_NAME_CHARS: usize = 3;
/// Most characters of a player name.
pub const MAX_NAME_CHARS: usize = 24;

/// A valid player name: 3 to 24 ASCII letters, digits, `_` or `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerName(String);

impl PlayerName {
    /// The name, or why it is not one.
    pub fn parse(name: &str) -> Result<Self, String> {
        let ok_chars = name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !(MIN_NAME_CHARS..=MAX_NAME_CHARS).contains(&name.len()) || !ok_chars {
            return Err(format!(
                "a player name has {MIN_NAME_CHARS} to {MAX_NAME_CHARS} characters among \
                 ASCII letters, digits, `_` and `-`"
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the name is unique by: its lowercase form.
    pub fn key(&self) -> String {
        name_key(&self.0)
    }
}

/// What a name is unique by, in the table's `name_key` column.
fn name_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// A player as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerRecord {
    /// A uuid v7 ([`crate::store::new_event_id`]).
    pub id: String,
    pub game: String,
    /// The name as registered.
    pub name: String,
    /// The PHC string of the password's Argon2id hash.
    pub password_hash: String,
    pub created_at_ms: i64,
}

/// What can go wrong with the accounts table.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Another player of the game has this name (in any case).
    #[error("the name `{0}` is taken")]
    NameTaken(String),
    /// The store's backend keeps no SQL database.
    #[error("the store's backend keeps no SQL database for players")]
    NoPool,
    /// The database failed.
    #[error("player storage failed: {0}")]
    Storage(#[from] sqlx::Error),
}

/// Stores a new player; [`AccountError::NameTaken`] if the game has the
/// name already.
pub async fn insert(store: &Store, player: &PlayerRecord) -> Result<(), AccountError> {
    let done = on_db!(store, AccountError::NoPool, |pool, m| m::insert(
        pool, player
    )
    .await);
    match done {
        Err(AccountError::Storage(sqlx::Error::Database(e))) if e.is_unique_violation() => {
            Err(AccountError::NameTaken(player.name.clone()))
        }
        other => other,
    }
}

/// The player of `game` whose name is `name` in any case.
pub async fn by_name(
    store: &Store,
    game: &str,
    name: &PlayerName,
) -> Result<Option<PlayerRecord>, AccountError> {
    let key = name.key();
    on_db!(store, AccountError::NoPool, |pool, m| m::by_name_key(
        pool, game, &key
    )
    .await)
}

/// The player of `game` with this id.
pub async fn by_id(
    store: &Store,
    game: &str,
    id: &str,
) -> Result<Option<PlayerRecord>, AccountError> {
    on_db!(store, AccountError::NoPool, |pool, m| m::by_id(
        pool, game, id
    )
    .await)
}

/// The names of those of `ids` that are players of `game`, as (id, name);
/// ids of no player are left out.
pub async fn names_of(
    store: &Store,
    game: &str,
    ids: &[&str],
) -> Result<Vec<(String, String)>, AccountError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    on_db!(store, AccountError::NoPool, |pool, m| m::names_of(
        pool, game, ids
    )
    .await)
}

/// The accounts' SQL for one database.
macro_rules! accounts_sql {
    ($Db:ty) => {
        use sqlx::Row as _;

        use super::{AccountError, PlayerRecord};

        type DbRow = <$Db as sqlx::Database>::Row;

        const COLUMNS: &str = "id, game, name, password_hash, created_at_ms";

        fn record(row: &DbRow) -> Result<PlayerRecord, AccountError> {
            Ok(PlayerRecord {
                id: row.try_get("id")?,
                game: row.try_get("game")?,
                name: row.try_get("name")?,
                password_hash: row.try_get("password_hash")?,
                created_at_ms: row.try_get("created_at_ms")?,
            })
        }

        pub(crate) async fn insert(
            db: &sqlx::Pool<$Db>,
            p: &PlayerRecord,
        ) -> Result<(), AccountError> {
            sqlx::query::<$Db>(
                "INSERT INTO players (game, id, name, name_key, password_hash, created_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&p.game)
            .bind(&p.id)
            .bind(&p.name)
            .bind(super::name_key(&p.name))
            .bind(&p.password_hash)
            .bind(p.created_at_ms)
            .execute(db)
            .await?;
            Ok(())
        }

        pub(crate) async fn by_name_key(
            db: &sqlx::Pool<$Db>,
            game: &str,
            key: &str,
        ) -> Result<Option<PlayerRecord>, AccountError> {
            let sql = format!("SELECT {COLUMNS} FROM players WHERE game = $1 AND name_key = $2");
            let row = sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql))
                .bind(game)
                .bind(key)
                .fetch_optional(db)
                .await?;
            row.as_ref().map(record).transpose()
        }

        pub(crate) async fn by_id(
            db: &sqlx::Pool<$Db>,
            game: &str,
            id: &str,
        ) -> Result<Option<PlayerRecord>, AccountError> {
            let sql = format!("SELECT {COLUMNS} FROM players WHERE game = $1 AND id = $2");
            let row = sqlx::query::<$Db>(sqlx::AssertSqlSafe(sql))
                .bind(game)
                .bind(id)
                .fetch_optional(db)
                .await?;
            row.as_ref().map(record).transpose()
        }

        pub(crate) async fn names_of(
            db: &sqlx::Pool<$Db>,
            game: &str,
            ids: &[&str],
        ) -> Result<Vec<(String, String)>, AccountError> {
            let mut q =
                sqlx::QueryBuilder::<$Db>::new("SELECT id, name FROM players WHERE game = ");
            q.push_bind(game);
            q.push(" AND id");
            crate::store::in_list::push_in(&mut q, ids.iter().copied());
            let rows = q.build().persistent(false).fetch_all(db).await?;
            rows.iter()
                .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
                .collect()
        }
    };
}

mod sqlite_sql {
    accounts_sql!(sqlx::Sqlite);
}

mod postgres_sql {
    accounts_sql!(sqlx::Postgres);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_short_plain_and_unique_by_their_lowercase() {
        let ann = PlayerName::parse("Ann_42").unwrap();
        assert_eq!(ann.as_str(), "Ann_42");
        assert_eq!(ann.key(), "ann_42");
        for bad in [
            "ab",
            "",
            "has space",
            "émile",
            "x".repeat(25).as_str(),
            "a;b",
        ] {
            assert!(PlayerName::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
