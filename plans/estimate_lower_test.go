package plans

import (
	"fmt"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/orggen"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/sim"
)

// lowerPlan is a plan of hand-made steps, phase by phase, for the lower bounds' arithmetic.
func lowerPlan(phases map[int][]Step) *Plan {
	p := &Plan{}
	for i := range 7 {
		p.Phases = append(p.Phases, Phase{Number: i, ID: fmt.Sprintf("phase%d", i), Steps: phases[i]})
	}
	return p
}

func lowerOf(p *Plan, auto bool) ([]int64, int64) {
	b := &estimator{builder: &builder{s: settings.Settings{AccountConcurrency: 1}}, calls: map[string]int64{}}
	lows, total, autos, autoTotal := b.lowerBounds(p)
	if auto {
		return autos, autoTotal
	}
	return lows, total
}

func quickSteps(kind string, n int, params func(i int) Params, deps ...string) []Step {
	var out []Step
	for i := range n {
		out = append(out, Step{ID: fmt.Sprintf("%s/%d", kind, i), Kind: kind, Params: params(i), DependsOn: deps})
	}
	return out
}

func ids(steps []Step) []string {
	var out []string
	for _, st := range steps {
		out = append(out, st.ID)
	}
	return out
}

// A lower bound follows the critical path: steps that run at once count once, quick API steps
// count what their calls take at AWS's best (under a second: 0 in whole seconds), the limits on
// what runs at once (the general pool, one operation per StackSet, Control Tower's one OU
// operation, one operator) count where they make steps wait. The old rule added every step up at
// 30 s per quick step, and a new account at 5 minutes.
func TestLowerBoundsFollowTheCriticalPath(t *testing.T) {
	exports := quickSteps(KindExportSCP, 40, func(int) Params { return ExportSCP{} })
	roles := quickSteps(KindIAMRoleCreate, 4, func(int) Params { return IAMRoleCreate{} })
	accounts := quickSteps(KindAccountCreate, 2, func(int) Params { return AccountCreate{} })
	lz := Step{ID: "landing-zone.create", Kind: KindLandingZoneCreate, Params: LandingZoneCreate{},
		DependsOn: append(ids(roles), ids(accounts)...)}
	deploy := append(append(roles, accounts...), lz)
	// Registrations of three sibling OUs, after the landing zone: Control Tower runs one at a time.
	regs := quickSteps(KindBaselineEnable, 3, func(int) Params { return BaselineEnable{} }, lz.ID)
	// Three manual tasks at once: one operator does them one after another.
	manual := quickSteps(KindManual, 3, func(int) Params { return Manual{} }, lz.ID)
	for i := range manual {
		manual[i].Manual = true
	}
	// Decommission: 40 terminations 16 at a time, then a checkpoint; StackSet deletions, two on
	// one StackSet (one after another) and one on another (at once).
	terms := quickSteps(KindProvisionedProductTerminate, 40, func(int) Params { return ProvisionedProductTerminate{} }, "verify/ready")
	ready := Step{ID: "verify/ready", Kind: KindVerify, Params: Verify{}, DependsOn: append(ids(regs), ids(manual)...)}
	done := Step{ID: "verify/terminated", Kind: KindVerify, Params: Verify{}, DependsOn: ids(terms)}
	ss := func(name string) func(int) Params {
		return func(int) Params {
			return StackSetInstancesDelete{Region: "eu-west-1", StackSetName: name, Accounts: []string{"111111111111"}}
		}
	}
	ssA := quickSteps(KindStackSetInstancesDelete, 2, ss("A"), done.ID)
	ssB := quickSteps(KindStackSetInstancesDelete, 1, ss("B"), done.ID)
	ssB[0].ID = "stackset-instances.delete/B"
	decom := append(append(append([]Step{ready}, terms...), done), append(ssA, ssB...)...)

	p := lowerPlan(map[int][]Step{0: exports, 1: deploy, 4: regs, 5: manual, 6: decom})
	lows, total := lowerOf(p, false)
	op := int64(stackSetOpSeconds + stackBatchLowerSeconds) // a one-account StackSet operation at best
	want := []int64{
		0,                                       // 40 exports at once, a call or two each
		newAccountLowerSeconds + lzLowerSeconds, // the accounts and roles at once, then the landing zone
		0, 0,                                    // nothing
		3 * regBaseSeconds,                     // one registration at a time
		3 * manualLowerSeconds,                 // one operator
		40*decomStepSeconds/StepsAtOnce + 2*op, // 16 terminations at a time, then StackSet A's two operations
	}
	for i, w := range want {
		if lows[i] != w {
			t.Errorf("phase %d: lower bound %d s, want %d s", i, lows[i], w)
		}
	}
	// The run: the deploy chain, Control Tower's registrations one after another, then decommission.
	if w := want[1] + max(want[4], want[5]) + want[6]; total != w {
		t.Errorf("the run's lower bound %d s, want %d s", total, w)
	}
	// Without people's time the manual tasks count nothing, and the run waits only for Control Tower.
	autos, autoTotal := lowerOf(p, true)
	if autos[5] != 0 || autos[4] != want[4] {
		t.Errorf("automated lower bounds: phase 5 %d s (want 0), phase 4 %d s (want %d)", autos[5], autos[4], want[4])
	}
	if w := want[1] + want[4] + want[6]; autoTotal != w {
		t.Errorf("the run's automated lower bound %d s, want %d s", autoTotal, w)
	}
}

