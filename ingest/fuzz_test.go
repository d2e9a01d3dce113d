package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipai-ai/ipai-connectors/failurelimit"
	"github.com/ipai-ai/ipai-connectors/requestlog"
	"github.com/ipai-ai/ipai-connectors/sqlite"
)

// fuzzLimit is small enough that the fuzzer reaches 413.
const fuzzLimit = 1024

// FuzzEvent posts arbitrary bodies to the event endpoint. Whatever the
// body, the answer is one the contract allows, never a 5xx, and an event
// stored keeps the payload the body carried and a delivery without the
// token's literal.
func FuzzEvent(f *testing.F) {
	for _, sc := range fuzzSeeds() {
		f.Add([]byte(sc))
	}
	store, err := sqlite.Open(context.Background(),
		filepath.Join(f.TempDir(), "hub.db"), nil)
	if err != nil {
		f.Fatalf("open store: %v", err)
	}
	f.Cleanup(func() { store.Close() })
	mux := http.NewServeMux()
	logger := slog.New(slog.DiscardHandler)
	// Every fuzzed body comes from one address: the limit on wrong tokens
	// is set out of reach, since parsing is what is fuzzed here.
	New(store, Config{Token: testToken, MaxBodyBytes: fuzzLimit,
		Failures: failurelimit.New(failurelimit.Limit{Burst: 1 << 30}),
		Logger:   logger}).Register(mux)
	h := requestlog.Middleware(mux, logger, nil)

	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", EventPath, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)

		checkFuzzAnswer(t, w)
		if id, err := parseEventID(answer{body: w.Body.String()}); err == nil {
			checkFuzzStored(t, store, id, body)
		}
	})
}

func checkFuzzAnswer(t *testing.T, w *httptest.ResponseRecorder) {
	ct := w.Header().Get("Content-Type")
	switch w.Code {
	case 200:
		var env struct {
			JSONRPC string `json:"jsonrpc"`
			Result  struct {
				OK *bool `json:"ok"`
			} `json:"result"`
		}
		err := json.Unmarshal(w.Body.Bytes(), &env)
		if err != nil || env.JSONRPC != "2.0" || env.Result.OK == nil ||
			ct != jsonType {
			t.Fatalf("200 answer %s %q is not a JSON-RPC result: %v",
				ct, w.Body, err)
		}
	case 400, 413, 415:
		if ct != textType {
			t.Fatalf("%d answer has Content-Type %q, want %q", w.Code, ct,
				textType)
		}
	default:
		t.Fatalf("status %d (%s), want 200, 400, 413 or 415", w.Code, w.Body)
	}
	if w.Header().Get("X-Request-Id") == "" {
		t.Fatalf("no X-Request-Id")
	}
}

// checkFuzzStored compares the stored event with a separate reading of
// the body that was posted.
func checkFuzzStored(t *testing.T, store *sqlite.Store, id int64, body []byte) {
	var sent struct {
		Params map[string]json.RawMessage `json:"params"`
	}
	if err := json.Unmarshal(bytes.TrimPrefix(body, utf8BOM), &sent); err != nil {
		t.Fatalf("stored event %d from a body that is not JSON: %v", id, err)
	}
	want := sent.Params["payload"]
	if want == nil {
		want = json.RawMessage("{}")
	}
	ctx := context.Background()
	e, err := store.Event(ctx, id)
	if err != nil {
		t.Fatalf("read event %d: %v", id, err)
	}
	if !bytes.Equal(e.Payload, want) {
		t.Fatalf("stored payload %q, want %q", e.Payload, want)
	}
	d, err := store.Delivery(ctx, id)
	if err != nil {
		t.Fatalf("read delivery %d: %v", id, err)
	}
	if bytes.Contains(d.Body, []byte(`"`+testToken+`"`)) {
		t.Fatalf("kept body holds the token: %q", d.Body)
	}
}

// fuzzSeeds are the scenario bodies and a few real payloads.
func fuzzSeeds() []string {
	var seeds []string
	for _, group := range [][]scenario{storedScenarios(), idScenarios(),
		tokenScenarios(), companyScenarios(), paramScenarios(),
		malformedScenarios()} {
		for _, sc := range group {
			seeds = append(seeds, sc.body)
		}
	}
	files, _ := filepath.Glob("testdata/payloads/*.json")
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err == nil && len(raw) < fuzzLimit {
			name := strings.TrimSuffix(filepath.Base(file), ".json")
			seeds = append(seeds, envelopeFor(sourceOf(name), name,
				bytes.TrimRight(raw, " \t\r\n")))
		}
	}
	return seeds
}
