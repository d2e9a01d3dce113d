package admin

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

type rejectedData struct {
	Cause  string
	Addr   string
	Path   string
	From   string
	To     string
	Causes []connectors.Cause
	Rows   []connectors.Rejection
	Next   string
	Error  string

	// Counts are the rejections the filter selects by cause, over the
	// filter's time range, or the last day when it sets no start: a
	// count over every row ever refused would read the whole table.
	Counts      []connectors.Count
	CountTotal  int64
	CountedFrom time.Time
	CountedTo   time.Time // zero: until now
}

func (rejectedData) title() (string, string) { return "Rejected requests", "rejected" }

func (h *Handler) rejected(w http.ResponseWriter, r *http.Request, rq *request) {
	q := r.URL.Query()
	d := rejectedData{Cause: q.Get("cause"), Addr: q.Get("addr"),
		Path: q.Get("path"), From: q.Get("from"), To: q.Get("to"),
		Causes: connectors.Causes}
	f := connectors.RejectionFilter{Cause: connectors.Cause(d.Cause),
		RemoteAddr: d.Addr, Path: d.Path, Limit: pageSize + 1}
	var bad bool
	if f.Since, bad = date(d.From, 0); bad {
		d.Error = "The start date is not a date."
	}
	if f.Until, bad = date(d.To, 1); bad {
		d.Error = "The end date is not a date."
	}
	if b := q.Get("before"); b != "" {
		f.BeforeID, _ = strconv.ParseInt(b, 10, 64)
	}
	if d.Error != "" {
		h.render(w, r, http.StatusBadRequest, "rejected", rq, "", d)
		return
	}
	list, err := h.store.Rejections(r.Context(), f)
	if err == nil {
		err = h.countRejections(r, f, &d)
	}
	if err != nil {
		h.fail(w, r, rq, err)
		return
	}
	if len(list) > pageSize {
		list = list[:pageSize]
		q.Set("before", strconv.FormatInt(list[pageSize-1].ID, 10))
		d.Next = Prefix + "/rejected?" + q.Encode()
	}
	d.Rows = list
	h.render(w, r, http.StatusOK, "rejected", rq, "", d)
}

// countWindow is how far back the counts reach when the filter sets no
// start date.
const countWindow = 24 * time.Hour

// countRejections counts by cause the rejections f selects, bounded in
// time: the cursor and the page size do not apply to counts.
func (h *Handler) countRejections(r *http.Request, f connectors.RejectionFilter,
	d *rejectedData) error {
	f.BeforeID, f.Limit = 0, 0
	if f.Since.IsZero() {
		end := f.Until
		if end.IsZero() {
			end = time.Now().UTC()
		}
		f.Since = end.Add(-countWindow)
	}
	counts, err := h.store.RejectionCounts(r.Context(), f)
	if err != nil {
		return err
	}
	for _, c := range counts {
		d.CountTotal += c.N
	}
	d.Counts, d.CountedFrom, d.CountedTo = counts, f.Since, f.Until
	return nil
}

// CauseLink returns the list filtered as now and to one cause.
func (d rejectedData) CauseLink(cause string) string {
	q := url.Values{}
	for k, v := range map[string]string{"cause": cause, "addr": d.Addr,
		"path": d.Path, "from": d.From, "to": d.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return Prefix + "/rejected?" + q.Encode()
}

// date reads a 2006-01-02 date plus some days; bad when it is not one.
func date(s string, plusDays int) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, true
	}
	return t.AddDate(0, 0, plusDays), false
}
