//! The one error type of the store.
//!
//! Conflicts (a taken idempotency key, an event already processed, a lost
//! lease) are answers, not failures: the caller reacts to them (replay the
//! stored response, skip the event, stop writing). Everything else means
//! "not known to be committed"; a batch guarded by an idempotency or
//! processed-event record is always safe to retry.

use std::sync::Arc;

/// What can go wrong in the store. Cheap to clone: a group commit hands the
/// same failure to every caller of the group.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The database URL is neither empty, `sqlite://` nor `postgres://`.
    #[error(
        "unsupported database URL `{url}`: use sqlite://<path> or postgres://<user>@<host>/<db>"
    )]
    BadUrl { url: String },
    /// The database could not be opened or reached at start.
    #[error("cannot open the database at {url}: {source}")]
    Open {
        url: String,
        #[source]
        source: Arc<sqlx::Error>,
    },
    /// A migration failed, or the database holds migrations this build does
    /// not know (a newer host ran against it).
    #[error("database migration failed: {0}")]
    Migrate(Arc<sqlx::migrate::MigrateError>),
    /// The database refused or failed an operation.
    #[error("database error: {0}")]
    Database(Arc<sqlx::Error>),
    /// A batch or a call carried data the store cannot keep.
    #[error("invalid {what}: {why}")]
    Invalid { what: &'static str, why: String },
    /// The batch's idempotency record conflicts: the key is done, or is in
    /// flight under another attempt, or its request differs.
    #[error("idempotency key `{key}` of {scope} in game {game} is already taken")]
    IdempotencyConflict {
        game: String,
        scope: String,
        key: String,
    },
    /// The batch's consumer group already applied this event.
    #[error("event {event_id} was already processed by consumer group {consumer_group}")]
    AlreadyProcessed {
        consumer_group: String,
        event_id: String,
    },
    /// The batch's writer no longer holds the lease it wrote under.
    #[error("lease {name} of game {game} is no longer held by {owner} (fence {fence})")]
    LeaseLost {
        game: String,
        name: String,
        owner: String,
        fence: i64,
    },
    /// The batch's item to spend is not spendable: not the owner's, of
    /// another type, locked, spent, or unknown.
    #[error(
        "item {item_id} of game {game} cannot be spent: it is not an unspent item of its owner"
    )]
    ItemUnavailable { game: String, item_id: String },
    /// A guarded economy operation of the batch did not apply (see
    /// [`super::economy_ops`]).
    #[error("{0}")]
    Economy(super::economy_ops::EconomyConflict),
    /// A batch before this one in its chain failed, so this one, written on
    /// top of it, was not tried (see [`super::chain`]).
    #[error("an earlier batch of its chain failed; this one was not tried")]
    ChainBroken,
    /// The store was closed, or its committer is gone.
    #[error("the store is closed")]
    Closed,
}

impl StoreError {
    /// True for the answers a caller is expected to handle (conflicts), false
    /// for failures.
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            Self::IdempotencyConflict { .. }
                | Self::AlreadyProcessed { .. }
                | Self::LeaseLost { .. }
                | Self::ItemUnavailable { .. }
                | Self::Economy(_)
                | Self::ChainBroken
        )
    }

    pub(crate) fn invalid(what: &'static str, why: impl Into<String>) -> Self {
        Self::Invalid {
            what,
            why: why.into(),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self::Database(Arc::new(e))
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self::Migrate(Arc::new(e))
    }
}

/// `url` with its password replaced by `***`, for logs and errors.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn a_password_never_reaches_a_log() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/idempo?sslmode=require"),
            "postgres://app:***@db:5432/idempo?sslmode=require"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
        assert_eq!(
            redact("sqlite://data/idempo.sqlite3"),
            "sqlite://data/idempo.sqlite3"
        );
    }
}
