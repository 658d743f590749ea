package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
)

func runRoot(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	cmd := NewRootCmd(&Factory{IO: ios})
	cmd.SetArgs(args)
	err := cmd.Execute()
	if err != nil {
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), ExitCode(err)
}

// writePlan makes a plan of a testdata organization with lz2ct plan itself.
func writePlan(t *testing.T, dir, org string) string {
	t.Helper()
	path := filepath.Join(dir, "plan.json")
	_, errOut, code := runRoot(t, "plan", "--snapshot", "../testdata/orgs/"+org+".json",
		"--settings", "../testdata/settings/"+org+".yaml", "-o", path)
	if code != 0 {
		t.Fatalf("lz2ct plan exit %d: %s", code, errOut)
	}
	return path
}

func TestRunbookFlags(t *testing.T) {
	t.Setenv("USER", "jdoe")
	tests := []struct {
		args []string
		want RunbookOptions
	}{
		{[]string{"--plan", "p.json"}, RunbookOptions{Plan: "p.json", Operator: "jdoe"}},
		{[]string{"--plan", "p.json", "--format", "html", "-o", "r.html", "--operator", "Jane Doe", "--state", "st"},
			RunbookOptions{Plan: "p.json", Format: "html", Output: "r.html", Operator: "Jane Doe", State: "st"}},
		{[]string{"--state", "st", "--operator", ""}, RunbookOptions{State: "st"}},
	}
	for _, tt := range tests {
		ios, _, _, _ := iostreams.Test()
		var got *RunbookOptions
		cmd := NewCmdRunbook(&Factory{IO: ios}, func(o *RunbookOptions) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if got.Plan != tt.want.Plan || got.Format != tt.want.Format || got.Output != tt.want.Output ||
			got.Operator != tt.want.Operator || got.State != tt.want.State {
			t.Errorf("%v: got %+v", tt.args, *got)
		}
	}
}

func TestRunbookFormatFromExtension(t *testing.T) {
	tests := []struct{ format, output, want string }{
		{"", "runbook.html", "html"}, {"", "RUNBOOK.HTM", "html"}, {"", "runbook.md", "markdown"},
		{"", "", "markdown"}, {"md", "x.html", "markdown"}, {"HTML", "", "html"},
	}
	for _, tt := range tests {
		got, err := runbookFormat(tt.format, tt.output)
		if err != nil || got != tt.want {
			t.Errorf("runbookFormat(%q, %q) = %q, %v; want %q", tt.format, tt.output, got, err, tt.want)
		}
	}
	if _, err := runbookFormat("pdf", ""); err == nil {
		t.Error("--format pdf accepted")
	}
}

func TestRunbookBadInputExits2(t *testing.T) {
	dir := t.TempDir()
	plan := writePlan(t, dir, "alz2-typical")
	other := writePlan(t, t.TempDir(), "alz1-legacy")
	// A state folder whose run executes the alz2 plan.
	state := filepath.Join(dir, "state")
	if err := os.MkdirAll(state, 0o755); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(plan)
	if err := os.WriteFile(journal.PlanPath(state), data, 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"version":2,"nope":true}`), 0o644)
	old := filepath.Join(dir, "old.json")
	os.WriteFile(old, []byte(`{"version":1,"phases":[]}`), 0o644)
	badJournal := filepath.Join(dir, "badjournal")
	os.MkdirAll(badJournal, 0o755)
	os.WriteFile(journal.Path(badJournal), []byte("garbage\n"), 0o644)
	out := filepath.Join(dir, "out.md")

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"nothing to print", nil, "--plan"},
		{"unknown format", []string{"--plan", plan, "--format", "pdf"}, "use markdown or html"},
		{"missing plan", []string{"--plan", filepath.Join(dir, "nope.json")}, "no such file"},
		{"invalid plan", []string{"--plan", bad}, "unknown field"},
		{"plan of format 1", []string{"--plan", old}, "re-plan with this lz2ct"},
		{"missing state folder", []string{"--plan", plan, "--state", filepath.Join(dir, "nostate")}, "state folder"},
		{"state without a plan", []string{"--state", t.TempDir()}, "has no plan.json"},
		{"malformed journal", []string{"--plan", plan, "--state", badJournal}, "line 1"},
		{"plan of another run", []string{"--plan", other, "--state", state}, "not the plan the run"},
		{"stray argument", []string{"--plan", plan, "extra"}, "no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"runbook", "-o", out}, tt.args...)
			_, errOut, code := runRoot(t, args...)
			if code != ExitBadInput {
				t.Errorf("exit %d, want 2: %s", code, errOut)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("error %q does not mention %q", errOut, tt.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a runbook was written on bad input")
			}
		})
	}
}

func TestRunbookWritesHTMLAndMarkdown(t *testing.T) {
	dir := t.TempDir()
	plan := writePlan(t, dir, "alz2-typical")
	html := filepath.Join(dir, "runbook.html")
	_, errOut, code := runRoot(t, "runbook", "--plan", plan, "-o", html, "--operator", "Jane Doe")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "Wrote "+html+" (html runbook, 7 phases") {
		t.Errorf("stderr: %s", errOut)
	}
	data, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if !strings.HasPrefix(s, "<!DOCTYPE html>") || !strings.Contains(s, "Jane Doe") || !strings.Contains(s, "break-before: page") {
		t.Errorf("not the HTML runbook:\n%.400s", s)
	}

	md, errOut, code := runRoot(t, "runbook", "--plan", plan, "--format", "markdown")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.HasPrefix(md, "# Migration runbook: o-") || strings.Contains(md, "Where the run stands") {
		t.Errorf("markdown runbook on stdout:\n%.400s", md)
	}
}

func TestRunbookShowsTheRunFromTheStateFolder(t *testing.T) {
	state := t.TempDir()
	writePlan(t, state, "alz2-typical") // DIR/plan.json, as apply leaves it
	p, err := plans.Load(journal.PlanPath(state))
	if err != nil {
		t.Fatal(err)
	}
	order := p.OrderedSteps()
	at := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	events := []journal.Event{
		{Time: at, Step: order[0].ID, Event: journal.EventStarted},
		{Time: at.Add(time.Minute), Step: order[0].ID, Event: journal.EventSucceeded},
		{Time: at.Add(2 * time.Minute), Step: order[1].ID, Event: journal.EventStarted},
		{Time: at.Add(3 * time.Minute), Step: order[1].ID, Event: journal.EventFailed, Error: "ThrottlingException: Rate exceeded"},
	}
	for _, e := range events {
		if err := journal.Append(state, e); err != nil {
			t.Fatal(err)
		}
	}
	// Without --plan: the state folder's own plan.
	out, errOut, code := runRoot(t, "runbook", "--state", state)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Where the run stands", "1 done, 0 running, 1 failed", "ThrottlingException: Rate exceeded", "done 2026-11-27 08:01 UTC"} {
		if !strings.Contains(out, want) {
			t.Errorf("runbook lacks %q", want)
		}
	}
	// With the same plan given explicitly it is accepted.
	if _, errOut, code := runRoot(t, "runbook", "--state", state, "--plan", journal.PlanPath(state)); code != 0 {
		t.Errorf("same plan refused: %s", errOut)
	}
}
