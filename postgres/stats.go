package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// CountEvents counts the events that f selects by the given grouping,
// largest group first, or newest day first for days.
func (s *Store) CountEvents(ctx context.Context, f connectors.EventFilter,
	by connectors.GroupBy) ([]connectors.Count, error) {
	if !by.Valid() {
		return nil, connectors.Errorf(connectors.EINVALID, "cannot group events by %q", by)
	}
	f.BeforeID = 0
	q, args := countFromEvents(f, by)
	if hourly(f, by) {
		q, args = countFromHourly(f, by)
	}
	order := "2 DESC, 1"
	if by == connectors.GroupByDay {
		order = "1 DESC"
	}
	rows, err := s.pool.QueryContext(ctx, q+"\nORDER BY "+order, args...)
	if err != nil {
		return nil, storeError(fmt.Sprintf("count events by %s", by), err)
	}
	defer rows.Close()
	var list []connectors.Count
	for rows.Next() {
		var c connectors.Count
		if err := rows.Scan(&c.Key, &c.N); err != nil {
			return nil, storeError(fmt.Sprintf("count events by %s", by), err)
		}
		list = append(list, c)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError(fmt.Sprintf("count events by %s", by), err)
	}
	return list, nil
}

// hourly reports whether the counters table answers f: it knows
// companies, sources and states by the hour, nothing finer.
func hourly(f connectors.EventFilter, by connectors.GroupBy) bool {
	onHour := func(t time.Time) bool { return t.Equal(t.Truncate(time.Hour)) }
	return by != connectors.GroupByEventType &&
		f.EventType == "" && f.Ref == "" && strings.TrimSpace(f.Search) == "" &&
		onHour(f.Since) && onHour(f.Until)
}

// dayOf is the UTC day of a time column, as 2006-01-02.
func dayOf(column string) string {
	return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
}

func countFromHourly(f connectors.EventFilter, by connectors.GroupBy) (string, []any) {
	key := map[connectors.GroupBy]string{
		connectors.GroupByState:  "state",
		connectors.GroupBySource: "source",
		connectors.GroupByDay:    dayOf("hour"),
	}[by]
	var w where
	hourlyConditions(&w, f.CompanyIDs, f.Since, f.Until)
	if f.State != "" {
		w.add("state = %s", string(f.State))
	}
	if f.Source != "" {
		w.add("source = %s", string(f.Source))
	}
	return `
SELECT ` + key + `, sum(n)::bigint
FROM event_hourly` + w.clause() + `
GROUP BY 1
HAVING sum(n) > 0`, w.args
}

func hourlyConditions(w *where, companies []int64, since, until time.Time) {
	if companies != nil {
		w.add("company_id = ANY(%s)", companies)
	}
	if !since.IsZero() {
		w.add("hour >= %s", since.UTC().Truncate(time.Hour))
	}
	if !until.IsZero() {
		w.add("hour < %s", until.UTC().Truncate(time.Hour))
	}
}

func countFromEvents(f connectors.EventFilter, by connectors.GroupBy) (string, []any) {
	key := map[connectors.GroupBy]string{
		connectors.GroupByState:     "state",
		connectors.GroupBySource:    "source",
		connectors.GroupByEventType: "event_type",
		connectors.GroupByDay:       dayOf("received_at"),
	}[by]
	var w where
	eventConditions(&w, f)
	return `
SELECT ` + key + `, count(*)
FROM events` + w.clause() + `
GROUP BY 1`, w.args
}

// EventSeries counts the events received in each step of the range by
// their current state, from the counters table.
func (s *Store) EventSeries(ctx context.Context, f connectors.SeriesFilter) ([]connectors.Bucket, error) {
	key := "hour"
	switch f.Step {
	case time.Hour:
	case 24 * time.Hour:
		key = "date_trunc('day', hour, 'UTC')"
	default:
		return nil, connectors.Errorf(connectors.EINVALID,
			"a series steps by the hour or by the day, not %s", f.Step)
	}
	var w where
	hourlyConditions(&w, f.CompanyIDs, f.Since, f.Until)
	rows, err := s.pool.QueryContext(ctx, `
SELECT `+key+`, state, sum(n)::bigint
FROM event_hourly`+w.clause()+`
GROUP BY 1, 2
HAVING sum(n) > 0
ORDER BY 1, 2`, w.args...)
	if err != nil {
		return nil, storeError("event series", err)
	}
	defer rows.Close()
	var list []connectors.Bucket
	for rows.Next() {
		var b connectors.Bucket
		var start sql.NullTime
		var state string
		if err := rows.Scan(&start, &state, &b.N); err != nil {
			return nil, storeError("event series", err)
		}
		b.Start, b.State = utc(start), connectors.State(state)
		list = append(list, b)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError("event series", err)
	}
	return list, nil
}

// LastChange returns the newest event id and the latest update time.
func (s *Store) LastChange(ctx context.Context) (connectors.Change, error) {
	var c connectors.Change
	var at sql.NullTime
	err := s.pool.QueryRowContext(ctx, `
SELECT coalesce(max(id), 0), max(updated_at)
FROM events`).Scan(&c.LastID, &at)
	if err != nil {
		return c, storeError("last change", err)
	}
	c.UpdatedAt = utc(at)
	return c, nil
}
