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

func testCreateEventStoresEveryField(t *testing.T, s connectors.Store) {
	before := time.Now().Add(-time.Second)
	e := newEvent("workflow_123")
	e.Source, e.SourceName = connectors.SourceCustom, "Jira"
	id := create(t, s, e)

	got, err := s.Event(ctx(t), id)
	if err != nil {
		t.Fatalf("Event(%d): %v", id, err)
	}
	want := connectors.Event{
		ID: id, CompanyID: 1, Source: "custom", SourceName: "Jira",
		EventType: "workflow.completed", Ref: "workflow_123",
		State: connectors.StateReceived, Payload: []byte(`{"status":"success"}`),
	}
	if got.ID != want.ID || got.CompanyID != want.CompanyID ||
		got.Source != want.Source || got.SourceName != want.SourceName ||
		got.EventType != want.EventType || got.Ref != want.Ref ||
		got.State != want.State || !bytes.Equal(got.Payload, want.Payload) ||
		got.ErrorMessage != "" || got.Notes != "" || !got.ProcessedAt.IsZero() {
		t.Fatalf("event:\n got %+v\nwant %+v", got, want)
	}
	if got.ReceivedAt.Before(before) || got.ReceivedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("received_at: got %v, want about now", got.ReceivedAt)
	}

	h, err := s.History(ctx(t), id)
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	if len(h) != 1 {
		t.Fatalf("history: got %d rows, want 1", len(h))
	}
	first := h[0]
	if first.EventID != id || first.From != "" || first.To != connectors.StateReceived ||
		first.Actor != connectors.ActorSystem || first.Reason != "" ||
		!first.At.Equal(got.ReceivedAt) {
		t.Errorf("arrival row: got %+v, want received from nothing by system at %v",
			first, got.ReceivedAt)
	}
}

func testCreateEventKeepsPayloadBytes(t *testing.T, s connectors.Store) {
	payloads := []string{
		`{"n":12345678901234567890,"f":1.0e+30,"z":-0.0}`,
		`{ "b" : 1 , "a" : [ 1 , 2 ] }`,
		`{"s":"caf\u00e9 \/ \"q\" \ud83d\ude00 é"}`,
		`[1,"two",{"3":null}]`,
		`"just a string"`,
		`42`,
		`true`,
		`null`,
		"{\n\t\"indented\": true\n}",
	}
	for _, p := range payloads {
		e := newEvent("")
		e.Payload = []byte(p)
		id := create(t, s, e)
		got, err := s.Event(ctx(t), id)
		if err != nil {
			t.Fatalf("Event: %v", err)
		}
		if string(got.Payload) != p {
			t.Errorf("payload: got %q, want %q", got.Payload, p)
		}
	}
}

func testCreateEventEmptyPayload(t *testing.T, s connectors.Store) {
	e := newEvent("")
	e.Payload = nil
	id := create(t, s, e)
	got, err := s.Event(ctx(t), id)
	if err != nil {
		t.Fatalf("Event: %v", err)
	}
	if string(got.Payload) != "{}" {
		t.Errorf("payload: got %q, want {}", got.Payload)
	}
}

func testCreateEventUnknownCompany(t *testing.T, s connectors.Store) {
	e := newEvent("")
	e.CompanyID = 999
	_, err := s.CreateEvent(ctx(t), e)
	wantCode(t, err, connectors.ENOTFOUND)

	list, err := s.Events(ctx(t), connectors.EventFilter{})
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if len(list) != 0 {
		t.Errorf("events after refused create: got %d, want 0", len(list))
	}
}

func testCreateEventInvalid(t *testing.T, s connectors.Store) {
	for name, mutate := range map[string]func(*connectors.NewEvent){
		"no company":     func(e *connectors.NewEvent) { e.CompanyID = 0 },
		"unknown source": func(e *connectors.NewEvent) { e.Source = "jira" },
		"no event type":  func(e *connectors.NewEvent) { e.EventType = " " },
	} {
		e := newEvent("")
		mutate(&e)
		_, err := s.CreateEvent(ctx(t), e)
		if got := connectors.ErrorCode(err); got != connectors.EINVALID {
			t.Errorf("%s: error code got %q (%v), want invalid", name, got, err)
		}
	}
}

func testCreateEventConcurrent(t *testing.T, s connectors.Store) {
	const workers, each = 20, 25
	ids := make(chan int64, workers*each)
	errs := make(chan error, workers*each)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				id, err := s.CreateEvent(ctx(t), newEvent(fmt.Sprintf("w%d-%d", w, i)))
				if err != nil {
					errs <- err
					continue
				}
				ids <- id
			}
		})
	}
	wg.Wait()
	close(ids)
	close(errs)
	for err := range errs {
		t.Errorf("CreateEvent: %v", err)
	}

	seen := map[int64]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("id %d given twice", id)
		}
		seen[id] = true
	}
	if len(seen) != workers*each {
		t.Fatalf("distinct ids: got %d, want %d", len(seen), workers*each)
	}
	all := listAll(t, s, connectors.EventFilter{})
	if len(all) != workers*each {
		t.Errorf("stored events: got %d, want %d", len(all), workers*each)
	}
	for _, e := range all {
		if !seen[e.ID] {
			t.Errorf("stored event %d was never acknowledged", e.ID)
		}
	}
}

