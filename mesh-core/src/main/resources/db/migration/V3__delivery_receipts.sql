-- Delivery you can prove. Each inbox row (an item for one recipient) goes queued -> offered -> seen:
-- offered when a path (a hook's text, a channel event) hands it to the session, with where the proof will
-- appear (the session's transcript, and its size at that moment); seen once that proof is there, or when a
-- tool result carrying the item went back to a live session. An offer that did not reach the model goes back
-- to queued. A question that closes unanswered (expired, cancelled, abandoned) withdraws its row: nobody waits
-- for it any more. Only mesh.Inbox changes these columns, and the store's own steps that prove or end an
-- item (answering, completing, closing) in the same transaction (see docs/design.md, "Delivery").
ALTER TABLE inbox ADD COLUMN state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'offered', 'seen', 'withdrawn'));
ALTER TABLE inbox ADD COLUMN offered_at INTEGER;
ALTER TABLE inbox ADD COLUMN offered_via TEXT;
ALTER TABLE inbox ADD COLUMN offered_log TEXT;
ALTER TABLE inbox ADD COLUMN offered_mark INTEGER;
ALTER TABLE inbox ADD COLUMN accepted_at INTEGER;
ALTER TABLE inbox ADD COLUMN seen_at INTEGER;
ALTER TABLE inbox ADD COLUMN seen_via TEXT;

-- What version 2 called delivered was handed out; it counts as seen, as it did then.
UPDATE inbox SET state = 'seen', seen_at = delivered_at, seen_via = 'before-receipts' WHERE delivered_at IS NOT NULL;
DROP INDEX inbox_waiting;
ALTER TABLE inbox DROP COLUMN delivered_at;
CREATE INDEX inbox_open ON inbox (recipient, seq) WHERE state IN ('queued', 'offered');

-- Every change of an item's state for a recipient, in order: what message_status and 'claude-mesh tail' show.
CREATE TABLE receipts (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id   TEXT    NOT NULL,
    recipient TEXT    NOT NULL,
    state     TEXT    NOT NULL,
    via       TEXT,
    at        INTEGER NOT NULL
);

CREATE INDEX receipts_by_item ON receipts (item_id);

-- The session's transcript, as its SessionStart hook reported it: where proof of what it saw appears.
ALTER TABLE peers ADD COLUMN transcript_path TEXT;
-- Made by older SessionStart hooks, which no longer claim rows.
ALTER TABLE peers DROP COLUMN hook_ancestors;
