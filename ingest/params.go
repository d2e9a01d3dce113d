package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

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

// acceptedCall is a call whose params were accepted: the event they describe,
// and the company token that sent it (nil: the instance token).
type acceptedCall struct {
	event connectors.NewEvent
	token *connectors.Token
}

// newEvent checks the params of a call, in the order the contract gives,
// and returns the event they describe, or why the call is refused. An
// error is a store failure.
func (h *Handler) newEvent(ctx context.Context, p map[string]json.RawMessage) (
	acceptedCall, *refused, error) {
	var c acceptedCall
	tok, no, err := h.checkToken(ctx, p["token"])
	if no != nil || err != nil {
		return c, no, err
	}
	companyID, no, err := h.company(ctx, p["company_id"], tok)
	if no != nil || err != nil {
		return c, no, err
	}

	source, no := required(p["source"], "source", maxSourceLen)
	if no != nil {
		return c, no, nil
	}
	if tok != nil && !tok.Allows(connectors.ParseSource(source)) {
		return c, &refused{"Invalid token", connectors.CauseWrongToken,
			"token not allowed for this source"}, nil
	}
	eventType, no := required(p["event_type"], "event_type", maxEventTypeLen)
	if no != nil {
		return c, no, nil
	}
	ref, no := reference(p["ref"])
	if no != nil {
		return c, no, nil
	}

	payload := p["payload"]
	if payload == nil {
		payload = emptyPayload
	}
	c.token = tok
	c.event = connectors.NewEvent{
		CompanyID:  companyID,
		Source:     connectors.ParseSource(source),
		SourceName: strings.TrimSpace(source),
		EventType:  eventType,
		Ref:        ref,
		Payload:    payload,
	}
	return c, nil, nil
}

// checkToken accepts the instance token, compared in constant time, or
// a company token in force, looked up by its hash; it returns the company
// token, or nil for the instance token. The details say only how it
// failed, never what was sent. An error is a store failure.
func (h *Handler) checkToken(ctx context.Context, raw json.RawMessage) (
	*connectors.Token, *refused, error) {
	token, isString := jsonString(raw)
	switch {
	case isNull(raw) || (isString && token == ""):
		return nil, &refused{"Invalid token", connectors.CauseMissingToken,
			"no token"}, nil
	case !isString:
		return nil, &refused{"Invalid token", connectors.CauseWrongToken,
			"token is not a string"}, nil
	case h.token.Equal(token):
		return nil, nil, nil
	case h.tokens == nil:
		return nil, &refused{"Invalid token", connectors.CauseWrongToken,
			"token does not match"}, nil
	}
	tok, err := h.tokens.TokenByHash(ctx, connectors.HashToken(token))
	if connectors.ErrorCode(err) == connectors.ENOTFOUND {
		return nil, &refused{"Invalid token", connectors.CauseWrongToken,
			"token does not match"}, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("look up token: %w", err)
	}
	return &tok, nil, nil
}

// company returns the company the call names, or when it names none the
// company token's company, or the default company for the instance
// token. A company token posts for its own company only.
func (h *Handler) company(ctx context.Context, raw json.RawMessage,
	tok *connectors.Token) (int64, *refused, error) {
	if isNull(raw) {
		if tok != nil {
			return tok.CompanyID, nil, nil
		}
		return connectors.DefaultCompanyID, nil, nil
	}
	id, ok := companyID(raw)
	if !ok {
		return 0, &refused{"Invalid 'company_id' parameter",
			connectors.CauseInvalidParams,
			"company_id is not a positive integer"}, nil
	}
	if tok != nil && tok.CompanyID == id {
		return id, nil, nil
	}
	_, err := h.store.Company(ctx, id)
	if connectors.ErrorCode(err) == connectors.ENOTFOUND {
		return 0, unknownCompany(id), nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("look up company %d: %w", id, err)
	}
	if tok != nil {
		return 0, &refused{"Token not allowed for company",
			connectors.CauseWrongToken,
			fmt.Sprintf("token of company %d used for company %d", tok.CompanyID, id)}, nil
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

// The longest source, event type and ref accepted, in characters: they
// are indexed and shown in every list, so a megabyte of each is a mistake
// or an attack, never an event.
const (
	maxSourceLen    = 100
	maxEventTypeLen = 255
	maxRefLen       = 1024
)

// required reads a param that must be a string that is not blank and not
// longer than limit characters. The value is returned as sent.
func required(raw json.RawMessage, name string, limit int) (string, *refused) {
	s, isString := jsonString(raw)
	switch {
	case isString && utf8.RuneCountInString(s) > limit:
		return "", tooLong(name, limit)
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
		if utf8.RuneCountInString(s) > maxRefLen {
			return "", tooLong("ref", maxRefLen)
		}
		return s, nil
	}
	if c := raw[0]; c == '-' || ('0' <= c && c <= '9') {
		return string(raw), nil
	}
	return "", &refused{"Invalid 'ref' parameter: must be a string",
		connectors.CauseInvalidParams, "ref is not a string"}
}

func tooLong(name string, limit int) *refused {
	return &refused{
		fmt.Sprintf("Invalid '%s' parameter: longer than %d characters", name, limit),
		connectors.CauseInvalidParams, name + " is too long"}
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
