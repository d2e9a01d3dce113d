package hooks_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/hooks"
	"github.com/ipai-ai/ipai-connectors/sqlite"
)

const (
	testKey   = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	testToken = "instance-token-0123456789"
)

// hub is a hooks handler on a real SQLite store, served over real HTTP.
type hub struct {
	t     *testing.T
	store *sqlite.Store
	box   *connectors.SecretBox
	url   string
}

func newHub(t *testing.T, cfg hooks.Config) *hub {
	t.Helper()
	store, err := sqlite.Open(context.Background(),
		filepath.Join(t.TempDir(), "hub.db"), nil)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	box, err := connectors.NewSecretBox(testKey)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Box, cfg.Token = box, testToken
	mux := http.NewServeMux()
	hooks.New(store, cfg).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		store.Close()
	})
	return &hub{t: t, store: store, box: box, url: srv.URL}
}

// connect creates a connection for provider with secret.
func (h *hub) connect(p connectors.Provider, secret string,
	change ...func(*connectors.Connection)) connectors.Connection {
	h.t.Helper()
	slug := connectors.GenerateSlug()
	c := connectors.Connection{
		CompanyID:    connectors.DefaultCompanyID,
		Provider:     p,
		Slug:         slug,
		SealedSecret: h.box.Seal(slug, connectors.Secret(secret)),
		Enabled:      true,
	}
	for _, f := range change {
		f(&c)
	}
	c, err := h.store.CreateConnection(context.Background(), c)
	if err != nil {
		h.t.Fatalf("CreateConnection: %v", err)
	}
	return c
}

// post sends body with headers to path and returns the status and body.
func (h *hub) post(path string, header http.Header, body []byte) (int, string, http.Header) {
	h.t.Helper()
	return h.send(http.MethodPost, path, header, bytes.NewReader(body))
}

func (h *hub) send(method, path string, header http.Header, body io.Reader) (int, string, http.Header) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.url+path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// events returns every stored event, newest first.
func (h *hub) events() []connectors.Event {
	h.t.Helper()
	list, err := h.store.Events(context.Background(), connectors.EventFilter{})
	if err != nil {
		h.t.Fatal(err)
	}
	return list
}

// rejections returns every recorded rejection, newest first.
func (h *hub) rejections() []connectors.Rejection {
	h.t.Helper()
	list, err := h.store.Rejections(context.Background(),
		connectors.RejectionFilter{Limit: 1000})
	if err != nil {
		h.t.Fatal(err)
	}
	return list
}

// wantAnswer fails unless the answer has the given status and body.
func wantAnswer(t *testing.T, status int, body string, wantStatus int, wantBody string) {
	t.Helper()
	if status != wantStatus || body != wantBody {
		t.Fatalf("got %d %q, want %d %q", status, body, wantStatus, wantBody)
	}
}

// wantRejected fails unless exactly the given causes were recorded,
// newest first.
func (h *hub) wantRejected(causes ...connectors.Cause) {
	h.t.Helper()
	got := h.rejections()
	if len(got) != len(causes) {
		h.t.Fatalf("rejections: got %d (%+v), want %d", len(got), got, len(causes))
	}
	for i, r := range got {
		if r.Cause != causes[i] {
			h.t.Errorf("rejection %d: got cause %q (%s), want %q", i, r.Cause,
				r.Detail, causes[i])
		}
	}
}

func hmacHex(secret string, parts ...string) string {
	m := hmac.New(sha256.New, []byte(secret))
	for _, p := range parts {
		m.Write([]byte(p))
	}
	return hex.EncodeToString(m.Sum(nil))
}

func hmacBase64(key []byte, parts ...string) string {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write([]byte(p))
	}
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func headers(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func stored(id int64, duplicate bool) string {
	return `{"event_id":` + strconv.FormatInt(id, 10) + `,"duplicate":` +
		strconv.FormatBool(duplicate) + "}\n"
}
