package cli

import (
	"strings"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/sqlite"
)

const testSecretKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func TestConnection_CreateRefusedWithoutSecretKey(t *testing.T) {
	t.Parallel()
	out := runCLI(t, nil, "connection", "create", "--provider", "github",
		"--db", testDB(t))
	if out.code != ExitUsage || !strings.Contains(out.stderr,
		"no secret key: set IPAI_CONNECTORS_SECRET_KEY") {
		t.Fatalf("got %d %q, want a usage error naming the setting",
			out.code, out.stderr)
	}
}

func TestConnection_CreateListRotateDisable(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	vars := map[string]string{"IPAI_CONNECTORS_SECRET_KEY": testSecretKey}

	out := runCLI(t, vars, "connection", "create", "--provider", "standard",
		"--name", "billing", "--db", db)
	wantOK(t, out)
	lines := strings.Split(out.stdout, "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[3], "  whsec_") {
		t.Fatalf("create: got %q, want the path and a whsec_ secret", out.stdout)
	}
	secret := strings.TrimSpace(lines[3])
	path := strings.TrimSpace(lines[1])

	var c connectors.Connection
	inStore(t, db, func(store *sqlite.Store) {
		list, err := store.Connections(t.Context(), nil)
		if err != nil || len(list) != 1 {
			t.Fatalf("connections: got %d, %v; want 1", len(list), err)
		}
		c = list[0]
	})
	box, _ := connectors.NewSecretBox(testSecretKey)
	got, err := box.Open(c.Slug, c.SealedSecret)
	if err != nil || got.Reveal() != secret || c.HookPath() != path ||
		c.SecretHint != connectors.SecretHint(connectors.Secret(secret)) || c.Name != "billing" {
		t.Fatalf("stored: got %+v (%v), want the printed secret and path", c, err)
	}

	out = runCLI(t, nil, "connection", "list", "--db", db)
	wantOK(t, out)
	if strings.Contains(out.stdout, secret) ||
		!strings.Contains(out.stdout, c.SecretHint) {
		t.Fatalf("list: got %q, want the hint and never the secret", out.stdout)
	}

	out = runCLIInput(t, vars, "whsec_bmV4dCBzZWNyZXQ=\n", "connection",
		"rotate", "1", "--secret-file", "-", "--overlap", "1h", "--db", db)
	wantOK(t, out)
	out = runCLI(t, nil, "connection", "disable", "1", "--db", db)
	wantOK(t, out)
	inStore(t, db, func(store *sqlite.Store) {
		c2, err := store.Connection(t.Context(), 1)
		if err != nil {
			t.Fatal(err)
		}
		next, _ := box.Open(c.Slug, c2.SealedSecret)
		prev, _ := box.Open(c.Slug, c2.SealedPrevious)
		if next.Reveal() != "whsec_bmV4dCBzZWNyZXQ=" || prev.Reveal() != secret ||
			!c2.PreviousValid(time.Now().Add(50*time.Minute)) ||
			c2.PreviousValid(time.Now().Add(70*time.Minute)) || c2.Enabled {
			t.Fatalf("after rotate and disable: got %+v", c2)
		}
	})
}

func TestConnection_SlackNeedsItsSecretAndCustomItsScheme(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"IPAI_CONNECTORS_SECRET_KEY": testSecretKey}
	cases := map[string][]string{
		"slack makes its own signing secret": {"--provider", "slack"},
		"a custom connection needs --scheme": {"--provider", "custom"},
		"unknown HMAC algorithm":             {"--provider", "custom", "--scheme", "hmac", "--header", "X-S", "--algorithm", "md5"},
	}
	for want, args := range cases {
		args = append([]string{"connection", "create", "--db", testDB(t)}, args...)
		out := runCLI(t, vars, args...)
		if out.code != ExitUsage || !strings.Contains(out.stderr, want) {
			t.Errorf("got %d %q, want %q", out.code, out.stderr, want)
		}
	}
}
