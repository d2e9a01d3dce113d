package connectors

import (
	"context"
	"iter"
)

// ArchivedEvent is an event with everything a store keeps about it: the
// unit that export writes and import reads back.
type ArchivedEvent struct {
	Event    Event
	History  []Transition
	Delivery *Delivery // nil: none was kept
}

// ArchiveCounts counts what a store holds, so that an import can be
// checked against what it read.
type ArchiveCounts struct {
	Companies int64
	Events    int64
	History   int64
}

// ArchiveStore moves a hub's companies and events from one store to
// another, of either engine.
type ArchiveStore interface {
	// ExportEvents yields every event, by id, with its history and
	// delivery. It reads a page at a time, so that memory stays flat
	// whatever the number of events. An error is yielded once, last.
	ExportEvents(ctx context.Context) iter.Seq2[ArchivedEvent, error]

	// ImportCompany adds c with its id. A company with the same id and
	// name is left as it is; one with its id or its name but not both
	// is an ECONFLICT error.
	ImportCompany(ctx context.Context, c Company) error

	// ImportEvents stores events as they were exported: ids, states,
	// times, payloads, history and deliveries. It writes them in
	// batches, each in one transaction, and returns how many it stored.
	// An id in use is an ECONFLICT error; an unknown company ENOTFOUND.
	// Later events get ids above every imported one.
	ImportEvents(ctx context.Context, events iter.Seq2[ArchivedEvent, error]) (int64, error)

	// ArchiveCounts counts the companies, events and history rows.
	ArchiveCounts(ctx context.Context) (ArchiveCounts, error)
}
