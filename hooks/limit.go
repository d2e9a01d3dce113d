package hooks

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// FailureLimit says how many refusals an address may earn before it is
// answered 429: Burst at once, then one more every Every.
type FailureLimit struct {
	Burst int
	Every time.Duration
	// MaxAddresses bounds how many addresses are remembered, so that a
	// flood from many addresses cannot grow memory without end.
	MaxAddresses int
}

// DefaultFailures lets an address fail 20 times at once, then once every
// three seconds, and remembers 10000 addresses.
var DefaultFailures = FailureLimit{Burst: 20, Every: 3 * time.Second,
	MaxAddresses: 10000}

// failures counts the refusals of each address with a token bucket: a
// refusal takes a token, and an address with none left is answered 429
// until the bucket refills. Accepted requests take nothing.
type failures struct {
	limit FailureLimit

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

func newFailures(l FailureLimit) *failures {
	if l.Burst <= 0 {
		l.Burst = DefaultFailures.Burst
	}
	if l.Every <= 0 {
		l.Every = DefaultFailures.Every
	}
	if l.MaxAddresses <= 0 {
		l.MaxAddresses = DefaultFailures.MaxAddresses
	}
	return &failures{limit: l, buckets: make(map[string]*rate.Limiter)}
}

// blocked reports whether addr has no refusal left at now, and if so how
// long until it has one.
func (f *failures) blocked(addr string, now time.Time) (time.Duration, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.buckets[addr]
	if !ok || b.TokensAt(now) >= 1 {
		return 0, false
	}
	need := 1 - b.TokensAt(now)
	wait := time.Duration(math.Ceil(need * float64(f.limit.Every)))
	return wait, true
}

// fail takes a token from addr's bucket.
func (f *failures) fail(addr string, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.buckets[addr]
	if !ok {
		f.makeRoom(now)
		b = rate.NewLimiter(rate.Every(f.limit.Every), f.limit.Burst)
		f.buckets[addr] = b
	}
	b.AllowN(now, 1)
}

// makeRoom forgets the addresses whose bucket has refilled, which are
// the same as new ones, when the map is full; if none has, it forgets
// them all rather than grow.
func (f *failures) makeRoom(now time.Time) {
	if len(f.buckets) < f.limit.MaxAddresses {
		return
	}
	for addr, b := range f.buckets {
		if b.TokensAt(now) >= float64(f.limit.Burst) {
			delete(f.buckets, addr)
		}
	}
	if len(f.buckets) >= f.limit.MaxAddresses {
		clear(f.buckets)
	}
}
