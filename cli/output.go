package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// writeJSON writes v as one line of JSON. HTML characters are left as they
// are: the reader is a terminal or a script, not a browser.
func writeJSON(w io.Writer, v any) error {
	b, err := marshal(v)
	if err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// marshal encodes v without a trailing newline and without HTML escaping.
// The terminal controls that encoding/json leaves as they are (DEL, C1,
// the bidi overrides) are escaped too, which keeps every string's value.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return escapeJSON(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// escapeJSON rewrites the terminal controls in b, JSON as encoding/json
// writes it, as \uXXXX escapes. Outside its strings such JSON holds ASCII
// only, so every control found is inside a string.
func escapeJSON(b []byte) []byte {
	if !bytes.ContainsFunc(b, isTerminalControl) {
		return b
	}
	var out bytes.Buffer
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if isTerminalControl(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
		} else {
			out.Write(b[:size])
		}
		b = b[size:]
	}
	return out.Bytes()
}

// jsonObject writes a JSON object key by key. It exists for the payloads:
// encoding/json compacts any raw value it is given, and a stored payload
// must come out byte for byte as it was received.
type jsonObject struct {
	buf bytes.Buffer
	n   int
	err error
}

func (o *jsonObject) key(k string) {
	if o.n == 0 {
		o.buf.WriteByte('{')
	} else {
		o.buf.WriteByte(',')
	}
	o.n++
	o.buf.WriteString(`"` + k + `":`)
}

// field writes k with v encoded by encoding/json.
func (o *jsonObject) field(k string, v any) {
	b, err := marshal(v)
	if err != nil && o.err == nil {
		o.err = fmt.Errorf("encode %s: %w", k, err)
	}
	o.key(k)
	o.buf.Write(b)
}

// raw writes k with raw, which must be valid JSON, exactly as it is. An
// empty raw value is written as null.
func (o *jsonObject) raw(k string, raw []byte) {
	o.key(k)
	if len(raw) == 0 {
		o.buf.WriteString("null")
		return
	}
	o.buf.Write(raw)
}

// bytes returns the finished object.
func (o *jsonObject) bytes() ([]byte, error) {
	if o.n == 0 {
		o.buf.WriteByte('{')
	}
	o.buf.WriteByte('}')
	return o.buf.Bytes(), o.err
}

// jsonArray joins encoded items into a JSON array.
func jsonArray(items [][]byte) []byte {
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, item := range items {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(item)
	}
	buf.WriteByte(']')
	return buf.Bytes()
}

// jsonTime is a time as RFC 3339 with nanoseconds in UTC, or null when it
// is the zero time.
func jsonTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
}

// humanTime is a time for a table: UTC to the second, "-" when unset.
func humanTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// cell is a value for a table cell: never empty, so that columns stay
// aligned, on one line, and printable.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "-"
	}
	return printable(s)
}

// printable returns s with everything that could drive a terminal
// escaped: C0 controls, DEL and bytes that are not UTF-8 as \xNN, C1
// controls and the bidi overrides as \uNNNN. Clients choose much of what
// the commands print; through printable none of it can move the cursor,
// set the window's title, clear the screen or reorder a line.
func printable(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, isTerminalControl) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case isTerminalControl(r) && r < utf8.RuneSelf:
			fmt.Fprintf(&b, `\x%02x`, r)
		case isTerminalControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String()
}

// printableLines is printable for text of several lines: the line breaks,
// LF or CRLF, stay; everything else is escaped.
func printableLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		line, crlf := strings.CutSuffix(line, "\r")
		if crlf && i < len(lines)-1 {
			lines[i] = printable(line) + "\r"
			continue
		}
		lines[i] = printable(lines[i])
	}
	return strings.Join(lines, "\n")
}

// isTerminalControl reports whether r is a control character (C0, DEL,
// C1) or a bidi override or isolate: a terminal may act on any of them
// instead of showing it.
func isTerminalControl(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}
