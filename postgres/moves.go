package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// lockEventSQL reads the state a move starts from and locks the row, so
// that a racing move, from this instance or another, waits for this one
// to commit and then reads the state it left.
const lockEventSQL = `
SELECT state, received_at
FROM events
WHERE id = $1
FOR UPDATE`

// moveEventSQL applies a move only from the state it was checked against.
// The error message is set on failed, kept on ignored, cleared otherwise;
// processed_at is set on processed and cleared on any other state. The
// received_at condition points the update at one partition.
const moveEventSQL = `
UPDATE events
SET state = $1::text,
    error_message = CASE $1::text
        WHEN 'failed' THEN $2::text
        WHEN 'ignored' THEN error_message
        ELSE ''
    END,
    processed_at = CASE $1::text
        WHEN 'processed' THEN $3::timestamptz
        ELSE NULL
    END,
    updated_at = $3::timestamptz
WHERE id = $4
  AND received_at = $5
  AND state = $6
RETURNING` + eventColumns

const insertMoveSQL = `
INSERT INTO event_history (
    event_id, received_at, from_state, to_state, at, actor, reason
)
VALUES ($1, $2, $3, $4, $5, $6, $7)`

// MoveEvent applies m and writes its history row in the same transaction.
// Moves run on the pool, not through the group-commit writer: a move
// waits on the row lock of a racing move, and that wait must not hold
// up the ingest of other events.
func (s *Store) MoveEvent(ctx context.Context, m connectors.Move) (connectors.Event, error) {
	tx, err := s.pool.BeginTx(ctx, nil)
	if err != nil {
		return connectors.Event{}, moveError(m, err)
	}
	defer tx.Rollback()

	moved, err := move(ctx, tx, m)
	if err != nil {
		return connectors.Event{}, moveError(m, err)
	}
	if err := tx.Commit(); err != nil {
		return connectors.Event{}, moveError(m, err)
	}
	return moved, nil
}

func move(ctx context.Context, tx *sql.Tx, m connectors.Move) (connectors.Event, error) {
	var from string
	var received time.Time
	err := tx.QueryRowContext(ctx, lockEventSQL, m.EventID).Scan(&from, &received)
	if errors.Is(err, sql.ErrNoRows) {
		return connectors.Event{}, connectors.Errorf(connectors.ENOTFOUND,
			"event %d not found", m.EventID)
	}
	if err != nil {
		return connectors.Event{}, err
	}
	if err := m.Check(connectors.State(from)); err != nil {
		return connectors.Event{}, err
	}

	at := now()
	moved, err := scanEvent(tx.QueryRowContext(ctx, moveEventSQL,
		string(m.To), m.Reason, at, m.EventID, received, from))
	if errors.Is(err, sql.ErrNoRows) {
		// Unreachable while the row is locked; kept so that a change
		// to the locking cannot turn a lost race into a silent success.
		return connectors.Event{}, connectors.Errorf(connectors.ECONFLICT,
			"event %d was moved by someone else", m.EventID)
	}
	if err != nil {
		return connectors.Event{}, err
	}
	_, err = tx.ExecContext(ctx, insertMoveSQL, m.EventID, received, from,
		string(m.To), at, string(m.Actor), m.Reason)
	return moved, err
}

func moveError(m connectors.Move, err error) error {
	var e *connectors.Error
	if errors.As(err, &e) {
		return err
	}
	return storeError(fmt.Sprintf("move event %d to %s", m.EventID, m.To), err)
}
