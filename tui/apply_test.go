package tui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/lz2ct/lz2ct/settings"
)

// The apply dashboard, the resume offer and the run's summary in a running tea.Program (teatest):
// each screen's keys, and the final frame against goldens at 80×24 and 140×40.

// teaPlan opens the demo snapshot, takes the decisions and waits for the plan; with changes to
// the wizard's options.
func teaPlan(t *testing.T, fake *fakeBackend, w, h int, with ...func(*Options)) *teatest.TestModel {
	t.Helper()
	t.Chdir(t.TempDir())
	// A copy in the working folder: the summary names the snapshot, and its frame must not depend
	// on where the repository is checked out.
	data, err := os.ReadFile(filepath.Join(pkgDir, "..", "testdata", "orgs", "alz2-typical.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("alz2-typical.json", data, 0o600); err != nil {
		t.Fatal(err)
	}
	opts := Options{Backend: fake, Snapshot: "alz2-typical.json", StateDir: "state"}
	for _, f := range with {
		f(&opts)
	}
	tm := newTeaSized(t, opts, w, h)
	waitText(t, tm, "Pre-checks:")
	tm.Send(settingsMsg{Settings: settings.Settings{HomeRegion: "eu-west-1"}.Resolve(fake.snap)})
	waitText(t, tm, "estimate", "a applies")
	return tm
}

// teaApply goes from the plan to a running dashboard: a, a wrong word, then yes.
func teaApply(t *testing.T, fake *fakeBackend, w, h int, with ...func(*Options)) *teatest.TestModel {
	t.Helper()
	tm := teaPlan(t, fake, w, h, with...)
	press(tm, "a")
	waitText(t, tm, "the plan to o-f4yjsoufrn", "type yes")
	press(tm, "no", "enter")
	waitText(t, tm, "type the word yes to start")
	press(tm, "backspace", "backspace", "yes", "enter")
	waitText(t, tm, "steps done", "Control Tower", "In flight (3)", "Failed (1)", "Waiting for you (1)")
	return tm
}

func (f *fakeBackend) calls() (applied []bool, confirmed []string, org string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bool(nil), f.applied...), append([]string(nil), f.confirmed...), f.orgTyped
}

// a starts nothing until yes is typed; then the dashboard shows the run.
func TestTeaApplyStartsOnYes(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			fake := newFake(t)
			tm := teaApply(t, fake, sz.w, sz.h)
			app := final(t, tm)
			if applied, _, _ := fake.calls(); len(applied) != 1 || !applied[0] {
				t.Fatalf("Apply calls %v, want one with the plan", applied)
			}
			if app.Active() != ScreenApply {
				t.Fatalf("screen %v", app.Active())
			}
			teaGolden(t, app)
		})
	}
}

// esc on the intent goes back to the plan without starting anything.
func TestTeaApplyEscBeforeStarting(t *testing.T) {
	fake := newFake(t)
	tm := teaPlan(t, fake, 100, 30)
	press(tm, "a")
	waitText(t, tm, "type yes")
	press(tm, "esc")
	waitText(t, tm, "a applies")
	app := final(t, tm)
	if applied, _, _ := fake.calls(); len(applied) != 0 || app.Active() != ScreenPlan {
		t.Fatalf("applied %v, screen %v", applied, app.Active())
	}
}

// f, w and m open the failures, the work in flight and the manual step whole; c confirms the
// manual step with a note; p pauses, and the dashboard says how the run stopped and how to go on.
func TestTeaApplyDashboardKeys(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			fake := newFake(t)
			tm := teaApply(t, fake, sz.w, sz.h)
			press(tm, "f")
			waitText(t, tm, "AWS error:", "What to do:")
			press(tm, "esc", "w")
			waitText(t, tm, "Work in flight", "Other work")
			press(tm, "esc", "m")
			waitText(t, tm, "is a task for you", "delegated administrator", "Commands", "aws guardduty enable-organization-admin")
			press(tm, "c")
			waitText(t, tm, "note (optional)")
			press(tm, "CHG-1234", "enter")
			waitText(t, tm, "recorded: manual/security")
			press(tm, "p")
			waitText(t, tm, "Paused at a safe point", "resumes")
			app := final(t, tm)
			if _, confirmed, _ := fake.calls(); len(confirmed) != 1 || confirmed[0] != "manual/security-tooling: CHG-1234" {
				t.Fatalf("confirmations %v", confirmed)
			}
			if a := app.apply(); a.state != applyEnded || a.summary == nil || !a.summary.Stopped {
				t.Fatalf("after p: state %v, summary %+v", a.state, a.summary)
			}
			teaGolden(t, app)
		})
	}
}

