-- The leaderboard read model: the same table as
-- migrations/sqlite/0006_leaderboard.sql, column for column (see the
-- comments there). Counts and times are BIGINT.
--
-- `player` collates as "C" (bytes), as SQLite's BINARY does: ties are
-- broken by player id in the same order on both databases, whatever the
-- server's locale.

CREATE TABLE leaderboard (
    game          TEXT   NOT NULL,
    player        TEXT   COLLATE "C" NOT NULL,
    score         BIGINT NOT NULL,
    matches       BIGINT NOT NULL,
    wins          BIGINT NOT NULL,
    kills         BIGINT NOT NULL,
    last_match_id TEXT   NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (game, player)
);
CREATE INDEX leaderboard_rank ON leaderboard (game, score DESC, player);
