package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// CreateCompany adds a company named name.
func (s *Store) CreateCompany(ctx context.Context, name string) (connectors.Company, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return connectors.Company{}, connectors.Errorf(connectors.EINVALID, "a company needs a name")
	}
	c := connectors.Company{Name: name, CreatedAt: now()}
	err := s.pool.QueryRowContext(ctx,
		`INSERT INTO companies (name, created_at) VALUES ($1, $2) RETURNING id`,
		c.Name, c.CreatedAt,
	).Scan(&c.ID)
	if isUniqueViolation(err) {
		return connectors.Company{}, connectors.Errorf(connectors.ECONFLICT,
			"a company named %q exists already", name)
	}
	if err != nil {
		return connectors.Company{}, storeError("create company", err)
	}
	return c, nil
}

// Company returns the company with the given id.
func (s *Store) Company(ctx context.Context, id int64) (connectors.Company, error) {
	row := s.pool.QueryRowContext(ctx,
		`SELECT id, name, created_at FROM companies WHERE id = $1`, id)
	c, err := scanCompany(row)
	if errors.Is(err, sql.ErrNoRows) {
		return c, connectors.Errorf(connectors.ENOTFOUND, "company %d not found", id)
	}
	if err != nil {
		return c, storeError(fmt.Sprintf("company %d", id), err)
	}
	return c, nil
}

// Companies returns every company, by id.
func (s *Store) Companies(ctx context.Context) ([]connectors.Company, error) {
	rows, err := s.pool.QueryContext(ctx,
		`SELECT id, name, created_at FROM companies ORDER BY id`)
	if err != nil {
		return nil, storeError("list companies", err)
	}
	defer rows.Close()

	var list []connectors.Company
	for rows.Next() {
		c, err := scanCompany(rows)
		if err != nil {
			return nil, storeError("list companies", err)
		}
		list = append(list, c)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError("list companies", err)
	}
	return list, nil
}

func scanCompany(row scanner) (connectors.Company, error) {
	var c connectors.Company
	var created sql.NullTime
	if err := row.Scan(&c.ID, &c.Name, &created); err != nil {
		return c, err
	}
	c.CreatedAt = utc(created)
	return c, nil
}
