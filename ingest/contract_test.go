package ingest

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// The answers' content types.
const (
	jsonType = "application/json"
	textType = "text/plain; charset=utf-8"
)

// noContentType asks a scenario to send no Content-Type header at all.
const noContentType = "-"

// scenarioLimit is the body limit of the scenario hub: small, so that the
// too-large cases need no megabytes.
const scenarioLimit = 4096

// scenario is one request to the event endpoint and everything its answer
// and its records must be.
type scenario struct {
	name        string
	method      string // "" means POST
	contentType string // "" means application/json
	body        string
	chunked     bool // hide the length, so that the body is sent chunked

	status   int
	answered string // the content type of the answer
	answer   string // exact; {event_id} and {request_id} are filled in
	allow    string // the Allow header, when one is wanted

	rejected *connectors.Rejection // Cause, Source and Detail; nil: none
	stored   *connectors.Event     // the stored event; nil: none
}

// rpc is an answer envelope.
func rpc(result, id string) string {
	return `{"jsonrpc":"2.0","result":` + result + `,"id":` + id + `}`
}

// refusal is the result of a refused call.
func refusal(message string) string {
	return `{"ok":false,"error":"` + message + `"}`
}

const stored = `{"ok":true,"event_id":{event_id}}`

func rejected(cause connectors.Cause, source, detail string) *connectors.Rejection {
	return &connectors.Rejection{Cause: cause, Source: source, Detail: detail}
}

// event is a stored n8n event of the default company, with fields to
// change.
func event(change func(e *connectors.Event)) *connectors.Event {
	e := &connectors.Event{
		CompanyID:  connectors.DefaultCompanyID,
		Source:     connectors.SourceN8N,
		SourceName: "n8n",
		EventType:  "workflow.completed",
		Payload:    []byte("{}"),
	}
	if change != nil {
		change(e)
	}
	return e
}

// acme is the second company of the scenario hub.
const acme = 2

func storedScenarios() []scenario {
	ok := func(name, body string, e *connectors.Event) scenario {
		return scenario{name: name, body: body, status: 200,
			answered: jsonType, answer: rpc(stored, "1"), stored: e}
	}
	withContentType := func(s scenario, ct string) scenario {
		s.contentType = ct
		return s
	}
	basic := call(goodToken, n8n, completed)
	return []scenario{
		ok("stores every param", call(goodToken, n8n, completed,
			`"ref":"workflow_123"`,
			`"payload":{"status":"success","data":{"rows":3}}`),
			event(func(e *connectors.Event) {
				e.Ref = "workflow_123"
				e.Payload = []byte(`{"status":"success","data":{"rows":3}}`)
			})),
		ok("stores absent payload as empty object", basic, event(nil)),
		ok("stores null payload as null", call(goodToken, n8n, completed,
			`"payload":null`), event(func(e *connectors.Event) {
			e.Payload = []byte("null")
		})),
		ok("matches source ignoring case", call(goodToken,
			`"source":"GitHub"`, completed), event(func(e *connectors.Event) {
			e.Source, e.SourceName = connectors.SourceGitHub, "GitHub"
		})),
		ok("stores unknown source as custom with its trimmed name",
			call(goodToken, `"source":"  Jira Cloud "`, completed),
			event(func(e *connectors.Event) {
				e.Source, e.SourceName = connectors.SourceCustom, "Jira Cloud"
			})),
		ok("decodes escapes in strings", call(goodToken,
			`"source":"n\u0038n"`, `"event_type":"caf\u00e9 \"ok\""`),
			event(func(e *connectors.Event) { e.EventType = `café "ok"` })),
		ok("keeps event_type and ref as sent", call(goodToken, n8n,
			`"event_type":" push "`, `"ref":"  r1 "`),
			event(func(e *connectors.Event) {
				e.EventType, e.Ref = " push ", "  r1 "
			})),
		ok("keeps a numeric ref as its literal", call(goodToken, n8n,
			completed, `"ref":12345678901234567890`),
			event(func(e *connectors.Event) { e.Ref = "12345678901234567890" })),
		ok("keeps a float ref as its literal", call(goodToken, n8n,
			completed, `"ref":-1.5e3`),
			event(func(e *connectors.Event) { e.Ref = "-1.5e3" })),
		ok("stores null ref as empty", call(goodToken, n8n, completed,
			`"ref":null`), event(nil)),
		ok("stores for the company named", call(goodToken, n8n, completed,
			`"company_id":2`),
			event(func(e *connectors.Event) { e.CompanyID = acme })),
		ok("accepts company_id as numeric string", call(goodToken, n8n,
			completed, `"company_id":" 2"`),
			event(func(e *connectors.Event) { e.CompanyID = acme })),
		ok("takes null company_id as the default", call(goodToken, n8n,
			completed, `"company_id":null`), event(nil)),
		ok("ignores unknown params", call(goodToken, n8n, completed,
			`"extra":[1,2]`), event(nil)),
		ok("reads params after the byte-order mark", "\xef\xbb\xbf"+basic,
			event(nil)),
		withContentType(ok("allows a charset parameter", basic, event(nil)),
			"application/json; charset=utf-8"),
		withContentType(ok("accepts application/json-rpc", basic, event(nil)),
			"application/json-rpc"),
		withContentType(ok("reads content type ignoring case", basic,
			event(nil)), "Application/JSON"),
		{name: "reads a chunked body within the limit", body: basic,
			chunked: true, status: 200, answered: jsonType,
			answer: rpc(stored, "1"), stored: event(nil)},
	}
}

