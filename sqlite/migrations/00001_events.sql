-- +goose Up
-- Times are UTC text of fixed width (2006-01-02T15:04:05.000000Z), so that
-- they sort and compare as strings and read well in the sqlite3 shell.

CREATE TABLE companies (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE CHECK (trim(name) <> ''),
    created_at TEXT NOT NULL
);

INSERT INTO companies (id, name, created_at)
VALUES (1, 'Default', strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'));

-- AUTOINCREMENT: an id is never given twice, even after old events are
-- removed, so that an id an operator noted always means one event.
CREATE TABLE events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id    INTEGER NOT NULL REFERENCES companies (id),
    source        TEXT NOT NULL
                  CHECK (source IN ('n8n', 'github', 'slack', 'custom')),
    source_name   TEXT NOT NULL,
    event_type    TEXT NOT NULL CHECK (trim(event_type) <> ''),
    ref           TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL DEFAULT 'received'
                  CHECK (state IN ('received', 'processing', 'processed',
                                   'failed', 'ignored')),
    payload       BLOB NOT NULL,
    error_message TEXT NOT NULL DEFAULT '',
    notes         TEXT NOT NULL DEFAULT '',
    received_at   TEXT NOT NULL,
    processed_at  TEXT,
    updated_at    TEXT NOT NULL,
    CHECK (state <> 'failed' OR error_message <> ''),
    CHECK (state <> 'processed' OR processed_at IS NOT NULL)
);

CREATE INDEX events_company ON events (company_id, id);
CREATE INDEX events_state ON events (state, id);
CREATE INDEX events_source ON events (source, id);
CREATE INDEX events_event_type ON events (event_type, id);
CREATE INDEX events_ref ON events (ref, id);
CREATE INDEX events_received_at ON events (received_at);

-- The allowed moves, the same table as the domain package's. A state
-- change that is not in it is refused here too, whoever writes the row.
-- +goose StatementBegin
CREATE TRIGGER events_state_move
BEFORE UPDATE OF state ON events
WHEN OLD.state <> NEW.state
 AND OLD.state || '>' || NEW.state NOT IN (
     'received>processing', 'received>processed', 'received>ignored',
     'processing>processed', 'processing>failed', 'processing>received',
     'processing>ignored',
     'failed>ignored', 'failed>received',
     'ignored>received',
     'processed>received')
BEGIN
    SELECT RAISE(ABORT, 'state move not allowed');
END;
-- +goose StatementEnd

CREATE TABLE event_history (
    id         INTEGER PRIMARY KEY,
    event_id   INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    from_state TEXT,
    to_state   TEXT NOT NULL,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL CHECK (actor <> ''),
    reason     TEXT NOT NULL DEFAULT '',
    CHECK (
        (from_state IS NULL AND to_state = 'received')
        -- IS NOT NULL first: with a NULL from_state the concatenation is
        -- NULL, and a CHECK that is NULL passes.
        OR from_state IS NOT NULL AND from_state || '>' || to_state IN (
            'received>processing', 'received>processed', 'received>ignored',
            'processing>processed', 'processing>failed', 'processing>received',
            'processing>ignored',
            'failed>ignored', 'failed>received',
            'ignored>received',
            'processed>received')
    ),
    CHECK (to_state <> 'failed' OR reason <> '')
);

CREATE INDEX event_history_event ON event_history (event_id, id);

-- The request that carried each event, secrets redacted, kept apart from
-- events so that listing events never reads the raw bodies.
CREATE TABLE deliveries (
    event_id    INTEGER PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    remote_addr TEXT NOT NULL,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    headers     TEXT NOT NULL, -- a JSON object of name to list of values
    body        BLOB NOT NULL
);

CREATE TABLE rejections (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    remote_addr TEXT NOT NULL,
    path        TEXT NOT NULL,
    source      TEXT NOT NULL DEFAULT '',
    cause       TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT ''
);

CREATE INDEX rejections_at ON rejections (at);
CREATE INDEX rejections_cause ON rejections (cause, id);

-- +goose Down
DROP TABLE rejections;
DROP TABLE deliveries;
DROP TABLE event_history;
DROP TABLE events;
DROP TABLE companies;
