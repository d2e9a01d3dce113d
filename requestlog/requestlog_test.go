package requestlog

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a log sink that handlers on several goroutines may share.
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

// seen is what the wrapped handler found in its request context.
type seen struct {
	id   string
	addr string
}

// serve runs one request through Middleware around a handler that answers
// status and body, and returns the response, what the handler saw, and
// the decoded log lines.
func serve(t *testing.T, r *http.Request, trusted []netip.Prefix,
	status int, body string) (*http.Response, seen, []map[string]any) {
	t.Helper()
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs,
		&slog.HandlerOptions{Level: slog.LevelDebug}))
	var got seen
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = seen{id: ID(r.Context()), addr: RemoteAddr(r.Context())}
		if status != 0 {
			w.WriteHeader(status)
		}
		io.WriteString(w, body)
	}), logger, trusted)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Result(), got, decodeLines(t, logs.String())
}

func decodeLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for line := range strings.Lines(s) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func mustTrusted(t *testing.T, list string) []netip.Prefix {
	t.Helper()
	p, err := ParseTrusted(list)
	if err != nil {
		t.Fatalf("ParseTrusted(%q): %v", list, err)
	}
	return p
}

var idPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

func TestMiddleware_GeneratesIDAndIgnoresIncomingOne(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("X-Request-Id", "chosen-by-client")

	resp, got, _ := serve(t, r, nil, 0, "ok")

	header := resp.Header.Get("X-Request-Id")
	if !idPattern.MatchString(header) {
		t.Errorf("X-Request-Id = %q, want 16 hex digits", header)
	}
	if got.id != header {
		t.Errorf("ID(ctx) = %q, want the header's %q", got.id, header)
	}
}

func TestMiddleware_GivesEachRequestItsOwnID(t *testing.T) {
	t.Parallel()
	ids := map[string]bool{}
	for range 100 {
		_, got, _ := serve(t, httptest.NewRequest("GET", "/", nil), nil, 0, "")
		if ids[got.id] {
			t.Fatalf("id %q given twice", got.id)
		}
		ids[got.id] = true
	}
}

func TestMiddleware_ResolvesClientAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		peer    string
		xff     []string
		trusted string
		want    string
	}{
		{"no proxy", "203.0.113.7:4000", nil, "", "203.0.113.7"},
		{"forwarded by untrusted peer is ignored", "203.0.113.7:4000",
			[]string{"198.51.100.1"}, "10.0.0.0/8", "203.0.113.7"},
		{"trusted peer without header", "10.0.0.2:80", nil, "10.0.0.0/8",
			"10.0.0.2"},
		{"trusted peer, one hop", "10.0.0.2:80", []string{"198.51.100.1"},
			"10.0.0.0/8", "198.51.100.1"},
		{"forged left hops are skipped", "10.0.0.2:80",
			[]string{"1.1.1.1, 198.51.100.1"}, "10.0.0.0/8", "198.51.100.1"},
		{"trusted hops are walked through", "10.0.0.2:80",
			[]string{"1.1.1.1, 198.51.100.1, 10.0.0.9"}, "10.0.0.0/8",
			"198.51.100.1"},
		{"several header lines read as one list", "10.0.0.2:80",
			[]string{"1.1.1.1", "198.51.100.1", "10.0.0.9"}, "10.0.0.0/8",
			"198.51.100.1"},
		{"all hops trusted gives the left-most", "10.0.0.2:80",
			[]string{"10.0.0.5, 10.0.0.9"}, "10.0.0.0/8", "10.0.0.5"},
		{"hop with port", "10.0.0.2:80", []string{"198.51.100.1:5555"},
			"10.0.0.0/8", "198.51.100.1"},
		{"ipv6 hop", "10.0.0.2:80", []string{"[2001:db8::1]:443"},
			"10.0.0.0/8", "2001:db8::1"},
		{"garbage hop keeps the last trusted one", "10.0.0.2:80",
			[]string{"198.51.100.1, nonsense, 10.0.0.9"}, "10.0.0.0/8",
			"10.0.0.9"},
		{"single trusted address", "192.0.2.10:1", []string{"198.51.100.4"},
			"192.0.2.10", "198.51.100.4"},
		{"ipv4-mapped peer", "[::ffff:10.0.0.2]:80", []string{"198.51.100.1"},
			"10.0.0.0/8", "198.51.100.1"},
		{"ipv6 peer", "[::1]:9999", nil, "", "::1"},
		{"unparsable peer kept as is", "@", []string{"198.51.100.1"},
			"10.0.0.0/8", "@"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			_, got, lines := serve(t, r, mustTrusted(t, tt.trusted), 0, "")
			if got.addr != tt.want {
				t.Errorf("RemoteAddr(ctx) = %q, want %q", got.addr, tt.want)
			}
			if a := lines[0]["remote_addr"]; a != tt.want {
				t.Errorf("logged remote_addr = %v, want %q", a, tt.want)
			}
		})
	}
}

