package ingest

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/ipai-ai/ipai-connectors/sqlite"
)

// BenchmarkHandler_Event measures the event handler alone, over a real
// SQLite store: serially, where each event waits for its own commit, and
// in parallel, where concurrent events share commits.
func BenchmarkHandler_Event(b *testing.B) {
	payload, err := os.ReadFile("testdata/payloads/github_push.json")
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(envelopeFor("github", "push", bytes.TrimSpace(payload)))
	store, err := sqlite.Open(context.Background(),
		filepath.Join(b.TempDir(), "hub.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	mux := http.NewServeMux()
	New(store, Config{Token: testToken}).Register(mux)

	post := func(b *testing.B) {
		r := httptest.NewRequest("POST", EventPath, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		if w.Code != 200 || !bytes.Contains(w.Body.Bytes(), []byte(`"ok":true`)) {
			b.Errorf("answer %d %s", w.Code, w.Body)
		}
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			post(b)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				post(b)
			}
		})
	})
}
