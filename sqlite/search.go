package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// searchBatch is how many events one indexing transaction takes: enough
// to catch up fast, few enough not to hold the write lock for long.
const searchBatch = 2000

// searchEvery is how often the background indexer looks for new events.
const searchEvery = 500 * time.Millisecond

// indexSearch adds the events stored since the last run to the search
// index, through the writer, until none is left. It returns how many it
// indexed.
func (s *Store) indexSearch(ctx context.Context) (int64, error) {
	var total int64
	for {
		var n int64
		err := s.writer.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
			var err error
			n, err = indexSearchBatch(ctx, tx)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("index events for search: %w", err)
		}
		total += n
		if n < searchBatch {
			return total, nil
		}
	}
}

func indexSearchBatch(ctx context.Context, tx *sql.Tx) (int64, error) {
	var last int64
	err := tx.QueryRowContext(ctx,
		`SELECT last_event_id FROM search_progress WHERE id = 1`).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("read search progress: %w", err)
	}
	var n, upTo int64
	err = tx.QueryRowContext(ctx, `
SELECT count(*), coalesce(max(id), 0)
FROM (
    SELECT id
    FROM events
    WHERE id > ?
    ORDER BY id
    LIMIT ?
)`, last, searchBatch).Scan(&n, &upTo)
	if err != nil || n == 0 {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `
INSERT INTO events_fts (rowid, event_type, ref, payload)
SELECT id, event_type, ref, CAST(payload AS TEXT)
FROM events
WHERE id > ?
  AND id <= ?`, last, upTo)
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx,
		`UPDATE search_progress SET last_event_id = ? WHERE id = 1`, upTo)
	return n, err
}

// runSearchIndexer indexes new events every searchEvery until stop is
// closed. A failure is logged and tried again on the next tick.
func (s *Store) runSearchIndexer(stop <-chan struct{}) {
	// Closing stop also ends a pass under way, so that Close never
	// waits for a long catch-up.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-stop
		cancel()
	}()
	tick := time.NewTicker(searchEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if _, err := s.indexSearch(ctx); err != nil && ctx.Err() == nil {
			s.logger.Error("index events for search", "error", err.Error())
		}
	}
}
