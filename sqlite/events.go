package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

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
	row := &eventRow{NewEvent: e, at: formatTime(now())}
	if len(row.Payload) == 0 {
		row.Payload = emptyPayload
	}
	var err error
	if row.headers, err = json.Marshal(e.Delivery.Header); err != nil {
		return 0, false, fmt.Errorf("encode delivery headers: %w", err)
	}

	err = s.events.Add(ctx, row)
	if isForeignKeyViolation(err) {
		return 0, false, connectors.Errorf(connectors.ENOTFOUND,
			"company %d not found", e.CompanyID)
	}
	if err != nil {
		return 0, false, fmt.Errorf("create event: %w", err)
	}
	return row.id, !row.duplicate, nil
}

// eventRow is an event waiting for the group commit that writes it.
type eventRow struct {
	connectors.NewEvent
	at      string
	headers []byte
	// Set by insertEvents: the event's id, and whether its delivery key
	// was held already, the id then being the holder's.
	id        int64
	duplicate bool
}

// insertEvents writes the events of one group commit with one statement
// per table: with many events waiting, parsing and planning three
// statements per event would cost more than the writes themselves. An
// event whose delivery key is held, by a stored event or by one earlier
// in the batch, is skipped without failing the others, and answered with
// the holder's id.
func insertEvents(ctx context.Context, tx *sql.Tx, rows []*eventRow) error {
	inserted, err := claimKeys(ctx, tx, rows)
	if err != nil {
		return err
	}
	if len(inserted) == 0 {
		return findHolders(ctx, tx, rows)
	}
	ids, err := insertEventRows(ctx, tx, inserted)
	if err != nil {
		return err
	}
	for i, r := range inserted {
		r.id = ids[i]
	}
	if err := bindKeys(ctx, tx, inserted); err != nil {
		return err
	}
	if err := findHolders(ctx, tx, rows); err != nil {
		return err
	}

	history := make([]any, 0, 2*len(inserted))
	deliveries := make([]any, 0, 6*len(inserted))
	for _, r := range inserted {
		d := r.Delivery
		history = append(history, r.id, r.at)
		deliveries = append(deliveries,
			r.id, d.RemoteAddr, d.Method, d.Path, r.headers, nonNil(d.Body))
	}
	_, err = tx.ExecContext(ctx, `
INSERT INTO event_history (event_id, from_state, to_state, at, actor, reason)
VALUES `+values("(?, NULL, 'received', ?, 'system', '')", len(inserted)),
		history...)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
INSERT INTO deliveries (event_id, remote_addr, method, path, headers, body)
VALUES `+values("(?, ?, ?, ?, ?, ?)", len(inserted)), deliveries...)
	return err
}

// insertEventRows inserts the events and returns their ids in the order
// of rows. SQLite inserts the rows of a VALUES list in order and
// AUTOINCREMENT gives each a larger id than the last, so the ids, sorted,
// line up with rows.
func insertEventRows(ctx context.Context, tx *sql.Tx, rows []*eventRow) ([]int64, error) {
	args := make([]any, 0, 8*len(rows))
	for _, r := range rows {
		args = append(args, r.CompanyID, string(r.Source), r.SourceName,
			r.EventType, r.Ref, []byte(r.Payload), r.at, r.at)
	}
	res, err := tx.QueryContext(ctx, `
INSERT INTO events (
    company_id, source, source_name, event_type, ref,
    payload, received_at, updated_at
)
VALUES `+values("(?, ?, ?, ?, ?, ?, ?, ?)", len(rows))+`
RETURNING id`, args...)
	if err != nil {
		return nil, err
	}
	defer res.Close()

	ids := make([]int64, 0, len(rows))
	for res.Next() {
		var id int64
		if err := res.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := res.Err(); err != nil {
		return nil, err
	}
	if len(ids) != len(rows) {
		return nil, fmt.Errorf("inserted %d events, got %d ids", len(rows), len(ids))
	}
	slices.Sort(ids)
	return ids, nil
}

// deliveryKeyOf is a row's key in event_delivery_keys.
type deliveryKeyOf struct {
	companyID int64
	source    string
	key       string
}

func keyOf(r *eventRow) deliveryKeyOf {
	return deliveryKeyOf{r.CompanyID, string(r.Source), r.DeliveryKey}
}

// claimKeys takes the delivery keys of the rows that carry one, skipping
// a key held already, by a stored event or by a row earlier in the
// batch. It marks the rows whose key was held as duplicates and returns
// the others, the rows to insert.
func claimKeys(ctx context.Context, tx *sql.Tx, rows []*eventRow) (
	[]*eventRow, error) {
	var args []any
	for _, r := range rows {
		r.id, r.duplicate = 0, false // a retried batch runs this again
		if r.DeliveryKey != "" {
			args = append(args, r.CompanyID, string(r.Source), r.DeliveryKey)
		}
	}
	if len(args) == 0 {
		return rows, nil
	}
	claimed, err := insertKeys(ctx, tx, args)
	if err != nil {
		return nil, err
	}
	insert := make([]*eventRow, 0, len(rows))
	for _, r := range rows {
		k := keyOf(r)
		if r.DeliveryKey == "" || claimed[k] {
			delete(claimed, k) // a later copy in the batch is a duplicate
			insert = append(insert, r)
			continue
		}
		r.duplicate = true
	}
	return insert, nil
}

// insertKeys inserts the keys, each a company, source and key in args,
// and returns those that were free.
func insertKeys(ctx context.Context, tx *sql.Tx, args []any) (
	map[deliveryKeyOf]bool, error) {
	res, err := tx.QueryContext(ctx, `
INSERT INTO event_delivery_keys (company_id, source, delivery_key)
VALUES `+values("(?, ?, ?)", len(args)/3)+`
ON CONFLICT DO NOTHING
RETURNING company_id, source, delivery_key`, args...)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	claimed := make(map[deliveryKeyOf]bool, len(args)/3)
	for res.Next() {
		var k deliveryKeyOf
		if err := res.Scan(&k.companyID, &k.source, &k.key); err != nil {
			return nil, err
		}
		claimed[k] = true
	}
	return claimed, res.Err()
}

// bindKeys points the keys claimed by the inserted rows at their events.
func bindKeys(ctx context.Context, tx *sql.Tx, inserted []*eventRow) error {
	for _, r := range inserted {
		if r.DeliveryKey == "" {
			continue
		}
		_, err := tx.ExecContext(ctx, `
UPDATE event_delivery_keys
SET event_id = ?
WHERE company_id = ?
  AND source = ?
  AND delivery_key = ?`, r.id, r.CompanyID, string(r.Source), r.DeliveryKey)
		if err != nil {
			return err
		}
	}
	return nil
}

// findHolders sets the id of each duplicate row to the id of the event
// that holds its key, stored before or earlier in this batch.
func findHolders(ctx context.Context, tx *sql.Tx, rows []*eventRow) error {
	for _, r := range rows {
		if !r.duplicate {
			continue
		}
		err := tx.QueryRowContext(ctx, `
SELECT event_id
FROM event_delivery_keys
WHERE company_id = ?
  AND source = ?
  AND delivery_key = ?`, r.CompanyID, string(r.Source), r.DeliveryKey,
		).Scan(&r.id)
		if err != nil {
			return fmt.Errorf("find the event holding a delivery key: %w", err)
		}
	}
	return nil
}

// values repeats a VALUES tuple n times.
func values(tuple string, n int) string {
	var b strings.Builder
	b.Grow(n * (len(tuple) + 2))
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
	}
	return b.String()
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

// Event returns the event with the given id.
func (s *Store) Event(ctx context.Context, id int64) (connectors.Event, error) {
	return eventByID(ctx, s.read, id)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func eventByID(ctx context.Context, q querier, id int64) (connectors.Event, error) {
	row := q.QueryRowContext(ctx,
		`SELECT`+eventColumns+` FROM events WHERE id = ?`, id)
	e, err := scanEvent(row)
	if errors.Is(err, sql.ErrNoRows) {
		return e, connectors.Errorf(connectors.ENOTFOUND, "event %d not found", id)
	}
	if err != nil {
		return e, fmt.Errorf("event %d: %w", id, err)
	}
	return e, nil
}

func scanEvent(row scanner) (connectors.Event, error) {
	var e connectors.Event
	var source, state, received, updated string
	var processed sql.NullString
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
	if e.ReceivedAt, err = parseTime(received); err != nil {
		return e, err
	}
	if e.UpdatedAt, err = parseTime(updated); err != nil {
		return e, err
	}
	if processed.Valid {
		if e.ProcessedAt, err = parseTime(processed.String); err != nil {
			return e, err
		}
	}
	return e, nil
}

// Events returns the events that match f, newest first.
func (s *Store) Events(ctx context.Context, f connectors.EventFilter) ([]connectors.Event, error) {
	if err := s.searchable(ctx, f); err != nil {
		return nil, err
	}
	ids, found, err := s.timeBounds(ctx, f)
	if err != nil || !found {
		return nil, err
	}
	from, where, args := eventQuery(f)
	where, args = ids.conditions(f, where, args)
	q := `SELECT` + qualified(eventColumns) + from + whereClause(where) + `
ORDER BY ` + eventOrder(f) + ` DESC
LIMIT ?`
	args = append(args, connectors.Bounded(f.Limit))

	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()

	var list []connectors.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		list = append(list, e)
	}
	return list, rows.Err()
}

// qualified prefixes each column of a list with the events alias e.
func qualified(columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = strings.Replace(p, strings.TrimSpace(p), "e."+strings.TrimSpace(p), 1)
	}
	return strings.Join(parts, ",")
}

// eventQuery returns the FROM clause and conditions that select f's
// events as e. A search walks the full-text index newest first, joined to
// the events, so that a page stops after its rows whatever the table's
// size.
func eventQuery(f connectors.EventFilter) (string, []string, []any) {
	where, args := eventConditions(f)
	match := searchQuery(f.Search)
	if match == "" {
		return "\nFROM events e", where, args
	}
	where = append([]string{"events_fts MATCH ?"}, where...)
	args = append([]any{match}, args...)
	if f.BeforeID > 0 {
		where = append(where, "events_fts.rowid < ?")
		args = append(args, f.BeforeID)
	}
	return "\nFROM events_fts\nJOIN events e ON e.id = events_fts.rowid", where, args
}

// eventOrder is the column that orders f's events newest first. A search
// orders by the index's rowid, the same id, so that SQLite walks the index
// in that order and stops at the page's end instead of sorting every
// match.
func eventOrder(f connectors.EventFilter) string {
	if searchQuery(f.Search) != "" {
		return "events_fts.rowid"
	}
	return "e.id"
}

// searchable brings the search index up to date before a search, so
// that it finds every event stored before it began. If that fails (the
// file cannot be written now), the search goes on over what is indexed,
// and the failure is logged: a search must not need a writable store.
func (s *Store) searchable(ctx context.Context, f connectors.EventFilter) error {
	if searchQuery(f.Search) == "" {
		return nil
	}
	if _, err := s.indexSearch(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.logger.Error("search without the newest events", "error", err.Error())
	}
	return nil
}

// searchQuery turns what an operator typed into an FTS5 query: every word
// must appear, each taken as a quoted phrase so that no word is read as
// query syntax.
func searchQuery(text string) string {
	var terms []string
	for _, w := range strings.Fields(text) {
		terms = append(terms, `"`+strings.ReplaceAll(w, `"`, `""`)+`"`)
	}
	return strings.Join(terms, " ")
}

