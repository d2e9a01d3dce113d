package connectors

import (
	"context"
	"crypto/rand"
	"strings"
	"time"
)

// Provider is the kind of sender a connection takes deliveries from: it
// decides how a delivery is verified and read.
type Provider string

// The providers a connection can be made for.
const (
	ProviderGitHub   Provider = "github"
	ProviderSlack    Provider = "slack"
	ProviderStripe   Provider = "stripe"
	ProviderStandard Provider = "standard" // Standard Webhooks senders
	ProviderCustom   Provider = "custom"   // a header token or an HMAC
)

// Providers lists the providers.
var Providers = []Provider{ProviderGitHub, ProviderSlack, ProviderStripe,
	ProviderStandard, ProviderCustom}

// Valid reports whether p is one of the providers.
func (p Provider) Valid() bool {
	for _, k := range Providers {
		if p == k {
			return true
		}
	}
	return false
}

// Source returns the source of the events p's deliveries become. Stripe,
// Standard Webhooks and custom senders are custom sources, the provider
// kept as the source name.
func (p Provider) Source() Source {
	switch p {
	case ProviderGitHub:
		return SourceGitHub
	case ProviderSlack:
		return SourceSlack
	}
	return SourceCustom
}

// The kinds of custom scheme.
const (
	SchemeToken = "token" // the secret itself, sent in a header
	SchemeHMAC  = "hmac"  // an HMAC of the body, sent in a header
)

// CustomScheme says how a custom connection's deliveries are signed.
// Algorithm (sha1, sha256, sha512), Encoding (hex, base64) and Prefix
// apply to SchemeHMAC only.
type CustomScheme struct {
	Kind      string
	Header    string
	Algorithm string
	Encoding  string
	Prefix    string
}

// Connection is one sender's way into the hub: a URL under /hooks/ that
// only its slug names, and the secret its deliveries are signed with.
//
// The secrets are kept sealed (see SecretBox): a signature check needs
// the secret itself, so it cannot be kept as a hash, and the sealed form
// keeps a copy of the database from giving the secrets away. They are
// never shown again in full after creation: SecretHint shows the start.
type Connection struct {
	ID        int64
	CompanyID int64
	Name      string
	Provider  Provider
	// Slug is the unguessable last part of the connection's URL.
	Slug string

	SealedSecret []byte
	SecretHint   string
	// SealedPrevious is the secret replaced by the last rotation, still
	// accepted until PreviousUntil so that senders can switch over.
	SealedPrevious []byte
	PreviousUntil  time.Time

	Scheme       CustomScheme // ProviderCustom only
	MaxBodyBytes int64        // 0: the hub's default
	Enabled      bool
	CreatedAt    time.Time
}

// HookPath returns the path deliveries to the connection are posted to.
func (c Connection) HookPath() string { return "/hooks/" + c.Slug }

// PreviousValid reports whether the previous secret is still accepted at
// t.
func (c Connection) PreviousValid(t time.Time) bool {
	return len(c.SealedPrevious) > 0 && t.Before(c.PreviousUntil)
}

// Rotation replaces a connection's secret. The secret it replaces stays
// valid until PreviousUntil; a zero PreviousUntil ends it at once.
type Rotation struct {
	ConnectionID  int64
	SealedSecret  []byte
	SecretHint    string
	PreviousUntil time.Time
}

// ConnectionStore keeps connections.
type ConnectionStore interface {
	// CreateConnection adds c, ignoring its ID and CreatedAt, and returns
	// it as stored. An unknown company is ENOTFOUND, a slug in use
	// ECONFLICT.
	CreateConnection(ctx context.Context, c Connection) (Connection, error)
	// Connection returns the connection with the given id, or ENOTFOUND.
	Connection(ctx context.Context, id int64) (Connection, error)
	// ConnectionBySlug returns the connection with the given slug,
	// enabled or not, or ENOTFOUND.
	ConnectionBySlug(ctx context.Context, slug string) (Connection, error)
	// Connections returns the connections of the companies (nil: all),
	// oldest first.
	Connections(ctx context.Context, companyIDs []int64) ([]Connection, error)
	// RotateConnection makes r's secret the current one and the current
	// one the previous, in one write, and returns the connection as
	// stored. An unknown connection is ENOTFOUND.
	RotateConnection(ctx context.Context, r Rotation) (Connection, error)
	// SetConnectionEnabled enables or disables a connection; an unknown
	// one is ENOTFOUND.
	SetConnectionEnabled(ctx context.Context, id int64, enabled bool) error
}

// GenerateSlug returns a fresh connection slug: 130 random bits in
// lower-case base32, so that a URL cannot be guessed.
func GenerateSlug() string { return strings.ToLower(rand.Text()) }

// SecretHint returns what may be shown of a secret after its creation:
// its kind prefix such as "whsec_", if any, and an ellipsis. Nothing
// derived from the secret is shown: a fingerprint of a short secret an
// operator pasted could be matched against guesses offline.
func SecretHint(secret Secret) string {
	s := secret.Reveal()
	if i := strings.IndexByte(s, '_'); i > 0 && i <= 8 {
		return s[:i+1] + "…"
	}
	return "…"
}

// Validate refuses a connection that the store schemas would refuse,
// with a message an operator can act on.
func (c Connection) Validate() error {
	custom := c.Provider == ProviderCustom
	switch {
	case !c.Provider.Valid():
		return Errorf(EINVALID,
			"unknown provider %q", c.Provider)
	case len(c.Slug) < 16:
		return Errorf(EINVALID,
			"a connection slug has at least 16 characters")
	case len(c.SealedSecret) == 0:
		return Errorf(EINVALID,
			"a connection needs a secret")
	case custom && c.Scheme.Kind != SchemeToken &&
		c.Scheme.Kind != SchemeHMAC:
		return Errorf(EINVALID,
			"a custom connection needs a token or hmac scheme")
	case custom && strings.TrimSpace(c.Scheme.Header) == "":
		return Errorf(EINVALID,
			"a custom connection needs a header")
	case !custom && c.Scheme != (CustomScheme{}):
		return Errorf(EINVALID,
			"only a custom connection has a scheme")
	case c.MaxBodyBytes < 0:
		return Errorf(EINVALID,
			"a body limit cannot be negative")
	}
	return nil
}
