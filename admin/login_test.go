package admin_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/requestlog"
)

func TestSetup_CreatesFirstAdminOnce(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	path, err := h.handler.SetupPath(ctx(t))
	if err != nil || !strings.HasPrefix(path, "/admin/setup/") {
		t.Fatalf("SetupPath: got %q, %v; want /admin/setup/…", path, err)
	}
	b := h.browser()
	wantIn(t, b.get("/admin/login").body, "No user exists yet")
	a := b.submit(path, path, url.Values{"email": {"root@example.com"},
		"password": {password}})
	if a.status != http.StatusSeeOther || a.location != "/admin/" {
		t.Fatalf("setup: got %d to %q, want 303 to /admin/", a.status, a.location)
	}
	wantIn(t, b.get("/admin/").body, "root@example.com · admin")

	again := h.browser()
	wantStatus(t, again.get(path), http.StatusNotFound)
	if p, _ := h.handler.SetupPath(ctx(t)); p != "" {
		t.Errorf("SetupPath after setup: got %q, want none", p)
	}
	users, _ := h.store.Users(ctx(t))
	if len(users) != 1 || users[0].Role != connectors.RoleAdmin {
		t.Errorf("users: got %+v, want one admin", users)
	}
}

func TestSetup_WrongTokenNotFound(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	h.handler.SetupPath(ctx(t))
	wantStatus(t, h.browser().get("/admin/setup/guess"), http.StatusNotFound)
}

func TestLogin_SetsSafeSessionCookie(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	h.user("ann@example.com", connectors.RoleViewer)
	b := h.browser()
	a := b.submit("/admin/login", "/admin/login",
		url.Values{"email": {"ann@example.com"}, "password": {password}})
	wantStatus(t, a, http.StatusSeeOther)
	var cookie string
	for _, c := range a.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "ipai_session=") {
			cookie = c
		}
	}
	for _, part := range []string{"Path=/admin", "Max-Age=43200", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(cookie, part) {
			t.Errorf("session cookie %q lacks %s", cookie, part)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("session cookie over plain HTTP: got Secure, want it absent")
	}
}

func TestLogin_WrongPasswordRecordedThenLimited(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	h.user("ann@example.com", connectors.RoleViewer)
	b := h.browser()
	for i := range 5 {
		a := b.submit("/admin/login", "/admin/login",
			url.Values{"email": {"ann@example.com"}, "password": {"wrong password"}})
		if a.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: got %d, want 401", i+1, a.status)
		}
		wantIn(t, a.body, "Wrong e-mail or password.")
	}
	a := b.submit("/admin/login", "/admin/login",
		url.Values{"email": {"ann@example.com"}, "password": {password}})
	wantStatus(t, a, http.StatusTooManyRequests)
	wantIn(t, a.body, "Too many failed sign-ins")

	rej, _ := h.store.Rejections(ctx(t), connectors.RejectionFilter{})
	if len(rej) != 6 || rej[0].Cause != connectors.CauseRateLimited ||
		rej[5].Cause != connectors.CauseFailedLogin || rej[5].Path != "/admin/login" ||
		rej[5].RemoteAddr != "127.0.0.1" {
		t.Errorf("rejections: got %+v, want 5 failed logins then rate_limited", rej)
	}
}

func TestLogin_RefusedWithoutCSRF(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	h.user("ann@example.com", connectors.RoleViewer)
	b := h.browser()
	b.get("/admin/login")
	a := b.post("/admin/login", url.Values{"email": {"ann@example.com"},
		"password": {password}})
	wantStatus(t, a, http.StatusForbidden)
}

func TestLogout_EndsSession(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	b := h.signedIn("ann@example.com", connectors.RoleViewer, 1)
	a := b.submit("/admin/", "/admin/logout", nil)
	if a.status != http.StatusSeeOther || a.location != "/admin/login" {
		t.Fatalf("logout: got %d to %q, want 303 to /admin/login", a.status, a.location)
	}
	a = b.get("/admin/events")
	if a.status != http.StatusSeeOther ||
		a.location != "/admin/login?next=%2Fadmin%2Fevents" {
		t.Errorf("after logout: got %d to %q, want the sign-in page", a.status, a.location)
	}
}

