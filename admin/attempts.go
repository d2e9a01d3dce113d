package admin

import (
	"sync"
	"time"
)

// attempts counts sign-in attempts by key, an address or an e-mail, in a
// sliding window, in this process. An attempt is reserved before its
// password is checked: a count taken from the store before checking lets
// parallel attempts all pass, since none has failed yet when each is
// counted. A successful attempt is given back, so that only failures, and
// attempts still being checked, count. It is safe for concurrent use.
type attempts struct {
	burst  int
	window time.Duration
	limit  int // keys remembered at most

	mu   sync.Mutex
	keys map[string][]time.Time // each key's attempts, oldest first
}

func newAttempts(burst int, window time.Duration, maxKeys int) *attempts {
	return &attempts{burst: burst, window: window, limit: maxKeys,
		keys: make(map[string][]time.Time)}
}

// reserve records an attempt by key at now and reports true, or reports
// false, recording nothing, when key has burst attempts in the window.
func (a *attempts) reserve(key string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	live := a.live(key, now)
	if len(live) >= a.burst {
		return false
	}
	if len(live) == 0 && len(a.keys) >= a.limit {
		a.makeRoom(now)
	}
	a.keys[key] = append(live, now)
	return true
}

// count returns how many attempts key has in the window before now.
func (a *attempts) count(key string, now time.Time) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := len(a.live(key, now))
	if n == 0 {
		delete(a.keys, key)
	}
	return n
}

// cancel gives back an attempt that key reserved at at.
func (a *attempts) cancel(key string, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	list := a.keys[key]
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Equal(at) {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(a.keys, key)
		return
	}
	a.keys[key] = list
}

// live returns key's attempts within the window before now, and forgets
// the older ones.
func (a *attempts) live(key string, now time.Time) []time.Time {
	list := a.keys[key]
	since := now.Add(-a.window)
	i := 0
	for i < len(list) && !list[i].After(since) {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(a.keys, key)
	} else {
		a.keys[key] = list
	}
	return list
}

// makeRoom forgets the keys whose attempts are all out of the window;
// when every key is still counting, it forgets one at random, so that a
// flood from many addresses cannot grow memory without end. The store's
// count of failures still limits a forgotten key, though not exactly.
func (a *attempts) makeRoom(now time.Time) {
	since := now.Add(-a.window)
	for key, list := range a.keys {
		if !list[len(list)-1].After(since) {
			delete(a.keys, key)
		}
	}
	for key := range a.keys {
		if len(a.keys) < a.limit {
			return
		}
		delete(a.keys, key)
	}
}
