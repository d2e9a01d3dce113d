package cli

import (
	"encoding/json"
	"net/http"
	"time"
	"unicode/utf8"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// The export format is NDJSON: one JSON object a line, each with one of
// the fields of archiveLine. Companies come first, then events by id,
// each with its history and delivery, then one end line with the counts,
// so that import can tell a whole export from a cut one.

// archiveLine is one line of an export.
type archiveLine struct {
	Company *companyLine `json:"company,omitempty"`
	Event   *eventLine   `json:"event,omitempty"`
	End     *endLine     `json:"end,omitempty"`
}

type companyLine struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// eventLine is an event with its history and delivery. The payload is
// kept as text when it is UTF-8, which JSON strings carry exactly, and
// as base64 otherwise.
type eventLine struct {
	ID            int64         `json:"id"`
	CompanyID     int64         `json:"company_id"`
	Source        string        `json:"source"`
	SourceName    string        `json:"source_name"`
	EventType     string        `json:"event_type"`
	Ref           string        `json:"ref"`
	State         string        `json:"state"`
	Payload       *string       `json:"payload,omitempty"`
	PayloadBase64 []byte        `json:"payload_base64,omitempty"`
	ErrorMessage  string        `json:"error_message"`
	Notes         string        `json:"notes"`
	ReceivedAt    time.Time     `json:"received_at"`
	ProcessedAt   *time.Time    `json:"processed_at,omitempty"`
	UpdatedAt     time.Time     `json:"updated_at"`
	History       []historyLine `json:"history"`
	Delivery      *deliveryLine `json:"delivery,omitempty"`
}

type historyLine struct {
	From   string    `json:"from,omitempty"`
	To     string    `json:"to"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Reason string    `json:"reason"`
}

type deliveryLine struct {
	RemoteAddr string      `json:"remote_addr"`
	Method     string      `json:"method"`
	Path       string      `json:"path"`
	Header     http.Header `json:"headers"`
	Body       []byte      `json:"body"` // base64: bodies are bytes
}

type endLine struct {
	Companies int64 `json:"companies"`
	Events    int64 `json:"events"`
	History   int64 `json:"history"`
}

func toEventLine(a connectors.ArchivedEvent) *eventLine {
	e := a.Event
	l := &eventLine{
		ID: e.ID, CompanyID: e.CompanyID, Source: string(e.Source),
		SourceName: e.SourceName, EventType: e.EventType, Ref: e.Ref,
		State: string(e.State), ErrorMessage: e.ErrorMessage, Notes: e.Notes,
		ReceivedAt: e.ReceivedAt, UpdatedAt: e.UpdatedAt,
		History: make([]historyLine, 0, len(a.History)),
	}
	if utf8.Valid(e.Payload) {
		text := string(e.Payload)
		l.Payload = &text
	} else {
		l.PayloadBase64 = e.Payload
	}
	if !e.ProcessedAt.IsZero() {
		l.ProcessedAt = &e.ProcessedAt
	}
	for _, t := range a.History {
		l.History = append(l.History, historyLine{From: string(t.From),
			To: string(t.To), At: t.At, Actor: string(t.Actor), Reason: t.Reason})
	}
	if d := a.Delivery; d != nil {
		l.Delivery = &deliveryLine{RemoteAddr: d.RemoteAddr, Method: d.Method,
			Path: d.Path, Header: d.Header, Body: d.Body}
	}
	return l
}

func (l *eventLine) archived() connectors.ArchivedEvent {
	e := connectors.Event{
		ID: l.ID, CompanyID: l.CompanyID, Source: connectors.Source(l.Source),
		SourceName: l.SourceName, EventType: l.EventType, Ref: l.Ref,
		State: connectors.State(l.State), ErrorMessage: l.ErrorMessage,
		Notes: l.Notes, ReceivedAt: l.ReceivedAt, UpdatedAt: l.UpdatedAt,
		Payload: json.RawMessage(l.PayloadBase64),
	}
	if l.Payload != nil {
		e.Payload = json.RawMessage(*l.Payload)
	}
	if l.ProcessedAt != nil {
		e.ProcessedAt = *l.ProcessedAt
	}
	a := connectors.ArchivedEvent{Event: e}
	for _, h := range l.History {
		a.History = append(a.History, connectors.Transition{EventID: l.ID,
			From: connectors.State(h.From), To: connectors.State(h.To),
			At: h.At, Actor: connectors.Actor(h.Actor), Reason: h.Reason})
	}
	if d := l.Delivery; d != nil {
		a.Delivery = &connectors.Delivery{RemoteAddr: d.RemoteAddr,
			Method: d.Method, Path: d.Path, Header: d.Header, Body: d.Body}
	}
	return a
}
