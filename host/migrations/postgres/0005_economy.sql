-- The economy's ground floor: the same tables as
-- migrations/sqlite/0005_economy.sql, column for column (see the comments
-- there). Times are Unix milliseconds (BIGINT).

ALTER TABLE match_actions ADD COLUMN effects TEXT;

CREATE TABLE wallets (
    game      TEXT   NOT NULL,
    player    TEXT   NOT NULL,
    currency  TEXT   NOT NULL,
    available BIGINT NOT NULL CHECK (available >= 0),
    held      BIGINT NOT NULL DEFAULT 0 CHECK (held >= 0),
    version   BIGINT NOT NULL,
    PRIMARY KEY (game, player, currency)
);

CREATE TABLE ledger (
    game            TEXT   NOT NULL,
    player          TEXT   NOT NULL,
    currency        TEXT   NOT NULL,
    version         BIGINT NOT NULL,
    amount          BIGINT NOT NULL,
    available_after BIGINT NOT NULL,
    reason          TEXT   NOT NULL,
    reference       TEXT   NOT NULL,
    key             TEXT   NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    PRIMARY KEY (game, player, currency, version)
);
CREATE UNIQUE INDEX ledger_key ON ledger (game, key);
CREATE INDEX ledger_reference ON ledger (game, reference, player);

CREATE TABLE items (
    game          TEXT   NOT NULL,
    item_id       TEXT   NOT NULL,
    owner         TEXT   NOT NULL,
    item_type     TEXT   NOT NULL,
    state         TEXT   NOT NULL CHECK (state IN ('owned', 'locked', 'spent')),
    lock_ref      TEXT,
    spent_ref     TEXT,
    source        TEXT   NOT NULL,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (game, item_id)
);
CREATE INDEX items_owner ON items (game, owner, state, item_type);
CREATE INDEX items_source ON items (game, source, owner);

CREATE TABLE notices (
    game          TEXT   NOT NULL,
    player        TEXT   NOT NULL,
    seq           BIGINT NOT NULL,
    kind          TEXT   NOT NULL,
    body          TEXT   NOT NULL,
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (game, player, seq)
);
