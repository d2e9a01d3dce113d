// Package postgres is the store for a hub that outgrows one file: several
// hub instances share one PostgreSQL database. It keeps the SQLite
// engine's behaviour exactly (the conformance suite in storetest runs on
// both) and adds what many instances and many events need: ids from one
// sequence, moves that apply only from the expected state, migrations
// that take turns, and events partitioned by month.
//
// It reaches PostgreSQL through pgx under database/sql, so that the
// group-commit writer of package groupcommit, written for *sql.DB, serves
// both engines: ingest writes go through one writer connection that puts
// whatever is waiting into one transaction; reads and moves use a pool.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/groupcommit"
)

//go:embed migrations/*.sql
var migrations embed.FS

// maxBatch bounds one group commit, as in the SQLite engine.
const maxBatch = 256

// DefaultPoolSize is the size of the read pool when Options leaves it 0.
const DefaultPoolSize = 10

// connectTimeout bounds a connection attempt when the URL does not say,
// so that a database that does not answer fails requests quickly instead
// of holding them.
const connectTimeout = 5 * time.Second

// Options tune a Store.
type Options struct {
	// PoolSize is the most connections the store opens for reads and
	// moves; the group-commit writer has one more of its own.
	PoolSize int
	Logger   *slog.Logger
}

// Store is the PostgreSQL engine of connectors.Store.
type Store struct {
	pool   *sql.DB // reads, moves and company writes
	write  *sql.DB // one connection, owned by the group-commit writer
	writer *groupcommit.Writer
	events *groupcommit.Group[*eventRow]
	logger *slog.Logger
	schema string // the schema the store's tables live in
}

var _ connectors.Store = (*Store)(nil)

// Open connects to the database that url names (postgres:// or
// postgresql://), brings its schema up to date and creates the coming
// months' partitions. The tables live in the first schema of the
// connection's search_path, which the URL may set as a parameter.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.PoolSize <= 0 {
		opts.PoolSize = DefaultPoolSize
	}
	cfg, err := pgx.ParseConfig(lowerScheme(url))
	if err != nil {
		// pgx's parse errors never repeat the password.
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = connectTimeout
	}

	s := &Store{logger: opts.Logger}
	s.pool = stdlib.OpenDB(*cfg)
	s.pool.SetMaxOpenConns(opts.PoolSize)
	s.pool.SetMaxIdleConns(opts.PoolSize)
	s.write = stdlib.OpenDB(*cfg)
	s.write.SetMaxOpenConns(1)

	if err := s.open(ctx); err != nil {
		s.pool.Close()
		s.write.Close()
		return nil, err
	}
	return s, nil
}

// lowerScheme writes the URL's scheme in lower case, which pgx needs to
// recognise a URL; schemes are case-insensitive.
func lowerScheme(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	return strings.ToLower(scheme) + "://" + rest
}

func (s *Store) open(ctx context.Context) error {
	err := s.pool.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&s.schema)
	if err != nil {
		return unavailable(fmt.Errorf("connect: %w", err))
	}
	if _, _, err := s.Migrate(ctx); err != nil {
		return err
	}
	if err := s.EnsurePartitions(ctx, time.Now()); err != nil {
		return err
	}
	s.writer = groupcommit.New(s.write, maxBatch, s.logger)
	s.events = groupcommit.NewGroup(s.writer, insertEvents)
	return nil
}

// Migrate brings the schema up to date and returns the versions before
// and after. Instances that start at once take turns: each holds a
// session advisory lock, named after the schema, while it migrates, and
// the others wait for it and then find nothing left to do.
func (s *Store) Migrate(ctx context.Context) (from, to int64, err error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return 0, 0, fmt.Errorf("migrations: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(migrationLockID(s.schema)),
		// Retry every second for up to five minutes: a slow migration
		// on another instance is worth waiting for.
		lock.WithLockTimeout(1, 300),
	)
	if err != nil {
		return 0, 0, fmt.Errorf("migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, s.pool, sub,
		goose.WithSessionLocker(locker))
	if err != nil {
		return 0, 0, fmt.Errorf("migrations: %w", err)
	}
	from, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("read schema version: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return from, from, fmt.Errorf("migrate: %w", err)
	}
	to, err = p.GetDBVersion(ctx)
	if err != nil {
		return from, from, fmt.Errorf("read schema version: %w", err)
	}
	return from, to, nil
}

// migrationLockID names the advisory lock of one schema's migrations, so
// that hubs in different schemas of one database do not wait on each
// other.
func migrationLockID(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("ipai-connectors migrations " + schema))
	return int64(h.Sum64() >> 1)
}

// Ping returns nil when the store answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	err := s.pool.QueryRowContext(ctx, "SELECT 1 FROM companies LIMIT 1").Scan(&n)
	if err != nil {
		return unavailable(err)
	}
	return nil
}

// Close commits what is queued and closes the connections.
func (s *Store) Close() error {
	if s.writer != nil {
		s.writer.Close()
	}
	return errors.Join(s.write.Close(), s.pool.Close())
}

// unavailable marks err as the store being out of reach.
func unavailable(err error) error {
	return &connectors.Error{
		Code:    connectors.EUNAVAILABLE,
		Message: "the store is unavailable",
		Err:     err,
	}
}

// storeError wraps err with context, and marks it unavailable when the
// database could not be reached or went away, so that callers can tell
// "down" from "wrong".
func storeError(context string, err error) error {
	var e *connectors.Error
	if errors.As(err, &e) {
		return err
	}
	err = fmt.Errorf("%s: %w", context, err)
	if isConnectionError(err) {
		return unavailable(err)
	}
	return err
}

// isConnectionError reports whether err says the database could not be
// reached, or closed or lost the connection.
func isConnectionError(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// Class 08 is connection exceptions; 57P is the server shutting
		// down or refusing connections.
		return strings.HasPrefix(pg.Code, "08") ||
			strings.HasPrefix(pg.Code, "57P")
	}
	var connect *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connect) || errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone)
}

func sqlState(err error) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code
	}
	return ""
}

// SQLSTATE codes the store branches on.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeCheckViolation      = "23514"
)

func isUniqueViolation(err error) bool { return sqlState(err) == codeUniqueViolation }

func isForeignKeyViolation(err error) bool {
	return sqlState(err) == codeForeignKeyViolation
}

// now returns the current time at the precision the store keeps.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// utc returns t in UTC, or the zero time for a NULL.
func utc(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// SchemaVersion returns the schema version of the database at url
// without changing it: 0 for a schema never migrated.
func SchemaVersion(ctx context.Context, url string) (int64, error) {
	cfg, err := pgx.ParseConfig(lowerScheme(url))
	if err != nil {
		return 0, fmt.Errorf("parse database url: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	var exists bool
	err = db.QueryRowContext(ctx,
		`SELECT to_regclass('goose_db_version') IS NOT NULL`).Scan(&exists)
	if err != nil {
		return 0, unavailable(fmt.Errorf("connect: %w", err))
	}
	if !exists {
		return 0, nil
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub)
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
