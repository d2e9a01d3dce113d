package admin

import (
	"fmt"
	"net/http"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// Chart geometry, in SVG user units.
const (
	chartWidth  = 720
	chartHeight = 160
)

// chart is a stacked bar chart of events by state, drawn as SVG on the
// server: no script is needed to see it.
type chart struct {
	Title  string
	Width  int
	Height int
	Bars   []bar
	Max    int64
}

type bar struct {
	X, W  float64
	Label string // shown under some bars
	Title string // the tooltip
	Segs  []segment
}

type segment struct {
	Y, H  float64
	State connectors.State
}

type dashboardData struct {
	ByState  []connectors.Count
	BySource []connectors.Count
	Total    int64
	Hourly   chart
	Daily    chart
	Failures []eventRow
}

func (dashboardData) title() (string, string) { return "Dashboard", "dashboard" }
func (dashboardData) live() bool              { return true }

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request, rq *request) {
	d, err := h.dashboardData(r, rq.user, time.Now().UTC())
	if err != nil {
		h.fail(w, r, rq, err)
		return
	}
	h.render(w, r, http.StatusOK, "dashboard", rq, "", d)
}

func (h *Handler) dashboardData(r *http.Request, u connectors.User,
	now time.Time) (dashboardData, error) {
	ctx := r.Context()
	var d dashboardData
	f := connectors.EventFilter{CompanyIDs: u.Companies()}
	byState, err := h.store.CountEvents(ctx, f, connectors.GroupByState)
	if err != nil {
		return d, err
	}
	d.ByState = everyState(byState)
	for _, c := range d.ByState {
		d.Total += c.N
	}
	if d.BySource, err = h.store.CountEvents(ctx, f, connectors.GroupBySource); err != nil {
		return d, err
	}

	hour := now.Truncate(time.Hour)
	d.Hourly, err = h.chart(r, u, "Events per hour, last 24 hours",
		hour.Add(-23*time.Hour), 24, time.Hour, "15:04")
	if err != nil {
		return d, err
	}
	day := now.Truncate(24 * time.Hour)
	d.Daily, err = h.chart(r, u, "Events per day, last 30 days",
		day.AddDate(0, 0, -29), 30, 24*time.Hour, "01-02")
	if err != nil {
		return d, err
	}

	failed, err := h.store.Events(ctx, connectors.EventFilter{
		CompanyIDs: u.Companies(), State: connectors.StateFailed, Limit: 10})
	if err != nil {
		return d, err
	}
	_, names, err := h.companies(r, u)
	if err != nil {
		return d, err
	}
	for _, e := range failed {
		d.Failures = append(d.Failures, eventRow{Event: e, Company: names[e.CompanyID]})
	}
	return d, nil
}

// everyState lists every state in reading order, with zero counts too.
func everyState(counts []connectors.Count) []connectors.Count {
	n := map[string]int64{}
	for _, c := range counts {
		n[c.Key] = c.N
	}
	out := make([]connectors.Count, len(connectors.States))
	for i, s := range connectors.States {
		out[i] = connectors.Count{Key: string(s), N: n[string(s)]}
	}
	return out
}

func (h *Handler) chart(r *http.Request, u connectors.User, title string,
	since time.Time, steps int, step time.Duration, layout string) (chart, error) {
	buckets, err := h.store.EventSeries(r.Context(), connectors.SeriesFilter{
		CompanyIDs: u.Companies(), Since: since,
		Until: since.Add(time.Duration(steps) * step), Step: step,
	})
	if err != nil {
		return chart{}, err
	}
	return drawChart(title, since, steps, step, layout, buckets), nil
}

// drawChart lays out one stacked bar per step, states stacked in reading
// order, scaled to the tallest bar.
func drawChart(title string, since time.Time, steps int, step time.Duration,
	layout string, buckets []connectors.Bucket) chart {
	c := chart{Title: title, Width: chartWidth, Height: chartHeight}
	counts := make([]map[connectors.State]int64, steps)
	totals := make([]int64, steps)
	for _, b := range buckets {
		i := int(b.Start.Sub(since) / step)
		if i < 0 || i >= steps {
			continue
		}
		if counts[i] == nil {
			counts[i] = map[connectors.State]int64{}
		}
		counts[i][b.State] += b.N
		totals[i] += b.N
		c.Max = max(c.Max, totals[i])
	}
	width := float64(chartWidth) / float64(steps)
	plot := float64(chartHeight - 20) // room for the labels
	for i := range steps {
		start := since.Add(time.Duration(i) * step)
		b := bar{X: float64(i)*width + 1, W: width - 2,
			Title: fmt.Sprintf("%s: %d", start.Format("2006-01-02 15:04"), totals[i])}
		if i%4 == 0 {
			b.Label = start.Format(layout)
		}
		y := plot
		for _, s := range connectors.States {
			n := counts[i][s]
			if n == 0 || c.Max == 0 {
				continue
			}
			hgt := plot * float64(n) / float64(c.Max)
			y -= hgt
			b.Segs = append(b.Segs, segment{Y: y, H: hgt, State: s})
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}
