package steps_test

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/sim"
)

// ctReadyPlan is alz2-ct-ready's plan cut down to the Control Tower kinds, and the organization
// prepared as the plan's other steps (SCP detaches, Config removal, execution roles) leave it.
func ctReadyPlan(t *testing.T) (*inventory.Snapshot, *plans.Plan) {
	t.Helper()
	snap, s := loadOrg(t, "alz2-ct-ready")
	p := subplan(planOf(t, snap, s), plans.KindLandingZoneVerify, plans.KindBaselineEnable, plans.KindAccountEnroll)
	var accts []string
	for _, st := range stepsOf(p, plans.KindBaselineEnable) {
		accts = append(accts, accountsIn(snap, st.Params.(plans.BaselineEnable).OUID.Literal)...)
	}
	for _, st := range stepsOf(p, plans.KindAccountEnroll) {
		accts = append(accts, st.Params.(plans.AccountEnroll).AccountID)
	}
	ready(snap, accts...)
	return snap, p
}

// registered lists the OUs with AWSControlTowerBaseline SUCCEEDED, and the enrolled accounts.
func registered(snap *inventory.Snapshot) (ous, accounts map[string]bool) {
	ous, accounts = map[string]bool{}, map[string]bool{}
	for _, b := range snap.ControlTower.EnabledBaselines {
		if snap.ControlTower.BaselineName(b.BaselineIdentifier) != inventory.BaselineControlTower || b.Status != "SUCCEEDED" {
			continue
		}
		if strings.Contains(b.TargetIdentifier, ":account/") {
			accounts[b.TargetID()] = true
		} else {
			ous[b.TargetID()] = true
		}
	}
	return ous, accounts
}

// Registration and enrollment of alz2-ct-ready, from the planner's steps: every planned OU
// registered parents first, every account in them and Shared Services enrolled, each mutation once,
// Control Tower's operations never overlapping.
func TestRegisterAndEnrollTheCTReadyOrganization(t *testing.T) {
	snap, p := ctReadyPlan(t)
	regs, enrolls := stepsOf(p, plans.KindBaselineEnable), stepsOf(p, plans.KindAccountEnroll)
	if len(regs) < 5 || len(enrolls) == 0 {
		t.Fatalf("the plan registers %d OUs and enrolls %d accounts: not the plan this test is about", len(regs), len(enrolls))
	}
	srv, c := server(t, snap, sim.Options{})

	// The preview first: read-only, and it says what each step would do.
	for id, pv := range preview(t, p, c) {
		switch {
		case id == plans.KindLandingZoneVerify && pv.State != "in place":
			t.Errorf("preview %s: %s %s", id, pv.State, pv.Note)
		case strings.HasPrefix(id, plans.KindBaselineEnable+"/") && pv.State != "later" && (pv.State != "would change" || !strings.Contains(pv.Change, "register OU")):
			t.Errorf("preview %s: %s %q %s", id, pv.State, pv.Change, pv.Note)
		}
	}
	noMutations(t, srv)

	sum := applyPlan(t, p, c, t.TempDir())
	mustComplete(t, sum)

	now := srv.Snapshot()
	ous, accounts := registered(now)
	var want []string
	for _, st := range regs {
		ou := st.Params.(plans.BaselineEnable).OUID.Literal
		if !ous[ou] {
			t.Errorf("OU %s is not registered", ou)
		}
		for _, a := range accountsIn(snap, ou) {
			if !accounts[a] {
				t.Errorf("account %s of OU %s is not enrolled", a, ou)
			}
		}
		want = append(want, "EnableBaseline "+ou)
	}
	parent := map[string]string{}
	for _, a := range now.Accounts {
		parent[a.ID] = a.ParentID
	}
	for _, st := range enrolls {
		e := st.Params.(plans.AccountEnroll)
		if !accounts[e.AccountID] || parent[e.AccountID] != e.OUID.Literal {
			t.Errorf("account %s: enrolled %v, in %s, want %s", e.AccountID, accounts[e.AccountID], parent[e.AccountID], e.OUID.Literal)
		}
		want = append(want, "ProvisionProduct "+e.AccountID)
	}
	onceEach(t, applied(srv), want)
	declaredOnly(t, srv, p)
	serialized(t, srv, max(p.Settings.AccountConcurrency, 1))
}

