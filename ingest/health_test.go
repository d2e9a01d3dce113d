package ingest

import (
	"strings"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

func healthBody(status string) string {
	return `{"status":"` + status + `","module":"ipai_ai_connectors","version":"` +
		connectors.Version + `"}`
}

func TestHealth_AnswersOK(t *testing.T) {
	t.Parallel()
	hb := newHub(t, 0)
	rpcBody := `{"jsonrpc":"2.0","method":"call","params":{},"id":7}`
	tests := []struct {
		name, method, contentType, body string
		want                            string
	}{
		{"get", "GET", "", "", healthBody("ok")},
		{"head", "HEAD", "", "", ""},
		{"json-rpc", "POST", "application/json", rpcBody,
			rpc(healthBody("ok"), "7")},
		{"json-rpc without params", "POST", "application/json-rpc",
			`{"id":"h"}`, rpc(healthBody("ok"), `"h"`)},
	}
	for _, tt := range tests {
		a := hb.send(t, tt.method, HealthPath, tt.contentType,
			strings.NewReader(tt.body))
		if a.status != 200 || a.body != tt.want {
			t.Errorf("%s: answer %d %q, want 200 %q", tt.name, a.status,
				a.body, tt.want)
		}
		if ct := a.header.Get("Content-Type"); ct != jsonType {
			t.Errorf("%s: Content-Type = %q, want %q", tt.name, ct, jsonType)
		}
	}
}

func TestHealth_RefusesOtherMethods(t *testing.T) {
	t.Parallel()
	hb := newHub(t, 0)
	a := hb.send(t, "PUT", HealthPath, "application/json", nil)
	if a.status != 405 || a.header.Get("Allow") != "GET, HEAD, POST" {
		t.Errorf("PUT: answer %d Allow %q, want 405 Allow %q", a.status,
			a.header.Get("Allow"), "GET, HEAD, POST")
	}
}

func TestHealth_RecordsMalformedCalls(t *testing.T) {
	t.Parallel()
	hb := newHub(t, 0)
	before := time.Now()
	a := hb.send(t, "POST", HealthPath, "text/plain", strings.NewReader("{}"))
	want := `Unsupported Content-Type "text/plain": ` +
		`send application/json or application/json-rpc`
	if a.status != 415 || a.body != want {
		t.Errorf("answer %d %q, want 415 %q", a.status, a.body, want)
	}
	requestID := a.header.Get("X-Request-Id")
	checkRejection(t, hb.rejection(t, requestID), connectors.Rejection{
		RemoteAddr: "127.0.0.1",
		Path:       HealthPath,
		Cause:      connectors.CauseUnsupportedMedia,
		Detail:     `content type "text/plain"`,
		RequestID:  requestID,
	}, before)
}

func TestHealth_FailsWhenTheStoreIsClosed(t *testing.T) {
	t.Parallel()
	hb := newHub(t, 0)
	hb.store.Close()

	a := hb.send(t, "GET", HealthPath, "", nil)
	if a.status != 503 || a.body != healthBody("error") {
		t.Errorf("GET: answer %d %s, want 503 %s", a.status, a.body,
			healthBody("error"))
	}
	checkFields(t, hb.logLine(t, "store ping", a.header.Get("X-Request-Id")),
		map[string]any{"level": "ERROR"})

	a = hb.send(t, "POST", HealthPath, "application/json",
		strings.NewReader(`{"id":3}`))
	if want := rpc(healthBody("error"), "3"); a.status != 503 || a.body != want {
		t.Errorf("POST: answer %d %s, want 503 %s", a.status, a.body, want)
	}
}
