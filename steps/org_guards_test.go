package steps_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/orggen"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/sim"
)

// The Organizations kinds' guards and AWS's refusals, end to end: a step the guard refuses fails as
// unsafe, names what is in the way and makes no mutating call; the rest of the run goes on.

func orgOutcome(sum *engine.Summary, step string) (engine.Outcome, string) {
	for _, o := range sum.Done {
		if o.Step == step {
			return o, "done"
		}
	}
	for _, o := range sum.Failed {
		if o.Step == step {
			return o, "failed"
		}
	}
	return engine.Outcome{}, "neither done nor failed"
}

func orgWantFailed(t *testing.T, sum *engine.Summary, step string, contains ...string) engine.Outcome {
	t.Helper()
	o, how := orgOutcome(sum, step)
	if how != "failed" {
		t.Fatalf("%s: %s, want failed:%s", step, how, orgSummaryText(sum))
	}
	for _, c := range contains {
		if !strings.Contains(o.Error+" "+o.Advice, c) {
			t.Errorf("%s failed with %q (advice %q), which does not say %q", step, o.Error, o.Advice, c)
		}
	}
	return o
}

func orgWantDone(t *testing.T, sum *engine.Summary, step string) {
	t.Helper()
	if _, how := orgOutcome(sum, step); how != "done" {
		t.Errorf("%s: %s, want done:%s", step, how, orgSummaryText(sum))
	}
}

func (r *orgRun) calledOp(op string) []string {
	var out []string
	for _, c := range r.srv.Calls() {
		if c.Operation == op {
			out = append(out, c.Target+" "+c.Code)
		}
	}
	return out
}

// A delegated administrator for AWS Config: its trusted access stays; CloudTrail's goes.
func TestOrgTrustedAccessGuard(t *testing.T) {
	snap := orgOrganization(t)
	snap.DelegatedAdmins = append(snap.DelegatedAdmins, inventory.DelegatedAdministrator{AccountID: "923262032000", ServicePrincipal: "config.amazonaws.com"})
	p := orgPlan(t, snap, orgSettings(t, snap), func(st plans.Step) bool { return st.Kind == plans.KindTrustedAccessDisable })
	r := newOrgRun(t, snap, p, sim.Options{})
	sum := r.run(context.Background())
	orgWantFailed(t, sum, "trusted-access.disable/config.amazonaws.com", "unsafe", "923262032000", "deregister-delegated-administrator")
	orgWantDone(t, sum, "trusted-access.disable/cloudtrail.amazonaws.com")
	if got := r.calledOp("DisableAWSServiceAccess"); !slices.Equal(got, []string{"cloudtrail.amazonaws.com "}) {
		t.Errorf("DisableAWSServiceAccess calls %v, want CloudTrail's only", got)
	}
	if !slices.Contains(r.srv.Snapshot().TrustedServices, "config.amazonaws.com") {
		t.Error("trusted access for AWS Config was disabled despite its delegated administrator")
	}
}

// An old ALZ account left in the core OU: the OU is not deleted, and the note names the account.
func TestOrgCoreOUGuard(t *testing.T) {
	snap := orgOrganization(t)
	const security = "923262032000"
	p := orgPlan(t, snap, orgSettings(t, snap), func(st plans.Step) bool {
		return st.Kind == plans.KindOUDelete || (st.Kind == plans.KindAccountMove && strings.HasPrefix(st.ID, "account.move/") &&
			st.Params.(plans.AccountMove).SourceParentID.Literal == "ou-wkmz-24hf391y" && st.Params.(plans.AccountMove).AccountID != security)
	})
	if len(stepsOf(p, plans.KindAccountMove)) != 2 {
		t.Fatalf("want the moves of the two other core accounts, got %d", len(stepsOf(p, plans.KindAccountMove)))
	}
	r := newOrgRun(t, snap, p, sim.Options{})
	sum := r.run(context.Background())
	orgWantFailed(t, sum, "ou.delete/ou-wkmz-24hf391y", "unsafe", "core", security+" (security)", "1 account")
	for _, st := range stepsOf(p, plans.KindAccountMove) {
		orgWantDone(t, sum, st.ID)
	}
	if got := r.calledOp("DeleteOrganizationalUnit"); len(got) != 0 {
		t.Errorf("DeleteOrganizationalUnit was called: %v", got)
	}
	if inventory.NewIndex(r.srv.Snapshot()).OU("ou-wkmz-24hf391y") == nil {
		t.Error("the core OU was deleted")
	}
}

