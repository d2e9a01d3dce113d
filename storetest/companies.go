package storetest

import (
	"fmt"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

func testCompanies(t *testing.T, s connectors.Store) {
	def, err := s.Company(ctx(t), connectors.DefaultCompanyID)
	if err != nil {
		t.Fatalf("default company: %v", err)
	}
	if def.Name != "Default" {
		t.Errorf("default company name: got %q, want Default", def.Name)
	}

	acme, err := s.CreateCompany(ctx(t), "  Acme  ")
	if err != nil {
		t.Fatalf("CreateCompany: %v", err)
	}
	if acme.Name != "Acme" || acme.ID == def.ID {
		t.Errorf("created: got %+v, want name Acme and a new id", acme)
	}
	_, err = s.CreateCompany(ctx(t), "Acme")
	wantCode(t, err, connectors.ECONFLICT)
	_, err = s.CreateCompany(ctx(t), " ")
	wantCode(t, err, connectors.EINVALID)

	got, err := s.Company(ctx(t), acme.ID)
	if err != nil || got.Name != "Acme" || !got.CreatedAt.Equal(acme.CreatedAt) {
		t.Errorf("Company(%d): got %+v, %v; want %+v", acme.ID, got, err, acme)
	}
	_, err = s.Company(ctx(t), 9999)
	wantCode(t, err, connectors.ENOTFOUND)

	list, err := s.Companies(ctx(t))
	if err != nil {
		t.Fatalf("Companies: %v", err)
	}
	if len(list) != 2 || list[0].ID != def.ID || list[1].ID != acme.ID {
		t.Errorf("Companies: got %+v, want Default then Acme", list)
	}
}

func testRejections(t *testing.T, s connectors.Store) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	first := connectors.Rejection{
		At: at, RemoteAddr: "203.0.113.7", Path: "/ipai_ai_connectors/event",
		Source: "n8n", Cause: connectors.CauseWrongToken, Detail: "token does not match",
		RequestID: "req-1",
	}
	if err := s.RecordRejection(ctx(t), first); err != nil {
		t.Fatalf("RecordRejection: %v", err)
	}
	second := first
	second.At, second.Cause, second.RequestID = at.Add(time.Hour), connectors.CauseTooLarge, "req-2"
	if err := s.RecordRejection(ctx(t), second); err != nil {
		t.Fatalf("RecordRejection: %v", err)
	}

	all, err := s.Rejections(ctx(t), connectors.RejectionFilter{})
	if err != nil {
		t.Fatalf("Rejections: %v", err)
	}
	if len(all) != 2 {
		t.Fatalf("rejections: got %d, want 2", len(all))
	}
	got := all[1]
	got.ID = 0
	if got != first {
		t.Errorf("oldest rejection:\n got %+v\nwant %+v", got, first)
	}
	if all[0].RequestID != "req-2" {
		t.Errorf("newest first: got %q, want req-2", all[0].RequestID)
	}

	byCause, _ := s.Rejections(ctx(t), connectors.RejectionFilter{Cause: connectors.CauseTooLarge})
	if len(byCause) != 1 || byCause[0].RequestID != "req-2" {
		t.Errorf("by cause: got %+v, want req-2 only", byCause)
	}
	since, _ := s.Rejections(ctx(t), connectors.RejectionFilter{Since: at.Add(time.Minute)})
	if len(since) != 1 || since[0].RequestID != "req-2" {
		t.Errorf("since: got %+v, want req-2 only", since)
	}
	page, _ := s.Rejections(ctx(t), connectors.RejectionFilter{BeforeID: all[0].ID})
	if len(page) != 1 || page[0].RequestID != "req-1" {
		t.Errorf("before id: got %+v, want req-1 only", page)
	}
}

func testPingAfterClose(t *testing.T, s connectors.Store) {
	if err := s.Ping(ctx(t)); err != nil {
		t.Fatalf("Ping on an open store: %v", err)
	}
	s.Close()
	if err := s.Ping(ctx(t)); err == nil {
		t.Fatal("Ping after Close: got nil, want an error")
	}
	_, err := s.CreateEvent(ctx(t), newEvent(""))
	if err == nil {
		t.Fatal("CreateEvent after Close: got nil, want an error")
	}
}

func testDeleteRejectionsBefore(t *testing.T, s connectors.Store) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range 5 {
		r := connectors.Rejection{
			At: at.Add(time.Duration(i) * time.Hour), RemoteAddr: "203.0.113.7",
			Path: "/x", Cause: connectors.CauseWrongToken, RequestID: fmt.Sprint(i),
		}
		if err := s.RecordRejection(ctx(t), r); err != nil {
			t.Fatalf("RecordRejection: %v", err)
		}
	}
	n, err := s.DeleteRejectionsBefore(ctx(t), at.Add(3*time.Hour))
	if err != nil || n != 3 {
		t.Fatalf("DeleteRejectionsBefore: got %d, %v; want 3 removed", n, err)
	}
	left, err := s.Rejections(ctx(t), connectors.RejectionFilter{})
	if err != nil {
		t.Fatalf("Rejections: %v", err)
	}
	var ids []string
	for _, r := range left {
		ids = append(ids, r.RequestID)
	}
	if fmt.Sprint(ids) != "[4 3]" {
		t.Errorf("left: got request ids %v, want [4 3]", ids)
	}
	if n, err := s.DeleteRejectionsBefore(ctx(t), at); err != nil || n != 0 {
		t.Errorf("nothing older: got %d, %v; want 0", n, err)
	}
}
