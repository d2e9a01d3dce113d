package ingest

import (
	"strings"
	"testing"
)

func TestIngest_RepeatedIdempotencyKeyAnswersTheFirstEvent(t *testing.T) {
	t.Parallel()
	hb := newHub(t, 0)
	call := func(ref, key string) string {
		return `{"jsonrpc":"2.0","method":"call","params":{"token":"` +
			testToken + `","source":"n8n","event_type":"run","ref":"` + ref +
			`"` + key + `},"id":1}`
	}
	for _, c := range []struct{ body, want string }{
		{call("a", `,"idempotency_key":"run-1"`), `{"jsonrpc":"2.0","result":{"ok":true,"event_id":1},"id":1}`},
		{call("b", `,"idempotency_key":"run-1"`), `{"jsonrpc":"2.0","result":{"ok":true,"event_id":1},"id":1}`},
		{call("c", ``), `{"jsonrpc":"2.0","result":{"ok":true,"event_id":2},"id":1}`},
		{call("d", `,"idempotency_key":7`), `{"jsonrpc":"2.0","result":{"ok":false,"error":"Invalid 'idempotency_key' parameter: must be a string"},"id":1}`},
	} {
		if got := hb.post(t, c.body); got.status != 200 || got.body != c.want {
			t.Errorf("got %d %s, want 200 %s", got.status, got.body, c.want)
		}
	}

	// The header works the same way.
	for range 2 {
		req := hb.request(t, call("e", ""))
		req.Header.Set("Idempotency-Key", "run-2")
		got := do(t, hb.srv.Client(), req)
		want := `{"jsonrpc":"2.0","result":{"ok":true,"event_id":3},"id":1}`
		if got.body != want {
			t.Errorf("header: got %s, want %s", got.body, want)
		}
	}
	req := hb.request(t, call("f", ""))
	req.Header.Set("Idempotency-Key", strings.Repeat("k", 256))
	got := do(t, hb.srv.Client(), req)
	want := `{"jsonrpc":"2.0","result":{"ok":false,"error":"Invalid 'idempotency_key' parameter: longer than 255 bytes"},"id":1}`
	if got.body != want {
		t.Errorf("long header: got %s, want %s", got.body, want)
	}
}

func TestIngest_IdempotencyKeysAreScopedToTheSourceName(t *testing.T) {
	t.Parallel()
	hb := newHub(t, 0)
	call := func(source string) string {
		return `{"jsonrpc":"2.0","method":"call","params":{"token":"` +
			testToken + `","source":"` + source + `","event_type":"run",` +
			`"idempotency_key":"order-1"},"id":1}`
	}
	for _, c := range []struct{ source, want string }{
		{"jira", `{"jsonrpc":"2.0","result":{"ok":true,"event_id":1},"id":1}`},
		{"shop", `{"jsonrpc":"2.0","result":{"ok":true,"event_id":2},"id":1}`},
		{"jira", `{"jsonrpc":"2.0","result":{"ok":true,"event_id":1},"id":1}`},
	} {
		if got := hb.post(t, call(c.source)); got.body != c.want {
			t.Errorf("%s: got %s, want %s", c.source, got.body, c.want)
		}
	}
}
