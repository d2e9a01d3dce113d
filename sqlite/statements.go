package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// statements are the writes on the ingest hot path, prepared once on the
// writer connection and reused by every group commit.
type statements struct {
	insertEvent     *sql.Stmt
	insertHistory   *sql.Stmt
	insertDelivery  *sql.Stmt
	insertRejection *sql.Stmt
}

const insertEventSQL = `
INSERT INTO events (
    company_id, source, source_name, event_type, ref,
    payload, received_at, updated_at
)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id`

const insertHistorySQL = `
INSERT INTO event_history (event_id, from_state, to_state, at, actor, reason)
VALUES (?, ?, ?, ?, ?, ?)`

const insertDeliverySQL = `
INSERT INTO deliveries (event_id, remote_addr, method, path, headers, body)
VALUES (?, ?, ?, ?, ?, ?)`

const insertRejectionSQL = `
INSERT INTO rejections (
    at, remote_addr, path, source, cause, detail, request_id
)
VALUES (?, ?, ?, ?, ?, ?, ?)`

func (st *statements) prepare(ctx context.Context, db *sql.DB) error {
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&st.insertEvent, insertEventSQL},
		{&st.insertHistory, insertHistorySQL},
		{&st.insertDelivery, insertDeliverySQL},
		{&st.insertRejection, insertRejectionSQL},
	} {
		stmt, err := db.PrepareContext(ctx, p.sql)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", p.sql, err)
		}
		*p.stmt = stmt
	}
	return nil
}

func (st *statements) close() {
	for _, s := range []*sql.Stmt{
		st.insertEvent, st.insertHistory, st.insertDelivery, st.insertRejection,
	} {
		if s != nil {
			s.Close()
		}
	}
}
