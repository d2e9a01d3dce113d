package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/requestlog"
)

// Config is the resolved configuration of one command. Only the settings
// the command declares are filled; the others keep their zero values.
type Config struct {
	Token        connectors.Secret
	Addr         string
	DB           string
	DBPoolSize   int
	MaxBodyBytes int64
	// RejectionRetention is how long rejected requests are kept; 0: for
	// ever.
	RejectionRetention time.Duration
	// EventRetention is how long events are kept on PostgreSQL, whose
	// months are dropped whole; 0: for ever.
	EventRetention time.Duration
	TrustedProxies []netip.Prefix
	SecureCookies  bool
	LogFormat      string
	LogLevel       slog.Level
	SecretKey      connectors.Secret
}

// setting is one row of the configuration table: a flag, the environment
// variable behind it, its default and a line of help. A secret setting is
// also read from the file named by NAME_FILE and is never printed.
type setting struct {
	flag   string
	env    string
	def    string
	help   string
	secret bool
	apply  func(c *Config, v string) error
}

// settings is the one table of configuration. Precedence for each row:
// flag, then environment, then NAME_FILE (secrets only), then default.
var settings = []setting{
	{
		flag: "token", env: "IPAI_CONNECTORS_TOKEN", secret: true,
		help:  "the instance token that webhook callers present",
		apply: applyToken,
	},
	{
		flag: "secret-key", env: "IPAI_CONNECTORS_SECRET_KEY", secret: true,
		help: "32 bytes in hex or base64 that seal the connections' " +
			"signing secrets (make one with: openssl rand -hex 32)",
		apply: func(c *Config, v string) error {
			c.SecretKey = connectors.Secret(v)
			return nil
		},
	},
	{
		flag: "addr", env: "IPAI_CONNECTORS_ADDR", def: ":8069",
		help:  "the address the HTTP server listens on",
		apply: func(c *Config, v string) error { c.Addr = v; return nil },
	},
	{
		flag: "db", env: "IPAI_CONNECTORS_DB", def: "ipai-connectors.db",
		help: "the store: a SQLite file path, or a PostgreSQL URL " +
			"(postgres://user:password@host:5432/db?sslmode=require)",
		apply: applyDB,
	},
	{
		flag: "db-pool-size", env: "IPAI_CONNECTORS_DB_POOL_SIZE", def: "10",
		help: "PostgreSQL only: the most connections one instance opens " +
			"for reads and moves (ingest writes use one more)",
		apply: applyDBPoolSize,
	},
	{
		flag: "max-body-bytes", env: "IPAI_CONNECTORS_MAX_BODY_BYTES",
		def:   "26214400",
		help:  "the largest request body accepted, in bytes",
		apply: applyMaxBodyBytes,
	},
	{
		flag: "rejection-retention", env: "IPAI_CONNECTORS_REJECTION_RETENTION",
		def: "720h",
		help: "how long rejected requests are kept, as a duration such as " +
			"720h (30 days); 0 keeps them for ever",
		apply: applyRejectionRetention,
	},
	{
		flag: "event-retention", env: "IPAI_CONNECTORS_EVENT_RETENTION",
		def: "0",
		help: "PostgreSQL: how long events are kept, as a duration such as " +
			"8760h; whole months older than that are dropped daily; 0 keeps " +
			"them for ever",
		apply: applyEventRetention,
	},
	{
		flag: "trusted-proxies", env: "IPAI_CONNECTORS_TRUSTED_PROXIES",
		help: "comma-separated proxy addresses or CIDRs whose " +
			"X-Forwarded-For is believed; empty: none",
		apply: applyTrustedProxies,
	},
	{
		flag: "secure-cookies", env: "IPAI_CONNECTORS_SECURE_COOKIES",
		def: "false",
		help: "mark admin cookies Secure even over plain HTTP, as behind " +
			"a proxy that ends TLS (they are Secure anyway over TLS)",
		apply: applySecureCookies,
	},
	{
		flag: "log-format", env: "IPAI_CONNECTORS_LOG_FORMAT", def: "text",
		help:  "log format: text or json",
		apply: applyLogFormat,
	},
	{
		flag: "log-level", env: "IPAI_CONNECTORS_LOG_LEVEL", def: "info",
		help:  "least log level written: debug, info, warn or error",
		apply: applyLogLevel,
	},
}

func applyDB(c *Config, v string) error {
	if v == "" {
		return errors.New("want a SQLite file path or a PostgreSQL URL")
	}
	c.DB = v
	return nil
}

func applyDBPoolSize(c *Config, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return fmt.Errorf("%q is not a positive whole number of connections", v)
	}
	c.DBPoolSize = n
	return nil
}

func applyRejectionRetention(c *Config, v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return fmt.Errorf("%q is not a duration such as 720h, or 0", v)
	}
	// Failed sign-ins are counted from the rejections of the last 15
	// minutes: a shorter retention would forget them.
	if d != 0 && d < time.Hour {
		return fmt.Errorf("%s is too short: keep rejections at least 1h, or 0 for ever", d)
	}
	c.RejectionRetention = d
	return nil
}

