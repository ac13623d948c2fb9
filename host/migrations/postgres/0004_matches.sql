-- The arena's matches: the same tables as migrations/sqlite/0004_matches.sql,
-- column for column (see the comments there). Times are Unix milliseconds
-- (BIGINT), a log entry's `at_ms` match time.

CREATE TABLE matches (
    game           TEXT   NOT NULL,
    match_id       TEXT   NOT NULL,
    component      TEXT   NOT NULL,
    version        TEXT   NOT NULL,
    seed           BIGINT NOT NULL,
    config         TEXT   NOT NULL,
    status         TEXT   NOT NULL CHECK (status IN ('running', 'finished')),
    started_at_ms  BIGINT NOT NULL,
    finished_at_ms BIGINT,
    result         TEXT,
    PRIMARY KEY (game, match_id)
);
CREATE INDEX matches_running ON matches (game, status);

CREATE TABLE match_members (
    game     TEXT    NOT NULL,
    match_id TEXT    NOT NULL,
    player   TEXT    NOT NULL,
    slot     INTEGER NOT NULL,
    PRIMARY KEY (game, match_id, player)
);
CREATE INDEX match_members_player ON match_members (game, player);

CREATE TABLE match_actions (
    game          TEXT   NOT NULL,
    match_id      TEXT   NOT NULL,
    seq           BIGINT NOT NULL,
    kind          TEXT   NOT NULL CHECK (kind IN ('action', 'tick', 'finish')),
    player        TEXT,
    action_id     TEXT,
    at_ms         BIGINT NOT NULL,
    body          TEXT   NOT NULL,
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (game, match_id, seq)
);
