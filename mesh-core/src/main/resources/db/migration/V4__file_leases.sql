-- File leases: a session claims paths of a repository (globs relative to its root) for a while, so that other
-- sessions' edits of those files are stopped (mode exclusive) or noted (shared) at the tool call. One row per
-- glob of a lease; a lease is held by one session (its name and its server process, so a later session with the
-- same name does not inherit it) and ends once: released, expired (its TTL) or ended with its session. Only
-- mesh.Claims decides which leases hold (see docs/design.md, "File leases").
CREATE TABLE leases (
    id           TEXT    NOT NULL,
    glob         TEXT    NOT NULL,
    -- The repository: its normalised remote URL (origin), so clones on several hosts share leases; else host:root.
    repo         TEXT    NOT NULL,
    holder       TEXT    NOT NULL,
    holder_key   TEXT    NOT NULL,
    host         TEXT    NOT NULL,
    server_pid   INTEGER NOT NULL,
    server_start INTEGER NOT NULL,
    mode         TEXT    NOT NULL CHECK (mode IN ('exclusive', 'shared')),
    reason       TEXT    NOT NULL,
    claimed_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    ended_at     INTEGER,
    ended_how    TEXT CHECK (ended_how IN ('released', 'expired', 'session-ended')),
    PRIMARY KEY (id, glob)
);

CREATE INDEX leases_open ON leases (repo) WHERE ended_at IS NULL;

-- Every claim and every end of one, in order: what 'claude-mesh tail' shows.
CREATE TABLE lease_log (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    lease_id TEXT    NOT NULL,
    holder   TEXT    NOT NULL,
    event    TEXT    NOT NULL,
    globs    TEXT    NOT NULL,
    at       INTEGER NOT NULL
);
