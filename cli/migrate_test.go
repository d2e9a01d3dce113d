package cli

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/ipai-ai/ipai-connectors/sqlite"
)

func TestMigrate_ReportsVersions(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "new.db")
	out := runCLI(t, nil, "migrate", "--db", db, "--json")
	wantOK(t, out)
	var got migrationJSON
	decodeJSON(t, out.stdout, &got)
	latest, err := sqlite.SchemaVersion(t.Context(), db)
	if err != nil {
		t.Fatalf("SchemaVersion: %v", err)
	}
	if got.From != 0 || got.To != latest || latest < 12 {
		t.Errorf("migrate --json on a new file: got %s, want from 0 to %d (at least 12)",
			out.stdout, latest)
	}

	out = runCLI(t, nil, "migrate", "--db", db)
	wantOK(t, out)
	if want := fmt.Sprintf("schema is up to date at version %d\n", latest); out.stdout != want {
		t.Errorf("migrate again: got %q, want %q", out.stdout, want)
	}
}
