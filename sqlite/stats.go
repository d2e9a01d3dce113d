package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// hourLayout is the key of event_hourly: the first 13 characters of a
// stored time.
const hourLayout = "2006-01-02T15"

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
	rows, err := s.read.QueryContext(ctx, q+"\nORDER BY "+order, args...)
	if err != nil {
		return nil, fmt.Errorf("count events by %s: %w", by, err)
	}
	defer rows.Close()
	var list []connectors.Count
	for rows.Next() {
		var c connectors.Count
		if err := rows.Scan(&c.Key, &c.N); err != nil {
			return nil, fmt.Errorf("count events by %s: %w", by, err)
		}
		list = append(list, c)
	}
	return list, rows.Err()
}

// hourly reports whether the counters tables answer f: they know
// companies, sources, event types and states by the hour, nothing finer.
func hourly(f connectors.EventFilter, by connectors.GroupBy) bool {
	onHour := func(t time.Time) bool { return t.Equal(t.Truncate(time.Hour)) }
	return f.Ref == "" && strings.TrimSpace(f.Search) == "" &&
		onHour(f.Since) && onHour(f.Until)
}

// countFromHourly counts from event_hourly, or from event_type_hourly
// when the event type matters: the first has fewer rows to add up.
func countFromHourly(f connectors.EventFilter, by connectors.GroupBy) (string, []any) {
	key := map[connectors.GroupBy]string{
		connectors.GroupByState:     "state",
		connectors.GroupBySource:    "source",
		connectors.GroupByEventType: "event_type",
		connectors.GroupByDay:       "substr(hour, 1, 10)",
	}[by]
	table := "event_hourly"
	if by == connectors.GroupByEventType || f.EventType != "" {
		table = "event_type_hourly"
	}
	where, args := hourlyConditions(f.CompanyIDs, f.Since, f.Until)
	if f.State != "" {
		where, args = append(where, "state = ?"), append(args, string(f.State))
	}
	if f.Source != "" {
		where, args = append(where, "source = ?"), append(args, string(f.Source))
	}
	if f.EventType != "" {
		where, args = append(where, "event_type = ?"), append(args, f.EventType)
	}
	return `
SELECT ` + key + `, sum(n)
FROM ` + table + whereClause(where) + `
GROUP BY 1
HAVING sum(n) > 0`, args
}

func hourlyConditions(companies []int64, since, until time.Time) ([]string, []any) {
	var where []string
	var args []any
	if companies != nil {
		cond, ids := inList("company_id", companies)
		where, args = append(where, cond), ids
	}
	if !since.IsZero() {
		where = append(where, "hour >= ?")
		args = append(args, since.UTC().Format(hourLayout))
	}
	if !until.IsZero() {
		where = append(where, "hour < ?")
		args = append(args, until.UTC().Format(hourLayout))
	}
	return where, args
}

func countFromEvents(f connectors.EventFilter, by connectors.GroupBy) (string, []any) {
	key := map[connectors.GroupBy]string{
		connectors.GroupByState:     "e.state",
		connectors.GroupBySource:    "e.source",
		connectors.GroupByEventType: "e.event_type",
		connectors.GroupByDay:       "substr(e.received_at, 1, 10)",
	}[by]
	from, where, args := eventQuery(f)
	return `
SELECT ` + key + `, count(*)` + from + whereClause(where) + `
GROUP BY 1`, args
}

// EventSeries counts the events received in each step of the range by
// their current state, from the counters table.
func (s *Store) EventSeries(ctx context.Context,
	f connectors.SeriesFilter) ([]connectors.Bucket, error) {
	key, layout := "hour", hourLayout
	switch f.Step {
	case time.Hour:
	case 24 * time.Hour:
		key, layout = "substr(hour, 1, 10)", time.DateOnly
	default:
		return nil, connectors.Errorf(connectors.EINVALID,
			"a series steps by the hour or by the day, not %s", f.Step)
	}
	where, args := hourlyConditions(f.CompanyIDs, f.Since, f.Until)
	rows, err := s.read.QueryContext(ctx, `
SELECT `+key+`, state, sum(n)
FROM event_hourly`+whereClause(where)+`
GROUP BY 1, 2
HAVING sum(n) > 0
ORDER BY 1, 2`, args...)
	if err != nil {
		return nil, fmt.Errorf("event series: %w", err)
	}
	defer rows.Close()
	var list []connectors.Bucket
	for rows.Next() {
		var b connectors.Bucket
		var start, state string
		if err := rows.Scan(&start, &state, &b.N); err != nil {
			return nil, fmt.Errorf("event series: %w", err)
		}
		if b.Start, err = time.Parse(layout, start); err != nil {
			return nil, fmt.Errorf("event series: %w", err)
		}
		b.State = connectors.State(state)
		list = append(list, b)
	}
	return list, rows.Err()
}

// LastChange returns the newest event id and the latest update time.
func (s *Store) LastChange(ctx context.Context) (connectors.Change, error) {
	var c connectors.Change
	var at string
	err := s.read.QueryRowContext(ctx, `
SELECT coalesce(max(id), 0), coalesce(max(updated_at), '')
FROM events`).Scan(&c.LastID, &at)
	if err != nil {
		return c, fmt.Errorf("last change: %w", err)
	}
	if at != "" {
		c.UpdatedAt, err = parseTime(at)
	}
	return c, err
}
