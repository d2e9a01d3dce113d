package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/admin"
)

// idList is a flag that may be given several times, each an id.
type idList []int64

func (l *idList) String() string { return fmt.Sprint([]int64(*l)) }

func (l *idList) Set(v string) error {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("%q is not a company id", v)
	}
	*l = append(*l, id)
	return nil
}

func runUserCreate(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("user create", "",
		"Add a user of the admin interface", storeSettings...)
	email := cl.fs.String("email", "", "the user's `e-mail`, with which they sign in")
	role := cl.fs.String("role", "viewer", "viewer, manager or admin")
	var companies idList
	cl.fs.Var(&companies, "company", "a company `id` the user belongs to; repeat for more")
	fromStdin := cl.fs.Bool("password-stdin", false,
		"read the password from the first line of standard input; "+
			"without it, one is made and printed once")

	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	if err := cl.wantArgs(pos, 0); err != nil {
		return err
	}
	r, err := connectors.ParseRole(*role)
	if err != nil {
		return cl.usageErr("--role: %s", connectors.ErrorMessage(err))
	}
	if *email == "" {
		return cl.usageErr("--email is required")
	}
	password, made, err := userPassword(env.Stdin, *fromStdin)
	if err != nil {
		return err
	}
	hash, err := admin.HashPassword(password)
	if err != nil {
		return err
	}

	return withStore(ctx, env, cfg, func(store hubStore) error {
		u, err := store.CreateUser(ctx, connectors.NewUser{
			Email: *email, Role: r, CompanyIDs: companies, PasswordHash: hash})
		if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		store.RecordAudit(ctx, connectors.AuditEntry{Actor: env.actor(),
			Action: "user.create", Target: fmt.Sprintf("user:%d", u.ID),
			Detail: u.Email + " as " + string(u.Role)})
		fmt.Fprintf(env.Stdout, "user %d created: %s (%s)\n", u.ID, u.Email, u.Role)
		if made {
			fmt.Fprintf(env.Stdout, "password (shown once): %s\n", password)
		}
		return nil
	})
}

// userPassword reads the password from in, or makes one.
func userPassword(in io.Reader, fromStdin bool) (string, bool, error) {
	if !fromStdin {
		return rand.Text(), true, nil
	}
	if in == nil {
		return "", false, fmt.Errorf("--password-stdin: no standard input")
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", false, fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), false, nil
}

func runUserList(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("user list", "", "List the users", storeSettings...)
	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	if err := cl.wantArgs(pos, 0); err != nil {
		return err
	}
	return withStore(ctx, env, cfg, func(store hubStore) error {
		users, err := store.Users(ctx)
		if err != nil {
			return fmt.Errorf("list users: %w", err)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tROLE\tCOMPANIES\tSTATE\tCREATED")
		for _, u := range users {
			state := "active"
			if u.Disabled {
				state = "disabled"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Role,
				companyIDs(u), state, humanTime(u.CreatedAt))
		}
		return tw.Flush()
	})
}

func companyIDs(u connectors.User) string {
	if u.Role.SeesAllCompanies() {
		return "all"
	}
	if len(u.CompanyIDs) == 0 {
		return "-"
	}
	parts := make([]string, len(u.CompanyIDs))
	for i, id := range u.CompanyIDs {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

func runUserDisable(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("user disable", "ID",
		"Disable a user and end their sessions", storeSettings...)
	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	if err := cl.wantArgs(pos, 1); err != nil {
		return err
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil {
		return cl.usageErr("%q is not a user id", pos[0])
	}
	return withStore(ctx, env, cfg, func(store hubStore) error {
		if err := store.SetUserDisabled(ctx, id, true); err != nil {
			return fmt.Errorf("disable user: %w", err)
		}
		store.RecordAudit(ctx, connectors.AuditEntry{Actor: env.actor(),
			Action: "user.disable", Target: fmt.Sprintf("user:%d", id)})
		_, err := fmt.Fprintf(env.Stdout, "user %d disabled\n", id)
		return err
	})
}
