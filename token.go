package connectors

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"
)

// tokenPrefix marks the hub's company tokens, so that one found in a log
// or a repository is recognised for what it is.
const tokenPrefix = "ipai_"

// Token is a company token: a webhook caller presenting it posts events
// for that company. Only the SHA-256 hash of its value is kept.
type Token struct {
	ID         int64
	CompanyID  int64
	Name       string
	Hash       string   // hex SHA-256 of the value
	Sources    []Source // empty: every source
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero: in force
}

// Allows reports whether the token may post events from source.
func (t Token) Allows(source Source) bool {
	return len(t.Sources) == 0 || slices.Contains(t.Sources, source)
}

// Revoked reports whether the token was revoked.
func (t Token) Revoked() bool { return !t.RevokedAt.IsZero() }

// NewToken is a token to create.
type NewToken struct {
	CompanyID int64
	Name      string
	Hash      string
	Sources   []Source
}

// GenerateToken returns a fresh token value and the hash to store. The
// value is shown once to whoever created it and never kept.
func GenerateToken() (Secret, string) {
	value := Secret(tokenPrefix + rand.Text())
	return value, HashToken(value.Reveal())
}

// HashToken returns the hex SHA-256 of a token value, the form in which
// tokens are stored and looked up.
func HashToken(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:])
}
