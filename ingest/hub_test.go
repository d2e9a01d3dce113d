package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/requestlog"
	"github.com/ipai-ai/ipai-connectors/sqlite"
)

// testToken is the instance token of every test hub. wrongToken is a
// token of some other instance: neither may appear in a log or a record.
const (
	testToken  = "tok-7Hq2xV9mLp4Rz8Kc"
	wrongToken = "tok-NotThisOne-5521"
)

// syncBuffer is a log sink shared by the handlers of concurrent requests.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// hub is the real handler behind requestlog, over a real SQLite store in
// a temporary directory, served by a real HTTP server.
type hub struct {
	store   *sqlite.Store
	path    string // the SQLite file
	handler http.Handler
	srv     *httptest.Server
	logs    *syncBuffer
}

// newHub starts a hub with the test token and the given body limit (0:
// the default). Requests from a peer in trusted are read for
// X-Forwarded-For. When the test ends it checks that neither token reached
// the log.
func newHub(t testing.TB, maxBody int64, trusted ...netip.Prefix) *hub {
	t.Helper()
	return newHubWith(t, Config{Token: testToken, MaxBodyBytes: maxBody},
		trusted...)
}

// newHubWith starts a hub with cfg, logging into the hub's buffer.
func newHubWith(t testing.TB, cfg Config, trusted ...netip.Prefix) *hub {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hub.db")
	store, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs,
		&slog.HandlerOptions{Level: slog.LevelDebug}))

	mux := http.NewServeMux()
	cfg.Logger = logger
	New(store, cfg).Register(mux)
	h := requestlog.Middleware(mux, logger, trusted)
	srv := httptest.NewServer(h)

	t.Cleanup(func() {
		srv.Close()
		store.Close()
		for _, secret := range []string{testToken, wrongToken} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("log output holds token %q:\n%s", secret, logs)
			}
		}
	})
	return &hub{store: store, path: path, handler: h, srv: srv, logs: logs}
}

// answer is a response read whole.
type answer struct {
	status int
	header http.Header
	body   string
}

// send makes one request to the hub.
func (hb *hub) send(t testing.TB, method, path, contentType string, body io.Reader) answer {
	t.Helper()
	req, err := http.NewRequest(method, hb.srv.URL+path, body)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return do(t, hb.srv.Client(), req)
}

// request returns a JSON POST of body to the event endpoint, to send with
// do once its headers are set.
func (hb *hub) request(t testing.TB, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("POST", hb.srv.URL+EventPath,
		strings.NewReader(body))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	return req
}

// post sends body as JSON to the event endpoint.
func (hb *hub) post(t testing.TB, body string) answer {
	t.Helper()
	return hb.send(t, "POST", EventPath, "application/json",
		strings.NewReader(body))
}

func do(t testing.TB, client *http.Client, req *http.Request) answer {
	t.Helper()
	a, err := fetch(client, req)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// fetch is do for goroutines other than the test's, which may not stop
// the test.
func fetch(client *http.Client, req *http.Request) (answer, error) {
	resp, err := client.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, fmt.Errorf("read answer: %w", err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}, nil
}

// eventID returns the id in an "ok":true answer, failing the test for
// any other answer.
func eventID(t testing.TB, a answer) int64 {
	t.Helper()
	id, err := parseEventID(a)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func parseEventID(a answer) (int64, error) {
	var env struct {
		Result struct {
			OK      bool  `json:"ok"`
			EventID int64 `json:"event_id"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(a.body), &env); err != nil || !env.Result.OK {
		return 0, fmt.Errorf("answer %d %s, want an ok result", a.status, a.body)
	}
	return env.Result.EventID, nil
}

// okBody is the exact answer for a stored event.
func okBody(id int64, rpcID string) string {
	return `{"jsonrpc":"2.0","result":{"ok":true,"event_id":` +
		strconv.FormatInt(id, 10) + `},"id":` + rpcID + `}`
}

// rejection returns the rejection recorded for the request with the given
// id, failing the test when there is none.
func (hb *hub) rejection(t testing.TB, requestID string) connectors.Rejection {
	t.Helper()
	list, err := hb.store.Rejections(context.Background(),
		connectors.RejectionFilter{Limit: connectors.MaxLimit})
	if err != nil {
		t.Fatalf("list rejections: %v", err)
	}
	for _, r := range list {
		if r.RequestID == requestID {
			return r
		}
	}
	t.Fatalf("no rejection recorded for request %q", requestID)
	return connectors.Rejection{}
}

// hasRejection reports whether a rejection was recorded for the request.
func (hb *hub) hasRejection(t testing.TB, requestID string) bool {
	t.Helper()
	list, err := hb.store.Rejections(context.Background(),
		connectors.RejectionFilter{Limit: connectors.MaxLimit})
	if err != nil {
		t.Fatalf("list rejections: %v", err)
	}
	for _, r := range list {
		if r.RequestID == requestID {
			return true
		}
	}
	return false
}

// checkRejection pins every field of the rejection of one request.
func checkRejection(t *testing.T, got, want connectors.Rejection,
	before time.Time) {
	t.Helper()
	if got.At.Before(before.Truncate(time.Microsecond)) || got.At.After(time.Now()) {
		t.Errorf("rejection At = %v, want between %v and now", got.At, before)
	}
	got.ID, got.At = 0, time.Time{}
	if got != want {
		t.Errorf("rejection = %+v\nwant        %+v", got, want)
	}
	for _, secret := range []string{testToken, wrongToken} {
		if strings.Contains(got.Source+got.Detail+got.RemoteAddr+got.Path, secret) {
			t.Errorf("rejection %+v holds a token", got)
		}
	}
}

// call builds a JSON-RPC body with id 1 and the given params members, in
// order; empty members are left out.
func call(params ...string) string {
	return callWithID("1", params...)
}

// callWithID builds a body with the given raw id, or none when id is "".
func callWithID(id string, params ...string) string {
	params = slices.DeleteFunc(params, func(p string) bool { return p == "" })
	body := `{"jsonrpc":"2.0","method":"call","params":{` +
		strings.Join(params, ",") + `}`
	if id != "" {
		body += `,"id":` + id
	}
	return body + `}`
}

// Params members, for building calls.
const (
	goodToken = `"token":"` + testToken + `"`
	n8n       = `"source":"n8n"`
	completed = `"event_type":"workflow.completed"`
)

// logLines decodes the hub's log, one map a line.
func (hb *hub) logLines(t testing.TB) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for line := range strings.Lines(hb.logs.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		lines = append(lines, m)
	}
	return lines
}

// logLine returns the log line with the given message for one request,
// failing the test when there is none.
func (hb *hub) logLine(t testing.TB, msg, requestID string) map[string]any {
	t.Helper()
	for _, line := range hb.logLines(t) {
		if line["msg"] == msg && line["request_id"] == requestID {
			return line
		}
	}
	t.Fatalf("no log line %q for request %s in:\n%s", msg, requestID, hb.logs)
	return nil
}

// checkFields reports every field of line that differs from want.
func checkFields(t testing.TB, line map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log %q %s = %v, want %v", line["msg"], k, line[k], v)
		}
	}
}
