package cli

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/sqlite"
)

// pathTo lists the moves that bring a new event to each state.
var pathTo = map[connectors.State][]connectors.Move{
	connectors.StateReceived: nil,
	connectors.StateProcessing: {
		{To: connectors.StateProcessing},
	},
	connectors.StateProcessed: {
		{To: connectors.StateProcessing},
		{To: connectors.StateProcessed},
	},
	connectors.StateFailed: {
		{To: connectors.StateProcessing},
		{To: connectors.StateFailed, Reason: "upstream timed out"},
	},
	connectors.StateIgnored: {
		{To: connectors.StateIgnored, Reason: "duplicate"},
	},
}

// seedInState stores an event and moves it to state as the system would.
func seedInState(t *testing.T, store connectors.Store, state connectors.State) int64 {
	t.Helper()
	id := seedEvent(t, store, connectors.NewEvent{
		Source: connectors.SourceN8N, EventType: "workflow.completed",
		Payload: []byte(`{"n":1}`),
	})
	for _, m := range pathTo[state] {
		m.EventID = id
		m.Actor = connectors.ActorSystem
		if _, err := store.MoveEvent(context.Background(), m); err != nil {
			t.Fatalf("move to %s: %v", m.To, err)
		}
	}
	return id
}

func TestEventMoves_FromEveryState(t *testing.T) {
	t.Parallel()
	// allowed pins the command mapping: which command moves an event from
	// which state. The store suite checks the full state table.
	allowed := map[string][]connectors.State{
		"start":   {connectors.StateReceived},
		"process": {connectors.StateReceived, connectors.StateProcessing},
		"fail":    {connectors.StateProcessing},
		"ignore": {connectors.StateReceived, connectors.StateProcessing,
			connectors.StateFailed},
		"retry": {connectors.StateProcessing, connectors.StateProcessed,
			connectors.StateFailed, connectors.StateIgnored},
	}
	wantTo := map[string]connectors.State{
		"start":   connectors.StateProcessing,
		"process": connectors.StateProcessed,
		"fail":    connectors.StateFailed,
		"ignore":  connectors.StateIgnored,
		"retry":   connectors.StateReceived,
	}
	for _, m := range eventMoves {
		if m.to != wantTo[m.name] {
			t.Errorf("events %s moves to %q, want %q", m.name, m.to, wantTo[m.name])
		}
		for _, from := range connectors.States {
			name := m.name + "_from_" + string(from)
			ok := slices.Contains(allowed[m.name], from)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				testEventMove(t, m, from, ok)
			})
		}
	}
}

func testEventMove(t *testing.T, m eventMove, from connectors.State, allowed bool) {
	db := testDB(t)
	var id int64
	var before connectors.Event
	var history []connectors.Transition
	inStore(t, db, func(store *sqlite.Store) {
		id = seedInState(t, store, from)
		before, history = readEvent(t, store, id)
	})

	out := runCLI(t, nil, "events", m.name, strconv.FormatInt(id, 10),
		"--db", db, "--reason", "by hand")

	after, afterHistory := readEventAt(t, db, id)
	if !allowed {
		check := connectors.Move{EventID: id, To: m.to,
			Actor: "user:alice", Reason: "by hand"}.Check(from)
		want := "ipai-connectors: " + connectors.ErrorMessage(check) + "\n"
		if out.code != ExitFail || out.stderr != want || out.stdout != "" {
			t.Errorf("got exit %d, stdout %q, stderr %q; want exit 1, no stdout, stderr %q",
				out.code, out.stdout, out.stderr, want)
		}
		if after.State != from || !after.UpdatedAt.Equal(before.UpdatedAt) ||
			len(afterHistory) != len(history) {
			t.Errorf("a refused move changed the event: got %s with %d history rows, want %s with %d",
				after.State, len(afterHistory), from, len(history))
		}
		return
	}

	wantOK(t, out)
	if want := fmt.Sprintf("event %d is now %s\n", id, m.to); out.stdout != want {
		t.Errorf("stdout: got %q, want %q", out.stdout, want)
	}
	if after.State != m.to {
		t.Errorf("state: got %s, want %s", after.State, m.to)
	}
	if len(afterHistory) != len(history)+1 {
		t.Fatalf("history: got %d rows, want %d", len(afterHistory), len(history)+1)
	}
	last := afterHistory[len(afterHistory)-1]
	if last.From != from || last.To != m.to || last.Actor != "user:alice" ||
		last.Reason != "by hand" {
		t.Errorf("history row: got %s→%s by %q for %q, want %s→%s by \"user:alice\" for \"by hand\"",
			last.From, last.To, last.Actor, last.Reason, from, m.to)
	}
	if m.to == connectors.StateFailed && after.ErrorMessage != "by hand" {
		t.Errorf("error message: got %q, want %q", after.ErrorMessage, "by hand")
	}
	if m.to == connectors.StateProcessed && after.ProcessedAt.IsZero() {
		t.Errorf("processed_at: got zero, want the time of the move")
	}
}

