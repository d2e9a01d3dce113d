package cli

import (
	"fmt"
	"testing"
)

func TestMigrate_ReportsVersions(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	out := runCLI(t, nil, "migrate", "--db", db, "--json")
	wantOK(t, out)
	var got migrationJSON
	decodeJSON(t, out.stdout, &got)
	// Opening the store brings the schema up to date, so migrate finds
	// it current; from and to are the same version, at least the first.
	if got.From != got.To || got.To < 1 {
		t.Errorf("migrate --json: got %s, want from = to >= 1", out.stdout)
	}

	out = runCLI(t, nil, "migrate", "--db", db)
	wantOK(t, out)
	if want := fmt.Sprintf("schema is up to date at version %d\n", got.To); out.stdout != want {
		t.Errorf("migrate: got %q, want %q", out.stdout, want)
	}
}
