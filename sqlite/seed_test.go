package sqlite_test

import (
	"context"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/sqlite"
)

func TestSeed_WritesConsistentEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t)
	defer s.Close()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	var progress []int
	err := s.Seed(ctx, sqlite.SeedOptions{Events: 6000, Now: now, Seed: 1,
		Progress: func(n int) { progress = append(progress, n) }})
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	if len(progress) != 2 || progress[0] != 5000 || progress[1] != 6000 {
		t.Errorf("progress: got %v, want [5000 6000]", progress)
	}

	counts, err := s.CountEvents(ctx, connectors.EventFilter{}, connectors.GroupByState)
	if err != nil {
		t.Fatalf("CountEvents: %v", err)
	}
	var total int64
	for _, c := range counts {
		total += c.N
	}
	if total != 6000 || counts[0].Key != "processed" {
		t.Errorf("counts: got %v (total %d), want 6000 mostly processed", counts, total)
	}
	// The counters table agrees with the events themselves.
	direct, _ := s.CountEvents(ctx, connectors.EventFilter{EventType: "push"},
		connectors.GroupByState)
	viaSearch, _ := s.CountEvents(ctx, connectors.EventFilter{Search: "push"},
		connectors.GroupByState)
	if len(direct) == 0 || len(direct) != len(viaSearch) {
		t.Errorf("push by state: got %v direct, %v by search", direct, viaSearch)
	}

	// A day's events: listed by time, counted from the daily counters,
	// and counted from the events themselves (every payload says
	// "seeded"), all agree.
	day := now.AddDate(0, 0, -10).Truncate(24 * time.Hour)
	f := connectors.EventFilter{Since: day, Until: day.AddDate(0, 0, 1)}
	byDay, _ := s.CountEvents(ctx, f, connectors.GroupByDay)
	f.Search = "seeded"
	direct, _ = s.CountEvents(ctx, f, connectors.GroupByDay)
	f.Search, f.Limit = "", connectors.MaxLimit
	listed, _ := s.Events(ctx, f)
	if len(byDay) != 1 || len(direct) != 1 || byDay[0] != direct[0] ||
		int64(len(listed)) != byDay[0].N {
		t.Errorf("day %s: counters %v, direct %v, listed %d; want one equal count",
			day.Format(time.DateOnly), byDay, direct, len(listed))
	}
	for _, e := range listed {
		if e.ReceivedAt.Before(f.Since) || !e.ReceivedAt.Before(f.Until) {
			t.Fatalf("event %d received %v, outside %v", e.ID, e.ReceivedAt, f.Since)
		}
	}
	f.Since, f.Until = now.Add(time.Hour), time.Time{}
	if later, err := s.Events(ctx, f); err != nil || len(later) != 0 {
		t.Errorf("events after the last: got %d, %v; want none", len(later), err)
	}

	list, _ := s.Events(ctx, connectors.EventFilter{Limit: 1000})
	for i, e := range list {
		if i > 0 && e.ReceivedAt.After(list[i-1].ReceivedAt) {
			t.Fatalf("event %d received after the newer %d", e.ID, list[i-1].ID)
		}
		if e.ReceivedAt.After(now) || e.ReceivedAt.Before(now.AddDate(0, 0, -30)) {
			t.Fatalf("event %d received %v, outside the 30 days to %v", e.ID, e.ReceivedAt, now)
		}
	}
	failed, _ := s.Events(ctx, connectors.EventFilter{State: "failed", Limit: 1})
	h, _ := s.History(ctx, failed[0].ID)
	if len(h) != 3 || h[2].To != "failed" || h[2].Reason != failed[0].ErrorMessage {
		t.Errorf("history of a failed event: got %+v", h)
	}
}
