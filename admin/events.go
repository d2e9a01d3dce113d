package admin

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// pageSize is how many events a page of the list shows.
const pageSize = 50

// listQuery is the events list's query string, as the operator set it.
type listQuery struct {
	State   string
	Source  string
	Company string
	Range   string // today, week, or empty
	From    string // 2006-01-02, inclusive
	To      string // 2006-01-02, inclusive
	Type    string // exact event type
	Q       string
	Group   string
	Before  string
}

func readListQuery(q url.Values) listQuery {
	return listQuery{
		State: q.Get("state"), Source: q.Get("source"),
		Company: q.Get("company"), Range: q.Get("range"),
		From: q.Get("from"), To: q.Get("to"), Q: q.Get("q"), Type: q.Get("type"),
		Group: q.Get("group"), Before: q.Get("before"),
	}
}

// values returns the query string of lq.
func (lq listQuery) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{
		"state": lq.State, "source": lq.Source, "company": lq.Company,
		"range": lq.Range, "from": lq.From, "to": lq.To, "q": lq.Q,
		"type":  lq.Type,
		"group": lq.Group, "before": lq.Before,
	} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// With returns the list's URL with one parameter changed, and the cursor
// dropped unless that parameter is the cursor.
func (lq listQuery) With(key, value string) string {
	v := lq.values()
	if key != "before" {
		v.Del("before")
	}
	if value == "" {
		v.Del(key)
	} else {
		v.Set(key, value)
	}
	return Prefix + "/events?" + v.Encode()
}

// filter turns the query into a store filter for user, or says what is
// wrong with it.
func (lq listQuery) filter(u connectors.User, now time.Time) (connectors.EventFilter, string) {
	f := connectors.EventFilter{
		CompanyIDs: u.Companies(), Search: lq.Q, EventType: lq.Type,
		Limit: pageSize + 1,
	}
	if lq.State != "" {
		st, err := connectors.ParseState(lq.State)
		if err != nil {
			return f, connectors.ErrorMessage(err)
		}
		f.State = st
	}
	if lq.Source != "" {
		f.Source = connectors.Source(lq.Source)
		if !f.Source.Valid() {
			return f, "Unknown source " + strconv.Quote(lq.Source) + "."
		}
	}
	if lq.Company != "" {
		id, err := strconv.ParseInt(lq.Company, 10, 64)
		if err != nil {
			return f, "Unknown company."
		}
		f.CompanyIDs = []int64{}
		if u.Sees(id) {
			f.CompanyIDs = []int64{id}
		}
	}
	if msg := lq.period(&f, now); msg != "" {
		return f, msg
	}
	if lq.Before != "" {
		id, err := strconv.ParseInt(lq.Before, 10, 64)
		if err != nil || id <= 0 {
			return f, "The page cursor is not valid."
		}
		f.BeforeID = id
	}
	return f, ""
}

// period sets the filter's time bounds from the range or the dates. Days
// are UTC days, the time the hub stores.
func (lq listQuery) period(f *connectors.EventFilter, now time.Time) string {
	today := now.UTC().Truncate(24 * time.Hour)
	switch lq.Range {
	case "":
	case "today":
		f.Since = today
	case "week":
		f.Since = today.AddDate(0, 0, -int(today.Weekday()+6)%7)
	default:
		return "Unknown range " + strconv.Quote(lq.Range) + "."
	}
	if lq.From != "" {
		t, err := time.Parse(time.DateOnly, lq.From)
		if err != nil {
			return "The start date is not a date."
		}
		f.Since = t
	}
	if lq.To != "" {
		t, err := time.Parse(time.DateOnly, lq.To)
		if err != nil {
			return "The end date is not a date."
		}
		f.Until = t.AddDate(0, 0, 1)
	}
	return ""
}

// eventRow is an event as a line of the list.
type eventRow struct {
	connectors.Event
	Company string
}

