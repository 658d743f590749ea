package plans

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/scope"
)

// afterPlan applies what the plan's steps do to the organization's structure — OUs created, SCPs
// attached and detached, accounts moved (by account.move, or by Account Factory as account.enroll
// enrolls them into another OU) — to a copy of the snapshot, in execution order, leaving out the
// steps that cannot run (blocked, or waiting for a blocked step).
func afterPlan(t testing.TB, snap *inventory.Snapshot, p *Plan) *inventory.Snapshot {
	t.Helper()
	c := cloneSnapshot(t, snap)
	blocked := p.Blocked()
	created := map[string]string{} // ou.create step -> the ID the simulated OU gets
	policy := func(id string) *inventory.Policy {
		for i := range c.Policies {
			if c.Policies[i].ID == id {
				return &c.Policies[i]
			}
		}
		t.Fatalf("the plan names unknown SCP %s", id)
		return nil
	}
	resolve := func(v Value) string {
		if !v.IsRef() {
			return v.Literal
		}
		switch {
		case v.Output == OutputOUID:
			if id := created[v.FromStep]; id != "" {
				return id
			}
		case v.Output == OutputSandboxOUID:
			id := "ou-sim-sandbox"
			if !slices.ContainsFunc(c.OUs, func(o inventory.OU) bool { return o.ID == id }) {
				c.OUs = append(c.OUs, inventory.OU{ID: id, Name: scope.DefaultSandboxOU, ParentID: c.Roots[0].ID})
			}
			return id
		}
		t.Fatalf("cannot resolve %+v", v)
		return ""
	}
	for _, st := range p.OrderedSteps() {
		if _, no := blocked[st.ID]; no {
			continue
		}
		switch prm := st.Params.(type) {
		case OUCreate:
			id := "ou-sim-" + st.ID
			created[st.ID] = id
			c.OUs = append(c.OUs, inventory.OU{ID: id, Name: prm.Name, ParentID: resolve(prm.ParentID)})
		case SCPAttach:
			pol := policy(prm.PolicyID)
			pol.Targets = append(pol.Targets, resolve(prm.TargetID))
		case SCPDetach:
			pol := policy(prm.PolicyID)
			pol.Targets = slices.DeleteFunc(pol.Targets, func(x string) bool { return x == prm.TargetID })
		case AccountMove:
			for i := range c.Accounts {
				if c.Accounts[i].ID == prm.AccountID {
					if src := resolve(prm.SourceParentID); c.Accounts[i].ParentID != src {
						t.Fatalf("%s moves %s from %s, but it is in %s", st.ID, prm.AccountID, src, c.Accounts[i].ParentID)
					}
					c.Accounts[i].ParentID = resolve(prm.DestinationParentID)
				}
			}
		case AccountEnroll:
			// Account Factory moves the account into the OU it enrolls it into.
			for i := range c.Accounts {
				if c.Accounts[i].ID == prm.AccountID {
					c.Accounts[i].ParentID = resolve(prm.OUID)
				}
			}
		}
	}
	return c
}

// customerSCPsApplying lists the customer SCPs (neither AWS-managed nor ALZ's) that apply to an
// account: attached to it, its OU or an ancestor — the path the SCP evaluator walks.
func customerSCPsApplying(ix *inventory.Index, ev *checks.Evaluator, account string) map[string]bool {
	out := map[string]bool{}
	for _, level := range ev.Path(account) {
		for _, id := range ix.PoliciesOn(level) {
			if p := ix.Policy(id); p != nil && !p.AWSManaged && !checks.IsALZPolicy(p) {
				out[id] = true
			}
		}
	}
	return out
}

// checkGuardrails: after the plan, every account the plan migrates is still subject to every
// customer SCP that applied to it before — except the accounts an unfixed scp.moved-accounts
// blocker names, which the plan does not move.
func checkGuardrails(t testing.TB, snap *inventory.Snapshot, p *Plan) (carried int) {
	t.Helper()
	before := inventory.NewIndex(snap)
	evBefore := checks.NewEvaluator(before)
	after := inventory.NewIndex(afterPlan(t, snap, p))
	evAfter := checks.NewEvaluator(after)
	exempt := map[string]bool{}
	for _, f := range p.Findings {
		if f.Check == "scp.moved-accounts" && f.Severity == checks.Blocker && !f.FixedByPlan {
			for _, s := range f.Subjects {
				if s.Kind == checks.KindAccount {
					exempt[s.ID] = true
				}
			}
		}
	}
	for _, d := range p.Accounts {
		if d.How != HowOURegistration && d.How != HowEnroll && d.How != HowBlocked {
			continue
		}
		was := customerSCPsApplying(before, evBefore, d.AccountID)
		now := customerSCPsApplying(after, evAfter, d.AccountID)
		for _, id := range slices.Sorted(maps.Keys(was)) {
			if now[id] {
				continue
			}
			if exempt[d.AccountID] && d.How == HowBlocked {
				continue
			}
			t.Fatalf("account %s (%s, in %s before, %s after) is no longer subject to SCP %s (%s)\nreason: %s",
				d.AccountID, d.How, before.Path(before.Parent(d.AccountID)), after.Path(after.Parent(d.AccountID)), id, before.Policy(id).Name, d.Reason)
		}
		if before.Parent(d.AccountID) != after.Parent(d.AccountID) && len(was) > 0 {
			carried++
		}
	}
	return carried
}

