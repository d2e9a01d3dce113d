package connectors

import (
	"slices"
	"strings"
	"time"
)

// Role is what an operator of the admin interface may do.
type Role string

// The roles, from least to most able.
const (
	RoleViewer  Role = "viewer"  // reads the events of their companies
	RoleManager Role = "manager" // also acts on them
	RoleAdmin   Role = "admin"   // everything, in every company
)

// Roles lists every role, least able first.
var Roles = []Role{RoleViewer, RoleManager, RoleAdmin}

// ParseRole returns the role named s, or an EINVALID error.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !slices.Contains(Roles, r) {
		return "", Errorf(EINVALID,
			"unknown role %q: want viewer, manager or admin", s)
	}
	return r, nil
}

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// CanAct reports whether the role may move events and edit them.
func (r Role) CanAct() bool { return r == RoleManager || r == RoleAdmin }

// SeesAllCompanies reports whether the role reaches every company,
// whatever companies the user belongs to.
func (r Role) SeesAllCompanies() bool { return r == RoleAdmin }

// User is an operator of the admin interface. Its password hash is kept
// by the store and never travels with it.
type User struct {
	ID         int64
	Email      string
	Role       Role
	CompanyIDs []int64 // the companies the user belongs to, by id
	Disabled   bool
	CreatedAt  time.Time
}

// Companies returns the ids of the companies whose events the user sees,
// as an EventFilter takes them: nil for every company.
func (u User) Companies() []int64 {
	if u.Role.SeesAllCompanies() {
		return nil
	}
	if u.CompanyIDs == nil {
		return []int64{}
	}
	return u.CompanyIDs
}

// Sees reports whether the user may see the company's events.
func (u User) Sees(companyID int64) bool {
	return u.Role.SeesAllCompanies() || slices.Contains(u.CompanyIDs, companyID)
}

// Actor is the actor the user's actions are recorded under.
func (u User) Actor() Actor { return UserActor(u.Email) }

// NewUser is a user to create. PasswordHash is the hash the caller made
// (bcrypt); the store keeps it as it is.
type NewUser struct {
	Email        string
	Role         Role
	CompanyIDs   []int64
	PasswordHash []byte
}

// User returns the user nu describes, its e-mail trimmed and in lower
// case, created at the time given, or an EINVALID error saying what is
// wrong. Both store engines create users through it.
func (nu NewUser) User(createdAt time.Time) (User, error) {
	u := User{
		Email:      strings.ToLower(strings.TrimSpace(nu.Email)),
		Role:       nu.Role,
		CompanyIDs: append([]int64{}, nu.CompanyIDs...),
		CreatedAt:  createdAt,
	}
	switch {
	case !strings.Contains(u.Email, "@"):
		return u, Errorf(EINVALID, "%q is not an e-mail address", nu.Email)
	case !u.Role.Valid():
		return u, Errorf(EINVALID, "unknown role %q", u.Role)
	case len(nu.PasswordHash) == 0:
		return u, Errorf(EINVALID, "a user needs a password")
	}
	return u, nil
}

// Session is a signed-in operator. ID is the hash of the cookie's value,
// so that a copy of the store does not hold usable sessions.
type Session struct {
	ID        string
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}
