package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ipai-ai/ipai-connectors/bodybudget"
)

// TestServe_OneBodyBudgetForEveryEndpoint spends the budget with bodies
// held half-sent on the JSON-RPC endpoint, and expects the REST endpoint
// to be refused for it: the two share one budget.
func TestServe_OneBodyBudgetForEveryEndpoint(t *testing.T) {
	t.Parallel()
	srv, err := NewServer(Config{Token: testToken, Addr: "127.0.0.1:0",
		DB: testDB(t)}, testLogger(t))
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	if got, want := srv.budget.Size(), bodybudget.DefaultSize; got != want {
		t.Errorf("default budget: got %d bytes, want %d", got, want)
	}
	srv.budget = bodybudget.New(2 * bodybudget.Chunk)
	if err := srv.Start(context.Background()); err != nil {
		srv.Close()
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() { srv.Close() })

	// Hold bodies half-sent on JSON-RPC, one more at a time, until REST
	// is refused: how many it takes depends on how each body is charged,
	// not on which endpoint holds them.
	var status int
	var body string
	for range 8 {
		conn, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		// Closed before the server, which waits for requests in flight.
		t.Cleanup(func() { conn.Close() })
		start := `{"jsonrpc":"2.0",`
		fmt.Fprintf(conn, "POST /ipai_ai_connectors/event HTTP/1.1\r\n"+
			"Host: hub\r\nContent-Type: application/json\r\n"+
			"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n", len(start), start)

		deadline := time.Now().Add(2 * time.Second)
		for time.Now().Before(deadline) {
			status, body = postREST(t, "http://"+srv.Addr()+"/api/v1/events")
			if status == http.StatusServiceUnavailable {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if status == http.StatusServiceUnavailable {
			break
		}
	}
	want := `{"error":{"code":"overloaded",` +
		`"message":"the hub is holding too many bodies: retry later"}}` + "\n"
	if status != http.StatusServiceUnavailable || body != want {
		t.Errorf("REST with the budget spent on JSON-RPC: got %d %q, want 503 %q",
			status, body, want)
	}
}

// postREST posts an event to the REST endpoint with the instance token.
func postREST(t *testing.T, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url,
		strings.NewReader(`{"source":"n8n","event_type":"x","payload":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	return resp.StatusCode, string(b)
}
