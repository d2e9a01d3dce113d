// Package admin is the hub's web interface, served under /admin: sign-in,
// the events list and each event's page with the actions an operator may
// take, the dashboard, rejected requests, company tokens, provider
// connections, users and the audit log.
//
// Pages are rendered on the server from templates embedded in the binary
// and parsed when the handler is built, so that a broken template fails
// the boot. A little script (static/admin.js) adds live updates and
// select-all; every page works without it. Every check of who may see or
// do what is made here, on the server, for every request.
//
// Handlers read the request id and client address that package
// requestlog puts in the request context, so they expect to be mounted
// behind requestlog.Middleware.
package admin

import (
	"context"
	"embed"
	"log/slog"
	"net/http"
	"sync"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Prefix is the path under which the interface is served.
const Prefix = "/admin"

// Config sets up a Handler.
type Config struct {
	// SecureCookies marks cookies Secure even when the request did not
	// come over TLS to this process, as behind a TLS-terminating proxy.
	SecureCookies bool
	// SessionTTL is how long a sign-in lasts; 0 means 12 hours.
	SessionTTL time.Duration
	// PollInterval is how often live updates look for changes; 0 means
	// one second.
	PollInterval time.Duration
	// Heartbeat is how often a quiet live stream is sent a comment, and
	// its session checked again; 0 means 25 seconds, which keeps
	// proxies from closing it.
	Heartbeat time.Duration
	// BcryptCost is the cost of new password hashes; 0 means the
	// bcrypt default.
	BcryptCost int
	// Box seals the signing secrets of connections made or rotated on
	// the Connections page; nil when the hub has no secret key, and the
	// page then says how to set one.
	Box *connectors.SecretBox
	// Logger receives failures; nil discards them.
	Logger *slog.Logger
	// Now returns the time that sign-in attempts are counted at; nil
	// means time.Now.
	Now func() time.Time
}

// Handler serves the admin interface. It is safe for concurrent use.
type Handler struct {
	store  connectors.Store
	cfg    Config
	logger *slog.Logger
	pages  pages
	live   *broker

	// Sign-in attempts in this process, by address and by e-mail.
	byAddr, byEmail *attempts

	mu    sync.Mutex
	setup string // the one-time setup token, while no user exists
}

// New returns a Handler on store. It fails when a template does not
// parse.
func New(store connectors.Store, cfg Config) (*Handler, error) {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	h := &Handler{store: store, cfg: cfg, logger: cfg.Logger, pages: p,
		byAddr:  newAttempts(loginBurst, loginWindow, maxLoginKeys),
		byEmail: newAttempts(emailBurst, loginWindow, maxLoginKeys)}
	h.live = newBroker(store, cfg.PollInterval, cfg.Logger)
	return h, nil
}

// Close ends the live streams, so that a server shutting down does not
// wait for them.
func (h *Handler) Close() { h.live.close() }

// Register mounts the interface on mux under Prefix.
func (h *Handler) Register(mux *http.ServeMux) {
	for pattern, fn := range h.routes() {
		mux.Handle(pattern, h.secure(fn))
	}
}

func (h *Handler) routes() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"GET " + Prefix:                          redirectTo(Prefix + "/"),
		"GET " + Prefix + "/{$}":                 h.signedIn(h.dashboard),
		"GET " + Prefix + "/static/":             h.static,
		"GET " + Prefix + "/login":               h.loginPage,
		"POST " + Prefix + "/login":              h.login,
		"POST " + Prefix + "/logout":             h.signedIn(h.logout),
		"GET " + Prefix + "/setup/{token}":       h.setupPage,
		"POST " + Prefix + "/setup/{token}":      h.setupSubmit,
		"GET " + Prefix + "/events":              h.signedIn(h.eventsList),
		"POST " + Prefix + "/events/bulk":        h.acting(h.bulk),
		"GET " + Prefix + "/events/{id}":         h.signedIn(h.eventPage),
		"GET " + Prefix + "/events/{id}/payload": h.signedIn(h.payloadDownload),
		"POST " + Prefix + "/events/{id}/move":   h.acting(h.move),
		"POST " + Prefix + "/events/{id}/notes":  h.acting(h.notes),
		"GET " + Prefix + "/rejected":            h.admin(h.rejected),
		"GET " + Prefix + "/tokens":              h.signedIn(h.tokensPage),
		"POST " + Prefix + "/tokens":             h.acting(h.tokenCreate),
		"POST " + Prefix + "/tokens/{id}/revoke": h.acting(h.tokenRevoke),

		"GET " + Prefix + "/connections":               h.signedIn(h.connectionsPage),
		"POST " + Prefix + "/connections":              h.acting(h.connectionCreate),
		"POST " + Prefix + "/connections/{id}/rotate":  h.acting(h.connectionRotate),
		"POST " + Prefix + "/connections/{id}/disable": h.acting(h.connectionDisable),
		"POST " + Prefix + "/connections/{id}/enable":  h.acting(h.connectionEnable),

		"GET " + Prefix + "/users":               h.admin(h.usersPage),
		"POST " + Prefix + "/users":              h.admin(h.userCreate),
		"POST " + Prefix + "/users/{id}/disable": h.admin(h.userDisable),
		"POST " + Prefix + "/users/{id}/enable":  h.admin(h.userEnable),
		"POST " + Prefix + "/companies":          h.admin(h.companyCreate),
		"GET " + Prefix + "/audit":               h.signedIn(h.auditPage),
		"GET " + Prefix + "/live":                h.signedIn(h.liveStream),
	}
}

func redirectTo(path string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, path, http.StatusSeeOther)
	}
}

// SetupPath returns the path of the one-time setup link when the store
// has no user yet, and "" once it has one. The link creates the first
// admin and then stops working.
func (h *Handler) SetupPath(ctx context.Context) (string, error) {
	n, err := h.store.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.setup == "" {
		h.setup = randomToken()
	}
	return Prefix + "/setup/" + h.setup, nil
}
