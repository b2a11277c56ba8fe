-- Delivery you can prove: the same columns, table and indexes as db/migration/V3__delivery_receipts.sql (see
-- there for what each holds), with PostgreSQL's types.
ALTER TABLE inbox ADD COLUMN state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'offered', 'seen', 'withdrawn'));
ALTER TABLE inbox ADD COLUMN offered_at BIGINT;
ALTER TABLE inbox ADD COLUMN offered_via TEXT;
ALTER TABLE inbox ADD COLUMN offered_log TEXT;
ALTER TABLE inbox ADD COLUMN offered_mark BIGINT;
ALTER TABLE inbox ADD COLUMN accepted_at BIGINT;
ALTER TABLE inbox ADD COLUMN seen_at BIGINT;
ALTER TABLE inbox ADD COLUMN seen_via TEXT;

UPDATE inbox SET state = 'seen', seen_at = delivered_at, seen_via = 'before-receipts' WHERE delivered_at IS NOT NULL;
DROP INDEX inbox_waiting;
ALTER TABLE inbox DROP COLUMN delivered_at;
CREATE INDEX inbox_open ON inbox (recipient, seq) WHERE state IN ('queued', 'offered');

CREATE TABLE receipts (
    seq       BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id   TEXT    NOT NULL,
    recipient TEXT    NOT NULL,
    state     TEXT    NOT NULL,
    via       TEXT,
    at        BIGINT  NOT NULL
);

CREATE INDEX receipts_by_item ON receipts (item_id);

ALTER TABLE peers ADD COLUMN transcript_path TEXT;
ALTER TABLE peers DROP COLUMN hook_ancestors;
