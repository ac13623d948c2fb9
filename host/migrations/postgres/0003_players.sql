-- Players and their credentials (host/src/gateway/accounts.rs). Every row
-- carries `game`. `id` is a uuid v7; `name` is kept as registered and is
-- unique per game by its lowercase `name_key`; `password_hash` is an
-- Argon2id PHC string. Times are Unix milliseconds.
CREATE TABLE players (
    game          TEXT   NOT NULL,
    id            TEXT   NOT NULL,
    name          TEXT   NOT NULL,
    name_key      TEXT   NOT NULL,
    password_hash TEXT   NOT NULL,
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (game, id)
);
CREATE UNIQUE INDEX players_by_name ON players (game, name_key);
