-- The core mesh: who is here, what is waiting for whom, and the state of every question.
-- Times are epoch milliseconds. Peers are keyed by the lower-case form of their name, because names are
-- unique without regard to case; mail is addressed to that key, so it survives the peer's row being
-- replaced by a later session with the same name.

CREATE TABLE peers (
    name_key      TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL,
    project_path  TEXT    NOT NULL,
    git_root      TEXT    NOT NULL,
    host          TEXT    NOT NULL,
    summary       TEXT    NOT NULL DEFAULT '',
    state         TEXT    NOT NULL CHECK (state IN ('active', 'offline')),
    session_id    TEXT,
    server_pid    INTEGER,
    server_start  INTEGER,
    claude_pid    INTEGER,
    claude_start  INTEGER,
    registered_at INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL
);

CREATE INDEX peers_by_project ON peers (project_path);

-- Everything delivered to a peer, in one ordered stream. An item is delivered once: the first reader
-- (poll_inbox, a hook) marks it, in the same transaction that reads it.
CREATE TABLE inbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    sender       TEXT    NOT NULL,
    recipient    TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER,
    UNIQUE (id, recipient)
);

CREATE INDEX inbox_waiting ON inbox (recipient, seq) WHERE delivered_at IS NULL;

-- A question's state machine: pending until answered, expired, cancelled or abandoned, exactly once.
CREATE TABLE questions (
    id          TEXT    PRIMARY KEY,
    asker       TEXT    NOT NULL,
    asker_key   TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    target_key  TEXT    NOT NULL,
    asker_pid   INTEGER,
    asker_start INTEGER,
    body        TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('pending', 'answered', 'expired', 'cancelled', 'abandoned')),
    asked_at    INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    answer      TEXT,
    answered_at INTEGER,
    named_at    INTEGER
);

CREATE INDEX questions_pending_for ON questions (target_key) WHERE status = 'pending';
CREATE INDEX questions_pending_from ON questions (asker_key) WHERE status = 'pending';
