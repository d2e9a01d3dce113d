package ingest

import (
	"context"
	"strings"
	"testing"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/requestlog"
)

// companyToken creates a token of company with the given sources and
// returns the params member that presents it.
func companyToken(t *testing.T, hb *hub, company int64,
	sources ...connectors.Source) (string, connectors.Token) {
	t.Helper()
	value, hash := connectors.GenerateToken()
	tok, err := hb.store.CreateToken(context.Background(), connectors.NewToken{
		CompanyID: company, Name: "test", Hash: hash, Sources: sources})
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	return `"token":"` + value.Reveal() + `"`, tok
}

func TestIngest_CompanyTokenPostsForItsCompanyOnly(t *testing.T) {
	t.Parallel()
	hb := newHub(t, 0)
	acme, err := hb.store.CreateCompany(context.Background(), "Acme")
	if err != nil {
		t.Fatalf("create company: %v", err)
	}
	token, tok := companyToken(t, hb, acme.ID)

	for _, c := range []struct {
		company string
		want    string // the result, or "" for stored
		cause   connectors.Cause
	}{
		{"", "", ""},
		{`"company_id":2`, "", ""},
		{`"company_id":1`, `{"ok":false,"error":"Token not allowed for company"}`,
			connectors.CauseWrongToken},
		{`"company_id":99`, `{"ok":false,"error":"Unknown company"}`,
			connectors.CauseUnknownCompany},
	} {
		a := hb.post(t, call(token, n8n, completed, c.company))
		if c.want != "" {
			if a.body != rpc(c.want, "1") {
				t.Errorf("%s: got %s, want %s", c.company, a.body, rpc(c.want, "1"))
			}
			if r := hb.rejection(t, a.header.Get(requestlog.HeaderID)); r.Cause != c.cause {
				t.Errorf("%s: rejection cause got %s, want %s", c.company, r.Cause, c.cause)
			}
			continue
		}
		id := storedID(t, a)
		ev, _ := hb.store.Event(context.Background(), id)
		if ev.CompanyID != acme.ID {
			t.Errorf("%s: event company got %d, want %d", c.company, ev.CompanyID, acme.ID)
		}
	}
	got, _ := hb.store.Token(context.Background(), tok.ID)
	if got.LastUsedAt.IsZero() {
		t.Errorf("last used: got never, want set")
	}
}

// storedID reads the event id of a stored answer.
func storedID(t *testing.T, a answer) int64 {
	t.Helper()
	var id int64
	rest, ok := strings.CutPrefix(a.body, `{"jsonrpc":"2.0","result":{"ok":true,"event_id":`)
	if !ok {
		t.Fatalf("answer: got %s, want stored", a.body)
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + int64(c-'0')
	}
	return id
}

func TestIngest_TokenLimitedToSourcesRefusesOthers(t *testing.T) {
	t.Parallel()
	hb := newHub(t, 0)
	token, _ := companyToken(t, hb, 1, connectors.SourceGitHub)
	storedID(t, hb.post(t, call(token, `"source":"GitHub"`, completed)))

	a := hb.post(t, call(token, n8n, completed))
	if want := rpc(refusal("Invalid token"), "1"); a.body != want {
		t.Errorf("other source: got %s, want %s", a.body, want)
	}
	r := hb.rejection(t, a.header.Get(requestlog.HeaderID))
	if r.Cause != connectors.CauseWrongToken || r.Detail != "token not allowed for this source" {
		t.Errorf("rejection: got %+v", r)
	}
}

func TestIngest_RevokedTokenRefused(t *testing.T) {
	t.Parallel()
	hb := newHub(t, 0)
	token, tok := companyToken(t, hb, 1)
	storedID(t, hb.post(t, call(token, n8n, completed)))
	if err := hb.store.RevokeToken(context.Background(), tok.ID); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	a := hb.post(t, call(token, n8n, completed))
	if want := rpc(refusal("Invalid token"), "1"); a.body != want {
		t.Errorf("revoked: got %s, want %s", a.body, want)
	}
	// The instance token keeps working beside company tokens.
	storedID(t, hb.post(t, call(goodToken, n8n, completed)))
}

func TestIngest_TokenUseWrittenOncePerMinute(t *testing.T) {
	t.Parallel()
	hb := newHub(t, 0)
	token, tok := companyToken(t, hb, 1)
	storedID(t, hb.post(t, call(token, n8n, completed)))
	first, _ := hb.store.Token(context.Background(), tok.ID)
	storedID(t, hb.post(t, call(token, n8n, completed)))
	second, _ := hb.store.Token(context.Background(), tok.ID)
	if first.LastUsedAt.IsZero() || !second.LastUsedAt.Equal(first.LastUsedAt) {
		t.Errorf("last used: got %v then %v, want set once and kept within the minute",
			first.LastUsedAt, second.LastUsedAt)
	}
	value := strings.TrimSuffix(strings.TrimPrefix(token, `"token":"`), `"`)
	if strings.Contains(hb.logs.String(), value) {
		t.Errorf("log holds the company token")
	}
}
