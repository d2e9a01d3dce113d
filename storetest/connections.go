package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// newConnection returns a valid GitHub connection of the default company.
func newConnection(slug string) connectors.Connection {
	return connectors.Connection{
		CompanyID:    connectors.DefaultCompanyID,
		Name:         "octo-org",
		Provider:     connectors.ProviderGitHub,
		Slug:         slug,
		SealedSecret: []byte("sealed-current"),
		SecretHint:   "ab…",
		MaxBodyBytes: 1 << 20,
		Enabled:      true,
	}
}

func testConnectionsCreateGetList(t *testing.T, s connectors.Store) {
	in := newConnection("slug-aaaaaaaaaaaaaaaa")
	c, err := s.CreateConnection(ctx(t), in)
	if err != nil {
		t.Fatalf("CreateConnection: %v", err)
	}
	if c.ID <= 0 || c.CreatedAt.IsZero() {
		t.Fatalf("got id %d created %v, want both set", c.ID, c.CreatedAt)
	}

	custom := newConnection("slug-bbbbbbbbbbbbbbbb")
	custom.Provider = connectors.ProviderCustom
	custom.Scheme = connectors.CustomScheme{Kind: connectors.SchemeHMAC,
		Header: "X-Sig", Algorithm: "sha512", Encoding: "base64",
		Prefix: "v1="}
	custom.Enabled = false
	c2, err := s.CreateConnection(ctx(t), custom)
	if err != nil {
		t.Fatalf("CreateConnection custom: %v", err)
	}

	byID, err := s.Connection(ctx(t), c.ID)
	if err != nil {
		t.Fatalf("Connection: %v", err)
	}
	wantConnection(t, byID, c)
	bySlug, err := s.ConnectionBySlug(ctx(t), custom.Slug)
	if err != nil {
		t.Fatalf("ConnectionBySlug: %v", err)
	}
	wantConnection(t, bySlug, c2)

	list, err := s.Connections(ctx(t), nil)
	if err != nil || len(list) != 2 || list[0].ID != c.ID || list[1].ID != c2.ID {
		t.Fatalf("Connections(nil): got %d rows, %v; want ids %d, %d",
			len(list), err, c.ID, c2.ID)
	}
	list, err = s.Connections(ctx(t), []int64{999})
	if err != nil || len(list) != 0 {
		t.Fatalf("Connections(other company): got %d rows, %v; want none",
			len(list), err)
	}
}

// wantConnection compares every field of got with want.
func wantConnection(t *testing.T, got, want connectors.Connection) {
	t.Helper()
	g, w := got, want
	if !bytes.Equal(g.SealedSecret, w.SealedSecret) ||
		!bytes.Equal(g.SealedPrevious, w.SealedPrevious) {
		t.Errorf("sealed secrets: got %q/%q, want %q/%q", g.SealedSecret,
			g.SealedPrevious, w.SealedSecret, w.SealedPrevious)
	}
	g.SealedSecret, g.SealedPrevious = nil, nil
	w.SealedSecret, w.SealedPrevious = nil, nil
	if !g.CreatedAt.Equal(w.CreatedAt) || !g.PreviousUntil.Equal(w.PreviousUntil) {
		t.Errorf("times: got %v/%v, want %v/%v", g.CreatedAt, g.PreviousUntil,
			w.CreatedAt, w.PreviousUntil)
	}
	g.CreatedAt, g.PreviousUntil = time.Time{}, time.Time{}
	w.CreatedAt, w.PreviousUntil = time.Time{}, time.Time{}
	if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", w) {
		t.Errorf("connection:\n got %+v\nwant %+v", g, w)
	}
}

