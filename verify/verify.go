// Package verify checks the signatures that webhook providers put on their
// deliveries: GitHub, Slack, Stripe, Standard Webhooks, a generic HMAC
// whose header, algorithm and encoding are configured, and a plain header
// token. Every check is a pure function over the bytes as they arrived,
// before anything parses them, and compares in constant time.
//
// Each check takes several secrets, so that during a rotation the old
// secret and the new one are both accepted. A refusal is an *Error that
// names its cause and carries a detail safe to record: it never holds a
// secret or a signature.
package verify

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// Kind says how a signature check failed.
type Kind int

// The ways a check fails.
const (
	// Missing: the signature or timestamp header is absent.
	Missing Kind = iota + 1
	// Malformed: a header is present but cannot be read.
	Malformed
	// Mismatch: no signature matches any secret.
	Mismatch
	// Stale: the signed timestamp is outside the tolerance, in the past
	// or in the future.
	Stale
)

// Error is a refused signature.
type Error struct {
	Kind   Kind
	Detail string // safe to record: names headers, never their values
}

// Error returns the detail.
func (e *Error) Error() string { return e.Detail }

// Cause returns the rejection cause of the failure: a stale timestamp,
// or a bad signature for every other kind.
func (e *Error) Cause() connectors.Cause {
	if e.Kind == Stale {
		return connectors.CauseStaleTimestamp
	}
	return connectors.CauseBadSignature
}

// Cause returns the rejection cause of err: the cause of an *Error in its
// chain, or CauseBadSignature for any other error.
func Cause(err error) connectors.Cause {
	var e *Error
	if errors.As(err, &e) {
		return e.Cause()
	}
	return connectors.CauseBadSignature
}

// KindOf returns the kind of the *Error in err's chain, or 0.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

func fail(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

// DefaultTolerance is how far a signed timestamp may be from the clock,
// either way: the five minutes Slack, Stripe and Standard Webhooks use.
const DefaultTolerance = 5 * time.Minute

// Algorithm names a hash for HMAC.
type Algorithm string

// The supported algorithms.
const (
	SHA1   Algorithm = "sha1"
	SHA256 Algorithm = "sha256"
	SHA512 Algorithm = "sha512"
)

// newHash returns the hash constructor of a, or nil for an unknown name.
func (a Algorithm) newHash() func() hash.Hash {
	switch a {
	case SHA1:
		return sha1.New
	case SHA256:
		return sha256.New
	case SHA512:
		return sha512.New
	}
	return nil
}

// Valid reports whether a is a supported algorithm.
func (a Algorithm) Valid() bool { return a.newHash() != nil }

// mac returns the HMAC of the message parts under secret.
func mac(h func() hash.Hash, secret []byte, parts ...[]byte) []byte {
	m := hmac.New(h, secret)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// anyMatch reports whether one of the signatures is the HMAC of the
// message under one of the secrets. Every pair is compared, so that the
// time taken does not say which secret or signature came close.
func anyMatch(h func() hash.Hash, secrets [][]byte, sigs [][]byte,
	parts ...[]byte) bool {
	ok := 0
	for _, secret := range secrets {
		if len(secret) == 0 {
			continue
		}
		want := mac(h, secret, parts...)
		for _, sig := range sigs {
			ok |= subtle.ConstantTimeCompare(want, sig)
		}
	}
	return ok == 1
}

// checkTimestamp reads a decimal Unix time and checks that it is within
// tolerance of now, either way.
func checkTimestamp(header, value string, now time.Time,
	tolerance time.Duration) (int64, error) {
	if value == "" {
		return 0, fail(Missing, "no %s", header)
	}
	ts, err := strconv.ParseInt(value, 10, 64)
	if err != nil || ts < 0 {
		return 0, fail(Malformed, "%s is not a Unix time", header)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	age := now.Sub(time.Unix(ts, 0))
	switch {
	case age > tolerance:
		return ts, fail(Stale, "%s is %s old, over %s",
			header, age.Truncate(time.Second), tolerance)
	case age < -tolerance:
		return ts, fail(Stale, "%s is %s ahead, over %s",
			header, (-age).Truncate(time.Second), tolerance)
	}
	return ts, nil
}

func subtleEqual(a, b []byte) int { return subtle.ConstantTimeCompare(a, b) }
