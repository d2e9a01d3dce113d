package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/sqlite"
	"github.com/ipai-ai/ipai-connectors/storetest"
)

func openTemp(t *testing.T) *sqlite.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hub.db")
	s, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) connectors.Store { return openTemp(t) })
}

func TestReopen_KeepsEventsAndHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hub.db")
	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	id, err := s.CreateEvent(ctx, connectors.NewEvent{
		CompanyID: 1, Source: "github", SourceName: "GitHub",
		EventType: "push", Payload: []byte(`{"n":12345678901234567890}`),
	})
	if err != nil {
		t.Fatalf("CreateEvent: %v", err)
	}
	if _, err := s.MoveEvent(ctx, connectors.Move{
		EventID: id, To: "ignored", Actor: "user:a", Reason: "test",
	}); err != nil {
		t.Fatalf("MoveEvent: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s, err = sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	ev, err := s.Event(ctx, id)
	if err != nil {
		t.Fatalf("Event after reopen: %v", err)
	}
	if ev.State != "ignored" || string(ev.Payload) != `{"n":12345678901234567890}` ||
		ev.SourceName != "GitHub" {
		t.Errorf("after reopen: got %+v", ev)
	}
	h, err := s.History(ctx, id)
	if err != nil || len(h) != 2 || h[1].Reason != "test" || h[1].To != "ignored" {
		t.Errorf("history after reopen: got %+v, %v", h, err)
	}
}

// TestSchema_MovesMatchDomain writes state changes straight in SQL,
// bypassing the Go checks, and expects the schema to allow exactly the
// moves that connectors.CanMove allows.
func TestSchema_MovesMatchDomain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hub.db")
	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	db := rawDB(t, path)

	for _, from := range connectors.States {
		for _, to := range connectors.States {
			if from == to {
				continue
			}
			_, err := db.ExecContext(ctx, `
INSERT INTO events (company_id, source, source_name, event_type, state,
    payload, error_message, processed_at, received_at, updated_at)
VALUES (1, 'custom', 'x', 't', ?1, '{}', 'e', 'now', 'now', 'now')`, string(from))
			if err != nil {
				t.Fatalf("insert event in %s: %v", from, err)
			}
			_, err = db.ExecContext(ctx, `
UPDATE events SET state = ?1, error_message = 'e', processed_at = 'now'
WHERE id = (SELECT max(id) FROM events)`, string(to))
			if want := connectors.CanMove(from, to); (err == nil) != want {
				t.Errorf("events %s→%s: schema error %v, domain allows %v", from, to, err, want)
			}

			_, err = db.ExecContext(ctx, `
INSERT INTO event_history (event_id, from_state, to_state, at, actor, reason)
VALUES ((SELECT max(id) FROM events), ?1, ?2, 'now', 'system', 'r')`,
				string(from), string(to))
			if want := connectors.CanMove(from, to); (err == nil) != want {
				t.Errorf("history %s→%s: schema error %v, domain allows %v", from, to, err, want)
			}
		}
	}
}

func TestSchema_RefusesFailedWithoutMessage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hub.db")
	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	db := rawDB(t, path)

	for _, q := range []string{
		`INSERT INTO events (company_id, source, source_name, event_type, state,
    payload, received_at, updated_at)
VALUES (1, 'custom', 'x', 't', 'failed', '{}', 'now', 'now')`,
		`INSERT INTO events (company_id, source, source_name, event_type, state,
    payload, received_at, updated_at)
VALUES (1, 'custom', 'x', 't', 'processed', '{}', 'now', 'now')`,
		`INSERT INTO events (company_id, source, source_name, event_type, state,
    payload, received_at, updated_at)
VALUES (1, 'jira', 'x', 't', 'received', '{}', 'now', 'now')`,
		`INSERT INTO events (company_id, source, source_name, event_type, state,
    payload, received_at, updated_at)
VALUES (1, 'custom', 'x', 't', 'done', '{}', 'now', 'now')`,
	} {
		if _, err := db.ExecContext(ctx, q); err == nil {
			t.Errorf("schema accepted %s", q)
		}
	}
}