func idScenarios() []scenario {
	echo := func(name, id, want string) scenario {
		return scenario{name: name, body: callWithID(id, goodToken, n8n,
			completed), status: 200, answered: jsonType,
			answer: rpc(stored, want), stored: event(nil)}
	}
	return []scenario{
		echo("echoes a string id", `"req-7"`, `"req-7"`),
		echo("echoes a null id", `null`, `null`),
		echo("answers null for an absent id", "", `null`),
		echo("echoes a big id digit for digit",
			`123456789012345678901234567890`, `123456789012345678901234567890`),
		echo("echoes a float id as written", `1.50`, `1.50`),
		echo("echoes an object id byte for byte", `{"a": [1, 2]}`,
			`{"a": [1, 2]}`),
		{name: "echoes the id of a refused call",
			body:   callWithID(`"r-9"`, n8n, completed),
			status: 200, answered: jsonType,
			answer:   rpc(refusal("Invalid token"), `"r-9"`),
			rejected: rejected(connectors.CauseMissingToken, "n8n", "no token")},
	}
}

func tokenScenarios() []scenario {
	refuse := func(name, body, source string, cause connectors.Cause, detail string) scenario {
		return scenario{name: name, body: body, status: 200,
			answered: jsonType, answer: rpc(refusal("Invalid token"), "1"),
			rejected: rejected(cause, source, detail)}
	}
	missing, wrong := connectors.CauseMissingToken, connectors.CauseWrongToken
	noParams := `{"jsonrpc":"2.0","method":"call","id":1}`
	return []scenario{
		refuse("refuses a missing token", call(n8n, completed), "n8n",
			missing, "no token"),
		refuse("refuses an empty token", call(`"token":""`, n8n, completed),
			"n8n", missing, "no token"),
		refuse("refuses a null token", call(`"token":null`, n8n, completed),
			"n8n", missing, "no token"),
		refuse("refuses a call without params", noParams, "", missing,
			"no token"),
		refuse("refuses null params", `{"params":null,"id":1}`, "", missing,
			"no token"),
		refuse("refuses a wrong token", call(`"token":"`+wrongToken+`"`, n8n,
			completed), "n8n", wrong, "token does not match"),
		refuse("refuses the token in other case", call(
			`"token":"`+strings.ToUpper(testToken)+`"`, n8n, completed),
			"n8n", wrong, "token does not match"),
		refuse("refuses the token with a trailing space", call(
			`"token":"`+testToken+` "`, n8n, completed), "n8n", wrong,
			"token does not match"),
		refuse("refuses a numeric token", call(`"token":12345`, n8n,
			completed), "n8n", wrong, "token is not a string"),
		refuse("refuses an object token", call(`"token":{"v":"`+testToken+`"}`,
			n8n, completed), "n8n", wrong, "token is not a string"),
		refuse("checks the token before anything else",
			call(`"token":"`+wrongToken+`"`, `"company_id":"x"`), "", wrong,
			"token does not match"),
		refuse("records the claimed source as sent",
			call(`"token":"`+wrongToken+`"`, `"source":" GitHub "`), " GitHub ",
			wrong, "token does not match"),
		refuse("records no source that is not a string",
			call(`"token":"`+wrongToken+`"`, `"source":5`), "", wrong,
			"token does not match"),
		{name: "answers an empty object with null id", body: `{}`, status: 200,
			answered: jsonType, answer: rpc(refusal("Invalid token"), "null"),
			rejected: rejected(missing, "", "no token")},
	}
}

