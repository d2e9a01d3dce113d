package hooks_test

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/hooks"
	"github.com/ipai-ai/ipai-connectors/verify"
)

const githubSecret = "gh-secret-0123456789abcdef"

// githubIssue is shaped as GitHub sends an issues delivery, trimmed.
const githubIssue = `{"action":"opened","issue":{"number":7,"title":"Bug"},` +
	`"repository":{"id":1296269,"full_name":"octocat/Hello-World"},` +
	`"sender":{"login":"octocat"}}`

func githubHeaders(event, delivery, contentType, body string) map[string][]string {
	return headers("Content-Type", contentType, "X-GitHub-Event", event,
		"X-GitHub-Delivery", delivery, "User-Agent", "GitHub-Hookshot/abc",
		"X-Hub-Signature-256", "sha256="+hmacHex(githubSecret, body))
}

func TestHook_GitHubJSONStoredWithItsDelivery(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{})
	c := h.connect(connectors.ProviderGitHub, githubSecret)

	hdr := githubHeaders("issues", "72d3162e-cc78-11e3-81ab-4c9367dc0958",
		"application/json", githubIssue)
	status, body, _ := h.post(c.HookPath(), hdr, []byte(githubIssue))
	wantAnswer(t, status, body, 201, stored(1, false))

	e := h.events()[0]
	if e.Source != connectors.SourceGitHub || e.SourceName != "github" ||
		e.EventType != "issues.opened" || e.Ref != "octocat/Hello-World" ||
		string(e.Payload) != githubIssue {
		t.Fatalf("event: got %s %s %s %s %s", e.Source, e.SourceName,
			e.EventType, e.Ref, e.Payload)
	}
	d, err := h.store.Delivery(context.Background(), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(d.Body) != githubIssue || d.Path != c.HookPath() ||
		d.Header.Get("X-Hub-Signature-256") != hdr["X-Hub-Signature-256"][0] {
		t.Fatalf("delivery: got %s %q %q, want the request as sent", d.Path,
			d.Body, d.Header.Get("X-Hub-Signature-256"))
	}
	// The kept delivery can be verified again.
	err = verify.GitHub([][]byte{[]byte(githubSecret)},
		d.Header.Get("X-Hub-Signature-256"), d.Body)
	if err != nil {
		t.Fatalf("re-check of the kept delivery: got %v, want nil", err)
	}
}

func TestHook_GitHubFormPayloadAndPing(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{})
	c := h.connect(connectors.ProviderGitHub, githubSecret)

	ping := `{"zen":"Keep it logically awesome.","hook_id":1}`
	form := "payload=" + url.QueryEscape(ping)
	status, body, _ := h.post(c.HookPath(), githubHeaders("ping", "d-1",
		"application/x-www-form-urlencoded", form), []byte(form))
	wantAnswer(t, status, body, 201, stored(1, false))

	e := h.events()[0]
	if e.EventType != "ping" || string(e.Payload) != ping {
		t.Fatalf("got %s %s, want ping %s", e.EventType, e.Payload, ping)
	}
}

func TestHook_GitHubRedeliveryAnswersTheFirstEvent(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{})
	c := h.connect(connectors.ProviderGitHub, githubSecret)
	hdr := githubHeaders("issues", "d-42", "application/json", githubIssue)

	status, body, _ := h.post(c.HookPath(), hdr, []byte(githubIssue))
	wantAnswer(t, status, body, 201, stored(1, false))
	status, body, _ = h.post(c.HookPath(), hdr, []byte(githubIssue))
	wantAnswer(t, status, body, 200, stored(1, true))
	if n := len(h.events()); n != 1 {
		t.Fatalf("events: got %d, want 1", n)
	}
}

