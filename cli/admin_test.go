package cli

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"
)

func TestServe_PrintsSetupLinkThatServesTheSetupPage(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	srv, err := NewServer(Config{
		Token: testToken, Addr: "127.0.0.1:0",
		DB: filepath.Join(t.TempDir(), "hub.db"), MaxBodyBytes: 1 << 20,
	}, testLogger(t))
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	srv.Out = &out
	if err := srv.Start(context.Background()); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { srv.Close() })

	link := regexp.MustCompile(`http://127\.0\.0\.1:\d+/admin/setup/[A-Z2-7]{26}`).
		FindString(out.String())
	if link == "" {
		t.Fatalf("output: got %q, want a setup link", out.String())
	}
	for path, want := range map[string]int{
		link: http.StatusOK,
		"http://" + srv.Addr() + "/admin/setup/WRONG": http.StatusNotFound,
	} {
		resp, err := http.Get(path)
		if err != nil {
			t.Fatalf("get %s: %v", path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: got %d, want %d", path, resp.StatusCode, want)
		}
	}
}
