package cli

import (
	"fmt"
	"strings"
	"testing"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/sqlite"
)

func TestCompany_CreateAndList(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	out := runCLI(t, nil, "company", "create", "Acme Corp", "--db", db)
	wantOK(t, out)
	if want := "company 2 created: Acme Corp\n"; out.stdout != want {
		t.Errorf("create: got %q, want %q", out.stdout, want)
	}
	out = runCLI(t, nil, "company", "create", "--json", "--db", db, "Globex")
	wantOK(t, out)
	var created companyJSON
	decodeJSON(t, out.stdout, &created)
	if created.ID != 3 || created.Name != "Globex" || created.CreatedAt == nil {
		t.Errorf("create --json: got %s, want id 3 named Globex with a time", out.stdout)
	}

	var companies []connectors.Company
	inStore(t, db, func(store *sqlite.Store) {
		var err error
		if companies, err = store.Companies(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	if len(companies) != 3 {
		t.Fatalf("companies: got %d, want 3", len(companies))
	}

	out = runCLI(t, nil, "company", "list", "--db", db, "--json")
	wantOK(t, out)
	want := "["
	for i, c := range companies {
		if i > 0 {
			want += ","
		}
		want += fmt.Sprintf(`{"id":%d,"name":%q,"created_at":%q}`,
			c.ID, c.Name, *jsonTime(c.CreatedAt))
	}
	want += "]\n"
	if out.stdout != want {
		t.Errorf("list --json:\ngot  %s\nwant %s", out.stdout, want)
	}

	out = runCLI(t, nil, "company", "list", "--db", db)
	wantOK(t, out)
	want = "ID  NAME       CREATED\n"
	for _, c := range companies {
		want += fmt.Sprintf("%-4d%-11s%s\n", c.ID, c.Name, humanTime(c.CreatedAt))
	}
	if out.stdout != want {
		t.Errorf("list:\ngot\n%s\nwant\n%s", out.stdout, want)
	}
}

func TestCompany_DuplicateNameRefused(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	wantOK(t, runCLI(t, nil, "company", "create", "Acme", "--db", db))
	out := runCLI(t, nil, "company", "create", "Acme", "--db", db)
	want := "ipai-connectors: a company named \"Acme\" exists already\n"
	if out.code != ExitFail || out.stderr != want {
		t.Errorf("got exit %d and %q, want exit 1 and %q", out.code, out.stderr, want)
	}
}

func TestCompany_NameAfterDoubleDashMayStartWithDash(t *testing.T) {
	t.Parallel()
	out := runCLI(t, nil, "company", "create", "--db", testDB(t), "--", "-dash co")
	wantOK(t, out)
	if want := "company 2 created: -dash co\n"; out.stdout != want {
		t.Errorf("create: got %q, want %q", out.stdout, want)
	}
}

func TestCompanyList_EscapesNames(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	var companies []connectors.Company
	inStore(t, db, func(store *sqlite.Store) {
		_, err := store.CreateCompany(t.Context(), "Evil"+attack)
		if err != nil {
			t.Fatal(err)
		}
		if companies, err = store.Companies(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	if len(companies) != 2 {
		t.Fatalf("companies: got %d, want 2", len(companies))
	}
	out := runCLI(t, nil, "company", "list", "--db", db)
	wantOK(t, out)
	want := "ID  NAME                         CREATED\n" +
		fmt.Sprintf("1   %-29s%s\n", "Default", humanTime(companies[0].CreatedAt)) +
		fmt.Sprintf("2   %-29s%s\n", "Evil"+attackShown, humanTime(companies[1].CreatedAt))
	if out.stdout != want {
		t.Errorf("list:\ngot  %q\nwant %q", out.stdout, want)
	}

	out = runCLI(t, nil, "company", "list", "--db", db, "--json")
	wantOK(t, out)
	name := `"name":"Evil\u001b]0;pwned\u0007\u001b[2J"`
	if !strings.Contains(out.stdout, name) {
		t.Errorf("list --json:\ngot  %s\nwant it to hold %s", out.stdout, name)
	}
}

func TestCompanyCreate_RefusesLongOrControlNames(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	controls := "a company name may not hold control characters or bidi overrides: "
	tests := []struct{ name, want string }{
		{strings.Repeat("x", 201),
			"a company name may be at most 200 characters long, got 201"},
		{"  " + strings.Repeat("é", 201) + "  ",
			"a company name may be at most 200 characters long, got 201"},
		{"Evil" + attack, controls + "Evil" + attackShown},
		{"Tab\tCo", controls + `Tab\x09Co`},
		{"Line\nBreak", controls + `Line\x0aBreak`},
		{"Del\x7f", controls + `Del\x7f`},
		{"\u202eevil", controls + `\u202eevil`},
		{"Bad \xff", `a company name must be UTF-8: Bad \xff`},
		{"   ", "a company needs a name"},
	}
	for _, tt := range tests {
		out := runCLI(t, nil, "company", "create", "--db", db, "--", tt.name)
		want := "ipai-connectors: " + tt.want + "\n" +
			"Run 'ipai-connectors company create --help' for usage.\n"
		if out.code != ExitUsage || out.stderr != want || out.stdout != "" {
			t.Errorf("create %q: got exit %d, stdout %q, stderr %q; want exit 2, "+
				"no stdout, stderr %q", tt.name, out.code, out.stdout, out.stderr, want)
		}
	}

	longest := strings.Repeat("é", 200)
	out := runCLI(t, nil, "company", "create", "--db", db, longest)
	wantOK(t, out)
	if want := "company 2 created: " + longest + "\n"; out.stdout != want {
		t.Errorf("create of 200 characters: got %q, want %q", out.stdout, want)
	}
	var companies []connectors.Company
	inStore(t, db, func(store *sqlite.Store) {
		var err error
		if companies, err = store.Companies(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	if len(companies) != 2 || companies[1].Name != longest {
		t.Errorf("companies: got %+v, want Default and the 200-character name only",
			companies)
	}
}
