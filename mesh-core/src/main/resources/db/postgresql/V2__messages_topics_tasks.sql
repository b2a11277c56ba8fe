-- Messages, topics and tasks on PostgreSQL: as db/migration/V2__messages_topics_tasks.sql, with BIGINT times.

ALTER TABLE peers ADD COLUMN hook_ancestors TEXT;

ALTER TABLE inbox ADD COLUMN topic TEXT;
ALTER TABLE inbox ADD COLUMN task_id TEXT;
ALTER TABLE inbox ADD COLUMN task_status TEXT;

CREATE TABLE subscriptions (
    peer_key   TEXT    NOT NULL,
    topic      TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
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
    created_at    BIGINT  NOT NULL,
    completed_at  BIGINT,
    named_at      BIGINT
);

CREATE INDEX tasks_by_assignee ON tasks (assignee_key, status);
CREATE INDEX tasks_by_delegator ON tasks (delegator_key);

CREATE INDEX questions_by_answered_at ON questions (answered_at) WHERE answered_at IS NOT NULL;
