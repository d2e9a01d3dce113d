package admin

import (
	"html/template"
	"strings"
)

// highlight marks up pretty-printed JSON: keys, strings, numbers and
// literals each get a class. It reads the text byte by byte and escapes
// every piece it writes, so that whatever the payload holds is shown as
// text and never read as markup. Text that is not JSON comes out escaped,
// with no classes where it does not parse.
func highlight(text string) string {
	var b strings.Builder
	b.Grow(len(text) * 2)
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '"':
			j := stringEnd(text, i)
			class := "s"
			if isKey(text, j) {
				class = "k"
			}
			span(&b, class, text[i:j])
			i = j
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(text) && strings.IndexByte("0123456789.eE+-", text[j]) >= 0 {
				j++
			}
			span(&b, "n", text[i:j])
			i = j
		case strings.HasPrefix(text[i:], "true"), strings.HasPrefix(text[i:], "null"):
			span(&b, "l", text[i:i+4])
			i += 4
		case strings.HasPrefix(text[i:], "false"):
			span(&b, "l", text[i:i+5])
			i += 5
		default:
			b.WriteString(template.HTMLEscapeString(text[i : i+1]))
			i++
		}
	}
	return b.String()
}

// stringEnd returns the index just past the JSON string starting at i.
func stringEnd(text string, i int) int {
	for j := i + 1; j < len(text); j++ {
		switch text[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(text)
}

// isKey reports whether the string ending at j is an object key.
func isKey(text string, j int) bool {
	for j < len(text) && (text[j] == ' ' || text[j] == '\n' || text[j] == '\t') {
		j++
	}
	return j < len(text) && text[j] == ':'
}

func span(b *strings.Builder, class, s string) {
	b.WriteString(`<span class="j-` + class + `">`)
	b.WriteString(template.HTMLEscapeString(s))
	b.WriteString("</span>")
}
