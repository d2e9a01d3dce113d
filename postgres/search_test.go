package postgres

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/ipai-ai/ipai-connectors/postgres/pgtest"
)

// TestSearch_UsesTheFullTextIndex asks the planner how it would run the
// search condition, with sequential scans off: the answer must read the
// index, or a search reads every event on a large store.
func TestSearch_UsesTheFullTextIndex(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	s, err := Open(context.Background(), url, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()

	cfg, err := pgx.ParseConfig(lowerScheme(url))
	if err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	plan := explain(t, conn, `EXPLAIN SELECT id FROM events WHERE `+searchVector+
		` @@ to_tsquery('simple', $1)`, searchWords("invoice.paid"))
	if !strings.Contains(plan, "Bitmap Index Scan") {
		t.Errorf("search plan does not use the index:\n%s", plan)
	}
	if got := searchWords("invoice.paid"); got != "invoice & paid" {
		t.Errorf("searchWords(invoice.paid) = %q, want %q", got, "invoice & paid")
	}
	if got := searchWords("café"); got != "" {
		t.Errorf("searchWords(café) = %q, want none (left to the exact check)", got)
	}
}

func explain(t *testing.T, conn *sql.Conn, q string, args ...any) string {
	t.Helper()
	rows, err := conn.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}
