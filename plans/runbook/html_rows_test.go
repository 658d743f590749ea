package runbook

import (
	"bufio"
	"html/template"
	"math/rand"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/journal"
)

// The row and step templates the Go writers replaced (html_rows.go), kept as the reference: the writers
// must give the same bytes for any text and any combination of columns and statuses.
var rowTemplates = template.Must(template.New("rows").Funcs(template.FuncMap{"mark": statusMark, "join": strings.Join}).Parse(`
{{- define "group"}}{{$c := .Cols}}{{$st := .Counts}}
{{- range .Rows}}
<tr><td class="box-cell"><span class="box {{.Status.Class}}">{{mark .Status}}</span></td><td class="num-cell">{{.Num}}</td><td><code>{{.ID}}</code></td>{{if $c.What}}<td>{{.What}}</td>{{end}}{{if $c.Account}}<td>{{.Account}}{{if .AccountName}} {{.AccountName}}{{end}}</td>{{end}}{{if $c.Email}}<td>{{.Email}}</td>{{end}}{{if $c.Region}}<td>{{.Region}}</td>{{end}}{{if $c.OU}}<td>{{.OU}}</td>{{end}}{{if $c.Resource}}<td>{{.Resource}}</td>{{end}}{{if $c.After}}<td>{{.After}}</td>{{end}}{{if $c.Blocked}}<td class="err">{{.Blocked}}</td>{{end}}{{if $st}}<td><span class="status {{.Status.Class}}">{{.Status.Text}}</span>{{if .Status.Error}}<br><span class="err">{{.Status.Error}}</span>{{end}}</td>{{end}}</tr>
{{- end}}
{{- end}}
{{- define "pivot"}}{{$after := false}}{{$blocked := false}}{{range .Rows}}{{if .After}}{{$after = true}}{{end}}{{if .Blocked}}{{$blocked = true}}{{end}}{{end}}
{{- range .Rows}}
<tr><td>{{.Account}}{{if .AccountName}} {{.AccountName}}{{end}}</td>{{range .Cells}}<td>{{if .Num}}<span class="box {{.Status.Class}}">{{mark .Status}}</span>{{.Num}}{{else}}–{{end}}</td>{{end}}{{if $after}}<td>{{.After}}</td>{{end}}{{if $blocked}}<td class="err">{{.Blocked}}</td>{{end}}</tr>
{{- end}}
{{- end}}
{{- define "queue"}}{{$known := .Known}}{{$email := .Email}}{{$blocked := false}}{{range .Rows}}{{if .Blocked}}{{$blocked = true}}{{end}}{{end}}
{{- range .Rows}}
{{- if .SessionEnd}}
<tr class="session-end"><td colspan="9"><strong>{{.SessionEnd}}</strong></td></tr>
{{- else}}
<tr id="{{.EnrollID}}"><td class="box-cell"><span class="box {{.Status.Class}}">{{mark .Status}}</span></td><td class="num-cell">{{.Pos}}</td><td>{{.Account}}{{if .AccountName}} {{.AccountName}}{{end}}</td><td>{{.Into}}</td><td>{{.Prepare}}</td><td>{{.Enroll}}</td>{{if $email}}<td>{{.Email}}</td>{{end}}{{if $blocked}}<td class="err">{{.Blocked}}</td>{{end}}{{if $known}}<td><span class="status {{.Status.Class}}">{{.Status.Text}}</span></td>{{end}}</tr>
{{- end}}
{{- end}}
{{- end}}
{{- define "step"}}
<div class="step{{if .Destructive}} destructive{{end}}" id="{{.ID}}">
<h4><span class="box {{.Status.Class}}">{{mark .Status}}</span><span class="num">{{.Num}}</span>{{.Title}}</h4>
<div><span class="id">{{.ID}}</span>{{if .Phase}}<span class="tag">{{.Phase}}</span>{{end}}{{if .Destructive}}<span class="tag destructive">DESTRUCTIVE</span>{{end}}{{if .Manual}}<span class="tag manual">MANUAL</span>{{end}}{{if .Blocked}}<span class="tag blocked">BLOCKED</span>{{end}}{{if .Status.Known}} <span class="status {{.Status.Class}}">{{.Status.Text}}</span>{{end}}</div>
{{- if .Status.Error}}
<p class="err">Error: <code>{{.Status.Error}}</code></p>
{{- end}}
{{- if .Blocked}}
<p class="blocked"><strong>Blocked:</strong> {{.Blocked}}</p>
{{- end}}
<dl>
{{- if .Why}}<dt>Why</dt><dd>{{.Why}}</dd>{{end}}
{{- if .Target}}<dt>Target</dt><dd>{{.Target}}</dd>{{end}}
{{- if .DependsOn}}<dt>After</dt><dd>{{range $i, $d := .DependsOn}}{{if $i}}, {{end}}<code>{{$d}}</code>{{end}}</dd>{{end}}
{{- if .Guard}}<dt>Guard</dt><dd>{{.Guard}}</dd>{{end}}
{{- if .Instructions}}<dt>To do</dt><dd><ol>{{range .Instructions}}<li>{{.}}</li>{{end}}</ol></dd>{{end}}
{{- if .Verified}}<dt>Verified by</dt><dd>{{.Verified}}</dd>{{end}}
{{- if .Inputs}}<dt>From earlier steps</dt><dd>{{range $i, $v := .Inputs}}{{if $i}}<br>{{end}}<code>{{$v}}</code>{{end}}</dd>{{end}}
</dl>
{{- if .CLI}}
<pre>{{join .CLI "\n"}}</pre>
{{- end}}
<dl>
{{- if .Expected}}<dt>Expected</dt><dd>{{.Expected}}</dd>{{end}}
{{- if .Rollback}}<dt>Rollback</dt><dd>{{.Rollback}}</dd>{{end}}
</dl>
</div>
{{- end}}`))

