package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/admin"
	"github.com/ipai-ai/ipai-connectors/bodybudget"
	"github.com/ipai-ai/ipai-connectors/failurelimit"
	"github.com/ipai-ai/ipai-connectors/hooks"
	"github.com/ipai-ai/ipai-connectors/ingest"
	"github.com/ipai-ai/ipai-connectors/requestlog"
	"github.com/ipai-ai/ipai-connectors/tokenuse"
)

// Server timeouts. There is no WriteTimeout: it would cut off the answer
// to a large upload that took long to arrive. ReadTimeout bounds the whole
// request instead, generously, so a slow client cannot hold a connection
// for ever.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 5 * time.Minute
	idleTimeout       = 2 * time.Minute

	// shutdownGrace is how long requests in flight may take to finish
	// once a stop is asked for.
	shutdownGrace = 20 * time.Second
)

// minTokenLength is the shortest instance token serve accepts: anything
// shorter can be guessed by a patient client.
const minTokenLength = 8

// errNoToken is the refusal of serve without an instance token.
var errNoToken = errors.New("no instance token: set IPAI_CONNECTORS_TOKEN, " +
	"pass --token, or name a file holding it in IPAI_CONNECTORS_TOKEN_FILE " +
	"(make one with: openssl rand -hex 32)")

// serveSettings are the settings of serve: all of them.
var serveSettings = []string{
	"token", "secret-key", "addr", "db", "db-pool-size", "max-body-bytes",
	"rejection-retention", "event-retention", "trusted-proxies", "secure-cookies",
	"log-format", "log-level",
}

// Server is the running hub: the store, and the HTTP server in front of
// it. Start it, read Addr, and Close it; Close is safe to call once Start
// has returned, whatever it returned.
type Server struct {
	cfg    Config
	logger *slog.Logger

	// Out receives what serve tells its operator outside the log: the
	// one-time setup link, which must not go to a log. Nil: discarded.
	Out io.Writer

	store    hubStore
	box      *connectors.SecretBox // nil: no secret key, hooks refused
	budget   *bodybudget.Budget    // the request bodies held at once
	admin    *admin.Handler
	listener net.Listener
	upkeep   *upkeep // nil: the store needs none
	http     *http.Server
	served   chan error // receives Serve's error once it returns

	closeOnce sync.Once
	closeErr  error
}

// NewServer returns a server for cfg that logs to logger. It refuses a
// configuration without a token.
func NewServer(cfg Config, logger *slog.Logger) (*Server, error) {
	if cfg.Token == "" {
		return nil, errNoToken
	}
	if n := len(cfg.Token.Reveal()); n < minTokenLength {
		return nil, fmt.Errorf("the instance token is %d characters long: "+
			"use at least %d (make one with: openssl rand -hex 32)", n, minTokenLength)
	}
	s := &Server{cfg: cfg, logger: logger, served: make(chan error, 1)}
	// One budget for every endpoint that reads a body, so that together
	// they hold no more than it.
	limit := cmp.Or(cfg.MaxBodyBytes, ingest.DefaultMaxBodyBytes)
	s.budget = bodybudget.New(bodybudget.SizeFor(limit))
	if cfg.SecretKey == "" {
		logger.Warn("no secret key is set: deliveries to /hooks/ will be " +
			"refused (set IPAI_CONNECTORS_SECRET_KEY)")
		return s, nil
	}
	box, err := connectors.NewSecretBox(cfg.SecretKey)
	if err != nil {
		return nil, errors.New(connectors.ErrorMessage(err))
	}
	s.box = box
	return s, nil
}

// Start opens and migrates the store, listens on the configured address
// and serves in the background. ctx bounds the start only. Port 0 picks a
// free port; Addr tells which.
func (s *Server) Start(ctx context.Context) error {
	store, err := openStore(ctx, s.cfg, s.logger)
	if err != nil {
		return err
	}
	s.store = store
	s.admin, err = admin.New(store, admin.Config{
		SecureCookies: s.cfg.SecureCookies,
		Box:           s.box,
		Logger:        s.logger,
	})
	if err != nil {
		return err
	}

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	s.listener = ln
	s.http = s.newHTTPServer()

	s.upkeep = startUpkeep(s.store, s.retention(), s.logger)
	s.logger.Info("listening", "addr", s.Addr(), "db", redactDB(s.cfg.DB))
	go func() { s.served <- s.http.Serve(ln) }()
	return s.printSetupLink(ctx)
}

// printSetupLink prints the link that creates the first admin, when no
// user exists yet. It goes to Out, not to the log: it is a secret that
// works once.
func (s *Server) printSetupLink(ctx context.Context) error {
	path, err := s.admin.SetupPath(ctx)
	if err != nil || path == "" || s.Out == nil {
		return err
	}
	host, port, _ := net.SplitHostPort(s.Addr())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	_, err = fmt.Fprintf(s.Out, "No user exists yet. Open this link once to "+
		"create the first admin:\n  http://%s%s\n", net.JoinHostPort(host, port), path)
	return err
}

