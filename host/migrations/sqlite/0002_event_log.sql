-- The embedded event bus (host/src/bus/embedded.rs): an append-only log per
-- topic-partition, consumer-group offsets and the dead-letter queue. Every
-- row carries `game`. Times are Unix milliseconds.

-- The log. A record's partition is a stable hash of its key, so the records
-- of one key are in one partition, in append order. Offsets count from 0 per
-- (game, topic, partition) and are never reused.
CREATE TABLE event_log (
    game           TEXT    NOT NULL,
    topic          TEXT    NOT NULL,
    partition_no   INTEGER NOT NULL,
    log_offset     INTEGER NOT NULL,
    event_id       TEXT    NOT NULL,
    event_type     TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    occurred_at_ms INTEGER NOT NULL,
    correlation_id TEXT,
    traceparent    TEXT,
    key            TEXT    NOT NULL,
    payload        TEXT    NOT NULL,
    appended_at_ms INTEGER NOT NULL,
    PRIMARY KEY (game, topic, partition_no, log_offset)
) WITHOUT ROWID;
CREATE INDEX event_log_time ON event_log (game, topic, partition_no, appended_at_ms);

-- The next offset of each topic-partition: appenders serialize on its row.
CREATE TABLE log_heads (
    game         TEXT    NOT NULL,
    topic        TEXT    NOT NULL,
    partition_no INTEGER NOT NULL,
    next_offset  INTEGER NOT NULL,
    PRIMARY KEY (game, topic, partition_no)
) WITHOUT ROWID;

-- Where each consumer group reads next, per topic-partition.
CREATE TABLE consumer_offsets (
    game           TEXT    NOT NULL,
    consumer_group TEXT    NOT NULL,
    topic          TEXT    NOT NULL,
    partition_no   INTEGER NOT NULL,
    next_offset    INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (game, consumer_group, topic, partition_no)
) WITHOUT ROWID;

-- Dead letters: an event a group could not apply, with why, how many
-- attempts, and where it was read. `envelope` is the encoded envelope (JSON);
-- `replayed_at_ms` is set once it was appended to its topic again.
CREATE TABLE dlq (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    game           TEXT    NOT NULL,
    consumer_group TEXT    NOT NULL,
    topic          TEXT    NOT NULL,
    partition_no   INTEGER NOT NULL,
    log_offset     INTEGER NOT NULL,
    event_id       TEXT    NOT NULL,
    envelope       TEXT    NOT NULL,
    error          TEXT    NOT NULL,
    attempts       INTEGER NOT NULL,
    dead_at_ms     INTEGER NOT NULL,
    replayed_at_ms INTEGER
);
CREATE INDEX dlq_by_game ON dlq (game, id);
