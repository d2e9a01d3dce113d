package cli

import (
	"fmt"
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
	want := `[{"at":"2025-03-04T05:07:07.123456Z","remote_addr":"198.51.100.2",` +
		`"path":"/ipai_ai_connectors/event","source":"","cause":"malformed_body",` +
		`"detail":"not JSON","request_id":"aaaa000000000002"},` +
		`{"at":"2025-03-04T05:06:07.123456Z","remote_addr":"203.0.113.7",` +
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
	row := "%-22s%-14s%-27s%-8s%-16s%-26s%s\n"
	want := fmt.Sprintf(row, "AT", "REMOTE", "PATH", "SOURCE", "CAUSE", "DETAIL", "REQUEST") +
		fmt.Sprintf(row, "2025-03-04T05:07:07Z", "198.51.100.2", "/ipai_ai_connectors/event",
			"-", "malformed_body", "not JSON", "aaaa000000000002") +
		fmt.Sprintf(row, "2025-03-04T05:06:07Z", "203.0.113.7", "/ipai_ai_connectors/event",
			"n8n", "wrong_token", "the token does not match", "aaaa000000000001")
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
	row := "%-22s%-13s%-19s%-25s%-16s%-36s%s\n"
	want := fmt.Sprintf(row, "AT", "REMOTE", "PATH", "SOURCE", "CAUSE", "DETAIL",
		"REQUEST") +
		fmt.Sprintf(row, "2025-03-04T05:06:07Z", "203.0.113.7", `/hooks/\u202eevil`,
			attackShown, "invalid_params", "event_type "+attackShown,
			"aaaa000000000003")
	if out.stdout != want {
		t.Errorf("rejected list:\ngot  %q\nwant %q", out.stdout, want)
	}
}