func testConnectionsRefuse(t *testing.T, s connectors.Store) {
	if _, err := s.CreateConnection(ctx(t), newConnection("slug-cccccccccccccccc")); err != nil {
		t.Fatalf("CreateConnection: %v", err)
	}
	_, err := s.CreateConnection(ctx(t), newConnection("slug-cccccccccccccccc"))
	wantCode(t, err, connectors.ECONFLICT)

	other := newConnection("slug-dddddddddddddddd")
	other.CompanyID = 999
	_, err = s.CreateConnection(ctx(t), other)
	wantCode(t, err, connectors.ENOTFOUND)

	bad := map[string]func(c *connectors.Connection){
		"unknown provider": func(c *connectors.Connection) { c.Provider = "gitlab" },
		"short slug":       func(c *connectors.Connection) { c.Slug = "abc" },
		"no secret":        func(c *connectors.Connection) { c.SealedSecret = nil },
		"custom no scheme": func(c *connectors.Connection) { c.Provider = connectors.ProviderCustom },
		"scheme not custom": func(c *connectors.Connection) {
			c.Scheme = connectors.CustomScheme{Kind: "token", Header: "X-T"}
		},
	}
	for name, change := range bad {
		c := newConnection("slug-eeeeeeeeeeeeeeee")
		change(&c)
		_, err := s.CreateConnection(ctx(t), c)
		if got := connectors.ErrorCode(err); got != connectors.EINVALID {
			t.Errorf("%s: got %q (%v), want %q", name, got, err, connectors.EINVALID)
		}
	}
	_, err = s.Connection(ctx(t), 12345)
	wantCode(t, err, connectors.ENOTFOUND)
	_, err = s.ConnectionBySlug(ctx(t), "no-such-slug-at-all")
	wantCode(t, err, connectors.ENOTFOUND)
}

func testConnectionsRotateAndDisable(t *testing.T, s connectors.Store) {
	c, err := s.CreateConnection(ctx(t), newConnection("slug-ffffffffffffffff"))
	if err != nil {
		t.Fatalf("CreateConnection: %v", err)
	}
	until := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Microsecond)
	rotated, err := s.RotateConnection(ctx(t), connectors.Rotation{
		ConnectionID: c.ID, SealedSecret: []byte("sealed-next"),
		SecretHint: "cd…", PreviousUntil: until,
	})
	if err != nil {
		t.Fatalf("RotateConnection: %v", err)
	}
	want := c
	want.SealedSecret, want.SecretHint = []byte("sealed-next"), "cd…"
	want.SealedPrevious, want.PreviousUntil = []byte("sealed-current"), until
	wantConnection(t, rotated, want)
	if !rotated.PreviousValid(time.Now()) || rotated.PreviousValid(until) {
		t.Errorf("previous valid now and at its end: got %v, %v; want true, false",
			rotated.PreviousValid(time.Now()), rotated.PreviousValid(until))
	}

	if err := s.SetConnectionEnabled(ctx(t), c.ID, false); err != nil {
		t.Fatalf("SetConnectionEnabled: %v", err)
	}
	got, _ := s.Connection(ctx(t), c.ID)
	if got.Enabled {
		t.Errorf("enabled after disabling: got true, want false")
	}
	_, err = s.RotateConnection(ctx(t), connectors.Rotation{ConnectionID: 999,
		SealedSecret: []byte("x")})
	wantCode(t, err, connectors.ENOTFOUND)
	wantCode(t, s.SetConnectionEnabled(ctx(t), 999, true), connectors.ENOTFOUND)
}

// keyed returns an event with a delivery key.
func keyed(ref, key string) connectors.NewEvent {
	e := newEvent(ref)
	e.DeliveryKey = key
	return e
}

func createOnce(t *testing.T, s connectors.Store, e connectors.NewEvent) (int64, bool) {
	t.Helper()
	id, created, err := s.CreateEventOnce(ctx(t), e)
	if err != nil {
		t.Fatalf("CreateEventOnce: %v", err)
	}
	return id, created
}

