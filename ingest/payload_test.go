package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// envelopeFor wraps payload, byte for byte, in a call from source.
func envelopeFor(source, eventType string, payload []byte) string {
	return `{"jsonrpc":"2.0","method":"call","params":{"token":"` + testToken +
		`","source":"` + source + `","event_type":"` + eventType +
		`","payload":` + string(payload) + `},"id":1}`
}

// sourceOf names the source a payload file's prefix stands for.
func sourceOf(name string) string {
	prefix, _, _ := strings.Cut(name, "_")
	switch prefix {
	case "n8n", "github", "slack", "stripe":
		return prefix
	}
	return "custom"
}

func TestIngest_StoresPayloadsByteForByte(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/payloads/*.json")
	if err != nil || len(files) < 20 {
		t.Fatalf("payload files: got %d (%v), want at least 20", len(files), err)
	}
	hb := newHub(t, 0)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			// The file's final newline is outside the JSON value; the
			// spacing inside it is part of what must be kept.
			payload := bytes.TrimRight(raw, " \t\r\n")
			if !json.Valid(payload) {
				t.Fatalf("%s is not valid JSON", file)
			}
			hb.checkRoundTrip(t, sourceOf(name), name, payload)
		})
	}
}

func TestIngest_StoresALargePayloadByteForByte(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`{"rows":[`)
	for i := range 20000 {
		if i > 0 {
			b.WriteString(",\n ")
		}
		b.WriteString(`{"id":9007199254740993,"name":"caf\u00e9 n\u00ba `)
		b.WriteString(strings.Repeat("x", i%50))
		b.WriteString(`","amount":1.10}`)
	}
	b.WriteString(`]}`)
	hb := newHub(t, 0)
	hb.checkRoundTrip(t, "custom", "bulk.export", []byte(b.String()))
}

// checkRoundTrip posts payload and checks that the stored event holds it
// exactly and the kept delivery holds the body without the token.
func (hb *hub) checkRoundTrip(t *testing.T, source, eventType string, payload []byte) {
	t.Helper()
	body := envelopeFor(source, eventType, payload)
	a := hb.post(t, body)
	id := eventID(t, a)
	if want := okBody(id, "1"); a.body != want {
		t.Errorf("answer = %s, want %s", a.body, want)
	}

	ctx := context.Background()
	e, err := hb.store.Event(ctx, id)
	if err != nil {
		t.Fatalf("read event: %v", err)
	}
	if !bytes.Equal(e.Payload, payload) {
		t.Errorf("stored payload differs:\ngot  %q\nwant %q", clip(string(e.Payload), 300),
			clip(string(payload), 300))
	}
	if e.EventType != eventType || e.SourceName != source {
		t.Errorf("stored type %q source %q, want %q %q",
			e.EventType, e.SourceName, eventType, source)
	}

	d, err := hb.store.Delivery(ctx, id)
	if err != nil {
		t.Fatalf("read delivery: %v", err)
	}
	want := strings.Replace(body, `"`+testToken+`"`, `"[redacted]"`, 1)
	if string(d.Body) != want {
		t.Errorf("kept body = %q\nwant %q", clip(string(d.Body), 300), clip(want, 300))
	}
}
