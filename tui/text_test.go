package tui

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

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

// argv is what /bin/sh makes of a command: its arguments, one a line (printf stands in for aws).
func argv(t *testing.T, script string) string {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal("no sh on the PATH: this test runs the laid-out commands through a POSIX shell")
	}
	out, err := exec.Command(sh, "-c", "args() { printf '%s\\n' \"$@\"; }; "+script).CombinedOutput()
	if err != nil {
		t.Fatalf("sh: %v\n%s\n%s", err, script, out)
	}
	return string(out)
}

// Every step's AWS CLI commands, laid out at any width, are the same command to a shell: the lines
// break between arguments with a continuation, never inside one, and stay within the width unless
// one argument alone is wider.
func TestCommandLinesRunAsTheSameCommand(t *testing.T) {
	_, pv := demoPlan(t)
	var cmds []string
	for _, ph := range pv.Phases {
		for _, st := range ph.Steps {
			for _, c := range st.CLI {
				if !strings.Contains(c, "<") { // placeholders (<arn>) are not shell words; here-documents have their test
					cmds = append(cmds, c)
				}
			}
		}
	}
	cmds = append(cmds, `aws codepipeline disable-stage-transition --pipeline-name AWS-Landing-Zone-CodePipeline --stage-name Build --transition-type Inbound --reason "ALZ decommission (lz2ct)" --region eu-west-1`)
	if len(cmds) < 50 {
		t.Fatalf("only %d commands in the demo plan", len(cmds))
	}
	wide := 0
	for _, width := range []int{40, 58, 78, 118, 138} {
		var orig, laid []string
		for _, c := range cmds {
			lines := commandLines(c, "  ", width)
			for i, l := range lines {
				if ansi.StringWidth(l) > width {
					words := shellWords(strings.TrimSuffix(l, " \\"))
					if len(words) != 1 {
						t.Errorf("width %d: line %q is %d wide and could break between its arguments", width, l, ansi.StringWidth(l))
					}
					wide++
				}
				if last := i == len(lines)-1; last == strings.HasSuffix(l, " \\") {
					t.Errorf("width %d: line %d of %d of %q: the continuation must end every line but the last", width, i+1, len(lines), c)
				}
			}
			orig = append(orig, "args "+strings.TrimPrefix(c, "aws ")+"; echo ---")
			laid = append(laid, "args "+strings.TrimPrefix(strings.TrimSpace(strings.Join(lines, "\n")), "aws ")+"; echo ---")
		}
		if want, got := argv(t, strings.Join(orig, "\n")), argv(t, strings.Join(laid, "\n")); want != got {
			t.Errorf("width %d: the laid-out commands are different commands to sh", width)
			wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
			for i := range min(len(wl), len(gl)) {
				if wl[i] != gl[i] {
					t.Fatalf("first difference at argument %d: %q, want %q", i, gl[i], wl[i])
				}
			}
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
				if strings.Contains(c, "<<'EOF'") {
					doc = c
				}
			}
		}
	}
	if doc == "" {
		t.Fatal("the demo plan has no here-document: pick another command for this test")
	}
	run := func(script string) string {
		dir := t.TempDir()
		cmd := exec.Command("sh", "-c", script)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sh: %v\n%s", err, out)
		}
		data, err := os.ReadFile(filepath.Join(dir, "landing-zone-manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	want := run(doc)
	for _, width := range []int{30, 78, 138} {
		lines := commandLines(doc, "  ", width)
		if got := run(strings.Join(lines, "\n")); got != want {
			t.Errorf("width %d: the laid-out here-document writes\n%s\nwant\n%s", width, got, want)
		}
		if lines[len(lines)-1] != "EOF" {
			t.Errorf("width %d: the terminator is %q", width, lines[len(lines)-1])
		}
	}
}