// An SCP is deleted only when exported and attached nowhere.
func TestOrgSCPDeleteGuard(t *testing.T) {
	snap := orgOrganization(t)
	s := orgSettings(t, snap)
	p := orgPlan(t, snap, s, func(st plans.Step) bool { return st.Kind == plans.KindSCPDelete })
	r := newOrgRun(t, snap, p, sim.Options{})
	sum := r.run(context.Background())
	orgWantFailed(t, sum, "scp.delete/p-bby1ht1b", "unsafe", "exports/scp/p-bby1ht1b.json", "still attached to", "OU ou-wkmz-24zd7qqm (Workloads)")
	orgWantFailed(t, sum, "scp.delete/p-olgew5gu", "unsafe", "exports/scp/p-olgew5gu.json", "OU ou-wkmz-24hf391y (core)")

	// Exported, still attached: still refused, for the attachment alone.
	r.plan = orgPlan(t, snap, s, func(st plans.Step) bool {
		return st.Kind == plans.KindSCPDelete || st.ID == "export.scp/p-bby1ht1b" || st.ID == "export.scp/p-olgew5gu"
	})
	sum = r.run(context.Background())
	o := orgWantFailed(t, sum, "scp.delete/p-bby1ht1b", "still attached to")
	if strings.Contains(o.Error, "export") {
		t.Errorf("exported, yet the refusal mentions the export: %s", o.Error)
	}
	if got := r.calledOp("DeletePolicy"); len(got) != 0 {
		t.Errorf("DeletePolicy was called: %v", got)
	}
}

// orgHandPlan is the plan of snap with only the given steps, in phase 6, in this order.
func orgHandPlan(t *testing.T, snap *inventory.Snapshot, steps ...plans.Step) *plans.Plan {
	t.Helper()
	p := &plans.Plan{Version: plans.Version, Organization: snap.Organization.ID, SnapshotHash: "sha256:test", CreatedFrom: "org_guards_test"}
	p.Settings.AccountConcurrency = 1
	for i, id := range plans.PhaseIDs {
		p.Phases = append(p.Phases, plans.Phase{Number: i, ID: id, Name: id, EstimateSeconds: 60})
	}
	p.Accounts = append(p.Accounts, plans.AccountDisposition{AccountID: snap.Organization.ManagementAccountID, How: plans.HowManagement})
	for _, st := range steps {
		if st.Title == "" {
			st.Title = st.ID
		}
		p.Phases[6].Steps = append(p.Phases[6].Steps, st)
		p.ExecutionOrder = append(p.ExecutionOrder, st.ID)
	}
	return p
}

