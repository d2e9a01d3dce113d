package hooks_test

import (
	"testing"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/hooks"
)

// TestHook_DeliveryIDsAreScopedToTheirConnection posts the same delivery
// id to two GitHub connections of one company: both are stored, and a
// redelivery to either answers that connection's own event.
func TestHook_DeliveryIDsAreScopedToTheirConnection(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{})
	a := h.connect(connectors.ProviderGitHub, githubSecret)
	b := h.connect(connectors.ProviderGitHub, githubSecret)
	hdr := githubHeaders("issues", "d-7", "application/json", githubIssue)

	status, body, _ := h.post(a.HookPath(), hdr, []byte(githubIssue))
	wantAnswer(t, status, body, 201, stored(1, false))
	status, body, _ = h.post(b.HookPath(), hdr, []byte(githubIssue))
	wantAnswer(t, status, body, 201, stored(2, false))
	status, body, _ = h.post(b.HookPath(), hdr, []byte(githubIssue))
	wantAnswer(t, status, body, 200, stored(2, true))
	if n := len(h.events()); n != 2 {
		t.Fatalf("events: got %d, want 2", n)
	}
}

// TestREST_IdempotencyKeysAreScopedToTheSourceName sends one key for two
// source names: two events, each repeat answered with its own.
func TestREST_IdempotencyKeysAreScopedToTheSourceName(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{})
	hdr := bearer(testToken, "Idempotency-Key", "order-1")
	jira := []byte(`{"source":"jira","event_type":"issue.created"}`)
	shop := []byte(`{"source":"shop","event_type":"order.paid"}`)

	status, got, _ := h.post(hooks.EventsPath, hdr, jira)
	wantAnswer(t, status, got, 201, stored(1, false))
	status, got, _ = h.post(hooks.EventsPath, hdr, shop)
	wantAnswer(t, status, got, 201, stored(2, false))
	status, got, _ = h.post(hooks.EventsPath, hdr, jira)
	wantAnswer(t, status, got, 200, stored(1, true))
}
