package connectors

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
)

// Secret holds a token or signing secret. It never prints or logs its value.
type Secret string

// String returns a fixed mask, so that a Secret printed by mistake is safe.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// LogValue keeps the secret out of structured logs.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Reveal returns the secret's value, for the one place that must use it.
func (s Secret) Reveal() string { return string(s) }

// Equal reports whether got equals s, in time that does not depend on
// where they differ or on their lengths. An empty secret equals nothing.
func (s Secret) Equal(got string) bool {
	if s == "" {
		return false
	}
	a := sha256.Sum256([]byte(s))
	b := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// GoString keeps the secret out of %#v.
func (s Secret) GoString() string { return `"` + s.String() + `"` }

// MarshalText keeps the secret out of encoders that use text, such as
// slog's JSON handler for a Secret nested in a struct.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// GenerateSecret returns a fresh signing secret for a connection of
// provider p: 32 random bytes written as the provider writes secrets,
// "whsec_" and base64 for Standard Webhooks, hex otherwise. Slack and
// Stripe make their own secrets; callers take theirs instead.
func GenerateSecret(p Provider) Secret {
	b := make([]byte, 32)
	rand.Read(b)
	if p == ProviderStandard {
		return Secret("whsec_" + base64.StdEncoding.EncodeToString(b))
	}
	return Secret(hex.EncodeToString(b))
}
