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

// CreateToken adds a company token, kept by its hash.
func (s *Store) CreateToken(ctx context.Context, nt connectors.NewToken) (connectors.Token, error) {
	t, err := nt.Token(now())
	if err != nil {
		return t, err
	}
	err = s.writer.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `
INSERT INTO tokens (company_id, name, hash, sources, created_at)
VALUES (?, ?, ?, ?, ?)
RETURNING id`, t.CompanyID, t.Name, t.Hash, joinSources(t.Sources),
			formatTime(t.CreatedAt),
		).Scan(&t.ID)
	})
	switch {
	case isForeignKeyViolation(err):
		return t, connectors.Errorf(connectors.ENOTFOUND,
			"company %d not found", t.CompanyID)
	case isUniqueViolation(err):
		return t, connectors.Errorf(connectors.ECONFLICT, "that token exists already")
	case err != nil:
		return t, fmt.Errorf("create token: %w", err)
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
	var sources, created string
	var used, revoked sql.NullString
	err := row.Scan(&t.ID, &t.CompanyID, &t.Name, &t.Hash, &sources,
		&created, &used, &revoked)
	if err != nil {
		return t, err
	}
	t.Sources = splitSources(sources)
	if t.CreatedAt, err = parseTime(created); err != nil {
		return t, err
	}
	if t.LastUsedAt, err = parseNullTime(used); err != nil {
		return t, err
	}
	t.RevokedAt, err = parseNullTime(revoked)
	return t, err
}

func parseNullTime(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	return parseTime(s.String)
}

// TokenByHash returns the token in force with the given hash.
func (s *Store) TokenByHash(ctx context.Context, hash string) (connectors.Token, error) {
	row := s.read.QueryRowContext(ctx, `SELECT`+tokenColumns+`
FROM tokens
WHERE hash = ?
  AND revoked_at IS NULL`, hash)
	t, err := scanToken(row)
	if errors.Is(err, sql.ErrNoRows) {
		return t, connectors.Errorf(connectors.ENOTFOUND, "no such token")
	}
	if err != nil {
		return t, fmt.Errorf("look up token: %w", err)
	}
	return t, nil
}

// Token returns the token with the given id, revoked or not.
func (s *Store) Token(ctx context.Context, id int64) (connectors.Token, error) {
	row := s.read.QueryRowContext(ctx,
		`SELECT`+tokenColumns+` FROM tokens WHERE id = ?`, id)
	t, err := scanToken(row)
	if errors.Is(err, sql.ErrNoRows) {
		return t, connectors.Errorf(connectors.ENOTFOUND, "token %d not found", id)
	}
	if err != nil {
		return t, fmt.Errorf("token %d: %w", id, err)
	}
	return t, nil
}

// Tokens returns the tokens of the companies, newest first.
func (s *Store) Tokens(ctx context.Context, companyIDs []int64) ([]connectors.Token, error) {
	var where []string
	var args []any
	if companyIDs != nil {
		cond, ids := inList("company_id", companyIDs)
		where, args = append(where, cond), ids
	}
	rows, err := s.read.QueryContext(ctx, `SELECT`+tokenColumns+`
FROM tokens`+whereClause(where)+`
ORDER BY id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var list []connectors.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		list = append(list, t)
	}
	return list, rows.Err()
}

// inList returns "column IN (?, ...)" and its arguments; an empty list
// matches nothing.
func inList(column string, ids []int64) (string, []any) {
	if len(ids) == 0 {
		return column + " IN (NULL)", nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	return column + " IN (" + marks + ")", args
}

// RevokeToken revokes a token; revoking it again keeps the first time.
func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	return s.updateToken(ctx, id, `
UPDATE tokens
SET revoked_at = coalesce(revoked_at, ?)
WHERE id = ?`, formatTime(now()))
}

// TouchToken sets the token's last-used time, never moving it back.
func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	return s.updateToken(ctx, id, `
UPDATE tokens
SET last_used_at = max(coalesce(last_used_at, ''), ?)
WHERE id = ?`, formatTime(at))
}

func (s *Store) updateToken(ctx context.Context, id int64, q, at string) error {
	err := s.writer.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, at, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return connectors.Errorf(connectors.ENOTFOUND, "token %d not found", id)
		}
		return nil
	})
	if err != nil && connectors.ErrorCode(err) == connectors.EINTERNAL {
		return fmt.Errorf("update token %d: %w", id, err)
	}
	return err
}
