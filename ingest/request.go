package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/bodybudget"
)

// envelope is the part of a JSON-RPC body that ingest reads. Params are
// a map of raw values, so that the payload is copied once out of the body
// and never decoded.
type envelope struct {
	Params map[string]json.RawMessage
	ID     json.RawMessage // as sent; nil when absent
}

// malformed is a request refused before its params are read: answered
// with an HTTP status and a plain text body, as the Odoo layer did.
type malformed struct {
	status int
	text   string
	cause  connectors.Cause
	detail string
	// retryAfter, when set, is sent as Retry-After in whole seconds.
	retryAfter int
}

// utf8BOM is tolerated before the JSON: some Windows tools write one.
var utf8BOM = []byte("\xef\xbb\xbf")

// readCall checks the Content-Type, reads the body once within the limit
// and parses its envelope. It returns the raw body as received, and a
// function that gives back the body's share of the in-flight budget: call
// it once the body is no longer needed.
func (h *Handler) readCall(w http.ResponseWriter, r *http.Request) (
	envelope, []byte, func(), *malformed) {
	var env envelope
	if ct, ok := jsonContentType(r.Header.Get("Content-Type")); !ok {
		return env, nil, func() {}, &malformed{
			status: http.StatusUnsupportedMediaType,
			text: fmt.Sprintf("Unsupported Content-Type %q: "+
				"send application/json or application/json-rpc", ct),
			cause:  connectors.CauseUnsupportedMedia,
			detail: fmt.Sprintf("content type %q", clip(ct, 100)),
		}
	}

	body, release, bad := h.readBody(w, r)
	if bad != nil {
		return env, nil, release, bad
	}
	return env, body, release, parseEnvelope(body, &env)
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

// readBody reads the whole body, refusing one over the limit: at once when
// Content-Length says so, and as soon as the limit is passed otherwise.
// The body is charged to the budget of body bytes the hub holds at once,
// so that many clients sending large bodies slowly, before any token is
// checked, cannot exhaust memory.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) (
	[]byte, func(), *malformed) {
	body, release, err := h.budget.ReadRequest(w, r, h.maxBody)
	switch {
	case errors.Is(err, bodybudget.ErrTooLarge):
		return nil, release, h.tooLarge()
	case errors.Is(err, bodybudget.ErrOverBudget):
		return nil, release, overloaded()
	case err != nil:
		return nil, release, invalidJSON("body could not be read")
	}
	return body, release, nil
}

// overloaded refuses a body when the budget of bytes in flight is spent.
func overloaded() *malformed {
	return &malformed{
		status:     http.StatusServiceUnavailable,
		text:       "Server busy: too many request bodies in flight, retry shortly",
		cause:      connectors.CauseOverloaded,
		detail:     "in-flight body budget spent",
		retryAfter: int(bodybudget.RetryAfter / time.Second),
	}
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

	// The top level is read as a map so that keys match exactly and the
	// last of a repeated key wins, as the Python layer behind the Odoo
	// module read them.
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return invalidJSON("body is not JSON")
	}
	env.ID = top["id"]
	params := top["params"]
	if isNull(params) {
		return nil
	}
	if params[0] != '{' {
		return invalidCall("params is not an object")
	}
	if err := json.Unmarshal(params, &env.Params); err != nil {
		return invalidCall("params is not an object")
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
