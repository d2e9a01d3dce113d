package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/postgres/pgtest"
	"github.com/ipai-ai/ipai-connectors/sqlite"
)

// seedForExport fills a SQLite hub with a second company and events in
// several states, one with a payload that is not UTF-8.
func seedForExport(t *testing.T, db string) {
	t.Helper()
	inStore(t, db, func(store *sqlite.Store) {
		ctx := context.Background()
		acme, err := store.CreateCompany(ctx, "Acme")
		if err != nil {
			t.Fatalf("CreateCompany: %v", err)
		}
		payloads := []string{`{"n":12345678901234567890}`, "{ \"a\" : [1, 2] }",
			"\"\xff\xfe\"", `{"s":"caf\u00e9 é <b>"}`}
		for i, p := range payloads {
			id := seedEvent(t, store, connectors.NewEvent{
				CompanyID: []int64{1, acme.ID}[i%2], Source: "github",
				EventType: "push", Ref: "r" + string(rune('a'+i)), Payload: []byte(p),
				Delivery: connectors.Delivery{Method: "POST", Path: "/x",
					Header: map[string][]string{"X-A": {"1", "2"}}, Body: []byte("raw\x00")},
			})
			if i%2 == 1 {
				_, err := store.MoveEvent(ctx, connectors.Move{EventID: id,
					To: "ignored", Actor: "user:bob", Reason: "noise"})
				if err != nil {
					t.Fatalf("MoveEvent: %v", err)
				}
			}
		}
	})
}

// exportLines runs export on db and returns its lines, leaving out the
// default company's, whose creation time is each store's own.
func exportLines(t *testing.T, db string) []string {
	t.Helper()
	out := runCLI(t, nil, "export", "--db", db)
	wantOK(t, out)
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(out.stdout, "\n"), "\n") {
		if !strings.HasPrefix(l, `{"company":{"id":1,`) {
			lines = append(lines, l)
		}
	}
	return lines
}

func testMoveHub(t *testing.T, to string) {
	t.Helper()
	from := testDB(t)
	seedForExport(t, from)
	file := filepath.Join(t.TempDir(), "hub.ndjson")

	out := runCLI(t, nil, "export", "--db", from, "--output", file)
	wantOK(t, out)
	want := "exported 2 companies, 4 events, 6 history rows to " + file + "\n"
	if out.stdout != want {
		t.Errorf("export: got %q, want %q", out.stdout, want)
	}
	out = runCLI(t, nil, "import", "--db", to, file)
	wantOK(t, out)
	if want := "imported 2 companies, 4 events, 6 history rows; counts checked\n"; out.stdout != want {
		t.Errorf("import: got %q, want %q", out.stdout, want)
	}

	got, wantLines := exportLines(t, to), exportLines(t, from)
	if strings.Join(got, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("export of the new hub:\n%s\nwant the old one's:\n%s",
			strings.Join(got, "\n"), strings.Join(wantLines, "\n"))
	}
	if len(got) != 6 { // Acme, 4 events, the end line
		t.Errorf("export lines: got %d, want 6", len(got))
	}
}

func TestExportImport_MovesSQLiteHubToSQLite(t *testing.T) {
	t.Parallel()
	testMoveHub(t, testDB(t))
}

func TestExportImport_MovesSQLiteHubToPostgres(t *testing.T) {
	t.Parallel()
	testMoveHub(t, pgtest.URL(t))
}

func TestImport_RefusesAnExportCutShort(t *testing.T) {
	t.Parallel()
	from, to := testDB(t), testDB(t)
	seedForExport(t, from)
	lines := exportLines(t, from)
	cut := strings.Join(lines[:len(lines)-2], "\n") + "\n" // no last event, no end

	out := runCLIInput(t, nil, cut, "import", "--db", to)
	if out.code != ExitFail {
		t.Errorf("exit code: got %d, want %d", out.code, ExitFail)
	}
	const want = "ipai-connectors: import: the export has no end line: " +
		"it was cut short after 3 events, which were imported\n"
	if out.stderr != want {
		t.Errorf("stderr: got %q, want %q", out.stderr, want)
	}
}

func TestImport_RefusesIDsInUse(t *testing.T) {
	t.Parallel()
	from := testDB(t)
	seedForExport(t, from)
	file := filepath.Join(t.TempDir(), "hub.ndjson")
	wantOK(t, runCLI(t, nil, "export", "--db", from, "--output", file))

	out := runCLI(t, nil, "import", "--db", from, file)
	if out.code != ExitFail {
		t.Errorf("exit code: got %d, want %d", out.code, ExitFail)
	}
	if want := "ipai-connectors: event 1 exists already\n"; out.stderr != want {
		t.Errorf("stderr: got %q, want %q", out.stderr, want)
	}
	if _, err := os.Stat(file); err != nil {
		t.Errorf("export file: %v", err)
	}
}
