package failurelimit

import (
	"testing"
	"time"
)

func TestLimiter_BlocksAfterBurstThenRefills(t *testing.T) {
	t.Parallel()
	l := New(Limit{Burst: 3, Every: 2 * time.Second, MaxAddresses: 10})
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for i := range 3 {
		if _, blocked := l.Blocked("a", now); blocked {
			t.Fatalf("after %d failures: blocked, want not yet", i)
		}
		l.Fail("a", now)
	}
	wait, blocked := l.Blocked("a", now)
	if !blocked || wait != 2*time.Second {
		t.Errorf("after 3 failures: got %v %v, want blocked for 2s", wait, blocked)
	}
	if _, blocked := l.Blocked("b", now); blocked {
		t.Error("another address: blocked, want free")
	}
	if _, blocked := l.Blocked("a", now.Add(2*time.Second)); blocked {
		t.Error("after the refill: blocked, want one failure allowed")
	}
}

func TestLimiter_ForgetsRefilledAddressesWhenFull(t *testing.T) {
	t.Parallel()
	l := New(Limit{Burst: 1, Every: time.Second, MaxAddresses: 2})
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	l.Fail("a", now)
	l.Fail("b", now)
	l.Fail("c", now.Add(time.Hour)) // a and b refilled long ago
	if n := len(l.buckets); n != 1 {
		t.Errorf("remembered addresses: got %d, want 1", n)
	}
	if _, blocked := l.Blocked("c", now.Add(time.Hour)); !blocked {
		t.Error("c after its one failure: free, want blocked")
	}
}
