package admin_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/sqlite"
)

// TestScreenshots takes the README's screenshots from the real interface,
// on a store of seeded events, into the folder IPAI_SCREENSHOTS names:
//
//	IPAI_SCREENSHOTS=$PWD/docs/screenshots go test ./admin -run Screenshots
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("IPAI_SCREENSHOTS")
	if dir == "" {
		t.Skip("set IPAI_SCREENSHOTS to a folder to take the screenshots")
	}
	h := newHub(t)
	acme := h.company("Acme")
	err := h.store.Seed(ctx(t), sqlite.SeedOptions{Events: 4000, Seed: 3,
		Companies: []int64{1, acme.ID}})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	failed, _ := h.store.Events(ctx(t), connectors.EventFilter{State: "failed", Limit: 1})
	id := h.event(1, "invoice.paid", "inv_20931", `{"id":"evt_1Q2w3E","type":"invoice.paid",`+
		`"data":{"customer":"Zebra Corp","amount_due":129900,"currency":"eur",`+
		`"lines":[{"sku":"PLAN-PRO","qty":1},{"sku":"SEAT","qty":12}],"paid":true},`+
		`"livemode":false,"note":"<script>alert('shown as text')</script>"}`,
		"processing", "failed")
	h.store.SetNotes(ctx(t), id, "Customer asked for a resend; retry after the upstream fix.",
		"user:max@example.com")
	_ = failed

	h.user("max@example.com", connectors.RoleAdmin)
	bctx := newBrowser(t, 2*time.Minute)
	base := h.srv.URL
	run(t, bctx, "sign in", signIn(base, "max@example.com"))
	for name, path := range map[string]string{
		"dashboard.png": "/admin/",
		"events.png":    "/admin/events",
		"event.png":     fmt.Sprintf("/admin/events/%d", id),
	} {
		var png []byte
		run(t, bctx, "screenshot "+name,
			chromedp.Navigate(base+path),
			chromedp.WaitVisible("#live", chromedp.ByQuery),
			chromedp.CaptureScreenshot(&png))
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatalf("write %s: %v", name, err)
		}
	}
}
