package postgres_test

import (
	"context"
	"github.com/jackc/pgx/v5"
	"testing"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/postgres"
	"github.com/ipai-ai/ipai-connectors/postgres/pgtest"
	"github.com/ipai-ai/ipai-connectors/storetest"
)

// openTemp opens a store in a schema of its own.
func openTemp(t *testing.T) *postgres.Store {
	t.Helper()
	return openURL(t, pgtest.URL(t))
}

func openURL(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url, postgres.Options{PoolSize: 4})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) connectors.Store { return openTemp(t) })
}

// rawConn opens a plain connection on the store's schema, for writing
// SQL that bypasses the Go checks.
func rawConn(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestSchema_MovesMatchDomain writes state changes straight in SQL,
// bypassing the Go checks, and expects the schema to allow exactly the
// moves that connectors.CanMove allows.
func TestSchema_MovesMatchDomain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)
	openURL(t, url)
	db := rawConn(t, url)

	for _, from := range connectors.States {
		for _, to := range connectors.States {
			if from == to {
				continue
			}
			var id int64
			err := db.QueryRow(ctx, `
INSERT INTO events (company_id, source, source_name, event_type, state,
    payload, error_message, processed_at, received_at, updated_at)
VALUES (1, 'custom', 'x', 't', $1, '{}', 'e', now(), now(), now())
RETURNING id`, string(from)).Scan(&id)
			if err != nil {
				t.Fatalf("insert event in %s: %v", from, err)
			}
			want := connectors.CanMove(from, to)
			_, err = db.Exec(ctx, `
UPDATE events SET state = $1, error_message = 'e', processed_at = now()
WHERE id = $2`, string(to), id)
			if (err == nil) != want {
				t.Errorf("events %s→%s: schema error %v, domain allows %v",
					from, to, err, want)
			}
			_, err = db.Exec(ctx, `
INSERT INTO event_history (event_id, received_at, from_state, to_state,
    at, actor, reason)
VALUES ($1, now(), $2, $3, now(), 'system', 'r')`,
				id, string(from), string(to))
			if (err == nil) != want {
				t.Errorf("history %s→%s: schema error %v, domain allows %v",
					from, to, err, want)
			}
		}
	}
}

func TestSchema_RefusesWhatTheDomainRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)
	openURL(t, url)
	db := rawConn(t, url)

	const insert = `
INSERT INTO events (company_id, source, source_name, event_type, state,
    payload, received_at, updated_at)
VALUES ($1, $2, 'x', $3, $4, '{}', now(), now())`
	for _, row := range [][]any{
		{1, "custom", "t", "failed"},    // failed without a message
		{1, "custom", "t", "processed"}, // processed without a time
		{1, "jira", "t", "received"},    // unknown source
		{1, "custom", "t", "done"},      // unknown state
		{1, "custom", " ", "received"},  // blank event type
		{999, "custom", "t", "received"},
	} {
		if _, err := db.Exec(ctx, insert, row...); err == nil {
			t.Errorf("schema accepted an event %v", row)
		}
	}
	_, err := db.Exec(ctx, `
INSERT INTO event_history (event_id, received_at, from_state, to_state,
    at, actor, reason)
VALUES (1, now(), 'processing', 'failed', now(), 'system', '')`)
	if err == nil {
		t.Error("schema accepted a move to failed without a reason")
	}
}
