package admin

import "testing"

func TestHighlight_MarksTokensAndEscapesEverything(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{`{"a": 1}`, `{<span class="j-k">&#34;a&#34;</span>: <span class="j-n">1</span>}`},
		{`["x", -2.5e+3, true, false, null]`,
			`[<span class="j-s">&#34;x&#34;</span>, <span class="j-n">-2.5e+3</span>, ` +
				`<span class="j-l">true</span>, <span class="j-l">false</span>, ` +
				`<span class="j-l">null</span>]`},
		{`{"<k>": "say \"<b>\" & go"}`,
			`{<span class="j-k">&#34;&lt;k&gt;&#34;</span>: ` +
				`<span class="j-s">&#34;say \&#34;&lt;b&gt;\&#34; &amp; go&#34;</span>}`},
		{`"unterminated <i>`, `<span class="j-s">&#34;unterminated &lt;i&gt;</span>`},
		{`<script>`, `&lt;script&gt;`},
	} {
		if got := highlight(c.in); got != c.want {
			t.Errorf("highlight(%s):\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

func TestCut_KeepsWholeCharacters(t *testing.T) {
	t.Parallel()
	got, isCut := cut("aé", 2) // é is two bytes: cutting inside it backs up
	if got != "a" || !isCut {
		t.Errorf("cut: got %q, %v; want \"a\", true", got, isCut)
	}
	if got, isCut := cut("abc", 3); got != "abc" || isCut {
		t.Errorf("cut at length: got %q, %v; want whole", got, isCut)
	}
}
