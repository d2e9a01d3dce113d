package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/postgres"
	"github.com/ipai-ai/ipai-connectors/postgres/pgtest"
)

// resolveFor parses args for a command that declares every setting.
func resolveFor(t *testing.T, vars map[string]string, args ...string) (Config, error) {
	t.Helper()
	cl := newCommandLine("test", "", "Test", serveSettings...)
	cfg, _, err := cl.parse(Env{LookupEnv: lookupIn(vars)}, args)
	return cfg, err
}

// writeFile writes content to a new file in the test's temp dir.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfig_Defaults(t *testing.T) {
	t.Parallel()
	got, err := resolveFor(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Addr:         ":8069",
		DB:           "ipai-connectors.db",
		MaxBodyBytes: 26214400,
		LogFormat:    "text",
		LogLevel:     slog.LevelInfo,
	}
	if got.Token != "" || got.Addr != want.Addr || got.DB != want.DB ||
		got.MaxBodyBytes != want.MaxBodyBytes || got.LogFormat != want.LogFormat ||
		got.LogLevel != want.LogLevel || len(got.TrustedProxies) != 0 {
		t.Errorf("defaults: got %+v, want %+v", got, want)
	}
}

func TestConfig_PrecedenceFlagEnvFileDefault(t *testing.T) {
	t.Parallel()
	tokenFile := writeFile(t, "token", "  from-file\n")
	tests := []struct {
		name      string
		vars      map[string]string
		args      []string
		wantToken connectors.Secret
		wantAddr  string
	}{
		{"default", nil, nil, "", ":8069"},
		{
			"file over default",
			map[string]string{"IPAI_CONNECTORS_TOKEN_FILE": tokenFile},
			nil, "from-file", ":8069",
		},
		{
			"env over file",
			map[string]string{
				"IPAI_CONNECTORS_TOKEN_FILE": tokenFile,
				"IPAI_CONNECTORS_TOKEN":      "from-env",
				"IPAI_CONNECTORS_ADDR":       "127.0.0.1:9000",
			},
			nil, "from-env", "127.0.0.1:9000",
		},
		{
			"empty env gives way to file",
			map[string]string{
				"IPAI_CONNECTORS_TOKEN_FILE": tokenFile,
				"IPAI_CONNECTORS_TOKEN":      "",
			},
			nil, "from-file", ":8069",
		},
		{
			"flag over env and file",
			map[string]string{
				"IPAI_CONNECTORS_TOKEN_FILE": tokenFile,
				"IPAI_CONNECTORS_TOKEN":      "from-env",
				"IPAI_CONNECTORS_ADDR":       "127.0.0.1:9000",
			},
			[]string{"--token", "from-flag", "--addr=127.0.0.1:9001"},
			"from-flag", "127.0.0.1:9001",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := resolveFor(t, tt.vars, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Token.Reveal(); got != tt.wantToken.Reveal() {
				t.Errorf("token: got %q, want %q", got, tt.wantToken.Reveal())
			}
			if cfg.Addr != tt.wantAddr {
				t.Errorf("addr: got %q, want %q", cfg.Addr, tt.wantAddr)
			}
		})
	}
}

func TestConfig_ParsesEverySetting(t *testing.T) {
	t.Parallel()
	cfg, err := resolveFor(t, map[string]string{
		"IPAI_CONNECTORS_DB":              "/var/lib/hub.db",
		"IPAI_CONNECTORS_MAX_BODY_BYTES":  "1024",
		"IPAI_CONNECTORS_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16",
		"IPAI_CONNECTORS_LOG_FORMAT":      "json",
	}, "--log-level", "warn")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DB != "/var/lib/hub.db" {
		t.Errorf("db: got %q, want /var/lib/hub.db", cfg.DB)
	}
	if cfg.MaxBodyBytes != 1024 {
		t.Errorf("max body bytes: got %d, want 1024", cfg.MaxBodyBytes)
	}
	wantProxies := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.1/32"),
		netip.MustParsePrefix("192.168.0.0/16"),
	}
	if !slices.Equal(cfg.TrustedProxies, wantProxies) {
		t.Errorf("trusted proxies: got %v, want %v", cfg.TrustedProxies, wantProxies)
	}
	if cfg.LogFormat != "json" || cfg.LogLevel != slog.LevelWarn {
		t.Errorf("log: got %s at %s, want json at WARN", cfg.LogFormat, cfg.LogLevel)
	}
}

