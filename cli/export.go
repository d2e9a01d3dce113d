package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

func runExport(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("export", "",
		"Write every company and event, with history and delivery, as NDJSON",
		storeSettings...)
	output := cl.fs.String("output", "-", "the file to write; - is standard output")

	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	if err := cl.wantArgs(pos, 0); err != nil {
		return err
	}
	return withStore(ctx, env, cfg, func(store hubStore) error {
		if *output == "-" {
			_, err := export(ctx, env.Stdout, store)
			return err
		}
		return exportFile(ctx, env, store, *output)
	})
}

func exportFile(ctx context.Context, env Env, store hubStore, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	end, err := export(ctx, f, store)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("export: %w", cerr)
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(env.Stdout,
		"exported %d companies, %d events, %d history rows to %s\n",
		end.Companies, end.Events, end.History, path)
	return err
}

// export writes the store to w a line at a time: it holds one page of
// events in memory, whatever their number.
func export(ctx context.Context, w io.Writer, store hubStore) (endLine, error) {
	buf := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	var end endLine

	companies, err := store.Companies(ctx)
	if err != nil {
		return end, fmt.Errorf("export: %w", err)
	}
	for _, c := range companies {
		line := &companyLine{ID: c.ID, Name: c.Name, CreatedAt: c.CreatedAt}
		if err := enc.Encode(archiveLine{Company: line}); err != nil {
			return end, fmt.Errorf("export: %w", err)
		}
		end.Companies++
	}
	for a, err := range store.ExportEvents(ctx) {
		if err != nil {
			return end, fmt.Errorf("export: %w", err)
		}
		if err := enc.Encode(archiveLine{Event: toEventLine(a)}); err != nil {
			return end, fmt.Errorf("export: %w", err)
		}
		end.Events++
		end.History += int64(len(a.History))
	}
	if err := enc.Encode(archiveLine{End: &end}); err != nil {
		return end, fmt.Errorf("export: %w", err)
	}
	if err := buf.Flush(); err != nil {
		return end, fmt.Errorf("export: %w", err)
	}
	return end, nil
}
