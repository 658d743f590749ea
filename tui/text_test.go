package tui

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/demodata"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/settings"
)

// demoPlan is the demo organization run through the real checks and planner: the commands and
// texts the screens really show.
func demoPlan(t testing.TB) (*CheckResult, *PlanView) {
	t.Helper()
	snap, err := demodata.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	set := settings.Settings{HomeRegion: "eu-west-1", LogArchiveEmail: "new-log-archive@acme-corp.example",
		AuditEmail: "new-audit@acme-corp.example"}.Resolve(snap)
	report := checks.Run(checks.Input{Snapshot: snap, Settings: set})
	plan, err := plans.Build(snap, set, report)
	if err != nil {
		t.Fatal(err)
	}
	v := NewPlanView(plan)
	return NewCheckResult(report), &v
}

// traced runs script in bash in a fresh folder with aws standing in as a function that records its
// arguments, one a line, and returns what the script left: the record and every file it wrote.
func traced(t *testing.T, script string) string {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("no bash on the PATH: this test runs the laid-out commands through bash (apt-get install bash)")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, "-c", `aws() { printf '%s\n' "$@" >> "$TRACE"; echo ---- >> "$TRACE"; }; sleep() { :; }; `+script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TRACE="+filepath.Join(dir, "trace"))
	out, err := cmd.CombinedOutput()
	if err != nil && ctx.Err() != nil {
		t.Fatalf("bash did not finish: %v\n%s", ctx.Err(), script)
	}
	var b strings.Builder
	b.Write(out)
	_ = filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			data, _ := os.ReadFile(path)
			fmt.Fprintf(&b, "== %s\n%s", strings.TrimPrefix(path, dir), data)
		}
		return nil
	})
	return b.String()
}

// Every step's commands (shell as the runbook gives them: pipes, loops, command substitutions,
// quotes), laid out at any width, do the same in bash: the lines break between arguments with a
// continuation, never inside a word or a quoted string, and stay within the width unless one
// argument alone is wider.
func TestCommandLinesRunAsTheSameCommand(t *testing.T) {
	_, pv := demoPlan(t)
	var cmds []string
	for _, ph := range pv.Phases {
		for _, st := range ph.Steps {
			for _, c := range st.CLI {
				if !strings.Contains(c, "\n") { // here-documents have their own test
					cmds = append(cmds, c)
				}
			}
		}
	}
	if len(cmds) < 50 {
		t.Fatalf("only %d commands in the demo plan", len(cmds))
	}
	want := traced(t, strings.Join(cmds, "\n"))
	if !strings.Contains(want, "describe-policy") {
		t.Fatalf("the trace does not record the aws calls:\n%.2000s", want)
	}
	wide := 0
	for _, width := range []int{40, 58, 78, 118, 138} {
		var laid []string
		for _, c := range cmds {
			lines := commandLines(c, "  ", width)
			for i, l := range lines {
				if ansi.StringWidth(l) > width {
					if words := shellWords(strings.TrimSuffix(l, " \\")); len(words) != 1 {
						t.Errorf("width %d: line %q is %d wide and could break between its arguments", width, l, ansi.StringWidth(l))
					}
					wide++
				}
				if last := i == len(lines)-1; last == strings.HasSuffix(l, " \\") {
					t.Errorf("width %d: line %d of %d of %q: the continuation must end every line but the last", width, i+1, len(lines), c)
				}
			}
			laid = append(laid, strings.Join(lines, "\n"))
		}
		if got := traced(t, strings.Join(laid, "\n")); got != want {
			wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
			for i := range min(len(wl), len(gl)) {
				if wl[i] != gl[i] {
					t.Fatalf("width %d: the laid-out commands do something else in bash; first difference at line %d: %q, want %q", width, i, gl[i], wl[i])
				}
			}
			t.Fatalf("width %d: the laid-out commands do something else in bash (%d lines of trace, want %d)", width, len(gl), len(wl))
		}
	}
	t.Logf("%d commands; %d lines wider than the width hold one argument alone", len(cmds), wide)
}

func TestCommandLinesKeepAnOptionWithItsValue(t *testing.T) {
	got := commandLines("aws cloudformation describe-stack-set-operation --stack-set-name AWS-Landing-Zone-Baseline-EnableConfig --operation-id lz2ct-5136ea40f580ee563e2e1e56 --region eu-west-1", "  ", 78)
	want := []string{
		"  aws cloudformation describe-stack-set-operation \\",
		"      --stack-set-name AWS-Landing-Zone-Baseline-EnableConfig \\",
		"      --operation-id lz2ct-5136ea40f580ee563e2e1e56 --region eu-west-1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Prose wraps at spaces only: an AWS name with hyphens is never split, and a command in the text
// is laid out as a command.
func TestWrapNeverSplitsAName(t *testing.T) {
	s := "re-create the instances: aws cloudformation create-stack-instances --stack-set-name AWS-Landing-Zone-Baseline-EnableConfig (template exported in safeguard)"
	for _, width := range []int{30, 50, 78} {
		got := wrap(s, width)
		for _, l := range strings.Split(got, "\n") {
			if strings.HasSuffix(l, "-") || strings.HasPrefix(strings.TrimSpace(l), "-") && !strings.HasPrefix(strings.TrimSpace(l), "--") {
				t.Errorf("width %d: a word is split at a hyphen: %q", width, l)
			}
		}
		if strings.Join(strings.Fields(strings.ReplaceAll(got, " \\\n", " ")), " ") != s {
			t.Errorf("width %d: wrapping changed the text:\n%s", width, got)
		}
		if !strings.Contains(got, "\naws cloudformation") {
			t.Errorf("width %d: the command does not start a line of its own:\n%s", width, got)
		}
	}
	if got := wrap("• https://docs.aws.amazon.com/controltower/latest/userguide/getting-started-prereqs.html", 40); got != "• https://docs.aws.amazon.com/controltower/latest/userguide/getting-started-prereqs.html" {
		t.Errorf("a bullet left alone on its line:\n%s", got)
	}
	if got := joinWrap([]string{"Accounts: 11 through OU registration", "1 enrolled one by one", "1 management", "2 excluded"}, " · ", 60); got != "Accounts: 11 through OU registration · 1 enrolled one by one\n1 management · 2 excluded" {
		t.Errorf("joinWrap:\n%s", got)
	}
}

// A here-document (the landing zone manifest) keeps its body and terminator as they are: the laid
// out lines write the same file.
func TestCommandLinesKeepAHereDocument(t *testing.T) {
	_, pv := demoPlan(t)
	var doc string
	for _, ph := range pv.Phases {
		for _, st := range ph.Steps {
			for _, c := range st.CLI {
				if hereDoc.MatchString(c) && strings.Contains(c, "\n") {
					doc = c
				}
			}
		}
	}
	if doc == "" {
		t.Fatal("the demo plan has no here-document: pick another command for this test")
	}
	want := traced(t, doc)
	if !strings.Contains(want, "governedRegions") {
		t.Fatalf("the here-document wrote nothing:\n%s", want)
	}
	for _, width := range []int{30, 78, 138} {
		lines := commandLines(doc, "  ", width)
		if got := traced(t, strings.Join(lines, "\n")); got != want {
			t.Errorf("width %d: the laid-out here-document writes\n%s\nwant\n%s", width, got, want)
		}
		if lines[len(lines)-1] != "EOF" {
			t.Errorf("width %d: the terminator is %q", width, lines[len(lines)-1])
		}
	}
}
