package hooks

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/verify"
)

// check verifies a delivery to c with the provider's scheme, over the
// body as it came (decoded from its Content-Encoding), against the
// current secret and the previous one while it is still accepted.
func check(c connectors.Connection, secrets [][]byte, h http.Header,
	body []byte, now time.Time) error {
	switch c.Provider {
	case connectors.ProviderGitHub:
		return verify.GitHub(secrets, h.Get(verify.GitHubHeader), body)
	case connectors.ProviderSlack:
		return verify.Slack(secrets, h.Get(verify.SlackTimestampHeader),
			h.Get(verify.SlackSignatureHeader), body, now, 0)
	case connectors.ProviderStripe:
		return verify.Stripe(secrets, h.Get(verify.StripeHeader), body, now, 0)
	case connectors.ProviderStandard:
		return verify.Standard(secrets, h.Get(verify.StandardIDHeader),
			h.Get(verify.StandardTimestampHeader),
			h.Get(verify.StandardSignatureHeader), body, now, 0)
	}
	s := c.Scheme
	if s.Kind == connectors.SchemeToken {
		return verify.Token(s.Header, secrets, h.Get(s.Header))
	}
	return verify.HMAC(verify.HMACScheme{
		Header:    s.Header,
		Algorithm: verify.Algorithm(s.Algorithm),
		Encoding:  verify.Encoding(s.Encoding),
		Prefix:    s.Prefix,
	}, secrets, h.Get(s.Header), body)
}

// signingKey turns a secret into the key its provider signs with: the
// decoded key of a Standard Webhooks secret, the text itself otherwise.
func signingKey(p connectors.Provider, secret connectors.Secret) []byte {
	if p == connectors.ProviderStandard {
		key, err := verify.StandardSecret(secret.Reveal())
		if err != nil {
			return nil // matches nothing
		}
		return key
	}
	return []byte(secret.Reveal())
}

// reading is what a verified delivery says.
type reading struct {
	eventType string
	ref       string
	key       string // the provider's id of the delivery
	payload   json.RawMessage
	// reply, when set, is answered instead of storing an event: Slack's
	// url_verification handshake.
	reply []byte
	// quiet answers an empty 200: Slack shows a slash command's answer
	// to the user who typed it.
	quiet bool
}

// read parses a verified delivery: its payload and what the provider
// says of it.
func read(p connectors.Provider, h http.Header, body []byte) (reading,
	*refusal) {
	payload, form, no := readPayload(h.Get("Content-Type"), body)
	if no != nil {
		return reading{}, no
	}
	var rd reading
	switch p {
	case connectors.ProviderGitHub:
		rd, no = readGitHub(h, payload)
	case connectors.ProviderSlack:
		rd, no = readSlack(payload, form)
	case connectors.ProviderStripe:
		rd = readStripe(payload)
	case connectors.ProviderStandard:
		rd = readTyped(payload)
		rd.key = h.Get(verify.StandardIDHeader)
	default:
		rd = readTyped(payload)
	}
	if no != nil {
		return rd, no
	}
	rd.payload = payload
	if rd.key == "" {
		rd.key = h.Get("Idempotency-Key")
	}
	if len(rd.key) > maxKey {
		return rd, malformedBody("the delivery id is over 255 bytes")
	}
	return rd, nil
}

// maxKey bounds a delivery key, as the schema does.
const maxKey = 255

// readPayload returns the JSON payload of a body: the body itself when
// it is JSON, or, for a form, its payload= field (GitHub's form
// deliveries, Slack's interactive messages) or else its fields as a JSON
// object of strings (Slack's slash commands).
func readPayload(contentType string, body []byte) (json.RawMessage,
	url.Values, *refusal) {
	t := mediaType(contentType)
	data := bytes.TrimPrefix(body, utf8BOM)
	switch {
	case t == "" || isJSON(t):
		if !utf8.Valid(data) || !json.Valid(data) {
			return nil, nil, malformedBody("the body is not JSON")
		}
		return json.RawMessage(data), nil, nil
	case t != formType:
		return nil, nil, unsupportedType(t, "application/json or "+formType)
	}

	form, err := url.ParseQuery(string(data))
	if err != nil {
		return nil, nil, malformedBody("the body is not a valid form")
	}
	if form.Has("payload") {
		p := []byte(form.Get("payload"))
		if !json.Valid(p) {
			return nil, nil, malformedBody("the payload field is not JSON")
		}
		return p, form, nil
	}
	fields := make(map[string]string, len(form))
	for k := range form {
		fields[k] = form.Get(k)
	}
	p, err := json.Marshal(fields)
	if err != nil {
		return nil, nil, malformedBody("the form could not be read")
	}
	return p, form, nil
}

