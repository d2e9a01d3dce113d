package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/cli"
	"github.com/ipai-ai/ipai-connectors/postgres"
)

// quick is how long a request may take while the database is down: it
// must fail fast, not hang until a client gives up.
const quick = 3 * time.Second

// TestDatabaseDown_FailsFastAndRecovers runs a hub under load on a
// PostgreSQL server of its own, crashes the server, checks that the hub
// answers quickly with clear errors while it is down, starts the server
// again, checks that the hub recovers by itself, and finally that every
// acknowledged event is stored.
func TestDatabaseDown_FailsFastAndRecovers(t *testing.T) {
	t.Parallel()
	pg := startPGServer(t)
	addr := startHub(t, pg.URL())

	load := startLoad(addr, 6)
	time.Sleep(time.Second)
	pg.crash(t)
	down := time.Now()
	checkDown(t, addr)
	pg.start(t)
	recovered := waitRecovered(t, addr, down)
	time.Sleep(time.Second)
	acked, failed := load.stop()

	t.Logf("down %v, %d acknowledged, %d refused", recovered.Sub(down).Round(time.Millisecond),
		len(acked), failed)
	if failed == 0 {
		t.Error("no request failed while the database was down: the outage was not seen")
	}
	checkAllStored(t, pg.URL(), acked)
}

// startHub runs the hub in this process, with its logs in the test's.
func startHub(t *testing.T, db string) string {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(t.Output(),
		&slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := cli.NewServer(cli.Config{
		Token: testToken, Addr: "127.0.0.1:0", DB: db, DBPoolSize: 4,
		MaxBodyBytes: 1 << 20,
	}, logger)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.Addr()
}

// load posts events from several clients until stopped, and keeps what
// was acknowledged.
type load struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	acked  map[int64]string
	failed atomic.Int64
	errs   chan error
}

func startLoad(addr string, clients int) *load {
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{cancel: cancel, acked: map[int64]string{}, errs: make(chan error, 1)}
	for c := range clients {
		l.wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				l.post(ctx, addr, fmt.Sprintf("c%d-%d", c, i))
			}
		})
	}
	return l
}

func (l *load) post(ctx context.Context, addr, ref string) {
	r, err := postEvent(ctx, addr, ref)
	switch {
	case ctx.Err() != nil:
	case err != nil:
		l.failed.Add(1)
	case r.OK:
		l.mu.Lock()
		l.acked[r.EventID] = ref
		l.mu.Unlock()
	default:
		l.failed.Add(1)
		// Back off a little, as a real client would.
		time.Sleep(20 * time.Millisecond)
	}
}

func (l *load) stop() (map[int64]string, int64) {
	l.cancel()
	l.wg.Wait()
	return l.acked, l.failed.Load()
}

// checkDown expects a quick, clear refusal from ingest and health.
func checkDown(t *testing.T, addr string) {
	t.Helper()
	start := time.Now()
	r, err := postEvent(context.Background(), addr, "while-down")
	took := time.Since(start)
	if err != nil {
		t.Fatalf("post while down: %v", err)
	}
	if r.OK || r.Error != "Failed to create event" || r.RequestID == "" {
		t.Errorf("post while down: got %+v, want ok false, "+
			"\"Failed to create event\" and a request id", r)
	}
	if took > quick {
		t.Errorf("post while down took %v, want under %v", took, quick)
	}

	start = time.Now()
	code, err := health(addr)
	if err != nil || code != http.StatusServiceUnavailable {
		t.Errorf("health while down: got %d, %v; want 503", code, err)
	}
	if took := time.Since(start); took > quick {
		t.Errorf("health while down took %v, want under %v", took, quick)
	}
}

// waitRecovered waits, without restarting the hub, until it stores
// events again and its health is ok, and returns when that was.
func waitRecovered(t *testing.T, addr string, down time.Time) time.Time {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		r, err := postEvent(context.Background(), addr, "after-restart")
		if err == nil && r.OK {
			if code, _ := health(addr); code != http.StatusOK {
				t.Errorf("health after recovery: got %d, want 200", code)
			}
			return time.Now()
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the hub did not recover within a minute of the database's return")
	return time.Time{}
}

// checkAllStored reads every acknowledged event back.
func checkAllStored(t *testing.T, db string, acked map[int64]string) {
	t.Helper()
	ctx := context.Background()
	s, err := postgres.Open(ctx, db, postgres.Options{PoolSize: 2})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	lost := 0
	for id, ref := range acked {
		e, err := s.Event(ctx, id)
		if connectors.ErrorCode(err) == connectors.ENOTFOUND {
			lost++
			continue
		}
		if err != nil || e.Ref != ref {
			t.Errorf("event %d: got ref %q, %v; want %q", id, e.Ref, err, ref)
		}
	}
	if lost > 0 {
		t.Errorf("acknowledged events lost: got %d of %d, want 0", lost, len(acked))
	}
}
