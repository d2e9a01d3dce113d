package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/verify"
)

// connectionSettings are those of the commands that seal secrets.
var connectionSettings = append([]string{"secret-key"}, storeSettings...)

// defaultOverlap is how long a rotated-out secret stays valid: a day, so
// that an operator can update the sender at leisure.
const defaultOverlap = 24 * time.Hour

func runConnectionCreate(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("connection create", "",
		"Make a connection of a provider to a URL under /hooks/; a "+
			"generated secret is printed once", connectionSettings...)
	company := cl.fs.Int64("company", connectors.DefaultCompanyID,
		"the `id` of the company the events belong to")
	provider := cl.fs.String("provider", "", "github, slack, stripe, "+
		"standard (Standard Webhooks) or custom")
	name := cl.fs.String("name", "", "what the connection is for")
	secretFile := cl.fs.String("secret-file", "", "read the signing "+
		"secret from this `file` (- for stdin); needed for slack and "+
		"stripe, which make their own; generated otherwise")
	maxBody := cl.fs.Int64("max-body-bytes", 0, "the largest body "+
		"accepted, in `bytes`; 0: the hub's limit")
	var scheme connectors.CustomScheme
	cl.fs.StringVar(&scheme.Kind, "scheme", "", "custom only: token or hmac")
	cl.fs.StringVar(&scheme.Header, "header", "", "custom only: the "+
		"`header` that carries the token or signature")
	cl.fs.StringVar(&scheme.Algorithm, "algorithm", "sha256",
		"custom hmac only: sha1, sha256 or sha512")
	cl.fs.StringVar(&scheme.Encoding, "encoding", "hex",
		"custom hmac only: hex or base64")
	cl.fs.StringVar(&scheme.Prefix, "prefix", "", "custom hmac only: "+
		"text before the signature, such as sha256=")

	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	if err := cl.wantArgs(pos, 0); err != nil {
		return err
	}
	p := connectors.Provider(strings.ToLower(*provider))
	if !p.Valid() {
		return cl.usageErr("--provider must be github, slack, stripe, " +
			"standard or custom")
	}
	if err := checkScheme(p, &scheme); err != nil {
		return cl.usageErr("%s", err)
	}
	box, err := connectors.NewSecretBox(cfg.SecretKey)
	if err != nil {
		return cl.usageErr("%s", connectors.ErrorMessage(err))
	}
	secret, generated, err := connectionSecret(env, p, *secretFile)
	if err != nil {
		return cl.usageErr("%s", err)
	}

	slug := connectors.GenerateSlug()
	c := connectors.Connection{
		CompanyID: *company, Name: *name, Provider: p, Slug: slug,
		SealedSecret: box.Seal(slug, secret),
		SecretHint:   connectors.SecretHint(secret),
		Scheme:       scheme, MaxBodyBytes: *maxBody, Enabled: true,
	}
	return withStore(ctx, env, cfg, func(store hubStore) error {
		c, err := store.CreateConnection(ctx, c)
		if err != nil {
			return fmt.Errorf("create connection: %w", err)
		}
		audit(ctx, store, env, "connection.create", c)
		fmt.Fprintf(env.Stdout, "connection %d created for company %d: "+
			"deliveries go to\n  %s\n", c.ID, c.CompanyID, c.HookPath())
		return printSecret(env.Stdout, secret, generated)
	})
}

// checkScheme checks the custom scheme flags: given for custom only,
// with a header, and a known algorithm and encoding for hmac.
func checkScheme(p connectors.Provider, s *connectors.CustomScheme) error {
	if p != connectors.ProviderCustom {
		if s.Kind != "" || s.Header != "" || s.Prefix != "" {
			return fmt.Errorf("--scheme, --header and --prefix are for " +
				"custom connections")
		}
		*s = connectors.CustomScheme{}
		return nil
	}
	switch s.Kind {
	case connectors.SchemeToken:
		s.Algorithm, s.Encoding, s.Prefix = "", "", ""
		if s.Header == "" {
			return fmt.Errorf("a token scheme needs --header")
		}
		return nil
	case connectors.SchemeHMAC:
		return verify.HMACScheme{Header: s.Header,
			Algorithm: verify.Algorithm(s.Algorithm),
			Encoding:  verify.Encoding(s.Encoding), Prefix: s.Prefix}.Check()
	}
	return fmt.Errorf("a custom connection needs --scheme token or hmac")
}

