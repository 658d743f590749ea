package runstate

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/statefolder"
)

func testPlan(hash string, steps ...string) *plans.Plan {
	p := &plans.Plan{Version: plans.Version, Organization: "o-abc", SnapshotHash: hash}
	ph := plans.Phase{Number: 0, ID: plans.PhaseSafeguard, Name: "Safeguard", EstimateSeconds: 100}
	for _, id := range steps {
		ph.Steps = append(ph.Steps, plans.Step{ID: id, Kind: plans.KindVerify, Title: id, Params: plans.Verify{Condition: id}, EstimateSeconds: 10})
		p.ExecutionOrder = append(p.ExecutionOrder, id)
	}
	p.Phases = []plans.Phase{ph}
	return p
}

func open(t *testing.T, dir string, p *plans.Plan) (*Run, error) {
	t.Helper()
	return Open(Options{Dir: dir, Plan: p, Command: "lz2ct apply"})
}

func TestThePlanIsPinnedOnceARunStarted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "o-abc")
	p := testPlan("sha256:aa", "a", "b")
	r, err := open(t, dir, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Messages) != 1 || !strings.Contains(r.Messages[0], "plan pinned") {
		t.Errorf("messages %q", r.Messages)
	}
	if _, err := os.Stat(filepath.Join(dir, journal.FileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open created the journal before anything was recorded (%v)", err)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "plan.json"): 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want %o", path, fi.Mode().Perm(), err, want)
		}
	}
	// A second run on the same folder is refused while the first holds it.
	if _, err := open(t, dir, p); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "lz2ct apply (pid") {
		t.Errorf("second Open = %v", err)
	}
	r.Close()

	// Before any event, another plan replaces the pinned one.
	other := testPlan("sha256:bb", "a", "c")
	r, err = open(t, dir, other)
	if err != nil || !strings.Contains(strings.Join(r.Messages, " "), "replaces") {
		t.Fatalf("re-plan before any event: %v %q", err, r.Messages)
	}
	w, err := r.Writer()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(journal.Event{Step: "a", Event: journal.EventStarted}); err != nil {
		t.Fatal(err)
	}
	r.Close()

	// Once an event is written: another snapshot's plan, or other content, is refused, and the
	// pinned plan is left as it was.
	pinned, _ := os.ReadFile(filepath.Join(dir, "plan.json"))
	if _, err := open(t, dir, p); !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "another snapshot") {
		t.Errorf("plan of another snapshot: %v", err)
	}
	changed := testPlan("sha256:bb", "a", "c")
	changed.Phases[0].Steps[1].Title = "edited"
	if _, err := open(t, dir, changed); !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "other content") {
		t.Errorf("edited plan: %v", err)
	}
	foreign := testPlan("sha256:bb", "a", "c")
	foreign.Organization = "o-zzz"
	if _, err := open(t, dir, foreign); !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "o-zzz") {
		t.Errorf("another organization's plan: %v", err)
	}
	if now, _ := os.ReadFile(filepath.Join(dir, "plan.json")); string(now) != string(pinned) {
		t.Error("a refused plan changed plan.json")
	}
	// The same plan, and resume (no plan given), open the folder.
	for _, given := range []*plans.Plan{other, nil} {
		r, err := open(t, dir, given)
		if err != nil {
			t.Fatalf("Open(%v): %v", given != nil, err)
		}
		if r.Plan.SnapshotHash != "sha256:bb" || r.State.Step("a").Status != journal.Running {
			t.Errorf("run state %+v", r.State.Step("a"))
		}
		r.Close()
	}
}

func TestADamagedJournalChangesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "o-abc")
	r, err := open(t, dir, testPlan("", "a"))
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	bad := `{"time":"2026-11-27T08:00:00Z","step":"a","event":"started"}` + "\n" + "garbage\n" + `{"time":"2026-11-27T08:00:00Z","step":"a","event":"succ`
	if err := os.WriteFile(filepath.Join(dir, journal.FileName), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Open(Options{Dir: dir, Command: "lz2ct resume"})
	if err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("Open = %v", err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, journal.FileName)); string(data) != bad {
		t.Error("the damaged journal was changed (its torn tail cut) although the run was refused")
	}
	if h, _, _ := (statefolder.Folder{Dir: dir}).ReadLock(); h != nil {
		t.Errorf("the lock is still held by %+v", h)
	}
}

func TestATornTailIsCutWithAMessage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "o-abc")
	r, err := open(t, dir, testPlan("", "a"))
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	torn := `{"time":"2026-11-27T08:00:00Z","step":"a","event":"started"}` + "\n" + `{"time":"2026-11-27T08:01:00Z","step":"a","ev`
	os.WriteFile(filepath.Join(dir, journal.FileName), []byte(torn), 0o600)
	r, err = Open(Options{Dir: dir, Command: "lz2ct resume"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !r.State.TornTail {
		t.Error("the torn tail was not seen")
	}
	if _, err := r.Writer(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(r.Messages, " "), "cut short") {
		t.Errorf("messages %q", r.Messages)
	}
}

func TestResumeNeedsAPlan(t *testing.T) {
	_, err := Open(Options{Dir: t.TempDir(), Command: "lz2ct resume"})
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "lz2ct apply --plan") {
		t.Errorf("Open = %v", err)
	}
}

