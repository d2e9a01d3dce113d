package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// archivePage is how many events export reads, and import writes, at a
// time: memory holds one page, whatever the number of events.
const archivePage = 100

// ExportEvents yields every event, by id, with its history and delivery.
func (s *Store) ExportEvents(ctx context.Context) iter.Seq2[connectors.ArchivedEvent, error] {
	return func(yield func(connectors.ArchivedEvent, error) bool) {
		var after int64
		for {
			page, err := s.exportPage(ctx, after)
			if err != nil {
				yield(connectors.ArchivedEvent{}, storeError("export events", err))
				return
			}
			for _, a := range page {
				if !yield(a, nil) {
					return
				}
			}
			if len(page) < archivePage {
				return
			}
			after = page[len(page)-1].Event.ID
		}
	}
}

// exportPage reads the events after the given id, and the history and
// deliveries of their id range.
func (s *Store) exportPage(ctx context.Context, after int64) ([]connectors.ArchivedEvent, error) {
	rows, err := s.pool.QueryContext(ctx, `SELECT`+eventColumns+`
FROM events
WHERE id > $1
ORDER BY id
LIMIT $2`, after, archivePage)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var page []connectors.ArchivedEvent
	at := map[int64]int{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		at[e.ID] = len(page)
		page = append(page, connectors.ArchivedEvent{Event: e})
	}
	if err := rows.Err(); err != nil || len(page) == 0 {
		return page, err
	}
	first, last := page[0].Event.ID, page[len(page)-1].Event.ID
	if err := s.exportHistory(ctx, page, at, first, last); err != nil {
		return nil, err
	}
	return page, s.exportDeliveries(ctx, page, at, first, last)
}

func (s *Store) exportHistory(ctx context.Context, page []connectors.ArchivedEvent,
	at map[int64]int, first, last int64) error {
	rows, err := s.pool.QueryContext(ctx, `
SELECT id, event_id, from_state, to_state, at, actor, reason
FROM event_history
WHERE event_id BETWEEN $1 AND $2
ORDER BY event_id, id`, first, last)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanTransition(rows)
		if err != nil {
			return err
		}
		if i, ok := at[t.EventID]; ok {
			page[i].History = append(page[i].History, t)
		}
	}
	return rows.Err()
}

func (s *Store) exportDeliveries(ctx context.Context, page []connectors.ArchivedEvent,
	at map[int64]int, first, last int64) error {
	rows, err := s.pool.QueryContext(ctx, `
SELECT event_id, remote_addr, method, path, headers, body
FROM deliveries
WHERE event_id BETWEEN $1 AND $2`, first, last)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var d connectors.Delivery
		var headers string
		err := rows.Scan(&id, &d.RemoteAddr, &d.Method, &d.Path, &headers, &d.Body)
		if err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(headers), &d.Header); err != nil {
			return fmt.Errorf("delivery of event %d: headers: %w", id, err)
		}
		if i, ok := at[id]; ok {
			page[i].Delivery = &d
		}
	}
	return rows.Err()
}

// ImportCompany adds c with its id, or leaves the same company as it is,
// and moves the company id sequence past it.
func (s *Store) ImportCompany(ctx context.Context, c connectors.Company) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var name string
		err := tx.QueryRowContext(ctx,
			`SELECT name FROM companies WHERE id = $1`, c.ID).Scan(&name)
		switch {
		case err == nil && name == c.Name:
			return nil
		case err == nil:
			return connectors.Errorf(connectors.ECONFLICT,
				"company %d is %q here, not %q", c.ID, name, c.Name)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		_, err = tx.ExecContext(ctx,
			`INSERT INTO companies (id, name, created_at) VALUES ($1, $2, $3)`,
			c.ID, c.Name, c.CreatedAt.UTC())
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `
SELECT setval(pg_get_serial_sequence('companies', 'id'), max(id))
FROM companies`)
		return err
	})
	if isUniqueViolation(err) {
		return connectors.Errorf(connectors.ECONFLICT,
			"a company named %q exists already with another id", c.Name)
	}
	if err != nil {
		return storeError(fmt.Sprintf("import company %d", c.ID), err)
	}
	return nil
}

// ImportEvents stores exported events a page per transaction, making the
// partitions of the months they were received in, and then moves the
// event id sequence past the highest id imported.
func (s *Store) ImportEvents(ctx context.Context,
	events iter.Seq2[connectors.ArchivedEvent, error]) (int64, error) {
	imp := importer{s: s, months: map[time.Time]bool{}}
	for a, err := range events {
		if err != nil {
			return imp.n, err
		}
		imp.page = append(imp.page, a)
		if len(imp.page) == archivePage {
			if err := imp.flush(ctx); err != nil {
				return imp.n, err
			}
		}
	}
	if err := imp.flush(ctx); err != nil {
		return imp.n, err
	}
	_, err := s.pool.ExecContext(ctx, `
SELECT setval('events_id_seq', max(id))
FROM events
HAVING max(id) > (SELECT last_value FROM events_id_seq)`)
	if err != nil {
		return imp.n, storeError("move the event id sequence", err)
	}
	return imp.n, nil
}

