package cli

import (
	"fmt"
	"slices"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/sqlite"
)

func seedRejections(t *testing.T, db string) {
	t.Helper()
	at := time.Date(2025, 3, 4, 5, 6, 7, 123456000, time.UTC)
	inStore(t, db, func(store *sqlite.Store) {
		for i, r := range []connectors.Rejection{
			{RemoteAddr: "203.0.113.7", Path: "/ipai_ai_connectors/event",
				Source: "n8n", Cause: connectors.CauseWrongToken,
				Detail: "the token does not match", RequestID: "aaaa000000000001"},
			{RemoteAddr: "198.51.100.2", Path: "/ipai_ai_connectors/event",
				Cause: connectors.CauseMalformedBody, Detail: "not JSON",
				RequestID: "aaaa000000000002"},
		} {
			r.At = at.Add(time.Duration(i) * time.Minute)
			if err := store.RecordRejection(t.Context(), r); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestRejectedList_JSON(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	seedRejections(t, db)

	out := runCLI(t, nil, "rejected", "list", "--db", db, "--json")
	wantOK(t, out)
	want := `[{"id":2,"at":"2025-03-04T05:07:07.123456Z","remote_addr":"198.51.100.2",` +
		`"path":"/ipai_ai_connectors/event","source":"","cause":"malformed_body",` +
		`"detail":"not JSON","request_id":"aaaa000000000002"},` +
		`{"id":1,"at":"2025-03-04T05:06:07.123456Z","remote_addr":"203.0.113.7",` +
		`"path":"/ipai_ai_connectors/event","source":"n8n","cause":"wrong_token",` +
		`"detail":"the token does not match","request_id":"aaaa000000000001"}]` + "\n"
	if out.stdout != want {
		t.Errorf("rejected list --json:\ngot  %s\nwant %s", out.stdout, want)
	}

	out = runCLI(t, nil, "rejected", "list", "--db", db, "--json",
		"--cause", "wrong_token")
	wantOK(t, out)
	var got []rejectionJSON
	decodeJSON(t, out.stdout, &got)
	if len(got) != 1 || got[0].RequestID != "aaaa000000000001" {
		t.Errorf("--cause wrong_token: got %s, want the first rejection only", out.stdout)
	}

	out = runCLI(t, nil, "rejected", "list", "--db", db, "--json", "--limit", "1")
	wantOK(t, out)
	got = nil
	decodeJSON(t, out.stdout, &got)
	if len(got) != 1 || got[0].RequestID != "aaaa000000000002" {
		t.Errorf("--limit 1: got %s, want the newest rejection only", out.stdout)
	}
}

func TestRejectedList_Table(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	seedRejections(t, db)
	out := runCLI(t, nil, "rejected", "list", "--db", db)
	wantOK(t, out)
	row := "%-4s%-22s%-14s%-27s%-8s%-16s%-26s%s\n"
	want := fmt.Sprintf(row, "ID", "AT", "REMOTE", "PATH", "SOURCE", "CAUSE",
		"DETAIL", "REQUEST") +
		fmt.Sprintf(row, "2", "2025-03-04T05:07:07Z", "198.51.100.2",
			"/ipai_ai_connectors/event", "-", "malformed_body", "not JSON",
			"aaaa000000000002") +
		fmt.Sprintf(row, "1", "2025-03-04T05:06:07Z", "203.0.113.7",
			"/ipai_ai_connectors/event", "n8n", "wrong_token",
			"the token does not match", "aaaa000000000001")
	if out.stdout != want {
		t.Errorf("rejected list:\ngot\n%s\nwant\n%s", out.stdout, want)
	}
}

func TestRejectedList_EscapesClientStrings(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	inStore(t, db, func(store *sqlite.Store) {
		err := store.RecordRejection(t.Context(), connectors.Rejection{
			At: at, RemoteAddr: "203.0.113.7", Path: "/hooks/\u202eevil",
			Source: attack, Cause: connectors.CauseInvalidParams,
			Detail: "event_type " + attack, RequestID: "aaaa000000000003",
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	out := runCLI(t, nil, "rejected", "list", "--db", db)
	wantOK(t, out)
	row := "%-4s%-22s%-13s%-19s%-25s%-16s%-36s%s\n"
	want := fmt.Sprintf(row, "ID", "AT", "REMOTE", "PATH", "SOURCE", "CAUSE",
		"DETAIL", "REQUEST") +
		fmt.Sprintf(row, "1", "2025-03-04T05:06:07Z", "203.0.113.7",
			`/hooks/\u202eevil`,
			attackShown, "invalid_params", "event_type "+attackShown,
			"aaaa000000000003")
	if out.stdout != want {
		t.Errorf("rejected list:\ngot  %q\nwant %q", out.stdout, want)
	}
}

func TestRejectedList_Since(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	seedRejections(t, db)
	tests := []struct {
		since string
		want  []int64
	}{
		{"2025-03-04T05:06:00Z", []int64{2, 1}},
		{"2025-03-04T05:06:30Z", []int64{2}},
		{"2025-03-04T07:06:30+02:00", []int64{2}},
		{"2025-03-04", []int64{2, 1}},
		{"2025-03-05", nil},
		{"1h", nil},
		{"36500d", []int64{2, 1}},
	}
	for _, tt := range tests {
		out := runCLI(t, nil, "rejected", "list", "--db", db, "--json",
			"--since", tt.since)
		wantOK(t, out)
		var rows []rejectionJSON
		decodeJSON(t, out.stdout, &rows)
		var got []int64
		for _, r := range rows {
			got = append(got, r.ID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("--since %s: got ids %v, want %v", tt.since, got, tt.want)
		}
	}
}

func TestRejectedList_BadFilterIsUsageError(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	tests := []struct {
		args []string
		want string
	}{
		{
			[]string{"--cause", "wrong"},
			`--cause: unknown cause "wrong": want one of missing_token, ` +
				`wrong_token, malformed_body, invalid_params, unknown_company, ` +
				`too_large, unsupported_media_type, bad_signature, ` +
				`stale_timestamp, rate_limited, failed_login, overloaded, ` +
				`unknown_connection, disabled_connection, unsupported_encoding`,
		},
		{
			[]string{"--since", "yesterday"},
			`--since: "yesterday" is not a time: want an RFC 3339 time ` +
				`(2026-12-01T09:30:00Z), a date (2026-12-01), days ago (7d) ` +
				`or a duration ago (2h, 90m)`,
		},
		{[]string{"--limit", "1001"}, `--limit: want 1 to 1000, got 1001`},
	}
	for _, tt := range tests {
		args := append([]string{"rejected", "list", "--db", db}, tt.args...)
		out := runCLI(t, nil, args...)
		want := "ipai-connectors: " + tt.want + "\n" +
			"Run 'ipai-connectors rejected list --help' for usage.\n"
		if out.code != ExitUsage || out.stderr != want {
			t.Errorf("%v: got exit %d and %q, want exit 2 and %q",
				tt.args, out.code, out.stderr, want)
		}
	}
}

func TestRejectedPrune_RemovesThoseBefore(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	seedRejections(t, db) // at 05:06:07 and 05:07:07 on 2025-03-04

	out := runCLI(t, nil, "rejected", "prune", "--db", db, "--before", "2025-03-04T05:07:00Z")
	wantOK(t, out)
	if want := "removed 1 rejected requests recorded before 2025-03-04T05:07:00Z\n"; out.stdout != want {
		t.Errorf("stdout: got %q, want %q", out.stdout, want)
	}
	out = runCLI(t, nil, "rejected", "list", "--db", db, "--json")
	var rows []rejectionJSON
	decodeJSON(t, out.stdout, &rows)
	if len(rows) != 1 || rows[0].RequestID != "aaaa000000000002" {
		t.Errorf("left: got %+v, want the later one only", rows)
	}

	out = runCLI(t, nil, "rejected", "prune", "--db", db)
	want := "ipai-connectors: --before is required\n" +
		"Run 'ipai-connectors rejected prune --help' for usage.\n"
	if out.code != ExitUsage || out.stderr != want {
		t.Errorf("without --before: got %d %q, want 2 %q", out.code, out.stderr, want)
	}
}
