package hooks

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/bodybudget"
)

// refusal is a request turned away: the status and safe message the
// sender reads, and what is recorded.
type refusal struct {
	status  int
	code    string // the stable code of a REST error
	message string
	cause   connectors.Cause
	detail  string
	// retryAfter, when set, is sent as Retry-After in whole seconds.
	retryAfter int
}

func tooLarge(limit int64) *refusal {
	return &refusal{
		status:  http.StatusRequestEntityTooLarge,
		code:    "too_large",
		message: fmt.Sprintf("the body is over the limit of %d bytes", limit),
		cause:   connectors.CauseTooLarge,
		detail:  fmt.Sprintf("body over %d bytes", limit),
	}
}

func malformedBody(message string) *refusal {
	return &refusal{
		status:  http.StatusBadRequest,
		code:    "malformed_body",
		message: message,
		cause:   connectors.CauseMalformedBody,
		detail:  message,
	}
}

// overloaded refuses a body when the budget of bodies the hub holds at
// once is spent. It is not the sender's fault, and providers retry a 503.
func overloaded() *refusal {
	return &refusal{
		status:     http.StatusServiceUnavailable,
		code:       "overloaded",
		message:    "the hub is holding too many bodies: retry later",
		cause:      connectors.CauseOverloaded,
		detail:     "in-flight body budget spent",
		retryAfter: int(bodybudget.RetryAfter / time.Second),
	}
}

// readBody reads the body once, whatever its transfer (a length, or
// chunked), refusing it as soon as it passes limit. A gzip or deflate
// Content-Encoding is decoded, bounded by the same limit on the decoded
// size, so that a small compressed bomb is refused like a large body.
// Both the bytes received and the decoded bytes are charged to the hub's
// budget of bodies in flight; call release once the body is not needed,
// whatever the refusal.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request,
	limit int64) ([]byte, func(), *refusal) {
	raw, releaseRaw, err := h.budget.ReadRequest(w, r, limit)
	if err != nil {
		return nil, releaseRaw, bodyRefusal(err, limit,
			"the body could not be read")
	}
	encoding := r.Header.Get("Content-Encoding")
	dec, no := decoder(encoding, raw)
	if no != nil || dec == nil {
		return raw, releaseRaw, no
	}

	// The received bytes are no longer needed once decoded.
	defer releaseRaw()
	body, release, err := h.budget.Read(dec, limit)
	if err != nil {
		return nil, release, bodyRefusal(err, limit,
			"the body is not valid "+encoding)
	}
	return body, release, nil
}

// bodyRefusal is the refusal of a body that could not be read for err,
// with message when it is the body's own fault.
func bodyRefusal(err error, limit int64, message string) *refusal {
	switch {
	case errors.Is(err, bodybudget.ErrTooLarge):
		return tooLarge(limit)
	case errors.Is(err, bodybudget.ErrOverBudget):
		return overloaded()
	}
	return malformedBody(message)
}

// decoder returns a reader that undoes a Content-Encoding of gzip or
// deflate over raw, or nil for identity. Deflate is taken as
// zlib-wrapped, as the HTTP specification says, or raw, as some senders
// send it.
func decoder(encoding string, raw []byte) (io.Reader, *refusal) {
	var dec io.Reader
	var err error
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "identity":
		return nil, nil
	case "gzip", "x-gzip":
		dec, err = gzip.NewReader(bytes.NewReader(raw))
	case "deflate":
		dec, err = zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			dec, err = flate.NewReader(bytes.NewReader(raw)), nil
		}
	default:
		return nil, &refusal{
			status:  http.StatusUnsupportedMediaType,
			code:    "unsupported_encoding",
			message: "unsupported Content-Encoding: send gzip, deflate or none",
			cause:   connectors.CauseUnsupportedEncoding,
			detail:  fmt.Sprintf("content encoding %q", clip(encoding, 50)),
		}
	}
	if err != nil {
		return nil, malformedBody("the body is not valid " + encoding)
	}
	return dec, nil
}

// utf8BOM is tolerated before a body: some Windows tools write one.
var utf8BOM = []byte("\xef\xbb\xbf")

// mediaType returns the lower-case media type of a Content-Type header.
func mediaType(header string) string {
	t, _, _ := strings.Cut(header, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

// isJSON reports whether a media type is JSON: application/json or any
// application/*+json.
func isJSON(t string) bool {
	return t == "application/json" ||
		(strings.HasPrefix(t, "application/") && strings.HasSuffix(t, "+json"))
}

const formType = "application/x-www-form-urlencoded"

// unsupportedType refuses a Content-Type, naming the ones accepted.
func unsupportedType(t, accepted string) *refusal {
	return &refusal{
		status:  http.StatusUnsupportedMediaType,
		code:    "unsupported_media_type",
		message: "unsupported Content-Type: send " + accepted,
		cause:   connectors.CauseUnsupportedMedia,
		detail:  fmt.Sprintf("content type %q", clip(t, 100)),
	}
}

// clip shortens s to at most n bytes, so that a sender cannot make a
// rejection row or a log line as long as its body.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
