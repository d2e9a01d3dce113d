package connectors

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// Event is one inbound delivery, stored durably, moving through the states.
type Event struct {
	ID        int64
	CompanyID int64
	Source    Source
	// SourceName is the source as the client sent it, kept for every event
	// so that an unknown name stored as SourceCustom is not lost.
	SourceName string
	EventType  string
	Ref        string
	State      State

	// Payload is the JSON value exactly as received, byte for byte.
	Payload json.RawMessage

	ErrorMessage string // set while failed, and kept when ignored after failing
	Notes        string
	ReceivedAt   time.Time
	ProcessedAt  time.Time // set while processed
	UpdatedAt    time.Time
}

// NewEvent is an event as it arrives, before it is stored.
type NewEvent struct {
	CompanyID  int64
	Source     Source
	SourceName string
	EventType  string
	Ref        string
	Payload    json.RawMessage
	Delivery   Delivery
	// DeliveryKey, when set, is the sender's id for the delivery (a
	// provider's delivery id, an Idempotency-Key): one company and
	// source hold each key at most once, so that a redelivery finds the
	// event of the first instead of making another.
	DeliveryKey string
}

// MaxDeliveryKey is the longest delivery key kept, in bytes; the schemas
// hold the same limit.
const MaxDeliveryKey = 255

// Validate returns an EINVALID error when e cannot be stored: it needs a
// company, a known source, an event type, and a delivery key, if any, of
// at most MaxDeliveryKey bytes.
func (e NewEvent) Validate() error {
	switch {
	case e.CompanyID <= 0:
		return Errorf(EINVALID, "an event needs a company")
	case !e.Source.Valid():
		return Errorf(EINVALID, "unknown source %q", e.Source)
	case strings.TrimSpace(e.EventType) == "":
		return Errorf(EINVALID, "an event needs an event type")
	case len(e.DeliveryKey) > MaxDeliveryKey:
		return Errorf(EINVALID, "a delivery key has at most %d bytes", MaxDeliveryKey)
	}
	return nil
}

// Delivery is the request that carried an event: kept so that a signature
// can be checked again and the event replayed exactly. Secrets in the
// headers and body are redacted before it is stored.
type Delivery struct {
	RemoteAddr string
	Method     string
	Path       string
	Header     http.Header
	Body       []byte
}

// EventFilter selects events, newest first. Zero fields do not filter.
type EventFilter struct {
	CompanyIDs []int64 // nil: every company
	State      State
	Source     Source
	EventType  string
	Ref        string
	Since      time.Time
	Until      time.Time
	// Search keeps events whose event type, ref or payload text holds
	// every word of it.
	Search   string
	BeforeID int64 // keyset cursor: only events with a smaller id
	Limit    int   // 0: DefaultLimit
}

// DefaultLimit is how many rows a listing returns when none is asked for.
const DefaultLimit = 50

// MaxLimit is the most rows one listing returns.
const MaxLimit = 1000

// Bounded returns limit clamped to [1, MaxLimit], DefaultLimit when 0.
func Bounded(limit int) int {
	switch {
	case limit <= 0:
		return DefaultLimit
	case limit > MaxLimit:
		return MaxLimit
	}
	return limit
}
