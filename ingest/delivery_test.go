package ingest

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func TestIngest_RedactsSecretsInKeptDelivery(t *testing.T) {
	t.Parallel()
	hb := newHub(t, 0)
	body := call(goodToken, `"source":"github"`, `"event_type":"push"`,
		`"payload":{"echo":"`+testToken+`","n":1}`)
	req := hb.request(t, body)
	sent := map[string]string{
		"Content-Type":        "application/json",
		"Authorization":       "Bearer " + testToken,
		"Proxy-Authorization": "Basic cHJveHk6cGFzcw==",
		"Cookie":              "session=abc123",
		"Set-Cookie":          "a=b",
		"X-Api-Key":           "k-1",
		"X-Apikey":            "k-2",
		"X-Gitlab-Token":      "k-3",
		"X-Webhook-Secret":    "k-4",
		"X-Db-Password":       "k-5",
		"X-Github-Event":      "push",
		"X-Hub-Signature-256": "sha256=6d2b",
		"User-Agent":          "GitHub-Hookshot/044aadd",
	}
	for k, v := range sent {
		req.Header.Set(k, v)
	}
	id := eventID(t, do(t, hb.srv.Client(), req))

	d, err := hb.store.Delivery(context.Background(), id)
	if err != nil {
		t.Fatalf("read delivery: %v", err)
	}
	kept := []string{"Content-Type", "X-Github-Event", "X-Hub-Signature-256",
		"User-Agent"}
	for name, value := range sent {
		want := "[redacted]"
		if slices.Contains(kept, name) {
			want = value
		}
		if got := d.Header.Values(name); len(got) != 1 || got[0] != want {
			t.Errorf("kept header %s = %q, want [%q]", name, got, want)
		}
	}

	// Every occurrence of the token's literal goes, the one the payload
	// echoes too; the stored payload itself is the client's, unchanged.
	wantBody := call(`"token":"[redacted]"`, `"source":"github"`,
		`"event_type":"push"`, `"payload":{"echo":"[redacted]","n":1}`)
	if string(d.Body) != wantBody {
		t.Errorf("kept body = %s\nwant        %s", d.Body, wantBody)
	}
	e, err := hb.store.Event(context.Background(), id)
	if err != nil {
		t.Fatalf("read event: %v", err)
	}
	if want := `{"echo":"` + testToken + `","n":1}`; string(e.Payload) != want {
		t.Errorf("stored payload = %s, want %s", e.Payload, want)
	}
}

func TestIngest_RedactsTheTokenLiteralAsWritten(t *testing.T) {
	t.Parallel()
	hb := newHub(t, 0)
	// The same token with its dash escaped: it decodes equal, and its
	// literal is what must go from the kept body.
	escaped := `"` + strings.Replace(testToken, "-", `\u002d`, 1) + `"`
	body := call(`"token":`+escaped, n8n, completed)
	id := eventID(t, hb.post(t, body))

	d, err := hb.store.Delivery(context.Background(), id)
	if err != nil {
		t.Fatalf("read delivery: %v", err)
	}
	want := call(`"token":"[redacted]"`, n8n, completed)
	if string(d.Body) != want {
		t.Errorf("kept body = %s, want %s", d.Body, want)
	}
}

func TestReplaceAll(t *testing.T) {
	t.Parallel()
	tests := []struct{ b, old, repl, want string }{
		{`{"t":"long-secret-value","x":"long-secret-value"}`,
			`"long-secret-value"`, `"[r]"`, `{"t":"[r]","x":"[r]"}`},
		{`{"t":"ab"}`, `"ab"`, `"[redacted]"`, `{"t":"[redacted]"}`},
		{`{"t":"same"}`, `"same"`, `"SAME"`, `{"t":"SAME"}`},
		{`no match here`, `"zz"`, `"y"`, `no match here`},
		{`"a""a""a"`, `"a"`, `""`, `""""""`},
		{`unchanged`, ``, `"x"`, `unchanged`},
	}
	for _, tt := range tests {
		got := replaceAll([]byte(tt.b), []byte(tt.old), []byte(tt.repl))
		if string(got) != tt.want {
			t.Errorf("replaceAll(%q, %q, %q) = %q, want %q",
				tt.b, tt.old, tt.repl, got, tt.want)
		}
	}
}
