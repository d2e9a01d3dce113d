package connectors

import (
	"testing"
)

func TestCanMove_IsTheProductTable(t *testing.T) {
	t.Parallel()
	allowed := map[[2]State]bool{
		{StateReceived, StateProcessing}:  true,
		{StateReceived, StateProcessed}:   true,
		{StateReceived, StateIgnored}:     true,
		{StateProcessing, StateProcessed}: true,
		{StateProcessing, StateFailed}:    true,
		{StateProcessing, StateReceived}:  true,
		{StateProcessing, StateIgnored}:   true,
		{StateFailed, StateIgnored}:       true,
		{StateFailed, StateReceived}:      true,
		{StateIgnored, StateReceived}:     true,
		{StateProcessed, StateReceived}:   true,
	}
	for _, from := range States {
		for _, to := range States {
			if got, want := CanMove(from, to), allowed[[2]State{from, to}]; got != want {
				t.Errorf("CanMove(%s, %s) = %v, want %v", from, to, got, want)
			}
		}
	}
}

func TestMoveCheck_SaysWhy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		move Move
		from State
		code string
		msg  string
	}{
		{"allowed", Move{EventID: 7, To: StateIgnored, Actor: "user:a"},
			StateFailed, "", ""},
		{"forbidden", Move{EventID: 7, To: StateFailed, Actor: "user:a", Reason: "x"},
			StateReceived, EINVALID,
			"event 7 cannot move from received to failed (from received it may move to processing, processed, ignored)"},
		{"already there", Move{EventID: 7, To: StateIgnored, Actor: "user:a"},
			StateIgnored, ECONFLICT, "event 7 is already ignored"},
		{"moved by someone else", Move{EventID: 7, From: StateReceived,
			To: StateProcessing, Actor: "worker:1"},
			StateProcessing, ECONFLICT,
			"event 7 is processing, not received: it was moved by someone else"},
		{"failed without reason", Move{EventID: 7, To: StateFailed, Actor: "user:a"},
			StateProcessing, EINVALID,
			"moving event 7 to failed needs a reason: it becomes the error message"},
		{"unknown state", Move{EventID: 7, To: "done", Actor: "user:a"},
			StateReceived, EINVALID, `unknown state "done"`},
		{"no actor", Move{EventID: 7, To: StateIgnored},
			StateReceived, EINVALID, "a move needs an actor"},
	}
	for _, tt := range tests {
		err := tt.move.Check(tt.from)
		if got := ErrorCode(err); got != tt.code {
			t.Errorf("%s: code %q, want %q", tt.name, got, tt.code)
		}
		if got := ErrorMessage(err); got != tt.msg {
			t.Errorf("%s: message %q, want %q", tt.name, got, tt.msg)
		}
	}
}

func TestParseSource_IgnoresCaseAndKeepsOthersAsCustom(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]Source{
		"n8n": SourceN8N, "GitHub": SourceGitHub, " SLACK ": SourceSlack,
		"custom": SourceCustom, "Jira": SourceCustom, "": SourceCustom,
	} {
		if got := ParseSource(name); got != want {
			t.Errorf("ParseSource(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestErrorMessage_HidesInternalText(t *testing.T) {
	t.Parallel()
	inner := Errorf(ENOTFOUND, "event 3 not found")
	wrapped := &Error{Code: EUNAVAILABLE, Message: "the store is unavailable",
		Err: errString("dial tcp 10.0.0.5:5432: refused")}
	tests := []struct {
		err       error
		code, msg string
	}{
		{nil, "", ""},
		{inner, ENOTFOUND, "event 3 not found"},
		{wrapped, EUNAVAILABLE, "the store is unavailable"},
		{errString("pq: relation does not exist"), EINTERNAL, "internal error"},
	}
	for _, tt := range tests {
		if got := ErrorCode(tt.err); got != tt.code {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.code)
		}
		if got := ErrorMessage(tt.err); got != tt.msg {
			t.Errorf("ErrorMessage(%v) = %q, want %q", tt.err, got, tt.msg)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }
