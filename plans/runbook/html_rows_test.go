package runbook

import (
	"html/template"
	"math/rand"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/journal"
)

// The row templates the Go writers replaced (html_rows.go), kept as the reference: the writers
// must give the same bytes for any text and any combination of columns and statuses.
var rowTemplates = template.Must(template.New("rows").Funcs(template.FuncMap{"mark": statusMark}).Parse(`
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
{{- end}}`))

func TestRowWritersMatchTheTemplates(t *testing.T) {
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
	run := func(name string, data any, got template.HTML) {
		t.Helper()
		var want strings.Builder
		if err := rowTemplates.ExecuteTemplate(&want, name, data); err != nil {
			t.Fatal(err)
		}
		if string(got) != want.String() {
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
		run("group", g, groupRows(g))

		p := &pivotView{}
		for n := rng.Intn(4); n > 0; n-- {
			r := pivotRow{Account: text(), AccountName: text(), After: text(), Blocked: text()}
			for c := rng.Intn(4); c > 0; c-- {
				r.Cells = append(r.Cells, pivotCell{Num: text(), Status: status()})
			}
			p.Rows = append(p.Rows, r)
		}
		run("pivot", p, pivotRows(p))

		q := &queueView{Known: flag(), Email: flag()}
		for n := rng.Intn(4); n > 0; n-- {
			r := queueRow{Pos: text(), Account: text(), AccountName: text(), Email: text(), Into: text(), Prepare: text(),
				Enroll: text(), EnrollID: text(), Blocked: text(), Status: status()}
			if rng.Intn(4) == 0 {
				r.SessionEnd = text()
			}
			q.Rows = append(q.Rows, r)
		}
		run("queue", q, queueRows(q))
	}
}
