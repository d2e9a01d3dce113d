package postgres

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// CreateUser adds a user with the companies it names.
func (s *Store) CreateUser(ctx context.Context, u connectors.NewUser) (connectors.User, error) {
	return s.createUser(ctx, u, false)
}

// CreateFirstUser adds u only when the store has no user yet. Two
// instances running the first-run setup at once cannot both succeed: the
// count and the insert happen under a lock on the users table.
func (s *Store) CreateFirstUser(ctx context.Context, u connectors.NewUser) (connectors.User, error) {
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
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if first {
			if err := checkNoUser(ctx, tx); err != nil {
				return err
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
	case err != nil:
		return u, storeError("create user", err)
	}
	return u, nil
}

func checkNoUser(ctx context.Context, tx *sql.Tx) error {
	// SHARE ROW EXCLUSIVE conflicts with itself: a second setup waits
	// here until the first commits, then counts its user.
	_, err := tx.ExecContext(ctx, `LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`)
	if err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return errNotFirst
	}
	return nil
}

func insertUser(ctx context.Context, tx *sql.Tx, u *connectors.User, hash []byte) error {
	err := tx.QueryRowContext(ctx, `
INSERT INTO users (email, role, password_hash, created_at)
VALUES ($1, $2, $3, $4)
RETURNING id`, u.Email, string(u.Role), hash, u.CreatedAt,
	).Scan(&u.ID)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
INSERT INTO user_companies (user_id, company_id)
SELECT $1, unnest($2::bigint[])
ON CONFLICT DO NOTHING`, u.ID, u.CompanyIDs)
	return err
}

// userColumns lists a user's companies as a comma-separated text, by id.
const userColumns = `
    u.id, u.email, u.role, u.disabled, u.created_at,
    (SELECT coalesce(string_agg(company_id::text, ',' ORDER BY company_id), '')
     FROM user_companies
     WHERE user_id = u.id) AS companies`

func scanUser(row scanner, extra ...any) (connectors.User, error) {
	var u connectors.User
	var role string
	var created sql.NullTime
	var companies string
	dest := append([]any{&u.ID, &u.Email, &role, &u.Disabled, &created,
		&companies}, extra...)
	if err := row.Scan(dest...); err != nil {
		return u, err
	}
	u.Role, u.CreatedAt = connectors.Role(role), utc(created)
	u.CompanyIDs = parseIDs(companies)
	return u, nil
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
	row := s.pool.QueryRowContext(ctx,
		`SELECT`+userColumns+` FROM users u WHERE u.id = $1`, id)
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return u, connectors.Errorf(connectors.ENOTFOUND, "user %d not found", id)
	}
	if err != nil {
		return u, storeError("user", err)
	}
	return u, nil
}

// UserPassword returns the user with the given e-mail and their password
// hash.
func (s *Store) UserPassword(ctx context.Context, email string) (connectors.User, []byte, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var hash []byte
	row := s.pool.QueryRowContext(ctx, `SELECT`+userColumns+`, u.password_hash
FROM users u
WHERE u.email = $1`, email)
	u, err := scanUser(row, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return u, nil, connectors.Errorf(connectors.ENOTFOUND, "no user %q", email)
	}
	if err != nil {
		return u, nil, storeError("user by e-mail", err)
	}
	return u, hash, nil
}

// Users returns every user, by id.
func (s *Store) Users(ctx context.Context) ([]connectors.User, error) {
	rows, err := s.pool.QueryContext(ctx,
		`SELECT`+userColumns+` FROM users u ORDER BY u.id`)
	if err != nil {
		return nil, storeError("list users", err)
	}
	defer rows.Close()
	var list []connectors.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, storeError("list users", err)
		}
		list = append(list, u)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError("list users", err)
	}
	return list, nil
}

// SetUserDisabled disables or enables a user. Disabling ends the user's
// sessions in the same transaction.
func (s *Store) SetUserDisabled(ctx context.Context, id int64, disabled bool) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE users SET disabled = $1 WHERE id = $2`, disabled, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return connectors.Errorf(connectors.ENOTFOUND, "user %d not found", id)
		}
		if !disabled {
			return nil
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id)
		return err
	})
	if err != nil {
		return storeError("disable user", err)
	}
	return nil
}

// CountUsers returns how many users there are, disabled or not.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	if err != nil {
		return 0, storeError("count users", err)
	}
	return n, nil
}

// CreateSession stores a session, and clears the expired ones so that the
// table stays the size of the sessions in force.
func (s *Store) CreateSession(ctx context.Context, se connectors.Session) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`DELETE FROM sessions WHERE expires_at < $1`, now())
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `
INSERT INTO sessions (id, user_id, created_at, expires_at)
VALUES ($1, $2, $3, $4)`, se.ID, se.UserID, se.CreatedAt.UTC(), se.ExpiresAt.UTC())
		return err
	})
	if isForeignKeyViolation(err) {
		return connectors.Errorf(connectors.ENOTFOUND, "user %d not found", se.UserID)
	}
	if err != nil {
		return storeError("create session", err)
	}
	return nil
}

// Session returns the session with the given id while it is in force.
func (s *Store) Session(ctx context.Context, id string) (connectors.Session, error) {
	se := connectors.Session{ID: id}
	var created, expires sql.NullTime
	err := s.pool.QueryRowContext(ctx, `
SELECT user_id, created_at, expires_at
FROM sessions
WHERE id = $1
  AND expires_at > $2`, id, now(),
	).Scan(&se.UserID, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return se, connectors.Errorf(connectors.ENOTFOUND, "no such session")
	}
	if err != nil {
		return se, storeError("session", err)
	}
	se.CreatedAt, se.ExpiresAt = utc(created), utc(expires)
	return se, nil
}

// DeleteSession ends a session; ending one that is gone is no error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	_, err := s.pool.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, id)
	if err != nil {
		return storeError("delete session", err)
	}
	return nil
}

// inTx runs fn in a transaction of the pool and commits it.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}
