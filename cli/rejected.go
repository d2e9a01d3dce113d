package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// rejectionJSON is a rejected request as JSON.
type rejectionJSON struct {
	ID         int64            `json:"id"`
	At         *string          `json:"at"`
	RemoteAddr string           `json:"remote_addr"`
	Path       string           `json:"path"`
	Source     string           `json:"source"`
	Cause      connectors.Cause `json:"cause"`
	Detail     string           `json:"detail"`
	RequestID  string           `json:"request_id"`
}

func runRejectedList(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("rejected list", "",
		"List rejected requests, newest first", storeSettings...)
	asJSON := cl.fs.Bool("json", false, "print a JSON array")
	cause := cl.fs.String("cause", "", "only rejections with this `cause`, such as wrong_token")
	since := cl.fs.String("since", "", "only rejections since this `time`: "+sinceForms)
	limit := cl.fs.Int("limit", connectors.DefaultLimit, "at most this many rejections")

	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	if err := cl.wantArgs(pos, 0); err != nil {
		return err
	}
	f, err := rejectionFilter(*cause, *since, *limit, time.Now())
	if err != nil {
		return cl.usageErr("%s", err)
	}

	return withStore(ctx, env, cfg, func(store hubStore) error {
		rejections, err := store.Rejections(ctx, f)
		if err != nil {
			return fmt.Errorf("list rejections: %w", err)
		}
		if *asJSON {
			return writeJSON(env.Stdout, rejectionsJSON(rejections))
		}
		return writeRejectionsTable(env.Stdout, rejections)
	})
}

// rejectionFilter builds the filter of rejected list from its flags.
func rejectionFilter(cause, since string, limit int,
	now time.Time) (connectors.RejectionFilter, error) {
	f := connectors.RejectionFilter{Cause: connectors.Cause(cause)}
	if cause != "" && !slices.Contains(connectors.Causes, f.Cause) {
		return f, fmt.Errorf("--cause: unknown cause %q: want one of %s",
			cause, causeList())
	}
	if since != "" {
		t, err := parseSince(since, now)
		if err != nil {
			return f, err
		}
		f.Since = t
	}
	if limit < 1 || limit > connectors.MaxLimit {
		return f, fmt.Errorf("--limit: want 1 to %d, got %d",
			connectors.MaxLimit, limit)
	}
	f.Limit = limit
	return f, nil
}

// causeList is the known causes for an error message.
func causeList() string {
	names := make([]string, len(connectors.Causes))
	for i, c := range connectors.Causes {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}

func rejectionsJSON(rejections []connectors.Rejection) []rejectionJSON {
	rows := make([]rejectionJSON, 0, len(rejections))
	for _, r := range rejections {
		rows = append(rows, rejectionJSON{
			ID:         r.ID,
			At:         jsonTime(r.At),
			RemoteAddr: r.RemoteAddr,
			Path:       r.Path,
			Source:     r.Source,
			Cause:      r.Cause,
			Detail:     r.Detail,
			RequestID:  r.RequestID,
		})
	}
	return rows
}

func writeRejectionsTable(w io.Writer, rejections []connectors.Rejection) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAT\tREMOTE\tPATH\tSOURCE\tCAUSE\tDETAIL\tREQUEST")
	for _, r := range rejections {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID,
			humanTime(r.At), cell(r.RemoteAddr), cell(r.Path), cell(r.Source),
			cell(string(r.Cause)), cell(r.Detail), cell(r.RequestID))
	}
	return tw.Flush()
}

func runRejectedPrune(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("rejected prune", "",
		"Remove the rejected requests recorded before a time (serve does it "+
			"daily, after IPAI_CONNECTORS_REJECTION_RETENTION)", storeSettings...)
	before := cl.fs.String("before", "", "remove those recorded before this `time`: "+sinceForms)

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
		n, err := store.DeleteRejectionsBefore(ctx, t)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(env.Stdout, "removed %d rejected requests recorded before %s\n",
			n, t.UTC().Format(time.RFC3339))
		return err
	})
}
