package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/sqlite"
)

// testToken is the instance token of the servers the tests start.
const testToken = "0123456789abcdef0123456789abcdef"

// output is what one run of the command line printed and returned.
type output struct {
	code   int
	stdout string
	stderr string
}

// runCLI runs the command line in process, as the operator "alice", with
// vars as the whole environment.
func runCLI(t *testing.T, vars map[string]string, args ...string) output {
	t.Helper()
	return runCLIInput(t, vars, "", args...)
}

func runCLIInput(t *testing.T, vars map[string]string, stdin string, args ...string) output {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := Env{
		Stdin:     strings.NewReader(stdin),
		Stdout:    &stdout,
		Stderr:    &stderr,
		LookupEnv: lookupIn(vars),
		User:      "alice",
	}
	code := Run(context.Background(), env, args)
	return output{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func lookupIn(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// wantOK fails the test unless out is a success.
func wantOK(t *testing.T, out output) {
	t.Helper()
	if out.code != ExitOK {
		t.Fatalf("exit code: got %d, want 0; stderr:\n%s", out.code, out.stderr)
	}
}

// testDB returns the path of a new, migrated SQLite store in the test's
// temp dir, as serve or migrate would have left it.
func testDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hub.db")
	s, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatalf("create store: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close store: %v", err)
	}
	return path
}

// testLogger writes to the test's log, shown when the test fails.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(),
		&slog.HandlerOptions{Level: slog.LevelWarn}))
}

// openStore opens the store at db for the test to read or seed directly.
func openTestStore(t *testing.T, db string) *sqlite.Store {
	t.Helper()
	store, err := sqlite.Open(context.Background(), db, testLogger(t))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	return store
}

// inStore runs fn on the store at db, closing it after.
func inStore(t *testing.T, db string, fn func(store *sqlite.Store)) {
	t.Helper()
	store := openTestStore(t, db)
	defer func() {
		if err := store.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	}()
	fn(store)
}

// seedEvent stores one event straight in the store and returns its id.
func seedEvent(t *testing.T, store connectors.Store, e connectors.NewEvent) int64 {
	t.Helper()
	if e.CompanyID == 0 {
		e.CompanyID = connectors.DefaultCompanyID
	}
	if e.SourceName == "" {
		e.SourceName = string(e.Source)
	}
	id, err := store.CreateEvent(context.Background(), e)
	if err != nil {
		t.Fatalf("create event: %v", err)
	}
	return id
}

// startServer starts the real hub on a free loopback port with a store
// at db, and closes it when the test ends.
func startServer(t *testing.T, db string) *Server {
	t.Helper()
	srv, err := NewServer(Config{
		Token:        testToken,
		Addr:         "127.0.0.1:0",
		DB:           db,
		MaxBodyBytes: 1 << 20,
	}, testLogger(t))
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	if err := srv.Start(context.Background()); err != nil {
		srv.Close()
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close server: %v", err)
		}
	})
	return srv
}

// lockedBuffer is a buffer that a running command writes while the test
// reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// decodeJSON decodes one command's JSON output into v.
func decodeJSON(t *testing.T, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
}

func TestRun_UnknownCommandIsUsageError(t *testing.T) {
	t.Parallel()
	out := runCLI(t, nil, "frobnicate")
	if out.code != ExitUsage {
		t.Errorf("exit code: got %d, want %d", out.code, ExitUsage)
	}
	want := "ipai-connectors: unknown command \"frobnicate\"\n" +
		"Run 'ipai-connectors --help' for usage.\n"
	if out.stderr != want {
		t.Errorf("stderr: got %q, want %q", out.stderr, want)
	}
}

func TestRun_NoCommandIsUsageError(t *testing.T) {
	t.Parallel()
	out := runCLI(t, nil)
	if out.code != ExitUsage {
		t.Errorf("exit code: got %d, want %d", out.code, ExitUsage)
	}
	if !strings.HasPrefix(out.stderr, "ipai-connectors: no command given\n") {
		t.Errorf("stderr: got %q, want it to say no command was given", out.stderr)
	}
}

