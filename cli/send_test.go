package cli

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ipai-ai/ipai-connectors/sqlite"
)

func TestSend_EnvelopeCarriesPayloadBytes(t *testing.T) {
	t.Parallel()
	r := sendRequest{
		token: `to"ken`, source: "n8n", eventType: "a<b", ref: "r1",
		payload: []byte(`[1,  2.0, 18446744073709551617]`), companyID: 3,
	}
	got, err := r.envelope()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"jsonrpc":"2.0","method":"call","params":{"token":"to\"ken",` +
		`"source":"n8n","event_type":"a<b","ref":"r1",` +
		`"payload":[1,  2.0, 18446744073709551617],"company_id":3},"id":1}`
	if string(got) != want {
		t.Errorf("envelope:\ngot  %s\nwant %s", got, want)
	}

	got, err = sendRequest{token: "t", source: "s", eventType: "e"}.envelope()
	want = `{"jsonrpc":"2.0","method":"call","params":{"token":"t",` +
		`"source":"s","event_type":"e"},"id":1}`
	if err != nil || string(got) != want {
		t.Errorf("envelope without options:\ngot  %s (%v)\nwant %s", got, err, want)
	}
}

func TestSend_PayloadFromFileAndStdin(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	srv := startServer(t, db)
	vars := map[string]string{"IPAI_CONNECTORS_TOKEN": testToken}

	file := writeFile(t, "payload.json", "\n{\"from\": \"file\",\n \"n\": 1.50}\n")
	wantOK(t, runCLI(t, vars, "send", "--url", eventURL(srv),
		"--source", "custom", "--type", "file", "--payload", "@"+file))
	wantOK(t, runCLIInput(t, vars, `["from", "stdin"]`, "send", "--url", eventURL(srv),
		"--source", "custom", "--type", "stdin", "--payload", "@-"))
	wantOK(t, runCLI(t, vars, "send", "--url", eventURL(srv),
		"--source", "custom", "--type", "none"))

	want := map[int64]string{
		1: "{\"from\": \"file\",\n \"n\": 1.50}",
		2: `["from", "stdin"]`,
		3: `{}`,
	}
	inStore(t, db, func(store *sqlite.Store) {
		for id, payload := range want {
			if e, _ := readEvent(t, store, id); string(e.Payload) != payload {
				t.Errorf("event %d payload: got %q, want %q", id, e.Payload, payload)
			}
		}
	})
}

func TestSend_ForCompany(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	srv := startServer(t, db)
	vars := map[string]string{"IPAI_CONNECTORS_TOKEN": testToken}
	wantOK(t, runCLI(t, nil, "company", "create", "Acme", "--db", db))

	wantOK(t, runCLI(t, vars, "send", "--url", eventURL(srv),
		"--source", "n8n", "--type", "x", "--company", "2"))
	if e, _ := readEventAt(t, db, 1); e.CompanyID != 2 {
		t.Errorf("company: got %d, want 2", e.CompanyID)
	}

	out := runCLI(t, vars, "send", "--url", eventURL(srv),
		"--source", "n8n", "--type", "x", "--company", "99")
	refused := "ipai-connectors: the hub refused the event: Unknown company\n"
	if out.code != ExitFail || out.stderr != refused {
		t.Errorf("unknown company: got exit %d and %q, want exit 1 and %q",
			out.code, out.stderr, refused)
	}
}

func TestSend_HTTPErrorFails(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testDB(t))
	out := runCLI(t, nil, "send", "--url", "http://"+srv.Addr()+"/no/such/path",
		"--token", testToken, "--source", "n8n", "--type", "x")
	want := "ipai-connectors: the hub answered HTTP 404 Not Found: 404 page not found\n"
	if out.code != ExitFail || out.stderr != want {
		t.Errorf("got exit %d and %q, want exit 1 and %q", out.code, out.stderr, want)
	}
	if want = "404 page not found\n"; out.stdout != want {
		t.Errorf("stdout: got %q, want the body %q", out.stdout, want)
	}
}

func TestSend_UsageErrorsPostNothing(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	srv := startServer(t, db)
	url := eventURL(srv)
	tests := []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{
			"bad payload", nil,
			[]string{"--token", "t", "--source", "n8n", "--type", "x", "--payload", "{oops"},
			"--payload is not valid JSON",
		},
		{
			"missing file", nil,
			[]string{"--token", "t", "--source", "n8n", "--type", "x", "--payload", "@/no/such/file"},
			"--payload: open /no/such/file: no such file or directory",
		},
		{
			"no source", nil,
			[]string{"--token", "t", "--type", "x"},
			"--source is required",
		},
		{
			"no type", nil,
			[]string{"--token", "t", "--source", "n8n"},
			"--type is required",
		},
		{
			"no token", map[string]string{"IPAI_CONNECTORS_TOKEN": ""},
			[]string{"--source", "n8n", "--type", "x"},
			"no token: pass --token, or set IPAI_CONNECTORS_TOKEN or IPAI_CONNECTORS_TOKEN_FILE",
		},
		{
			"bad url", nil,
			[]string{"--token", "t", "--source", "n8n", "--type", "x", "--url", "ftp://hub/event"},
			`--url: "ftp://hub/event" is not an http or https URL`,
		},
	}
	for _, tt := range tests {
		args := append([]string{"send", "--url", url}, tt.args...)
		out := runCLI(t, tt.vars, args...)
		want := "ipai-connectors: " + tt.want + "\n" +
			"Run 'ipai-connectors send --help' for usage.\n"
		if out.code != ExitUsage || out.stderr != want {
			t.Errorf("%s: got exit %d and %q, want exit 2 and %q", tt.name, out.code, out.stderr, want)
		}
	}

	out := runCLI(t, nil, "events", "list", "--db", db, "--json")
	if out.stdout != "[]\n" {
		t.Errorf("events after refused sends: got %s, want []", out.stdout)
	}
}

func TestCheckAnswer_SaysWhatCameBack(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", excerptBytes-1) + "é and more"
	tests := []struct {
		status int
		body   string
		want   string // "" for no error
	}{
		{200, `{"jsonrpc":"2.0","result":{"ok":true,"event_id":1},"id":1}`, ""},
		{200, `{"jsonrpc":"2.0","result":{"ok":false,"error":"Invalid token"},"id":1}`,
			"the hub refused the event: Invalid token"},
		{200, `{"result":{"ok":false,"error":"` + attackJSON + `"}}`,
			"the hub refused the event: " + attackShown},
		{200, `{"result":{"ok":false}}`,
			`the hub refused the event without a reason: {"result":{"ok":false}}`},
		{200, "<!doctype html>\n<title>Welcome</title>\n",
			"the hub answered HTTP 200 OK without a JSON-RPC result: " +
				"<!doctype html> <title>Welcome</title>"},
		{200, `{"jsonrpc":"2.0","error":{"code":-32601,"message":"no such method"},"id":1}`,
			"the hub answered HTTP 200 OK without a JSON-RPC result: " +
				`{"jsonrpc":"2.0","error":{"code":-32601,"message":"no such method"},"id":1}`},
		{200, `{"result":5}`,
			`the hub answered HTTP 200 OK without a JSON-RPC result: {"result":5}`},
		{200, "", "the hub answered HTTP 200 OK without a JSON-RPC result: an empty body"},
		{200, attack, "the hub answered HTTP 200 OK without a JSON-RPC result: " +
			attackShown},
		{200, long, "the hub answered HTTP 200 OK without a JSON-RPC result: " +
			strings.Repeat("a", excerptBytes-1) + " …"},
		{502, "upstream\r\ndown\r\n", "the hub answered HTTP 502 Bad Gateway: upstream down"},
		{599, "", "the hub answered HTTP 599: an empty body"},
	}
	for _, tt := range tests {
		err := checkAnswer(tt.status, []byte(tt.body))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("checkAnswer(%d, %q):\ngot  %q\nwant %q", tt.status, tt.body, got, tt.want)
		}
	}
}

// attackJSON is attack as a JSON string's content.
const attackJSON = `\u001b]0;pwned\u0007\u001b[2J`

func TestSend_ToSomethingElseSaysWhatCameBack(t *testing.T) {
	t.Parallel()
	other := httptest.NewServer(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "not a hub "+attack+"\n")
		}))
	t.Cleanup(other.Close)
	out := runCLI(t, nil, "send", "--url", other.URL, "--token", testToken,
		"--source", "n8n", "--type", "x")
	want := "ipai-connectors: the hub answered HTTP 200 OK without a JSON-RPC " +
		"result: not a hub " + attackShown + "\n"
	if out.code != ExitFail || out.stderr != want {
		t.Errorf("got exit %d and %q, want exit 1 and %q", out.code, out.stderr, want)
	}
	if want := "not a hub " + attackShown + "\n"; out.stdout != want {
		t.Errorf("stdout: got %q, want the escaped body %q", out.stdout, want)
	}
}
