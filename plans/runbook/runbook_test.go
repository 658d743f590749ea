package runbook_test

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/orggen"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/plans/runbook"
	"github.com/lz2ct/lz2ct/settings"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var orgs = []string{"alz2-typical", "alz1-legacy", "blockers", "alz2-midway", "alz2-existing"}

// variants are testdata settings files for another testdata organization (settings name ->
// organization name).
var variants = map[string]string{"alz2-existing": "alz2-typical"}

// fixed makes the cover deterministic.
var fixed = []runbook.Option{runbook.WithOperator("Test Operator"), runbook.WithTime(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))}

// planFor builds the plan of a testdata organization exactly as lz2ct plan does.
func planFor(t testing.TB, name string) *plans.Plan {
	t.Helper()
	org := name
	if o := variants[name]; o != "" {
		org = o
	}
	path := filepath.Join("..", "..", "testdata", "orgs", org+".json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := inventory.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	s, err := settings.Load(filepath.Join("..", "..", "testdata", "settings", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return planOf(t, snap, s.Resolve(snap), plans.SnapshotHash(data), "testdata/orgs/"+org+".json")
}

func planOf(t testing.TB, snap *inventory.Snapshot, s settings.Settings, hash, from string) *plans.Plan {
	t.Helper()
	rep := checks.Run(checks.Input{Snapshot: snap, Index: inventory.NewIndex(snap), Settings: s})
	p, err := plans.Build(snap, s, rep)
	if err != nil {
		t.Fatal(err)
	}
	p.SnapshotHash = hash
	if from != "" {
		p.CreatedFrom = from
	}
	return p
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./plans/runbook -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file: first difference at line %d\n got: %s\nwant: %s\n(if the change is intended: go test ./plans/runbook -update)",
			path, diffLine(got, want), lineAt(got, diffLine(got, want)), lineAt(want, diffLine(got, want)))
	}
}

func diffLine(a, b []byte) int {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}

func lineAt(b []byte, n int) string {
	l := strings.Split(string(b), "\n")
	if n-1 < len(l) {
		return l[n-1]
	}
	return "<end of file>"
}

func render(t testing.TB, format string, p *plans.Plan, st *journal.State) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	if format == "html" {
		err = runbook.HTML(&buf, p, st, fixed...)
	} else {
		err = runbook.Markdown(&buf, p, st, fixed...)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for _, name := range orgs {
		t.Run(name, func(t *testing.T) {
			p := planFor(t, name)
			md := render(t, "markdown", p, nil)
			html := render(t, "html", p, nil)
			golden(t, name+".md", md)
			golden(t, name+".html", html)

			// Every step of the plan is in both runbooks, by ID, in execution order.
			last := -1
			for _, s := range p.OrderedSteps() {
				if !bytes.Contains(md, []byte(s.ID)) || !bytes.Contains(html, []byte(s.ID)) {
					t.Errorf("step %s missing from a runbook", s.ID)
				}
				at := bytes.Index(html, []byte(`id="`+s.ID+`"`))
				if at >= 0 {
					if at < last {
						t.Errorf("step %s is printed before a step that runs earlier", s.ID)
					}
					last = at
				}
			}
			for _, so := range []string{"phase 0", "phase 1", "phases 2–4", "phase 5", "phase 6"} {
				if !bytes.Contains(html, []byte("Sign-off, "+so)) || !bytes.Contains(md, []byte("Sign-off, "+so)) {
					t.Errorf("no sign-off for %s", so)
				}
			}
			checkSelfContained(t, html)
			// Same input, same bytes.
			if again := render(t, "html", planFor(t, name), nil); !bytes.Equal(again, html) {
				t.Error("HTML runbook is not deterministic")
			}
		})
	}
}

// fetching matches every way an HTML page can make a browser fetch something.
var fetching = regexp.MustCompile(`(?i)<script|<link|<img|<iframe|<object|<embed|<video|<audio|<source|\ssrc\s*=|srcset|@import|url\(|@font-face`)

func checkSelfContained(t *testing.T, html []byte) {
	t.Helper()
	if m := fetching.Find(html); m != nil {
		t.Errorf("HTML runbook fetches something: %q", m)
	}
	// http(s) URLs may only appear as link targets and link text, never as something to load.
	for _, loc := range regexp.MustCompile(`https?://`).FindAllIndex(html, -1) {
		before := string(html[max(0, loc[0]-6):loc[0]])
		if !strings.HasSuffix(before, `href="`) && !strings.HasSuffix(before, `">`) && !strings.HasSuffix(before, ` `) && !strings.HasSuffix(before, `(`) {
			t.Errorf("URL in an unexpected place: %q", html[max(0, loc[0]-40):min(len(html), loc[1]+40)])
		}
	}
	for _, want := range []string{"@page", "break-before: page", "<section class=\"phase\"", "<style>"} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("HTML runbook lacks %q", want)
		}
	}
}

