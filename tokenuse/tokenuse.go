// Package tokenuse records when each company token was last used, for
// operators deciding which tokens to revoke, without a write per event:
// a token's last use is written at most once a minute.
package tokenuse

import (
	"context"
	"log/slog"
	"sync"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// Every is how often a token's last use is written: often enough to read
// "in use", far less than once an event.
const Every = time.Minute

// writeTimeout bounds a write, which goes on after the request that
// used the token has been answered or has gone.
const writeTimeout = 5 * time.Second

// Store keeps tokens' last use.
type Store interface {
	TouchToken(ctx context.Context, id int64, at time.Time) error
}

// Recorder writes tokens' last use. It is safe for concurrent use.
type Recorder struct {
	store  Store
	logger *slog.Logger

	mu      sync.Mutex
	written map[int64]time.Time // token id: the last use written
}

// New returns a Recorder that writes to store and logs its failures.
func New(store Store, logger *slog.Logger) *Recorder {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Recorder{store: store, logger: logger, written: make(map[int64]time.Time)}
}

// Touch records that tok was used now, unless its last use was written
// less than Every ago. A nil tok (the instance token) is not recorded. A
// failure is logged, not returned: the event it came with was stored.
func (r *Recorder) Touch(ctx context.Context, tok *connectors.Token) {
	if tok == nil {
		return
	}
	now := time.Now().UTC()
	r.mu.Lock()
	last, seen := r.written[tok.ID]
	due := !seen || now.Sub(last) >= Every
	if due {
		r.written[tok.ID] = now
	}
	r.mu.Unlock()
	if !due {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	if err := r.store.TouchToken(ctx, tok.ID, now); err != nil {
		r.logger.ErrorContext(ctx, "touch token", "token_id", tok.ID,
			"error", err.Error())
	}
}
