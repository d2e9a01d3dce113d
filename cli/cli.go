// Package cli is the ipai-connectors command line: it reads the
// configuration, opens the store and runs the HTTP server or one operator
// command. It is the wiring layer; the work is done by the store engines,
// ingest and requestlog.
//
// Commands write only to the streams in their Env, so tests run them in
// process and read what they print. Exit codes: 0 ok, 1 the operation was
// refused or failed, 2 the command line or configuration is wrong.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"sort"
	"strings"
	"syscall"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// Exit codes.
const (
	ExitOK    = 0 // the command did what was asked
	ExitFail  = 1 // the operation was refused or failed
	ExitUsage = 2 // the command line or configuration is wrong
)

// Env is the world a command sees outside its arguments. Tests fill it
// with buffers and a map; Main fills it from the process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer

	// LookupEnv reads an environment variable; nil reads none.
	LookupEnv func(name string) (string, bool)

	// User names the operator in the history rows that commands write.
	// Empty: the OS user, then $USER, then "cli".
	User string
}

func (e Env) lookup(name string) (string, bool) {
	if e.LookupEnv == nil {
		return "", false
	}
	return e.LookupEnv(name)
}

// actor returns the actor that the operator's moves are recorded under.
func (e Env) actor() connectors.Actor {
	return connectors.UserActor(e.userName())
}

func (e Env) userName() string {
	if e.User != "" {
		return e.User
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if name, ok := e.lookup("USER"); ok && name != "" {
		return name
	}
	return "cli"
}

// Main runs the command named by the process arguments and exits with its
// code. SIGINT and SIGTERM cancel the command's context, which makes serve
// shut down cleanly.
func Main() {
	ctx, stop := signal.NotifyContext(context.Background(),
		os.Interrupt, syscall.SIGTERM)
	env := Env{
		Stdin:     os.Stdin,
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		LookupEnv: os.LookupEnv,
	}
	code := Run(ctx, env, os.Args[1:])
	stop()
	os.Exit(code)
}

// command is one entry of the command table. run gets the arguments after
// the command's name.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env Env, args []string) error
}

// commands lists every command; a group such as "events" is one entry per
// subcommand, so that dispatch is a lookup on one or two words.
func commands() []command {
	cmds := []command{
		{"serve", "run the webhook hub", runServe},
		{"migrate", "bring the store's schema up to date", runMigrate},
		{"events list", "list events, newest first", runEventsList},
		{"events prune", "remove the events of whole months (PostgreSQL)", runEventsPrune},
		{"events show", "show one event and its history", runEventsShow},
		{"rejected list", "list rejected requests, newest first", runRejectedList},
		{"rejected prune", "remove rejected requests recorded before a time", runRejectedPrune},
		{"company create", "add a company", runCompanyCreate},
		{"company list", "list companies", runCompanyList},
		{"send", "post one event as n8n would", runSend},
		{"export", "write every company and event as NDJSON", runExport},
		{"import", "read an export into the store", runImport},
		{"user create", "add a user of the admin interface", runUserCreate},
		{"user list", "list the users", runUserList},
		{"user disable", "disable a user and end their sessions", runUserDisable},
		{"token create", "make a company token, printed once", runTokenCreate},
		{"token list", "list company tokens", runTokenList},
		{"token revoke", "revoke a company token", runTokenRevoke},
		{"connection create", "connect a provider to a URL under /hooks/", runConnectionCreate},
		{"connection list", "list connections", runConnectionList},
		{"connection rotate", "replace a connection's signing secret", runConnectionRotate},
		{"connection disable", "refuse a connection's deliveries", runConnectionDisable},
		{"seed", "write many realistic events fast, for measurements", runSeed},
		{"version", "print the hub's version", runVersion},
	}
	for _, m := range eventMoves {
		cmds = append(cmds, command{
			name:    "events " + m.name,
			summary: "move an event to " + string(m.to),
			run:     m.run,
		})
	}
	return cmds
}

// Run runs the command named by args and returns its exit code. Errors go
// to env.Stderr as "ipai-connectors: <message>".
func Run(ctx context.Context, env Env, args []string) int {
	cmd, rest, ok := findCommand(args)
	if !ok {
		return unknownCommand(env, args)
	}
	err := cmd.run(ctx, env, rest)
	return report(env, err)
}

func findCommand(args []string) (command, []string, bool) {
	for _, n := range []int{2, 1} {
		if len(args) < n {
			continue
		}
		name := strings.Join(args[:n], " ")
		for _, c := range commands() {
			if c.name == name {
				return c, args[n:], true
			}
		}
	}
	return command{}, nil, false
}

func unknownCommand(env Env, args []string) int {
	if len(args) > 0 && isHelp(args[0]) {
		printCommands(env.Stdout)
		return ExitOK
	}
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, "ipai-connectors: no command given")
		fmt.Fprintln(env.Stderr)
		printCommands(env.Stderr)
		return ExitUsage
	}
	var msg string
	if subs := subcommands(args); len(subs) > 0 && (len(args) == 1 || isHelp(args[1])) {
		msg = fmt.Sprintf("%s needs a subcommand: %s",
			args[0], strings.Join(subs, ", "))
	} else {
		msg = fmt.Sprintf("unknown command %q",
			strings.Join(args[:min(len(args), 2)], " "))
	}
	printUsageError(env.Stderr, msg, "")
	return ExitUsage
}

