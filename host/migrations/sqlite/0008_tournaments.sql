-- Daily tournaments (host/src/tournament/): one per game and UTC day, its
-- id the date (`YYYY-MM-DD`). Every row carries `game`. Times are Unix
-- milliseconds on the tournament's clock. Rows change only through guarded
-- operations of a commit batch (`host/src/store/tournament_ops.rs`).

-- A day's tournament, made once (the key is the date, so hosts that race
-- to create it make one). `rules` is the JSON of the rules the tournament
-- component (`component` at `version`) gave for the day, checked; the
-- times are copied out of it for the scheduler. `open` until its end, then
-- `final` (ranks written). `entries` counts its participants and
-- `group_count` its groups; updating the row serializes entries.
CREATE TABLE tournaments (
    game               TEXT    NOT NULL,
    tournament         TEXT    NOT NULL,
    component          TEXT    NOT NULL,
    version            TEXT    NOT NULL,
    rules              TEXT    NOT NULL,
    opens_at_ms        INTEGER NOT NULL,
    entry_closes_at_ms INTEGER NOT NULL,
    ends_at_ms         INTEGER NOT NULL,
    state              TEXT    NOT NULL CHECK (state IN ('open', 'final')),
    entries            INTEGER NOT NULL CHECK (entries >= 0),
    group_count        INTEGER NOT NULL CHECK (group_count >= 0),
    created_at_ms      INTEGER NOT NULL,
    finalized_at_ms    INTEGER,
    PRIMARY KEY (game, tournament)
) WITHOUT ROWID;
CREATE INDEX tournaments_due ON tournaments (state, ends_at_ms);

-- A group of a tournament, numbered from 1; `members` never exceeds the
-- rules' group size (the entry that would is put in the next group).
CREATE TABLE tournament_groups (
    game       TEXT    NOT NULL,
    tournament TEXT    NOT NULL,
    group_no   INTEGER NOT NULL CHECK (group_no >= 1),
    members    INTEGER NOT NULL CHECK (members >= 0),
    PRIMARY KEY (game, tournament, group_no)
) WITHOUT ROWID;

-- A participant: in a group since `entered_at_ms`, by the entry saga
-- `saga_id` (undoing the saga deletes the row). `score` adds the points of
-- the matches and level-ups after the entry. At the end `final_rank` is the
-- rank within the group (score descending, then earlier entry, then player
-- id); a claim writes `reward` and `claimed_at_ms`, once.
CREATE TABLE tournament_participants (
    game          TEXT    NOT NULL,
    tournament    TEXT    NOT NULL,
    player        TEXT    NOT NULL,
    group_no      INTEGER NOT NULL,
    saga_id       TEXT    NOT NULL,
    score         INTEGER NOT NULL,
    entered_at_ms INTEGER NOT NULL,
    final_rank    INTEGER,
    reward        INTEGER,
    claimed_at_ms INTEGER,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (game, tournament, player)
) WITHOUT ROWID;
-- A group's board, and the whole tournament's, in rank order.
CREATE INDEX tournament_group_board
    ON tournament_participants (game, tournament, group_no, score DESC, entered_at_ms, player);
CREATE INDEX tournament_board
    ON tournament_participants (game, tournament, score DESC, entered_at_ms, player);
