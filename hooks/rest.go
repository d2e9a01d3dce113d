package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// restCall is the body of POST /api/v1/events. The payload stays the
// bytes the caller sent.
type restCall struct {
	Source    string          `json:"source"`
	EventType string          `json:"event_type"`
	Ref       string          `json:"ref"`
	Payload   json.RawMessage `json:"payload"`
	CompanyID *int64          `json:"company_id"`
}

// restEvent stores an event sent with a hub token in the Authorization
// header. 201 answers a new event, 200 a repeated Idempotency-Key with
// the first event's id.
func (h *Handler) restEvent(w http.ResponseWriter, r *http.Request) {
	if h.limited(w, r) {
		return
	}
	tok, no := h.bearer(r)
	if no == nil {
		no = checkJSONType(r.Header.Get("Content-Type"))
	}
	var call restCall
	var body []byte
	if no == nil {
		var release func()
		body, release, no = h.readBody(w, r, h.maxBody)
		defer release()
	}
	if no == nil {
		no = parseCall(body, &call)
	}
	var e connectors.NewEvent
	if no == nil {
		e, no = h.restNewEvent(r.Context(), tok, call)
	}
	if no != nil {
		h.refuse(w, r, call.Source, no)
		return
	}

	key := r.Header.Get("Idempotency-Key")
	if len(key) > maxKey {
		h.refuse(w, r, call.Source,
			invalid("the Idempotency-Key is over 255 bytes"))
		return
	}
	e.DeliveryKey = connectors.DeliveryKey(
		connectors.CallerSender(tok, e.SourceName), key)
	e.Delivery = delivery(r, body, nil)
	id, created, err := h.store.CreateEventOnce(r.Context(), e)
	if err != nil {
		h.refuse(w, r, call.Source, h.storeRefusal(r.Context(), e, err))
		return
	}
	h.uses.Touch(r.Context(), tok)
	writeStored(w, id, created)
}

func unauthorized(cause connectors.Cause, detail string) *refusal {
	return &refusal{status: http.StatusUnauthorized, code: "unauthorized",
		message: "a valid token is needed in Authorization: Bearer",
		cause:   cause, detail: detail}
}

// forbidden refuses a valid token used beyond what it may do: 403, not
// 401, since another token, not the same one again, is the answer.
func forbidden(message, detail string) *refusal {
	return &refusal{status: http.StatusForbidden, code: "forbidden",
		message: message, cause: connectors.CauseWrongToken, detail: detail}
}

func invalid(message string) *refusal {
	return &refusal{status: http.StatusBadRequest, code: "invalid",
		message: message, cause: connectors.CauseInvalidParams,
		detail: message}
}

// bearer checks the Authorization header: the instance token, compared
// in constant time, or a company token in force, looked up by its hash.
// It returns the company token, or nil for the instance token.
func (h *Handler) bearer(r *http.Request) (*connectors.Token, *refusal) {
	auth := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(auth, " ")
	token = strings.TrimSpace(token)
	switch {
	case auth == "":
		return nil, unauthorized(connectors.CauseMissingToken, "no token")
	case !strings.EqualFold(scheme, "Bearer") || token == "":
		return nil, unauthorized(connectors.CauseWrongToken,
			"authorization is not a bearer token")
	case h.token.Equal(token):
		return nil, nil
	}
	tok, err := h.store.TokenByHash(r.Context(), connectors.HashToken(token))
	if connectors.ErrorCode(err) == connectors.ENOTFOUND {
		return nil, unauthorized(connectors.CauseWrongToken,
			"token does not match")
	}
	if err != nil {
		return nil, h.unavailable(r.Context(), "look up token", err)
	}
	return &tok, nil
}

// checkJSONType refuses a body that is not declared as JSON.
func checkJSONType(contentType string) *refusal {
	if t := mediaType(contentType); !isJSON(t) {
		return unsupportedType(t, "application/json")
	}
	return nil
}

// parseCall decodes a REST body; a body that is not a JSON object, or
// has fields of the wrong type, is refused.
func parseCall(body []byte, call *restCall) *refusal {
	data := bytes.TrimPrefix(body, utf8BOM)
	start := bytes.TrimLeft(data, " \t\r\n")
	if len(start) == 0 || start[0] != '{' || !json.Valid(data) {
		return malformedBody("the body is not a JSON object")
	}
	if err := json.Unmarshal(data, call); err != nil {
		return invalid("a field has the wrong type: source, event_type " +
			"and ref are strings, company_id a number")
	}
	return nil
}

// restNewEvent checks the call's fields and token rights and returns the
// event it describes.
func (h *Handler) restNewEvent(ctx context.Context, tok *connectors.Token,
	call restCall) (connectors.NewEvent, *refusal) {
	var e connectors.NewEvent
	source := strings.TrimSpace(call.Source)
	switch {
	case source == "":
		return e, invalid("source is required")
	case strings.TrimSpace(call.EventType) == "":
		return e, invalid("event_type is required")
	case utf8.RuneCountInString(source) > 100:
		return e, invalid("source is longer than 100 characters")
	case utf8.RuneCountInString(call.EventType) > 255:
		return e, invalid("event_type is longer than 255 characters")
	case utf8.RuneCountInString(call.Ref) > 1024:
		return e, invalid("ref is longer than 1024 characters")
	case tok != nil && !tok.Allows(connectors.ParseSource(source)):
		return e, forbidden("this token may not post for source "+
			strconv.Quote(clip(source, 100)), "token not allowed for this source")
	}
	company, no := h.restCompany(ctx, tok, call.CompanyID)
	if no != nil {
		return e, no
	}
	payload := call.Payload
	if len(payload) == 0 {
		payload = json.RawMessage("{}")
	}
	return connectors.NewEvent{
		CompanyID:  company,
		Source:     connectors.ParseSource(source),
		SourceName: source,
		EventType:  call.EventType,
		Ref:        call.Ref,
		Payload:    payload,
	}, nil
}

// restCompany returns the company the call names, or when it names none
// the company token's, or the default company for the instance token. A
// company token posts for its own company only.
func (h *Handler) restCompany(ctx context.Context, tok *connectors.Token,
	named *int64) (int64, *refusal) {
	switch {
	case named == nil && tok != nil:
		return tok.CompanyID, nil
	case named == nil:
		return connectors.DefaultCompanyID, nil
	case *named <= 0:
		return 0, invalid("company_id must be a positive integer")
	case tok != nil && tok.CompanyID != *named:
		return 0, forbidden("this token may not post for company "+
			strconv.FormatInt(*named, 10), "token not allowed for this company")
	}
	_, err := h.store.Company(ctx, *named)
	if connectors.ErrorCode(err) == connectors.ENOTFOUND {
		return 0, unknownCompany(*named)
	}
	if err != nil {
		return 0, h.unavailable(ctx, "look up company", err)
	}
	return *named, nil
}

func unknownCompany(id int64) *refusal {
	return &refusal{status: http.StatusBadRequest, code: "unknown_company",
		message: fmt.Sprintf("company %d does not exist", id),
		cause:   connectors.CauseUnknownCompany,
		detail:  fmt.Sprintf("company %d does not exist", id)}
}

// storeRefusal answers a failed store: a company removed since it was
// looked up, a field the store refuses, or the store out of reach.
func (h *Handler) storeRefusal(ctx context.Context, e connectors.NewEvent,
	err error) *refusal {
	switch connectors.ErrorCode(err) {
	case connectors.ENOTFOUND:
		return unknownCompany(e.CompanyID)
	case connectors.EINVALID:
		return invalid(connectors.ErrorMessage(err))
	}
	return h.unavailable(ctx, "store event", err)
}
