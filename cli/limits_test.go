package cli

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/sqlite"
)

func TestNewServer_RefusesShortTokens(t *testing.T) {
	t.Parallel()
	_, err := NewServer(Config{Token: "short"}, slog.New(slog.DiscardHandler))
	want := "the instance token is 5 characters long: use at least 8 " +
		"(make one with: openssl rand -hex 32)"
	if err == nil || err.Error() != want {
		t.Errorf("short token: got %v, want %q", err, want)
	}
}

func TestConfig_TrimsTheTokenAndCapsTheBodyLimit(t *testing.T) {
	t.Parallel()
	var c Config
	if err := applyToken(&c, "  0123456789abcdef \n"); err != nil {
		t.Fatalf("applyToken: %v", err)
	}
	if c.Token.Reveal() != "0123456789abcdef" {
		t.Errorf("token: got %q, want it trimmed", c.Token.Reveal())
	}
	if err := applyToken(&c, "   "); err != nil || c.Token != "" {
		t.Errorf("blank token: got %q, %v; want empty, so that serve refuses it", c.Token.Reveal(), err)
	}

	err := applyMaxBodyBytes(&c, "1073741825")
	want := "1073741825 is over the largest limit, 1073741824 bytes (1 GiB)"
	if err == nil || err.Error() != want {
		t.Errorf("body limit over 1 GiB: got %v, want %q", err, want)
	}
	if err := applyMaxBodyBytes(&c, "1073741824"); err != nil || c.MaxBodyBytes != 1<<30 {
		t.Errorf("body limit of 1 GiB: got %d, %v; want accepted", c.MaxBodyBytes, err)
	}
}

func TestStoreCommands_RefuseAMissingStore(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "typo.db")
	out := runCLI(t, nil, "events", "list", "--db", db)
	want := `ipai-connectors: no store at "` + db + `": start the hub with ` +
		`'ipai-connectors serve' or create it with 'ipai-connectors migrate', ` +
		"or name the right file with --db\n"
	if out.code != ExitFail || out.stderr != want {
		t.Errorf("events list on a missing file: got %d %q, want 1 %q", out.code, out.stderr, want)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("store file: got %v, want none created", err)
	}

	out = runCLI(t, nil, "migrate", "--db", db)
	if out.code != ExitOK {
		t.Fatalf("migrate: got %d %s, want it to create the store", out.code, out.stderr)
	}
	if out = runCLI(t, nil, "events", "list", "--db", db); out.code != ExitOK {
		t.Errorf("events list after migrate: got %d %s, want 0", out.code, out.stderr)
	}
}

func TestUpkeep_RemovesRejectionsPastTheirRetention(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	old := time.Now().Add(-48 * time.Hour)
	inStore(t, db, func(store *sqlite.Store) {
		for _, at := range []time.Time{old, time.Now()} {
			err := store.RecordRejection(t.Context(), connectors.Rejection{
				At: at, RemoteAddr: "203.0.113.7", Path: "/x",
				Cause: connectors.CauseWrongToken})
			if err != nil {
				t.Fatal(err)
			}
		}
		runUpkeep(t.Context(), store, retention{rejections: 24 * time.Hour},
			slog.New(slog.DiscardHandler))
		left, err := store.Rejections(t.Context(), connectors.RejectionFilter{})
		if err != nil || len(left) != 1 || left[0].At.Before(old.Add(time.Hour)) {
			t.Errorf("after upkeep: got %+v, %v; want only the recent one", left, err)
		}
		runUpkeep(t.Context(), store, retention{}, slog.New(slog.DiscardHandler))
		if left, _ := store.Rejections(t.Context(), connectors.RejectionFilter{}); len(left) != 1 {
			t.Errorf("retention 0: got %d left, want 1 kept", len(left))
		}
	})
}

func TestConfig_RejectionRetention(t *testing.T) {
	t.Parallel()
	var c Config
	for v, want := range map[string]string{
		"720h": "",
		"0":    "",
		"1m":   "1m0s is too short: keep rejections at least 1h, or 0 for ever",
		"-1h":  `"-1h" is not a duration such as 720h, or 0`,
		"30d":  `"30d" is not a duration such as 720h, or 0`,
	} {
		err := applyRejectionRetention(&c, v)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("%q: got %q, want %q", v, got, want)
		}
	}
}
