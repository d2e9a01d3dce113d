package hooks_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/failurelimit"
	"github.com/ipai-ai/ipai-connectors/hooks"
)

func gzipped(t *testing.T, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestHook_BodiesAsTheyCome(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{})
	c := h.connect(connectors.ProviderGitHub, githubSecret)

	// gzip: verified and stored decoded.
	hdr := githubHeaders("issues", "d-gzip", "application/json", githubIssue)
	hdr["Content-Encoding"] = []string{"gzip"}
	status, body, _ := h.post(c.HookPath(), hdr, gzipped(t, githubIssue))
	wantAnswer(t, status, body, 201, stored(1, false))
	// Kept decoded, as verified; the headers say how it came, not how
	// the wire bytes were framed.
	d, err := h.store.Delivery(context.Background(), 1)
	if err != nil {
		t.Fatalf("Delivery: %v", err)
	}
	if string(d.Body) != githubIssue || d.Header.Get("Content-Encoding") != "" ||
		d.Header.Get("Content-Length") != "" ||
		d.Header.Get("X-Ipai-Decoded-From") != "gzip" {
		t.Errorf("kept gzip delivery: body %q, headers %v; want the decoded body, "+
			"no Content-Encoding or Content-Length, X-Ipai-Decoded-From: gzip", d.Body, d.Header)
	}

	// deflate (zlib), on the path with a trailing slash.
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte(githubIssue))
	zw.Close()
	hdr = githubHeaders("issues", "d-deflate", "application/json", githubIssue)
	hdr["Content-Encoding"] = []string{"deflate"}
	status, body, _ = h.post(c.HookPath()+"/", hdr, z.Bytes())
	wantAnswer(t, status, body, 201, stored(2, false))

	// A byte-order mark before the JSON, signed as sent.
	bom := "\xef\xbb\xbf" + githubIssue
	status, body, _ = h.post(c.HookPath(),
		githubHeaders("issues", "d-bom", "application/json", bom), []byte(bom))
	wantAnswer(t, status, body, 201, stored(3, false))

	// Chunked: no length known in advance.
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte(githubIssue[:20]))
		pw.Write([]byte(githubIssue[20:]))
		pw.Close()
	}()
	status, body, _ = h.send(http.MethodPost, c.HookPath(),
		githubHeaders("issues", "d-chunked", "application/json", githubIssue), pr)
	wantAnswer(t, status, body, 201, stored(4, false))

	for _, e := range h.events() {
		if string(e.Payload) != githubIssue {
			t.Errorf("event %d payload: got %q, want %q", e.ID, e.Payload, githubIssue)
		}
	}
}

func TestHook_ProbesAnsweredWithoutEvent(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{})
	c := h.connect(connectors.ProviderGitHub, githubSecret)
	for _, m := range []string{http.MethodHead, http.MethodGet} {
		for _, p := range []string{c.HookPath(), c.HookPath() + "/"} {
			status, _, _ := h.send(m, p, nil, nil)
			if status != 200 {
				t.Errorf("%s %s: got %d, want 200", m, p, status)
			}
		}
	}
	if n := len(h.events()); n != 0 {
		t.Fatalf("events: got %d, want 0", n)
	}
}

func TestHook_RefusalsRecordedWithStatusAndCause(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{})
	c := h.connect(connectors.ProviderGitHub, githubSecret,
		func(c *connectors.Connection) { c.MaxBodyBytes = 100 })
	off := h.connect(connectors.ProviderGitHub, githubSecret,
		func(c *connectors.Connection) { c.Enabled = false })
	big := `{"pad":"` + strings.Repeat("x", 200) + `"}`
	bomb := gzipped(t, big) // small on the wire, over the limit decoded
	brotli := githubHeaders("issues", "d", "application/json", githubIssue)
	brotli["Content-Encoding"] = []string{"br"}
	gz := githubHeaders("issues", "d", "application/json", big)
	gz["Content-Encoding"] = []string{"gzip"}
	xml := githubHeaders("issues", "d", "text/xml", "<a/>")
	notJSON := githubHeaders("issues", "d", "application/json", "{nope")

	cases := []struct {
		path   string
		header map[string][]string
		body   []byte
		status int
		code   string
		cause  connectors.Cause
	}{
		{"/hooks/nosuchslugatallxxxxxx", nil, []byte("{}"), 404, "not_found", connectors.CauseUnknownConnection},
		{off.HookPath(), nil, []byte("{}"), 404, "not_found", connectors.CauseDisabledConnection},
		{c.HookPath(), githubHeaders("issues", "d", "application/json", big), []byte(big), 413, "too_large", connectors.CauseTooLarge},
		{c.HookPath(), gz, bomb, 413, "too_large", connectors.CauseTooLarge},
		{c.HookPath(), brotli, []byte("{}"), 415, "unsupported_encoding", connectors.CauseUnsupportedEncoding},
		{c.HookPath(), xml, []byte("<a/>"), 415, "unsupported_media_type", connectors.CauseUnsupportedMedia},
		{c.HookPath(), notJSON, []byte("{nope"), 400, "malformed_body", connectors.CauseMalformedBody},
	}
	for _, tc := range cases {
		status, body, _ := h.post(tc.path, tc.header, tc.body)
		if status != tc.status || !strings.Contains(body, `"code":"`+tc.code+`"`) {
			t.Errorf("%s %s: got %d %s, want %d %s", tc.path, tc.cause,
				status, body, tc.status, tc.code)
		}
	}
	got := h.rejections()
	if len(got) != len(cases) {
		t.Fatalf("rejections: got %d, want %d", len(got), len(cases))
	}
	for i, tc := range cases {
		r := got[len(got)-1-i]
		if r.Cause != tc.cause || r.Path != tc.path {
			t.Errorf("rejection %d: got %s %s, want %s %s", i, r.Cause, r.Path,
				tc.cause, tc.path)
		}
	}
	if n := len(h.events()); n != 0 {
		t.Fatalf("events: got %d, want 0", n)
	}
}

func TestHook_RepeatedFailuresSlowedWith429(t *testing.T) {
	t.Parallel()
	h := newHub(t, hooks.Config{Failures: failurelimit.New(
		failurelimit.Limit{Burst: 3, Every: time.Hour})})
	c := h.connect(connectors.ProviderGitHub, githubSecret)
	bad := headers("Content-Type", "application/json", "X-GitHub-Event", "x",
		"X-Hub-Signature-256", "sha256=00")
	for range 3 {
		if status, _, _ := h.post(c.HookPath(), bad, []byte("{}")); status != 401 {
			t.Fatalf("got %d, want 401", status)
		}
	}
	// Even a good delivery waits now: the address is slowed down.
	status, body, hdr := h.post(c.HookPath(),
		githubHeaders("issues", "d", "application/json", githubIssue),
		[]byte(githubIssue))
	wantAnswer(t, status, body, 429, `{"error":{"code":"rate_limited",`+
		`"message":"too many failed requests from this address: retry later"}}`+"\n")
	if got := hdr.Get("Retry-After"); got != "3600" {
		t.Fatalf("Retry-After: got %q, want 3600", got)
	}
	h.wantRejected(connectors.CauseRateLimited, connectors.CauseBadSignature,
		connectors.CauseBadSignature, connectors.CauseBadSignature)
}
