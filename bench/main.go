// Command bench measures how many events per second the hub stores.
//
// It starts the real hub (the same server that `ipai-connectors serve`
// runs) on a temporary store, and beside it a ceiling: the same HTTP stack
// and ingest handler in front of a store that keeps nothing. It then drives
// each with real HTTP clients at a fixed concurrency for a fixed time, and
// prints events per second and latency percentiles for both.
//
//	go run ./bench -c 64 -d 10s
//	go run ./bench -db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
//
// Client and servers share this machine's cores, so the figures are
// lower than a server alone would reach; the ratio is what compares.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/cli"
	"github.com/ipai-ai/ipai-connectors/ingest"
	"github.com/ipai-ai/ipai-connectors/requestlog"
)

const token = "bench-token"

func main() {
	concurrency := flag.Int("c", 64, "concurrent clients")
	duration := flag.Duration("d", 10*time.Second, "how long each run lasts")
	db := flag.String("db", "", "store to measure: a SQLite path or a postgres:// URL "+
		"(default: a temporary SQLite file)")
	only := flag.String("only", "", "run only one side: store or ceiling")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the store run to this file")
	flag.Parse()

	if err := run(*concurrency, *duration, *db, *only, *cpuProfile); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(concurrency int, duration time.Duration, db, only, cpuProfile string) error {
	if db == "" {
		dir, err := os.MkdirTemp("", "ipai-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		db = filepath.Join(dir, "bench.db")
	}
	fmt.Printf("concurrency %d, %s per run, payload %d bytes\n",
		concurrency, duration, len(payload))

	var ceiling, stored *vegeta.Metrics
	var err error
	if only != "store" {
		ceiling, err = measureCeiling(concurrency, duration)
		if err != nil {
			return err
		}
		report("no store (ceiling)", ceiling)
	}
	if only != "ceiling" {
		stored, err = measureStore(concurrency, duration, db, cpuProfile)
		if err != nil {
			return err
		}
		report("store "+engineName(db), stored)
	}
	if ceiling != nil && stored != nil {
		fmt.Printf("store / ceiling: %.2f\n", stored.Throughput/ceiling.Throughput)
	}
	return nil
}

func engineName(db string) string {
	if strings.HasPrefix(db, "postgres") {
		return "(postgres)"
	}
	return "(sqlite)"
}

// logger is what both sides log to: the same work, thrown away.
func logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(io.Discard, nil))
}

func measureStore(concurrency int, d time.Duration, db, cpuProfile string) (*vegeta.Metrics, error) {
	srv, err := cli.NewServer(cli.Config{
		Token:        token,
		Addr:         "127.0.0.1:0",
		DB:           db,
		MaxBodyBytes: ingest.DefaultMaxBodyBytes,
	}, logger())
	if err != nil {
		return nil, err
	}
	if err := srv.Start(context.Background()); err != nil {
		return nil, err
	}
	defer srv.Close()

	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	return attack(srv.Addr(), concurrency, d)
}

func measureCeiling(concurrency int, d time.Duration) (*vegeta.Metrics, error) {
	mux := http.NewServeMux()
	ingest.New(&discard{}, ingest.Config{
		Token:        token,
		MaxBodyBytes: ingest.DefaultMaxBodyBytes,
		Logger:       logger(),
	}).Register(mux)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: requestlog.Middleware(mux, logger(), nil)}
	go srv.Serve(ln)
	defer srv.Close()
	return attack(ln.Addr().String(), concurrency, d)
}

// payload is an n8n workflow result of a usual size.
const payload = `{"workflow":{"id":"wf_8123","name":"Sync CRM contacts","active":true},` +
	`"execution":{"id":982341,"mode":"trigger","startedAt":"2026-12-03T10:15:02.123Z",` +
	`"stoppedAt":"2026-12-03T10:15:04.870Z","status":"success"},` +
	`"data":{"contacts_synced":128,"contacts_failed":0,"source":"hubspot",` +
	`"batch":[{"id":"c_1","email":"ana@example.com"},{"id":"c_2","email":"bo@example.com"}]}}`

func attack(addr string, concurrency int, d time.Duration) (*vegeta.Metrics, error) {
	url := "http://" + addr + ingest.EventPath
	var n atomic.Int64
	targeter := func(t *vegeta.Target) error {
		i := n.Add(1)
		t.Method = http.MethodPost
		t.URL = url
		t.Header = http.Header{"Content-Type": {"application/json"}}
		t.Body = fmt.Appendf(nil, `{"jsonrpc":"2.0","method":"call","params":`+
			`{"token":%q,"source":"n8n","event_type":"workflow.completed",`+
			`"ref":"run_%d","payload":%s},"id":%d}`, token, i, payload, i)
		return nil
	}
	attacker := vegeta.NewAttacker(
		vegeta.Workers(uint64(concurrency)),
		vegeta.MaxWorkers(uint64(concurrency)),
		vegeta.Connections(concurrency),
		vegeta.KeepAlive(true),
	)

	var m vegeta.Metrics
	failed := 0
	for res := range attacker.Attack(targeter, vegeta.Rate{}, d, "bench") {
		if res.Code != http.StatusOK || !strings.Contains(string(res.Body), `"ok":true`) {
			if failed < 3 {
				fmt.Fprintf(os.Stderr, "failed: %d %s %s\n", res.Code, res.Error, res.Body)
			}
			failed++
		}
		m.Add(res)
	}
	m.Close()
	if failed > 0 {
		return &m, fmt.Errorf("%d of %d requests failed", failed, m.Requests)
	}
	return &m, nil
}

func report(name string, m *vegeta.Metrics) {
	fmt.Printf("%-20s %8.0f events/s  p50 %6.2f ms  p99 %6.2f ms  (%d requests)\n",
		name, m.Throughput,
		float64(m.Latencies.P50)/float64(time.Millisecond),
		float64(m.Latencies.P99)/float64(time.Millisecond),
		m.Requests)
}

// discard is the ceiling's store: it keeps nothing, so that the run
// measures the HTTP stack and the handler alone.
type discard struct{ last atomic.Int64 }

func (d *discard) CreateEvent(context.Context, connectors.NewEvent) (int64, error) {
	return d.last.Add(1), nil
}

func (d *discard) RecordRejection(context.Context, connectors.Rejection) error { return nil }

func (d *discard) Company(_ context.Context, id int64) (connectors.Company, error) {
	return connectors.Company{ID: id, Name: "Default"}, nil
}

func (d *discard) Ping(context.Context) error { return nil }
