package sqlite

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
	err := s.writer.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return tx.QueryRowContext(ctx,
			`INSERT INTO companies (name, created_at) VALUES (?, ?) RETURNING id`,
			c.Name, formatTime(c.CreatedAt),
		).Scan(&c.ID)
	})
	if isUniqueViolation(err) {
		return connectors.Company{}, connectors.Errorf(connectors.ECONFLICT,
			"a company named %q exists already", name)
	}
	if err != nil {
		return connectors.Company{}, fmt.Errorf("create company: %w", err)
	}
	return c, nil
}

// Company returns the company with the given id.
func (s *Store) Company(ctx context.Context, id int64) (connectors.Company, error) {
	row := s.read.QueryRowContext(ctx,
		`SELECT id, name, created_at FROM companies WHERE id = ?`, id)
	c, err := scanCompany(row)
	if errors.Is(err, sql.ErrNoRows) {
		return c, connectors.Errorf(connectors.ENOTFOUND, "company %d not found", id)
	}
	if err != nil {
		return c, fmt.Errorf("company %d: %w", id, err)
	}
	return c, nil
}

// Companies returns every company, by id.
func (s *Store) Companies(ctx context.Context) ([]connectors.Company, error) {
	rows, err := s.read.QueryContext(ctx,
		`SELECT id, name, created_at FROM companies ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list companies: %w", err)
	}
	defer rows.Close()

	var list []connectors.Company
	for rows.Next() {
		c, err := scanCompany(rows)
		if err != nil {
			return nil, fmt.Errorf("list companies: %w", err)
		}
		list = append(list, c)
	}
	return list, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scanCompany(row scanner) (connectors.Company, error) {
	var c connectors.Company
	var created string
	if err := row.Scan(&c.ID, &c.Name, &created); err != nil {
		return c, err
	}
	var err error
	c.CreatedAt, err = parseTime(created)
	return c, err
}
