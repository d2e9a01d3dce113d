package ingest

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/requestlog"
)

// pingTimeout bounds the store check, so that a load balancer's probe
// gets an answer before its own timeout even when the store hangs.
const pingTimeout = 2 * time.Second

// healthStatus is the health answer, the same object the Odoo module
// gave, with the hub's own version.
type healthStatus struct {
	Status  string `json:"status"`
	Module  string `json:"module"`
	Version string `json:"version"`
}

// health serves GET and HEAD HealthPath.
func (h *Handler) health(w http.ResponseWriter, r *http.Request) {
	status, hs := h.check(r)
	body, err := json.Marshal(hs)
	if err != nil {
		panic("ingest: encode health: " + err.Error()) // fixed type
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

// healthCall serves a JSON-RPC call to HealthPath: the same answer inside
// the envelope, as Odoo's JSON routes gave it.
func (h *Handler) healthCall(w http.ResponseWriter, r *http.Request) {
	env, _, release, bad := h.readCall(w, r)
	defer release()
	if bad != nil {
		h.refuseMalformed(w, r, bad)
		return
	}
	status, hs := h.check(r)
	writeCall(w, status, env.ID, hs)
}

// check pings the store and returns the health answer and its status.
func (h *Handler) check(r *http.Request) (int, healthStatus) {
	hs := healthStatus{
		Status:  "ok",
		Module:  "ipai_ai_connectors",
		Version: connectors.Version,
	}
	ctx, cancel := context.WithTimeout(r.Context(), pingTimeout)
	defer cancel()
	if err := h.store.Ping(ctx); err != nil {
		h.logger.LogAttrs(ctx, slog.LevelError, "store ping",
			slog.String("request_id", requestlog.ID(ctx)),
			slog.String("error", err.Error()),
		)
		hs.Status = "error"
		return http.StatusServiceUnavailable, hs
	}
	return http.StatusOK, hs
}
