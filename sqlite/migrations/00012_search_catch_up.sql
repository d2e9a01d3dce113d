-- +goose Up
-- The search index is no longer written in the transaction of each
-- event: indexing the payload text cost a third of the writer's time on
-- the ingest path. A background indexer, and every search before it
-- runs, index the events past search_progress instead, so that a search
-- still sees every event stored before it.
DROP TRIGGER events_fts_insert;

CREATE TABLE search_progress (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    last_event_id INTEGER NOT NULL
);

-- Every event stored so far was indexed by the trigger.
INSERT INTO search_progress (id, last_event_id)
SELECT 1, coalesce(max(id), 0) FROM events;

-- +goose Down
-- Index what the indexer had not reached, since the trigger will only
-- index events stored from now on.
INSERT INTO events_fts (rowid, event_type, ref, payload)
SELECT id, event_type, ref, CAST(payload AS TEXT)
FROM events
WHERE id > (SELECT last_event_id FROM search_progress WHERE id = 1);

DROP TABLE search_progress;

-- +goose StatementBegin
CREATE TRIGGER events_fts_insert
AFTER INSERT ON events
BEGIN
    INSERT INTO events_fts (rowid, event_type, ref, payload)
    VALUES (NEW.id, NEW.event_type, NEW.ref, CAST(NEW.payload AS TEXT));
END;
-- +goose StatementEnd
