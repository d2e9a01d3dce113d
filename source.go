package connectors

import "strings"

// Source is the kind of system an event came from.
type Source string

// The known sources. Any other name is stored as SourceCustom, with the name
// as sent kept beside it.
const (
	SourceN8N    Source = "n8n"
	SourceGitHub Source = "github"
	SourceSlack  Source = "slack"
	SourceCustom Source = "custom"
)

// Sources lists the known sources.
var Sources = []Source{SourceN8N, SourceGitHub, SourceSlack, SourceCustom}

// ParseSource maps a source name as a client sent it to a known source,
// ignoring case and surrounding space; every other name is SourceCustom.
func ParseSource(name string) Source {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, s := range Sources {
		if string(s) == n {
			return s
		}
	}
	return SourceCustom
}

// Valid reports whether s is one of the known sources.
func (s Source) Valid() bool {
	for _, k := range Sources {
		if s == k {
			return true
		}
	}
	return false
}