func readEvent(t *testing.T, store connectors.Store,
	id int64) (connectors.Event, []connectors.Transition) {
	t.Helper()
	ctx := context.Background()
	e, err := store.Event(ctx, id)
	if err != nil {
		t.Fatalf("read event %d: %v", id, err)
	}
	history, err := store.History(ctx, id)
	if err != nil {
		t.Fatalf("read history of %d: %v", id, err)
	}
	return e, history
}

func readEventAt(t *testing.T, db string,
	id int64) (e connectors.Event, h []connectors.Transition) {
	t.Helper()
	inStore(t, db, func(store *sqlite.Store) { e, h = readEvent(t, store, id) })
	return e, h
}

func TestEventMoves_RefusedMoveSaysWhy(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	inStore(t, db, func(store *sqlite.Store) {
		seedInState(t, store, connectors.StateProcessed)
	})
	out := runCLI(t, nil, "events", "start", "1", "--db", db)
	want := "ipai-connectors: event 1 cannot move from processed to processing " +
		"(from processed it may move to received)\n"
	if out.code != ExitFail || out.stderr != want {
		t.Errorf("got exit %d and %q, want exit 1 and %q", out.code, out.stderr, want)
	}
}

func TestEventMoves_FailNeedsReason(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	inStore(t, db, func(store *sqlite.Store) {
		seedInState(t, store, connectors.StateProcessing)
	})
	out := runCLI(t, nil, "events", "fail", "1", "--db", db)
	want := "ipai-connectors: events fail needs --reason: it becomes the event's error message\n" +
		"Run 'ipai-connectors events fail --help' for usage.\n"
	if out.code != ExitUsage || out.stderr != want {
		t.Errorf("got exit %d and %q, want exit 2 and %q", out.code, out.stderr, want)
	}
	if e, _ := readEventAt(t, db, 1); e.State != connectors.StateProcessing {
		t.Errorf("state: got %s, want processing", e.State)
	}
}

func TestEventMoves_UnknownEvent(t *testing.T) {
	t.Parallel()
	out := runCLI(t, nil, "events", "retry", "42", "--db", testDB(t))
	if want := "ipai-connectors: event 42 not found\n"; out.code != ExitFail || out.stderr != want {
		t.Errorf("got exit %d and %q, want exit 1 and %q", out.code, out.stderr, want)
	}
}

func TestEventMoves_JSONShowsTheMovedEvent(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	inStore(t, db, func(store *sqlite.Store) {
		seedInState(t, store, connectors.StateProcessing)
	})
	out := runCLI(t, nil, "events", "fail", "--json", "1", "--db", db,
		"--reason", "bad <payload> & more")
	wantOK(t, out)
	var got struct {
		State        string           `json:"state"`
		ErrorMessage string           `json:"error_message"`
		History      []transitionJSON `json:"history"`
	}
	decodeJSON(t, out.stdout, &got)
	if got.State != "failed" || got.ErrorMessage != "bad <payload> & more" {
		t.Errorf("got %s with %q, want failed with %q", got.State, got.ErrorMessage,
			"bad <payload> & more")
	}
	if n := len(got.History); n != 3 || got.History[2].Actor != "user:alice" {
		t.Errorf("history: got %+v, want 3 rows ending with user:alice's", got.History)
	}
}

