package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// companyJSON is a company as JSON.
type companyJSON struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	CreatedAt *string `json:"created_at"`
}

func toCompanyJSON(c connectors.Company) companyJSON {
	return companyJSON{ID: c.ID, Name: c.Name, CreatedAt: jsonTime(c.CreatedAt)}
}

func runCompanyCreate(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("company create", "NAME",
		"Add a company", storeSettings...)
	asJSON := cl.fs.Bool("json", false, "print the company as a JSON object")

	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	if err := cl.wantArgs(pos, 1); err != nil {
		return err
	}
	name := strings.TrimSpace(pos[0])
	if err := checkCompanyName(name); err != nil {
		return cl.usageErr("%s", err)
	}

	return withStore(ctx, env, cfg, func(store hubStore) error {
		c, err := store.CreateCompany(ctx, name)
		if err != nil {
			return fmt.Errorf("create company: %w", err)
		}
		if *asJSON {
			return writeJSON(env.Stdout, toCompanyJSON(c))
		}
		_, err = fmt.Fprintf(env.Stdout, "company %d created: %s\n",
			c.ID, printable(c.Name))
		return err
	})
}

// maxCompanyName bounds a company's name, in characters: it is shown in
// tables and in the admin interface.
const maxCompanyName = 200

// checkCompanyName refuses a name that is empty, too long, or holds
// characters that would act on a terminal rather than show.
func checkCompanyName(name string) error {
	switch n := utf8.RuneCountInString(name); {
	case name == "":
		return fmt.Errorf("a company needs a name")
	case n > maxCompanyName:
		return fmt.Errorf("a company name may be at most %d characters long, got %d",
			maxCompanyName, n)
	case !utf8.ValidString(name):
		return fmt.Errorf("a company name must be UTF-8: %s", printable(name))
	case strings.ContainsFunc(name, isTerminalControl):
		return fmt.Errorf("a company name may not hold control characters "+
			"or bidi overrides: %s", printable(name))
	}
	return nil
}

func runCompanyList(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("company list", "",
		"List companies", storeSettings...)
	asJSON := cl.fs.Bool("json", false, "print a JSON array")

	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	if err := cl.wantArgs(pos, 0); err != nil {
		return err
	}

	return withStore(ctx, env, cfg, func(store hubStore) error {
		companies, err := store.Companies(ctx)
		if err != nil {
			return fmt.Errorf("list companies: %w", err)
		}
		if *asJSON {
			rows := make([]companyJSON, 0, len(companies))
			for _, c := range companies {
				rows = append(rows, toCompanyJSON(c))
			}
			return writeJSON(env.Stdout, rows)
		}
		return writeCompaniesTable(env.Stdout, companies)
	})
}

func writeCompaniesTable(w io.Writer, companies []connectors.Company) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCREATED")
	for _, c := range companies {
		fmt.Fprintf(tw, "%d\t%s\t%s\n", c.ID, cell(c.Name), humanTime(c.CreatedAt))
	}
	return tw.Flush()
}
