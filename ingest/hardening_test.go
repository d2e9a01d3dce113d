package ingest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/failurelimit"
)

func TestIngest_EnvelopeKeysMatchExactlyAndTheLastWins(t *testing.T) {
	t.Parallel()
	hb := newHub(t, 0)
	good := `{` + goodToken + `,` + n8n + `,` + completed + `}`
	bad := `{"token":"nope",` + n8n + `,` + completed + `}`
	invalid := rpc(`{"ok":false,"error":"Invalid token"}`, "1")
	tests := []struct {
		name, body, want string
	}{
		{"params in upper case are not params",
			`{"jsonrpc":"2.0","PARAMS":` + good + `,"id":1}`, invalid},
		{"the last params wins",
			`{"jsonrpc":"2.0","params":` + good + `,"params":` + bad + `,"id":1}`, invalid},
		{"the last token within params wins",
			`{"jsonrpc":"2.0","params":{` + goodToken + `,"token":"nope",` + n8n + `,` +
				completed + `},"id":1}`, invalid},
		{"the last id wins",
			`{"jsonrpc":"2.0","params":` + bad + `,"id":1,"id":"two"}`,
			rpc(`{"ok":false,"error":"Invalid token"}`, `"two"`)},
	}
	for _, tt := range tests {
		a := hb.post(t, tt.body)
		if a.status != http.StatusOK || a.body != tt.want {
			t.Errorf("%s: got %d %s, want 200 %s", tt.name, a.status, a.body, tt.want)
		}
	}
}

func TestIngest_RefusesOverlongFields(t *testing.T) {
	t.Parallel()
	hb := newHub(t, 0)
	long := func(n int) string { return strings.Repeat("é", n) }
	tests := []struct {
		name, param, want string
	}{
		{"source", `"source":"` + long(101) + `"`,
			`Invalid 'source' parameter: longer than 100 characters`},
		{"event_type", n8n + `,"event_type":"` + long(256) + `"`,
			`Invalid 'event_type' parameter: longer than 255 characters`},
		{"ref", n8n + `,` + completed + `,"ref":"` + long(1025) + `"`,
			`Invalid 'ref' parameter: longer than 1024 characters`},
	}
	for _, tt := range tests {
		a := hb.post(t, call(goodToken, tt.param))
		want := rpc(`{"ok":false,"error":"`+tt.want+`"}`, "1")
		if a.body != want {
			t.Errorf("%s: got %s, want %s", tt.name, a.body, want)
		}
		r := hb.rejection(t, a.header.Get("X-Request-Id"))
		if r.Cause != connectors.CauseInvalidParams || r.Detail != tt.name+" is too long" {
			t.Errorf("%s: recorded %s %q, want invalid_params %q",
				tt.name, r.Cause, r.Detail, tt.name+" is too long")
		}
	}

	// At the limit is fine: 255 two-byte characters are 510 bytes.
	a := hb.post(t, call(goodToken, n8n, `"event_type":"`+long(255)+`"`))
	if !strings.Contains(a.body, `"ok":true`) {
		t.Errorf("event type of 255 characters: got %s, want stored", a.body)
	}
}

func TestIngest_RedactsTheTokenHoweverItWasEscaped(t *testing.T) {
	t.Parallel()
	hb := newHub(t, 0)
	// The token's characters as JSON escapes, and the token again, plain,
	// inside the payload.
	escaped := strings.ReplaceAll(testToken[:4], testToken[:4], `\u00`+
		hexOf(testToken[0])+`\u00`+hexOf(testToken[1])) + testToken[2:]
	body := call(`"token":"`+escaped+`"`, n8n, completed,
		`"payload":{"echo":"`+testToken+`"}`)
	a := hb.post(t, body)
	id := eventID(t, a)

	d, err := hb.store.Delivery(context.Background(), id)
	if err != nil {
		t.Fatalf("Delivery: %v", err)
	}
	if strings.Contains(string(d.Body), testToken) || strings.Contains(string(d.Body), escaped) {
		t.Errorf("kept body holds the token: %s", d.Body)
	}
	want := `{"jsonrpc":"2.0","method":"call","params":{"token":"[redacted]",` +
		`"source":"n8n","event_type":"workflow.completed",` +
		`"payload":{"echo":"[redacted]"}},"id":1}`
	if string(d.Body) != want {
		t.Errorf("kept body:\n got %s\nwant %s", d.Body, want)
	}
	ev, _ := hb.store.Event(context.Background(), id)
	if string(ev.Payload) != `{"echo":"`+testToken+`"}` {
		t.Errorf("payload: got %s, want it exactly as sent", ev.Payload)
	}
}

