// Package hooks is the HTTP surface that takes deliveries from providers
// as they send them: POST /hooks/{slug} for GitHub, Slack, Stripe,
// Standard Webhooks and custom senders, each verified with its own
// signature scheme over the raw bytes before anything parses them, and
// POST /api/v1/events, the REST ingest endpoint for callers that hold a
// hub token.
//
// A delivery that carries the provider's delivery id, or an
// Idempotency-Key header, is stored once: a redelivery is answered with
// the event of the first. Every refusal is recorded as a Rejection with
// its cause, and an address that keeps failing is slowed down with 429.
//
// Handlers read the request id and client address that package
// requestlog puts in the request context, so they expect to be mounted
// behind requestlog.Middleware.
package hooks

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/bodybudget"
	"github.com/ipai-ai/ipai-connectors/failurelimit"
	"github.com/ipai-ai/ipai-connectors/tokenuse"
)

// The routes. Hook paths take the connection's slug, with or without a
// trailing slash: a redirect would turn a sender's POST into a GET.
const (
	HookPrefix = "/hooks/"
	EventsPath = "/api/v1/events"
)

// DefaultMaxBodyBytes bounds a body when neither the connection nor the
// Config names a limit: GitHub's own limit on a delivery.
const DefaultMaxBodyBytes int64 = 25 << 20

// Store is the part of connectors.Store that hooks needs.
type Store interface {
	CreateEventOnce(ctx context.Context, e connectors.NewEvent) (int64, bool, error)
	ConnectionBySlug(ctx context.Context, slug string) (connectors.Connection, error)
	RecordRejection(ctx context.Context, r connectors.Rejection) error
	Company(ctx context.Context, id int64) (connectors.Company, error)
	TokenByHash(ctx context.Context, hash string) (connectors.Token, error)
	TouchToken(ctx context.Context, id int64, at time.Time) error
}

// Config sets up a Handler.
type Config struct {
	// Token is the instance token, accepted by the REST endpoint for any
	// company. Company tokens are looked up in the store.
	Token connectors.Secret
	// Box opens the connections' sealed secrets. Without it every hook
	// delivery is refused as unverifiable.
	Box *connectors.SecretBox
	// MaxBodyBytes bounds a body when its connection names no limit, and
	// every REST body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Budget bounds the bodies held at once, received and decoded, across
	// all requests; a body that would pass it is answered 503. Share one
	// with the hub's other endpoints, so that the bound holds for the
	// process. nil: a budget of bodybudget.SizeFor(MaxBodyBytes) for this
	// Handler alone.
	Budget *bodybudget.Budget
	// Uses records company tokens' last use: share one with the hub's
	// other endpoints. nil: a Recorder of its own.
	Uses *tokenuse.Recorder
	// Failures limits how often one address may fail before it is
	// answered 429: share one with the hub's other endpoints. nil: a
	// Limiter of its own with failurelimit.Default.
	Failures *failurelimit.Limiter
	// Now returns the time that signed timestamps are checked against;
	// nil means time.Now.
	Now func() time.Time
	// Logger receives refusals and store failures; nil discards them.
	Logger *slog.Logger
}

// Handler serves the hook and REST routes. It is safe for concurrent
// use.
type Handler struct {
	store   Store
	token   connectors.Secret
	box     *connectors.SecretBox
	maxBody int64
	budget  *bodybudget.Budget
	now     func() time.Time
	logger  *slog.Logger
	limiter *failurelimit.Limiter
	uses    *tokenuse.Recorder
}

// New returns a Handler that stores events in store.
func New(store Store, cfg Config) *Handler {
	h := &Handler{
		store:   store,
		token:   cfg.Token,
		box:     cfg.Box,
		maxBody: cfg.MaxBodyBytes,
		budget:  cfg.Budget,
		now:     cfg.Now,
		logger:  cfg.Logger,
		limiter: cfg.Failures,
		uses:    cfg.Uses,
	}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	if h.budget == nil {
		h.budget = bodybudget.New(bodybudget.SizeFor(h.maxBody))
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.uses == nil {
		h.uses = tokenuse.New(store, cfg.Logger)
	}
	if h.limiter == nil {
		h.limiter = failurelimit.New(failurelimit.Default)
	}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	return h
}

// Register mounts the routes on mux. HEAD and GET on a hook path answer
// 200 without creating an event, as the probes some providers send when
// a URL is registered expect.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, p := range []string{HookPrefix + "{slug}", HookPrefix + "{slug}/"} {
		mux.HandleFunc("POST "+p, h.hook)
		mux.HandleFunc("GET "+p, h.probe)
	}
	mux.HandleFunc("POST "+EventsPath, h.restEvent)
}

// probe answers a HEAD or GET on a hook path.
func (h *Handler) probe(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write([]byte("ok\n"))
	}
}
