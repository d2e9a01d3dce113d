package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// RecordRejection stores r. A zero At is taken as now.
func (s *Store) RecordRejection(ctx context.Context, r connectors.Rejection) error {
	if r.At.IsZero() {
		r.At = now()
	}
	if err := s.rejections.Add(ctx, r); err != nil {
		return fmt.Errorf("record rejection: %w", err)
	}
	return nil
}

// insertRejections writes the rejections of one group commit at once: a
// flood of refused requests must not cost a statement each.
func insertRejections(ctx context.Context, tx *sql.Tx, list []connectors.Rejection) error {
	args := make([]any, 0, 7*len(list))
	for _, r := range list {
		args = append(args, formatTime(r.At), r.RemoteAddr, r.Path, r.Source,
			string(r.Cause), r.Detail, r.RequestID)
	}
	_, err := tx.ExecContext(ctx, `
INSERT INTO rejections (
    at, remote_addr, path, source, cause, detail, request_id
)
VALUES `+values("(?, ?, ?, ?, ?, ?, ?)", len(list)), args...)
	return err
}

// Rejections returns the rejections that match f, newest first.
func (s *Store) Rejections(ctx context.Context,
	f connectors.RejectionFilter) ([]connectors.Rejection, error) {
	where, args := rejectionWhere(f)
	if f.BeforeID > 0 {
		where = append(where, "id < ?")
		args = append(args, f.BeforeID)
	}
	q := `
SELECT id, at, remote_addr, path, source, cause, detail, request_id
FROM rejections` + whereClause(where) + `
ORDER BY id DESC
LIMIT ?`
	args = append(args, connectors.Bounded(f.Limit))

	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list rejections: %w", err)
	}
	defer rows.Close()

	var list []connectors.Rejection
	for rows.Next() {
		var r connectors.Rejection
		var at, cause string
		err := rows.Scan(&r.ID, &at, &r.RemoteAddr, &r.Path, &r.Source,
			&cause, &r.Detail, &r.RequestID)
		if err != nil {
			return nil, fmt.Errorf("list rejections: %w", err)
		}
		r.Cause = connectors.Cause(cause)
		if r.At, err = parseTime(at); err != nil {
			return nil, err
		}
		list = append(list, r)
	}
	return list, rows.Err()
}

// RejectionCounts counts the rejections that f selects, its BeforeID and
// Limit aside, by cause: largest count first, then by cause. One GROUP BY
// over the rows the filter selects; a time bound keeps it to a range of
// the index on at (or on the address and at).
//
// The unary + keeps the index on cause out of the plan: SQLite would
// take it to group without sorting, or to match one cause, and read every
// row of the table or of that cause, however narrow the time range.
func (s *Store) RejectionCounts(ctx context.Context,
	f connectors.RejectionFilter) ([]connectors.Count, error) {
	where, args := rejectionWhere(f)
	if f.Cause != "" && (!f.Since.IsZero() || !f.Until.IsZero()) {
		where[0] = "+cause = ?" // rejectionWhere puts the cause first
	}
	q := `
SELECT cause, count(*)
FROM rejections` + whereClause(where) + `
GROUP BY +cause
ORDER BY 2 DESC, 1`
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("count rejections: %w", err)
	}
	defer rows.Close()

	var list []connectors.Count
	for rows.Next() {
		var c connectors.Count
		if err := rows.Scan(&c.Key, &c.N); err != nil {
			return nil, fmt.Errorf("count rejections: %w", err)
		}
		list = append(list, c)
	}
	return list, rows.Err()
}

// rejectionWhere returns the conditions of f but for its cursor.
func rejectionWhere(f connectors.RejectionFilter) ([]string, []any) {
	var where []string
	var args []any
	if f.Cause != "" {
		where = append(where, "cause = ?")
		args = append(args, string(f.Cause))
	}
	if f.RemoteAddr != "" {
		where = append(where, "remote_addr = ?")
		args = append(args, f.RemoteAddr)
	}
	if f.Path != "" {
		where = append(where, "path = ?")
		args = append(args, f.Path)
	}
	if !f.Since.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, formatTime(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, "at < ?")
		args = append(args, formatTime(f.Until))
	}
	return where, args
}

func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return "\nWHERE " + strings.Join(conds, "\n  AND ")
}

// pruneBatch is how many rows one delete removes: a bounded write lock.
const pruneBatch = 5000

// DeleteRejectionsBefore removes the rejections recorded before t.
func (s *Store) DeleteRejectionsBefore(ctx context.Context, t time.Time) (int64, error) {
	var total int64
	for {
		var n int64
		err := s.writer.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `
DELETE FROM rejections
WHERE id IN (
    SELECT id
    FROM rejections
    WHERE at < ?
    LIMIT ?
)`, formatTime(t), pruneBatch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, fmt.Errorf("delete rejections: %w", err)
		}
		total += n
		if n < pruneBatch {
			return total, nil
		}
	}
}