// connectionSecret reads the secret from file, or generates one where
// the hub may choose it. Slack and Stripe make their signing secrets, so
// theirs must be given.
func connectionSecret(env Env, p connectors.Provider, file string) (
	connectors.Secret, bool, error) {
	if file == "" {
		if p == connectors.ProviderSlack || p == connectors.ProviderStripe {
			return "", false, fmt.Errorf("%s makes its own signing "+
				"secret: pass it with --secret-file", p)
		}
		return connectors.GenerateSecret(p), true, nil
	}
	var b []byte
	var err error
	if file == "-" {
		b, err = io.ReadAll(io.LimitReader(env.Stdin, 4096))
	} else {
		b, err = os.ReadFile(file)
	}
	if err != nil {
		return "", false, fmt.Errorf("read the secret: %w", err)
	}
	secret := connectors.Secret(strings.TrimSpace(string(b)))
	if secret == "" {
		return "", false, fmt.Errorf("the secret file is empty")
	}
	if p == connectors.ProviderStandard {
		if _, err := verify.StandardSecret(secret.Reveal()); err != nil {
			return "", false, fmt.Errorf("a Standard Webhooks secret is " +
				"whsec_ and base64")
		}
	}
	return secret, false, nil
}

func printSecret(w io.Writer, secret connectors.Secret, generated bool) error {
	if !generated {
		_, err := fmt.Fprintf(w, "signing secret kept sealed: %s\n",
			connectors.SecretHint(secret))
		return err
	}
	_, err := fmt.Fprintf(w, "signing secret (copy it now, it is not "+
		"shown again):\n  %s\n", secret.Reveal())
	return err
}

func audit(ctx context.Context, store hubStore, env Env, action string,
	c connectors.Connection) {
	store.RecordAudit(ctx, connectors.AuditEntry{Actor: env.actor(),
		Action: action, Target: fmt.Sprintf("connection:%d", c.ID),
		CompanyID: c.CompanyID})
}

func runConnectionList(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("connection list", "", "List connections",
		storeSettings...)
	company := cl.fs.Int64("company", 0, "only this company's connections (`id`)")
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
		list, err := store.Connections(ctx, companies)
		if err != nil {
			return fmt.Errorf("list connections: %w", err)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tCOMPANY\tPROVIDER\tNAME\tPATH\tSECRET\tENABLED\tCREATED")
		for _, c := range list {
			fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%t\t%s\n", c.ID,
				c.CompanyID, c.Provider, cell(c.Name), c.HookPath(),
				c.SecretHint, c.Enabled, humanTime(c.CreatedAt))
		}
		return tw.Flush()
	})
}

func runConnectionRotate(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("connection rotate", "ID",
		"Replace a connection's signing secret; the old one stays valid "+
			"for the overlap", connectionSettings...)
	overlap := cl.fs.Duration("overlap", defaultOverlap,
		"how long the old secret stays valid; 0 ends it at once")
	secretFile := cl.fs.String("secret-file", "", "read the new secret "+
		"from this `file` (- for stdin); generated otherwise, except for "+
		"slack and stripe")
	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	id, err := connectionID(cl, pos)
	if err != nil {
		return err
	}
	box, err := connectors.NewSecretBox(cfg.SecretKey)
	if err != nil {
		return cl.usageErr("%s", connectors.ErrorMessage(err))
	}
	return withStore(ctx, env, cfg, func(store hubStore) error {
		c, err := store.Connection(ctx, id)
		if err != nil {
			return fmt.Errorf("rotate connection: %w", err)
		}
		secret, generated, err := connectionSecret(env, c.Provider, *secretFile)
		if err != nil {
			return cl.usageErr("%s", err)
		}
		r := connectors.Rotation{ConnectionID: id,
			SealedSecret: box.Seal(c.Slug, secret),
			SecretHint:   connectors.SecretHint(secret)}
		if *overlap > 0 {
			r.PreviousUntil = time.Now().Add(*overlap)
		}
		if c, err = store.RotateConnection(ctx, r); err != nil {
			return fmt.Errorf("rotate connection: %w", err)
		}
		audit(ctx, store, env, "connection.rotate", c)
		fmt.Fprintf(env.Stdout, "connection %d rotated; the old secret is "+
			"valid until %s\n", c.ID, humanTime(c.PreviousUntil))
		return printSecret(env.Stdout, secret, generated)
	})
}

func runConnectionDisable(ctx context.Context, env Env, args []string) error {
	cl := newCommandLine("connection disable", "ID",
		"Refuse a connection's deliveries from now on", storeSettings...)
	cfg, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	id, err := connectionID(cl, pos)
	if err != nil {
		return err
	}
	return withStore(ctx, env, cfg, func(store hubStore) error {
		c, err := store.Connection(ctx, id)
		if err == nil {
			err = store.SetConnectionEnabled(ctx, id, false)
		}
		if err != nil {
			return fmt.Errorf("disable connection: %w", err)
		}
		audit(ctx, store, env, "connection.disable", c)
		_, err = fmt.Fprintf(env.Stdout, "connection %d disabled\n", id)
		return err
	})
}

func connectionID(cl *commandLine, pos []string) (int64, error) {
	if err := cl.wantArgs(pos, 1); err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, cl.usageErr("%q is not a connection id", pos[0])
	}
	return id, nil
}
