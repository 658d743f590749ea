package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/plans"
)

// gatedPlan has a step before decommission, a decommission step and a step after it.
func gatedPlan() *plans.Plan {
	p := testPlan(step("before", work{}))
	p.Phases = append(p.Phases, plans.Phase{Number: 6, ID: plans.PhaseDecommission, Name: "Decommission ALZ",
		Steps: []plans.Step{step("delete", work{}, "before"), step("after-delete", work{}, "delete")}})
	p.ExecutionOrder = append(p.ExecutionOrder, "delete", "after-delete")
	return p
}

func TestWhichStepsNeedTheOrganizationTyped(t *testing.T) {
	closing := plans.Step{ID: "account.close/1", Kind: plans.KindAccountClose}
	other := plans.Step{ID: "scp.detach/p/ou", Kind: plans.KindSCPDetach, Destructive: true}
	for _, c := range []struct {
		phase string
		s     plans.Step
		want  bool
	}{{plans.PhaseDecommission, other, true}, {plans.PhaseSCP, other, false}, {plans.PhaseShared, closing, true}} {
		if got := NeedsOrganizationTyped(c.phase, &c.s); got != c.want {
			t.Errorf("%s in %s: %v, want %v", c.s.ID, c.phase, got, c.want)
		}
	}
	p := gatedPlan()
	if g := Gated(p, nil, nil); len(g) != 2 || g[0].ID != "delete" {
		t.Errorf("gated %v", g)
	}
	if err := CheckOrganizationTyped(p, " o-test "); err != nil {
		t.Error(err)
	}
	if err := CheckOrganizationTyped(p, "o-tes"); !errors.Is(err, ErrOrganizationMismatch) {
		t.Errorf("a wrong ID: %v", err)
	}
}

// Without the organization ID typed, decommission does not start, says why, and the rest runs.
func TestDecommissionWaitsForTheOrganizationTyped(t *testing.T) {
	h := newHarness(t)
	p := gatedPlan()
	sum, r := h.run(p, func(o *Options) { o.HoldForOrganization = true })
	if got := ids(sum.Done); len(got) != 1 || got[0] != "before" {
		t.Fatalf("done %v", got)
	}
	if len(sum.NotStarted) != 2 {
		t.Fatalf("not started %+v", sum.NotStarted)
	}
	for _, o := range sum.NotStarted {
		if o.Cause != CauseOrganizationNotTyped || !strings.Contains(o.Reason, "--confirm-org o-test") {
			t.Errorf("%s: %s %q", o.Step, o.Cause, o.Reason)
		}
	}
	if g := r.of("delete", hooks.Gate); len(g) != 1 || !strings.Contains(g[0].Note, "2 steps of phase 6 (Decommission ALZ)") {
		t.Errorf("gate events %+v", g)
	}
	if h.w.starts["delete"] != 0 {
		t.Error("a decommission step started")
	}

	// An engine that does not hold them (built directly, as the kinds' tests do) runs everything.
	sum, _ = h.run(p, nil)
	if !sum.Complete() {
		t.Fatalf("%+v", sum)
	}
}

// The wizard types it while the run waits: a wrong ID is refused, the right one lets the steps go.
func TestOrganizationTypedDuringTheRun(t *testing.T) {
	h := newHarness(t)
	p := gatedPlan()
	r := &rec{}
	o := h.opts(p, r)
	o.WaitForConfirmation, o.HoldForOrganization = true, true
	e, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	o.Hook = hooks.Multi{o.Hook, hooks.Func(func(ev hooks.Event) error {
		if ev.Type == hooks.Gate {
			close(gate)
		}
		return nil
	})}
	e.opts.Hook = o.Hook
	go func() {
		<-gate
		if err := e.ConfirmOrganization("o-wrong", "ops@example"); !errors.Is(err, ErrOrganizationMismatch) {
			t.Errorf("wrong ID: %v", err)
		}
		if err := e.ConfirmOrganization("o-test", "ops@example"); err != nil {
			t.Error(err)
		}
	}()
	sum, err := e.Run(context.Background(), context.Background())
	if err != nil || !sum.Complete() {
		t.Fatalf("%v %+v", err, sum)
	}
	found := false
	for _, ev := range r.evs {
		found = found || (ev.Type == hooks.Run && ev.By == "ops@example" && strings.Contains(ev.Note, "organization ID o-test typed"))
	}
	if !found {
		t.Error("the typed confirmation is not journaled")
	}
}
