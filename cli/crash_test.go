package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipai-ai/ipai-connectors/sqlite"
)

// runMainEnv makes the test binary run the command line instead of the
// tests, so that a test can start the real program as a process of its
// own and kill it.
const runMainEnv = "IPAI_CONNECTORS_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		Main()
		return
	}
	os.Exit(m.Run())
}

// startProcess runs `serve` on db in a child process and returns it with
// the address it listens on.
func startProcess(t *testing.T, db string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve", "--addr", "127.0.0.1:0", "--db", db)
	cmd.Env = append(os.Environ(), runMainEnv+"=1", "IPAI_CONNECTORS_TOKEN="+testToken)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatalf("stderr pipe: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start serve: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	addr := make(chan string, 1)
	go func() {
		listening := regexp.MustCompile(`msg=listening addr=(\S+)`)
		lines := bufio.NewScanner(stderr)
		for lines.Scan() {
			if m := listening.FindStringSubmatch(lines.Text()); m != nil {
				addr <- m[1]
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case a := <-addr:
		return cmd, a
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not say where it listens within 30s")
		return nil, ""
	}
}

// TestCrash_KillLosesNoAcknowledgedEvent kills the hub with SIGKILL while
// clients post, then opens the store and finds every event that was
// answered ok, with its payload and its arrival in the history.
func TestCrash_KillLosesNoAcknowledgedEvent(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "hub.db")
	cmd, addr := startProcess(t, db)
	url := "http://" + addr + "/ipai_ai_connectors/event"

	const clients, enough = 16, 400
	var mu sync.Mutex
	acked := map[int64]string{} // event id → the ref it was sent with
	ctx, stop := context.WithTimeout(context.Background(), 60*time.Second)
	defer stop()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				ref := fmt.Sprintf("c%d-%d", c, i)
				id, ok := postForID(ctx, url, ref)
				if !ok {
					continue
				}
				mu.Lock()
				acked[id] = ref
				n := len(acked)
				mu.Unlock()
				if n >= enough {
					stop()
				}
			}
		})
	}

	// Kill while the clients are still posting: wait for half the
	// acknowledgements, then SIGKILL, so some requests are in flight.
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= enough/2 || ctx.Err() != nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill: %v", err)
	}
	cmd.Wait()
	stop()
	wg.Wait()

	store, err := sqlite.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatalf("open after kill: %v", err)
	}
	defer store.Close()
	if len(acked) < enough/2 {
		t.Fatalf("acknowledged before the kill: got %d, want at least %d", len(acked), enough/2)
	}
	for id, ref := range acked {
		ev, err := store.Event(context.Background(), id)
		if err != nil {
			t.Errorf("acknowledged event %d (%s): %v", id, ref, err)
			continue
		}
		want := `{"ref":"` + ref + `","n":12345678901234567890}`
		if ev.Ref != ref || string(ev.Payload) != want {
			t.Errorf("event %d: got ref %q payload %s, want %q %s", id, ev.Ref, ev.Payload, ref, want)
		}
		h, err := store.History(context.Background(), id)
		if err != nil || len(h) != 1 || h[0].To != "received" {
			t.Errorf("event %d history: got %+v, %v; want its arrival", id, h, err)
		}
	}
}

// postForID posts one event and returns its id when the hub answered ok.
func postForID(ctx context.Context, url, ref string) (int64, bool) {
	body := fmt.Sprintf(`{"jsonrpc":"2.0","method":"call","params":{"token":%q,`+
		`"source":"n8n","event_type":"crash.test","ref":%q,`+
		`"payload":{"ref":%q,"n":12345678901234567890}},"id":1}`, testToken, ref, ref)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, false
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	var answer struct {
		Result struct {
			OK      bool  `json:"ok"`
			EventID int64 `json:"event_id"`
		} `json:"result"`
	}
	if json.NewDecoder(resp.Body).Decode(&answer) != nil || !answer.Result.OK {
		return 0, false
	}
	return answer.Result.EventID, true
}