func TestConfig_BadValueNamesTheVariable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{
			"number from env",
			map[string]string{"IPAI_CONNECTORS_MAX_BODY_BYTES": "lots"},
			nil,
			`IPAI_CONNECTORS_MAX_BODY_BYTES (--max-body-bytes): ` +
				`"lots" is not a positive whole number of bytes`,
		},
		{
			"negative number from flag",
			nil,
			[]string{"--max-body-bytes=-5"},
			`IPAI_CONNECTORS_MAX_BODY_BYTES (--max-body-bytes): ` +
				`"-5" is not a positive whole number of bytes`,
		},
		{
			"log format",
			map[string]string{"IPAI_CONNECTORS_LOG_FORMAT": "xml"},
			nil,
			`IPAI_CONNECTORS_LOG_FORMAT (--log-format): "xml" is not a log format: want text or json`,
		},
		{
			"log level",
			nil,
			[]string{"--log-level", "loud"},
			`IPAI_CONNECTORS_LOG_LEVEL (--log-level): ` +
				`"loud" is not a log level: want debug, info, warn or error`,
		},
		{
			"trusted proxy",
			map[string]string{"IPAI_CONNECTORS_TRUSTED_PROXIES": "10.0.0.0/8, nonsense"},
			nil,
			`IPAI_CONNECTORS_TRUSTED_PROXIES (--trusted-proxies): ` +
				`trusted proxy "nonsense": ParseAddr("nonsense"): unable to parse IP`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := resolveFor(t, tt.vars, tt.args...)
			if err == nil {
				t.Fatalf("got no error, want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error: got %q, want %q", err, tt.want)
			}
		})
	}
}

func TestConfig_BadNumberIsUsageError(t *testing.T) {
	t.Parallel()
	out := runCLI(t, map[string]string{
		"IPAI_CONNECTORS_TOKEN":          testToken,
		"IPAI_CONNECTORS_MAX_BODY_BYTES": "25MB",
	}, "serve", "--db", testDB(t))
	if out.code != ExitUsage {
		t.Errorf("exit code: got %d, want %d", out.code, ExitUsage)
	}
	want := `ipai-connectors: IPAI_CONNECTORS_MAX_BODY_BYTES (--max-body-bytes): ` +
		`"25MB" is not a positive whole number of bytes` + "\n" +
		"Run 'ipai-connectors serve --help' for usage.\n"
	if out.stderr != want {
		t.Errorf("stderr: got %q, want %q", out.stderr, want)
	}
}

func TestConfig_PostgresURLOpensPostgres(t *testing.T) {
	t.Parallel()
	db := pgtest.URL(t)
	out := runCLI(t, nil, "migrate", "--json", "--db", db, "--db-pool-size", "2")
	wantOK(t, out)
	// A new schema: migrate takes it from nothing to the latest version.
	latest := latestPostgresVersion(t, db)
	if want := fmt.Sprintf(`{"from":0,"to":%d}`+"\n", latest); out.stdout != want {
		t.Errorf("migrate: got %q, want %q", out.stdout, want)
	}

	// The scheme is matched in any case, and from the environment too.
	upper := "POSTGRESQL" + strings.TrimPrefix(db, "postgres")
	out = runCLI(t, map[string]string{"IPAI_CONNECTORS_DB": upper},
		"company", "create", "Acme")
	wantOK(t, out)
	out = runCLI(t, map[string]string{"IPAI_CONNECTORS_DB": db},
		"company", "list", "--json")
	wantOK(t, out)
	var companies []struct{ Name string }
	if err := json.Unmarshal([]byte(out.stdout), &companies); err != nil {
		t.Fatalf("company list --json: %v in %q", err, out.stdout)
	}
	if len(companies) != 2 || companies[0].Name != "Default" ||
		companies[1].Name != "Acme" {
		t.Errorf("companies: got %+v, want Default then Acme", companies)
	}
}

