package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// CreateConnection adds a connection and returns it as stored.
func (s *Store) CreateConnection(ctx context.Context,
	c connectors.Connection) (connectors.Connection, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	c.Name = strings.TrimSpace(c.Name)
	c.CreatedAt = now()
	c.SealedPrevious, c.PreviousUntil = nil, time.Time{}
	sc := c.Scheme
	err := s.writer.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `
INSERT INTO connections (
    company_id, name, provider, slug, secret, secret_hint,
    scheme_kind, scheme_header, scheme_algorithm, scheme_encoding,
    scheme_prefix, max_body_bytes, enabled, created_at
)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id`,
			c.CompanyID, c.Name, string(c.Provider), c.Slug, c.SealedSecret,
			c.SecretHint, sc.Kind, sc.Header, sc.Algorithm, sc.Encoding,
			sc.Prefix, c.MaxBodyBytes, c.Enabled, formatTime(c.CreatedAt),
		).Scan(&c.ID)
	})
	switch {
	case isForeignKeyViolation(err):
		return c, connectors.Errorf(connectors.ENOTFOUND,
			"company %d not found", c.CompanyID)
	case isUniqueViolation(err):
		return c, connectors.Errorf(connectors.ECONFLICT,
			"a connection with that slug exists already")
	case err != nil:
		return c, fmt.Errorf("create connection: %w", err)
	}
	return c, nil
}

const connectionColumns = `
    id, company_id, name, provider, slug, secret, secret_hint,
    previous_secret, previous_until, scheme_kind, scheme_header,
    scheme_algorithm, scheme_encoding, scheme_prefix, max_body_bytes,
    enabled, created_at`

func scanConnection(row scanner) (connectors.Connection, error) {
	var c connectors.Connection
	var provider, created string
	var until sql.NullString
	sc := &c.Scheme
	err := row.Scan(&c.ID, &c.CompanyID, &c.Name, &provider, &c.Slug,
		&c.SealedSecret, &c.SecretHint, &c.SealedPrevious, &until,
		&sc.Kind, &sc.Header, &sc.Algorithm, &sc.Encoding, &sc.Prefix,
		&c.MaxBodyBytes, &c.Enabled, &created)
	if err != nil {
		return c, err
	}
	c.Provider = connectors.Provider(provider)
	if c.CreatedAt, err = parseTime(created); err != nil {
		return c, err
	}
	c.PreviousUntil, err = parseNullTime(until)
	return c, err
}

// Connection returns the connection with the given id.
func (s *Store) Connection(ctx context.Context, id int64) (connectors.Connection, error) {
	return connectionWhere(ctx, s.read, "id = ?", id)
}

// ConnectionBySlug returns the connection with the given slug.
func (s *Store) ConnectionBySlug(ctx context.Context, slug string) (connectors.Connection, error) {
	return connectionWhere(ctx, s.read, "slug = ?", slug)
}

func connectionWhere(ctx context.Context, q querier, cond string, arg any) (
	connectors.Connection, error) {
	row := q.QueryRowContext(ctx,
		`SELECT`+connectionColumns+` FROM connections WHERE `+cond, arg)
	c, err := scanConnection(row)
	if errors.Is(err, sql.ErrNoRows) {
		return c, connectors.Errorf(connectors.ENOTFOUND, "no such connection")
	}
	if err != nil {
		return c, fmt.Errorf("look up connection: %w", err)
	}
	return c, nil
}

// Connections returns the connections of the companies, oldest first.
func (s *Store) Connections(ctx context.Context, companyIDs []int64) ([]connectors.Connection, error) {
	q := `SELECT` + connectionColumns + ` FROM connections`
	var args []any
	if companyIDs != nil {
		cond, ids := inList("company_id", companyIDs)
		q, args = q+"\nWHERE "+cond, ids
	}
	rows, err := s.read.QueryContext(ctx, q+"\nORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	defer rows.Close()

	var list []connectors.Connection
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			return nil, fmt.Errorf("list connections: %w", err)
		}
		list = append(list, c)
	}
	return list, rows.Err()
}

// RotateConnection makes r's secret current and the current one previous.
func (s *Store) RotateConnection(ctx context.Context, r connectors.Rotation) (connectors.Connection, error) {
	if len(r.SealedSecret) == 0 {
		return connectors.Connection{}, connectors.Errorf(connectors.EINVALID,
			"a rotation needs a new secret")
	}
	var c connectors.Connection
	err := s.writer.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
UPDATE connections
SET previous_secret = secret,
    previous_until = ?,
    secret = ?,
    secret_hint = ?
WHERE id = ?`, formatTime(r.PreviousUntil), r.SealedSecret, r.SecretHint,
			r.ConnectionID)
		if err != nil {
			return err
		}
		if err := oneRow(res, r.ConnectionID); err != nil {
			return err
		}
		c, err = connectionWhere(ctx, tx, "id = ?", r.ConnectionID)
		return err
	})
	if err != nil {
		return c, connectionError("rotate connection", err)
	}
	return c, nil
}

// SetConnectionEnabled enables or disables a connection.
func (s *Store) SetConnectionEnabled(ctx context.Context, id int64, enabled bool) error {
	err := s.writer.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE connections SET enabled = ? WHERE id = ?`, enabled, id)
		if err != nil {
			return err
		}
		return oneRow(res, id)
	})
	return connectionError("set connection enabled", err)
}

// oneRow turns an update that matched no row into ENOTFOUND.
func oneRow(res sql.Result, id int64) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return connectors.Errorf(connectors.ENOTFOUND,
			"connection %d not found", id)
	}
	return nil
}

func connectionError(what string, err error) error {
	var e *connectors.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}
