package admin_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	connectors "github.com/ipai-ai/ipai-connectors"
)

func TestEventPage_PayloadEscapedAndHighlighted(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	id := h.event(1, "push", "x", `{"html":"<script>alert(1)</script>","n":12345678901234567890,"ok":true}`)
	b := h.signedIn("ann@example.com", connectors.RoleViewer, 1)
	a := b.get(fmt.Sprintf("/admin/events/%d", id))
	wantStatus(t, a, http.StatusOK)
	wantIn(t, a.body,
		`<span class="j-k">&#34;html&#34;</span>: <span class="j-s">&#34;&lt;script&gt;alert(1)&lt;/script&gt;&#34;</span>`,
		`<span class="j-n">12345678901234567890</span>`,
		`<span class="j-l">true</span>`)
	wantNotIn(t, a.body, "<script>alert(1)")
}

func TestEventPage_LargePayloadCutWithDownload(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	big := `{"blob":"` + strings.Repeat("a", 300<<10) + `"}`
	id := h.event(1, "push", "", big)
	b := h.signedIn("ann@example.com", connectors.RoleViewer, 1)
	a := b.get(fmt.Sprintf("/admin/events/%d", id))
	wantIn(t, a.body, `id="payload-cut"`,
		fmt.Sprintf(`<a href="/admin/events/%d/payload" id="download">`, id))
	if len(a.body) > 300<<10 {
		t.Errorf("page size: got %d bytes, want the payload cut below 256 KiB", len(a.body))
	}
	d := b.get(fmt.Sprintf("/admin/events/%d/payload", id))
	wantStatus(t, d, http.StatusOK)
	if d.body != big || d.header.Get("Content-Disposition") !=
		fmt.Sprintf(`attachment; filename="event-%d-payload.json"`, id) {
		t.Errorf("download: got %d bytes, disposition %q; want the payload whole",
			len(d.body), d.header.Get("Content-Disposition"))
	}
}

func TestEventPage_FailedShowsErrorFirstAndAllowedButtons(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	id := h.event(1, "push", "", `{}`, "processing", "failed")
	b := h.signedIn("max@example.com", connectors.RoleManager, 1)
	a := b.get(fmt.Sprintf("/admin/events/%d", id))
	wantIn(t, a.body, `<section class="card failure" id="error-message">`,
		"<pre>boom: upstream 502</pre>", `id="move-received">Retry</button>`,
		`id="move-ignored">Ignore</button>`,
		`<span class="badge state-processing">processing</span> → <span class="badge state-failed">failed</span>`,
		"by 1 (worker): <q>boom: upstream 502</q>",
		`<th>X-Api-Key</th><td>[redacted]</td>`)
	if strings.Index(a.body, `id="error-message"`) > strings.Index(a.body, `id="payload"`) {
		t.Errorf("error message: shown after the payload, want it first")
	}
	wantNotIn(t, a.body, `id="move-processed"`, `id="move-processing"`, `id="move-failed"`)
}

func TestEventPage_ViewerSeesNoButtons(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	id := h.event(1, "push", "", `{}`)
	a := h.signedIn("vic@example.com", connectors.RoleViewer, 1).
		get(fmt.Sprintf("/admin/events/%d", id))
	wantStatus(t, a, http.StatusOK)
	wantNotIn(t, a.body, `id="actions"`, `id="notes-form"`)
}

func TestEventPage_OtherCompanyNotFound(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	acme := h.company("Acme")
	id := h.event(acme.ID, "push", "", `{"secret":"acme-only"}`)
	b := h.signedIn("max@example.com", connectors.RoleManager, 1)
	for _, path := range []string{"", "/payload"} {
		a := b.get(fmt.Sprintf("/admin/events/%d%s", id, path))
		wantStatus(t, a, http.StatusNotFound)
		wantNotIn(t, a.body, "acme-only")
	}
	a := b.submit("/admin/events", fmt.Sprintf("/admin/events/%d/move", id),
		url.Values{"to": {"ignored"}})
	wantStatus(t, a, http.StatusNotFound)
	a = b.submit("/admin/events", fmt.Sprintf("/admin/events/%d/notes", id),
		url.Values{"notes": {"x"}})
	wantStatus(t, a, http.StatusNotFound)
	if ev, _ := h.store.Event(ctx(t), id); ev.State != "received" || ev.Notes != "" {
		t.Errorf("other company's event changed: %+v", ev)
	}
}

