package cli

import (
	"context"
	"fmt"
	"runtime"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// versionJSON is the answer of version --json.
type versionJSON struct {
	Version string `json:"version"`
	Go      string `json:"go"`
}

func runVersion(_ context.Context, env Env, args []string) error {
	cl := newCommandLine("version", "", "Print the hub's version")
	asJSON := cl.fs.Bool("json", false, "print a JSON object")

	_, pos, err := cl.parse(env, args)
	if err != nil {
		return err
	}
	if err := cl.wantArgs(pos, 0); err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(env.Stdout, versionJSON{
			Version: connectors.Version,
			Go:      runtime.Version(),
		})
	}
	_, err = fmt.Fprintf(env.Stdout, "ipai-connectors %s (%s)\n",
		connectors.Version, runtime.Version())
	return err
}
