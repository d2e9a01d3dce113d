package postgres

import (
	"context"
	"database/sql"
	"errors"
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
	err := s.pool.QueryRowContext(ctx, `
INSERT INTO connections (
    company_id, name, provider, slug, secret, secret_hint,
    scheme_kind, scheme_header, scheme_algorithm, scheme_encoding,
    scheme_prefix, max_body_bytes, enabled, created_at
)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
RETURNING id`,
		c.CompanyID, c.Name, string(c.Provider), c.Slug, c.SealedSecret,
		c.SecretHint, sc.Kind, sc.Header, sc.Algorithm, sc.Encoding,
		sc.Prefix, c.MaxBodyBytes, c.Enabled, c.CreatedAt,
	).Scan(&c.ID)
	switch {
	case isForeignKeyViolation(err):
		return c, connectors.Errorf(connectors.ENOTFOUND,
			"company %d not found", c.CompanyID)
	case isUniqueViolation(err):
		return c, connectors.Errorf(connectors.ECONFLICT,
			"a connection with that slug exists already")
	case err != nil:
		return c, storeError("create connection", err)
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
	var provider string
	var created, until sql.NullTime
	sc := &c.Scheme
	err := row.Scan(&c.ID, &c.CompanyID, &c.Name, &provider, &c.Slug,
		&c.SealedSecret, &c.SecretHint, &c.SealedPrevious, &until,
		&sc.Kind, &sc.Header, &sc.Algorithm, &sc.Encoding, &sc.Prefix,
		&c.MaxBodyBytes, &c.Enabled, &created)
	if err != nil {
		return c, err
	}
	c.Provider = connectors.Provider(provider)
	c.CreatedAt, c.PreviousUntil = utc(created), utc(until)
	return c, nil
}

// Connection returns the connection with the given id.
func (s *Store) Connection(ctx context.Context, id int64) (connectors.Connection, error) {
	return connectionWhere(ctx, s.pool, "id = $1", id)
}

// ConnectionBySlug returns the connection with the given slug.
func (s *Store) ConnectionBySlug(ctx context.Context, slug string) (connectors.Connection, error) {
	return connectionWhere(ctx, s.pool, "slug = $1", slug)
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
		return c, storeError("look up connection", err)
	}
	return c, nil
}

// Connections returns the connections of the companies, oldest first.
func (s *Store) Connections(ctx context.Context, companyIDs []int64) ([]connectors.Connection, error) {
	var w where
	if companyIDs != nil {
		w.add("company_id = ANY(%s)", companyIDs)
	}
	rows, err := s.pool.QueryContext(ctx, `SELECT`+connectionColumns+`
FROM connections`+w.clause()+`
ORDER BY id`, w.args...)
	if err != nil {
		return nil, storeError("list connections", err)
	}
	defer rows.Close()

	var list []connectors.Connection
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			return nil, storeError("list connections", err)
		}
		list = append(list, c)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError("list connections", err)
	}
	return list, nil
}

// RotateConnection makes r's secret current and the current one previous.
func (s *Store) RotateConnection(ctx context.Context, r connectors.Rotation) (connectors.Connection, error) {
	if len(r.SealedSecret) == 0 {
		return connectors.Connection{}, connectors.Errorf(connectors.EINVALID,
			"a rotation needs a new secret")
	}
	row := s.pool.QueryRowContext(ctx, `
UPDATE connections
SET previous_secret = secret,
    previous_until = $1,
    secret = $2,
    secret_hint = $3
WHERE id = $4
RETURNING`+connectionColumns,
		r.PreviousUntil.UTC(), r.SealedSecret, r.SecretHint, r.ConnectionID)
	c, err := scanConnection(row)
	if errors.Is(err, sql.ErrNoRows) {
		return c, connectors.Errorf(connectors.ENOTFOUND,
			"connection %d not found", r.ConnectionID)
	}
	if err != nil {
		return c, storeError("rotate connection", err)
	}
	return c, nil
}

// SetConnectionEnabled enables or disables a connection.
func (s *Store) SetConnectionEnabled(ctx context.Context, id int64, enabled bool) error {
	res, err := s.pool.ExecContext(ctx,
		`UPDATE connections SET enabled = $1 WHERE id = $2`, enabled, id)
	if err != nil {
		return storeError("set connection enabled", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return storeError("set connection enabled", err)
	}
	if n == 0 {
		return connectors.Errorf(connectors.ENOTFOUND,
			"connection %d not found", id)
	}
	return nil
}
