// Package requestlog is the HTTP middleware that every request passes
// first: it names the request with a fresh id, works out which client sent
// it, and writes one structured log line when the answer is done.
//
// Handlers further down read the id and the client address from the
// request context with ID and RemoteAddr, so that what they record and log
// can be matched with the request's log line.
package requestlog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// HeaderID is the response header that carries the request id.
const HeaderID = "X-Request-Id"

type ctxKey struct{}

// info is what the middleware keeps in the request context: one value, so
// that a request costs one context allocation.
type info struct {
	id   string
	addr string
}

// Middleware gives each request an id (in the X-Request-Id response
// header), resolves the client address, stores both in the request context
// and logs one line per request: method, path, status, duration_ms, bytes,
// request_id and remote_addr. A 5xx answer logs at error, a 4xx at warn,
// the rest at info.
//
// An incoming X-Request-Id is never trusted: a client could pick ids that
// collide with other requests' log lines. X-Forwarded-For is read only when
// the direct peer is in one of the trusted prefixes; the client is then its
// right-most hop that is not itself trusted. Query strings and headers are
// never logged, since they may carry secrets. A nil logger means
// slog.Default().
func Middleware(next http.Handler, logger *slog.Logger,
	trusted []netip.Prefix) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		in := &info{id: newID(), addr: clientAddr(r, trusted)}
		w.Header().Set(HeaderID, in.id)
		rec := &recorder{ResponseWriter: w}

		// Deferred, so that a request whose handler panics is logged
		// too, as the 500 the server turns the panic into.
		panicked := true
		defer func() {
			status := rec.statusCode()
			if panicked && rec.status == 0 {
				status = http.StatusInternalServerError
			}
			logger.LogAttrs(r.Context(), level(status), "request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Float64("duration_ms", milliseconds(time.Since(start))),
				slog.Int64("bytes", rec.bytes),
				slog.String("request_id", in.id),
				slog.String("remote_addr", in.addr),
			)
		}()
		next.ServeHTTP(rec, r.WithContext(
			context.WithValue(r.Context(), ctxKey{}, in)))
		panicked = false
	})
}

// ID returns the request id that Middleware gave the request of ctx, or ""
// outside of Middleware.
func ID(ctx context.Context) string {
	if in, ok := ctx.Value(ctxKey{}).(*info); ok {
		return in.id
	}
	return ""
}

// RemoteAddr returns the client IP address that Middleware resolved for
// the request of ctx, or "" outside of Middleware.
func RemoteAddr(ctx context.Context) string {
	if in, ok := ctx.Value(ctxKey{}).(*info); ok {
		return in.addr
	}
	return ""
}

// ParseTrusted parses a comma-separated list of proxy addresses and
// networks, such as "10.0.0.1, 192.168.0.0/16", into prefixes for
// Middleware. Blank entries are skipped; an empty list trusts no one.
func ParseTrusted(list string) ([]netip.Prefix, error) {
	var prefixes []netip.Prefix
	for entry := range strings.SplitSeq(list, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		p, err := parsePrefix(entry)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", entry, err)
		}
		prefixes = append(prefixes, p)
	}
	return prefixes, nil
}

func parsePrefix(entry string) (netip.Prefix, error) {
	if strings.Contains(entry, "/") {
		p, err := netip.ParsePrefix(entry)
		if err != nil {
			return netip.Prefix{}, err
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(entry)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// newID returns 16 hex digits from the system's secure random source:
// unguessable, and short enough to read out over the phone.
func newID() string {
	var b [8]byte
	rand.Read(b[:]) // never fails: it crashes the program first
	return hex.EncodeToString(b[:])
}

// clientAddr returns the IP address of the client that sent r. Behind
// trusted proxies it walks X-Forwarded-For from the right, where the
// nearest proxy appended the address it saw, and stops at the first hop
// that is not a trusted proxy: every hop left of it was written by the
// client and may be forged.
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	peer, ok := parseHop(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr // a unix socket or a test's made-up peer
	}
	if !isTrusted(peer, trusted) {
		return peer.String()
	}
	hops := r.Header.Values("X-Forwarded-For")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		list := hops[i]
		for list != "" {
			var hop string
			if j := strings.LastIndexByte(list, ','); j >= 0 {
				list, hop = list[:j], list[j+1:]
			} else {
				list, hop = "", list
			}
			addr, ok := parseHop(strings.TrimSpace(hop))
			if !ok {
				// A trusted proxy wrote nonsense: keep the last hop
				// that can be vouched for.
				return client.String()
			}
			client = addr
			if !isTrusted(addr, trusted) {
				return client.String()
			}
		}
	}
	return client.String()
}

// parseHop reads an address as it appears in RemoteAddr or in one
// X-Forwarded-For hop: "1.2.3.4", "1.2.3.4:5678", "::1" or "[::1]:5678".
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func level(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// milliseconds keeps microsecond precision: most requests take well under
// a millisecond, and a whole number would show them all as 0.
func milliseconds(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// recorder notes the status and the size of the answer as the handler
// writes it.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (rec *recorder) WriteHeader(code int) {
	// 1xx answers other than 101 come before the real status.
	if rec.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		rec.status = code
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriter.Write(b)
	rec.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer, for
// Flush, deadlines and hijacking.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

func (rec *recorder) statusCode() int {
	if rec.status == 0 {
		return http.StatusOK // the server sends 200 when nothing was written
	}
	return rec.status
}
