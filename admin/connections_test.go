package admin_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// testKey is the hub's secret key in these tests.
const testKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

var newSecretRE = regexp.MustCompile(`<pre id="new-secret">([^<]+)</pre>`)

// keyedHub is a hub with a secret key, and the box that seals with it.
func keyedHub(t *testing.T) (*hub, *connectors.SecretBox) {
	t.Helper()
	box, err := connectors.NewSecretBox(testKey)
	if err != nil {
		t.Fatalf("NewSecretBox: %v", err)
	}
	return newHubWithBox(t, box), box
}

// connection stores a github connection of the company with secret.
func (h *hub) connection(box *connectors.SecretBox, company int64,
	secret connectors.Secret) connectors.Connection {
	h.t.Helper()
	slug := connectors.GenerateSlug()
	c, err := h.store.CreateConnection(ctx(h.t), connectors.Connection{
		CompanyID: company, Provider: connectors.ProviderGitHub, Slug: slug,
		SealedSecret: box.Seal(slug, secret),
		SecretHint:   connectors.SecretHint(secret), Enabled: true})
	if err != nil {
		h.t.Fatalf("create connection: %v", err)
	}
	return c
}

// stored returns the connection with the given id as the store has it.
func (h *hub) stored(id int64) connectors.Connection {
	h.t.Helper()
	c, err := h.store.Connection(ctx(h.t), id)
	if err != nil {
		h.t.Fatalf("read connection %d: %v", id, err)
	}
	return c
}

// connectionAudit returns the audit entries of connection actions, oldest
// first, as "action target company detail by actor".
func (h *hub) connectionAudit() []string {
	h.t.Helper()
	log, err := h.store.AuditLog(ctx(h.t), connectors.AuditFilter{})
	if err != nil {
		h.t.Fatalf("audit log: %v", err)
	}
	var out []string
	for i := len(log) - 1; i >= 0; i-- {
		e := log[i]
		if strings.HasPrefix(e.Action, "connection.") {
			out = append(out, fmt.Sprintf("%s %s %d %s by %s",
				e.Action, e.Target, e.CompanyID, e.Detail, e.Actor))
		}
	}
	return out
}

func open(t *testing.T, box *connectors.SecretBox, slug string, sealed []byte) string {
	t.Helper()
	s, err := box.Open(slug, sealed)
	if err != nil {
		t.Fatalf("open sealed secret: %v", err)
	}
	return s.Reveal()
}

func wantAudit(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit:\ngot  %q\nwant %q", got, want)
	}
}

func TestConnections_CreateShowsTheSecretOnceThenOnlyItsHint(t *testing.T) {
	t.Parallel()
	h, box := keyedHub(t)
	b := h.signedIn("max@example.com", connectors.RoleManager, 1)
	a := b.submit("/admin/connections", "/admin/connections", url.Values{
		"company": {"1"}, "provider": {"github"}, "name": {"octo-org"},
		"secret": {""}, "max_body_bytes": {"1048576"},
		"scheme": {"token"}, "header": {"X-Ignored"}})
	wantStatus(t, a, http.StatusCreated)
	m := newSecretRE.FindStringSubmatch(a.body)
	if m == nil || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(m[1]) {
		t.Fatalf("create: got secret %q, want 64 hex digits:\n%.3000s", m, a.body)
	}
	secret := m[1]

	list, _ := h.store.Connections(ctx(t), nil)
	if len(list) != 1 {
		t.Fatalf("stored: got %d connections, want 1", len(list))
	}
	c := list[0]
	want := connectors.Connection{ID: c.ID, CompanyID: 1, Name: "octo-org",
		Provider: connectors.ProviderGitHub, Slug: c.Slug,
		SecretHint: connectors.SecretHint(connectors.Secret(secret)), MaxBodyBytes: 1 << 20, Enabled: true}
	got := c
	got.SealedSecret, got.CreatedAt = nil, time.Time{}
	if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
		t.Errorf("stored:\ngot  %#v\nwant %#v", got, want)
	}
	if s := open(t, box, c.Slug, c.SealedSecret); s != secret {
		t.Errorf("sealed secret: got %q, want the one shown, %q", s, secret)
	}
	wantIn(t, a.body, `<code id="hook-path">/hooks/`+c.Slug+`</code>`)

	page := b.get("/admin/connections")
	wantStatus(t, page, http.StatusOK)
	wantIn(t, page.body, fmt.Sprintf(`<tr id="connection-%d">`, c.ID),
		"<td><code>/hooks/"+c.Slug+"</code></td>",
		"<td><code>"+connectors.SecretHint(connectors.Secret(secret))+"</code></td>", "<td>1048576</td>",
		`<span class="badge state-processed">enabled</span>`, "<td>Default</td>")
	for _, path := range []string{"/admin/connections", "/admin/audit",
		"/admin/", "/admin/tokens"} {
		wantNotIn(t, b.get(path).body, secret, `id="new-secret"`)
	}
	wantAudit(t, h.connectionAudit(), fmt.Sprintf(
		"connection.create connection:%d 1 provider: github by user:max@example.com", c.ID))
}

