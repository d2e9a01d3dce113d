package admin_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

func TestEventsList_ShowsColumnsAndBadges(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	failed := h.event(1, "push", "main", `{}`, "processing", "failed")
	done := h.event(1, "ping", "r2", `{}`, "processed")
	b := h.signedIn("ann@example.com", connectors.RoleViewer, 1)
	a := b.get("/admin/events")
	wantStatus(t, a, http.StatusOK)
	wantIn(t, a.body,
		fmt.Sprintf(`<tr id="event-%d">`, failed),
		`<span class="badge state-failed">failed</span>`,
		`<span class="badge state-processed">processed</span>`,
		fmt.Sprintf(`<a href="/admin/events/%d">`, done),
		"<td>Default</td>", "<td>push</td>", "<td>main</td>")
	wantNotIn(t, a.body, `id="bulk-retry"`, `class="pick"`)
}

func TestEventsList_FiltersAndSearch(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	zebra := h.event(1, "invoice.paid", "inv_1", `{"customer":"Zebra"}`)
	other := h.event(1, "push", "main", `{"customer":"Lion"}`, "ignored")
	b := h.signedIn("ann@example.com", connectors.RoleAdmin)
	for query, want := range map[string][]int64{
		"state=ignored":                 {other},
		"source=github&q=zebra":         {zebra},
		"q=lion":                        {other},
		"type=push":                     {other},
		"range=today":                   {other, zebra},
		"range=week":                    {other, zebra},
		"from=2000-01-01&to=2000-01-02": nil,
		"source=slack":                  nil,
	} {
		a := b.get("/admin/events?" + query)
		wantStatus(t, a, http.StatusOK)
		if got := rowIDs(a.body); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("?%s: got rows %v, want %v", query, got, want)
		}
	}
	a := b.get("/admin/events?state=done")
	wantStatus(t, a, http.StatusBadRequest)
	wantIn(t, a.body, "unknown state &#34;done&#34;")
}

// rowIDs returns the event ids of the list's rows, in order.
func rowIDs(body string) []int64 {
	var ids []int64
	for _, part := range strings.Split(body, `<tr id="event-`)[1:] {
		var id int64
		fmt.Sscanf(part, "%d", &id)
		ids = append(ids, id)
	}
	return ids
}

func TestEventsList_PagesByCursor(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	var ids []int64
	for i := range 53 {
		ids = append(ids, h.event(1, "push", fmt.Sprint(i), `{}`))
	}
	b := h.signedIn("ann@example.com", connectors.RoleAdmin)
	first := b.get("/admin/events")
	got := rowIDs(first.body)
	if len(got) != 50 || got[0] != ids[52] || got[49] != ids[3] {
		t.Fatalf("first page: got %d rows from %v, want 50 from %d", len(got), got[:1], ids[52])
	}
	next := fmt.Sprintf(`href="/admin/events?before=%d" id="next"`, ids[3])
	wantIn(t, first.body, next)
	second := b.get(fmt.Sprintf("/admin/events?before=%d", ids[3]))
	if got := rowIDs(second.body); fmt.Sprint(got) != fmt.Sprint([]int64{ids[2], ids[1], ids[0]}) {
		t.Errorf("second page: got %v, want the three oldest", got)
	}
	wantNotIn(t, second.body, `id="next"`)
}

func TestEventsList_GroupsWithCounts(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	h.event(1, "push", "", `{}`)
	h.event(1, "push", "", `{}`, "ignored")
	h.event(1, "ping", "", `{}`)
	b := h.signedIn("ann@example.com", connectors.RoleAdmin)
	a := b.get("/admin/events?group=event_type")
	wantStatus(t, a, http.StatusOK)
	wantIn(t, a.body,
		`<a href="/admin/events?type=push">push</a></td><td class="num">2</td>`,
		`<a href="/admin/events?type=ping">ping</a></td><td class="num">1</td>`)
	a = b.get("/admin/events?group=state")
	wantIn(t, a.body,
		`<a href="/admin/events?state=received">received</a></td><td class="num">2</td>`,
		`<a href="/admin/events?state=ignored">ignored</a></td><td class="num">1</td>`)
	day := time.Now().UTC().Format(time.DateOnly)
	a = b.get("/admin/events?group=day")
	wantIn(t, a.body, fmt.Sprintf(
		`<a href="/admin/events?from=%s&amp;to=%s">%s</a></td><td class="num">3</td>`,
		day, day, day))
	wantStatus(t, b.get("/admin/events?group=ref"), http.StatusBadRequest)
}

