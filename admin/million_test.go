package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/admin"
	"github.com/ipai-ai/ipai-connectors/requestlog"
	"github.com/ipai-ai/ipai-connectors/sqlite"
)

// pageBudget is the most a page may take on the server with a million
// events stored.
const pageBudget = 200 * time.Millisecond

// TestMillion_PagesWithinBudget times the pages over real HTTP on a large
// store that IPAI_MILLION_DB names, made beforehand with
//
//	ipai-connectors seed --events 1000000 --company 1 --company 2 --db FILE
//
// Each page is fetched several times; the median must stay within
// pageBudget. It is skipped without the variable: seeding a million
// events takes minutes.
func TestMillion_PagesWithinBudget(t *testing.T) {
	path := os.Getenv("IPAI_MILLION_DB")
	if path == "" {
		t.Skip("set IPAI_MILLION_DB to a seeded store to measure the pages")
	}
	ctx := context.Background()
	store, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer store.Close()
	h, err := admin.New(store, admin.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(requestlog.Middleware(mux, discard(), nil))
	defer srv.Close()
	hb := &hub{t: t, store: store, handler: h, srv: srv}

	for _, u := range []struct {
		email string
		role  connectors.Role
		ids   []int64
	}{
		{"bench-admin@example.com", connectors.RoleAdmin, nil},
		{"bench-manager@example.com", connectors.RoleManager, []int64{1}},
	} {
		if _, _, err := store.UserPassword(ctx, u.email); err != nil {
			hash, _ := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
			_, err := store.CreateUser(ctx, connectors.NewUser{Email: u.email,
				Role: u.role, CompanyIDs: u.ids, PasswordHash: hash})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	root, manager := hb.browser(), hb.browser()
	root.login("bench-admin@example.com")
	manager.login("bench-manager@example.com")

	last, _ := store.LastChange(ctx)
	oldest, _ := store.Events(ctx, connectors.EventFilter{BeforeID: 1000, Limit: 1})
	deep := last.LastID / 1000 // about the millionth event of a million
	for _, p := range []struct {
		name string
		b    *browser
		path string
	}{
		{"list, first page", root, "/admin/events"},
		{"list, deep cursor", root, fmt.Sprintf("/admin/events?before=%d", deep)},
		{"list, failed", root, "/admin/events?state=failed"},
		{"list, failed, deep cursor", root, fmt.Sprintf("/admin/events?state=failed&before=%d", deep)},
		{"list, slack this week", root, "/admin/events?source=slack&range=week"},
		{"list, date range", root, "/admin/events?from=" +
			time.Now().UTC().AddDate(0, 0, -20).Format(time.DateOnly) + "&to=" +
			time.Now().UTC().AddDate(0, 0, -19).Format(time.DateOnly)},
		{"list, failed, date range", root, "/admin/events?state=failed&from=" +
			time.Now().UTC().AddDate(0, 0, -20).Format(time.DateOnly)},
		{"list, one company", manager, "/admin/events"},
		{"list, one company, failed", manager, "/admin/events?state=failed"},
		{"search, common word", root, "/admin/events?q=zebra"},
		{"search, common word, deep cursor", root, fmt.Sprintf("/admin/events?q=zebra&before=%d", deep)},
		{"search, one ref", root, "/admin/events?q=" + oldest[0].Ref},
		{"search, word and state", root, "/admin/events?q=refunded&state=failed"},
		{"search, no match", root, "/admin/events?q=nowhere"},
		{"group by state", root, "/admin/events?group=state"},
		{"group by source", root, "/admin/events?group=source"},
		{"group by day", root, "/admin/events?group=day"},
		{"group by event type", root, "/admin/events?group=event_type"},
		{"dashboard", root, "/admin/"},
		{"dashboard, one company", manager, "/admin/"},
		{"event page", root, fmt.Sprintf("/admin/events/%d", oldest[0].ID)},
	} {
		median, worst := timePage(t, p.b, p.path)
		t.Logf("%-34s median %6.1f ms  max %6.1f ms", p.name,
			ms(median), ms(worst))
		if median > pageBudget {
			t.Errorf("%s (%s): median %v, want at most %v", p.name, p.path, median, pageBudget)
		}
	}

	// The live pages' poll runs every second while one is open.
	var polls []time.Duration
	for range 7 {
		start := time.Now()
		if _, err := store.LastChange(ctx); err != nil {
			t.Fatal(err)
		}
		polls = append(polls, time.Since(start))
	}
	slices.Sort(polls)
	t.Logf("%-34s median %6.1f ms", "live poll (last change)", ms(polls[3]))
	if polls[3] > 10*time.Millisecond {
		t.Errorf("live poll: median %v, want at most 10ms", polls[3])
	}
}

// timePage fetches a page seven times and returns the median and the
// slowest time to its last byte.
func timePage(t *testing.T, b *browser, path string) (time.Duration, time.Duration) {
	t.Helper()
	var times []time.Duration
	for range 7 {
		start := time.Now()
		a := b.get(path)
		times = append(times, time.Since(start))
		if a.status != http.StatusOK {
			t.Fatalf("GET %s: %d", path, a.status)
		}
	}
	slices.Sort(times)
	return times[len(times)/2], times[len(times)-1]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