func TestHook_GitHubConcurrentCopiesStoredOnce(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{})
	c := h.connect(connectors.ProviderGitHub, githubSecret)
	hdr := githubHeaders("issues", "d-same", "application/json", githubIssue)

	const copies = 16
	answers := make([]string, copies)
	var wg sync.WaitGroup
	for i := range copies {
		wg.Go(func() {
			_, answers[i], _ = h.post(c.HookPath(), hdr, []byte(githubIssue))
		})
	}
	wg.Wait()
	created := 0
	for _, a := range answers {
		switch a {
		case stored(1, false):
			created++
		case stored(1, true):
		default:
			t.Errorf("answer: got %q, want event 1", a)
		}
	}
	if created != 1 || len(h.events()) != 1 {
		t.Fatalf("created %d times, %d events stored; want 1 and 1", created,
			len(h.events()))
	}
}

func TestHook_GitHubTamperingRefusedAndRecorded(t *testing.T) {
	t.Parallel()
	tampered := []byte(githubIssue)
	tampered[10] ^= 1
	cases := []struct {
		name   string
		header map[string][]string
		body   []byte
	}{
		{"body changed by one byte", githubHeaders("issues", "d", "application/json", githubIssue), tampered},
		{"wrong secret", headers("Content-Type", "application/json", "X-GitHub-Event", "issues",
			"X-Hub-Signature-256", "sha256="+hmacHex("other", githubIssue)), []byte(githubIssue)},
		{"no signature", headers("Content-Type", "application/json", "X-GitHub-Event", "issues"), []byte(githubIssue)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, hooks.Config{})
			c := h.connect(connectors.ProviderGitHub, githubSecret)
			status, body, _ := h.post(c.HookPath(), tc.header, tc.body)
			wantAnswer(t, status, body, 401, `{"error":{"code":"unauthorized",`+
				`"message":"the signature does not verify"}}`+"\n")
			h.wantRejected(connectors.CauseBadSignature)
			if n := len(h.events()); n != 0 {
				t.Fatalf("events: got %d, want 0", n)
			}
		})
	}
}

const slackSecret = "8f742231b10e8888abcd99yyyzzz85a5"

func slackHeaders(at time.Time, contentType, body string) map[string][]string {
	ts := unix(at)
	return headers("Content-Type", contentType,
		"X-Slack-Request-Timestamp", ts,
		"X-Slack-Signature", "v0="+hmacHex(slackSecret, "v0:"+ts+":"+body))
}

func TestHook_SlackURLVerificationAnsweredNotStored(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{})
	c := h.connect(connectors.ProviderSlack, slackSecret)
	body := `{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":` +
		`"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",` +
		`"type":"url_verification"}`
	status, got, _ := h.post(c.HookPath(),
		slackHeaders(time.Now(), "application/json", body), []byte(body))
	wantAnswer(t, status, got, 200,
		`{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}`+"\n")
	if n := len(h.events()); n != 0 {
		t.Fatalf("events: got %d, want 0", n)
	}
}

func TestHook_SlackEventsCommandsAndInteractionsStored(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{})
	c := h.connect(connectors.ProviderSlack, slackSecret)
	callback := `{"token":"x","team_id":"T061EG9R6","api_app_id":"A0PNCHHK2",` +
		`"event":{"type":"app_mention","user":"U061F7AUR","text":"hi"},` +
		`"type":"event_callback","event_id":"Ev0PV52K25","event_time":1}`
	command := "team_id=T0001&command=%2Fweather&text=94070&trigger_id=13345224609.738474920.8088930838d88f008e0"
	interactive := "payload=" + url.QueryEscape(`{"type":"block_actions",`+
		`"team":{"id":"T0001"},"trigger_id":"12466734323.1395872398",`+
		`"actions":[{"action_id":"approve"}]}`)

	sends := []struct{ contentType, body string }{
		{"application/json", callback},
		{"application/x-www-form-urlencoded", command},
		{"application/x-www-form-urlencoded", interactive},
		{"application/json", callback}, // Slack's retry: the same event_id
	}
	for _, s := range sends {
		status, got, _ := h.post(c.HookPath(),
			slackHeaders(time.Now(), s.contentType, s.body), []byte(s.body))
		wantAnswer(t, status, got, 200, "")
	}

	events := h.events()
	want := []struct{ eventType, ref, payload string }{
		{"interactive.block_actions", "T0001", `{"type":"block_actions",` +
			`"team":{"id":"T0001"},"trigger_id":"12466734323.1395872398",` +
			`"actions":[{"action_id":"approve"}]}`},
		{"slash_command", "/weather", `{"command":"/weather","team_id":"T0001",` +
			`"text":"94070","trigger_id":"13345224609.738474920.8088930838d88f008e0"}`},
		{"app_mention", "T061EG9R6", callback},
	}
	if len(events) != len(want) {
		t.Fatalf("events: got %d, want %d", len(events), len(want))
	}
	for i, w := range want {
		e := events[i]
		if e.Source != connectors.SourceSlack || e.EventType != w.eventType ||
			e.Ref != w.ref || string(e.Payload) != w.payload {
			t.Errorf("event %d: got %s %q %q %s, want slack %q %q %s", i,
				e.Source, e.EventType, e.Ref, e.Payload, w.eventType, w.ref,
				w.payload)
		}
	}
}