// serialized checks Control Tower's rules on the simulator's operations: an OU or landing-zone
// operation never overlaps another Control Tower operation; account operations at most conc at once.
func serialized(t *testing.T, srv *sim.Server, conc int) {
	t.Helper()
	type span struct {
		kind       string
		start, end time.Time
	}
	var spans []span
	for _, op := range srv.Operations() {
		if op.Service == "controltower" || op.Kind == "ProvisionProduct" || op.Kind == "UpdateProvisionedProduct" {
			spans = append(spans, span{op.Kind, op.Started, op.Ended})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start.Before(spans[j].start) })
	for i, a := range spans {
		accountOps := 1
		for _, b := range spans[i+1:] {
			if !b.start.Before(a.end) {
				break
			}
			exclusive := func(k string) bool { return k != "ProvisionProduct" && k != "UpdateProvisionedProduct" }
			if exclusive(a.kind) || exclusive(b.kind) {
				t.Errorf("%s (%s–%s) overlaps %s (from %s)", a.kind, a.start.Format(time.TimeOnly), a.end.Format(time.TimeOnly), b.kind, b.start.Format(time.TimeOnly))
			}
			accountOps++
		}
		if !strings.Contains(a.kind, "Baseline") && !strings.Contains(a.kind, "LandingZone") && accountOps > conc {
			t.Errorf("%d account operations at once from %s, want at most %d", accountOps, a.start.Format(time.TimeOnly), conc)
		}
	}
	if len(spans) == 0 {
		t.Error("no Control Tower operation ran")
	}
}

// A registration's pre-checks fail (an ALZ Config recorder left in an account): the step fails
// with Control Tower's message, what depends on it does not start, the rest goes on; once the
// recorder is gone, resume re-registers the OU (ResetEnabledBaseline) and finishes.
func TestFailedRegistrationIsRetriedOnResume(t *testing.T) {
	snap, p := ctReadyPlan(t)
	// Infrastructure (ou-wkmz-sopr0dkf) holds network and backup; Shared Services is enrolled into it.
	const ou, acct = "ou-wkmz-sopr0dkf", "324867486512"
	var region string
	for i := range snap.Accounts {
		if a := &snap.Accounts[i]; a.ID == acct {
			region = snap.ControlTower.LandingZone.GovernedRegions[0]
			for j := range a.Regions {
				if a.Regions[j].Region == region {
					a.Regions[j].ConfigRecorders = append(a.Regions[j].ConfigRecorders, inventory.ConfigRecorder{Name: "AWS-Landing-Zone-BaselineConfigRecorder", Recording: true})
				}
			}
		}
	}
	srv, c := server(t, snap, sim.Options{})
	dir := t.TempDir()
	sum := applyPlan(t, p, c, dir)
	if len(sum.Failed) != 1 || sum.Failed[0].Step != plans.KindBaselineEnable+"/"+ou || !strings.Contains(sum.Failed[0].Error, "AWS-Landing-Zone-BaselineConfigRecorder in "+region) {
		t.Fatalf("failed %+v", sum.Failed)
	}
	if !slices.ContainsFunc(sum.NotStarted, func(o engine.Outcome) bool { return o.Step == plans.KindAccountEnroll+"/262579479752" }) || len(sum.Done) < 5 {
		t.Errorf("not started %+v, done %d", sum.NotStarted, len(sum.Done))
	}
	// Fixed: the recorder goes (what config.recorder.delete would do), resume retries.
	fixed := srv.Snapshot()
	ready(fixed, acct)
	srv2, c2 := server(t, fixed, sim.Options{})
	sum = applyPlan(t, p, c2, dir)
	mustComplete(t, sum)
	ous, _ := registered(srv2.Snapshot())
	if !ous[ou] {
		t.Errorf("OU %s not registered after resume", ou)
	}
	got := applied(srv2)
	if got["ResetEnabledBaseline "+ou] != 1 || got["EnableBaseline "+ou] != 0 || got["ProvisionProduct 262579479752"] != 1 {
		t.Errorf("resume mutations %v: want the failed registration reset once, Shared Services enrolled once", got)
	}
}