func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatalf("open raw: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestSchema_ArrivalIsTheOnlyRowWithoutFrom pins the history CHECK for a
// NULL from_state, which a careless CHECK lets through.
func TestSchema_ArrivalIsTheOnlyRowWithoutFrom(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hub.db")
	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	id, err := s.CreateEvent(ctx, connectors.NewEvent{
		CompanyID: 1, Source: "n8n", SourceName: "n8n", EventType: "t",
	})
	if err != nil {
		t.Fatalf("CreateEvent: %v", err)
	}
	db := rawDB(t, path)
	for _, to := range connectors.States {
		_, err := db.ExecContext(ctx, `
INSERT INTO event_history (event_id, from_state, to_state, at, actor, reason)
VALUES (?, NULL, ?, 'now', 'system', 'r')`, id, string(to))
		if want := to == connectors.StateReceived; (err == nil) != want {
			t.Errorf("history from nothing to %s: error %v, want allowed %v", to, err, want)
		}
	}
}

func TestOpen_PathWithURICharacters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "we?ird#name%20.db")
	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	s.Close()
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Contains(names, "we?ird#name%20.db") {
		t.Errorf("files: got %v, want the store at the name given", names)
	}
}

// TestSearch_FindsEventsStoredJustBefore searches right after storing,
// before the background indexer has run: the search must catch up first.
func TestSearch_FindsEventsStoredJustBefore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t)
	defer s.Close()
	var want []int64
	for i := range 3 {
		id, err := s.CreateEvent(ctx, connectors.NewEvent{
			CompanyID: 1, Source: "n8n", SourceName: "n8n", EventType: "order.paid",
			Payload: []byte(`{"customer":"zebulon","n":` + string(rune('0'+i)) + `}`),
		})
		if err != nil {
			t.Fatalf("CreateEvent: %v", err)
		}
		want = append([]int64{id}, want...)
	}
	got, err := s.Events(ctx, connectors.EventFilter{Search: "zebulon"})
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	var ids []int64
	for _, e := range got {
		ids = append(ids, e.ID)
	}
	if !slices.Equal(ids, want) {
		t.Errorf("search: got ids %v, want %v", ids, want)
	}
}

// TestSearch_FindsAnImportedEventBelowTheIndexersProgress imports an
// event whose id is below what the search indexer has reached: the
// indexer will never look at it again, so the import indexes it.
func TestSearch_FindsAnImportedEventBelowTheIndexersProgress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hub.db")
	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	for range 3 {
		if _, err := s.CreateEvent(ctx, connectors.NewEvent{CompanyID: 1,
			Source: "n8n", SourceName: "n8n", EventType: "t"}); err != nil {
			t.Fatalf("CreateEvent: %v", err)
		}
	}
	// A search brings the indexer's progress to 3; event 2 then goes,
	// as a removed event would, leaving its id free.
	if _, err := s.Events(ctx, connectors.EventFilter{Search: "anything"}); err != nil {
		t.Fatalf("Events: %v", err)
	}
	if _, err := rawDB(t, path).ExecContext(ctx, `DELETE FROM events WHERE id = 2`); err != nil {
		t.Fatalf("delete: %v", err)
	}

	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	archived := connectors.ArchivedEvent{Event: connectors.Event{
		ID: 2, CompanyID: 1, Source: "custom", SourceName: "shop",
		EventType: "order.paid", State: "received",
		Payload:    []byte(`{"customer":"quillon"}`),
		ReceivedAt: at, UpdatedAt: at,
	}, History: []connectors.Transition{{To: "received", At: at, Actor: "system"}}}
	n, err := s.ImportEvents(ctx, func(yield func(connectors.ArchivedEvent, error) bool) {
		yield(archived, nil)
	})
	if err != nil || n != 1 {
		t.Fatalf("ImportEvents: got %d, %v; want 1", n, err)
	}
	got, err := s.Events(ctx, connectors.EventFilter{Search: "quillon"})
	if err != nil || len(got) != 1 || got[0].ID != 2 {
		t.Errorf("search for the imported event: got %+v, %v; want event 2", got, err)
	}
}