func companyScenarios() []scenario {
	refuse := func(name, company, message string, cause connectors.Cause,
		detail string, params ...string) scenario {
		params = append([]string{goodToken, `"company_id":` + company}, params...)
		source := ""
		if len(params) > 2 {
			source = "n8n"
		}
		return scenario{name: name, body: call(params...), status: 200,
			answered: jsonType, answer: rpc(refusal(message), "1"),
			rejected: rejected(cause, source, detail)}
	}
	unknown := func(name, company string, params ...string) scenario {
		return refuse(name, company, "Unknown company",
			connectors.CauseUnknownCompany, "company 999 does not exist",
			params...)
	}
	invalid := func(company string) scenario {
		return refuse("refuses company_id "+company, company,
			"Invalid 'company_id' parameter", connectors.CauseInvalidParams,
			"company_id is not a positive integer", n8n, completed)
	}
	list := []scenario{
		unknown("refuses an unknown company", "999", n8n, completed),
		unknown("refuses an unknown company sent as string", `"999"`, n8n,
			completed),
		unknown("checks the company before the source", "999"),
	}
	for _, c := range []string{"0", "-1", "1.5", "1e2", "2.0", `"abc"`,
		`""`, `"-2"`, `"2x"`, "true", "[2]", `{}`, "9223372036854775808"} {
		list = append(list, invalid(c))
	}
	return list
}

func paramScenarios() []scenario {
	refuse := func(name, message, source, detail string, params ...string) scenario {
		return scenario{name: name,
			body:   call(append([]string{goodToken}, params...)...),
			status: 200, answered: jsonType, answer: rpc(refusal(message), "1"),
			rejected: rejected(connectors.CauseInvalidParams, source, detail)}
	}
	var list []scenario
	missingSource := "Missing 'source' parameter"
	for _, s := range []string{"", `"source":""`, `"source":"   "`,
		`"source":" \t\n"`, `"source":null`} {
		claimed, _ := jsonString([]byte(strings.TrimPrefix(s, `"source":`)))
		list = append(list, refuse("refuses missing source "+s,
			missingSource, claimed, "source is missing", s, completed))
	}
	for _, s := range []string{"5", "{}", `["n8n"]`, "true"} {
		list = append(list, refuse("refuses source "+s,
			"Invalid 'source' parameter: must be a string", "",
			"source is not a string", `"source":`+s, completed))
	}
	for _, s := range []string{"", `"event_type":""`, `"event_type":" \t"`,
		`"event_type":null`} {
		list = append(list, refuse("refuses missing event_type "+s,
			"Missing 'event_type' parameter", "n8n", "event_type is missing",
			n8n, s))
	}
	for _, s := range []string{"42", `["push"]`} {
		list = append(list, refuse("refuses event_type "+s,
			"Invalid 'event_type' parameter: must be a string", "n8n",
			"event_type is not a string", n8n, `"event_type":`+s))
	}
	for _, s := range []string{"true", "{}", `["x"]`} {
		list = append(list, refuse("refuses ref "+s,
			"Invalid 'ref' parameter: must be a string", "n8n",
			"ref is not a string", n8n, completed, `"ref":`+s))
	}
	return append(list, refuse("checks the source before the event_type",
		missingSource, "", "source is missing"))
}

