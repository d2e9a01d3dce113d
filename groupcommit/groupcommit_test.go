package groupcommit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

func openDB(t *testing.T) *sql.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "w.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (v TEXT NOT NULL UNIQUE)`); err != nil {
		t.Fatalf("create: %v", err)
	}
	return db
}

func insert(v string, txs *sync.Map) Op {
	return func(ctx context.Context, tx *sql.Tx) error {
		txs.Store(tx, true)
		_, err := tx.ExecContext(ctx, `INSERT INTO t (v) VALUES (?)`, v)
		return err
	}
}

func count(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil {
		t.Fatalf("count: %v", err)
	}
	return n
}

// waitQueued waits until n requests sit in the writer's queue.
func waitQueued(t *testing.T, w *Writer, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(w.queue) < n {
		if time.Now().After(deadline) {
			t.Fatalf("queued: got %d, want %d", len(w.queue), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// hold makes the writer run an op that waits for release, and returns once
// that op is running, so that what is queued next waits for one batch.
func hold(t *testing.T, w *Writer, wg *sync.WaitGroup, inside Op) chan<- struct{} {
	t.Helper()
	started := make(chan struct{})
	release := make(chan struct{})
	wg.Go(func() {
		err := w.Do(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
			close(started)
			<-release
			if inside != nil {
				return inside(ctx, tx)
			}
			return nil
		})
		if err != nil {
			t.Errorf("held op: %v", err)
		}
	})
	<-started
	return release
}

func TestWriter_WaitingOpsShareOneTransaction(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	w := New(db, 100, slog.New(slog.DiscardHandler))
	defer w.Close()

	var txs sync.Map
	var wg sync.WaitGroup
	release := hold(t, w, &wg, insert("first", &txs))

	const waiting = 50
	for i := range waiting {
		wg.Go(func() {
			if err := w.Do(context.Background(), insert(fmt.Sprint(i), &txs)); err != nil {
				t.Errorf("op %d: %v", i, err)
			}
		})
	}
	waitQueued(t, w, waiting)
	close(release)
	wg.Wait()

	if got := count(t, db); got != waiting+1 {
		t.Errorf("rows: got %d, want %d", got, waiting+1)
	}
	n := 0
	txs.Range(func(any, any) bool { n++; return true })
	if n != 2 {
		t.Errorf("transactions: got %d, want 2 (the first, then all the waiting)", n)
	}
}

func TestWriter_FailingOpFailsOnlyItsCaller(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	w := New(db, 100, slog.New(slog.DiscardHandler))
	defer w.Close()

	var txs sync.Map
	var wg sync.WaitGroup
	release := hold(t, w, &wg, nil)
	results := make([]error, 5)
	for i, v := range []string{"a", "b", "a", "c", "d"} {
		wg.Go(func() { results[i] = w.Do(context.Background(), insert(v, &txs)) })
		waitQueued(t, w, i+1)
	}
	close(release)
	wg.Wait()

	for i, err := range results {
		if (err != nil) != (i == 2) {
			t.Errorf("op %d: got error %v, want an error only for the duplicate", i, err)
		}
	}
	if got := count(t, db); got != 4 {
		t.Errorf("rows: got %d, want 4", got)
	}
	n := 0
	txs.Range(func(any, any) bool { n++; return true })
	if n != 1 {
		t.Errorf("transactions of the five ops: got %d, want 1 (the failure undone alone)", n)
	}
}

func TestWriter_CloseRunsQueuedThenRefuses(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	w := New(db, 10, slog.New(slog.DiscardHandler))

	var txs sync.Map
	var wg sync.WaitGroup
	release := hold(t, w, &wg, nil)
	for i := range 30 {
		wg.Go(func() {
			if err := w.Do(context.Background(), insert(fmt.Sprint(i), &txs)); err != nil {
				t.Errorf("op %d: %v", i, err)
			}
		})
	}
	waitQueued(t, w, 30)

	// Close while all 30 wait behind the held op: it must run them.
	closed := make(chan struct{})
	go func() { w.Close(); close(closed) }()
	close(release)
	<-closed
	wg.Wait()

	if got := count(t, db); got != 30 {
		t.Errorf("rows: got %d, want 30", got)
	}
	err := w.Do(context.Background(), insert("late", &txs))
	if !errors.Is(err, ErrClosed) {
		t.Errorf("Do after Close: got %v, want ErrClosed", err)
	}
}

func TestWriter_SkipsOpWhoseCallerLeftBeforeItRan(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	w := New(db, 10, slog.New(slog.DiscardHandler))
	defer w.Close()

	var wg sync.WaitGroup
	release := hold(t, w, &wg, nil)
	ctx, cancel := context.WithCancel(context.Background())
	var txs sync.Map
	var err error
	wg.Go(func() { err = w.Do(ctx, insert("gone", &txs)) })
	waitQueued(t, w, 1)
	cancel()
	close(release)
	wg.Wait()

	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled op: got %v, want context.Canceled", err)
	}
	if got := count(t, db); got != 0 {
		t.Errorf("rows: got %d, want 0", got)
	}
}

func TestGroup_WaitingItemsAreFlushedInOneCall(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	w := New(db, 100, slog.New(slog.DiscardHandler))
	defer w.Close()

	var calls []int
	g := NewGroup(w, func(ctx context.Context, tx *sql.Tx, items []string) error {
		calls = append(calls, len(items))
		for _, v := range items {
			if _, err := tx.ExecContext(ctx, `INSERT INTO t (v) VALUES (?)`, v); err != nil {
				return err
			}
		}
		return nil
	})

	var wg sync.WaitGroup
	release := hold(t, w, &wg, nil)
	const waiting = 30
	for i := range waiting {
		wg.Go(func() {
			if err := g.Add(context.Background(), fmt.Sprint(i)); err != nil {
				t.Errorf("item %d: %v", i, err)
			}
		})
	}
	waitQueued(t, w, waiting)
	close(release)
	wg.Wait()

	if len(calls) != 1 || calls[0] != waiting {
		t.Errorf("flush calls: got %v, want one call with %d items", calls, waiting)
	}
	if got := count(t, db); got != waiting {
		t.Errorf("rows: got %d, want %d", got, waiting)
	}
}

func TestGroup_FailingItemFailsOnlyItsCaller(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	w := New(db, 100, slog.New(slog.DiscardHandler))
	defer w.Close()

	g := NewGroup(w, func(ctx context.Context, tx *sql.Tx, items []string) error {
		for _, v := range items {
			if _, err := tx.ExecContext(ctx, `INSERT INTO t (v) VALUES (?)`, v); err != nil {
				return err
			}
		}
		return nil
	})

	var wg sync.WaitGroup
	release := hold(t, w, &wg, nil)
	values := []string{"a", "b", "a", "c"}
	results := make([]error, len(values))
	for i, v := range values {
		wg.Go(func() { results[i] = g.Add(context.Background(), v) })
		waitQueued(t, w, i+1)
	}
	close(release)
	wg.Wait()

	for i, err := range results {
		if (err != nil) != (i == 2) {
			t.Errorf("item %d: got error %v, want an error only for the duplicate", i, err)
		}
	}
	if got := count(t, db); got != 3 {
		t.Errorf("rows: got %d, want 3", got)
	}
}
