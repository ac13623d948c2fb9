-- idempo's durable state on SQLite. Every table carries `game` (DESIGN.md,
-- "Tenancy from day one"). Times are Unix milliseconds (INTEGER), so both
-- backends store and compare them alike. Text keys compare as bytes (BINARY),
-- which prefix scans rely on.

-- Component key-value state: what the `kv` import reads and its writes commit.
CREATE TABLE kv (
    game      TEXT NOT NULL,
    component TEXT NOT NULL,
    key       TEXT NOT NULL,
    value     BLOB NOT NULL,
    PRIMARY KEY (game, component, key)
) WITHOUT ROWID;

-- Transactional outbox: events committed in the transaction of the state
-- that caused them. `seq` is commit order (never reused: AUTOINCREMENT), so
-- handing rows out by `seq` keeps each key's order. `sent_at_ms` is set only
-- once the bus confirmed delivery.
CREATE TABLE outbox (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT    NOT NULL UNIQUE,
    game           TEXT    NOT NULL,
    topic          TEXT    NOT NULL,
    key            TEXT    NOT NULL,
    event_type     TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    payload        TEXT    NOT NULL,
    correlation_id TEXT,
    traceparent    TEXT,
    created_at_ms  INTEGER NOT NULL,
    sent_at_ms     INTEGER
);
CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at_ms IS NULL;
CREATE INDEX outbox_sent ON outbox (sent_at_ms) WHERE sent_at_ms IS NOT NULL;

-- Idempotent consumers: an event a group has applied, recorded in the
-- transaction of its effect.
CREATE TABLE processed_events (
    consumer_group  TEXT    NOT NULL,
    event_id        TEXT    NOT NULL,
    game            TEXT    NOT NULL,
    processed_at_ms INTEGER NOT NULL,
    PRIMARY KEY (consumer_group, event_id)
) WITHOUT ROWID;
CREATE INDEX processed_events_age ON processed_events (processed_at_ms);

-- Idempotency keys of mutating requests (IETF httpapi idempotency-key):
-- `in_flight` while an attempt runs (its token in `attempt`), `done` with the
-- stored response once its effects committed. An expired row counts as absent.
CREATE TABLE idempotency (
    game          TEXT    NOT NULL,
    scope         TEXT    NOT NULL,
    key           TEXT    NOT NULL,
    request_hash  TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('in_flight', 'done')),
    attempt       TEXT,
    response      TEXT,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    PRIMARY KEY (game, scope, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_expiry ON idempotency (expires_at_ms);

-- Single-writer ownership (a match, the outbox relay): one owner at a time
-- until `expires_at_ms`. `fence` grows with every new tenure, so a commit can
-- insist that its writer still holds the lease it started under.
CREATE TABLE leases (
    game          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    owner         TEXT    NOT NULL,
    fence         INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    PRIMARY KEY (game, name)
) WITHOUT ROWID;
