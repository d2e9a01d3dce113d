package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

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
	_, err := s.pool.ExecContext(ctx, `
INSERT INTO audit_log (at, actor, action, target, company_id, detail)
VALUES ($1, $2, $3, $4, $5, $6)`, e.At.UTC(), string(e.Actor), e.Action,
		e.Target, company, e.Detail)
	if err != nil {
		return storeError("record audit", err)
	}
	return nil
}

// AuditLog returns the entries that f selects, newest first.
func (s *Store) AuditLog(ctx context.Context, f connectors.AuditFilter) ([]connectors.AuditEntry, error) {
	var w where
	if f.CompanyIDs != nil {
		w.add("company_id = ANY(%s)", f.CompanyIDs)
	}
	if f.BeforeID > 0 {
		w.add("id < %s", f.BeforeID)
	}
	rows, err := s.pool.QueryContext(ctx, `
SELECT id, at, actor, action, target, coalesce(company_id, 0), detail
FROM audit_log`+w.clause()+`
ORDER BY id DESC
LIMIT `+w.arg(connectors.Bounded(f.Limit)), w.args...)
	if err != nil {
		return nil, storeError("list audit log", err)
	}
	defer rows.Close()
	var list []connectors.AuditEntry
	for rows.Next() {
		var e connectors.AuditEntry
		var at sql.NullTime
		var actor string
		err := rows.Scan(&e.ID, &at, &actor, &e.Action, &e.Target,
			&e.CompanyID, &e.Detail)
		if err != nil {
			return nil, storeError("list audit log", err)
		}
		e.Actor, e.At = connectors.Actor(actor), utc(at)
		list = append(list, e)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError("list audit log", err)
	}
	return list, nil
}

// SetNotes replaces the event's notes and records the edit.
func (s *Store) SetNotes(ctx context.Context, eventID int64, notes string,
	by connectors.Actor) (connectors.Event, error) {
	if by == "" {
		return connectors.Event{}, connectors.Errorf(connectors.EINVALID, "a notes edit needs an actor")
	}
	var ev connectors.Event
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		at := now()
		var received time.Time
		err := tx.QueryRowContext(ctx, `
UPDATE events SET notes = $1, updated_at = $2
WHERE id = $3
RETURNING received_at`, notes, at, eventID).Scan(&received)
		if errors.Is(err, sql.ErrNoRows) {
			return connectors.Errorf(connectors.ENOTFOUND, "event %d not found", eventID)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `
INSERT INTO event_notes (event_id, received_at, at, actor, notes)
VALUES ($1, $2, $3, $4, $5)`, eventID, received, at, string(by), notes)
		if err != nil {
			return err
		}
		ev, err = eventByID(ctx, tx, eventID)
		return err
	})
	if err != nil {
		return ev, storeError(fmt.Sprintf("set notes of event %d", eventID), err)
	}
	return ev, nil
}

// NoteEdits returns the edits of the event's notes, oldest first.
func (s *Store) NoteEdits(ctx context.Context, eventID int64) ([]connectors.NoteEdit, error) {
	rows, err := s.pool.QueryContext(ctx, `
SELECT id, event_id, at, actor, notes
FROM event_notes
WHERE event_id = $1
ORDER BY id`, eventID)
	if err != nil {
		return nil, storeError(fmt.Sprintf("note edits of event %d", eventID), err)
	}
	defer rows.Close()
	var list []connectors.NoteEdit
	for rows.Next() {
		var n connectors.NoteEdit
		var at sql.NullTime
		var actor string
		if err := rows.Scan(&n.ID, &n.EventID, &at, &actor, &n.Notes); err != nil {
			return nil, storeError(fmt.Sprintf("note edits of event %d", eventID), err)
		}
		n.Actor, n.At = connectors.Actor(actor), utc(at)
		list = append(list, n)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError(fmt.Sprintf("note edits of event %d", eventID), err)
	}
	return list, nil
}
