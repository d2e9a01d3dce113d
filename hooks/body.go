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

	connectors "github.com/ipai-ai/ipai-connectors"
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

// readBody reads the body once, whatever its transfer (a length, or
// chunked), refusing it as soon as it passes limit. A gzip or deflate
// Content-Encoding is decoded, bounded by the same limit on the decoded
// size, so that a small compressed bomb is refused like a large body.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) (
	[]byte, *refusal) {
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, tooLarge(limit)
	}
	if err != nil {
		return nil, malformedBody("the body could not be read")
	}
	return decodeBody(r.Header.Get("Content-Encoding"), raw, limit)
}

// decodeBody undoes a Content-Encoding of identity, gzip or deflate.
// Deflate is taken as zlib-wrapped, as the HTTP specification says, or
// raw, as some senders send it.
func decodeBody(encoding string, raw []byte, limit int64) ([]byte, *refusal) {
	var dec io.Reader
	var err error
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "identity":
		return raw, nil
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
	body, err := io.ReadAll(io.LimitReader(dec, limit+1))
	if err != nil {
		return nil, malformedBody("the body is not valid " + encoding)
	}
	if int64(len(body)) > limit {
		return nil, tooLarge(limit)
	}
	return body, nil
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

func unsupportedType(t string) *refusal {
	return &refusal{
		status: http.StatusUnsupportedMediaType,
		code:   "unsupported_media_type",
		message: "unsupported Content-Type: send application/json or " +
			formType,
		cause:  connectors.CauseUnsupportedMedia,
		detail: fmt.Sprintf("content type %q", clip(t, 100)),
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
