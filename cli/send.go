package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode/utf8"
)

// defaultSendURL is the seed's event endpoint on a hub running locally
// with the default address.
const defaultSendURL = "http://127.0.0.1:8069/ipai_ai_connectors/event"

// sendTimeout bounds one send, long enough for a large payload.
const sendTimeout = 2 * time.Minute

// maxResponseBytes bounds the response read back; the hub's answers are
// a few hundred bytes.
const maxResponseBytes = 1 << 20

// sendRequest is what send posts.
type sendRequest struct {
	url       string
	token     string
	source    string
	eventType string
	ref       string
	payload   []byte // valid JSON, or nil for none
	companyID int64  // 0: none
}

func runSend(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("send", "",
		"Post one event to the hub as n8n would, and print the response", "token")
	target := cl.fs.String("url", defaultSendURL, "the hub's JSON-RPC event `URL`")
	source := cl.fs.String("source", "", "the event's `source` (required)")
	eventType := cl.fs.String("type", "", "the event's `event_type` (required)")
	ref := cl.fs.String("ref", "", "the event's `ref`")
	payload := cl.fs.String("payload", "", "the `JSON` payload, "+
		"or @FILE to read it from FILE (@- reads standard input)")
	company := cl.fs.Int64("company", 0, "post for the company with this `ID`")

	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	if err := cl.wantArgs(pos, 0); err != nil {
		return err
	}
	req := sendRequest{url: *target, token: cfg.Token.Reveal(),
		source: *source, eventType: *eventType, ref: *ref, companyID: *company}
	if err := req.check(); err != nil {
		return cl.usageErr("%s", err)
	}
	if req.payload, err = readPayload(env, *payload); err != nil {
		return cl.usageErr("%s", err)
	}

	return send(ctx, env.Stdout, req)
}

func (r sendRequest) check() error {
	u, err := url.Parse(r.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url: %q is not an http or https URL", r.url)
	}
	switch {
	case r.token == "":
		return fmt.Errorf("no token: pass --token, " +
			"or set IPAI_CONNECTORS_TOKEN or IPAI_CONNECTORS_TOKEN_FILE")
	case r.source == "":
		return fmt.Errorf("--source is required")
	case r.eventType == "":
		return fmt.Errorf("--type is required")
	case r.companyID < 0:
		return fmt.Errorf("--company: %d is not a company id", r.companyID)
	}
	return nil
}

// readPayload returns the payload that --payload names, checked to be
// JSON. Its bytes are sent as they are, so that the hub stores them so.
func readPayload(env Env, arg string) ([]byte, error) {
	if arg == "" {
		return nil, nil
	}
	data := []byte(arg)
	if name, ok := strings.CutPrefix(arg, "@"); ok {
		var err error
		if data, err = readPayloadFile(env, name); err != nil {
			return nil, fmt.Errorf("--payload: %w", err)
		}
	}
	if !json.Valid(data) {
		return nil, fmt.Errorf("--payload is not valid JSON")
	}
	return bytes.TrimSpace(data), nil
}

func readPayloadFile(env Env, name string) ([]byte, error) {
	if name == "-" {
		if env.Stdin == nil {
			return nil, fmt.Errorf("no standard input")
		}
		return io.ReadAll(env.Stdin)
	}
	return os.ReadFile(name)
}

// envelope is the JSON-RPC body an n8n HTTP Request node posts.
func (r sendRequest) envelope() ([]byte, error) {
	params := &jsonObject{}
	params.field("token", r.token)
	params.field("source", r.source)
	params.field("event_type", r.eventType)
	if r.ref != "" {
		params.field("ref", r.ref)
	}
	if r.payload != nil {
		params.raw("payload", r.payload)
	}
	if r.companyID != 0 {
		params.field("company_id", r.companyID)
	}
	p, err := params.bytes()
	if err != nil {
		return nil, err
	}

	o := &jsonObject{}
	o.field("jsonrpc", "2.0")
	o.field("method", "call")
	o.raw("params", p)
	o.field("id", 1)
	return o.bytes()
}

// send posts r, prints the response body with its terminal controls
// escaped, and fails when the hub did not store the event.
func send(ctx context.Context, w io.Writer, r sendRequest) error {
	body, err := r.envelope()
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url,
		bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")

	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("post event: %w", err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("read response: %w", err)
	}

	shown := printableLines(string(withNewline(answer)))
	if _, err := io.WriteString(w, shown); err != nil {
		return err
	}
	return checkAnswer(resp.StatusCode, answer)
}

// checkAnswer returns an error unless the hub answered 200 with ok:true.
// Unless the hub gave its reason, the error shows what came back instead:
// the URL may not be the hub's at all.
func checkAnswer(status int, answer []byte) error {
	if status != http.StatusOK {
		return fmt.Errorf("the hub answered %s: %s",
			statusLine(status), bodyExcerpt(answer))
	}
	var rpc struct {
		Result *struct {
			OK    bool   `json:"ok"`
			Error string `json:"error"`
		} `json:"result"`
	}
	if json.Unmarshal(answer, &rpc) != nil || rpc.Result == nil {
		return fmt.Errorf("the hub answered %s without a JSON-RPC result: %s",
			statusLine(status), bodyExcerpt(answer))
	}
	switch {
	case rpc.Result.OK:
		return nil
	case strings.TrimSpace(rpc.Result.Error) == "":
		return fmt.Errorf("the hub refused the event without a reason: %s",
			bodyExcerpt(answer))
	}
	return fmt.Errorf("the hub refused the event: %s", cell(rpc.Result.Error))
}

// excerptBytes bounds the part of an answer an error message shows.
const excerptBytes = 200

// bodyExcerpt is the start of an answer for an error message: at most
// excerptBytes, cut between characters, on one line and printable.
func bodyExcerpt(body []byte) string {
	if len(bytes.TrimSpace(body)) == 0 {
		return "an empty body"
	}
	if len(body) <= excerptBytes {
		return cell(string(body))
	}
	cut := body[:excerptBytes]
	for i := len(cut) - 1; i >= 0 && i >= len(cut)-utf8.UTFMax; i-- {
		if utf8.RuneStart(cut[i]) {
			if !utf8.FullRune(cut[i:]) {
				cut = cut[:i]
			}
			break
		}
	}
	return cell(string(cut)) + " …"
}

// statusLine is an HTTP status as "HTTP 404 Not Found".
func statusLine(status int) string {
	return strings.TrimSpace(fmt.Sprintf("HTTP %d %s",
		status, http.StatusText(status)))
}

func withNewline(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		return b
	}
	return append(b, '\n')
}
