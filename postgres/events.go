package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// emptyPayload is stored for an event that came without one.
var emptyPayload = []byte("{}")

// CreateEvent stores e in state received, with its delivery and its first
// history row, and returns its id once the commit that holds it is done.
// An event whose delivery key is held already is not stored: the id
// returned is the holder's.
func (s *Store) CreateEvent(ctx context.Context, e connectors.NewEvent) (int64, error) {
	id, _, err := s.CreateEventOnce(ctx, e)
	return id, err
}

// CreateEventOnce is CreateEvent that tells whether the event was created
// or its delivery key was held by an earlier event, whose id it returns.
func (s *Store) CreateEventOnce(ctx context.Context, e connectors.NewEvent) (int64, bool, error) {
	if err := e.Validate(); err != nil {
		return 0, false, err
	}
	row := &eventRow{NewEvent: e, at: now()}
	if len(row.Payload) == 0 {
		row.Payload = emptyPayload
	}
	headers, err := json.Marshal(e.Delivery.Header)
	if err != nil {
		return 0, false, fmt.Errorf("encode delivery headers: %w", err)
	}
	row.headers = string(headers)

	err = s.events.Add(ctx, row)
	if isNoPartition(err) {
		// The month has no partition yet: the daily upkeep has not run
		// since the clock passed the months made ahead. Make it and
		// try once more rather than refuse the event.
		if err = s.EnsurePartitions(ctx, row.at); err == nil {
			err = s.events.Add(ctx, row)
		}
	}
	if isForeignKeyViolation(err) {
		return 0, false, connectors.Errorf(connectors.ENOTFOUND,
			"company %d not found", e.CompanyID)
	}
	if err != nil {
		return 0, false, storeError("create event", err)
	}
	return row.id, !row.duplicate, nil
}

// eventRow is an event waiting for the group commit that writes it.
type eventRow struct {
	connectors.NewEvent
	at      time.Time
	headers string
	// Set by insertEvents: the event's id, and whether its delivery key
	// was held already, the id then being the holder's.
	id        int64
	duplicate bool
}

// insertEventsSQL writes the events of one group commit, their arrival
// rows and their deliveries in one statement, from one array per column:
// one round trip whatever the batch size. The ids come first, from the
// sequence, so that each caller learns its own.
const insertEventsSQL = `
WITH batch AS (
    SELECT *
    FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[],
                $5::text[], $6::text[], $7::bytea[], $8::timestamptz[],
                $9::text[], $10::text[], $11::text[], $12::text[],
                $13::bytea[], $14::text[])
        AS b(id, company_id, source, source_name, event_type, ref, payload,
             at, remote_addr, method, path, headers, body, delivery_key)
), event AS (
    INSERT INTO events (
        id, company_id, source, source_name, event_type, ref,
        payload, received_at, updated_at, delivery_key
    )
    SELECT id, company_id, source, source_name, event_type, ref,
           payload, at, at, NULLIF(delivery_key, '')
    FROM batch
), arrival AS (
    INSERT INTO event_history (
        event_id, received_at, from_state, to_state, at, actor, reason
    )
    SELECT id, at, NULL, 'received', at, 'system', ''
    FROM batch
)
INSERT INTO deliveries (
    event_id, received_at, remote_addr, method, path, headers, body
)
SELECT id, at, remote_addr, method, path, headers, body
FROM batch`

// insertEvents writes the events of one group commit. An event whose
// delivery key is held, by a stored event or one earlier in the batch,
// is skipped without failing the others (see claimKeys).
func insertEvents(ctx context.Context, tx *sql.Tx, rows []*eventRow) error {
	ids, err := nextIDs(ctx, tx, len(rows))
	if err != nil {
		return err
	}
	for i, r := range rows {
		r.id = ids[i]
	}
	if rows, err = claimKeys(ctx, tx, rows); err != nil || len(rows) == 0 {
		return err
	}
	var c eventColumnsOf
	for _, r := range rows {
		c.add(r)
	}
	_, err = tx.ExecContext(ctx, insertEventsSQL, c.id, c.company, c.source,
		c.sourceName, c.eventType, c.ref, c.payload, c.at, c.remoteAddr,
		c.method, c.path, c.headers, c.body, c.deliveryKey)
	return err
}