func TestConnections_CreateCustomAndGivenSecrets(t *testing.T) {
	t.Parallel()
	h, box := keyedHub(t)
	b := h.signedIn("root@example.com", connectors.RoleAdmin)
	a := b.submit("/admin/connections", "/admin/connections", url.Values{
		"company": {"1"}, "provider": {"custom"}, "scheme": {"hmac"},
		"header": {" X-Signature "}, "algorithm": {"sha512"},
		"encoding": {"base64"}, "prefix": {"sha512="}})
	wantStatus(t, a, http.StatusCreated)
	if newSecretRE.FindStringSubmatch(a.body) == nil {
		t.Errorf("custom: no secret shown:\n%.2000s", a.body)
	}

	const slack = "8f742231b10e8888abcd99yyyzzz85a5"
	a = b.submit("/admin/connections", "/admin/connections", url.Values{
		"company": {"1"}, "provider": {"slack"}, "secret": {slack}})
	wantStatus(t, a, http.StatusCreated)
	wantIn(t, a.body, "The secret you gave is kept sealed: <code>…</code>.")
	wantNotIn(t, a.body, slack, `id="new-secret"`)

	list, _ := h.store.Connections(ctx(t), nil)
	if len(list) != 2 {
		t.Fatalf("stored: got %d connections, want 2", len(list))
	}
	wantScheme := connectors.CustomScheme{Kind: "hmac", Header: "X-Signature",
		Algorithm: "sha512", Encoding: "base64", Prefix: "sha512="}
	if list[0].Scheme != wantScheme {
		t.Errorf("scheme: got %+v, want %+v", list[0].Scheme, wantScheme)
	}
	if s := open(t, box, list[1].Slug, list[1].SealedSecret); s != slack {
		t.Errorf("slack secret: got %q, want %q", s, slack)
	}
}