func testDeliveryKeyOnce(t *testing.T, s connectors.Store) {
	first, created := createOnce(t, s, keyed("first", "delivery-1"))
	if !created {
		t.Fatalf("first copy: got created false, want true")
	}
	again, created := createOnce(t, s, keyed("again", "delivery-1"))
	if again != first || created {
		t.Fatalf("second copy: got %d, %v; want %d, false", again, created, first)
	}
	if id := create(t, s, keyed("third", "delivery-1")); id != first {
		t.Fatalf("CreateEvent with a held key: got %d, want %d", id, first)
	}

	// The key is scoped by company and source: these are new events.
	otherSource := keyed("slack", "delivery-1")
	otherSource.Source = connectors.SourceSlack
	company, err := s.CreateCompany(ctx(t), "Other")
	if err != nil {
		t.Fatal(err)
	}
	otherCompany := keyed("company", "delivery-1")
	otherCompany.CompanyID = company.ID
	for _, e := range []connectors.NewEvent{otherSource, otherCompany,
		newEvent("no key"), newEvent("no key either")} {
		if id, created := createOnce(t, s, e); !created || id == first {
			t.Errorf("%s: got %d, %v; want a new event", e.Ref, id, created)
		}
	}

	all := listAll(t, s, connectors.EventFilter{})
	if len(all) != 5 {
		t.Fatalf("stored events: got %d, want 5", len(all))
	}
	e, _ := s.Event(ctx(t), first)
	if e.Ref != "first" {
		t.Errorf("the held event's ref: got %q, want %q", e.Ref, "first")
	}
	h, _ := s.History(ctx(t), first)
	if len(h) != 1 {
		t.Errorf("history of the held event: got %d rows, want 1", len(h))
	}
}

// testDeliveryKeyConcurrent sends copies of a few deliveries at once,
// mixed with events without a key, so that copies share a group commit
// with each other and with events that must not fail.
func testDeliveryKeyConcurrent(t *testing.T, s connectors.Store) {
	const keys, copies, plain = 5, 20, 40
	type answer struct {
		key     string
		id      int64
		created bool
	}
	answers := make(chan answer, keys*copies+plain)
	errs := make(chan error, keys*copies+plain)
	var wg sync.WaitGroup
	for i := range keys * copies {
		key := fmt.Sprintf("evt-%d", i%keys)
		wg.Go(func() {
			id, created, err := s.CreateEventOnce(ctx(t), keyed(key, key))
			if err != nil {
				errs <- err
				return
			}
			answers <- answer{key, id, created}
		})
	}
	for i := range plain {
		wg.Go(func() {
			id, created, err := s.CreateEventOnce(ctx(t), newEvent(fmt.Sprint(i)))
			if err != nil {
				errs <- err
				return
			}
			answers <- answer{"", id, created}
		})
	}
	wg.Wait()
	close(answers)
	close(errs)
	for err := range errs {
		t.Errorf("CreateEventOnce: %v", err)
	}

	idOf := map[string]int64{}
	createdOf := map[string]int{}
	var plainIDs []int64
	for a := range answers {
		if a.key == "" {
			plainIDs = append(plainIDs, a.id)
			continue
		}
		if id, seen := idOf[a.key]; seen && id != a.id {
			t.Errorf("%s: got ids %d and %d, want one", a.key, id, a.id)
		}
		idOf[a.key] = a.id
		if a.created {
			createdOf[a.key]++
		}
	}
	for key, n := range createdOf {
		if n != 1 {
			t.Errorf("%s: created %d times, want once", key, n)
		}
	}
	all := listAll(t, s, connectors.EventFilter{})
	if len(all) != keys+plain || len(createdOf) != keys {
		t.Fatalf("stored events: got %d (%d keys created), want %d (%d keys)",
			len(all), len(createdOf), keys+plain, keys)
	}
	for _, e := range all {
		want, isKey := idOf[e.Ref]
		if isKey && e.ID != want {
			t.Errorf("%s stored as %d, answered as %d", e.Ref, e.ID, want)
		}
		if !isKey && !slices.Contains(plainIDs, e.ID) {
			t.Errorf("event %d (%s) was never acknowledged", e.ID, e.Ref)
		}
	}
}

func testDeliveryKeyTooLong(t *testing.T, s connectors.Store) {
	_, _, err := s.CreateEventOnce(ctx(t), keyed("long", string(bytes.Repeat([]byte("k"), 256))))
	wantCode(t, err, connectors.EINVALID)
}
