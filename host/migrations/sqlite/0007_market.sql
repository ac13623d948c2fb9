-- The market (host/src/market/) and the saga log (host/src/saga/): fund
-- holds, listings, player-to-player offers, and every saga with its step
-- log. Rows are written only inside a `CommitBatch`, by the guarded
-- operations of host/src/store/economy_ops.rs, each in the transaction of
-- the saga step that caused it. Times are Unix milliseconds.

-- Funds a saga reserved: `amount` moved from the wallet's `available` to
-- its `held` when the hold was taken; `released` gave it back, `captured`
-- paid it out. A wallet's `held` is the sum of its `held` holds.
CREATE TABLE holds (
    game          TEXT    NOT NULL,
    hold_id       TEXT    NOT NULL,
    player        TEXT    NOT NULL,
    currency      TEXT    NOT NULL,
    amount        INTEGER NOT NULL CHECK (amount > 0),
    state         TEXT    NOT NULL CHECK (state IN ('held', 'released', 'captured')),
    reference     TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (game, hold_id)
) WITHOUT ROWID;
CREATE INDEX holds_player ON holds (game, player, currency, state);

-- An item offered at a price. While `open` or `pending` (a trade saga is
-- buying it) the item is locked to the listing; `sold` and `cancelled` are
-- final. An item is in at most one live listing.
CREATE TABLE listings (
    game          TEXT    NOT NULL,
    listing_id    TEXT    NOT NULL,
    seller        TEXT    NOT NULL,
    item_id       TEXT    NOT NULL,
    item_type     TEXT    NOT NULL,
    currency      TEXT    NOT NULL,
    price         INTEGER NOT NULL CHECK (price > 0),
    state         TEXT    NOT NULL CHECK (state IN ('open', 'pending', 'sold', 'cancelled')),
    trade_id      TEXT,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (game, listing_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX listings_live_item ON listings (game, item_id)
    WHERE state IN ('open', 'pending');
CREATE INDEX listings_browse_price ON listings (game, state, item_type, price);
CREATE INDEX listings_browse_created ON listings (game, state, created_at_ms);
CREATE INDEX listings_seller ON listings (game, seller, state);

-- A player-to-player offer: `give` and `want` are JSON ({items, currency});
-- accepting it starts a saga (`trade_id`).
CREATE TABLE offers (
    game          TEXT    NOT NULL,
    offer_id      TEXT    NOT NULL,
    from_player   TEXT    NOT NULL,
    to_player     TEXT    NOT NULL,
    give          TEXT    NOT NULL,
    want          TEXT    NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('open', 'accepted', 'declined', 'cancelled')),
    trade_id      TEXT,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (game, offer_id)
) WITHOUT ROWID;
CREATE INDEX offers_to ON offers (game, to_player, state);
CREATE INDEX offers_from ON offers (game, from_player, state);

-- A saga: its plan (JSON steps), where it is (`phase`, `cursor`: the next
-- step forward, or the next to undo backward), its state's name for people
-- (`label`) and who runs it (`owner` until `lease_until_ms`). `version`
-- counts its log rows: every step names the version it read.
CREATE TABLE sagas (
    game           TEXT    NOT NULL,
    saga_id        TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    phase          TEXT    NOT NULL CHECK (phase IN ('forward', 'backward')),
    cursor         INTEGER NOT NULL,
    label          TEXT    NOT NULL,
    plan           TEXT    NOT NULL,
    initiator      TEXT    NOT NULL,
    counterparty   TEXT    NOT NULL,
    failure        TEXT,
    owner          TEXT    NOT NULL,
    lease_until_ms INTEGER NOT NULL,
    version        INTEGER NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (game, saga_id)
) WITHOUT ROWID;
CREATE INDEX sagas_running ON sagas (status, lease_until_ms);
CREATE INDEX sagas_initiator ON sagas (game, initiator, created_at_ms);
CREATE INDEX sagas_counterparty ON sagas (game, counterparty, created_at_ms);

-- The saga log: one row per step done, failed or undone, never updated;
-- `seq` is the saga's version after it.
CREATE TABLE saga_log (
    game    TEXT    NOT NULL,
    saga_id TEXT    NOT NULL,
    seq     INTEGER NOT NULL,
    step    TEXT    NOT NULL,
    phase   TEXT    NOT NULL,
    outcome TEXT    NOT NULL,
    error   TEXT,
    at_ms   INTEGER NOT NULL,
    PRIMARY KEY (game, saga_id, seq)
) WITHOUT ROWID;
