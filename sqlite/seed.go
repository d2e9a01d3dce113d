package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
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

func (g *seeder) batch(ctx context.Context, tx *sql.Tx, from, n int) error {
	ins, err := tx.PrepareContext(ctx, `
INSERT INTO events (company_id, source, source_name, event_type, ref, state,
    payload, error_message, received_at, processed_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id`)
	if err != nil {
		return err
	}
	defer ins.Close()
	hist, err := tx.PrepareContext(ctx, insertHistorySQL)
	if err != nil {
		return err
	}
	defer hist.Close()

	for i := from; i < from+n; i++ {
		if err := g.event(ctx, ins, hist, i); err != nil {
			return err
		}
	}
	return nil
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

func (g *seeder) event(ctx context.Context, ins, hist *sql.Stmt, i int) error {
	r := g.r
	kind := seedKinds[r.IntN(len(seedKinds))]
	typ := kind.types[r.IntN(len(kind.types))]
	// Spread evenly over the span, oldest first, so ids follow time.
	at := g.o.Now.Add(-g.o.Span + time.Duration(float64(g.o.Span)*
		(float64(i)+r.Float64())/float64(g.o.Events))).UTC()
	state, errMsg := seedState(r)
	received := formatTime(at)
	done := formatTime(at.Add(time.Duration(r.IntN(5000)) * time.Millisecond))
	var processed any
	if state == connectors.StateProcessed {
		processed = done
	}
	ref := fmt.Sprintf("%s_%d", typ[:min(4, len(typ))], 100000+r.IntN(900000))
	payload := fmt.Sprintf(`{"id":%d,"customer":%q,"amount":%d.%02d,`+
		`"currency":"EUR","items":[{"sku":"SKU-%d","qty":%d}],`+
		`"note":"seeded %s event %d","ok":%t}`,
		i+1, seedCustomers[r.IntN(len(seedCustomers))], r.IntN(5000), r.IntN(100),
		r.IntN(10000), 1+r.IntN(5), typ, i+1, state != connectors.StateFailed)

	var id int64
	err := ins.QueryRowContext(ctx, g.o.Companies[r.IntN(len(g.o.Companies))],
		string(kind.source), string(kind.source), typ, ref, string(state),
		[]byte(payload), errMsg, received, processed, done).Scan(&id)
	if err != nil {
		return err
	}
	return seedHistory(ctx, hist, id, state, errMsg, received, done)
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

func seedHistory(ctx context.Context, hist *sql.Stmt, id int64,
	state connectors.State, errMsg, received, done string) error {
	_, err := hist.ExecContext(ctx, id, nil, "received", received, "system", "")
	from := connectors.StateReceived
	for _, to := range seedPaths[state] {
		if err != nil {
			return err
		}
		reason := ""
		if to == connectors.StateFailed {
			reason = errMsg
		}
		_, err = hist.ExecContext(ctx, id, string(from), string(to), done,
			"worker:seed", reason)
		from = to
	}
	return err
}