// typed is the part of a payload most providers share.
type typed struct {
	Type   string `json:"type"`
	Action string `json:"action"`
	ID     string `json:"id"`
}

func decodeTyped(payload json.RawMessage) typed {
	var t typed
	json.Unmarshal(payload, &t) // a payload that is not an object has none
	return t
}

// readTyped reads a payload's type, as Standard Webhooks senders and
// most custom senders put it; "webhook" when it has none.
func readTyped(payload json.RawMessage) reading {
	t := decodeTyped(payload)
	if t.Type == "" {
		t.Type = "webhook"
	}
	return reading{eventType: clip(t.Type, 200)}
}

// readGitHub takes the event from X-GitHub-Event and its action from the
// payload ("issues.opened"), and the delivery id from X-GitHub-Delivery.
// The ping sent when a hook is registered is an event like the others.
func readGitHub(h http.Header, payload json.RawMessage) (reading, *refusal) {
	event := h.Get("X-GitHub-Event")
	if event == "" {
		return reading{}, malformedBody("no X-GitHub-Event header")
	}
	var p struct {
		Action     string `json:"action"`
		Repository struct {
			FullName string `json:"full_name"`
		} `json:"repository"`
	}
	json.Unmarshal(payload, &p)
	if p.Action != "" {
		event += "." + p.Action
	}
	return reading{
		eventType: clip(event, 200),
		ref:       clip(p.Repository.FullName, 200),
		key:       h.Get("X-GitHub-Delivery"),
	}, nil
}

// readSlack reads the three shapes Slack sends: Events API callbacks in
// JSON (and the url_verification handshake), slash commands as a form,
// and interactive actions as a form whose payload= holds JSON.
func readSlack(payload json.RawMessage, form url.Values) (reading, *refusal) {
	if form != nil && !form.Has("payload") {
		return reading{
			eventType: "slash_command",
			ref:       clip(form.Get("command"), 200),
			key:       form.Get("trigger_id"),
			quiet:     true,
		}, nil
	}
	var p struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
		EventID   string `json:"event_id"`
		TeamID    string `json:"team_id"`
		TriggerID string `json:"trigger_id"`
		Team      struct {
			ID string `json:"id"`
		} `json:"team"`
		Event struct {
			Type string `json:"type"`
		} `json:"event"`
	}
	json.Unmarshal(payload, &p)
	switch {
	case p.Type == "url_verification":
		reply, _ := json.Marshal(map[string]string{"challenge": p.Challenge})
		return reading{reply: reply}, nil
	case form != nil:
		return reading{eventType: clip("interactive."+p.Type, 200),
			ref: clip(p.Team.ID, 200), key: p.TriggerID, quiet: true}, nil
	case p.Type == "event_callback" && p.Event.Type != "":
		return reading{eventType: clip(p.Event.Type, 200),
			ref: clip(p.TeamID, 200), key: p.EventID, quiet: true}, nil
	case p.Type == "":
		return reading{}, malformedBody("the Slack payload has no type")
	}
	return reading{eventType: clip(p.Type, 200), ref: clip(p.TeamID, 200),
		key: p.EventID, quiet: true}, nil
}

// readStripe takes the event type and id from a Stripe event, and the id
// of the object it is about as the ref.
func readStripe(payload json.RawMessage) reading {
	var p struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		Data struct {
			Object struct {
				ID string `json:"id"`
			} `json:"object"`
		} `json:"data"`
	}
	json.Unmarshal(payload, &p)
	if p.Type == "" {
		p.Type = "webhook"
	}
	return reading{eventType: clip(p.Type, 200),
		ref: clip(p.Data.Object.ID, 200), key: p.ID}
}
