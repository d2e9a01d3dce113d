package connectors

import "time"

// AuditEntry records one operator action: who did what, to what, when.
// State moves have their own history rows too; the audit log also holds
// what is not a move (sign-ins, notes, tokens, users).
type AuditEntry struct {
	ID        int64
	At        time.Time
	Actor     Actor
	Action    string // such as "event.retry", "token.create"
	Target    string // such as "event:42", "token:3"
	CompanyID int64  // 0: no company
	Detail    string
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	CompanyIDs []int64 // nil: every company
	BeforeID   int64
	Limit      int
}

// NoteEdit records one change of an event's notes, with the notes as
// they were made.
type NoteEdit struct {
	ID      int64
	EventID int64
	At      time.Time
	Actor   Actor
	Notes   string
}
