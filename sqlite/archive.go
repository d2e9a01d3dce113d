package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	sqlite3 "modernc.org/sqlite/lib"
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
				yield(connectors.ArchivedEvent{}, fmt.Errorf("export events: %w", err))
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
	rows, err := s.read.QueryContext(ctx, `SELECT`+eventColumns+`
FROM events
WHERE id > ?
ORDER BY id
LIMIT ?`, after, archivePage)
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
	rows, err := s.read.QueryContext(ctx, `
SELECT id, event_id, from_state, to_state, at, actor, reason
FROM event_history
WHERE event_id BETWEEN ? AND ?
ORDER BY event_id, id`, first, last)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t connectors.Transition
		var from sql.NullString
		var to, when, actor string
		err := rows.Scan(&t.ID, &t.EventID, &from, &to, &when, &actor, &t.Reason)
		if err != nil {
			return err
		}
		t.From, t.To, t.Actor = connectors.State(from.String), connectors.State(to), connectors.Actor(actor)
		if t.At, err = parseTime(when); err != nil {
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
	rows, err := s.read.QueryContext(ctx, `
SELECT event_id, remote_addr, method, path, headers, body
FROM deliveries
WHERE event_id BETWEEN ? AND ?`, first, last)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var d connectors.Delivery
		var headers []byte
		err := rows.Scan(&id, &d.RemoteAddr, &d.Method, &d.Path, &headers, &d.Body)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(headers, &d.Header); err != nil {
			return fmt.Errorf("delivery of event %d: headers: %w", id, err)
		}
		if i, ok := at[id]; ok {
			page[i].Delivery = &d
		}
	}
	return rows.Err()
}

// ImportCompany adds c with its id, or leaves the same company as it is.
func (s *Store) ImportCompany(ctx context.Context, c connectors.Company) error {
	err := s.writer.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var name string
		err := tx.QueryRowContext(ctx,
			`SELECT name FROM companies WHERE id = ?`, c.ID).Scan(&name)
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
			`INSERT INTO companies (id, name, created_at) VALUES (?, ?, ?)`,
			c.ID, c.Name, formatTime(c.CreatedAt))
		return err
	})
	if isUniqueViolation(err) {
		return connectors.Errorf(connectors.ECONFLICT,
			"a company named %q exists already with another id", c.Name)
	}
	if err != nil && connectors.ErrorCode(err) == connectors.EINTERNAL {
		return fmt.Errorf("import company %d: %w", c.ID, err)
	}
	return err
}

// ImportEvents stores exported events a page per transaction. Ids are
// kept; AUTOINCREMENT then gives later events higher ones.
func (s *Store) ImportEvents(ctx context.Context,
	events iter.Seq2[connectors.ArchivedEvent, error]) (int64, error) {
	var n int64
	page := make([]connectors.ArchivedEvent, 0, archivePage)
	flush := func() error {
		if len(page) == 0 {
			return nil
		}
		err := s.writer.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
			for _, a := range page {
				if err := importEvent(ctx, tx, a); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		n += int64(len(page))
		page = page[:0]
		return nil
	}
	for a, err := range events {
		if err != nil {
			return n, err
		}
		page = append(page, a)
		if len(page) == archivePage {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	return n, flush()
}

func importEvent(ctx context.Context, tx *sql.Tx, a connectors.ArchivedEvent) error {
	e := a.Event
	_, err := tx.ExecContext(ctx, `
INSERT INTO events (
    id, company_id, source, source_name, event_type, ref, state, payload,
    error_message, notes, received_at, processed_at, updated_at
)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.CompanyID, string(e.Source), e.SourceName, e.EventType, e.Ref,
		string(e.State), nonNil(e.Payload), e.ErrorMessage, e.Notes,
		formatTime(e.ReceivedAt), nullTime(e.ProcessedAt), formatTime(e.UpdatedAt))
	switch {
	case isUniqueViolation(err) || sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return connectors.Errorf(connectors.ECONFLICT, "event %d exists already", e.ID)
	case isForeignKeyViolation(err):
		return connectors.Errorf(connectors.ENOTFOUND,
			"company %d of event %d not found", e.CompanyID, e.ID)
	case err != nil:
		return fmt.Errorf("import event %d: %w", e.ID, err)
	}
	// An event below the search indexer's progress would never be
	// indexed by it: index it here.
	_, err = tx.ExecContext(ctx, `
INSERT INTO events_fts (rowid, event_type, ref, payload)
SELECT id, event_type, ref, CAST(payload AS TEXT)
FROM events
WHERE id = ?
  AND id <= (SELECT last_event_id FROM search_progress WHERE id = 1)`, e.ID)
	if err != nil {
		return fmt.Errorf("index imported event %d: %w", e.ID, err)
	}
	for _, t := range a.History {
		var from any
		if t.From != "" {
			from = string(t.From)
		}
		_, err := tx.ExecContext(ctx, insertHistorySQL, e.ID, from,
			string(t.To), formatTime(t.At), string(t.Actor), t.Reason)
		if err != nil {
			return fmt.Errorf("import history of event %d: %w", e.ID, err)
		}
	}
	return importDelivery(ctx, tx, e.ID, a.Delivery)
}

func importDelivery(ctx context.Context, tx *sql.Tx, id int64, d *connectors.Delivery) error {
	if d == nil {
		return nil
	}
	headers, err := json.Marshal(d.Header)
	if err != nil {
		return fmt.Errorf("encode delivery headers: %w", err)
	}
	_, err = tx.ExecContext(ctx, `
INSERT INTO deliveries (event_id, remote_addr, method, path, headers, body)
VALUES (?, ?, ?, ?, ?, ?)`, id, d.RemoteAddr, d.Method, d.Path, headers, nonNil(d.Body))
	if err != nil {
		return fmt.Errorf("import delivery of event %d: %w", id, err)
	}
	return nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTime(t)
}

// ArchiveCounts counts the companies, events and history rows.
func (s *Store) ArchiveCounts(ctx context.Context) (connectors.ArchiveCounts, error) {
	var c connectors.ArchiveCounts
	err := s.read.QueryRowContext(ctx, `
SELECT (SELECT count(*) FROM companies),
       (SELECT count(*) FROM events),
       (SELECT count(*) FROM event_history)`,
	).Scan(&c.Companies, &c.Events, &c.History)
	if err != nil {
		return c, fmt.Errorf("count the store: %w", err)
	}
	return c, nil
}