func malformedScenarios() []scenario {
	const big = scenarioLimit + 1
	tooLargeBody := call(goodToken, n8n, completed,
		`"payload":"`+strings.Repeat("x", big)+`"`)
	tooLarge := scenario{status: 413, answered: textType,
		answer:   "Request body too large: the limit is 4096 bytes",
		rejected: rejected(connectors.CauseTooLarge, "", "body over 4096 bytes")}
	unsupported := func(ct, shown string) scenario {
		return scenario{name: "refuses content type " + ct, contentType: ct,
			body: call(goodToken, n8n, completed), status: 415,
			answered: textType,
			answer: `Unsupported Content-Type "` + shown +
				`": send application/json or application/json-rpc`,
			rejected: rejected(connectors.CauseUnsupportedMedia, "",
				`content type "`+shown+`"`)}
	}
	bad := func(name, body, text, detail string) scenario {
		return scenario{name: name, body: body, status: 400,
			answered: textType, answer: text,
			rejected: rejected(connectors.CauseMalformedBody, "", detail)}
	}
	notJSON := func(name, body, detail string) scenario {
		return bad(name, body, "Invalid JSON data", detail)
	}
	notCall := func(name, body, detail string) scenario {
		return bad(name, body, "Invalid JSON-RPC data", detail)
	}
	notAllowed := func(method string) scenario {
		return scenario{name: "refuses method " + method, method: method,
			body: call(goodToken, n8n, completed), status: 405,
			answered: textType, answer: "Method Not Allowed\n", allow: "POST"}
	}

	list := []scenario{
		notAllowed("GET"), notAllowed("PUT"), notAllowed("DELETE"),
		notAllowed("PATCH"),
		unsupported("text/plain", "text/plain"),
		unsupported("text/plain; charset=utf-8", "text/plain"),
		unsupported("application/x-www-form-urlencoded",
			"application/x-www-form-urlencoded"),
		unsupported("application/jsonp", "application/jsonp"),
		unsupported(noContentType, ""),
		notJSON("refuses an empty body", "", "body is empty"),
		notJSON("refuses a blank body", " \r\n\t", "body is empty"),
		notJSON("refuses a lone byte-order mark", "\xef\xbb\xbf",
			"body is empty"),
		notJSON("refuses text", "hello", "body is not JSON"),
		notJSON("refuses a truncated object", `{"params":{`,
			"body is not JSON"),
		notJSON("refuses trailing data", `{"params":{}} x`,
			"body is not JSON"),
		notJSON("refuses two objects", `{}{}`, "body is not JSON"),
		notJSON("refuses single quotes", `{'params':{}}`, "body is not JSON"),
		notJSON("refuses invalid UTF-8",
			call(goodToken, "\"source\":\"n8n\xff\"", completed),
			"body is not valid UTF-8"),
		notCall("refuses an array", `[`+call(goodToken, n8n, completed)+`]`,
			"body is not a JSON object"),
		notCall("refuses a string", `"call"`, "body is not a JSON object"),
		notCall("refuses a number", `42`, "body is not a JSON object"),
		notCall("refuses null", `null`, "body is not a JSON object"),
		notCall("refuses true", ` true `, "body is not a JSON object"),
	}
	for _, p := range []string{`[]`, `"x"`, `7`, `true`} {
		list = append(list, notCall("refuses params "+p,
			`{"jsonrpc":"2.0","params":`+p+`,"id":1}`,
			"params is not an object"))
	}

	byLength, chunked := tooLarge, tooLarge
	byLength.name, byLength.body = "refuses a body too large by length", tooLargeBody
	chunked.name, chunked.body = "refuses a chunked body too large", tooLargeBody
	chunked.chunked = true
	return append(list, byLength, chunked)
}

func TestIngest_Contract(t *testing.T) {
	t.Parallel()
	hb := newHub(t, scenarioLimit)
	c, err := hb.store.CreateCompany(context.Background(), "Acme")
	if err != nil || c.ID != acme {
		t.Fatalf("create company: got %v, %v; want id %d", c.ID, err, acme)
	}

	var all []scenario
	for _, group := range [][]scenario{storedScenarios(), idScenarios(),
		tokenScenarios(), companyScenarios(), paramScenarios(),
		malformedScenarios()} {
		all = append(all, group...)
	}
	for _, sc := range all {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			hb.run(t, sc)
		})
	}
}

// run sends the scenario's request and checks the answer and the records.
func (hb *hub) run(t *testing.T, sc scenario) {
	before := time.Now()
	a := hb.sendScenario(t, sc)
	requestID := a.header.Get("X-Request-Id")

	if a.status != sc.status {
		t.Errorf("status = %d, want %d", a.status, sc.status)
	}
	if got := a.header.Get("Content-Type"); got != sc.answered {
		t.Errorf("Content-Type = %q, want %q", got, sc.answered)
	}
	if got := a.header.Get("Allow"); got != sc.allow {
		t.Errorf("Allow = %q, want %q", got, sc.allow)
	}
	if requestID == "" {
		t.Errorf("no X-Request-Id in the answer")
	}

	want := strings.ReplaceAll(sc.answer, "{request_id}", requestID)
	if sc.stored != nil {
		id := eventID(t, a)
		want = strings.ReplaceAll(want, "{event_id}", strconv.FormatInt(id, 10))
		hb.checkStored(t, id, sc)
	}
	if a.body != want {
		t.Errorf("answer = %q\nwant     %q", a.body, want)
	}

	if sc.rejected == nil {
		if hb.hasRejection(t, requestID) {
			t.Errorf("a rejection was recorded, want none")
		}
		return
	}
	wantRej := *sc.rejected
	wantRej.RemoteAddr, wantRej.Path, wantRej.RequestID =
		"127.0.0.1", EventPath, requestID
	checkRejection(t, hb.rejection(t, requestID), wantRej, before)
}

