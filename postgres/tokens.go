package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// CreateToken adds a company token, kept by its hash.
func (s *Store) CreateToken(ctx context.Context, nt connectors.NewToken) (connectors.Token, error) {
	t, err := nt.Token(now())
	if err != nil {
		return t, err
	}
	err = s.pool.QueryRowContext(ctx, `
INSERT INTO tokens (company_id, name, hash, sources, created_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id`, t.CompanyID, t.Name, t.Hash, joinSources(t.Sources), t.CreatedAt,
	).Scan(&t.ID)
	switch {
	case isForeignKeyViolation(err):
		return t, connectors.Errorf(connectors.ENOTFOUND,
			"company %d not found", t.CompanyID)
	case isUniqueViolation(err):
		return t, connectors.Errorf(connectors.ECONFLICT, "that token exists already")
	case err != nil:
		return t, storeError("create token", err)
	}
	return t, nil
}

func joinSources(sources []connectors.Source) string {
	names := make([]string, len(sources))
	for i, s := range sources {
		names[i] = string(s)
	}
	return strings.Join(names, ",")
}

func splitSources(s string) []connectors.Source {
	var list []connectors.Source
	for name := range strings.SplitSeq(s, ",") {
		if name != "" {
			list = append(list, connectors.Source(name))
		}
	}
	return list
}

const tokenColumns = `
    id, company_id, name, hash, sources, created_at, last_used_at, revoked_at`

func scanToken(row scanner) (connectors.Token, error) {
	var t connectors.Token
	var sources string
	var created, used, revoked sql.NullTime
	err := row.Scan(&t.ID, &t.CompanyID, &t.Name, &t.Hash, &sources,
		&created, &used, &revoked)
	if err != nil {
		return t, err
	}
	t.Sources = splitSources(sources)
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = utc(created), utc(used), utc(revoked)
	return t, nil
}

// TokenByHash returns the token in force with the given hash.
func (s *Store) TokenByHash(ctx context.Context, hash string) (connectors.Token, error) {
	row := s.pool.QueryRowContext(ctx, `SELECT`+tokenColumns+`
FROM tokens
WHERE hash = $1
  AND revoked_at IS NULL`, hash)
	t, err := scanToken(row)
	if errors.Is(err, sql.ErrNoRows) {
		return t, connectors.Errorf(connectors.ENOTFOUND, "no such token")
	}
	if err != nil {
		return t, storeError("look up token", err)
	}
	return t, nil
}

// Token returns the token with the given id, revoked or not.
func (s *Store) Token(ctx context.Context, id int64) (connectors.Token, error) {
	row := s.pool.QueryRowContext(ctx,
		`SELECT`+tokenColumns+` FROM tokens WHERE id = $1`, id)
	t, err := scanToken(row)
	if errors.Is(err, sql.ErrNoRows) {
		return t, connectors.Errorf(connectors.ENOTFOUND, "token %d not found", id)
	}
	if err != nil {
		return t, storeError(fmt.Sprintf("token %d", id), err)
	}
	return t, nil
}

// Tokens returns the tokens of the companies, newest first.
func (s *Store) Tokens(ctx context.Context, companyIDs []int64) ([]connectors.Token, error) {
	var w where
	if companyIDs != nil {
		w.add("company_id = ANY(%s)", companyIDs)
	}
	rows, err := s.pool.QueryContext(ctx, `SELECT`+tokenColumns+`
FROM tokens`+w.clause()+`
ORDER BY id DESC`, w.args...)
	if err != nil {
		return nil, storeError("list tokens", err)
	}
	defer rows.Close()
	var list []connectors.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, storeError("list tokens", err)
		}
		list = append(list, t)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError("list tokens", err)
	}
	return list, nil
}

// RevokeToken revokes a token; revoking it again keeps the first time.
func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	return s.updateToken(ctx, id, `
UPDATE tokens
SET revoked_at = coalesce(revoked_at, $1)
WHERE id = $2`, now())
}

// TouchToken sets the token's last-used time, never moving it back: two
// instances that saw the token at nearly the same time may write in
// either order.
func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	return s.updateToken(ctx, id, `
UPDATE tokens
SET last_used_at = greatest(last_used_at, $1)
WHERE id = $2`, at.UTC())
}

func (s *Store) updateToken(ctx context.Context, id int64, q string, at time.Time) error {
	res, err := s.pool.ExecContext(ctx, q, at, id)
	if err != nil {
		return storeError(fmt.Sprintf("update token %d", id), err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return connectors.Errorf(connectors.ENOTFOUND, "token %d not found", id)
	}
	return nil
}
