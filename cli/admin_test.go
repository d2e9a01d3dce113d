package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	connectors "github.com/ipai-ai/ipai-connectors"
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

func TestServe_CloseEndsLiveStreams(t *testing.T) {
	t.Parallel()
	srv, err := NewServer(Config{
		Token: testToken, Addr: "127.0.0.1:0",
		DB: filepath.Join(t.TempDir(), "hub.db"), MaxBodyBytes: 1 << 20,
	}, testLogger(t))
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	hash, _ := bcrypt.GenerateFromPassword([]byte("a long password"), bcrypt.MinCost)
	_, err = srv.store.CreateUser(context.Background(), connectors.NewUser{
		Email: "ann@example.com", Role: connectors.RoleViewer, PasswordHash: hash})
	if err != nil {
		t.Fatalf("create user: %v", err)
	}

	base := "http://" + srv.Addr() + "/admin"
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	page := get(t, client, base+"/login")
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if csrf == nil {
		t.Fatalf("no CSRF token on the sign-in page")
	}
	resp, err := client.PostForm(base+"/login", url.Values{"csrf": {csrf[1]},
		"email": {"ann@example.com"}, "password": {"a long password"}})
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	resp.Body.Close()

	stream, err := client.Get(base + "/live")
	if err != nil || stream.StatusCode != http.StatusOK {
		t.Fatalf("live: %v, %v", err, stream)
	}
	ended := make(chan struct{})
	go func() {
		io.Copy(io.Discard, stream.Body)
		close(ended)
	}()

	start := time.Now()
	if err := srv.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("close took %v with a live stream open, want under 5s", took)
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Errorf("the live stream did not end")
	}
}

func get(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("get %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