func (hb *hub) sendScenario(t *testing.T, sc scenario) answer {
	method, ct := sc.method, sc.contentType
	if method == "" {
		method = "POST"
	}
	switch ct {
	case "":
		ct = "application/json"
	case noContentType:
		ct = ""
	}
	var body io.Reader = strings.NewReader(sc.body)
	if sc.chunked {
		body = io.MultiReader(body) // a reader of unknown length
	}
	return hb.send(t, method, EventPath, ct, body)
}

// checkStored pins the stored event and its kept delivery.
func (hb *hub) checkStored(t *testing.T, id int64, sc scenario) {
	t.Helper()
	ctx := context.Background()
	got, err := hb.store.Event(ctx, id)
	if err != nil {
		t.Fatalf("read event %d: %v", id, err)
	}
	want := *sc.stored
	if got.CompanyID != want.CompanyID || got.Source != want.Source ||
		got.SourceName != want.SourceName || got.EventType != want.EventType ||
		got.Ref != want.Ref || got.State != connectors.StateReceived {
		t.Errorf("stored company %d source %q name %q type %q ref %q state %s,\n"+
			"want    company %d source %q name %q type %q ref %q state received",
			got.CompanyID, got.Source, got.SourceName, got.EventType, got.Ref,
			got.State, want.CompanyID, want.Source, want.SourceName,
			want.EventType, want.Ref)
	}
	if string(got.Payload) != string(want.Payload) {
		t.Errorf("stored payload = %q, want %q", got.Payload, want.Payload)
	}

	d, err := hb.store.Delivery(ctx, id)
	if err != nil {
		t.Fatalf("read delivery %d: %v", id, err)
	}
	wantBody := strings.ReplaceAll(sc.body, `"`+testToken+`"`, `"[redacted]"`)
	if string(d.Body) != wantBody {
		t.Errorf("kept body = %q\nwant        %q", d.Body, wantBody)
	}
	if d.RemoteAddr != "127.0.0.1" || d.Method != "POST" || d.Path != EventPath {
		t.Errorf("kept delivery from %q %s %s, want 127.0.0.1 POST %s",
			d.RemoteAddr, d.Method, d.Path, EventPath)
	}
	ct := sc.contentType
	if ct == "" {
		ct = "application/json"
	}
	if got := d.Header.Get("Content-Type"); got != ct {
		t.Errorf("kept Content-Type = %q, want %q", got, ct)
	}
	if strings.Contains(string(d.Body), testToken) {
		t.Errorf("kept body holds the token: %s", d.Body)
	}
}

// TestIngest_AnswersWithoutReadingATooLargeBody checks that a body over
// the limit by its Content-Length is refused before it is sent: the client
// waits for "100 Continue" and gets 413 instead.
func TestIngest_AnswersWithoutReadingATooLargeBody(t *testing.T) {
	t.Parallel()
	hb := newHub(t, scenarioLimit)
	var read atomic.Int64
	body := readerFunc(func(p []byte) (int, error) {
		read.Add(int64(len(p)))
		return 0, io.EOF
	})
	req, err := http.NewRequest("POST", hb.srv.URL+EventPath, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = 1 << 30
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Expect", "100-continue")
	tr := hb.srv.Client().Transport.(*http.Transport).Clone()
	tr.ExpectContinueTimeout = 10 * time.Second
	defer tr.CloseIdleConnections()
	a := do(t, &http.Client{Transport: tr}, req)

	want := "Request body too large: the limit is 4096 bytes"
	if a.status != 413 || a.body != want {
		t.Errorf("answer %d %q, want 413 %q", a.status, a.body, want)
	}
	if n := read.Load(); n != 0 {
		t.Errorf("client sent %d body bytes, want 0", n)
	}
}

type readerFunc func(p []byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
