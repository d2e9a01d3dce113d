package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// RecordAudit stores an operator action. A zero At is taken as now.
func (s *Store) RecordAudit(ctx context.Context, e connectors.AuditEntry) error {
	if e.At.IsZero() {
		e.At = now()
	}
	if e.Actor == "" || e.Action == "" {
		return connectors.Errorf(connectors.EINVALID, "an audit entry needs an actor and an action")
	}
	var company any
	if e.CompanyID != 0 {
		company = e.CompanyID
	}
	err := s.writer.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
INSERT INTO audit_log (at, actor, action, target, company_id, detail)
VALUES (?, ?, ?, ?, ?, ?)`, formatTime(e.At), string(e.Actor), e.Action,
			e.Target, company, e.Detail)
		return err
	})
	if err != nil {
		return fmt.Errorf("record audit: %w", err)
	}
	return nil
}

// AuditLog returns the entries that f selects, newest first.
func (s *Store) AuditLog(ctx context.Context,
	f connectors.AuditFilter) ([]connectors.AuditEntry, error) {
	var where []string
	var args []any
	if f.CompanyIDs != nil {
		cond, ids := inList("company_id", f.CompanyIDs)
		where, args = append(where, cond), ids
	}
	if f.BeforeID > 0 {
		where, args = append(where, "id < ?"), append(args, f.BeforeID)
	}
	args = append(args, connectors.Bounded(f.Limit))
	rows, err := s.read.QueryContext(ctx, `
SELECT id, at, actor, action, target, coalesce(company_id, 0), detail
FROM audit_log`+whereClause(where)+`
ORDER BY id DESC
LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	var list []connectors.AuditEntry
	for rows.Next() {
		var e connectors.AuditEntry
		var at, actor string
		err := rows.Scan(&e.ID, &at, &actor, &e.Action, &e.Target,
			&e.CompanyID, &e.Detail)
		if err != nil {
			return nil, fmt.Errorf("list audit log: %w", err)
		}
		e.Actor = connectors.Actor(actor)
		if e.At, err = parseTime(at); err != nil {
			return nil, err
		}
		list = append(list, e)
	}
	return list, rows.Err()
}

// SetNotes replaces the event's notes and records the edit.
func (s *Store) SetNotes(ctx context.Context, eventID int64, notes string,
	by connectors.Actor) (connectors.Event, error) {
	if by == "" {
		return connectors.Event{}, connectors.Errorf(connectors.EINVALID,
			"a notes edit needs an actor")
	}
	var ev connectors.Event
	err := s.writer.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		at := formatTime(now())
		res, err := tx.ExecContext(ctx, `
UPDATE events SET notes = ?, updated_at = ? WHERE id = ?`, notes, at, eventID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return connectors.Errorf(connectors.ENOTFOUND, "event %d not found", eventID)
		}
		_, err = tx.ExecContext(ctx, `
INSERT INTO event_notes (event_id, at, actor, notes) VALUES (?, ?, ?, ?)`,
			eventID, at, string(by), notes)
		if err != nil {
			return err
		}
		ev, err = eventByID(ctx, tx, eventID)
		return err
	})
	var e *connectors.Error
	if err != nil && !errors.As(err, &e) {
		return ev, fmt.Errorf("set notes of event %d: %w", eventID, err)
	}
	return ev, err
}

// NoteEdits returns the edits of the event's notes, oldest first.
func (s *Store) NoteEdits(ctx context.Context, eventID int64) ([]connectors.NoteEdit, error) {
	rows, err := s.read.QueryContext(ctx, `
SELECT id, event_id, at, actor, notes
FROM event_notes
WHERE event_id = ?
ORDER BY id`, eventID)
	if err != nil {
		return nil, fmt.Errorf("note edits of event %d: %w", eventID, err)
	}
	defer rows.Close()
	var list []connectors.NoteEdit
	for rows.Next() {
		var n connectors.NoteEdit
		var at, actor string
		if err := rows.Scan(&n.ID, &n.EventID, &at, &actor, &n.Notes); err != nil {
			return nil, fmt.Errorf("note edits of event %d: %w", eventID, err)
		}
		n.Actor = connectors.Actor(actor)
		if n.At, err = parseTime(at); err != nil {
			return nil, err
		}
		list = append(list, n)
	}
	return list, rows.Err()
}
