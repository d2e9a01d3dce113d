package postgres

import (
	"context"
	"strings"
	"time"
)

// MonthsAhead is how many months past the current one always have their
// partitions, so that ingest never waits for one to be made.
const MonthsAhead = 3

// EnsurePartitions makes the partitions of events, their history and
// their deliveries for the month of at, the month before it (for clocks a
// little behind) and MonthsAhead months after it. Months that exist are
// left alone, so it is cheap to call often; a hub calls it when it starts
// and once a day.
func (s *Store) EnsurePartitions(ctx context.Context, at time.Time) error {
	at = at.UTC()
	return s.ensureMonths(ctx, at.AddDate(0, -1, 0), at.AddDate(0, MonthsAhead, 0))
}

// ensureMonths makes the partitions of every month from first to last.
func (s *Store) ensureMonths(ctx context.Context, first, last time.Time) error {
	var created int
	err := s.pool.QueryRowContext(ctx,
		`SELECT ensure_event_partitions($1, $2)`, first.UTC(), last.UTC(),
	).Scan(&created)
	if err != nil {
		return storeError("create partitions", err)
	}
	if created > 0 {
		s.logger.Info("created partitions", "tables", created,
			"from", first.Format("2006-01"), "to", last.Format("2006-01"))
	}
	return nil
}

// DropPartitionsBefore removes every event received in a month that ends
// at or before cutoff, with its history and delivery, by dropping that
// month's partitions. It returns the months removed, as "2006-01". It
// never deletes row by row, so ingest is held up only for the moment
// each drop takes its lock.
func (s *Store) DropPartitionsBefore(ctx context.Context, cutoff time.Time) ([]string, error) {
	rows, err := s.pool.QueryContext(ctx,
		`SELECT drop_event_partitions($1)`, cutoff.UTC())
	if err != nil {
		return nil, storeError("drop partitions", err)
	}
	defer rows.Close()

	var months []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, storeError("drop partitions", err)
		}
		months = append(months, m)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError("drop partitions", err)
	}
	if len(months) > 0 {
		s.logger.Info("dropped partitions", "months", strings.Join(months, ","))
	}
	return months, nil
}

// isNoPartition reports whether err is PostgreSQL's refusal of a row for
// which no partition exists.
func isNoPartition(err error) bool {
	return sqlState(err) == codeCheckViolation && err != nil &&
		strings.Contains(err.Error(), "no partition of relation")
}