const denyEC2 = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:*","Resource":"*"}]}`

// fullAccess attaches FullAWSAccess where AWS does: the root, every OU and every account.
func (t *tiny) fullAccess() {
	targets := []string{t.s.Roots[0].ID}
	for _, o := range t.s.OUs {
		targets = append(targets, o.ID)
	}
	for _, a := range t.s.Accounts {
		targets = append(targets, a.ID)
	}
	t.s.Policies = append(t.s.Policies, inventory.Policy{ID: "p-FullAWSAccess", Name: "FullAWSAccess", AWSManaged: true,
		Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, Targets: targets})
}

func (t *tiny) scp(id, name string, targets ...string) {
	t.s.Policies = append(t.s.Policies, inventory.Policy{ID: id, Name: name, Document: denyEC2, Targets: targets})
}

// TestDeepAccountsKeepTheirSCPs: accounts moved up out of OUs too deep to register keep the
// customer SCPs of the OUs they leave — a new OU carries them, else the account itself — and an
// account whose SCPs fit neither is not moved: its enrollment is blocked by scp.moved-accounts,
// and lz2ct check fails with it.
func TestDeepAccountsKeepTheirSCPs(t *testing.T) {
	build := deepOrgWithSCPs
	// One SCP on the six-level OU: a new OU next to L5 (five levels deep) carries it.
	o, ids, _, l4 := build(1, 0)
	p := o.plan(t, nil)
	key := l4 + "/L6"
	attach := p.Step("scp.attach/p-deep0000000/" + key)
	mv := p.Step("account.move/" + ids[0])
	if attach == nil || mv == nil || mv.Params.(AccountMove).DestinationParentID != Out("ou.create/"+key, OutputOUID) || !slices.Contains(mv.DependsOn, attach.ID) {
		t.Fatalf("the new OU does not carry the SCP before the move: attach %+v, move %+v", attach, mv)
	}
	if d := disposition(p, ids[0]); d.How != HowOURegistration || !strings.Contains(d.Reason, "deep-guard-0") {
		t.Errorf("disposition %+v", d)
	}
	if f := p.Findings; !slices.ContainsFunc(f, func(f checks.Finding) bool { return f.Check == "scp.moved-accounts" && f.FixedByPlan }) {
		t.Error("the pre-checks do not say the plan carries the SCPs")
	}

	// Four SCPs: too many for a new OU (FullAWSAccess and Control Tower's own need room), so they
	// are attached to each account, which then moves into L5.
	o, ids, _, _ = build(4, 0)
	p = o.plan(t, nil)
	mv = p.Step("account.move/" + ids[0])
	for i := 0; i < 4; i++ {
		a := p.Step(fmt.Sprintf("scp.attach/p-deep%07d/%s", i, ids[0]))
		if a == nil || a.Params.(SCPAttach).TargetID != Lit(ids[0]) || !slices.Contains(mv.DependsOn, a.ID) {
			t.Fatalf("SCP %d is not attached to the account before it moves: %+v", i, a)
		}
	}

	// Four on the OU and two of its own: the account cannot hold them either. It is not moved,
	// its enrollment is blocked, and the other account (one SCP of its own) moves with them.
	o, ids, _, _ = build(4, 2)
	p = o.plan(t, nil)
	if p.Step("account.move/"+ids[0]) != nil {
		t.Fatal("an account whose SCPs cannot be carried is moved")
	}
	enr := p.Step("account.enroll/" + ids[0])
	if enr == nil || !strings.Contains(enr.Blocked, "scp.moved-accounts") {
		t.Fatalf("its enrollment is not blocked by scp.moved-accounts: %+v", enr)
	}
	if d := disposition(p, ids[0]); d.How != HowBlocked || !strings.Contains(d.Reason, "merge") && !strings.Contains(d.Reason, "scp.moved-accounts") {
		t.Errorf("disposition %+v", d)
	}
	if p.Step("account.move/"+ids[1]) == nil {
		t.Error("the other account does not move")
	}
	rep := checks.Run(checks.Input{Snapshot: o.s, Settings: p.Settings})
	if len(rep.Unfixed()) == 0 {
		t.Error("lz2ct check would pass though the plan has a blocked step")
	}
}

// deepOrgWithSCPs is an organization with a six-level OU of two accounts (L1/…/L6) that carries
// deepSCPs customer SCPs, the first account ownSCPs more of its own, and FullAWSAccess everywhere.
func deepOrgWithSCPs(deepSCPs, ownSCPs int) (o *tiny, ids []string, deep, l4 string) {
	o = newTiny()
	parent := "r-ab12"
	for i := 1; i <= 6; i++ {
		parent = o.ou(parent, fmt.Sprintf("L%d", i))
		if i == 4 {
			l4 = parent
		}
	}
	ids = o.accounts(parent, 2)
	for i := 0; i < deepSCPs; i++ {
		o.scp(fmt.Sprintf("p-deep%07d", i), fmt.Sprintf("deep-guard-%d", i), parent)
	}
	for i := 0; i < ownSCPs; i++ {
		o.scp(fmt.Sprintf("p-own0%07d", i), fmt.Sprintf("own-guard-%d", i), ids[0])
	}
	o.fullAccess()
	return o, ids, parent, l4
}
