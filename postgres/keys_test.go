package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/postgres/pgtest"
)

// TestTwoInstances_ConcurrentCopiesOfADeliveryStoredOnce sends copies of
// each delivery to two stores on one schema at the same instant, as a
// provider retrying against two hub instances would: each delivery must
// be stored once, and every copy answered with its id.
func TestTwoInstances_ConcurrentCopiesOfADeliveryStoredOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)
	stores := []connectors.Store{openURL(t, url), openURL(t, url)}

	const keys, copies = 10, 8
	type answer struct {
		key     string
		id      int64
		created bool
	}
	answers := make(chan answer, keys*copies)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range keys * copies {
		key := fmt.Sprintf("delivery-%d", i%keys)
		s := stores[i%2]
		wg.Go(func() {
			<-start
			id, created, err := s.CreateEventOnce(ctx, connectors.NewEvent{
				CompanyID: connectors.DefaultCompanyID,
				Source:    connectors.SourceGitHub, SourceName: "github",
				EventType: "push", Ref: key, Payload: []byte(`{}`),
				DeliveryKey: key,
			})
			if err != nil {
				t.Errorf("CreateEventOnce: %v", err)
				return
			}
			answers <- answer{key, id, created}
		})
	}
	close(start)
	wg.Wait()
	close(answers)

	idOf, created := map[string]int64{}, map[string]int{}
	for a := range answers {
		if id, seen := idOf[a.key]; seen && id != a.id {
			t.Errorf("%s: answered %d and %d, want one id", a.key, id, a.id)
		}
		idOf[a.key] = a.id
		if a.created {
			created[a.key]++
		}
	}
	events, err := stores[0].Events(ctx, connectors.EventFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != keys {
		t.Fatalf("stored events: got %d, want %d", len(events), keys)
	}
	for _, e := range events {
		if idOf[e.Ref] != e.ID || created[e.Ref] != 1 {
			t.Errorf("%s: stored as %d, answered %d, created %d times; "+
				"want one id, created once", e.Ref, e.ID, idOf[e.Ref],
				created[e.Ref])
		}
	}
}