func TestEventsList_Filters(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	inStore(t, db, func(store *sqlite.Store) {
		for _, e := range []connectors.NewEvent{
			{Source: connectors.SourceN8N, EventType: "workflow.completed", Ref: "wf_1"},
			{Source: connectors.SourceGitHub, EventType: "push", Ref: "main"},
			{Source: connectors.SourceCustom, SourceName: "Stripe", EventType: "charge.succeeded"},
			{Source: connectors.SourceN8N, EventType: "workflow.failed", Ref: "wf_1"},
		} {
			seedEvent(t, store, e)
		}
		move(t, store, 2, connectors.StateIgnored)
	})
	tests := []struct {
		args []string
		want []int64
	}{
		{nil, []int64{4, 3, 2, 1}},
		{[]string{"--source", "n8n"}, []int64{4, 1}},
		{[]string{"--source", "GitHub"}, []int64{2}},
		{[]string{"--type", "push"}, []int64{2}},
		{[]string{"--ref", "wf_1"}, []int64{4, 1}},
		{[]string{"--state", "ignored"}, []int64{2}},
		{[]string{"--state", "received", "--source", "n8n", "--ref", "wf_1"}, []int64{4, 1}},
		{[]string{"--limit", "2"}, []int64{4, 3}},
		{[]string{"--since", "1h"}, []int64{4, 3, 2, 1}},
		{[]string{"--since", "1d"}, []int64{4, 3, 2, 1}},
		{[]string{"--since", time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)},
			[]int64{4, 3, 2, 1}},
		{[]string{"--since", time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)}, nil},
		{[]string{"--since", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, nil},
	}
	for _, tt := range tests {
		args := append([]string{"events", "list", "--db", db, "--json"}, tt.args...)
		out := runCLI(t, nil, args...)
		wantOK(t, out)
		var events []struct{ ID int64 }
		decodeJSON(t, out.stdout, &events)
		var got []int64
		for _, e := range events {
			got = append(got, e.ID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%v: got ids %v, want %v", tt.args, got, tt.want)
		}
	}
}

func move(t *testing.T, store connectors.Store, id int64, to connectors.State) {
	t.Helper()
	_, err := store.MoveEvent(context.Background(), connectors.Move{
		EventID: id, To: to, Actor: connectors.ActorSystem, Reason: "test",
	})
	if err != nil {
		t.Fatalf("move %d to %s: %v", id, to, err)
	}
}

func TestEventsList_BadFilterIsUsageError(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	tests := []struct {
		args []string
		want string
	}{
		{
			[]string{"--state", "done"},
			`--state: unknown state "done": ` +
				`want one of received, processing, processed, failed, ignored`,
		},
		{
			[]string{"--source", "stripe"},
			`--source: unknown source "stripe": want n8n, github, slack or custom`,
		},
		{
			[]string{"--since", "yesterday"},
			`--since: "yesterday" is not a time: want an RFC 3339 time ` +
				`(2026-12-01T09:30:00Z), a date (2026-12-01), days ago (7d) ` +
				`or a duration ago (2h, 90m)`,
		},
		{[]string{"--limit", "0"}, `--limit: want 1 to 1000, got 0`},
		{[]string{"--limit", "ten"}, `invalid value "ten" for flag -limit: parse error`},
	}
	for _, tt := range tests {
		args := append([]string{"events", "list", "--db", db}, tt.args...)
		out := runCLI(t, nil, args...)
		want := "ipai-connectors: " + tt.want + "\n" +
			"Run 'ipai-connectors events list --help' for usage.\n"
		if out.code != ExitUsage || out.stderr != want {
			t.Errorf("%v: got exit %d and %q, want exit 2 and %q", tt.args, out.code, out.stderr, want)
		}
	}
}