func TestMiddleware_LogsOneLinePerRequest(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("POST", "/hooks/x?token=s3cr3t-query", nil)
	r.RemoteAddr = "192.0.2.1:1234"
	r.Header.Set("Authorization", "Bearer s3cr3t-header")

	resp, got, lines := serve(t, r, nil, http.StatusCreated, "hello")

	if len(lines) != 1 {
		t.Fatalf("got %d log lines, want 1", len(lines))
	}
	line := lines[0]
	want := map[string]any{
		"level":       "INFO",
		"msg":         "request",
		"method":      "POST",
		"path":        "/hooks/x",
		"status":      float64(201),
		"bytes":       float64(5),
		"request_id":  got.id,
		"remote_addr": "192.0.2.1",
	}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log %s = %v, want %v", k, line[k], v)
		}
	}
	if d, ok := line["duration_ms"].(float64); !ok || d < 0 {
		t.Errorf("log duration_ms = %v, want a number >= 0", line["duration_ms"])
	}
	keys := []string{"time", "level", "msg", "method", "path", "status",
		"duration_ms", "bytes", "request_id", "remote_addr"}
	if len(line) != len(keys) {
		t.Errorf("log line has keys %v, want exactly %v", line, keys)
	}
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("status = %d, want 201", resp.StatusCode)
	}
}

func TestMiddleware_NeverLogsQueryOrHeaders(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	h := Middleware(http.NotFoundHandler(), logger, nil)
	r := httptest.NewRequest("GET", "/x?token=q-secret-1", nil)
	r.Header.Set("Authorization", "Bearer h-secret-2")
	r.Header.Set("Cookie", "session=c-secret-3")
	h.ServeHTTP(httptest.NewRecorder(), r)

	out := logs.String()
	for _, s := range []string{"q-secret-1", "h-secret-2", "c-secret-3"} {
		if strings.Contains(out, s) {
			t.Errorf("log output %q holds %q", out, s)
		}
	}
}

func TestMiddleware_LevelFollowsStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int // 0: the handler writes a body and no header
		want   string
	}{
		{0, "INFO"},
		{200, "INFO"},
		{204, "INFO"},
		{302, "INFO"},
		{400, "WARN"},
		{404, "WARN"},
		{499, "WARN"},
		{500, "ERROR"},
		{503, "ERROR"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		_, _, lines := serve(t, r, nil, tt.status, "body")
		if got := lines[0]["level"]; got != tt.want {
			t.Errorf("status %d logged at %v, want %s", tt.status, got, tt.want)
		}
		want := float64(tt.status)
		if tt.status == 0 {
			want = 200
		}
		if got := lines[0]["status"]; got != want {
			t.Errorf("status %d logged as %v, want %v", tt.status, got, want)
		}
	}
}

func TestMiddleware_CountsStatusWhenNothingWritten(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "/", nil)
	_, _, lines := serve(t, r, nil, 0, "")
	if lines[0]["status"] != float64(200) || lines[0]["bytes"] != float64(0) {
		t.Errorf("logged status %v bytes %v, want 200 and 0",
			lines[0]["status"], lines[0]["bytes"])
	}
}

func TestMiddleware_ContextEmptyOutside(t *testing.T) {
	t.Parallel()
	ctx := httptest.NewRequest("GET", "/", nil).Context()
	if got := ID(ctx); got != "" {
		t.Errorf("ID outside the middleware = %q, want empty", got)
	}
	if got := RemoteAddr(ctx); got != "" {
		t.Errorf("RemoteAddr outside the middleware = %q, want empty", got)
	}
}

func TestMiddleware_FlushReachesTheServer(t *testing.T) {
	t.Parallel()
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "part")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush through the middleware: %v", err)
		}
	}), slog.New(slog.DiscardHandler), nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if !rec.Flushed {
		t.Errorf("recorder Flushed = false, want true")
	}
}

func TestParseTrusted(t *testing.T) {
	t.Parallel()
	got, err := ParseTrusted(" 10.0.0.1, 192.168.7.9/16,,::1 , 2001:db8::/32 ")
	if err != nil {
		t.Fatalf("ParseTrusted: %v", err)
	}
	want := []string{"10.0.0.1/32", "192.168.0.0/16", "::1/128", "2001:db8::/32"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("prefix %d = %s, want %s", i, got[i], want[i])
		}
	}
}

func TestParseTrusted_EmptyTrustsNoOne(t *testing.T) {
	t.Parallel()
	got, err := ParseTrusted("  ")
	if err != nil || len(got) != 0 {
		t.Errorf("ParseTrusted(blank) = %v, %v; want no prefixes, nil", got, err)
	}
}

func TestParseTrusted_RejectsBadEntries(t *testing.T) {
	t.Parallel()
	for _, list := range []string{"10.0.0.1, proxy.local", "10.0.0.0/33",
		"300.1.1.1", "10.0.0.1:80"} {
		_, err := ParseTrusted(list)
		if err == nil {
			t.Errorf("ParseTrusted(%q) = nil error, want one", list)
		}
	}
	_, err := ParseTrusted("10.0.0.1, proxy.local")
	if err == nil || !strings.HasPrefix(err.Error(), `trusted proxy "proxy.local": `) {
		t.Errorf("error = %v, want it to name the entry", err)
	}
}

func TestMiddleware_LogsAPanickingRequestAsError(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	h := Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("handler bug")
	}), logger, nil)

	func() {
		defer func() {
			if p := recover(); p != "handler bug" {
				t.Errorf("recovered %v, want the handler's panic", p)
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/p", nil))
	}()

	lines := decodeLines(t, logs.String())
	if len(lines) != 1 || lines[0]["level"] != "ERROR" ||
		lines[0]["status"] != float64(500) || lines[0]["path"] != "/p" {
		t.Errorf("log lines = %v, want one ERROR line with status 500 for /p", lines)
	}
}
