package connectors

import (
	"errors"
	"fmt"
)

// Error codes: the conditions callers branch on. Each adapter maps them to
// its own surface (an HTTP status, an exit code).
const (
	ECONFLICT     = "conflict"     // the thing changed under the caller
	EINTERNAL     = "internal"     // a fault of ours; the message is generic
	EINVALID      = "invalid"      // the caller's input is wrong
	ENOTFOUND     = "not_found"    // no such thing
	EUNAUTHORIZED = "unauthorized" // missing or wrong credentials
	EUNAVAILABLE  = "unavailable"  // the store cannot be reached now
)

// Error is an error whose Message is safe to show to whoever caused it. Its
// wrapped Err, if any, is for logs only.
type Error struct {
	Code    string
	Message string
	Err     error
}

// Error returns the message, followed by the wrapped cause if there is one.
func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the wrapped cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the safe message of the first *Error in err's chain,
// or a generic text for any other error, so that internal detail never
// reaches a client.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