func TestParseSince_TimesDatesAndAgo(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := map[string]time.Time{
		"2h":                        time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC),
		"90m":                       time.Date(2025, 6, 1, 10, 30, 0, 0, time.UTC),
		"1h30m":                     time.Date(2025, 6, 1, 10, 30, 0, 0, time.UTC),
		"0d":                        now,
		"1d":                        time.Date(2025, 5, 31, 12, 0, 0, 0, time.UTC),
		"30d":                       time.Date(2025, 5, 2, 12, 0, 0, 0, time.UTC),
		"2025-05-31T08:00:00+02:00": time.Date(2025, 5, 31, 6, 0, 0, 0, time.UTC),
		"2025-05-31T06:00:00.5Z":    time.Date(2025, 5, 31, 6, 0, 0, 5e8, time.UTC),
		"2026-12-01":                time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
	}
	for in, want := range tests {
		got, err := parseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseSince(%q): got %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestParseSince_RefusesOtherForms(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, in := range []string{"-2h", "-1d", "+1d", "d", "1.5d", "7days",
		"2026-13-01", "2026-12-1", "01/12/2026", "yesterday", ""} {
		got, err := parseSince(in, now)
		want := fmt.Sprintf("--since: %q is not a time: want an RFC 3339 time "+
			"(2026-12-01T09:30:00Z), a date (2026-12-01), days ago (7d) "+
			"or a duration ago (2h, 90m)", in)
		if err == nil || err.Error() != want {
			t.Errorf("parseSince(%q): got %v, %v; want the error %q", in, got, err, want)
		}
	}
}

func TestEventsList_Table(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	var first, second connectors.Event
	inStore(t, db, func(store *sqlite.Store) {
		id := seedEvent(t, store, connectors.NewEvent{
			Source: connectors.SourceN8N, EventType: "workflow.completed", Ref: "wf_123",
		})
		first, _ = readEvent(t, store, id)
		id = seedEvent(t, store, connectors.NewEvent{
			Source: connectors.SourceCustom, SourceName: "Stripe", EventType: "charge.succeeded",
		})
		second, _ = readEvent(t, store, id)
	})
	out := runCLI(t, nil, "events", "list", "--db", db)
	wantOK(t, out)
	want := "ID  RECEIVED              SOURCE         TYPE                REF     STATE\n" +
		"2   " + humanTime(second.ReceivedAt) +
		"  custom:Stripe  charge.succeeded    -       received\n" +
		"1   " + humanTime(first.ReceivedAt) + "  n8n            workflow.completed  wf_123  received\n"
	if out.stdout != want {
		t.Errorf("table:\ngot\n%s\nwant\n%s", out.stdout, want)
	}
}

func TestEventsShow_Text(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	var e connectors.Event
	var h []connectors.Transition
	inStore(t, db, func(store *sqlite.Store) {
		id := seedInState(t, store, connectors.StateFailed)
		e, h = readEvent(t, store, id)
	})
	out := runCLI(t, nil, "events", "show", "1", "--db", db)
	wantOK(t, out)
	want := "Event      1\n" +
		"Company    1\n" +
		"Source     n8n\n" +
		"Type       workflow.completed\n" +
		"Ref        -\n" +
		"State      failed\n" +
		"Received   " + humanTime(e.ReceivedAt) + "\n" +
		"Processed  -\n" +
		"Error      upstream timed out\n" +
		"Notes      -\n" +
		"\nPayload:\n{\n  \"n\": 1\n}\n" +
		"\nHistory:\n" +
		"AT                    FROM        TO          ACTOR   REASON\n" +
		humanTime(h[0].At) + "  -           received    system  -\n" +
		humanTime(h[1].At) + "  received    processing  system  -\n" +
		humanTime(h[2].At) + "  processing  failed      system  upstream timed out\n"
	if out.stdout != want {
		t.Errorf("show:\ngot\n%s\nwant\n%s", out.stdout, want)
	}
}

func TestEventsShow_UnknownEventAndBadID(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	out := runCLI(t, nil, "events", "show", "7", "--db", db)
	if want := "ipai-connectors: event 7 not found\n"; out.code != ExitFail || out.stderr != want {
		t.Errorf("unknown: got exit %d and %q, want exit 1 and %q", out.code, out.stderr, want)
	}
	out = runCLI(t, nil, "events", "show", "seven", "--db", db)
	want := "ipai-connectors: \"seven\" is not an event id\n" +
		"Run 'ipai-connectors events show --help' for usage.\n"
	if out.code != ExitUsage || out.stderr != want {
		t.Errorf("bad id: got exit %d and %q, want exit 2 and %q", out.code, out.stderr, want)
	}
}

// seedHostileEvent stores an event whose client-chosen strings hold
// terminal controls, raw and JSON-escaped, and returns it as stored.
func seedHostileEvent(t *testing.T, db string) (connectors.Event, []connectors.Transition) {
	t.Helper()
	var e connectors.Event
	var h []connectors.Transition
	inStore(t, db, func(store *sqlite.Store) {
		id := seedEvent(t, store, connectors.NewEvent{
			Source: connectors.SourceCustom, SourceName: attack,
			EventType: attack, Ref: "wf\u202e1",
			Payload: []byte("{\"title\":\"\u202eevil\",\"esc\":\"\\u001b[2J\"," +
				"\"del\":\"\x7f\"}"),
		})
		e, h = readEvent(t, store, id)
	})
	return e, h
}

func TestEventsList_EscapesClientStrings(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	e, _ := seedHostileEvent(t, db)
	out := runCLI(t, nil, "events", "list", "--db", db)
	wantOK(t, out)
	row := "%-4s%-22s%-32s%-25s%-11s%s\n"
	want := fmt.Sprintf(row, "ID", "RECEIVED", "SOURCE", "TYPE", "REF", "STATE") +
		fmt.Sprintf(row, "1", humanTime(e.ReceivedAt), "custom:"+attackShown,
			attackShown, `wf\u202e1`, "received")
	if out.stdout != want {
		t.Errorf("table:\ngot  %q\nwant %q", out.stdout, want)
	}
}

func TestEventsShow_EscapesClientStrings(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	e, h := seedHostileEvent(t, db)
	out := runCLI(t, nil, "events", "show", "1", "--db", db)
	wantOK(t, out)
	want := "Event      1\n" +
		"Company    1\n" +
		"Source     custom:" + attackShown + "\n" +
		"Type       " + attackShown + "\n" +
		"Ref        wf\\u202e1\n" +
		"State      received\n" +
		"Received   " + humanTime(e.ReceivedAt) + "\n" +
		"Processed  -\n" +
		"Error      -\n" +
		"Notes      -\n" +
		"\nPayload:\n{\n" +
		`  "title": "\u202eevil",` + "\n" +
		`  "esc": "\u001b[2J",` + "\n" +
		`  "del": "\x7f"` + "\n}\n" +
		"\nHistory:\n" +
		"AT                    FROM  TO        ACTOR   REASON\n" +
		humanTime(h[0].At) + "  -     received  system  -\n"
	if out.stdout != want {
		t.Errorf("show:\ngot  %q\nwant %q", out.stdout, want)
	}
}

func TestEventsShow_JSONEscapesFieldsKeepsPayload(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	e, _ := seedHostileEvent(t, db)
	out := runCLI(t, nil, "events", "show", "1", "--db", db, "--json")
	wantOK(t, out)
	fields := `"source":"custom","source_name":"\u001b]0;pwned\u0007\u001b[2J",` +
		`"event_type":"\u001b]0;pwned\u0007\u001b[2J","ref":"wf\u202e1",` +
		`"state":"received","payload":` + string(e.Payload) + `,`
	if !strings.Contains(out.stdout, fields) {
		t.Errorf("show --json:\ngot  %s\nwant it to hold %s", out.stdout, fields)
	}
	var got struct {
		SourceName string `json:"source_name"`
		Ref        string `json:"ref"`
	}
	decodeJSON(t, out.stdout, &got)
	if got.SourceName != attack || got.Ref != "wf\u202e1" {
		t.Errorf("decoded: got %q and %q, want %q and %q",
			got.SourceName, got.Ref, attack, "wf\u202e1")
	}
}
