package postgres_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/postgres"
	"github.com/ipai-ai/ipai-connectors/postgres/pgtest"
)

// TestOpen_ConcurrentStartsMigrateOnce starts several instances on one
// empty schema at once: all must open, and each migration must have run
// exactly once.
func TestOpen_ConcurrentStartsMigrateOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)

	const instances = 4
	stores := make([]*postgres.Store, instances)
	errs := make([]error, instances)
	var wg sync.WaitGroup
	for i := range instances {
		wg.Go(func() {
			stores[i], errs[i] = postgres.Open(ctx, url, postgres.Options{PoolSize: 2})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: Open: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}

	var applied, versions int
	err := rawConn(t, url).QueryRow(ctx, `
SELECT count(*), count(DISTINCT version_id)
FROM goose_db_version
WHERE version_id > 0`).Scan(&applied, &versions)
	if err != nil {
		t.Fatalf("read goose_db_version: %v", err)
	}
	if applied != versions || applied == 0 {
		t.Errorf("migrations applied: got %d rows for %d versions, want one each",
			applied, versions)
	}
}

// TestTwoInstances_IDsNeverCollideAndOneMoveWins runs two stores on one
// schema, as two hub processes would.
func TestTwoInstances_IDsNeverCollideAndOneMoveWins(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)
	a, b := openURL(t, url), openURL(t, url)

	const each = 200
	ids := make(chan int64, 2*each)
	var wg sync.WaitGroup
	for _, s := range []*postgres.Store{a, b} {
		for range 4 {
			wg.Go(func() {
				for range each / 4 {
					ids <- create(t, s)
				}
			})
		}
	}
	wg.Wait()
	close(ids)
	seen := map[int64]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("id %d given twice", id)
		}
		seen[id] = true
	}
	if len(seen) != 2*each {
		t.Fatalf("distinct ids: got %d, want %d", len(seen), 2*each)
	}

	id := create(t, a)
	results := make(chan error, 2*8)
	for _, s := range []*postgres.Store{a, b} {
		for range 8 {
			wg.Go(func() {
				_, err := s.MoveEvent(ctx, connectors.Move{
					EventID: id, From: connectors.StateReceived,
					To: connectors.StateProcessing, Actor: "worker:x",
				})
				results <- err
			})
		}
	}
	wg.Wait()
	close(results)
	wins := 0
	for err := range results {
		switch connectors.ErrorCode(err) {
		case "":
			wins++
		case connectors.ECONFLICT:
			want := "event " + itoa(id) + " is processing, not received: " +
				"it was moved by someone else"
			if connectors.ErrorMessage(err) != want {
				t.Errorf("conflict: got %q, want %q", connectors.ErrorMessage(err), want)
			}
		default:
			t.Errorf("racing move: got %v, want success or conflict", err)
		}
	}
	if wins != 1 {
		t.Errorf("winners: got %d, want 1", wins)
	}
	if h, err := b.History(ctx, id); err != nil || len(h) != 2 {
		t.Errorf("history: got %d rows (%v), want 2", len(h), err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