func TestConnections_CreateRefusesBadForms(t *testing.T) {
	t.Parallel()
	h, _ := keyedHub(t)
	acme := h.company("Acme")
	b := h.signedIn("max@example.com", connectors.RoleManager, 1)
	for _, c := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"company": {fmt.Sprint(acme.ID)}, "provider": {"github"}},
			"Choose one of your companies."},
		{url.Values{"company": {"1"}, "provider": {"gitlab"}},
			"Choose a provider."},
		{url.Values{"company": {"1"}, "provider": {"stripe"}},
			"stripe makes its own signing secret: paste it in the secret field."},
		{url.Values{"company": {"1"}, "provider": {"standard"},
			"secret": {"not-whsec-at-all-1234"}},
			"A Standard Webhooks secret is whsec_ followed by base64."},
		{url.Values{"company": {"1"}, "provider": {"custom"}, "scheme": {"token"}},
			"A custom connection needs the header its signature comes in."},
		{url.Values{"company": {"1"}, "provider": {"custom"}, "scheme": {"hmac"},
			"header": {"X-Sig"}, "algorithm": {"md5"}, "encoding": {"hex"}},
			"The HMAC scheme is not usable: "},
		{url.Values{"company": {"1"}, "provider": {"github"},
			"max_body_bytes": {"-1"}},
			"The body limit is a number of bytes from 0 (the hub&#39;s limit) to 1073741824."},
	} {
		a := b.submit("/admin/connections", "/admin/connections", c.form)
		wantStatus(t, a, http.StatusBadRequest)
		wantIn(t, a.body, `<p class="error" id="error">`+c.want)
	}
	if list, _ := h.store.Connections(ctx(t), nil); len(list) != 0 {
		t.Errorf("stored: got %d connections, want none", len(list))
	}
	wantAudit(t, h.connectionAudit())
}

func TestConnections_RotateShowsTheNewSecretAndKeepsTheOldForTheOverlap(t *testing.T) {
	t.Parallel()
	h, box := keyedHub(t)
	const old = "0123456789abcdef0123456789abcdef"
	c := h.connection(box, 1, old)
	b := h.signedIn("max@example.com", connectors.RoleManager, 1)
	before := time.Now()
	a := b.submit("/admin/connections",
		fmt.Sprintf("/admin/connections/%d/rotate", c.ID),
		url.Values{"overlap": {"2h"}, "secret": {""}})
	after := time.Now()
	wantStatus(t, a, http.StatusOK)
	m := newSecretRE.FindStringSubmatch(a.body)
	if m == nil {
		t.Fatalf("rotate: no secret shown:\n%.3000s", a.body)
	}
	got := h.stored(c.ID)
	if s := open(t, box, c.Slug, got.SealedSecret); s != m[1] {
		t.Errorf("current secret: got %q, want the one shown, %q", s, m[1])
	}
	if s := open(t, box, c.Slug, got.SealedPrevious); s != old {
		t.Errorf("previous secret: got %q, want %q", s, old)
	}
	lo, hi := before.Add(2*time.Hour), after.Add(2*time.Hour)
	if got.PreviousUntil.Before(lo.Truncate(time.Second)) || got.PreviousUntil.After(hi) {
		t.Errorf("previous until: got %v, want between %v and %v",
			got.PreviousUntil, lo, hi)
	}
	wantIn(t, a.body, `<p id="overlap">The previous secret is accepted until `+
		got.PreviousUntil.UTC().Format("2006-01-02 15:04:05")+" UTC.</p>")

	page := b.get("/admin/connections")
	wantIn(t, page.body, "<br>previous until "+
		got.PreviousUntil.UTC().Format("2006-01-02 15:04:05"))
	wantNotIn(t, page.body, m[1], old)
	wantAudit(t, h.connectionAudit(), fmt.Sprintf(
		"connection.rotate connection:%d 1 overlap: 2h0m0s by user:max@example.com", c.ID))
}

func TestConnections_RotateOverlapDefaultsToADayAndZeroEndsItAtOnce(t *testing.T) {
	t.Parallel()
	h, box := keyedHub(t)
	c := h.connection(box, 1, "0123456789abcdef0123456789abcdef")
	b := h.signedIn("max@example.com", connectors.RoleManager, 1)
	path := fmt.Sprintf("/admin/connections/%d/rotate", c.ID)

	wantStatus(t, b.submit("/admin/connections", path, nil), http.StatusOK)
	got := h.stored(c.ID)
	if d := time.Until(got.PreviousUntil); d < 23*time.Hour || d > 24*time.Hour {
		t.Errorf("blank overlap: previous valid for %v, want 24h", d)
	}

	a := b.submit("/admin/connections", path, url.Values{"overlap": {"0"}})
	wantStatus(t, a, http.StatusOK)
	wantNotIn(t, a.body, `id="overlap"`)
	if got := h.stored(c.ID); got.PreviousValid(time.Now()) {
		t.Errorf("overlap 0: previous valid until %v, want ended", got.PreviousUntil)
	}

	for _, bad := range []string{"-1h", "721h", "a day"} {
		a := b.submit("/admin/connections", path, url.Values{"overlap": {bad}})
		wantStatus(t, a, http.StatusBadRequest)
		wantIn(t, a.body, "The overlap is a duration such as 24h or 90m")
	}
	wantAudit(t, h.connectionAudit(),
		fmt.Sprintf("connection.rotate connection:%d 1 overlap: 24h0m0s by user:max@example.com", c.ID),
		fmt.Sprintf("connection.rotate connection:%d 1 overlap: 0s by user:max@example.com", c.ID))
}