// journalFor writes a state folder for p: the first n steps of the execution order succeeded, the
// next failed, the one after it is running with an AWS operation recorded.
func journalFor(t *testing.T, p *plans.Plan, n int) (string, []*plans.Step) {
	t.Helper()
	dir := t.TempDir()
	w, err := journal.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	order := p.OrderedSteps()
	at := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	add := func(id string, k journal.Kind, op, msg string) {
		at = at.Add(time.Minute)
		if err := w.Append(journal.Event{Time: at, Step: id, Event: k, OperationID: op, Error: msg}); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range order[:n] {
		add(s.ID, journal.EventStarted, "", "")
		add(s.ID, journal.EventSucceeded, "", "")
	}
	add(order[n].ID, journal.EventStarted, "", "")
	add(order[n].ID, journal.EventFailed, "", "AccessDenied: not authorized, request signed with AKIAIOSFODNN7EXAMPLE")
	add(order[n+1].ID, journal.EventStarted, "", "")
	add(order[n+1].ID, journal.EventOperation, "op-0123456789abcdef", "")
	add("account.enroll/999999999999", journal.EventStarted, "", "")
	return dir, order
}

func TestStateStatusesAppear(t *testing.T) {
	p := planFor(t, "alz2-typical")
	const n = 5
	dir, order := journalFor(t, p, n)
	st, err := journal.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	md := render(t, "markdown", p, st)
	html := render(t, "html", p, st)
	for name, doc := range map[string][]byte{"markdown": md, "html": html} {
		s := string(doc)
		for _, want := range []string{
			"done 2026-11-27 08:02 UTC", // the first step's success
			"failed 2026-11-27 08:",     // the failed step
			"AccessDenied: not authorized",
			"running since", "op-0123456789abcdef",
			"account.enroll/999999999999", // the journal step the plan does not have
			"5 done, 1 running, 1 failed",
		} {
			if !strings.Contains(s, want) {
				t.Errorf("%s runbook with state lacks %q", name, want)
			}
		}
		if strings.Contains(s, "AKIAIOSFODNN7EXAMPLE") {
			t.Errorf("%s runbook prints an access key from the journal", name)
		}
		if !strings.Contains(s, order[n].ID) || !strings.Contains(s, order[n+1].ID) {
			t.Errorf("%s runbook does not list the failed and running steps", name)
		}
	}
	if c := strings.Count(string(html), `class="box done"`); c != n {
		t.Errorf("HTML shows %d done boxes, want %d", c, n)
	}
	if c := strings.Count(string(html), `class="box failed"`); c != 1 {
		t.Errorf("HTML shows %d failed boxes, want 1", c)
	}
	if c := strings.Count(string(html), `class="box running"`); c != 1 {
		t.Errorf("HTML shows %d running boxes, want 1", c)
	}
	// The state folder is a temporary directory: name it the same way on every run.
	golden(t, "alz2-typical-state.md", bytes.ReplaceAll(md, []byte(dir), []byte(".lz2ct/o-f4yjsoufrn")))
	// Without state there are no statuses at all.
	plain := string(render(t, "markdown", p, nil))
	if strings.Contains(plain, "not started") || strings.Contains(plain, "Where the run stands") {
		t.Error("runbook without state shows run statuses")
	}
}

func TestNoCredentialsEvenIfThePlanHasThem(t *testing.T) {
	p := planFor(t, "alz2-typical")
	s := &p.Phases[1].Steps[0]
	s.CLI = append(s.CLI, "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY aws sts get-caller-identity")
	s.Why += " aws_session_token=FwoGZXIvYXdzEJrSESSION"
	for _, format := range []string{"markdown", "html"} {
		out := string(render(t, format, p, nil))
		for _, secret := range []string{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI", "FwoGZXIvYXdzEJrSESSION"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s runbook prints %q", format, secret)
			}
		}
	}
}

func TestHTMLEscapesPlanText(t *testing.T) {
	p := planFor(t, "alz2-typical")
	p.Phases[0].Steps[0].Title = `<script>alert(1)</script>`
	out := string(render(t, "html", p, nil))
	if strings.Contains(out, "<script>alert") || !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("plan text is not escaped in the HTML runbook")
	}
}

