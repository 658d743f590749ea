package steps_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/sim"
)

// Crash safety of the Organizations kinds, in process: a run is killed (its context cancelled, so
// every call in flight is abandoned and nothing more is journaled) from the simulator's
// after-mutation hook — AWS applied the change, the client never hears of it — then resumed from
// the journal by a fresh engine. None of these calls has an idempotency token; only observing first
// keeps a resumed run from repeating them. The SIGKILL harness of engine/crash runs the SCP plan;
// this is the focused kill test for these kinds.

// runKilledAt runs the plan and kills the run when the k-th mutation of this run has taken effect
// (before its answer is written), or at the instant after when it is not zero. killed is false
// when the run ended first.
func (r *orgRun) runKilledAt(k int32, after time.Duration) (sum *engine.Summary, killed bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	var n atomic.Int32
	var hit atomic.Bool
	r.mu.Lock()
	r.hook = func(c sim.Call) {
		if c.Code != "" || c.Replay || k == 0 || n.Add(1) != k {
			return
		}
		hit.Store(true)
		cancel()
		select { // the client is gone before the answer is written
		case <-done:
		case <-time.After(10 * time.Second):
			r.t.Error("the killed run did not end")
		}
	}
	r.mu.Unlock()
	if after > 0 {
		t := time.AfterFunc(after, func() { hit.Store(true); cancel() })
		defer t.Stop()
	}
	sum = r.run(ctx)
	close(done)
	r.mu.Lock()
	r.hook = nil
	r.mu.Unlock()
	return sum, hit.Load()
}

// finish resumes until the run completes.
func (r *orgRun) finish() {
	r.t.Helper()
	for i := 0; ; i++ {
		sum := r.run(context.Background())
		if sum.Complete() {
			return
		}
		if i == 2 {
			r.t.Fatalf("the resumed run does not complete:%s", orgSummaryText(sum))
		}
	}
}

// checkOnce: every mutation the plan makes happened exactly once, and nothing else.
func (r *orgRun) checkOnce() {
	r.t.Helper()
	want := orgExpected(r.t, r.plan, r.journal())
	got := r.mutations()
	for k := range want {
		if got[k] != 1 {
			r.t.Errorf("%s applied %d times", k, got[k])
		}
	}
	for k, n := range got {
		if !want[k] {
			r.t.Errorf("unplanned mutation %s (%d times)", k, n)
		}
	}
}

// A run killed right after CreateAccount was accepted never creates a second account: resumed at
// once, it waits on the request it made (found by account name); resumed once the account exists,
// it finds the account by e-mail.
func TestOrgAccountCreateCrash(t *testing.T) {
	snap := orgOrganization(t)
	p := orgPlan(t, snap, orgSettings(t, snap), func(st plans.Step) bool { return st.Kind == plans.KindAccountCreate })
	for _, tc := range []struct {
		name      string
		waitFirst bool
		want      string // what the resumed run's journal shows for the killed step
	}{
		{"resumed while the request is in progress", false, "operation"},
		{"resumed after the account was created", true, "found by e-mail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The request must still run when the resumed run observes it, however loaded the
			// machine: 2 simulated hours are 2.4 s of wall time at orgTimeScale.
			opts := sim.Options{}
			if !tc.waitFirst {
				opts.Durations.CreateAccount = 2 * time.Hour
			}
			r := newOrgRun(t, snap, p, opts)
			if _, killed := r.runKilledAt(1, 0); !killed {
				t.Fatal("the run was not killed")
			}
			var req sim.AsyncOp
			for _, op := range r.srv.Operations() {
				if op.Kind == "CreateAccount" {
					req = op
				}
			}
			if req.ID == "" {
				t.Fatal("no CreateAccount request")
			}
			st := r.journal()
			killedStep := ""
			for _, s := range stepsOf(p, plans.KindAccountCreate) {
				if strings.EqualFold(s.Params.(plans.AccountCreate).Email, req.Target) {
					killedStep = s.ID
				}
			}
			if js := st.Step(killedStep); !js.IntentOpen || js.OperationID != "" {
				t.Fatalf("the journal of the killed step: %+v, want an open intent and no operation (killed before the answer)", js)
			}
			if tc.waitFirst {
				for orgOpState(r.srv, req.ID) == sim.OpRunning {
					time.Sleep(5 * time.Millisecond)
				}
			}
			r.finish()
			r.checkOnce()
			evs, err := journal.ReadEvents(r.dir)
			if err != nil {
				t.Fatal(err)
			}
			saw := ""
			for _, ev := range evs {
				if ev.Step != killedStep {
					continue
				}
				switch {
				case ev.Event == journal.EventOperation && ev.OperationID == req.ID:
					saw = "operation"
				case ev.Event == journal.EventSucceeded && strings.Contains(ev.Note, "has the e-mail"):
					saw = "found by e-mail"
				}
			}
			if saw != tc.want {
				t.Errorf("the resumed step: %q, want %q", saw, tc.want)
			}
			n := 0
			for _, a := range r.srv.Snapshot().Accounts {
				if strings.EqualFold(a.Email, req.Target) {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d accounts with the e-mail %s", n, req.Target)
			}
		})
	}
}

// The planner's Organizations steps, killed at every mutation in turn (and once more at a random
// instant of the resumed run), always end in the organization an unkilled run makes, each mutation
// applied once.
func TestOrgKillAtEveryMutation(t *testing.T) {
	snap := orgOrganization(t)
	p := orgPlan(t, snap, orgSettings(t, snap), nil)
	clean := newOrgRun(t, snap, p, sim.Options{})
	start := time.Now()
	if sum := clean.run(context.Background()); !sum.Complete() {
		t.Fatalf("the unkilled run:%s", orgSummaryText(sum))
	}
	took := time.Since(start)
	want := orgEndState(clean.srv.Snapshot())
	n := len(clean.mutations())
	rng := rand.New(rand.NewPCG(7, 11))
	kills := 0
	for k := 1; k <= n; k++ {
		r := newOrgRun(t, snap, p, sim.Options{})
		if _, killed := r.runKilledAt(int32(k), 0); !killed {
			t.Errorf("kill point %d: the run ended before its %d-th mutation", k, k)
			continue
		}
		kills++
		if _, killed := r.runKilledAt(0, time.Duration(rng.Int64N(int64(took)))+time.Millisecond); killed {
			kills++
		}
		r.finish()
		r.checkOnce()
		if got := orgEndState(r.srv.Snapshot()); !slices.Equal(got, want) {
			t.Errorf("kill point %d: the organization differs from the unkilled run's:\n got %v\nwant %v", k, got, want)
		}
		if t.Failed() {
			t.Fatalf("after kill point %d", k)
		}
	}
	t.Logf("%d kills (%d in the after-mutation window) over %d mutations; an unkilled run took %s", kills, n, n, took.Round(time.Millisecond))
}

func orgOpState(srv *sim.Server, id string) string {
	for _, op := range srv.Operations() {
		if op.ID == id {
			return op.State()
		}
	}
	return ""
}