func TestHook_SlackStaleOrFutureTimestampRefused(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{})
	c := h.connect(connectors.ProviderSlack, slackSecret)
	body := `{"type":"event_callback","event_id":"Ev1","event":{"type":"message"}}`
	for _, at := range []time.Time{time.Now().Add(-6 * time.Minute),
		time.Now().Add(6 * time.Minute)} {
		status, _, _ := h.post(c.HookPath(),
			slackHeaders(at, "application/json", body), []byte(body))
		if status != 401 {
			t.Errorf("timestamp %s: got %d, want 401", at, status)
		}
	}
	h.wantRejected(connectors.CauseStaleTimestamp, connectors.CauseStaleTimestamp)
}

const stripeSecret = "whsec_stripe_0123456789abcdef"

func stripeHeaders(at time.Time, body string) map[string][]string {
	ts := unix(at)
	return headers("Content-Type", "application/json; charset=utf-8",
		"Stripe-Signature", "t="+ts+",v1="+hmacHex(stripeSecret, ts+"."+body)+
			",v0=0000")
}

func TestHook_StripeStoredOnceAndStaleRefused(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{})
	c := h.connect(connectors.ProviderStripe, stripeSecret)
	body := `{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event",` +
		`"type":"payment_intent.succeeded",` +
		`"data":{"object":{"id":"pi_3NG8Du2eZvKYlo2C0","object":"payment_intent"}}}`

	status, got, _ := h.post(c.HookPath(), stripeHeaders(time.Now(), body), []byte(body))
	wantAnswer(t, status, got, 201, stored(1, false))
	status, got, _ = h.post(c.HookPath(), stripeHeaders(time.Now(), body), []byte(body))
	wantAnswer(t, status, got, 200, stored(1, true))
	status, _, _ = h.post(c.HookPath(),
		stripeHeaders(time.Now().Add(-10*time.Minute), body), []byte(body))
	if status != 401 {
		t.Fatalf("stale: got %d, want 401", status)
	}
	h.wantRejected(connectors.CauseStaleTimestamp)

	e := h.events()[0]
	if e.Source != connectors.SourceCustom || e.SourceName != "stripe" ||
		e.EventType != "payment_intent.succeeded" ||
		e.Ref != "pi_3NG8Du2eZvKYlo2C0" || string(e.Payload) != body {
		t.Fatalf("event: got %s %s %s %s", e.Source, e.SourceName,
			e.EventType, e.Ref)
	}
}

const standardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func standardHeaders(t *testing.T, id string, at time.Time, body string,
	keys ...string) map[string][]string {
	var sigs string
	for _, k := range keys {
		key, err := verify.StandardSecret(k)
		if err != nil {
			t.Fatal(err)
		}
		sigs += " v1," + hmacBase64(key, id+"."+unix(at)+"."+body)
	}
	return headers("Content-Type", "application/json", "webhook-id", id,
		"webhook-timestamp", unix(at), "webhook-signature", sigs[1:])
}

