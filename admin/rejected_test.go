package admin_test

import (
	"net/http"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

func TestRejected_CountsByCauseForTheFilter(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	now := time.Now().UTC()
	for _, r := range []struct {
		ago   time.Duration
		addr  string
		cause connectors.Cause
	}{
		{time.Hour, "203.0.113.1", connectors.CauseWrongToken},
		{2 * time.Hour, "203.0.113.1", connectors.CauseWrongToken},
		{3 * time.Hour, "203.0.113.2", connectors.CauseWrongToken},
		{4 * time.Hour, "203.0.113.2", connectors.CauseBadSignature},
		// Older than the last day: listed, but counted only when the
		// filter's start reaches it.
		{50 * time.Hour, "203.0.113.1", connectors.CauseTooLarge},
	} {
		err := h.store.RecordRejection(ctx(t), connectors.Rejection{
			At: now.Add(-r.ago), RemoteAddr: r.addr, Path: "/hooks/x",
			Cause: r.cause, RequestID: string(r.cause)})
		if err != nil {
			t.Fatal(err)
		}
	}
	b := h.signedIn("root@example.com", connectors.RoleAdmin)

	a := b.get("/admin/rejected")
	wantStatus(t, a, http.StatusOK)
	wantIn(t, a.body, "(the last 24 hours: choose a start date for another range)",
		`<td><a href="/admin/rejected?cause=wrong_token">wrong_token</a></td>`+
			`<td class="num" id="n-wrong_token">3</td>`,
		`<td class="num" id="n-bad_signature">1</td>`,
		`<th class="num" id="n-total">4</th>`,
		"<code>too_large</code>")
	wantNotIn(t, a.body, `id="n-too_large"`)

	from := now.AddDate(0, 0, -3).Format(time.DateOnly)
	a = b.get("/admin/rejected?addr=203.0.113.1&from=" + from)
	wantStatus(t, a, http.StatusOK)
	wantIn(t, a.body,
		`<a href="/admin/rejected?addr=203.0.113.1&amp;cause=too_large&amp;from=`+
			from+`">too_large</a></td><td class="num" id="n-too_large">1</td>`,
		`<td class="num" id="n-wrong_token">2</td>`,
		`<th class="num" id="n-total">3</th>`,
		"<h2>By cause, "+from+" 00:00:00 to now UTC</h2>")
	wantNotIn(t, a.body, `id="n-bad_signature"`, "the last 24 hours")

	a = b.get("/admin/rejected?cause=bad_signature&before=1")
	wantIn(t, a.body, `<td class="num" id="n-bad_signature">1</td>`,
		`<th class="num" id="n-total">1</th>`)
	wantNotIn(t, a.body, `id="n-wrong_token"`)

	a = b.get("/admin/rejected?path=/elsewhere")
	wantIn(t, a.body, "No rejected requests in this range.",
		`<th class="num" id="n-total">0</th>`)
}