func (s *Server) newHTTPServer() *http.Server {
	mux := http.NewServeMux()
	// One failure count for the endpoints that check tokens and
	// signatures: an address guessing on one is slowed on all.
	failures := failurelimit.New(failurelimit.Default)
	// One record of company tokens' last use, written once a minute
	// whichever endpoint the token came to.
	uses := tokenuse.New(s.store, s.logger)
	ingest.New(s.store, ingest.Config{
		Token:        s.cfg.Token,
		MaxBodyBytes: s.cfg.MaxBodyBytes,
		Budget:       s.budget,
		Failures:     failures,
		Uses:         uses,
		Logger:       s.logger,
	}).Register(mux)
	s.admin.Register(mux)
	hooks.New(s.store, hooks.Config{
		Token:        s.cfg.Token,
		Box:          s.box,
		MaxBodyBytes: s.cfg.MaxBodyBytes,
		Budget:       s.budget,
		Failures:     failures,
		Uses:         uses,
		Logger:       s.logger,
	}).Register(mux)

	srv := &http.Server{
		Handler:           requestlog.Middleware(mux, s.logger, s.cfg.TrustedProxies),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	// Live pages hold their streams open: end them when shutting down,
	// or Shutdown would wait the whole grace period for them.
	srv.RegisterOnShutdown(s.admin.Close)
	return srv
}

// Addr returns the address the server listens on, such as
// "127.0.0.1:8069", or "" before Start has listened.
func (s *Server) Addr() string {
	if s.listener == nil {
		return ""
	}
	return s.listener.Addr().String()
}

// Done receives the error that stopped serving, if it stops on its own.
func (s *Server) Done() <-chan error { return s.served }

// Close stops taking requests, lets those in flight finish for a grace
// period, then closes the store, which flushes pending commits. HTTP stops
// first so that no request finds the store closed.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Server) close() error {
	var errs []error
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if err := s.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shut down http: %w", err))
			s.http.Close()
		}
	} else if s.listener != nil {
		s.listener.Close()
	}
	s.upkeep.stop()
	if s.store != nil {
		if err := s.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close store: %w", err))
		}
	}
	return errors.Join(errs...)
}

func runServe(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("serve", "",
		"Run the webhook hub until SIGINT or SIGTERM", serveSettings...)
	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	if err := cl.wantArgs(pos, 0); err != nil {
		return err
	}
	logger := newLogger(env.Stderr, cfg)
	srv, err := NewServer(cfg, logger)
	if err != nil {
		return cl.usageErr("%s", err)
	}
	srv.Out = env.Stdout
	return serve(ctx, srv, logger)
}

// serve runs srv until ctx is cancelled or serving fails, then closes it.
func serve(ctx context.Context, srv *Server, logger *slog.Logger) error {
	if err := srv.Start(ctx); err != nil {
		return errors.Join(err, srv.Close())
	}
	var served error
	select {
	case <-ctx.Done():
		logger.Info("stopping", "grace", shutdownGrace.String())
	case served = <-srv.Done():
		served = fmt.Errorf("serve http: %w", served)
	}
	if err := srv.Close(); err != nil {
		return errors.Join(served, err)
	}
	if served == nil {
		logger.Info("stopped")
	}
	return served
}

// partitioner is a store that keeps events in partitions by month
// (PostgreSQL): made ahead of the clock, dropped whole to remove old
// events.
type partitioner interface {
	EnsurePartitions(ctx context.Context, at time.Time) error
	DropPartitionsBefore(ctx context.Context, cutoff time.Time) ([]string, error)
}

// upkeepInterval is how often serve runs the store's maintenance: making
// the coming months' partitions (PostgreSQL), and removing rejections
// past their retention. The store makes partitions months ahead when it
// opens too, so a missed day costs nothing.
const upkeepInterval = 24 * time.Hour

// upkeep runs a store's periodic maintenance in the background.
type upkeep struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// retention says how long the store keeps what; 0 keeps it for ever.
type retention struct {
	rejections time.Duration
	events     time.Duration // PostgreSQL only: whole months are dropped
}

func (s *Server) retention() retention {
	return retention{rejections: s.cfg.RejectionRetention, events: s.cfg.EventRetention}
}

// startUpkeep starts the store's maintenance: once now, then every
// upkeepInterval.
func startUpkeep(store hubStore, keep retention, logger *slog.Logger) *upkeep {
	ctx, cancel := context.WithCancel(context.Background())
	u := &upkeep{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(u.done)
		tick := time.NewTicker(upkeepInterval)
		defer tick.Stop()
		for {
			runUpkeep(ctx, store, keep, logger)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return u
}

func runUpkeep(ctx context.Context, store hubStore, keep retention,
	logger *slog.Logger) {
	if p, ok := store.(partitioner); ok {
		if err := p.EnsurePartitions(ctx, time.Now()); err != nil {
			logger.Error("partition upkeep failed", "error", err)
		}
		if keep.events > 0 {
			months, err := p.DropPartitionsBefore(ctx, time.Now().Add(-keep.events))
			if err != nil {
				logger.Error("dropping old event partitions failed", "error", err)
			} else if len(months) > 0 {
				logger.Info("dropped old events", "months", months)
			}
		}
	}
	if keep.rejections <= 0 {
		return
	}
	n, err := store.DeleteRejectionsBefore(ctx, time.Now().Add(-keep.rejections))
	if err != nil {
		logger.Error("removing old rejections failed", "error", err)
		return
	}
	if n > 0 {
		logger.Info("removed old rejections", "count", n,
			"retention", keep.rejections.String())
	}
}

// stop ends the maintenance and waits for it; a nil upkeep is a no-op.
func (u *upkeep) stop() {
	if u == nil {
		return
	}
	u.cancel()
	<-u.done
}