func TestMove_RetryRecordsActorAndAudit(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	id := h.event(1, "push", "", `{}`, "processing", "failed")
	b := h.signedIn("max@example.com", connectors.RoleManager, 1)
	page := fmt.Sprintf("/admin/events/%d", id)
	a := b.submit(page, page+"/move", url.Values{"to": {"received"}, "from": {"failed"}})
	if a.status != http.StatusSeeOther || a.location != page {
		t.Fatalf("retry: got %d to %q, want 303 to %s", a.status, a.location, page)
	}
	ev, _ := h.store.Event(ctx(t), id)
	hist, _ := h.store.History(ctx(t), id)
	last := hist[len(hist)-1]
	if ev.State != "received" || last.From != "failed" ||
		last.Actor != "user:max@example.com" || last.Reason != "retried from the admin interface" {
		t.Errorf("after retry: state %s, history %+v", ev.State, last)
	}
	log, _ := h.store.AuditLog(ctx(t), connectors.AuditFilter{})
	if log[0].Action != "event.received" || log[0].Target != fmt.Sprintf("event:%d", id) ||
		log[0].Detail != "from failed" {
		t.Errorf("audit: got %+v", log[0])
	}
}

func TestMove_StaleFormRefusedWithConflict(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	id := h.event(1, "push", "", `{}`, "ignored")
	b := h.signedIn("max@example.com", connectors.RoleManager, 1)
	page := fmt.Sprintf("/admin/events/%d", id)
	a := b.submit(page, page+"/move", url.Values{"to": {"ignored"}, "from": {"received"}})
	wantStatus(t, a, http.StatusConflict)
	wantIn(t, a.body, fmt.Sprintf(
		"event %d is ignored, not received: it was moved by someone else", id))
	a = b.submit(page, page+"/move", url.Values{"to": {"processed"}})
	wantStatus(t, a, http.StatusConflict)
	wantIn(t, a.body, "cannot move from ignored to processed")
}

func TestMove_ViewerAndMissingCSRFRefused(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	id := h.event(1, "push", "", `{}`)
	page := fmt.Sprintf("/admin/events/%d", id)
	viewer := h.signedIn("vic@example.com", connectors.RoleViewer, 1)
	wantStatus(t, viewer.submit(page, page+"/move", url.Values{"to": {"ignored"}}),
		http.StatusForbidden)
	manager := h.signedIn("max@example.com", connectors.RoleManager, 1)
	wantStatus(t, manager.post(page+"/move", url.Values{"to": {"ignored"}}),
		http.StatusForbidden)
	if ev, _ := h.store.Event(ctx(t), id); ev.State != "received" {
		t.Errorf("state: got %s, want received", ev.State)
	}
}

func TestNotes_EditRecordedInTimeline(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	id := h.event(1, "push", "", `{}`)
	b := h.signedIn("max@example.com", connectors.RoleManager, 1)
	page := fmt.Sprintf("/admin/events/%d", id)
	a := b.submit(page, page+"/notes", url.Values{"notes": {"customer <b>called</b>\r\nagain"}})
	wantStatus(t, a, http.StatusSeeOther)
	ev, _ := h.store.Event(ctx(t), id)
	if ev.Notes != "customer <b>called</b>\nagain" {
		t.Errorf("notes: got %q", ev.Notes)
	}
	page2 := b.get(page).body
	wantIn(t, page2, "notes edited by max@example.com (user)",
		"customer &lt;b&gt;called&lt;/b&gt;\nagain</textarea>")
	edits, _ := h.store.NoteEdits(ctx(t), id)
	if len(edits) != 1 || edits[0].Actor != "user:max@example.com" {
		t.Errorf("edits: got %+v", edits)
	}
}