// importer writes the pages of one import.
type importer struct {
	s      *Store
	page   []connectors.ArchivedEvent
	months map[time.Time]bool // months whose partitions exist
	n      int64
}

func (imp *importer) flush(ctx context.Context) error {
	if len(imp.page) == 0 {
		return nil
	}
	for _, a := range imp.page {
		if err := imp.ensureMonth(ctx, a.Event.ReceivedAt); err != nil {
			return err
		}
	}
	err := imp.s.inTx(ctx, func(tx *sql.Tx) error {
		if err := checkIDsFree(ctx, tx, imp.page); err != nil {
			return err
		}
		for _, a := range imp.page {
			if err := importEvent(ctx, tx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return storeError("import events", err)
	}
	imp.n += int64(len(imp.page))
	imp.page = imp.page[:0]
	return nil
}

// checkIDsFree refuses a page that holds an id in use. The primary key
// cannot: it is (id, received_at), so the same id in another month
// would pass it.
func checkIDsFree(ctx context.Context, tx *sql.Tx, page []connectors.ArchivedEvent) error {
	ids := make([]int64, len(page))
	for i, a := range page {
		ids[i] = a.Event.ID
	}
	var taken int64
	err := tx.QueryRowContext(ctx,
		`SELECT id FROM events WHERE id = ANY($1) ORDER BY id LIMIT 1`, ids,
	).Scan(&taken)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return connectors.Errorf(connectors.ECONFLICT, "event %d exists already", taken)
}

func (imp *importer) ensureMonth(ctx context.Context, at time.Time) error {
	at = at.UTC()
	month := time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, time.UTC)
	if imp.months[month] {
		return nil
	}
	if err := imp.s.ensureMonths(ctx, month, month); err != nil {
		return err
	}
	imp.months[month] = true
	return nil
}

func importEvent(ctx context.Context, tx *sql.Tx, a connectors.ArchivedEvent) error {
	e := a.Event
	var processed any
	if !e.ProcessedAt.IsZero() {
		processed = e.ProcessedAt.UTC()
	}
	_, err := tx.ExecContext(ctx, `
INSERT INTO events (
    id, company_id, source, source_name, event_type, ref, state, payload,
    error_message, notes, received_at, processed_at, updated_at
)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		e.ID, e.CompanyID, string(e.Source), e.SourceName, e.EventType, e.Ref,
		string(e.State), nonNil(e.Payload), e.ErrorMessage, e.Notes,
		e.ReceivedAt.UTC(), processed, e.UpdatedAt.UTC())
	switch {
	case isUniqueViolation(err):
		return connectors.Errorf(connectors.ECONFLICT, "event %d exists already", e.ID)
	case isForeignKeyViolation(err):
		return connectors.Errorf(connectors.ENOTFOUND,
			"company %d of event %d not found", e.CompanyID, e.ID)
	case err != nil:
		return fmt.Errorf("import event %d: %w", e.ID, err)
	}
	for _, t := range a.History {
		var from any
		if t.From != "" {
			from = string(t.From)
		}
		_, err := tx.ExecContext(ctx, insertMoveSQL, e.ID, e.ReceivedAt.UTC(),
			from, string(t.To), t.At.UTC(), string(t.Actor), t.Reason)
		if err != nil {
			return fmt.Errorf("import history of event %d: %w", e.ID, err)
		}
	}
	return importDelivery(ctx, tx, e, a.Delivery)
}

func importDelivery(ctx context.Context, tx *sql.Tx, e connectors.Event, d *connectors.Delivery) error {
	if d == nil {
		return nil
	}
	headers, err := json.Marshal(d.Header)
	if err != nil {
		return fmt.Errorf("encode delivery headers: %w", err)
	}
	_, err = tx.ExecContext(ctx, `
INSERT INTO deliveries (
    event_id, received_at, remote_addr, method, path, headers, body
)
VALUES ($1, $2, $3, $4, $5, $6, $7)`, e.ID, e.ReceivedAt.UTC(),
		d.RemoteAddr, d.Method, d.Path, string(headers), nonNil(d.Body))
	if err != nil {
		return fmt.Errorf("import delivery of event %d: %w", e.ID, err)
	}
	return nil
}

// ArchiveCounts counts the companies, events and history rows.
func (s *Store) ArchiveCounts(ctx context.Context) (connectors.ArchiveCounts, error) {
	var c connectors.ArchiveCounts
	err := s.pool.QueryRowContext(ctx, `
SELECT (SELECT count(*) FROM companies),
       (SELECT count(*) FROM events),
       (SELECT count(*) FROM event_history)`,
	).Scan(&c.Companies, &c.Events, &c.History)
	if err != nil {
		return c, storeError("count the store", err)
	}
	return c, nil
}
