package runbook

import (
	"bytes"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/plans"
)

// tagPattern finds the start of every element in the HTML: the page's structure. html/template
// escapes "<" in text to "&lt;", so text from a plan can add to the page's text but never to this.
var tagPattern = regexp.MustCompile(`</?[A-Za-z][A-Za-z0-9]*`)

// FuzzTextCannotBreakTheDocument puts arbitrary text where plans carry free text (titles, account
// names, OU paths, reasons, commands) and checks that the Markdown tables keep their columns and
// code fences close, and that the HTML gets no markup from it: the HTML's elements are the same,
// in the same order, as for a harmless text of the same shape, and the text itself is on the
// page (escaped), not lost.
func FuzzTextCannotBreakTheDocument(f *testing.F) {
	f.Add("a|b `c` <script>x</script> *y* _z_ [l](u)")
	f.Add("line\nbreak\r\n\t| ``` |")
	f.Add("\\|\\")
	f.Add("<")
	f.Add(`"><img src=x onerror=alert(1)>`)
	f.Add("</pre></td></tr></table><h1>")
	f.Add("&lt;b&gt; &amp; &#60;")
	f.Fuzz(func(t *testing.T, text string) {
		md, page := render(t, text)
		checkMarkdownTables(t, md)

		// The same text with every character HTML gives a meaning replaced: whatever structure
		// the text legitimately shapes (line breaks in a command) is shaped the same way.
		harmless := strings.Map(func(r rune) rune {
			if strings.ContainsRune(`<>&"'`, r) {
				return 'x'
			}
			return r
		}, text)
		_, want := render(t, harmless)
		if got, want := tagPattern.FindAllString(page, -1), tagPattern.FindAllString(want, -1); !equal(got, want) {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			t.Fatalf("the text %q changed the HTML's elements (%d, want %d): from element %d, got %s, want %s", text,
				len(got), len(want), i, strings.Join(got[i:min(i+8, len(got))], " "), strings.Join(want[i:min(i+8, len(want))], " "))
		}
		// The account name is printed whole: once unescaped, the page's text holds it (when
		// redaction, which replaces secrets, left it alone, and it is printable on one line).
		if onOneLine(text) && redact(text) == text && strings.TrimSpace(text) == text && text != "" {
			if !strings.Contains(html.UnescapeString(page), text) {
				t.Fatalf("the text %q is not on the HTML page", text)
			}
		}
	})
}

func render(t *testing.T, text string) (md, page string) {
	p := tinyPlan()
	p.Phases[0].Steps[0].Title = text
	p.Phases[0].Steps[0].CLI = []string{"aws x " + text}
	p.Accounts = []plans.AccountDisposition{{AccountID: "111111111111", Name: text, How: plans.HowEnroll, Reason: text}}
	p.OUOrder = []plans.OUEntry{{OUID: "ou-1", Path: text, Order: 1}}
	var m, h bytes.Buffer
	if err := writeMarkdown(&m, build(p, nil, nil)); err != nil {
		t.Fatal(err)
	}
	if err := writeHTML(&h, build(p, nil, nil)); err != nil {
		t.Fatal(err)
	}
	return m.String(), h.String()
}

// checkMarkdownTables fails when a table row has another number of unescaped pipes than the
// table's first row, or when the document ends inside a code fence.
func checkMarkdownTables(t *testing.T, md string) {
	t.Helper()
	cols, fence := -1, ""
	for _, line := range strings.Split(md, "\n") {
		if fence != "" {
			if line == fence {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(line, "```") {
			fence = strings.TrimRight(line, "sh")
			continue
		}
		if !strings.HasPrefix(line, "|") {
			cols = -1
			continue
		}
		n := 0
		for i := 0; i < len(line); i++ {
			if line[i] == '\\' {
				i++
			} else if line[i] == '|' {
				n++
			}
		}
		if cols < 0 {
			cols = n
		} else if n != cols {
			t.Fatalf("table row with %d pipes in a table of %d: %q", n, cols, line)
		}
	}
	if fence != "" {
		t.Fatal("Markdown ends inside a code fence")
	}
}

func onOneLine(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return false
		}
	}
	return true
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
