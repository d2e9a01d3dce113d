package admin_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// newBrowser starts a headless Chromium for one test. Without one the
// test is skipped, except in CI, where a missing browser is a failure.
func newBrowser(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	path, err := exec.LookPath(chromiumPath)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium not found at %s: CI must install it", chromiumPath)
		}
		t.Skipf("chromium not found at %s", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	ctx, cancel := context.WithTimeout(bctx, timeout)
	t.Cleanup(func() {
		cancel()
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// run runs browser actions, failing the test with what was being done.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	var s string
	run(t, ctx, "read "+sel, chromedp.Text(sel, &s, chromedp.ByQuery))
	return strings.TrimSpace(s)
}

func waitFor(js string) chromedp.Action {
	return chromedp.Poll(js, nil, chromedp.WithPollingInterval(50*time.Millisecond))
}

// liveReady waits until the page's live stream is open and the server
// has read where events stand, so that a change made next is reported.
func liveReady() chromedp.Tasks {
	return chromedp.Tasks{
		waitFor(`typeof source !== "undefined" && source.readyState === 1`),
		chromedp.Sleep(300 * time.Millisecond),
	}
}

func signIn(base, email string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(base + "/admin/login"),
		chromedp.WaitVisible("#login-form", chromedp.ByQuery),
		chromedp.SendKeys("#email", email, chromedp.ByQuery),
		chromedp.SendKeys("#password", password, chromedp.ByQuery),
		chromedp.Click("#sign-in", chromedp.ByQuery),
		chromedp.WaitVisible("#by-state", chromedp.ByQuery),
	}
}

func signOut() chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Click("#logout", chromedp.ByQuery),
		chromedp.WaitVisible("#login-form", chromedp.ByQuery),
	}
}

