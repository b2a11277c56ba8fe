-- The core mesh on PostgreSQL: the same tables, columns and indexes as db/migration/V1__core_mesh.sql (see
-- there for what each holds), with PostgreSQL's types: epoch milliseconds and process ids need BIGINT, and
-- the inbox position is an identity column.

CREATE TABLE peers (
    name_key      TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL,
    project_path  TEXT    NOT NULL,
    git_root      TEXT    NOT NULL,
    host          TEXT    NOT NULL,
    summary       TEXT    NOT NULL DEFAULT '',
    state         TEXT    NOT NULL CHECK (state IN ('active', 'offline')),
    session_id    TEXT,
    server_pid    BIGINT,
    server_start  BIGINT,
    claude_pid    BIGINT,
    claude_start  BIGINT,
    registered_at BIGINT  NOT NULL,
    last_seen     BIGINT  NOT NULL
);

CREATE INDEX peers_by_project ON peers (project_path);

CREATE TABLE inbox (
    seq          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    sender       TEXT    NOT NULL,
    recipient    TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    delivered_at BIGINT,
    UNIQUE (id, recipient)
);

CREATE INDEX inbox_waiting ON inbox (recipient, seq) WHERE delivered_at IS NULL;

CREATE TABLE questions (
    id          TEXT    PRIMARY KEY,
    asker       TEXT    NOT NULL,
    asker_key   TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    target_key  TEXT    NOT NULL,
    asker_pid   BIGINT,
    asker_start BIGINT,
    body        TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('pending', 'answered', 'expired', 'cancelled', 'abandoned')),
    asked_at    BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    answer      TEXT,
    answered_at BIGINT,
    named_at    BIGINT
);

CREATE INDEX questions_pending_for ON questions (target_key) WHERE status = 'pending';
CREATE INDEX questions_pending_from ON questions (asker_key) WHERE status = 'pending';
