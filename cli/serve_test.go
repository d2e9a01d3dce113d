package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/requestlog"
	"github.com/ipai-ai/ipai-connectors/sqlite"
)

// postRaw posts body to url as JSON and returns the status, the body and
// the response headers.
func postRaw(t *testing.T, url, body string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	return resp.StatusCode, string(b), resp.Header
}

func eventURL(srv *Server) string {
	return "http://" + srv.Addr() + "/ipai_ai_connectors/event"
}

// call is a JSON-RPC event call with payload inserted as it is.
func call(token, source, eventType, ref, payload, id string) string {
	return `{"jsonrpc":"2.0","method":"call","params":{"token":"` + token +
		`","source":"` + source + `","event_type":"` + eventType +
		`","ref":"` + ref + `","payload":` + payload + `},"id":` + id + `}`
}

// stamps collects the times a command printed, checking that each is RFC
// 3339 in UTC and falls within [from, to].
type stamps struct {
	t        *testing.T
	from, to time.Time
}

func (s stamps) check(v *string) string {
	s.t.Helper()
	if v == nil {
		s.t.Fatalf("time: got null, want a time")
	}
	at, err := time.Parse(time.RFC3339Nano, *v)
	if err != nil || !strings.HasSuffix(*v, "Z") {
		s.t.Fatalf("time %q: want RFC 3339 in UTC (%v)", *v, err)
	}
	if at.Before(s.from.Truncate(time.Microsecond)) || at.After(s.to) {
		s.t.Errorf("time %s: want it within %s and %s", at, s.from, s.to)
	}
	return *v
}

type printedTimes struct {
	ReceivedAt  *string `json:"received_at"`
	ProcessedAt *string `json:"processed_at"`
	History     []struct {
		At *string `json:"at"`
	} `json:"history"`
}

func TestEndToEnd_SendListShowMove(t *testing.T) {
	t.Parallel()
	start := time.Now()
	db := testDB(t)
	srv := startServer(t, db)
	url := eventURL(srv)
	vars := map[string]string{"IPAI_CONNECTORS_TOKEN": testToken}

	// send posts the payload's bytes as they are: big numbers, spacing
	// and HTML characters come back unchanged.
	payload1 := `{"n": 123456789012345678901234567890, "text": "a<b & c", "list": [1, 2.50, null]}`
	out := runCLI(t, vars, "send", "--url", url, "--source", "n8n",
		"--type", "workflow.completed", "--ref", "wf_1", "--payload", payload1)
	wantOK(t, out)
	want := `{"jsonrpc":"2.0","result":{"ok":true,"event_id":1},"id":1}` + "\n"
	if out.stdout != want {
		t.Errorf("send: got %q, want %q", out.stdout, want)
	}

	payload2 := "{\n  \"id\": \"evt_1\",\n  \"amount\": 1999\n}"
	status, body, _ := postRaw(t, url,
		call(testToken, "Stripe", "charge.succeeded", "", payload2, `"abc"`))
	want = `{"jsonrpc":"2.0","result":{"ok":true,"event_id":2},"id":"abc"}`
	if status != http.StatusOK || body != want {
		t.Errorf("post: got %d %q, want 200 %q", status, body, want)
	}

	// The listing shows both, newest first, payloads as stored.
	out = runCLI(t, nil, "events", "list", "--db", db, "--json")
	wantOK(t, out)
	var listed []printedTimes
	decodeJSON(t, out.stdout, &listed)
	if len(listed) != 2 {
		t.Fatalf("events list: got %d events, want 2: %s", len(listed), out.stdout)
	}
	ts := stamps{t: t, from: start, to: time.Now()}
	want = `[{"id":2,"company_id":1,"source":"custom","source_name":"Stripe",` +
		`"event_type":"charge.succeeded","ref":"","state":"received",` +
		`"payload":` + payload2 + `,"error_message":"","notes":"",` +
		`"received_at":"` + ts.check(listed[0].ReceivedAt) + `","processed_at":null},` +
		`{"id":1,"company_id":1,"source":"n8n","source_name":"n8n",` +
		`"event_type":"workflow.completed","ref":"wf_1","state":"received",` +
		`"payload":` + payload1 + `,"error_message":"","notes":"",` +
		`"received_at":"` + ts.check(listed[1].ReceivedAt) + `","processed_at":null}]` + "\n"
	if out.stdout != want {
		t.Errorf("events list --json:\ngot  %s\nwant %s", out.stdout, want)
	}

	// Moved by hand, event 1 shows each move in its history.
	wantOK(t, runCLI(t, nil, "events", "start", "1", "--db", db))
	wantOK(t, runCLI(t, nil, "events", "process", "1", "--db", db, "--reason", "done by hand"))
	out = runCLI(t, nil, "events", "show", "1", "--json", "--db", db)
	wantOK(t, out)
	var shown printedTimes
	decodeJSON(t, out.stdout, &shown)
	if len(shown.History) != 3 {
		t.Fatalf("history: got %d rows, want 3: %s", len(shown.History), out.stdout)
	}
	ts.to = time.Now()
	want = `{"id":1,"company_id":1,"source":"n8n","source_name":"n8n",` +
		`"event_type":"workflow.completed","ref":"wf_1","state":"processed",` +
		`"payload":` + payload1 + `,"error_message":"","notes":"",` +
		`"received_at":"` + ts.check(shown.ReceivedAt) + `",` +
		`"processed_at":"` + ts.check(shown.ProcessedAt) + `",` +
		`"history":[` +
		`{"from":null,"to":"received","at":"` + ts.check(shown.History[0].At) +
		`","actor":"system","reason":""},` +
		`{"from":"received","to":"processing","at":"` + ts.check(shown.History[1].At) +
		`","actor":"user:alice","reason":""},` +
		`{"from":"processing","to":"processed","at":"` + ts.check(shown.History[2].At) +
		`","actor":"user:alice","reason":"done by hand"}]}` + "\n"
	if out.stdout != want {
		t.Errorf("events show --json:\ngot  %s\nwant %s", out.stdout, want)
	}
}

