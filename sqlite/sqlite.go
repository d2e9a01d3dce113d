// Package sqlite is the embedded store: one SQLite file, nothing else to
// install. It runs SQLite the way production users run it (WAL, one writer
// connection beside a pool of readers, a busy timeout) and puts every write
// through a group-commit writer, so that concurrent requests share commits.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/groupcommit"
)

//go:embed migrations/*.sql
var migrations embed.FS

// maxBatch bounds one group commit. Larger batches add little once the
// fsync is shared, and keep the write lock for longer. It also keeps the
// multi-row inserts well under SQLite's limit of 32766 parameters.
const maxBatch = 256

// pragmas are set on every connection.
var pragmas = []string{
	// A writer waits this long for another process's lock (the CLI
	// beside a running server) before failing with "database is locked".
	"busy_timeout(10000)",
	// WAL lets readers run while the writer commits, and makes a commit
	// one sequential append instead of a rewrite of pages.
	"journal_mode(WAL)",
	// FULL syncs the WAL on every commit: an acknowledged event survives
	// a power cut, not only a crash of the process. Group commit pays for
	// the fsync once per batch.
	"synchronous(FULL)",
	// The schema's REFERENCES clauses are enforced only with this on.
	"foreign_keys(ON)",
}

// Store is the SQLite engine of connectors.Store.
type Store struct {
	path   string
	write  *sql.DB // one connection: SQLite has one writer at a time
	read   *sql.DB // a pool of query-only connections
	writer *groupcommit.Writer
	logger *slog.Logger

	events     *groupcommit.Group[*eventRow]
	rejections *groupcommit.Group[connectors.Rejection]

	// The search indexer runs until stopIndexer is closed, once.
	stopIndexer chan struct{}
	indexerDone chan struct{}
	closeOnce   sync.Once
}

var _ connectors.Store = (*Store)(nil)

// Open opens the SQLite file at path, creating it if need be, and brings
// its schema up to date.
func Open(ctx context.Context, path string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{path: path, logger: logger}

	var err error
	// IMMEDIATE takes the write lock when a transaction begins, so that
	// two processes never both read and then fail to upgrade to write.
	s.write, err = sql.Open("sqlite", dsn(path, "_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s.write.SetMaxOpenConns(1)
	s.write.SetConnMaxIdleTime(0)

	s.read, err = sql.Open("sqlite", dsn(path, "_pragma=query_only(1)"))
	if err != nil {
		s.write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s.read.SetMaxOpenConns(max(4, runtime.NumCPU()*2))

	if err := s.open(ctx); err != nil {
		s.write.Close()
		s.read.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) open(ctx context.Context) error {
	if _, _, err := s.Migrate(ctx); err != nil {
		return err
	}
	s.writer = groupcommit.New(s.write, maxBatch, s.logger)
	s.events = groupcommit.NewGroup(s.writer, insertEvents)
	s.rejections = groupcommit.NewGroup(s.writer, insertRejections)

	s.stopIndexer = make(chan struct{})
	s.indexerDone = make(chan struct{})
	go func() {
		defer close(s.indexerDone)
		s.runSearchIndexer(s.stopIndexer)
	}()
	return nil
}

func dsn(path string, extra ...string) string {
	q := make([]string, 0, len(pragmas)+len(extra))
	for _, p := range pragmas {
		q = append(q, "_pragma="+url.QueryEscape(p))
	}
	q = append(q, extra...)
	// The path is a URI path: '?' and '#' in a file name must not start
	// the query or a fragment, nor '%' an escape.
	u := url.URL{Scheme: "file", Opaque: uriPath(path), RawQuery: strings.Join(q, "&")}
	return u.String()
}

// uriPath escapes the characters that SQLite's URI file names give a
// meaning to, and keeps the rest, slashes included, as it is.
func uriPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

// Migrate brings the schema up to date and returns the versions before
// and after.
func (s *Store) Migrate(ctx context.Context) (from, to int64, err error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return 0, 0, fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, s.write, sub)
	if err != nil {
		return 0, 0, fmt.Errorf("migrations: %w", err)
	}
	from, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("read schema version of %s: %w", s.path, err)
	}
	if _, err := p.Up(ctx); err != nil {
		return from, from, fmt.Errorf("migrate %s: %w", s.path, err)
	}
	to, err = p.GetDBVersion(ctx)
	if err != nil {
		return from, from, fmt.Errorf("read schema version of %s: %w", s.path, err)
	}
	return from, to, nil
}

// Ping returns nil when the store can be read and written: it reads
// through the reader pool, and takes and releases the write lock through
// the writer, so a locked, read-only or closed store fails it.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	err := s.read.QueryRowContext(ctx, "SELECT 1 FROM companies LIMIT 1").Scan(&n)
	if err != nil {
		return unavailable(err)
	}
	err = s.writer.Do(ctx, func(context.Context, *sql.Tx) error { return nil })
	if err != nil {
		return unavailable(err)
	}
	return nil
}

// Close commits what is queued and closes the file.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stopIndexer)
		<-s.indexerDone
	})
	s.writer.Close()
	return errors.Join(s.write.Close(), s.read.Close())
}

// unavailable marks err as the store being out of reach.
func unavailable(err error) error {
	return &connectors.Error{
		Code:    connectors.EUNAVAILABLE,
		Message: "the store is unavailable",
		Err:     err,
	}
}

// sqliteCode returns the extended result code of a SQLite error, or 0.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

func isForeignKeyViolation(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

func isUniqueViolation(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

// timeLayout has a fixed width so that stored times sort as text.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse stored time %q: %w", s, err)
	}
	return t, nil
}

// now returns the current time at the precision the store keeps.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// SchemaVersion returns the schema version of the SQLite file at path
// without changing it: 0 for a file that does not exist yet or was
// never migrated.
func SchemaVersion(ctx context.Context, path string) (int64, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	db, err := sql.Open("sqlite", dsn(path, "_pragma=query_only(1)"))
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	var n int
	err = db.QueryRowContext(ctx, `
SELECT count(*) FROM sqlite_master
WHERE type = 'table' AND name = 'goose_db_version'`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("read schema of %s: %w", path, err)
	}
	if n == 0 {
		return 0, nil
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("read schema version of %s: %w", path, err)
	}
	return v, nil
}
