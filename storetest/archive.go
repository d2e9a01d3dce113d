package storetest

import (
	"bytes"
	"fmt"
	"iter"
	"slices"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// testArchiveRoundTrip exports a store, imports what it read into a
// second, empty store of the same engine, and expects the second to
// export the same events, history and deliveries.
func testArchiveRoundTrip(t *testing.T, src connectors.Store, open Opener) {
	acme, err := src.CreateCompany(ctx(t), "Acme")
	if err != nil {
		t.Fatalf("CreateCompany: %v", err)
	}
	seedArchive(t, src, acme.ID)
	exported := collect(t, src.ExportEvents(ctx(t)))
	if len(exported) != 150 {
		t.Fatalf("exported: got %d events, want 150", len(exported))
	}
	// An event from long ago, so that an engine that partitions by time
	// must make its month, and one whose delivery was never kept.
	old := time.Date(2019, 5, 10, 8, 30, 0, 123000, time.UTC)
	exported[0].Event.ReceivedAt, exported[0].Event.UpdatedAt = old, old
	exported[0].History[0].At = old
	exported[1].Delivery = nil

	dst := open(t)
	t.Cleanup(func() { dst.Close() })
	importCompanies(t, src, dst)
	n, err := dst.ImportEvents(ctx(t), seq(exported))
	if err != nil || n != int64(len(exported)) {
		t.Fatalf("ImportEvents: got %d, %v; want %d", n, err, len(exported))
	}

	again := collect(t, dst.ExportEvents(ctx(t)))
	if len(again) != len(exported) {
		t.Fatalf("exported after import: got %d events, want %d", len(again), len(exported))
	}
	for i := range exported {
		if diff := archiveDiff(exported[i], again[i]); diff != "" {
			t.Errorf("event %d after import: %s", exported[i].Event.ID, diff)
		}
	}
	checkCounts(t, src, dst)
	checkAfterImport(t, dst, exported)
}

// seedArchive makes 150 events in every state, of two companies, with
// payloads that must survive byte for byte.
func seedArchive(t *testing.T, s connectors.Store, company int64) {
	t.Helper()
	for i := range 150 {
		e := newEvent(fmt.Sprintf("r%d", i))
		e.Payload = []byte(fmt.Sprintf(`{ "n" : %d0000000000000000001 , "s":"caf\u00e9" }`, i))
		if i%3 == 0 {
			e.CompanyID = company
		}
		state := connectors.States[i%len(connectors.States)]
		eventInWith(t, s, e, state)
	}
}

// eventInWith creates e and moves it to state.
func eventInWith(t *testing.T, s connectors.Store, e connectors.NewEvent, state connectors.State) {
	t.Helper()
	id := create(t, s, e)
	for _, to := range pathTo[state] {
		_, err := s.MoveEvent(ctx(t), connectors.Move{
			EventID: id, To: to, Actor: tester, Reason: "setup",
		})
		if err != nil {
			t.Fatalf("move event %d to %s: %v", id, to, err)
		}
	}
}

func importCompanies(t *testing.T, src, dst connectors.Store) {
	t.Helper()
	companies, err := src.Companies(ctx(t))
	if err != nil {
		t.Fatalf("Companies: %v", err)
	}
	for _, c := range companies {
		if err := dst.ImportCompany(ctx(t), c); err != nil {
			t.Fatalf("ImportCompany(%+v): %v", c, err)
		}
	}
	got, _ := dst.Companies(ctx(t))
	if len(got) != len(companies) {
		t.Fatalf("companies after import: got %+v, want %+v", got, companies)
	}
	for i := range got {
		// The default company was there already, and is left as it is.
		sameTime := got[i].CreatedAt.Equal(companies[i].CreatedAt) ||
			got[i].ID == connectors.DefaultCompanyID
		if got[i].ID != companies[i].ID || got[i].Name != companies[i].Name || !sameTime {
			t.Errorf("company after import: got %+v, want %+v", got[i], companies[i])
		}
	}
	renamed := companies[1]
	renamed.Name = "Not Acme"
	wantCode(t, dst.ImportCompany(ctx(t), renamed), connectors.ECONFLICT)
	moved := companies[1]
	moved.ID = 77
	wantCode(t, dst.ImportCompany(ctx(t), moved), connectors.ECONFLICT)
}

func checkCounts(t *testing.T, src, dst connectors.Store) {
	t.Helper()
	want, err := src.ArchiveCounts(ctx(t))
	if err != nil {
		t.Fatalf("ArchiveCounts: %v", err)
	}
	got, err := dst.ArchiveCounts(ctx(t))
	if err != nil {
		t.Fatalf("ArchiveCounts: %v", err)
	}
	// 150 events; their history: one arrival each, and the moves of
	// pathTo for the 30 events of each state (0, 1, 1, 2, 1).
	if want != (connectors.ArchiveCounts{Companies: 2, Events: 150, History: 150 + 30*5}) {
		t.Errorf("counts of the source: got %+v", want)
	}
	if got != want {
		t.Errorf("counts after import: got %+v, want %+v", got, want)
	}
}

// checkAfterImport expects new events to get ids above the imported ones,
// and an import of an id in use to be refused.
func checkAfterImport(t *testing.T, dst connectors.Store, imported []connectors.ArchivedEvent) {
	t.Helper()
	last := imported[len(imported)-1].Event.ID
	if id := create(t, dst, newEvent("new")); id <= last {
		t.Errorf("id after import: got %d, want above %d", id, last)
	}
	_, err := dst.ImportEvents(ctx(t), seq(imported[:1]))
	wantCode(t, err, connectors.ECONFLICT)
	unknown := imported[1]
	unknown.Event.ID, unknown.Event.CompanyID = last+1000, 999
	_, err = dst.ImportEvents(ctx(t), seq([]connectors.ArchivedEvent{unknown}))
	wantCode(t, err, connectors.ENOTFOUND)
}

func collect(t *testing.T, events iter.Seq2[connectors.ArchivedEvent, error]) []connectors.ArchivedEvent {
	t.Helper()
	var list []connectors.ArchivedEvent
	for a, err := range events {
		if err != nil {
			t.Fatalf("ExportEvents: %v", err)
		}
		list = append(list, a)
	}
	return list
}

func seq(list []connectors.ArchivedEvent) iter.Seq2[connectors.ArchivedEvent, error] {
	return func(yield func(connectors.ArchivedEvent, error) bool) {
		for _, a := range list {
			if !yield(a, nil) {
				return
			}
		}
	}
}

// archiveDiff says how two archived events differ, ignoring history row
// ids, which an import gives anew; "" when they do not.
func archiveDiff(want, got connectors.ArchivedEvent) string {
	if d := eventDiff(want.Event, got.Event); d != "" {
		return d
	}
	return historyDiff(want, got)
}

func eventDiff(w, g connectors.Event) string {
	if w.ID != g.ID || w.CompanyID != g.CompanyID || w.Source != g.Source ||
		w.SourceName != g.SourceName || w.EventType != g.EventType ||
		w.Ref != g.Ref || w.State != g.State || !bytes.Equal(w.Payload, g.Payload) ||
		w.ErrorMessage != g.ErrorMessage || w.Notes != g.Notes ||
		!w.ReceivedAt.Equal(g.ReceivedAt) || !w.ProcessedAt.Equal(g.ProcessedAt) ||
		!w.UpdatedAt.Equal(g.UpdatedAt) {
		return fmt.Sprintf("event\n got %+v\nwant %+v", g, w)
	}
	return ""
}

func historyDiff(want, got connectors.ArchivedEvent) string {
	w, g := want, got
	strip := func(h []connectors.Transition) []string {
		var out []string
		for _, t := range h {
			out = append(out, fmt.Sprintf("%d %s>%s %s %s %q", t.EventID,
				t.From, t.To, t.At.Format(time.RFC3339Nano), t.Actor, t.Reason))
		}
		return out
	}
	if !slices.Equal(strip(w.History), strip(g.History)) {
		return fmt.Sprintf("history\n got %q\nwant %q", strip(g.History), strip(w.History))
	}
	if (w.Delivery == nil) != (g.Delivery == nil) {
		return fmt.Sprintf("delivery: got %+v, want %+v", g.Delivery, w.Delivery)
	}
	if w.Delivery != nil && (fmt.Sprint(*w.Delivery) != fmt.Sprint(*g.Delivery)) {
		return fmt.Sprintf("delivery: got %+v, want %+v", *g.Delivery, *w.Delivery)
	}
	return ""
}
