package cli

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
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
