// Package failurelimit slows down a client address that keeps failing:
// wrong tokens, bad signatures. Each address has a token bucket; a
// failure takes a token, and an address with none left is refused until
// the bucket refills. Successes take nothing, so a client that gets its
// credentials right is never slowed.
//
// One Limiter serves every endpoint of a hub, so that an address that
// guesses on one is slowed on all. It is kept in memory: each instance of
// a hub counts on its own.
package failurelimit

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit says how many failures an address may earn before it is refused:
// Burst at once, then one more every Every.
type Limit struct {
	Burst int
	Every time.Duration
	// MaxAddresses bounds how many addresses are remembered, so that a
	// flood from many addresses cannot grow memory without end.
	MaxAddresses int
}

// Default lets an address fail 20 times at once, then once every three
// seconds, and remembers 10000 addresses.
var Default = Limit{Burst: 20, Every: 3 * time.Second, MaxAddresses: 10000}

// Limiter counts the failures of each address. It is safe for concurrent
// use.
type Limiter struct {
	limit Limit

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// New returns a Limiter; zero fields of l take Default's.
func New(l Limit) *Limiter {
	if l.Burst <= 0 {
		l.Burst = Default.Burst
	}
	if l.Every <= 0 {
		l.Every = Default.Every
	}
	if l.MaxAddresses <= 0 {
		l.MaxAddresses = Default.MaxAddresses
	}
	return &Limiter{limit: l, buckets: make(map[string]*rate.Limiter)}
}

// Blocked reports whether addr has no failure left at now, and if so how
// long until it has one.
func (f *Limiter) Blocked(addr string, now time.Time) (time.Duration, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.buckets[addr]
	if !ok || b.TokensAt(now) >= 1 {
		return 0, false
	}
	need := 1 - b.TokensAt(now)
	return time.Duration(math.Ceil(need * float64(f.limit.Every))), true
}

// Fail takes a token from addr's bucket.
func (f *Limiter) Fail(addr string, now time.Time) {
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
func (f *Limiter) makeRoom(now time.Time) {
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