func TestHook_StandardWebhooksRotationOverlap(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{})
	c := h.connect(connectors.ProviderStandard, standardSecret)
	next := "whsec_" + "bmV4dCBzZWNyZXQgb2YgMzIgYnl0ZXMhISEhISEhISE="

	// The sender signs with both secrets while it rotates.
	body := `{"type":"invoice.paid","data":{"id":"in_1"}}`
	status, got, _ := h.post(c.HookPath(),
		standardHeaders(t, "msg_1", time.Now(), body, next, standardSecret),
		[]byte(body))
	wantAnswer(t, status, got, 201, stored(1, false))

	// The hub rotates with an hour of overlap: the old secret still works.
	_, err := h.store.RotateConnection(context.Background(), connectors.Rotation{
		ConnectionID: c.ID, SealedSecret: h.box.Seal(c.Slug, connectors.Secret(next)),
		PreviousUntil: time.Now().Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, key := range []string{standardSecret, next} {
		id := "msg_" + string(rune('2'+i))
		status, got, _ = h.post(c.HookPath(),
			standardHeaders(t, id, time.Now(), body, key), []byte(body))
		wantAnswer(t, status, got, 201, stored(int64(2+i), false))
	}

	// Once the overlap ends, only the new secret works.
	_, err = h.store.RotateConnection(context.Background(), connectors.Rotation{
		ConnectionID: c.ID, SealedSecret: h.box.Seal(c.Slug, connectors.Secret(next)),
	})
	if err != nil {
		t.Fatal(err)
	}
	status, _, _ = h.post(c.HookPath(),
		standardHeaders(t, "msg_9", time.Now(), body, standardSecret), []byte(body))
	if status != 401 {
		t.Fatalf("old secret after the overlap: got %d, want 401", status)
	}
	e := h.events()[0]
	if e.EventType != "invoice.paid" || e.SourceName != "standard" {
		t.Fatalf("event: got %s %s", e.EventType, e.SourceName)
	}
}

func TestHook_CustomTokenRedactedInDelivery(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{})
	c := h.connect(connectors.ProviderCustom, "custom-token-value-123",
		func(c *connectors.Connection) {
			c.Scheme = connectors.CustomScheme{Kind: connectors.SchemeToken,
				Header: "X-Shop-Key"}
		})
	body := `{"type":"order.created","id":5}`
	status, got, _ := h.post(c.HookPath(), headers("Content-Type",
		"application/json", "X-Shop-Key", "custom-token-value-123",
		"Idempotency-Key", "order-5"), []byte(body))
	wantAnswer(t, status, got, 201, stored(1, false))
	status, _, _ = h.post(c.HookPath(), headers("Content-Type",
		"application/json", "X-Shop-Key", "custom-token-value-124"), []byte(body))
	if status != 401 {
		t.Fatalf("wrong token: got %d, want 401", status)
	}

	d, err := h.store.Delivery(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Header.Get("X-Shop-Key"); got != "[redacted]" {
		t.Fatalf("kept token header: got %q, want [redacted]", got)
	}
	h.wantRejected(connectors.CauseBadSignature)
}

func TestHook_CustomHMAC(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{})
	c := h.connect(connectors.ProviderCustom, "hmac-secret",
		func(c *connectors.Connection) {
			c.Scheme = connectors.CustomScheme{Kind: connectors.SchemeHMAC,
				Header: "X-Signature", Algorithm: "sha256", Encoding: "hex"}
		})
	body := `{"event":"x"}`
	status, got, _ := h.post(c.HookPath(), headers("Content-Type",
		"application/json", "X-Signature", hmacHex("hmac-secret", body)),
		[]byte(body))
	wantAnswer(t, status, got, 201, stored(1, false))
	if e := h.events()[0]; e.EventType != "webhook" {
		t.Fatalf("event type: got %q, want webhook", e.EventType)
	}
}
