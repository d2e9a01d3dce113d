package cli

import (
	"context"
	"fmt"

	"github.com/ipai-ai/ipai-connectors/postgres"
	"github.com/ipai-ai/ipai-connectors/sqlite"
)

// migrationJSON is the answer of migrate --json.
type migrationJSON struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

func runMigrate(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("migrate", "",
		"Bring the store's schema up to date and print its versions",
		storeSettings...)
	asJSON := cl.fs.Bool("json", false, "print a JSON object")

	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	if err := cl.wantArgs(pos, 0); err != nil {
		return err
	}

	// The version before is read first: opening the store migrates it.
	from, err := schemaVersion(ctx, cfg.DB)
	if err != nil {
		return err
	}
	return withNewStore(ctx, env, cfg, func(store hubStore) error {
		_, to, err := store.Migrate(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if *asJSON {
			return writeJSON(env.Stdout, migrationJSON{From: from, To: to})
		}
		if from == to {
			_, err = fmt.Fprintf(env.Stdout, "schema is up to date at version %d\n", to)
			return err
		}
		_, err = fmt.Fprintf(env.Stdout, "schema migrated from version %d to %d\n", from, to)
		return err
	})
}

// schemaVersion reads the store's schema version without migrating it.
func schemaVersion(ctx context.Context, db string) (int64, error) {
	var v int64
	var err error
	if isPostgresURL(db) {
		v, err = postgres.SchemaVersion(ctx, db)
	} else {
		v, err = sqlite.SchemaVersion(ctx, db)
	}
	if err != nil {
		return 0, fmt.Errorf("read the schema version of %s: %w", redactDB(db), err)
	}
	return v, nil
}