func TestConnections_DisableThenEnable(t *testing.T) {
	t.Parallel()
	h, box := keyedHub(t)
	c := h.connection(box, 1, "0123456789abcdef0123456789abcdef")
	b := h.signedIn("max@example.com", connectors.RoleManager, 1)

	a := b.submit("/admin/connections", fmt.Sprintf("/admin/connections/%d/disable", c.ID), nil)
	if a.status != http.StatusSeeOther || a.location != "/admin/connections" {
		t.Fatalf("disable: got %d to %q, want 303 to /admin/connections", a.status, a.location)
	}
	if h.stored(c.ID).Enabled {
		t.Errorf("after disable: enabled, want disabled")
	}
	page := b.get("/admin/connections")
	wantIn(t, page.body, `<span class="badge state-ignored">disabled</span>`,
		fmt.Sprintf(`action="/admin/connections/%d/enable"`, c.ID))

	a = b.submit("/admin/connections", fmt.Sprintf("/admin/connections/%d/enable", c.ID), nil)
	wantStatus(t, a, http.StatusSeeOther)
	if !h.stored(c.ID).Enabled {
		t.Errorf("after enable: disabled, want enabled")
	}
	wantAudit(t, h.connectionAudit(),
		fmt.Sprintf("connection.disable connection:%d 1  by user:max@example.com", c.ID),
		fmt.Sprintf("connection.enable connection:%d 1  by user:max@example.com", c.ID))
}

func TestConnections_RefuseActionsWithoutCSRF(t *testing.T) {
	t.Parallel()
	h, box := keyedHub(t)
	c := h.connection(box, 1, "0123456789abcdef0123456789abcdef")
	b := h.signedIn("max@example.com", connectors.RoleManager, 1)
	for _, path := range []string{"/admin/connections",
		fmt.Sprintf("/admin/connections/%d/rotate", c.ID),
		fmt.Sprintf("/admin/connections/%d/disable", c.ID),
	} {
		a := b.post(path, url.Values{"company": {"1"}, "provider": {"github"},
			"csrf": {"forged"}})
		wantStatus(t, a, http.StatusForbidden)
		wantIn(t, a.body, "The form was missing its security token.")
	}
	got := h.stored(c.ID)
	if !got.Enabled || len(got.SealedPrevious) != 0 {
		t.Errorf("after forged posts: got %+v, want unchanged", got)
	}
	if list, _ := h.store.Connections(ctx(t), nil); len(list) != 1 {
		t.Errorf("after forged posts: %d connections, want 1", len(list))
	}
	wantAudit(t, h.connectionAudit())
}

