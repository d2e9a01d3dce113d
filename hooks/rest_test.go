package hooks_test

import (
	"context"
	"strings"
	"testing"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/hooks"
)

func bearer(token string, kv ...string) map[string][]string {
	return headers(append([]string{"Content-Type", "application/json",
		"Authorization", "Bearer " + token}, kv...)...)
}

func TestREST_CreatesThenAnswersRepeatWithTheFirst(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{})
	body := `{"source":"n8n","event_type":"workflow.completed",` +
		`"ref":"wf_1","payload":{"n":12345678901234567890}}`
	hdr := bearer(testToken, "Idempotency-Key", "run-1")

	status, got, _ := h.post(hooks.EventsPath, hdr, []byte(body))
	wantAnswer(t, status, got, 201, stored(1, false))
	status, got, _ = h.post(hooks.EventsPath, hdr, []byte(body))
	wantAnswer(t, status, got, 200, stored(1, true))

	e := h.events()
	if len(e) != 1 || e[0].EventType != "workflow.completed" ||
		e[0].Ref != "wf_1" || string(e[0].Payload) != `{"n":12345678901234567890}` {
		t.Fatalf("events: got %+v", e)
	}
	d, _ := h.store.Delivery(context.Background(), 1)
	if got := d.Header.Get("Authorization"); got != "[redacted]" {
		t.Fatalf("kept Authorization: got %q, want [redacted]", got)
	}
}

func TestREST_RefusesWithStatusCodeAndCause(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{MaxBodyBytes: 200})
	ok := `{"source":"n8n","event_type":"x"}`
	cases := []struct {
		name   string
		header map[string][]string
		body   string
		status int
		want   string
		cause  connectors.Cause
	}{
		{"no token", headers("Content-Type", "application/json"), ok, 401,
			`{"error":{"code":"unauthorized","message":"a valid token is needed in Authorization: Bearer"}}`,
			connectors.CauseMissingToken},
		{"wrong token", bearer("nope"), ok, 401,
			`{"error":{"code":"unauthorized","message":"a valid token is needed in Authorization: Bearer"}}`,
			connectors.CauseWrongToken},
		{"not JSON type", headers("Authorization", "Bearer "+testToken,
			"Content-Type", "text/plain"), ok, 415,
			`{"error":{"code":"unsupported_media_type","message":"unsupported Content-Type: send application/json"}}`,
			connectors.CauseUnsupportedMedia},
		{"too large", bearer(testToken), `{"source":"` + strings.Repeat("n", 300) + `"}`, 413,
			`{"error":{"code":"too_large","message":"the body is over the limit of 200 bytes"}}`,
			connectors.CauseTooLarge},
		{"not an object", bearer(testToken), `[1]`, 400,
			`{"error":{"code":"malformed_body","message":"the body is not a JSON object"}}`,
			connectors.CauseMalformedBody},
		{"no source", bearer(testToken), `{"event_type":"x"}`, 400,
			`{"error":{"code":"invalid","message":"source is required"}}`,
			connectors.CauseInvalidParams},
		{"no event type", bearer(testToken), `{"source":"n8n"}`, 400,
			`{"error":{"code":"invalid","message":"event_type is required"}}`,
			connectors.CauseInvalidParams},
		{"unknown company", bearer(testToken), `{"source":"n8n","event_type":"x","company_id":99}`, 400,
			`{"error":{"code":"unknown_company","message":"company 99 does not exist"}}`,
			connectors.CauseUnknownCompany},
	}
	for _, tc := range cases {
		status, got, _ := h.post(hooks.EventsPath, tc.header, []byte(tc.body))
		if status != tc.status || got != tc.want+"\n" {
			t.Errorf("%s: got %d %s, want %d %s", tc.name, status, got,
				tc.status, tc.want)
		}
	}
	rej := h.rejections()
	if len(rej) != len(cases) {
		t.Fatalf("rejections: got %d, want %d", len(rej), len(cases))
	}
	for i, tc := range cases {
		if r := rej[len(rej)-1-i]; r.Cause != tc.cause {
			t.Errorf("%s: recorded %s, want %s", tc.name, r.Cause, tc.cause)
		}
	}
}

func TestREST_CompanyTokenPostsForItsCompanyOnly(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{})
	ctx := context.Background()
	acme, err := h.store.CreateCompany(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	value, hash := connectors.GenerateToken()
	_, err = h.store.CreateToken(ctx, connectors.NewToken{CompanyID: acme.ID,
		Hash: hash, Sources: []connectors.Source{connectors.SourceGitHub}})
	if err != nil {
		t.Fatal(err)
	}
	tok := value.Reveal()

	status, got, _ := h.post(hooks.EventsPath, bearer(tok),
		[]byte(`{"source":"github","event_type":"push"}`))
	wantAnswer(t, status, got, 201, stored(1, false))
	if e := h.events()[0]; e.CompanyID != acme.ID {
		t.Fatalf("company: got %d, want %d", e.CompanyID, acme.ID)
	}
	for body, want := range map[string]string{
		`{"source":"n8n","event_type":"push"}`: `{"error":{"code":"forbidden",` +
			`"message":"this token may not post for source \"n8n\""}}` + "\n",
		`{"source":"github","event_type":"push","company_id":1}`: `{"error":` +
			`{"code":"forbidden","message":"this token may not post for company 1"}}` + "\n",
	} {
		status, got, _ = h.post(hooks.EventsPath, bearer(tok), []byte(body))
		wantAnswer(t, status, got, 403, want)
	}
}
