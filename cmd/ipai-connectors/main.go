// Command ipai-connectors is the inbound webhook hub and its operator
// commands. Run it without arguments for the list of commands.
package main

import "github.com/ipai-ai/ipai-connectors/cli"

func main() { cli.Main() }