// bigPlan is a 5,000-account organization's plan.
func bigPlan(t testing.TB) *plans.Plan {
	params := orggen.DefaultParams()
	params.Seed = 5
	params.Accounts = 5000
	params.OUs = 60
	params.Depth = 4
	params.Regions = 3
	snap, err := orggen.Generate(params)
	if err != nil {
		t.Fatal(err)
	}
	s := settings.Settings{LogArchiveEmail: "ct-log@example.org", AuditEmail: "ct-audit@example.org"}.Resolve(snap)
	return planOf(t, snap, s, "sha256:bench", "generated")
}

func TestLargeOrganizationIsGrouped(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 5,000-account plan")
	}
	p := bigPlan(t)
	md := render(t, "markdown", p, nil)
	steps := p.StepCount()
	// A step printed in full takes a heading; grouped steps only a table row. Most steps must be rows.
	headings := bytes.Count(md, []byte("\n#### "))
	if headings*10 > steps {
		t.Errorf("%d step headings for %d steps: per-account steps are not grouped into tables", headings, steps)
	}
	t.Logf("%d steps, %d headings, %d KB Markdown", steps, headings, len(md)/1024)
}

func BenchmarkRunbook5000Accounts(b *testing.B) {
	p := bigPlan(b)
	b.Logf("%d steps, %d accounts", p.StepCount(), len(p.Accounts))
	for _, format := range []string{"markdown", "html"} {
		b.Run(format, func(b *testing.B) {
			var n int
			for b.Loop() {
				var err error
				cw := &countWriter{}
				if format == "html" {
					err = runbook.HTML(cw, p, nil, fixed...)
				} else {
					err = runbook.Markdown(cw, p, nil, fixed...)
				}
				if err != nil {
					b.Fatal(err)
				}
				n = cw.n
			}
			b.ReportMetric(float64(n)/1024, "KB/op")
		})
	}
}

type countWriter struct{ n int }

func (c *countWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)

// TestMarkdownTablesAreWellFormed checks what escaping must guarantee: every row of a GFM table
// has as many cells as its header (a stray "|" in plan text would shift every later column), and
// code fences are closed.
func TestMarkdownTablesAreWellFormed(t *testing.T) {
	for _, name := range orgs {
		p := planFor(t, name)
		// Pipes and backticks in text that lands in table cells.
		for i := range p.Findings {
			p.Findings[i].Title += " a|b `c|d`"
		}
		for i := range p.Accounts {
			p.Accounts[i].Name += "|x"
		}
		md := string(render(t, "markdown", p, nil))
		cols, inFence := -1, false
		for i, line := range strings.Split(md, "\n") {
			if strings.HasPrefix(line, "```") {
				inFence = !inFence
				continue
			}
			if inFence {
				continue
			}
			if !strings.HasPrefix(line, "|") {
				cols = -1
				continue
			}
			n := cells(line)
			if cols < 0 {
				cols = n
			} else if n != cols {
				t.Errorf("%s.md line %d has %d cells, its table %d: %s", name, i+1, n, cols, line)
			}
		}
		if inFence {
			t.Errorf("%s.md ends inside a code fence", name)
		}
	}
}

// cells counts the cells of a table row: pipes not escaped with a backslash, minus the outer two.
func cells(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n - 1
}

// TestKeptListsGuardRefusals: the runbook lists what the migration keeps — the plan's kept[], and,
// once a run's guard refused a deletion (a baseline VPC still in use), that resource with the
// guard's words.
func TestKeptListsGuardRefusals(t *testing.T) {
	p := planFor(t, "alz2-typical")
	var del *plans.Step
	for _, st := range p.OrderedSteps() {
		if st.Kind == plans.KindStackSetDelete {
			del = st
			break
		}
	}
	if del == nil || len(p.Kept) == 0 {
		t.Fatalf("alz2-typical: no StackSet deletion or nothing kept (%d)", len(p.Kept))
	}
	plain := string(render(t, "markdown", p, nil))
	if !strings.Contains(plain, "Appendix C: what the migration keeps") || !strings.Contains(plain, p.Kept[0].Reason) {
		t.Fatal("the plan's kept[] is not in the runbook")
	}
	st := journal.NewState()
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	st.Apply(journal.Event{Time: at, Step: del.ID, Event: journal.EventStarted})
	st.Apply(journal.Event{Time: at, Step: del.ID, Event: journal.EventFailed, Error: plans.GuardRefusedPrefix + "vpc-0abc still has 3 network interfaces"})
	for _, format := range []string{"markdown", "html"} {
		out := string(render(t, format, p, st))
		i := strings.Index(out, "Appendix C")
		if i < 0 || !strings.Contains(out[i:], "vpc-0abc still has 3 network interfaces") || !strings.Contains(out[i:], "guard refused") {
			t.Errorf("%s: the guard's refusal of %s is not among what the migration keeps", format, del.ID)
		}
	}
}
