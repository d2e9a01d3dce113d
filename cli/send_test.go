package cli

import (
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
	refused := "ipai-connectors: the hub refused the event: "
	if out.code != ExitFail || !strings.HasPrefix(out.stderr, refused) {
		t.Errorf("unknown company: got exit %d and %q, want exit 1 and the hub's refusal",
			out.code, out.stderr)
	}
}

func TestSend_HTTPErrorFails(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testDB(t))
	out := runCLI(t, nil, "send", "--url", "http://"+srv.Addr()+"/no/such/path",
		"--token", testToken, "--source", "n8n", "--type", "x")
	want := "ipai-connectors: the hub answered HTTP 404\n"
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
