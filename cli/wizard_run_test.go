package cli

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/engine/enginetest"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/sim"
	"github.com/lz2ct/lz2ct/tui"
)

// The wizard's Backend carries a plan out through the session layer against the simulator: the
// dashboard's views come from the run (a manual step waits and is confirmed in place, as lz2ct
// confirm would record it), the summary and the runbooks with the final state come at the end,
// and the start screen then finds the run in the state folder.
func TestWizardBackendAppliesAPlan(t *testing.T) {
	srv, url, planFile, state, snap := applyFixture(t, enginetest.Options{Detach: true, Manual: true})
	p, err := plans.Load(planFile)
	if err != nil {
		t.Fatal(err)
	}
	b := &wizardBackend{aws: awsapi.Options{EndpointURL: url}}
	defer b.close()
	ctx := context.Background()
	if id, err := b.Connect(ctx, tui.Target{Kind: tui.TargetProfile}); err != nil || !id.Management {
		t.Fatalf("connect: %v %+v", err, id)
	}
	if info, err := b.FindRun(state); info != nil || err != nil {
		t.Fatalf("a run before any: %+v %v", info, err)
	}
	pr := &tui.PlanResult{Plan: p, View: tui.NewPlanView(p)}
	in, err := b.Intent(state, pr)
	if err != nil || len(in.Phases) != 3 || in.Phases[1].Destructive == 0 || in.Phases[2].Manual != 1 {
		t.Fatalf("intent %+v %v", in, err)
	}

	var mu sync.Mutex
	var last tui.RunView
	confirmed := false
	sum, err := b.Apply(ctx, ctx, state, pr, func(v tui.RunView) {
		mu.Lock()
		defer mu.Unlock()
		last = v
		if len(v.Waiting) > 0 && !confirmed {
			confirmed = true
			go func() {
				if err := b.ConfirmStep(v.Waiting[0].ID, "CHG-1234"); err != nil {
					t.Error(err)
				}
			}()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !sum.Complete || len(sum.Done) != last.Total || last.Done != last.Total || !confirmed {
		t.Fatalf("summary %+v, last view %d/%d, confirmed %v", sum, last.Done, last.Total, confirmed)
	}
	if len(last.Log) == 0 || !strings.Contains(strings.Join(last.Log, "\n"), "done     export.scp/") {
		t.Errorf("log: %q", last.Log)
	}
	if len(sum.Runbooks) != 2 {
		t.Fatalf("runbooks %v", sum.Runbooks)
	}
	md, _ := os.ReadFile(sum.Runbooks[0])
	if !strings.Contains(string(md), "done") {
		t.Error("the runbook does not show the final state")
	}
	st, _ := journal.Read(state)
	if c := st.Step("manual/check-workloads").Confirmed; !strings.Contains(st.Step("manual/check-workloads").Note, "CHG-1234") {
		t.Errorf("confirmation %+v", c)
	}
	checkEndState(t, snap, srv.Snapshot(), detachTargets(p))

	info, err := b.FindRun(state)
	if err != nil || info == nil || info.Done != info.Total || info.Organization != p.Organization || info.LastNote == "" {
		t.Fatalf("FindRun after the run: %+v %v", info, err)
	}
	// Resuming a finished run does nothing more.
	sum, err = b.Apply(ctx, ctx, state, nil, func(tui.RunView) {})
	if err != nil || !sum.Complete || len(sum.Done) != 0 || sum.Previously != info.Total {
		t.Fatalf("resume of a finished run: %+v %v", sum, err)
	}
}

// A stop (the dashboard's p) ends the run at a safe point; FindRun then says where it stopped and
// why; a resume finishes it without repeating a mutation.
func TestWizardBackendPausesAndResumes(t *testing.T) {
	// Calls take a while, so that the run is still going when the pause comes.
	srv, url, planFile, state, snap := applyFixtureWith(t, enginetest.Options{Detach: true}, sim.Options{Latency: 40 * time.Millisecond})
	p, err := plans.Load(planFile)
	if err != nil {
		t.Fatal(err)
	}
	b := &wizardBackend{aws: awsapi.Options{EndpointURL: url}}
	defer b.close()
	ctx := context.Background()
	if _, err := b.Connect(ctx, tui.Target{Kind: tui.TargetProfile}); err != nil {
		t.Fatal(err)
	}
	stop, pause := context.WithCancel(ctx)
	pr := &tui.PlanResult{Plan: p, View: tui.NewPlanView(p)}
	var once sync.Once
	sum, err := b.Apply(ctx, stop, state, pr, func(v tui.RunView) {
		if v.Done > 0 {
			once.Do(pause)
		}
	})
	if err != nil || !sum.Stopped || sum.Complete {
		t.Fatalf("paused run: %+v %v", sum, err)
	}
	info, err := b.FindRun(state)
	if err != nil || info.Done == info.Total || !strings.Contains(info.LastNote, "stopped by the user") || info.Where == "" || len(info.Next) == 0 {
		t.Fatalf("FindRun after a pause: %+v %v", info, err)
	}
	sum, err = b.Apply(ctx, ctx, state, nil, func(tui.RunView) {})
	if err != nil || !sum.Complete {
		t.Fatalf("resume: %+v %v", sum, err)
	}
	for k, n := range mutationTargets(srv.Calls()) {
		if n > 1 {
			t.Errorf("%s mutated %d times", k, n)
		}
	}
	checkEndState(t, snap, srv.Snapshot(), detachTargets(p))
}
