package connectors

import "time"

// GroupBy names what events are counted by.
type GroupBy string

// The groupings of events.
const (
	GroupByState     GroupBy = "state"
	GroupBySource    GroupBy = "source"
	GroupByEventType GroupBy = "event_type"
	GroupByDay       GroupBy = "day" // of received_at, UTC, as 2006-01-02
)

// Valid reports whether g is one of the known groupings.
func (g GroupBy) Valid() bool {
	switch g {
	case GroupByState, GroupBySource, GroupByEventType, GroupByDay:
		return true
	}
	return false
}

// Count is the number of events, or of rejections, in one group.
type Count struct {
	Key string
	N   int64
}

// SeriesFilter selects the buckets of an events-over-time series.
type SeriesFilter struct {
	CompanyIDs []int64 // nil: every company
	Since      time.Time
	Until      time.Time
	Step       time.Duration // time.Hour or 24 * time.Hour
}

// Bucket is the number of events received in one step of a series that
// are now in State.
type Bucket struct {
	Start time.Time
	State State
	N     int64
}

// Change tells whether events changed: the newest event id and the latest
// update time. Pollers compare it with what they saw last.
type Change struct {
	LastID    int64
	UpdatedAt time.Time
}
