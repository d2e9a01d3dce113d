package cli

import "testing"

// attack is what a client could send as a source name, an event type or
// a detail: it sets the terminal's title, rings the bell and clears the
// screen when printed raw.
const attack = "\u001b]0;pwned\u0007\u001b[2J"

// attackShown is attack as the text output must show it.
const attackShown = `\x1b]0;pwned\x07\x1b[2J`

func TestPrintable_EscapesTerminalControls(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"naïve café ✓ \ufffd", "naïve café ✓ \ufffd"},
		{attack, attackShown},
		{"a\tb\nc\rd\x00", `a\x09b\x0ac\x0dd\x00`},
		{"del\x7f", `del\x7f`},
		{"csi\u009b31m nel\u0085", `csi\u009b31m nel\u0085`},
		{"user\u202egpj.exe", `user\u202egpj.exe`},
		{"\u202a\u202b\u202c\u202d", `\u202a\u202b\u202c\u202d`},
		{"\u2066\u2067\u2068\u2069", `\u2066\u2067\u2068\u2069`},
		{"bad \xff\x9b utf-8", `bad \xff\x9b utf-8`},
		{"\u00a0 and \u200f stay", "\u00a0 and \u200f stay"},
	}
	for _, tt := range tests {
		if got := printable(tt.in); got != tt.want {
			t.Errorf("printable(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCell_FoldsWhitespaceThenEscapes(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", "-"},
		{" \t\n ", "-"},
		{"  two\n\tlines  ", "two lines"},
		{"title " + attack + " end", `title \x1b]0;pwned\x07\x1b[2J end`},
		{"row\rover\bwrite", `row over\x08write`},
	}
	for _, tt := range tests {
		if got := cell(tt.in); got != tt.want {
			t.Errorf("cell(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPrintableLines_KeepsLineBreaksOnly(t *testing.T) {
	t.Parallel()
	in := "{\n  \"a\": \"\u202eb\x7f\"\r\n}\r\rx\tz\r"
	want := "{\n  \"a\": \"\\u202eb\\x7f\"\r\n}\\x0d\\x0dx\\x09z\\x0d"
	if got := printableLines(in); got != want {
		t.Errorf("printableLines(%q): got %q, want %q", in, got, want)
	}
}

func TestMarshal_EscapesWhatEncodingJSONLeavesRaw(t *testing.T) {
	t.Parallel()
	in := map[string]string{"s": attack + "\x7f\u009b\u202e\u2069 <&> é"}
	want := `{"s":"\u001b]0;pwned\u0007\u001b[2J\u007f\u009b\u202e\u2069 <&> é"}`
	got, err := marshal(in)
	if err != nil || string(got) != want {
		t.Errorf("marshal: got %s, %v; want %s", got, err, want)
	}
}
