-- The arena's matches (host/src/arena/): who plays, on which pinned combat
-- version, and the durable action log a match is rebuilt from. Every row
-- carries `game`. Times are Unix milliseconds, except a log entry's `at_ms`,
-- which is match time (milliseconds since the match started).

-- One match. `version` is the combat component version it started with and
-- keeps (pinning); `seed` (a u64 stored as its i64 bits) seeds setup and,
-- mixed with each entry's `seq`, every later call. `status` is a projection
-- of the log (its last entry is `finish` once the match is over).
CREATE TABLE matches (
    game           TEXT    NOT NULL,
    match_id       TEXT    NOT NULL,
    component      TEXT    NOT NULL,
    version        TEXT    NOT NULL,
    seed           INTEGER NOT NULL,
    config         TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('running', 'finished')),
    started_at_ms  INTEGER NOT NULL,
    finished_at_ms INTEGER,
    result         TEXT,
    PRIMARY KEY (game, match_id)
) WITHOUT ROWID;
CREATE INDEX matches_running ON matches (game, status);

-- The fighters of a match, in setup order (`slot`).
CREATE TABLE match_members (
    game     TEXT    NOT NULL,
    match_id TEXT    NOT NULL,
    player   TEXT    NOT NULL,
    slot     INTEGER NOT NULL,
    PRIMARY KEY (game, match_id, player)
) WITHOUT ROWID;
CREATE INDEX match_members_player ON match_members (game, player);

-- The durable action log: every step that changed a match (an accepted
-- action, a tick, the finish), numbered 1, 2, ... per match, written in the
-- transaction of its effects, its idempotency record and its events, fenced
-- by the match's lease. `body` is the entry as JSON.
CREATE TABLE match_actions (
    game          TEXT    NOT NULL,
    match_id      TEXT    NOT NULL,
    seq           INTEGER NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('action', 'tick', 'finish')),
    player        TEXT,
    action_id     TEXT,
    at_ms         INTEGER NOT NULL,
    body          TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (game, match_id, seq)
) WITHOUT ROWID;
