package steps_test

import (
	"context"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/sim"
)

// scp.attach puts an SCP on an OU an earlier step created (its ID a step output), once: a second run
// finds it attached and calls nothing.
func TestSCPAttachToCreatedOU(t *testing.T) {
	snap := orgOrganization(t)
	ix := inventory.NewIndex(snap)
	var pol *inventory.Policy
	for i := range snap.Policies {
		if !snap.Policies[i].AWSManaged {
			pol = &snap.Policies[i]
			break
		}
	}
	if pol == nil {
		t.Fatal("the test organization has no customer SCP")
	}
	create := plans.Step{ID: "ou.create/" + ix.RootID() + "/Moved", Kind: plans.KindOUCreate,
		Params: plans.OUCreate{ParentID: plans.Lit(ix.RootID()), Name: "Moved"}}
	attach := plans.Step{ID: "scp.attach/" + pol.ID + "/Moved", Kind: plans.KindSCPAttach, DependsOn: []string{create.ID},
		Params: plans.SCPAttach{PolicyID: pol.ID, TargetID: plans.Out(create.ID, plans.OutputOUID)}}
	p := orgHandPlan(t, snap, create, attach)
	if err := p.CheckRefs(); err != nil {
		t.Fatal(err)
	}
	r := newOrgRun(t, snap, p, sim.Options{})
	sum := r.run(context.Background())
	orgWantDone(t, sum, attach.ID)

	end := inventory.NewIndex(r.srv.Snapshot())
	moved := end.OUByName(end.RootID(), "Moved")
	if moved == nil {
		t.Fatal("the OU was not created")
	}
	found := false
	for _, id := range end.PoliciesOn(moved.ID) {
		found = found || id == pol.ID
	}
	if !found {
		t.Errorf("SCP %s is not attached to %s: %v", pol.ID, moved.ID, end.PoliciesOn(moved.ID))
	}
	if n := r.mutations()["AttachPolicy "+pol.ID+"/"+moved.ID]; n != 1 {
		t.Errorf("AttachPolicy %s/%s applied %d times, want once; all: %v", pol.ID, moved.ID, n, r.mutations())
	}

	// A second run from the journal finds everything in place and mutates nothing.
	before := len(r.mutations())
	sum = r.run(context.Background())
	if !sum.Complete() || sum.Previously != 2 {
		t.Errorf("the second run: complete %v, %d done before, want 2:%s", sum.Complete(), sum.Previously, orgSummaryText(sum))
	}
	if after := len(r.mutations()); after != before {
		t.Errorf("the second run mutated: %v", r.mutations())
	}
}
