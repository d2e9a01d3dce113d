package connectors

import (
	"strings"
	"testing"
)

func TestDeliveryKey_ScopesKeysToTheirSender(t *testing.T) {
	t.Parallel()
	a := DeliveryKey(ConnectionSender(1), "evt_1")
	b := DeliveryKey(ConnectionSender(2), "evt_1")
	if a == b {
		t.Errorf("two connections' keys: both %q, want them apart", a)
	}
	if want := `"connection:1"evt_1`; a != want {
		t.Errorf("key: got %q, want %q", a, want)
	}
	inst := DeliveryKey(CallerSender(nil, "n8n"), "order-1")
	tok := DeliveryKey(CallerSender(&Token{ID: 4}, "n8n"), "order-1")
	other := DeliveryKey(CallerSender(nil, "jira"), "order-1")
	if inst == tok || inst == other || tok == other {
		t.Errorf("callers' keys: %q %q %q, want all apart", inst, tok, other)
	}
	if want := `"token:4/n8n"order-1`; tok != want {
		t.Errorf("token key: got %q, want %q", tok, want)
	}
	if DeliveryKey(ConnectionSender(1), "") != "" {
		t.Error("an empty key: want it kept empty")
	}
}

func TestDeliveryKey_LongKeysBecomeADigestThatFits(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("k", MaxDeliveryKey)
	got := DeliveryKey(ConnectionSender(12), long)
	want := `"connection:12"sha256:` +
		"767527047c4621915da44b8a2aa3165e70ee554e2563526df03765e8ed8d091e"
	if got != want {
		t.Errorf("long key: got %q, want %q", got, want)
	}
	if DeliveryKey(ConnectionSender(12), long+"x") == got {
		t.Error("two long keys: same digest, want them apart")
	}
}
