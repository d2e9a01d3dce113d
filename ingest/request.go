package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// envelope is the part of a JSON-RPC body that ingest reads. Params go
// straight into a map of raw values, so that the payload is copied once
// out of the body and never decoded.
type envelope struct {
	Params map[string]json.RawMessage `json:"params"`
	ID     json.RawMessage            `json:"id"` // as sent; nil when absent
}

// malformed is a request refused before its params are read: answered
// with an HTTP status and a plain text body, as the Odoo layer did.
type malformed struct {
	status int
	text   string
	cause  connectors.Cause
	detail string
}

// utf8BOM is tolerated before the JSON: some Windows tools write one.
var utf8BOM = []byte("\xef\xbb\xbf")

// readCall checks the Content-Type, reads the body once within the limit
// and parses its envelope. It returns the raw body as received.
func (h *Handler) readCall(w http.ResponseWriter, r *http.Request) (
	envelope, []byte, *malformed) {
	var env envelope
	if ct, ok := jsonContentType(r.Header.Get("Content-Type")); !ok {
		return env, nil, &malformed{
			status: http.StatusUnsupportedMediaType,
			text: fmt.Sprintf("Unsupported Content-Type %q: "+
				"send application/json or application/json-rpc", ct),
			cause:  connectors.CauseUnsupportedMedia,
			detail: fmt.Sprintf("content type %q", clip(ct, 100)),
		}
	}

	body, bad := h.readBody(w, r)
	if bad != nil {
		return env, nil, bad
	}
	return env, body, parseEnvelope(body, &env)
}

// jsonContentType returns the media type of a Content-Type header and
// whether it is one that JSON-RPC clients send. Parameters such as charset
// are allowed and ignored.
func jsonContentType(header string) (string, bool) {
	mediaType, _, _ := strings.Cut(header, ";")
	mediaType = strings.TrimSpace(mediaType)
	ok := strings.EqualFold(mediaType, "application/json") ||
		strings.EqualFold(mediaType, "application/json-rpc")
	return mediaType, ok
}

// readBody reads the whole body, refusing one over the limit without
// reading it: at once when Content-Length says so, and as soon as the
// limit is passed when the length is not known in advance.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *malformed) {
	if r.ContentLength > h.maxBody {
		return nil, h.tooLarge()
	}
	if r.ContentLength >= 0 {
		body := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, invalidJSON("body could not be read")
		}
		return body, nil
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, h.tooLarge()
	}
	if err != nil {
		return nil, invalidJSON("body could not be read")
	}
	return body, nil
}

func (h *Handler) tooLarge() *malformed {
	return &malformed{
		status: http.StatusRequestEntityTooLarge,
		text: fmt.Sprintf("Request body too large: the limit is %d bytes",
			h.maxBody),
		cause:  connectors.CauseTooLarge,
		detail: fmt.Sprintf("body over %d bytes", h.maxBody),
	}
}

// parseEnvelope decodes body into env. Only the envelope is decoded here;
// trailing data after the object makes the whole body invalid.
func parseEnvelope(body []byte, env *envelope) *malformed {
	data := bytes.TrimPrefix(body, utf8BOM)
	start := bytes.TrimLeft(data, " \t\r\n")
	switch {
	case len(start) == 0:
		return invalidJSON("body is empty")
	case !utf8.Valid(data):
		// Stored bytes must be JSON any store and reader accepts, and
		// JSON text is UTF-8.
		return invalidJSON("body is not valid UTF-8")
	case start[0] != '{':
		if json.Valid(data) {
			return invalidCall("body is not a JSON object")
		}
		return invalidJSON("body is not JSON")
	}

	err := json.Unmarshal(data, env)
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		// The only field that can have a wrong type is params.
		return invalidCall("params is not an object")
	case err != nil:
		return invalidJSON("body is not JSON")
	}
	return nil
}

func invalidJSON(detail string) *malformed {
	return &malformed{
		status: http.StatusBadRequest,
		text:   "Invalid JSON data",
		cause:  connectors.CauseMalformedBody,
		detail: detail,
	}
}

func invalidCall(detail string) *malformed {
	return &malformed{
		status: http.StatusBadRequest,
		text:   "Invalid JSON-RPC data",
		cause:  connectors.CauseMalformedBody,
		detail: detail,
	}
}

// clip shortens s to at most n bytes, on a character boundary, so that a
// client cannot make a rejection row or a log line as big as its body.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
