// Package storetest is the conformance suite that every store engine must
// pass. An engine's tests call Run with a function that opens a fresh,
// empty, migrated store; the suite runs its cases in parallel, each on a
// store of its own.
package storetest

import (
	"context"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// Opener returns a new, empty, migrated store. The suite closes it.
type Opener func(t *testing.T) connectors.Store

// Run runs the whole suite against the engine that open opens.
func Run(t *testing.T, open Opener) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s connectors.Store)
	}{
		{"CreateEvent_StoresEveryField", testCreateEventStoresEveryField},
		{"CreateEvent_KeepsPayloadBytes", testCreateEventKeepsPayloadBytes},
		{"CreateEvent_EmptyPayloadIsObject", testCreateEventEmptyPayload},
		{"CreateEvent_RefusesUnknownCompany", testCreateEventUnknownCompany},
		{"CreateEvent_RefusesInvalid", testCreateEventInvalid},
		{"CreateEvent_ConcurrentGetDistinctIDs", testCreateEventConcurrent},
		{"Delivery_RoundTrips", testDeliveryRoundTrips},
		{"Event_NotFound", testEventNotFound},
		{"Events_Filters", testEventsFilters},
		{"Events_KeysetPaging", testEventsKeysetPaging},
		{"MoveEvent_EveryPair", testMoveEveryPair},
		{"MoveEvent_FailedNeedsReason", testMoveFailedNeedsReason},
		{"MoveEvent_ExpectedStateConflict", testMoveExpectedStateConflict},
		{"MoveEvent_ConcurrentOneWins", testMoveConcurrentOneWins},
		{"MoveEvent_NotFound", testMoveNotFound},
		{"MoveEvent_FieldsFollowState", testMoveFieldsFollowState},
		{"Rejections_RecordAndFilter", testRejections},
		{"Rejections_DeleteBefore", testDeleteRejectionsBefore},
		{"Companies_CreateListGet", testCompanies},
		{"Ping_FailsAfterClose", testPingAfterClose},
		{"Users_CreateGetList", testUsers},
		{"Users_FirstOnlyOnce", testFirstUserOnce},
		{"Sessions_ExpireAndEnd", testSessions},
		{"Tokens_ByHashTouchRevoke", testTokens},
		{"Audit_RecordAndFilter", testAudit},
		{"Notes_EditsRecorded", testNotes},
		{"Events_Search", testSearch},
		{"CountEvents_AndSeries", testCounts},
		{"LastChange_FollowsEvents", testLastChange},
		{"Rejections_FilterByAddressPathTime", testRejectionFilters},
		{"RejectionCounts_ByCauseOverTheFilter", testRejectionCounts},
		{"Connections_CreateGetList", testConnectionsCreateGetList},
		{"Connections_Refuse", testConnectionsRefuse},
		{"Connections_RotateAndDisable", testConnectionsRotateAndDisable},
		{"DeliveryKey_StoresOnce", testDeliveryKeyOnce},
		{"DeliveryKey_ConcurrentCopiesStoredOnce", testDeliveryKeyConcurrent},
		{"DeliveryKey_RefusesTooLong", testDeliveryKeyTooLong},
	}
	cases = append(cases, struct {
		name string
		fn   func(t *testing.T, s connectors.Store)
	}{"Archive_ExportImportRoundTrip", func(t *testing.T, s connectors.Store) {
		testArchiveRoundTrip(t, s, open)
	}})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() { s.Close() })
			c.fn(t, s)
		})
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// newEvent returns a valid event of the default company.
func newEvent(ref string) connectors.NewEvent {
	return connectors.NewEvent{
		CompanyID:  connectors.DefaultCompanyID,
		Source:     connectors.SourceN8N,
		SourceName: "n8n",
		EventType:  "workflow.completed",
		Ref:        ref,
		Payload:    []byte(`{"status":"success"}`),
		Delivery: connectors.Delivery{
			RemoteAddr: "127.0.0.1",
			Method:     "POST",
			Path:       "/ipai_ai_connectors/event",
			Header:     map[string][]string{"Content-Type": {"application/json"}},
			Body:       []byte(`{"jsonrpc":"2.0"}`),
		},
	}
}

func create(t *testing.T, s connectors.Store, e connectors.NewEvent) int64 {
	t.Helper()
	id, err := s.CreateEvent(ctx(t), e)
	if err != nil {
		t.Fatalf("CreateEvent: %v", err)
	}
	return id
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := connectors.ErrorCode(err); got != code {
		t.Fatalf("error code: got %q (%v), want %q", got, err, code)
	}
}
