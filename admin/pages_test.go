package admin_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

func TestDashboard_CountsChartsAndFailures(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	acme := h.company("Acme")
	failed := h.event(1, "push", "", `{}`, "processing", "failed")
	h.event(1, "push", "", `{}`, "processed")
	h.event(acme.ID, "push", "", `{}`, "processing", "failed")
	a := h.signedIn("max@example.com", connectors.RoleManager, 1).get("/admin/")
	wantStatus(t, a, http.StatusOK)
	wantIn(t, a.body,
		`<b id="count-failed">1</b>`, `<b id="count-processed">1</b>`,
		`<b id="count-received">0</b>`, `<b id="count-total">2</b>`,
		`<span class="badge">github</span><b>2</b>`,
		"Events per hour, last 24 hours", "Events per day, last 30 days",
		`<rect class="fill-failed"`, `<rect class="fill-processed"`,
		fmt.Sprintf(`<a href="/admin/events/%d">`, failed),
		"<td>boom: upstream 502</td>")
	last, _ := h.store.LastChange(ctx(t))
	wantIn(t, a.body, fmt.Sprintf(`<body data-live="1" data-seen="%d.%d">`,
		last.LastID, last.UpdatedAt.UnixMicro()))
	if n := strings.Count(a.body, "<g><title>"); n != 24+30 {
		t.Errorf("bars: got %d, want 54 (24 hours and 30 days)", n)
	}
}

func TestRejected_AdminOnlyAndFiltered(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	for i, addr := range []string{"203.0.113.1", "203.0.113.2"} {
		err := h.store.RecordRejection(ctx(t), connectors.Rejection{
			RemoteAddr: addr, Path: "/ipai_ai_connectors/event",
			Cause:     []connectors.Cause{"wrong_token", "too_large"}[i],
			RequestID: fmt.Sprintf("req-%d", i), Detail: "<b>detail</b>"})
		if err != nil {
			t.Fatal(err)
		}
	}
	admin := h.signedIn("root@example.com", connectors.RoleAdmin)
	a := admin.get("/admin/rejected?cause=too_large")
	wantStatus(t, a, http.StatusOK)
	wantIn(t, a.body, "<code>req-1</code>", "&lt;b&gt;detail&lt;/b&gt;")
	wantNotIn(t, a.body, "<code>req-0</code>")
	a = admin.get("/admin/rejected?addr=203.0.113.1&path=/ipai_ai_connectors/event")
	wantIn(t, a.body, "<code>req-0</code>")
	wantNotIn(t, a.body, "<code>req-1</code>")
	wantStatus(t, admin.get("/admin/rejected?from=yesterday"), http.StatusBadRequest)

	manager := h.signedIn("max@example.com", connectors.RoleManager, 1)
	wantStatus(t, manager.get("/admin/rejected"), http.StatusForbidden)
}

var secretRE = regexp.MustCompile(`<pre id="new-token">(ipai_[A-Z2-7]{26})</pre>`)

func TestTokens_CreateShownOnceThenRevoke(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	acme := h.company("Acme")
	b := h.signedIn("max@example.com", connectors.RoleManager, 1)
	a := b.submit("/admin/tokens", "/admin/tokens", url.Values{
		"company": {"1"}, "name": {"deploys"}, "source": {"github", "slack"}})
	wantStatus(t, a, http.StatusCreated)
	m := secretRE.FindStringSubmatch(a.body)
	if m == nil {
		t.Fatalf("create: no token shown:\n%.2000s", a.body)
	}
	tok, err := h.store.TokenByHash(ctx(t), connectors.HashToken(m[1]))
	if err != nil || tok.Name != "deploys" || tok.CompanyID != 1 ||
		fmt.Sprint(tok.Sources) != "[github slack]" {
		t.Fatalf("stored: got %+v, %v", tok, err)
	}
	list := b.get("/admin/tokens")
	wantIn(t, list.body, fmt.Sprintf(`<tr id="token-%d">`, tok.ID), "github, slack", "never")
	wantNotIn(t, list.body, m[1])

	a = b.submit("/admin/tokens", "/admin/tokens", url.Values{
		"company": {fmt.Sprint(acme.ID)}})
	wantStatus(t, a, http.StatusBadRequest)
	wantIn(t, a.body, "Choose one of your companies.")

	a = b.submit("/admin/tokens", fmt.Sprintf("/admin/tokens/%d/revoke", tok.ID), nil)
	wantStatus(t, a, http.StatusSeeOther)
	if _, err := h.store.TokenByHash(ctx(t), tok.Hash); connectors.ErrorCode(err) != connectors.ENOTFOUND {
		t.Errorf("after revoke: got %v, want not found", err)
	}
	log, _ := h.store.AuditLog(ctx(t), connectors.AuditFilter{})
	if log[0].Action != "token.revoke" || log[1].Action != "token.create" {
		t.Errorf("audit: got %+v", log[:2])
	}

	viewer := h.signedIn("vic@example.com", connectors.RoleViewer, 1)
	wantNotIn(t, viewer.get("/admin/tokens").body, `id="token-form"`)
	wantStatus(t, viewer.submit("/admin/tokens", "/admin/tokens",
		url.Values{"company": {"1"}}), http.StatusForbidden)
}