func TestReport(t *testing.T) {
	p := testPlan("", "a", "b", "c", "d")
	st := journal.NewState()
	t0 := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	for _, ev := range []journal.Event{
		{Time: t0, Step: "a", Event: journal.EventStarted},
		{Time: t0.Add(20 * time.Second), Step: "a", Event: journal.EventSucceeded}, // took twice its estimate
		{Time: t0.Add(21 * time.Second), Step: "b", Event: journal.EventStarted},
		{Time: t0.Add(22 * time.Second), Step: "b", Event: journal.EventFailed, Error: "AccessDenied", Advice: "grant it"},
		{Time: t0.Add(23 * time.Second), Step: "c", Event: journal.EventWaiting},
		{Time: t0.Add(24 * time.Second), Event: journal.EventRun, By: "ops", Note: "stopped by the user"},
	} {
		st.Apply(ev)
	}
	r, err := Build("dir", p, st, nil, false, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if r.Counts != (Counts{Done: 1, Failed: 1, Waiting: 1, NotStarted: 1}) {
		t.Errorf("counts %+v", r.Counts)
	}
	if r.ElapsedSeconds != 24 || r.Factor != 2 || r.RemainingSeconds != 150 {
		t.Errorf("elapsed %d factor %v remaining %d; want 24, 2, 150 (3/4 of 100 s, twice as slow)", r.ElapsedSeconds, r.Factor, r.RemainingSeconds)
	}
	if r.LastRun == nil || r.LastRun.Note != "stopped by the user" {
		t.Errorf("last run %+v", r.LastRun)
	}
	if s := r.Phases[0].Steps[1]; s.Error != "AccessDenied" || s.Advice != "grant it" {
		t.Errorf("step b %+v", s)
	}
	r, _ = Build("dir", p, st, nil, true, t0.Add(time.Hour))
	if r.ElapsedSeconds != 3600 {
		t.Errorf("an active run's elapsed time runs to now: %d", r.ElapsedSeconds)
	}
}

func TestReportSaysWhichFindingBlocksWhichStep(t *testing.T) {
	p := testPlan("", "a", "b", "c", "d")
	steps := p.Phases[0].Steps
	steps[1].Blocked = "account.reserved-names: 1 account carries aws-controltower-ReadOnlyExecutionRole"
	steps[2].DependsOn = []string{"b"}
	steps[3].Blocked = "blocked too, but already done by an earlier plan's run"
	st := journal.NewState()
	t0 := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	st.Apply(journal.Event{Time: t0, Step: "d", Event: journal.EventStarted})
	st.Apply(journal.Event{Time: t0, Step: "d", Event: journal.EventSucceeded})
	r, err := Build("dir", p, st, nil, false, t0)
	if err != nil {
		t.Fatal(err)
	}
	got := r.Phases[0].Steps
	if got[0].Blocked != "" || got[0].BehindBlocked {
		t.Errorf("a is not blocked: %+v", got[0])
	}
	if got[1].Blocked != steps[1].Blocked || got[1].BehindBlocked {
		t.Errorf("b carries its finding: %+v", got[1])
	}
	if got[2].Blocked != "" || !got[2].BehindBlocked {
		t.Errorf("c waits for b: %+v", got[2])
	}
	if got[3].Blocked != "" || got[3].BehindBlocked {
		t.Errorf("d is done: nothing blocks it any more: %+v", got[3])
	}
}

// A demo's run goes faster than AWS and says so in its run event: status reads its durations back
// in AWS's time (a step that took 1 s at x20 took 20 s: twice its 10 s estimate).
func TestReportOfAScaledRun(t *testing.T) {
	p := testPlan("", "a", "b")
	st := journal.NewState()
	t0 := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	for _, ev := range []journal.Event{
		{Time: t0, Event: journal.EventRun, By: "demo", Note: "started", TimeScale: 20},
		{Time: t0, Step: "a", Event: journal.EventStarted},
		{Time: t0.Add(time.Second), Step: "a", Event: journal.EventSucceeded},
		{Time: t0.Add(time.Second), Event: journal.EventRun, By: "demo", Note: "stopped", TimeScale: 20},
	} {
		st.Apply(ev)
	}
	r, err := Build("dir", p, st, nil, false, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if r.TimeScale != 20 || r.Factor != 2 {
		t.Errorf("time scale %v, factor %v: want 20 and 2", r.TimeScale, r.Factor)
	}
}
