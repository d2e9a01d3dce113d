package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"

	connectors "github.com/ipai-ai/ipai-connectors"
)

func runImport(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("import", "[FILE]",
		"Read an export into the store, keeping ids, and check the counts",
		storeSettings...)
	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return cl.usageErr("import takes at most one file, got %d", len(pos))
	}
	in := env.Stdin
	if len(pos) == 1 && pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		in = f
	}
	return withNewStore(ctx, env, cfg, func(store hubStore) error {
		read, err := importArchive(ctx, store, in)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(env.Stdout,
			"imported %d companies, %d events, %d history rows; counts checked\n",
			read.Companies, read.Events, read.History)
		return err
	})
}

// archiveReader reads an export a line at a time.
type archiveReader struct {
	dec  *json.Decoder
	line int
	read endLine // what was read so far
	end  *endLine
}

func (r *archiveReader) next() (archiveLine, error) {
	var l archiveLine
	r.line++
	if err := r.dec.Decode(&l); err != nil {
		if errors.Is(err, io.EOF) {
			return l, io.EOF
		}
		return l, fmt.Errorf("import: line %d: %w", r.line, err)
	}
	if r.end != nil {
		return l, fmt.Errorf("import: line %d: a line after the end line", r.line)
	}
	return l, nil
}

// importArchive imports companies first, then streams the events into
// the store, and then checks that the store grew by what was read and
// that what was read is what the export wrote.
func importArchive(ctx context.Context, store hubStore, in io.Reader) (endLine, error) {
	r := &archiveReader{dec: json.NewDecoder(bufio.NewReaderSize(in, 1<<16))}
	before, err := store.ArchiveCounts(ctx)
	if err != nil {
		return r.read, fmt.Errorf("import: %w", err)
	}
	first, err := importCompanies(ctx, store, r)
	if err != nil {
		return r.read, err
	}
	var readErr error
	n, err := store.ImportEvents(ctx, r.events(first, &readErr))
	if readErr != nil {
		err = readErr // the store saw it too, as the last event's error
	}
	if err != nil {
		return r.read, fmt.Errorf("import: after %d events: %w", n, err)
	}
	return r.read, checkImport(ctx, store, r, before)
}

// importCompanies imports the company lines and returns the first line
// that is not one, if any.
func importCompanies(ctx context.Context, store hubStore, r *archiveReader) (*archiveLine, error) {
	for {
		l, err := r.next()
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if l.Company == nil {
			return &l, nil
		}
		c := connectors.Company{ID: l.Company.ID, Name: l.Company.Name,
			CreatedAt: l.Company.CreatedAt}
		if err := store.ImportCompany(ctx, c); err != nil {
			return nil, fmt.Errorf("import: company %d: %w", c.ID, err)
		}
		r.read.Companies++
	}
}

// events yields the event lines from first on, until the end line. A
// line that cannot be read stops the import; its error lands in *failed.
func (r *archiveReader) events(first *archiveLine, failed *error) iter.Seq2[connectors.ArchivedEvent, error] {
	return func(yield func(connectors.ArchivedEvent, error) bool) {
		l := first
		for l != nil {
			switch {
			case l.End != nil:
				r.end = l.End
			case l.Event != nil:
				r.read.Events++
				r.read.History += int64(len(l.Event.History))
				if !yield(l.Event.archived(), nil) {
					return
				}
			default:
				*failed = fmt.Errorf("line %d: a company after the events, or an empty line", r.line)
				yield(connectors.ArchivedEvent{}, *failed)
				return
			}
			next, err := r.next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				*failed = err
				yield(connectors.ArchivedEvent{}, err)
				return
			}
			l = &next
		}
	}
}

// checkImport compares the end line with what was read, and the store's
// growth with what was imported.
func checkImport(ctx context.Context, store hubStore, r *archiveReader,
	before connectors.ArchiveCounts) error {
	if r.end == nil {
		return fmt.Errorf("import: the export has no end line: it was cut short "+
			"after %d events, which were imported", r.read.Events)
	}
	if *r.end != r.read {
		return fmt.Errorf("import: the export's end line counts %+v, but %+v were read",
			*r.end, r.read)
	}
	after, err := store.ArchiveCounts(ctx)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	grew := endLine{Events: after.Events - before.Events,
		History: after.History - before.History}
	if grew.Events != r.read.Events || grew.History != r.read.History {
		return fmt.Errorf("import: the store grew by %d events and %d history rows, "+
			"want %d and %d", grew.Events, grew.History, r.read.Events, r.read.History)
	}
	return nil
}
