-- The economy's ground floor (host/src/economy/): wallets and their
-- append-only ledger, items (stamps included) with exactly one owner, and
-- each player's durable notices. Rows are written only inside a
-- `CommitBatch` (host/src/store/economy.rs), in the transaction of the
-- operation that caused them and of the record that makes it idempotent.
-- Also: the effects of each match log entry, so a WebSocket resumes from
-- the log alone. Times are Unix milliseconds.

ALTER TABLE match_actions ADD COLUMN effects TEXT;

-- A balance per player and currency: `available` can be spent, `held` is
-- reserved by a saga. Both are sums of the player's ledger; neither is ever
-- negative. `version` counts the wallet's ledger entries (optimistic
-- locking: a change names the version it read).
CREATE TABLE wallets (
    game      TEXT    NOT NULL,
    player    TEXT    NOT NULL,
    currency  TEXT    NOT NULL,
    available INTEGER NOT NULL CHECK (available >= 0),
    held      INTEGER NOT NULL DEFAULT 0 CHECK (held >= 0),
    version   INTEGER NOT NULL,
    PRIMARY KEY (game, player, currency)
) WITHOUT ROWID;

-- The ledger: one row per change of a wallet, never updated. `version` is
-- the wallet's version after the change; `amount` is signed. `key` makes
-- the change idempotent across the whole game.
CREATE TABLE ledger (
    game            TEXT    NOT NULL,
    player          TEXT    NOT NULL,
    currency        TEXT    NOT NULL,
    version         INTEGER NOT NULL,
    amount          INTEGER NOT NULL,
    available_after INTEGER NOT NULL,
    reason          TEXT    NOT NULL,
    reference       TEXT    NOT NULL,
    key             TEXT    NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    PRIMARY KEY (game, player, currency, version)
) WITHOUT ROWID;
CREATE UNIQUE INDEX ledger_key ON ledger (game, key);
CREATE INDEX ledger_reference ON ledger (game, reference, player);

-- Items: a unique id, a type, exactly one owner. `state` is `owned`,
-- `locked` (by the saga or listing `lock_ref`) or `spent` (a consumed stamp,
-- kept for audit with what spent it in `spent_ref`). `source` says what
-- created it (e.g. `match:<id>`).
CREATE TABLE items (
    game          TEXT    NOT NULL,
    item_id       TEXT    NOT NULL,
    owner         TEXT    NOT NULL,
    item_type     TEXT    NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('owned', 'locked', 'spent')),
    lock_ref      TEXT,
    spent_ref     TEXT,
    source        TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (game, item_id)
) WITHOUT ROWID;
CREATE INDEX items_owner ON items (game, owner, state, item_type);
CREATE INDEX items_source ON items (game, source, owner);

-- A player's notices (rewards granted, ...), numbered 1, 2, ... per player
-- without gaps, so a reconnecting client resumes after the last it saw.
CREATE TABLE notices (
    game          TEXT    NOT NULL,
    player        TEXT    NOT NULL,
    seq           INTEGER NOT NULL,
    kind          TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (game, player, seq)
) WITHOUT ROWID;
