package connectors

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
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

// Token returns the token nt describes, its name trimmed, created at the
// time given, or an EINVALID error saying what is wrong. Both store
// engines create tokens through it.
func (nt NewToken) Token(createdAt time.Time) (Token, error) {
	t := Token{
		CompanyID: nt.CompanyID,
		Name:      strings.TrimSpace(nt.Name),
		Hash:      nt.Hash,
		Sources:   nt.Sources,
		CreatedAt: createdAt,
	}
	for _, src := range t.Sources {
		if !src.Valid() {
			return t, Errorf(EINVALID, "unknown source %q", src)
		}
	}
	if len(t.Hash) != 64 {
		return t, Errorf(EINVALID, "a token hash is 64 hex digits")
	}
	return t, nil
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
