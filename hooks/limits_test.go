package hooks_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/bodybudget"
	"github.com/ipai-ai/ipai-connectors/failurelimit"
	"github.com/ipai-ai/ipai-connectors/hooks"
)

// TestHook_ConnectionLimitAboveTheBudgetIsTooLargeNotBusy gives a
// connection a body limit larger than the hub's budget can hold: a body
// past what the budget holds is 413 on an idle hub, not 503 for ever.
func TestHook_ConnectionLimitAboveTheBudgetIsTooLargeNotBusy(t *testing.T) {
	t.Parallel()
	budget := bodybudget.New(16 * bodybudget.Chunk) // holds 14/3 chunks
	h := newHub(t, hooks.Config{Budget: budget, MaxBodyBytes: bodybudget.Chunk})
	c := h.connect(connectors.ProviderGitHub, githubSecret,
		func(c *connectors.Connection) { c.MaxBodyBytes = 64 * bodybudget.Chunk })

	big := append([]byte(`{"pad":"`), bytes.Repeat([]byte("x"), 10*bodybudget.Chunk)...)
	big = append(big, `"}`...)
	hdr := githubHeaders("issues", "d-big", "application/json", string(big))
	status, body, _ := h.post(c.HookPath(), hdr, big)
	want := `{"error":{"code":"too_large","message":"the body is over the limit of ` +
		"305834 bytes\"}}\n"
	wantAnswer(t, status, body, 413, want)
}

// TestHook_OnlyCredentialFailuresSlowAnAddress sends many deliveries to
// a disabled connection from one address: they are refused, but they
// are not guessing, and a signed delivery to another connection from the
// same address still goes through.
func TestHook_OnlyCredentialFailuresSlowAnAddress(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{Failures: failurelimit.New(
		failurelimit.Limit{Burst: 3, Every: time.Hour})})
	off := h.connect(connectors.ProviderGitHub, githubSecret)
	if err := h.store.SetConnectionEnabled(context.Background(), off.ID, false); err != nil {
		t.Fatalf("disable: %v", err)
	}
	on := h.connect(connectors.ProviderGitHub, githubSecret)
	hdr := githubHeaders("issues", "d-1", "application/json", githubIssue)
	for range 5 {
		if status, _, _ := h.post(off.HookPath(), hdr, []byte(githubIssue)); status != 404 {
			t.Fatalf("disabled connection: got %d, want 404", status)
		}
	}
	status, body, _ := h.post(on.HookPath(), hdr, []byte(githubIssue))
	wantAnswer(t, status, body, 201, stored(1, false))
}

func TestHook_SendersCannotClaimTheBodyWasDecoded(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{})
	c := h.connect(connectors.ProviderGitHub, githubSecret)
	hdr := githubHeaders("issues", "d-1", "application/json", githubIssue)
	hdr["X-Ipai-Decoded-From"] = []string{"gzip"}
	status, body, _ := h.post(c.HookPath(), hdr, []byte(githubIssue))
	wantAnswer(t, status, body, 201, stored(1, false))
	d, err := h.store.Delivery(context.Background(), 1)
	if err != nil {
		t.Fatalf("Delivery: %v", err)
	}
	if got := d.Header.Get("X-Ipai-Decoded-From"); got != "" {
		t.Errorf("kept X-Ipai-Decoded-From: got %q, want none on a plain delivery", got)
	}
}

func TestREST_RefusesOverlongFields(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{})
	long := strings.Repeat("s", 101)
	status, got, _ := h.post(hooks.EventsPath, bearer(testToken),
		[]byte(`{"source":"`+long+`","event_type":"x"}`))
	wantAnswer(t, status, got, 400, `{"error":{"code":"invalid",`+
		`"message":"source is longer than 100 characters"}}`+"\n")
}