func TestRun_GroupWithoutSubcommandListsThem(t *testing.T) {
	t.Parallel()
	out := runCLI(t, nil, "company")
	if out.code != ExitUsage {
		t.Errorf("exit code: got %d, want %d", out.code, ExitUsage)
	}
	want := "ipai-connectors: company needs a subcommand: create, list\n" +
		"Run 'ipai-connectors --help' for usage.\n"
	if out.stderr != want {
		t.Errorf("stderr: got %q, want %q", out.stderr, want)
	}
}

func TestRun_HelpListsEveryCommand(t *testing.T) {
	t.Parallel()
	out := runCLI(t, nil, "help")
	wantOK(t, out)
	for _, c := range commands() {
		if !strings.Contains(out.stdout, "  "+c.name+" ") {
			t.Errorf("help does not list %q:\n%s", c.name, out.stdout)
		}
	}
}

func TestRun_ExtraArgumentIsUsageError(t *testing.T) {
	t.Parallel()
	out := runCLI(t, nil, "events", "list", "--db", testDB(t), "surplus")
	if out.code != ExitUsage {
		t.Errorf("exit code: got %d, want %d", out.code, ExitUsage)
	}
	want := "ipai-connectors: events list takes 0 argument(s), got 1\n" +
		"Run 'ipai-connectors events list --help' for usage.\n"
	if out.stderr != want {
		t.Errorf("stderr: got %q, want %q", out.stderr, want)
	}
}

func TestVersion_PrintsHubVersion(t *testing.T) {
	t.Parallel()
	out := runCLI(t, nil, "version", "--json")
	wantOK(t, out)
	var got versionJSON
	decodeJSON(t, out.stdout, &got)
	if got.Version != connectors.Version {
		t.Errorf("version: got %q, want %q", got.Version, connectors.Version)
	}

	out = runCLI(t, nil, "version")
	wantOK(t, out)
	if want := "ipai-connectors " + connectors.Version + " ("; !strings.HasPrefix(out.stdout, want) {
		t.Errorf("version: got %q, want it to start with %q", out.stdout, want)
	}
}

func TestEnv_ActorIsTheOperator(t *testing.T) {
	t.Parallel()
	if got, want := (Env{User: "alice"}).actor(), connectors.Actor("user:alice"); got != want {
		t.Errorf("actor: got %q, want %q", got, want)
	}

	u, err := user.Current()
	if err != nil {
		t.Skipf("no OS user to compare with: %v", err)
	}
	got := (Env{LookupEnv: lookupIn(map[string]string{"USER": "bob"})}).actor()
	if want := connectors.UserActor(u.Username); got != want {
		t.Errorf("actor without a name: got %q, want the OS user %q", got, want)
	}
}

func TestRun_HelpStillPrintsTheWholeUsage(t *testing.T) {
	t.Parallel()
	out := runCLI(t, nil, "rejected", "list", "--help")
	wantOK(t, out)
	want := "Usage: ipai-connectors rejected list [flags]\n\n" +
		"List rejected requests, newest first.\n\n" +
		"Flags:\n" +
		"  --cause cause\n\tonly rejections with this cause, such as wrong_token\n" +
		"  --json\n\tprint a JSON array\n" +
		"  --limit int (default \"50\")\n\tat most this many rejections\n" +
		"  --since time\n\tonly rejections since this time: an RFC 3339 time, " +
		"a date such as 2026-12-01 (from midnight UTC), " +
		"or a time ago such as 7d, 2h or 90m\n" +
		"\nSettings (flag, then environment variable, then default):\n" +
		"  --db, IPAI_CONNECTORS_DB (default \"ipai-connectors.db\")\n"
	if !strings.HasPrefix(out.stdout, want) || out.stderr != "" {
		t.Errorf("rejected list --help: got stdout %q and stderr %q, "+
			"want stdout to start with %q and no stderr", out.stdout, out.stderr, want)
	}
}

func TestRun_UsageErrorEscapesWhatWasTyped(t *testing.T) {
	t.Parallel()
	out := runCLI(t, nil, "events", "list", "--"+attack)
	want := `ipai-connectors: flag provided but not defined: -` + attackShown + "\n" +
		"Run 'ipai-connectors events list --help' for usage.\n"
	if out.code != ExitUsage || out.stderr != want {
		t.Errorf("got exit %d and %q, want exit 2 and %q", out.code, out.stderr, want)
	}
}