func eventConditions(f connectors.EventFilter) ([]string, []any) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.CompanyIDs != nil {
		cond, ids := inList("e.company_id", f.CompanyIDs)
		where, args = append(where, cond), append(args, ids...)
	}
	if f.State != "" {
		add("e.state = ?", string(f.State))
	}
	if f.Source != "" {
		add("e.source = ?", string(f.Source))
	}
	if f.EventType != "" {
		add("e.event_type = ?", f.EventType)
	}
	if f.Ref != "" {
		add("e.ref = ?", f.Ref)
	}
	if !f.Since.IsZero() {
		add("e.received_at >= ?", formatTime(f.Since))
	}
	if !f.Until.IsZero() {
		add("e.received_at < ?", formatTime(f.Until))
	}
	if f.BeforeID > 0 {
		add("e.id < ?", f.BeforeID)
	}
	return where, args
}

// Delivery returns the request that carried the event.
func (s *Store) Delivery(ctx context.Context, eventID int64) (connectors.Delivery, error) {
	var d connectors.Delivery
	var headers []byte
	err := s.read.QueryRowContext(ctx, `
SELECT remote_addr, method, path, headers, body
FROM deliveries
WHERE event_id = ?`, eventID,
	).Scan(&d.RemoteAddr, &d.Method, &d.Path, &headers, &d.Body)
	if errors.Is(err, sql.ErrNoRows) {
		return d, connectors.Errorf(connectors.ENOTFOUND,
			"no delivery kept for event %d", eventID)
	}
	if err != nil {
		return d, fmt.Errorf("delivery of event %d: %w", eventID, err)
	}
	if err := json.Unmarshal(headers, &d.Header); err != nil {
		return d, fmt.Errorf("delivery of event %d: headers: %w", eventID, err)
	}
	return d, nil
}

