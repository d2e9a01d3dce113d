package ingest

import (
	"encoding/json"
	"io"
	"net/http"
)

// result is the "result" member of an answer to an event call.
type result struct {
	OK        bool   `json:"ok"`
	EventID   int64  `json:"event_id,omitempty"`
	Error     string `json:"error,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// writeCall answers a JSON-RPC call with a result, echoing the call's id
// exactly as it was sent (a null when it had none). The envelope is
// written by hand: encoding the raw id would compact it.
func writeCall(w http.ResponseWriter, status int, id json.RawMessage, res any) {
	body, err := json.Marshal(res)
	if err != nil {
		// Only fixed result types come here: this cannot happen.
		panic("ingest: encode result: " + err.Error())
	}
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	const head, tail = `{"jsonrpc":"2.0","result":`, `,"id":`
	b := make([]byte, 0, len(head)+len(body)+len(tail)+len(id)+1)
	b = append(b, head...)
	b = append(b, body...)
	b = append(b, tail...)
	b = append(b, id...)
	b = append(b, '}')

	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// writeText answers with a plain text body, as the Odoo layer did for
// requests that were not JSON-RPC calls.
func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	io.WriteString(w, text)
}
