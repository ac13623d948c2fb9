-- idempo's durable state on PostgreSQL: the same tables as
-- migrations/sqlite/0001_initial.sql, column for column (see the comments
-- there). Times are Unix milliseconds (BIGINT). The kv key collates as "C"
-- (byte order), which prefix scans rely on.

CREATE TABLE kv (
    game      TEXT  NOT NULL,
    component TEXT  NOT NULL,
    key       TEXT  COLLATE "C" NOT NULL,
    value     BYTEA NOT NULL,
    PRIMARY KEY (game, component, key)
);

CREATE TABLE outbox (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id             TEXT    NOT NULL UNIQUE,
    game           TEXT    NOT NULL,
    topic          TEXT    NOT NULL,
    key            TEXT    NOT NULL,
    event_type     TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    payload        TEXT    NOT NULL,
    correlation_id TEXT,
    traceparent    TEXT,
    created_at_ms  BIGINT  NOT NULL,
    sent_at_ms     BIGINT
);
CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at_ms IS NULL;
CREATE INDEX outbox_sent ON outbox (sent_at_ms) WHERE sent_at_ms IS NOT NULL;

CREATE TABLE processed_events (
    consumer_group  TEXT   NOT NULL,
    event_id        TEXT   NOT NULL,
    game            TEXT   NOT NULL,
    processed_at_ms BIGINT NOT NULL,
    PRIMARY KEY (consumer_group, event_id)
);
CREATE INDEX processed_events_age ON processed_events (processed_at_ms);

CREATE TABLE idempotency (
    game          TEXT   NOT NULL,
    scope         TEXT   NOT NULL,
    key           TEXT   NOT NULL,
    request_hash  TEXT   NOT NULL,
    status        TEXT   NOT NULL CHECK (status IN ('in_flight', 'done')),
    attempt       TEXT,
    response      TEXT,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    PRIMARY KEY (game, scope, key)
);
CREATE INDEX idempotency_expiry ON idempotency (expires_at_ms);

CREATE TABLE leases (
    game          TEXT   NOT NULL,
    name          TEXT   NOT NULL,
    owner         TEXT   NOT NULL,
    fence         BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    PRIMARY KEY (game, name)
);
