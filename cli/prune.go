package cli

import (
	"context"
	"fmt"
	"strings"
	"time"
)

func runEventsPrune(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("events prune", "",
		"Remove the events of the whole months before a time, with their "+
			"history and requests (PostgreSQL: months are dropped, not "+
			"deleted row by row)", storeSettings...)
	before := cl.fs.String("before", "", "remove the months that end by this `time`: "+sinceForms)

	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	if err := cl.wantArgs(pos, 0); err != nil {
		return err
	}
	if *before == "" {
		return cl.usageErr("--before is required")
	}
	t, err := parseSince(*before, time.Now())
	if err != nil {
		return cl.usageErr("--before: %s", err)
	}

	return withStore(ctx, env, cfg, func(store hubStore) error {
		p, ok := store.(partitioner)
		if !ok {
			return fmt.Errorf("removing old events needs PostgreSQL, whose " +
				"months can be dropped whole; this store is SQLite")
		}
		months, err := p.DropPartitionsBefore(ctx, t)
		if err != nil {
			return err
		}
		if len(months) == 0 {
			_, err = fmt.Fprintf(env.Stdout, "no whole month ends by %s\n",
				t.UTC().Format(time.RFC3339))
			return err
		}
		_, err = fmt.Fprintf(env.Stdout, "removed the events of %s\n",
			strings.Join(months, ", "))
		return err
	})
}
