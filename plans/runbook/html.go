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
	"plan":      func(p htmlPage) string { return planLine(p.document, func(s string) string { return s }) },
	"mark":      statusMark,
	"groupRows": func(w *bufio.Writer, g *groupView) template.HTML { groupRows(w, g); return "" },
	"pivotRows": func(w *bufio.Writer, p *pivotView) template.HTML { pivotRows(w, p); return "" },
	"queueRows": func(w *bufio.Writer, q *queueView) template.HTML { queueRows(w, q); return "" },
	"stepHTML":  func(w *bufio.Writer, s *stepView) template.HTML { stepHTML(w, s); return "" },
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

// htmlPage is what the template executes: the document, and Out, the writer the template writes
// to, which the Go-written rows and steps (html_rows.go) write to in their place.
type htmlPage struct {
	*document
	Out *bufio.Writer
}

func writeHTML(w io.Writer, d *document) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := htmlTmpl.Execute(bw, htmlPage{d, bw}); err != nil {
		return err
	}
	return bw.Flush()
}