func hexOf(b byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&15]})
}

// TestIngest_RefusesBodiesPastTheInFlightBudget holds bodies open
// half-sent until the budget is spent, then expects the next request to
// be refused with 503, and served again once the held bodies go away.
func TestIngest_RefusesBodiesPastTheInFlightBudget(t *testing.T) {
	t.Parallel()
	const limit = 64 << 10
	hb := newHubWith(t, Config{Token: testToken, MaxBodyBytes: limit, MaxInFlightBytes: 1})
	// The budget is then the least that one body needs,
	// bodybudget.MinSize. Bodies are held half-sent, on raw connections
	// that send headers and a first chunk, then wait: one more at a time
	// until a post is refused, since a held body may be charged more than
	// a chunk and a post in flight may hold part of the budget.
	var conns []net.Conn
	var a answer
	for range 8 {
		c, err := net.Dial("tcp", hb.srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		start := `{"jsonrpc":"2.0",`
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: hub\r\n"+
			"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"+
			"%x\r\n%s\r\n", EventPath, len(start), start)

		deadline := time.Now().Add(2 * time.Second)
		for {
			a = hb.post(t, call(goodToken, n8n, completed))
			if a.status == http.StatusServiceUnavailable || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if a.status == http.StatusServiceUnavailable {
			break
		}
	}
	want := "Server busy: too many request bodies in flight, retry shortly"
	if a.status != http.StatusServiceUnavailable || a.body != want {
		t.Fatalf("with the budget spent: got %d %q, want 503 %q", a.status, a.body, want)
	}
	if got := a.header.Get("Retry-After"); got != "5" {
		t.Errorf("Retry-After with the budget spent: got %q, want %q", got, "5")
	}
	if r := hb.rejection(t, a.header.Get("X-Request-Id")); r.Cause != connectors.CauseOverloaded {
		t.Errorf("recorded cause: got %s, want overloaded", r.Cause)
	}

	for _, c := range conns {
		c.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		a = hb.post(t, call(goodToken, n8n, completed))
		if a.status == http.StatusOK || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	a = hb.post(t, call(goodToken, n8n, completed))
	if !strings.Contains(a.body, `"ok":true`) {
		t.Errorf("after the held bodies went away: got %d %s, want stored", a.status, a.body)
	}
}

func TestIngest_AddressThatKeepsSendingWrongTokensIsSlowed(t *testing.T) {
	t.Parallel()
	limit := failurelimit.New(failurelimit.Limit{Burst: 3, Every: time.Hour})
	hb := newHubWith(t, Config{Token: testToken, Failures: limit})
	wrong := call(`"token":"`+wrongToken+`"`, n8n, completed)
	for range 3 {
		if a := hb.post(t, wrong); a.status != http.StatusOK {
			t.Fatalf("wrong token within the burst: got %d, want 200", a.status)
		}
	}

	a := hb.post(t, call(goodToken, n8n, completed))
	want := "Too many failed requests from this address: retry in 3600 seconds"
	if a.status != http.StatusTooManyRequests || a.body != want ||
		a.header.Get("Retry-After") != "3600" {
		t.Errorf("after the burst, even the right token: got %d %q Retry-After %q, "+
			"want 429 %q 3600", a.status, a.body, a.header.Get("Retry-After"), want)
	}
	if r := hb.rejection(t, a.header.Get("X-Request-Id")); r.Cause != connectors.CauseRateLimited {
		t.Errorf("recorded cause: got %s, want rate_limited", r.Cause)
	}

	// Only wrong tokens count: another hub's limiter is untouched by
	// malformed bodies.
	other := newHubWith(t, Config{Token: testToken,
		Failures: failurelimit.New(failurelimit.Limit{Burst: 1, Every: time.Hour})})
	for range 3 {
		other.post(t, `{bad`)
	}
	if a := other.post(t, call(goodToken, n8n, completed)); !strings.Contains(a.body, `"ok":true`) {
		t.Errorf("after malformed bodies: got %d %s, want stored", a.status, a.body)
	}
}
