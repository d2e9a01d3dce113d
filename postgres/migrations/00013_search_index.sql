-- +goose Up
-- Search: a full-text index of the words of each event's type, ref and
-- payload text. Words are runs of letters and digits, in lower case, so
-- that "invoice.paid" is the words invoice and paid. The index narrows a
-- search to the events holding every word of it; the exact check that
-- follows (strpos, in Go's query) keeps its meaning. An expression
-- index, not a column: nothing is rewritten, and on a partitioned table
-- it is made on every partition, those made later included.
CREATE INDEX events_search ON events USING gin (
    to_tsvector('simple', regexp_replace(
        lower(event_type || ' ' || ref || ' ' || encode(payload, 'escape')),
        '[^[:alnum:]]+', ' ', 'g'))
);

-- +goose Down
DROP INDEX events_search;