type eventsData struct {
	Query     listQuery
	Rows      []eventRow
	Next      string
	Groups    []connectors.Count
	Companies []connectors.Company
	States    []connectors.State
	Sources   []connectors.Source
	CanAct    bool
	Error     string
	// Bulk is the result of a bulk action, read back from the redirect
	// that followed it; nil when there was none.
	Bulk *bulkResult
}

func (eventsData) title() (string, string) { return "Events", "events" }

// live refreshes only the first page: further pages hold still.
func (d eventsData) live() bool { return d.Query.Before == "" }

func (h *Handler) eventsList(w http.ResponseWriter, r *http.Request, rq *request) {
	lq := readListQuery(r.URL.Query())
	data := eventsData{
		Query: lq, States: connectors.States, Sources: connectors.Sources,
		CanAct: rq.user.Role.CanAct(),
		Bulk:   readBulkResult(r.URL.Query()),
	}
	companies, names, err := h.companies(r, rq.user)
	if err != nil {
		h.fail(w, r, rq, err)
		return
	}
	data.Companies = companies

	f, msg := lq.filter(rq.user, time.Now())
	if msg != "" {
		data.Error = msg
		h.render(w, r, http.StatusBadRequest, "events", rq, "", data)
		return
	}
	if lq.Group != "" {
		h.groups(w, r, rq, f, data)
		return
	}
	list, err := h.store.Events(r.Context(), f)
	if err != nil {
		h.fail(w, r, rq, err)
		return
	}
	if len(list) > pageSize {
		list = list[:pageSize]
		data.Next = lq.With("before", strconv.FormatInt(list[pageSize-1].ID, 10))
	}
	for _, e := range list {
		data.Rows = append(data.Rows, eventRow{Event: e, Company: names[e.CompanyID]})
	}
	h.render(w, r, http.StatusOK, "events", rq, "", data)
}

func (h *Handler) groups(w http.ResponseWriter, r *http.Request, rq *request,
	f connectors.EventFilter, data eventsData) {
	by := connectors.GroupBy(data.Query.Group)
	if !by.Valid() {
		data.Error = "Events can be grouped by source, event type, state or day."
		h.render(w, r, http.StatusBadRequest, "events", rq, "", data)
		return
	}
	counts, err := h.store.CountEvents(r.Context(), f, by)
	if err != nil {
		h.fail(w, r, rq, err)
		return
	}
	data.Groups = counts
	h.render(w, r, http.StatusOK, "events", rq, "", data)
}

// companies returns the companies the user sees, and every company's
// name by id.
func (h *Handler) companies(r *http.Request, u connectors.User) (
	[]connectors.Company, map[int64]string, error) {
	all, err := h.store.Companies(r.Context())
	if err != nil {
		return nil, nil, err
	}
	names := make(map[int64]string, len(all))
	var seen []connectors.Company
	for _, c := range all {
		names[c.ID] = c.Name
		if u.Sees(c.ID) {
			seen = append(seen, c)
		}
	}
	return seen, names, nil
}

// GroupLink returns the list filtered to one group's key.
func (lq listQuery) GroupLink(key string) string {
	next := lq
	switch lq.Group {
	case "state":
		next.State = key
	case "source":
		next.Source = key
	case "event_type":
		next.Type = key
	case "day":
		next.From, next.To, next.Range = key, key, ""
	}
	return next.With("group", "")
}

// bulkResult counts the events a bulk action moved and skipped.
type bulkResult struct{ Done, Skipped int }

// readBulkResult reads the counts as numbers only, so that a crafted link
// cannot put words on the page.
func readBulkResult(q url.Values) *bulkResult {
	done, err1 := strconv.Atoi(q.Get("done"))
	skipped, err2 := strconv.Atoi(q.Get("skipped"))
	if err1 != nil || err2 != nil {
		return nil
	}
	return &bulkResult{Done: done, Skipped: skipped}
}