func applyEventRetention(c *Config, v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return fmt.Errorf("%q is not a duration such as 8760h, or 0", v)
	}
	// A month is the smallest thing dropped: less would drop the current
	// month's events as soon as the next begins.
	if d != 0 && d < 31*24*time.Hour {
		return fmt.Errorf("%s is too short: keep events at least 744h (31 days), "+
			"or 0 for ever", d)
	}
	c.EventRetention = d
	return nil
}

// maxBodyLimit is the largest body limit that can be set: bodies are
// held in memory whole, so a larger limit is a way to run out of it.
const maxBodyLimit = 1 << 30

func applyMaxBodyBytes(c *Config, v string) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return fmt.Errorf("%q is not a positive whole number of bytes", v)
	}
	if n > maxBodyLimit {
		return fmt.Errorf("%d is over the largest limit, %d bytes (1 GiB)", n, maxBodyLimit)
	}
	c.MaxBodyBytes = n
	return nil
}

// applyToken takes the token without surrounding space, which is never
// part of a token but often of a pasted one.
func applyToken(c *Config, v string) error {
	c.Token = connectors.Secret(strings.TrimSpace(v))
	return nil
}

func applyTrustedProxies(c *Config, v string) error {
	prefixes, err := requestlog.ParseTrusted(v)
	if err != nil {
		return err
	}
	c.TrustedProxies = prefixes
	return nil
}

func applySecureCookies(c *Config, v string) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("%q is not true or false", v)
	}
	c.SecureCookies = b
	return nil
}

func applyLogFormat(c *Config, v string) error {
	if v != "text" && v != "json" {
		return fmt.Errorf("%q is not a log format: want text or json", v)
	}
	c.LogFormat = v
	return nil
}

var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug,
	"info":  slog.LevelInfo,
	"warn":  slog.LevelWarn,
	"error": slog.LevelError,
}

func applyLogLevel(c *Config, v string) error {
	level, ok := logLevels[v]
	if !ok {
		return fmt.Errorf("%q is not a log level: want debug, info, warn or error", v)
	}
	c.LogLevel = level
	return nil
}

func lookupSetting(name string) *setting {
	for i := range settings {
		if settings[i].flag == name {
			return &settings[i]
		}
	}
	panic("cli: no setting named " + name)
}

// boundSettings are the settings one command declares, bound to its flags.
type boundSettings struct {
	rows  []*setting
	flags map[string]*string
}

// bindSettings declares the named settings as flags of fs. The flags have
// no default of their own, so that an unset flag can give way to the
// environment.
func bindSettings(fs *flag.FlagSet, names ...string) *boundSettings {
	b := &boundSettings{flags: make(map[string]*string)}
	for _, name := range names {
		s := lookupSetting(name)
		b.rows = append(b.rows, s)
		b.flags[name] = fs.String(name, "", s.help)
	}
	return b
}

// resolve applies the settings in order of precedence. fs must be parsed.
// An error names the variable and the flag; it never holds a secret.
func (b *boundSettings) resolve(fs *flag.FlagSet, env Env) (Config, error) {
	set := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	var c Config
	for _, s := range b.rows {
		v, err := b.value(s, set[s.flag], env)
		if err != nil {
			return Config{}, err
		}
		if err := s.apply(&c, v); err != nil {
			return Config{}, s.errorf(err)
		}
	}
	return c, nil
}

// value returns a setting's raw value from the first source that has one.
// An empty environment variable counts as unset.
func (b *boundSettings) value(s *setting, flagSet bool, env Env) (string, error) {
	if flagSet {
		return *b.flags[s.flag], nil
	}
	if v, ok := env.lookup(s.env); ok && v != "" {
		return v, nil
	}
	if !s.secret {
		return s.def, nil
	}
	path, ok := env.lookup(s.env + "_FILE")
	if !ok || path == "" {
		return s.def, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		// The error names the path, which is not secret, never the
		// contents.
		return "", fmt.Errorf("%s_FILE: %w", s.env, err)
	}
	return strings.TrimSpace(string(data)), nil
}

// errorf names the setting in err. A secret's error is replaced whole, in
// case it quotes the value.
func (s *setting) errorf(err error) error {
	if s.secret {
		return fmt.Errorf("%s (--%s): not a usable value", s.env, s.flag)
	}
	return fmt.Errorf("%s (--%s): %w", s.env, s.flag, err)
}

// print writes one paragraph per setting: flag, variable, default
// and help. Values in force are never printed, so no secret can leak.
func (b *boundSettings) print(w io.Writer) {
	if len(b.rows) == 0 {
		return
	}
	fmt.Fprintln(w, "\nSettings (flag, then environment variable, then default):")
	for _, s := range b.rows {
		fmt.Fprintf(w, "  --%s, %s", s.flag, s.env)
		if s.secret {
			fmt.Fprintf(w, " or %s_FILE", s.env)
		}
		fmt.Fprintf(w, " (default %q)\n", s.def)
		fmt.Fprintf(w, "\t%s\n", s.help)
	}
}

// newLogger returns the logger a command writes to w, in the configured
// format and level.
func newLogger(w io.Writer, c Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
