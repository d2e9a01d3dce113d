package connectors

import (
	"fmt"
	"slices"
	"time"
)

// State is where an event stands in processing.
//
//	received ──▶ processing ──▶ processed
//	   │  ▲          │  │
//	   │  └──────────┘  └──▶ failed
//	   ├──▶ processed (by hand)
//	   └──▶ ignored ◀── processing, failed
//	processed, failed, ignored ──▶ received (retry or replay)
type State string

// The states of an event.
const (
	StateReceived   State = "received"
	StateProcessing State = "processing"
	StateProcessed  State = "processed"
	StateFailed     State = "failed"
	StateIgnored    State = "ignored"
)

// States lists every state in the order an operator reads them.
var States = []State{
	StateReceived,
	StateProcessing,
	StateProcessed,
	StateFailed,
	StateIgnored,
}

// moves is the one table of allowed state moves. The store schemas mirror it
// in CHECK constraints and triggers; each engine's TestSchema_MovesMatchDomain
// keeps them equal.
var moves = map[State][]State{
	StateReceived:   {StateProcessing, StateProcessed, StateIgnored},
	StateProcessing: {StateProcessed, StateFailed, StateReceived, StateIgnored},
	StateFailed:     {StateIgnored, StateReceived},
	StateIgnored:    {StateReceived},
	StateProcessed:  {StateReceived},
}

// Valid reports whether s is one of the known states.
func (s State) Valid() bool {
	return slices.Contains(States, s)
}

// Next returns the states an event in s may move to.
func (s State) Next() []State {
	return slices.Clone(moves[s])
}

// CanMove reports whether an event may move from one state to another.
func CanMove(from, to State) bool {
	return slices.Contains(moves[from], to)
}

// ParseState returns the state named s, or an EINVALID error.
func ParseState(s string) (State, error) {
	st := State(s)
	if !st.Valid() {
		return "", Errorf(EINVALID,
			"unknown state %q: want one of received, processing, processed, failed, ignored", s)
	}
	return st, nil
}

// Move asks for an event to change state.
type Move struct {
	EventID int64
	To      State

	// From, when set, is the state the caller believes the event is in; the
	// move applies only from that state. When empty, the event's current
	// state is read and checked against the allowed moves.
	From State

	Actor  Actor
	Reason string
}

// Check returns nil when an event in state from may make this move, or an
// error saying why not. A move to failed needs a reason: it becomes the
// event's error message.
func (m Move) Check(from State) error {
	if !m.To.Valid() {
		return Errorf(EINVALID, "unknown state %q", m.To)
	}
	if m.From != "" && m.From != from {
		return Errorf(ECONFLICT,
			"event %d is %s, not %s: it was moved by someone else", m.EventID, from, m.From)
	}
	if from == m.To {
		return Errorf(ECONFLICT, "event %d is already %s", m.EventID, from)
	}
	if !CanMove(from, m.To) {
		return Errorf(EINVALID, "event %d cannot move from %s to %s%s",
			m.EventID, from, m.To, allowedText(from))
	}
	if m.To == StateFailed && m.Reason == "" {
		return Errorf(EINVALID, "moving event %d to failed needs a reason: it becomes the error message", m.EventID)
	}
	if m.Actor == "" {
		return Errorf(EINVALID, "a move needs an actor")
	}
	return nil
}

func allowedText(from State) string {
	next := moves[from]
	if len(next) == 0 {
		return ""
	}
	return fmt.Sprintf(" (from %s it may move to %s)", from, joinStates(next))
}

func joinStates(states []State) string {
	s := ""
	for i, st := range states {
		if i > 0 {
			s += ", "
		}
		s += string(st)
	}
	return s
}

// Transition is one row of an event's history: a move from one state to
// another. The first row of every event has an empty From and To received.
type Transition struct {
	ID      int64
	EventID int64
	From    State
	To      State
	At      time.Time
	Actor   Actor
	Reason  string
}
