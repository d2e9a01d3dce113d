package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// CreateUser adds a user with the companies it names.
func (s *Store) CreateUser(ctx context.Context, u connectors.NewUser) (connectors.User, error) {
	return s.createUser(ctx, u, false)
}

// CreateFirstUser adds u only when the store has no user yet.
func (s *Store) CreateFirstUser(ctx context.Context,
	u connectors.NewUser) (connectors.User, error) {
	return s.createUser(ctx, u, true)
}

var errNotFirst = connectors.Errorf(connectors.ECONFLICT,
	"the first user exists already")

func (s *Store) createUser(ctx context.Context, nu connectors.NewUser,
	first bool) (connectors.User, error) {
	u, err := nu.User(now())
	if err != nil {
		return u, err
	}
	err = s.writer.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if first {
			var n int
			err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
			if err != nil {
				return err
			}
			if n > 0 {
				return errNotFirst
			}
		}
		return insertUser(ctx, tx, &u, nu.PasswordHash)
	})
	switch {
	case isUniqueViolation(err):
		return u, connectors.Errorf(connectors.ECONFLICT,
			"a user with e-mail %q exists already", u.Email)
	case isForeignKeyViolation(err):
		return u, connectors.Errorf(connectors.ENOTFOUND,
			"a company of the user does not exist")
	case errors.Is(err, errNotFirst):
		return u, err
	case err != nil:
		return u, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

func insertUser(ctx context.Context, tx *sql.Tx, u *connectors.User, hash []byte) error {
	err := tx.QueryRowContext(ctx, `
INSERT INTO users (email, role, password_hash, created_at)
VALUES (?, ?, ?, ?)
RETURNING id`, u.Email, string(u.Role), hash, formatTime(u.CreatedAt),
	).Scan(&u.ID)
	if err != nil {
		return err
	}
	for _, c := range u.CompanyIDs {
		_, err := tx.ExecContext(ctx, `
INSERT OR IGNORE INTO user_companies (user_id, company_id) VALUES (?, ?)`,
			u.ID, c)
		if err != nil {
			return err
		}
	}
	return nil
}

// userColumns lists a user's companies as a comma-separated text.
const userColumns = `
    u.id, u.email, u.role, u.disabled, u.created_at,
    (SELECT group_concat(company_id, ',')
     FROM user_companies
     WHERE user_id = u.id) AS companies`

func scanUser(row scanner, extra ...any) (connectors.User, error) {
	var u connectors.User
	var role, created string
	var companies sql.NullString
	dest := append([]any{&u.ID, &u.Email, &role, &u.Disabled, &created,
		&companies}, extra...)
	if err := row.Scan(dest...); err != nil {
		return u, err
	}
	u.Role = connectors.Role(role)
	u.CompanyIDs = parseIDs(companies.String)
	var err error
	u.CreatedAt, err = parseTime(created)
	return u, err
}

func parseIDs(s string) []int64 {
	ids := []int64{}
	for f := range strings.SplitSeq(s, ",") {
		if id, err := strconv.ParseInt(f, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// User returns the user with the given id.
func (s *Store) User(ctx context.Context, id int64) (connectors.User, error) {
	row := s.read.QueryRowContext(ctx,
		`SELECT`+userColumns+` FROM users u WHERE u.id = ?`, id)
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return u, connectors.Errorf(connectors.ENOTFOUND, "user %d not found", id)
	}
	if err != nil {
		return u, fmt.Errorf("user %d: %w", id, err)
	}
	return u, nil
}

// UserPassword returns the user with the given e-mail and their password
// hash.
func (s *Store) UserPassword(ctx context.Context, email string) (connectors.User, []byte, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var hash []byte
	row := s.read.QueryRowContext(ctx, `SELECT`+userColumns+`, u.password_hash
FROM users u
WHERE u.email = ?`, email)
	u, err := scanUser(row, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return u, nil, connectors.Errorf(connectors.ENOTFOUND, "no user %q", email)
	}
	if err != nil {
		return u, nil, fmt.Errorf("user %q: %w", email, err)
	}
	return u, hash, nil
}

// Users returns every user, by id.
func (s *Store) Users(ctx context.Context) ([]connectors.User, error) {
	rows, err := s.read.QueryContext(ctx,
		`SELECT`+userColumns+` FROM users u ORDER BY u.id`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var list []connectors.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		list = append(list, u)
	}
	return list, rows.Err()
}

// SetUserDisabled disables or enables a user. Disabling ends the user's
// sessions in the same transaction.
func (s *Store) SetUserDisabled(ctx context.Context, id int64, disabled bool) error {
	err := s.writer.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE users SET disabled = ? WHERE id = ?`, disabled, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return connectors.Errorf(connectors.ENOTFOUND, "user %d not found", id)
		}
		if !disabled {
			return nil
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id)
		return err
	})
	if err != nil && connectors.ErrorCode(err) == connectors.EINTERNAL {
		return fmt.Errorf("disable user %d: %w", id, err)
	}
	return err
}

// CountUsers returns how many users there are, disabled or not.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// CreateSession stores a session.
func (s *Store) CreateSession(ctx context.Context, se connectors.Session) error {
	err := s.writer.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		// Expired sessions are cleared as new ones come, so that the
		// table stays the size of the sessions in force.
		_, err := tx.ExecContext(ctx,
			`DELETE FROM sessions WHERE expires_at < ?`, formatTime(now()))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `
INSERT INTO sessions (id, user_id, created_at, expires_at)
VALUES (?, ?, ?, ?)`, se.ID, se.UserID,
			formatTime(se.CreatedAt), formatTime(se.ExpiresAt))
		return err
	})
	if isForeignKeyViolation(err) {
		return connectors.Errorf(connectors.ENOTFOUND, "user %d not found", se.UserID)
	}
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Session returns the session with the given id while it is in force.
func (s *Store) Session(ctx context.Context, id string) (connectors.Session, error) {
	se := connectors.Session{ID: id}
	var created, expires string
	err := s.read.QueryRowContext(ctx, `
SELECT user_id, created_at, expires_at
FROM sessions
WHERE id = ?
  AND expires_at > ?`, id, formatTime(now()),
	).Scan(&se.UserID, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return se, connectors.Errorf(connectors.ENOTFOUND, "no such session")
	}
	if err != nil {
		return se, fmt.Errorf("session: %w", err)
	}
	if se.CreatedAt, err = parseTime(created); err != nil {
		return se, err
	}
	se.ExpiresAt, err = parseTime(expires)
	return se, err
}

// DeleteSession ends a session; ending one that is gone is no error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	err := s.writer.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}
