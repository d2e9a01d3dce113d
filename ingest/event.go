package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/requestlog"
)

// recordTimeout bounds the write of a rejection, which goes on after the
// client has gone: a refused request is recorded even if it hangs up.
const recordTimeout = 5 * time.Second

// event serves POST EventPath: it stores the event a JSON-RPC call
// carries and answers with its id, or says why it refused the call.
func (h *Handler) event(w http.ResponseWriter, r *http.Request) {
	if wait, blocked := h.failures.Blocked(clientAddr(r), time.Now()); blocked {
		h.tooManyFailures(w, r, wait)
		return
	}
	env, body, release, bad := h.readCall(w, r)
	defer release()
	if bad != nil {
		h.refuseMalformed(w, r, bad)
		return
	}

	ctx := r.Context()
	c, no, err := h.newEvent(ctx, env.Params)
	if err != nil {
		h.storeFailed(w, r, env.ID, err)
		return
	}
	if no != nil {
		h.refuseCall(w, r, env, no)
		return
	}

	e := c.event
	key, no := idempotencyKey(env.Params["idempotency_key"],
		r.Header.Get("Idempotency-Key"))
	if no != nil {
		h.refuseCall(w, r, env, no)
		return
	}
	e.DeliveryKey = connectors.DeliveryKey(
		connectors.CallerSender(c.token, e.SourceName), key)
	e.Delivery = delivery(r, body, env.Params["token"])
	id, err := h.store.CreateEvent(ctx, e)
	if connectors.ErrorCode(err) == connectors.ENOTFOUND {
		// The company was removed since it was looked up.
		h.refuseCall(w, r, env, unknownCompany(e.CompanyID))
		return
	}
	if err != nil {
		h.storeFailed(w, r, env.ID, err)
		return
	}
	h.uses.Touch(ctx, c.token)
	writeCall(w, http.StatusOK, env.ID, result{OK: true, EventID: id})
}

// refuseMalformed answers a request that is not a JSON-RPC call with the
// plain text the Odoo layer sent, and records it.
func (h *Handler) refuseMalformed(w http.ResponseWriter, r *http.Request,
	bad *malformed) {
	h.reject(r, "", bad.cause, bad.detail)
	if bad.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(bad.retryAfter))
	}
	writeText(w, bad.status, bad.text)
}

// tooManyFailures answers an address that has sent too many wrong tokens,
// before its body is read: guessing tokens must cost the guesser time.
func (h *Handler) tooManyFailures(w http.ResponseWriter, r *http.Request,
	wait time.Duration) {
	secs := int(math.Ceil(wait.Seconds()))
	h.reject(r, "", connectors.CauseRateLimited, "too many failed tokens or signatures")
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeText(w, http.StatusTooManyRequests, fmt.Sprintf(
		"Too many failed requests from this address: retry in %d seconds", secs))
}

// refuseCall answers a call with "ok":false and records it, with the
// source it claimed when that was a string.
func (h *Handler) refuseCall(w http.ResponseWriter, r *http.Request,
	env envelope, no *refused) {
	source, _ := jsonString(env.Params["source"])
	if no.cause == connectors.CauseMissingToken || no.cause == connectors.CauseWrongToken {
		h.failures.Fail(clientAddr(r), time.Now())
	}
	h.reject(r, source, no.cause, no.detail)
	writeCall(w, http.StatusOK, env.ID, result{Error: no.message})
}

// reject records and logs a refused request. It is answered whether or not
// the record could be written.
func (h *Handler) reject(r *http.Request, source string,
	cause connectors.Cause, detail string) {
	ctx := r.Context()
	rej := connectors.Rejection{
		At:         time.Now().UTC(),
		RemoteAddr: clientAddr(r),
		Path:       r.URL.Path,
		Source:     clip(source, 100),
		Cause:      cause,
		Detail:     detail,
		RequestID:  requestlog.ID(ctx),
	}
	h.logger.LogAttrs(ctx, slog.LevelWarn, "request refused",
		slog.String("cause", string(rej.Cause)),
		slog.String("detail", rej.Detail),
		slog.String("source", rej.Source),
		slog.String("path", rej.Path),
		slog.String("remote_addr", rej.RemoteAddr),
		slog.String("request_id", rej.RequestID),
	)

	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := h.store.RecordRejection(ctx, rej); err != nil {
		h.logger.LogAttrs(ctx, slog.LevelError, "record rejection",
			slog.String("request_id", rej.RequestID),
			slog.String("error", err.Error()),
		)
	}
}

// storeFailed answers a call the store could not take. The client gets
// the request id to quote; the cause goes to the log only. A client that
// hung up while its event waited for a commit is no fault of the store.
func (h *Handler) storeFailed(w http.ResponseWriter, r *http.Request,
	id json.RawMessage, err error) {
	ctx := r.Context()
	requestID := requestlog.ID(ctx)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		h.logger.LogAttrs(ctx, slog.LevelInfo,
			"client went away before its event was stored",
			slog.String("request_id", requestID))
		return
	}
	h.logger.LogAttrs(ctx, slog.LevelError, "create event",
		slog.String("request_id", requestID),
		slog.String("error", err.Error()),
	)
	writeCall(w, http.StatusOK, id, result{
		Error:     "Failed to create event",
		RequestID: requestID,
	})
}
