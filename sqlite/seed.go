package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// SeedOptions describes the events Seed makes.
type SeedOptions struct {
	Events    int           // how many
	Companies []int64       // spread over these; empty: the default company
	Span      time.Duration // received over this span up to now; 0: 30 days
	Now       time.Time     // the end of the span; zero: now
	Seed      uint64        // of the random choices, so that runs repeat
	// Progress, when set, is called after each batch with the number
	// of events written so far.
	Progress func(done int)
}

// seedBatch is how many events one seeding transaction writes.
const seedBatch = 5000

// Seed writes realistic events fast, for measuring the interface on a
// large store: oldest first, in large transactions, each with the history
// rows that bring it to its state. Seeded events keep no delivery.
func (s *Store) Seed(ctx context.Context, o SeedOptions) error {
	if o.Span <= 0 {
		o.Span = 30 * 24 * time.Hour
	}
	if o.Now.IsZero() {
		o.Now = time.Now().UTC()
	}
	if len(o.Companies) == 0 {
		o.Companies = []int64{connectors.DefaultCompanyID}
	}
	g := seeder{r: rand.New(rand.NewPCG(o.Seed, 7)), o: o}
	for done := 0; done < o.Events; {
		n := min(seedBatch, o.Events-done)
		err := s.writer.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
			return g.batch(ctx, tx, done, n)
		})
		if err != nil {
			return fmt.Errorf("seed events: %w", err)
		}
		// Indexed as it goes, so that the first search after seeding
		// does not index a million events.
		if _, err := s.indexSearch(ctx); err != nil {
			return err
		}
		done += n
		if o.Progress != nil {
			o.Progress(done)
		}
	}
	return nil
}

type seeder struct {
	r *rand.Rand
	o SeedOptions
}

// seedChunk is how many events one INSERT statement writes. Parsing and
// planning a statement, with the triggers it fires, costs more than the
// rows it writes, so many rows share one; but not too many, since the
// driver's binding of parameters slows with their number.
const seedChunk = 64

func (g *seeder) batch(ctx context.Context, tx *sql.Tx, from, n int) error {
	for i := from; i < from+n; i += seedChunk {
		if err := g.chunk(ctx, tx, i, min(seedChunk, from+n-i)); err != nil {
			return err
		}
	}
	return nil
}

// chunk writes n events and their history rows with one statement each.
// The ids of one INSERT into an AUTOINCREMENT table by the only writer
// are consecutive, ending at the last insert id.
func (g *seeder) chunk(ctx context.Context, tx *sql.Tx, from, n int) error {
	rows := make([]seedRow, n)
	var args []any
	for k := range rows {
		rows[k] = g.row(from + k)
		args = append(args, rows[k].args()...)
	}
	res, err := tx.ExecContext(ctx, `
INSERT INTO events (company_id, source, source_name, event_type, ref, state,
    payload, error_message, received_at, processed_at, updated_at)
VALUES `+marks(n, 11), args...)
	if err != nil {
		return err
	}
	last, err := res.LastInsertId()
	if err != nil {
		return err
	}
	var hist []any
	count := 0
	for k, r := range rows {
		for _, h := range r.history(last - int64(n-1-k)) {
			hist = append(hist, h...)
			count++
		}
	}
	_, err = tx.ExecContext(ctx, `
INSERT INTO event_history (event_id, from_state, to_state, at, actor, reason)
VALUES `+marks(count, 6), hist...)
	return err
}

// marks returns n groups of k placeholders: (?, ?), (?, ?).
func marks(n, k int) string {
	group := "(" + strings.TrimSuffix(strings.Repeat("?, ", k), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(group+", ", n), ", ")
}

// seedKinds are the events the seeder makes, by source.
var seedKinds = []struct {
	source connectors.Source
	types  []string
}{
	{connectors.SourceGitHub, []string{"push", "pull_request.opened",
		"issues.opened", "workflow_run.completed", "release.published"}},
	{connectors.SourceN8N, []string{"workflow.completed", "workflow.failed",
		"items.synced"}},
	{connectors.SourceSlack, []string{"event_callback", "block_actions"}},
	{connectors.SourceCustom, []string{"invoice.paid", "charge.refunded",
		"order.created"}},
}

var seedCustomers = []string{"Zebra Corp", "Acme", "Globex", "Initech",
	"Umbrella", "Hooli", "Stark", "Wayne", "Tyrell", "Soylent"}

// seedRow is one seeded event before it is written.
type seedRow struct {
	company           int64
	source            connectors.Source
	typ, ref, payload string
	state             connectors.State
	errMsg            string
	received, done    string
	processed         any
}

func (r seedRow) args() []any {
	return []any{r.company, string(r.source), string(r.source), r.typ, r.ref,
		string(r.state), []byte(r.payload), r.errMsg, r.received, r.processed,
		r.done}
}

// history returns the history rows that bring event id to its state.
func (r seedRow) history(id int64) [][]any {
	rows := [][]any{{id, nil, "received", r.received, "system", ""}}
	from := connectors.StateReceived
	for _, to := range seedPaths[r.state] {
		reason := ""
		if to == connectors.StateFailed {
			reason = r.errMsg
		}
		rows = append(rows, []any{id, string(from), string(to), r.done,
			"worker:seed", reason})
		from = to
	}
	return rows
}

func (g *seeder) row(i int) seedRow {
	r := g.r
	kind := seedKinds[r.IntN(len(seedKinds))]
	typ := kind.types[r.IntN(len(kind.types))]
	// Spread evenly over the span, oldest first, so ids follow time.
	at := g.o.Now.Add(-g.o.Span + time.Duration(float64(g.o.Span)*
		(float64(i)+r.Float64())/float64(g.o.Events))).UTC()
	state, errMsg := seedState(r)
	row := seedRow{
		company: g.o.Companies[r.IntN(len(g.o.Companies))],
		source:  kind.source, typ: typ, state: state, errMsg: errMsg,
		received: formatTime(at),
		done:     formatTime(at.Add(time.Duration(r.IntN(5000)) * time.Millisecond)),
		ref:      fmt.Sprintf("%s_%d", typ[:min(4, len(typ))], 100000+r.IntN(900000)),
	}
	if state == connectors.StateProcessed {
		row.processed = row.done
	}
	row.payload = fmt.Sprintf(`{"id":%d,"customer":%q,"amount":%d.%02d,`+
		`"currency":"EUR","items":[{"sku":"SKU-%d","qty":%d}],`+
		`"note":"seeded %s event %d","ok":%t}`,
		i+1, seedCustomers[r.IntN(len(seedCustomers))], r.IntN(5000), r.IntN(100),
		r.IntN(10000), 1+r.IntN(5), typ, i+1, state != connectors.StateFailed)
	return row
}

// seedState picks a state as a busy hub has them: most processed.
func seedState(r *rand.Rand) (connectors.State, string) {
	switch p := r.IntN(100); {
	case p < 70:
		return connectors.StateProcessed, ""
	case p < 76:
		return connectors.StateFailed, "upstream answered 502 Bad Gateway"
	case p < 82:
		return connectors.StateIgnored, ""
	case p < 86:
		return connectors.StateProcessing, ""
	}
	return connectors.StateReceived, ""
}

// seedPaths are the moves that bring a new event to each state.
var seedPaths = map[connectors.State][]connectors.State{
	connectors.StateProcessing: {connectors.StateProcessing},
	connectors.StateProcessed:  {connectors.StateProcessing, connectors.StateProcessed},
	connectors.StateFailed:     {connectors.StateProcessing, connectors.StateFailed},
	connectors.StateIgnored:    {connectors.StateIgnored},
}
