// Package e2e runs the real hub against PostgreSQL: two serve processes
// on one database, and one hub whose database stops and comes back.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/ipai-ai/ipai-connectors/postgres/pgtest"
)

// testToken is the instance token of the hubs the tests start.
const testToken = "e2e-0123456789abcdef0123456789abcdef"

// hubBinary is the path of the hub built for this run, set by TestMain.
var hubBinary string

func TestMain(m *testing.M) {
	if os.Getenv(pgtest.EnvURL) == "" {
		// Every test here skips (or, under CI, fails) without a
		// database: no need to build the hub for that.
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "ipai-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	code := buildAndRun(m, dir)
	os.RemoveAll(dir)
	os.Exit(code)
}

func buildAndRun(m *testing.M, dir string) int {
	hubBinary = filepath.Join(dir, "ipai-connectors")
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	build := exec.Command("go", "build", "-o", hubBinary, "./cmd/ipai-connectors")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: build the hub: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// client answers quickly or not at all: a hub that hangs fails the test.
var client = &http.Client{Timeout: 10 * time.Second}

// reply is the result of one call of the seed's event endpoint.
type reply struct {
	OK        bool   `json:"ok"`
	EventID   int64  `json:"event_id"`
	Error     string `json:"error"`
	RequestID string `json:"request_id"`
}

// postEvent posts one event with the given ref to the hub at addr.
func postEvent(ctx context.Context, addr, ref string) (reply, error) {
	body, _ := json.Marshal(map[string]any{
		"jsonrpc": "2.0", "method": "call", "id": 1,
		"params": map[string]any{
			"token": testToken, "source": "n8n", "event_type": "e2e",
			"ref": ref, "payload": map[string]any{"ref": ref},
		},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		"http://"+addr+"/ipai_ai_connectors/event", bytes.NewReader(body))
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	var env struct{ Result reply }
	if err := json.Unmarshal(data, &env); err != nil {
		return reply{}, fmt.Errorf("answer %q: %w", data, err)
	}
	return env.Result, nil
}

// health returns the status code of GET health on the hub at addr.
func health(addr string) (int, error) {
	resp, err := client.Get("http://" + addr + "/ipai_ai_connectors/health")
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
