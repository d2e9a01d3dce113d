package admin_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/admin"
	"github.com/ipai-ai/ipai-connectors/requestlog"
	"github.com/ipai-ai/ipai-connectors/sqlite"
)

// clock is a time that a test moves by hand.
type clock struct {
	mu sync.Mutex
	at time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(d)
}

// newClockedHub is newHub on clk's time, behind a proxy on the loopback
// that is trusted to name the client in X-Forwarded-For.
func newClockedHub(t *testing.T, clk *clock) *hub {
	t.Helper()
	store, err := sqlite.Open(context.Background(),
		filepath.Join(t.TempDir(), "hub.db"), nil)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	h, err := admin.New(store, admin.Config{BcryptCost: bcrypt.MinCost,
		Now: clk.now, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatalf("admin.New: %v", err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	proxy := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	srv := httptest.NewServer(requestlog.Middleware(mux, discard(), proxy))
	t.Cleanup(func() {
		h.Close()
		srv.Close()
		store.Close()
	})
	return &hub{t: t, store: store, handler: h, srv: srv}
}

// attempt is one sign-in, ready to send: its form carries the CSRF token
// of its own browser's sign-in page.
type attempt struct {
	b   *browser
	req *http.Request
}

func (b *browser) attemptAs(email, pw, from string) attempt {
	b.t.Helper()
	form := url.Values{"email": {email}, "password": {pw},
		"csrf": {b.csrf("/admin/login")}}
	req, _ := http.NewRequest("POST", b.base+"/admin/login",
		strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if from != "" {
		req.Header.Set("X-Forwarded-For", from)
	}
	return attempt{b, req}
}

// sendAll sends the sign-ins at once and counts the answers by status.
func sendAll(t *testing.T, list []attempt) map[int]int {
	t.Helper()
	statuses := make([]int, len(list))
	errs := make([]error, len(list))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, s := range list {
		wg.Go(func() {
			<-start
			resp, err := s.b.c.Do(s.req)
			if err != nil {
				errs[i] = err
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	close(start)
	wg.Wait()
	count := make(map[int]int)
	for i, st := range statuses {
		if errs[i] != nil {
			t.Fatalf("sign-in %d: %v", i, errs[i])
		}
		count[st]++
	}
	return count
}

func TestLogin_ParallelWrongPasswordsFromOneAddressLimited(t *testing.T) {
	t.Parallel()
	clk := &clock{at: time.Now()}
	h := newClockedHub(t, clk)
	h.user("ann@example.com", connectors.RoleViewer)
	var list []attempt
	for range 40 {
		list = append(list, h.browser().attemptAs("ann@example.com",
			"wrong password", ""))
	}
	got := sendAll(t, list)
	want := map[int]int{http.StatusUnauthorized: 5,
		http.StatusTooManyRequests: 35}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("40 wrong sign-ins at once: got %v, want %v", got, want)
	}

	// The right password waits too, until the window has passed.
	right := func() int {
		return sendAll(t, []attempt{h.browser().attemptAs("ann@example.com",
			password, "")})[http.StatusSeeOther]
	}
	clk.add(15*time.Minute - time.Second)
	if right() != 0 {
		t.Fatalf("right password within the window: got signed in, want 429")
	}
	clk.add(2 * time.Second)
	if right() != 1 {
		t.Fatalf("right password after the window: got refused, want signed in")
	}

	rej, err := h.store.Rejections(ctx(t), connectors.RejectionFilter{
		Cause: connectors.CauseFailedLogin, Limit: 100})
	if err != nil || len(rej) != 5 {
		t.Errorf("failed sign-ins recorded: got %d (%v), want 5", len(rej), err)
	}
}

// TestLogin_GuessesAtOneEmailFromManyAddressesLimited guesses at one
// e-mail from many addresses: once the e-mail has had emailBurst
// failures, an address that already failed gets no second guess, while
// an address with no failure, the owner's most likely, may still sign in.
func TestLogin_GuessesAtOneEmailFromManyAddressesLimited(t *testing.T) {
	t.Parallel()
	clk := &clock{at: time.Now()}
	h := newClockedHub(t, clk)
	h.user("ann@example.com", connectors.RoleViewer)
	guess := func(email, pw, from string) map[int]int {
		return sendAll(t, []attempt{h.browser().attemptAs(email, pw, from)})
	}
	for i := range 10 { // the e-mail's burst, each address once
		email := "ann@example.com"
		if i%2 == 1 {
			email = "ANN@example.com" // the same user
		}
		if got := guess(email, "wrong password", fmt.Sprintf("192.0.2.%d", i+1)); got[http.StatusUnauthorized] != 1 {
			t.Fatalf("guess %d: got %v, want 401", i, got)
		}
	}
	if got := guess("ann@example.com", "wrong password", "192.0.2.1"); got[http.StatusTooManyRequests] != 1 {
		t.Errorf("a second guess from an address that failed: got %v, want 429", got)
	}
	if got := guess("ann@example.com", password, "198.51.100.7"); got[http.StatusSeeOther] != 1 {
		t.Errorf("the owner from a clean address: got %v, want signed in", got)
	}
}

// TestLogin_SuccessesDoNotCountAgainstTheAddress signs in twelve times
// in a row from one address: each success gives its reserved attempt
// back, so none is refused. (Sign-ins sent all at once are another
// matter: more than five in flight from one address could all be wrong,
// and the sixth waits its turn with 429.)
func TestLogin_SuccessesDoNotCountAgainstTheAddress(t *testing.T) {
	t.Parallel()
	clk := &clock{at: time.Now()}
	h := newClockedHub(t, clk)
	h.user("ann@example.com", connectors.RoleViewer)
	got := map[int]int{}
	for range 12 {
		a := h.browser().attemptAs("ann@example.com", password, "")
		for status, n := range sendAll(t, []attempt{a}) {
			got[status] += n
		}
	}
	if want := map[int]int{http.StatusSeeOther: 12}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("12 right sign-ins from one address: got %v, want %v", got, want)
	}
}