// subcommands lists the subcommands of the group args[0] names, if any.
func subcommands(args []string) []string {
	if len(args) == 0 {
		return nil
	}
	var subs []string
	for _, c := range commands() {
		if sub, ok := strings.CutPrefix(c.name, args[0]+" "); ok {
			subs = append(subs, sub)
		}
	}
	return subs
}

func isHelp(arg string) bool {
	switch arg {
	case "help", "-h", "-help", "--help":
		return true
	}
	return false
}

func printCommands(w io.Writer) {
	fmt.Fprintln(w, "Usage: ipai-connectors COMMAND [flags]\n\nCommands:")
	cmds := commands()
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'ipai-connectors COMMAND --help' for its flags and settings.")
}

// report prints err and maps it to an exit code. A store error is shown by
// its safe message alone; the CLI's own errors carry their context.
func report(env Env, err error) int {
	var help *helpRequest
	var usage *usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &help):
		help.usage(env.Stdout)
		return ExitOK
	case errors.As(err, &usage):
		printUsageError(env.Stderr, usage.msg, usage.command)
		return ExitUsage
	}
	fmt.Fprintf(env.Stderr, "ipai-connectors: %s\n", printableLines(message(err)))
	return ExitFail
}

// printUsageError prints a wrong command line's error and where its usage
// is, and not the usage itself: a screen of flags would bury the one line
// that says what is wrong. An empty command points at the command list.
func printUsageError(w io.Writer, msg, command string) {
	help := "ipai-connectors --help"
	if command != "" {
		help = "ipai-connectors " + command + " --help"
	}
	fmt.Fprintf(w, "ipai-connectors: %s\nRun '%s' for usage.\n",
		printableLines(msg), help)
}

// message is the text shown for a failed command. A store error shows its
// safe message, which for an internal fault is generic.
func message(err error) string {
	var e *connectors.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

// helpRequest is returned when the command line asks for help.
type helpRequest struct{ usage func(io.Writer) }

func (h *helpRequest) Error() string { return "help requested" }

// usageError is a wrong command line or configuration of command.
type usageError struct {
	msg     string
	command string
}

func (u *usageError) Error() string { return u.msg }

// commandLine is one command's flags and declared settings.
type commandLine struct {
	name     string // as typed: "events show"
	args     string // the positional arguments, for the usage line
	summary  string
	fs       *flag.FlagSet
	settings *boundSettings
}

// newCommandLine returns a command line with the named settings declared
// as flags. The caller adds the command's own flags to fs.
func newCommandLine(name, args, summary string, settingNames ...string) *commandLine {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &commandLine{
		name:     name,
		args:     args,
		summary:  summary,
		fs:       fs,
		settings: bindSettings(fs, settingNames...),
	}
}

// parse parses args, allowing flags before and after positional arguments,
// and resolves the settings. It returns the positional arguments.
func (c *commandLine) parse(env Env, args []string) (Config, []string, error) {
	pos, err := c.parseFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		return Config{}, nil, &helpRequest{usage: c.usage}
	}
	if err != nil {
		return Config{}, nil, c.usageErr("%s", err)
	}
	cfg, err := c.settings.resolve(c.fs, env)
	if err != nil {
		return Config{}, nil, c.usageErr("%s", err)
	}
	return cfg, pos, nil
}

// parseFlags runs the flag parser again after each positional argument, so
// that "events show 12 --json" works. After "--" everything is positional.
func (c *commandLine) parseFlags(args []string) ([]string, error) {
	var pos []string
	for {
		if err := c.fs.Parse(args); err != nil {
			return nil, err
		}
		rest := c.fs.Args()
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// wantArgs checks the number of positional arguments.
func (c *commandLine) wantArgs(pos []string, n int) error {
	if len(pos) != n {
		return c.usageErr("%s takes %d argument(s), got %d",
			c.name, n, len(pos))
	}
	return nil
}

func (c *commandLine) usageErr(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), command: c.name}
}

// usage writes the command's usage: its line, its own flags, then its
// settings with their variables and defaults.
func (c *commandLine) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: ipai-connectors %s [flags]", c.name)
	if c.args != "" {
		fmt.Fprintf(w, " %s", c.args)
	}
	fmt.Fprintf(w, "\n\n%s.\n", c.summary)

	own := false
	c.fs.VisitAll(func(f *flag.Flag) {
		if _, isSetting := c.settings.flags[f.Name]; isSetting {
			return
		}
		if !own {
			fmt.Fprintln(w, "\nFlags:")
			own = true
		}
		printFlag(w, f)
	})
	c.settings.print(w)
}

func printFlag(w io.Writer, f *flag.Flag) {
	name, help := flag.UnquoteUsage(f)
	fmt.Fprintf(w, "  --%s", f.Name)
	if name != "" {
		fmt.Fprintf(w, " %s", name)
	}
	if f.DefValue != "" && f.DefValue != "false" {
		fmt.Fprintf(w, " (default %q)", f.DefValue)
	}
	fmt.Fprintf(w, "\n\t%s\n", help)
}
