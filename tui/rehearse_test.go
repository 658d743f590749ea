package tui

import (
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/settings"
)

// r on the plan screen starts a rehearsal and shows where it stands: steps done of the plan's, the
// simulated time beside the estimate, the last step, and that nothing reaches AWS.
func TestTeaRehearsalProgress(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			fake := newFake(t)
			fake.rehearse = sampleRehearsal(fake.plan)
			tm := teaPlan(t, fake, sz.w, sz.h)
			press(tm, "r")
			waitText(t, tm, "2 of 6 done", "2h05m", "ou.register/ou-1")
			app := final(t, tm)
			r := app.planScreen().rehearsal
			if app.Active() != ScreenPlan || !r.open || !r.running() || r.result != nil {
				t.Fatalf("screen %v, open %v, running %v, result %v: want the rehearsal in progress over the plan", app.Active(), r.open, r.running(), r.result)
			}
			teaGolden(t, app)
			close(fake.rehearse.hold)
			app.Wait() // the rehearsal's backend call returns: nothing left running
			if r.running() {
				t.Fatal("the rehearsal still runs after Wait")
			}
		})
	}
}

// When the rehearsal ends, the report shows per phase the simulated time beside the plan's
// estimate, what would fail (AWS's error, what to do) and what would not start, and what the real
// run will ask of the operator.
func TestTeaRehearsalReport(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			fake := newFake(t)
			fake.rehearse = sampleRehearsal(fake.plan)
			fake.rehearse.hold = nil
			tm := teaPlan(t, fake, sz.w, sz.h)
			press(tm, "r")
			waitText(t, tm, "did not finish every step", "PLAN ESTIMATE", "whole run")
			app := final(t, tm)
			r := app.planScreen().rehearsal
			if r.result == nil || !r.page.open {
				t.Fatalf("no report on screen: result %v", r.result)
			}
			teaGolden(t, app)
			// The whole report, scrolled: the failure with its error and advice, the step that did
			// not start and why, the operator's part.
			body := rehearsalBody(app.c.Styles, r.result, sz.w-2)
			for _, want := range []string{"Would fail (1):", "✖ ou.register/ou-1 (phase 4)", "AWS error: operation 1c2d3e4f failed: ValidationException",
				"What to do: detach the SCP", "Would not start (1):", "1 step: needs ou.register/ou-1, which failed (ou.register/ou-2)",
				"manual/security-tooling", "type the organization ID " + fake.plan.Organization, "1234 AWS calls answered by it (321 mutating), none sent to AWS"} {
				if !strings.Contains(strings.Join(strings.Fields(body), " "), want) {
					t.Errorf("the report lacks %q:\n%s", want, body)
				}
			}
		})
	}
}

// esc stops a rehearsal at its next safe point and goes back to the plan once the backend has
// returned; a finished report goes back to the plan with esc too, and the plan can still be
// applied from there.
func TestRehearsalStopsAndReturnsToThePlan(t *testing.T) {
	t.Chdir(t.TempDir())
	fake := newFake(t)
	fake.rehearse = sampleRehearsal(fake.plan)
	app := New(Options{Backend: fake, Snapshot: pkgDir + "/../testdata/orgs/alz2-typical.json", StateDir: "state", Now: fixedClock})
	d := newDriver(t, app, 100, 30)
	d.must("Pre-checks:")
	d.handle(settingsMsg{Settings: settings.Settings{HomeRegion: "eu-west-1"}.Resolve(fake.snap)})
	d.settle()
	d.must("estimate", "r rehearses")

	d.keys("r")
	d.must("2 of 6 done")
	d.keys("a") // taken by the rehearsal: nothing is applied while it runs
	if app.Active() != ScreenPlan {
		t.Fatalf("a during a rehearsal moved to %v", app.Active())
	}
	d.keys("esc")
	d.must("rehearsal stopped")
	r := app.planScreen().rehearsal
	if r.open || r.running() {
		t.Fatalf("after esc: open %v, running %v", r.open, r.running())
	}
	fake.mu.Lock()
	stopped := fake.rehearsalStopped
	fake.mu.Unlock()
	if stopped != 1 {
		t.Fatalf("the backend saw %d stopped rehearsals, want 1", stopped)
	}

	close(fake.rehearse.hold)
	d.keys("r")
	d.must("Rehearsal of", "PLAN ESTIMATE")
	d.keys("esc")
	d.must("estimate", "a applies")
	if r.open || app.Active() != ScreenPlan {
		t.Fatalf("esc on the report: open %v, screen %v", r.open, app.Active())
	}
	d.keys("a")
	if !d.on(ScreenApply) {
		t.Fatalf("a after a rehearsal: screen %v, want apply", app.Active())
	}
	fake.mu.Lock()
	n := fake.rehearsals
	fake.mu.Unlock()
	if n != 2 {
		t.Fatalf("%d rehearsals, want 2", n)
	}
}

// A rehearsal that cannot run says why; r tries again and esc goes back to the plan.
func TestRehearsalErrorOffersRetry(t *testing.T) {
	t.Chdir(t.TempDir())
	fake := newFake(t)
	fake.rehearse = &fakeRehearsal{err: errBoom}
	app := New(Options{Backend: fake, Snapshot: pkgDir + "/../testdata/orgs/alz2-typical.json", StateDir: "state", Now: fixedClock})
	d := newDriver(t, app, 100, 30)
	d.must("Pre-checks:")
	d.handle(settingsMsg{Settings: settings.Settings{HomeRegion: "eu-west-1"}.Resolve(fake.snap)})
	d.settle()
	d.must("estimate")
	d.keys("r")
	d.must("the rehearsal could not run: boom", "r tries again")
	d.keys("r")
	d.eventually(func() bool {
		fake.mu.Lock()
		defer fake.mu.Unlock()
		return fake.rehearsals == 2
	})
	d.must("could not run: boom")
	d.keys("esc")
	d.must("a applies")
	if app.planScreen().rehearsal.open {
		t.Fatal("esc did not close the rehearsal")
	}
}
