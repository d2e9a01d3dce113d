package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/postgres"
	"github.com/ipai-ai/ipai-connectors/postgres/pgtest"
)

// insertAt writes an event received at the given time, with its arrival
// row and delivery, straight in SQL, as an import of old events would.
func insertAt(t *testing.T, url string, at time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	db := rawConn(t, url)
	var id int64
	err := db.QueryRow(ctx, `
WITH e AS (
    INSERT INTO events (company_id, source, source_name, event_type,
        payload, received_at, updated_at)
    VALUES (1, 'custom', 'x', 't', '{}', $1, $1)
    RETURNING id
), h AS (
    INSERT INTO event_history (event_id, received_at, to_state, at, actor)
    SELECT id, $1, 'received', $1, 'system' FROM e
), d AS (
    INSERT INTO deliveries (event_id, received_at, remote_addr, method,
        path, headers, body)
    SELECT id, $1, '', 'POST', '/', '{}', '' FROM e
)
SELECT id FROM e`, at).Scan(&id)
	if err != nil {
		t.Fatalf("insert event at %v: %v", at, err)
	}
	return id
}

func TestDropPartitionsBefore_RemovesWholeMonthsOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)
	s := openURL(t, url)

	march := time.Date(2020, 3, 15, 12, 0, 0, 0, time.UTC)
	if err := s.EnsurePartitions(ctx, march); err != nil {
		t.Fatalf("EnsurePartitions: %v", err)
	}
	feb := insertAt(t, url, time.Date(2020, 2, 29, 23, 59, 59, 0, time.UTC))
	mar := insertAt(t, url, time.Date(2020, 3, 31, 23, 0, 0, 0, time.UTC))
	apr := insertAt(t, url, time.Date(2020, 4, 1, 0, 0, 0, 0, time.UTC))
	recent := create(t, s)

	months, err := s.DropPartitionsBefore(ctx, time.Date(2020, 4, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatalf("DropPartitionsBefore: %v", err)
	}
	if want := []string{"2020-02", "2020-03"}; !slices.Equal(months, want) {
		t.Errorf("months dropped: got %v, want %v", months, want)
	}
	for _, id := range []int64{feb, mar} {
		if _, err := s.Event(ctx, id); connectors.ErrorCode(err) != connectors.ENOTFOUND {
			t.Errorf("event %d after drop: got %v, want not found", id, err)
		}
		if h, err := s.History(ctx, id); err != nil || len(h) != 0 {
			t.Errorf("history of %d after drop: got %v, %v; want none", id, h, err)
		}
		_, err := s.Delivery(ctx, id)
		if connectors.ErrorCode(err) != connectors.ENOTFOUND {
			t.Errorf("delivery of %d after drop: got %v, want not found", id, err)
		}
	}
	for _, id := range []int64{apr, recent} {
		if _, err := s.Event(ctx, id); err != nil {
			t.Errorf("event %d after drop: got %v, want it kept", id, err)
		}
		if h, err := s.History(ctx, id); err != nil || len(h) != 1 {
			t.Errorf("history of %d after drop: got %v, %v; want 1 row", id, h, err)
		}
	}
}

func TestCreateEvent_MakesMissingPartition(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openURL(t, pgtest.URL(t))

	// Drop every partition, this month's and those made ahead, as if the
	// hub had been stopped for longer than the months made ahead.
	months, err := s.DropPartitionsBefore(ctx, time.Now().AddDate(1, 0, 0))
	if err != nil {
		t.Fatalf("DropPartitionsBefore: %v", err)
	}
	if len(months) != 2+postgres.MonthsAhead {
		t.Fatalf("months dropped: got %v, want %d", months, 2+postgres.MonthsAhead)
	}
	id := create(t, s)
	if _, err := s.Event(ctx, id); err != nil {
		t.Errorf("event after its partition was made again: %v", err)
	}
}

// create stores one event through the store and returns its id.
func create(t *testing.T, s connectors.Store) int64 {
	t.Helper()
	id, err := s.CreateEvent(context.Background(), connectors.NewEvent{
		CompanyID: 1, Source: "n8n", SourceName: "n8n", EventType: "t",
	})
	if err != nil {
		t.Fatalf("CreateEvent: %v", err)
	}
	return id
}