func TestTokens_OtherCompanyTokenNotRevoked(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	acme := h.company("Acme")
	_, hash := connectors.GenerateToken()
	tok, _ := h.store.CreateToken(ctx(t), connectors.NewToken{CompanyID: acme.ID, Hash: hash})
	b := h.signedIn("max@example.com", connectors.RoleManager, 1)
	wantNotIn(t, b.get("/admin/tokens").body, fmt.Sprintf(`id="token-%d"`, tok.ID))
	a := b.submit("/admin/tokens", fmt.Sprintf("/admin/tokens/%d/revoke", tok.ID), nil)
	wantStatus(t, a, http.StatusNotFound)
	if got, _ := h.store.Token(ctx(t), tok.ID); got.Revoked() {
		t.Errorf("another company's token was revoked")
	}
}

func TestUsers_AdminCreatesDisablesAndAddsCompanies(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	b := h.signedIn("root@example.com", connectors.RoleAdmin)
	a := b.submit("/admin/users", "/admin/companies", url.Values{"name": {"Acme"}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("add company: got %d", a.status)
	}
	a = b.submit("/admin/users", "/admin/users", url.Values{
		"email": {"new@example.com"}, "role": {"viewer"}, "company": {"2"},
		"password": {password}})
	if a.status != http.StatusSeeOther || a.location != "/admin/users?done=created" {
		t.Fatalf("add user: got %d to %q:\n%.2000s", a.status, a.location, a.body)
	}
	fresh := h.browser()
	fresh.login("new@example.com")
	wantIn(t, fresh.get("/admin/").body, "new@example.com · viewer")

	users, _ := h.store.Users(ctx(t))
	id := users[len(users)-1].ID
	a = b.submit("/admin/users", fmt.Sprintf("/admin/users/%d/disable", id), nil)
	wantStatus(t, a, http.StatusSeeOther)
	if a := fresh.get("/admin/"); a.status != http.StatusSeeOther {
		t.Errorf("disabled user's session: got %d, want 303 to sign-in", a.status)
	}

	a = b.submit("/admin/users", "/admin/users", url.Values{
		"email": {"short@example.com"}, "role": {"viewer"}, "password": {"short"}})
	wantStatus(t, a, http.StatusBadRequest)
	wantIn(t, a.body, "a password needs at least 10 characters.")
	self := users[0].ID
	wantStatus(t, b.submit("/admin/users", fmt.Sprintf("/admin/users/%d/disable", self), nil),
		http.StatusBadRequest)

	manager := h.signedIn("max@example.com", connectors.RoleManager, 1)
	wantStatus(t, manager.get("/admin/users"), http.StatusForbidden)
	wantStatus(t, manager.submit("/admin/", "/admin/companies",
		url.Values{"name": {"Evil"}}), http.StatusForbidden)
}

func TestAudit_ShowsTheUsersCompaniesOnly(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	acme := h.company("Acme")
	for _, c := range []int64{1, acme.ID} {
		h.store.RecordAudit(ctx(t), connectors.AuditEntry{Actor: "user:x",
			Action: fmt.Sprintf("event.ignored.%d", c), CompanyID: c})
	}
	a := h.signedIn("max@example.com", connectors.RoleManager, 1).get("/admin/audit")
	wantIn(t, a.body, "event.ignored.1")
	wantNotIn(t, a.body, fmt.Sprintf("event.ignored.%d", acme.ID))
}

func TestLive_StreamsAChangeAfterAnEvent(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	b := h.signedIn("ann@example.com", connectors.RoleViewer, 1)
	req, _ := http.NewRequest("GET", h.srv.URL+"/admin/live", nil)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatalf("live: %v", err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type: got %q, want text/event-stream", ct)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// The stream opens with where events stand; the poller takes its
	// first reading as the start, so events are made until one of them
	// is reported.
	made := map[string]bool{}
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case <-tick.C:
			id := h.event(1, "push", "", `{}`)
			made[fmt.Sprintf(`data: {"last_id":%d,`, id)] = true
		case l := <-lines:
			if before, _, ok := strings.Cut(l, `"seen":`); ok && made[before] {
				return
			}
		case <-deadline:
			t.Fatalf("no change reported within 10s of %d new events", len(made))
		}
	}
}

func TestLive_StreamEndsOnceTheUserSignsOut(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	b := h.signedIn("ann@example.com", connectors.RoleViewer, 1)
	req, _ := http.NewRequest("GET", h.srv.URL+"/admin/live", nil)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatalf("live: %v", err)
	}
	defer resp.Body.Close()
	ended := make(chan struct{})
	go func() {
		io.Copy(io.Discard, resp.Body)
		close(ended)
	}()

	if a := b.submit("/admin/", "/admin/logout", nil); a.status != http.StatusSeeOther {
		t.Fatalf("logout: got %d, want 303", a.status)
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the live stream went on for 5s after sign-out, want it ended at the next heartbeat")
	}
}
