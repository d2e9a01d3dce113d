package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/postgres"
	"github.com/ipai-ai/ipai-connectors/sqlite"
)

// storeSettings are the settings of every command that opens the store.
var storeSettings = []string{"db", "db-pool-size", "log-format", "log-level"}

// hubStore is a store engine as the commands use it.
type hubStore interface {
	connectors.Store
	// Migrate brings the schema up to date and returns the versions
	// before and after.
	Migrate(ctx context.Context) (from, to int64, err error)
}

// isPostgresURL reports whether db names a PostgreSQL database rather
// than a SQLite file.
func isPostgresURL(db string) bool {
	lower := strings.ToLower(db)
	return strings.HasPrefix(lower, "postgres://") ||
		strings.HasPrefix(lower, "postgresql://")
}

// openStore opens, and migrates, the store that cfg names: PostgreSQL for
// a postgres:// or postgresql:// URL, SQLite for anything else.
func openStore(ctx context.Context, cfg Config, logger *slog.Logger) (hubStore, error) {
	var store hubStore
	var err error
	if isPostgresURL(cfg.DB) {
		store, err = postgres.Open(ctx, cfg.DB, postgres.Options{
			PoolSize: cfg.DBPoolSize,
			Logger:   logger,
		})
	} else {
		store, err = sqlite.Open(ctx, cfg.DB, logger)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", redactDB(cfg.DB), err)
	}
	return store, nil
}

// redactDB returns db fit for a log line or an error: a URL loses its
// password, a file path is kept as it is.
func redactDB(db string) string {
	if !isPostgresURL(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		// Unparsable: show the scheme only, in case the rest is secret.
		scheme, _, _ := strings.Cut(db, "://")
		return scheme + "://…"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// withStore opens the store for one command, runs fn on it and closes it,
// so that pending writes are flushed before the command returns. A SQLite
// file that does not exist is refused rather than created: a mistyped
// --db must not answer with an empty store that looks like no events.
func withStore(ctx context.Context, env Env, cfg Config,
	fn func(store hubStore) error) error {
	if !isPostgresURL(cfg.DB) {
		if _, err := os.Stat(cfg.DB); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no store at %q: start the hub with "+
				"'ipai-connectors serve' or create it with "+
				"'ipai-connectors migrate', or name the right file with --db", cfg.DB)
		}
	}
	return withNewStore(ctx, env, cfg, fn)
}

// withNewStore is withStore for the commands that may create the store:
// migrate, import and seed.
func withNewStore(ctx context.Context, env Env, cfg Config,
	fn func(store hubStore) error) error {
	store, err := openStore(ctx, cfg, newLogger(env.Stderr, cfg))
	if err != nil {
		return err
	}
	err = fn(store)
	if cerr := store.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("close store: %w", cerr))
	}
	return err
}