func TestPages_HaveSecurityHeaders(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	a := h.signedIn("ann@example.com", connectors.RoleAdmin).get("/admin/events")
	for k, want := range map[string]string{
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
	} {
		if got := a.header.Get(k); got != want {
			t.Errorf("%s: got %q, want %q", k, got, want)
		}
	}
	csp := a.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP: got %q, want script-src 'self' and no unsafe-inline", csp)
	}
}

func TestSignedOut_RedirectedOrRefused(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	b := h.browser()
	for _, path := range []string{"/admin/", "/admin/events", "/admin/events/1",
		"/admin/tokens", "/admin/users", "/admin/rejected", "/admin/audit"} {
		a := b.get(path)
		if a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, "/admin/login?next=") {
			t.Errorf("GET %s: got %d to %q, want 303 to sign-in", path, a.status, a.location)
		}
	}
	for _, path := range []string{"/admin/events/bulk", "/admin/events/1/move",
		"/admin/tokens", "/admin/users", "/admin/logout"} {
		if a := b.post(path, url.Values{}); a.status != http.StatusUnauthorized {
			t.Errorf("POST %s: got %d, want 401", path, a.status)
		}
	}
	if a := b.get("/admin/live"); a.status != http.StatusUnauthorized {
		t.Errorf("GET /admin/live: got %d, want 401", a.status)
	}
}

func TestLogin_CookieSecureOverTLS(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	h.user("ann@example.com", connectors.RoleViewer)
	mux := http.NewServeMux()
	h.handler.Register(mux)
	srv := httptest.NewTLSServer(requestlog.Middleware(mux, discard(), nil))
	t.Cleanup(srv.Close)
	b := h.browser()
	b.base = srv.URL
	b.c.Transport = srv.Client().Transport
	a := b.submit("/admin/login", "/admin/login",
		url.Values{"email": {"ann@example.com"}, "password": {password}})
	wantStatus(t, a, http.StatusSeeOther)
	var cookie string
	for _, c := range a.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "ipai_session=") {
			cookie = c
		}
	}
	if !strings.Contains(cookie, "; Secure") {
		t.Errorf("session cookie over TLS: got %q, want Secure", cookie)
	}
}

// TestSetup_LinkOfAnotherInstanceAfterTheFirstAdminIsNotFound submits a
// setup link after another instance made the first admin: the answer is
// the used-link page, not a server error.
func TestSetup_LinkOfAnotherInstanceAfterTheFirstAdminIsNotFound(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	path, err := h.handler.SetupPath(ctx(t))
	if err != nil || path == "" {
		t.Fatalf("SetupPath: got %q, %v", path, err)
	}
	b := h.browser()
	token := b.csrf(path)                             // the form opened, as a person would
	h.user("first@example.com", connectors.RoleAdmin) // the other instance
	a := b.post(path, url.Values{"csrf": {token},
		"email": {"late@example.com"}, "password": {password}})
	wantStatus(t, a, http.StatusNotFound)
	wantIn(t, a.body, "This setup link is not valid, or was used already.")
}

func TestLogin_NextKeepsTheWholeQueryAndStaysInTheAdmin(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	a := h.browser().get("/admin/events?state=failed&source=github")
	want := "/admin/login?next=%2Fadmin%2Fevents%3Fstate%3Dfailed%26source%3Dgithub"
	if a.status != http.StatusSeeOther || a.location != want {
		t.Errorf("signed out: got %d to %q, want 303 to %q", a.status, a.location, want)
	}

	h.user("ann@example.com", connectors.RoleViewer)
	for next, want := range map[string]string{
		"/admin/events?state=failed&source=github": "/admin/events?state=failed&source=github",
		"/admin/../evil":              "/admin/",
		"//evil.example":              "/admin/",
		"/admin/\t/x":                 "/admin/",
		"https://evil.example/admin/": "/admin/",
	} {
		b := h.browser()
		a := b.submit("/admin/login", "/admin/login", url.Values{
			"email": {"ann@example.com"}, "password": {password}, "next": {next}})
		if a.status != http.StatusSeeOther || a.location != want {
			t.Errorf("next %q: got %d to %q, want 303 to %q", next, a.status, a.location, want)
		}
	}
}
