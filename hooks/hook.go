package hooks

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/requestlog"
	"github.com/ipai-ai/ipai-connectors/verify"
)

// recordTimeout bounds writing a rejection once the request has ended.
const recordTimeout = 5 * time.Second

// hook takes a delivery to a connection: rate limit, connection, body,
// signature, then the payload, in that order, so that nothing is parsed
// before it is verified.
func (h *Handler) hook(w http.ResponseWriter, r *http.Request) {
	if h.limited(w, r) {
		return
	}
	c, no := h.connection(r.Context(), r.PathValue("slug"))
	if no != nil {
		h.refuse(w, r, string(c.Provider), no)
		return
	}
	limit := h.maxBody
	if c.MaxBodyBytes > 0 {
		// A connection's own limit above the hub's cannot pass what the
		// budget can hold: a body over it is too large (413), not a
		// busy hub (503) on every try.
		limit = min(c.MaxBodyBytes, max(h.maxBody, h.budget.MaxLimit()))
	}
	body, release, no := h.readBody(w, r, limit)
	defer release()
	if no == nil {
		no = h.verify(c, r.Header, body)
	}
	if no != nil {
		h.refuse(w, r, string(c.Provider), no)
		return
	}

	rd, no := read(c.Provider, r.Header, body)
	switch {
	case no != nil:
		h.refuse(w, r, string(c.Provider), no)
	case rd.reply != nil:
		writeJSON(w, http.StatusOK, rd.reply)
	default:
		h.storeEvent(w, r, c, rd, body)
	}
}

// connection returns the enabled connection with the given slug. An
// unknown and a disabled connection are both answered 404, so that a
// URL that worked once says nothing more than one that never did.
func (h *Handler) connection(ctx context.Context, slug string) (
	connectors.Connection, *refusal) {
	c, err := h.store.ConnectionBySlug(ctx, slug)
	notFound := &refusal{status: http.StatusNotFound, code: "not_found",
		message: "no such hook"}
	switch {
	case connectors.ErrorCode(err) == connectors.ENOTFOUND:
		notFound.cause = connectors.CauseUnknownConnection
		notFound.detail = "no connection has this slug"
		return c, notFound
	case err != nil:
		return c, h.unavailable(ctx, "look up connection", err)
	case !c.Enabled:
		notFound.cause = connectors.CauseDisabledConnection
		notFound.detail = fmt.Sprintf("connection %d is disabled", c.ID)
		return c, notFound
	}
	return c, nil
}

// verify checks the delivery's signature with the connection's secrets.
func (h *Handler) verify(c connectors.Connection, header http.Header,
	body []byte) *refusal {
	secrets, err := h.secrets(c)
	if err == nil {
		err = check(c, secrets, header, body, h.now())
	}
	if err == nil {
		return nil
	}
	detail := err.Error()
	if verify.KindOf(err) == 0 {
		detail = "the connection's secret cannot be opened: " + detail
	}
	return &refusal{
		status:  http.StatusUnauthorized,
		code:    "unauthorized",
		message: "the signature does not verify",
		cause:   verify.Cause(err),
		detail:  clip(detail, 200),
	}
}

// secrets opens the connection's current secret, and the previous one
// while it is still accepted.
func (h *Handler) secrets(c connectors.Connection) ([][]byte, error) {
	if h.box == nil {
		return nil, connectors.ErrNoSecretKey
	}
	current, err := h.box.Open(c.Slug, c.SealedSecret)
	if err != nil {
		return nil, err
	}
	keys := [][]byte{signingKey(c.Provider, current)}
	if c.PreviousValid(h.now()) {
		previous, err := h.box.Open(c.Slug, c.SealedPrevious)
		if err != nil {
			return nil, err
		}
		keys = append(keys, signingKey(c.Provider, previous))
	}
	return keys, nil
}

