package cli

import (
	"testing"
	"time"

	"github.com/ipai-ai/ipai-connectors/postgres/pgtest"
)

func TestEventsPrune_RefusedOnSQLite(t *testing.T) {
	t.Parallel()
	out := runCLI(t, nil, "events", "prune", "--db", testDB(t), "--before", "2020-01-01")
	want := "ipai-connectors: removing old events needs PostgreSQL, whose months " +
		"can be dropped whole; this store is SQLite\n"
	if out.code != ExitFail || out.stderr != want {
		t.Errorf("got %d %q, want 1 %q", out.code, out.stderr, want)
	}
}

func TestEventsPrune_DropsWholeMonthsOnPostgres(t *testing.T) {
	t.Parallel()
	db := pgtest.URL(t)
	wantOK(t, runCLI(t, nil, "migrate", "--db", db))

	out := runCLI(t, nil, "events", "prune", "--db", db, "--before", "2020-01-01")
	wantOK(t, out)
	if want := "no whole month ends by 2020-01-01T00:00:00Z\n"; out.stdout != want {
		t.Errorf("before any month: got %q, want %q", out.stdout, want)
	}

	// The store keeps a partition for last month: a cut at the start of
	// this month drops it.
	now := time.Now().UTC()
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	lastMonth := thisMonth.AddDate(0, -1, 0).Format("2006-01")
	out = runCLI(t, nil, "events", "prune", "--db", db,
		"--before", thisMonth.Format(time.RFC3339))
	wantOK(t, out)
	if want := "removed the events of " + lastMonth + "\n"; out.stdout != want {
		t.Errorf("at the start of this month: got %q, want %q", out.stdout, want)
	}
}

func TestConfig_EventRetention(t *testing.T) {
	t.Parallel()
	var c Config
	for v, want := range map[string]string{
		"0":     "",
		"8760h": "",
		"24h":   "24h0m0s is too short: keep events at least 744h (31 days), or 0 for ever",
		"1y":    `"1y" is not a duration such as 8760h, or 0`,
	} {
		err := applyEventRetention(&c, v)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("%q: got %q, want %q", v, got, want)
		}
	}
}
