-- Beyond question and answer: one-way messages, broadcasts to everyone or to a topic, and delegated tasks.
-- Messages and broadcasts are inbox items only (kind 'message' or 'broadcast'); one broadcast is one id
-- with a row per recipient. Tasks have a state machine of their own, like questions.

-- The processes above the SessionStart hook that made or last claimed a peer row ("pid:start,..."), so the
-- server of that session (whose parent, Claude Code, is among them) adopts its own row and no other.
ALTER TABLE peers ADD COLUMN hook_ancestors TEXT;

ALTER TABLE inbox ADD COLUMN topic TEXT;
ALTER TABLE inbox ADD COLUMN task_id TEXT;
ALTER TABLE inbox ADD COLUMN task_status TEXT;

-- Topics a name listens to. Kept by name, like mail: a later session with the same name keeps them.
CREATE TABLE subscriptions (
    peer_key   TEXT    NOT NULL,
    topic      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (peer_key, topic)
);

CREATE INDEX subscriptions_by_topic ON subscriptions (topic);

CREATE TABLE tasks (
    id            TEXT    PRIMARY KEY,
    delegator     TEXT    NOT NULL,
    delegator_key TEXT    NOT NULL,
    assignee      TEXT    NOT NULL,
    assignee_key  TEXT    NOT NULL,
    description   TEXT    NOT NULL,
    context       TEXT,
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'completed', 'failed')),
    result        TEXT,
    created_at    INTEGER NOT NULL,
    completed_at  INTEGER,
    named_at      INTEGER
);

CREATE INDEX tasks_by_assignee ON tasks (assignee_key, status);
CREATE INDEX tasks_by_delegator ON tasks (delegator_key);

-- For 'claude-mesh tail' and gc: answered questions in time order.
CREATE INDEX questions_by_answered_at ON questions (answered_at) WHERE answered_at IS NOT NULL;
