package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// hourLayout is the period of event_hourly and event_hours: the first 13
// characters of a stored time.
const hourLayout = "2006-01-02T15"

// dayLayout is the period of the daily counters: the first 10 characters
// of a stored time.
const dayLayout = time.DateOnly

// CountEvents counts the events that f selects by the given grouping,
// largest group first, or newest day first for days.
func (s *Store) CountEvents(ctx context.Context, f connectors.EventFilter,
	by connectors.GroupBy) ([]connectors.Count, error) {
	if !by.Valid() {
		return nil, connectors.Errorf(connectors.EINVALID, "cannot group events by %q", by)
	}
	if err := s.searchable(ctx, f); err != nil {
		return nil, err
	}
	f.BeforeID = 0
	var q string
	var args []any
	if c, ok := countersFor(f, by); ok {
		q, args = c.count(f, by)
	} else {
		ids, found, err := s.timeBounds(ctx, f)
		if err != nil || !found {
			return nil, err
		}
		q, args = countFromEvents(f, by, ids)
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

// counters is one of the counters tables the triggers keep: by the day or
// by the hour, with or without the event type.
type counters struct {
	table  string
	period string // its period column
	layout string // of the period's values
}

var (
	daily     = counters{"event_daily", "day", dayLayout}
	typeDaily = counters{"event_type_daily", "day", dayLayout}
	hourly    = counters{"event_hourly", "hour", hourLayout}
)

// countersFor returns the smallest counters table that answers f, if
// one does: they know companies, sources, event types and states by the
// day, and all but event types by the hour; nothing about refs or text.
func countersFor(f connectors.EventFilter, by connectors.GroupBy) (counters, bool) {
	if f.Ref != "" || strings.TrimSpace(f.Search) != "" {
		return counters{}, false
	}
	typed := by == connectors.GroupByEventType || f.EventType != ""
	on := func(step time.Duration) bool {
		return f.Since.Equal(f.Since.Truncate(step)) && f.Until.Equal(f.Until.Truncate(step))
	}
	switch {
	case on(24*time.Hour) && typed:
		return typeDaily, true
	case on(24 * time.Hour):
		return daily, true
	case on(time.Hour) && !typed:
		return hourly, true
	}
	return counters{}, false
}

func (c counters) count(f connectors.EventFilter, by connectors.GroupBy) (string, []any) {
	key := map[connectors.GroupBy]string{
		connectors.GroupByState:     "state",
		connectors.GroupBySource:    "source",
		connectors.GroupByEventType: "event_type",
		connectors.GroupByDay:       "substr(" + c.period + ", 1, 10)",
	}[by]
	where, args := c.conditions(f.CompanyIDs, f.Since, f.Until)
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
FROM ` + c.table + whereClause(where) + `
GROUP BY 1
HAVING sum(n) > 0`, args
}

// conditions select the periods in [since, until), which must fall on the
// table's periods, and the companies.
func (c counters) conditions(companies []int64, since, until time.Time) ([]string, []any) {
	var where []string
	var args []any
	if companies != nil {
		cond, ids := inList("company_id", companies)
		where, args = append(where, cond), ids
	}
	if !since.IsZero() {
		where = append(where, c.period+" >= ?")
		args = append(args, since.UTC().Format(c.layout))
	}
	if !until.IsZero() {
		where = append(where, c.period+" < ?")
		args = append(args, until.UTC().Format(c.layout))
	}
	return where, args
}

func countFromEvents(f connectors.EventFilter, by connectors.GroupBy,
	ids idRange) (string, []any) {
	key := map[connectors.GroupBy]string{
		connectors.GroupByState:     "e.state",
		connectors.GroupBySource:    "e.source",
		connectors.GroupByEventType: "e.event_type",
		connectors.GroupByDay:       "substr(e.received_at, 1, 10)",
	}[by]
	from, where, args := eventQuery(f)
	where, args = ids.conditions(f, where, args)
	return `
SELECT ` + key + `, count(*)` + from + whereClause(where) + `
GROUP BY 1`, args
}

// idRange bounds the ids of the events received in a time range; zero
// ends are open.
type idRange struct{ lo, hi int64 }

// timeBounds returns the ids that events received within f's times can
// have, from event_hours, so that a list bounded in time seeks to them
// instead of walking every newer event. It reports false when no event
// was received in that time.
func (s *Store) timeBounds(ctx context.Context, f connectors.EventFilter) (idRange, bool, error) {
	if f.Since.IsZero() && f.Until.IsZero() {
		return idRange{}, true, nil
	}
	var where []string
	var args []any
	if !f.Since.IsZero() {
		where = append(where, "hour >= ?")
		args = append(args, f.Since.UTC().Format(hourLayout))
	}
	if !f.Until.IsZero() {
		// The hour holding Until may hold earlier events too.
		where = append(where, "hour <= ?")
		args = append(args, f.Until.UTC().Format(hourLayout))
	}
	var lo, hi sql.NullInt64
	err := s.read.QueryRowContext(ctx, `
SELECT min(min_id), max(max_id)
FROM event_hours`+whereClause(where), args...).Scan(&lo, &hi)
	if err != nil {
		return idRange{}, false, fmt.Errorf("bound event ids by time: %w", err)
	}
	if !lo.Valid {
		return idRange{}, false, nil
	}
	var r idRange
	if !f.Since.IsZero() {
		r.lo = lo.Int64
	}
	if !f.Until.IsZero() {
		r.hi = hi.Int64
	}
	return r, true, nil
}

// conditions adds the bounds to a query of events; a search bounds the
// full-text index's rowids too, which it can seek on.
func (r idRange) conditions(f connectors.EventFilter, where []string, args []any) (
	[]string, []any) {
	search := searchQuery(f.Search) != ""
	bound := func(op string, id int64) {
		where, args = append(where, "e.id "+op+" ?"), append(args, id)
		if search {
			where = append(where, "events_fts.rowid "+op+" ?")
			args = append(args, id)
		}
	}
	if r.lo > 0 {
		bound(">=", r.lo)
	}
	if r.hi > 0 {
		bound("<=", r.hi)
	}
	return where, args
}

// EventSeries counts the events received in each step of the range by
// their current state, from the counters tables.
func (s *Store) EventSeries(ctx context.Context,
	f connectors.SeriesFilter) ([]connectors.Bucket, error) {
	var c counters
	switch f.Step {
	case time.Hour:
		c = hourly
	case 24 * time.Hour:
		c = daily
	default:
		return nil, connectors.Errorf(connectors.EINVALID,
			"a series steps by the hour or by the day, not %s", f.Step)
	}
	where, args := c.conditions(f.CompanyIDs, f.Since, f.Until)
	rows, err := s.read.QueryContext(ctx, `
SELECT `+c.period+`, state, sum(n)
FROM `+c.table+whereClause(where)+`
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
		if b.Start, err = time.Parse(c.layout, start); err != nil {
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
	// Two subqueries, not two aggregates of one: SQLite reads a max()
	// from the end of an index only when it is the query's one
	// aggregate, and would otherwise read every event.
	err := s.read.QueryRowContext(ctx, `
SELECT coalesce((SELECT max(id) FROM events), 0),
       coalesce((SELECT max(updated_at) FROM events), '')`).Scan(&c.LastID, &at)
	if err != nil {
		return c, fmt.Errorf("last change: %w", err)
	}
	if at != "" {
		c.UpdatedAt, err = parseTime(at)
	}
	return c, err
}
