//! The versioned migrations of each backend, compiled into the binary from
//! `host/migrations/{sqlite,postgres}/NNNN_<name>.sql` and applied at start
//! by sqlx's migrator (which records them in `_sqlx_migrations`, skips what
//! is applied, refuses an applied migration whose text changed, and on
//! PostgreSQL holds an advisory lock so hosts starting together migrate once).
//!
//! A new migration is a new file in both folders and a line in both lists
//! below; an applied file is never edited.

use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

/// (version, description, SQL) of every SQLite migration.
const SQLITE: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../../migrations/sqlite/0001_initial.sql"),
    ),
    (
        2,
        "event_log",
        include_str!("../../migrations/sqlite/0002_event_log.sql"),
    ),
    (
        3,
        "players",
        include_str!("../../migrations/sqlite/0003_players.sql"),
    ),
    (
        4,
        "matches",
        include_str!("../../migrations/sqlite/0004_matches.sql"),
    ),
    (
        5,
        "economy",
        include_str!("../../migrations/sqlite/0005_economy.sql"),
    ),
    (
        6,
        "leaderboard",
        include_str!("../../migrations/sqlite/0006_leaderboard.sql"),
    ),
    (
        7,
        "market",
        include_str!("../../migrations/sqlite/0007_market.sql"),
    ),
    (
        8,
        "tournaments",
        include_str!("../../migrations/sqlite/0008_tournaments.sql"),
    ),
];

/// (version, description, SQL) of every PostgreSQL migration.
const POSTGRES: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../../migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        "event_log",
        include_str!("../../migrations/postgres/0002_event_log.sql"),
    ),
    (
        3,
        "players",
        include_str!("../../migrations/postgres/0003_players.sql"),
    ),
    (
        4,
        "matches",
        include_str!("../../migrations/postgres/0004_matches.sql"),
    ),
    (
        5,
        "economy",
        include_str!("../../migrations/postgres/0005_economy.sql"),
    ),
    (
        6,
        "leaderboard",
        include_str!("../../migrations/postgres/0006_leaderboard.sql"),
    ),
    (
        7,
        "market",
        include_str!("../../migrations/postgres/0007_market.sql"),
    ),
    (
        8,
        "tournaments",
        include_str!("../../migrations/postgres/0008_tournaments.sql"),
    ),
];

pub(crate) fn sqlite() -> Migrator {
    migrator(SQLITE)
}

pub(crate) fn postgres() -> Migrator {
    migrator(POSTGRES)
}

fn migrator(list: &'static [(i64, &'static str, &'static str)]) -> Migrator {
    Migrator::with_migrations(
        list.iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file of `host/migrations/<dir>` is listed, as `NNNN_<description>.sql`.
    fn assert_lists_every_file(dir: &str, list: &[(i64, &str, &str)]) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(dir);
        let mut files: Vec<String> = std::fs::read_dir(&path)
            .expect("migrations folder")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        let listed: Vec<String> = list
            .iter()
            .map(|(v, d, _)| format!("{v:04}_{d}.sql"))
            .collect();
        assert_eq!(files, listed, "host/migrations/{dir} and its list differ");
    }

    #[test]
    fn every_migration_file_is_compiled_in() {
        assert_lists_every_file("sqlite", SQLITE);
        assert_lists_every_file("postgres", POSTGRES);
        assert_eq!(
            SQLITE.iter().map(|m| m.0).collect::<Vec<_>>(),
            POSTGRES.iter().map(|m| m.0).collect::<Vec<_>>(),
            "both backends have the same versions"
        );
    }
}