// When decommission is ready the dashboard asks for the organization ID: a wrong one is refused
// and says so, o asks again, the right one is accepted.
func TestTeaApplyOrganizationGate(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			fake := newFake(t)
			sc := sampleRun(fake.plan)
			v := sc.views[0]
			v.Gate = "4 steps of phase 6 (Decommission ALZ) delete what ALZ left for good"
			after := sc.views[0]
			sc.views, sc.afterOrg = []RunView{v}, &after
			fake.script = sc
			tm := teaPlan(t, fake, sz.w, sz.h)
			press(tm, "a")
			waitText(t, tm, "type yes")
			press(tm, "yes", "enter")
			waitText(t, tm, "organization ID:", "Decommission ALZ")
			press(tm, "o-wrong", "enter")
			waitText(t, tm, "does not match", "opens the dialog")
			press(tm, "o")
			waitText(t, tm, "organization ID:")
			press(tm, "o-f4yjsoufrn", "enter")
			waitText(t, tm, "organization ID accepted")
			app := final(t, tm)
			if _, _, org := fake.calls(); org != "o-f4yjsoufrn" {
				t.Fatalf("organization typed %q", org)
			}
			teaGolden(t, app)
		})
	}
}

// ctrl+c during a run asks, says exactly how to resume, n keeps running; y stops at the safe point
// and leaves.
func TestTeaApplyCtrlCAsksFirst(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			fake := newFake(t)
			tm := teaApply(t, fake, sz.w, sz.h)
			press(tm, "ctrl+c")
			waitText(t, tm, "Stop the run at the next safe", "keep running")
			press(tm, "n", "up")
			waitText(t, tm, "scrolled back 1")
			press(tm, "ctrl+c")
			waitText(t, tm, "stop and leave")
			press(tm, "y")
			tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
			app := tm.FinalModel(t).(*App)
			if a := app.apply(); a.summary == nil || !a.summary.Stopped {
				t.Fatalf("the run did not stop: %+v", a.summary)
			}
			if !strings.Contains(app.Summary(), "lz2ct resume --state state") {
				t.Errorf("the summary printed on exit does not say how to resume:\n%s", app.Summary())
			}
		})
	}
}

// A run that cannot go on once the wizard closes (a demo whose simulated organization lives in its
// process: ResumeCommand says "") is not given a resume command that would be refused: stopping
// says so, and the summary printed on exit offers no resume.
func TestTeaApplyWithoutResumeAfterExit(t *testing.T) {
	fake := newFake(t)
	tm := teaApply(t, fake, 140, 40, func(o *Options) { o.ResumeCommand = func(string) string { return "" } })
	press(tm, "ctrl+c")
	waitText(t, tm, "cannot be resumed once the wizard closes", "stop and leave")
	press(tm, "y")
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	app := tm.FinalModel(t).(*App)
	if a := app.apply(); a.summary == nil || !a.summary.Stopped {
		t.Fatalf("the run did not stop: %+v", a.summary)
	}
	if sum := app.Summary(); strings.Contains(sum, "resume --state") || strings.Contains(sum, "demo --state") {
		t.Errorf("the summary printed on exit offers a resume that cannot work:\n%s", sum)
	}
	if text := app.apply().endText(); !strings.Contains(text, "cannot be resumed once the wizard closes") {
		t.Errorf("the paused dashboard says %q", text)
	}
}

