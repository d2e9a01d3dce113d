package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

func runEventsList(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("events list", "",
		"List events, newest first", storeSettings...)
	asJSON := cl.fs.Bool("json", false, "print a JSON array")
	state := cl.fs.String("state", "", "only events in this `state`")
	source := cl.fs.String("source", "",
		"only events from this `source`: n8n, github, slack or custom")
	eventType := cl.fs.String("type", "", "only events of this `event_type`")
	ref := cl.fs.String("ref", "", "only events with this `ref`")
	since := cl.fs.String("since", "", "only events received since this "+
		"`time`: "+sinceForms)
	limit := cl.fs.Int("limit", connectors.DefaultLimit, "at most this many events")

	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	if err := cl.wantArgs(pos, 0); err != nil {
		return err
	}
	f, err := eventFilter(*state, *source, *eventType, *ref, *since, *limit, time.Now())
	if err != nil {
		return cl.usageErr("%s", err)
	}

	return withStore(ctx, env, cfg, func(store hubStore) error {
		events, err := store.Events(ctx, f)
		if err != nil {
			return fmt.Errorf("list events: %w", err)
		}
		if *asJSON {
			return writeEventsJSON(env.Stdout, events)
		}
		return writeEventsTable(env.Stdout, events)
	})
}

// eventFilter builds the filter of events list from its flags.
func eventFilter(state, source, eventType, ref, since string,
	limit int, now time.Time) (connectors.EventFilter, error) {
	f := connectors.EventFilter{EventType: eventType, Ref: ref}
	if state != "" {
		st, err := connectors.ParseState(state)
		if err != nil {
			return f, fmt.Errorf("--state: %s", connectors.ErrorMessage(err))
		}
		f.State = st
	}
	if source != "" {
		f.Source = connectors.Source(strings.ToLower(source))
		if !f.Source.Valid() {
			return f, fmt.Errorf(
				"--source: unknown source %q: want n8n, github, slack or custom", source)
		}
	}
	if since != "" {
		t, err := parseSince(since, now)
		if err != nil {
			return f, err
		}
		f.Since = t
	}
	if limit < 1 || limit > connectors.MaxLimit {
		return f, fmt.Errorf("--limit: want 1 to %d, got %d", connectors.MaxLimit, limit)
	}
	f.Limit = limit
	return f, nil
}

// sinceForms describes the values --since accepts, for the usage.
const sinceForms = "an RFC 3339 time, a date such as 2026-12-01 " +
	"(from midnight UTC), or a time ago such as 7d, 2h or 90m"

// parseSince reads --since: an RFC 3339 time, a date meaning its start in
// UTC, a number of days ago (7d), or a Go duration ago (2h, 1h30m).
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err == nil && days >= 0 && n[0] != '+' {
			return now.AddDate(0, 0, -days), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--since: %q is not a time: want an RFC 3339 "+
		"time (2026-12-01T09:30:00Z), a date (2026-12-01), days ago (7d) "+
		"or a duration ago (2h, 90m)", s)
}

func writeEventsTable(w io.Writer, events []connectors.Event) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRECEIVED\tSOURCE\tTYPE\tREF\tSTATE")
	for _, e := range events {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", e.ID,
			humanTime(e.ReceivedAt), cell(sourceText(e)),
			cell(e.EventType), cell(e.Ref), e.State)
	}
	return tw.Flush()
}

// sourceText is the source for people: the name as sent follows a custom
// source, since it says more than "custom" does.
func sourceText(e connectors.Event) string {
	if e.SourceName == "" || strings.EqualFold(e.SourceName, string(e.Source)) {
		return string(e.Source)
	}
	return string(e.Source) + ":" + e.SourceName
}

func writeEventsJSON(w io.Writer, events []connectors.Event) error {
	items := make([][]byte, 0, len(events))
	for _, e := range events {
		b, err := eventObject(e).bytes()
		if err != nil {
			return err
		}
		items = append(items, b)
	}
	_, err := w.Write(append(jsonArray(items), '\n'))
	return err
}

// eventObject is an event as JSON, with its payload exactly as stored.
// The caller may add keys before finishing it.
func eventObject(e connectors.Event) *jsonObject {
	o := &jsonObject{}
	o.field("id", e.ID)
	o.field("company_id", e.CompanyID)
	o.field("source", e.Source)
	o.field("source_name", e.SourceName)
	o.field("event_type", e.EventType)
	o.field("ref", e.Ref)
	o.field("state", e.State)
	o.raw("payload", e.Payload)
	o.field("error_message", e.ErrorMessage)
	o.field("notes", e.Notes)
	o.field("received_at", jsonTime(e.ReceivedAt))
	o.field("processed_at", jsonTime(e.ProcessedAt))
	return o
}

// transitionJSON is one history row as JSON; From is null on arrival.
type transitionJSON struct {
	From   *connectors.State `json:"from"`
	To     connectors.State  `json:"to"`
	At     *string           `json:"at"`
	Actor  connectors.Actor  `json:"actor"`
	Reason string            `json:"reason"`
}