func TestConnections_ViewerSeesTheListOnly(t *testing.T) {
	t.Parallel()
	h, box := keyedHub(t)
	c := h.connection(box, 1, "0123456789abcdef0123456789abcdef")
	b := h.signedIn("vic@example.com", connectors.RoleViewer, 1)
	page := b.get("/admin/connections")
	wantStatus(t, page, http.StatusOK)
	wantIn(t, page.body, fmt.Sprintf(`<tr id="connection-%d">`, c.ID),
		`<a href="/admin/connections" class="on">Connections</a>`)
	wantNotIn(t, page.body, `id="connection-form"`, "/rotate", "/disable")

	for _, path := range []string{"/admin/connections",
		fmt.Sprintf("/admin/connections/%d/rotate", c.ID),
		fmt.Sprintf("/admin/connections/%d/disable", c.ID),
		fmt.Sprintf("/admin/connections/%d/enable", c.ID),
	} {
		a := b.submit("/admin/connections", path,
			url.Values{"company": {"1"}, "provider": {"github"}})
		wantStatus(t, a, http.StatusForbidden)
		wantIn(t, a.body, "Your role may look but not act.")
	}
	got := h.stored(c.ID)
	if !got.Enabled || len(got.SealedPrevious) != 0 {
		t.Errorf("after a viewer's posts: got %+v, want unchanged", got)
	}
	wantAudit(t, h.connectionAudit())
}

func TestConnections_AnotherCompanysConnectionIsNotFound(t *testing.T) {
	t.Parallel()
	h, box := keyedHub(t)
	acme := h.company("Acme")
	theirs := h.connection(box, acme.ID, "0123456789abcdef0123456789abcdef")
	b := h.signedIn("max@example.com", connectors.RoleManager, 1)
	wantNotIn(t, b.get("/admin/connections").body,
		fmt.Sprintf(`id="connection-%d"`, theirs.ID), theirs.Slug)
	for _, action := range []string{"rotate", "disable", "enable"} {
		a := b.submit("/admin/connections",
			fmt.Sprintf("/admin/connections/%d/%s", theirs.ID, action), nil)
		wantStatus(t, a, http.StatusNotFound)
		wantIn(t, a.body, "No such connection.")
	}
	a := b.submit("/admin/connections", "/admin/connections/999/rotate", nil)
	wantStatus(t, a, http.StatusNotFound)
	got := h.stored(theirs.ID)
	if !got.Enabled || len(got.SealedPrevious) != 0 {
		t.Errorf("another company's connection: got %+v, want unchanged", got)
	}
	wantAudit(t, h.connectionAudit())

	root := h.signedIn("root@example.com", connectors.RoleAdmin)
	wantIn(t, root.get("/admin/connections").body,
		fmt.Sprintf(`<tr id="connection-%d">`, theirs.ID), "<td>Acme</td>")
}

func TestConnections_WithoutASecretKeyOfferNoCreation(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	b := h.signedIn("root@example.com", connectors.RoleAdmin)
	page := b.get("/admin/connections")
	wantStatus(t, page, http.StatusOK)
	wantIn(t, page.body, `<section class="notice" id="no-key">`,
		"<code>IPAI_CONNECTORS_SECRET_KEY</code>", "<code>openssl rand -hex 32</code>")
	wantNotIn(t, page.body, `id="connection-form"`)

	a := b.submit("/admin/connections", "/admin/connections",
		url.Values{"company": {"1"}, "provider": {"github"}})
	wantStatus(t, a, http.StatusBadRequest)
	wantIn(t, a.body, `<p class="error" id="error">The hub has no secret key `+
		`to seal signing secrets with.</p>`)
	if list, _ := h.store.Connections(ctx(t), nil); len(list) != 0 {
		t.Errorf("stored: got %d connections, want none", len(list))
	}

	// A connection made elsewhere, under a key this hub lacks.
	box, _ := connectors.NewSecretBox(testKey)
	c := h.connection(box, 1, "0123456789abcdef0123456789abcdef")
	wantNotIn(t, b.get("/admin/connections").body, "/rotate")
	a = b.submit("/admin/connections",
		fmt.Sprintf("/admin/connections/%d/rotate", c.ID), nil)
	wantStatus(t, a, http.StatusBadRequest)
	if got := h.stored(c.ID); len(got.SealedPrevious) != 0 {
		t.Errorf("rotated without a key: got %+v", got)
	}
	wantAudit(t, h.connectionAudit())
}