// A run recorded in the organization's state folder is offered on the start screen: where it
// stopped, why, when, by whom and what runs in AWS; enter resumes it.
func TestTeaResumeOffer(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			fake := newFake(t)
			fake.runInfo = &RunInfo{Organization: "o-f4yjsoufrn", Done: 37, Total: 124, Failed: 1, Waiting: 0,
				Where: "phase 4 Register OUs, enroll accounts", Next: []string{"baseline.enable/ou-wkmz-5k8cuz0y"},
				LastNote: "stopped by the user: 12 done, 1 interrupted", LastBy: "carol@laptop-42", LastTime: fixedClock().Add(-time.Hour),
				Open: []RunStep{{ID: "baseline.enable/ou-wkmz-u72tm7le", OperationID: "5a1c8e0f-7c3b-4d2e-9f10-0123456789ab", Since: fixedClock().Add(-65 * time.Minute)}}}
			tm := newTeaSized(t, Options{Backend: fake, StateDir: "state"}, sz.w, sz.h)
			waitText(t, tm, "demo")
			press(tm, "enter")
			waitText(t, tm, "A migration run of", "resumes this run", "carol@laptop")
			app := final(t, tm)
			if app.Active() != ScreenStart {
				t.Fatalf("screen %v", app.Active())
			}
			teaGolden(t, app)
		})
	}
	// enter resumes (the backend gets no plan: the folder's own), n starts a new session.
	t.Chdir(t.TempDir())
	fake := newFake(t)
	fake.runInfo = &RunInfo{Organization: "o-f4yjsoufrn", Done: 1, Total: 6}
	tm := newTeaSized(t, Options{Backend: fake, StateDir: "state"}, 100, 30)
	waitText(t, tm, "demo")
	press(tm, "enter")
	waitText(t, tm, "enter resumes this run")
	press(tm, "enter")
	waitText(t, tm, "steps done", "Log (")
	app := final(t, tm)
	if applied, _, _ := fake.calls(); len(applied) != 1 || applied[0] {
		t.Fatalf("Apply calls %v, want one resume", applied)
	}
	if app.Active() != ScreenApply || !app.resumed {
		t.Fatalf("screen %v, resumed %v", app.Active(), app.resumed)
	}
	fake = newFake(t)
	fake.runInfo = &RunInfo{Organization: "o-f4yjsoufrn", Done: 1, Total: 6}
	fake.release = make(chan struct{})
	tm = newTeaSized(t, Options{Backend: fake, StateDir: "state"}, 100, 30)
	waitText(t, tm, "demo")
	press(tm, "enter")
	waitText(t, tm, "n starts a new session")
	press(tm, "n")
	waitText(t, tm, "Discovering")
	close(fake.release)
	final(t, tm)
}

// When the run ends, enter shows the summary: what was done, what failed and why, what is left
// and why, what the plan keeps and why, the runbooks with the final state, and how to go on.
func TestTeaRunSummary(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			fake := newFake(t)
			fake.script = sampleRun(fake.plan)
			tm := teaApply(t, fake, sz.w, sz.h)
			close(fake.script.hold)
			waitText(t, tm, "The run ended")
			press(tm, "enter")
			waitText(t, tm, "Run summary", "ended with failures")
			app := final(t, tm)
			if app.Active() != ScreenLeave {
				t.Fatalf("screen %v", app.Active())
			}
			sum := app.Summary()
			for _, want := range []string{"Failed:", "AWS error: operation 9f2e41aa", "What to do: the credentials lack", "What is left:",
				"2 steps: needs ", "Kept on purpose", "StackSet AWS-Landing-Zone-Baseline-PrimaryVPC: decommission.keepStackSets",
				"Runbook with the final state", "state/runbook.md", "lz2ct status --state state", "lz2ct resume --state state"} {
				if !strings.Contains(sum, want) {
					t.Errorf("summary lacks %q:\n%s", want, sum)
				}
			}
			if strings.Contains(app.screens[ScreenLeave].(*leaveScreen).body(sz.w), "Nothing has changed in AWS") {
				t.Error("after a run the done screen says nothing changed in AWS")
			}
			teaGolden(t, app)
		})
	}
}

// The note prompt confirms the step that waited when c was pressed, even when the list of waiting
// steps changes under it (one finished, another came first), and the screen draws it meanwhile.
func TestApplyNoteConfirmsTheStepItOpenedFor(t *testing.T) {
	fake := newFake(t)
	s := newApplyScreen(&Common{Ctx: context.Background(), Styles: DefaultStyles(), Keys: DefaultKeyMap(), Backend: fake, Now: fixedClock})
	s.w, s.h, s.state = 100, 30, applyRunning
	s.view.Waiting = []RunStep{{ID: "manual/first", Title: "First"}, {ID: "manual/second", Title: "Second"}}
	s.key(tea.KeyPressMsg{Code: 'c', Text: "c"})
	if s.prompt != promptNote {
		t.Fatalf("c opened prompt %v", s.prompt)
	}
	s.view.Waiting = nil // the step was confirmed elsewhere (lz2ct confirm) meanwhile
	if out := s.dashboard(); !strings.Contains(out, "Confirm that manual/first is done") {
		t.Errorf("the prompt does not name the step it confirms:\n%s", out)
	}
	s.view.Waiting = []RunStep{{ID: "manual/second", Title: "Second"}}
	cmd := s.key(tea.KeyPressMsg{Code: tea.KeyEnter})
	if cmd == nil {
		t.Fatal("enter recorded nothing")
	}
	cmd()
	if _, confirmed, _ := fake.calls(); len(confirmed) != 1 || !strings.HasPrefix(confirmed[0], "manual/first:") {
		t.Fatalf("confirmations %v, want manual/first only", confirmed)
	}
}