// latestPostgresVersion returns the schema version of the migrated store
// at db.
func latestPostgresVersion(t *testing.T, db string) int64 {
	t.Helper()
	store, err := postgres.Open(context.Background(), db, postgres.Options{PoolSize: 1})
	if err != nil {
		t.Fatalf("open %s: %v", db, err)
	}
	defer store.Close()
	_, to, err := store.Migrate(context.Background())
	if err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return to
}

func TestConfig_UnreachablePostgresHidesPassword(t *testing.T) {
	t.Parallel()
	// Port 1 on loopback refuses at once: nothing listens there.
	out := runCLI(t, nil, "company", "list",
		"--db", "postgres://hub:s3cret-pw@127.0.0.1:1/hub?connect_timeout=2")
	if out.code != ExitFail {
		t.Errorf("exit code: got %d, want %d", out.code, ExitFail)
	}
	const want = "ipai-connectors: the store is unavailable\n"
	if out.stderr != want {
		t.Errorf("stderr: got %q, want %q", out.stderr, want)
	}
	if strings.Contains(out.stderr, "s3cret") {
		t.Errorf("stderr shows the password: %q", out.stderr)
	}
}

func TestConfig_BadPoolSizeIsUsageError(t *testing.T) {
	t.Parallel()
	out := runCLI(t, map[string]string{"IPAI_CONNECTORS_DB_POOL_SIZE": "0"},
		"company", "list", "--db", testDB(t))
	want := "ipai-connectors: IPAI_CONNECTORS_DB_POOL_SIZE (--db-pool-size): " +
		`"0" is not a positive whole number of connections` + "\n"
	if out.code != ExitUsage || !strings.HasPrefix(out.stderr, want) {
		t.Errorf("got exit %d and %q, want exit %d and %q",
			out.code, out.stderr, ExitUsage, want)
	}
}

func TestConfig_UnreadableTokenFileIsNamed(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "no-such-token")
	_, err := resolveFor(t, map[string]string{"IPAI_CONNECTORS_TOKEN_FILE": missing})
	want := "IPAI_CONNECTORS_TOKEN_FILE: open " + missing + ": no such file or directory"
	if err == nil || err.Error() != want {
		t.Errorf("error: got %v, want %q", err, want)
	}
}

func TestConfig_HelpListsSettingsAndNoSecret(t *testing.T) {
	t.Parallel()
	const secret = "do-not-print-this-token"
	out := runCLI(t, map[string]string{"IPAI_CONNECTORS_TOKEN": secret},
		"serve", "--help")
	wantOK(t, out)
	for _, s := range settings {
		line := "  --" + s.flag + ", " + s.env
		if s.secret {
			line += " or " + s.env + "_FILE"
		}
		line += ` (default "` + s.def + `")` + "\n\t" + s.help + "\n"
		if !strings.Contains(out.stdout, line) {
			t.Errorf("serve --help lacks %q:\n%s", line, out.stdout)
		}
	}
	if strings.Contains(out.stdout+out.stderr, secret) {
		t.Errorf("serve --help printed the token:\n%s", out.stdout)
	}
}

func TestConfig_CommandHelpListsItsOwnFlags(t *testing.T) {
	t.Parallel()
	out := runCLI(t, nil, "events", "list", "--help")
	wantOK(t, out)
	for _, want := range []string{
		"Usage: ipai-connectors events list [flags]\n",
		"  --state state\n\tonly events in this state\n",
		"  --limit int (default \"50\")\n",
		"  --db, IPAI_CONNECTORS_DB (default \"ipai-connectors.db\")\n",
	} {
		if !strings.Contains(out.stdout, want) {
			t.Errorf("events list --help lacks %q:\n%s", want, out.stdout)
		}
	}
	if strings.Contains(out.stdout, "--token") {
		t.Errorf("events list --help offers --token, which it does not use:\n%s", out.stdout)
	}
}
