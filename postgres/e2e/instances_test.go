package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"os/user"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/postgres"
	"github.com/ipai-ai/ipai-connectors/postgres/pgtest"
)

// listening finds the address in serve's "listening" log line.
var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startServe starts `ipai-connectors serve` on a free port of loopback
// and returns its address once it listens. The process is stopped, with
// SIGTERM, when the test ends.
func startServe(t *testing.T, db string) string {
	t.Helper()
	cmd := exec.Command(hubBinary, "serve", "--addr", "127.0.0.1:0",
		"--db", db, "--db-pool-size", "4", "--log-level", "info")
	cmd.Env = []string{"IPAI_CONNECTORS_TOKEN=" + testToken}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatalf("serve: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start serve: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscallTerm)
		cmd.Wait()
	})

	addr := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(stderr)
		for lines.Scan() {
			if m := listening.FindStringSubmatch(lines.Text()); m != nil {
				addr <- m[1]
			}
			if !strings.Contains(lines.Text(), "msg=request ") {
				t.Log("serve: " + lines.Text())
			}
		}
	}()
	select {
	case a := <-addr:
		return a
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not listen within a minute")
		return ""
	}
}

// TestTwoHubs_ShareOnePostgres starts two hub processes at once on one
// empty schema (so they race to migrate it), posts to both concurrently,
// has operators race moves on the same events from both sides, and then
// checks every event and history row.
func TestTwoHubs_ShareOnePostgres(t *testing.T) {
	t.Parallel()
	db := pgtest.URL(t)
	addrs := make([]string, 2)
	var wg sync.WaitGroup
	for i := range addrs {
		wg.Go(func() { addrs[i] = startServe(t, db) })
	}
	wg.Wait()

	acked := postToBoth(t, addrs, 8, 40)
	raced := raceMoves(t, db, acked, 10)
	checkStored(t, db, acked, raced)
}

// postToBoth posts workers×each events to each hub at once and returns
// the acknowledged ids with the ref each was posted with.
func postToBoth(t *testing.T, addrs []string, workers, each int) map[int64]string {
	t.Helper()
	var mu sync.Mutex
	acked := map[int64]string{}
	var wg sync.WaitGroup
	for h, addr := range addrs {
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					ref := fmt.Sprintf("hub%d-w%d-%d", h, w, i)
					r, err := postEvent(context.Background(), addr, ref)
					if err != nil || !r.OK {
						t.Errorf("post %s: got %+v, %v; want ok", ref, r, err)
						continue
					}
					mu.Lock()
					if prev, dup := acked[r.EventID]; dup {
						t.Errorf("id %d given to %s and %s", r.EventID, prev, ref)
					}
					acked[r.EventID] = ref
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if want := len(addrs) * workers * each; len(acked) != want {
		t.Fatalf("acknowledged: got %d distinct ids, want %d", len(acked), want)
	}
	return acked
}

// raceMoves has two operators, each a process of its own, start the same
// event at once, for n events. Exactly one must win each race.
func raceMoves(t *testing.T, db string, acked map[int64]string, n int) map[int64]bool {
	t.Helper()
	raced := map[int64]bool{}
	for id := range acked {
		if len(raced) == n {
			break
		}
		raced[id] = true
	}
	var wg sync.WaitGroup
	for id := range raced {
		wg.Go(func() {
			outs := make([]moveOutcome, 2)
			var race sync.WaitGroup
			for i := range outs {
				race.Go(func() { outs[i] = startEvent(db, id) })
			}
			race.Wait()
			checkOneWins(t, id, outs)
		})
	}
	wg.Wait()
	return raced
}

type moveOutcome struct {
	ok     bool
	stdout string
	stderr string
}

func startEvent(db string, id int64) moveOutcome {
	cmd := exec.Command(hubBinary, "events", "start", fmt.Sprint(id),
		"--db", db, "--db-pool-size", "1")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return moveOutcome{ok: err == nil, stdout: stdout.String(), stderr: stderr.String()}
}

func checkOneWins(t *testing.T, id int64, outs []moveOutcome) {
	t.Helper()
	won := fmt.Sprintf("event %d is now processing\n", id)
	lost := fmt.Sprintf("ipai-connectors: event %d is already processing\n", id)
	wins := 0
	for _, o := range outs {
		switch {
		case o.ok && o.stdout == won:
			wins++
		case !o.ok && o.stderr == lost:
		default:
			t.Errorf("event %d: got ok=%v stdout %q stderr %q; want %q or %q",
				id, o.ok, o.stdout, o.stderr, won, lost)
		}
	}
	if wins != 1 {
		t.Errorf("event %d: %d operators won the race, want 1", id, wins)
	}
}

// checkStored reads everything back: exactly the acknowledged events,
// each with its ref and payload, and one history row per event plus one
// per raced move.
func checkStored(t *testing.T, db string, acked map[int64]string, raced map[int64]bool) {
	t.Helper()
	ctx := context.Background()
	s, err := postgres.Open(ctx, db, postgres.Options{PoolSize: 2})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()

	stored := 0
	f := connectors.EventFilter{Limit: connectors.MaxLimit}
	for {
		page, err := s.Events(ctx, f)
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		for _, e := range page {
			stored++
			checkEvent(t, s, e, acked[e.ID], raced[e.ID])
		}
		if len(page) < f.Limit {
			break
		}
		f.BeforeID = page[len(page)-1].ID
	}
	if stored != len(acked) {
		t.Errorf("stored events: got %d, want the %d acknowledged", stored, len(acked))
	}
}

func checkEvent(t *testing.T, s *postgres.Store, e connectors.Event, ref string, raced bool) {
	t.Helper()
	if ref == "" {
		t.Errorf("event %d is stored but was never acknowledged", e.ID)
		return
	}
	wantPayload := `{"ref":"` + ref + `"}`
	if e.Ref != ref || string(e.Payload) != wantPayload {
		t.Errorf("event %d: got ref %q payload %s, want %q and %s",
			e.ID, e.Ref, e.Payload, ref, wantPayload)
	}
	h, err := s.History(context.Background(), e.ID)
	if err != nil {
		t.Fatalf("History(%d): %v", e.ID, err)
	}
	want := []string{"→received by system"}
	wantState := connectors.StateReceived
	if raced {
		want = append(want, "received→processing by "+string(operator(t)))
		wantState = connectors.StateProcessing
	}
	var got []string
	for _, row := range h {
		got = append(got, fmt.Sprintf("%s→%s by %s", row.From, row.To, row.Actor))
	}
	if strings.Join(got, "; ") != strings.Join(want, "; ") || e.State != wantState {
		t.Errorf("event %d: got state %s history %q, want %s and %q",
			e.ID, e.State, got, wantState, want)
	}
}

// operator is the actor the CLI records moves under: the OS user.
func operator(t *testing.T) connectors.Actor {
	u, err := user.Current()
	if err != nil {
		t.Fatalf("current user: %v", err)
	}
	return connectors.UserActor(u.Username)
}
