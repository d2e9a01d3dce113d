-- +goose Up
-- The admin interface: operators, their sessions, company tokens, the
-- audit log, note edits, the counters behind the dashboard and the
-- full-text index behind search.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE CHECK (email LIKE '_%@_%'),
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'manager', 'admin')),
    password_hash BLOB NOT NULL CHECK (length(password_hash) > 0),
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    TEXT NOT NULL
);

CREATE TABLE user_companies (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    PRIMARY KEY (user_id, company_id)
);

-- id is the SHA-256 of the cookie value: the cookie itself is not kept.
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_id);

-- A token is kept as the SHA-256 of its value; sources is a
-- comma-separated list, empty for every source.
CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY,
    company_id   INTEGER NOT NULL REFERENCES companies (id),
    name         TEXT NOT NULL DEFAULT '',
    hash         TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
    sources      TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);

CREATE INDEX tokens_company ON tokens (company_id, id);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL CHECK (actor <> ''),
    action     TEXT NOT NULL CHECK (action <> ''),
    target     TEXT NOT NULL DEFAULT '',
    company_id INTEGER, -- NULL: the action concerns no one company
    detail     TEXT NOT NULL DEFAULT ''
);

CREATE INDEX audit_log_company ON audit_log (company_id, id);

-- Notes are not a state, so their edits are kept apart from the state
-- history, whose checks stay about moves only.
CREATE TABLE event_notes (
    id       INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL CHECK (actor <> ''),
    notes    TEXT NOT NULL
);

CREATE INDEX event_notes_event ON event_notes (event_id, id);

-- Failed sign-ins are counted per address over a window.
CREATE INDEX rejections_addr ON rejections (remote_addr, at);

-- The live view polls for the latest change.
CREATE INDEX events_updated_at ON events (updated_at);

-- event_hourly counts events by the hour they were received in, their
-- company, source and current state. Triggers keep it exact, so that the
-- dashboard and the counts by state, source or day read a few hundred
-- rows instead of every event.
CREATE TABLE event_hourly (
    hour       TEXT NOT NULL, -- 2006-01-02T15
    company_id INTEGER NOT NULL,
    source     TEXT NOT NULL,
    state      TEXT NOT NULL,
    n          INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (hour, company_id, source, state)
);

-- +goose StatementBegin
CREATE TRIGGER event_hourly_insert
AFTER INSERT ON events
BEGIN
    INSERT INTO event_hourly (hour, company_id, source, state, n)
    VALUES (substr(NEW.received_at, 1, 13), NEW.company_id, NEW.source,
            NEW.state, 1)
    ON CONFLICT (hour, company_id, source, state) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER event_hourly_move
AFTER UPDATE OF state ON events
WHEN OLD.state <> NEW.state
BEGIN
    UPDATE event_hourly
    SET n = n - 1
    WHERE hour = substr(OLD.received_at, 1, 13)
      AND company_id = OLD.company_id
      AND source = OLD.source
      AND state = OLD.state;
    INSERT INTO event_hourly (hour, company_id, source, state, n)
    VALUES (substr(NEW.received_at, 1, 13), NEW.company_id, NEW.source,
            NEW.state, 1)
    ON CONFLICT (hour, company_id, source, state) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER event_hourly_delete
AFTER DELETE ON events
BEGIN
    UPDATE event_hourly
    SET n = n - 1
    WHERE hour = substr(OLD.received_at, 1, 13)
      AND company_id = OLD.company_id
      AND source = OLD.source
      AND state = OLD.state;
END;
-- +goose StatementEnd

INSERT INTO event_hourly (hour, company_id, source, state, n)
SELECT substr(received_at, 1, 13), company_id, source, state, count(*)
FROM events
GROUP BY 1, 2, 3, 4;

-- Search: a contentless full-text index of the event type, ref and
-- payload text, by event id. An unbounded LIKE over every payload would
-- read the whole table.
CREATE VIRTUAL TABLE events_fts USING fts5 (
    event_type, ref, payload,
    content = '',
    contentless_delete = 1
);

-- +goose StatementBegin
CREATE TRIGGER events_fts_insert
AFTER INSERT ON events
BEGIN
    INSERT INTO events_fts (rowid, event_type, ref, payload)
    VALUES (NEW.id, NEW.event_type, NEW.ref, CAST(NEW.payload AS TEXT));
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER events_fts_delete
AFTER DELETE ON events
BEGIN
    DELETE FROM events_fts WHERE rowid = OLD.id;
END;
-- +goose StatementEnd

INSERT INTO events_fts (rowid, event_type, ref, payload)
SELECT id, event_type, ref, CAST(payload AS TEXT) FROM events;

-- +goose Down
DROP TRIGGER events_fts_delete;
DROP TRIGGER events_fts_insert;
DROP TABLE events_fts;
DROP TRIGGER event_hourly_delete;
DROP TRIGGER event_hourly_move;
DROP TRIGGER event_hourly_insert;
DROP TABLE event_hourly;
DROP INDEX events_updated_at;
DROP INDEX rejections_addr;
DROP TABLE event_notes;
DROP TABLE audit_log;
DROP TABLE tokens;
DROP TABLE sessions;
DROP TABLE user_companies;
DROP TABLE users;
