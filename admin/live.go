package admin

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// broker tells live pages that events changed. One goroutine polls the
// store's last change while anyone listens: polling works the same with
// one hub instance or several sharing a database, and costs one cheap
// query a second however many pages are open.
type broker struct {
	store    connectors.Store
	interval time.Duration
	logger   *slog.Logger

	mu      sync.Mutex
	subs    map[chan connectors.Change]struct{}
	polling bool
	done    chan struct{}
	closed  bool
}

func newBroker(store connectors.Store, interval time.Duration, logger *slog.Logger) *broker {
	return &broker{store: store, interval: interval, logger: logger,
		subs: map[chan connectors.Change]struct{}{}, done: make(chan struct{})}
}

// subscribe returns a channel of changes, and starts polling if need be.
func (b *broker) subscribe() (chan connectors.Change, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, false
	}
	ch := make(chan connectors.Change, 1)
	b.subs[ch] = struct{}{}
	if !b.polling {
		b.polling = true
		go b.poll()
	}
	return ch, true
}

func (b *broker) unsubscribe(ch chan connectors.Change) {
	b.mu.Lock()
	delete(b.subs, ch)
	b.mu.Unlock()
}

func (b *broker) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.closed = true
		close(b.done)
	}
}

// poll runs while there are subscribers, and sends each a change when
// the store's last change moves.
func (b *broker) poll() {
	t := time.NewTicker(b.interval)
	defer t.Stop()
	var last connectors.Change
	first := true
	for {
		select {
		case <-b.done:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), b.interval*5)
		c, err := b.store.LastChange(ctx)
		cancel()
		if err != nil {
			b.logger.Warn("live: read last change", "error", err.Error())
			continue
		}
		if !b.publish(c, last, first) {
			return
		}
		last, first = c, false
	}
}

// publish sends c to every subscriber if it differs from last, and
// reports whether anyone still listens; when no one does, polling stops.
func (b *broker) publish(c, last connectors.Change, first bool) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.subs) == 0 {
		b.polling = false
		return false
	}
	if first || c == last {
		return true
	}
	for ch := range b.subs {
		select {
		case ch <- c:
		default: // a slow page gets the next change instead
		}
	}
	return true
}

// defaultHeartbeat keeps proxies from closing a quiet stream.
const defaultHeartbeat = 25 * time.Second

// liveStream serves Server-Sent Events: one "change" event each time
// events change. The page then fetches itself again.
func (h *Handler) liveStream(w http.ResponseWriter, r *http.Request, _ *request) {
	// The response controller reaches the flusher through wrappers such
	// as requestlog's.
	rc := http.NewResponseController(w)
	ch, ok := h.live.subscribe()
	if !ok {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	defer h.live.unsubscribe(ch)

	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 3000\n\n")
	// Where events stand now: a page rendered before a change that came
	// ahead of this stream learns of it here.
	if c, err := h.store.LastChange(r.Context()); err == nil {
		writeChange(w, c)
	}
	if err := rc.Flush(); err != nil {
		return
	}
	every := h.cfg.Heartbeat
	if every <= 0 {
		every = defaultHeartbeat
	}
	beat := time.NewTicker(every)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-h.live.done:
			return
		case <-beat.C:
			// A user signed out, disabled or expired since the stream
			// opened hears no more.
			if _, ok := h.session(r); !ok {
				return
			}
			fmt.Fprint(w, ": beat\n\n")
		case c := <-ch:
			writeChange(w, c)
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// writeChange sends one "change" event: the newest id, and the key a
// page compares with the one it was rendered with.
func writeChange(w http.ResponseWriter, c connectors.Change) {
	fmt.Fprintf(w, "event: change\ndata: {\"last_id\":%d,\"seen\":%q}\n\n",
		c.LastID, seenKey(c))
}

// seenKey names where events stand: the newest id and the latest update.
func seenKey(c connectors.Change) string {
	return fmt.Sprintf("%d.%d", c.LastID, c.UpdatedAt.UnixMicro())
}
