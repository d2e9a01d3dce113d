package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// writeJSON writes v as one line of JSON. HTML characters are left as they
// are: the reader is a terminal or a script, not a browser.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// marshal encodes v without a trailing newline and without HTML escaping.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
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
// aligned, and on one line.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return strings.Join(strings.Fields(s), " ")
}
