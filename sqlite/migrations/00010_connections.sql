-- +goose Up
-- Connections of providers to /hooks/<slug>, and the delivery key that
-- makes a redelivery find its first event instead of making another.

-- secret and previous_secret are sealed (AES-GCM under the hub's secret
-- key): a signature check needs the secret itself, so it cannot be kept
-- as a hash, and the sealed form keeps a copy of the file from giving
-- the secrets away.
CREATE TABLE connections (
    id               INTEGER PRIMARY KEY,
    company_id       INTEGER NOT NULL REFERENCES companies (id),
    name             TEXT NOT NULL DEFAULT '',
    provider         TEXT NOT NULL
                     CHECK (provider IN ('github', 'slack', 'stripe',
                                         'standard', 'custom')),
    slug             TEXT NOT NULL UNIQUE CHECK (length(slug) >= 16),
    secret           BLOB NOT NULL CHECK (length(secret) > 0),
    secret_hint      TEXT NOT NULL DEFAULT '',
    previous_secret  BLOB,
    previous_until   TEXT,
    scheme_kind      TEXT NOT NULL DEFAULT ''
                     CHECK (scheme_kind IN ('', 'token', 'hmac')),
    scheme_header    TEXT NOT NULL DEFAULT '',
    scheme_algorithm TEXT NOT NULL DEFAULT '',
    scheme_encoding  TEXT NOT NULL DEFAULT '',
    scheme_prefix    TEXT NOT NULL DEFAULT '',
    max_body_bytes   INTEGER NOT NULL DEFAULT 0 CHECK (max_body_bytes >= 0),
    enabled          INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at       TEXT NOT NULL,
    CHECK ((provider = 'custom') = (scheme_kind <> '')),
    CHECK (scheme_kind = '' OR scheme_header <> '')
);

CREATE INDEX connections_company ON connections (company_id, id);

-- The delivery keys of events: a redelivery finds the event of its first
-- copy instead of making another. The primary key, not the Go code,
-- decides between two copies that arrive at the same instant. The key is
-- kept apart from events because adding a column to events makes SQLite
-- fail the first write after another process changes the schema (as
-- `migrate` beside a running hub does) with "no such table: events".
CREATE TABLE event_delivery_keys (
    company_id   INTEGER NOT NULL,
    source       TEXT NOT NULL,
    delivery_key TEXT NOT NULL
                 CHECK (length(delivery_key) BETWEEN 1 AND 255),
    -- NULL only inside the transaction that claims the key, until its
    -- event is written.
    event_id     INTEGER REFERENCES events (id) ON DELETE CASCADE,
    PRIMARY KEY (company_id, source, delivery_key)
) WITHOUT ROWID;

CREATE INDEX event_delivery_keys_event ON event_delivery_keys (event_id);

-- +goose Down
DROP TABLE event_delivery_keys;
DROP TABLE connections;
