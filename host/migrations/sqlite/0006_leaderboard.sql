-- The leaderboard read model (host/src/leaderboard/): each player's totals
-- over the finished matches of a game, projected from `MatchFinished` events
-- by the `leaderboard` consumer group. Every row carries `game`. Times are
-- Unix milliseconds.
--
-- A row changes only in the transaction that records the event it applies
-- (`processed_events`), so an event counts once; the whole table can be
-- rebuilt from the event log (`crate::leaderboard::rebuild`).

-- One player's totals. `score` is the sum of the player's match scores (a
-- match score may be negative); `matches`, `wins` (first places) and `kills`
-- are counts. `last_match_id` and `updated_at_ms` are those of the last
-- match applied (`updated_at_ms`: when that match finished).
CREATE TABLE leaderboard (
    game          TEXT    NOT NULL,
    player        TEXT    NOT NULL,
    score         INTEGER NOT NULL,
    matches       INTEGER NOT NULL,
    wins          INTEGER NOT NULL,
    kills         INTEGER NOT NULL,
    last_match_id TEXT    NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (game, player)
) WITHOUT ROWID;
-- Ranking: the board in order (score descending, ties by player id), and a
-- player's rank (how many rows come before theirs).
CREATE INDEX leaderboard_rank ON leaderboard (game, score DESC, player);