// A phase's lower bound counts its own steps along any chain through the plan, also where the
// chain leaves the phase and comes back (a wave's SCP detach, its Config removal, the next wave's
// SCP detach): the phase's steps on it run one after another.
func TestLowerBoundsCountAPhaseAcrossOtherPhases(t *testing.T) {
	op := func(id, name string, deps ...string) Step {
		return Step{ID: id, Kind: KindStackSetInstancesDelete, DependsOn: deps,
			Params: StackSetInstancesDelete{Region: "eu-west-1", StackSetName: name, Accounts: []string{"111111111111"}}}
	}
	// Phase 2's two operations (on different StackSets, so no StackSet limit joins them) with
	// phase 3's between them.
	p := lowerPlan(map[int][]Step{
		2: {op("a1", "A"), op("a2", "B", "b1")},
		3: {op("b1", "C", "a1")},
	})
	lows, total := lowerOf(p, false)
	one := int64(stackSetOpSeconds + stackBatchLowerSeconds)
	if lows[2] != 2*one || lows[3] != one || total != 3*one {
		t.Errorf("lower bounds: phase 2 %d s (want %d), phase 3 %d s (want %d), run %d s (want %d)", lows[2], 2*one, lows[3], one, total, 3*one)
	}
}

// The estimate's lower bounds are those of lowerBounds, the overlap's lower bound is what the
// phases' lower bounds share, and every lower bound is at most its upper bound.
func TestEstimateLowerBoundsAddUp(t *testing.T) {
	p := generatedPlan(t, 200, 12, 2)
	e := p.Estimate
	var sum int64
	for i, ph := range e.PerPhase {
		sum += ph.Lower
		if ph.Lower > ph.Upper || ph.AutomatedLower > ph.Lower {
			t.Errorf("phase %d: automated %d s, lower %d s, upper %d s", i, ph.AutomatedLower, ph.Lower, ph.Upper)
		}
		if p.Phases[i].EstimateLowerSeconds != ph.Lower {
			t.Errorf("phase %d says %d s, the estimate %d s", i, p.Phases[i].EstimateLowerSeconds, ph.Lower)
		}
	}
	if e.Total.Lower != sum-e.Overlap.Lower || e.Overlap.Lower < 0 || e.Total.Lower > e.Total.Upper || e.AutomatedLower > e.Total.Lower {
		t.Errorf("phases %d s − overlap %d s ≠ total %d s (upper %d s, automated %d s)", sum, e.Overlap.Lower, e.Total.Lower, e.Total.Upper, e.AutomatedLower)
	}
	// Deploy: the new Log Archive and Audit accounts and the roles at once, then the landing zone
	// (the old rule added them up: 30 s a role, 5 minutes an account); safeguard's exports at once.
	if got, want := e.PerPhase[1].Lower, int64(newAccountLowerSeconds+lzLowerSeconds); got != want {
		t.Errorf("deploy's lower bound %d s, want %d s", got, want)
	}
	if got := e.PerPhase[0].Lower; got >= quickStepSeconds {
		t.Errorf("safeguard's lower bound %d s: its %d steps run at once, a few calls each", got, len(p.Phases[0].Steps))
	}
	// Control Tower's registrations one at a time, at least 10 minutes each, are in the run's.
	regs := 0
	for _, st := range p.Phases[4].Steps {
		if st.Kind == KindBaselineEnable {
			regs++
		}
	}
	if regs == 0 || e.Total.Lower < int64(regs)*regBaseSeconds+lzLowerSeconds {
		t.Errorf("%d registrations and a landing zone, the run's lower bound %d s", regs, e.Total.Lower)
	}
}

