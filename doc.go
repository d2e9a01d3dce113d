// Package connectors is the domain of the ipai-connectors hub: events and
// the states they move through, sources, companies, rejected requests, and
// the Store interface that every storage engine implements.
//
// It imports only the standard library. Adapters (the store engines, the
// HTTP surfaces, the CLI) depend on it; it depends on none of them.
package connectors

// Version is the hub's version, reported by the health endpoint and the CLI.
const Version = "0.1.0"
