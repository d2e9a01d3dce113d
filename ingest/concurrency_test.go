package ingest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	connectors "github.com/ipai-ai/ipai-connectors"
)

func TestIngest_StoresConcurrentPostsOnce(t *testing.T) {
	t.Parallel()
	const clients, posts = 50, 20
	hb := newHub(t, 0)
	transport := hb.srv.Client().Transport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = clients
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}

	// ids[ref] is the event id answered for the post with that ref.
	var mu sync.Mutex
	ids := map[string]int64{}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for p := range posts {
				ref := fmt.Sprintf("c%02d-p%02d", c, p)
				body := call(goodToken, n8n, completed, `"ref":"`+ref+`"`,
					fmt.Sprintf(`"payload":{"client":%d,"post":%d}`, c, p))
				req, err := http.NewRequest("POST", hb.srv.URL+EventPath,
					strings.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				req.Header.Set("Content-Type", "application/json")
				a, err := fetch(client, req)
				if err != nil {
					t.Error(err)
					return
				}
				id, err := parseEventID(a)
				if err != nil || a.status != 200 {
					t.Errorf("%s: status %d: %v", ref, a.status, err)
					return
				}
				mu.Lock()
				ids[ref] = id
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	seen := map[int64]string{}
	for ref, id := range ids {
		if other, ok := seen[id]; ok {
			t.Errorf("event id %d answered to %s and %s", id, ref, other)
		}
		seen[id] = ref
	}
	if len(ids) != clients*posts {
		t.Fatalf("got %d answered posts, want %d", len(ids), clients*posts)
	}

	events, err := hb.store.Events(context.Background(),
		connectors.EventFilter{Limit: connectors.MaxLimit})
	if err != nil {
		t.Fatalf("list events: %v", err)
	}
	if len(events) != clients*posts {
		t.Errorf("got %d stored events, want %d", len(events), clients*posts)
	}
	for _, e := range events {
		var c, p int
		fmt.Sscanf(e.Ref, "c%02d-p%02d", &c, &p)
		want := fmt.Sprintf(`{"client":%d,"post":%d}`, c, p)
		if ids[e.Ref] != e.ID || string(e.Payload) != want {
			t.Errorf("stored event %d ref %s payload %s, want id %d payload %s",
				e.ID, e.Ref, e.Payload, ids[e.Ref], want)
		}
	}
	if logs := hb.logs.String(); strings.Contains(logs, "locked") ||
		strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("log holds errors:\n%s", logs)
	}
}