func TestEndToEnd_RefusedCallsAreListed(t *testing.T) {
	t.Parallel()
	start := time.Now()
	db := testDB(t)
	srv := startServer(t, db)

	const wrong = "not-the-token-4f1d"
	out := runCLI(t, nil, "send", "--url", eventURL(srv), "--token", wrong,
		"--source", "github", "--type", "push")
	if out.code != ExitFail {
		t.Errorf("send with a wrong token: exit code got %d, want 1", out.code)
	}
	want := `{"jsonrpc":"2.0","result":{"ok":false,"error":"Invalid token"},"id":1}` + "\n"
	if out.stdout != want {
		t.Errorf("send stdout: got %q, want %q", out.stdout, want)
	}
	if want := "ipai-connectors: the hub refused the event: Invalid token\n"; out.stderr != want {
		t.Errorf("send stderr: got %q, want %q", out.stderr, want)
	}

	status, body, header := postRaw(t, eventURL(srv),
		`{"jsonrpc":"2.0","method":"call","params":{"source":"slack","event_type":"x"},"id":3}`)
	want = `{"jsonrpc":"2.0","result":{"ok":false,"error":"Invalid token"},"id":3}`
	if status != http.StatusOK || body != want {
		t.Errorf("post without token: got %d %q, want 200 %q", status, body, want)
	}

	out = runCLI(t, nil, "rejected", "list", "--db", db, "--json", "--cause", "missing_token")
	wantOK(t, out)
	var got []rejectionJSON
	decodeJSON(t, out.stdout, &got)
	if len(got) != 1 {
		t.Fatalf("rejected list: got %d rows, want 1: %s", len(got), out.stdout)
	}
	stamps{t: t, from: start, to: time.Now()}.check(got[0].At)
	r := got[0]
	if r.RemoteAddr != "127.0.0.1" || r.Path != "/ipai_ai_connectors/event" ||
		r.Source != "slack" || r.Cause != connectors.CauseMissingToken ||
		r.RequestID != header.Get(requestlog.HeaderID) || r.RequestID == "" {
		t.Errorf("rejection: got %+v, want missing_token from 127.0.0.1 "+
			"for slack on the event path, request id %q",
			r, header.Get(requestlog.HeaderID))
	}

	out = runCLI(t, nil, "rejected", "list", "--db", db, "--json")
	wantOK(t, out)
	got = nil
	decodeJSON(t, out.stdout, &got)
	if len(got) != 2 || got[1].Cause != connectors.CauseWrongToken || got[1].Source != "github" {
		t.Errorf("rejected list: got %s, want the wrong github token second", out.stdout)
	}
	if strings.Contains(out.stdout, wrong) {
		t.Errorf("rejected list shows the token that was sent: %s", out.stdout)
	}
}