// The closure quota and the management account: the quota's refusal says when it frees, and
// nothing else in the run waits on it.
func TestOrgAccountCloseRefusals(t *testing.T) {
	gp := orggen.DefaultParams()
	gp.Accounts, gp.OUs = 300, 8
	snap, err := orggen.Generate(gp)
	if err != nil {
		t.Fatal(err)
	}
	mgmt := snap.Organization.ManagementAccountID
	var members []string
	for _, a := range snap.Accounts {
		if a.ID != mgmt && a.Status == inventory.AccountActive {
			members = append(members, a.ID)
		}
	}
	quota := max(250, (len(snap.Accounts)-1)/5) // the higher of 250 and 20 % of the member accounts
	if len(members) <= quota+1 {
		t.Fatalf("%d active members: too few to reach the closure quota of %d", len(members), quota)
	}
	closing := members[quota]
	p := orgHandPlan(t, snap,
		plans.Step{ID: "account.close/" + mgmt, Kind: plans.KindAccountClose, Params: plans.AccountClose{AccountID: mgmt}},
		plans.Step{ID: "account.close/" + closing, Kind: plans.KindAccountClose, Params: plans.AccountClose{AccountID: closing}},
		plans.Step{ID: "trusted-access.disable/" + orgFreeService(t, snap), Kind: plans.KindTrustedAccessDisable, Params: plans.TrustedAccessDisable{ServicePrincipal: orgFreeService(t, snap)}},
	)
	r := newOrgRun(t, snap, p, sim.Options{})
	// Someone closed the quota's worth of accounts in the last 30 days.
	org := awsapi.Organizations(r.aws.Management())
	for _, id := range members[:quota] {
		if _, err := org.CloseAccount(context.Background(), &organizations.CloseAccountInput{AccountId: aws.String(id)}); err != nil {
			t.Fatalf("closing %s beforehand: %v", id, err)
		}
	}
	sum := r.run(context.Background())
	orgWantFailed(t, sum, "account.close/"+mgmt, "unsafe", "management account")
	by := time.Now().Add(30 * 24 * time.Hour).UTC().Format("2006-01-02")
	orgWantFailed(t, sum, "account.close/"+closing, "CLOSE_ACCOUNT_QUOTA_EXCEEDED", "20 %", "frees by "+by, "lz2ct resume")
	if _, how := orgOutcome(sum, "trusted-access.disable/"+orgFreeService(t, snap)); how != "done" {
		t.Errorf("a step that does not depend on the closures: %s", how)
	}
	ix := inventory.NewIndex(r.srv.Snapshot())
	if a := ix.Account(closing); a.Status != inventory.AccountActive {
		t.Errorf("%s is %s", closing, a.Status)
	}
	if got := r.calledOp("CloseAccount"); slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, mgmt) }) {
		t.Errorf("CloseAccount was called for the management account: %v", got)
	}
}

// orgFreeService is a service with trusted access and no delegated administrator.
func orgFreeService(t *testing.T, snap *inventory.Snapshot) string {
	t.Helper()
	for _, svc := range snap.TrustedServices {
		if !slices.ContainsFunc(snap.DelegatedAdmins, func(d inventory.DelegatedAdministrator) bool { return d.ServicePrincipal == svc }) {
			return svc
		}
	}
	t.Fatal("every trusted service has a delegated administrator")
	return ""
}

// CreateAccount's asynchronous failures and its quota.
func TestOrgAccountCreateRefusals(t *testing.T) {
	snap := orgOrganization(t)
	p := orgPlan(t, snap, orgSettings(t, snap), func(st plans.Step) bool { return st.Kind == plans.KindAccountCreate })
	audit := "aws+ct-audit@acme-corp.example"
	r := newOrgRun(t, snap, p, sim.Options{Faults: []sim.Fault{
		{Service: "organizations", Operation: "CreateAccount", Target: audit, Action: sim.FaultFailAsync, Code: "EMAIL_ALREADY_EXISTS"}}})
	sum := r.run(context.Background())
	orgWantFailed(t, sum, "account.create/audit", "EMAIL_ALREADY_EXISTS", "choose another e-mail")
	orgWantDone(t, sum, "account.create/log-archive")
	// The cause is gone (say the other account was closed and removed): resume creates it.
	if err := r.srv.SetFaults(nil); err != nil {
		t.Fatal(err)
	}
	sum = r.run(context.Background())
	orgWantDone(t, sum, "account.create/audit")
	if got := r.mutations(); got["CreateAccount "+audit] != 2 || got["CreateAccount aws+ct-log-archive@acme-corp.example"] != 1 {
		t.Errorf("CreateAccount calls %v: want the audit account's twice (the first failed), the log archive's once", got)
	}

	// The organization's account quota leaves room for one.
	snap = orgOrganization(t)
	snap.Organization.AccountQuota = len(snap.Accounts) + 1
	r = newOrgRun(t, snap, p, sim.Options{})
	sum = r.run(context.Background())
	if len(sum.Done) != 1 || len(sum.Failed) != 1 {
		t.Fatalf("want one account created and one refused:%s", orgSummaryText(sum))
	}
	orgWantFailed(t, sum, sum.Failed[0].Step, "ACCOUNT_NUMBER_LIMIT_EXCEEDED", "L-29A0C5DF")
}
