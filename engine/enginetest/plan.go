// Package enginetest builds plans for tests of the engine and its commands, by hand, from the kinds
// steps/ implements: the SCP exports and detaches of ALZ's own SCPs, a manual step and verify
// checkpoints. It stands in for the planner until the planner writes format 2 for every kind.
package enginetest

import (
	"sort"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/plans"
)

// Options choose what the plan holds.
type Options struct {
	// Detach adds an scp.detach step per target of each exported SCP (except roots).
	Detach bool
	// Manual adds a manual step after the detaches and a checkpoint after it.
	Manual bool
	// Policies are the SCPs to export (and detach); nil = ALZ's own (aws-landing-zone-*,
	// protect-cloudtrail-config).
	Policies []string
}

// IsALZPolicy reports whether an SCP is one ALZ made.
func IsALZPolicy(name string) bool {
	return strings.HasPrefix(name, "aws-landing-zone-") || name == "protect-cloudtrail-config"
}

// SCPPlan builds the plan for snap.
func SCPPlan(snap *inventory.Snapshot, o Options) *plans.Plan {
	p := &plans.Plan{Version: plans.Version, Organization: snap.Organization.ID, SnapshotHash: "sha256:test",
		CreatedFrom: "enginetest.SCPPlan"}
	p.Settings.AccountConcurrency = 1
	for i, id := range plans.PhaseIDs {
		p.Phases = append(p.Phases, plans.Phase{Number: i, ID: id, Name: id, EstimateSeconds: 60})
	}
	p.Accounts = append(p.Accounts, plans.AccountDisposition{AccountID: snap.Organization.ManagementAccountID, How: plans.HowManagement})
	want := map[string]bool{}
	for _, id := range o.Policies {
		want[id] = true
	}
	var pols []inventory.Policy
	for _, pol := range snap.Policies {
		if (o.Policies == nil && IsALZPolicy(pol.Name)) || want[pol.ID] {
			pols = append(pols, pol)
		}
	}
	sort.Slice(pols, func(i, j int) bool { return pols[i].ID < pols[j].ID })
	var detaches []string
	for _, pol := range pols {
		exp := plans.Step{ID: "export.scp/" + pol.ID, Kind: plans.KindExportSCP, Title: "Export SCP " + pol.Name,
			Why: "keep the document before anything detaches it", Target: plans.Target{Resource: pol.ID},
			Params: plans.ExportSCP{PolicyID: pol.ID, Path: "exports/scp/" + pol.ID + ".json"}}
		p.Phases[0].Steps = append(p.Phases[0].Steps, exp)
		if !o.Detach {
			continue
		}
		targets := append([]string(nil), pol.Targets...)
		sort.Strings(targets)
		for _, t := range targets {
			if strings.HasPrefix(t, "r-") {
				continue
			}
			id := "scp.detach/" + pol.ID + "/" + t
			p.Phases[2].Steps = append(p.Phases[2].Steps, plans.Step{ID: id, Kind: plans.KindSCPDetach,
				Title: "Detach " + pol.Name + " from " + t, Why: "it denies the Config changes the migration makes",
				Target: plans.Target{Resource: pol.ID, OUID: t}, DependsOn: []string{exp.ID}, Destructive: true,
				Params: plans.SCPDetach{PolicyID: pol.ID, TargetID: t}})
			detaches = append(detaches, id)
		}
	}
	var exports []string
	for _, s := range p.Phases[0].Steps {
		exports = append(exports, s.ID)
	}
	p.Phases[0].Steps = append(p.Phases[0].Steps, plans.Step{ID: "verify/exports", Kind: plans.KindVerify, Title: "Every SCP is exported",
		DependsOn: exports, Params: plans.Verify{Condition: "every SCP the plan changes is saved in the state folder"}})
	last := "verify/exports"
	if o.Detach {
		p.Phases[2].Steps = append(p.Phases[2].Steps, plans.Step{ID: "verify/detached", Kind: plans.KindVerify, Title: "ALZ's SCPs are detached",
			DependsOn: append(detaches, "verify/exports"), Params: plans.Verify{Condition: "no ALZ SCP is attached where the plan detaches it"}})
		last = "verify/detached"
	}
	if o.Manual {
		p.Phases[4].Steps = append(p.Phases[4].Steps,
			plans.Step{ID: "manual/check-workloads", Kind: plans.KindManual, Title: "Check the workloads", DependsOn: []string{last},
				Manual: true, Params: plans.Manual{Instructions: []string{"Ask the workload owners whether anything broke.", "Note the answer in the change ticket."}}},
			plans.Step{ID: "verify/done", Kind: plans.KindVerify, Title: "Done", DependsOn: []string{"manual/check-workloads"},
				Params: plans.Verify{Condition: "the workloads are fine"}})
	}
	for _, ph := range p.Phases {
		for _, s := range ph.Steps {
			p.ExecutionOrder = append(p.ExecutionOrder, s.ID)
		}
	}
	return p
}

// Cut keeps the steps of a plan (one the planner built) that keep says, and drops the others: a kept
// step then depends on the kept steps it reached through the dropped ones, so the plan's order
// stays (a Config removal still waits for the SCP detach its OU's registration waited for). Blocked
// steps are dropped. Tests use it to run the kinds they are about on a real plan.
func Cut(p *plans.Plan, keep func(*plans.Step) bool) *plans.Plan {
	kept, deps := map[string]bool{}, map[string][]string{}
	for i := range p.Phases {
		var out []plans.Step
		for _, st := range p.Phases[i].Steps {
			deps[st.ID] = st.DependsOn
			if keep(&st) && st.Blocked == "" {
				out = append(out, st)
				kept[st.ID] = true
			}
		}
		p.Phases[i].Steps = out
	}
	var reach func(id string, seen map[string]bool, out *[]string)
	reach = func(id string, seen map[string]bool, out *[]string) {
		for _, d := range deps[id] {
			if seen[d] {
				continue
			}
			seen[d] = true
			if kept[d] {
				*out = append(*out, d)
			} else {
				reach(d, seen, out)
			}
		}
	}
	for i := range p.Phases {
		for j := range p.Phases[i].Steps {
			st := &p.Phases[i].Steps[j]
			var ds []string
			reach(st.ID, map[string]bool{}, &ds)
			sort.Strings(ds)
			st.DependsOn = ds
		}
	}
	var order []string
	for _, id := range p.ExecutionOrder {
		if kept[id] {
			order = append(order, id)
		}
	}
	p.ExecutionOrder = order
	return p
}
