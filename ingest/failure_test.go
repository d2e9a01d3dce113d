package ingest

import (
	"context"
	"database/sql"
	"net/netip"
	"strings"
	"testing"

	connectors "github.com/ipai-ai/ipai-connectors"
)

func TestIngest_StoreFailureAnswersTheRequestIDOnly(t *testing.T) {
	t.Parallel()
	hb := newHub(t, 0)
	// A second connection to the same file makes every event insert fail,
	// with a message that must stay in the log.
	db, err := sql.Open("sqlite", hb.path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`CREATE TRIGGER fail BEFORE INSERT ON events
		BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`)
	db.Close()
	if err != nil {
		t.Fatalf("create trigger: %v", err)
	}

	a := hb.post(t, call(goodToken, n8n, completed))
	requestID := a.header.Get("X-Request-Id")
	want := rpc(`{"ok":false,"error":"Failed to create event","request_id":"`+
		requestID+`"}`, "1")
	if a.status != 200 || a.body != want {
		t.Errorf("answer %d %s\nwant   200 %s", a.status, a.body, want)
	}
	line := hb.logLine(t, "create event", requestID)
	checkFields(t, line, map[string]any{"level": "ERROR"})
	if msg, _ := line["error"].(string); !strings.Contains(msg, "disk on fire") {
		t.Errorf("logged error = %q, want the store's cause", msg)
	}
	if hb.hasRejection(t, requestID) {
		t.Errorf("a store failure was recorded as a rejection")
	}
}

func TestIngest_ClosedStoreStillAnswers(t *testing.T) {
	t.Parallel()
	hb := newHub(t, 0)
	hb.store.Close()

	failed := func(id string) string {
		return rpc(`{"ok":false,"error":"Failed to create event","request_id":"`+
			id+`"}`, "1")
	}
	tests := []struct {
		name, body, want, logged string
	}{
		{"event", call(goodToken, n8n, completed), "failed", "create event"},
		{"company lookup", call(goodToken, `"company_id":5`, n8n, completed),
			"failed", "create event"},
		{"refusal", call(n8n, completed), rpc(refusal("Invalid token"), "1"),
			"record rejection"},
	}
	for _, tt := range tests {
		a := hb.post(t, tt.body)
		requestID := a.header.Get("X-Request-Id")
		want := tt.want
		if want == "failed" {
			want = failed(requestID)
		}
		if a.status != 200 || a.body != want {
			t.Errorf("%s: answer %d %s\nwant   200 %s", tt.name, a.status,
				a.body, want)
		}
		checkFields(t, hb.logLine(t, tt.logged, requestID),
			map[string]any{"level": "ERROR"})
	}
}

func TestIngest_LogsRefusalsAtWarn(t *testing.T) {
	t.Parallel()
	hb := newHub(t, 0)
	a := hb.post(t, call(`"token":"`+wrongToken+`"`, `"source":"Slack"`))
	requestID := a.header.Get("X-Request-Id")

	checkFields(t, hb.logLine(t, "request refused", requestID), map[string]any{
		"level":       "WARN",
		"cause":       "wrong_token",
		"detail":      "token does not match",
		"source":      "Slack",
		"path":        EventPath,
		"remote_addr": "127.0.0.1",
	})
	// The call was answered, so the request itself went well.
	checkFields(t, hb.logLine(t, "request", requestID), map[string]any{
		"level":  "INFO",
		"status": float64(200),
		"method": "POST",
	})

	a = hb.send(t, "POST", EventPath, "text/plain", strings.NewReader("{}"))
	checkFields(t, hb.logLine(t, "request", a.header.Get("X-Request-Id")),
		map[string]any{"level": "WARN", "status": float64(415)})
}

func TestIngest_RecordsTheClientBehindATrustedProxy(t *testing.T) {
	t.Parallel()
	hb := newHub(t, 0, netip.MustParsePrefix("127.0.0.0/8"))
	send := func(body string) string {
		req := hb.request(t, body)
		req.Header.Set("X-Forwarded-For", "198.51.100.3, 203.0.113.9")
		a := do(t, hb.srv.Client(), req)
		return a.header.Get("X-Request-Id")
	}

	requestID := send(call(n8n, completed))
	if got := hb.rejection(t, requestID).RemoteAddr; got != "203.0.113.9" {
		t.Errorf("rejection RemoteAddr = %q, want 203.0.113.9", got)
	}

	req := hb.request(t, call(goodToken, n8n, completed))
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	id := eventID(t, do(t, hb.srv.Client(), req))
	d, err := hb.store.Delivery(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if d.RemoteAddr != "203.0.113.9" {
		t.Errorf("delivery RemoteAddr = %q, want 203.0.113.9", d.RemoteAddr)
	}
}

func TestIngest_RefusesEveryTokenWhenNoneIsSet(t *testing.T) {
	t.Parallel()
	hb := newHubWith(t, Config{})
	for _, tt := range []struct {
		token string
		cause connectors.Cause
	}{
		{`"token":""`, connectors.CauseMissingToken},
		{`"token":"anything"`, connectors.CauseWrongToken},
		{goodToken, connectors.CauseWrongToken},
	} {
		a := hb.post(t, call(tt.token, n8n, completed))
		if want := rpc(refusal("Invalid token"), "1"); a.body != want {
			t.Errorf("%s: answer %s, want %s", tt.token, a.body, want)
		}
		got := hb.rejection(t, a.header.Get("X-Request-Id")).Cause
		if got != tt.cause {
			t.Errorf("%s: cause %s, want %s", tt.token, got, tt.cause)
		}
	}
	checkFields(t, hb.logLines(t)[0], map[string]any{"level": "WARN",
		"msg": "no instance token is set: every event will be refused"})
}
