// Package groupcommit lets many goroutines share one database transaction.
//
// Durability costs one fsync per commit. A Writer has one goroutine that
// takes whatever operations are waiting, runs them all in one transaction,
// commits once and answers each caller, so that a hundred concurrent
// requests pay for one fsync instead of a hundred. No caller is answered
// before the commit that holds its work has returned.
package groupcommit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// Op is one unit of work run inside a shared transaction. It must not
// commit or roll back tx, nor use the savepoint name "op". Its context carries the caller's values but not
// its cancellation. An op that fails is undone alone, inside a savepoint,
// and its error is its caller's. It may still run twice: if a group's
// flush or the commit fails, the batch is rolled back and every request
// runs again in a transaction of its own. Results should be set only
// through variables the op's caller reads after Do returns.
type Op func(ctx context.Context, tx *sql.Tx) error

// ErrClosed is returned by Do after Close has been called.
var ErrClosed = errors.New("groupcommit: writer is closed")

type request struct {
	ctx  context.Context
	op   Op      // set for Do
	kind flusher // set for Group.Add, with item
	item any
	done chan error
	err  error // the op's own error, when it failed alone in its batch
}

// flusher writes the items of one Group that share a transaction.
type flusher interface {
	flush(ctx context.Context, tx *sql.Tx, items []any) error
}

// Writer runs operations in shared transactions on one database handle.
// It is safe for concurrent use.
type Writer struct {
	db       *sql.DB
	queue    chan *request
	maxBatch int
	logger   *slog.Logger

	mu     sync.RWMutex // guards closed against sends on a closed queue
	closed bool
	wg     sync.WaitGroup
}

// New starts a Writer on db that puts at most maxBatch operations in one
// transaction. db should be the one handle allowed to write.
func New(db *sql.DB, maxBatch int, logger *slog.Logger) *Writer {
	if maxBatch < 1 {
		maxBatch = 1
	}
	w := &Writer{
		db:       db,
		queue:    make(chan *request, maxBatch*4),
		maxBatch: maxBatch,
		logger:   logger,
	}
	w.wg.Add(1)
	go w.loop()
	return w
}

// Do runs op in a transaction, possibly shared with other callers', and
// returns after that transaction has committed or failed. The error is
// op's own error, or the commit's.
func (w *Writer) Do(ctx context.Context, op Op) error {
	return w.send(&request{ctx: ctx, op: op, done: make(chan error, 1)})
}

func (w *Writer) send(req *request) error {
	ctx := req.ctx
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return ErrClosed
	}
	select {
	case w.queue <- req:
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	w.mu.RUnlock()

	// Once queued, the caller waits for its answer even if ctx ends:
	// the op may already be in a transaction, and returning early would
	// hide its commit. An op whose ctx has ended before its batch starts
	// is not run.
	return <-req.done
}

// Close runs what is queued, stops the writer and waits for it. Later
// calls to Do return ErrClosed.
func (w *Writer) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.mu.Unlock()
	w.wg.Wait()
}

func (w *Writer) loop() {
	defer w.wg.Done()
	batch := make([]*request, 0, w.maxBatch)
	for first := range w.queue {
		batch = append(batch[:0], first)
		batch = w.gather(batch)
		w.run(batch)
	}
}

// gather adds to batch whatever is already waiting, without blocking.
func (w *Writer) gather(batch []*request) []*request {
	for len(batch) < w.maxBatch {
		select {
		case req, ok := <-w.queue:
			if !ok {
				return batch
			}
			batch = append(batch, req)
		default:
			return batch
		}
	}
	return batch
}

func (w *Writer) run(batch []*request) {
	live := batch[:0]
	for _, req := range batch {
		if err := req.ctx.Err(); err != nil {
			req.done <- err
			continue
		}
		live = append(live, req)
	}
	if len(live) == 0 {
		return
	}

	err := w.runTx(live)
	if err == nil {
		for _, req := range live {
			req.done <- req.err
		}
		return
	}
	if len(live) == 1 {
		live[0].done <- err
		return
	}

	// Something in the batch failed. Run each op alone so that the
	// failure is charged to its own caller only.
	w.logger.Debug("group commit: retrying batch one by one",
		"batch_size", len(live), "error", err)
	for _, req := range live {
		req.done <- w.runTx([]*request{req})
	}
}

func (w *Writer) runTx(batch []*request) error {
	// The transaction does not take a caller's context: a caller that
	// goes away must not roll back the work of the others.
	ctx := context.Background()
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := runBatch(ctx, tx, batch); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// runBatch runs the plain ops in order, then each group's items in one
// flush per group. When ops share the transaction, each runs inside a
// savepoint: one that fails (a refused move, a name in use) is rolled
// back alone and its error kept for its caller, so that the others still
// commit together.
func runBatch(ctx context.Context, tx *sql.Tx, batch []*request) error {
	shared := len(batch) > 1
	var kinds []flusher
	items := map[flusher][]any{}
	for _, req := range batch {
		req.err = nil
		if req.kind != nil {
			if _, seen := items[req.kind]; !seen {
				kinds = append(kinds, req.kind)
			}
			items[req.kind] = append(items[req.kind], req.item)
			continue
		}
		opCtx := context.WithoutCancel(req.ctx)
		if !shared {
			if err := req.op(opCtx, tx); err != nil {
				return err
			}
			continue
		}
		if err := runInSavepoint(ctx, tx, req, opCtx); err != nil {
			return err
		}
	}
	for _, k := range kinds {
		if err := k.flush(ctx, tx, items[k]); err != nil {
			return err
		}
	}
	return nil
}

// runInSavepoint runs req's op so that its failure undoes its own work
// only, and sets req.err. The error returned is the savepoint's own.
func runInSavepoint(ctx context.Context, tx *sql.Tx, req *request,
	opCtx context.Context) error {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT op"); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	if req.err = req.op(opCtx, tx); req.err != nil {
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT op"); err != nil {
			return fmt.Errorf("roll back to savepoint: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT op"); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}

// Group is a kind of item written many at a time: the items of a Group
// that share a transaction are handed to its flush function in one call,
// so that it can write them with one statement instead of one each.
type Group[T any] struct {
	w  *Writer
	fn func(ctx context.Context, tx *sql.Tx, items []T) error
}

// NewGroup returns a Group on w whose items are written by fn. fn must
// write every item or return an error; like an Op, it may run again on
// fewer items after a rollback, so it sets results on the items
// themselves, and only read after Add returns.
func NewGroup[T any](w *Writer, fn func(ctx context.Context, tx *sql.Tx, items []T) error) *Group[T] {
	return &Group[T]{w: w, fn: fn}
}

// Add writes item in a transaction, possibly shared, and returns after
// that transaction has committed or failed.
func (g *Group[T]) Add(ctx context.Context, item T) error {
	return g.w.send(&request{ctx: ctx, kind: g, item: item, done: make(chan error, 1)})
}

func (g *Group[T]) flush(ctx context.Context, tx *sql.Tx, items []any) error {
	typed := make([]T, len(items))
	for i, it := range items {
		typed[i] = it.(T)
	}
	return g.fn(ctx, tx, typed)
}