// History returns the event's moves, oldest first.
func (s *Store) History(ctx context.Context, eventID int64) ([]connectors.Transition, error) {
	rows, err := s.read.QueryContext(ctx, `
SELECT id, event_id, from_state, to_state, at, actor, reason
FROM event_history
WHERE event_id = ?
ORDER BY id`, eventID)
	if err != nil {
		return nil, fmt.Errorf("history of event %d: %w", eventID, err)
	}
	defer rows.Close()

	var list []connectors.Transition
	for rows.Next() {
		var t connectors.Transition
		var from sql.NullString
		var to, at, actor string
		err := rows.Scan(&t.ID, &t.EventID, &from, &to, &at, &actor, &t.Reason)
		if err != nil {
			return nil, fmt.Errorf("history of event %d: %w", eventID, err)
		}
		t.From, t.To, t.Actor = connectors.State(from.String), connectors.State(to), connectors.Actor(actor)
		if t.At, err = parseTime(at); err != nil {
			return nil, err
		}
		list = append(list, t)
	}
	return list, rows.Err()
}

const insertHistorySQL = `
INSERT INTO event_history (event_id, from_state, to_state, at, actor, reason)
VALUES (?, ?, ?, ?, ?, ?)`

// moveEventSQL applies a move only from the state it was checked against.
// The error message is set on failed, kept on ignored, cleared otherwise;
// processed_at is set on processed and cleared on any other state.
const moveEventSQL = `
UPDATE events
SET state = ?1,
    error_message = CASE ?1
        WHEN 'failed' THEN ?2
        WHEN 'ignored' THEN error_message
        ELSE ''
    END,
    processed_at = CASE ?1 WHEN 'processed' THEN ?3 ELSE NULL END,
    updated_at = ?3
WHERE id = ?4
  AND state = ?5`

// MoveEvent applies m and writes its history row in the same transaction.
func (s *Store) MoveEvent(ctx context.Context, m connectors.Move) (connectors.Event, error) {
	var moved connectors.Event
	err := s.writer.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var from string
		err := tx.QueryRowContext(ctx,
			`SELECT state FROM events WHERE id = ?`, m.EventID).Scan(&from)
		if errors.Is(err, sql.ErrNoRows) {
			return connectors.Errorf(connectors.ENOTFOUND, "event %d not found", m.EventID)
		}
		if err != nil {
			return err
		}
		if err := m.Check(connectors.State(from)); err != nil {
			return err
		}

		at := formatTime(now())
		_, err = tx.ExecContext(ctx, moveEventSQL,
			string(m.To), m.Reason, at, m.EventID, from)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, insertHistorySQL,
			m.EventID, from, string(m.To), at, string(m.Actor), m.Reason)
		if err != nil {
			return err
		}
		moved, err = eventByID(ctx, tx, m.EventID)
		return err
	})
	if err != nil {
		return connectors.Event{}, moveError(m, err)
	}
	return moved, nil
}

func moveError(m connectors.Move, err error) error {
	var e *connectors.Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("move event %d to %s: %w", m.EventID, m.To, err)
}
