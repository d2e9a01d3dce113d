package bodybudget

import (
	"bytes"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
)

// free reports whether the whole of b is free, and leaves it so.
func free(b *Budget) bool {
	if !b.sem.TryAcquire(b.size) {
		return false
	}
	b.sem.Release(b.size)
	return true
}

func TestRead_ReturnsTheBodyAndGivesTheBudgetBack(t *testing.T) {
	t.Parallel()
	b := New(1 << 20)
	want := bytes.Repeat([]byte("0123456789"), 30_000) // 300,000 bytes
	got, release, err := b.Read(iotest.HalfReader(bytes.NewReader(want)), 1<<19)
	if err != nil {
		t.Fatalf("Read: got error %v, want none", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Read: got %d bytes, want the %d sent", len(got), len(want))
	}
	if free(b) {
		t.Errorf("budget while the body is held: got all free, want charged")
	}
	release()
	release() // a second call gives nothing back twice
	if !free(b) {
		t.Errorf("budget after release: got charged, want all free")
	}
}

func TestRead_RefusesABodyOverTheLimit(t *testing.T) {
	t.Parallel()
	b := New(1 << 20)
	const limit = 100
	body, release, err := b.Read(strings.NewReader(strings.Repeat("x", limit)), limit)
	release()
	if err != nil || len(body) != limit {
		t.Errorf("at the limit: got %d bytes, %v; want %d bytes, no error",
			len(body), err, limit)
	}
	body, release, err = b.Read(strings.NewReader(strings.Repeat("x", limit+1)), limit)
	release()
	if !errors.Is(err, ErrTooLarge) || body != nil {
		t.Errorf("one byte over: got %d bytes, %v; want none, %v",
			len(body), err, ErrTooLarge)
	}
	if !free(b) {
		t.Errorf("budget after the refusal was released: got charged, want free")
	}
}

// TestRead_BodyAtTheLimitFitsInMinSize reads bodies of every size around
// the points where the buffer grows, each in a budget of MinSize.
func TestRead_BodyAtTheLimitFitsInMinSize(t *testing.T) {
	t.Parallel()
	for _, limit := range []int64{1, Chunk - 1, Chunk, Chunk + 1, 3*Chunk + 7,
		4 * Chunk, 1<<20 + 5} {
		b := New(MinSize(limit))
		body := bytes.Repeat([]byte{'a'}, int(limit))
		got, release, err := b.Read(iotest.OneByteReader(bytes.NewReader(body)), limit)
		release()
		if err != nil || len(got) != int(limit) {
			t.Errorf("limit %d: got %d bytes, %v; want %d bytes, no error",
				limit, len(got), err, limit)
		}
	}
}

// TestRead_RefusesPastTheBudget stalls one body that holds the whole
// budget, then expects the next read to be refused at once, and served
// once the first is released.
func TestRead_RefusesPastTheBudget(t *testing.T) {
	t.Parallel()
	b := New(Chunk)
	pr, pw := io.Pipe()
	done := make(chan func())
	go func() {
		_, release, _ := b.Read(pr, 1<<20)
		done <- release
	}()
	pw.Write([]byte("a first piece")) // returns once Read has it

	body, release, err := b.Read(strings.NewReader("{}"), 1<<20)
	release()
	if !errors.Is(err, ErrOverBudget) || body != nil {
		t.Errorf("with the budget held: got %q, %v; want nothing, %v",
			body, err, ErrOverBudget)
	}

	pw.CloseWithError(errors.New("client went away"))
	(<-done)()
	body, release, err = b.Read(strings.NewReader("{}"), 1<<20)
	release()
	if err != nil || string(body) != "{}" {
		t.Errorf("after the held body went away: got %q, %v; want %q",
			body, err, "{}")
	}
}

func TestReadRequest_RefusesAnAnnouncedLengthOverTheLimit(t *testing.T) {
	t.Parallel()
	b := New(Chunk)
	r := httptest.NewRequest("POST", "/", strings.NewReader("{}"))
	r.ContentLength = 101
	_, release, err := b.ReadRequest(httptest.NewRecorder(), r, 100)
	release()
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("Content-Length over the limit: got %v, want %v", err, ErrTooLarge)
	}

	// A body longer than it says is stopped at the limit too.
	r = httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 101)))
	r.ContentLength = -1
	_, release, err = b.ReadRequest(httptest.NewRecorder(), r, 100)
	release()
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("chunked body over the limit: got %v, want %v", err, ErrTooLarge)
	}
}
