// Package bodybudget bounds the request bodies a process holds in memory
// at once, across every handler that reads one.
//
// A body is read in chunks, and the memory each chunk needs is charged to
// a Budget before the chunk is read: when the budget is spent the read
// stops at once, so that many clients sending large bodies slowly, or
// small compressed bodies that inflate to large ones, cannot exhaust
// memory before anything about them has been checked. Memory grows with
// the bytes that really arrive, never with what a client announces.
package bodybudget

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"golang.org/x/sync/semaphore"
)

// Chunk is how much a body's buffer grows by, at least, and so the least
// that a body being read holds of a Budget.
const Chunk = 64 << 10

// ErrTooLarge is returned when a body is over the limit it was read with.
var ErrTooLarge = errors.New("body too large")

// ErrOverBudget is returned when reading a body would pass its Budget.
var ErrOverBudget = errors.New("in-flight body budget spent")

// RetryAfter is how long a client refused for ErrOverBudget is asked to
// wait: bodies held now are mostly read, or abandoned, by then.
const RetryAfter = 5 * time.Second

// Budget is a number of bytes of bodies that may be held at once. Make
// one per process and share it, so that the bound holds across handlers.
// It is safe for concurrent use.
type Budget struct {
	size int64
	sem  *semaphore.Weighted
}

// New returns a Budget of size bytes. A size under Chunk is raised to
// Chunk, so that a body can be read at all.
func New(size int64) *Budget {
	size = max(size, Chunk)
	return &Budget{size: size, sem: semaphore.NewWeighted(size)}
}

// Size returns the number of bytes the budget holds.
func (b *Budget) Size() int64 { return b.size }

// DefaultSize is the budget of a hub configured with none: many bodies of
// the usual size, and several of the largest.
const DefaultSize int64 = 256 << 20

// SizeFor returns the default budget for bodies of up to limit bytes:
// DefaultSize, or four bodies of the limit if larger.
func SizeFor(limit int64) int64 {
	return max(DefaultSize, 4*limit, MinSize(limit))
}

// MinSize is the smallest budget in which one body of limit bytes can be
// read: while its buffer grows the last time, the old buffer, up to the
// limit, and the new one, up to the limit and a chunk, are both held.
func MinSize(limit int64) int64 { return 2*limit + Chunk }

// MaxLimit is the largest body limit b can hold a body of, received and
// decoded at once (a compressed body holds both): a larger limit on an
// idle hub would be refused as over budget every time.
func (b *Budget) MaxLimit() int64 { return (b.size - 2*Chunk) / 3 }

// ReadRequest reads the whole body of r, at most limit bytes, charging b.
// A Content-Length over the limit is refused before anything is read, and
// the server is told to close the connection after a body over the limit.
// It returns ErrTooLarge, ErrOverBudget, or the read error, wrapped; and,
// in every case, the function that gives the body's bytes back to the
// budget, to call once the body is no longer needed.
func (b *Budget) ReadRequest(w http.ResponseWriter, r *http.Request,
	limit int64) ([]byte, func(), error) {
	if r.ContentLength > limit {
		return nil, func() {}, ErrTooLarge
	}
	body, release, err := b.Read(http.MaxBytesReader(w, r.Body, limit), limit)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		err = ErrTooLarge
	}
	return body, release, err
}

// Read reads src to its end, at most limit bytes, charging b with the
// capacity of the buffer it reads into, and returns as ReadRequest does.
func (b *Budget) Read(src io.Reader, limit int64) ([]byte, func(), error) {
	h := &holding{budget: b}
	src = io.LimitReader(src, limit+1) // one byte more tells "too large"
	var buf []byte
	for {
		if len(buf) == cap(buf) {
			var ok bool
			if buf, ok = h.grow(buf, limit); !ok {
				return nil, h.release, ErrOverBudget
			}
		}
		n, err := src.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		switch {
		case int64(len(buf)) > limit:
			return nil, h.release, ErrTooLarge
		case errors.Is(err, io.EOF):
			return buf, h.release, nil
		case err != nil:
			return nil, h.release, fmt.Errorf("read body: %w", err)
		}
	}
}

// holding is what one body holds of a budget.
type holding struct {
	budget *Budget
	held   int64
}

// grow returns buf, which is full, with room for at least a chunk more,
// charging the new capacity before it is allocated. It doubles, as append
// would, so that a large body is not copied once a chunk, but never past
// the limit and a chunk. The old buffer is garbage once copied, and its
// charge is given back then, not before: both are in memory meanwhile.
func (h *holding) grow(buf []byte, limit int64) ([]byte, bool) {
	old := int64(cap(buf))
	// A full buffer is within the limit, so this is at least old+Chunk.
	size := min(max(2*old, old+Chunk), limit+Chunk)
	if !h.budget.sem.TryAcquire(size) {
		return buf, false
	}
	h.held += size
	grown := make([]byte, len(buf), size)
	copy(grown, buf)
	h.give(old)
	return grown, true
}

func (h *holding) give(n int64) {
	if n > 0 {
		h.budget.sem.Release(n)
		h.held -= n
	}
}

// release gives back all that the body holds. It is safe to call more
// than once.
func (h *holding) release() { h.give(h.held) }