func TestHTMLWritersMatchTheTemplates(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	pieces := []string{"", "", "a", "123456789012", "<b>", "x&y", `"q"`, "it's", "a+b", "\x00", "\xff\xfe", "é ✓", "\ufdd0", "--secret", " "}
	text := func() string {
		var b strings.Builder
		for n := rng.Intn(4); n > 0; n-- {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		return b.String()
	}
	statuses := []journal.Status{journal.Done, journal.Running, journal.Failed, ""}
	status := func() statusView {
		return statusView{Known: rng.Intn(3) > 0, Status: statuses[rng.Intn(len(statuses))], Text: text(), Error: text()}
	}
	flag := func() bool { return rng.Intn(2) == 0 }
	run := func(name string, data any, write func(*bufio.Writer)) {
		t.Helper()
		var gotB strings.Builder
		bw := bufio.NewWriter(&gotB)
		write(bw)
		if err := bw.Flush(); err != nil {
			t.Fatal(err)
		}
		got := gotB.String()
		var want strings.Builder
		if err := rowTemplates.ExecuteTemplate(&want, name, data); err != nil {
			t.Fatal(err)
		}
		if got != want.String() {
			t.Fatalf("%s rows:\n got %q\nwant %q", name, got, want.String())
		}
	}
	for i := 0; i < 300; i++ {
		g := &groupView{Cols: groupCols{What: flag(), Account: flag(), Email: flag(), Region: flag(), OU: flag(), Resource: flag(), After: flag(), Blocked: flag()}}
		if flag() {
			g.Counts = &statusCounts{}
		}
		for n := rng.Intn(4); n > 0; n-- {
			g.Rows = append(g.Rows, groupRow{Num: text(), What: text(), ID: text(), Account: text(), AccountName: text(), Email: text(),
				Region: text(), OU: text(), Resource: text(), After: text(), Blocked: text(), Status: status()})
		}
		run("group", g, func(w *bufio.Writer) { groupRows(w, g) })

		p := &pivotView{}
		for n := rng.Intn(4); n > 0; n-- {
			r := pivotRow{Account: text(), AccountName: text(), After: text(), Blocked: text()}
			for c := rng.Intn(4); c > 0; c-- {
				r.Cells = append(r.Cells, pivotCell{Num: text(), Status: status()})
			}
			p.Rows = append(p.Rows, r)
		}
		run("pivot", p, func(w *bufio.Writer) { pivotRows(w, p) })

		q := &queueView{Known: flag(), Email: flag()}
		for n := rng.Intn(4); n > 0; n-- {
			r := queueRow{Pos: text(), Account: text(), AccountName: text(), Email: text(), Into: text(), Prepare: text(),
				Enroll: text(), EnrollID: text(), Blocked: text(), Status: status()}
			if rng.Intn(4) == 0 {
				r.SessionEnd = text()
			}
			q.Rows = append(q.Rows, r)
		}
		run("queue", q, func(w *bufio.Writer) { queueRows(w, q) })

		list := func() []string {
			var out []string
			for n := rng.Intn(3); n > 0; n-- {
				out = append(out, text())
			}
			return out
		}
		sv := &stepView{Num: text(), ID: text(), Phase: text(), Kind: text(), Title: text(), Why: text(), Target: text(), Guard: text(),
			CLI: list(), Expected: text(), Rollback: text(), DependsOn: list(), Inputs: list(), Destructive: flag(), Manual: flag(),
			Blocked: text(), Status: status(), Instructions: list(), Verified: text()}
		run("step", sv, func(w *bufio.Writer) { stepHTML(w, sv) })
	}
}
