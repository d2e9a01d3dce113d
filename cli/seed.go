package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ipai-ai/ipai-connectors/sqlite"
)

// seeder is a store that can write many realistic events fast (SQLite).
type seeder interface {
	Seed(ctx context.Context, o sqlite.SeedOptions) error
}

func runSeed(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("seed", "",
		"Write many realistic events fast, to measure the hub on a large store",
		storeSettings...)
	n := cl.fs.Int("events", 1000, "how many `events`")
	var companies idList
	cl.fs.Var(&companies, "company", "spread them over this company `id`; "+
		"repeat for more; none: the default company")
	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	if err := cl.wantArgs(pos, 0); err != nil {
		return err
	}
	if *n < 1 {
		return cl.usageErr("--events: want at least 1, got %d", *n)
	}
	return withNewStore(ctx, env, cfg, func(store hubStore) error {
		s, ok := store.(seeder)
		if !ok {
			return errors.New("seed writes to a SQLite store only")
		}
		start := time.Now()
		err := s.Seed(ctx, sqlite.SeedOptions{Events: *n, Companies: companies,
			Seed: uint64(start.UnixNano()),
			Progress: func(done int) {
				if done%100000 == 0 {
					fmt.Fprintf(env.Stderr, "%d events written\n", done)
				}
			}})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(env.Stdout, "%d events written in %s\n", *n,
			time.Since(start).Round(time.Millisecond))
		return err
	})
}
