package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/lz2ct/lz2ct/demodata"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/sim"
	"github.com/lz2ct/lz2ct/statefolder"
	"github.com/lz2ct/lz2ct/tui"
)

// The wizard's backend connects, discovers, checks, plans and exports through the session layer,
// against the simulator over the real SDK; the view models carry what the real report and plan hold.
func TestWizardBackendJourney(t *testing.T) {
	snap, err := demodata.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	srv := sim.New(snap, sim.Options{Seed: 1})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	b := &wizardBackend{demoURL: url}
	defer b.close()
	targets, err := b.Targets()
	if err != nil || len(targets) != 1 || targets[0].Kind != tui.TargetDemo {
		t.Fatalf("demo targets: %+v, %v", targets, err)
	}
	ctx := context.Background()
	id, err := b.Connect(ctx, targets[0])
	if err != nil || !id.Management || id.OrganizationID != snap.Organization.ID || id.EndpointURL != url {
		t.Fatalf("connect: %+v, %v", id, err)
	}
	var stages []string
	got, data, err := b.Discover(ctx, func(p tui.Progress) { stages = append(stages, p.Stage) })
	if err != nil || got.Organization.ID != snap.Organization.ID || len(data) == 0 || len(stages) == 0 {
		t.Fatalf("discover: %v (stages %v)", err, stages)
	}

	set := demodata.Settings(got)
	res, err := b.Check(got, set)
	if err != nil {
		t.Fatal(err)
	}
	if res.Blockers+res.Warnings+res.Infos != len(res.Findings) || res.Blockers == 0 {
		t.Fatalf("counts %d/%d/%d for %d findings", res.Blockers, res.Warnings, res.Infos, len(res.Findings))
	}
	p, err := b.Plan(data, got, set, res)
	if err != nil {
		t.Fatal(err)
	}
	steps := 0
	for _, ph := range p.View.Phases {
		steps += len(ph.Steps)
	}
	if steps != p.Plan.StepCount() || len(p.View.OUs) != len(p.Plan.OUOrder) || p.View.Total != p.Plan.Estimate.Total.UpperDuration() {
		t.Fatalf("view has %d steps, %d OUs, %v; plan %d, %d, %v", steps, len(p.View.OUs), p.View.Total,
			p.Plan.StepCount(), len(p.Plan.OUOrder), p.Plan.Estimate.Total.UpperDuration())
	}
	if p.Plan.SnapshotHash != plans.SnapshotHash(data) {
		t.Fatalf("plan hash %q", p.Plan.SnapshotHash)
	}

	dir := filepath.Join(t.TempDir(), "state")
	if err := b.SaveSnapshot(dir, data); err != nil {
		t.Fatal(err)
	}
	if err := b.SaveSettings(dir, set); err != nil {
		t.Fatal(err)
	}
	if s, err := b.LoadSettings(dir); err != nil || s == nil || s.AuditEmail != set.AuditEmail {
		t.Fatalf("settings read back: %+v, %v", s, err)
	}
	if err := b.SavePlan(dir, p); err != nil {
		t.Fatal(err)
	}
	paths, err := b.Runbooks(dir, p)
	if err != nil || len(paths) != 2 {
		t.Fatalf("runbooks: %v, %v", paths, err)
	}
	for i, want := range []string{"# ", "<html"} {
		data, _ := os.ReadFile(paths[i])
		if !strings.Contains(string(data), want) || !strings.Contains(string(data), snap.Organization.ID) {
			t.Fatalf("%s does not look like a runbook for %s", paths[i], snap.Organization.ID)
		}
	}
	for _, c := range srv.Calls() {
		if c.Mutating {
			t.Errorf("the wizard's session mutated the organization: %+v", c)
		}
	}
}

var ansiSeq = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07`)

// Once a run has started from a state folder (its journal exists), the wizard reopened on that
// folder may review and re-plan, but never rewrites the plan.json the run executes; it says why.
func TestWizardNeverRewritesAStartedRunsPlan(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	writePlan(t, dir, "alz2-typical")
	data, err := os.ReadFile("../testdata/settings/alz2-typical.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, statefolder.Settings), data, 0o600)
	os.WriteFile(filepath.Join(dir, statefolder.Journal), []byte(`{"time":"2026-01-02T03:04:05Z","step":"safeguard/scps","event":"started"}`+"\n"), 0o600)
	before, err := os.ReadFile(filepath.Join(dir, statefolder.Plan))
	if err != nil {
		t.Fatal(err)
	}

	tm := wizardThroughDecisions(t, "../testdata/orgs/alz2-typical.json", dir, 20*time.Second)
	waitFor := func(words ...string) { t.Helper(); waitTeaText(t, tm, 20*time.Second, words...) }
	waitFor("could not save the plan", "a run has started")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))

	after, err := os.ReadFile(filepath.Join(dir, statefolder.Plan))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatal("the wizard rewrote the plan.json of a started run")
	}
	if s, err := settings.Load(filepath.Join(dir, statefolder.Settings)); err != nil || s.LogArchiveEmail == "" {
		t.Fatalf("settings after the session: %+v, %v", s, err)
	}
}

// waitTeaText waits until the wizard's drawn output (escape sequences removed) holds every word.
func waitTeaText(t *testing.T, tm *teatest.TestModel, limit time.Duration, words ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(out []byte) bool {
		// Without spaces and line ends: the screen wraps its text where it fits, so a phrase
		// may come in two lines (a figure's width moves the break).
		plain := noSpace(ansiSeq.ReplaceAll(out, nil))
		for _, w := range words {
			if !bytes.Contains(plain, noSpace([]byte(w))) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(limit), teatest.WithCheckInterval(20*time.Millisecond))
}

// noSpace is b without its white space.
func noSpace(b []byte) []byte {
	return bytes.Join(bytes.Fields(b), nil)
}

// wizardThroughDecisions starts the wizard with the real backend on a snapshot and state folder
// whose saved decisions it submits as they are: past the pre-checks, enter through every field of
// the form, each group's first field waited for so that no key reaches the form before its group.
func wizardThroughDecisions(t *testing.T, snapshot, dir string, limit time.Duration) *teatest.TestModel {
	t.Helper()
	tm := teatest.NewTestModel(t, tui.New(tui.Options{Backend: &wizardBackend{}, Snapshot: snapshot, StateDir: dir,
		Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }}),
		teatest.WithInitialTermSize(140, 40), teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
	waitTeaText(t, tm, limit, "Pre-checks:")
	tm.Send(tea.KeyPressMsg{Code: 'n', Text: "n"})
	for _, g := range []struct {
		first string
		keys  int
	}{{"Home region", 3}, {"Audit account e-mail", 2}, {"Concurrent account operations", 4}, {"Hours per working session", 3}} {
		waitTeaText(t, tm, limit, g.first)
		for range g.keys {
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
		}
	}
	return tm
}
