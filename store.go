package connectors

import (
	"context"
	"time"
)

// EventStore keeps events, their deliveries and their history.
type EventStore interface {
	// CreateEvent stores e in state received with its first history row
	// and returns its id. It returns only after the event is committed.
	// Concurrent calls may share one commit. An unknown company is an
	// ENOTFOUND error.
	CreateEvent(ctx context.Context, e NewEvent) (int64, error)

	// CreateEventOnce is CreateEvent for an event that may carry a
	// DeliveryKey: when an event of the same company and source holds
	// the key already, it stores nothing and returns that event's id
	// with created false. Two calls with one key at the same instant, on
	// one store or on two over one database, store one event: a unique
	// key in the schema decides, and the loser reads the winner's id.
	// CreateEvent treats a key the same way, without saying which.
	CreateEventOnce(ctx context.Context, e NewEvent) (id int64, created bool, err error)

	// Event returns the event with the given id, or an ENOTFOUND error.
	Event(ctx context.Context, id int64) (Event, error)

	// Delivery returns the request that carried the event, or ENOTFOUND.
	Delivery(ctx context.Context, eventID int64) (Delivery, error)

	// Events returns the events that match f, newest first.
	Events(ctx context.Context, f EventFilter) ([]Event, error)

	// History returns the event's moves, oldest first.
	History(ctx context.Context, eventID int64) ([]Transition, error)

	// MoveEvent applies m and writes its history row in one transaction.
	// A move the state table forbids, or one whose From no longer holds,
	// changes nothing and returns an EINVALID or ECONFLICT error.
	MoveEvent(ctx context.Context, m Move) (Event, error)

	// SetNotes replaces the event's notes and records the edit, in one
	// transaction.
	SetNotes(ctx context.Context, eventID int64, notes string, by Actor) (Event, error)

	// NoteEdits returns the edits of the event's notes, oldest first.
	NoteEdits(ctx context.Context, eventID int64) ([]NoteEdit, error)
}

// StatsStore counts events for the dashboard and the grouped list.
type StatsStore interface {
	// CountEvents counts the events that f selects (its BeforeID and
	// Limit aside) by the given grouping, largest group first.
	CountEvents(ctx context.Context, f EventFilter, by GroupBy) ([]Count, error)

	// EventSeries counts the events received in each step of the range,
	// by their current state, oldest first; empty buckets are left out.
	EventSeries(ctx context.Context, f SeriesFilter) ([]Bucket, error)

	// LastChange returns the newest event id and the latest update.
	LastChange(ctx context.Context) (Change, error)
}

// UserStore keeps the operators of the admin interface.
type UserStore interface {
	// CreateUser adds a user; an e-mail in use is ECONFLICT, an unknown
	// company ENOTFOUND.
	CreateUser(ctx context.Context, u NewUser) (User, error)
	// CreateFirstUser adds u only when there is no user at all, and is
	// ECONFLICT otherwise: the first-run setup works once.
	CreateFirstUser(ctx context.Context, u NewUser) (User, error)
	// User returns the user with the given id, or ENOTFOUND.
	User(ctx context.Context, id int64) (User, error)
	// UserPassword returns the user with the given e-mail and their
	// password hash, or ENOTFOUND.
	UserPassword(ctx context.Context, email string) (User, []byte, error)
	Users(ctx context.Context) ([]User, error)
	// SetUserDisabled disables or enables a user; disabling ends their
	// sessions.
	SetUserDisabled(ctx context.Context, id int64, disabled bool) error
	CountUsers(ctx context.Context) (int, error)
}

// SessionStore keeps signed-in sessions.
type SessionStore interface {
	CreateSession(ctx context.Context, s Session) error
	// Session returns the session with the given id, or ENOTFOUND when
	// there is none or it has expired.
	Session(ctx context.Context, id string) (Session, error)
	DeleteSession(ctx context.Context, id string) error
}

// TokenStore keeps company tokens, by hash.
type TokenStore interface {
	// CreateToken adds a token; an unknown company is ENOTFOUND.
	CreateToken(ctx context.Context, t NewToken) (Token, error)
	// TokenByHash returns the token in force with the given hash, or
	// ENOTFOUND (a revoked token is not found).
	TokenByHash(ctx context.Context, hash string) (Token, error)
	// Tokens returns the tokens of the companies (nil: all), newest first.
	Tokens(ctx context.Context, companyIDs []int64) ([]Token, error)
	// Token returns the token with the given id, revoked or not.
	Token(ctx context.Context, id int64) (Token, error)
	RevokeToken(ctx context.Context, id int64) error
	// TouchToken sets the token's last-used time.
	TouchToken(ctx context.Context, id int64, at time.Time) error
}

// AuditStore keeps the log of operator actions.
type AuditStore interface {
	RecordAudit(ctx context.Context, e AuditEntry) error
	AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// RejectionStore keeps the requests that were turned away.
type RejectionStore interface {
	RecordRejection(ctx context.Context, r Rejection) error
	Rejections(ctx context.Context, f RejectionFilter) ([]Rejection, error)
	// RejectionCounts counts the rejections that f selects (its BeforeID
	// and Limit aside) by cause, the cause as Key: largest count first,
	// then by cause. It reads every row f selects, so callers bound f in
	// time.
	RejectionCounts(ctx context.Context, f RejectionFilter) ([]Count, error)
	// DeleteRejectionsBefore removes the rejections recorded before t, a
	// bounded batch per transaction so that ingest never waits long, and
	// returns how many it removed.
	DeleteRejectionsBefore(ctx context.Context, t time.Time) (int64, error)
}

// CompanyStore keeps companies.
type CompanyStore interface {
	// CreateCompany adds a company; a name in use is an ECONFLICT error.
	CreateCompany(ctx context.Context, name string) (Company, error)
	// Company returns the company with the given id, or ENOTFOUND.
	Company(ctx context.Context, id int64) (Company, error)
	Companies(ctx context.Context) ([]Company, error)
}

// Store is everything the hub keeps. Every method is safe to call
// concurrently.
type Store interface {
	EventStore
	RejectionStore
	CompanyStore
	StatsStore
	UserStore
	SessionStore
	TokenStore
	AuditStore
	ArchiveStore
	ConnectionStore

	// Ping returns nil when the store can be read and written.
	Ping(ctx context.Context) error
	// Close waits for pending writes and releases the store.
	Close() error
}
