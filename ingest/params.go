package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// refused is a call answered with "ok":false: the error the client reads
// and what is recorded about it.
type refused struct {
	message string
	cause   connectors.Cause
	detail  string
}

// emptyPayload is stored for a call that sends no payload.
var emptyPayload = json.RawMessage("{}")

// newEvent checks the params of a call, in the order the contract gives,
// and returns the event they describe, or why the call is refused. An
// error is a store failure.
func (h *Handler) newEvent(ctx context.Context, p map[string]json.RawMessage) (
	connectors.NewEvent, *refused, error) {
	var e connectors.NewEvent
	if no := h.checkToken(p["token"]); no != nil {
		return e, no, nil
	}
	companyID, no, err := h.company(ctx, p["company_id"])
	if no != nil || err != nil {
		return e, no, err
	}

	source, no := required(p["source"], "source")
	if no != nil {
		return e, no, nil
	}
	eventType, no := required(p["event_type"], "event_type")
	if no != nil {
		return e, no, nil
	}
	ref, no := reference(p["ref"])
	if no != nil {
		return e, no, nil
	}

	payload := p["payload"]
	if payload == nil {
		payload = emptyPayload
	}
	return connectors.NewEvent{
		CompanyID:  companyID,
		Source:     connectors.ParseSource(source),
		SourceName: strings.TrimSpace(source),
		EventType:  eventType,
		Ref:        ref,
		Payload:    payload,
	}, nil, nil
}

// checkToken compares the token in constant time. The details say only
// how it failed, never what was sent.
func (h *Handler) checkToken(raw json.RawMessage) *refused {
	token, isString := jsonString(raw)
	switch {
	case isNull(raw) || (isString && token == ""):
		return &refused{"Invalid token", connectors.CauseMissingToken,
			"no token"}
	case !isString:
		return &refused{"Invalid token", connectors.CauseWrongToken,
			"token is not a string"}
	case !h.token.Equal(token):
		return &refused{"Invalid token", connectors.CauseWrongToken,
			"token does not match"}
	}
	return nil
}

// company returns the company the call names, or the default company
// when it names none.
func (h *Handler) company(ctx context.Context, raw json.RawMessage) (
	int64, *refused, error) {
	if isNull(raw) {
		return connectors.DefaultCompanyID, nil, nil
	}
	id, ok := companyID(raw)
	if !ok {
		return 0, &refused{"Invalid 'company_id' parameter",
			connectors.CauseInvalidParams,
			"company_id is not a positive integer"}, nil
	}
	_, err := h.store.Company(ctx, id)
	if connectors.ErrorCode(err) == connectors.ENOTFOUND {
		return 0, unknownCompany(id), nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("look up company %d: %w", id, err)
	}
	return id, nil, nil
}

func unknownCompany(id int64) *refused {
	return &refused{"Unknown company", connectors.CauseUnknownCompany,
		fmt.Sprintf("company %d does not exist", id)}
}

// companyID reads a positive integer, sent as a JSON number or, as some
// clients template it, as a string of digits.
func companyID(raw json.RawMessage) (int64, bool) {
	text := string(raw)
	if s, ok := jsonString(raw); ok {
		text = strings.TrimSpace(s)
	}
	if text == "" || strings.TrimLeft(text, "0123456789") != "" {
		return 0, false // a sign, a fraction, an exponent or not a number
	}
	id, err := strconv.ParseInt(text, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// required reads a param that must be a string that is not blank. The
// value is returned as sent.
func required(raw json.RawMessage, name string) (string, *refused) {
	s, isString := jsonString(raw)
	switch {
	case !isNull(raw) && !isString:
		return "", &refused{
			fmt.Sprintf("Invalid '%s' parameter: must be a string", name),
			connectors.CauseInvalidParams, name + " is not a string"}
	case strings.TrimSpace(s) == "":
		return "", &refused{
			fmt.Sprintf("Missing '%s' parameter", name),
			connectors.CauseInvalidParams, name + " is missing"}
	}
	return s, nil
}

// reference reads the optional ref: a string, or a number kept as the
// literal the client wrote, since refs are often numeric ids.
func reference(raw json.RawMessage) (string, *refused) {
	if isNull(raw) {
		return "", nil
	}
	if s, ok := jsonString(raw); ok {
		return s, nil
	}
	if c := raw[0]; c == '-' || ('0' <= c && c <= '9') {
		return string(raw), nil
	}
	return "", &refused{"Invalid 'ref' parameter: must be a string",
		connectors.CauseInvalidParams, "ref is not a string"}
}

// isNull reports whether a param is absent or null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// jsonString decodes raw when it is a JSON string. Most strings have no
// escapes and are sliced out as they are; the body was checked to be
// valid UTF-8, so that gives what decoding would.
func jsonString(raw json.RawMessage) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}
