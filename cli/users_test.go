package cli

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/sqlite"
)

func TestUser_CreateListDisable(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	wantOK(t, runCLI(t, nil, "company", "create", "Acme", "--db", db))
	out := runCLIInput(t, nil, "a long secret password\n", "user", "create",
		"--email", "Ann@Example.com", "--role", "manager", "--company", "1",
		"--company", "2", "--password-stdin", "--db", db)
	wantOK(t, out)
	if want := "user 1 created: ann@example.com (manager)\n"; out.stdout != want {
		t.Errorf("create: got %q, want %q", out.stdout, want)
	}
	inStore(t, db, func(store *sqlite.Store) {
		u, hash, err := store.UserPassword(context.Background(), "ann@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if bcrypt.CompareHashAndPassword(hash, []byte("a long secret password")) != nil {
			t.Errorf("stored hash does not match the password given")
		}
		if len(u.CompanyIDs) != 2 {
			t.Errorf("companies: got %v, want [1 2]", u.CompanyIDs)
		}
	})

	out = runCLI(t, nil, "user", "create", "--email", "vic@example.com", "--db", db)
	wantOK(t, out)
	if !regexp.MustCompile(`^user 2 created: vic@example.com \(viewer\)\n` +
		`password \(shown once\): [A-Z2-7]{26}\n$`).MatchString(out.stdout) {
		t.Errorf("create with a made password: got %q", out.stdout)
	}

	wantOK(t, runCLI(t, nil, "user", "disable", "2", "--db", db))
	out = runCLI(t, nil, "user", "list", "--db", db)
	wantOK(t, out)
	for _, want := range []string{
		"ID  EMAIL            ROLE     COMPANIES  STATE     CREATED",
		"1   ann@example.com  manager  1,2        active",
		"2   vic@example.com  viewer   -          disabled",
	} {
		if !strings.Contains(out.stdout, want) {
			t.Errorf("list lacks %q:\n%s", want, out.stdout)
		}
	}

	out = runCLI(t, nil, "user", "create", "--email", "x@example.com", "--role", "owner", "--db", db)
	if out.code != ExitUsage {
		t.Errorf("unknown role: got exit %d, want %d", out.code, ExitUsage)
	}
}

func TestToken_CreateListRevoke(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	out := runCLI(t, nil, "token", "create", "--name", "ci", "--source", "github",
		"--source", "Slack", "--db", db)
	wantOK(t, out)
	m := regexp.MustCompile(`^token 1 created for company 1; copy it now, ` +
		`it is not shown again:\n(ipai_[A-Z2-7]{26})\n$`).FindStringSubmatch(out.stdout)
	if m == nil {
		t.Fatalf("create: got %q", out.stdout)
	}
	inStore(t, db, func(store *sqlite.Store) {
		tok, err := store.TokenByHash(context.Background(), connectors.HashToken(m[1]))
		if err != nil || tok.Name != "ci" || len(tok.Sources) != 2 {
			t.Errorf("stored token: got %+v, %v", tok, err)
		}
	})
	out = runCLI(t, nil, "token", "list", "--db", db)
	if !strings.Contains(out.stdout, "1   1        ci    github,slack") ||
		strings.Contains(out.stdout, m[1]) {
		t.Errorf("list: got\n%s", out.stdout)
	}
	wantOK(t, runCLI(t, nil, "token", "revoke", "1", "--db", db))
	inStore(t, db, func(store *sqlite.Store) {
		_, err := store.TokenByHash(context.Background(), connectors.HashToken(m[1]))
		if connectors.ErrorCode(err) != connectors.ENOTFOUND {
			t.Errorf("revoked token: got %v, want not found", err)
		}
	})
	out = runCLI(t, nil, "token", "create", "--source", "jira", "--db", db)
	if out.code != ExitUsage {
		t.Errorf("unknown source: got exit %d, want %d", out.code, ExitUsage)
	}
}

func TestSeed_WritesEvents(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	out := runCLI(t, nil, "seed", "--events", "120", "--db", db)
	wantOK(t, out)
	if !strings.HasPrefix(out.stdout, "120 events written in ") {
		t.Errorf("seed: got %q", out.stdout)
	}
	inStore(t, db, func(store *sqlite.Store) {
		list, _ := store.Events(context.Background(), connectors.EventFilter{Limit: 500})
		if len(list) != 120 {
			t.Errorf("events: got %d, want 120", len(list))
		}
	})
}