// TestBrowser_OperatorJourney drives a real browser through what an
// operator does, in order, on one hub.
func TestBrowser_OperatorJourney(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	ctx := newBrowser(t, 2*time.Minute)
	base := h.srv.URL

	// First run: the setup link creates the first admin and signs in.
	setup, err := h.handler.SetupPath(ctx)
	if err != nil || setup == "" {
		t.Fatalf("SetupPath: got %q, %v", setup, err)
	}
	run(t, ctx, "first-run setup",
		chromedp.Navigate(base+setup),
		chromedp.WaitVisible("#setup-form", chromedp.ByQuery),
		chromedp.SendKeys("#email", "root@example.com", chromedp.ByQuery),
		chromedp.SendKeys("#password", password, chromedp.ByQuery),
		chromedp.Click("#create-admin", chromedp.ByQuery),
		chromedp.WaitVisible("#by-state", chromedp.ByQuery))
	if got := text(t, ctx, "#whoami"); got != "root@example.com · admin" {
		t.Errorf("signed in as: got %q, want root@example.com · admin", got)
	}
	run(t, ctx, "sign out after setup", signOut())

	acme := h.company("Acme")
	h.user("max@example.com", connectors.RoleManager, 1)
	h.user("vic@example.com", connectors.RoleViewer, 1)
	failed := h.event(1, "invoice.paid", "inv_7", `{"customer":"Zebra Corp"}`,
		"processing", "failed")
	fresh := h.event(1, "push", "main", `{"customer":"Lion"}`)
	bulkA := h.event(1, "push", "b1", `{}`)
	bulkB := h.event(1, "push", "b2", `{}`)
	evil := h.event(1, "push", "evil",
		`{"html":"<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">"}`)
	foreign := h.event(acme.ID, "push", "acme", `{"secret":"acme-only"}`)

	run(t, ctx, "sign in as a manager", signIn(base, "max@example.com"))

	// Live: a new event shows on the dashboard without a reload.
	run(t, ctx, "dashboard listens", liveReady())
	before := text(t, ctx, "#count-total")
	h.event(1, "ping", "live", `{}`)
	run(t, ctx, "dashboard updates live",
		waitFor(fmt.Sprintf(`document.getElementById("count-total").textContent !== %q`, before)))

	// Live: so does a new event on the list's first page.
	fresh2 := h.event(1, "ping", "live-list", `{}`)
	run(t, ctx, "list before the next event", chromedp.Navigate(base+"/admin/events"),
		chromedp.WaitVisible(fmt.Sprintf("#event-%d", fresh2), chromedp.ByQuery),
		liveReady())
	late := h.event(1, "ping", "live-list-2", `{}`)
	run(t, ctx, "list updates live",
		chromedp.WaitVisible(fmt.Sprintf("#event-%d", late), chromedp.ByQuery))

	// The list with a filter, then a search.
	run(t, ctx, "filter the list by state",
		chromedp.Navigate(base+"/admin/events"),
		chromedp.WaitVisible("#filters", chromedp.ByQuery),
		chromedp.SetValue("#f-state", "failed", chromedp.ByQuery),
		chromedp.Click("#apply", chromedp.ByQuery),
		chromedp.WaitReady(`#f-state option[value="failed"][selected]`, chromedp.ByQuery))
	if got := rowCount(t, ctx); got != 1 {
		t.Errorf("failed events listed: got %d, want 1", got)
	}
	run(t, ctx, "search the payloads",
		chromedp.Navigate(base+"/admin/events"),
		chromedp.WaitVisible("#f-q", chromedp.ByQuery),
		chromedp.SendKeys("#f-q", "lion", chromedp.ByQuery),
		chromedp.Click("#apply", chromedp.ByQuery),
		chromedp.WaitReady(`#f-q[value="lion"]`, chromedp.ByQuery))
	if got := rowCount(t, ctx); got != 1 {
		t.Errorf("search results: got %d, want 1", got)
	}

	// Open the failed event from the list and retry it.
	run(t, ctx, "open and retry the failed event",
		chromedp.Navigate(base+"/admin/events?state=failed"),
		chromedp.Click(fmt.Sprintf("#event-%d a", failed), chromedp.ByQuery),
		chromedp.WaitVisible("#error-message", chromedp.ByQuery),
		chromedp.Click("#move-received", chromedp.ByQuery),
		chromedp.WaitReady("#state.state-received", chromedp.ByQuery))
	wantState(t, h, failed, connectors.StateReceived)

	run(t, ctx, "ignore an event",
		chromedp.Navigate(fmt.Sprintf("%s/admin/events/%d", base, fresh)),
		chromedp.Click("#move-ignored", chromedp.ByQuery),
		chromedp.WaitReady("#state.state-ignored", chromedp.ByQuery))
	wantState(t, h, fresh, connectors.StateIgnored)

	run(t, ctx, "ignore two events at once",
		chromedp.Navigate(base+"/admin/events?q=push"),
		chromedp.Click(fmt.Sprintf(`#event-%d input.pick`, bulkA), chromedp.ByQuery),
		chromedp.Click(fmt.Sprintf(`#event-%d input.pick`, bulkB), chromedp.ByQuery),
		chromedp.Click("#bulk-ignore", chromedp.ByQuery),
		chromedp.WaitVisible("#bulk-result", chromedp.ByQuery))
	if got := text(t, ctx, "#bulk-result"); got != "2 moved, 0 skipped." {
		t.Errorf("bulk result: got %q, want 2 moved, 0 skipped.", got)
	}
	wantState(t, h, bulkA, connectors.StateIgnored)
	wantState(t, h, bulkB, connectors.StateIgnored)

	// A payload holding a script and an image with a handler stays text.
	var pwned bool
	run(t, ctx, "open the event with a script in its payload",
		chromedp.Navigate(fmt.Sprintf("%s/admin/events/%d", base, evil)),
		chromedp.WaitVisible("#payload", chromedp.ByQuery),
		chromedp.Sleep(200*time.Millisecond),
		chromedp.Evaluate(`window.pwned !== undefined ||
			document.querySelector("#payload script, #payload img") !== null`, &pwned))
	if pwned {
		t.Errorf("the payload's markup ran or was parsed as markup")
	}
	if got := text(t, ctx, "#payload"); !strings.Contains(got, "<script>window.pwned=1</script>") {
		t.Errorf("payload text: got %q, want the script shown as text", got)
	}

	// A form posted without its CSRF token is refused.
	run(t, ctx, "post the notes form without its token",
		chromedp.Evaluate(`document.querySelector("#notes-form input[name=csrf]").remove()`, nil),
		chromedp.SetValue("#notes", "forged", chromedp.ByQuery),
		chromedp.Click("#save-notes", chromedp.ByQuery),
		chromedp.WaitVisible("#message", chromedp.ByQuery))
	if got := text(t, ctx, "h1"); got != "Forbidden" {
		t.Errorf("post without a CSRF token: got page %q, want Forbidden", got)
	}
	if ev, _ := h.store.Event(ctx, evil); ev.Notes != "" {
		t.Errorf("notes after a forged post: got %q, want none", ev.Notes)
	}

	// A user of one company cannot open another company's event by URL.
	run(t, ctx, "open another company's event by its URL",
		chromedp.Navigate(fmt.Sprintf("%s/admin/events/%d", base, foreign)),
		chromedp.WaitVisible("#message", chromedp.ByQuery))
	if got := text(t, ctx, "#message"); got != "No such event." {
		t.Errorf("another company's event: got %q, want No such event.", got)
	}
	run(t, ctx, "sign out the manager", chromedp.Navigate(base+"/admin/"), signOut())

	// A viewer sees the event but no way to act on it, and a move posted
	// with the viewer's own valid token is refused.
	var status int
	run(t, ctx, "viewer opens an event",
		signIn(base, "vic@example.com"),
		chromedp.Navigate(fmt.Sprintf("%s/admin/events/%d", base, failed)),
		chromedp.WaitVisible("#payload", chromedp.ByQuery),
		chromedp.Evaluate(fmt.Sprintf(`(async () => {
			const csrf = document.querySelector("input[name=csrf]").value;
			const r = await fetch("/admin/events/%d/move", {method: "POST",
				body: new URLSearchParams({csrf: csrf, to: "ignored"})});
			return r.status;
		})()`, failed), &status, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
			return p.WithAwaitPromise(true)
		}))
	var buttons int
	run(t, ctx, "count the viewer's buttons",
		chromedp.Evaluate(`document.querySelectorAll("#actions button, #notes-form").length`, &buttons))
	if buttons != 0 || status != 403 {
		t.Errorf("viewer: got %d buttons and a move answered %d, want none and 403",
			buttons, status)
	}
	wantState(t, h, failed, connectors.StateReceived)

	run(t, ctx, "sign out the viewer", signOut())
	var cookies string
	run(t, ctx, "no session after sign-out",
		chromedp.Navigate(base+"/admin/events"),
		chromedp.WaitVisible("#login-form", chromedp.ByQuery),
		chromedp.Evaluate(`document.cookie`, &cookies))
	if strings.Contains(cookies, "ipai_session") {
		t.Errorf("cookies readable by script: %q, want the session HttpOnly", cookies)
	}
}

func rowCount(t *testing.T, ctx context.Context) int {
	t.Helper()
	var n int
	run(t, ctx, "count rows",
		chromedp.Evaluate(`document.querySelectorAll("#events tbody tr[id]").length`, &n))
	return n
}

func wantState(t *testing.T, h *hub, id int64, want connectors.State) {
	t.Helper()
	ev, err := h.store.Event(context.Background(), id)
	if err != nil || ev.State != want {
		t.Errorf("event %d: got %s (%v), want %s", id, ev.State, err, want)
	}
}