func historyJSON(history []connectors.Transition) []transitionJSON {
	rows := make([]transitionJSON, 0, len(history))
	for _, t := range history {
		row := transitionJSON{To: t.To, At: jsonTime(t.At),
			Actor: t.Actor, Reason: t.Reason}
		if t.From != "" {
			from := t.From
			row.From = &from
		}
		rows = append(rows, row)
	}
	return rows
}

func runEventsShow(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("events show", "ID",
		"Show one event, its payload and its history", storeSettings...)
	asJSON := cl.fs.Bool("json", false, "print a JSON object")

	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	id, err := cl.eventID(pos)
	if err != nil {
		return err
	}

	return withStore(ctx, env, cfg, func(store hubStore) error {
		return showEvent(ctx, env.Stdout, store, id, *asJSON)
	})
}

// eventID reads the one positional argument, an event id.
func (c *commandLine) eventID(pos []string) (int64, error) {
	if err := c.wantArgs(pos, 1); err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, c.usageErr("%q is not an event id", pos[0])
	}
	return id, nil
}

func showEvent(ctx context.Context, w io.Writer, store connectors.Store,
	id int64, asJSON bool) error {
	e, err := store.Event(ctx, id)
	if err != nil {
		return fmt.Errorf("read event %d: %w", id, err)
	}
	history, err := store.History(ctx, id)
	if err != nil {
		return fmt.Errorf("read history of event %d: %w", id, err)
	}
	if asJSON {
		return writeEventJSON(w, e, history)
	}
	return writeEventText(w, e, history)
}

func writeEventJSON(w io.Writer, e connectors.Event, history []connectors.Transition) error {
	o := eventObject(e)
	o.field("history", historyJSON(history))
	b, err := o.bytes()
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func writeEventText(w io.Writer, e connectors.Event, history []connectors.Transition) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Event\t%d\n", e.ID)
	fmt.Fprintf(tw, "Company\t%d\n", e.CompanyID)
	fmt.Fprintf(tw, "Source\t%s\n", cell(sourceText(e)))
	fmt.Fprintf(tw, "Type\t%s\n", cell(e.EventType))
	fmt.Fprintf(tw, "Ref\t%s\n", cell(e.Ref))
	fmt.Fprintf(tw, "State\t%s\n", e.State)
	fmt.Fprintf(tw, "Received\t%s\n", humanTime(e.ReceivedAt))
	fmt.Fprintf(tw, "Processed\t%s\n", humanTime(e.ProcessedAt))
	fmt.Fprintf(tw, "Error\t%s\n", cell(e.ErrorMessage))
	fmt.Fprintf(tw, "Notes\t%s\n", cell(e.Notes))
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintf(w, "\nPayload:\n%s\n", printableLines(indentPayload(e.Payload)))

	fmt.Fprintln(w, "\nHistory:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tFROM\tTO\tACTOR\tREASON")
	for _, t := range history {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", humanTime(t.At),
			cell(string(t.From)), t.To, cell(string(t.Actor)), cell(t.Reason))
	}
	return tw.Flush()
}

// indentPayload is the payload indented for reading. Indenting keeps
// every number's digits; --json shows the exact stored bytes. Valid JSON
// has no raw C0 controls, but DEL, C1 and bidi overrides may be in its
// strings, so the caller escapes the result.
func indentPayload(p json.RawMessage) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, p, "", "  "); err != nil {
		return string(p)
	}
	return buf.String()
}

// eventMove is one of the commands that move an event by hand.
type eventMove struct {
	name string
	to   connectors.State
}

// eventMoves maps the move commands to the states they move to.
var eventMoves = []eventMove{
	{"start", connectors.StateProcessing},
	{"process", connectors.StateProcessed},
	{"fail", connectors.StateFailed},
	{"ignore", connectors.StateIgnored},
	{"retry", connectors.StateReceived},
}

func (m eventMove) run(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("events "+m.name, "ID",
		"Move an event to "+string(m.to)+" by hand", storeSettings...)
	asJSON := cl.fs.Bool("json", false, "print the moved event as a JSON object")
	reasonHelp := "why, recorded in the event's history"
	if m.to == connectors.StateFailed {
		reasonHelp = "why it failed (required): the event's error message"
	}
	reason := cl.fs.String("reason", "", reasonHelp)

	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	id, err := cl.eventID(pos)
	if err != nil {
		return err
	}
	if m.to == connectors.StateFailed && strings.TrimSpace(*reason) == "" {
		return cl.usageErr("events fail needs --reason: it becomes the event's error message")
	}

	return withStore(ctx, env, cfg, func(store hubStore) error {
		return m.apply(ctx, env, store, id, *reason, *asJSON)
	})
}

// apply makes the move. The store checks it against the state table and
// changes nothing when it is refused.
func (m eventMove) apply(ctx context.Context, env Env, store connectors.Store,
	id int64, reason string, asJSON bool) error {
	e, err := store.MoveEvent(ctx, connectors.Move{
		EventID: id,
		To:      m.to,
		Actor:   env.actor(),
		Reason:  reason,
	})
	if err != nil {
		return fmt.Errorf("move event %d: %w", id, err)
	}
	if asJSON {
		return showEvent(ctx, env.Stdout, store, e.ID, true)
	}
	_, err = fmt.Fprintf(env.Stdout, "event %d is now %s\n", e.ID, e.State)
	return err
}
