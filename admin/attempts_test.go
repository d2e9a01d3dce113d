package admin

import (
	"testing"
	"time"
)

func TestAttempts_ReserveCancelAndWindow(t *testing.T) {
	t.Parallel()
	a := newAttempts(2, time.Minute, 10)
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for i, want := range []bool{true, true, false} {
		if got := a.reserve("x", at); got != want {
			t.Errorf("reserve %d: got %v, want %v", i+1, got, want)
		}
	}
	a.cancel("x", at)
	if !a.reserve("x", at.Add(time.Second)) {
		t.Errorf("after one was given back: got refused, want reserved")
	}
	// A minute on, the first is out of the window, the second is not.
	later := at.Add(time.Minute)
	if !a.reserve("x", later) {
		t.Errorf("a minute on: got refused, want reserved")
	}
	if a.reserve("x", later) {
		t.Errorf("a minute on, again: got reserved, want refused")
	}
	if !a.reserve("x", later.Add(time.Second)) {
		t.Errorf("once the second is out too: got refused, want reserved")
	}
}

func TestAttempts_RemembersAtMostMaxKeys(t *testing.T) {
	t.Parallel()
	a := newAttempts(1, time.Minute, 3)
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for _, k := range []string{"a", "b", "c"} {
		a.reserve(k, at)
	}
	// All three still count: one is forgotten to make room.
	if !a.reserve("d", at) || len(a.keys) != 3 {
		t.Errorf("a fourth key while all count: got %d keys, want 3", len(a.keys))
	}
	// An hour on, all are out of the window and are forgotten.
	if !a.reserve("e", at.Add(time.Hour)) || len(a.keys) != 1 {
		t.Errorf("a key after the window: got %d keys, want 1", len(a.keys))
	}
	if a.reserve("e", at.Add(time.Hour)) {
		t.Errorf("e again: got reserved, want refused")
	}
}
