package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// sourceList is a flag that may be given several times, each a source.
type sourceList []connectors.Source

func (l *sourceList) String() string { return fmt.Sprint([]connectors.Source(*l)) }

func (l *sourceList) Set(v string) error {
	s := connectors.Source(strings.ToLower(v))
	if !s.Valid() {
		return fmt.Errorf("unknown source %q: want n8n, github, slack or custom", v)
	}
	*l = append(*l, s)
	return nil
}

func runTokenCreate(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("token create", "",
		"Make a company token; it is printed once and kept only as a hash",
		storeSettings...)
	company := cl.fs.Int64("company", connectors.DefaultCompanyID,
		"the `id` of the company the token posts for")
	name := cl.fs.String("name", "", "what the token is for")
	var sources sourceList
	cl.fs.Var(&sources, "source", "a `source` the token may post; repeat "+
		"for more; none: every source")

	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	if err := cl.wantArgs(pos, 0); err != nil {
		return err
	}
	value, hash := connectors.GenerateToken()
	return withStore(ctx, env, cfg, func(store hubStore) error {
		t, err := store.CreateToken(ctx, connectors.NewToken{
			CompanyID: *company, Name: *name, Hash: hash, Sources: sources})
		if err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		store.RecordAudit(ctx, connectors.AuditEntry{Actor: env.actor(),
			Action: "token.create", Target: fmt.Sprintf("token:%d", t.ID),
			CompanyID: t.CompanyID})
		_, err = fmt.Fprintf(env.Stdout, "token %d created for company %d; "+
			"copy it now, it is not shown again:\n%s\n",
			t.ID, t.CompanyID, value.Reveal())
		return err
	})
}

func runTokenList(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("token list", "", "List company tokens", storeSettings...)
	company := cl.fs.Int64("company", 0, "only this company's tokens (`id`)")
	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	if err := cl.wantArgs(pos, 0); err != nil {
		return err
	}
	var companies []int64
	if *company > 0 {
		companies = []int64{*company}
	}
	return withStore(ctx, env, cfg, func(store hubStore) error {
		tokens, err := store.Tokens(ctx, companies)
		if err != nil {
			return fmt.Errorf("list tokens: %w", err)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tCOMPANY\tNAME\tSOURCES\tCREATED\tLAST USED\tREVOKED")
		for _, t := range tokens {
			fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.CompanyID,
				cell(t.Name), tokenSources(t), humanTime(t.CreatedAt),
				humanTime(t.LastUsedAt), humanTime(t.RevokedAt))
		}
		return tw.Flush()
	})
}

func tokenSources(t connectors.Token) string {
	if len(t.Sources) == 0 {
		return "all"
	}
	names := make([]string, len(t.Sources))
	for i, s := range t.Sources {
		names[i] = string(s)
	}
	return strings.Join(names, ",")
}

func runTokenRevoke(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("token revoke", "ID", "Revoke a company token", storeSettings...)
	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	if err := cl.wantArgs(pos, 1); err != nil {
		return err
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil {
		return cl.usageErr("%q is not a token id", pos[0])
	}
	return withStore(ctx, env, cfg, func(store hubStore) error {
		t, err := store.Token(ctx, id)
		if err == nil {
			err = store.RevokeToken(ctx, id)
		}
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		store.RecordAudit(ctx, connectors.AuditEntry{Actor: env.actor(),
			Action: "token.revoke", Target: fmt.Sprintf("token:%d", id),
			CompanyID: t.CompanyID})
		_, err = fmt.Fprintf(env.Stdout, "token %d revoked\n", id)
		return err
	})
}