func TestEndToEnd_HealthAnswers(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testDB(t))
	resp, err := http.Get("http://" + srv.Addr() + "/ipai_ai_connectors/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	want := `{"status":"ok","module":"ipai_ai_connectors","version":"` + connectors.Version + `"}`
	if resp.StatusCode != http.StatusOK || string(body) != want {
		t.Errorf("health: got %d %q, want 200 %q", resp.StatusCode, body, want)
	}
	if resp.Header.Get(requestlog.HeaderID) == "" {
		t.Errorf("health: no %s header: requestlog is not in front of ingest", requestlog.HeaderID)
	}
}

func TestEndToEnd_BodyLimitFromConfig(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testDB(t)) // MaxBodyBytes: 1 MiB
	big := `"` + strings.Repeat("x", 1<<20) + `"`
	status, _, _ := postRaw(t, eventURL(srv), call(testToken, "n8n", "big", "", big, "1"))
	if status != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the limit: got HTTP %d, want 413", status)
	}
}

// posted is what the durability test posted and was told.
type posted struct {
	id      int64
	payload string
}

func TestEndToEnd_EventsSurviveRestart(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	srv := startServer(t, db)
	sent := postMany(t, eventURL(srv), 100)
	if err := srv.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	// Started again on the same file, the hub has every event; the CLI
	// reads it beside the running server.
	srv = startServer(t, db)
	out := runCLI(t, nil, "events", "list", "--db", db, "--json", "--limit", "1000")
	wantOK(t, out)
	var listed []struct {
		ID      int64           `json:"id"`
		State   string          `json:"state"`
		Payload json.RawMessage `json:"payload"`
	}
	decodeJSON(t, out.stdout, &listed)
	if len(listed) != len(sent) {
		t.Fatalf("after restart: got %d events, want %d", len(listed), len(sent))
	}
	for _, e := range listed {
		p, ok := sent[e.ID]
		if !ok || string(e.Payload) != p.payload || e.State != "received" {
			t.Errorf("event %d: got %s %s, want received %s", e.ID, e.State, e.Payload, p.payload)
		}
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	inStore(t, db, func(store *sqlite.Store) {
		for id, p := range sent {
			e, h := readEvent(t, store, id)
			if string(e.Payload) != p.payload {
				t.Errorf("event %d payload: got %s, want %s", id, e.Payload, p.payload)
			}
			if len(h) != 1 || h[0].From != "" || h[0].To != connectors.StateReceived ||
				h[0].Actor != connectors.ActorSystem || h[0].EventID != id {
				t.Errorf("event %d history: got %+v, want one arrival row by system", id, h)
			}
		}
	})
}

// postMany posts n events from several clients at once, so that commits
// are shared, and returns them by the id the hub answered.
func postMany(t *testing.T, url string, n int) map[int64]posted {
	t.Helper()
	var mu sync.Mutex
	sent := make(map[int64]posted, n)
	var wg sync.WaitGroup
	for c := range 8 {
		wg.Go(func() {
			for i := c; i < n; i += 8 {
				p := fmt.Sprintf(`{"i": %d,  "big": 9007199254740993%d, "s": "é\u00e9"}`, i, i)
				id, err := postEvent(url, call(testToken, "n8n", "load", fmt.Sprint(i), p, "1"))
				if err != nil {
					t.Errorf("post %d: %v", i, err)
					continue
				}
				mu.Lock()
				sent[id] = posted{id: id, payload: p}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(sent) != n {
		t.Fatalf("posted %d events, got %d distinct ids", n, len(sent))
	}
	return sent
}

// postEvent posts one call and returns the id of the stored event. It is
// safe to call from any goroutine.
func postEvent(url, body string) (int64, error) {
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var rpc struct {
		Result struct {
			OK      bool   `json:"ok"`
			EventID int64  `json:"event_id"`
			Error   string `json:"error"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&rpc); err != nil {
		return 0, fmt.Errorf("HTTP %d: %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK || !rpc.Result.OK {
		return 0, fmt.Errorf("HTTP %d: %s", resp.StatusCode, rpc.Result.Error)
	}
	return rpc.Result.EventID, nil
}

func TestServe_RefusesToStartWithoutToken(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "hub.db")
	out := runCLI(t, nil, "serve", "--db", db, "--addr", "127.0.0.1:0")
	if out.code != ExitUsage {
		t.Errorf("exit code: got %d, want %d", out.code, ExitUsage)
	}
	want := "ipai-connectors: no instance token: set IPAI_CONNECTORS_TOKEN, " +
		"pass --token, or name a file holding it in IPAI_CONNECTORS_TOKEN_FILE " +
		"(make one with: openssl rand -hex 32)\n" +
		"Run 'ipai-connectors serve --help' for usage.\n"
	if out.stderr != want {
		t.Errorf("stderr: got %q, want %q", out.stderr, want)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("store file: got %v, want none created by a refused start", err)
	}
}

func TestServe_RunsUntilCancelledThenStops(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	var stderr lockedBuffer
	env := Env{
		Stdout: io.Discard,
		Stderr: &stderr,
		LookupEnv: lookupIn(map[string]string{
			"IPAI_CONNECTORS_TOKEN_FILE": writeFile(t, "token", testToken+"\n"),
			"IPAI_CONNECTORS_LOG_FORMAT": "json",
		}),
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exited := make(chan int, 1)
	go func() {
		exited <- Run(ctx, env, []string{"serve", "--db", db, "--addr", "127.0.0.1:0"})
	}()

	addr := waitForListening(t, &stderr, exited)
	status, body, _ := postRaw(t, "http://"+addr+"/ipai_ai_connectors/event",
		call(testToken, "n8n", "workflow.completed", "wf_9", `{"a":1}`, "9"))
	want := `{"jsonrpc":"2.0","result":{"ok":true,"event_id":1},"id":9}`
	if status != http.StatusOK || body != want {
		t.Errorf("post: got %d %q, want 200 %q", status, body, want)
	}

	cancel() // as SIGTERM does through Main
	select {
	case code := <-exited:
		if code != ExitOK {
			t.Errorf("exit code: got %d, want 0; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30s of being cancelled")
	}
	if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
		t.Errorf("log lacks the stop:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), testToken) {
		t.Errorf("the log holds the token:\n%s", stderr.String())
	}
	if e, _ := readEventAt(t, db, 1); string(e.Payload) != `{"a":1}` {
		t.Errorf("after stop: payload got %s, want {\"a\":1}", e.Payload)
	}
}

// waitForListening reads serve's JSON log until it says where it listens.
func waitForListening(t *testing.T, log *lockedBuffer, exited <-chan int) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for line := range strings.Lines(log.String()) {
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
				return rec.Addr
			}
		}
		select {
		case code := <-exited:
			t.Fatalf("serve exited with %d before listening:\n%s", code, log.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not log its address within 30s:\n%s", log.String())
	return ""
}
