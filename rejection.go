package connectors

import "time"

// Cause says why a request was turned away.
type Cause string

// The causes of rejection.
const (
	CauseMissingToken     Cause = "missing_token"
	CauseWrongToken       Cause = "wrong_token"
	CauseMalformedBody    Cause = "malformed_body"
	CauseInvalidParams    Cause = "invalid_params"
	CauseUnknownCompany   Cause = "unknown_company"
	CauseTooLarge         Cause = "too_large"
	CauseUnsupportedMedia Cause = "unsupported_media_type"
	CauseBadSignature     Cause = "bad_signature"
	CauseStaleTimestamp   Cause = "stale_timestamp"
	CauseRateLimited      Cause = "rate_limited"
	CauseFailedLogin      Cause = "failed_login"
	// CauseOverloaded: the hub was holding as many request bodies as it
	// allows at once, and asked the client to come back.
	CauseOverloaded Cause = "overloaded"

	// The causes of the provider endpoints under /hooks/.
	CauseUnknownConnection   Cause = "unknown_connection"
	CauseDisabledConnection  Cause = "disabled_connection"
	CauseUnsupportedEncoding Cause = "unsupported_encoding"
)

// Causes lists every cause of rejection, in the order they are declared.
var Causes = []Cause{
	CauseMissingToken,
	CauseWrongToken,
	CauseMalformedBody,
	CauseInvalidParams,
	CauseUnknownCompany,
	CauseTooLarge,
	CauseUnsupportedMedia,
	CauseBadSignature,
	CauseStaleTimestamp,
	CauseRateLimited,
	CauseFailedLogin,
	CauseOverloaded,
	CauseUnknownConnection,
	CauseDisabledConnection,
	CauseUnsupportedEncoding,
}

// Rejection records a request that was turned away. It never holds the
// token or secret that was sent.
type Rejection struct {
	ID         int64
	At         time.Time
	RemoteAddr string
	Path       string
	Source     string // the source the request claimed, as sent
	Cause      Cause
	Detail     string // a safe, short explanation
	RequestID  string
}

// RejectionFilter selects rejections, newest first.
type RejectionFilter struct {
	Cause      Cause
	RemoteAddr string
	Path       string
	Since      time.Time
	Until      time.Time
	BeforeID   int64 // keyset cursor: only rows with a smaller id
	Limit      int
}
