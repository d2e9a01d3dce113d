package connectors

import "context"

// EventStore keeps events, their deliveries and their history.
type EventStore interface {
	// CreateEvent stores e in state received with its first history row
	// and returns its id. It returns only after the event is committed.
	// Concurrent calls may share one commit. An unknown company is an
	// ENOTFOUND error.
	CreateEvent(ctx context.Context, e NewEvent) (int64, error)

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
}

// RejectionStore keeps the requests that were turned away.
type RejectionStore interface {
	RecordRejection(ctx context.Context, r Rejection) error
	Rejections(ctx context.Context, f RejectionFilter) ([]Rejection, error)
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

	// Ping returns nil when the store can be read and written.
	Ping(ctx context.Context) error
	// Close waits for pending writes and releases the store.
	Close() error
}
