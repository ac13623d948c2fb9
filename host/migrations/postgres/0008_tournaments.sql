-- Daily tournaments: the same tables as migrations/sqlite/0008_tournaments.sql,
-- column for column (see the comments there). Times are Unix milliseconds
-- (BIGINT); player ids order by bytes (COLLATE "C"), as on SQLite.

CREATE TABLE tournaments (
    game               TEXT    NOT NULL,
    tournament         TEXT    NOT NULL,
    component          TEXT    NOT NULL,
    version            TEXT    NOT NULL,
    rules              TEXT    NOT NULL,
    opens_at_ms        BIGINT  NOT NULL,
    entry_closes_at_ms BIGINT  NOT NULL,
    ends_at_ms         BIGINT  NOT NULL,
    state              TEXT    NOT NULL CHECK (state IN ('open', 'final')),
    entries            BIGINT  NOT NULL CHECK (entries >= 0),
    group_count        BIGINT  NOT NULL CHECK (group_count >= 0),
    created_at_ms      BIGINT  NOT NULL,
    finalized_at_ms    BIGINT,
    PRIMARY KEY (game, tournament)
);
CREATE INDEX tournaments_due ON tournaments (state, ends_at_ms);

CREATE TABLE tournament_groups (
    game       TEXT    NOT NULL,
    tournament TEXT    NOT NULL,
    group_no   BIGINT  NOT NULL CHECK (group_no >= 1),
    members    BIGINT  NOT NULL CHECK (members >= 0),
    PRIMARY KEY (game, tournament, group_no)
);

CREATE TABLE tournament_participants (
    game          TEXT    NOT NULL,
    tournament    TEXT    NOT NULL,
    player        TEXT    COLLATE "C" NOT NULL,
    group_no      BIGINT  NOT NULL,
    saga_id       TEXT    NOT NULL,
    score         BIGINT  NOT NULL,
    entered_at_ms BIGINT  NOT NULL,
    final_rank    BIGINT,
    reward        BIGINT,
    claimed_at_ms BIGINT,
    updated_at_ms BIGINT  NOT NULL,
    PRIMARY KEY (game, tournament, player)
);
CREATE INDEX tournament_group_board
    ON tournament_participants (game, tournament, group_no, score DESC, entered_at_ms, player);
CREATE INDEX tournament_board
    ON tournament_participants (game, tournament, score DESC, entered_at_ms, player);
