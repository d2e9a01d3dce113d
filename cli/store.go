package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ipai-ai/ipai-connectors/sqlite"
)

// storeSettings are the settings of every command that opens the store.
var storeSettings = []string{"db", "log-format", "log-level"}

// openStore opens, and migrates, the store that cfg names. PostgreSQL URLs
// are refused when the configuration is read, so every store is SQLite.
func openStore(ctx context.Context, cfg Config, logger *slog.Logger) (*sqlite.Store, error) {
	store, err := sqlite.Open(ctx, cfg.DB, logger)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", cfg.DB, err)
	}
	return store, nil
}

// withStore opens the store for one command, runs fn on it and closes it,
// so that pending writes are flushed before the command returns.
func withStore(ctx context.Context, env Env, cfg Config,
	fn func(store *sqlite.Store) error) error {
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
