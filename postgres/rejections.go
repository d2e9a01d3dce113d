package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

const insertRejectionSQL = `
INSERT INTO rejections (
    at, remote_addr, path, source, cause, detail, request_id
)
VALUES ($1, $2, $3, $4, $5, $6, $7)`

// RecordRejection stores r. A zero At is taken as now. Rejections go
// through the group-commit writer: a flood of bad requests is when they
// arrive in numbers.
func (s *Store) RecordRejection(ctx context.Context, r connectors.Rejection) error {
	if r.At.IsZero() {
		r.At = now()
	}
	err := s.writer.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, insertRejectionSQL,
			r.At.UTC(), r.RemoteAddr, r.Path, r.Source,
			string(r.Cause), r.Detail, r.RequestID)
		return err
	})
	if err != nil {
		return storeError("record rejection", err)
	}
	return nil
}

// Rejections returns the rejections that match f, newest first.
func (s *Store) Rejections(ctx context.Context,
	f connectors.RejectionFilter) ([]connectors.Rejection, error) {
	w := rejectionWhere(f)
	if f.BeforeID > 0 {
		w.add("id < %s", f.BeforeID)
	}
	q := `
SELECT id, at, remote_addr, path, source, cause, detail, request_id
FROM rejections` + w.clause() + `
ORDER BY id DESC
LIMIT ` + w.arg(connectors.Bounded(f.Limit))

	rows, err := s.pool.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, storeError("list rejections", err)
	}
	defer rows.Close()

	var list []connectors.Rejection
	for rows.Next() {
		var r connectors.Rejection
		var at sql.NullTime
		var cause string
		err := rows.Scan(&r.ID, &at, &r.RemoteAddr, &r.Path, &r.Source,
			&cause, &r.Detail, &r.RequestID)
		if err != nil {
			return nil, storeError("list rejections", err)
		}
		r.Cause, r.At = connectors.Cause(cause), utc(at)
		list = append(list, r)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError("list rejections", err)
	}
	return list, nil
}

// RejectionCounts counts the rejections that f selects, its BeforeID and
// Limit aside, by cause: largest count first, then by cause. One GROUP BY
// over the rows the filter selects; a time bound keeps it to a range of
// the index on at.
func (s *Store) RejectionCounts(ctx context.Context,
	f connectors.RejectionFilter) ([]connectors.Count, error) {
	w := rejectionWhere(f)
	rows, err := s.pool.QueryContext(ctx, `
SELECT cause, count(*)
FROM rejections`+w.clause()+`
GROUP BY cause
ORDER BY 2 DESC, 1`, w.args...)
	if err != nil {
		return nil, storeError("count rejections", err)
	}
	defer rows.Close()

	var list []connectors.Count
	for rows.Next() {
		var c connectors.Count
		if err := rows.Scan(&c.Key, &c.N); err != nil {
			return nil, storeError("count rejections", err)
		}
		list = append(list, c)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError("count rejections", err)
	}
	return list, nil
}

// rejectionWhere returns the conditions of f but for its cursor.
func rejectionWhere(f connectors.RejectionFilter) where {
	var w where
	if f.Cause != "" {
		w.add("cause = %s", string(f.Cause))
	}
	if f.RemoteAddr != "" {
		w.add("remote_addr = %s", f.RemoteAddr)
	}
	if f.Path != "" {
		w.add("path = %s", f.Path)
	}
	if !f.Since.IsZero() {
		w.add("at >= %s", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		w.add("at < %s", f.Until.UTC())
	}
	return w
}

// pruneBatch is how many rows one delete removes: short transactions.
const pruneBatch = 5000

// DeleteRejectionsBefore removes the rejections recorded before t.
func (s *Store) DeleteRejectionsBefore(ctx context.Context, t time.Time) (int64, error) {
	var total int64
	for {
		res, err := s.pool.ExecContext(ctx, `
DELETE FROM rejections
WHERE id IN (
    SELECT id
    FROM rejections
    WHERE at < $1
    LIMIT $2
)`, t, pruneBatch)
		if err != nil {
			return total, fmt.Errorf("delete rejections: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("delete rejections: %w", err)
		}
		total += n
		if n < pruneBatch {
			return total, nil
		}
	}
}
