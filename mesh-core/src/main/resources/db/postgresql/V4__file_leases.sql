-- File leases: the same tables, columns and indexes as db/migration/V4__file_leases.sql (see there for what
-- each holds), with PostgreSQL's types.
CREATE TABLE leases (
    id           TEXT    NOT NULL,
    glob         TEXT    NOT NULL,
    repo         TEXT    NOT NULL,
    holder       TEXT    NOT NULL,
    holder_key   TEXT    NOT NULL,
    host         TEXT    NOT NULL,
    server_pid   BIGINT  NOT NULL,
    server_start BIGINT  NOT NULL,
    mode         TEXT    NOT NULL CHECK (mode IN ('exclusive', 'shared')),
    reason       TEXT    NOT NULL,
    claimed_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    ended_at     BIGINT,
    ended_how    TEXT CHECK (ended_how IN ('released', 'expired', 'session-ended')),
    PRIMARY KEY (id, glob)
);

CREATE INDEX leases_open ON leases (repo) WHERE ended_at IS NULL;

CREATE TABLE lease_log (
    seq      BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lease_id TEXT    NOT NULL,
    holder   TEXT    NOT NULL,
    event    TEXT    NOT NULL,
    globs    TEXT    NOT NULL,
    at       BIGINT  NOT NULL
);