// nextIDs takes n event ids from the sequence.
func nextIDs(ctx context.Context, tx *sql.Tx, n int) ([]int64, error) {
	rows, err := tx.QueryContext(ctx,
		`SELECT nextval('events_id_seq') FROM generate_series(1, $1)`, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make([]int64, 0, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// eventColumnsOf holds a batch of events column by column, as the arrays
// of insertEventsSQL.
type eventColumnsOf struct {
	id, company                        []int64
	source, sourceName, eventType, ref []string
	payload, body                      [][]byte
	at                                 []time.Time
	remoteAddr, method, path, headers  []string
	deliveryKey                        []string // "" for none
}

func (c *eventColumnsOf) add(r *eventRow) {
	d := r.Delivery
	c.id = append(c.id, r.id)
	c.company = append(c.company, r.CompanyID)
	c.source = append(c.source, string(r.Source))
	c.sourceName = append(c.sourceName, r.SourceName)
	c.eventType = append(c.eventType, r.EventType)
	c.ref = append(c.ref, r.Ref)
	c.payload = append(c.payload, r.Payload)
	c.at = append(c.at, r.at)
	c.remoteAddr = append(c.remoteAddr, d.RemoteAddr)
	c.method = append(c.method, d.Method)
	c.path = append(c.path, d.Path)
	c.headers = append(c.headers, r.headers)
	c.body = append(c.body, nonNil(d.Body))
	c.deliveryKey = append(c.deliveryKey, r.DeliveryKey)
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

const eventColumns = `
    id, company_id, source, source_name, event_type, ref, state, payload,
    error_message, notes, received_at, processed_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Event returns the event with the given id.
func (s *Store) Event(ctx context.Context, id int64) (connectors.Event, error) {
	return eventByID(ctx, s.pool, id)
}

func eventByID(ctx context.Context, q querier, id int64) (connectors.Event, error) {
	row := q.QueryRowContext(ctx,
		`SELECT`+eventColumns+` FROM events WHERE id = $1`, id)
	e, err := scanEvent(row)
	if errors.Is(err, sql.ErrNoRows) {
		return e, connectors.Errorf(connectors.ENOTFOUND, "event %d not found", id)
	}
	if err != nil {
		return e, storeError(fmt.Sprintf("event %d", id), err)
	}
	return e, nil
}

func scanEvent(row scanner) (connectors.Event, error) {
	var e connectors.Event
	var source, state string
	var received, processed, updated sql.NullTime
	var payload []byte
	err := row.Scan(&e.ID, &e.CompanyID, &source, &e.SourceName,
		&e.EventType, &e.Ref, &state, &payload, &e.ErrorMessage, &e.Notes,
		&received, &processed, &updated)
	if err != nil {
		return e, err
	}
	e.Source = connectors.Source(source)
	e.State = connectors.State(state)
	e.Payload = json.RawMessage(payload)
	e.ReceivedAt, e.ProcessedAt, e.UpdatedAt = utc(received), utc(processed), utc(updated)
	return e, nil
}

// Events returns the events that match f, newest first.
func (s *Store) Events(ctx context.Context, f connectors.EventFilter) ([]connectors.Event, error) {
	var w where
	eventConditions(&w, f)
	q := `SELECT` + eventColumns + `
FROM events` + w.clause() + `
ORDER BY id DESC
LIMIT ` + w.arg(connectors.Bounded(f.Limit))

	rows, err := s.pool.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, storeError("list events", err)
	}
	defer rows.Close()

	var list []connectors.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, storeError("list events", err)
		}
		list = append(list, e)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError("list events", err)
	}
	return list, nil
}

func eventConditions(w *where, f connectors.EventFilter) {
	if f.CompanyIDs != nil {
		w.add("company_id = ANY(%s)", f.CompanyIDs)
	}
	if f.State != "" {
		w.add("state = %s", string(f.State))
	}
	if f.Source != "" {
		w.add("source = %s", string(f.Source))
	}
	if f.EventType != "" {
		w.add("event_type = %s", f.EventType)
	}
	if f.Ref != "" {
		w.add("ref = %s", f.Ref)
	}
	if !f.Since.IsZero() {
		w.add("received_at >= %s", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		w.add("received_at < %s", f.Until.UTC())
	}
	if f.BeforeID > 0 {
		w.add("id < %s", f.BeforeID)
	}
	// Search keeps events whose text holds every word, in any case. The
	// full-text index (migration 00013) narrows the events to those
	// holding the word's letters-and-digits runs as words; the exact
	// check then reads only those.
	for _, word := range strings.Fields(f.Search) {
		lower := strings.ToLower(word)
		if q := searchWords(lower); q != "" {
			w.add(searchVector+" @@ to_tsquery('simple', %s)", q)
		}
		w.add(searchText+" > 0", lower)
	}
}

// searchVector is the expression of the index events_search, written
// the same, so that the planner uses the index.
const searchVector = `to_tsvector('simple', regexp_replace(
    lower(event_type || ' ' || ref || ' ' || encode(payload, 'escape')),
    '[^[:alnum:]]+', ' ', 'g'))`

// searchWords returns the tsquery that narrows a search for word: its
// runs of ASCII letters and digits, all required. A word with other
// characters gets none, and is found by the exact check alone: what
// counts as a letter beyond ASCII depends on the database's locale, and
// a query word the index does not hold would miss events.
func searchWords(word string) string {
	var runs []string
	for _, r := range word {
		if r > unicode.MaxASCII {
			return ""
		}
	}
	for _, run := range strings.FieldsFunc(word, func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9')
	}) {
		runs = append(runs, run)
	}
	return strings.Join(runs, " & ")
}

// searchText finds %s in what search reads of an event. encode(...,
// 'escape') reads any payload as text, even bytes that are not UTF-8.
const searchText = `strpos(lower(event_type || ' ' || ref || ' ' ||
    encode(payload, 'escape')), %s)`

// where gathers the conditions of a query and numbers their parameters.
type where struct {
	conds []string
	args  []any
}

// arg adds a parameter and returns its placeholder.
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

// add adds a condition whose one %s is the placeholder of v.
func (w *where) add(cond string, v any) {
	w.conds = append(w.conds, fmt.Sprintf(cond, w.arg(v)))
}

func (w *where) clause() string {
	if len(w.conds) == 0 {
		return ""
	}
	return "\nWHERE " + strings.Join(w.conds, "\n  AND ")
}

// Delivery returns the request that carried the event.
func (s *Store) Delivery(ctx context.Context, eventID int64) (connectors.Delivery, error) {
	var d connectors.Delivery
	var headers string
	err := s.pool.QueryRowContext(ctx, `
SELECT remote_addr, method, path, headers, body
FROM deliveries
WHERE event_id = $1`, eventID,
	).Scan(&d.RemoteAddr, &d.Method, &d.Path, &headers, &d.Body)
	if errors.Is(err, sql.ErrNoRows) {
		return d, connectors.Errorf(connectors.ENOTFOUND,
			"no delivery kept for event %d", eventID)
	}
	if err != nil {
		return d, storeError(fmt.Sprintf("delivery of event %d", eventID), err)
	}
	if err := json.Unmarshal([]byte(headers), &d.Header); err != nil {
		return d, fmt.Errorf("delivery of event %d: headers: %w", eventID, err)
	}
	return d, nil
}

// History returns the event's moves, oldest first.
func (s *Store) History(ctx context.Context, eventID int64) ([]connectors.Transition, error) {
	rows, err := s.pool.QueryContext(ctx, `
SELECT id, event_id, from_state, to_state, at, actor, reason
FROM event_history
WHERE event_id = $1
ORDER BY id`, eventID)
	if err != nil {
		return nil, storeError(fmt.Sprintf("history of event %d", eventID), err)
	}
	defer rows.Close()

	var list []connectors.Transition
	for rows.Next() {
		t, err := scanTransition(rows)
		if err != nil {
			return nil, storeError(fmt.Sprintf("history of event %d", eventID), err)
		}
		list = append(list, t)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError(fmt.Sprintf("history of event %d", eventID), err)
	}
	return list, nil
}

func scanTransition(row scanner) (connectors.Transition, error) {
	var t connectors.Transition
	var from sql.NullString
	var to, actor string
	var at sql.NullTime
	err := row.Scan(&t.ID, &t.EventID, &from, &to, &at, &actor, &t.Reason)
	if err != nil {
		return t, err
	}
	t.From, t.To = connectors.State(from.String), connectors.State(to)
	t.Actor, t.At = connectors.Actor(actor), utc(at)
	return t, nil
}
