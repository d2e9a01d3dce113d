package ingest

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/requestlog"
)

// redactedLiteral replaces the token's JSON literal in a kept body, so
// that the body stays valid JSON.
var redactedLiteral = []byte(`"` + connectors.Redacted + `"`)

// delivery returns the request that carried an accepted event, with its
// secrets redacted: the token's JSON literal as sent, and the token
// itself wherever else it stands in the body, however the literal was
// escaped. It takes over body: the caller must not use it after.
func delivery(r *http.Request, body []byte, token json.RawMessage) connectors.Delivery {
	body = replaceAll(body, token, redactedLiteral)
	if plain, ok := jsonString(token); ok && plainToken(plain) {
		body = replaceAll(body, []byte(plain), []byte(connectors.Redacted))
	}
	return connectors.Delivery{
		RemoteAddr: clientAddr(r),
		Method:     r.Method,
		Path:       r.URL.Path,
		Header:     connectors.RedactHeader(r.Header),
		Body:       body,
	}
}

// plainToken reports whether a token can be replaced where it stands in
// raw JSON without breaking it: long enough not to match by chance, and
// free of quotes, backslashes and control characters.
func plainToken(s string) bool {
	if len(s) < 8 {
		return false
	}
	for _, c := range []byte(s) {
		if c == '"' || c == '\\' || c < 0x20 {
			return false
		}
	}
	return true
}

// replaceAll replaces every old in b with repl. When repl is no longer
// than old, as with any real token, it works in place in b, sparing a copy
// of a body that may be megabytes; b must not be used after.
func replaceAll(b, old, repl []byte) []byte {
	if len(old) == 0 {
		return b
	}
	if len(repl) > len(old) {
		return bytes.ReplaceAll(b, old, repl)
	}
	// Writes never overtake reads, since each match shrinks or keeps its
	// length, and append moves overlapping bytes safely.
	out, rest := b[:0], b
	for {
		i := bytes.Index(rest, old)
		if i < 0 {
			return append(out, rest...)
		}
		out = append(out, rest[:i]...)
		out = append(out, repl...)
		rest = rest[i+len(old):]
	}
}

// clientAddr returns the client address that requestlog resolved, or the
// direct peer's when the handler runs without the middleware.
func clientAddr(r *http.Request) string {
	if addr := requestlog.RemoteAddr(r.Context()); addr != "" {
		return addr
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
