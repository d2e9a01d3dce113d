package storetest

import (
	"sync"
	"testing"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// pathTo lists the moves that bring a new event to each state.
var pathTo = map[connectors.State][]connectors.State{
	connectors.StateReceived:   nil,
	connectors.StateProcessing: {connectors.StateProcessing},
	connectors.StateProcessed:  {connectors.StateProcessed},
	connectors.StateFailed:     {connectors.StateProcessing, connectors.StateFailed},
	connectors.StateIgnored:    {connectors.StateIgnored},
}

// allowed is the table of PRODUCT.md §2, written out again here so that a
// change to the domain's table fails this suite until both agree.
var allowed = map[[2]connectors.State]bool{
	{"received", "processing"}:  true,
	{"received", "processed"}:   true,
	{"received", "ignored"}:     true,
	{"processing", "processed"}: true,
	{"processing", "failed"}:    true,
	{"processing", "received"}:  true,
	{"processing", "ignored"}:   true,
	{"failed", "ignored"}:       true,
	{"failed", "received"}:      true,
	{"ignored", "received"}:     true,
	{"processed", "received"}:   true,
}

const tester = connectors.Actor("user:tester")

// eventIn creates an event and moves it to state, returning its id.
func eventIn(t *testing.T, s connectors.Store, state connectors.State) int64 {
	t.Helper()
	id := create(t, s, newEvent(string(state)))
	for _, to := range pathTo[state] {
		_, err := s.MoveEvent(ctx(t), connectors.Move{
			EventID: id, To: to, Actor: tester, Reason: "setup",
		})
		if err != nil {
			t.Fatalf("move event %d to %s: %v", id, to, err)
		}
	}
	return id
}

func testMoveEveryPair(t *testing.T, s connectors.Store) {
	for _, from := range connectors.States {
		for _, to := range connectors.States {
			id := eventIn(t, s, from)
			before, _ := s.History(ctx(t), id)
			moved, err := s.MoveEvent(ctx(t), connectors.Move{
				EventID: id, To: to, Actor: tester, Reason: "because " + string(to),
			})
			after, herr := s.History(ctx(t), id)
			if herr != nil {
				t.Fatalf("History: %v", herr)
			}
			ev, eerr := s.Event(ctx(t), id)
			if eerr != nil {
				t.Fatalf("Event: %v", eerr)
			}

			if !allowed[[2]connectors.State{from, to}] {
				if err == nil {
					t.Errorf("%s→%s: moved, want refused", from, to)
					continue
				}
				if ev.State != from || len(after) != len(before) {
					t.Errorf("%s→%s refused but changed: state %s, history %d→%d rows",
						from, to, ev.State, len(before), len(after))
				}
				continue
			}

			if err != nil {
				t.Errorf("%s→%s: %v, want moved", from, to, err)
				continue
			}
			if moved.State != to || ev.State != to {
				t.Errorf("%s→%s: state got %s (stored %s), want %s", from, to, moved.State, ev.State, to)
			}
			if len(after) != len(before)+1 {
				t.Fatalf("%s→%s: history got %d rows, want %d", from, to, len(after), len(before)+1)
			}
			last := after[len(after)-1]
			if last.From != from || last.To != to || last.Actor != tester ||
				last.Reason != "because "+string(to) || !last.At.Equal(ev.UpdatedAt) {
				t.Errorf("%s→%s: history row got %+v", from, to, last)
			}
		}
	}
}

func testMoveFailedNeedsReason(t *testing.T, s connectors.Store) {
	id := eventIn(t, s, connectors.StateProcessing)
	_, err := s.MoveEvent(ctx(t), connectors.Move{
		EventID: id, To: connectors.StateFailed, Actor: tester,
	})
	wantCode(t, err, connectors.EINVALID)
	ev, _ := s.Event(ctx(t), id)
	if ev.State != connectors.StateProcessing {
		t.Errorf("state after refused fail: got %s, want processing", ev.State)
	}
}

func testMoveExpectedStateConflict(t *testing.T, s connectors.Store) {
	id := eventIn(t, s, connectors.StateIgnored)
	_, err := s.MoveEvent(ctx(t), connectors.Move{
		EventID: id, From: connectors.StateReceived, To: connectors.StateProcessing,
		Actor: tester,
	})
	wantCode(t, err, connectors.ECONFLICT)

	_, err = s.MoveEvent(ctx(t), connectors.Move{
		EventID: id, To: connectors.StateIgnored, Actor: tester,
	})
	wantCode(t, err, connectors.ECONFLICT)
}

func testMoveConcurrentOneWins(t *testing.T, s connectors.Store) {
	id := eventIn(t, s, connectors.StateReceived)
	const racers = 16
	var wg sync.WaitGroup
	results := make(chan error, racers)
	for range racers {
		wg.Go(func() {
			_, err := s.MoveEvent(ctx(t), connectors.Move{
				EventID: id, From: connectors.StateReceived,
				To: connectors.StateProcessing, Actor: connectors.WorkerActor("w"),
			})
			results <- err
		})
	}
	wg.Wait()
	close(results)

	wins := 0
	for err := range results {
		switch connectors.ErrorCode(err) {
		case "":
			wins++
		case connectors.ECONFLICT:
		default:
			t.Errorf("racing move: got %v, want success or conflict", err)
		}
	}
	if wins != 1 {
		t.Errorf("winners: got %d, want 1", wins)
	}
	h, _ := s.History(ctx(t), id)
	if len(h) != 2 {
		t.Errorf("history rows: got %d, want 2 (arrival and one move)", len(h))
	}
}

func testMoveNotFound(t *testing.T, s connectors.Store) {
	_, err := s.MoveEvent(ctx(t), connectors.Move{
		EventID: 777, To: connectors.StateIgnored, Actor: tester,
	})
	wantCode(t, err, connectors.ENOTFOUND)
}

func testMoveFieldsFollowState(t *testing.T, s connectors.Store) {
	id := eventIn(t, s, connectors.StateProcessing)
	step := func(to connectors.State, reason string) connectors.Event {
		t.Helper()
		ev, err := s.MoveEvent(ctx(t), connectors.Move{
			EventID: id, To: to, Actor: tester, Reason: reason,
		})
		if err != nil {
			t.Fatalf("move to %s: %v", to, err)
		}
		return ev
	}

	ev := step(connectors.StateFailed, "upstream said 502")
	if ev.ErrorMessage != "upstream said 502" || !ev.ProcessedAt.IsZero() {
		t.Errorf("failed: error %q processed_at %v, want the reason and none",
			ev.ErrorMessage, ev.ProcessedAt)
	}
	ev = step(connectors.StateIgnored, "known outage")
	if ev.ErrorMessage != "upstream said 502" {
		t.Errorf("ignored after failed: error %q, want it kept", ev.ErrorMessage)
	}
	ev = step(connectors.StateReceived, "replay")
	if ev.ErrorMessage != "" {
		t.Errorf("retried: error %q, want cleared", ev.ErrorMessage)
	}
	ev = step(connectors.StateProcessed, "done by hand")
	if ev.ProcessedAt.IsZero() || !ev.ProcessedAt.Equal(ev.UpdatedAt) {
		t.Errorf("processed: processed_at %v, want %v", ev.ProcessedAt, ev.UpdatedAt)
	}
	ev = step(connectors.StateReceived, "again")
	if !ev.ProcessedAt.IsZero() {
		t.Errorf("retried after processed: processed_at %v, want none", ev.ProcessedAt)
	}
}