func TestEventsList_OnlyTheUsersCompanies(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	acme := h.company("Acme")
	mine := h.event(acme.ID, "push", "", `{}`)
	h.event(1, "push", "", `{}`)
	b := h.signedIn("ann@example.com", connectors.RoleManager, acme.ID)
	for _, q := range []string{"", "?company=1", "?group=state"} {
		a := b.get("/admin/events" + q)
		wantStatus(t, a, http.StatusOK)
		if q == "" && fmt.Sprint(rowIDs(a.body)) != fmt.Sprint([]int64{mine}) {
			t.Errorf("list: got %v, want only %d", rowIDs(a.body), mine)
		}
		if q == "?company=1" && len(rowIDs(a.body)) != 0 {
			t.Errorf("another company's filter: got %v, want none", rowIDs(a.body))
		}
		if q == "?group=state" {
			wantIn(t, a.body, `<td class="num">1</td>`)
			wantNotIn(t, a.body, `<td class="num">2</td>`)
		}
	}
}

func TestBulk_RetriesAndIgnoresWhatIsAllowed(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	acme := h.company("Acme")
	failed := h.event(1, "push", "", `{}`, "processing", "failed")
	fresh := h.event(1, "push", "", `{}`)
	foreign := h.event(acme.ID, "push", "", `{}`, "processing", "failed")
	b := h.signedIn("max@example.com", connectors.RoleManager, 1)

	a := b.submit("/admin/events", "/admin/events/bulk", url.Values{
		"action": {"retry"}, "back": {"/admin/events?state=failed"},
		"id": {fmt.Sprint(failed), fmt.Sprint(fresh), fmt.Sprint(foreign)}})
	if a.status != http.StatusSeeOther ||
		a.location != "/admin/events?state=failed&done=1&skipped=2" {
		t.Fatalf("bulk retry: got %d to %q", a.status, a.location)
	}
	for id, want := range map[int64]connectors.State{
		failed: "received", fresh: "received", foreign: "failed"} {
		if ev, _ := h.store.Event(ctx(t), id); ev.State != want {
			t.Errorf("event %d: got %s, want %s", id, ev.State, want)
		}
	}
	hist, _ := h.store.History(ctx(t), failed)
	last := hist[len(hist)-1]
	if last.Actor != "user:max@example.com" || last.Reason != "bulk retry from the admin interface" {
		t.Errorf("history: got %+v", last)
	}

	a = b.submit("/admin/events", "/admin/events/bulk", url.Values{
		"action": {"ignore"}, "id": {fmt.Sprint(failed), fmt.Sprint(fresh)}})
	if a.location != "/admin/events?done=2&skipped=0" {
		t.Errorf("bulk ignore: got %q", a.location)
	}
	wantIn(t, b.get(a.location).body, `2 moved, 0 skipped.`)
	wantNotIn(t, b.get("/admin/events?done=Your+account+is+locked&skipped=0").body,
		`id="bulk-result"`, "locked")
}

func TestBulk_ViewerRefused(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	id := h.event(1, "push", "", `{}`)
	b := h.signedIn("vic@example.com", connectors.RoleViewer, 1)
	a := b.submit("/admin/events", "/admin/events/bulk",
		url.Values{"action": {"ignore"}, "id": {fmt.Sprint(id)}})
	wantStatus(t, a, http.StatusForbidden)
	if ev, _ := h.store.Event(ctx(t), id); ev.State != "received" {
		t.Errorf("state: got %s, want received", ev.State)
	}
}

func TestBulk_RefusedWithoutCSRF(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	id := h.event(1, "push", "", `{}`)
	b := h.signedIn("max@example.com", connectors.RoleManager, 1)
	a := b.post("/admin/events/bulk", url.Values{"action": {"ignore"},
		"id": {fmt.Sprint(id)}, "csrf": {"forged"}})
	wantStatus(t, a, http.StatusForbidden)
	if ev, _ := h.store.Event(ctx(t), id); ev.State != "received" {
		t.Errorf("state: got %s, want received", ev.State)
	}
}