// listAll pages through every event that f selects.
func listAll(t *testing.T, s connectors.Store, f connectors.EventFilter) []connectors.Event {
	t.Helper()
	f.Limit = connectors.MaxLimit
	var all []connectors.Event
	for {
		page, err := s.Events(ctx(t), f)
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		all = append(all, page...)
		if len(page) < f.Limit {
			return all
		}
		f.BeforeID = page[len(page)-1].ID
	}
}

func testDeliveryRoundTrips(t *testing.T, s connectors.Store) {
	e := newEvent("")
	e.Delivery.Header = map[string][]string{
		"Content-Type":    {"application/json"},
		"X-Github-Event":  {"push"},
		"X-Forwarded-For": {"203.0.113.9", "10.0.0.1"},
	}
	e.Delivery.Body = []byte("{\"token\":\"[redacted]\",\n \"x\": 1}")
	id := create(t, s, e)

	got, err := s.Delivery(ctx(t), id)
	if err != nil {
		t.Fatalf("Delivery: %v", err)
	}
	if got.RemoteAddr != "127.0.0.1" || got.Method != "POST" ||
		got.Path != "/ipai_ai_connectors/event" {
		t.Errorf("delivery: got %+v", got)
	}
	if !bytes.Equal(got.Body, e.Delivery.Body) {
		t.Errorf("body: got %q, want %q", got.Body, e.Delivery.Body)
	}
	if fmt.Sprint(got.Header) != fmt.Sprint(e.Delivery.Header) {
		t.Errorf("headers: got %v, want %v", got.Header, e.Delivery.Header)
	}

	_, err = s.Delivery(ctx(t), id+1000)
	wantCode(t, err, connectors.ENOTFOUND)
}

func testEventNotFound(t *testing.T, s connectors.Store) {
	_, err := s.Event(ctx(t), 424242)
	wantCode(t, err, connectors.ENOTFOUND)
}

func testEventsFilters(t *testing.T, s connectors.Store) {
	other, err := s.CreateCompany(ctx(t), "Other Co")
	if err != nil {
		t.Fatalf("CreateCompany: %v", err)
	}
	mk := func(src connectors.Source, typ, ref string, company int64) int64 {
		e := newEvent(ref)
		e.Source, e.SourceName, e.EventType, e.CompanyID = src, string(src), typ, company
		return create(t, s, e)
	}
	a := mk(connectors.SourceGitHub, "push", "r1", 1)
	b := mk(connectors.SourceSlack, "message", "r2", 1)
	c := mk(connectors.SourceGitHub, "issues.opened", "r1", other.ID)
	d := mk(connectors.SourceN8N, "push", "r3", 1)
	if _, err := s.MoveEvent(ctx(t), connectors.Move{
		EventID: b, To: connectors.StateIgnored, Actor: "user:t", Reason: "noise",
	}); err != nil {
		t.Fatalf("MoveEvent: %v", err)
	}

	future := time.Now().Add(time.Hour)
	tests := []struct {
		name string
		f    connectors.EventFilter
		want []int64
	}{
		{"all", connectors.EventFilter{}, []int64{d, c, b, a}},
		{"state", connectors.EventFilter{State: connectors.StateIgnored}, []int64{b}},
		{"source", connectors.EventFilter{Source: connectors.SourceGitHub}, []int64{c, a}},
		{"type", connectors.EventFilter{EventType: "push"}, []int64{d, a}},
		{"ref", connectors.EventFilter{Ref: "r1"}, []int64{c, a}},
		{"company", connectors.EventFilter{CompanyIDs: []int64{other.ID}}, []int64{c}},
		{"no company", connectors.EventFilter{CompanyIDs: []int64{}}, nil},
		{"since future", connectors.EventFilter{Since: future}, nil},
		{"until future", connectors.EventFilter{Until: future}, []int64{d, c, b, a}},
		{"limit", connectors.EventFilter{Limit: 2}, []int64{d, c}},
		{"combined", connectors.EventFilter{
			Source: connectors.SourceGitHub, EventType: "push", Ref: "r1",
			CompanyIDs: []int64{1},
		}, []int64{a}},
	}
	for _, tt := range tests {
		list, err := s.Events(ctx(t), tt.f)
		if err != nil {
			t.Fatalf("%s: Events: %v", tt.name, err)
		}
		if got := ids(list); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got ids %v, want %v", tt.name, got, tt.want)
		}
	}
}

func ids(list []connectors.Event) []int64 {
	var out []int64
	for _, e := range list {
		out = append(out, e.ID)
	}
	return out
}

func testEventsKeysetPaging(t *testing.T, s connectors.Store) {
	var want []int64
	for i := range 7 {
		want = append(want, create(t, s, newEvent(fmt.Sprint(i))))
	}
	slices.Reverse(want)

	var got []int64
	f := connectors.EventFilter{Limit: 3}
	for {
		page, err := s.Events(ctx(t), f)
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		got = append(got, ids(page)...)
		if len(page) < f.Limit {
			break
		}
		f.BeforeID = page[len(page)-1].ID
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages: got %v, want %v", got, want)
	}
}
