// Package ingest is the HTTP surface that takes events in: the JSON-RPC
// event endpoint and the health route that the hub keeps, unchanged for its
// clients, from the Odoo module it replaces.
//
// A request body is read once, bounded, and parsed only as far as the
// envelope and its params: the payload stays the bytes the client sent, so
// that it is stored byte for byte. Every refused request is recorded as a
// Rejection and logged, never with its token.
//
// Handlers read the request id and client address that package requestlog
// puts in the request context, so they expect to be mounted behind
// requestlog.Middleware.
package ingest

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

// The routes the Odoo module served, kept at the same paths.
const (
	EventPath  = "/ipai_ai_connectors/event"
	HealthPath = "/ipai_ai_connectors/health"
)

// DefaultMaxBodyBytes is the largest body accepted when Config names none.
const DefaultMaxBodyBytes int64 = 25 << 20

// DefaultMaxInFlightBytes is the budget of request bodies held at once
// when Config names none.
const DefaultMaxInFlightBytes int64 = 256 << 20

// Store is the part of connectors.Store that ingest needs.
type Store interface {
	CreateEvent(ctx context.Context, e connectors.NewEvent) (int64, error)
	RecordRejection(ctx context.Context, r connectors.Rejection) error
	Company(ctx context.Context, id int64) (connectors.Company, error)
	Ping(ctx context.Context) error
}

// TokenStore is the part of a store that keeps company tokens. When the
// Store given to New is one too, company tokens are accepted beside the
// instance token; otherwise the instance token alone is.
type TokenStore interface {
	TokenByHash(ctx context.Context, hash string) (connectors.Token, error)
	TouchToken(ctx context.Context, id int64, at time.Time) error
}

// Config sets up a Handler.
type Config struct {
	// Token is the instance token (IPAI_CONNECTORS_TOKEN). It posts for
	// any company. Company tokens, kept by the store, work beside it;
	// with neither, every event is refused.
	Token connectors.Secret
	// MaxBodyBytes bounds a request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Budget bounds the request bodies held at once, across all requests;
	// a body that would pass it is answered 503. Share one with the hub's
	// other endpoints, so that the bound holds for the process. nil: a
	// budget of MaxInFlightBytes for this Handler alone.
	Budget *bodybudget.Budget
	// MaxInFlightBytes sizes the Handler's own budget when Budget is nil.
	// 0 means DefaultMaxInFlightBytes, or four bodies of MaxBodyBytes if
	// larger; it is raised to what one body of MaxBodyBytes needs.
	MaxInFlightBytes int64
	// Uses records company tokens' last use: share one with the hub's
	// other endpoints. nil: a Recorder of its own.
	Uses *tokenuse.Recorder
	// Failures slows down addresses that keep sending wrong tokens: share
	// one with the hub's other endpoints. nil: a Limiter of its own.
	Failures *failurelimit.Limiter
	// Logger receives refusals and store failures; nil discards them.
	Logger *slog.Logger
}

// Handler serves the event endpoint and the health route. It is safe for
// concurrent use.
type Handler struct {
	store    Store
	tokens   TokenStore // nil: the instance token only
	token    connectors.Secret
	maxBody  int64
	budget   *bodybudget.Budget // bytes of request bodies held now
	failures *failurelimit.Limiter
	logger   *slog.Logger

	uses *tokenuse.Recorder // nil without tokens
}

// New returns a Handler that stores events in store.
func New(store Store, cfg Config) *Handler {
	h := &Handler{
		store:    store,
		token:    cfg.Token,
		maxBody:  cfg.MaxBodyBytes,
		logger:   cfg.Logger,
		failures: cfg.Failures,
	}
	if h.failures == nil {
		h.failures = failurelimit.New(failurelimit.Default)
	}
	h.tokens, _ = store.(TokenStore)
	if h.tokens != nil {
		h.uses = cfg.Uses
		if h.uses == nil {
			h.uses = tokenuse.New(h.tokens, cfg.Logger)
		}
	}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	h.budget = cfg.Budget
	if h.budget == nil {
		h.budget = ownBudget(cfg.MaxInFlightBytes, h.maxBody)
	}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	if h.token == "" {
		h.logger.Warn("no instance token is set: every event will be refused")
	}
	return h
}

// ownBudget returns a budget of size bytes for bodies of up to maxBody.
func ownBudget(size, maxBody int64) *bodybudget.Budget {
	if size <= 0 {
		size = max(DefaultMaxInFlightBytes, 4*maxBody)
	}
	return bodybudget.New(max(size, bodybudget.MinSize(maxBody)))
}

// Register mounts the routes on mux: POST EventPath, and GET (so HEAD)
// and POST HealthPath. The mux answers other methods with 405 and an
// Allow header.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST "+EventPath, h.event)
	mux.HandleFunc("GET "+HealthPath, h.health)
	mux.HandleFunc("POST "+HealthPath, h.healthCall)
}