// Decommission's asynchronous steps are estimated within what the simulator, our model of AWS,
// takes for them: the estimate counted 2 minutes for a termination the simulator takes 3 (and
// lz2ct sees up to a minute later), so a plan of thousands of terminations ran over its upper bound.
func TestDecommissionOperationsWithinTheirRange(t *testing.T) {
	d := sim.DefaultDurations()
	for _, c := range []struct {
		kind string
		took time.Duration
	}{
		{KindProvisionedProductTerminate, d.Termination},
		{KindStackDelete, d.StackDeletion},
		{KindAccountClose, d.CloseAccount},
	} {
		r := (&estimator{builder: &builder{}}).stepRange(&Step{Kind: c.kind})
		if secs := int64(c.took / time.Second); secs < r.Lower || secs+DecomPollLagSeconds > r.Upper {
			t.Errorf("%s: the simulator takes %s, seen up to %d s later; the estimate says %d–%d s", c.kind, c.took, DecomPollLagSeconds, r.Lower, r.Upper)
		}
	}
	p := generatedPlan(t, 200, 12, 2)
	n := int64(0)
	for _, st := range p.Phases[6].Steps {
		if decomAsync[st.Kind] {
			n++
		}
	}
	if min := (n + StepsAtOnce - 1) / StepsAtOnce * int64(d.Termination/time.Second); n == 0 || p.Estimate.PerPhase[6].Upper < min {
		t.Errorf("%d terminations and deletions, %d at a time: decommission's upper bound %d s is under %d s", n, StepsAtOnce, p.Estimate.PerPhase[6].Upper, min)
	}
}

// generatedPlan plans a generated organization.
func generatedPlan(t *testing.T, accounts, ous, regions int) *Plan {
	t.Helper()
	_, p := generatedSnapshotAndPlan(t, accounts, ous, regions)
	return p
}

// generatedSnapshotAndPlan is generatedPlan with the snapshot it planned.
func generatedSnapshotAndPlan(t *testing.T, accounts, ous, regions int) (*inventory.Snapshot, *Plan) {
	t.Helper()
	params := orggen.DefaultParams()
	params.Accounts, params.OUs, params.Depth, params.Regions, params.Seed = accounts, ous, 4, regions, 3
	snap, err := orggen.Generate(params)
	if err != nil {
		t.Fatal(err)
	}
	s := settings.Settings{LogArchiveEmail: "a@example.org", AuditEmail: "b@example.org"}.Resolve(snap)
	return snap, mustBuild(t, snap, s, checks.Run(checks.Input{Snapshot: snap, Settings: s}))
}

// BenchmarkLowerBounds is the lower bounds' share of planning a 5,000-account organization (every
// phase's, the run's, with and without people's time: what estimate computes).
func BenchmarkLowerBounds(b *testing.B) {
	params := orggen.DefaultParams()
	params.Accounts, params.OUs, params.Depth, params.Regions, params.Seed = 5000, 200, 5, 4, 7
	snap, err := orggen.Generate(params)
	if err != nil {
		b.Fatal(err)
	}
	s := settings.Settings{LogArchiveEmail: "a@example.org", AuditEmail: "b@example.org"}.Resolve(snap)
	p := mustBuild(b, snap, s, checks.Run(checks.Input{Snapshot: snap, Settings: s}))
	e := &estimator{builder: &builder{s: s}, calls: map[string]int64{}}
	b.ResetTimer()
	for range b.N {
		e.lowerBounds(p)
	}
}
