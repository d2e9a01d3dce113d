package admin_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/admin"
	"github.com/ipai-ai/ipai-connectors/requestlog"
	"github.com/ipai-ai/ipai-connectors/sqlite"
)

// password is every test user's password.
const password = "correct horse battery"

// hub is an admin interface on a fresh store, served over real HTTP.
type hub struct {
	t       *testing.T
	store   *sqlite.Store
	handler *admin.Handler
	srv     *httptest.Server
}

func newHub(t *testing.T) *hub {
	t.Helper()
	return newHubWithBox(t, nil)
}

// newHubWithBox is newHub with a secret key: box seals the secrets of
// connections, nil when the hub has none.
func newHubWithBox(t *testing.T, box *connectors.SecretBox) *hub {
	t.Helper()
	store, err := sqlite.Open(context.Background(),
		filepath.Join(t.TempDir(), "hub.db"), nil)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	h, err := admin.New(store, admin.Config{
		BcryptCost: bcrypt.MinCost, PollInterval: 50 * time.Millisecond,
		Heartbeat: 100 * time.Millisecond,
		Box:       box,
		Logger:    slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatalf("admin.New: %v", err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(requestlog.Middleware(mux, discard(), nil))
	t.Cleanup(func() {
		h.Close()
		srv.Close()
		store.Close()
	})
	return &hub{t: t, store: store, handler: h, srv: srv}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// user creates a user with the test password.
func (h *hub) user(email string, role connectors.Role, companies ...int64) connectors.User {
	h.t.Helper()
	hash, _ := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	u, err := h.store.CreateUser(ctx(h.t), connectors.NewUser{
		Email: email, Role: role, CompanyIDs: companies, PasswordHash: hash})
	if err != nil {
		h.t.Fatalf("create user: %v", err)
	}
	return u
}

func (h *hub) company(name string) connectors.Company {
	h.t.Helper()
	c, err := h.store.CreateCompany(ctx(h.t), name)
	if err != nil {
		h.t.Fatalf("create company: %v", err)
	}
	return c
}

// event stores an event and moves it through states.
func (h *hub) event(company int64, typ, ref, payload string,
	path ...connectors.State) int64 {
	h.t.Helper()
	id, err := h.store.CreateEvent(ctx(h.t), connectors.NewEvent{
		CompanyID: company, Source: "github", SourceName: "github",
		EventType: typ, Ref: ref, Payload: []byte(payload),
		Delivery: connectors.Delivery{RemoteAddr: "203.0.113.5", Method: "POST",
			Path: "/ipai_ai_connectors/event",
			Header: http.Header{"Content-Type": {"application/json"},
				"X-Api-Key": {"[redacted]"}},
			Body: []byte(`{"params":{"token":"[redacted]"}}`)},
	})
	if err != nil {
		h.t.Fatalf("create event: %v", err)
	}
	for _, to := range path {
		_, err := h.store.MoveEvent(ctx(h.t), connectors.Move{EventID: id, To: to,
			Actor: "worker:1", Reason: "boom: upstream 502"})
		if err != nil {
			h.t.Fatalf("move: %v", err)
		}
	}
	return id
}

// browser is an HTTP client with its own cookies that does not follow
// redirects, so that tests see them.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (h *hub) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: h.t, base: h.srv.URL, c: &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

type answer struct {
	status   int
	body     string
	header   http.Header
	location string
}

func (b *browser) do(req *http.Request) answer {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, string(body), resp.Header,
		resp.Header.Get("Location")}
}

func (b *browser) get(path string) answer {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

// post sends a form as it is: the caller adds the CSRF token or not.
func (b *browser) post(path string, form url.Values) answer {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the CSRF token from the page at path.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	a := b.get(path)
	m := csrfRE.FindStringSubmatch(a.body)
	if m == nil {
		b.t.Fatalf("no CSRF token on %s (status %d)", path, a.status)
	}
	return m[1]
}

// submit posts form to path with the CSRF token of page.
func (b *browser) submit(page, path string, form url.Values) answer {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", b.csrf(page))
	return b.post(path, form)
}

func (b *browser) login(email string) {
	b.t.Helper()
	a := b.submit("/admin/login", "/admin/login",
		url.Values{"email": {email}, "password": {password}})
	if a.status != http.StatusSeeOther || a.location != "/admin/" {
		b.t.Fatalf("login %s: got %d to %q, want 303 to /admin/", email, a.status, a.location)
	}
}

func (h *hub) signedIn(email string, role connectors.Role, companies ...int64) *browser {
	h.t.Helper()
	h.user(email, role, companies...)
	b := h.browser()
	b.login(email)
	return b
}

func wantStatus(t *testing.T, a answer, want int) {
	t.Helper()
	if a.status != want {
		t.Fatalf("status: got %d, want %d; body:\n%.2000s", a.status, want, a.body)
	}
}

func wantIn(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("body lacks %q:\n%.3000s", p, body)
		}
	}
}

func wantNotIn(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(body, p) {
			t.Errorf("body holds %q, want it absent", p)
		}
	}
}