// storeEvent stores a verified delivery, or finds the event of its first
// copy, and answers the provider.
func (h *Handler) storeEvent(w http.ResponseWriter, r *http.Request,
	c connectors.Connection, rd reading, body []byte) {
	e := connectors.NewEvent{
		CompanyID:   c.CompanyID,
		Source:      c.Provider.Source(),
		SourceName:  string(c.Provider),
		EventType:   rd.eventType,
		Ref:         rd.ref,
		Payload:     rd.payload,
		DeliveryKey: connectors.DeliveryKey(connectors.ConnectionSender(c.ID), rd.key),
		Delivery:    delivery(r, body, secretHeaders(c)),
	}
	id, created, err := h.store.CreateEventOnce(r.Context(), e)
	if err != nil {
		h.refuse(w, r, string(c.Provider),
			h.unavailable(r.Context(), "store event", err))
		return
	}
	if rd.quiet {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeStored(w, id, created)
}

// secretHeaders names the headers of a delivery to c that carry its
// secret itself: a custom token's.
func secretHeaders(c connectors.Connection) []string {
	if c.Scheme.Kind == connectors.SchemeToken {
		return []string{c.Scheme.Header}
	}
	return nil
}

// stored is the answer to an accepted event.
type stored struct {
	EventID   int64 `json:"event_id"`
	Duplicate bool  `json:"duplicate"`
}

// writeStored answers 201 for a new event and 200, with the first
// event's id, for a copy of one already stored.
func writeStored(w http.ResponseWriter, id int64, created bool) {
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	body, _ := json.Marshal(stored{EventID: id, Duplicate: !created})
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
	w.Write([]byte("\n"))
}

// errorBody is every error answer: a stable code and a safe message.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// refuse answers a refusal, records it, and counts it against the
// sender's address when it is a credential failure: a bad signature or
// token. Other refusals (an unknown or disabled connection, a body too
// large) are not guessing, and providers send from shared addresses: one
// tenant's broken connection must not slow another's deliveries.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request,
	source string, no *refusal) {
	addr := clientAddr(r)
	if credentialFailure(no.cause) {
		h.limiter.Fail(addr, h.now())
	}
	if no.cause != "" {
		h.reject(r, addr, source, no)
	}
	if no.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(no.retryAfter))
	}
	var b errorBody
	b.Error.Code, b.Error.Message = no.code, no.message
	body, _ := json.Marshal(b)
	writeJSON(w, no.status, body)
}

// limited answers 429 to an address that has failed too often lately.
func (h *Handler) limited(w http.ResponseWriter, r *http.Request) bool {
	wait, blocked := h.limiter.Blocked(clientAddr(r), h.now())
	if !blocked {
		return false
	}
	secs := int((wait + time.Second - 1) / time.Second)
	h.refuse(w, r, "", &refusal{
		status:     http.StatusTooManyRequests,
		code:       "rate_limited",
		message:    "too many failed requests from this address: retry later",
		cause:      connectors.CauseRateLimited,
		detail:     "too many failed requests from this address",
		retryAfter: max(secs, 1),
	})
	return true
}

// unavailable logs a store failure and returns the 503 that answers it.
func (h *Handler) unavailable(ctx context.Context, what string,
	err error) *refusal {
	h.logger.LogAttrs(ctx, slog.LevelError, what,
		slog.String("request_id", requestlog.ID(ctx)),
		slog.String("error", err.Error()))
	return &refusal{
		status:     http.StatusServiceUnavailable,
		code:       "unavailable",
		message:    "the hub cannot store events right now: retry later",
		retryAfter: 5,
	}
}

// reject records and logs a refused request. It is answered whether or
// not the record could be written.
func (h *Handler) reject(r *http.Request, addr, source string, no *refusal) {
	ctx := r.Context()
	rej := connectors.Rejection{
		At:         time.Now().UTC(),
		RemoteAddr: addr,
		Path:       clip(r.URL.Path, 200),
		Source:     clip(source, 100),
		Cause:      no.cause,
		Detail:     no.detail,
		RequestID:  requestlog.ID(ctx),
	}
	h.logger.LogAttrs(ctx, slog.LevelWarn, "request refused",
		slog.String("cause", string(rej.Cause)),
		slog.String("detail", rej.Detail),
		slog.String("remote_addr", rej.RemoteAddr),
		slog.String("request_id", rej.RequestID))
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := h.store.RecordRejection(ctx, rej); err != nil {
		h.logger.LogAttrs(ctx, slog.LevelError, "record rejection",
			slog.String("request_id", rej.RequestID),
			slog.String("error", err.Error()))
	}
}

// clientAddr returns the client address that requestlog resolved, or the
// direct peer's when the handler runs without the middleware.
func clientAddr(r *http.Request) string {
	if addr := requestlog.RemoteAddr(r.Context()); addr != "" {
		return addr
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// delivery returns the request that carried an accepted event, its
// credential headers redacted. The body is kept as it was verified: a
// signing secret is never in it, and a signature check needs every byte.
// A compressed body is kept decoded, as it was verified, so the headers
// that described the bytes on the wire are replaced by one saying how
// they came.
func delivery(r *http.Request, body []byte, secret []string) connectors.Delivery {
	header := connectors.RedactHeader(r.Header, secret...)
	header.Del(decodedFromHeader) // the hub's to set, not the sender's
	if enc := header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		header.Del("Content-Encoding")
		header.Del("Content-Length")
		header.Set(decodedFromHeader, enc)
	}
	return connectors.Delivery{
		RemoteAddr: clientAddr(r),
		Method:     r.Method,
		Path:       r.URL.Path,
		Header:     header,
		Body:       body,
	}
}

// credentialFailure reports whether a refusal's cause is a failed
// credential, the kind a guesser earns.
func credentialFailure(cause connectors.Cause) bool {
	switch cause {
	case connectors.CauseBadSignature, connectors.CauseStaleTimestamp,
		connectors.CauseMissingToken, connectors.CauseWrongToken:
		return true
	}
	return false
}

// decodedFromHeader, in a kept delivery, names the Content-Encoding its
// body came in before it was decoded.
const decodedFromHeader = "X-Ipai-Decoded-From"
