package hooks_test

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/bodybudget"
	"github.com/ipai-ai/ipai-connectors/hooks"
)

const overloadedBody = `{"error":{"code":"overloaded",` +
	`"message":"the hub is holding too many bodies: retry later"}}` + "\n"

// wantOverloaded fails unless an answer is the 503 of a spent budget,
// and the newest rejection records it.
func (h *hub) wantOverloaded(status int, body string, hdr http.Header) {
	h.t.Helper()
	wantAnswer(h.t, status, body, 503, overloadedBody)
	if got := hdr.Get("Retry-After"); got != "5" {
		h.t.Errorf("Retry-After: got %q, want %q", got, "5")
	}
	rej := h.rejections()
	if len(rej) == 0 || rej[0].Cause != connectors.CauseOverloaded ||
		rej[0].Detail != "in-flight body budget spent" {
		h.t.Errorf("newest rejection: got %+v, want overloaded", rej)
	}
}

// TestHook_RefusesDecodedBodiesPastTheBudget posts a small gzip body,
// badly signed, that inflates to more than the whole budget though less
// than the body limit: it is refused while it is decoded, before its
// signature is checked, and what it held is given back.
func TestHook_RefusesDecodedBodiesPastTheBudget(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{MaxBodyBytes: 4 << 20,
		Budget: bodybudget.New(1 << 20)})
	c := h.connect(connectors.ProviderGitHub, githubSecret)
	big := `{"pad":"` + strings.Repeat("x", 3<<20) + `"}`
	hdr := headers("Content-Type", "application/json", "Content-Encoding", "gzip",
		"X-GitHub-Event", "issues", "X-Hub-Signature-256", "sha256=00")
	bomb := gzipped(t, big)
	for range 3 {
		h.wantOverloaded(h.post(c.HookPath(), hdr, bomb))
	}

	// The budget is whole again: a small gzip body is decoded and stored.
	hdr = githubHeaders("issues", "d-small", "application/json", githubIssue)
	hdr["Content-Encoding"] = []string{"gzip"}
	status, body, _ := h.post(c.HookPath(), hdr, gzipped(t, githubIssue))
	wantAnswer(t, status, body, 201, stored(1, false))
}

// TestHook_RefusesStalledBodiesPastTheBudget holds bodies open half-sent
// until the budget is spent, then expects the next delivery to be
// refused with 503, and stored once the held bodies go away.
func TestHook_RefusesStalledBodiesPastTheBudget(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{Budget: bodybudget.New(2 * bodybudget.Chunk)})
	c := h.connect(connectors.ProviderGitHub, githubSecret)
	n := 0
	deliver := func() (int, string, http.Header) {
		n++
		return h.post(c.HookPath(),
			githubHeaders("issues", fmt.Sprintf("d-%d", n), "application/json", githubIssue),
			[]byte(githubIssue))
	}

	// Hold bodies half-sent, one more at a time, until a delivery is
	// refused: how many it takes depends on how each body is charged.
	var conns []net.Conn
	var status int
	var body string
	var hdr http.Header
	for range 8 {
		conn, err := net.Dial("tcp", strings.TrimPrefix(h.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
		// Closed before the server, which waits for requests in flight.
		t.Cleanup(func() { conn.Close() })
		start := `{"action":`
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: hub\r\n"+
			"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"+
			"\r\n%x\r\n%s\r\n", c.HookPath(), len(start), start)
		status, body, hdr = retryFor(2*time.Second, 503, deliver)
		if status == 503 {
			break
		}
	}
	h.wantOverloaded(status, body, hdr)

	for _, conn := range conns {
		conn.Close()
	}
	status, body, _ = retryUntil(t, 201, deliver)
	if status != 201 {
		t.Errorf("after the held bodies went away: got %d %s, want 201", status, body)
	}
}

// retryFor calls send until it answers want, for up to d, and returns
// its last answer.
func retryFor(d time.Duration, want int,
	send func() (int, string, http.Header)) (int, string, http.Header) {
	deadline := time.Now().Add(d)
	for {
		status, body, hdr := send()
		if status == want || time.Now().After(deadline) {
			return status, body, hdr
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// retryUntil calls send until it answers want, for up to ten seconds, and
// returns its last answer.
func retryUntil(t *testing.T, want int,
	send func() (int, string, http.Header)) (int, string, http.Header) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, body, hdr := send()
		if status == want || time.Now().After(deadline) {
			return status, body, hdr
		}
		time.Sleep(10 * time.Millisecond)
	}
}
