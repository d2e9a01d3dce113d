-- +goose Up
-- Counters by the day answer counts over days, weeks and months, and the
-- dashboard, in a thirtieth of the rows of the hourly ones: event_daily
-- by company, source and state, event_type_daily with the event type too,
-- which replaces event_type_hourly (no page counts event types by the
-- hour). event_hourly stays for the last day's chart and finer ranges.
--
-- event_hours keeps the smallest and largest event id received in each
-- hour, so that a list bounded in time seeks straight to its ids instead
-- of walking every newer event. Bounds stay valid when events are
-- removed: they only widen.

DROP TRIGGER event_type_hourly_delete;
DROP TRIGGER event_type_hourly_move;
DROP TRIGGER event_type_hourly_insert;
DROP TABLE event_type_hourly;

CREATE TABLE event_daily (
    day        TEXT NOT NULL, -- 2006-01-02
    company_id INTEGER NOT NULL,
    source     TEXT NOT NULL,
    state      TEXT NOT NULL,
    n          INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (day, company_id, source, state)
);

-- +goose StatementBegin
CREATE TRIGGER event_daily_insert
AFTER INSERT ON events
BEGIN
    INSERT INTO event_daily (day, company_id, source, state, n)
    VALUES (substr(NEW.received_at, 1, 10), NEW.company_id, NEW.source,
            NEW.state, 1)
    ON CONFLICT (day, company_id, source, state) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER event_daily_move
AFTER UPDATE OF state ON events
WHEN OLD.state <> NEW.state
BEGIN
    UPDATE event_daily
    SET n = n - 1
    WHERE day = substr(OLD.received_at, 1, 10)
      AND company_id = OLD.company_id
      AND source = OLD.source
      AND state = OLD.state;
    INSERT INTO event_daily (day, company_id, source, state, n)
    VALUES (substr(NEW.received_at, 1, 10), NEW.company_id, NEW.source,
            NEW.state, 1)
    ON CONFLICT (day, company_id, source, state) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER event_daily_delete
AFTER DELETE ON events
BEGIN
    UPDATE event_daily
    SET n = n - 1
    WHERE day = substr(OLD.received_at, 1, 10)
      AND company_id = OLD.company_id
      AND source = OLD.source
      AND state = OLD.state;
END;
-- +goose StatementEnd

INSERT INTO event_daily (day, company_id, source, state, n)
SELECT substr(received_at, 1, 10), company_id, source, state, count(*)
FROM events
GROUP BY 1, 2, 3, 4;

CREATE TABLE event_type_daily (
    day        TEXT NOT NULL, -- 2006-01-02
    company_id INTEGER NOT NULL,
    source     TEXT NOT NULL,
    event_type TEXT NOT NULL,
    state      TEXT NOT NULL,
    n          INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (day, company_id, source, event_type, state)
);

-- +goose StatementBegin
CREATE TRIGGER event_type_daily_insert
AFTER INSERT ON events
BEGIN
    INSERT INTO event_type_daily (day, company_id, source, event_type, state,
        n)
    VALUES (substr(NEW.received_at, 1, 10), NEW.company_id, NEW.source,
            NEW.event_type, NEW.state, 1)
    ON CONFLICT (day, company_id, source, event_type, state)
    DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER event_type_daily_move
AFTER UPDATE OF state ON events
WHEN OLD.state <> NEW.state
BEGIN
    UPDATE event_type_daily
    SET n = n - 1
    WHERE day = substr(OLD.received_at, 1, 10)
      AND company_id = OLD.company_id
      AND source = OLD.source
      AND event_type = OLD.event_type
      AND state = OLD.state;
    INSERT INTO event_type_daily (day, company_id, source, event_type, state,
        n)
    VALUES (substr(NEW.received_at, 1, 10), NEW.company_id, NEW.source,
            NEW.event_type, NEW.state, 1)
    ON CONFLICT (day, company_id, source, event_type, state)
    DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER event_type_daily_delete
AFTER DELETE ON events
BEGIN
    UPDATE event_type_daily
    SET n = n - 1
    WHERE day = substr(OLD.received_at, 1, 10)
      AND company_id = OLD.company_id
      AND source = OLD.source
      AND event_type = OLD.event_type
      AND state = OLD.state;
END;
-- +goose StatementEnd

INSERT INTO event_type_daily (day, company_id, source, event_type, state, n)
SELECT substr(received_at, 1, 10), company_id, source, event_type, state, count(*)
FROM events
GROUP BY 1, 2, 3, 4, 5;

CREATE TABLE event_hours (
    hour   TEXT PRIMARY KEY, -- 2006-01-02T15
    min_id INTEGER NOT NULL,
    max_id INTEGER NOT NULL
);

-- +goose StatementBegin
CREATE TRIGGER event_hours_insert
AFTER INSERT ON events
BEGIN
    INSERT INTO event_hours (hour, min_id, max_id)
    VALUES (substr(NEW.received_at, 1, 13), NEW.id, NEW.id)
    ON CONFLICT (hour) DO UPDATE
    SET min_id = min(min_id, excluded.min_id),
        max_id = max(max_id, excluded.max_id);
END;
-- +goose StatementEnd

INSERT INTO event_hours (hour, min_id, max_id)
SELECT substr(received_at, 1, 13), min(id), max(id)
FROM events
GROUP BY 1;

-- +goose Down
DROP TRIGGER event_hours_insert;
DROP TABLE event_hours;
DROP TRIGGER event_type_daily_delete;
DROP TRIGGER event_type_daily_move;
DROP TRIGGER event_type_daily_insert;
DROP TABLE event_type_daily;
DROP TRIGGER event_daily_delete;
DROP TRIGGER event_daily_move;
DROP TRIGGER event_daily_insert;
DROP TABLE event_daily;
