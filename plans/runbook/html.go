package runbook

import (
	"bufio"
	_ "embed"
	"github.com/lz2ct/lz2ct/words"
	"html/template"
	"io"
	"strings"
)

// The HTML runbook is templated directly from the document model rather than converted from the
// Markdown: printing needs structure Markdown cannot carry (a page break before each phase, step
// blocks that do not split across pages, table headers repeated on every page). html/template
// escapes every value, and the rows and steps written in Go (html_rows.go) are escaped the same
// way, so nothing in a plan can inject markup. The file is self-contained: inline CSS, system
// fonts, no scripts, images or links to fetch.

//go:embed runbook.css
var css string

//go:embed runbook.html.tmpl
var htmlSource string

var htmlTmpl = template.Must(template.New("runbook").Funcs(template.FuncMap{
	"css":       func() template.CSS { return template.CSS(css) },
	"join":      strings.Join,
	"stamp":     stamp,
	"blank":     orBlank,
	"plan":      func(d *document) string { return planLine(d, func(s string) string { return s }) },
	"mark":      statusMark,
	"groupRows": groupRows,
	"pivotRows": pivotRows,
	"queueRows": queueRows,
	"stepHTML":  stepHTML,
	"n":         func(n int, unit string) string { return words.Count(n, unit) },
	"dec":       func(i int) int { return i - 1 },
	"inc":       func(i int) int { return i + 1 },
}).Parse(htmlSource))

// statusMark is what a status's checkbox shows.
func statusMark(s statusView) string {
	switch s.Class() {
	case "done":
		return "✓"
	case "failed":
		return "✗"
	case "running":
		return "…"
	}
	return ""
}

func writeHTML(w io.Writer, d *document) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := htmlTmpl.Execute(bw, d); err != nil {
		return err
	}
	return bw.Flush()
}
